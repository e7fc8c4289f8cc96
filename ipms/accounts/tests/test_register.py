"""个人注册: page, service, every refusal (product-rules §3); 企业注册: ipms/enterprises/tests."""

import pytest
from django.conf import settings
from django.urls import reverse

from ipms.accounts import services
from ipms.accounts.models import User
from ipms.core.errors import DomainError
from ipms.enterprises.tests.factories import MembershipFactory

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

PERSONAL = reverse("accounts:register_personal")
PHONE = "13812345678"


# --- 个人注册 ------------------------------------------------------------------------------


def test_personal_page_has_phone_code_password_and_consent(client):
    body = client.get(PERSONAL).content.decode()
    for text in ["个人注册", "手机号", "短信验证码", "获取验证码", "登录密码", "《用户协议》"]:
        assert text in body, text
    assert 'aria-current="page">个人注册' in body
    assert "accounts/accounts.js" in body and "<script>" not in body


def test_personal_registration(client, send_code):
    code = send_code(PHONE)
    data = {"phone": PHONE, "code": code, "password": "Learner2026", "agree": "on"}
    response = client.post(PERSONAL, data)
    assert response.status_code == 302 and response.url == reverse("content:home")
    user = User.objects.get(phone=PHONE)
    assert user.check_password("Learner2026")
    assert user.agreement_version == settings.USER_AGREEMENT_VERSION
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "注册成功" in client.get(reverse("content:home")).content.decode()


def test_personal_registration_mentions_waiting_invitations(client, send_code):
    MembershipFactory(pending=True, phone=PHONE)
    code = send_code(PHONE)
    client.post(PERSONAL, {"phone": PHONE, "code": code, "password": "Learner2026", "agree": "on"})
    assert "1 个企业邀请等待确认" in client.get(reverse("content:home")).content.decode()


def test_wrong_and_reused_codes_are_refused(client, send_code):
    code = send_code(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    data = {"phone": PHONE, "code": wrong, "password": "Learner2026", "agree": "on"}
    body = client.post(PERSONAL, data).content.decode()
    assert "验证码错误，还可以再试 4 次。" in body
    assert f'value="{PHONE}"' in body and 'value="Learner2026"' not in body
    assert not User.objects.exists()

    assert client.post(PERSONAL, {**data, "code": code}).status_code == 302
    client.logout()
    # Free the phone again (accounts with audit rows are never deleted: ADR 0007).
    User.objects.filter(phone=PHONE).update(phone="13900000000")
    body = client.post(PERSONAL, {**data, "code": code}).content.decode()
    assert "验证码已使用，请重新获取。" in body
    assert not User.objects.filter(phone=PHONE).exists()


def test_a_code_for_another_phone_is_refused(client, send_code):
    code = send_code(PHONE)
    data = {"phone": "13812340000", "code": code, "password": "Learner2026", "agree": "on"}
    assert "请先获取短信验证码。" in client.post(PERSONAL, data).content.decode()


def test_a_weak_password_does_not_spend_the_code(client, send_code):
    code = send_code(PHONE)
    data = {"phone": PHONE, "code": code, "password": "password", "agree": "on"}
    body = client.post(PERSONAL, data).content.decode()
    assert "字母和数字" in body
    assert client.post(PERSONAL, {**data, "password": "Learner2026"}).status_code == 302


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "", "请填写手机号。"),
        ("phone", "23456789012", "请输入正确的11位手机号码"),
        ("code", "", "请填写短信验证码。"),
        ("code", "12ab56", "请输入6位数字验证码。"),
        ("code", "1" * 40, "请输入6位数字验证码。"),
        ("password", "12345678", "字母和数字"),
        ("agree", "", "请阅读并勾选同意《用户协议》。"),
    ],
)
def test_personal_registration_refusals(client, field, value, message):
    data = {"phone": PHONE, "code": "123456", "password": "Learner2026", "agree": "on"}
    data[field] = value
    response = client.post(PERSONAL, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_a_registered_phone_is_named_only_with_a_valid_code(client, send_code):
    """C5: 获取验证码 does not tell; the form says 已注册 once a valid code proved the
    number (here it was registered between the code and the submit)."""
    code = send_code(PHONE)
    User.objects.create_user(phone=PHONE, password=PASSWORD)
    data = {"phone": PHONE, "code": "000000" if code != "000000" else "000001"}
    data.update(password="Learner2026", agree="on")
    wrong = client.post(PERSONAL, data).content.decode()
    assert "验证码错误" in wrong and "已注册" not in wrong
    body = client.post(PERSONAL, {**data, "code": code}).content.decode()
    assert "该手机号已注册，请直接登录或找回密码。" in body
    assert User.objects.count() == 1


def test_a_registered_phone_gets_no_code_and_the_form_tells_nothing(client, send_code):
    User.objects.create_user(phone=PHONE, password=PASSWORD)
    assert send_code(PHONE) is None  # nothing delivered, same answer (test_sms_send)
    data = {"phone": PHONE, "code": "123456", "password": "Learner2026", "agree": "on"}
    body = client.post(PERSONAL, data).content.decode()
    assert "验证码错误，还可以再试 4 次。" in body
    assert "已注册" not in body


def test_signed_in_users_are_sent_home(signed_in):
    response = signed_in.get(PERSONAL)
    assert response.status_code == 302


def test_user_register_service_refusals():
    User.objects.create_user(phone=PHONE, password=PASSWORD)
    with pytest.raises(DomainError, match="已注册") as caught:
        services.user_register(phone=PHONE, password="Learner2026", agreement_accepted=True)
    assert caught.value.field == "phone"
    with pytest.raises(DomainError, match="字母和数字") as caught:
        services.user_register(phone="13900001111", password="abcdefghij", agreement_accepted=True)
    assert caught.value.field == "password"
    with pytest.raises(DomainError, match="11位"):
        services.user_register(phone="abc", password="Learner2026", agreement_accepted=True)
