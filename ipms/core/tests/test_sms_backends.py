"""SMS templates, sending through each local backend, and the configuration checks."""

import json
import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from ipms.core import sms
from ipms.core.sms import SmsSendError, get_backend, send_sms
from ipms.core.sms.checks import check_sms_backend_in_production, check_sms_backend_loads
from ipms.core.sms.templates import MEMBER_INVITATION, VERIFICATION_CODE, render

PHONE = "13600002925"


def test_verification_text_carries_the_signature():
    text = render(VERIFICATION_CODE, {"code": "012345", "minutes": "5"})
    assert text == "【贯标认证学习平台】您的验证码为012345，5分钟内有效，请勿泄露给他人。"


def test_invitation_text_follows_product_spec(settings):
    settings.SMS_LINK_BASE = "https://study.example.cn/j/"
    text = render(MEMBER_INVITATION, {"enterprise": "华智科技有限公司", "token": "AbC123"})
    assert text == (
        "【贯标认证学习平台】您好，华智科技有限公司 将您加入贯标认证学习平台，成为该企业认证学员。"
        "请点击以下链接确认加入：https://study.example.cn/j/AbC123"
    )


def test_redacted_text_hides_secrets_only():
    text = render(MEMBER_INVITATION, {"enterprise": "华智科技", "token": "AbC123"}, redact=True)
    assert "AbC123" not in text
    assert "华智科技" in text
    assert "******" in render(VERIFICATION_CODE, {"code": "1", "minutes": "5"}, redact=True)


def test_template_parameters_must_match():
    with pytest.raises(ValueError, match="takes"):
        render(VERIFICATION_CODE, {"code": "123456"})
    with pytest.raises(ValueError, match="Unknown"):
        render("nope", {})


def test_locmem_backend_fills_the_outbox(sms_outbox):
    result = send_sms(
        phone="+86 136-0000-2925",
        template=VERIFICATION_CODE,
        params={"code": "123456", "minutes": 5},
    )
    assert sms_outbox == [result.message]
    message = sms_outbox[0]
    assert message.phone == PHONE
    assert message.params == {"code": "123456", "minutes": "5"}
    assert "123456" in message.text
    assert message.masked_phone == "136****2925"
    assert result.provider_id.startswith("local-")


def test_send_refuses_a_bad_number(sms_outbox):
    with pytest.raises(SmsSendError, match="11位手机号码") as caught:
        send_sms(phone="12345", template=VERIFICATION_CODE, params={"code": "1", "minutes": 5})
    assert caught.value.field == "phone"
    assert sms_outbox == []


def test_console_backend_logs_full_text_in_embedded_mode(settings, caplog):
    settings.SMS_LOG_SECRETS = True
    with caplog.at_level(logging.INFO, logger="ipms.sms"):
        send_sms(
            phone=PHONE,
            template=VERIFICATION_CODE,
            params={"code": "654321", "minutes": 5},
            backend=get_backend("ipms.core.sms.backends.console.SmsBackend"),
        )
    assert f"SMS to {PHONE}: 【贯标认证学习平台】您的验证码为654321" in caplog.text


def test_console_backend_never_logs_codes_in_production(settings, caplog):
    settings.SMS_LOG_SECRETS = False
    with caplog.at_level(logging.DEBUG):
        send_sms(
            phone=PHONE,
            template=VERIFICATION_CODE,
            params={"code": "654321", "minutes": 5},
            backend=get_backend("ipms.core.sms.backends.console.SmsBackend"),
        )
    assert "654321" not in caplog.text
    assert PHONE not in caplog.text
    assert "136****2925" in caplog.text


def test_production_settings_force_secret_logging_off():
    from ipms.core.tests.test_settings import run_manage

    code = "from django.conf import settings; print(settings.SMS_LOG_SECRETS)"
    result = run_manage(
        "shell",
        "-c",
        code,
        IPMS_MODE="production",
        SECRET_KEY="k" * 10 + "a-long-random-production-key-0123456789abcdefghij",
        ALLOWED_HOSTS="study.example.cn",
        REDIS_URL="redis://127.0.0.1:6379/15",
        SMS_LOG_SECRETS="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_file_backend_appends_json_lines(tmp_path):
    backend = get_backend("ipms.core.sms.backends.filebased.SmsBackend", file_path=tmp_path / "sms")
    for code in ("111111", "222222"):
        send_sms(
            phone=PHONE,
            template=VERIFICATION_CODE,
            params={"code": code, "minutes": 5},
            backend=backend,
        )
    [written] = list((tmp_path / "sms").glob("sms-*.jsonl"))
    records = [json.loads(line) for line in written.read_text(encoding="utf-8").splitlines()]
    assert [r["params"]["code"] for r in records] == ["111111", "222222"]
    assert records[0]["phone"] == PHONE
    assert records[0]["text"].startswith("【贯标认证学习平台】")
    assert written.stat().st_mode & 0o777 == 0o600


def test_file_backend_needs_a_path(settings):
    settings.SMS_FILE_PATH = ""
    with pytest.raises(ImproperlyConfigured):
        get_backend("ipms.core.sms.backends.filebased.SmsBackend")


def test_file_backend_failure_is_temporary(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    backend = get_backend("ipms.core.sms.backends.filebased.SmsBackend", file_path=blocker)
    with pytest.raises(sms.SmsTemporaryError):
        send_sms(
            phone=PHONE,
            template=VERIFICATION_CODE,
            params={"code": "1", "minutes": 5},
            backend=backend,
        )


def test_default_backend_is_console():
    from django.conf import settings as django_settings

    # The autouse fixture switched tests to locmem; the project default stays console.
    from config import settings as project_settings

    assert project_settings.SMS_BACKEND == "ipms.core.sms.backends.console.SmsBackend"
    assert django_settings.SMS_BACKEND.endswith("locmem.SmsBackend")


def test_deploy_check_warns_about_local_backend_in_production(settings):
    settings.PRODUCTION = True
    settings.SMS_BACKEND = "ipms.core.sms.backends.console.SmsBackend"
    [warning] = check_sms_backend_in_production(None)
    assert warning.id == "ipms.sms.W001"
    settings.SMS_BACKEND = "ipms.core.sms.backends.tencent.SmsBackend"
    assert check_sms_backend_in_production(None) == []
    settings.PRODUCTION = False
    settings.SMS_BACKEND = "ipms.core.sms.backends.console.SmsBackend"
    assert check_sms_backend_in_production(None) == []


def test_load_check_reports_misconfigured_backends(settings):
    settings.SMS_BACKEND = "ipms.core.sms.backends.tencent.SmsBackend"
    settings.SMS_TENCENT_SECRET_ID = ""
    [error] = check_sms_backend_loads(None)
    assert error.id == "ipms.sms.E001"
    assert "SMS_TENCENT_SECRET_ID" in error.msg
    settings.SMS_BACKEND = "ipms.core.sms.backends.nope.SmsBackend"
    assert check_sms_backend_loads(None)[0].id == "ipms.sms.E002"
    settings.SMS_BACKEND = "ipms.core.sms.backends.console.SmsBackend"
    assert check_sms_backend_loads(None) == []
