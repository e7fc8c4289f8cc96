"""The visitor's session endpoint, the console desk and its permissions, the button."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from ipms.accounts.tests.factories import UserFactory, make_operator
from ipms.core.models import AuditLog
from ipms.support import services
from ipms.support.identity import (
    COOKIE_NAME,
    owner_for_user,
    owner_for_visitor,
    visitor_token_from_cookie,
)
from ipms.support.models import Conversation, QuickReply

DESK = "admin:support_conversation_changelist"


def post(owner, body="你好", **extra):
    return services.message_post(owner=owner, body=body, client_ip="10.0.0.1", **extra)


@pytest.fixture
def operator(db):
    return make_operator()


def test_every_public_page_has_the_button_without_a_query(client, db, django_assert_num_queries):
    response = client.get(reverse("content:policy_list"))
    html = response.content.decode()
    assert 'id="support-launcher"' in html and "在线客服" in html
    assert "您好，请问有什么可以帮到您？" in html
    assert 'data-session-url="/support/session/"' in html


def test_session_gives_a_visitor_the_signed_cookie_once(client, db):
    first = client.get(reverse("support:session"))
    assert first.status_code == 200
    data = first.json()
    assert data["socket"] == "/ws/support/" and data["staff_online"] is False
    cookie = first.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    token = visitor_token_from_cookie(cookie.value)
    assert token
    again = client.get(reverse("support:session"))
    assert visitor_token_from_cookie(again.cookies[COOKIE_NAME].value) == token
    assert first["Cache-Control"].startswith("max-age=0")


def test_session_for_a_signed_in_user_sets_no_cookie(client, db):
    client.force_login(UserFactory())
    assert COOKIE_NAME not in client.get(reverse("support:session")).cookies


def test_staff_online_follows_the_console_presence(client, operator):
    services.presence_join(user=operator, channel="c1")
    assert client.get(reverse("support:session")).json()["staff_online"] is True
    services.presence_leave(channel="c1")
    assert client.get(reverse("support:session")).json()["staff_online"] is False


def test_a_console_left_by_a_process_that_died_expires(client, operator, settings):
    """No leave ever comes for the sockets of a process that died: their rows count until
    they miss the heartbeat for ``SUPPORT_PRESENCE_TTL``, and the next connect drops them."""
    from datetime import timedelta

    from django.utils import timezone

    from ipms.support.models import StaffConnection

    services.presence_join(user=operator, channel="died")
    assert client.get(reverse("support:session")).json()["staff_online"] is True
    StaffConnection.objects.update(
        last_seen=timezone.now() - timedelta(seconds=settings.SUPPORT_PRESENCE_TTL + 1)
    )
    assert client.get(reverse("support:session")).json()["staff_online"] is False
    services.presence_join(user=operator, channel="new")
    assert list(StaffConnection.objects.values_list("channel", flat=True)) == ["new"]


def test_the_desk_refuses_visitors_learners_and_staff_who_may_not_answer(client, db):
    url = reverse(DESK)
    response = client.get(url)
    assert response.status_code == 302 and "/console/login/" in response["Location"]
    client.force_login(UserFactory())
    assert client.get(url).status_code == 302
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url).status_code == 403
    conversation = post(owner_for_visitor("t1")).conversation
    for name in ("admin:support_assign", "admin:support_close"):
        assert client.post(reverse(name, args=[conversation.pk])).status_code == 403
    assert client.get(reverse("admin:support_desk_list")).status_code == 403


def test_a_staff_member_the_operator_designates_may_answer(client, db):
    helper = UserFactory(is_staff=True)
    helper.user_permissions.add(Permission.objects.get(codename="answer_conversation"))
    client.force_login(helper)
    assert client.get(reverse(DESK)).status_code == 200


def test_the_desk_lists_open_conversations_with_unread_counts_and_waiting(client, operator):
    learner = UserFactory(name="李四", phone="13600002925")
    posted = post(owner_for_user(learner), page_url="/courses/")
    post(owner_for_user(learner), "还在吗")
    Conversation.objects.filter(pk=posted.conversation.pk).update(
        waiting_since=timezone.now() - timedelta(minutes=7)
    )
    post(owner_for_visitor("v2"), "留言", contact_phone="13800001111")
    client.force_login(operator)
    html = client.get(reverse(DESK)).content.decode()
    assert "李四（136****2925）" in html
    assert "已等待 7 分钟" in html
    assert '<span class="desk-unread" title="未读消息">2<' in html
    assert "留言" in html


def test_opening_a_conversation_shows_its_owner_and_marks_it_read(client, operator):
    learner = UserFactory(name="李四")
    conversation = post(owner_for_user(learner), page_url="/policies/").conversation
    client.force_login(operator)
    html = client.get(reverse(DESK), {"c": conversation.pk}).content.decode()
    assert "/policies/" in html and "你好" in html and "接待" in html
    conversation.refresh_from_db()
    assert conversation.staff_read_id == conversation.messages.last().pk
    assert 'class="desk-unread"' not in client.get(reverse(DESK)).content.decode()


def test_the_desk_shows_html_in_messages_as_text(client, operator):
    conversation = post(owner_for_visitor("x"), "<script>alert(1)</script>").conversation
    client.force_login(operator)
    html = client.get(reverse(DESK), {"c": conversation.pk}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_desk_searches_past_conversations(client, operator):
    old = post(owner_for_visitor("a"), "证书怎么下载").conversation
    services.conversation_close(conversation=old, actor=operator)
    post(owner_for_visitor("b"), "课程在哪里")
    client.force_login(operator)
    html = client.get(reverse(DESK), {"status": "all", "q": "证书"}).content.decode()
    assert f"?c={old.pk}&" in html and html.count('<li class="desk-item') == 1


def test_the_list_costs_the_same_queries_for_many_conversations(
    client, operator, django_assert_num_queries
):
    client.force_login(operator)
    url = reverse("admin:support_desk_list")
    post(owner_for_user(UserFactory()))
    client.get(url)
    with django_assert_num_queries(4) as few:
        client.get(url)
    for n in range(5):
        post(owner_for_user(UserFactory()), f"问题{n}")
        post(owner_for_visitor(f"v{n}"))
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_assign_and_close_from_the_desk_are_audited(client, operator):
    conversation = post(owner_for_visitor("t")).conversation
    client.force_login(operator)
    response = client.post(reverse("admin:support_assign", args=[conversation.pk]))
    assert response.status_code == 302
    response = client.post(reverse("admin:support_close", args=[conversation.pk]))
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == "closed" and conversation.assigned_to == operator
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"support.conversation_assigned", "support.conversation_closed"} <= actions
    closing = AuditLog.objects.get(action="support.conversation_closed")
    assert (closing.actor, closing.role) == (operator, "operator")
    # Closing twice is harmless; a reply to a closed conversation is refused.
    assert client.post(reverse("admin:support_close", args=[conversation.pk])).status_code == 302
    with pytest.raises(services.DomainError) as refused:
        services.staff_reply(conversation_id=conversation.pk, staff=operator, body="在吗")
    assert refused.value.code == "conversation_closed"


def test_quick_replies_appear_on_the_desk(client, operator):
    QuickReply.objects.create(text="请您留下手机号，我们稍后回电。")
    conversation = post(owner_for_visitor("q")).conversation
    client.force_login(operator)
    html = client.get(reverse(DESK), {"c": conversation.pk}).content.decode()
    assert 'data-text="请您留下手机号，我们稍后回电。"' in html


def test_an_unknown_conversation_is_not_found(client, operator):
    client.force_login(operator)
    assert client.get(reverse(DESK), {"c": "999999"}).status_code == 404
    assert client.post(reverse("admin:support_close", args=[999999])).status_code == 404


def test_the_admin_index_links_the_desk_for_operators(client, operator):
    client.force_login(operator)
    html = client.get(reverse("admin:index")).content.decode()
    assert reverse(DESK) in html and "在线客服" in html
