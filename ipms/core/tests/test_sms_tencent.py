"""Tencent Cloud SMS adapter: TC3-HMAC-SHA256 signing, request shape, error mapping.

The signing test uses the worked example of Tencent Cloud's "Signature v3" document
(CVM DescribeInstances, SecretId AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE, SecretKey
Gu5t9xGARNpq86cd98joQYCN3EXAMPLE, timestamp 1551113065). No test touches the network.
"""

import json
import logging
import urllib.error

import pytest
from django.core.exceptions import ImproperlyConfigured

from ipms.core.sms import SmsMessage, SmsSendError, SmsTemporaryError, send_sms
from ipms.core.sms.backends import tencent
from ipms.core.sms.templates import MEMBER_INVITATION, VERIFICATION_CODE

DOC_SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
DOC_SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
DOC_TIMESTAMP = 1551113065
DOC_HOST = "cvm.tencentcloudapi.com"
DOC_PAYLOAD = (
    b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
)
DOC_CANONICAL = (
    "POST\n/\n\n"
    "content-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n"
    "content-type;host\n"
    "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
)
DOC_STRING_TO_SIGN = (
    "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
    "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
)
DOC_SIGNATURE = "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"

PHONE = "13600002925"

OK_RESPONSE = {
    "Response": {
        "SendStatusSet": [
            {
                "SerialNo": "5000:1045710669157053657849499619",
                "PhoneNumber": "+8613600002925",
                "Fee": 1,
                "SessionContext": "",
                "Code": "Ok",
                "Message": "send success",
                "IsoCode": "CN",
            }
        ],
        "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279",
    }
}


def test_canonical_request_matches_the_documented_example():
    assert tencent.canonical_request(host=DOC_HOST, payload=DOC_PAYLOAD) == DOC_CANONICAL


def test_string_to_sign_matches_the_documented_example():
    to_sign = tencent.string_to_sign(
        timestamp=DOC_TIMESTAMP, service="cvm", canonical=DOC_CANONICAL
    )
    assert to_sign == DOC_STRING_TO_SIGN


def test_signature_matches_the_documented_example():
    signed = tencent.signature(
        secret_key=DOC_SECRET_KEY,
        timestamp=DOC_TIMESTAMP,
        service="cvm",
        to_sign=DOC_STRING_TO_SIGN,
    )
    assert signed == DOC_SIGNATURE


def test_authorization_header_matches_the_documented_example():
    header = tencent.authorization(
        secret_id=DOC_SECRET_ID,
        secret_key=DOC_SECRET_KEY,
        service="cvm",
        host=DOC_HOST,
        timestamp=DOC_TIMESTAMP,
        payload=DOC_PAYLOAD,
    )
    assert header == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
        f"tc3_request, SignedHeaders=content-type;host, Signature={DOC_SIGNATURE}"
    )


def test_credential_date_is_the_utc_date_not_beijing():
    # 1551113065 is 2019-02-26 00:44:25 in Beijing but 2019-02-25 in UTC.
    assert tencent.utc_date(DOC_TIMESTAMP) == "2019-02-25"


class FakeTransport:
    def __init__(self, status=200, body=None, error=None):
        self.status = status
        self.body = json.dumps(OK_RESPONSE if body is None else body).encode()
        self.error = error
        self.calls = []

    def __call__(self, url, headers, body, timeout):
        self.calls.append({"url": url, "headers": headers, "body": body, "timeout": timeout})
        if self.error:
            raise self.error
        return self.status, self.body


@pytest.fixture
def tencent_settings(settings):
    settings.SMS_TENCENT_SECRET_ID = "AKIDtest"
    settings.SMS_TENCENT_SECRET_KEY = "secret-key-for-tests"
    settings.SMS_TENCENT_SDK_APP_ID = "1400006666"
    settings.SMS_TENCENT_SIGN_NAME = "贯标认证学习平台"
    settings.SMS_TENCENT_REGION = "ap-guangzhou"
    settings.SMS_TENCENT_ENDPOINT = "sms.tencentcloudapi.com"
    settings.SMS_TENCENT_TEMPLATES = {VERIFICATION_CODE: "2001", MEMBER_INVITATION: "2002"}
    settings.SMS_TIMEOUT = 7
    return settings


def backend(transport, timestamp=DOC_TIMESTAMP):
    return tencent.SmsBackend(transport=transport, clock=lambda: timestamp)


