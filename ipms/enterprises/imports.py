"""批量导入: the Excel template, reading a filled-in file, and the stored preview.

The flow (views in ``views.py``):

1. 下载模板 — :func:`build_template`: sheet 成员 with the headers 姓名 · 手机 · 职位 · 省份 ·
   城市, drop-down lists for 职位, 省份 and 城市 (the city list follows the province), a
   hidden sheet 选项 holding the lists, and a sheet 填写说明 with an example.
2. Upload — :func:`validate_import_file` (extension, size, ZIP signature, a workbook
   inside, bounded uncompressed size), then :func:`parse_workbook` reads the rows with
   openpyxl's read-only (streaming) mode (both on ``ipms.core.excel``) and
   :func:`check_rows` finds each row's problems, asking the database about all phones
   at once.
3. Preview — :func:`preview_store` keeps the checked rows in the cache under a random id
   bound to the enterprise; the page shows per-row errors and the counts.
4. 确认导入 — the view takes the rows *from the cache* (never from the browser) and hands
   the valid ones to ``services.membership_invite_bulk``; a claim key makes a double
   click or a re-submit import once.
"""

from __future__ import annotations

import io
import secrets
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from ipms.core import excel, regions
from ipms.core.errors import DomainError
from ipms.core.files import FILE_EMPTY
from ipms.core.names import person_name_error
from ipms.core.phone import is_mobile, normalize_mobile

from . import messages, selectors, services
from .admission import Outcome, PhoneFacts, admission_decide
from .models import Enterprise, Membership

SHEET_MEMBERS = "成员"
SHEET_OPTIONS = "选项"
SHEET_HELP = "填写说明"
HEADERS = ("姓名", "手机", "职位", "省份", "城市")
REQUIRED_HEADERS = ("手机", "职位")
FIELD_FOR_HEADER = {
    "姓名": "name",
    "手机": "phone",
    "职位": "position",
    "省份": "province",
    "城市": "city",
}
HEADER_FOR_FIELD = {name: header for header, name in FIELD_FOR_HEADER.items()}
TEMPLATE_FILENAME = "成员批量导入模板.xlsx"
XLSX_MIME = excel.XLSX_MIME
# The ZIP-bomb bounds of an upload (ipms.core.excel), read when a file is checked.
MAX_UNCOMPRESSED = excel.XLSX_MAX_INFLATED
MAX_SHARED_STRINGS = excel.XLSX_MAX_SHARED_STRINGS
# Only the first columns are read: the template has five, a sheet claiming 16,384 would
# cost time per row for nothing.
MAX_COLUMNS = 30
# No cell of a member list is longer than this; a longer one is cut at read time, before
# any copy of it is made (a shared string is one object that 100 cells may point at), and
# the row gets an error.
CELL_MAX_LENGTH = 200
# Values quoted in error messages and shown for rows with errors are cut to this length.
SHOWN_MAX_LENGTH = 30
# The preview keeps every importable row, but only the first rows with errors and the
# first skipped ones (with their counts): their values are what the admin reads, not
# what gets imported, and a list of 10,000 bad rows helps nobody.
PREVIEW_LIST_MAX = 100
# Reading stops after this many empty rows in a row (a sheet formatted down to row
# 1,048,576 would otherwise be read to the end).
MAX_EMPTY_RUN = 500

MSG_EXTENSION = excel.MSG_XLSX_EXTENSION
MSG_TOO_BIG = excel.MSG_XLSX_TOO_BIG
MSG_EMPTY = FILE_EMPTY
MSG_BROKEN = excel.MSG_XLSX_BROKEN
MSG_NO_HEADER = excel.MSG_XLSX_NO_HEADER
MSG_NO_ROWS = "文件中没有成员数据，请从第2行开始填写。"
MSG_TOO_MANY_ROWS = "文件中的成员超过 {limit} 行，请分批导入。"

