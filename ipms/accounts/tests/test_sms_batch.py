"""Many SMS at once (批量导入's invitations): queued after commit as one task per
``SMS_BATCH_SIZE`` messages, each task safe to run twice (issue 10 point 5)."""

from __future__ import annotations

import contextlib
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction

from ipms.accounts import sms, tasks
from ipms.core.sms import SmsSendError, SmsTemporaryError
from ipms.core.sms.templates import MEMBER_INVITATION

pytestmark = pytest.mark.django_db


def messages(count: int) -> list[tuple[str, dict]]:
    return [
        (f"158{n:08d}", {"enterprise": "苏州示范智能科技有限公司", "token": f"t{n}"})
        for n in range(count)
    ]


def prepared(count: int) -> list[dict]:
    return [{"phone": phone, "params": params} for phone, params in messages(count)]


def test_1100_messages_are_three_tasks_after_commit(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.send_sms_batch_task, "apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        queued = sms.sms_send_many_after_commit(template=MEMBER_INVITATION, messages=messages(1100))
        assert publish.call_count == 0  # nothing before commit
    assert queued == 3
    sizes = [len(call.kwargs["kwargs"]["messages"]) for call in publish.call_args_list]
    assert sizes == [500, 500, 100]
    # What Celery logs never carries the tokens.
    assert all("t1" not in call.kwargs["kwargsrepr"] for call in publish.call_args_list)


def test_a_rollback_queues_nothing(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.send_sms_batch_task, "apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True),
        contextlib.suppress(RuntimeError),
        transaction.atomic(),
    ):
        sms.sms_send_many_after_commit(template=MEMBER_INVITATION, messages=messages(3))
        raise RuntimeError("rolled back")
    assert publish.call_count == 0


def test_the_batch_sends_every_message(sms_outbox):
    counts = tasks.send_sms_batch_task(
        template=MEMBER_INVITATION, messages=prepared(45), batch_id="b1"
    )
    assert counts == {"sent": 45, "refused": 0, "retrying": 0, "skipped": 0}
    assert [m.phone for m in sms_outbox] == [phone for phone, _ in messages(45)]
    assert cache.get("sms-batch:b1") is None  # done: no progress kept


def test_a_redelivered_batch_starts_where_it_stopped(sms_outbox):
    cache.set("sms-batch:b2", 40)  # a lost worker had sent the first 40
    counts = tasks.send_sms_batch_task(
        template=MEMBER_INVITATION, messages=prepared(45), batch_id="b2"
    )
    assert counts["sent"] == 5 and counts["skipped"] == 40
    assert [m.phone for m in sms_outbox] == [phone for phone, _ in messages(45)[40:]]


def test_trouble_with_one_message_does_not_stop_the_batch(sms_outbox):
    real = tasks.send_sms

    def flaky(*, phone, template, params, **options):
        if phone.endswith("1"):
            raise SmsTemporaryError("稍后再试")
        if phone.endswith("2"):
            raise SmsSendError("号码停机", code="blocked")
        return real(phone=phone, template=template, params=params, **options)

    with (
        mock.patch.object(tasks, "send_sms", side_effect=flaky),
        mock.patch.object(tasks.send_sms_task, "apply_async") as retry,
    ):
        counts = tasks.send_sms_batch_task(
            template=MEMBER_INVITATION, messages=prepared(5), batch_id="b3"
        )
    assert counts == {"sent": 3, "refused": 1, "retrying": 1, "skipped": 0}
    (call,) = retry.call_args_list
    assert call.kwargs["kwargs"]["phone"] == "15800000001"
    assert "t1" not in call.kwargs["kwargsrepr"]


def test_a_batch_makes_one_backend_and_one_log_line(caplog):
    """Per message only the send itself: the backend is made once per batch, and the
    batch is logged once (its counts), not one "sms sent" line per message."""
    from ipms.core import sms as core_sms

    with (
        mock.patch.object(tasks, "get_backend", wraps=core_sms.get_backend) as made,
        caplog.at_level("INFO", logger="ipms.sms"),
    ):
        counts = tasks.send_sms_batch_task(
            template=MEMBER_INVITATION, messages=prepared(50), batch_id="one-backend"
        )
    assert counts["sent"] == 50
    assert made.call_count == 1
    assert not [r for r in caplog.records if r.name == "ipms.sms" and "sms sent" in r.message]
    assert len(core_sms.outbox) == 50
