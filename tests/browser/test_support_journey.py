"""在线客服: a visitor asks from the home page and a staff member answers from the console,
each seeing the other's message within 2 s without reloading; staff close the
conversation and the visitor rates it. Runs against real daphne processes
(ipms.support.testing: pytest-django's live server speaks WSGI only), on the Redis
channel layer when REDIS_URL is set."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ipms.support.testing import OPERATOR_PASSWORD, OPERATOR_PHONE, ChatSite
from tests.browser.conftest import CONTEXT_ARGS, DESKTOP, PHONE, guard_hosts

pytestmark = pytest.mark.browser

LIVE = 2_000  # ms: how soon a message must appear on the other side


@pytest.fixture(scope="module")
def chat_server(tmp_path_factory):
    site = ChatSite(tmp_path_factory.mktemp("chat-site"))
    try:
        yield site.start()
    finally:
        site.stop()


@pytest.fixture
def open_page(browser, chat_server):
    """open_page(viewport) -> a guarded page in a browser context of its own; script
    errors on any of them fail the test."""
    opened, errors = [], []

    def _open(viewport=DESKTOP) -> Page:
        context = browser.new_context(**CONTEXT_ARGS, viewport=viewport)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda m: m.type == "error" and "status of 4" not in m.text and errors.append(m.text),
        )
        opened.append((context, guard_hosts(page, chat_server)))
        return page

    yield _open
    for context, foreign in opened:
        context.close()
        assert not foreign, foreign
    assert not errors, errors


def staff_login(page: Page, server) -> None:
    page.goto(server.url + "/console/")
    page.get_by_label("手机号").fill(OPERATOR_PHONE)
    page.get_by_label("密码").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="内容管理")).to_be_visible()
    page.get_by_role("link", name="客服会话").first.click()
    expect(page.locator("#desk-connection")).to_have_text("已连接，新消息会即时显示。")


def open_panel(page: Page) -> None:
    page.get_by_role("button", name="在线客服").click()
    panel = page.get_by_role("dialog", name="在线客服")
    expect(panel).to_be_visible()
    expect(panel.get_by_text("您好，请问有什么可以帮到您？")).to_be_visible()


def test_visitor_and_staff_chat_in_real_time_then_close_and_rate(open_page, chat_server, shoot):
    staff = open_page(DESKTOP)
    staff_login(staff, chat_server)
    expect(staff.get_by_text("没有会话。")).to_be_visible()

    visitor = open_page(DESKTOP)
    visitor.goto(chat_server.url + "/policies/")
    open_panel(visitor)
    panel = visitor.get_by_role("dialog", name="在线客服")
    expect(panel.locator("#support-offline")).to_be_hidden()  # staff are online
    panel.get_by_label("输入消息").fill("请问如何报名贯标课程？")
    panel.get_by_role("button", name="发送").click()

    # Staff see the new conversation (unread 1) appear without reloading, and open it.
    row = staff.locator(".desk-item").first
    expect(row).to_contain_text("访客", timeout=LIVE)
    expect(row.locator(".desk-unread")).to_contain_text("1", timeout=LIVE)
    row.get_by_role("link").click()
    thread = staff.locator("#desk-messages")
    expect(thread).to_contain_text("请问如何报名贯标课程？")
    expect(staff.locator(".desk-facts")).to_contain_text("/policies/")

    staff.get_by_label("回复内容").fill("您好，请在课程列表中点击立即学习。")
    staff.get_by_role("button", name="发送").click()
    reply = panel.locator(".support-msg-staff .support-bubble").last
    expect(reply).to_have_text("您好，请在课程列表中点击立即学习。", timeout=LIVE)
    expect(panel.locator(".support-msg-staff .support-meta").last).to_contain_text("客服小林")

    # Markup typed by a visitor arrives as text on both sides.
    panel.get_by_label("输入消息").fill("<b>谢谢</b><script>alert(1)</script>")
    panel.get_by_label("输入消息").press("Enter")
    expect(thread.locator(".desk-bubble").last).to_have_text(
        "<b>谢谢</b><script>alert(1)</script>", timeout=LIVE
    )
    expect(panel.locator(".support-msg-visitor .support-bubble").last).to_have_text(
        "<b>谢谢</b><script>alert(1)</script>"
    )
    expect(thread.locator("b")).to_have_count(0)
    shoot(visitor, "visitor-desktop")
    shoot(staff, "staff-desk")

    # Staff end the conversation; the visitor is asked for a rating at once.
    staff.get_by_role("button", name="结束会话").click()
    expect(staff.locator("#desk-status")).to_have_text("已结束")
    expect(panel.locator("#support-status")).to_contain_text("会话已结束", timeout=LIVE)
    rating = panel.locator("#support-rating")
    expect(rating).to_be_visible()
    rating.locator("label[for=support-star-5]").click()
    rating.get_by_label("评价说明（选填）").fill("回复很及时")
    rating.get_by_role("button", name="提交评价").click()
    expect(panel.locator("#support-status")).to_have_text("会话已结束，感谢您的评价。")
    expect(rating).to_be_hidden()
    shoot(visitor, "visitor-rated")

    staff.reload()
    expect(staff.locator(".desk-facts")).to_contain_text("5 星：回复很及时")

    # The visitor comes back later: the history is still there.
    visitor.goto(chat_server.url + "/")
    open_panel(visitor)
    expect(panel.locator(".support-msg-system").last).to_contain_text("会话已结束")
    expect(panel).to_contain_text("请问如何报名贯标课程？")


def test_the_panel_fills_a_phone_screen_and_takes_a_message_when_nobody_is_online(
    open_page, chat_server, shoot
):
    visitor = open_page(PHONE)
    visitor.goto(chat_server.url + "/")
    launcher = visitor.get_by_role("button", name="在线客服")
    expect(launcher).to_be_visible()
    shoot(visitor, "phone-button")
    open_panel(visitor)
    panel = visitor.get_by_role("dialog", name="在线客服")
    box = panel.bounding_box()
    assert box["width"] == PHONE["width"] and box["height"] >= PHONE["height"] - 1
    offline = panel.locator("#support-offline")
    expect(offline).to_be_visible()
    expect(offline).to_contain_text("当前暂无客服在线")
    panel.get_by_label("联系电话（选填）").fill("13800001111")
    panel.get_by_label("输入消息").fill("想咨询企业批量导入成员的问题")
    panel.get_by_role("button", name="发送").click()
    expect(panel.locator(".support-msg-visitor:not(.support-msg-pending)")).to_have_count(1)
    shoot(visitor, "phone-panel")
    panel.get_by_role("button", name="收起在线客服").click()
    expect(panel).to_be_hidden()
    expect(launcher).to_be_visible()

    # Staff find the message and the phone in the console.
    staff = open_page(DESKTOP)
    staff_login(staff, chat_server)
    row = staff.locator(".desk-item", has_text="留言").first
    row.get_by_role("link").click()
    expect(staff.locator(".desk-facts")).to_contain_text("13800001111")
    expect(staff.locator("#desk-messages")).to_contain_text("想咨询企业批量导入成员的问题")


# Drops the next frame of a type on the way out (and may close the socket), to stand for a
# socket that died before the server stored what it carried.
DROP_NEXT = """
(() => {
  const original = WebSocket.prototype.send;
  WebSocket.prototype.send = function (text) {
    const drop = window.__dropNext;
    if (drop && typeof text === "string" && text.indexOf('"type":"' + drop.type + '"') !== -1) {
      window.__dropNext = null;
      if (drop.deliver) original.call(this, text);
      if (drop.close) this.close();
      return;
    }
    return original.call(this, text);
  };
})();
"""


def test_messages_lost_with_the_socket_are_sent_again_and_stored_once(
    open_page, chat_server, shoot
):
    visitor = open_page(PHONE)
    visitor.add_init_script(DROP_NEXT)
    visitor.goto(chat_server.url + "/")
    open_panel(visitor)
    panel = visitor.get_by_role("dialog", name="在线客服")
    done = panel.locator(".support-msg-visitor:not(.support-msg-pending) .support-bubble")

    def say(text: str, drop: dict | None = None) -> None:
        visitor.evaluate("drop => { window.__dropNext = drop; }", drop)
        panel.get_by_label("输入消息").fill(text)
        panel.get_by_role("button", name="发送").click()

    say("第一条消息")
    expect(done).to_have_count(1)
    # The frame never left and the socket dropped: sent again after the reconnect.
    say("掉线时发送的消息", {"type": "send", "close": True})
    expect(done.filter(has_text="掉线时发送的消息")).to_have_count(1)
    # The frame left, the socket dropped before the acknowledgement: the copy is not stored.
    say("已送达但未确认的消息", {"type": "send", "deliver": True, "close": True})
    expect(done.filter(has_text="已送达但未确认的消息")).to_have_count(1)
    # Not acknowledged when the page is reloaded: kept in sessionStorage and sent then.
    say("刷新前未确认的消息", {"type": "send"})
    expect(panel.locator(".support-msg-pending")).to_have_count(1)
    shoot(visitor, "phone-pending")
    visitor.reload()
    open_panel(visitor)
    expect(done.filter(has_text="刷新前未确认的消息")).to_have_count(1)
    expect(done).to_have_count(4)
    expect(panel.locator(".support-msg-pending")).to_have_count(0)
    shoot(visitor, "phone-resent")

    staff = open_page(DESKTOP)
    staff.add_init_script(DROP_NEXT)
    staff_login(staff, chat_server)
    staff.get_by_label("搜索会话").fill("刷新前未确认的消息")
    staff.get_by_label("搜索会话").press("Enter")
    expect(staff.locator(".desk-item")).to_have_count(1)
    staff.locator(".desk-item").get_by_role("link").click()
    thread = staff.locator("#desk-messages .desk-msg-visitor .desk-bubble")
    expect(thread).to_have_text(
        ["第一条消息", "掉线时发送的消息", "已送达但未确认的消息", "刷新前未确认的消息"]
    )
    expect(staff.locator("#desk-connection")).to_have_text("已连接，新消息会即时显示。")
    # The desk's reply box: a reply lost with the socket arrives once.
    staff.evaluate("() => { window.__dropNext = { type: 'reply', close: true }; }")
    staff.get_by_label("回复内容").fill("客服掉线时的回复")
    staff.get_by_role("button", name="发送").click()
    expect(staff.locator("#desk-messages .desk-msg-staff .desk-bubble")).to_have_text(
        ["客服掉线时的回复"]
    )
    expect(panel.locator(".support-msg-staff .support-bubble")).to_have_text(
        ["您好，请问有什么可以帮到您？", "客服掉线时的回复"], timeout=LIVE + 1_000
    )
    shoot(staff, "staff-resent")
