# ruff: noqa: F811 - the fixtures imported from test_report are used by name
"""学习管理 导出Excel as a background job (issue 10 point 5): starting it, the progress page,
the private download, who may see it, double clicks, re-runs, failures, and expiry."""

from __future__ import annotations

import datetime
import io
import re
import time
import tracemalloc
from unittest import mock
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ipms.accounts.tests.factories import UserFactory
from ipms.core.excel import XLSX_MIME
from ipms.core.files import expired_files_purge, private_storage
from ipms.core.models import AuditLog
from ipms.enterprises.tests.factories import MembershipFactory, enterprise_with_admin
from ipms.learning import exports, stats
from ipms.learning.models import ReportExport
from ipms.learning.tests.factories import record_learning
from ipms.learning.tests.test_report import (  # noqa: F401 - fixtures
    DAY1,
    _bulk_enterprise_members,
    admin_client,
    admin_user,
    course,
    enterprise,
    first_course,
    member,
)

pytestmark = pytest.mark.django_db

EXPORT = "/courses/report/export/"


def status_url(export) -> str:
    return f"/courses/report/exports/{export.pk}/"


def download_url(export) -> str:
    return f"/courses/report/exports/{export.pk}/download/"


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run what the request queued after commit (the eager task), as the embedded mode does."""

    def run(callable_, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return callable_(*args, **kwargs)

    return run


def export_now(client, run_tasks, data) -> ReportExport:
    response = run_tasks(client.post, EXPORT, data)
    assert response.status_code == 302, response.content[:300]
    export = ReportExport.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert response["Location"] == status_url(export)
    return export


def read_rows(client, export) -> list[tuple]:
    response = client.get(download_url(export))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True)["学习管理"]
    return list(sheet.iter_rows(values_only=True))


def test_url_names():
    assert reverse("learning:enterprise_report_export") == EXPORT
    assert reverse("learning:enterprise_report_export_status", kwargs={"pk": 7}) == (
        "/courses/report/exports/7/"
    )
    assert reverse("learning:enterprise_report_export_download", kwargs={"pk": 7}) == (
        "/courses/report/exports/7/download/"
    )


# --- who may start, see and download ----------------------------------------------------


def test_visitors_are_sent_to_login(client, course):
    response = client.post(EXPORT, {"course": course.pk})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not ReportExport.objects.exists()


def test_learners_cannot_start_an_export(client, member, course):
    client.force_login(member)
    response = client.post(EXPORT, {"course": course.pk})
    assert response.status_code == 403
    assert "只有企业管理员可以访问此页面。" in response.content.decode()
    assert not ReportExport.objects.exists()


def test_starting_an_export_needs_a_post(admin_client, course):
    assert admin_client.get(EXPORT, {"course": course.pk}).status_code == 405
    assert not ReportExport.objects.exists()


def test_a_learner_cannot_see_or_download_an_export(
    client, admin_client, run_tasks, member, course
):
    export = export_now(admin_client, run_tasks, {"course": course.pk})
    client.force_login(member)
    for url in (status_url(export), download_url(export)):
        response = client.get(url)
        assert response.status_code == 403, url


def test_a_visitor_cannot_see_or_download_an_export(client, admin_client, run_tasks, course):
    export = export_now(admin_client, run_tasks, {"course": course.pk})
    client.logout()
    for url in (status_url(export), download_url(export)):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login"))


def test_another_enterprises_admin_gets_404(client, admin_client, run_tasks, course):
    export = export_now(admin_client, run_tasks, {"course": course.pk})
    _other, other_admin = enterprise_with_admin(name="另一家科技有限公司")
    client.force_login(other_admin)
    for url in (status_url(export), download_url(export)):
        assert client.get(url).status_code == 404, url


def test_the_file_has_no_public_address(admin_client, run_tasks, course):
    export = export_now(admin_client, run_tasks, {"course": course.pk})
    assert export.file.storage is not None
    with pytest.raises(ValueError, match="Private files"):
        export.file.url  # noqa: B018 - the property raises


# --- the flow ------------------------------------------------------------------------------


def test_the_export_holds_every_matching_row(
    admin_client, run_tasks, enterprise, admin_user, member, course
):
    for n in range(25):
        MembershipFactory(enterprise=enterprise, user=UserFactory(name=f"学员{n:02d}"))
    for number in (1, 2):
        record_learning(member, course.lessons.get(number=number), day=DAY1)
    record_learning(admin_user, course.lessons.get(number=1), seconds=40, day=DAY1)

    export = export_now(admin_client, run_tasks, {"course": course.pk})

    export.refresh_from_db()
    assert (export.status, export.total_rows, export.done_rows) == ("done", 27, 27)
    page = admin_client.get(status_url(export)).content.decode()
    assert "已完成：共 27 位学员。" in page
    assert f'href="{download_url(export)}"' in page
    assert "hx-get" not in page  # nothing left to poll
    assert "文件保留 24 小时，过期后请重新导出。" in page

    response = admin_client.get(download_url(export))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_MIME
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    today = timezone.localdate().isoformat()
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("filename*=utf-8''")[1]) == (
        f"学习管理-知识产权管理人员课程-{today}.xlsx"
    )
    content = b"".join(response.streaming_content)
    rows = list(
        load_workbook(io.BytesIO(content), read_only=True)["学习管理"].iter_rows(values_only=True)
    )
    assert rows[0] == exports.HEADERS
    assert len(rows) == 1 + 27  # all members, not one page
    assert rows[1] == ("18600002641", "王明远（管理员）", 1, "40秒", "0/15", "—", 0, "否", "否")
    assert rows[2] == ("13600002925", "张总监", 1, "20分钟", "2/15", "—", 4, "否", "否")


def test_the_export_reads_the_page_order_without_a_case(
    admin_client, run_tasks, enterprise, admin_user, member, course
):
    """The admin's row first (read apart), then the learners in the order they were added
    — the index order of 学习管理 (``membership_list``), not a CASE no index serves."""
    for n in range(5):
        MembershipFactory(enterprise=enterprise, user=UserFactory(name=f"学员{n:02d}"))
    # The admin's row made the newest: an order by created_at alone would put it last.
    enterprise.memberships.filter(user=admin_user).update(created_at=timezone.now())
    with CaptureQueriesContext(connection) as captured:
        export = export_now(admin_client, run_tasks, {"course": course.pk})
    sql = " ".join(q["sql"] for q in captured.captured_queries if "membership" in q["sql"])
    assert "CASE" not in sql.upper()
    names = [row[1] for row in read_rows(admin_client, export)[1:]]
    learners = (
        enterprise.memberships.filter(status="verified", role="learner")
        .order_by("created_at", "id")
        .values_list("user__name", flat=True)
    )
    assert names == ["王明远（管理员）", *learners]
    html = admin_client.get("/courses/report/", {"course": course.pk}).content.decode()
    shown = [name for name in names if name.split("（")[0] in html]
    assert shown == names  # the page (20 rows) shows these 7 too
    assert html.index("王明远") < html.index(learners[0]) < html.index(learners[6 - 1])


def test_the_export_applies_the_search(admin_client, run_tasks, enterprise, member, course):
    MembershipFactory(enterprise=enterprise, user=UserFactory(name="李研发"))
    export = export_now(admin_client, run_tasks, {"course": course.pk, "q": "张总监"})
    assert export.search == "张总监"
    assert [row[1] for row in read_rows(admin_client, export)[1:]] == ["张总监"]
    page = admin_client.get(status_url(export)).content.decode()
    assert "搜索“张总监”" in page


def test_an_unknown_course_exports_the_first(admin_client, run_tasks, course, first_course):
    export = export_now(admin_client, run_tasks, {"course": "abc"})
    assert export.course == first_course


def test_no_course_yet(admin_client):
    assert admin_client.post(EXPORT).status_code == 404


@pytest.mark.parametrize(
    "name", ['=HYPERLINK（"http://x.example","点我"）', "+1+2", "-2+3", "@SUM(A1)", "\t=1"]
)
def test_export_cells_never_start_a_formula(admin_client, run_tasks, enterprise, course, name):
    MembershipFactory(enterprise=enterprise, user=UserFactory(name="某人"), name=name)
    export = export_now(admin_client, run_tasks, {"course": course.pk})
    content = b"".join(admin_client.get(download_url(export)).streaming_content)
    sheet = load_workbook(io.BytesIO(content))["学习管理"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    names = [sheet.cell(row=r, column=2).value for r in range(2, sheet.max_row + 1)]
    assert "'" + name in names
    for cell in cells:
        if isinstance(cell.value, str):
            assert not cell.value.startswith(("=", "+", "-", "@", "\t")), cell.value


def test_digits_stay_text(admin_client, run_tasks, enterprise, course):
    MembershipFactory(enterprise=enterprise, user=UserFactory(name="某人"), name="007")
    export = export_now(admin_client, run_tasks, {"course": course.pk})
    names = [row[1] for row in read_rows(admin_client, export)[1:]]
    assert "007" in names
    assert all(isinstance(row[0], str) for row in read_rows(admin_client, export)[1:])


def test_export_columns_have_widths_and_a_frozen_header(admin_client, run_tasks, course):
    export = export_now(admin_client, run_tasks, {"course": course.pk})
    content = b"".join(admin_client.get(download_url(export)).streaming_content)
    sheet = load_workbook(io.BytesIO(content))["学习管理"]
    assert sheet.freeze_panes == "A2"
    # The writer stores Excel's width (characters plus padding) as the column's width.
    assert round(sheet.column_dimensions["A"].width) == 16
    assert round(sheet.column_dimensions["D"].width) == 17
    assert sheet["A1"].font.bold


def test_the_export_is_audited_with_its_row_count(
    admin_client, run_tasks, enterprise, admin_user, course
):
    for n in range(3):
        MembershipFactory(enterprise=enterprise, user=UserFactory(name=f"学员{n:02d}"))
    export_now(admin_client, run_tasks, {"course": course.pk, "q": "学员"})
    (row,) = AuditLog.objects.filter(action="export.learning_report")
    assert (row.actor, row.role, row.enterprise_id) == (
        admin_user,
        "enterprise_admin",
        enterprise.pk,
    )
    assert (row.object_type, row.object_id) == ("learning.reportexport", str(row.object_id))
    assert row.details["course"] == course.title
    assert row.details["rows"] == 3
    assert row.details["search"] is True
    assert row.details["to"] == "done"
    assert not AuditLog.objects.filter(action="export.learning_report", enterprise_id=None)


# --- progress, double clicks, re-runs, failures --------------------------------------------


def test_progress_is_polled_until_done(admin_client, run_tasks, enterprise, course):
    # Without running the queued task: the export waits, its page polls.
    response = admin_client.post(EXPORT, {"course": course.pk})
    export = ReportExport.objects.get()
    assert export.status == "queued"
    page = admin_client.get(response["Location"]).content.decode()
    assert "排队中：正在准备，完成后可在此页下载。" in page
    assert f'hx-get="{status_url(export)}" hx-trigger="every 1s"' in page
    ReportExport.objects.filter(pk=export.pk).update(status="running", total_rows=200, done_rows=50)
    partial = admin_client.get(status_url(export), headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert "<html" not in html  # the partial alone
    assert "生成中：已生成 50/200 行" in html
    assert 'max="100" value="25"' in html
    assert admin_client.get(download_url(export)).status_code == 404  # not ready yet


def test_a_double_click_starts_one_export(admin_client, run_tasks, course):
    first = admin_client.post(EXPORT, {"course": course.pk})
    second = admin_client.post(EXPORT, {"course": course.pk})
    assert first["Location"] == second["Location"]
    assert ReportExport.objects.count() == 1
    # Pressed again just after it finished: the same file, still one export.
    export = ReportExport.objects.get()
    exports.report_export_run(export.pk)
    third = admin_client.post(EXPORT, {"course": course.pk})
    assert third["Location"] == first["Location"]
    assert ReportExport.objects.count() == 1
    # Another search is another report.
    admin_client.post(EXPORT, {"course": course.pk, "q": "张"})
    assert ReportExport.objects.count() == 2


def test_only_one_active_export_per_report_in_the_database(enterprise, admin_user, course):
    ReportExport.objects.create(enterprise=enterprise, course=course, requested_by=admin_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportExport.objects.create(enterprise=enterprise, course=course, requested_by=admin_user)


def test_a_finished_export_is_not_made_again(admin_client, run_tasks, course):
    export = export_now(admin_client, run_tasks, {"course": course.pk})
    export.refresh_from_db()
    name = export.file.name
    assert exports.report_export_run(export.pk) == "done"
    export.refresh_from_db()
    assert export.file.name == name
    assert AuditLog.objects.filter(action="export.learning_report").count() == 1


def test_a_run_lost_midway_is_made_again_and_its_old_file_removed(
    admin_client, run_tasks, django_capture_on_commit_callbacks, course
):
    export = export_now(admin_client, run_tasks, {"course": course.pk})
    export.refresh_from_db()
    old = export.file.name
    # As if the worker died after saving the file, before the row said 已完成.
    ReportExport.objects.filter(pk=export.pk).update(status="running", finished_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert exports.report_export_run(export.pk) == "done"
    export.refresh_from_db()
    assert export.status == "done" and export.file.name != old
    assert not private_storage().exists(old)
    assert private_storage().exists(export.file.name)


def test_a_missing_export_is_gone(db):
    assert exports.report_export_run(987654) == "gone"


def test_a_failure_is_shown_and_a_new_export_may_start(admin_client, run_tasks, course):
    with mock.patch.object(exports, "report_write", side_effect=OSError("disk full")):
        export = export_now(admin_client, run_tasks, {"course": course.pk})
    export.refresh_from_db()
    assert export.status == "failed" and not export.file
    page = admin_client.get(status_url(export)).content.decode()
    assert "导出失败，请返回学习管理重新导出。" in page
    assert admin_client.get(download_url(export)).status_code == 404
    again = export_now(admin_client, run_tasks, {"course": course.pk})
    assert again.pk != export.pk


def test_the_report_page_posts_the_export(admin_client, course):
    html = admin_client.get("/courses/report/", {"course": course.pk, "q": "学员"}).content.decode()
    form = re.search(
        r'<form method="post" action="/courses/report/export/" id="report-export"'
        r"[^>]*>(.*?)</form>",
        html,
        re.S,
    )
    assert form is not None
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert 'form="report-export"' in html and ">导出Excel</button>" in html


# --- size ------------------------------------------------------------------------------------


def test_an_export_of_5000_members(admin_client, run_tasks, enterprise, course, capsys):
    count = 5000
    _bulk_enterprise_members(enterprise, course, count)
    reset_queries()  # the log keeps 9,000 entries; the bulk inserts above fill it

    admin_client.post(EXPORT, {"course": course.pk})  # queued, its task not yet run
    export = ReportExport.objects.get()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        assert exports.report_export_run(export.pk) == "done"
    elapsed = time.perf_counter() - started
    queries = len(captured)  # now: later requests clear the connection's query log
    # The queries do not grow with the rows: a fixed number plus, per chunk, the figure
    # queries of stats.figures_for_users and the progress update.
    with CaptureQueriesContext(connection) as figures:
        stats.figures_for_users(basis=stats.course_basis(course), user_ids=[1, 2])
    per_chunk = len(figures) - 1 + 1  # without course_basis's one query, with the update
    chunks = -(-(count + 1) // exports.CHUNK)
    # (+26: the fixed part includes the admin's row, read apart from the learners' stream)
    assert per_chunk * chunks < queries < per_chunk * chunks + 26, queries

    # Once more under tracemalloc (which slows Python down) for the peak memory.
    ReportExport.objects.all().delete()
    tracemalloc.start()
    export_now(admin_client, run_tasks, {"course": course.pk})
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    rows = read_rows(admin_client, ReportExport.objects.get())
    assert len(rows) == 1 + count + 1  # header, members, the admin
    finished = [row for row in rows[1:] if row[4] == "15/15"]
    assert len(finished) == count // 16
    assert all(row[6] == 30 and row[3] == "2小时30分钟" and row[2] == 5 for row in finished)
    with capsys.disabled():
        print(
            f"\n[export] {count + 1} rows on {connection.vendor}: {elapsed:.2f} s, "
            f"peak Python memory {peak / 1024 / 1024:.1f} MB, {queries} queries "
            f"(export {export.pk})"
        )


# --- expiry ---------------------------------------------------------------------------------


def _aged(export, hours: float) -> None:
    ReportExport.objects.filter(pk=export.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=hours)
    )


def test_expired_exports_and_their_files_are_removed(
    settings, admin_client, run_tasks, course, capsys
):
    settings.REPORT_EXPORT_RETENTION_HOURS = 24
    old = export_now(admin_client, run_tasks, {"course": course.pk})
    fresh = export_now(admin_client, run_tasks, {"course": course.pk, "q": "张"})
    old.refresh_from_db()
    fresh.refresh_from_db()
    _aged(old, 25)
    _aged(fresh, 23)
    assert private_storage().exists(old.file.name)

    assert expired_files_purge()["learning.ReportExport"] == 1

    assert not ReportExport.objects.filter(pk=old.pk).exists()
    assert not private_storage().exists(old.file.name)
    assert ReportExport.objects.filter(pk=fresh.pk).exists()
    assert private_storage().exists(fresh.file.name)
    assert admin_client.get(download_url(old)).status_code == 404
    # The management command (the embedded mode's way) does the same work.
    _aged(fresh, 30)
    call_command("purge_expired_files")
    assert "已删除 1 个过期文件。" in capsys.readouterr().out
    assert not ReportExport.objects.exists()
    assert not private_storage().exists(fresh.file.name)


def test_a_failed_export_without_a_file_expires_too(enterprise, admin_user, course):
    export = ReportExport.objects.create(
        enterprise=enterprise, course=course, requested_by=admin_user, status="failed"
    )
    _aged(export, 48)
    assert expired_files_purge()["learning.ReportExport"] == 1
    assert not ReportExport.objects.exists()


def test_the_purge_is_scheduled(settings):
    from config.celery import app

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["purge-expired-files"]["task"] == "ipms.core.tasks.purge_expired_files_task"
    app.loader.import_default_modules()
    assert "ipms.core.tasks.purge_expired_files_task" in app.tasks
