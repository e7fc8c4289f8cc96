"""导出 of the console's filtered list to .xlsx (manual 第五章 6).

Columns 企业名称 · 企业贯标证书编码 · 状态 · 认证机构 · 提交人 · 机构审核人 · 提交时间 ·
最后更新时间. openpyxl's write-only mode streams rows into a temporary file, the rows are
read in chunks with their joins (one query per chunk); text a user typed goes through
``core.excel.formula_safe``. The export is recorded in the audit log.
"""

from __future__ import annotations

import tempfile

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ipms.core.audit import audit_record
from ipms.core.excel import formula_safe, safe_filename_part
from ipms.core.models import AuditRole

from . import selectors

SHEET_TITLE = "认证审核"
COLUMNS = (
    ("企业名称", 36),
    ("企业贯标证书编码", 22),
    ("状态", 10),
    ("认证机构", 28),
    ("提交人", 14),
    ("机构审核人", 14),
    ("提交时间", 20),
    ("最后更新时间", 20),
)
HEADERS = tuple(header for header, _ in COLUMNS)
CHUNK = 2000
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def export_filename(body, *, today=None) -> str:
    today = today or timezone.localdate()
    return f"认证审核-{safe_filename_part(body.name)}-{today:%Y-%m-%d}.xlsx"


def _person(user, reviewers: dict[int, str]) -> str:
    if user is None:
        return ""
    return reviewers.get(user.pk) or user.name or user.masked_phone


def _time(value) -> str:
    return timezone.localtime(value).strftime(TIME_FORMAT) if value else ""


def export_row(application, reviewers: dict[int, str]) -> tuple:
    return (
        formula_safe(application.enterprise.name),
        formula_safe(application.certificate_number),
        application.get_status_display(),
        formula_safe(application.body.name),
        formula_safe(_person(application.submitted_by, {})),
        formula_safe(_person(application.reviewed_by, reviewers)),
        _time(application.submitted_at),
        _time(application.updated_at),
    )


def export_workbook(*, body, status: str = "", search: str = ""):
    """The export in a temporary file (at position 0) and the number of data rows."""
    reviewers = dict(body.reviewers.values_list("user_id", "name"))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F2F2F2")
    centre = Alignment(horizontal="center", vertical="center")
    header = []
    for text in HEADERS:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill, cell.alignment = bold, fill, centre
        header.append(cell)
    sheet.append(header)
    count = 0
    rows = selectors.export_applications(body, status=status, search=search)
    for application in rows.iterator(chunk_size=CHUNK):
        sheet.append(export_row(application, reviewers))
        count += 1
    target = tempfile.TemporaryFile(prefix="ipms-review-", suffix=".xlsx")  # noqa: SIM115 - the response closes it
    try:
        workbook.save(target)
    except Exception:
        target.close()
        raise
    target.seek(0)
    return target, count


def export_record(*, reviewer, status: str, search: str, count: int, request=None) -> None:
    audit_record(
        action="review.exported",
        actor=reviewer.user,
        role=AuditRole.REVIEWER,
        details={"body": reviewer.body_id, "status": status, "search": search, "rows": count},
        request=request,
    )
