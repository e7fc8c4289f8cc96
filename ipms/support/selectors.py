"""Reads of 在线客服: an owner's own conversation, the console's lists."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from .identity import Owner
from .models import Conversation, ConversationStatus, Message, QuickReply, Sender, StaffConnection

HISTORY_LIMIT = 100
CONSOLE_LIST_LIMIT = 100


def conversation_of_owner(owner: Owner) -> Conversation | None:
    """The owner's newest conversation (the open one, when there is one)."""
    return Conversation.objects.filter(owner_key=owner.key).order_by("-id").first()


def messages_after(conversation: Conversation, after: int = 0) -> list[Message]:
    """Messages after id ``after``, oldest first; at most the newest ``HISTORY_LIMIT``."""
    rows = list(
        conversation.messages.filter(id__gt=max(0, after))
        .select_related("author")
        .order_by("-id")[:HISTORY_LIMIT]
    )
    rows.reverse()
    return rows


def staff_online() -> bool:
    """Whether any staff member has the console open now: a socket that is open and has
    pinged within ``SUPPORT_PRESENCE_TTL`` (the rows of a process that died expire)."""
    return StaffConnection.objects.filter(last_seen__gte=presence_since()).exists()


def presence_since():
    return timezone.now() - timedelta(seconds=settings.SUPPORT_PRESENCE_TTL)


def console_conversations(*, status: str = "open", query: str = "") -> list[Conversation]:
    """The console's list: unread counts in the same query, newest activity first.

    ``status`` is "open", "closed" or "all"; ``query`` searches message text, the phone
    left with a message and the user's phone or name.
    """
    rows = Conversation.objects.select_related("user", "assigned_to").annotate(
        unread=Count(
            "messages",
            filter=Q(messages__sender=Sender.VISITOR, messages__id__gt=F("staff_read_id")),
        )
    )
    if status in ConversationStatus.values:
        rows = rows.filter(status=status)
    query = query.strip()[:100]
    if query:
        body_match = Message.objects.filter(conversation=OuterRef("pk"), body__icontains=query)
        rows = rows.filter(
            Exists(body_match)
            | Q(contact_phone__contains=query)
            | Q(user__phone__contains=query)
            | Q(user__name__icontains=query)
        )
    return list(rows.order_by("-last_message_at", "-id")[:CONSOLE_LIST_LIMIT])


def console_conversation(pk: int) -> Conversation:
    """One conversation for the console (the view has checked the staff permission)."""
    found = Conversation.objects.select_related("user", "assigned_to").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def quick_replies() -> list[QuickReply]:
    return list(QuickReply.objects.all())
