"""导出 of the console's filtered list to .xlsx (manual 第五章 6).

Columns 企业名称 · 企业贯标证书编码 · 状态 · 认证机构 · 提交人 · 机构审核人 · 提交时间 ·
最后更新时间. The rows are read as plain values (one query, no model instances) and
written by ``core.excel.xlsx_write`` into a file, row by row, strings always as
strings; text a user typed also goes through ``core.excel.formula_safe``, so Excel and
WPS never evaluate it. A background job makes the file (``jobs``; it writes the audit
row). ``make bench``
(part ``reviews``) measures 10,000 applications.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from django.utils import timezone

from ipms.core.excel import formula_safe, safe_filename_part, xlsx_write
from ipms.core.phone import mask_mobile

from . import selectors
from .models import ApplicationStatus

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
FIELDS = (
    "enterprise__name",
    "certificate_number",
    "status",
    "body__name",
    "submitted_by__name",
    "submitted_by__phone",
    "reviewed_by_id",
    "reviewed_by__name",
    "reviewed_by__phone",
    "submitted_at",
    "updated_at",
)


def export_filename(body, *, today=None) -> str:
    today = today or timezone.localdate()
    return f"认证审核-{safe_filename_part(body.name)}-{today:%Y-%m-%d}.xlsx"


def _time(value) -> str:
    return timezone.localtime(value).strftime(TIME_FORMAT) if value else ""


def export_row(values: tuple, reviewers: dict[int, str], labels: dict[str, str]) -> tuple:
    """One line from the ``FIELDS`` values; people by name (the body's 审核员 name for a
    reviewer), else by masked phone."""
    (enterprise, number, status, body, sub_name, sub_phone, rev_id, rev_name, rev_phone,
     submitted, updated) = values  # fmt: skip
    reviewer = ""
    if rev_id is not None:
        reviewer = reviewers.get(rev_id) or rev_name or mask_mobile(rev_phone)
    return (
        formula_safe(enterprise),
        formula_safe(number),
        labels.get(status, status),
        formula_safe(body),
        formula_safe(sub_name or mask_mobile(sub_phone)),
        formula_safe(reviewer),
        _time(submitted),
        _time(updated),
    )


def export_rows(*, body, status: str = "", search: str = ""):
    reviewers = dict(body.reviewers.values_list("user_id", "name"))
    labels = {value: str(label) for value, label in ApplicationStatus.choices}
    rows = selectors.body_applications(body, status=status, search=search).values_list(*FIELDS)
    for values in rows.iterator(chunk_size=CHUNK):
        yield export_row(values, reviewers, labels)


def export_write(path: str, *, body, status: str = "", search: str = "", progress=None) -> int:
    """Write the list as filtered to ``path`` (``core.excel.xlsx_write``); returns the
    number of data rows.

    ``progress(rows_so_far)`` is called every ``CHUNK`` rows (the job's progress page).
    """

    def rows():
        for count, row in enumerate(export_rows(body=body, status=status, search=search), 1):
            yield row
            if progress is not None and count % CHUNK == 0:
                progress(count)

    return xlsx_write(path, title=SHEET_TITLE, columns=COLUMNS, rows=rows())


def export_workbook(*, body, status: str = "", search: str = ""):
    """The export in a temporary file (at position 0) and the number of data rows
    (``make bench``, part ``reviews``, times this)."""
    folder = tempfile.mkdtemp(prefix="ipms-review-")
    path = os.path.join(folder, "export.xlsx")
    try:
        count = export_write(path, body=body, status=status, search=search)
        target = open(path, "rb")  # noqa: SIM115 - the caller closes it
    finally:
        # The open file keeps the data; the names go at once (POSIX).
        shutil.rmtree(folder, ignore_errors=True)
    return target, count
