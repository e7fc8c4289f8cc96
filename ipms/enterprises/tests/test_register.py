"""企业注册 (at /accounts/register/, beside 个人注册): page, service, every refusal."""

import pytest
from django.conf import settings
from django.urls import reverse

from ipms.accounts.models import User
from ipms.accounts.tests.factories import TEST_PASSWORD as PASSWORD
from ipms.accounts.tests.factories import UserFactory
from ipms.core.errors import DomainError
from ipms.core.phone import is_mobile
from ipms.enterprises import services
from ipms.enterprises.identity import SESSION_KEY as IDENTITY_KEY
from ipms.enterprises.models import Enterprise, Membership

from .factories import EnterpriseFactory, MembershipFactory, make_uscc

pytestmark = pytest.mark.django_db

REGISTER = reverse("enterprises:register")
PHONE = "13812345678"
CODE = make_uscc(12_345_678)


def _admin_home() -> str:
    return reverse("enterprises:index")


@pytest.fixture
def learner(db):
    return UserFactory(phone="13600002925", name="张总监")


@pytest.fixture
def enterprise_data(slider_pass, send_code):
    """A visitor's form: the SMS code is fetched for the phone unless one is given.

    ``signed_in=True``: a signed-in user's form (a slider pass, no phone, code or password).
    """

    def data(*, signed_in=False, **overrides):
        values = {
            "name": "苏州测试信息科技有限公司",
            "credit_code": CODE,
            "phone": PHONE,
            "password": "Admin2026pass",
            "address": "苏州工业园区星湖街328号",
            "scale": Enterprise.Scale.FROM_500,
            "industry": Enterprise.Industry.IT,
            "type": Enterprise.Type.PRIVATE,
            "agree": "on",
        }
        if signed_in:
            values.update(phone=None, password=None, slider=slider_pass("register"))
        values.update(overrides)
        if not signed_in and "code" not in overrides:
            phone = values.get("phone")
            values["code"] = send_code(phone) if phone and is_mobile(phone) else "123456"
        return {key: value for key, value in values.items() if value is not None}

    return data


# --- 企业注册 ------------------------------------------------------------------------------


def test_enterprise_page_shows_the_manual_labels(client):
    body = client.get(REGISTER).content.decode()
    for text in [
        "企业注册",
        "个人注册",
        "请填写公司名称（营业执照上的企业名）",
        "请填写15位营业执照注册号或18位统一社会信用代码",
        "填写更多企业信息",
        "请填写企业实际经营地址",
        "请选择企业规模",
        "请选择企业所属行业",
        "请选择企业类型",
        "企业管理员可添加企业成员，查看成员的学习情况，并且下载所有成员的贯标证书",
        "请按住滑块，拖动到最右侧",
        "《用户协议》",
        ">注册</button>",
    ]:
        assert text in body, text
    assert "<details" in body and '<details class="more-info mb-3" open' not in body


def test_enterprise_registration_creates_admin_and_logs_in(client, enterprise_data):
    old_key = client.session.session_key
    response = client.post(REGISTER, enterprise_data())
    assert response.status_code == 302
    assert response.url == _admin_home()
    user = User.objects.get(phone=PHONE)
    assert user.check_password("Admin2026pass")
    assert user.agreement_version == settings.USER_AGREEMENT_VERSION and user.agreed_at
    enterprise = Enterprise.objects.get(credit_code=CODE)
    assert enterprise.address == "苏州工业园区星湖街328号" and enterprise.created_by == user
    membership = Membership.objects.get(enterprise=enterprise)
    assert membership.user == user and membership.role == Membership.Role.ADMIN
    assert membership.status == Membership.Status.VERIFIED
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session.session_key != old_key
    assert client.session[IDENTITY_KEY] == "admin"
    page = client.get(reverse("content:home")).content.decode()
    assert "企业注册成功" in page


def test_enterprise_registration_without_the_more_part(client, enterprise_data):
    data = enterprise_data(address="", scale="", industry="", type="")
    assert client.post(REGISTER, data).status_code == 302
    assert not Enterprise.objects.get().is_profile_complete


