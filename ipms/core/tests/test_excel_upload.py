"""The shared .xlsx upload check and reader (ipms.core.excel): every refusal a Chinese
message. The apps' imports (批量导入成员, 导入试题) are tested end to end in their apps."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from ipms.core import excel
from ipms.core.errors import DomainError


class SheetError(DomainError):
    code = "test_sheet"


def xlsx(rows, *, title="名单", extra_sheet=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    if extra_sheet:
        wb.create_sheet(extra_sheet).append(("别的",))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "名单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=excel.XLSX_MIME)


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def refusal(content: bytes, name: str = "名单.xlsx", **limits) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        excel.xlsx_upload_check(upload(content, name), **{"max_size": 10**6, **limits})
    return refused.value


# --- the check -----------------------------------------------------------------------------


def test_a_real_workbook_passes_and_is_left_at_its_start():
    file = upload(xlsx([("姓名", "手机"), ("张三", "13600002925")]))
    excel.xlsx_upload_check(file, max_size=10**6)
    assert file.tell() == 0


@pytest.mark.parametrize(
    ("content", "name", "code", "message"),
    [
        (b"a,b\n", "名单.csv", "file_type", excel.MSG_XLSX_EXTENSION),
        (xlsx([("a",)]), "名单.xls", "file_type", excel.MSG_XLSX_EXTENSION),
        (b"", "名单.xlsx", "file_empty", "文件是空的，请重新选择。"),
        (b"%PDF-1.4 not a sheet", "名单.xlsx", "file_magic", excel.MSG_XLSX_BROKEN),
        (b"PK\x03\x04broken zip", "名单.xlsx", "file_broken", excel.MSG_XLSX_BROKEN),
        (zipped({"hello.txt": b"hi"}), "名单.xlsx", "file_not_workbook", excel.MSG_XLSX_BROKEN),
    ],
)
def test_what_is_not_an_xlsx_is_refused_clearly(content, name, code, message):
    error = refusal(content, name)
    assert (error.code, error.message) == (code, message)
    assert message.endswith("。") and "文件" in message


def test_an_oversized_file_gets_the_size_and_the_limit():
    error = refusal(xlsx([("a",)] * 50), max_size=1000)
    assert error.code == "file_size"
    assert error.message.startswith("文件过大（") and "不能超过 1 KB。请分批导入。" in error.message


def test_an_oversized_file_may_get_the_callers_own_message():
    error = refusal(xlsx([("a",)]), max_size=100, too_big="文件过大，题库文件不能超过 1 MB。")
    assert error.message == "文件过大，题库文件不能超过 1 MB。"


def test_a_zip_bomb_is_refused_before_it_is_opened():
    content = xlsx([("一" * 200,)] * 200)
    error = refusal(content, max_inflated=1000)
    assert error.code == "file_inflated" and error.message.startswith("文件过大（")
    # openpyxl writes inline strings; Excel and WPS write a shared-strings table.
    strings = zipped({"xl/workbook.xml": b"<workbook/>", "xl/SharedStrings.xml": b"x" * 5000})
    excel.xlsx_upload_check(upload(strings), max_size=10**6, max_shared_strings=5000)
    shared = refusal(strings, max_shared_strings=4999)
    assert shared.code == "file_inflated" and "不能超过 5 KB" in shared.message


def test_human_size():
    assert excel.human_size(10) == "1 KB"
    assert excel.human_size(5 * 1024) == "5 KB"
    assert excel.human_size(3 * 1024 * 1024 // 2) == "1.5 MB"


# --- the reader ----------------------------------------------------------------------------


def columns(header):
    return excel.xlsx_columns(
        (str(v or "").strip() for v in header),
        known=("姓名", "手机", "备注"),
        required=("姓名", "手机"),
        error=SheetError,
    )


def row(number, values, found):
    cells = {key: values[i] if i < len(values) else None for key, i in found.items()}
    if not any(cells.values()):
        return None
    return (number, cells["姓名"], cells["手机"])


def read(content: bytes, **overrides):
    options = {
        "sheet": "名单",
        "columns": columns,
        "row": row,
        "max_columns": 10,
        "max_rows": 100,
        "max_empty_run": 5,
        "error": SheetError,
        "no_rows": "文件中没有数据，请从第2行开始填写。",
        "too_many_rows": "文件超过 100 行，请分批导入。",
        "log_label": "test import",
    }
    return excel.xlsx_rows_read(upload(content), **{**options, **overrides})


def test_rows_are_read_with_their_numbers_skipping_empty_ones():
    content = xlsx([("手机", "姓名"), ("13600002925", "张三"), (None, None), ("1380", "李四")])
    assert read(content) == [(2, "张三", "13600002925"), (4, "李四", "1380")]


def test_the_named_sheet_is_read_else_the_first():
    content = xlsx([("姓名", "手机"), ("张三", "1")], title="其他", extra_sheet="名单")
    with pytest.raises(SheetError, match="缺少“姓名”“手机”列"):
        read(content)  # 名单 exists and has no header
    assert read(content, sheet="没有这页") == [(2, "张三", "1")]


def test_a_missing_column_is_named():
    with pytest.raises(SheetError) as refused:
        read(xlsx([("姓名", "电话"), ("张三", "1")]))
    assert refused.value.message == (
        "文件第1行缺少“手机”列。请使用下载的模板，不要修改第1行的列标题。"
    )


def test_an_empty_sheet_and_a_header_alone_are_refused_clearly():
    with pytest.raises(SheetError, match="缺少“姓名”“手机”列"):
        read(xlsx([]))
    with pytest.raises(SheetError) as refused:
        read(xlsx([("姓名", "手机")]))
    assert refused.value.message == "文件中没有数据，请从第2行开始填写。"


def test_reading_stops_after_a_run_of_empty_rows():
    content = xlsx([("姓名", "手机"), ("张三", "1"), *[(None, None)] * 5, ("李四", "2")])
    assert read(content) == [(2, "张三", "1")]


def test_too_many_rows_are_refused():
    content = xlsx([("姓名", "手机"), *[("张三", "1")] * 3])
    assert len(read(content, max_rows=3)) == 3
    with pytest.raises(SheetError, match="请分批导入"):
        read(content, max_rows=2)


def test_a_damaged_workbook_or_sheet_gets_the_broken_message(caplog):
    with pytest.raises(SheetError) as refused:
        read(zipped({"xl/workbook.xml": b"<not-really/>"}))
    assert refused.value.message == excel.MSG_XLSX_BROKEN

    def row_fails(number, values, found):
        raise ValueError("bad cell")

    with pytest.raises(SheetError) as refused:
        read(xlsx([("姓名", "手机"), ("张三", "1")]), row=row_fails)
    assert refused.value.message == excel.MSG_XLSX_BROKEN
    assert "test import: unreadable sheet (ValueError)" in caplog.text
