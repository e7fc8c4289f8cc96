"""Encryption at rest and lookup digests (ipms.core.crypto)."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from ipms.core import crypto
from ipms.core.tests.test_settings import GOOD_DIGEST_KEY, run_manage
from ipms.credentials import signing

SECRET = "110101199003071237"


@pytest.fixture(autouse=True)
def _fresh_keys():
    crypto.clear_caches()
    yield
    crypto.clear_caches()


def test_round_trip_and_no_plaintext_in_the_token():
    token = crypto.encrypt(SECRET)
    assert SECRET not in token and token != crypto.encrypt(SECRET)  # random IV each time
    assert crypto.decrypt(token) == SECRET
    assert crypto.decrypt(crypto.encrypt("张三")) == "张三"


def test_embedded_mode_derives_keys_from_the_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    token = crypto.encrypt(SECRET)
    settings.SECRET_KEY = "a-different-secret-key-" + "x" * 40
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)
    # Rotating SECRET_KEY with the old one in SECRET_KEY_FALLBACKS keeps data readable.
    settings.SECRET_KEY_FALLBACKS = ["django-insecure-embedded-mode-only-never-use-in-production"]
    assert crypto.decrypt(token) == SECRET


def test_configured_keys_rotate(settings):
    old, new = Fernet.generate_key().decode(), crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt(SECRET)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]  # the new key first: it encrypts
    assert crypto.decrypt(token) == SECRET
    rotated = crypto.rotate(token)
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key retired
    assert crypto.decrypt(rotated) == SECRET
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


def test_keys_from_the_environment_string_form(settings):
    key = crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = f" {key} , "
    assert crypto.encryption_keys() == (key,)


@pytest.mark.parametrize("token", ["", "not-a-token", "gAAAAA" + "x" * 80, None, 42])
def test_tampered_or_foreign_tokens_are_refused(token):
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


def test_a_flipped_byte_is_detected():
    token = crypto.encrypt(SECRET)
    flipped = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(flipped)


def test_digests_are_keyed_deterministic_and_separated_by_purpose(settings):
    one = crypto.digest(SECRET, purpose="id")
    assert one == crypto.digest(SECRET, purpose="id") and len(one) == 64
    assert SECRET not in one
    assert crypto.digest(SECRET, purpose="other") != one
    settings.FIELD_DIGEST_KEY = "a-dedicated-digest-key-" + "y" * 40
    assert crypto.digest(SECRET, purpose="id") != one


def test_digests_do_not_change_with_encryption_key_rotation(settings):
    settings.FIELD_DIGEST_KEY = "a-dedicated-digest-key-" + "y" * 40
    before = crypto.digest(SECRET, purpose="id")
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]
    assert crypto.digest(SECRET, purpose="id") == before


def test_production_refuses_to_run_on_derived_keys(settings):
    settings.PRODUCTION = True
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt(SECRET)
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]
    settings.FIELD_DIGEST_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        crypto.digest(SECRET, purpose="id")


def test_a_malformed_key_is_reported_without_the_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["short-and-wrong"]
    with pytest.raises(ImproperlyConfigured) as caught:
        crypto.encrypt(SECRET)
    assert "short-and-wrong" not in str(caught.value)
    [error] = crypto.check_field_encryption_keys()
    assert error.id == "ipms.crypto.E001" and "short-and-wrong" not in error.msg


def test_settings_check_passes_for_good_keys(settings):
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]
    assert crypto.check_field_encryption_keys() == []


PRODUCTION_ENV = {
    "IPMS_MODE": "production",
    "SECRET_KEY": "k" * 10 + "a-long-random-production-key-0123456789abcdefghij",
    "ALLOWED_HOSTS": "study.example.cn",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "SMS_BACKEND": "ipms.core.sms.backends.tencent.SmsBackend",
    "SMS_TENCENT_SECRET_ID": "AKIDexample",
    "SMS_TENCENT_SECRET_KEY": "example-secret",
    "SMS_TENCENT_SDK_APP_ID": "1400000000",
    "SITE_URL": "https://study.example.cn",
    "COMPLAINT_EMAIL": "jubao@study.example.cn",
    # Production signs learning proofs with a key of its own (credentials.W001 otherwise).
    "CREDENTIAL_SIGNING_KEY": signing.generate_private_key_pem(),
}


def test_production_settings_refuse_to_start_without_field_keys():
    # Explicitly empty, whatever defaults run_manage may give the environment.
    result = run_manage("check", FIELD_ENCRYPTION_KEYS="", FIELD_DIGEST_KEY="", **PRODUCTION_ENV)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr


def test_production_with_field_keys_passes_check_deploy():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        FIELD_ENCRYPTION_KEYS=f"{crypto.generate_key()},{crypto.generate_key()}",
        FIELD_DIGEST_KEY=GOOD_DIGEST_KEY,
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_a_malformed_key():
    # Refused by the settings at start (more cases in test_settings.py); the system check
    # E001 above still reports it in the embedded mode.
    result = run_manage(
        "check",
        FIELD_ENCRYPTION_KEYS="not-a-key",
        FIELD_DIGEST_KEY=GOOD_DIGEST_KEY,
        **PRODUCTION_ENV,
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS entry 1 is not a Fernet key" in result.stderr
