"""Excel helpers shared by the apps' .xlsx downloads and uploads.

Formula injection (ASVS 5.0 1.2.10, OWASP “CSV injection”): a text cell that starts with
``= + - @`` (or a tab, carriage return or NUL) would be read by Excel or WPS as a formula,
and openpyxl itself stores a string starting with ``=`` as one. Every text value a user
could have typed goes through :func:`formula_safe`, which prefixes such values with a
single quote so they stay plain text. Numbers are written as numbers and need nothing.

:func:`xlsx_write` is the one way the platform writes a large sheet (学习管理 导出Excel,
认证审核 导出): rustpy-xlsxwriter 0.8.0 (the Rust library rust_xlsxwriter behind a Python
binding), fed one row at a time and writing each row out as it comes, so memory stays
flat whatever the rows. It writes text as text — it never turns a string into a
formula, a number or a link — and numbers as numbers. Chosen over XlsxWriter's
``constant_memory`` mode for speed: 100,000 rows of the 学习管理 export take 1.7 s of CPU
instead of 11 s, at the same flat memory (docs/performance.md, ``python -m bench.writers``).
"""

from __future__ import annotations

import itertools
import logging
import zipfile
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TypeVar

import filetype
import rustpy_xlsxwriter
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from .errors import DomainError
from .files import FILE_EMPTY

logger = logging.getLogger("ipms.core.excel")

E = TypeVar("E", bound=DomainError)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
# Characters Windows and macOS refuse in file names (a download keeps the rest).
_UNSAFE_IN_FILENAME = '\\/:*?"<>|\r\n\t\0'


def formula_safe(value):
    """The value, with a leading ``'`` when it is text that a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def safe_filename_part(text: str, *, max_length: int = 60) -> str:
    """A piece of a download's file name: no path or reserved characters, bounded length."""
    cleaned = "".join(ch for ch in (text or "") if ch not in _UNSAFE_IN_FILENAME).strip()
    return cleaned[:max_length] or "导出"


def xlsx_write(
    path: str, *, title: str, columns: Sequence[tuple[str, float]], rows: Iterable[Sequence]
) -> int:
    """Write one sheet to ``path``: a bold, shaded header row of ``columns`` (header text,
    width in characters) frozen above ``rows`` (one value per column, in order: ``str``
    as text, ``int``/``float`` as numbers, ``None`` empty). Returns the number of rows.

    ``rows`` is consumed lazily, one row at a time: a generator may do work between rows
    (the exports save their progress). Text cells are written as given: pass what a user
    typed through :func:`formula_safe` first.
    """
    headers = [header for header, _ in columns]
    count = 0

    def records():
        nonlocal count
        for row in rows:
            count += 1
            yield dict(zip(headers, row, strict=True))

    # The library takes the header from the first row's keys: a sheet with no rows gets
    # one of empty cells, which writes the header and nothing else.
    stream = records()
    first = next(stream, None)
    data = [dict.fromkeys(headers)] if first is None else itertools.chain((first,), stream)
    header = (
        rustpy_xlsxwriter.Format()
        .set_bold()
        .set_background_color("#F2F2F2")
        .set_align("center")
        .set_align("vcenter")
    )
    rustpy_xlsxwriter.write_worksheet(
        data,
        path,
        sheet_name=title,
        freeze_row=1,
        column_widths=[width for _, width in columns],
        header_format=header,
    )
    return count


# --- uploads ------------------------------------------------------------------------------
#
# An uploaded .xlsx (批量导入成员, 导入试题) is checked before it is opened
# (:func:`xlsx_upload_check`: ASVS 5.2.1/5.2.2) and then streamed (:func:`xlsx_rows_read`:
# openpyxl's read-only mode, bounded in columns, rows and empty rows). Every refusal is a
# Chinese message saying what to do; openpyxl's own errors become MSG_XLSX_BROKEN.

MSG_XLSX_EXTENSION = "请上传 .xlsx 格式的Excel文件（可先下载模板，按模板填写）。"
MSG_XLSX_TOO_BIG = "文件过大（{size}），不能超过 {limit}。请分批导入。"
MSG_XLSX_BROKEN = (
    "无法读取该文件：文件已损坏或不是有效的 .xlsx 文件。"
    "请用Excel或WPS按模板填写后另存为 .xlsx 再上传。"
)
MSG_XLSX_NO_HEADER = "文件第1行缺少“{missing}”列。请使用下载的模板，不要修改第1行的列标题。"

# A ZIP bomb is a small file that inflates to gigabytes; the sheets of a 10,000-row file
# inflate to a few MB, so anything past this is not a list to import.
XLSX_MAX_INFLATED = 60 * 1024 * 1024
# openpyxl loads the whole shared-strings table, even in read-only mode; a 10,000-row
# member list needs about 2 MB of it.
XLSX_MAX_SHARED_STRINGS = 8 * 1024 * 1024
SHARED_STRINGS_PART = "xl/sharedStrings.xml"

