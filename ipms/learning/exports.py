"""学习管理 导出Excel: a background job that writes every matching learner to one .xlsx.

The flow (docs/learning.md, docs/performance.md):

1. The admin presses 导出Excel: :func:`report_export_request` records a
   :class:`~ipms.learning.models.ReportExport` (queued) and queues
   ``tasks.report_export_task`` after commit. A second press while one export of the
   same report is queued or running — or within ``REUSE_SECONDS`` of one finishing —
   gets that export back instead of starting another (a partial unique index backs this
   up under concurrency). In the embedded mode (``CELERY_TASK_ALWAYS_EAGER``) the task
   runs inline, inside the same request.
2. The task (:func:`report_export_run`, safe to run twice) moves the row to 生成中,
   counts the rows, streams them into the workbook chunk by chunk — only the needed
   columns (``values_list``), ``CHUNK`` members and two figure queries at a time, the
   progress saved after each chunk — and moves the row to 已完成 with the file in
   private storage. The move to 已完成 writes the ``export.learning_report`` audit row
   with the row count (docs/decisions/0007-audit-log.md).
3. The status page polls the row (htmx) and shows 下载文件 when done; the download view
   serves the private file to the enterprise's admin only.

The writer is :func:`ipms.core.excel.xlsx_write` (rustpy-xlsxwriter): each row is written
out as it comes, so memory does not grow with the rows; it was the fastest of the writers
measured on 100,000 rows (docs/performance.md, ``python -m bench.writers``).
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
from collections.abc import Callable, Iterator

from django.utils import timezone

from ipms.core import jobs
from ipms.core.excel import formula_safe, safe_filename_part, xlsx_write
from ipms.enterprises.models import Membership
from ipms.learning import credential_results, selectors, stats
from ipms.learning.models import ReportExport

logger = logging.getLogger("ipms.learning.exports")

SHEET_TITLE = "学习管理"
# (header, column width in characters); the same columns as the page's table.
COLUMNS = (
    ("手机号", 15),
    ("姓名", 18),
    ("累计学习天数", 14),
    ("累计学习时长", 16),
    ("已学课程数", 12),
    ("考试得分", 10),
    ("学分", 8),
    ("获得学习证明", 14),
    ("获得证书", 10),
)
HEADERS = tuple(header for header, _ in COLUMNS)
CHUNK = 2000
ADMIN_MARK = "（管理员）"
# A press of 导出Excel this soon after the same report finished gets that file back.
REUSE_SECONDS = 60
# The columns read per member: nothing else of the row or the account is loaded.
MEMBER_COLUMNS = ("user_id", "user__phone", "name", "user__name", "role")

MSG_FAILED = "导出失败，请稍后重试。"


def report_filename(course, *, today=None) -> str:
    """学习管理-<课程>-<日期>.xlsx (the platform's calendar day)."""
    today = today or timezone.localdate()
    return f"学习管理-{safe_filename_part(course.title)}-{today:%Y-%m-%d}.xlsx"


def member_name(*, name: str, account_name: str, is_admin: bool) -> str:
    """姓名 as the table shows it (the membership's name, else the account's), the admin
    marked “(管理员)” as in the manual."""
    shown = name or account_name or ""
    if is_admin:
        return f"{shown}{ADMIN_MARK}" if shown else ADMIN_MARK
    return shown


def report_row(member: tuple, figures: stats.CourseFigures) -> tuple:
    """One exported line from a ``MEMBER_COLUMNS`` tuple; text a member could have typed
    goes through ``formula_safe``."""
    _user_id, phone, name, account_name, role = member
    return (
        formula_safe(phone),
        formula_safe(
            member_name(
                name=name, account_name=account_name, is_admin=role == Membership.Role.ADMIN
            )
        ),
        figures.study_days,
        figures.study_time,
        figures.completed_text,
        figures.exam_score if figures.exam_score is not None else stats.NO_SCORE,
        figures.credits,
        "是" if figures.has_proof else "否",
        "是" if figures.has_certificate else "否",
    )


def report_chunks(
    *, enterprise, basis: stats.CourseBasis, search: str = "", members=None
) -> Iterator[list[tuple]]:
    """Every matching member's line, in the page's order, a list per ``CHUNK`` members:
    the admin's line first (read apart), then the learners streamed on the list's index
    (one query), plus two figure queries per chunk."""
    lead, learners = members or selectors.report_export_members(
        enterprise=enterprise, search=search
    )
    members = itertools.chain(
        (_member_values(row) for row in lead),
        learners.values_list(*MEMBER_COLUMNS).iterator(chunk_size=CHUNK),
    )
    chunk: list[tuple] = []
    for member in members:
        chunk.append(member)
        if len(chunk) == CHUNK:
            yield _chunk_rows(chunk, basis)
            chunk = []
    if chunk:
        yield _chunk_rows(chunk, basis)


def _member_values(member: Membership) -> tuple:
    """The ``MEMBER_COLUMNS`` of a row already read (the admin's, with its account)."""
    values = []
    for path in MEMBER_COLUMNS:
        value = member
        for part in path.split("__"):
            value = getattr(value, part)
        values.append(value)
    return tuple(values)


def _chunk_rows(members: list[tuple], basis) -> list[tuple]:
    ids = [m[0] for m in members]
    figures = stats.figures_for_users(basis=basis, user_ids=ids)
    # 获得学习证明 / 获得证书 from the credentials app (one query per chunk).
    held = credential_results.held(course_id=basis.course.pk, user_ids=ids)
    for user_id, kinds in held.items():
        figures[user_id] = dataclasses.replace(
            figures[user_id],
            has_proof=credential_results.PROOF in kinds,
            has_certificate=credential_results.CERTIFICATE in kinds,
        )
    return [report_row(member, figures[member[0]]) for member in members]


def report_write(
    path: str,
    chunks: Iterator[list[tuple]],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the sheet to ``path`` (``core.excel.xlsx_write``); returns the number of data
    rows. ``progress(rows_so_far)`` is called after each chunk."""

    def rows() -> Iterator[tuple]:
        number = 0
        for chunk in chunks:
            yield from chunk
            number += len(chunk)
            if progress is not None:
                progress(number)

    return xlsx_write(path, title=SHEET_TITLE, columns=COLUMNS, rows=rows())


# --- the job (ipms.core.jobs) -----------------------------------------------------------


def report_export_request(*, enterprise, course, search: str = "", by) -> tuple[ReportExport, bool]:
    """导出Excel pressed: the export to show, and whether this press started it.

    Returns the queued or running export of the same report (a double click), or one of
    it that finished in the last ``REUSE_SECONDS``; else records a new one and queues
    its task after commit.
    """
    search = (search or "").strip()[: selectors.REPORT_SEARCH_MAX_LENGTH]
    return jobs.job_request(
        ReportExport.objects.filter(enterprise=enterprise, course=course, search=search),
        lambda: ReportExport(
            enterprise=enterprise,
            course=course,
            search=search,
            requested_by=by,
            download_name=report_filename(course),
        ),
        queue=_queue,
        reuse_seconds=REUSE_SECONDS,
        clean_exclude=["enterprise", "course", "requested_by"],
    )


def _queue(export_id: int) -> None:
    from ipms.learning.tasks import report_export_task  # tasks imports this module

    report_export_task.delay(export_id)


def report_export_run(export_id: int) -> str:
    """The task's work; returns the export's final status (or "gone" / "taken").

    Safe to run twice (Celery's ``acks_late`` may deliver the task again): a finished
    export is left as it is, a queued one is taken (a second worker taking it at the
    same moment gets a conflict and stops), and a running one — a worker died while
    making it — is made again from the start (``ipms.core.jobs.job_run``).
    """
    export = (
        ReportExport.objects.select_related("enterprise", "course").filter(pk=export_id).first()
    )
    return jobs.job_run(export, _report_export_build, logger=logger)


def _report_export_build(export: ReportExport, folder: str) -> jobs.JobOutput:
    basis = stats.course_basis(export.course)
    members = selectors.report_export_members(enterprise=export.enterprise, search=export.search)
    export.progress_start(len(members[0]) + members[1].count())
    path = os.path.join(folder, "report.xlsx")
    count = report_write(
        path,
        report_chunks(
            enterprise=export.enterprise, basis=basis, search=export.search, members=members
        ),
        progress=export.progress,
    )
    return jobs.JobOutput(
        path=path,
        count=count,
        # Personal data leaves the platform: who took which course's report of which
        # enterprise, and how many rows.
        audit_action="export.learning_report",
        audit_details={"course": export.course.title, "rows": count, "search": bool(export.search)},
        log={
            "enterprise": export.enterprise_id,
            "course": export.course_id,
            "search": bool(export.search),
        },
    )
