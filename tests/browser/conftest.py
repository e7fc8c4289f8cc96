"""Fixtures and helpers of the browser tests (Playwright driving the system Chromium).

* Every page a test opens (``page``, ``other_page``) is watched for requests to any host
  but the live server; any such request fails the test.
* ``console_errors`` fails a test on script errors and CSP violations.
* ``slider`` drags the slider check on clocks the test moves; nothing here waits a fixed
  time (test_hygiene.py enforces it).
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from ipms.accounts.tests import conftest as account_fixtures

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
BASICS_JS = (Path(__file__).parent / "a11y_basics.js").read_text(encoding="utf-8")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
CONTEXT_ARGS = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}

SLIDER_LABEL = "请按住滑块，拖动到最右侧"

# Finite animations and transitions still running (endless ones, e.g. spinners, ignored).
ANIMATIONS_DONE_JS = """el => (el || document).getAnimations({subtree: true}).every(a =>
  a.playState !== "running" || a.effect.getComputedTiming().endTime === Infinity)"""

operator = account_fixtures.operator


# --- Chromium and the pages -------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install it with 'apt-get install -y chromium'"
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, **CONTEXT_ARGS}


def guard_hosts(page: Page, live_server) -> list[str]:
    """Refuse every request of ``page`` to a host but the live server; returns the list
    the refused addresses are collected in."""
    allowed = urlparse(live_server.url).netloc
    foreign: list[str] = []

    def guard(route):
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in {"data", "blob", "about"} or parsed.netloc == allowed:
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    page.route("**/*", guard)
    page.set_default_timeout(10_000)
    return foreign


@pytest.fixture
def page(page, live_server):
    """A Playwright page that refuses to talk to any host but the live server."""
    foreign = guard_hosts(page, live_server)
    yield page
    assert not foreign, f"the page asked hosts other than the test server: {foreign}"


@pytest.fixture
def other_page(browser, live_server):
    """other_page(viewport) -> a page in a browser context of its own (another person's
    browser: no cookies shared with ``page``), guarded like ``page``."""
    opened = []

    def open_page(viewport=DESKTOP) -> Page:
        context = browser.new_context(**CONTEXT_ARGS, viewport=viewport)
        new = context.new_page()
        opened.append((context, guard_hosts(new, live_server)))
        return new

    yield open_page
    for context, foreign in opened:
        context.close()
        assert not foreign, f"the page asked hosts other than the test server: {foreign}"


@pytest.fixture
def console_errors(page):
    """Script errors and CSP violations on any page of ``page`` fail the test."""
    errors: list[str] = []

    def collect(message):
        # A refused answer (4xx) is reported by Chromium as a failed resource; not a bug.
        if message.type == "error" and "status of 4" not in message.text:
            errors.append(message.text)

    page.on("console", collect)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield errors
    assert not errors, errors


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = ARTIFACTS / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def shoot(artifacts_dir, request):
    """shoot(page, "name") saves a full-page screenshot under var/test-artifacts."""

    def _shoot(page, name: str) -> Path:
        target = artifacts_dir / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(target), full_page=True)
        return target

    return _shoot


# --- data and navigation ----------------------------------------------------------------


@pytest.fixture
def demo_data(transactional_db):
    """The same content `make run` shows (demo loaders, idempotent)."""
    from django.core.management import call_command

    call_command("load_demo", quiet_accounts=True, stdout=open("/dev/null", "w"))  # noqa: SIM115


def log_in(page: Page, live_server, phone: str, password: str) -> None:
    """Log in on the login page and wait for the masked phone of the user menu."""
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_username").fill(phone)  # 手机号 (the 在线客服 widget has one too)
    page.get_by_label("登录密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_text(f"{phone[:3]}****{phone[-4:]}").first).to_be_attached()
    # The stylesheet decides whether the menu is collapsed: wait for it before looking.
    page.wait_for_load_state("load")


def sms_code_get(page: Page, sms_outbox, phone: str, status_text: str) -> str:
    """Press 获取验证码 (the slider already passed) and read the code the phone received
    from the test outbox, where the live server's after-commit sends land."""
    before = len(sms_outbox)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("#sms-status")).to_contain_text(status_text)
    expect(page.locator("#sms-send-button")).to_contain_text("秒后重新获取")
    expect(page.locator("#sms-send-button")).to_be_disabled()
    assert len(sms_outbox) == before + 1 and sms_outbox[-1].phone == phone
    return sms_outbox[-1].params["code"]


def expand_nav(page: Page) -> None:
    """Open the collapsed navigation on a phone; nothing to do on a desktop."""
    # Until the stylesheet has loaded the collapsed-menu button shows even on a desktop.
    page.wait_for_load_state("load")
    toggler = page.get_by_role("button", name="展开导航菜单")
    if toggler.is_visible() and not page.locator("#main-nav.show").count():
        toggler.click()
        page.locator("#main-nav.show").wait_for()