T = TypeVar("T")
C = TypeVar("C")


def human_size(size: int) -> str:
    """A size as a message shows it: 12 KB, 5.0 MB."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _too_big(size: int, limit: int) -> ValidationError:
    return ValidationError(
        MSG_XLSX_TOO_BIG.format(size=human_size(size), limit=human_size(limit)),
        code="file_inflated",
    )


def xlsx_upload_check(
    upload,
    *,
    max_size: int,
    too_big: str = MSG_XLSX_TOO_BIG,
    max_inflated: int = XLSX_MAX_INFLATED,
    max_shared_strings: int = XLSX_MAX_SHARED_STRINGS,
) -> None:
    """Refuse anything but a real .xlsx of at most ``max_size`` bytes (``ValidationError``).

    Extension, size (``too_big`` may use ``{size}`` and ``{limit}``), the ZIP signature,
    a workbook part inside, and the inflated size of the archive and of its shared
    strings (against ZIP bombs); openpyxl's own errors are caught when reading.
    """
    name = (getattr(upload, "name", "") or "").lower()
    if not name.endswith(".xlsx"):
        raise ValidationError(MSG_XLSX_EXTENSION, code="file_type")
    size = getattr(upload, "size", 0) or 0
    if size == 0:
        raise ValidationError(FILE_EMPTY, code="file_empty")
    if size > max_size:
        raise ValidationError(
            too_big.format(size=human_size(size), limit=human_size(max_size)), code="file_size"
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ("application/zip", XLSX_MIME):
        raise ValidationError(MSG_XLSX_BROKEN, code="file_magic")
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            inflated = sum(info.file_size for info in infos)
            shared = next(
                (
                    info.file_size
                    for info in infos
                    if info.filename.lower() == SHARED_STRINGS_PART.lower()
                ),
                0,
            )
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ValidationError(MSG_XLSX_BROKEN, code="file_broken") from None
    finally:
        upload.seek(0)
    if "xl/workbook.xml" not in names:
        raise ValidationError(MSG_XLSX_BROKEN, code="file_not_workbook")
    if inflated > max_inflated:
        raise _too_big(inflated, max_inflated)
    if shared > max_shared_strings:
        raise _too_big(shared, max_shared_strings)


def xlsx_columns(
    keys: Iterable[str], *, known: Collection[str], required: Sequence[str], error: type[E]
) -> dict[str, int]:
    """The index of the first column headed by each ``known`` key (the header row's cells
    made keys by the caller); ``error`` naming the ``required`` ones that are missing."""
    columns: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key in known and key not in columns:
            columns[key] = index
    missing = [key for key in required if key not in columns]
    if missing:
        raise error(MSG_XLSX_NO_HEADER.format(missing="”“".join(missing)))
    return columns


def xlsx_rows_read(
    upload,
    *,
    sheet: str,
    columns: Callable[[tuple], C],
    row: Callable[[int, tuple, C], T | None],
    max_columns: int,
    max_rows: int,
    max_empty_run: int,
    error: type[E],
    no_rows: str,
    too_many_rows: str,
    log_label: str,
) -> list[T]:
    """The rows of ``sheet`` (else the first sheet) of a checked upload, streamed.

    ``columns(header_row)`` reads the header (raising ``error`` when a column is missing);
    ``row(number, values, columns)`` makes one item of a data row, or None for an empty
    one. Reading stops after ``max_empty_run`` empty rows in a row. Raises ``error`` with
    a Chinese message for a file openpyxl cannot read (MSG_XLSX_BROKEN), more than
    ``max_rows`` items (``too_many_rows``) or none (``no_rows``).
    """
    upload.seek(0)
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception as failure:  # openpyxl raises many kinds for damaged files
        logger.info("%s: unreadable workbook (%s)", log_label, type(failure).__name__)
        raise error(MSG_XLSX_BROKEN) from None
    parsed: list[T] = []
    try:
        found = workbook[sheet] if sheet in workbook.sheetnames else workbook.worksheets[0]
        rows = found.iter_rows(values_only=True, max_col=max_columns)
        header = columns(next(rows, None) or ())
        empty_run = 0
        for number, values in enumerate(rows, start=2):
            item = row(number, values, header)
            if item is None:
                empty_run += 1
                if empty_run >= max_empty_run:
                    break
                continue
            empty_run = 0
            if len(parsed) >= max_rows:
                raise error(too_many_rows)
            parsed.append(item)
    except DomainError:
        raise
    except Exception as failure:  # a sheet damaged past the header
        logger.info("%s: unreadable sheet (%s)", log_label, type(failure).__name__)
        raise error(MSG_XLSX_BROKEN) from None
    finally:
        workbook.close()
    if not parsed:
        raise error(no_rows)
    return parsed