ERR_PHONE_EMPTY = "手机号为空"
ERR_PHONE_INVALID = "手机号格式不正确（应为11位手机号码）"
ERR_POSITION_EMPTY = "职位为空"
ERR_POSITION_UNKNOWN = "职位“{value}”不在可选列表中"
ERR_PROVINCE_UNKNOWN = "省份“{value}”不正确"
ERR_CITY_UNKNOWN = "城市“{value}”不属于{province}"
ERR_CITY_NO_PROVINCE = "城市“{value}”无法确定所属省份，请填写省份"
ERR_CELL_TOO_LONG = "“{column}”内容过长（超过{limit}个字），请检查该单元格"
ERR_DUPLICATE = "与第{row}行的手机号重复"


def max_size() -> int:
    return settings.MEMBER_IMPORT_MAX_SIZE


def max_rows() -> int:
    return settings.MEMBER_IMPORT_MAX_ROWS


# --- 下载模板 ------------------------------------------------------------------------------


def build_template() -> bytes:
    """The .xlsx template: 成员 (to fill in), 填写说明, and the hidden 选项 lists."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_MEMBERS
    help_ws = wb.create_sheet(SHEET_HELP)
    options = wb.create_sheet(SHEET_OPTIONS)
    options.sheet_state = "hidden"

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="9E1C26")
    notes = {
        "姓名": "选填：成员姓名，如 张三",
        "手机": "必填：11位中国大陆手机号码，如 13600002925。同一手机号只填一行。",
        "职位": "必填：请从下拉列表中选择。",
        "省份": "选填：请从下拉列表中选择，如 上海市。",
        "城市": "选填：先选省份，再从下拉列表中选择城市（直辖市的城市与省份相同）。",
    }
    widths = {"姓名": 14, "手机": 16, "职位": 18, "省份": 20, "城市": 22}
    for column, header in enumerate(HEADERS, start=1):
        cell = ws.cell(row=1, column=column, value=header)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(notes[header], "贯标认证学习平台", width=260, height=80)
        ws.column_dimensions[get_column_letter(column)].width = widths[header]
    ws.freeze_panes = "A2"
    last = max_rows() + 1
    # 手机 as text, so Excel shows 13600002925 rather than 1.36E+10.
    ws.column_dimensions["B"].number_format = "@"

    positions = [label for _, label in Membership.Position.choices]
    provinces = list(regions.provinces())
    for index, label in enumerate(positions, start=1):
        options.cell(row=index, column=1, value=label)
    for index, province in enumerate(provinces, start=1):
        options.cell(row=index, column=2, value=province.name)
    sheet_ref = quote_sheetname(SHEET_OPTIONS)
    for offset, province in enumerate(provinces):
        column = 3 + offset
        cities = regions.cities(province.code)
        for index, city in enumerate(cities, start=1):
            options.cell(row=index, column=column, value=city.name)
        letter = get_column_letter(column)
        # The city drop-down is =INDIRECT(省份 cell): one defined name per province.
        wb.defined_names[province.name] = DefinedName(
            province.name, attr_text=f"{sheet_ref}!${letter}$1:${letter}${max(1, len(cities))}"
        )

    # Lists through defined names (and no leading "="), the form Excel itself writes and
    # every version since 2007 reads; WPS and LibreOffice read it too.
    wb.defined_names["职位列表"] = DefinedName(
        "职位列表", attr_text=f"{sheet_ref}!$A$1:$A${len(positions)}"
    )
    wb.defined_names["省份列表"] = DefinedName(
        "省份列表", attr_text=f"{sheet_ref}!$B$1:$B${len(provinces)}"
    )
    validations = [
        ("C", "职位列表", "职位", "请从下拉列表中选择职位。"),
        ("D", "省份列表", "省份", "请从下拉列表中选择省份。"),
        ("E", "INDIRECT($D2)", "城市", "请先选择省份，再从下拉列表中选择城市。"),
    ]
    for letter, formula, title, message in validations:
        rule = DataValidation(type="list", formula1=formula, allow_blank=True)
        rule.error, rule.errorTitle = message, title
        rule.prompt, rule.promptTitle = message, title
        rule.showErrorMessage = True
        rule.showInputMessage = True
        ws.add_data_validation(rule)
        rule.add(f"{letter}2:{letter}{last}")

    lines = [
        ("成员批量导入填写说明", None),
        ("1. 在“成员”工作表中从第2行开始填写，每行一位成员；不要修改第1行的列标题。", None),
        ("2. 手机、职位为必填；姓名、省份、城市为选填。", None),
        ("3. 职位、省份、城市请从下拉列表中选择；城市须属于所选省份。", None),
        ("4. 同一手机号只填一行；已在本企业成员列表中的手机号会自动跳过。", None),
        ("5. 已是其他企业成员的手机号无法导入，需先由原企业管理员将其移除。", None),
        (
            f"6. 每个文件最多 {max_rows()} 行；导入后成员状态为“待验证”，"
            "成员收到短信并确认加入后变为“已验证”。",
            None,
        ),
        ("", None),
        ("示例（请勿把示例填入“成员”工作表）：", None),
        (None, HEADERS),
        (None, ("张三", "13600002925", "知识产权管理员", "上海市", "上海市")),
        (None, ("李四", "13800001234", "研发/技术", "江苏省", "苏州市")),
    ]
    for row, (text, values) in enumerate(lines, start=1):
        if values is None:
            help_ws.cell(row=row, column=1, value=text)
        else:
            for column, value in enumerate(values, start=1):
                help_ws.cell(row=row, column=column, value=value)
    help_ws["A1"].font = Font(bold=True, size=14)
    help_ws.column_dimensions["A"].width = 16
    for letter in "BCDE":
        help_ws.column_dimensions[letter].width = 16

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- upload checks ------------------------------------------------------------------------


def validate_import_file(upload) -> None:
    """Refuse anything but a real, reasonably sized .xlsx (``ipms.core.excel``)."""
    excel.xlsx_upload_check(
        upload,
        max_size=max_size(),
        max_inflated=MAX_UNCOMPRESSED,
        max_shared_strings=MAX_SHARED_STRINGS,
    )


# --- parsing ------------------------------------------------------------------------------


@dataclass
class ImportRow:
    """One data row of the file as read, what it means, and what is wrong with it."""

    row: int  # the Excel row number (the header is row 1)
    name: str = ""
    phone: str = ""  # normalised when valid, else as typed
    position: str = ""  # the Membership.Position value when valid
    position_label: str = ""  # as typed
    province: str = ""  # GB/T 2260 code when valid
    province_label: str = ""
    city: str = ""
    city_label: str = ""
    errors: list[str] = field(default_factory=list)
    skip: str = ""  # why a valid row is left out (already a member here)
    too_long: list[str] = field(default_factory=list)  # fields cut at CELL_MAX_LENGTH

    @property
    def ok(self) -> bool:
        return not self.errors and not self.skip

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        return "skip" if self.skip else "ok"


class ImportFileError(DomainError):
    """The file as a whole cannot be used; ``message`` says why, in Chinese."""

    code = "import_file_unusable"


def _text(value) -> str:
    """A cell as the text a person typed: 13600002925.0 → "13600002925", full-width →
    half-width, no surrounding spaces."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def _cell(value) -> tuple[str, bool]:
    """A cell as text of at most CELL_MAX_LENGTH characters, and whether it was longer.

    The cut comes first: normalising or stripping a long string would copy it, once per
    row that points at it. NFKC may lengthen a text (one ligature becomes up to 18
    characters), hence the second cut.
    """
    cut = isinstance(value, str) and len(value) > CELL_MAX_LENGTH
    if cut:
        value = value[:CELL_MAX_LENGTH]
    text = _text(value)
    if len(text) > CELL_MAX_LENGTH:
        text, cut = text[:CELL_MAX_LENGTH], True
    return text, cut


