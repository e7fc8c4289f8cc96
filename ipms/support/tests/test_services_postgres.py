"""Copies of one message posted at the same instant, on a real PostgreSQL server (threads,
each with its own connection, committing for real): the locked read orders them, so one
is stored and the rest are acknowledged with it, counted once by the rate limit.
Skipped unless DATABASE_URL points at PostgreSQL (SQLite serialises writers anyway)."""

import pytest
from django.conf import settings

from ipms.core.testing import run_together
from ipms.support import services
from ipms.support.identity import owner_for_visitor
from ipms.support.models import Conversation, Message

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL: set DATABASE_URL=postgres://…",
    ),
]


@pytest.mark.parametrize("conversation_open", [False, True])
def test_concurrent_copies_of_one_client_id_are_stored_once(settings, conversation_open):
    settings.SUPPORT_MESSAGE_RATE = "2/m"
    owner = owner_for_visitor("racing")
    if conversation_open:
        services.message_post(owner=owner, body="先来一条", client_id="first")

    def post():
        return services.message_post(owner=owner, body="同一条", client_id="same-id")

    results = run_together([post] * 8, timeout=60)
    assert {posted.message.pk for posted in results} == {Message.objects.get(body="同一条").pk}
    assert [posted.duplicate for posted in results].count(False) == 1
    assert Conversation.objects.count() == 1
    assert Message.objects.filter(client_id="same-id").count() == 1
