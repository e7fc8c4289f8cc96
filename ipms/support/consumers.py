"""The chat sockets: the visitor's panel (/ws/support/) and the staff console
(/ws/support/staff/).

Clients send JSON ``{"type": …}``; refusals come back as ``{"type": "error", "code",
"message", "nonce"}`` and leave the socket open. A visitor's socket serves only the owner
it was opened for (the signed cookie or the session's user): nothing a client sends names
a conversation of theirs, so there is nothing to guess.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from ipms.core.errors import DomainError
from ipms.core.http import client_ip

from . import events, selectors, services
from . import messages as msg
from .identity import (
    COOKIE_NAME,
    STAFF_GROUP,
    Owner,
    owner_for_user,
    owner_for_visitor,
    owner_group,
    staff_may_answer,
    visitor_token_from_cookie,
)

# Close codes (4000–4999 are the application's).
CLOSE_NO_IDENTITY = 4401
CLOSE_FORBIDDEN = 4403


def _int(value, default: int = 0) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default


def scope_client_ip(scope) -> str | None:
    """The client address by the trusted-proxy rule of ``ipms.core.http``."""
    headers = dict(scope.get("headers") or [])
    meta = {
        "REMOTE_ADDR": (scope.get("client") or ("",))[0] or "",
        "HTTP_X_FORWARDED_FOR": headers.get(b"x-forwarded-for", b"").decode("latin-1"),
    }
    return client_ip(SimpleNamespace(META=meta))


def ack(content: dict, posted: services.Posted, payload: dict | None = None) -> dict:
    """The sender is told its message is stored: the same stored message for every copy of
    one client id (``duplicate`` says nothing new was written)."""
    return {
        "type": "ack",
        "nonce": content.get("nonce"),
        "client_id": posted.message.client_id,
        "id": posted.message.pk,
        "duplicate": posted.duplicate,
        "message": payload or events.message_payload(posted.message),
    }


class _ChatConsumer(AsyncJsonWebsocketConsumer):
    async def dispatch(self, message):
        """channels' dispatch, without its ``aclose_old_connections()`` before each handler.

        channels (4.2+) runs ``close_old_connections`` in the one sync thread before every
        message a consumer handles, for consumers that use the ORM's async methods. Here
        that was one thread hop for each frame and for each event of each socket (a
        visitor's message reaching 10 staff consoles: 10 hops), queued behind the
        database work in that thread: bench/chat.py's latency grew with it. These
        consumers reach the database only through ``database_sync_to_async``, which
        closes old connections before and after each call itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def chat_event(self, event):
        # Serialised once by the publisher for every socket of the group; "event" is the
        # form of a process that published before this change (rolling restarts, Redis).
        text = event.get("text")
        await self.send(text_data=text if text is not None else json.dumps(event["event"]))

    async def refuse(self, error: DomainError, nonce=None):
        await self.send_json(
            {"type": "error", "code": error.code, "message": error.message, "nonce": nonce}
        )

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        handler = getattr(self, f"on_{kind}", None) if isinstance(kind, str) else None
        nonce = content.get("nonce") if isinstance(content, dict) else None
        if handler is None or not kind.isidentifier():
            await self.refuse(DomainError(msg.UNKNOWN_REQUEST, code="unknown_request"), nonce)
            return
        try:
            await handler(content)
        except DomainError as error:
            await self.refuse(error, nonce)

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None


class VisitorConsumer(_ChatConsumer):
    owner: Owner

    async def connect(self):
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            self.owner = owner_for_user(user)
        else:
            token = visitor_token_from_cookie(self.scope.get("cookies", {}).get(COOKIE_NAME))
            if token is None:
                await self.close(code=CLOSE_NO_IDENTITY)
                return
            self.owner = owner_for_visitor(token)
        self.client_ip = scope_client_ip(self.scope)
        self.group = owner_group(self.owner.key)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def on_resume(self, content):
        """History after the last message the client holds (0: the conversation so far)."""
        history = await database_sync_to_async(self._history)(_int(content.get("after")))
        await self.send_json({"type": "history", **history})

    def _history(self, after: int) -> dict:
        conversation = selectors.conversation_of_owner(self.owner)
        rows = selectors.messages_after(conversation, after) if conversation else []
        return {
            "messages": [events.message_payload(row) for row in rows],
            "staff_online": selectors.staff_online(),
            **events.conversation_state(conversation),
        }

    async def on_send(self, content):
        posted = await database_sync_to_async(services.message_post)(
            owner=self.owner,
            body=content.get("body"),
            page_url=content.get("page") or "",
            contact_phone=content.get("phone") or "",
            client_ip=self.client_ip,
            client_id=content.get("client_id"),
        )
        payload = events.message_payload(posted.message)
        await self.send_json(ack(content, posted, payload))
        await events.publish_message(posted.conversation, posted.message, payload)
        if posted.started:
            await events.publish_state(posted.conversation)

    async def on_close(self, content):
        conversation, notice = await database_sync_to_async(services.conversation_close_by_owner)(
            owner=self.owner
        )
        if notice is not None:
            await events.publish_message(conversation, notice)
            await events.publish_state(conversation)

    async def on_rate(self, content):
        conversation = await database_sync_to_async(services.conversation_rate)(
            owner=self.owner, score=content.get("score"), comment=content.get("comment") or ""
        )
        await self.send_json({"type": "rated", "nonce": content.get("nonce")})
        await events.publish_state(conversation)

    async def on_read(self, content):
        await database_sync_to_async(services.visitor_read_mark)(
            owner=self.owner, upto=_int(content.get("upto"))
        )


class StaffConsumer(_ChatConsumer):
    async def connect(self):
        self.user = self.scope.get("user")
        if not await database_sync_to_async(staff_may_answer)(self.user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.joined = True
        await self.channel_layer.group_add(STAFF_GROUP, self.channel_name)
        await database_sync_to_async(services.presence_join)(
            user=self.user, channel=self.channel_name
        )
        await self.accept()

    async def disconnect(self, code):
        if getattr(self, "joined", False):
            await self.channel_layer.group_discard(STAFF_GROUP, self.channel_name)
            await database_sync_to_async(services.presence_leave)(channel=self.channel_name)

    async def on_ping(self, content):
        await database_sync_to_async(services.presence_ping)(
            user=self.user, channel=self.channel_name
        )
        await self.send_json({"type": "pong"})

    async def on_reply(self, content):
        posted = await database_sync_to_async(services.staff_reply)(
            conversation_id=_int(content.get("conversation")),
            staff=self.user,
            body=content.get("body"),
            client_id=content.get("client_id"),
        )
        await self.send_json(ack(content, posted))
        await events.publish_message(posted.conversation, posted.message)
        if posted.started:
            await events.publish_state(posted.conversation)

    async def on_resume(self, content):
        conversation_id = _int(content.get("conversation"))
        rows = await database_sync_to_async(self._messages)(
            conversation_id, _int(content.get("after"))
        )
        await self.send_json({"type": "history", "conversation": conversation_id, "messages": rows})

    def _messages(self, conversation_id: int, after: int) -> list[dict]:
        conversation = selectors.Conversation.objects.filter(pk=conversation_id).first()
        if conversation is None:
            return []
        return [
            events.message_payload(row) for row in selectors.messages_after(conversation, after)
        ]

    async def on_read(self, content):
        await database_sync_to_async(services.staff_read_mark)(
            conversation_id=_int(content.get("conversation")), upto=_int(content.get("upto"))
        )
