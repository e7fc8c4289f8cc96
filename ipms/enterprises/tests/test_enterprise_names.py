"""公司名称 goes into the invitation SMS signed by the platform: it must read as a company name,
and every invitation SMS counts in the platform's daily SMS budget (issue 9, C3)."""

import logging

import pytest
from django.urls import reverse

from ipms.core.errors import DomainError
from ipms.core.sms import outbox
from ipms.core.sms.limits import sms_quota_consume
from ipms.enterprises.admin import EnterpriseAdminForm
from ipms.enterprises.models import Enterprise, Membership
from ipms.enterprises.services import (
    InviteRow,
    enterprise_register,
    enterprise_update_profile,
    membership_invite,
    membership_invite_bulk,
)
from ipms.enterprises.validators import (
    ENTERPRISE_NAME_CHARACTER,
    ENTERPRISE_NAME_DIGITS,
    ENTERPRISE_NAME_LENGTH,
    ENTERPRISE_NAME_NO_LETTERS,
    ENTERPRISE_NAME_URL,
    enterprise_name_error,
)

from .factories import EnterpriseFactory, UserFactory, make_uscc

pytestmark = pytest.mark.django_db

ATTACK = "请立即访问 http://pay.example.cn 缴纳认证费 否则"
BAD = [
    (ATTACK, ENTERPRISE_NAME_URL),
    ("请访问 www.example.com 领取", ENTERPRISE_NAME_URL),
    ("请访问ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ", ENTERPRISE_NAME_URL),  # full-width
    ("登录 pay.example.top 缴费", ENTERPRISE_NAME_URL),
    ("访问 支付.com 缴费", ENTERPRISE_NAME_URL),
    ("请拨打13600002925缴纳认证费", ENTERPRISE_NAME_DIGITS),
    ("请拨打 136-0000-2925", ENTERPRISE_NAME_DIGITS),
    ("请拨打１３６００００２９２５", ENTERPRISE_NAME_DIGITS),  # full-width digits
    ("客服电话 4008001234", ENTERPRISE_NAME_DIGITS),
    ("【贯标认证学习平台】紧急通知", ENTERPRISE_NAME_CHARACTER.format(char="【")),
    ("中奖啦！!!领取奖品", ENTERPRISE_NAME_CHARACTER.format(char="!")),
    ("某某公司<script>", ENTERPRISE_NAME_CHARACTER.format(char="<")),
    ("某某\n有限公司", ENTERPRISE_NAME_CHARACTER.format(char="特殊字符")),
    ("宝洁公司😀", ENTERPRISE_NAME_CHARACTER.format(char="😀")),
    ("甲", ENTERPRISE_NAME_LENGTH),
    ("名" * 51, ENTERPRISE_NAME_LENGTH),
    ("——", ENTERPRISE_NAME_NO_LETTERS),
]
GOOD = [
    "苏州示范智能科技有限公司",
    "阿里巴巴（中国）网络技术有限公司",
    "阿里巴巴（中国）网络技术有限公司",
    "TCL科技集团股份有限公司",
    "3M中国有限公司",
    "58同城信息技术有限公司",
    "A.O.史密斯（中国）热水器有限公司",
    "H&M服饰（上海）有限公司",
    "Siemens Ltd., China",
    "中国石油化工股份有限公司北京燕山分公司",
    "中建三局第一建设工程有限责任公司",
    "测试科技有限公司123456",
    "名" * 50,
]


@pytest.mark.parametrize(("name", "message"), BAD)
def test_names_that_are_not_company_names(name, message):
    assert enterprise_name_error(name) == message


@pytest.mark.parametrize("name", GOOD)
def test_real_company_names(name):
    assert enterprise_name_error(name) is None


def test_registration_refuses_it_in_the_service():
    with pytest.raises(DomainError) as caught:
        enterprise_register(name=ATTACK, credit_code=make_uscc(7), admin_user=UserFactory())
    assert (caught.value.message, caught.value.field) == (ENTERPRISE_NAME_URL, "name")
    assert not Enterprise.objects.exists()


