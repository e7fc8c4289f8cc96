"""SMS verification codes: issue, send after commit, verify once (product-rules §3, S6)."""

import logging
from datetime import timedelta

import pytest
from django.db import transaction

from ipms.accounts import sms as codes
from ipms.accounts.models import SmsCode, SmsCodePurpose, User
from ipms.accounts.sms import sms_code_purge, sms_code_send, sms_code_verify, sms_send_after_commit
from ipms.accounts.tasks import send_sms_task
from ipms.core.errors import DomainError
from ipms.core.sms import SmsRateLimited, SmsSendError, SmsTemporaryError
from ipms.core.sms.backends.base import BaseSmsBackend
from ipms.core.sms.templates import MEMBER_INVITATION

pytestmark = pytest.mark.django_db

PHONE = "13600002925"
IP = "198.51.100.7"
REGISTER = SmsCodePurpose.REGISTER


@pytest.fixture
def send(sms_outbox, django_capture_on_commit_callbacks, sms_clock):
    """send(phone, purpose) -> the code the phone received."""

    def _send(phone=PHONE, purpose=REGISTER, ip=IP):
        before = len(sms_outbox)
        with django_capture_on_commit_callbacks(execute=True):
            sms_code_send(phone=phone, purpose=purpose, ip=ip)
        assert len(sms_outbox) == before + 1
        return sms_outbox[-1].params["code"]

    return _send


def verify(code, phone=PHONE, purpose=REGISTER):
    sms_code_verify(phone=phone, purpose=purpose, code=code)


def refusal(code, phone=PHONE, purpose=REGISTER) -> str:
    with pytest.raises(DomainError) as caught:
        verify(code, phone, purpose)
    assert caught.value.field == "code"
    return caught.value.message


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- Issuing and sending ------------------------------------------------------------------


