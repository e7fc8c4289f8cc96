"""Every write of 在线客服: messages, replies, assignment, closing, ratings, presence."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ipms.core import ratelimit
from ipms.core.audit import audit_record
from ipms.core.errors import DomainError
from ipms.core.models import AuditRole
from ipms.core.phone import PHONE_INVALID, is_mobile, normalize_mobile
from ipms.core.workflow import transition

from . import messages as msg
from .identity import Owner, staff_may_answer
from .models import Conversation, ConversationStatus, Message, Sender, StaffConnection
from .selectors import conversation_of_owner, presence_since

COMMENT_MAX_LENGTH = 200
PAGE_URL_MAX_LENGTH = 300


class Posted(NamedTuple):
    conversation: Conversation
    message: Message
    # The conversation was opened by this message, or assigned by this reply.
    started: bool
    # The client id was stored already: ``message`` is that message, nothing was written.
    duplicate: bool = False


CLIENT_ID_MAX_LENGTH = 36


def _clean_client_id(client_id) -> str:
    """The sender's id for the message: empty (an older client) or up to 36 letters,
    digits and dashes (a uuid4)."""
    if client_id is None or client_id == "":
        return ""
    if (
        not isinstance(client_id, str)
        or len(client_id) > CLIENT_ID_MAX_LENGTH
        or not all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in client_id)
    ):
        raise DomainError(msg.CLIENT_ID_INVALID, code="client_id_invalid", field="client_id")
    return client_id


def _clean_body(body) -> str:
    body = str(body or "").strip()
    if not body:
        raise DomainError(msg.MESSAGE_EMPTY, code="message_empty", field="body")
    limit = settings.SUPPORT_MESSAGE_MAX_LENGTH
    if len(body) > limit:
        raise DomainError(
            msg.MESSAGE_TOO_LONG.format(limit=limit), code="message_too_long", field="body"
        )
    return body


def _clean_phone(phone) -> str:
    phone = normalize_mobile(str(phone or ""))
    if not phone:
        return ""
    if not is_mobile(phone):
        raise DomainError(PHONE_INVALID, code="phone_invalid", field="phone")
    return phone


def _clean_page(page_url) -> str:
    """Only a path of this site is kept (it is shown to staff, never followed blindly)."""
    page_url = str(page_url or "")
    if not page_url.startswith("/") or page_url.startswith("//"):
        return ""
    return page_url[:PAGE_URL_MAX_LENGTH]


def _message_create(
    conversation: Conversation, *, sender: str, author, body: str, client_id: str = ""
) -> Message:
    message = Message(
        conversation=conversation, sender=sender, author=author, body=body, client_id=client_id
    )
    message.full_clean(exclude=["conversation", "author"])
    message.save()
    return message


def message_post(
    *,
    owner: Owner,
    body: str,
    page_url: str = "",
    contact_phone: str = "",
    client_ip: str | None = None,
    client_id: str = "",
) -> Posted:
    """A visitor's (or user's) message, into their open conversation or a new one.

    Counted per owner (``support_message``) and, when it opens a conversation, per client
    address (``support_conversation_ip``); refusals raise ``RateLimitExceeded``. A
    ``client_id`` the owner has sent before returns the stored message (``duplicate``),
    writes nothing and counts against no limit.
    """
    body = _clean_body(body)
    phone = _clean_phone(contact_phone)
    page_url = _clean_page(page_url)
    client_id = _clean_client_id(client_id)
    return _message_write(
        owner=owner,
        body=body,
        page_url=page_url,
        phone=phone,
        client_ip=client_ip or "",
        client_id=client_id,
    )


# --- the visitor's message: the chat's hot path --------------------------------------------
#
# Every message a visitor sends runs these statements, so they are written out once (from
# the models' own table and column names) and run on Django's cursor instead of being
# compiled by the ORM on each call: bench/chat.py measured the ORM's query building and
# ``full_clean`` at most of the ≈ 5 ms of CPU a message cost (docs/performance.md,
# "在线客服 delivery"). The values are the ones the ORM would have bound (cleaned above,
# adapted by ``connection.ops``); the rows read become model instances through the ORM's
# own converters (looked up once for the conversation; ``objects.raw`` for a message).
# Rare branches (a new conversation, a re-sent copy) stay on the ORM.


# The statements, with the models' table and column names filled in; values are bound.
_STATEMENTS = {
    "open": "SELECT {conv_columns} FROM {conv} WHERE {owner_key} = %s AND {status} = %s"
    " LIMIT 1{lock}",
    # ``<> ''`` lets SQLite use the partial unique index (conversation, client id).
    "sent_before": "SELECT {msg_columns} FROM {msg} m INNER JOIN {conv} c"
    " ON m.{conversation_id} = c.{id} WHERE c.{owner_key} = %s AND m.{client_id} = %s"
    " AND m.{client_id} <> '' LIMIT 1",
    "insert": "INSERT INTO {msg} ({conversation_id}, {sender}, {author_id}, {body},"
    " {client_id}, {created_at}) VALUES (%s, %s, %s, %s, %s, %s){returning}",
    "update": "UPDATE {conv} SET {last_message_at} = %s,"
    " {waiting_since} = COALESCE({waiting_since}, %s), {visitor_read_id} = %s,"
    " {page_url} = %s, {contact_phone} = %s WHERE {id} = %s",
}


@functools.cache
def _sql(vendor: str) -> dict[str, str]:
    q = connection.ops.quote_name
    conv, msg_ = Conversation._meta, Message._meta
    names = {
        field.attname: q(field.column) for field in (*conv.concrete_fields, *msg_.concrete_fields)
    }
    names.update(
        conv=q(conv.db_table),
        msg=q(msg_.db_table),
        conv_columns=", ".join(q(field.column) for field in conv.concrete_fields),
        msg_columns=", ".join(f"m.{q(field.column)}" for field in msg_.concrete_fields),
        # PostgreSQL locks the open conversation's row; SQLite has no row locks, its
        # ``BEGIN IMMEDIATE`` (settings: transaction_mode) holds the write lock already.
        lock=" FOR UPDATE" if connection.features.has_select_for_update else "",
        returning=(
            f" RETURNING {q('id')}" if connection.features.can_return_columns_from_insert else ""
        ),
    )
    return {name: template.format(**names) for name, template in _STATEMENTS.items()}


@functools.cache
def _conversation_converters(vendor: str) -> list:
    """The ORM's converters of the conversation's columns on this backend (what
    ``objects.raw`` would look up on each call), by column position."""
    fields = Conversation._meta.concrete_fields
    compiler = Conversation.objects.none().query.get_compiler(connection=connection)
    converters = compiler.get_converters(
        [field.get_col(Conversation._meta.db_table) for field in fields]
    )
    return [(pos, convs, expression) for pos, (convs, expression) in converters.items()]


def _open_locked(owner: Owner) -> Conversation | None:
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection.vendor)["open"], [owner.key, ConversationStatus.OPEN])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for pos, convs, expression in _conversation_converters(connection.vendor):
        for converter in convs:
            values[pos] = converter(values[pos], expression, connection)
    return Conversation.from_db(connection.alias, None, values)


def _sent_before(
    owner: Owner, client_id: str, open_conversation: Conversation | None = None
) -> Message | None:
    """The owner's message stored under ``client_id`` (in any of their conversations: it
    may have been closed since), with its conversation (``open_conversation`` when it is
    that one)."""
    if not client_id:
        return None
    rows = list(Message.objects.raw(_sql(connection.vendor)["sent_before"], [owner.key, client_id]))
    if not rows:
        return None
    stored = rows[0]
    if open_conversation is not None and stored.conversation_id == open_conversation.pk:
        stored.conversation = open_conversation
    else:
        stored.conversation = Conversation.objects.get(pk=stored.conversation_id)
    return stored


def _visitor_message_write(
    conversation: Conversation, *, author, body: str, client_id: str, page_url: str, phone: str
) -> Message:
    """The message stored and the conversation brought up to date: two statements."""
    sql = _sql(connection.vendor)
    now = timezone.now()
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            sql["insert"],
            [conversation.pk, Sender.VISITOR, getattr(author, "pk", None), body, client_id, at],
        )
        if connection.features.can_return_columns_from_insert:
            pk = cursor.fetchone()[0]
        else:  # pragma: no cover - SQLite before 3.35
            pk = cursor.lastrowid
        page_url = page_url or conversation.page_url
        phone = phone or conversation.contact_phone
        cursor.execute(sql["update"], [at, at, pk, page_url, phone, conversation.pk])
    message = Message(
        id=pk,
        conversation=conversation,
        sender=Sender.VISITOR,
        author=author,
        body=body,
        client_id=client_id,
        created_at=now,
    )
    message._state.adding = False
    message._state.db = connection.alias
    conversation.last_message_at = now
    conversation.waiting_since = conversation.waiting_since or now
    conversation.visitor_read_id = pk
    conversation.page_url = page_url
    conversation.contact_phone = phone
    return message


@transaction.atomic
def _message_write(
    *, owner: Owner, body: str, page_url: str, phone: str, client_ip: str, client_id: str
) -> Posted:
    # One locked read answers both "is there an open conversation?" (which limits apply)
    # and "which one does the message go to?"; the lock also orders a re-sent copy after
    # the original's transaction. A refusal raises, so the transaction leaves nothing
    # behind. Statements: BEGIN, this read, the client id read (only with a client id),
    # the insert, the conversation update, COMMIT (bench/chat.py measures the path).
    conversation = _open_locked(owner)
    stored = _sent_before(owner, client_id, conversation)
    if stored is not None:
        return Posted(stored.conversation, stored, False, duplicate=True)
    started = conversation is None
    if started:
        conversation = Conversation(owner_key=owner.key, user=owner.user)
        conversation.full_clean(exclude=["user", "assigned_to"], validate_constraints=False)
        try:
            with transaction.atomic():
                conversation.save()
        except IntegrityError:  # another tab (or the original of this copy) opened it
            started = False
            conversation = Conversation.objects.select_for_update().get(
                owner_key=owner.key, status=ConversationStatus.OPEN
            )
            stored = _sent_before(owner, client_id)
            if stored is not None:
                return Posted(stored.conversation, stored, False, duplicate=True)
    # Counted only now, so a re-sent copy is never counted twice; a refusal rolls back the
    # conversation this message would have opened.
    checks = [("support_message", owner.key)]
    if started:
        checks.append(("support_conversation_ip", client_ip))
    ratelimit.hit_all(checks)
    message = _visitor_message_write(
        conversation,
        author=owner.user,
        body=body,
        client_id=client_id,
        page_url=page_url,
        phone=phone,
    )
    return Posted(conversation, message, started)


def _staff_check(staff) -> None:
    if not staff_may_answer(staff):
        raise DomainError(msg.NOT_ALLOWED, code="not_allowed")


def _locked(conversation_id: int) -> Conversation:
    conversation = Conversation.objects.select_for_update().filter(pk=conversation_id).first()
    if conversation is None:
        raise DomainError(msg.CONVERSATION_CLOSED, code="conversation_missing")
    return conversation


def _assign(conversation: Conversation, staff) -> bool:
    if conversation.assigned_to_id == staff.pk:
        conversation.assigned_to = staff  # loaded for the consoles' event (nothing saved)
        return False
    previous = conversation.assigned_to_id
    conversation.assigned_to = staff
    conversation.save(update_fields=["assigned_to"])
    audit_record(
        action="support.conversation_assigned",
        actor=staff,
        obj=conversation,
        details={"from_staff": previous, "to_staff": staff.pk},
    )
    return True


@transaction.atomic
def staff_reply(*, conversation_id: int, staff, body: str, client_id: str = "") -> Posted:
    """A staff member's answer; the first answer assigns the conversation to them. A
    ``client_id`` stored before in this conversation returns that reply (``duplicate``)."""
    _staff_check(staff)
    body = _clean_body(body)
    client_id = _clean_client_id(client_id)
    conversation = _locked(conversation_id)
    if client_id:
        stored = conversation.messages.filter(client_id=client_id).first()
        if stored is not None:
            return Posted(conversation, stored, False, duplicate=True)
    if not conversation.is_open:
        raise DomainError(msg.CONVERSATION_CLOSED, code="conversation_closed")
    assigned = conversation.assigned_to_id is None and _assign(conversation, staff)
    message = _message_create(
        conversation, sender=Sender.STAFF, author=staff, body=body, client_id=client_id
    )
    conversation.last_message_at = message.created_at
    conversation.waiting_since = None
    conversation.staff_read_id = message.pk
    conversation.save(update_fields=["last_message_at", "waiting_since", "staff_read_id"])
    return Posted(conversation, message, assigned)


@transaction.atomic
def conversation_assign(*, conversation_id: int, staff) -> Conversation:
    """接待: the conversation is now ``staff``'s (audited)."""
    _staff_check(staff)
    conversation = _locked(conversation_id)
    if not conversation.is_open:
        raise DomainError(msg.CONVERSATION_CLOSED, code="conversation_closed")
    _assign(conversation, staff)
    return conversation


