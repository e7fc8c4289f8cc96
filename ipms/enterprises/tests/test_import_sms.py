"""确认导入's invitation SMS leave as chunked tasks after commit, not one publish per row
(issue 10 point 5); the SMS limits still hold (test_enterprise_names covers the budget)."""

from __future__ import annotations

from unittest import mock

import pytest

from ipms.accounts import tasks as sms_tasks
from ipms.accounts.sms import SMS_BATCH_SIZE
from ipms.enterprises import imports
from ipms.enterprises.models import Membership

pytestmark = pytest.mark.django_db


def preview_of(enterprise, admin_user, count: int):
    rows = [
        imports.ImportRow(row=n + 2, phone=f"158{n:08d}", position="legal", name=f"学员{n}")
        for n in range(count)
    ]
    preview_id = imports.preview_store(
        enterprise=enterprise, user=admin_user, filename="成员.xlsx", rows=rows
    )
    return imports.preview_load(enterprise=enterprise, preview_id=preview_id)


def test_1200_invitations_are_three_publishes(
    settings, enterprise, admin_user, django_capture_on_commit_callbacks
):
    settings.MEMBER_INVITE_DAILY_LIMIT = 10_000
    preview = preview_of(enterprise, admin_user, 1200)
    with (
        mock.patch.object(sms_tasks.send_sms_batch_task, "apply_async") as batches,
        mock.patch.object(sms_tasks.send_sms_task, "apply_async") as singles,
        django_capture_on_commit_callbacks(execute=True),
    ):
        imports.member_import_confirm(enterprise=enterprise, by=admin_user, preview=preview)
    assert Membership.objects.filter(enterprise=enterprise, status="pending").count() == 1200
    assert singles.call_count == 0
    sent = [call.kwargs["kwargs"]["messages"] for call in batches.call_args_list]
    assert [len(batch) for batch in sent] == [SMS_BATCH_SIZE, SMS_BATCH_SIZE, 200]
    first = sent[0][0]
    assert first["phone"] == "15800000000"
    assert first["params"]["enterprise"] == enterprise.name and first["params"]["token"]


def test_every_invitation_is_sent_in_the_embedded_mode(
    settings, enterprise, admin_user, sms_outbox, django_capture_on_commit_callbacks
):
    settings.MEMBER_INVITE_DAILY_LIMIT = 10_000
    preview = preview_of(enterprise, admin_user, 620)
    with django_capture_on_commit_callbacks(execute=True):
        imports.member_import_confirm(enterprise=enterprise, by=admin_user, preview=preview)
    assert len(sms_outbox) == 620
    assert len({message.params["token"] for message in sms_outbox}) == 620
