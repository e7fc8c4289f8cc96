"""What the chat sockets are told, through the channel layer (in memory or Redis).

Each owner's sockets share one group (``identity.owner_group``); every staff console is in
``STAFF_GROUP``. A consumer forwards ``{"type": "chat.event", "text": "<JSON>"}`` to its
client as it is: the event is serialised once for the whole group.
"""

from __future__ import annotations

import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from .identity import STAFF_GROUP, owner_group
from .models import Conversation, Message, Sender


def author_label(message: Message) -> str:
    if message.sender == Sender.STAFF:
        name = getattr(message.author, "name", "") if message.author_id else ""
        return f"客服{name}" if name else "客服"
    if message.sender == Sender.SYSTEM:
        return "系统"
    return "我"


def message_payload(message: Message) -> dict:
    at = timezone.localtime(message.created_at)
    return {
        "id": message.pk,
        "sender": message.sender,
        "author": author_label(message),
        "body": message.body,
        "client_id": message.client_id,
        "at": at.isoformat(),
        "time": at.strftime("%H:%M"),
    }


def conversation_state(conversation: Conversation | None) -> dict:
    if conversation is None:
        return {"status": "none", "rated": False}
    return {"status": conversation.status, "rated": conversation.rating is not None}


def assignment(conversation: Conversation) -> dict:
    """Who answers the conversation (接待客服), for the staff consoles: the id and the name
    the desk shows. Empty when the assignee is not loaded on this instance (an event sent
    from async code must not query); every path that assigns has it loaded."""
    if conversation.assigned_to_id is None:
        return {"assigned_to_id": None, "assigned_to": ""}
    if not Conversation.assigned_to.is_cached(conversation):
        return {}
    return {
        "assigned_to_id": conversation.assigned_to_id,
        "assigned_to": str(conversation.assigned_to),
    }


async def _send(group: str, event: dict) -> None:
    # JSON once here, not once per socket of the group (nor copied per socket as a dict
    # by the in-memory layer's deepcopy).
    text = json.dumps(event)
    await get_channel_layer().group_send(group, {"type": "chat.event", "text": text})


async def publish_message(
    conversation: Conversation, message: Message, payload: dict | None = None
) -> None:
    payload = payload or message_payload(message)
    await _send(owner_group(conversation.owner_key), {"type": "message", "message": payload})
    await _send(
        STAFF_GROUP, {"type": "message", "conversation": conversation.pk, "message": payload}
    )


async def publish_state(conversation: Conversation) -> None:
    state = conversation_state(conversation)
    await _send(owner_group(conversation.owner_key), {"type": "state", **state})
    await _send(
        STAFF_GROUP,
        {
            "type": "conversation",
            "conversation": conversation.pk,
            **state,
            **assignment(conversation),
        },
    )


def publish_on_commit(coroutine_function, *args) -> None:
    """From sync code (a console view): publish once the transaction has committed."""
    transaction.on_commit(lambda: async_to_sync(coroutine_function)(*args))
