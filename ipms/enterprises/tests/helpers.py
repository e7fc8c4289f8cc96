"""Helpers for the enterprise page tests."""

from __future__ import annotations

import datetime
import io
import re

from django.utils import timezone
from openpyxl import Workbook

from ipms.core.sms import outbox
from ipms.enterprises.models import Invitation

LINK_RE = re.compile(r"/j/([A-Za-z0-9_-]+)")


def link_token(message=None) -> str:
    """The token of the invitation link in ``message`` (default: the latest SMS)."""
    message = message or outbox[-1]
    match = LINK_RE.search(message.text)
    assert match, message.text
    return match.group(1)


def age_invitations(membership, *, seconds: int = 61) -> None:
    """Pretend the member's invitations were sent ``seconds`` ago (resend interval)."""
    past = timezone.now() - datetime.timedelta(seconds=seconds)
    Invitation.objects.filter(membership=membership).update(created_at=past)


def xlsx(rows, *, headers=("姓名", "手机", "职位", "省份", "城市"), title="成员") -> bytes:
    """An .xlsx with ``headers`` on row 1 and ``rows`` below, as a person would fill it."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    if headers:
        ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "成员.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        name,
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


class CommittingClient:
    """A test client whose requests run their after-commit work (the SMS) at their end,
    as it would happen after a real commit (tests run inside one transaction)."""

    def __init__(self, client, capture):
        self._client, self._capture = client, capture

    def __getattr__(self, name):
        attr = getattr(self._client, name)
        if name not in {"get", "post"}:
            return attr

        def call(*args, **kwargs):
            with self._capture(execute=True):
                return attr(*args, **kwargs)

        return call
