"""The body console: home counts, the list, 通过/拒绝 with htmx, proofs, 导出."""

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ipms.core.models import AuditLog
from ipms.enterprises.tests.factories import EnterpriseFactory
from ipms.reviews.exports import HEADERS
from ipms.reviews.models import CONSOLE_COUNT_ORDER, Application, ReviewJob
from ipms.reviews.models import ApplicationStatus as S

from .factories import ApplicationFactory, give_proof

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def console(client, reviewer):
    client.force_login(reviewer.user)
    return client


def test_login_lands_a_reviewer_in_the_console(client, reviewer):
    reviewer.user.set_password("Passw0rd!x")
    reviewer.user.save()
    response = client.post(
        reverse("accounts:login"), {"username": reviewer.user.phone, "password": "Passw0rd!x"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:console_home")


def test_login_still_lands_others_on_the_home_page(client, admin):
    admin.set_password("Passw0rd!x")
    admin.save()
    response = client.post(
        reverse("accounts:login"), {"username": admin.phone, "password": "Passw0rd!x"}
    )
    assert response["Location"] == reverse("content:home")


def test_home_counts_each_state_with_a_link(
    console, reviewer, other_body, django_assert_num_queries
):
    for index, state in enumerate(CONSOLE_COUNT_ORDER):
        for _ in range(index + 1):
            ApplicationFactory(body=reviewer.body, status=state, enterprise=EnterpriseFactory())
    ApplicationFactory(body=other_body, status=S.APPROVED, enterprise=EnterpriseFactory())
    # session, user, reviewer and the counts
    with django_assert_num_queries(4):
        response = console.get(reverse("reviews:console_home"))
    page = response.content.decode()
    labels = ["无效", "待审核", "已拒绝", "已通过", "待预审", "预审拒绝", "预审通过"]
    for index, (label, state) in enumerate(zip(labels, CONSOLE_COUNT_ORDER, strict=True)):
        assert f'{label}：<span class="count">[{index + 1}]</span>' in page
        assert f'?status={state}"' in page
    assert "认证审核" in page and "学习证明查询" in page


def test_the_list_filters_searches_and_pages_in_constant_queries(
    console, reviewer, django_assert_num_queries
):
    for n in range(45):
        ApplicationFactory(
            body=reviewer.body,
            status=S.REVIEW_PENDING if n % 3 else S.APPROVED,
            enterprise=EnterpriseFactory(name=f"苏州{'甲' if n % 2 else '乙'}科技有限公司{n}"),
            certificate_number=f"CN{n:04d}",
        )
    url = reverse("reviews:console_list")
    # session, user, reviewer, count, page
    with django_assert_num_queries(5):
        response = console.get(url, {"status": S.REVIEW_PENDING, "page": 2})
    page = response.content.decode()
    assert "第2页/共2页，共30条" in page
    assert page.count('data-status="review_pending"') == 10
    assert ">21<" in page
    with django_assert_num_queries(5):
        response = console.get(url, {"status": S.REVIEW_PENDING, "q": "甲"})
    page = response.content.decode()
    rows = Application.objects.filter(
        body=reviewer.body, status=S.REVIEW_PENDING, enterprise__name__contains="甲"
    ).count()
    assert f"共{rows}条" in page
    assert "乙科技" not in page
    for header in ("序号", "企业名称", "企业贯标证书编码", "提交时间", "状态", "操作"):
        assert f">{header}</th>" in page


def test_approve_with_htmx_updates_the_row_in_place(console, reviewer):
    application = ApplicationFactory(body=reviewer.body)
    url = reverse("reviews:console_decide", args=[application.pk, "approve"])
    confirm = console.get(url + "?i=3", **HTMX)
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert text.startswith(f'<tr id="application-{application.pk}"')
    assert "确定通过" in text
    response = console.post(url, {"seen": S.PRE_REVIEW_PENDING, "i": "3"}, **HTMX)
    row = response.content.decode()
    assert row.startswith(f'<tr id="application-{application.pk}"')
    assert "预审通过" in row and ">3<" in row
    application.refresh_from_db()
    assert application.status == S.PRE_REVIEW_PASSED


def test_reject_asks_for_the_reason_in_place(console, reviewer):
    application = ApplicationFactory(body=reviewer.body, status=S.REVIEW_PENDING)
    url = reverse("reviews:console_decide", args=[application.pk, "reject"])
    response = console.post(url, {"seen": S.REVIEW_PENDING, "reason": " "}, **HTMX)
    assert "请填写原因。" in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.REVIEW_PENDING
    response = console.post(url, {"seen": S.REVIEW_PENDING, "reason": "编号不符"}, **HTMX)
    assert "已拒绝" in response.content.decode()
    application.refresh_from_db()
    assert (application.status, application.reason) == (S.REJECTED, "编号不符")


def test_a_decision_on_a_row_that_moved_is_told(console, reviewer):
    application = ApplicationFactory(body=reviewer.body, status=S.REVIEW_PENDING)
    url = reverse("reviews:console_decide", args=[application.pk, "approve"])
    console.post(url, {"seen": S.REVIEW_PENDING}, **HTMX)
    response = console.post(
        reverse("reviews:console_decide", args=[application.pk, "reject"]),
        {"seen": S.REVIEW_PENDING, "reason": "迟到的拒绝"},
        **HTMX,
    )
    assert "该记录已被他人处理，请刷新后重试。" in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.APPROVED


def test_without_htmx_the_decision_redirects_to_the_list(console, reviewer):
    application = ApplicationFactory(body=reviewer.body)
    url = reverse("reviews:console_decide", args=[application.pk, "approve"])
    assert "确定通过" in console.get(url).content.decode()
    response = console.post(url, {"seen": S.PRE_REVIEW_PENDING})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.PRE_REVIEW_PASSED


def job_file(console, run_tasks, url, data=None) -> bytes:
    """Press the button (the job runs inline, as in the embedded mode), follow to the job
    page, and download the finished file."""
    response = run_tasks(console.post, url, data or {})
    assert response.status_code == 302
    page = console.get(response["Location"]).content.decode()
    assert "已完成" in page
    job = ReviewJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    download = console.get(reverse("reviews:console_job_download", args=[job.pk]))
    assert download.status_code == 200
    return b"".join(download.streaming_content)


def test_proofs_of_the_applicant_and_the_zip(console, reviewer, enterprise, run_tasks):
    application = ApplicationFactory(body=reviewer.body, enterprise=enterprise)
    first = give_proof(enterprise, name="张三")
    second = give_proof(enterprise, name="李四")
    page = console.get(reverse("reviews:console_proofs", args=[application.pk])).content.decode()
    for header in (
        "姓名",
        "职位",
        "累计学习天数",
        "累计学习时长",
        "学分",
        "考试得分",
        "查看学习证明",
    ):
        assert f">{header}</th>" in page
    assert first.number in page and second.number in page and "张三" in page
    assert reverse("reviews:console_proofs_zip", args=[application.pk]) in page
    content = job_file(
        console, run_tasks, reverse("reviews:console_proofs_zip", args=[application.pk])
    )
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = sorted(archive.namelist())
    assert names == sorted([f"{first.number}-张三.png", f"{second.number}-李四.png"])
    assert archive.read(names[0]).startswith(b"\x89PNG")
    audit = AuditLog.objects.get(action="review.proofs_downloaded")
    assert audit.details["proofs"] == 2 and audit.enterprise_id == enterprise.pk


def test_proof_search_by_number_or_name_only_among_applicants(console, reviewer, enterprise):
    ApplicationFactory(body=reviewer.body, enterprise=enterprise, status=S.WITHDRAWN)
    mine = give_proof(enterprise, name="王小明")
    stranger = EnterpriseFactory()
    theirs = give_proof(stranger, name="王小明")
    url = reverse("reviews:console_proof_search")
    by_name = console.get(url, {"q": "小明"}).content.decode()
    assert mine.number in by_name and theirs.number not in by_name
    by_number = console.get(url, {"q": mine.number.lower()}).content.decode()
    assert mine.number in by_number
    refused = console.get(url, {"q": theirs.number}).content.decode()
    assert "未找到符合条件的学习证明。" in refused
    assert f"/credentials/{theirs.pk}/png/" not in refused


def test_export_writes_the_filtered_list_safely(console, reviewer, enterprise, run_tasks):
    ApplicationFactory(
        body=reviewer.body,
        enterprise=EnterpriseFactory(name='=HYPERLINK("x")公司'),
        status=S.REVIEW_PENDING,
        certificate_number="+CN0001",
    )
    ApplicationFactory(body=reviewer.body, status=S.APPROVED, enterprise=EnterpriseFactory())
    content = job_file(
        console, run_tasks, reverse("reviews:console_export"), {"status": S.REVIEW_PENDING}
    )
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADERS
    assert len(rows) == 2
    assert rows[1][0] == '\'=HYPERLINK("x")公司' and rows[1][1] == "'+CN0001"
    assert rows[1][2] == "待审核" and rows[1][3] == reviewer.body.name
    audit = AuditLog.objects.get(action="review.exported")
    assert audit.details["rows"] == 1 and audit.role == "reviewer"
