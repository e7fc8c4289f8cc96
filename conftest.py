"""Test harness shared by every app.

* Media and private files go to a temporary folder per test session.
* Caches are cleared per test (rate limits, captcha state).

The browser tests' fixtures (Chromium, the guarded page, screenshots) are in
tests/browser/conftest.py.
"""

import os

import pytest

from ipms.core.sms.testing import sms_clock, sms_outbox  # noqa: F401 - shared fixtures
from ipms.core.testing import font_dir, ratelimit_cache_down  # noqa: F401 - shared fixtures

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path_factory):
    root = tmp_path_factory.getbasetemp() / "files"
    settings.MEDIA_ROOT = root / "media"
    settings.PRIVATE_MEDIA_ROOT = root / "private"
    # The embedded mode's generated signing key (ipms.credentials.signing), not var/'s.
    settings.CREDENTIAL_SIGNING_KEY_FILE = str(root / "credentials-signing-key.pem")
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
