"""The operator manages papers and questions in the console and imports a question bank."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from ipms.accounts.tests.factories import UserFactory
from ipms.core.excel import XLSX_MIME
from ipms.core.models import AuditLog
from ipms.exams import imports
from ipms.exams.models import ExamPaper, Option, Question
from ipms.exams.tests.factories import ExamPaperFactory, add_question, make_paper, take_exam
from ipms.learning.tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


def paper_form(paper, questions, **overrides):
    data = {
        "course": str(paper.course_id),
        "instructions": "",
        "max_attempts": "3",
        "time_limit_minutes": "",
        "questions-TOTAL_FORMS": str(len(questions)),
        "questions-INITIAL_FORMS": str(sum(1 for q in questions if q.pk)),
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    if paper.is_published:
        data["is_published"] = "on"
    for index, question in enumerate(questions):
        data |= {
            f"questions-{index}-id": str(question.pk or ""),
            f"questions-{index}-paper": str(paper.pk),
            f"questions-{index}-order": str(question.order),
            f"questions-{index}-kind": question.kind,
            f"questions-{index}-text": question.text,
            f"questions-{index}-points": str(question.points),
        }
    data.update(overrides)
    return data


def change_url(paper):
    return reverse("admin:exams_exampaper_change", args=[paper.pk])


def test_console_pages_open_in_chinese(operator_client):
    paper = make_paper()
    take_exam(UserFactory(), paper.course, wrong=1)
    question = paper.questions.first()
    for url in (
        reverse("admin:exams_exampaper_changelist"),
        reverse("admin:exams_exampaper_add"),
        change_url(paper),
        reverse("admin:exams_question_change", args=[question.pk]),
        reverse("admin:exams_attempt_changelist"),
        reverse("admin:exams_exampaper_import", args=[paper.pk]),
    ):
        response = operator_client.get(url)
        assert response.status_code == 200, url
    page = operator_client.get(change_url(paper)).content.decode()
    assert "单选题 4题 80分，多选题 1题 20分；总分：100 分" in page
    assert "试卷完整，可以发布。" in page and "导入试题" in page


def test_publishing_a_paper_that_does_not_add_up_is_refused(operator_client):
    paper = make_paper(is_published=False)
    questions = list(paper.questions.all())
    questions[0].points = 10
    response = operator_client.post(
        change_url(paper), paper_form(paper, questions, is_published="on")
    )
    assert response.status_code == 200
    assert "试卷不能发布：各题分值之和为 90 分，须为 100 分。" in response.content.decode()
    paper.refresh_from_db()
    assert not paper.is_published
    # Unpublished, the same edit is fine; the check then lists the problem.
    response = operator_client.post(change_url(paper), paper_form(paper, questions))
    assert response.status_code == 302
    assert "各题分值之和为 90 分" in operator_client.get(change_url(paper)).content.decode()


def test_a_question_needs_the_right_number_of_right_options(operator_client):
    paper = ExamPaperFactory(is_published=False)
    question = add_question(paper, kind="single", right="A", points=100)
    url = reverse("admin:exams_question_change", args=[question.pk])
    options = list(question.options.all())
    data = {
        "paper": str(paper.pk),
        "order": "1",
        "kind": "single",
        "text": question.text,
        "points": "100",
        "options-TOTAL_FORMS": str(len(options)),
        "options-INITIAL_FORMS": str(len(options)),
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "8",
    }
    for index, option in enumerate(options):
        data |= {
            f"options-{index}-id": str(option.pk),
            f"options-{index}-question": str(question.pk),
            f"options-{index}-order": str(index),
            f"options-{index}-text": option.text,
        }
        if index < 2:
            data[f"options-{index}-is_correct"] = "on"
    response = operator_client.post(url, data)
    assert response.status_code == 200
    assert "单选题须有且只有 1 个正确答案。" in response.content.decode()
    data["kind"] = "multiple"
    assert operator_client.post(url, data).status_code == 302
    assert Option.objects.filter(question=question, is_correct=True).count() == 2


def test_learners_cannot_reach_the_console(learner_client):
    paper = make_paper()
    for url in (
        change_url(paper),
        reverse("admin:exams_exampaper_import", args=[paper.pk]),
        reverse("admin:exams_exampaper_import_template"),
    ):
        response = learner_client.get(url)
        assert response.status_code == 302 and "/login/" in response.url


# --- 题库导入 -----------------------------------------------------------------------------


def workbook(rows, headers=imports.HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = imports.SHEET
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(kind, text, points, options, answer):
    return (kind, text, points, *options, *[""] * (8 - len(options)), answer)


def upload(content: bytes, name="题库.xlsx"):
    return SimpleUploadedFile(name, content, content_type=XLSX_MIME)


def post_import(client, paper, content, *, mode="append", name="题库.xlsx"):
    return client.post(
        reverse("admin:exams_exampaper_import", args=[paper.pk]),
        {"file": upload(content, name), "mode": mode},
    )


GOOD = [
    row("单选题", "管理评审由谁组织？", 40, ["最高管理者", "知识产权部门", "财务部门"], "A"),
    row("单选题", "采购合同应提交哪个部门审查？", 30, ["销售部门", "知识产权管理部门"], "B"),
    row("多选题", "下列哪些属于知识产权？", 30, ["专利权", "商标权", "物权", "著作权"], "A,B、D"),
]


def test_the_template_downloads_and_imports_once_filled(operator_client):
    response = operator_client.get(reverse("admin:exams_exampaper_import_template"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    wb = load_workbook(io.BytesIO(content))
    ws = wb[imports.SHEET]
    assert [c.value for c in ws[1]] == list(imports.HEADERS)
    for values in GOOD:
        ws.append(list(values))
    filled = io.BytesIO()
    wb.save(filled)

    paper = ExamPaperFactory(is_published=True)
    response = post_import(operator_client, paper, filled.getvalue(), mode="replace")
    assert response.status_code == 302
    questions = list(paper.questions.order_by("order"))
    assert [(q.kind, q.points) for q in questions] == [
        ("single", 40),
        ("single", 30),
        ("multiple", 30),
    ]
    right = [o.text for o in questions[2].options.all() if o.is_correct]
    assert right == ["专利权", "商标权", "著作权"]
    assert AuditLog.objects.filter(action="exam.questions_imported").count() == 1
    page = operator_client.get(change_url(paper)).content.decode()
    assert "已导入 3 道试题，试卷现有 3 道试题，共 100 分。" in page


def test_a_file_with_bad_rows_imports_nothing_and_lists_each_row(operator_client):
    paper = make_paper(is_published=False)
    before = Question.objects.count()
    bad = [
        GOOD[0],
        row("判断题", "题目", 10, ["对", "错"], "A"),
        row("单选题", "", 0, ["甲", "乙"], "AB"),
        row("多选题", "缺少选项", 10, ["甲", "", "丙"], "AE"),
        row("多选题", "只有一个正确答案", 10, ["甲", "乙"], "A"),
    ]
    response = post_import(operator_client, paper, workbook(bad))
    assert response.status_code == 200
    page = response.content.decode()
    assert "文件中有 4 行有误，未导入任何试题。" in page
    assert "第3行：题型须为“单选题”或“多选题”。" in page
    assert "第4行：题目为空；分值须为 1-100 的整数" in page
    assert "第5行：选项B为空，但后面还有选项；请从选项A起连续填写；" in page
    assert "正确答案“E”对应的选项为空。" in page
    assert "第6行：多选题须有至少 2 个正确答案。" in page
    assert Question.objects.count() == before


def test_a_published_paper_must_still_add_up_after_the_import(operator_client):
    paper = make_paper()  # published, 100 points
    response = post_import(operator_client, paper, workbook(GOOD[:1]))
    assert response.status_code == 200
    assert "导入后试卷不符合要求，未导入任何试题：各题分值之和为 140 分" in (
        response.content.decode()
    )
    assert paper.questions.count() == 5


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"not a workbook", "题库.xlsx", "无法读取该文件"),
        (workbook(GOOD), "题库.csv", "请上传 .xlsx 格式的Excel文件"),
        (b"", "题库.xlsx", "文件是空的"),
        (workbook(GOOD, headers=("题型", "题目")), "题库.xlsx", "文件第1行缺少“分值”“选项A”"),
        (workbook([]), "题库.xlsx", "文件中没有试题"),
    ],
)
def test_unusable_files_are_refused_clearly(operator_client, content, name, message):
    paper = ExamPaperFactory(is_published=False)
    response = post_import(operator_client, paper, content, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not paper.questions.exists()


def test_an_oversized_file_is_refused(operator_client, monkeypatch):
    monkeypatch.setattr(imports, "MAX_SIZE", 1000)
    paper = ExamPaperFactory(is_published=False)
    response = post_import(operator_client, paper, workbook(GOOD))
    assert imports.MSG_TOO_BIG in response.content.decode()
    assert not paper.questions.exists()


def test_too_many_rows_are_refused(operator_client, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    paper = ExamPaperFactory(is_published=False)
    response = post_import(operator_client, paper, workbook(GOOD))
    assert "请分批导入" in response.content.decode()
    assert not paper.questions.exists()


def test_new_paper_for_a_course(operator_client):
    course = CourseFactory()
    response = operator_client.post(
        reverse("admin:exams_exampaper_add"),
        paper_form(ExamPaper(course=course), []),
    )
    assert response.status_code == 302
    assert ExamPaper.objects.filter(course=course, is_published=False).exists()