def shown(value: str) -> str:
    """A typed value as quoted in a message or shown in the preview: at most
    SHOWN_MAX_LENGTH characters."""
    if len(value) <= SHOWN_MAX_LENGTH:
        return value
    return value[: SHOWN_MAX_LENGTH - 1] + "…"


def _header_key(value) -> str:
    return _cell(value)[0].replace("*", "").replace(" ", "")


def _columns(header: tuple) -> dict[str, int]:
    return excel.xlsx_columns(
        (_header_key(value) for value in header),
        known=FIELD_FOR_HEADER,
        required=REQUIRED_HEADERS,
        error=ImportFileError,
    )


def _row(number: int, values: tuple, columns: dict[str, int]) -> ImportRow | None:
    cells, too_long = {}, []
    for key, index in columns.items():
        text, cut = _cell(values[index]) if index < len(values) else ("", False)
        cells[FIELD_FOR_HEADER[key]] = text
        if cut:
            too_long.append(FIELD_FOR_HEADER[key])
    if not any(cells.values()):
        return None
    return ImportRow(
        row=number,
        name=cells.get("name", ""),
        phone=cells.get("phone", ""),
        position_label=cells.get("position", ""),
        province_label=cells.get("province", ""),
        city_label=cells.get("city", ""),
        too_long=too_long,
    )


