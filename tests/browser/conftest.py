from pathlib import Path

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

BASICS_JS = (Path(__file__).parent / "a11y_basics.js").read_text(encoding="utf-8")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def demo_data(transactional_db):
    """The same content `make run` shows (demo loaders, idempotent)."""
    from django.core.management import call_command

    call_command("load_demo", quiet_accounts=True, stdout=open("/dev/null", "w"))  # noqa: SIM115


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


def assert_accessible_basics(page: Page) -> None:
    """Cheap checks on every page: landmarks, labelled fields, alt texts, one h1."""
    problems = page.evaluate(BASICS_JS)
    assert not problems, f"{page.url}: {problems}"
