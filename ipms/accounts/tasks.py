"""Background work of the accounts app.

Tasks run with ``acks_late`` (a worker killed mid-task gets the message again), so each
must be safe to run twice: ``send_sms_task`` re-checks a verification code before sending
and records the send afterwards. A redelivery in the short gap between the provider's
acceptance and that record sends the same code again, which is harmless; the opposite
choice (record first) could lose the message for good.
"""

from __future__ import annotations

import logging

from celery import shared_task

from ipms.core.phone import mask_mobile
from ipms.core.sms import SmsSendError, SmsTemporaryError, send_sms

from . import sms as codes

logger = logging.getLogger("ipms.accounts.tasks")


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(SmsTemporaryError,),
    retry_backoff=5,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=3,
    ignore_result=True,
)
def send_sms_task(
    *, phone: str, template: str, params: dict[str, str], sms_code_id: int | None = None
) -> str:
    """Send one SMS; returns "sent", "skipped" or "refused".

    With ``sms_code_id`` the message carries a verification code: it is skipped when the
    code has since been used, voided, expired or already sent. Temporary provider trouble
    is retried (3 times, backing off); a refusal (bad number, number blocked, provider
    misconfigured) is logged and not retried.
    """
    if sms_code_id is not None and not codes.sms_code_deliverable(sms_code_id):
        logger.info("sms code %s no longer needs sending; skipped", sms_code_id)
        return "skipped"
    try:
        send_sms(phone=phone, template=template, params=params)
    except SmsTemporaryError:
        raise
    except SmsSendError as exc:
        logger.warning(
            "sms to %s refused (%s): %s", mask_mobile(phone), exc.code or "-", exc.message
        )
        return "refused"
    if sms_code_id is not None:
        codes.sms_code_mark_sent(sms_code_id)
    return "sent"


@shared_task(acks_late=True, ignore_result=True)
def purge_sms_codes_task() -> int:
    """Daily clean-up of old verification codes (schedule it with Celery beat)."""
    return codes.sms_code_purge()