def parse_workbook(upload) -> list[ImportRow]:
    """The non-empty data rows of the 成员 sheet (or the first sheet), streamed.

    Raises ``ImportFileError`` for a file that cannot be read, lacks a required column,
    holds no rows or too many (``ipms.core.excel.xlsx_rows_read``).
    """
    limit = max_rows()
    return excel.xlsx_rows_read(
        upload,
        sheet=SHEET_MEMBERS,
        columns=_columns,
        row=_row,
        max_columns=MAX_COLUMNS,
        max_rows=limit,
        max_empty_run=MAX_EMPTY_RUN,
        error=ImportFileError,
        no_rows=MSG_NO_ROWS,
        too_many_rows=MSG_TOO_MANY_ROWS.format(limit=limit),
        log_label="member import",
    )


# --- row checks ---------------------------------------------------------------------------

_POSITIONS = {label: value for value, label in Membership.Position.choices}


def _match_region(text: str, options) -> tuple[str, str] | None:
    """(code, name) for a typed name: exact, or a unique prefix (上海 → 上海市), or a code."""
    if not text:
        return None
    for region in options:
        if text in (region.name, region.code):
            return region.code, region.name
    prefixed = [region for region in options if region.name.startswith(text)]
    if len(prefixed) == 1:
        return prefixed[0].code, prefixed[0].name
    return None


def _city_anywhere(text: str) -> tuple[str, str, str] | None:
    """(province code, city code, city name) when a city name is unique in the country."""
    found = []
    for province in regions.provinces():
        match = _match_region(text, regions.cities(province.code))
        if match:
            found.append((province.code, *match))
    return found[0] if len(found) == 1 else None


def _check_fields(item: ImportRow) -> None:
    if item.too_long:
        # A cell no member list has: say which, and check nothing else in the row.
        item.errors.extend(
            ERR_CELL_TOO_LONG.format(column=HEADER_FOR_FIELD[name], limit=CELL_MAX_LENGTH)
            for name in item.too_long
        )
        return
    name_error = person_name_error(item.name)
    if name_error is not None:
        item.errors.append(name_error[0])
    if not item.phone:
        item.errors.append(ERR_PHONE_EMPTY)
    else:
        phone = normalize_mobile(item.phone)
        if is_mobile(phone):
            item.phone = phone
        else:
            item.errors.append(ERR_PHONE_INVALID)
    if not item.position_label:
        item.errors.append(ERR_POSITION_EMPTY)
    elif item.position_label in _POSITIONS:
        item.position = _POSITIONS[item.position_label]
    elif item.position_label in Membership.Position.values:
        item.position = item.position_label
    else:
        item.errors.append(ERR_POSITION_UNKNOWN.format(value=shown(item.position_label)))

    province = _match_region(item.province_label, regions.provinces())
    if item.province_label and province is None:
        item.errors.append(ERR_PROVINCE_UNKNOWN.format(value=shown(item.province_label)))
        return
    if province is not None:
        item.province = province[0]
    if not item.city_label:
        return
    if province is None:
        found = _city_anywhere(item.city_label)
        if found is None:
            item.errors.append(ERR_CITY_NO_PROVINCE.format(value=shown(item.city_label)))
        else:
            item.province, item.city = found[0], found[1]
        return
    city = _match_region(item.city_label, regions.cities(province[0]))
    if city is None:
        item.errors.append(
            ERR_CITY_UNKNOWN.format(value=shown(item.city_label), province=province[1])
        )
    else:
        item.city = city[0]


