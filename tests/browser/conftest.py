import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def demo_data(transactional_db):
    """The same content `make run` shows (demo loaders, idempotent)."""
    from django.core.management import call_command

    call_command("load_demo", quiet_accounts=True, stdout=open("/dev/null", "w"))  # noqa: SIM115


def open_nav(page: Page, label: str) -> None:
    """Follow a top-navigation link, opening the collapsed menu on a phone first."""
    toggler = page.get_by_role("button", name="展开导航菜单")
    if toggler.is_visible():
        toggler.click()
        page.locator("#main-nav.show").wait_for()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True).click()


def assert_accessible_basics(page: Page) -> None:
    """Cheap checks on every page: landmarks, labelled fields, alt texts, one h1."""
    problems = page.evaluate(
        """() => {
        const out = [];
        if (!document.querySelector('main')) out.push('no <main> landmark');
        if (!document.querySelector('header nav[aria-label]')) out.push('no labelled nav');
        if (document.querySelectorAll('h1').length !== 1) out.push('h1 count ' + document.querySelectorAll('h1').length);
        for (const img of document.querySelectorAll('img')) {
          if (!img.hasAttribute('alt')) out.push('img without alt: ' + img.src);
        }
        for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
          const labelled = (el.id && document.querySelector('label[for="' + el.id + '"]'))
            || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.closest('label');
          if (!labelled) out.push('unlabelled field: ' + (el.name || el.id));
        }
        if (document.documentElement.lang !== 'zh-CN') out.push('lang is ' + document.documentElement.lang);
        const overflow = document.documentElement.scrollWidth - window.innerWidth;
        if (overflow > 1) out.push('page wider than the viewport by ' + overflow + 'px');
        return out;
    }"""
    )
    assert not problems, f"{page.url}: {problems}"
