"""Rules for the browser tests themselves, checked on their source (no browser needed).

* No fixed waits: a browser test waits for a condition (Playwright's ``expect``, locator
  waits, ``wait_for_function``, ``expect_response``) or moves a fake clock
  (``page.clock``, the ``slider`` fixture), never for a number of milliseconds.
* Browser tests live in tests/browser/ only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BROWSER_DIR = ROOT / "tests" / "browser"
APPS_DIR = ROOT / "ipms"

FIXED_WAITS = {"wait_for_timeout", "sleep"}


def fixed_waits(source: str) -> list[str]:
    """``line: call`` for every fixed wait in ``source``: ``x.wait_for_timeout(...)``,
    ``time.sleep(...)``, ``asyncio.sleep(...)`` and a bare ``sleep(...)`` imported from
    either."""
    tree = ast.parse(source)
    bare_sleep = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module in {"time", "asyncio"}
        for alias in node.names
        if alias.name == "sleep"
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in FIXED_WAITS:
            if func.attr == "wait_for_timeout" or (
                isinstance(func.value, ast.Name) and func.value.id in {"time", "asyncio"}
            ):
                found.append(f"{node.lineno}: {ast.unparse(func)}")
        elif isinstance(func, ast.Name) and func.id in bare_sleep:
            found.append(f"{node.lineno}: {func.id}")
    return found


def browser_sources() -> list[Path]:
    return sorted(BROWSER_DIR.rglob("*.py"))


def test_the_browser_tests_are_found():
    names = {path.name for path in browser_sources()}
    assert {"conftest.py", "test_slider.py", "test_player.py"} <= names


@pytest.mark.parametrize(
    "source",
    [
        "page.wait_for_timeout(400)",
        "import time\ntime.sleep(0.5)",
        "from time import sleep\nsleep(1)",
        "from time import sleep as nap\nnap(1)",
        "import asyncio\nasyncio.sleep(1)",
        "def f(page):\n    page.context.pages[0].wait_for_timeout(10)",
    ],
)
def test_the_check_finds_fixed_waits(source):
    assert fixed_waits(source)


@pytest.mark.parametrize(
    "source",
    [
        "page.wait_for_function('() => true')",
        "page.clock.run_for(300)",
        "expect(page.locator('p')).to_be_visible(timeout=5000)",
        "text = 'wait_for_timeout and time.sleep are not allowed'",
        "slider.advance(40)",
    ],
)
def test_the_check_leaves_condition_waits_alone(source):
    assert fixed_waits(source) == []


def test_no_fixed_waits_in_browser_tests():
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in browser_sources()
        if (found := fixed_waits(path.read_text(encoding="utf-8")))
    }
    assert not offenders, (
        f"wait for a condition or move page.clock instead of waiting a fixed time: {offenders}"
    )


def test_browser_tests_live_in_tests_browser():
    """No test module under ipms/ drives a browser."""
    elsewhere = [
        str(path.relative_to(ROOT))
        for path in sorted(APPS_DIR.rglob("test*.py"))
        if "playwright" in path.read_text(encoding="utf-8")
        or "mark.browser" in path.read_text(encoding="utf-8")
    ]
    assert not elsewhere, f"move these to tests/browser/: {elsewhere}"
