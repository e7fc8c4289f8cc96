"""Tencent Cloud SMS: API 3.0, action ``SendSms``, version ``2021-01-11``.

Requests are signed with TC3-HMAC-SHA256 as Tencent Cloud's "Signature v3" document
describes: a canonical request (method, ``/``, empty query, the ``content-type`` and
``host`` headers, the hex SHA-256 of the body) is hashed into a string to sign scoped to
``<UTC date>/sms/tc3_request``, and signed with a key derived from the SecretKey by three
HMAC-SHA256 steps (date, service, ``tc3_request``). ``tests/test_sms_tencent.py`` checks
the functions against the worked example in that document.

The HTTP call goes through ``transport`` (``urllib`` by default, no extra dependency),
which tests replace; tests never touch the network.

Settings: SMS_TENCENT_SECRET_ID, SMS_TENCENT_SECRET_KEY, SMS_TENCENT_SDK_APP_ID,
SMS_TENCENT_SIGN_NAME (default: SMS_SIGNATURE), SMS_TENCENT_REGION,
SMS_TENCENT_ENDPOINT, SMS_TENCENT_TEMPLATES (our template id -> Tencent TemplateId),
SMS_TIMEOUT. See docs/sms.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..errors import SERVICE_UNAVAILABLE, TOO_FREQUENT, SmsSendError, SmsTemporaryError
from ..templates import get_template
from .base import BaseSmsBackend

logger = logging.getLogger("ipms.sms.tencent")

ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = "content-type;host"
SERVICE = "sms"
ACTION = "SendSms"
VERSION = "2021-01-11"
MAX_RESPONSE_BYTES = 64 * 1024

SEND_FAILED = "短信发送失败，请稍后再试。"
PHONE_UNUSABLE = "手机号码格式不正确，请检查后重试。"
DAILY_LIMIT = "该手机号今日接收短信过多，请明天再试。"

# Provider codes that describe the recipient, so the user can act on them.
USER_ERRORS: dict[str, str] = {
    "InvalidParameterValue.IncorrectPhoneNumber": PHONE_UNUSABLE,
    "FailedOperation.PhoneNumberParseFail": PHONE_UNUSABLE,
    "FailedOperation.PhoneNumberInBlacklist": "该手机号已退订或拒收短信，请更换手机号或联系客服。",
    "LimitExceeded.PhoneNumberThirtySecondLimit": TOO_FREQUENT,
    "LimitExceeded.PhoneNumberOneHourLimit": "该手机号接收短信过于频繁，请一小时后再试。",
    "LimitExceeded.PhoneNumberDailyLimit": DAILY_LIMIT,
    "LimitExceeded.PhoneNumberSameContentDailyLimit": DAILY_LIMIT,
    "LimitExceeded.DeliveryFrequencyLimit": TOO_FREQUENT,
}
# Code prefixes of passing trouble on the provider's side: a later retry may succeed.
TEMPORARY_PREFIXES = ("InternalError", "RequestLimitExceeded", "ResourceUnavailable")

# (url, headers, body, timeout) -> (HTTP status, response body)
Transport = Callable[[str, Mapping[str, str], bytes, float], tuple[int, bytes]]


# --- Signing (TC3-HMAC-SHA256) -------------------------------------------------------


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac_sha256(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def utc_date(timestamp: int) -> str:
    """The credential-scope date: the UTC calendar date of the request timestamp.

    Not the local date: in Beijing (UTC+8) the two differ between 00:00 and 08:00.
    """
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")


def canonical_request(*, host: str, payload: bytes, content_type: str = CONTENT_TYPE) -> str:
    canonical_headers = f"content-type:{content_type.lower()}\nhost:{host.lower()}\n"
    return "\n".join(["POST", "/", "", canonical_headers, SIGNED_HEADERS, _sha256_hex(payload)])


def string_to_sign(*, timestamp: int, service: str, canonical: str) -> str:
    scope = f"{utc_date(timestamp)}/{service}/tc3_request"
    return "\n".join([ALGORITHM, str(timestamp), scope, _sha256_hex(canonical.encode("utf-8"))])


def signature(*, secret_key: str, timestamp: int, service: str, to_sign: str) -> str:
    secret_date = _hmac_sha256(f"TC3{secret_key}".encode(), utc_date(timestamp))
    secret_service = _hmac_sha256(secret_date, service)
    secret_signing = _hmac_sha256(secret_service, "tc3_request")
    return hmac.new(secret_signing, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    host: str,
    timestamp: int,
    payload: bytes,
    content_type: str = CONTENT_TYPE,
) -> str:
    """The ``Authorization`` header value for one POST request."""
    canonical = canonical_request(host=host, payload=payload, content_type=content_type)
    to_sign = string_to_sign(timestamp=timestamp, service=service, canonical=canonical)
    signed = signature(secret_key=secret_key, timestamp=timestamp, service=service, to_sign=to_sign)
    scope = f"{utc_date(timestamp)}/{service}/tc3_request"
    return (
        f"{ALGORITHM} Credential={secret_id}/{scope}, "
        f"SignedHeaders={SIGNED_HEADERS}, Signature={signed}"
    )


# --- Transport -----------------------------------------------------------------------


def urllib_transport(
    url: str, headers: Mapping[str, str], body: bytes, timeout: float
) -> tuple[int, bytes]:
    """POST with the standard library; network failures become ``SmsTemporaryError``."""
    if not url.startswith("https://"):
        raise ImproperlyConfigured("SMS_TENCENT_ENDPOINT must be reached over HTTPS.")
    # The URL is https:// (checked above) and built from settings, never from user input.
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:  # an HTTP answer with an error status
        return exc.code, exc.read(MAX_RESPONSE_BYTES)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SmsTemporaryError(SERVICE_UNAVAILABLE, code="network") from exc


# --- Backend -------------------------------------------------------------------------


class SmsBackend(BaseSmsBackend):
    def __init__(
        self,
        *,
        transport: Transport | None = None,
        clock: Callable[[], float] = time.time,
        **options,
    ) -> None:
        super().__init__(**options)

        def option(name: str):
            # Every SMS_TENCENT_* setting is defined in config/settings.py.
            return options.get(name, getattr(settings, f"SMS_TENCENT_{name.upper()}"))

        self.secret_id: str = option("secret_id")
        self.secret_key: str = option("secret_key")
        self.sdk_app_id: str = str(option("sdk_app_id"))
        self.sign_name: str = option("sign_name") or settings.SMS_SIGNATURE
        self.region: str = option("region") or "ap-guangzhou"
        self.endpoint: str = option("endpoint") or "sms.tencentcloudapi.com"
        self.templates: Mapping[str, str] = option("templates") or {}
        self.timeout: float = float(options.get("timeout", settings.SMS_TIMEOUT))
        missing = [
            f"SMS_TENCENT_{name.upper()}"
            for name in ("secret_id", "secret_key", "sdk_app_id")
            if not getattr(self, name)
        ]
        if missing:
            raise ImproperlyConfigured(f"Tencent Cloud SMS needs {', '.join(missing)}.")
        self.transport: Transport = transport or urllib_transport
        self.clock = clock

    def build_request(self, message, *, timestamp: int) -> tuple[str, dict[str, str], bytes]:
        template_id = self.templates.get(message.template)
        if not template_id:
            logger.error("no Tencent TemplateId for SMS template %r", message.template)
            raise SmsSendError(SEND_FAILED, code="template_not_configured")
        body = {
            "PhoneNumberSet": [f"+86{message.phone}"],
            "SmsSdkAppId": self.sdk_app_id,
            "SignName": self.sign_name,
            "TemplateId": str(template_id),
            "TemplateParamSet": get_template(message.template).provider_params(message.params),
        }
        # The signature covers these exact bytes, so they are encoded once, here.
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {
            "Authorization": authorization(
                secret_id=self.secret_id,
                secret_key=self.secret_key,
                service=SERVICE,
                host=self.endpoint,
                timestamp=timestamp,
                payload=payload,
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": self.endpoint,
            "X-TC-Action": ACTION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": VERSION,
            "X-TC-Region": self.region,
            "X-TC-Language": "zh-CN",
        }
        return f"https://{self.endpoint}/", headers, payload

    def send(self, message) -> str:
        url, headers, payload = self.build_request(message, timestamp=int(self.clock()))
        status, raw = self.transport(url, headers, payload, self.timeout)
        return self.parse_response(status, raw, message)

    def parse_response(self, status: int, raw: bytes, message) -> str:
        try:
            response = json.loads(raw.decode("utf-8"))["Response"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            logger.warning("Tencent SMS: unreadable answer, HTTP %s", status)
            raise SmsTemporaryError(SERVICE_UNAVAILABLE, code=f"http_{status}") from None
        request_id = str(response.get("RequestId", ""))
        error = response.get("Error")
        if error:
            raise self.error(
                str(error.get("Code", "")),
                str(error.get("Message", "")),
                request_id=request_id,
                message=message,
            )
        statuses = response.get("SendStatusSet") or []
        if not statuses:
            logger.warning("Tencent SMS: no send status, request %s", request_id)
            raise SmsTemporaryError(SERVICE_UNAVAILABLE, code="no_status")
        first = statuses[0]
        if first.get("Code") != "Ok":
            raise self.error(
                str(first.get("Code", "")),
                str(first.get("Message", "")),
                request_id=request_id,
                message=message,
            )
        return str(first.get("SerialNo") or request_id)

    @staticmethod
    def error(code: str, detail: str, *, request_id: str, message) -> SmsSendError:
        """Map a provider error code to a domain error with a Chinese message."""
        context = (code, detail, message.masked_phone, message.template, request_id)
        log = "Tencent SMS refused: %s (%s) to=%s template=%s request=%s"
        if code in USER_ERRORS:
            logger.warning(log, *context)
            return SmsSendError(USER_ERRORS[code], code=code, field="phone")
        if code.startswith(TEMPORARY_PREFIXES):
            logger.warning(log, *context)
            return SmsTemporaryError(SERVICE_UNAVAILABLE, code=code)
        # Credentials, signature name, template approval, balance: the operator must act.
        logger.error(log, *context)
        return SmsSendError(SEND_FAILED, code=code)
