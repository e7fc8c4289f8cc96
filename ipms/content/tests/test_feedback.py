"""意见反馈: validation in Chinese, typed values kept, PRG, rate limit per client IP."""

import re
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from ipms.accounts.tests.factories import UserFactory
from ipms.content.models import Feedback
from ipms.content.views import FEEDBACK_SUCCESS

pytestmark = pytest.mark.django_db

URL = "/feedback/"
VALID = {
    "content": "课程视频在手机上偶尔卡顿，希望能优化。",
    "phone": "13612342925",
    "captcha_0": "anykey",
    "captcha_1": "PASSED",
}


@pytest.fixture(autouse=True)
def _defaults(captcha_test_mode, settings):
    settings.FEEDBACK_RATE = "5/h"


def post(client, ip="198.51.100.7", **overrides):
    return client.post(URL, {**VALID, **overrides}, REMOTE_ADDR=ip)


def html_of(response) -> str:
    return response.content.decode()


def field_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    if not match:
        return None
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def test_url_name():
    assert reverse("content:feedback") == URL


def test_form_renders_fields_captcha_and_tabs(client):
    response = client.get(URL)

    html = html_of(response)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    for label in ["内容", "手机", "验证码"]:
        assert f">{label}</label>" in html
    assert 'for="id_content"' in html and 'for="id_phone"' in html
    assert 'for="id_captcha_1"' in html
    assert "请输入具体内容帮助我们了解您的意见与建议" in html
    assert 'data-captcha-refresh="/captcha/refresh/"' in html
    assert re.search(r'<img src="/captcha/image/\w+/"', html)
    assert "content/captcha.js" in html
    assert 'aria-current="page">意见反馈</a>' in html
    assert reverse("content:complaint") in html
    assert ">提交</button>" in html
    # CSP allows scripts from files only.
    assert "<script>" not in html


def test_captcha_script_is_a_static_file():
    assert finders.find("content/captcha.js")


def test_captcha_refresh_endpoint_answers_xhr(client):
    response = client.get("/captcha/refresh/", HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 200
    assert set(response.json()) >= {"key", "image_url"}


def test_valid_feedback_is_stored_and_redirects(client):
    response = post(client)

    assert response.status_code == 302
    assert response["Location"] == URL
    feedback = Feedback.objects.get()
    assert feedback.content == VALID["content"]
    assert feedback.phone == "13612342925"
    assert feedback.ip_address == "198.51.100.7"
    assert feedback.user is None
    assert not feedback.is_handled

    page = client.get(response["Location"])
    assert FEEDBACK_SUCCESS in html_of(page)
    # A fresh, empty form: reloading this page sends nothing again.
    assert field_value(html_of(page), "phone") == ""
    assert Feedback.objects.count() == 1


def test_phone_is_normalised(client):
    post(client, phone="+86 136-1234-2925")
    assert Feedback.objects.get().phone == "13612342925"


def test_logged_in_user_gets_phone_prefilled_and_is_recorded(client):
    user = UserFactory(phone="13712345678")
    client.force_login(user)

    assert field_value(html_of(client.get(URL)), "phone") == "13712345678"
    post(client, phone="13712345678")
    assert Feedback.objects.get().user == user


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"content": ""}, "content", "请填写反馈内容。"),
        ({"content": "   "}, "content", "请填写反馈内容。"),
        ({"content": "太短"}, "content", "内容太短了，请至少写 5 个字。"),
        ({"content": "长" * 2001}, "content", "内容不能超过 2000 个字。"),
        ({"phone": ""}, "phone", "请填写手机号。"),
        ({"phone": "12345678901"}, "phone", "请输入正确的11位手机号码（1开头）。"),
        ({"phone": "1361234292"}, "phone", "请输入正确的11位手机号码（1开头）。"),
        ({"captcha_1": "WRONG"}, "captcha", "验证码不正确"),
        ({"captcha_1": ""}, "captcha", "请填写验证码。"),
    ],
)
def test_invalid_field_shows_chinese_error_next_to_it(client, overrides, field, message):
    response = post(client, **overrides)

    assert response.status_code == 200
    assert Feedback.objects.count() == 0
    html = html_of(response)
    error_id = "id_captcha_error" if field == "captcha" else f"id_{field}_error"
    match = re.search(rf'<div class="invalid-feedback d-block" id="{error_id}">([^<]*)</div>', html)
    assert match, html
    assert message in match.group(1)
    assert 'aria-invalid="true"' in html
    assert "请按提示修改标出的内容后再提交。" in html