def test_code_is_sent_after_commit_and_stored_only_hashed(
    sms_outbox, django_capture_on_commit_callbacks, sms_clock
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        issued = sms_code_send(phone="+86 136 0000 2925", purpose=REGISTER, ip=IP)
        assert sms_outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    [message] = sms_outbox
    code = message.params["code"]
    assert len(code) == 6 and code.isdigit()
    assert message.phone == PHONE
    assert message.text == f"【贯标认证学习平台】您的验证码为{code}，5分钟内有效，请勿泄露给他人。"

    row = SmsCode.objects.get()
    assert row.code_hash != code and len(row.code_hash) == 64
    assert code not in {str(value) for value in row.__dict__.values()}
    assert row.code_hash == codes.code_hash(phone=PHONE, purpose="register", code=code)
    assert row.expires_at - row.created_at == timedelta(minutes=5)
    assert row.ip == IP
    assert row.sent_at is not None
    assert issued.phone == PHONE and issued.masked_phone == "136****2925"
    # Seconds left in the phone's cooldown window (django-ratelimit's fixed window).
    assert 1 <= issued.resend_after <= 60
    assert issued.expires_at == row.expires_at


def test_codes_come_from_secrets_and_keep_leading_zeros(monkeypatch, send):
    calls = []

    def randbelow(n):
        calls.append(n)
        return 42

    monkeypatch.setattr(codes.secrets, "randbelow", randbelow)
    assert send() == "000042"
    assert calls == [1_000_000]


def test_rolled_back_transaction_sends_nothing(
    sms_outbox, django_capture_on_commit_callbacks, sms_clock
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        sms_code_send(phone=PHONE, purpose=REGISTER, ip=IP)
        raise RuntimeError("the caller failed after asking for a code")
    assert sms_outbox == []
    assert not SmsCode.objects.exists()


def test_bad_phone_is_a_field_error(send):
    with pytest.raises(DomainError, match="11位手机号码") as caught:
        sms_code_send(phone="1234", purpose=REGISTER, ip=IP)
    assert caught.value.field == "phone"


@pytest.mark.parametrize("purpose", [REGISTER, SmsCodePurpose.CHANGE_PHONE])
def test_a_number_in_use_gets_no_message_but_the_same_issue(
    purpose, sms_outbox, django_capture_on_commit_callbacks, sms_clock
):
    """C5: 注册 and 更换手机 codes never reach a number an account holds, yet the caller
    sees a normal issue (and the quota is spent); a guess is refused as for any code."""
    User.objects.create_user(phone=PHONE, password="Secret2026")
    with django_capture_on_commit_callbacks(execute=True):
        issued = sms_code_send(phone=PHONE, purpose=purpose, ip=IP)
    assert issued.phone == PHONE and issued.resend_after > 0
    assert sms_outbox == []
    assert SmsCode.objects.filter(phone=PHONE, purpose=purpose).count() == 1
    assert refusal("123456", purpose=purpose) == "验证码错误，还可以再试 4 次。"
    with pytest.raises(SmsRateLimited, match="发送过于频繁"):
        sms_code_send(phone=PHONE, purpose=purpose, ip=IP)


def test_reset_password_sends_only_to_accounts_but_answers_alike(
    sms_outbox, django_capture_on_commit_callbacks, sms_clock
):
    with django_capture_on_commit_callbacks(execute=True):
        issued = sms_code_send(phone=PHONE, purpose=SmsCodePurpose.RESET_PASSWORD, ip=IP)
    assert 1 <= issued.resend_after <= 60
    assert sms_outbox == []  # no account: no message, same answer
    message = refusal("123456", purpose=SmsCodePurpose.RESET_PASSWORD)
    assert message == "验证码错误，还可以再试 4 次。"

    User.objects.create_user(phone="13900000001", password="Secret2026")
    with django_capture_on_commit_callbacks(execute=True):
        sms_code_send(phone="13900000001", purpose=SmsCodePurpose.RESET_PASSWORD, ip=IP)
    assert [m.phone for m in sms_outbox] == ["13900000001"]


def test_second_send_within_the_cooldown_is_refused(sms_outbox, sms_clock):
    issued = sms_code_send(phone=PHONE, purpose=REGISTER, ip=IP)
    wait = issued.resend_after
    if wait > 1:
        sms_clock.advance(seconds=1)
        wait -= 1
    with pytest.raises(SmsRateLimited, match=f"请 {wait} 秒后再试"):
        sms_code_send(phone=PHONE, purpose=REGISTER, ip=IP)
    assert SmsCode.objects.count() == 1
    sms_clock.advance(seconds=wait + 1)
    sms_code_send(phone=PHONE, purpose=REGISTER, ip=IP)
    assert SmsCode.objects.count() == 2


def test_new_code_voids_the_previous_one(send, sms_clock):
    first = send()
    sms_clock.advance(seconds=61)
    second = send()
    old, new = SmsCode.objects.order_by("created_at")
    assert old.voided_at is not None and new.voided_at is None
    if first != second:
        assert refusal(first).startswith("验证码错误")
    verify(second)


# --- Verifying ------------------------------------------------------------------------------


def test_right_code_works_once(send):
    code = send()
    verify(code)
    assert SmsCode.objects.get().used_at is not None
    assert refusal(code) == "验证码已使用，请重新获取。"


def test_wrong_code_says_how_many_tries_are_left(send):
    code = send()
    assert refusal(wrong(code)) == "验证码错误，还可以再试 4 次。"
    assert SmsCode.objects.get().attempts == 1


def test_fifth_wrong_try_voids_the_code(send):
    code = send()
    for left in (4, 3, 2, 1):
        assert refusal(wrong(code)) == f"验证码错误，还可以再试 {left} 次。"
    assert refusal(wrong(code)) == "错误次数过多，验证码已失效，请重新获取。"
    row = SmsCode.objects.get()
    assert row.attempts == 5 and row.voided_at is not None
    assert refusal(code) == "错误次数过多，验证码已失效，请重新获取。"
    assert SmsCode.objects.get().attempts == 5


def test_right_code_on_the_fifth_try_still_works(send):
    code = send()
    for _ in range(4):
        refusal(wrong(code))
    verify(code)


def test_expired_code_is_refused_without_spending_a_try(send, sms_clock):
    code = send()
    sms_clock.advance(seconds=300)
    assert refusal(code) == "验证码已过期，请重新获取。"
    assert SmsCode.objects.get().attempts == 0


def test_code_just_inside_its_lifetime_works(send, sms_clock):
    code = send()
    sms_clock.advance(seconds=299)
    verify(code)


def test_code_is_bound_to_phone_and_purpose(send):
    code = send()
    assert refusal(code, purpose=SmsCodePurpose.RESET_PASSWORD) == "请先获取短信验证码。"
    assert refusal(code, phone="13900000001") == "请先获取短信验证码。"
    verify(code)


def test_hash_binds_phone_and_purpose():
    a = codes.code_hash(phone=PHONE, purpose="register", code="123456")
    assert a != codes.code_hash(phone=PHONE, purpose="change_phone", code="123456")
    assert a != codes.code_hash(phone="13900000001", purpose="register", code="123456")


def test_malformed_entries_spend_no_try(send):
    code = send()
    for entry in ("", "12345", "1234567", "abcdef", "12 345"):
        assert refusal(entry) == "请输入6位数字验证码。"
    assert SmsCode.objects.get().attempts == 0
    verify(f" {code} ")  # surrounding spaces from a paste are fine


def test_no_code_requested(send):
    assert refusal("123456") == "请先获取短信验证码。"


def test_codes_survive_a_secret_key_rotation(send, settings):
    code = send()
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]
    verify(code)


def test_rotated_out_key_no_longer_matches(send, settings):
    code = send()
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = []
    assert refusal(code).startswith("验证码错误")


def test_verify_refuses_to_run_inside_the_callers_transaction(send):
    code = send()
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        verify(code)


def test_ten_thousand_guesses_never_succeed(send):
    """S6: 0 of 10^4 brute-force attempts succeed, the right code among them."""
    code = send()
    candidates = [f"{n:06d}" for n in range(10_000) if f"{n:06d}" != code]
    candidates.insert(5_000, code)
    successes = 0
    for guess in candidates[:10_000]:
        try:
            verify(guess)
        except DomainError:
            continue
        successes += 1
    assert successes == 0
    assert SmsCode.objects.get().attempts == 5


# --- Races: conditional UPDATEs (SQLite here; threads on PostgreSQL below) ---------------


def test_stale_read_cannot_use_a_code_twice(send, monkeypatch):
    code = send()
    stale = SmsCode.objects.get()  # read by a request that then loses the race
    verify(code)  # the other request wins
    monkeypatch.setattr(codes, "_latest_code", lambda phone, purpose: stale)
    assert refusal(code) == "验证码已使用，请重新获取。"


def test_stale_read_cannot_buy_an_extra_try(send, monkeypatch):
    code = send()
    for _ in range(4):
        refusal(wrong(code))
    stale = SmsCode.objects.get()
    assert stale.attempts == 4
    refusal(wrong(code))  # a parallel request spends the fifth try
    compared = []
    real = codes._code_matches
    monkeypatch.setattr(codes, "_latest_code", lambda phone, purpose: stale)
    monkeypatch.setattr(codes, "_code_matches", lambda row, c: compared.append(c) or real(row, c))
    assert refusal(code) == "错误次数过多，验证码已失效，请重新获取。"
    assert compared == []  # the code was never compared: no sixth try


# --- The sending task ---------------------------------------------------------------------


class FailingBackend(BaseSmsBackend):
    error: Exception = SmsSendError("该手机号已退订或拒收短信，请更换手机号或联系客服。", code="x")
    calls = 0

    def send(self, message):
        type(self).calls += 1
        raise self.error


class TemporaryFailingBackend(FailingBackend):
    error = SmsTemporaryError("短信服务暂时不可用，请稍后再试。", code="InternalError.Timeout")


def test_task_is_idempotent_for_a_code(send, sms_outbox):
    code = send()
    row = SmsCode.objects.get()
    params = {"code": code, "minutes": "5"}
    kwargs = {
        "phone": PHONE,
        "template": "verification_code",
        "params": params,
        "sms_code_id": row.pk,
    }
    assert send_sms_task.delay(**kwargs).get() == "skipped"  # redelivered: already sent
    assert len(sms_outbox) == 1


def test_task_skips_used_voided_and_expired_codes(send, sms_outbox, sms_clock):
    code = send()
    row = SmsCode.objects.get()
    SmsCode.objects.filter(pk=row.pk).update(sent_at=None)
    kwargs = {
        "phone": PHONE,
        "template": "verification_code",
        "params": {"code": code, "minutes": "5"},
        "sms_code_id": row.pk,
    }
    sms_clock.advance(seconds=301)
    assert send_sms_task.delay(**kwargs).get() == "skipped"
    sms_clock.advance(seconds=-301)
    verify(code)
    assert send_sms_task.delay(**kwargs).get() == "skipped"
    assert len(sms_outbox) == 1


def test_provider_refusal_is_logged_not_retried(
    settings, sms_clock, django_capture_on_commit_callbacks, caplog
):
    settings.SMS_BACKEND = f"{__name__}.FailingBackend"
    FailingBackend.calls = 0
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        sms_code_send(phone=PHONE, purpose=REGISTER, ip=IP)
    assert FailingBackend.calls == 1
    assert SmsCode.objects.get().sent_at is None
    assert "refused" in caplog.text and "136****2925" in caplog.text


def test_temporary_failure_never_breaks_the_request(
    settings, sms_clock, django_capture_on_commit_callbacks, caplog
):
    settings.SMS_BACKEND = f"{__name__}.TemporaryFailingBackend"
    TemporaryFailingBackend.calls = 0
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        issued = sms_code_send(phone=PHONE, purpose=REGISTER, ip=IP)  # does not raise
    assert issued.phone == PHONE
    assert TemporaryFailingBackend.calls == 1
    assert SmsCode.objects.get().sent_at is None
    assert "queue_code_sms in on_commit()" in caplog.text  # logged for the operator


def test_temporary_failure_is_retried(settings, send, sms_outbox, monkeypatch):
    """Workers retry (3 times, backing off); eager mode runs the retries inline when it
    does not propagate errors."""
    monkeypatch.setitem(send_sms_task.app.conf, "task_eager_propagates", False)
    code = send()
    row = SmsCode.objects.get()
    SmsCode.objects.filter(pk=row.pk).update(sent_at=None)
    settings.SMS_BACKEND = f"{__name__}.TemporaryFailingBackend"
    TemporaryFailingBackend.calls = 0
    kwargs = {
        "phone": PHONE,
        "template": "verification_code",
        "params": {"code": code, "minutes": "5"},
        "sms_code_id": row.pk,
    }
    send_sms_task.apply(kwargs=kwargs)
    assert TemporaryFailingBackend.calls == 4  # the first try and 3 retries
    assert send_sms_task.acks_late and send_sms_task.reject_on_worker_lost
    assert send_sms_task.max_retries == 3


def test_task_arguments_are_masked_for_logs_and_monitoring(
    monkeypatch, sms_clock, django_capture_on_commit_callbacks
):
    seen = {}
    monkeypatch.setattr(send_sms_task, "apply_async", lambda **options: seen.update(options))
    with django_capture_on_commit_callbacks(execute=True):
        sms_code_send(phone=PHONE, purpose=REGISTER, ip=IP)
    code = seen["kwargs"]["params"]["code"]
    assert code not in seen["kwargsrepr"]
    assert PHONE not in seen["kwargsrepr"] and "136****2925" in seen["kwargsrepr"]
    assert seen["expires"] == 300


def test_invitation_sms_leaves_after_commit(
    settings, sms_outbox, django_capture_on_commit_callbacks
):
    settings.SMS_LINK_BASE = "https://study.example.cn/j/"
    with django_capture_on_commit_callbacks(execute=True):
        sms_send_after_commit(
            phone=PHONE,
            template=MEMBER_INVITATION,
            params={"enterprise": "华智科技有限公司", "token": "AbC123"},
        )
        assert sms_outbox == []
    [message] = sms_outbox
    assert message.text.endswith("请点击以下链接确认加入：https://study.example.cn/j/AbC123")


def test_invitation_with_wrong_parameters_fails_at_once():
    with pytest.raises(ValueError):
        sms_send_after_commit(phone=PHONE, template=MEMBER_INVITATION, params={"enterprise": "x"})


def test_purge_keeps_recent_codes(send, sms_clock, settings):
    send()
    sms_clock.advance(days=181)
    send(phone="13900000001")
    assert sms_code_purge() == 1
    assert list(SmsCode.objects.values_list("phone", flat=True)) == ["13900000001"]