def test_send_builds_a_signed_send_sms_request(tencent_settings):
    transport = FakeTransport()
    result = send_sms(
        phone=PHONE,
        template=VERIFICATION_CODE,
        params={"code": "012345", "minutes": 5},
        backend=backend(transport),
    )
    assert result.provider_id == "5000:1045710669157053657849499619"
    [call] = transport.calls
    assert call["url"] == "https://sms.tencentcloudapi.com/"
    assert call["timeout"] == 7
    headers = call["headers"]
    assert headers["X-TC-Action"] == "SendSms"
    assert headers["X-TC-Version"] == "2021-01-11"
    assert headers["X-TC-Region"] == "ap-guangzhou"
    assert headers["X-TC-Timestamp"] == str(DOC_TIMESTAMP)
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(call["body"].decode("utf-8"))
    assert body == {
        "PhoneNumberSet": ["+8613600002925"],
        "SmsSdkAppId": "1400006666",
        "SignName": "贯标认证学习平台",
        "TemplateId": "2001",
        "TemplateParamSet": ["012345", "5"],
    }
    # The signature covers exactly the bytes sent.
    assert headers["Authorization"] == tencent.authorization(
        secret_id="AKIDtest",
        secret_key="secret-key-for-tests",
        service="sms",
        host="sms.tencentcloudapi.com",
        timestamp=DOC_TIMESTAMP,
        payload=call["body"],
    )
    assert "/2019-02-25/sms/tc3_request" in headers["Authorization"]


def test_invitation_parameters_go_in_template_order(tencent_settings):
    transport = FakeTransport()
    send_sms(
        phone=PHONE,
        template=MEMBER_INVITATION,
        params={"token": "AbC123", "enterprise": "华智科技"},
        backend=backend(transport),
    )
    body = json.loads(transport.calls[0]["body"].decode("utf-8"))
    assert body["TemplateId"] == "2002"
    assert body["TemplateParamSet"] == ["华智科技", "AbC123"]


def test_missing_credentials_are_a_configuration_error(tencent_settings):
    tencent_settings.SMS_TENCENT_SECRET_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="SMS_TENCENT_SECRET_KEY"):
        tencent.SmsBackend()


def test_unconfigured_template_is_refused_without_a_call(tencent_settings):
    tencent_settings.SMS_TENCENT_TEMPLATES = {}
    transport = FakeTransport()
    with pytest.raises(SmsSendError) as caught:
        send_sms(
            phone=PHONE,
            template=VERIFICATION_CODE,
            params={"code": "1", "minutes": 5},
            backend=backend(transport),
        )
    assert caught.value.code == "template_not_configured"
    assert transport.calls == []


def status_response(code, message="failed"):
    return {
        "Response": {
            "SendStatusSet": [
                {
                    "SerialNo": "",
                    "PhoneNumber": "+8613600002925",
                    "Code": code,
                    "Message": message,
                    "Fee": 0,
                }
            ],
            "RequestId": "req-1",
        }
    }


def error_response(code, message="failed"):
    return {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "req-2"}}


@pytest.mark.parametrize(
    ("body", "kind", "text", "field"),
    [
        (
            status_response("LimitExceeded.PhoneNumberDailyLimit"),
            SmsSendError,
            "该手机号今日接收短信过多，请明天再试。",
            "phone",
        ),
        (
            status_response("LimitExceeded.PhoneNumberThirtySecondLimit"),
            SmsSendError,
            "发送过于频繁，请稍后再试。",
            "phone",
        ),
        (
            status_response("FailedOperation.PhoneNumberInBlacklist"),
            SmsSendError,
            "该手机号已退订或拒收短信，请更换手机号或联系客服。",
            "phone",
        ),
        (
            status_response("InvalidParameterValue.IncorrectPhoneNumber"),
            SmsSendError,
            "手机号码格式不正确，请检查后重试。",
            "phone",
        ),
        (
            status_response("FailedOperation.TemplateIncorrectOrUnapproved"),
            SmsSendError,
            "短信发送失败，请稍后再试。",
            None,
        ),
        (
            status_response("FailedOperation.InsufficientBalanceInSmsPackage"),
            SmsSendError,
            "短信发送失败，请稍后再试。",
            None,
        ),
        (
            error_response("AuthFailure.SignatureFailure"),
            SmsSendError,
            "短信发送失败，请稍后再试。",
            None,
        ),
        (
            error_response("InternalError.Timeout"),
            SmsTemporaryError,
            "短信服务暂时不可用，请稍后再试。",
            None,
        ),
        (
            error_response("RequestLimitExceeded"),
            SmsTemporaryError,
            "短信服务暂时不可用，请稍后再试。",
            None,
        ),
        (
            {"Response": {"SendStatusSet": [], "RequestId": "r"}},
            SmsTemporaryError,
            "短信服务暂时不可用，请稍后再试。",
            None,
        ),
    ],
)
def test_provider_errors_become_chinese_domain_errors(tencent_settings, body, kind, text, field):
    transport = FakeTransport(body=body)
    with pytest.raises(kind) as caught:
        send_sms(
            phone=PHONE,
            template=VERIFICATION_CODE,
            params={"code": "1", "minutes": 5},
            backend=backend(transport),
        )
    error = caught.value
    assert type(error) is kind
    assert error.message == text
    assert error.field == field
    assert error.retryable is (kind is SmsTemporaryError)