def test_typed_values_are_kept_and_captcha_answer_cleared(client):
    response = post(client, captcha_1="WRONG", phone="136 1234 2925")

    html = html_of(response)
    assert VALID["content"] in html
    assert field_value(html, "phone") == "136 1234 2925"
    assert field_value(html, "captcha_1") == ""
    # A new challenge is shown, not the one that was just used.
    assert field_value(html, "captcha_0") not in {"", "anykey"}


def test_double_submit_after_redirect_is_a_get(client):
    response = post(client)
    client.get(response["Location"])
    client.get(response["Location"])
    assert Feedback.objects.count() == 1


def test_sixth_submission_in_window_is_refused_with_everything_kept(client):
    for index in range(5):
        assert post(client, content=f"第{index}条反馈的内容").status_code == 302

    response = post(client, content="第六条反馈的内容", phone="13800001111")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = html_of(response)
    assert "您提交得太频繁了" in html
    assert "您填写的内容已保留" in html
    assert "第六条反馈的内容" in html
    assert field_value(html, "phone") == "13800001111"
    assert Feedback.objects.count() == 5


def test_rate_limit_is_per_client_ip(client):
    for _ in range(5):
        post(client, ip="198.51.100.7")
    assert post(client, ip="198.51.100.7").status_code == 429

    assert post(client, ip="198.51.100.8").status_code == 302
    assert Feedback.objects.filter(ip_address="198.51.100.8").count() == 1


def test_invalid_submissions_do_not_count_towards_the_limit(client):
    for _ in range(8):
        assert post(client, captcha_1="WRONG").status_code == 200
    for _ in range(5):
        assert post(client).status_code == 302
    assert post(client).status_code == 429


def test_rate_is_configurable(client, settings):
    settings.FEEDBACK_RATE = "1/h"
    assert post(client).status_code == 302
    assert post(client).status_code == 429


def test_forwarded_for_is_ignored_without_trusted_proxies(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for index in range(5):
        client.post(URL, VALID, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{index}")
    response = client.post(URL, VALID, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert response.status_code == 429
    assert set(Feedback.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_behind_a_trusted_proxy_the_client_cannot_spoof_its_address(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    for index in range(5):
        # The client forges a leftmost hop; the proxy appends the real address.
        forged = f"1.2.3.{index}, 203.0.113.9"
        response = client.post(URL, VALID, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forged)
        assert response.status_code == 302
    response = client.post(URL, VALID, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 429
    assert set(Feedback.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    # Another client behind the same proxy has its own allowance.
    response = client.post(URL, VALID, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert response.status_code == 302


def test_feedback_refuses_other_methods(client):
    assert client.put(URL).status_code == 405


# --- 举报投诉 ---------------------------------------------------------------------------


def test_complaint_tab_has_mailto_with_subject(client, settings):
    settings.COMPLAINT_EMAIL = "report@example.cn"

    response = client.get(reverse("content:complaint"))

    html = html_of(response)
    assert response.status_code == 200
    assert 'aria-current="page">举报投诉</a>' in html
    match = re.search(r'<a class="btn btn-brand btn-lg" href="([^"]+)">去填写举报邮件</a>', html)
    assert match
    href = match.group(1).replace("&amp;", "&")
    parsed = urlparse(href)
    assert parsed.scheme == "mailto"
    assert parsed.path == "report@example.cn"
    query = parse_qs(parsed.query)
    assert unquote(query["subject"][0]) == "【举报投诉】知识产权贯标认证学习平台"
    assert "问题描述" in query["body"][0]
    assert "report@example.cn" in html


def test_with_the_limit_cache_down_nothing_is_stored(client, ratelimit_cache_down):
    """``feedback_ip`` fails closed; what was typed is kept for a later try."""
    response = post(client)
    assert response.status_code == 429
    html = html_of(response)
    assert "服务暂时不可用，请稍后再试。" in html
    assert VALID["content"] in html
    assert not Feedback.objects.exists()


def test_without_a_complaint_mailbox_reports_go_through_feedback(client, settings):
    settings.COMPLAINT_EMAIL = ""
    html = html_of(client.get(reverse("content:complaint")))
    assert "mailto:" not in html
    assert (
        f'<a class="btn btn-brand btn-lg" href="{reverse("content:feedback")}">去提交举报</a>'
        in html
    )


def test_the_default_complaint_address_is_no_placeholder():
    from django.conf import settings as live

    assert "example" not in live.COMPLAINT_EMAIL
