"""Production settings refuse weak configuration and pass Django's deployment checks."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# Valid keys for the production runs (fixed, so a failure is reproducible).
GOOD_ENCRYPTION_KEY = "x4yZ0Vd5oHc7Q2b9Jm3Kq8Lr1Ts6Uv0Wx2Yz4Ab6Cd8="
GOOD_DIGEST_KEY = "3f9c2a7e41b8d05c6e1f7a9b2c4d8e0f5a6b7c8d9e0f1a2b"
PRODUCTION = {
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
    # An Ed25519 seed (base64url of 32 bytes) for signing learning proofs.
    "CREDENTIAL_SIGNING_KEY": "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA",
}


def run_manage(*args, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "IPMS_MODE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    # Production refuses to start without field-encryption keys; tests give valid ones.
    environment["FIELD_ENCRYPTION_KEYS"] = GOOD_ENCRYPTION_KEY
    environment["FIELD_DIGEST_KEY"] = GOOD_DIGEST_KEY
    environment.update(env)
    return subprocess.run(  # noqa: S603 - fixed arguments, our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_the_default_secret_key():
    result = run_manage("check", IPMS_MODE="production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_passes_check_deploy():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_redis():
    # Each worker would count the rate limits and lockouts on its own.
    result = run_manage("check", "--deploy", **{**PRODUCTION, "REDIS_URL": ""})
    assert result.returncode != 0
    assert "Production mode needs REDIS_URL" in result.stderr


@pytest.mark.parametrize(
    "digest_key",
    [
        "too-short-0123456789",  # 20 characters
        "d" * 64,  # long, but one character
    ],
)
def test_production_refuses_a_weak_digest_key(digest_key):
    result = run_manage("check", FIELD_DIGEST_KEY=digest_key, **PRODUCTION)
    assert result.returncode != 0
    assert "FIELD_DIGEST_KEY must be at least 32 random characters" in result.stderr
    assert digest_key not in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "not-a-key",
        base64.urlsafe_b64encode(b"sixteen-byte-key").decode(),  # base64, but 16 bytes
        base64.urlsafe_b64encode(bytes(32)).decode(),  # 32 bytes, all zero
    ],
)
def test_production_refuses_a_bad_encryption_key(key):
    keys = f"{GOOD_ENCRYPTION_KEY},{key}"
    result = run_manage("check", FIELD_ENCRYPTION_KEYS=keys, **PRODUCTION)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS entry 2 is not a Fernet key" in result.stderr
    assert key not in result.stderr


def test_production_warns_when_sms_would_only_be_logged():
    console = {key: value for key, value in PRODUCTION.items() if not key.startswith("SMS_")}
    result = run_manage("check", "--deploy", **console)
    assert "ipms.sms.W001" in result.stdout + result.stderr


@pytest.mark.real_hashers
def test_embedded_mode_is_the_default(settings):
    assert settings.MODE == "embedded"
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_production_warns_about_local_sms_links_and_no_complaint_mailbox():
    result = run_manage(
        "check", "--deploy", **{**PRODUCTION, "SITE_URL": "", "COMPLAINT_EMAIL": ""}
    )
    output = result.stdout + result.stderr
    assert "ipms.sms.W002" in output and "http://127.0.0.1:8000/j/" in output
    assert "ipms.content.W001" in output


def test_production_warns_without_a_credential_signing_key():
    result = run_manage("check", "--deploy", **{**PRODUCTION, "CREDENTIAL_SIGNING_KEY": ""})
    assert "ipms.credentials.W001" in result.stdout + result.stderr


def test_a_malformed_signing_key_is_an_error():
    result = run_manage("check", **{**PRODUCTION, "CREDENTIAL_SIGNING_KEY": "not-a-key"})
    assert result.returncode != 0
    assert "ipms.credentials.E001" in result.stdout + result.stderr
