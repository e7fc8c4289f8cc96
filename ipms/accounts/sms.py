"""SMS verification codes: issue one, send it after commit, verify it once.

* A code is 6 digits from ``secrets`` (10^6 values), valid ``SMS_CODE_TTL`` seconds (300),
  bound to (phone, purpose), used at most once, and void after ``SMS_CODE_MAX_ATTEMPTS``
  (5) tries. Issuing a new code voids the unused ones for the same phone and purpose.
* Only ``HMAC-SHA256(key derived from SECRET_KEY, "phone:purpose:code")`` is stored. Why a
  keyed hash and not Django's password hasher: the code space is tiny, so a slow salted
  hash cannot protect it once the database leaks (10^6 guesses are quick even at 0.2 s
  each, spread over a few cores), while it would spend that CPU on every send and try.
  The key does protect it: a database dump without SECRET_KEY says nothing about any
  code. Hashes are compared in constant time; SECRET_KEY_FALLBACKS are accepted so a key
  rotation does not void codes in flight.
* Sending limits (per phone, per IP, daily budget) live in the shared cache:
  ``ipms.core.sms.limits``. The SMS itself leaves after commit, through a Celery task.

Race safety. ``sms_code_verify`` spends a try *before* it compares, with a conditional
``UPDATE … SET attempts = attempts + 1 WHERE attempts < N AND used_at IS NULL AND
voided_at IS NULL AND expires_at > now`` whose row count says whether the try was
granted; the success is another conditional UPDATE (``used_at IS NULL``). The UPDATE
locks the row until commit (PostgreSQL row lock, SQLite write lock), so parallel requests
queue: exactly one can succeed and no more than N codes are ever compared.

Callers: ``sms_code_verify`` commits its own bookkeeping in a *durable* atomic block, so
a wrong try counts even when the caller's work fails afterwards. Call it before (not
inside) your ``transaction.atomic`` service; nesting raises RuntimeError, which tests
catch.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.crypto import constant_time_compare, salted_hmac

from ipms.core.errors import DomainError
from ipms.core.phone import PHONE_INVALID, is_mobile, mask_mobile, normalize_mobile
from ipms.core.sms import SmsRateLimited, clock
from ipms.core.sms.errors import TOO_FREQUENT
from ipms.core.sms.limits import sms_quota_consume
from ipms.core.sms.templates import VERIFICATION_CODE, get_template

from .models import SmsCode, SmsCodePurpose, User

logger = logging.getLogger("ipms.accounts.sms")

CODE_DIGITS = 6
_KEY_SALT = "ipms.accounts.sms.SmsCode"
_CODE_RE = re.compile(rf"^\d{{{CODE_DIGITS}}}$")

CODE_FORMAT = "请输入6位数字验证码。"
NO_CODE = "请先获取短信验证码。"
WRONG_CODE = "验证码错误，还可以再试 {left} 次。"
EXPIRED = "验证码已过期，请重新获取。"
TOO_MANY = "错误次数过多，验证码已失效，请重新获取。"
USED = "验证码已使用，请重新获取。"
VOID = "验证码已失效，请重新获取。"


def code_ttl() -> int:
    return settings.SMS_CODE_TTL


def max_attempts() -> int:
    return settings.SMS_CODE_MAX_ATTEMPTS


@dataclass(frozen=True)
class SmsCodeIssued:
    """What the page may tell the user after a send (never the code itself)."""

    phone: str
    purpose: str
    expires_at: datetime
    # Seconds until another code may be requested (drives the "60 秒后重新获取" button).
    resend_after: int

    @property
    def masked_phone(self) -> str:
        return mask_mobile(self.phone)


def generate_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(*, phone: str, purpose: str, code: str, secret: str | None = None) -> str:
    return salted_hmac(
        _KEY_SALT, f"{phone}:{purpose}:{code}", secret=secret, algorithm="sha256"
    ).hexdigest()


def _code_matches(row: SmsCode, code: str) -> bool:
    secrets_to_try = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    matched = False
    for secret in secrets_to_try:
        candidate = code_hash(phone=row.phone, purpose=row.purpose, code=code, secret=secret)
        # No early exit: every key is tried, so timing does not tell which one matched.
        matched |= constant_time_compare(candidate, row.code_hash)
    return matched


def _clean_phone(phone: str) -> str:
    phone = normalize_mobile(phone)
    if not is_mobile(phone):
        raise DomainError(PHONE_INVALID, code="phone_invalid", field="phone")
    return phone


def _should_deliver(phone: str, purpose: SmsCodePurpose) -> bool:
    """Whether the code goes out to this phone. The caller answers the same either way.

    * 注册 / 更换手机: only to numbers no account holds yet.
    * 找回密码: only to numbers with an active account (ASVS 6.6.1: SMS only to numbers
      already verified).

    The endpoint must not tell who has an account (issue 9, C5): a code is issued and
    counted against every sending limit whatever the answer here, and the page says the
    same words for both. Only a valid code proves the number is the user's; with one,
    the registration and 更换手机 forms may then say the number is taken.
    """
    if purpose == SmsCodePurpose.RESET_PASSWORD:
        return User.objects.filter(phone=phone, is_active=True).exists()
    return not User.objects.filter(phone=phone).exists()


def _task_kwargs_repr(phone: str, template: str, sms_code_id: int | None = None) -> str:
    # What Celery logs and monitoring tools show instead of the real arguments, which
    # carry the one-time code or invitation token.
    return repr(
        {
            "phone": mask_mobile(phone),
            "template": template,
            "params": "…",
            "sms_code_id": sms_code_id,
        }
    )


def _queue(*, phone: str, template: str, params: dict[str, str], sms_code_id=None, expires=None):
    # Not at the top: tasks imports this module (the task calls back into it), so the
    # import is deferred to the first send; it is the one cycle inside accounts.
    from .tasks import send_sms_task

    send_sms_task.apply_async(
        kwargs={"phone": phone, "template": template, "params": params, "sms_code_id": sms_code_id},
        kwargsrepr=_task_kwargs_repr(phone, template, sms_code_id),
        expires=expires,
    )


def sms_send_after_commit(*, phone: str, template: str, params: dict[str, object]) -> None:
    """Queue one SMS to leave once the current transaction commits (e.g. an invitation).

    Nothing is sent if the transaction rolls back. A broker failure is logged, not
    raised (``robust``): the user's write has already committed. Callers apply their own
    limits; the verification-code limits are in ``sms_code_send``.
    """
    get_template(template).check_params(params)
    values = {name: str(value) for name, value in params.items()}
    phone = normalize_mobile(phone)

    def queue_sms() -> None:  # a named function: Django logs __qualname__ on failure
        _queue(phone=phone, template=template, params=values)

    transaction.on_commit(queue_sms, robust=True)


# Messages per task when many SMS leave at once (批量导入's invitations): 5,000 invitations
# are 10 publishes, not 5,000, and each task's message stays small.
SMS_BATCH_SIZE = 500


def sms_send_many_after_commit(
    *, template: str, messages: list[tuple[str, dict[str, object]]], batch_size: int = 0
) -> int:
    """Queue many SMS of one template to leave once the current transaction commits, as
    one task per ``batch_size`` (``SMS_BATCH_SIZE``) messages; returns the task count.

    Each task sends its messages one by one (``tasks.send_sms_batch_task``); a message
    the provider refuses for now is handed to ``send_sms_task`` with its retries. As with
    ``sms_send_after_commit``, nothing leaves on rollback, a broker failure is logged,
    and callers apply their own limits first.
    """
    checked = get_template(template)
    batch_size = batch_size or SMS_BATCH_SIZE
    prepared = []
    for phone, params in messages:
        checked.check_params(params)
        prepared.append(
            {
                "phone": normalize_mobile(phone),
                "params": {name: str(value) for name, value in params.items()},
            }
        )
    batches = [prepared[i : i + batch_size] for i in range(0, len(prepared), batch_size)]

    def queue_sms_batches() -> None:  # named: Django logs __qualname__ on failure
        from .tasks import send_sms_batch_task

        for batch in batches:
            send_sms_batch_task.apply_async(
                kwargs={"template": template, "messages": batch, "batch_id": secrets.token_hex(8)},
                kwargsrepr=repr({"template": template, "messages": f"{len(batch)} messages"}),
            )

    if batches:
        transaction.on_commit(queue_sms_batches, robust=True)
    return len(batches)


@transaction.atomic
def sms_code_send(*, phone: str, purpose: str, ip: str | None) -> SmsCodeIssued:
    """Issue a new code for (phone, purpose) and send it after commit.

    The code is issued (and counted) whether or not it is delivered: registered and
    unregistered numbers get the same answer (see ``_should_deliver``). Raises
    ``DomainError`` (field ``phone``) for a malformed number, ``SmsRateLimited`` when a
    sending limit is reached (its message says how long to wait), and ``SmsUnavailable``
    when the limiter's cache is down.
    """
    phone = _clean_phone(phone)
    purpose = SmsCodePurpose(purpose)
    # The quota first: a phone's registration is looked up only for a counted send.
    quota = sms_quota_consume(phone=phone, ip=ip)
    deliver = _should_deliver(phone, purpose)

    now = clock.now()
    ttl = code_ttl()
    SmsCode.objects.filter(phone=phone, purpose=purpose, used_at=None, voided_at=None).update(
        voided_at=now
    )
    code = generate_code()
    row = SmsCode(
        phone=phone,
        purpose=purpose,
        code_hash=code_hash(phone=phone, purpose=purpose, code=code),
        created_at=now,
        expires_at=now + timedelta(seconds=ttl),
        ip=ip or None,
    )
    row.full_clean()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # Another request issued a code for the same phone and purpose at this instant
        # (the database allows one live code); the cooldown normally stops this earlier.
        raise SmsRateLimited(TOO_FREQUENT, retry_after=1) from None

    if deliver:
        params = {"code": code, "minutes": str(max(1, ttl // 60))}
        code_id = row.pk

        def queue_code_sms() -> None:  # a named function: Django logs __qualname__ on failure
            _queue(
                phone=phone,
                template=VERIFICATION_CODE,
                params=params,
                sms_code_id=code_id,
                expires=ttl,
            )

        # robust: a broker outage after commit is logged, never turned into a 500 (the
        # user may ask again after the cooldown).
        transaction.on_commit(queue_code_sms, robust=True)
    else:
        logger.info(
            "sms code for %s not sent: %s does not apply to this number",
            mask_mobile(phone),
            purpose.value,
        )
    return SmsCodeIssued(
        phone=phone,
        purpose=purpose.value,
        expires_at=row.expires_at,
        resend_after=quota.resend_after,
    )


def _refusal_for(row: SmsCode | None, now: datetime) -> str:
    if row is None:
        return NO_CODE
    if row.used_at is not None:
        return USED
    if row.voided_at is not None or row.attempts >= max_attempts():
        return TOO_MANY if row.attempts >= max_attempts() else VOID
    if row.expires_at <= now:
        return EXPIRED
    return VOID


def _latest_code(phone: str, purpose: str) -> SmsCode | None:
    # The live code, if any, is always the latest: issuing a code voids the older ones.
    return SmsCode.objects.filter(phone=phone, purpose=purpose).order_by("-created_at").first()


def _attempt(row: SmsCode, code: str) -> str | None:
    """One try against the live code ``row``; returns the refusal message, or None."""
    now = clock.now()
    limit = max_attempts()
    granted = SmsCode.objects.filter(
        pk=row.pk, used_at=None, voided_at=None, attempts__lt=limit, expires_at__gt=now
    ).update(attempts=F("attempts") + 1)
    if not granted:
        row.refresh_from_db()
        return _refusal_for(row, now)

    if _code_matches(row, code):
        used = SmsCode.objects.filter(pk=row.pk, used_at=None, voided_at=None).update(used_at=now)
        return None if used else VOID

    attempts = SmsCode.objects.filter(pk=row.pk).values_list("attempts", flat=True).get()
    if attempts >= limit:
        SmsCode.objects.filter(pk=row.pk, used_at=None, voided_at=None).update(voided_at=now)
        logger.warning("sms code for %s voided after %s wrong tries", mask_mobile(row.phone), limit)
        return TOO_MANY
    return WRONG_CODE.format(left=limit - attempts)


def sms_code_verify(*, phone: str, purpose: str, code: str) -> None:
    """Accept ``code`` for (phone, purpose) once, or raise ``DomainError`` (field ``code``).

    Messages: 验证码错误,还可以再试 N 次 / 验证码已过期,请重新获取 / 错误次数过多,验证码已失效,
    请重新获取 / 验证码已使用,请重新获取 / 请先获取短信验证码. A malformed entry (not 6 digits)
    is refused without spending a try: it cannot be right, so it tells an attacker nothing.
    """
    phone = _clean_phone(phone)
    purpose = SmsCodePurpose(purpose).value
    code = (code or "").strip()
    if not _CODE_RE.match(code):
        raise DomainError(CODE_FORMAT, code="code_format", field="code")
    row = _latest_code(phone, purpose)
    if row is None or row.used_at is not None or row.voided_at is not None:
        # Nothing live to try against: refused without writing anything.
        raise DomainError(_refusal_for(row, clock.now()), code="sms_code_refused", field="code")
    # Durable: the spent try is committed here even if the caller's later work fails;
    # nesting this inside the caller's transaction.atomic raises RuntimeError.
    with transaction.atomic(durable=True):
        refusal = _attempt(row, code)
    if refusal is not None:
        raise DomainError(refusal, code="sms_code_refused", field="code")


def sms_code_deliverable(sms_code_id: int) -> bool:
    """Whether the code's SMS still needs sending (idempotent task redelivery)."""
    return SmsCode.objects.filter(
        pk=sms_code_id,
        used_at=None,
        voided_at=None,
        sent_at=None,
        expires_at__gt=clock.now(),
    ).exists()


def sms_code_mark_sent(sms_code_id: int) -> None:
    SmsCode.objects.filter(pk=sms_code_id, sent_at=None).update(sent_at=clock.now())


def sms_code_purge(*, older_than_days: int | None = None) -> int:
    """Delete codes older than the retention period; returns how many went.

    Rows hold who asked for a code from which address, a record kept as long as other
    network logs (``SMS_CODE_RETENTION_DAYS``, 180 by default: Cybersecurity Law Art. 21).
    """
    days = older_than_days
    if days is None:
        days = settings.SMS_CODE_RETENTION_DAYS
    cutoff = clock.now() - timedelta(days=days)
    deleted, _ = SmsCode.objects.filter(created_at__lt=cutoff).delete()
    return deleted
