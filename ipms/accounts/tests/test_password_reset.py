"""找回密码: phone + SMS code + new password; ends every session; reveals nothing."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from ipms.accounts import services
from ipms.accounts.models import User

from .conftest import NEW_PASSWORD, PASSWORD

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")
LOGIN = reverse("accounts:login")
PHONE = "13600002925"


def reset_data(code, **overrides):
    data = {
        "phone": PHONE,
        "code": code,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def test_page_renders_with_slider_and_send_button(client):
    body = client.get(RESET).content.decode()
    for text in ["找回密码", "手机号", "滑块验证", "获取验证码", "新密码", "确认新密码"]:
        assert text in body, text
    assert '"purpose": "reset_password"' in body


def test_reset_sets_the_password_and_ends_every_other_session(client, learner, send_code):
    elsewhere = Client()
    elsewhere.force_login(learner)
    assert elsewhere.get(reverse("accounts:settings")).status_code == 200

    code = send_code(PHONE, "reset_password")
    response = client.post(RESET, reset_data(code))
    assert response.status_code == 302 and response.url == LOGIN
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)
    assert "密码已重置，请使用新密码登录。" in client.get(LOGIN).content.decode()
    # The other browser is signed out: its session hash no longer matches.
    response = elsewhere.get(reverse("accounts:settings"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert client.post(LOGIN, {"username": PHONE, "password": NEW_PASSWORD}).status_code == 302


def test_reset_lifts_the_login_lock(client, learner, send_code):
    for _ in range(5):
        client.post(LOGIN, {"username": PHONE, "password": "wrong-pass1"})
    assert AccessAttempt.objects.filter(username=PHONE).exists()
    code = send_code(PHONE, "reset_password")
    client.post(RESET, reset_data(code))
    assert not AccessAttempt.objects.filter(username=PHONE).exists()
    assert client.post(LOGIN, {"username": PHONE, "password": NEW_PASSWORD}).status_code == 302


def test_wrong_and_reused_codes_are_refused(client, learner, send_code):
    code = send_code(PHONE, "reset_password")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    body = client.post(RESET, reset_data(wrong)).content.decode()
    assert "验证码错误，还可以再试 4 次。" in body
    assert f'value="{PHONE}"' in body and NEW_PASSWORD not in body
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)

    assert client.post(RESET, reset_data(code)).status_code == 302
    again = reset_data(code, new_password1="Another2028", new_password2="Another2028")
    body = client.post(RESET, again)
    assert "验证码已使用，请重新获取。" in body.content.decode()
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)


def test_a_registration_code_does_not_reset(client, learner, send_code, sms_outbox):
    assert send_code("13812345678", "register")  # a code for another purpose and phone
    code = sms_outbox[-1].params["code"]
    body = client.post(RESET, reset_data(code)).content.decode()
    assert "请先获取短信验证码。" in body


def test_unknown_phone_gets_the_same_answers(client, send_code, sms_outbox):
    """No SMS leaves for an unknown phone, and every answer reads like a wrong code."""
    assert send_code(PHONE, "reset_password") is None
    assert sms_outbox == []
    body = client.post(RESET, reset_data("123456")).content.decode()
    assert "验证码错误，还可以再试 4 次。" in body
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"phone": ""}, "请填写手机号。"),
        ({"phone": "1360000"}, "请输入正确的11位手机号码"),
        ({"code": ""}, "请填写短信验证码。"),
        ({"code": "abcdef"}, "请输入6位数字验证码。"),
        ({"new_password1": ""}, "请填写新密码。"),
        ({"new_password2": "Different2026"}, "两次输入的密码不一致。"),
        ({"new_password1": "abc", "new_password2": "abc"}, "至少"),
        ({"new_password1": "password1", "new_password2": "password1"}, "太常见"),
        ({"new_password1": "x" * 200, "new_password2": "x" * 200}, "密码不能超过128个字符。"),
    ],
)
def test_refusals(client, learner, overrides, message):
    body = client.post(RESET, {**reset_data("123456"), **overrides}).content.decode()
    assert message in body, body
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


def test_service_returns_none_for_unknown_or_disabled_accounts(learner):
    assert services.user_password_reset(phone="13900001111", password=NEW_PASSWORD) is None
    learner.is_active = False
    learner.save()
    assert services.user_password_reset(phone=PHONE, password=NEW_PASSWORD) is None