def test_everything_typed_is_kept_but_an_invalid_password(client, enterprise_data):
    data = enterprise_data(credit_code="91310000MA1FL0000X", agree=None)
    response = client.post(REGISTER, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "统一社会信用代码第9-17位（组织机构代码）不正确" in body
    assert 'value="苏州测试信息科技有限公司"' in body
    assert 'value="91310000MA1FL0000X"' in body
    assert f'value="{PHONE}"' in body
    assert 'value="苏州工业园区星湖街328号"' in body
    assert 'value="500-1000" selected' in body
    assert 'value="Admin2026pass"' in body  # a valid password stays (D8)
    assert '<details class="more-info mb-3" open' in body  # the filled part stays open
    assert "请阅读并勾选同意《用户协议》。" in body
    assert not User.objects.exists() and not Enterprise.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "请填写公司名称。"),
        ("name", "公" * 51, "公司名称应为2至50个字，请按营业执照填写。"),
        ("name", "请立即访问 http://pay.example.cn 缴纳认证费", "公司名称不能包含网址或域名。"),
        ("credit_code", "", "请填写统一社会信用代码或营业执照注册号。"),
        ("credit_code", "12345", "请填写18位统一社会信用代码或15位营业执照注册号。"),
        ("credit_code", CODE[:17] + ("0" if CODE[17] != "0" else "1"), "校验位不正确"),
        ("credit_code", "' OR 1=1; --", "请填写18位统一社会信用代码或15位营业执照注册号。"),
        ("phone", "", "请填写手机号。"),
        ("phone", "1234567", "请输入正确的11位手机号码"),
        ("password", "", "请填写登录密码。"),
        ("password", "short1", "至少"),
        ("password", "onlyletters", "字母和数字"),
        ("password", "x1" * 65, "密码不能超过128个字符。"),
        ("scale", "999", "请从列表中选择。"),
        ("type", "<script>", "请从列表中选择。"),
        ("code", "", "请填写短信验证码。"),
        ("code", "12345", "请输入6位数字验证码。"),
        ("code", "000000", "请先获取短信验证码。"),
        ("agree", "", "请阅读并勾选同意《用户协议》。"),
    ],
)
def test_enterprise_registration_refusals(client, enterprise_data, field, value, message):
    response = client.post(REGISTER, enterprise_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists() and not Enterprise.objects.exists()


def test_a_long_password_is_allowed(client, enterprise_data):
    passphrase = "correct horse battery staple 2026 " * 2  # 70 characters
    assert len(passphrase) >= 64
    assert client.post(REGISTER, enterprise_data(password=passphrase)).status_code == 302
    assert User.objects.get().check_password(passphrase)


@pytest.fixture
def signed_in_learner(client, learner):
    client.force_login(learner)
    return learner


@pytest.mark.parametrize(
    ("value", "message"),
    [("", "请先完成滑块验证。"), ("tampered-token", "请先完成滑块验证。")],
)
def test_a_signed_in_user_needs_the_slider(
    client, signed_in_learner, enterprise_data, value, message
):
    response = client.post(REGISTER, enterprise_data(signed_in=True, slider=value))
    assert message in response.content.decode()
    assert not Enterprise.objects.exists()


def test_a_slider_pass_works_once(client, signed_in_learner, enterprise_data, slider_pass):
    token = slider_pass("register")
    # Spent on a failed try, and the page says so next to the slider.
    body = client.post(REGISTER, enterprise_data(signed_in=True, slider=token, name=""))
    assert "请重新拖动滑块。" in body.content.decode()
    response = client.post(REGISTER, enterprise_data(signed_in=True, slider=token))
    assert "请先完成滑块验证。" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_a_pass_for_another_scope_is_refused(
    client, signed_in_learner, enterprise_data, slider_pass
):
    response = client.post(REGISTER, enterprise_data(signed_in=True, slider=slider_pass("sms")))
    assert "请先完成滑块验证。" in response.content.decode()


# --- C4: a visitor proves the admin's phone with an SMS code -----------------------------


def _code_error(response) -> str:
    body = response.content.decode()
    assert 'id="id_code_error"' in body, "the refusal is shown next to the code field"
    start = body.index('id="id_code_error"')
    return body[start : body.index("</div>", start)]


def test_the_visitor_page_has_the_sms_code_row_and_no_form_slider(client):
    body = client.get(REGISTER).content.decode()
    assert 'name="code"' in body and "获取验证码" in body
    assert '"purpose": "register"' in body
    # The slider shown is the one 获取验证码 spends, not a second one for 注册.
    assert body.count('class="ipms-slider-track"') == 1 and 'id="id_slider"' in body


def test_registration_without_a_code_is_refused(client, enterprise_data):
    response = client.post(REGISTER, enterprise_data(code=""))
    assert "请填写短信验证码。" in _code_error(response)
    assert not User.objects.exists() and not Enterprise.objects.exists()


def test_registration_without_any_code_sent_is_refused(client, enterprise_data):
    response = client.post(REGISTER, enterprise_data(code="123456"))
    assert "请先获取短信验证码。" in _code_error(response)
    assert not User.objects.exists()


def test_registration_with_a_wrong_code_is_refused(client, enterprise_data, send_code):
    code = send_code(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = client.post(REGISTER, enterprise_data(code=wrong))
    assert "验证码错误，还可以再试 4 次。" in _code_error(response)
    assert not User.objects.exists()
    # Everything else typed stays, the valid password too (D8).
    body = response.content.decode()
    assert f'value="{PHONE}"' in body and 'value="Admin2026pass"' in body
    assert f'value="{wrong}"' in body


def test_registration_with_an_expired_code_is_refused(
    client, enterprise_data, send_code, sms_clock
):
    code = send_code(PHONE)
    sms_clock.advance(seconds=settings.SMS_CODE_TTL + 1)
    response = client.post(REGISTER, enterprise_data(code=code))
    assert "验证码已过期，请重新获取。" in _code_error(response)
    assert not User.objects.exists()


def test_registration_with_another_phones_code_is_refused(client, enterprise_data, send_code):
    other = send_code("13900001111")
    response = client.post(REGISTER, enterprise_data(code=other))
    assert "请先获取短信验证码。" in _code_error(response)
    assert not User.objects.exists()


def test_registration_with_the_right_code_succeeds_once(client, enterprise_data, send_code):
    code = send_code(PHONE)
    assert client.post(REGISTER, enterprise_data(code=code)).status_code == 302
    assert Membership.objects.get().user == User.objects.get(phone=PHONE)
    client.logout()
    replay = client.post(REGISTER, enterprise_data(code=code, credit_code=make_uscc(12_345_679)))
    assert "验证码已使用，请重新获取。" in _code_error(replay)
    assert Enterprise.objects.count() == 1


# --- D8: a refusal keeps what stays valid ---------------------------------------------------


def test_an_invalid_password_is_not_rendered_back(client, enterprise_data):
    body = client.post(REGISTER, enterprise_data(password="onlyletters")).content.decode()
    assert "字母和数字" in body and "onlyletters" not in body


def test_a_refusal_elsewhere_keeps_the_valid_password_and_the_code(client, enterprise_data):
    data = enterprise_data(name="")
    body = client.post(REGISTER, data).content.decode()
    assert "请填写公司名称。" in body
    assert 'value="Admin2026pass"' in body and f'value="{data["code"]}"' in body
    # The code was not spent: the corrected form goes through with it.
    assert client.post(REGISTER, {**data, "name": "苏州测试信息科技有限公司"}).status_code == 302


def test_the_success_message_asks_for_the_missing_enterprise_info(client, enterprise_data):
    data = enterprise_data(address="", scale="", industry="", type="")
    client.post(REGISTER, data)
    page = client.get(_admin_home(), follow=True).content.decode()
    assert "可以开始添加企业成员" not in page
    assert "添加企业成员前，请先完善" in page
    assert f'href="{reverse("enterprises:profile")}"' in page


def test_a_complete_registration_says_members_can_be_added(client, enterprise_data):
    client.post(REGISTER, enterprise_data())
    page = client.get(_admin_home(), follow=True).content.decode()
    assert "可以开始添加企业成员" in page


def test_a_taken_credit_code_is_reported_before_the_code_is_spent(client, enterprise_data):
    EnterpriseFactory(credit_code=CODE)
    data = enterprise_data()
    body = client.post(REGISTER, data).content.decode()
    assert "该统一社会信用代码（营业执照注册号）已注册" in body
    assert Enterprise.objects.count() == 1
    fixed = {**data, "credit_code": make_uscc(12_345_679)}
    assert client.post(REGISTER, fixed).status_code == 302


def test_a_registered_phone_is_told_only_with_a_valid_code(client, enterprise_data, send_code):
    User.objects.create_user(phone=PHONE, password=PASSWORD)
    code = send_code(PHONE)  # issued but not delivered: the number has an account
    assert code is None
    body = client.post(REGISTER, enterprise_data(code="123456")).content.decode()
    assert "该手机号已注册" not in body and "验证码错误" in body
    assert Enterprise.objects.count() == 0


def test_a_signed_in_user_registers_an_enterprise_without_phone_or_password(
    client, learner, enterprise_data
):
    client.force_login(learner)
    page = client.get(REGISTER).content.decode()
    assert "136****2925" in page and 'name="password"' not in page and 'name="phone"' not in page
    assert 'name="code"' not in page
    response = client.post(REGISTER, enterprise_data(signed_in=True))
    assert response.status_code == 302
    enterprise = Enterprise.objects.get()
    assert Membership.objects.get(enterprise=enterprise).user == learner
    learner.refresh_from_db()
    assert learner.agreement_version == settings.USER_AGREEMENT_VERSION
    assert client.session["_auth_user_id"] == str(learner.pk)
    assert client.session[IDENTITY_KEY] == "admin"


def test_a_member_of_another_enterprise_cannot_register_one(client, learner, enterprise_data):
    MembershipFactory(user=learner)
    client.force_login(learner)
    body = client.post(REGISTER, enterprise_data(signed_in=True)).content.decode()
    assert "该手机号已是其他企业的成员" in body
    assert Enterprise.objects.count() == 1


def test_registration_is_capped_per_address(client, enterprise_data, settings):
    settings.REGISTER_IP_RATE = "1/h"
    assert client.post(REGISTER, enterprise_data()).status_code == 302
    client.logout()
    data = enterprise_data(phone="13812340000", credit_code=make_uscc(12_345_679))
    response = client.post(REGISTER, data)
    assert response.status_code == 429
    assert "当前网络注册过于频繁" in response.content.decode()


def test_enterprise_signup_is_one_transaction():
    """A refused enterprise leaves no account behind."""
    EnterpriseFactory(credit_code=CODE)
    with pytest.raises(DomainError) as caught:
        services.enterprise_signup(
            user=None,
            phone=PHONE,
            password="Admin2026pass",
            agreement_accepted=True,
            name="重复公司",
            credit_code=CODE,
        )
    assert caught.value.field == "credit_code"
    assert not User.objects.filter(phone=PHONE).exists()


def test_enterprise_signup_refuses_an_existing_phone_and_missing_consent():
    User.objects.create_user(phone=PHONE, password=PASSWORD)
    with pytest.raises(DomainError, match="请先登录") as caught:
        services.enterprise_signup(
            user=None,
            phone=PHONE,
            password="x",
            agreement_accepted=True,
            name="A",
            credit_code=CODE,
        )
    assert caught.value.field == "phone"
    with pytest.raises(DomainError, match="用户协议"):
        services.enterprise_signup(
            user=None,
            phone="13900001111",
            password="Admin2026pass",
            agreement_accepted=False,
            name="A",
            credit_code=CODE,
        )


def test_with_the_limit_cache_down_registration_is_refused(
    client, enterprise_data, ratelimit_cache_down
):
    """``register_ip`` fails closed: without the count nothing would slow a script."""
    response = client.post(REGISTER, enterprise_data(code="123456"))
    assert response.status_code == 429
    assert "服务暂时不可用，请稍后再试。" in response.content.decode()
    assert not Enterprise.objects.exists()