def test_the_profile_edit_refuses_it(admin_client, enterprise):
    data = {
        "name": ATTACK,
        "credit_code": enterprise.credit_code,
        "address": enterprise.address,
        "scale": enterprise.scale,
        "industry": enterprise.industry,
        "type": enterprise.type,
    }
    response = admin_client.post(reverse("enterprises:profile"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [ENTERPRISE_NAME_URL]
    with pytest.raises(DomainError):
        enterprise_update_profile(enterprise=enterprise, by=enterprise.created_by, **data)
    enterprise.refresh_from_db()
    assert enterprise.name != ATTACK


def test_the_console_refuses_it(enterprise):
    form = EnterpriseAdminForm(
        {
            "name": ATTACK,
            "credit_code": enterprise.credit_code,
            "address": "",
            "scale": "",
            "industry": "",
            "type": "",
        },
        instance=enterprise,
    )
    assert not form.is_valid()
    assert form.errors["name"] == [ENTERPRISE_NAME_URL]


def test_a_name_stored_before_the_rule_never_leaves_in_an_sms(admin_client, enterprise):
    """Names stored earlier are not rewritten, but no invitation carries one."""
    Enterprise.objects.filter(pk=enterprise.pk).update(name=ATTACK)
    data = {"name": "", "phone": "13600002925", "position": "legal"}
    response = admin_client.post(reverse("enterprises:member_add"), data)
    assert response.status_code == 200
    assert "请先在“企业信息”中按营业执照修改公司名称（公司名称不能包含网址或域名）" in (
        response.content.decode()
    )
    rows = [InviteRow(ref=1, phone="13600002926", position=Membership.Position.LEGAL)]
    with pytest.raises(DomainError):
        membership_invite_bulk(enterprise=enterprise, by=enterprise.created_by, rows=rows)
    assert not Membership.objects.filter(phone__in=["13600002925", "13600002926"]).exists()
    assert len(outbox) == 0


# --- the SMS budget -----------------------------------------------------------------------


def _invite(enterprise, admin, phone):
    return membership_invite(
        enterprise=enterprise,
        by=admin,
        phone=phone,
        name="",
        position=Membership.Position.LEGAL,
        province="",
        city="",
    )


def test_invitations_count_against_the_platforms_hard_limit(
    settings, enterprise, admin_user, django_capture_on_commit_callbacks
):
    settings.SMS_DAILY_HARD_LIMIT = 3
    # A verification code and the invitations share the platform's count.
    sms_quota_consume(phone="13900000001", ip="203.0.113.5")
    with django_capture_on_commit_callbacks(execute=True):
        _invite(enterprise, admin_user, "13600000001")
        _invite(enterprise, admin_user, "13600000002")
    assert len(outbox) == 2
    with pytest.raises(DomainError) as caught:
        _invite(enterprise, admin_user, "13600000003")
    assert caught.value.message == "短信服务繁忙，请稍后再试。"
    assert not Membership.objects.filter(phone="13600000003").exists()
    assert len(outbox) == 2


def test_a_bulk_import_stops_at_the_hard_limit(settings, enterprise, admin_user):
    settings.SMS_DAILY_HARD_LIMIT = 2
    rows = [
        InviteRow(ref=n, phone=f"1360000000{n}", position=Membership.Position.LEGAL)
        for n in range(1, 5)
    ]
    result = membership_invite_bulk(enterprise=enterprise, by=admin_user, rows=rows)
    assert [ref for ref, _ in result.invited] == [1, 2]
    assert result.failed == [(3, "短信服务繁忙，请稍后再试。"), (4, "短信服务繁忙，请稍后再试。")]


def test_past_the_budget_a_warning_is_logged(settings, enterprise, admin_user, caplog):
    settings.SMS_DAILY_BUDGET = 1
    with caplog.at_level(logging.WARNING, logger="ipms.core.ratelimit"):
        _invite(enterprise, admin_user, "13600000001")
        assert "sms_daily_budget passed" not in caplog.text
        _invite(enterprise, admin_user, "13600000002")
    assert "sms_daily_budget passed" in caplog.text


def test_other_enterprises_share_the_budget(settings, enterprise, admin_user):
    settings.SMS_DAILY_HARD_LIMIT = 1
    _invite(enterprise, admin_user, "13600000001")
    other_admin = UserFactory()
    other = EnterpriseFactory(created_by=other_admin)
    Membership.objects.create(
        enterprise=other,
        user=other_admin,
        phone=other_admin.phone,
        role=Membership.Role.ADMIN,
        status=Membership.Status.VERIFIED,
        position=Membership.Position.OTHER,
    )
    with pytest.raises(DomainError):
        _invite(other, other_admin, "13600000002")
