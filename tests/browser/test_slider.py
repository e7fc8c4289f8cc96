"""The slider check in Chromium: drag with the mouse, pass with the keyboard, fail fast.

The page's and the server's clocks are moved by the test (``slider`` in conftest), so a
"slow" human drag and an "instant" scripted one differ by the time the test says passed.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_for_animations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("ipms.core.tests.urls"),
]


@pytest.fixture
def demo(page, live_server, slider, console_errors):
    """The test page with a slider; no script errors or CSP violations on it."""
    page.goto(live_server.url + "/test/slider-demo/")
    handle = slider.handle()
    expect(handle).to_be_visible()
    return page, handle


def test_mouse_drag_passes_and_the_form_accepts_it(demo, slider):
    page, handle = demo
    slider.drag(steps=25, step_ms=30)
    expect(page.locator(".ipms-slider-status")).to_have_text("验证通过")
    expect(handle).to_have_attribute("aria-valuetext", "验证通过")
    assert page.locator("[data-slider-input]").input_value()
    slider.resume()
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("status").filter(has_text="提交成功")).to_be_visible()


def test_keyboard_users_can_pass(demo, slider, shoot):
    page, handle = demo
    handle.focus()
    slider.press_right(times=1)
    shoot(page, "slider-keyboard-start")
    slider.advance(40)
    slider.press_right(times=19, step_ms=40)
    expect(page.locator(".ipms-slider-status")).to_have_text("验证通过")
    shoot(page, "slider-passed")


def test_an_instant_drag_is_refused_and_can_be_retried(demo, slider):
    page, handle = demo
    slider.pause()
    slider.advance(400)  # the challenge is old enough; only the drag is too fast
    slider.drag(steps=3, step_ms=0)
    expect(page.locator(".ipms-slider-status")).to_have_text("拖动过快，请重新拖动滑块。")
    expect(handle).to_have_attribute("aria-valuenow", "0")
    assert page.locator("[data-slider-input]").input_value() == ""
    # The handle glides back to the left (a CSS transition), then the page drops the
    # transition class on a timer.
    wait_for_animations(page, ".ipms-slider")
    slider.advance(300)
    expect(page.locator(".ipms-slider.is-resetting")).to_have_count(0)
    slider.drag(steps=25, step_ms=30)
    expect(page.locator(".ipms-slider-status")).to_have_text("验证通过")


def test_a_drag_shorter_than_the_minimum_time_is_refused(demo, slider, settings):
    """The clocks decide: the same 25-step drag passes or fails on the time between moves."""
    page, _ = demo
    steps = 25
    step_ms = settings.SLIDER_MIN_DRAG_MS // steps - 2  # just under the minimum in total
    slider.pause()
    slider.advance(settings.SLIDER_MIN_DRAG_MS)  # the challenge itself is old enough
    slider.drag(steps=steps, step_ms=step_ms)
    expect(page.locator(".ipms-slider-status")).to_have_text("拖动过快，请重新拖动滑块。")


def test_submitting_without_the_slider_shows_the_field_error(demo):
    page, _ = demo
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("请先完成滑块验证。")).to_be_visible()
