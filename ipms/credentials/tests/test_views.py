"""The pages and downloads, with who may and who may not (every URL)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ipms.accounts.tests.factories import UserFactory
from ipms.core.models import AuditLog
from ipms.credentials import hooks, services
from ipms.credentials.models import Credential
from ipms.enterprises.tests.factories import MembershipFactory, enterprise_with_admin

pytestmark = pytest.mark.django_db

GENUINE = '<span class="verdict-ok">真实有效</span>'
DOWNLOADS = ["credentials:download_png", "credentials:download_pdf", "credentials:download_jwt"]


@pytest.fixture
def proof(passed_member, course):
    return services.proof_generate(user=passed_member, course=course)


def _course_page(client, course):
    return client.get(reverse("learning:course_detail", args=[course.pk])).content.decode()


# --- the 证书 tab ----------------------------------------------------------------------


def test_tab_shows_conditions_and_a_disabled_button_until_they_hold(client, member, course):
    client.force_login(member)
    page = _course_page(client, course)
    assert "学习证明获取条件：学分 &gt;= 6 分 且 考试得分 &gt;= 60 分。" in page
    assert "当前学分 <strong>0</strong> 分，当前考试得分 <strong>—</strong> 分" in page
    assert "学习证明生成后将无法修改。" in page
    assert 'data-testid="proof-generate" disabled' in page


def test_tab_enables_generation_once_both_conditions_hold(client, passed_member, course):
    client.force_login(passed_member)
    page = _course_page(client, course)
    assert "当前学分 <strong>6</strong> 分，当前考试得分 <strong>85</strong> 分" in page
    assert 'data-testid="proof-generate">' in page
    response = client.post(reverse("credentials:proof_generate", args=[course.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith("#pane-certificate")
    proof = Credential.objects.get(user=passed_member)
    page = _course_page(client, course)
    assert f"学习证明已生成：{proof.number}。" in page
    assert reverse("credentials:download_png", args=[proof.pk]) in page
    assert reverse("credentials:download_pdf", args=[proof.pk]) in page
    assert reverse("credentials:download_jwt", args=[proof.pk]) in page
    assert "您所在企业的贯标认证审核通过后" in page
    assert 'data-testid="certificate-generate" disabled' in page


def test_the_server_refuses_when_the_conditions_do_not_hold(client, member, course):
    client.force_login(member)
    response = client.post(reverse("credentials:proof_generate", args=[course.pk]), follow=True)
    assert "尚未满足学习证明获取条件" in response.content.decode()
    assert not Credential.objects.exists()


def test_certificate_from_the_tab_once_the_review_passed(
    client, proof, passed_member, course, review_passed
):
    review_passed.add(proof.enterprise_id)
    client.force_login(passed_member)
    assert 'data-testid="certificate-generate">' in _course_page(client, course)
    client.post(reverse("credentials:certificate_generate", args=[course.pk]))
    certificate = Credential.objects.get(kind="certificate")
    page = _course_page(client, course)
    assert "下载内审员人才库合格证书" in page
    assert reverse("credentials:download_png", args=[certificate.pk]) in page


def test_individual_learners_are_told_why_there_is_no_certificate(client, course, exam_scores):
    from ipms.credentials.tests.conftest import complete_course

    user = UserFactory(name="个人学员甲")
    complete_course(user, course)
    exam_scores[(user.pk, course.pk)] = 90
    services.proof_generate(user=user, course=course)
    client.force_login(user)
    assert "个人学员可以获得学习证明，但不能获得证书" in _course_page(client, course)


@pytest.mark.parametrize("name", ["credentials:proof_generate", "credentials:certificate_generate"])
def test_generation_needs_login_and_post(client, course, name):
    url = reverse(name, args=[course.pk])
    assert client.post(url).status_code == 302 and "login" in client.post(url)["Location"]
    client.force_login(UserFactory())
    assert client.get(url).status_code == 405


@pytest.mark.parametrize("name", ["credentials:proof_generate", "credentials:certificate_generate"])
def test_operators_cannot_generate(operator_client, course, name):
    response = operator_client.post(reverse(name, args=[course.pk]), follow=True)
    assert "当前账号不能生成学习证明。" in response.content.decode()
    assert not Credential.objects.exists()


def test_unpublished_course_is_not_found(client, passed_member, course):
    course.is_published = False
    course.save()
    client.force_login(passed_member)
    assert client.post(reverse("credentials:proof_generate", args=[course.pk])).status_code == 404


# --- downloads -------------------------------------------------------------------------


@pytest.mark.parametrize("name", DOWNLOADS)
def test_owner_downloads_without_an_audit_row(client, proof, passed_member, name):
    client.force_login(passed_member)
    response = client.get(reverse(name, args=[proof.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )
    assert not AuditLog.objects.filter(action="credential.downloaded").exists()


@pytest.mark.parametrize("name", DOWNLOADS)
def test_the_enterprise_admin_downloads_and_it_is_audited(
    client, proof, enterprise_and_admin, name
):
    _enterprise, admin = enterprise_and_admin
    client.force_login(admin)
    assert client.get(reverse(name, args=[proof.pk])).status_code == 200
    row = AuditLog.objects.get(action="credential.downloaded")
    assert row.actor == admin and row.details["number"] == proof.number


@pytest.mark.parametrize("name", DOWNLOADS)
def test_operators_download_and_it_is_audited(operator_client, proof, name):
    assert operator_client.get(reverse(name, args=[proof.pk])).status_code == 200
    assert AuditLog.objects.filter(action="credential.downloaded").count() == 1


@pytest.mark.parametrize("name", DOWNLOADS)
def test_nobody_else_may_download(client, proof, name):
    url = reverse(name, args=[proof.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    _other_enterprise, other_admin = enterprise_with_admin()
    colleague = UserFactory()
    MembershipFactory(enterprise=proof.enterprise, user=colleague)  # same enterprise
    for user in (UserFactory(), other_admin, colleague):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    assert not AuditLog.objects.filter(action="credential.downloaded").exists()


@pytest.mark.parametrize("name", DOWNLOADS)
def test_the_certification_body_hook_decides_for_reviewers(client, proof, name):
    reviewer = UserFactory()

    def reviews_for(user, enterprise_id):
        return user.pk == reviewer.pk and enterprise_id == proof.enterprise_id

    hooks.body_access_register(reviews_for)
    try:
        client.force_login(reviewer)
        assert client.get(reverse(name, args=[proof.pk])).status_code == 200
        client.force_login(UserFactory())
        assert client.get(reverse(name, args=[proof.pk])).status_code == 404
    finally:
        hooks.body_access_unregister(reviews_for)


def test_an_unknown_id_is_not_found(client, passed_member):
    client.force_login(passed_member)
    assert client.get(reverse("credentials:download_png", args=[999999])).status_code == 404


def test_png_download_renders_once_when_no_worker_did(client, proof, passed_member):
    assert not proof.is_rendered
    client.force_login(passed_member)
    response = client.get(reverse("credentials:download_png", args=[proof.pk]))
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    proof.refresh_from_db()
    assert proof.is_rendered


# --- 证书查验 --------------------------------------------------------------------------


def test_verification_by_number_shows_genuine_and_masks(client, proof):
    response = client.get(reverse("credentials:verify"), {"number": proof.number.lower()})
    page = response.content.decode()
    assert response.status_code == 200
    assert GENUINE in page and "张**" in page and "张三丰" not in page
    assert "知识产权管理人员课程" in page and "校验通过" in page
    assert "110105" not in page and "002X" not in page  # no ID number, even masked
    assert reverse("credentials:jwks") in page


def test_verification_by_qr_address(client, proof):
    response = client.get(reverse("credentials:verify_number", args=[proof.number]))
    assert response.status_code == 200 and GENUINE in response.content.decode()


@pytest.mark.parametrize(
    "number", ["CNIPA-2026E9999999", "CNIPA-2026E00000011", "<script>", "CNIPA-2026X0000001"]
)
def test_unknown_or_tampered_numbers_are_not_found(client, proof, number):
    response = client.get(reverse("credentials:verify"), {"number": number})
    assert response.status_code == 404
    page = response.content.decode()
    assert "未查到该编号的学习证明或证书" in page and GENUINE not in page


def test_a_revoked_proof_shows_reason_and_date(client, proof, operator):
    services.credential_revoke(credential=proof, reason="学习记录不实", by=operator)
    page = client.get(reverse("credentials:verify_number", args=[proof.number])).content.decode()
    assert "该证书已撤销" in page and "学习记录不实" in page and GENUINE not in page


def test_an_altered_row_fails_the_signature_check_on_the_page(client, proof):
    Credential.objects.filter(pk=proof.pk).update(snapshot={**proof.snapshot, "name": "李四"})
    page = client.get(reverse("credentials:verify_number", args=[proof.number])).content.decode()
    assert "签名校验未通过" in page and GENUINE not in page


def test_verification_is_rate_limited_per_address(client, proof, settings):
    settings.CREDENTIAL_VERIFY_RATE = "3/h"
    url = reverse("credentials:verify")
    for index in range(3):
        assert client.get(url, {"number": f"CNIPA-2026E000000{index + 2}"}).status_code == 404
    response = client.get(url, {"number": proof.number})
    assert response.status_code == 429
    assert "查验过于频繁" in response.content.decode()
    # Another address still may.
    other = client.get(url, {"number": proof.number}, REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200


def test_verification_refuses_when_the_counter_is_down(client, proof, ratelimit_cache_down):
    response = client.get(reverse("credentials:verify"), {"number": proof.number})
    assert response.status_code == 429
    assert "服务暂时不可用" in response.content.decode()


def test_the_form_alone_counts_nothing(client, settings):
    settings.CREDENTIAL_VERIFY_RATE = "1/h"
    for _ in range(3):
        assert client.get(reverse("credentials:verify")).status_code == 200


def test_jwks_is_public_and_names_the_signing_key(client, proof):
    data = client.get(reverse("credentials:jwks")).json()
    assert data["keys"][0]["kid"] == proof.key_id
    assert data["keys"][0]["kty"] == "OKP" and data["keys"][0]["crv"] == "Ed25519"
    assert "d" not in data["keys"][0]


def test_home_page_and_footer_link_to_verification(client):
    page = client.get(reverse("content:home")).content.decode()
    assert page.count(f'href="{reverse("credentials:verify")}"') >= 2
