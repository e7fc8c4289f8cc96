"""企业信息: edit the registration fields; the completeness banner."""

import pytest
from django.urls import reverse

from ipms.accounts.tests.factories import UserFactory
from ipms.enterprises.models import MSG_CREDIT_CODE_OF_ANOTHER, Enterprise

from .factories import EnterpriseFactory, enterprise_with_admin, make_uscc

pytestmark = pytest.mark.django_db

URL = reverse("enterprises:profile")
BANNER = "务必填写完整正确的企业信息，否则无法添加员工以及证书下载"


def form_data(**more):
    data = {
        "name": "知识产权科技（苏州）有限公司",
        "credit_code": "91350100M000100Y43",
        "address": "苏州工业园区星湖街328号",
        "scale": Enterprise.Scale.FROM_500,
        "industry": Enterprise.Industry.IT,
        "type": Enterprise.Type.FOREIGN_INVESTED,
    }
    return data | more


@pytest.fixture
def incomplete(db):
    enterprise, admin = enterprise_with_admin(incomplete=True)
    return enterprise, admin


def test_the_page_shows_the_registration_fields_filled_in(admin_client, enterprise):
    body = admin_client.get(URL).content.decode()
    for label in [
        "公司名称",
        "营业执照注册号/统一社会信用代码",
        "企业实际经营地址",
        "企业规模",
        "企业所属行业",
        "企业类型",
    ]:
        assert f">{label}</label>" in body
    assert f'value="{enterprise.name}"' in body
    assert f'value="{enterprise.credit_code}"' in body
    assert BANNER not in body  # complete
    assert ">提交</button>" in body


def test_submit_saves_through_the_service(admin_client, enterprise):
    response = admin_client.post(URL, form_data(credit_code="9135 0100 m000 100y43"))
    assert response.status_code == 302 and response["Location"] == URL
    enterprise.refresh_from_db()
    assert enterprise.name == "知识产权科技（苏州）有限公司"
    assert enterprise.credit_code == "91350100M000100Y43"
    assert enterprise.type == Enterprise.Type.FOREIGN_INVESTED
    assert "企业信息已保存。" in admin_client.get(URL).content.decode()


def test_the_banner_shows_while_incomplete_and_goes_once_complete(client, incomplete):
    enterprise, admin = incomplete
    client.force_login(admin)
    body = client.get(URL).content.decode()
    assert BANNER in body
    assert "企业实际经营地址、企业规模、企业所属行业、企业类型" in body
    client.post(URL, form_data(name=enterprise.name, credit_code=enterprise.credit_code))
    enterprise.refresh_from_db()
    assert enterprise.is_profile_complete
    assert BANNER not in client.get(URL).content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "请填写公司名称。"),
        ({"credit_code": ""}, "credit_code", "请填写统一社会信用代码或营业执照注册号。"),
        ({"credit_code": "12345"}, "credit_code", "请填写18位统一社会信用代码或15位营业执照注册号"),
        ({"credit_code": "91350100M000100Y44"}, "credit_code", "校验位不正确"),
        ({"address": ""}, "address", "请填写企业实际经营地址。"),
        ({"scale": ""}, "scale", "请选择企业规模。"),
        ({"scale": "huge"}, "scale", "请选择企业规模。"),
        ({"industry": ""}, "industry", "请选择企业所属行业。"),
        ({"type": "x"}, "type", "请选择企业类型。"),
        ({"name": "名" * 51}, "name", "2至50个字"),
        ({"name": "请拨打 136 0000 2925 领取证书"}, "name", "连续数字"),
    ],
)
def test_bad_input_gets_a_chinese_message_and_keeps_the_rest(
    admin_client, enterprise, data, field, message
):
    before = Enterprise.objects.get(pk=enterprise.pk)
    response = admin_client.post(URL, form_data(**data))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body
    if field != "address":
        assert 'value="苏州工业园区星湖街328号"' in body
    enterprise.refresh_from_db()
    assert enterprise.name == before.name and enterprise.credit_code == before.credit_code


def test_a_code_of_another_enterprise_gets_a_clear_message(admin_client, enterprise):
    taken = EnterpriseFactory(credit_code=make_uscc(55_555_555)).credit_code
    response = admin_client.post(URL, form_data(credit_code=taken.lower()))
    assert response.status_code == 200
    errors = response.context["form"].errors["credit_code"]
    # The admin edits their own record: no “log in” or “ask your admin” advice.
    assert errors == [MSG_CREDIT_CODE_OF_ANOTHER]
    assert "请直接登录" not in errors[0] and "管理员" not in errors[0]
    enterprise.refresh_from_db()
    assert enterprise.credit_code != taken


def test_the_form_cannot_change_fields_outside_the_profile(admin_client, enterprise, admin_user):
    other = UserFactory()
    admin_client.post(URL, form_data(created_by=other.pk, id=999))
    enterprise.refresh_from_db()
    assert enterprise.created_by == admin_user
    assert Enterprise.objects.filter(pk=enterprise.pk).exists()
