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
    # The button counts the phone's whole cool-down down, from the send.
    assert ratelimit.peek("sms_phone_cooldown", value=PHONE).retry_after == 60
    assert 'data-countdown="60"' in body
    assert (
        "如该手机号尚未注册，验证码已发送至 138****5678，5分钟内有效；"
        "已注册的手机号请直接登录或找回密码。"
    ) in body
    assert 'id="sms-slider" hx-swap-oob="innerHTML"' in body and "data-slider" in body
    assert "<noscript>" not in body  # htmx would turn it into visible text
    assert sms_outbox[0].params["code"] not in body


def test_no_countdown_when_the_cooldown_is_turned_off(post, settings):
    settings.SMS_COOLDOWN_SECONDS = 0
    body = post().content.decode()
    assert "data-countdown" not in body
    assert "验证码已发送至 138****5678" in body


def test_the_second_sms_within_the_cooldown_is_refused_with_the_wait(post, sms_outbox, sms_clock):
    post()
    wait = ratelimit.peek("sms_phone_cooldown", value=PHONE).retry_after
    response = post(htmx=False)
    assert response.status_code == 429
    body = response.content.decode()
    assert f"发送过于频繁，请 {ratelimit.wait_text(wait)}后再试。" in body
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


def same_answer(first: str, first_phone: str, second: str, second_phone: str) -> bool:
    """Equal apart from the masked numbers and the countdown to the end of each phone's
    cooldown window (a function of the number and the time, not of any account)."""
    countdown = re.compile(r'data-countdown="\d+"')
    mask = lambda phone: f"{phone[:3]}****{phone[-4:]}"  # noqa: E731
    return countdown.sub("", first.replace(mask(first_phone), "")) == countdown.sub(
        "", second.replace(mask(second_phone), "")
    )


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_registration_answers_alike_for_registered_phones(post, sms_outbox, htmx):
    """C5: the endpoint does not tell who is registered; the registered phone gets no
    message, the new one gets its code, and both pages say the same."""
    User.objects.create_user(phone="13900001111", password=PASSWORD)
    registered = post(phone="13900001111", htmx=htmx)
    new = post(phone=PHONE, htmx=htmx)
    assert registered.status_code == new.status_code == 200
    assert [m.phone for m in sms_outbox] == [PHONE]
    body = registered.content.decode()
    assert "如该手机号尚未注册，验证码已发送至 139****1111" in body
    assert "已注册，请直接登录" not in body
    assert same_answer(body, "13900001111", new.content.decode(), PHONE)


def test_registered_phones_are_counted_before_anything_is_looked_up(post, sms_outbox):
    """The quota is spent before the existence check: a registered phone is refused on
    its second request like any other, and probing registered phones uses up the
    address's allowance."""
    User.objects.create_user(phone="13900001111", password=PASSWORD)
    post(phone="13900001111")
    again = post(phone="13900001111", htmx=False)
    assert again.status_code == 429 and "发送过于频繁" in again.content.decode()
    for n in range(9):  # SMS_IP_HOURLY_LIMIT is 10: nine more registered phones
        User.objects.create_user(phone=f"1370000{n:04d}", password=PASSWORD)
        assert post(phone=f"1370000{n:04d}").status_code == 200
    assert sms_outbox == []
    refused = post(phone=PHONE, htmx=False)  # an unregistered phone from that address
    assert refused.status_code == 429
    assert "当前网络发送短信过多" in refused.content.decode()
    assert sms_outbox == []


def test_reset_answers_alike_for_unknown_phones(post, sms_outbox, sms_clock):
    unknown = post(purpose="reset_password").content.decode()
    User.objects.create_user(phone="13900001111", password=PASSWORD)
    known = post(phone="13900001111", purpose="reset_password").content.decode()
    assert [m.phone for m in sms_outbox] == ["13900001111"]
    assert "如该手机号已注册，验证码已发送至 138****5678" in unknown
    assert "如该手机号已注册，验证码已发送至 139****1111" in known
    assert "未注册" not in unknown
    assert same_answer(unknown, PHONE, known, "13900001111")


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
    taken = post(phone="13900001111", purpose="change_phone", via=signed_in, htmx=False)
    free = post(purpose="change_phone", via=signed_in, htmx=False)
    assert taken.status_code == free.status_code == 200
    assert "如该手机号未被其他账号使用，验证码已发送至 139****1111" in taken.content.decode()
    assert same_answer(taken.content.decode(), "13900001111", free.content.decode(), PHONE)
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
    assert "短信服务暂时不可用，请稍后再试。" in response.content.decode()
    assert response.status_code == 503
    assert sms_outbox == [] and not SmsCode.objects.exists()


# --- D9: refusals next to their fields, nothing stale --------------------------------------


def _slot(body: str, slot_id: str) -> str:
    """The inner HTML of one out-of-band slot of a 获取验证码 answer."""
    match = re.search(rf'<div id="{slot_id}" hx-swap-oob="innerHTML">(.*?)</div>\n', body, re.S)
    assert match, f"{slot_id} is missing from the answer"
    return match.group(1)


def test_a_refused_number_is_shown_next_to_the_phone_field(post, signed_in, sms_outbox):
    body = post(phone="13600002925", purpose="change_phone", via=signed_in).content.decode()
    assert "新手机号与当前手机号相同。" in _slot(body, "sms-phone-errors")
    assert "新手机号与当前手机号相同。" not in _slot(body, "sms-status")
    assert sms_outbox == []


def test_a_malformed_number_is_shown_next_to_the_phone_field(post, sms_outbox):
    body = post(phone="1381234").content.decode()
    assert "请输入正确的11位手机号码" in _slot(body, "sms-phone-errors")
    assert _slot(body, "sms-status") == ""


def test_a_slider_refusal_is_shown_under_the_slider(post, sms_outbox):
    body = post(slider="").content.decode()
    assert "请先完成滑块验证。" in body.split('<div id="sms-slider"', 1)[1]
    assert _slot(body, "sms-status") == ""


def test_a_successful_send_clears_the_phones_old_error(post, signed_in, sms_outbox):
    post(phone="13600002925", purpose="change_phone", via=signed_in)
    body = post(purpose="change_phone", via=signed_in).content.decode()
    assert _slot(body, "sms-phone-errors").strip() == ""
    assert "验证码已发送至 138****5678" in _slot(body, "sms-status")
