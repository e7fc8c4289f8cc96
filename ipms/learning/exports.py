"""学习管理 export: every matching learner of an enterprise in one .xlsx.

openpyxl's write-only mode streams the rows into the file as they are appended, so the
memory held does not grow with the number of members; the members are read in chunks of
``CHUNK`` and each chunk's figures cost two queries (``stats.figures_for_users``). The
file is built in a temporary file, which the response then streams.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ipms.core.audit import audit_record
from ipms.core.excel import formula_safe, safe_filename_part
from ipms.core.models import AuditRole
from ipms.learning import selectors, stats

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
CHUNK = 1000
ADMIN_MARK = "（管理员）"


def report_filename(course, *, today=None) -> str:
    """学习管理-<课程>-<日期>.xlsx (the platform's calendar day)."""
    today = today or timezone.localdate()
    return f"学习管理-{safe_filename_part(course.title)}-{today:%Y-%m-%d}.xlsx"


def member_name(member) -> str:
    """姓名 as the table shows it, the admin marked “(管理员)” as in the manual."""
    name = member.display_name
    if member.is_admin:
        return f"{name}{ADMIN_MARK}" if name else ADMIN_MARK
    return name


def report_row(member, figures: stats.CourseFigures) -> tuple:
    """One exported line; text a member could have typed goes through ``formula_safe``."""
    return (
        formula_safe(member.user.phone),
        formula_safe(member_name(member)),
        figures.study_days,
        figures.study_time,
        figures.completed_text,
        figures.exam_score if figures.exam_score is not None else stats.NO_SCORE,
        figures.credits,
        "是" if figures.has_proof else "否",
        "是" if figures.has_certificate else "否",
    )


def report_rows(*, enterprise, basis: stats.CourseBasis, search: str = "") -> Iterator[tuple]:
    """Every matching member's line, in the page's order, two queries per ``CHUNK``."""
    members = selectors.report_members(enterprise=enterprise, search=search)
    chunk = []
    for member in members.iterator(chunk_size=CHUNK):
        chunk.append(member)
        if len(chunk) == CHUNK:
            yield from _chunk_rows(chunk, basis)
            chunk = []
    if chunk:
        yield from _chunk_rows(chunk, basis)


def _chunk_rows(members, basis) -> Iterator[tuple]:
    figures = stats.figures_for_users(basis=basis, user_ids=[m.user_id for m in members])
    for member in members:
        yield report_row(member, figures[member.user_id])


def report_workbook(*, enterprise, basis: stats.CourseBasis, search: str = ""):
    """The export in a temporary file (positioned at 0) and the number of data rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="F2F2F2")
    centre = Alignment(horizontal="center", vertical="center")
    header = []
    for text in HEADERS:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill, cell.alignment = bold, fill, centre
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in report_rows(enterprise=enterprise, basis=basis, search=search):
        sheet.append(row)
        count += 1
    target = tempfile.TemporaryFile(prefix="ipms-report-", suffix=".xlsx")  # noqa: SIM115 - the response closes it
    try:
        workbook.save(target)
    except Exception:
        target.close()
        raise
    target.seek(0)
    return target, count


def report_export(*, enterprise, course, search: str = "", by, request=None):
    """导出Excel: the workbook of ``report_workbook`` and its audit row.

    Personal data leaves the platform, so the audit log records who took which course's
    report of which enterprise, and how many rows (docs/decisions/0007-audit-log.md).
    """
    target, count = report_workbook(
        enterprise=enterprise, basis=stats.course_basis(course), search=search
    )
    audit_record(
        action="export.learning_report",
        actor=by,
        role=AuditRole.ENTERPRISE_ADMIN,
        enterprise_id=enterprise.pk,
        obj=course,
        details={"course": course.title, "rows": count, "search": bool(search)},
        request=request,
    )
    return target, count
