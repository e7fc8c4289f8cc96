"""获取验证码: the htmx endpoint behind every SMS code on the account pages."""

import re

import pytest
from django.urls import reverse

from ipms.accounts.models import SmsCode, User
from ipms.core import ratelimit

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

SEND = reverse("accounts:sms_send")
PHONE = "13812345678"


@pytest.fixture
def post(client, slider_pass, django_capture_on_commit_callbacks, sms_clock):
    def _post(phone=PHONE, purpose="register", slider=None, htmx=True, via=None, **extra):
        data = {"phone": phone, "purpose": purpose}
        data["slider"] = slider_pass("sms") if slider is None else slider
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        with django_capture_on_commit_callbacks(execute=True):
            return (via or client).post(SEND, data, **headers, **extra)

    return _post


def test_send_returns_the_button_with_a_countdown_and_a_fresh_slider(post, sms_outbox):
    response = post()
    body = response.content.decode()
    assert response.status_code == 200
    assert [m.phone for m in sms_outbox] == [PHONE]
    # The button counts down to the end of the phone's cooldown window.
    wait = ratelimit.peek("sms_phone_cooldown", value=PHONE).retry_after
    assert 1 <= wait <= 60
    assert f'data-countdown="{wait}"' in body
    assert "验证码已发送至 138****5678,5分钟内有效。" in body
    assert 'id="sms-slider" hx-swap-oob="innerHTML"' in body and "data-slider" in body
    assert "<noscript>" not in body  # htmx would turn it into visible text
    assert sms_outbox[0].params["code"] not in body


def test_the_second_sms_within_the_cooldown_is_refused_with_the_wait(post, sms_outbox, sms_clock):
    post()
    wait = ratelimit.peek("sms_phone_cooldown", value=PHONE).retry_after
    response = post(htmx=False)
    assert response.status_code == 429
    body = response.content.decode()
    assert f"发送过于频繁,请 {wait} 秒后再试。" in body
    assert f'data-countdown="{wait}"' in body
    assert len(sms_outbox) == 1
    sms_clock.advance(seconds=wait + 1)
    assert post().status_code == 200
    assert len(sms_outbox) == 2


def test_htmx_gets_200_even_when_refused(post, sms_outbox):
    post()
    response = post()
    assert response.status_code == 200
    assert "发送过于频繁" in response.content.decode()


@pytest.mark.parametrize("slider", ["", "tampered", "x" * 300])
def test_a_missing_or_tampered_slider_pass_sends_nothing(post, sms_outbox, slider):
    response = post(slider=slider, htmx=False)
    assert response.status_code == 400
    assert "请先完成滑块验证。" in response.content.decode()
    assert sms_outbox == [] and not SmsCode.objects.exists()


def test_a_pass_works_for_one_send_only(post, sms_outbox, slider_pass, sms_clock):
    token = slider_pass("sms")
    post(slider=token)
    sms_clock.advance(seconds=61)
    response = post(slider=token, htmx=False)
    assert "请先完成滑块验证。" in response.content.decode()
    assert len(sms_outbox) == 1


def test_a_pass_of_another_scope_is_refused(post, slider_pass, sms_outbox):
    response = post(slider=slider_pass("register"), htmx=False)
    assert response.status_code == 400 and sms_outbox == []


def test_a_mistyped_phone_does_not_spend_the_pass(post, slider_pass, sms_outbox):
    token = slider_pass("sms")
    response = post(phone="1381234", slider=token, htmx=False)
    assert response.status_code == 400
    assert "请输入正确的11位手机号码" in response.content.decode()
    assert post(slider=token).status_code == 200
    assert len(sms_outbox) == 1


@pytest.mark.parametrize("purpose", ["", "admin", "reset_password' OR 1=1"])
def test_a_bogus_purpose_is_refused(post, sms_outbox, purpose):
    response = post(purpose=purpose, htmx=False)
    assert response.status_code == 400
    assert "请求无效。" in response.content.decode()
    assert sms_outbox == []


def test_registration_code_for_a_registered_phone_is_refused(post, sms_outbox):
    User.objects.create_user(phone=PHONE, password=PASSWORD)
    response = post(htmx=False)
    assert response.status_code == 400
    assert "该手机号已注册,请直接登录或找回密码。" in response.content.decode()
    assert sms_outbox == []


def test_reset_answers_alike_for_unknown_phones(post, sms_outbox, sms_clock):
    unknown = post(purpose="reset_password").content.decode()
    User.objects.create_user(phone="13900001111", password=PASSWORD)
    known = post(phone="13900001111", purpose="reset_password").content.decode()
    assert [m.phone for m in sms_outbox] == ["13900001111"]
    assert "如该手机号已注册,验证码已发送至 138****5678" in unknown
    assert "如该手机号已注册,验证码已发送至 139****1111" in known
    # Apart from the masked number and the countdown to the end of that phone's cooldown
    # window (a function of the number and the time, not of the account), the answers
    # are the same, byte for byte.
    countdown = re.compile(r'data-countdown="\d+"')
    assert countdown.sub("", unknown.replace("138****5678", "")) == countdown.sub(
        "", known.replace("139****1111", "")
    )


def test_change_phone_needs_a_signed_in_user(post, sms_outbox):
    response = post(purpose="change_phone", htmx=False)
    assert response.status_code == 403
    assert "请先登录。" in response.content.decode()
    assert sms_outbox == []


def test_change_phone_code_goes_to_a_free_number_only(post, signed_in, sms_outbox):
    response = post(phone="13600002925", purpose="change_phone", via=signed_in, htmx=False)
    assert response.status_code == 400
    assert "新手机号与当前手机号相同。" in response.content.decode()
    User.objects.create_user(phone="13900001111", password=PASSWORD)
    response = post(phone="13900001111", purpose="change_phone", via=signed_in, htmx=False)
    assert response.status_code == 400
    assert "该手机号已被其他账号使用。" in response.content.decode()
    assert post(purpose="change_phone", via=signed_in).status_code == 200
    assert [m.phone for m in sms_outbox] == [PHONE]


def test_get_is_not_allowed(client):
    assert client.get(SEND).status_code == 405


def test_csrf_is_required(slider_pass):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    data = {"phone": PHONE, "purpose": "register", "slider": slider_pass("sms")}
    assert client.post(SEND, data).status_code == 403


def test_with_the_limit_cache_down_nothing_is_sent(post, sms_outbox, ratelimit_cache_down):
    """The SMS policies fail closed: without the counters nothing stops SMS bombing."""
    response = post(htmx=False)
    assert "短信服务暂时不可用,请稍后再试。" in response.content.decode()
    assert response.status_code == 503
    assert sms_outbox == [] and not SmsCode.objects.exists()
