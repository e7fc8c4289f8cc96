"""Every console and wizard URL refuses the wrong role and the wrong body or enterprise."""

import pytest
from django.urls import reverse

from ipms.accounts.tests.factories import UserFactory
from ipms.enterprises.tests.factories import enterprise_with_admin
from ipms.reviews.models import ApplicationStatus as S

from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(enterprise, body, proof):
    return ApplicationFactory(enterprise=enterprise, body=body, status=S.PRE_REVIEW_PENDING)


def console_urls(application):
    pk = application.pk
    return [
        ("get", reverse("reviews:console_home")),
        ("get", reverse("reviews:console_list")),
        ("post", reverse("reviews:console_export")),
        ("get", reverse("reviews:console_proof_search") + "?q=张三"),
        ("get", reverse("reviews:console_decide", args=[pk, "approve"])),
        ("post", reverse("reviews:console_decide", args=[pk, "reject"])),
        ("get", reverse("reviews:console_proofs", args=[pk])),
        ("post", reverse("reviews:console_proofs_zip", args=[pk])),
    ]


def wizard_urls(application):
    pk = application.pk
    return [
        ("get", reverse("reviews:enterprise_review")),
        ("post", reverse("reviews:enterprise_review")),
        ("post", reverse("reviews:enterprise_withdraw", args=[pk])),
        ("post", reverse("reviews:enterprise_certificate", args=[pk])),
    ]


def call(client, method, url):
    return getattr(client, method)(url)


def test_anonymous_visitors_are_sent_to_login(client, application):
    for method, url in console_urls(application) + wizard_urls(application):
        response = call(client, method, url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


@pytest.mark.parametrize("who", ["learner", "enterprise_admin", "operator"])
def test_the_console_refuses_non_reviewers(who, client, application, admin):
    user = {"learner": UserFactory(), "enterprise_admin": admin}.get(who) or UserFactory(
        is_staff=True
    )
    client.force_login(user)
    for method, url in console_urls(application):
        response = call(client, method, url)
        assert response.status_code == 403, url
        assert "只有认证机构审核员可以访问此页面。" in response.content.decode()


def test_another_body_sees_nothing_of_this_application(client, application, other_reviewer, proof):
    client.force_login(other_reviewer.user)
    for method, url in console_urls(application)[4:]:
        assert call(client, method, url).status_code == 404, url
    listing = client.get(reverse("reviews:console_list")).content.decode()
    assert application.enterprise.name not in listing
    found = client.get(reverse("reviews:console_proof_search") + "?q=张三").content.decode()
    assert proof.number not in found and "未找到符合条件的学习证明。" in found
    application.refresh_from_db()
    assert application.status == S.PRE_REVIEW_PENDING


def test_the_body_reaches_every_console_page(client, application, reviewer):
    client.force_login(reviewer.user)
    for method, url in console_urls(application):
        if method == "get":
            assert call(client, method, url).status_code == 200, url


def test_the_wizard_refuses_reviewers_and_learners(client, application, reviewer):
    for user in (reviewer.user, UserFactory()):
        client.force_login(user)
        for method, url in wizard_urls(application):
            assert call(client, method, url).status_code == 403, url
    application.refresh_from_db()
    assert application.status == S.PRE_REVIEW_PENDING


def test_another_enterprise_cannot_touch_this_application(client, application):
    _other, other_admin = enterprise_with_admin()
    client.force_login(other_admin)
    for method, url in wizard_urls(application)[2:]:
        assert call(client, method, url).status_code == 404, url
    page = client.get(reverse("reviews:enterprise_review")).content.decode()
    assert application.body.name not in page or "请选择认证机构" in page
    application.refresh_from_db()
    assert application.status == S.PRE_REVIEW_PENDING