def open_nav(page: Page, label: str) -> None:
    """Follow a top-navigation link, opening the collapsed menu on a phone first."""
    expand_nav(page)
    page.get_by_role("navigation", name="主导航").get_by_role(
        "link", name=label, exact=True
    ).click()


def open_user_menu(page: Page) -> None:
    """Open the masked-phone user menu (个人设置 / 身份切换 / 安全退出)."""
    expand_nav(page)
    page.locator("#user-menu").click()
    page.locator("#user-menu + .dropdown-menu.show").wait_for()


STYLES_READY_JS = """() =>
  [...document.querySelectorAll('link[rel="stylesheet"]')].every((link) => link.sheet !== null)
  && document.fonts.status === "loaded"
"""


def assert_accessible_basics(page: Page) -> None:
    """Cheap checks on every page: landmarks, labelled fields, alt texts, one h1, and no
    sideways scrolling.

    The width is measured once every stylesheet has loaded: a browser paints nothing before
    then, but a script can lay the page out without them, and on a busy machine the
    members table was measured unstyled at phone width (7 columns, 21px too wide)."""
    page.wait_for_function(STYLES_READY_JS, polling=50)
    problems = page.evaluate(BASICS_JS)
    assert not problems, f"{page.url}: {problems}"


def wait_for_animations(page: Page, selector: str | None = None) -> None:
    """Wait until the page's (or one element's) CSS transitions and animations are over,
    e.g. a dialog's fade-in before a screenshot. Polls on a timer, not on animation
    frames, so it also works while the page's clock is paused."""
    target = page.locator(selector).element_handle() if selector else None
    page.wait_for_function(ANIMATIONS_DONE_JS, arg=target, polling=50)


# --- the slider check, on clocks the test moves ----------------------------------------


class Slider:
    """Drives the slider check (ipms/core/slider.py) without waiting for real time.

    The check wants a drag of at least ``SLIDER_MIN_DRAG_MS`` by the page's clock and a
    challenge at least as old by the server's. Both clocks move only when the test says:
    the browser context's clock is Playwright's fake one (``page.clock``), paused while a
    drag is under way and advanced between mouse moves; the server's clock
    (``ipms.core.slider._now_ms``, the live server runs in this process) is the real one
    plus every millisecond the test advanced the page's.
    """

    def __init__(self, page: Page, monkeypatch) -> None:
        from ipms.core import slider

        self.page = page
        self.advanced_ms = 0
        self.paused = False
        real_now_ms = slider._now_ms
        monkeypatch.setattr(slider, "_now_ms", lambda: real_now_ms() + self.advanced_ms)
        # Before any page loads; time then flows as usual until a drag pauses it.
        page.clock.install()

    def pause(self) -> None:
        """Stop the page's clock; from then on its timers fire only on ``advance``."""
        if self.paused:
            return
        # pause_at jumps forward: aim far enough ahead that the flowing clock cannot have
        # passed the mark by the time the call arrives (that fails: "to the past").
        self.page.clock.pause_at((self.page.evaluate("Date.now()") + 1000) / 1000)
        self.paused = True

    def resume(self) -> None:
        self.page.clock.resume()
        self.paused = False

    def advance(self, ms: int) -> None:
        """Move both clocks forward, firing the page's timers that fall due."""
        self.page.clock.run_for(ms)
        self.advanced_ms += ms

    def handle(self, page: Page | None = None):
        return (page or self.page).get_by_role("slider", name=SLIDER_LABEL)

    def drag(self, page: Page | None = None, *, steps: int = 25, step_ms: int = 30) -> None:
        """Drag the handle to the right end with the mouse, ``step_ms`` between moves.

        Leaves the clock paused; ``solve`` resumes it once the check has passed.
        """
        page = page or self.page
        handle = self.handle(page)
        handle.scroll_into_view_if_needed()
        expect(handle).to_be_visible()
        self.pause()
        box = handle.bounding_box()
        track = page.locator(".ipms-slider-track").bounding_box()
        y = box["y"] + box["height"] / 2
        start = box["x"] + box["width"] / 2
        end = track["x"] + track["width"] - box["width"] / 2 + 4
        page.mouse.move(start, y)
        page.mouse.down()
        for i in range(1, steps + 1):
            if step_ms:
                self.advance(step_ms)
            page.mouse.move(start + (end - start) * i / steps, y)
        page.mouse.up()

    def press_right(self, page: Page | None = None, *, times: int, step_ms: int = 40) -> None:
        """Move the focused handle with the right arrow key, ``step_ms`` between presses."""
        page = page or self.page
        self.pause()
        for i in range(times):
            if i and step_ms:
                self.advance(step_ms)
            page.keyboard.press("ArrowRight")

    def solve(self, page: Page | None = None) -> None:
        """Drag like a person, see 验证通过, and let the page's time flow again."""
        page = page or self.page
        self.drag(page)
        expect(page.locator(".ipms-slider-status[role=status]")).to_have_text("验证通过")
        self.resume()


@pytest.fixture
def slider(page, monkeypatch) -> Slider:
    return Slider(page, monkeypatch)
