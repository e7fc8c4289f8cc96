"""The page checks every journey runs (``assert_accessible_basics``) measure the page as a
person sees it: once its stylesheets have loaded, not while one is still on its way."""

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import BASICS_JS, PHONE, assert_accessible_basics

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A page that is wider than a phone until late.css narrows its table, as the members
# table is until enterprises.css stacks it.
PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/late.css"></head>
<body><header><nav aria-label="主导航"></nav></header>
<main><h1>成员管理</h1><div class="wide">宽表</div></main></body></html>"""
LATE_CSS = ".wide { width: auto !important; }"


def test_the_width_is_measured_after_the_stylesheets_load(page, live_server):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")
    held = []
    page.route("**/static/late.css", lambda route: held.append(route))
    page.set_content(
        PAGE.replace('class="wide"', 'class="wide" style="width: 600px"'),
        wait_until="domcontentloaded",
    )
    page.wait_for_function("() => document.querySelector('.wide') !== null")
    assert held, "the stylesheet request was not held"

    # Unstyled, the page is too wide, and the check waits rather than measure it.
    assert any("wider than the viewport" in p for p in page.evaluate(BASICS_JS))
    page.set_default_timeout(500)
    with pytest.raises(PlaywrightError, match="Timeout"):
        assert_accessible_basics(page)

    # Once the stylesheet arrives the same page passes.
    held[0].fulfill(status=200, content_type="text/css", body=LATE_CSS)
    page.set_default_timeout(10_000)
    assert_accessible_basics(page)
    assert page.evaluate(BASICS_JS) == []
