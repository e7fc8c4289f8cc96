"""学习管理's 获得学习证明 / 获得证书 links and 在学课程's 证明下载 / 证书下载, one query each
whatever the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipms.accounts.tests.factories import UserFactory
from ipms.credentials import services
from ipms.credentials.tests.conftest import complete_course
from ipms.enterprises.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

REPORT = reverse("learning:enterprise_report")


def _queries(client, url, params=None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured), response.content.decode()


def _passing_member(enterprise, course, exam_scores):
    user = UserFactory()
    MembershipFactory(enterprise=enterprise, user=user)
    complete_course(user, course)
    exam_scores[(user.pk, course.pk)] = 88
    return user


def test_report_links_each_members_proof_and_certificate(
    client, enterprise_and_admin, passed_member, course, review_passed
):
    enterprise, admin = enterprise_and_admin
    proof = services.proof_generate(user=passed_member, course=course)
    review_passed.add(enterprise.pk)
    certificate = services.certificate_generate(user=passed_member, course=course)
    client.force_login(admin)
    _count, page = _queries(client, REPORT, {"course": course.pk})
    assert f'href="{reverse("credentials:download_png", args=[proof.pk])}"' in page
    assert ">下载学习证明</a>" in page and ">下载证书</a>" in page
    assert f'href="{reverse("credentials:download_png", args=[certificate.pk])}"' in page
    # The admin's own row: 否 in both columns.
    assert page.count('<span class="credential-missing">否</span>') == 2
    # The link works for the admin.
    assert client.get(reverse("credentials:download_png", args=[proof.pk])).status_code == 200


def test_report_costs_the_same_queries_with_more_proofs(
    client, enterprise_and_admin, course, exam_scores
):
    enterprise, admin = enterprise_and_admin
    client.force_login(admin)
    first = _passing_member(enterprise, course, exam_scores)
    services.proof_generate(user=first, course=course)
    client.get(REPORT, {"course": course.pk})
    few, _page = _queries(client, REPORT, {"course": course.pk})
    for _ in range(4):
        services.proof_generate(
            user=_passing_member(enterprise, course, exam_scores), course=course
        )
    many, page = _queries(client, REPORT, {"course": course.pk})
    assert page.count(">下载学习证明</a>") == 5
    assert many == few


def test_my_courses_links_the_learners_own_documents(client, passed_member, course):
    proof = services.proof_generate(user=passed_member, course=course)
    client.force_login(passed_member)
    _count, page = _queries(client, reverse("learning:my_courses"))
    assert f'href="{reverse("credentials:download_png", args=[proof.pk])}"' in page
    assert ">证明下载</a>" in page and "证书下载（未获得）" in page


def test_the_excel_export_says_who_holds_what(
    enterprise_and_admin, passed_member, course, review_passed
):
    from ipms.learning import exports, stats

    enterprise, _admin = enterprise_and_admin
    services.proof_generate(user=passed_member, course=course)
    review_passed.add(enterprise.pk)
    services.certificate_generate(user=passed_member, course=course)
    basis = stats.course_basis(course)
    (rows,) = list(exports.report_chunks(enterprise=enterprise, basis=basis))
    by_phone = {row[0]: row for row in rows}
    assert by_phone[passed_member.phone][-2:] == ("是", "是")
    others = [row for phone, row in by_phone.items() if phone != passed_member.phone]
    assert others and all(row[-2:] == ("否", "否") for row in others)
