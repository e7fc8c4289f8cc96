"""The chat sockets, end to end through the project's ASGI application
(origin check, session auth, routing) with channels' WebsocketCommunicator."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from ipms.accounts.tests.factories import UserFactory
from ipms.core.models import AuditLog
from ipms.core.testing import run_coroutine as run
from ipms.support.models import Conversation, Message

from .conftest import communicator, session_cookie, visitor_cookie, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def connected(socket):
    ok, code = await socket.connect()
    assert ok, code
    return socket


async def next_of(socket, kind: str, timeout: float = 2):
    """The next event of ``kind`` (other events before it are skipped)."""
    while True:
        event = await socket.receive_json_from(timeout=timeout)
        if event["type"] == kind:
            return event


async def from_staff(socket):
    """The next message event written by staff (the socket's own echoes skipped)."""
    while True:
        event = await next_of(socket, "message")
        if event["message"]["sender"] == "staff":
            return event


async def drain(socket):
    while not await socket.receive_nothing(timeout=0.2):
        await socket.receive_json_from()


async def send(socket, body: str, nonce: str = "n1", **extra):
    await socket.send_json_to({"type": "send", "body": body, "nonce": nonce, **extra})
    return await next_of(socket, "ack")


def test_a_socket_without_the_visitor_cookie_is_refused(transactional_db):
    async def scenario():
        for cookies in (None, {"ipms_support": "forged-token:signature"}):
            socket = communicator("/ws/support/", cookies=cookies)
            ok, code = await socket.connect()
            assert (ok, code) == (False, 4401)

    run(scenario)


def test_another_sites_page_cannot_open_the_socket(transactional_db):
    async def scenario():
        socket = communicator(
            "/ws/support/",
            cookies={"ipms_support": visitor_cookie()},
            origin=(b"origin", b"http://evil.example"),
        )
        ok, _ = await socket.connect()
        assert not ok

    run(scenario)


def test_message_reaches_staff_and_the_reply_reaches_the_visitor(staff_cookie, operator):
    async def scenario():
        staff = await connected(
            communicator("/ws/support/staff/", cookies={"sessionid": staff_cookie})
        )
        visitor = await connected(visitor_socket())
        await visitor.send_json_to({"type": "resume", "after": 0})
        history = await next_of(visitor, "history")
        assert history["messages"] == [] and history["status"] == "none"
        assert history["staff_online"] is True

        ack = await send(visitor, "请问如何报名？", page="/courses/")
        event = await next_of(staff, "message")
        assert event["message"] == {**event["message"], "id": ack["id"], "body": "请问如何报名？"}
        conversation_id = event["conversation"]

        await staff.send_json_to(
            {"type": "reply", "conversation": conversation_id, "body": "您好，请点击立即学习。"}
        )
        reply = await from_staff(visitor)
        assert reply["message"]["body"] == "您好，请点击立即学习。"
        assert reply["message"]["author"] == "客服运营"
        await visitor.disconnect()
        await staff.disconnect()

    run(scenario)
    conversation = Conversation.objects.get()
    assert conversation.page_url == "/courses/"
    assert conversation.assigned_to == operator
    assert conversation.waiting_since is None
    assert AuditLog.objects.filter(action="support.conversation_assigned").count() == 1


def test_reconnecting_resumes_after_the_last_message_held(staff_cookie):
    cookie = visitor_cookie()

    async def scenario():
        visitor = await connected(visitor_socket(cookie))
        first = await send(visitor, "第一条")
        await visitor.disconnect()  # the socket drops

        # Meanwhile staff answer twice.
        staff = await connected(
            communicator("/ws/support/staff/", cookies={"sessionid": staff_cookie})
        )
        conversation_id = await database_id()
        for body in ("回复一", "回复二"):
            await staff.send_json_to(
                {"type": "reply", "conversation": conversation_id, "body": body}
            )
            await next_of(staff, "ack")

        again = await connected(visitor_socket(cookie))
        await again.send_json_to({"type": "resume", "after": first["id"]})
        history = await next_of(again, "history")
        assert [m["body"] for m in history["messages"]] == ["回复一", "回复二"]
        await again.send_json_to({"type": "resume", "after": 0})
        history = await next_of(again, "history")
        assert [m["body"] for m in history["messages"]] == ["第一条", "回复一", "回复二"]
        await again.disconnect()
        await staff.disconnect()

    from channels.db import database_sync_to_async

    @database_sync_to_async
    def database_id():
        return Conversation.objects.get().pk

    run(scenario)


def test_a_visitor_cannot_read_or_post_to_another_visitors_conversation(staff_cookie):
    async def scenario():
        alice = await connected(visitor_socket())
        await send(alice, "我的手机号是 13600002925")
        alice_conversation = await _only_conversation_id()

        bob = await connected(visitor_socket())
        # Bob names Alice's conversation every way the protocol could be abused.
        for probe in (
            {"type": "resume", "after": 0, "conversation": alice_conversation},
            {"type": "resume", "after": 0, "id": alice_conversation},
        ):
            await bob.send_json_to(probe)
            history = await next_of(bob, "history")
            assert history["messages"] == [] and history["status"] == "none"
        await bob.send_json_to(
            {"type": "send", "body": "插一句", "conversation": alice_conversation, "nonce": "b"}
        )
        await next_of(bob, "ack")
        await bob.send_json_to({"type": "reply", "conversation": alice_conversation, "body": "x"})
        refused = await next_of(bob, "error")
        assert refused["code"] == "unknown_request"

        # Staff answer Alice: Bob's socket hears nothing of it.
        await drain(bob)
        staff = await connected(
            communicator("/ws/support/staff/", cookies={"sessionid": staff_cookie})
        )
        await staff.send_json_to(
            {"type": "reply", "conversation": alice_conversation, "body": "好的"}
        )
        await next_of(staff, "ack")
        assert (await from_staff(alice))["message"]["body"] == "好的"
        assert await bob.receive_nothing(timeout=0.3)
        for socket in (alice, bob, staff):
            await socket.disconnect()

    from channels.db import database_sync_to_async

    @database_sync_to_async
    def _only_conversation_id():
        return Conversation.objects.get().pk

    run(scenario)
    alice_messages = Message.objects.filter(conversation__messages__body="我的手机号是 13600002925")
    assert "插一句" not in set(alice_messages.values_list("body", flat=True))
    assert Conversation.objects.count() == 2


def test_a_signed_in_user_is_known_by_the_account(learner):
    cookie = session_cookie(Client(), learner)

    async def scenario():
        first = await connected(communicator("/ws/support/", cookies={"sessionid": cookie}))
        await send(first, "你好")
        await first.disconnect()
        # Another browser of the same user (no visitor cookie) sees the same conversation.
        other = await connected(communicator("/ws/support/", cookies={"sessionid": cookie}))
        await other.send_json_to({"type": "resume", "after": 0})
        assert [m["body"] for m in (await next_of(other, "history"))["messages"]] == ["你好"]
        await other.disconnect()

    run(scenario)
    assert Conversation.objects.get().user == learner


def test_html_in_a_message_is_kept_as_text(transactional_db):
    body = '<script>alert("x")</script><img src=x onerror=alert(1)>'

    async def scenario():
        visitor = await connected(visitor_socket())
        await send(visitor, body)
        await visitor.send_json_to({"type": "resume", "after": 0})
        assert (await next_of(visitor, "history"))["messages"][0]["body"] == body
        await visitor.disconnect()

    run(scenario)
    assert Message.objects.get().body == body


@pytest.mark.parametrize(
    ("body", "code"),
    [("", "message_empty"), ("   ", "message_empty"), ("字" * 501, "message_too_long")],
)
def test_empty_and_overlong_messages_are_refused(transactional_db, body, code):
    async def scenario():
        visitor = await connected(visitor_socket())
        await visitor.send_json_to({"type": "send", "body": body, "nonce": "k"})
        error = await next_of(visitor, "error")
        assert (error["code"], error["nonce"]) == (code, "k")
        await visitor.disconnect()

    run(scenario)
    assert not Message.objects.exists()


def test_bad_frames_get_an_answer_not_a_dropped_socket(transactional_db):
    async def scenario():
        visitor = await connected(visitor_socket())
        for frame in ("not json", "[1, 2]", '{"type": "__init__"}', '{"type": 5}'):
            await visitor.send_to(text_data=frame)
            assert (await next_of(visitor, "error"))["code"] == "unknown_request"
        await send(visitor, "仍然可以发送")
        await visitor.disconnect()

    run(scenario)


def test_sending_is_rate_limited(transactional_db, settings):
    settings.SUPPORT_MESSAGE_RATE = "2/m"

    async def scenario():
        visitor = await connected(visitor_socket())
        await send(visitor, "一", nonce="1")
        await send(visitor, "二", nonce="2")
        await visitor.send_json_to({"type": "send", "body": "三", "nonce": "3"})
        error = await next_of(visitor, "error")
        assert error["code"] == "support_message" and "消息发送过于频繁" in error["message"]
        await visitor.disconnect()

    run(scenario)
    assert Message.objects.count() == 2


def test_new_conversations_per_address_are_limited(transactional_db, settings):
    settings.SUPPORT_CONVERSATION_RATE = "1/h"

    async def scenario():
        for expected in ("ack", "error"):
            visitor = await connected(visitor_socket())
            await visitor.send_json_to({"type": "send", "body": "你好", "nonce": "x"})
            event = await visitor.receive_json_from()
            assert event["type"] == expected
            if expected == "error":
                assert event["code"] == "support_conversation_ip"
            await visitor.disconnect()

    run(scenario)
    assert Conversation.objects.count() == 1


def test_with_the_cache_down_sending_fails_closed(transactional_db, ratelimit_cache_down):
    async def scenario():
        visitor = await connected(visitor_socket())
        await visitor.send_json_to({"type": "send", "body": "你好", "nonce": "x"})
        assert (await next_of(visitor, "error"))["code"] == "unavailable"
        await visitor.disconnect()

    run(scenario)
    assert not Message.objects.exists()


def test_only_staff_who_may_answer_open_the_staff_socket(learner):
    plain_staff = UserFactory(is_staff=True)
    cookies = [
        None,
        {"ipms_support": visitor_cookie()},
        {"sessionid": session_cookie(Client(), learner)},
        {"sessionid": session_cookie(Client(), plain_staff)},
    ]

    async def scenario():
        for cookie in cookies:
            socket = communicator("/ws/support/staff/", cookies=cookie)
            ok, code = await socket.connect()
            assert (ok, code) == (False, 4403), cookie

    run(scenario)


def test_a_visitor_closes_and_rates_once(transactional_db):
    async def scenario():
        visitor = await connected(visitor_socket())
        await send(visitor, "谢谢")
        await visitor.send_json_to({"type": "close"})
        notice = await next_of(visitor, "message")
        while notice["message"]["sender"] != "system":
            notice = await next_of(visitor, "message")
        assert "会话已结束" in notice["message"]["body"]
        state = await next_of(visitor, "state")
        assert (state["status"], state["rated"]) == ("closed", False)

        await visitor.send_json_to({"type": "rate", "score": 9, "nonce": "r0"})
        assert (await next_of(visitor, "error"))["code"] == "rating_invalid"
        await visitor.send_json_to({"type": "rate", "score": 5, "comment": "很及时", "nonce": "r1"})
        assert (await next_of(visitor, "rated"))["nonce"] == "r1"
        await visitor.send_json_to({"type": "rate", "score": 1, "nonce": "r2"})
        assert (await next_of(visitor, "error"))["code"] == "already_rated"

        # Writing again opens a new conversation.
        await send(visitor, "还有一个问题")
        await visitor.disconnect()

    run(scenario)
    closed, new = Conversation.objects.order_by("id")
    assert (closed.status, closed.rating, closed.rating_comment) == ("closed", 5, "很及时")
    assert new.status == "open"
    row = AuditLog.objects.get(action="support.conversation_closed")
    assert (row.role, row.details["by"]) == ("visitor", "visitor")


# --- a message re-sent after a dropped socket is stored once ------------------------------

CLIENT_ID = "3f2b8c1e-6a4d-4f7e-9b21-0c5d7e8f9a10"


def test_a_message_sent_twice_with_one_client_id_is_stored_once(staff_cookie):
    cookie = visitor_cookie()

    async def scenario():
        staff = await connected(
            communicator("/ws/support/staff/", cookies={"sessionid": staff_cookie})
        )
        visitor = await connected(visitor_socket(cookie))
        first = await send(visitor, "请问证书多久下发？", nonce="a", client_id=CLIENT_ID)
        await visitor.disconnect()  # the socket drops before the panel saw the ack

        again = await connected(visitor_socket(cookie))
        second = await send(again, "请问证书多久下发？", nonce="b", client_id=CLIENT_ID)
        assert first["duplicate"] is False and second["duplicate"] is True
        assert (first["id"], first["client_id"]) == (second["id"], CLIENT_ID)
        assert first["message"] == second["message"]
        assert second["message"]["client_id"] == CLIENT_ID
        assert second["nonce"] == "b"
        # A further message still comes after it, in order.
        later = await send(again, "还有一个问题", nonce="c", client_id="other-id-1")
        assert later["id"] > first["id"]
        await again.disconnect()
        await staff.disconnect()

    run(scenario)
    assert list(Message.objects.values_list("body", "client_id")) == [
        ("请问证书多久下发？", CLIENT_ID),
        ("还有一个问题", "other-id-1"),
    ]
    conversation = Conversation.objects.get()
    assert conversation.visitor_read_id == Message.objects.last().pk


def test_a_re_sent_copy_does_not_count_against_the_rate_limit(transactional_db, settings):
    settings.SUPPORT_MESSAGE_RATE = "2/m"

    async def scenario():
        visitor = await connected(visitor_socket())
        first = await send(visitor, "一", nonce="1", client_id="id-1")
        for nonce in ("2", "3", "4"):
            copy = await send(visitor, "一", nonce=nonce, client_id="id-1")
            assert (copy["id"], copy["duplicate"]) == (first["id"], True)
        await send(visitor, "二", nonce="5", client_id="id-2")
        await visitor.send_json_to(
            {"type": "send", "body": "三", "nonce": "6", "client_id": "id-3"}
        )
        assert (await next_of(visitor, "error"))["code"] == "support_message"
        await visitor.disconnect()

    run(scenario)
    assert list(Message.objects.values_list("body", flat=True)) == ["一", "二"]


def test_a_copy_of_a_message_of_a_since_closed_conversation_opens_nothing(staff_cookie):
    cookie = visitor_cookie()

    async def scenario():
        visitor = await connected(visitor_socket(cookie))
        first = await send(visitor, "你好", client_id=CLIENT_ID)
        await visitor.send_json_to({"type": "close"})
        await next_of(visitor, "state")
        copy = await send(visitor, "你好", nonce="n2", client_id=CLIENT_ID)
        assert (copy["id"], copy["duplicate"]) == (first["id"], True)
        await visitor.disconnect()

    run(scenario)
    assert Conversation.objects.count() == 1
    assert Message.objects.filter(sender="visitor").count() == 1


def test_one_client_id_in_two_owners_conversations_is_two_messages(transactional_db):
    async def scenario():
        for _ in range(2):
            visitor = await connected(visitor_socket())
            ack = await send(visitor, "同一编号", client_id=CLIENT_ID)
            assert ack["duplicate"] is False
            await visitor.disconnect()

    run(scenario)
    assert Message.objects.count() == 2


@pytest.mark.parametrize("client_id", [5, ["x"], "有中文", "x" * 37, "a b"])
def test_a_malformed_client_id_is_refused_clearly(transactional_db, client_id):
    async def scenario():
        visitor = await connected(visitor_socket())
        await visitor.send_json_to(
            {"type": "send", "body": "你好", "nonce": "k", "client_id": client_id}
        )
        error = await next_of(visitor, "error")
        assert (error["code"], error["nonce"]) == ("client_id_invalid", "k")
        assert error["message"] == "消息编号无效，请刷新页面后重试。"
        await visitor.disconnect()

    run(scenario)
    assert not Message.objects.exists()


def test_a_message_without_a_client_id_is_still_stored_each_time(transactional_db):
    """Older panels (a page loaded before the upgrade) send no client id: each frame is a
    message, as before, acknowledged with an empty client id."""

    async def scenario():
        visitor = await connected(visitor_socket())
        first = await send(visitor, "旧版页面", nonce="1")
        second = await send(visitor, "旧版页面", nonce="2")
        assert first["client_id"] == second["client_id"] == ""
        assert first["id"] != second["id"] and not second["duplicate"]
        await visitor.disconnect()

    run(scenario)
    assert Message.objects.count() == 2


def test_a_staff_reply_sent_twice_with_one_client_id_is_stored_once(staff_cookie, operator):
    async def scenario():
        visitor = await connected(visitor_socket())
        await send(visitor, "在吗")
        conversation_id = await database_sync_to_async(lambda: Conversation.objects.get().pk)()
        acks = []
        for nonce in ("r1", "r2"):
            staff = await connected(
                communicator("/ws/support/staff/", cookies={"sessionid": staff_cookie})
            )
            await staff.send_json_to(
                {
                    "type": "reply",
                    "conversation": conversation_id,
                    "body": "在的",
                    "nonce": nonce,
                    "client_id": CLIENT_ID,
                }
            )
            acks.append(await next_of(staff, "ack"))
            await staff.disconnect()
        assert acks[0]["id"] == acks[1]["id"]
        assert [ack["duplicate"] for ack in acks] == [False, True]
        await visitor.disconnect()

    run(scenario)
    assert Message.objects.filter(sender="staff").count() == 1
    assert AuditLog.objects.filter(action="support.conversation_assigned").count() == 1


# --- the staff consoles follow who answers; events do not wait for the database thread ---


def test_the_other_consoles_are_told_who_answers_the_conversation(staff_cookie, operator):
    from ipms.accounts.tests.factories import make_operator

    colleague = make_operator(phone="13900000002", name="小王")
    colleague_cookie = session_cookie(Client(), colleague)

    async def scenario():
        watching = await connected(
            communicator("/ws/support/staff/", cookies={"sessionid": staff_cookie})
        )
        answering = await connected(
            communicator("/ws/support/staff/", cookies={"sessionid": colleague_cookie})
        )
        visitor = await connected(visitor_socket())
        await send(visitor, "在吗")
        opened = await next_of(watching, "conversation")
        assert (opened["assigned_to_id"], opened["assigned_to"]) == (None, "")
        await answering.send_json_to(
            {"type": "reply", "conversation": opened["conversation"], "body": "在的"}
        )
        taken = await next_of(watching, "conversation")
        assert taken["conversation"] == opened["conversation"]
        assert (taken["assigned_to_id"], taken["assigned_to"]) == (colleague.pk, "小王")
        for socket in (watching, answering, visitor):
            await socket.disconnect()

    run(scenario)


def test_the_desk_takes_its_assignee_line_from_the_event(client, operator):
    """The desk page marks the line and the 接待 button the script updates."""
    from django.urls import reverse

    from ipms.support import services
    from ipms.support.identity import owner_for_visitor

    conversation = services.message_post(owner=owner_for_visitor("desk"), body="你好").conversation
    client.force_login(operator)
    page = client.get(reverse("admin:support_conversation_changelist") + f"?c={conversation.pk}")
    html = page.content.decode()
    assert 'id="desk-assigned">尚未接待<' in html
    assert f'data-user="{operator.pk}"' in html and 'id="desk-assign"' in html


def test_events_reach_a_socket_while_the_database_thread_is_busy(transactional_db):
    """A chat event is sent on without a hop to the sync thread (channels' dispatch makes
    one per event), so deliveries do not queue behind database work."""
    import threading

    from channels.layers import get_channel_layer

    from ipms.support.identity import owner_for_visitor, owner_group, visitor_token_from_cookie

    cookie = visitor_cookie()
    release = threading.Event()

    async def scenario():
        visitor = await connected(visitor_socket(cookie))
        busy = database_sync_to_async(lambda: release.wait(10))()
        import asyncio

        blocking = asyncio.ensure_future(busy)
        await asyncio.sleep(0.05)
        group = owner_group(owner_for_visitor(visitor_token_from_cookie(cookie)).key)
        await get_channel_layer().group_send(
            group, {"type": "chat.event", "text": '{"type": "state", "status": "open"}'}
        )
        try:
            event = await visitor.receive_json_from(timeout=3)
        finally:
            release.set()
            await blocking
        assert event == {"type": "state", "status": "open"}
        await visitor.disconnect()

    run(scenario)


def test_staff_are_offline_as_soon_as_their_last_console_closes(staff_cookie, operator):
    """Presence is one row per open console socket: two tabs, then one, then none; a
    visitor is told no one is online right after the last one closes, not after the
    heartbeat expiry. A counter stuck above zero (a process that stopped with sockets
    open) cannot keep the staff member online."""
    from ipms.support.models import StaffConnection

    @database_sync_to_async
    def online_rows():
        return StaffConnection.objects.filter(user=operator).count()

    async def staff_online_for_a_visitor():
        visitor = await connected(visitor_socket())
        await visitor.send_json_to({"type": "resume", "after": 0})
        online = (await next_of(visitor, "history"))["staff_online"]
        await visitor.disconnect()
        return online

    async def scenario():
        tabs = [
            await connected(communicator("/ws/support/staff/", cookies={"sessionid": staff_cookie}))
            for _ in range(2)
        ]
        assert await online_rows() == 2 and await staff_online_for_a_visitor() is True
        await tabs[0].send_json_to({"type": "ping"})
        assert (await next_of(tabs[0], "pong"))["type"] == "pong"
        await tabs[0].disconnect()
        assert await online_rows() == 1 and await staff_online_for_a_visitor() is True
        await tabs[1].disconnect()
        assert await online_rows() == 0 and await staff_online_for_a_visitor() is False

    run(scenario)
