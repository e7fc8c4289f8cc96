"""Writes for the portal content: visitors' feedback and the operator's handling of it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ipms.accounts.models import User
from ipms.core.errors import DomainError
from ipms.core.phone import normalize_mobile

from .models import Feedback

FEEDBACK_MIN_LENGTH = 5
FEEDBACK_MAX_LENGTH = 2000

FEEDBACK_TOO_SHORT = f"内容太短了，请至少写 {FEEDBACK_MIN_LENGTH} 个字。"
FEEDBACK_TOO_LONG = f"内容不能超过 {FEEDBACK_MAX_LENGTH} 个字。"


@transaction.atomic
def feedback_submit(
    *, content: str, phone: str, ip_address: str | None, user: User | None
) -> Feedback:
    """Store a visitor's 意见反馈 for the operators' inbox.

    The length rules are checked here as well as in the form: a model TextField does not
    enforce ``max_length``, and other callers (an API, a test) must meet the same rules.
    """
    content = (content or "").strip()
    if len(content) < FEEDBACK_MIN_LENGTH:
        raise DomainError(FEEDBACK_TOO_SHORT, code="feedback_too_short", field="content")
    if len(content) > FEEDBACK_MAX_LENGTH:
        raise DomainError(FEEDBACK_TOO_LONG, code="feedback_too_long", field="content")
    feedback = Feedback(
        content=content,
        phone=normalize_mobile(phone),
        ip_address=ip_address or None,
        user=user if user is not None and user.is_authenticated else None,
    )
    feedback.full_clean()
    feedback.save()
    return feedback


@transaction.atomic
def feedback_mark_handled(*, feedback: Feedback, user: User) -> Feedback:
    """Mark one feedback as handled by ``user``.

    Idempotent: a feedback already handled keeps who handled it first and when, so two
    operators working the inbox at once never overwrite each other.
    """
    locked = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if locked.is_handled:
        return locked
    locked.is_handled = True
    locked.handled_at = timezone.now()
    locked.handled_by = user
    locked.full_clean()
    locked.save(update_fields=["is_handled", "handled_at", "handled_by", "updated_at"])
    return locked
