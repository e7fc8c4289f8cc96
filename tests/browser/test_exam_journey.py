"""The exam on demo data, in Chromium at desktop and phone widths (issue 11).

The demo newcomer, who has finished every lesson of 知识产权管理人员课程 and not yet taken its
exam, opens the course's 考试 tab, starts, answers two questions wrongly and submits; the
result shows, per question, 正确答案, 您选对了 / 您选错了 with their own choice, and 得分.
A second browser tab still holding the sheet submits too and is told that nothing more was
recorded. They press 重新考试, answer everything right and pass; the course page then
says 是否完成考试 已完成 and shows the best score. With the conditions met, the 证书 tab's
生成学习证明 makes the proof; its PNG downloads, and the QR code on it decodes to the
证书查验 page, which says 真实有效 (the whole way from the exam to a verified proof, in one
browser session; test_credentials_journey.py looks at the PDF and the page in detail).

The right answers are read from the demo rows; the options appear in the attempt's own
shuffled order, so the test picks them by what they say, never by position.
"""

from __future__ import annotations

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from ipms.credentials.models import Credential
from ipms.demo import exams as exam_demo
from ipms.exams.models import ExamPaper
from ipms.learning.models import Course
from tests.browser.conftest import DESKTOP, PHONE, assert_accessible_basics, log_in, open_nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def answer(page, paper, *, wrong: int) -> int:
    """Tick the right options (by their text) except for the first ``wrong`` questions;
    returns the score that should result."""
    score = 0
    for index, question in enumerate(paper.questions.order_by("order", "id")):
        options = list(question.options.all())
        item = page.locator(f"li.exam-question[data-question='{index + 1}']")
        expect(item).to_contain_text(question.text)
        if index < wrong:
            chosen = [next(o for o in options if not o.is_correct)]
        else:
            chosen = [o for o in options if o.is_correct]
            score += question.points
        for option in chosen:
            item.locator("label", has_text=option.text).click()
    return score


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_learner_fails_part_of_the_exam_retakes_it_passes_and_gets_a_proof(
    page, live_server, demo_data, shoot, console_errors, viewport, settings, artifacts_dir
):
    settings.SITE_URL = live_server.url  # what the proof's QR code points at
    course = Course.objects.get(title=exam_demo.MANAGEMENT_COURSE)
    paper = ExamPaper.objects.get(course=course)
    assert paper.shuffle_options
    phone, password = exam_demo.NEWCOMER["phone"], exam_demo.NEWCOMER["password"]

    page.set_viewport_size(viewport)
    log_in(page, live_server, phone, password)
    open_nav(page, "在学课程")
    page.get_by_role("link", name=course.title).first.click()
    expect(page.locator("[data-figure='exam']")).to_have_text("未完成")

    page.get_by_role("tab", name="考试").click()
    tab = page.get_by_role("tabpanel", name="考试")
    expect(tab.get_by_test_id("exam-header")).to_contain_text("单选题 6题 得分 60 分")
    expect(tab.get_by_test_id("exam-header")).to_contain_text("多选题 4题 得分 40 分")
    expect(tab.get_by_test_id("exam-header")).to_contain_text("总分：100 分")
    expect(tab).to_contain_text("考试时长 30 分钟")
    shoot(page, "exam-tab")
    tab.get_by_role("button", name="开始考试").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("考试")
    expect(page.get_by_test_id("exam-timer")).to_contain_text("剩余")
    sheet_url = page.url
    expected = answer(page, paper, wrong=2)
    assert expected == 80
    assert_accessible_basics(page)
    shoot(page, "exam-sheet")

    # The same sheet, open in a second tab of the learner's browser.
    second = page.context.new_page()
    second.goto(sheet_url)
    expect(second.get_by_role("button", name="提交")).to_be_visible()

    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text(f"答卷已提交，本次得分 {expected} 分。")).to_be_visible()
    expect(page.get_by_test_id("exam-score")).to_contain_text(f"本次得分：{expected} 分")
    verdicts = page.get_by_test_id("verdict")
    expect(verdicts).to_have_count(10)
    expect(verdicts.filter(has_text="您选错了")).to_have_count(2)
    expect(verdicts.filter(has_text="您选对了")).to_have_count(8)
    first = page.locator("li.exam-result[data-question='1']")
    expect(first).to_contain_text("正确答案")
    expect(first).to_contain_text("得分：0分")
    expect(page.locator("li.exam-result[data-question='3']")).to_contain_text("得分：10分")
    assert_accessible_basics(page)
    shoot(page, "exam-result")

    # The second tab submits its (empty) sheet: nothing more is recorded, and it says so.
    second.get_by_role("button", name="提交").click()
    expect(second.get_by_text("本次考试已经提交过，重复提交未被记录。")).to_be_visible()
    expect(second.get_by_test_id("exam-score")).to_contain_text(f"本次得分：{expected} 分")
    second.close()

    page.get_by_role("button", name="重新考试").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("考试")
    expect(page.get_by_text("第2次")).to_be_visible()
    assert answer(page, paper, wrong=0) == 100
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("exam-score")).to_contain_text("本次得分：100 分")
    expect(page.get_by_test_id("verdict").filter(has_text="您选错了")).to_have_count(0)

    page.get_by_role("link", name="返回课程").click()
    expect(page.locator("[data-figure='exam']")).to_have_text("已完成")
    expect(page.locator("[data-figure='exam-score']")).to_have_text("100")
    page.get_by_role("tab", name="考试").click()
    expect(page.get_by_test_id("exam-best")).to_have_text("100 分")
    expect(page.get_by_test_id("exam-used")).to_have_text("2 / 3")
    shoot(page, "course-after-exam")

    # The conditions now hold: the proof, its PNG, and the QR code on it.
    page.get_by_role("tab", name="证书").click()
    panel = page.get_by_role("tabpanel", name="证书")
    expect(panel.get_by_test_id("proof-current")).to_contain_text("当前考试得分 100 分")
    panel.get_by_role("button", name="生成学习证明").click()
    proof = Credential.objects.get(user__phone=phone, course=course)
    expect(page.get_by_role("status")).to_contain_text(f"学习证明已生成：{proof.number}。")
    page.get_by_role("tab", name="证书").click()
    with page.expect_download() as download:
        panel.get_by_test_id("proof-png").click()
    png_path = artifacts_dir / f"exam-proof-{viewport['width']}.png"
    download.value.save_as(png_path)
    (code,) = zxingcpp.read_barcodes(Image.open(png_path))
    assert code.text == f"{live_server.url}/verify/{proof.number}/"
    page.goto(code.text)
    expect(page.get_by_test_id("verify-result")).to_contain_text("真实有效")
    expect(page.get_by_test_id("verify-signature")).to_contain_text("校验通过")
    shoot(page, "proof-verified")
