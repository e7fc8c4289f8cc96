"""批量导入 under attack: a tiny file whose cells all point at one huge string.

openpyxl writes inline strings (and cuts them at Excel's 32,767 characters), so the
attacker's file is built by hand here: a minimal workbook whose cells refer to entries
of the shared-strings table, as Excel and WPS write them.
"""

import io
import pickle
import tracemalloc
import zipfile
from xml.sax.saxutils import escape

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from ipms.enterprises import imports

from .helpers import upload, xlsx

pytestmark = pytest.mark.django_db

IMPORT = reverse("enterprises:member_import")
LONG = "a" * 1_000_000
ROWS = 100
HEADERS = ("姓名", "手机", "职位", "省份", "城市")

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_RELATION = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _part_type(name: str, kind: str) -> str:
    return f'<Override PartName="/xl/{name}" ContentType="{_SML}.{kind}+xml"/>'


def _relation(number: int, kind: str, target: str) -> str:
    return f'<Relationship Id="rId{number}" Type="{_RELATION}/{kind}" Target="{target}"/>'


_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    + _part_type("workbook.xml", "sheet.main")
    + _part_type("worksheets/sheet1.xml", "worksheet")
    + _part_type("sharedStrings.xml", "sharedStrings")
    + "</Types>"
)
_ROOT_RELS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE}/relationships">'
    + _relation(1, "officeDocument", "xl/workbook.xml")
    + "</Relationships>"
)
_WORKBOOK = (
    f'{_XML}<workbook xmlns="{_SHEET_NS}" xmlns:r="{_RELATION}">'
    '<sheets><sheet name="成员" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE}/relationships">'
    + _relation(1, "worksheet", "worksheets/sheet1.xml")
    + _relation(2, "sharedStrings", "sharedStrings.xml")
    + "</Relationships>"
)


def shared_strings_xlsx(rows) -> bytes:
    """An .xlsx whose every text cell refers to the shared-strings table (deduplicated)."""
    strings: dict[str, int] = {}

    def ref(text: str) -> int:
        return strings.setdefault(text, len(strings))

    lines = []
    for number, values in enumerate([HEADERS, *rows], start=1):
        cells = "".join(
            f'<c r="{"ABCDE"[column]}{number}" t="s"><v>{ref(value)}</v></c>'
            for column, value in enumerate(values)
        )
        lines.append(f'<row r="{number}">{cells}</row>')
    sheet = (
        f'{_XML}<worksheet xmlns="{_SHEET_NS}"><sheetData>{"".join(lines)}</sheetData></worksheet>'
    )
    table = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    shared = f'{_XML}<sst xmlns="{_SHEET_NS}" uniqueCount="{len(strings)}">{table}</sst>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", shared)
    return buffer.getvalue()


def _bomb() -> bytes:
    return shared_strings_xlsx(
        [(LONG, f"136{index:08d}", LONG, LONG, LONG) for index in range(ROWS)]
    )


def test_the_hand_built_file_is_what_an_attacker_sends():
    content = _bomb()
    assert len(content) < 10_000
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.getinfo("xl/sharedStrings.xml").file_size > len(LONG)
    sheet = load_workbook(io.BytesIO(content), read_only=True)["成员"]
    values = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    assert values[0] == LONG and values[1] == "13600000000"


def preview_id_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"].rstrip("/").rsplit("/", 1)[-1]


def test_a_shared_string_bomb_stays_small(admin_client, enterprise):
    content = _bomb()
    tracemalloc.start()
    try:
        response = admin_client.post(IMPORT, {"file": upload(content)})
        assert response.status_code == 302, response.content.decode()[:500]
        preview = admin_client.get(response["Location"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"peak {peak / 1e6:.1f} MB, preview {len(preview.content) / 1e3:.1f} KB")
    assert preview.status_code == 200
    assert peak < 30 * 1024 * 1024
    assert len(preview.content) < 500 * 1024
    body = preview.content.decode()
    assert "有错误 100 条" in body and "可导入 0 条" in body
    assert "“姓名”内容过长（超过200个字）" in body
    assert "“城市”内容过长（超过200个字）" in body
    assert "a" * 200 not in body
    # What the cache keeps for the hour is bounded too.
    stored = cache.get(imports._key(enterprise.pk, preview_id_of(response), "rows"))
    assert len(pickle.dumps(stored)) < 200 * 1024


def test_a_long_cell_in_an_otherwise_good_row_is_named(admin_client, enterprise):
    response = admin_client.post(
        IMPORT,
        {"file": upload(shared_strings_xlsx([("张" * 201, "13600002925", "法务", "", "")]))},
    )
    preview = imports.preview_load(enterprise=enterprise, preview_id=preview_id_of(response))
    (row,) = preview.rows
    assert row.errors == ["“姓名”内容过长（超过200个字），请检查该单元格"]
    assert len(row.name) <= imports.SHOWN_MAX_LENGTH


def test_a_value_quoted_in_an_error_is_cut(admin_client, enterprise):
    typed = "职" * 150
    response = admin_client.post(
        IMPORT, {"file": upload(xlsx([("张三", "13600002925", typed, "", "")]))}
    )
    preview = imports.preview_load(enterprise=enterprise, preview_id=preview_id_of(response))
    (error,) = preview.rows[0].errors
    assert error.startswith("职位“职") and "职" * 40 not in error


def test_the_preview_lists_the_first_bad_rows_and_counts_the_rest(admin_client, enterprise):
    rows = [("张三", f"1360000{index:04d}", "无此职位", "", "") for index in range(250)]
    rows += [("李四", "13900000000", "法务", "", "")]
    response = admin_client.post(IMPORT, {"file": upload(xlsx(rows))})
    preview = admin_client.get(response["Location"])
    body = preview.content.decode()
    assert "有错误 250 条" in body and "可导入 1 条" in body
    assert "…另有 150 行有错误未列出" in body
    assert len(preview.context["error_rows"]) == imports.PREVIEW_LIST_MAX
    assert body.count("职位“无此职位”不在可选列表中") == imports.PREVIEW_LIST_MAX


def test_a_huge_shared_strings_table_is_refused(admin_client):
    many = [
        ("张三", f"1360000{index:04d}", f"{index}{'b' * 100_000}", "", "") for index in range(90)
    ]
    content = shared_strings_xlsx(many)
    assert len(content) < imports.max_size()
    response = admin_client.post(IMPORT, {"file": upload(content)})
    assert response.status_code == 200
    assert "文件过大" in response.context["form"].errors["file"][0]
