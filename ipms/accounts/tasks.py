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
from django.core.cache import cache

from ipms.core.phone import mask_mobile
from ipms.core.sms import SmsSendError, SmsTemporaryError, get_backend, send_sms

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


# A batch task saves how far it got every this many messages; a redelivered task (a worker
# lost mid-batch) starts there, so at most this many messages go out twice.
BATCH_PROGRESS_EVERY = 20
BATCH_PROGRESS_TTL = 24 * 3600


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_sms_batch_task(*, template: str, messages: list[dict], batch_id: str) -> dict:
    """Send many messages of one template (``sms.sms_send_many_after_commit``).

    Temporary provider trouble for one message hands that message to ``send_sms_task``
    (which retries it, backing off) and the batch goes on; a refusal is logged. Safe to
    run twice: the progress is kept in the cache under ``batch_id``.
    """
    key = f"sms-batch:{batch_id}"
    start = cache.get(key) or 0
    counts = {"sent": 0, "refused": 0, "retrying": 0, "skipped": start}
    backend = get_backend()  # one for the batch; the batch is logged once, below
    for index in range(start, len(messages)):
        message = messages[index]
        phone, params = message["phone"], message["params"]
        try:
            send_sms(phone=phone, template=template, params=params, backend=backend, log=False)
            counts["sent"] += 1
        except SmsTemporaryError:
            send_sms_task.apply_async(
                kwargs={"phone": phone, "template": template, "params": params},
                kwargsrepr=repr({"phone": mask_mobile(phone), "template": template}),
            )
            counts["retrying"] += 1
        except SmsSendError as exc:
            logger.warning(
                "sms to %s refused (%s): %s", mask_mobile(phone), exc.code or "-", exc.message
            )
            counts["refused"] += 1
        if (index + 1) % BATCH_PROGRESS_EVERY == 0:
            cache.set(key, index + 1, BATCH_PROGRESS_TTL)
    cache.delete(key)
    logger.info("sms batch %s (%s): %s", batch_id, template, counts)
    return counts


@shared_task(acks_late=True, ignore_result=True)
def purge_sms_codes_task() -> int:
    """Daily clean-up of old verification codes (schedule it with Celery beat)."""
    return codes.sms_code_purge()
