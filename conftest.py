"""Test harness shared by every app.

* Media and private files go to a temporary folder per test session.
* Caches are cleared per test (rate limits, captcha state).
* Browser tests drive the system Chromium through Playwright; every page a test opens is
  watched for requests to any host but the live server, which fail the test.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from ipms.core.sms.testing import sms_clock, sms_outbox  # noqa: F401 - shared fixtures
from ipms.core.testing import ratelimit_cache_down  # noqa: F401 - shared fixture

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent / "var" / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path_factory):
    root = tmp_path_factory.getbasetemp() / "files"
    settings.MEDIA_ROOT = root / "media"
    settings.PRIVATE_MEDIA_ROOT = root / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "ipms.core.files.PrivateFileSystemStorage",
            "OPTIONS": {"location": root / "private"},
        },
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 costs ~0.25 s a hash; tests marked ``real_hashers`` keep it."""
    if request.node.get_closest_marker("real_hashers") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _sms_to_outbox(request):
    """No test sends through the console backend; every message lands in the outbox."""
    request.getfixturevalue("sms_outbox")


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def captcha_test_mode(settings, monkeypatch):
    """Make "PASSED" the only right captcha answer.

    django-simple-captcha copies CAPTCHA_TEST_MODE into ``captcha.conf.settings`` at import
    time, so overriding the Django setting alone does not reach it.
    """
    from captcha.conf import settings as captcha_settings

    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", True)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = ARTIFACTS / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- Playwright -----------------------------------------------------------------------


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
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def page(page, live_server):
    """A Playwright page that refuses to talk to any host but the live server."""
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
    yield page
    assert not foreign, f"the page asked hosts other than the test server: {foreign}"


@pytest.fixture
def shoot(artifacts_dir, request):
    """shoot(page, "name") saves a full-page screenshot under var/test-artifacts."""

    def _shoot(page, name: str) -> Path:
        target = artifacts_dir / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(target), full_page=True)
        return target

    return _shoot
