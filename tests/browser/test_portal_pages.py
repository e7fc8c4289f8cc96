"""The portal in Chromium: phone width, no console errors (CSP), captcha refresh, feedback."""

import io

import pytest
from django.urls import reverse

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def content(transactional_db):
    from ipms.demo import content as demo

    demo.load(stdout=io.StringIO())


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_portal_pages_fit_the_screen_without_errors(
    page, live_server, content, console_errors, viewport
):
    from ipms.content.models import Policy

    policy = Policy.objects.filter(attachments__isnull=False).first()
    paths = [
        reverse("content:home"),
        reverse("content:policy_list"),
        reverse("content:policy_detail", args=[policy.pk]),
        reverse("content:material_list"),
        reverse("content:material_section", args=["service-standard"]),
        reverse("content:lecturer_list"),
        reverse("content:feedback"),
        reverse("content:complaint"),
    ]
    page.set_viewport_size(viewport)
    for path in paths:
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the screen"
        assert page.locator("h1").count() == 1, path
        missing_alt = page.locator("img:not([alt])").count()
        assert missing_alt == 0, f"{path}: {missing_alt} images without alt text"
    assert not console_errors


def test_captcha_refresh_and_feedback_journey(page, live_server, transactional_db, console_errors):
    from captcha.models import CaptchaStore

    from ipms.content.models import Feedback

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("content:feedback"))
    key = page.locator("input[name=captcha_0]").input_value()
    page.get_by_label("内容").fill("希望课程页面能增加倍速播放。")
    page.get_by_label("手机").fill("136 1234 2925")
    page.get_by_label("验证码").fill("XXXX")

    page.get_by_role("button", name="验证码图片，点击可换一张").click()
    page.wait_for_function(
        "key => document.querySelector('input[name=captcha_0]').value !== key", arg=key
    )
    assert page.get_by_label("验证码").input_value() == ""
    new_key = page.locator("input[name=captcha_0]").input_value()
    image = page.locator(".captcha-row img").get_attribute("src")
    assert new_key in image

    answer = CaptchaStore.objects.get(hashkey=new_key).response
    page.get_by_label("验证码").fill(answer)
    page.get_by_role("button", name="提交").click()

    page.get_by_text("提交成功").wait_for()
    assert Feedback.objects.get().phone == "13612342925"
    assert not console_errors


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_support_button_covers_nothing_at_the_end_of_a_page(page, live_server, viewport):
    """在线客服 floats over the page; scrolled to the end, the footer's text and links
    (证书查验 sits bottom right at desktop width) are clear of it."""
    page.set_viewport_size(viewport)
    page.goto(live_server.url + reverse("content:feedback"))
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function(
        "() => Math.ceil(window.scrollY + window.innerHeight)"
        " >= document.documentElement.scrollHeight"
    )
    covered = page.evaluate(
        """() => {
          const b = document.getElementById("support-launcher").getBoundingClientRect();
          const overlaps = (r) => r.width > 0 && r.left < b.right && r.right > b.left
            && r.top < b.bottom && r.bottom > b.top;
          const out = [];
          for (const el of document.querySelectorAll(".site-footer a, .site-footer strong")) {
            if (overlaps(el.getBoundingClientRect())) out.push(el.textContent.trim());
          }
          // The lines of the footer's text, measured as the text itself lies.
          const walker = document.createTreeWalker(
            document.querySelector(".site-footer"), NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const text = walker.currentNode;
            if (!text.textContent.trim()) continue;
            const range = document.createRange();
            range.selectNodeContents(text);
            for (const r of range.getClientRects()) {
              if (overlaps(r)) { out.push(text.textContent.trim().slice(0, 20)); break; }
            }
          }
          return out;
        }"""
    )
    assert covered == [], f"the 在线客服 button covers {covered}"
