"""Production settings refuse weak configuration and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def run_manage(*args, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "IPMS_MODE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    # Production refuses to start without field-encryption keys; tests give valid ones.
    environment["FIELD_ENCRYPTION_KEYS"] = "x4yZ0Vd5oHc7Q2b9Jm3Kq8Lr1Ts6Uv0Wx2Yz4Ab6Cd8="
    environment["FIELD_DIGEST_KEY"] = "d" * 64
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
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        IPMS_MODE="production",
        SECRET_KEY="k" * 10 + "a-long-random-production-key-0123456789abcdefghij",
        ALLOWED_HOSTS="study.example.cn",
        REDIS_URL="redis://127.0.0.1:6379/15",
        SMS_BACKEND="ipms.core.sms.backends.tencent.SmsBackend",
        SMS_TENCENT_SECRET_ID="AKIDexample",
        SMS_TENCENT_SECRET_KEY="example-secret",
        SMS_TENCENT_SDK_APP_ID="1400000000",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_warns_when_sms_would_only_be_logged():
    result = run_manage(
        "check",
        "--deploy",
        IPMS_MODE="production",
        SECRET_KEY="k" * 10 + "a-long-random-production-key-0123456789abcdefghij",
        ALLOWED_HOSTS="study.example.cn",
        REDIS_URL="redis://127.0.0.1:6379/15",
    )
    assert "ipms.sms.W001" in result.stdout + result.stderr


@pytest.mark.real_hashers
def test_embedded_mode_is_the_default(settings):
    assert settings.MODE == "embedded"
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
