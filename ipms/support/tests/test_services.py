"""Services of 在线客服 without sockets: posting, contact phones, ratings, retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from ipms.accounts.tests.factories import make_operator
from ipms.core.errors import DomainError
from ipms.core.models import AuditLog
from ipms.support import services
from ipms.support.identity import owner_for_visitor, staff_may_answer
from ipms.support.models import Conversation, Message

pytestmark = pytest.mark.django_db


def test_messages_of_one_owner_share_the_open_conversation():
    owner = owner_for_visitor("tok")
    first = services.message_post(owner=owner, body="一")
    second = services.message_post(owner=owner, body="二", page_url="//evil.example/x")
    assert first.started and not second.started
    assert first.conversation.pk == second.conversation.pk
    assert Conversation.objects.get().page_url == ""


def test_a_phone_left_with_a_message_is_checked_and_kept():
    owner = owner_for_visitor("tok")
    with pytest.raises(DomainError) as refused:
        services.message_post(owner=owner, body="请回电", contact_phone="12345")
    assert refused.value.code == "phone_invalid"
    assert not Message.objects.exists()
    services.message_post(owner=owner, body="请回电", contact_phone="138 0000 1111")
    assert Conversation.objects.get().contact_phone == "13800001111"


def test_rating_needs_a_conversation():
    with pytest.raises(DomainError) as refused:
        services.conversation_rate(owner=owner_for_visitor("none"), score=5)
    assert refused.value.code == "conversation_missing"


def test_operators_may_answer():
    assert staff_may_answer(make_operator())


def test_closed_conversations_past_the_retention_are_purged(settings):
    settings.SUPPORT_RETENTION_DAYS = 30
    operator = make_operator()
    old = services.message_post(owner=owner_for_visitor("old"), body="旧").conversation
    services.conversation_close(conversation=old, actor=operator)
    Conversation.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=31))
    recent = services.message_post(owner=owner_for_visitor("new"), body="新").conversation
    services.conversation_close(conversation=recent, actor=operator)
    still_open = services.message_post(owner=owner_for_visitor("open"), body="开").conversation
    call_command("purge_support", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert set(Conversation.objects.values_list("pk", flat=True)) == {recent.pk, still_open.pk}
    assert not Message.objects.filter(conversation_id=old.pk).exists()
    assert AuditLog.objects.get(action="support.conversations_purged").details["count"] == 1


def test_a_message_into_the_open_conversation_is_one_locked_read_and_two_writes(
    django_assert_num_queries,
):
    owner = owner_for_visitor("few")
    services.message_post(owner=owner, body="一")
    # SAVEPOINT, the locked read (which also says which limits apply), the insert, the
    # conversation update, RELEASE: no separate "is there an open conversation?" query.
    with django_assert_num_queries(5) as captured:
        services.message_post(owner=owner, body="二")
    statements = [query["sql"].split()[0] for query in captured.captured_queries]
    assert statements == ["SAVEPOINT", "SELECT", "INSERT", "UPDATE", "RELEASE"]


def test_a_client_id_adds_one_read_and_a_copy_writes_nothing(django_assert_num_queries):
    owner = owner_for_visitor("ids")
    services.message_post(owner=owner, body="一", client_id="c-1")
    with django_assert_num_queries(6) as captured:
        services.message_post(owner=owner, body="二", client_id="c-2")
    statements = [query["sql"].split()[0] for query in captured.captured_queries]
    assert statements == ["SAVEPOINT", "SELECT", "SELECT", "INSERT", "UPDATE", "RELEASE"]
    with django_assert_num_queries(4):
        copy = services.message_post(owner=owner, body="二", client_id="c-2")
    assert copy.duplicate and copy.message.body == "二"
    assert Message.objects.count() == 2


def test_a_refused_message_writes_nothing(settings):
    settings.SUPPORT_MESSAGE_RATE = "1/m"
    owner = owner_for_visitor("limited")
    services.message_post(owner=owner, body="一")
    with pytest.raises(DomainError) as refused:
        services.message_post(owner=owner, body="二")
    assert refused.value.code == "support_message"
    assert list(Message.objects.values_list("body", flat=True)) == ["一"]
    assert Conversation.objects.get().last_message_at is not None


def test_the_conversation_limit_counts_only_messages_that_open_one(settings):
    settings.SUPPORT_CONVERSATION_RATE = "1/h"
    services.message_post(owner=owner_for_visitor("a"), body="一", client_ip="10.0.0.9")
    # The same visitor's next message goes into the open conversation: not counted.
    services.message_post(owner=owner_for_visitor("a"), body="二", client_ip="10.0.0.9")
    with pytest.raises(DomainError) as refused:
        services.message_post(owner=owner_for_visitor("b"), body="三", client_ip="10.0.0.9")
    assert refused.value.code == "support_conversation_ip"
    assert Conversation.objects.count() == 1


def test_the_conversation_a_message_went_to_is_the_stored_one():
    """The hot path reads the conversation on the cursor: its values (time zones, ids)
    are what the ORM reads, and the instance is updated as the row was."""
    owner = owner_for_visitor("same")
    services.message_post(owner=owner, body="一", contact_phone="13800001111")
    posted = services.message_post(owner=owner, body="二", page_url="/courses/")
    stored = Conversation.objects.get()
    for field in Conversation._meta.concrete_fields:
        assert getattr(posted.conversation, field.attname) == getattr(stored, field.attname)
    assert timezone.is_aware(posted.conversation.created_at)
    assert (stored.page_url, stored.contact_phone) == ("/courses/", "13800001111")
    assert stored.visitor_read_id == posted.message.pk == Message.objects.last().pk
    assert posted.message.created_at == Message.objects.last().created_at
