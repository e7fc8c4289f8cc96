"""Learning on demo data, in Chromium at desktop and phone widths (issue 4).

The demo learner logs in, opens 在学课程, continues a course, and sees the figures, 我的学分
and 本课程排行榜 on the course page. The demo admin switches identity, opens 学习管理,
changes course, searches, and downloads the Excel export, which opens with openpyxl.
"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    assert_accessible_basics,
    open_nav,
    open_user_menu,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEARNER = ("13600002925", "Demo2026stu")  # 张总监: finished the 15-lesson course
ADMIN = ("18600002641", "Demo2026adm")  # 王明远
COURSE = "知识产权管理人员课程"


def log_in(page: Page, live_server, phone: str, password: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("登录密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_text(f"{phone[:3]}****{phone[-4:]}").first).to_be_attached()
    # The stylesheet decides whether the menu is collapsed: wait for it before looking.
    page.wait_for_load_state("load")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_learner_continues_a_course_and_sees_figures_and_leaderboard(
    page, live_server, demo_data, shoot, viewport
):
    page.set_viewport_size(viewport)
    log_in(page, live_server, *LEARNER)

    # 在学课程 from the navigation (after 课程列表); the user menu has it too.
    open_nav(page, "在学课程")
    expect(page.get_by_role("heading", level=1, name="在学课程")).to_be_visible()
    card = page.locator("li.my-course", has_text=COURSE)
    expect(card).to_contain_text("15课时")
    expect(card).to_contain_text("已学习视频:15/15")
    expect(card).to_contain_text("证明下载(未获得)")
    expect(card).to_contain_text("证书下载(未获得)")
    expect(page.locator("li.my-course", has_text="贯标政策解读课程")).to_contain_text("3/3")
    assert_accessible_basics(page)
    shoot(page, "my-courses")

    # 继续学习 opens the lesson studied last.
    card.get_by_role("link", name=f"继续学习 {COURSE}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("课时15")
    expect(page.locator("#lesson-video")).to_be_attached()
    assert_accessible_basics(page)

    # The course page: 继续学习, “上次学习到”, the figures, 我的学分, 本课程排行榜.
    page.get_by_role("navigation", name="面包屑导航").get_by_role("link", name=COURSE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE)
    expect(page.get_by_role("link", name="继续学习")).to_be_visible()
    expect(page.get_by_test_id("last-lesson")).to_contain_text("上次学习到 课时15 (必修)")
    figures = page.get_by_label("我的学习情况")
    expect(figures).to_contain_text("已累计学习")
    expect(figures.locator('[data-figure="days"]')).to_have_text("14天")
    expect(figures.locator('[data-figure="completed"]')).to_have_text("15 / 15")
    expect(figures.locator('[data-figure="exam"]')).to_have_text("未完成")
    expect(page.get_by_test_id("my-credits")).to_have_text("您在本课程的当前总学分为 30 学分")
    expect(page.get_by_test_id("my-rank")).to_have_text("在全部学员中您在第1名")
    board = page.locator("section.leaderboard")
    expect(board.locator("li.is-me")).to_contain_text("张**")
    expect(board.locator("li.leaderboard-row")).to_have_count(5)
    expect(page.locator("li.lesson-row.is-last")).to_contain_text("上次学习")
    assert_accessible_basics(page)
    shoot(page, "course-page")

    # 考试 and 证书 are there, saying when they open; nothing to press yet.
    page.get_by_role("tab", name="考试").click()
    expect(page.get_by_text("本课程的考试将在考试功能上线后开放。")).to_be_visible()
    expect(page.locator("#pane-exam button")).to_have_count(0)
    page.get_by_role("tab", name="证书").click()
    certificate = page.get_by_role("tabpanel", name="证书")
    expect(certificate).to_be_visible()
    expect(certificate).to_contain_text("学习证明获取条件:学分 >= 30 分 且 考试得分 >= 60 分。")
    expect(certificate).to_contain_text("当前学分 30 分")
    expect(certificate.locator("button")).to_have_count(0)
    shoot(page, "certificate-tab")

    # The user menu carries 在学课程 as well.
    open_user_menu(page)
    page.locator(".dropdown-menu").get_by_role("link", name="在学课程").click()
    expect(page.get_by_role("heading", level=1, name="在学课程")).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_admin_reads_the_learning_report_and_exports_it(
    page, live_server, demo_data, shoot, viewport, tmp_path
):
    page.set_viewport_size(viewport)
    log_in(page, live_server, *ADMIN)
    open_user_menu(page)
    page.get_by_role("button", name=re.compile("身份切换")).click()
    expect(page.get_by_role("heading", name="成员管理")).to_be_visible()

    open_nav(page, "学习管理")
    expect(page.get_by_role("heading", level=1, name="学习管理")).to_be_visible()
    course_select = page.get_by_label("课程", exact=True)
    expect(course_select.locator("option:checked")).to_have_text("贯标政策解读课程")
    table = page.locator("table.report-table")
    expect(table.locator("tbody tr")).to_have_count(4)  # the admin and 3 verified members
    expect(table.locator("tbody tr").first).to_contain_text("(管理员)")
    expect(table.locator("tbody tr", has_text="张总监")).to_contain_text("3/3")
    assert_accessible_basics(page)
    shoot(page, "report-default")

    # Another course: the table follows at once (the selector submits itself).
    course_select.select_option(label=COURSE)
    expect(page).to_have_url(re.compile(r"course=\d+"))
    zhang = table.locator("tbody tr", has_text="张总监")
    expect(zhang).to_contain_text("15/15")
    expect(zhang.locator('td[data-label="学分"]')).to_have_text("30")
    expect(zhang.locator('td[data-label="累计学习天数"]')).to_have_text("14")
    expect(zhang.locator('td[data-label="获得学习证明"]')).to_have_text("否")
    expect(table.locator("tbody tr", has_text="李研发")).to_contain_text("9/15")
    assert_accessible_basics(page)
    shoot(page, "report-course")

    # Search keeps the course.
    page.get_by_label("按手机号或姓名搜索").fill("李研发")
    page.get_by_role("button", name="查询").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(course_select.locator("option:checked")).to_have_text(COURSE)
    expect(page.get_by_text("搜索“李研发”:找到 1 位学员。")).to_be_visible()
    shoot(page, "report-search")

    # 导出Excel: the matching rows, with Chinese headers.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出Excel").click()
    download = download_info.value
    name = download.suggested_filename
    assert re.fullmatch(rf"学习管理-{COURSE}-\d{{4}}-\d{{2}}-\d{{2}}\.xlsx", name)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    rows = list(load_workbook(target, read_only=True)["学习管理"].iter_rows(values_only=True))
    assert rows[0][:5] == ("手机号", "姓名", "累计学习天数", "累计学习时长", "已学课程数")
    assert [row[1] for row in rows[1:]] == ["李研发"]
    assert rows[1][4] == "9/15" and rows[1][6] == 18