@transaction.atomic
def conversation_close(
    *, conversation: Conversation, actor=None, by_visitor: bool = False
) -> Message | None:
    """结束会话 (by staff, or by the visitor in the panel); returns the notice posted, or
    None when it was closed already."""
    if not by_visitor:
        _staff_check(actor)
    if not conversation.is_open:
        return None
    now = timezone.now()
    transition(
        conversation,
        ConversationStatus.CLOSED,
        actor=actor,
        changes={"closed_at": now, "waiting_since": None},
        audit_details={"by": "visitor" if by_visitor else "staff"},
        role=(AuditRole.LEARNER if actor else AuditRole.VISITOR) if by_visitor else None,
    )
    notice = _message_create(
        conversation, sender=Sender.SYSTEM, author=None, body=msg.CLOSED_NOTICE
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=notice.created_at)
    return notice


def conversation_close_by_owner(*, owner: Owner) -> tuple[Conversation | None, Message | None]:
    conversation = conversation_of_owner(owner)
    if conversation is None or not conversation.is_open:
        return conversation, None
    return conversation, conversation_close(
        conversation=conversation, actor=owner.user, by_visitor=True
    )


@transaction.atomic
def conversation_rate(*, owner: Owner, score, comment: str = "") -> Conversation:
    """评价: the owner's newest conversation gets 1–5 stars, once."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise DomainError(msg.RATING_INVALID, code="rating_invalid", field="score")
    comment = str(comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise DomainError(
            msg.COMMENT_TOO_LONG.format(limit=COMMENT_MAX_LENGTH),
            code="comment_too_long",
            field="comment",
        )
    latest = conversation_of_owner(owner)
    if latest is None:
        raise DomainError(msg.CONVERSATION_MISSING, code="conversation_missing")
    conversation = _locked(latest.pk)
    if conversation.rating is not None:
        raise DomainError(msg.ALREADY_RATED, code="already_rated")
    conversation.rating = score
    conversation.rating_comment = comment
    conversation.rated_at = timezone.now()
    conversation.full_clean(exclude=["user", "assigned_to"], validate_constraints=False)
    conversation.save(update_fields=["rating", "rating_comment", "rated_at"])
    return conversation


def staff_read_mark(*, conversation_id: int, upto: int) -> None:
    Conversation.objects.filter(pk=conversation_id, staff_read_id__lt=upto).update(
        staff_read_id=upto
    )


def visitor_read_mark(*, owner: Owner, upto: int) -> None:
    Conversation.objects.filter(
        owner_key=owner.key, status=ConversationStatus.OPEN, visitor_read_id__lt=upto
    ).update(visitor_read_id=upto)


# --- presence of the staff console -------------------------------------------------------


def presence_join(*, user, channel: str) -> None:
    """A staff console socket opened; rows left by a process that died are dropped."""
    StaffConnection.objects.filter(last_seen__lt=presence_since()).delete()
    StaffConnection.objects.update_or_create(
        channel=channel, defaults={"user": user, "last_seen": timezone.now()}
    )


def presence_ping(*, user, channel: str) -> None:
    """The console's heartbeat (every 30 s); brings back a row dropped as expired."""
    StaffConnection.objects.update_or_create(
        channel=channel, defaults={"user": user, "last_seen": timezone.now()}
    )


def presence_leave(*, channel: str) -> None:
    """The socket closed: with the last one the staff member is offline at once."""
    StaffConnection.objects.filter(channel=channel).delete()


# --- retention (PIPL: kept no longer than needed) ----------------------------------------


@transaction.atomic
def conversations_purge(*, now=None) -> int:
    """Delete conversations closed more than ``SUPPORT_RETENTION_DAYS`` ago; one audit row."""
    now = now or timezone.now()
    before = now - timedelta(days=settings.SUPPORT_RETENTION_DAYS)
    old = Conversation.objects.filter(status=ConversationStatus.CLOSED, closed_at__lt=before)
    count = old.count()
    if count:
        old.delete()
        audit_record(
            action="support.conversations_purged",
            details={"count": count, "closed_before": before.isoformat()},
        )
    return count
