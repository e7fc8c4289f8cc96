"""Learning on demo data, in Chromium at desktop and phone widths (issue 4).

The demo learner logs in, opens 在学课程, continues a course, and sees the figures, 我的学分
and 本课程排行榜 on the course page. The demo admin switches identity, opens 学习管理,
changes course, searches, exports (导出Excel → 下载Excel) and opens the file with openpyxl.

Every figure and name the pages should show is read from the demo rows (demo_figures).
"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from ipms.credentials.models import Credential
from ipms.learning.models import Lesson
from tests.browser import demo_figures as demo
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    assert_accessible_basics,
    log_in,
    open_nav,
    open_user_menu,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_learner_continues_a_course_and_sees_figures_and_leaderboard(
    page, live_server, demo_data, shoot, viewport
):
    phone, password = demo.demo_account(demo.DEMO_LEARNER_ROLE)
    learner = demo.user_of(phone)
    course = demo.longest_course()
    mine = demo.figures(learner, course)
    # What the demo promises this account: it finished the longest course.
    assert mine.completed == mine.lessons > 0
    last = demo.last_lesson(learner, course)

    page.set_viewport_size(viewport)
    log_in(page, live_server, phone, password)

    # 在学课程 from the navigation (after 课程列表); the user menu has it too.
    open_nav(page, "在学课程")
    expect(page.get_by_role("heading", level=1, name="在学课程")).to_be_visible()
    card = page.locator("li.my-course", has_text=course.title)
    expect(card).to_contain_text(f"{mine.lessons}课时")
    expect(card).to_contain_text(f"已学习视频：{mine.completed_text}")
    if Credential.objects.filter(user=learner, course=course, kind="proof").exists():
        expect(card.get_by_role("link", name="证明下载")).to_be_visible()
    else:
        expect(card).to_contain_text("证明下载（未获得）")
    expect(card).to_contain_text("证书下载（未获得）")
    others = [other for other in demo.enrolled_courses(learner) if other != course]
    assert others, "the demo learner studies a second course"
    for other in others:
        expect(page.locator("li.my-course", has_text=other.title)).to_contain_text(
            demo.figures(learner, other).completed_text
        )
    expect(page.locator("li.my-course")).to_have_count(len(others) + 1)
    assert_accessible_basics(page)
    shoot(page, "my-courses")

    # 继续学习 opens the lesson studied last.
    card.get_by_role("link", name=f"继续学习 {course.title}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"课时{last.number}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(last.title)
    expect(page.locator("#lesson-video")).to_be_attached()
    assert_accessible_basics(page)

    # The course page: 继续学习, “上次学习到”, the figures, 我的学分, 本课程排行榜.
    page.get_by_role("navigation", name="面包屑导航").get_by_role("link", name=course.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)
    expect(page.get_by_role("link", name="继续学习")).to_be_visible()
    expect(page.get_by_test_id("last-lesson")).to_contain_text(f"上次学习到 {last.label}")
    figures = page.get_by_label("我的学习情况")
    expect(figures).to_contain_text("已累计学习")
    expect(figures.locator('[data-figure="days"]')).to_have_text(f"{mine.days}天")
    expect(figures.locator('[data-figure="completed"]')).to_have_text(
        f"{mine.completed} / {mine.lessons}"
    )
    best = demo.best_exam_score(learner, course)
    expect(figures.locator('[data-figure="exam"]')).to_have_text(
        "未完成" if best is None else "已完成"
    )
    expect(figures.locator('[data-figure="exam-score"]')).to_have_text(
        "—" if best is None else str(best)
    )
    expect(page.get_by_test_id("my-credits")).to_have_text(
        f"您在本课程的当前总学分为 {mine.credits} 学分"
    )
    expect(page.get_by_test_id("my-rank")).to_have_text(
        f"在全部学员中您在第{demo.rank(learner, course)}名"
    )
    board = page.locator("section.leaderboard")
    expect(board.locator("li.is-me")).to_contain_text(demo.masked_name(learner))
    expect(board.locator("li.leaderboard-row")).to_have_count(demo.learners_with_credits(course))
    expect(page.locator("li.lesson-row.is-last")).to_contain_text("上次学习")
    assert_accessible_basics(page)
    shoot(page, "course-page")

    # 考试 shows the paper (the exam journey takes it); 证书 the conditions.
    page.get_by_role("tab", name="考试").click()
    expect(page.get_by_test_id("exam-header")).to_contain_text("总分：100 分")
    page.get_by_role("tab", name="证书").click()
    certificate = page.get_by_role("tabpanel", name="证书")
    expect(certificate).to_be_visible()
    required = demo.published_lessons(course).filter(kind=Lesson.Kind.REQUIRED).count()
    min_credits = course.proof_min_credits or required * course.credits_per_lesson
    min_score = course.proof_min_exam_score
    expect(certificate).to_contain_text(
        f"学习证明获取条件：学分 >= {min_credits} 分 且 考试得分 >= {min_score} 分。"
    )
    expect(certificate).to_contain_text(f"当前学分 {mine.credits} 分")
    if best is not None:
        expect(certificate).to_contain_text(f"当前考试得分 {best} 分")
    proof = Credential.objects.filter(user=learner, course=course, kind="proof").first()
    if proof is None:  # 生成学习证明 waits for the conditions, saying why
        expect(certificate.get_by_role("button", name="生成学习证明")).to_be_disabled()
    else:  # the demo proof (credentials' demo loader, once the exam was passed)
        expect(certificate.get_by_test_id("proof-number")).to_contain_text(proof.number)
    shoot(page, "certificate-tab")

    # The user menu carries 在学课程 as well.
    open_user_menu(page)
    page.locator(".dropdown-menu").get_by_role("link", name="在学课程").click()
    expect(page.get_by_role("heading", level=1, name="在学课程")).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_admin_reads_the_learning_report_and_exports_it(
    page, live_server, demo_data, shoot, viewport, tmp_path
):
    phone, password = demo.demo_account(demo.DEMO_ADMIN_ROLE)
    admin = demo.user_of(phone)
    members = demo.verified_members(demo.enterprise_of(admin))
    learner = demo.user_of(demo.demo_account(demo.DEMO_LEARNER_ROLE)[0])
    default_course = demo.catalogue().first()
    course = demo.longest_course()
    assert course != default_course, "the journey changes course"
    zhang = demo.figures(learner, course)
    # The member searched for: one midway through the course.
    midway = [
        m.user
        for m in members
        if m.user != admin and 0 < demo.figures(m.user, course).completed < zhang.lessons
    ]
    assert midway, "the demo has a member midway through the course"
    searched = midway[0]
    theirs = demo.figures(searched, course)

    page.set_viewport_size(viewport)
    log_in(page, live_server, phone, password)
    open_user_menu(page)
    page.get_by_role("button", name=re.compile("身份切换")).click()
    expect(page.get_by_role("heading", name="成员管理")).to_be_visible()

    open_nav(page, "学习管理")
    expect(page.get_by_role("heading", level=1, name="学习管理")).to_be_visible()
    course_select = page.get_by_label("课程", exact=True)
    expect(course_select.locator("option:checked")).to_have_text(default_course.title)
    table = page.locator("table.report-table")
    expect(table.locator("tbody tr")).to_have_count(len(members))  # the admin included
    expect(table.locator("tbody tr").first).to_contain_text("（管理员）")
    expect(table.locator("tbody tr", has_text=learner.name)).to_contain_text(
        demo.figures(learner, default_course).completed_text
    )
    assert_accessible_basics(page)
    shoot(page, "report-default")

    # Another course: the table follows at once (the selector submits itself).
    course_select.select_option(label=course.title)
    expect(page).to_have_url(re.compile(r"course=\d+"))
    row = table.locator("tbody tr", has_text=learner.name)
    expect(row).to_contain_text(zhang.completed_text)
    expect(row.locator('td[data-label="学分"]')).to_have_text(str(zhang.credits))
    expect(row.locator('td[data-label="累计学习天数"]')).to_have_text(str(zhang.days))
    has_proof = Credential.objects.filter(user=learner, course=course, kind="proof").exists()
    expect(row.locator('td[data-label="获得学习证明"]')).to_have_text(
        "下载学习证明" if has_proof else "否"
    )
    expect(table.locator("tbody tr", has_text=searched.name)).to_contain_text(theirs.completed_text)
    assert_accessible_basics(page)
    shoot(page, "report-course")

    # Search keeps the course.
    page.get_by_label("按手机号或姓名搜索").fill(searched.name)
    page.get_by_role("button", name="查询").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(course_select.locator("option:checked")).to_have_text(course.title)
    expect(page.get_by_text(f"搜索“{searched.name}”：找到 1 位学员。")).to_be_visible()
    shoot(page, "report-search")

    # 导出Excel: the export page (made at once in the embedded mode), then the file with
    # the matching rows and Chinese headers.
    page.get_by_role("button", name="导出Excel").click()
    expect(page.get_by_role("heading", level=1, name="导出Excel")).to_be_visible()
    expect(page.get_by_text("已完成：共 1 位学员。")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载Excel").click()
    download = download_info.value
    name = download.suggested_filename
    assert re.fullmatch(rf"学习管理-{course.title}-\d{{4}}-\d{{2}}-\d{{2}}\.xlsx", name)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    rows = list(load_workbook(target, read_only=True)["学习管理"].iter_rows(values_only=True))
    assert rows[0][:7] == (
        "手机号",
        "姓名",
        "累计学习天数",
        "累计学习时长",
        "已学课程数",
        "考试得分",
        "学分",
    )
    assert [row[1] for row in rows[1:]] == [searched.name]
    assert rows[1][2] == theirs.days
    assert rows[1][4] == theirs.completed_text and rows[1][6] == theirs.credits
