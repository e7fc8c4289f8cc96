"""题库导入: questions from an .xlsx file into a paper, all rows or none.

The operator downloads the template (:func:`build_template`), fills one question per
row — 题型 (单选题/多选题), 题目, 分值, 选项A-选项H, 正确答案 (letters such as ``C`` or
``ABD``) — and uploads it on the paper's console page, choosing to add the questions or
to replace the paper's questions. Every row is checked first; a file with any error
imports nothing and lists each error with its row number (“第3行：…”). A published paper
must still add up to 100 points after the import, or nothing is imported either.

The upload is checked and read as the member import's is (``ipms.core.excel``:
extension, its own 1 MB limit, magic bytes, ZIP inflation; the sheet streamed with
openpyxl's read-only mode, bounded in rows, columns and cell length).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ipms.core import excel
from ipms.core.audit import audit_record
from ipms.core.errors import DomainError
from ipms.exams.grading import (
    LETTERS,
    MAX_OPTIONS,
    OptionView,
    QuestionView,
    paper_problems,
    question_problems,
)
from ipms.exams.models import (
    OPTION_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    TOTAL_POINTS,
    ExamPaper,
    Question,
)
from ipms.exams.services import QuestionSpec, question_views, questions_add

MAX_SIZE = 1024 * 1024  # a 500-question bank is about 60 KB
MAX_ROWS = 500
MAX_COLUMNS = 20
MAX_EMPTY_RUN = 200
SHEET = "试题"
TEMPLATE_FILENAME = "试题导入模板.xlsx"
OPTION_HEADERS = tuple(f"选项{letter}" for letter in LETTERS[:MAX_OPTIONS])
HEADERS = ("题型", "题目", "分值", *OPTION_HEADERS, "正确答案")
REQUIRED_HEADERS = ("题型", "题目", "分值", "选项A", "选项B", "正确答案")
KINDS = {label: value for value, label in Question.Kind.choices}

MSG_TOO_BIG = "文件过大，题库文件不能超过 1 MB。"
MSG_BROKEN = excel.MSG_XLSX_BROKEN
MSG_NO_ROWS = "文件中没有试题，请从第2行开始填写。"
MSG_TOO_MANY_ROWS = f"文件中的试题超过 {MAX_ROWS} 行，请分批导入。"
MSG_ROW_ERRORS = "文件中有 {count} 行有误，未导入任何试题。请修改后重新上传。"
MSG_PAPER_AFTER = "导入后试卷不符合要求，未导入任何试题：{problems}"
MSG_IMPORTED = "已导入 {count} 道试题，试卷现有 {total} 道试题，共 {points} 分。"

ERR_KIND = "题型须为“单选题”或“多选题”"
ERR_TEXT_EMPTY = "题目为空"
ERR_TEXT_LONG = f"题目超过 {QUESTION_MAX_LENGTH} 个字"
ERR_POINTS = f"分值须为 1-{TOTAL_POINTS} 的整数"
ERR_OPTION_LONG = "{column}超过 " + str(OPTION_MAX_LENGTH) + " 个字"
ERR_OPTION_GAP = "{column}为空，但后面还有选项；请从选项A起连续填写"
ERR_ANSWER_EMPTY = "正确答案为空"
ERR_ANSWER_LETTERS = "正确答案“{value}”须为选项字母，如 C 或 ABD"
ERR_ANSWER_MISSING = "正确答案“{letter}”对应的选项为空"


class ImportFileError(DomainError):
    """The file as a whole cannot be used."""

    code = "question_import_file"


class ImportRowsError(DomainError):
    """Some rows are wrong: ``errors`` lists “第N行：…” for each; nothing was imported."""

    code = "question_import_rows"

    def __init__(self, message: str, *, errors: list[str]) -> None:
        super().__init__(message)
        self.errors = errors


@dataclass
class QuestionRow:
    row: int
    kind: str = ""
    text: str = ""
    points: int = 0
    options: list[str] = field(default_factory=list)
    right: set[int] = field(default_factory=set)  # indexes into options
    errors: list[str] = field(default_factory=list)


EXAMPLE_SINGLE = (
    "单选题",
    "企业知识产权方针应由谁批准发布？（ ）",
    10,
    "最高管理者",
    "管理者代表",
    "知识产权部门负责人",
    "人力资源部门",
    *[""] * (MAX_OPTIONS - 4),
    "A",
)
EXAMPLE_MULTIPLE = (
    "多选题",
    "下列哪些属于知识产权？（ ）",
    10,
    "专利权",
    "商标权",
    "著作权",
    "物权",
    *[""] * (MAX_OPTIONS - 4),
    "ABC",
)


# --- 下载模板 ------------------------------------------------------------------------------


def build_template() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    fill = PatternFill("solid", fgColor="9E1C26")
    widths = {"题型": 10, "题目": 48, "分值": 8, "正确答案": 10}
    for column, header in enumerate(HEADERS, start=1):
        cell = ws.cell(row=1, column=column, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(column)].width = widths.get(header, 22)
    ws.freeze_panes = "A2"
    kinds = DataValidation(type="list", formula1='"' + ",".join(KINDS) + '"', allow_blank=False)
    kinds.error, kinds.errorTitle = "请选择“单选题”或“多选题”。", "题型"
    kinds.showErrorMessage = True
    ws.add_data_validation(kinds)
    kinds.add(f"A2:A{MAX_ROWS + 1}")

    notes = wb.create_sheet("填写说明")
    lines = [
        ("试题导入填写说明",),
        ("1. 在“试题”工作表中从第2行开始填写，每行一道试题；不要修改第1行的列标题。",),
        ("2. 题型：单选题 或 多选题。单选题有且只有 1 个正确答案；",),
        ("   多选题至少 2 个正确答案，须全部选对才得分。",),
        (f"3. 分值：1-{TOTAL_POINTS} 的整数。",),
        (f"   已发布的试卷导入后各题分值之和须为 {TOTAL_POINTS} 分。",),
        (f"4. 选项：从选项A起连续填写，至少 2 个、最多 {MAX_OPTIONS} 个。",),
        ("5. 正确答案：填写选项字母，如 C 或 ABD（也可写作 A,B,D）。",),
        (f"6. 每个文件最多 {MAX_ROWS} 道试题。",),
        ("7. 任何一行有误时不会导入任何试题，请按提示修改后重新上传。",),
        ("",),
        ("示例（请勿把示例填入“试题”工作表）：",),
        HEADERS,
        EXAMPLE_SINGLE,
        EXAMPLE_MULTIPLE,
    ]
    for row, values in enumerate(lines, start=1):
        for column, value in enumerate(values, start=1):
            notes.cell(row=row, column=column, value=value)
    notes["A1"].font = Font(bold=True, size=14)
    notes.column_dimensions["A"].width = 12
    notes.column_dimensions["B"].width = 48
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- reading ------------------------------------------------------------------------------


def validate_upload(upload) -> None:
    """Refuse anything but a reasonably sized real .xlsx (raises ``ValidationError``)."""
    excel.xlsx_upload_check(upload, max_size=MAX_SIZE, too_big=MSG_TOO_BIG)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_row(number: int, cells: dict[str, str]) -> QuestionRow:
    item = QuestionRow(row=number)
    kind = KINDS.get(cells.get("题型", ""))
    if kind is None:
        item.errors.append(ERR_KIND)
    else:
        item.kind = kind
    item.text = cells.get("题目", "")
    if not item.text:
        item.errors.append(ERR_TEXT_EMPTY)
    elif len(item.text) > QUESTION_MAX_LENGTH:
        item.errors.append(ERR_TEXT_LONG)
    points = cells.get("分值", "")
    if re.fullmatch(r"\d{1,3}", points) and 1 <= int(points) <= TOTAL_POINTS:
        item.points = int(points)
    else:
        item.errors.append(ERR_POINTS)
    values = [cells.get(header, "") for header in OPTION_HEADERS]
    while values and not values[-1]:
        values.pop()
    for header, value in zip(OPTION_HEADERS, values, strict=False):
        if not value:
            item.errors.append(ERR_OPTION_GAP.format(column=header))
        elif len(value) > OPTION_MAX_LENGTH:
            item.errors.append(ERR_OPTION_LONG.format(column=header))
    item.options = values
    answer = cells.get("正确答案", "").upper()
    letters = re.sub(r"[\s,，、;；/]+", "", answer)
    if not letters:
        item.errors.append(ERR_ANSWER_EMPTY)
    elif not re.fullmatch(f"[{LETTERS[:MAX_OPTIONS]}]+", letters):
        item.errors.append(ERR_ANSWER_LETTERS.format(value=answer[:10]))
    else:
        for letter in sorted(set(letters)):
            index = LETTERS.index(letter)
            if index >= len(values) or not values[index]:
                item.errors.append(ERR_ANSWER_MISSING.format(letter=letter))
            else:
                item.right.add(index)
    if not item.errors:
        view = _view(item, qid=0)
        item.errors.extend(p.rstrip("。") for p in question_problems(view))
    return item


def _view(item: QuestionRow, *, qid: int) -> QuestionView:
    return QuestionView(
        id=qid,
        kind=item.kind,
        text=item.text,
        points=item.points,
        options=tuple(
            OptionView(id=i, text=text, correct=i in item.right)
            for i, text in enumerate(item.options)
        ),
    )


def _columns(header: tuple) -> dict[str, int]:
    return excel.xlsx_columns(
        (_text(value) for value in header),
        known=HEADERS,
        required=REQUIRED_HEADERS,
        error=ImportFileError,
    )


def _row(number: int, values: tuple, columns: dict[str, int]) -> QuestionRow | None:
    cells = {
        name: _text(values[index])[: QUESTION_MAX_LENGTH + 1] if index < len(values) else ""
        for name, index in columns.items()
    }
    if not any(cells.values()):
        return None
    return _parse_row(number, cells)


def parse_workbook(upload) -> list[QuestionRow]:
    """The non-empty rows of the 试题 sheet (or the first sheet), each checked
    (``ipms.core.excel.xlsx_rows_read``)."""
    return excel.xlsx_rows_read(
        upload,
        sheet=SHEET,
        columns=_columns,
        row=_row,
        max_columns=MAX_COLUMNS,
        max_rows=MAX_ROWS,
        max_empty_run=MAX_EMPTY_RUN,
        error=ImportFileError,
        no_rows=MSG_NO_ROWS,
        too_many_rows=MSG_TOO_MANY_ROWS,
        log_label="question import",
    )


# --- the import ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    imported: int
    total: int
    points: int

    @property
    def message(self) -> str:
        return MSG_IMPORTED.format(count=self.imported, total=self.total, points=self.points)


def question_import(*, paper: ExamPaper, upload, replace: bool, by, request=None) -> ImportResult:
    """Import every row of ``upload`` into ``paper`` or nothing.

    Raises ``ValidationError`` (the upload), ``ImportFileError`` (the file as a whole) or
    ``ImportRowsError`` (row errors, or a published paper that would not add up).
    """
    validate_upload(upload)
    rows = parse_workbook(upload)
    errors = [f"第{item.row}行：{'；'.join(item.errors)}。" for item in rows if item.errors]
    if errors:
        raise ImportRowsError(MSG_ROW_ERRORS.format(count=len(errors)), errors=errors)
    with transaction.atomic():
        paper = ExamPaper.objects.select_for_update().get(pk=paper.pk)
        kept = [] if replace else list(paper.questions.prefetch_related("options"))
        if paper.is_published:
            after = question_views(kept) + [_view(item, qid=-i) for i, item in enumerate(rows)]
            problems = paper_problems(after, total=TOTAL_POINTS)
            if problems:
                raise ImportRowsError(
                    MSG_PAPER_AFTER.format(problems="；".join(problems[:5])), errors=[]
                )
        if replace:
            paper.questions.all().delete()
        questions_add(
            paper=paper,
            specs=[
                QuestionSpec(
                    kind=item.kind,
                    text=item.text,
                    points=item.points,
                    options=tuple(item.options),
                    right=frozenset(item.right),
                )
                for item in rows
            ],
        )
        total = len(kept) + len(rows)
        points = sum(q.points for q in kept) + sum(item.points for item in rows)
        audit_record(
            action="exam.questions_imported",
            actor=by,
            obj=paper,
            details={"count": len(rows), "replace": replace, "total": total, "points": points},
            request=request,
        )
    return ImportResult(imported=len(rows), total=total, points=points)