def test_configuration_errors_are_logged_for_the_operator(tencent_settings, caplog):
    transport = FakeTransport(body=error_response("AuthFailure.SecretIdNotFound", "密钥不存在"))
    with caplog.at_level(logging.WARNING, logger="ipms.sms.tencent"), pytest.raises(SmsSendError):
        send_sms(
            phone=PHONE,
            template=VERIFICATION_CODE,
            params={"code": "987654", "minutes": 5},
            backend=backend(transport),
        )
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "AuthFailure.SecretIdNotFound" in record.getMessage()
    assert "136****2925" in record.getMessage()
    assert "987654" not in caplog.text
    assert PHONE not in caplog.text


def test_unreadable_answer_is_temporary(tencent_settings):
    transport = FakeTransport(status=502)
    transport.body = b"<html>Bad Gateway</html>"
    with pytest.raises(SmsTemporaryError) as caught:
        send_sms(
            phone=PHONE,
            template=VERIFICATION_CODE,
            params={"code": "1", "minutes": 5},
            backend=backend(transport),
        )
    assert caught.value.code == "http_502"


def test_urllib_transport_maps_network_failures(monkeypatch):
    def refuse(request, timeout):
        raise urllib.error.URLError("connection refused")

    monkeypatch.setattr(tencent.urllib.request, "urlopen", refuse)
    with pytest.raises(SmsTemporaryError) as caught:
        tencent.urllib_transport("https://sms.tencentcloudapi.com/", {}, b"{}", 1)
    assert caught.value.code == "network"


def test_urllib_transport_returns_http_error_bodies(monkeypatch):
    import io

    def http_error(request, timeout):
        raise urllib.error.HTTPError(
            request.full_url, 500, "Server Error", {}, io.BytesIO(b'{"Response": {}}')
        )

    monkeypatch.setattr(tencent.urllib.request, "urlopen", http_error)
    assert tencent.urllib_transport("https://sms.tencentcloudapi.com/", {}, b"{}", 1) == (
        500,
        b'{"Response": {}}',
    )


def test_urllib_transport_sends_a_post(monkeypatch):
    seen = {}

    class Answer:
        status = 200

        def read(self, size):
            return b"ok"

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake_urlopen(request, timeout):
        seen.update(
            method=request.get_method(),
            data=request.data,
            timeout=timeout,
            auth=request.get_header("Authorization"),
        )
        return Answer()

    monkeypatch.setattr(tencent.urllib.request, "urlopen", fake_urlopen)
    status, body = tencent.urllib_transport(
        "https://sms.tencentcloudapi.com/", {"Authorization": "TC3 x"}, b"{}", 3
    )
    assert (status, body) == (200, b"ok")
    assert seen == {"method": "POST", "data": b"{}", "timeout": 3, "auth": "TC3 x"}


def test_urllib_transport_refuses_plain_http():
    with pytest.raises(ImproperlyConfigured):
        tencent.urllib_transport("http://sms.tencentcloudapi.com/", {}, b"{}", 1)


def test_backend_error_mapping_is_usable_directly():
    message = SmsMessage(
        phone=PHONE, template=VERIFICATION_CODE, params={"code": "1", "minutes": "5"}
    )
    error = tencent.SmsBackend.error(
        "InternalError.OtherError", "x", request_id="r", message=message
    )
    assert isinstance(error, SmsTemporaryError)