def check_rows(enterprise: Enterprise, rows: list[ImportRow], *, by) -> list[ImportRow]:
    """Fill each row's ``errors`` (or ``skip``), asking the database once per 10,000 phones.

    A phone of another enterprise's member or of a disabled account gets the one message
    of 添加成员 (``messages.PHONE_NOT_ADDABLE``), counted against the admin ``by``'s
    MEMBER_REFUSAL_RATE. Once that is spent, every row not yet answered gets the limit's
    message instead, the good ones too: a file of phones is not a way to look them up.
    """
    first_row: dict[str, int] = {}
    for item in rows:
        _check_fields(item)
        if item.errors or not item.phone:
            continue
        if item.phone in first_row:
            item.errors.append(ERR_DUPLICATE.format(row=first_row[item.phone]))
        else:
            first_row[item.phone] = item.row

    facts = selectors.admission_facts(enterprise, list(first_row))
    limit = services.member_refusals_peek(by=by)
    for item in rows:
        if item.errors:
            continue
        if not limit.allowed:
            item.errors.append(limit.message)
            continue
        # The preview sends nothing, so the invitation limits are 确认导入's to check.
        decision = admission_decide(facts.get(item.phone, PhoneFacts()), bulk=True)
        if decision.outcome is Outcome.SKIP:
            item.skip = decision.message
        elif decision.refused:
            item.errors.append(decision.message)
            limit = services.member_refusal_count(by=by)
    return rows


# --- stored preview -----------------------------------------------------------------------


@dataclass
class Preview:
    id: str
    enterprise_id: int
    user_id: int
    filename: str
    created_at: str
    rows: list[ImportRow]  # every importable row; the first rows with errors, skipped
    error_count: int = 0
    skip_count: int = 0

    @property
    def ok_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.ok]

    @property
    def error_rows(self) -> list[ImportRow]:
        """The first PREVIEW_LIST_MAX rows with errors (``error_count`` counts them all)."""
        return [row for row in self.rows if row.errors]

    @property
    def skip_rows(self) -> list[ImportRow]:
        """The first PREVIEW_LIST_MAX skipped rows (``skip_count`` counts them all)."""
        return [row for row in self.rows if row.skip and not row.errors]

    @property
    def error_hidden(self) -> int:
        return self.error_count - len(self.error_rows)

    @property
    def skip_hidden(self) -> int:
        return self.skip_count - len(self.skip_rows)


def _shown_row(row: ImportRow) -> dict:
    """A row with errors as the preview shows it: every value cut to SHOWN_MAX_LENGTH."""
    data = asdict(row)
    for name in ("name", "phone", "position_label", "province_label", "city_label"):
        data[name] = shown(data[name])
    return data


def _key(enterprise_id: int, preview_id: str, part: str = "rows") -> str:
    return f"member-import:{enterprise_id}:{preview_id}:{part}"


def preview_ttl() -> int:
    return settings.MEMBER_IMPORT_PREVIEW_TTL


def preview_store(*, enterprise: Enterprise, user, filename: str, rows: list[ImportRow]) -> str:
    """Keep the checked rows server-side; returns the random id the pages refer to."""
    preview_id = secrets.token_urlsafe(16)
    kept, errors, skips = [], 0, 0
    for row in rows:
        if row.errors:
            errors += 1
            if errors <= PREVIEW_LIST_MAX:
                kept.append(_shown_row(row))
        elif row.skip:
            skips += 1
            if skips <= PREVIEW_LIST_MAX:
                kept.append(asdict(row))
        else:
            kept.append(asdict(row))
    data = {
        "id": preview_id,
        "enterprise_id": enterprise.pk,
        "user_id": user.pk,
        "filename": filename[:200],
        "created_at": timezone.now().isoformat(),
        "rows": kept,
        "error_count": errors,
        "skip_count": skips,
    }
    cache.set(_key(enterprise.pk, preview_id), data, preview_ttl())
    return preview_id


