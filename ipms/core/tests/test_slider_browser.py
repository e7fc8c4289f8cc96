"""The slider check in Chromium: drag with the mouse, pass with the keyboard, fail fast."""

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("ipms.core.tests.urls"),
]


@pytest.fixture
def demo(page, live_server):
    errors = []

    def collect(msg):
        # A refused answer is an HTTP 400, which Chromium reports as a failed resource.
        if msg.type == "error" and "status of 400" not in msg.text:
            errors.append(msg.text)

    page.on("console", collect)
    page.goto(live_server.url + "/test/slider-demo/")
    handle = page.get_by_role("slider", name="请按住滑块,拖动到最右侧")
    expect(handle).to_be_visible()
    yield page, handle
    assert not errors, errors  # no CSP violations or script errors


def drag(page, handle, *, steps, pause_ms):
    box = handle.bounding_box()
    track = page.locator(".ipms-slider-track").bounding_box()
    y = box["y"] + box["height"] / 2
    start = box["x"] + box["width"] / 2
    end = track["x"] + track["width"] - box["width"] / 2 + 4
    page.mouse.move(start, y)
    page.mouse.down()
    for i in range(1, steps + 1):
        page.mouse.move(start + (end - start) * i / steps, y)
        if pause_ms:
            page.wait_for_timeout(pause_ms)
    page.mouse.up()


def test_mouse_drag_passes_and_the_form_accepts_it(demo):
    page, handle = demo
    drag(page, handle, steps=25, pause_ms=30)
    expect(page.locator(".ipms-slider-status")).to_have_text("验证通过")
    expect(handle).to_have_attribute("aria-valuetext", "验证通过")
    assert page.locator("[data-slider-input]").input_value()
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("status").filter(has_text="提交成功")).to_be_visible()


def test_keyboard_users_can_pass(demo, shoot):
    page, handle = demo
    handle.focus()
    page.keyboard.press("ArrowRight")
    shoot(page, "slider-keyboard-start")
    for _ in range(19):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(40)
    expect(page.locator(".ipms-slider-status")).to_have_text("验证通过")
    shoot(page, "slider-passed")


def test_an_instant_drag_is_refused_and_can_be_retried(demo):
    page, handle = demo
    page.wait_for_timeout(400)  # the challenge is old enough; only the drag is too fast
    drag(page, handle, steps=3, pause_ms=0)
    expect(page.locator(".ipms-slider-status")).to_have_text("拖动过快,请重新拖动滑块。")
    expect(handle).to_have_attribute("aria-valuenow", "0")
    assert page.locator("[data-slider-input]").input_value() == ""
    page.wait_for_timeout(400)  # the handle glides back to the left
    drag(page, handle, steps=25, pause_ms=30)
    expect(page.locator(".ipms-slider-status")).to_have_text("验证通过")


def test_submitting_without_the_slider_shows_the_field_error(demo):
    page, _ = demo
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("请先完成滑块验证。")).to_be_visible()