def _valid_id(preview_id: str) -> bool:
    return (
        bool(preview_id)
        and len(preview_id) <= 64
        and preview_id.replace("-", "a").replace("_", "a").isalnum()
    )


def preview_load(*, enterprise: Enterprise, preview_id: str) -> Preview | None:
    """The stored preview, only for the enterprise it was made for (else None)."""
    if not _valid_id(preview_id):
        return None
    data = cache.get(_key(enterprise.pk, preview_id))
    if not data or data.get("enterprise_id") != enterprise.pk:
        return None
    rows = [ImportRow(**row) for row in data["rows"]]
    return Preview(
        id=data["id"],
        enterprise_id=data["enterprise_id"],
        user_id=data["user_id"],
        filename=data["filename"],
        created_at=data["created_at"],
        rows=rows,
        # Previews stored before the counts existed still load (they expire within the TTL).
        error_count=data.get("error_count", sum(1 for row in rows if row.errors)),
        skip_count=data.get("skip_count", sum(1 for row in rows if row.skip and not row.errors)),
    )


def import_claim(*, enterprise: Enterprise, preview_id: str) -> bool:
    """True for the first 确认导入 of a preview; a double click or re-submit gets False."""
    return cache.add(_key(enterprise.pk, preview_id, "claim"), 1, preview_ttl())


def import_release(*, enterprise: Enterprise, preview_id: str) -> None:
    """Let the admin confirm again (the import was refused and wrote nothing)."""
    cache.delete(_key(enterprise.pk, preview_id, "claim"))


def result_store(*, enterprise: Enterprise, preview_id: str, result: dict) -> None:
    cache.set(_key(enterprise.pk, preview_id, "result"), result, preview_ttl())


def result_load(*, enterprise: Enterprise, preview_id: str) -> dict | None:
    if not _valid_id(preview_id):
        return None
    return cache.get(_key(enterprise.pk, preview_id, "result"))


def import_claimed(*, enterprise: Enterprise, preview_id: str) -> bool:
    return _valid_id(preview_id) and cache.get(_key(enterprise.pk, preview_id, "claim")) is not None


# --- 批量导入 → 确认导入 -----------------------------------------------------------------------


def member_import_upload(*, enterprise: Enterprise, by, upload) -> str:
    """批量导入 → 上传: read the file, check every row, keep the preview; returns its id.

    Raises ImportFileError when the file as a whole cannot be used.
    """
    rows = parse_workbook(upload)
    check_rows(enterprise, rows, by=by)
    return preview_store(enterprise=enterprise, user=by, filename=upload.name, rows=rows)


def member_import_confirm(*, enterprise: Enterprise, by, preview: Preview) -> None:
    """确认导入 of a checked upload: invite its valid rows once, store the result page.

    The preview is claimed first: a double click or a re-submit returns at once (its
    page then waits for the first request's result). A refusal releases the claim, so the
    admin may confirm again once the reason is fixed.
    """
    if not enterprise.is_profile_complete:
        raise DomainError(messages.PROFILE_INCOMPLETE, code="profile_incomplete")
    rows = [
        services.InviteRow(
            ref=row.row,
            phone=row.phone,
            position=row.position,
            name=row.name,
            province=row.province,
            city=row.city,
        )
        for row in preview.ok_rows
    ]
    if not rows:
        raise DomainError(services.IMPORT_NOTHING, code="import_nothing")
    if not import_claim(enterprise=enterprise, preview_id=preview.id):
        return
    try:
        result = services.membership_invite_bulk(enterprise=enterprise, by=by, rows=rows)
    except Exception:
        import_release(enterprise=enterprise, preview_id=preview.id)
        raise
    by_row = {row.row: row for row in preview.rows}

    def described(pairs):
        return [
            {"row": ref, "phone": by_row[ref].phone, "name": by_row[ref].name, "reason": reason}
            for ref, reason in pairs
        ]

    result_store(
        enterprise=enterprise,
        preview_id=preview.id,
        result={
            "filename": preview.filename,
            "invited": len(result.invited),
            "skipped": described(result.skipped),
            "failed": described(result.failed),
            "preview_skipped": preview.skip_count,
            "preview_errors": preview.error_count,
        },
    )
