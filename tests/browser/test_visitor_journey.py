"""A visitor's journey through the portal, at desktop and phone widths, on demo data.

The policy, course and material it opens, and their figures, are read from the demo rows.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import demo_figures as demo
from tests.browser.conftest import DESKTOP, PHONE, assert_accessible_basics, open_nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_visitor_reads_a_policy_opens_a_course_downloads_a_material_and_sends_feedback(
    page, live_server, demo_data, captcha_test_mode, shoot, viewport, settings
):
    from ipms.content.models import Feedback, Material, Policy

    settings.COMPLAINT_EMAIL = "jubao@study.example.cn"

    policy = Policy.objects.published().filter(scope=Policy.Scope.NATIONAL).first()
    course = demo.longest_course()
    lessons = demo.published_lessons(course).order_by("number")
    sample = Material.objects.published().filter(section=Material.Section.SAMPLE_CASE).first()
    extension = Path(sample.file.name).suffix

    page.set_viewport_size(viewport)
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible_basics(page)
    shoot(page, "home")

    # 政策文件 → a national policy's detail page
    open_nav(page, "政策文件")
    expect(page.get_by_role("heading", name=Policy.Scope.NATIONAL.label)).to_be_visible()
    expect(page.get_by_text(Policy.Scope.LOCAL.label).first).to_be_visible()
    assert_accessible_basics(page)
    shoot(page, "policies")
    page.get_by_role("link", name=policy.title).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(policy.title)
    assert_accessible_basics(page)
    shoot(page, "policy-detail")

    # 课程列表 → 立即学习 on the longest course → course page asks to log in
    open_nav(page, "课程列表")
    card = page.locator("article.course-card", has_text=course.title)
    expect(card.get_by_text(f"{lessons.count()}课时")).to_be_visible()
    assert_accessible_basics(page)
    shoot(page, "courses")
    card.get_by_role("link", name=re.compile("立即学习")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)
    expect(page.get_by_text(f"课时{lessons.last().number}").first).to_be_visible()
    assert_accessible_basics(page)
    shoot(page, "course-detail")
    page.get_by_role("link", name="登录后开始学习").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_role("heading", name="手机号登录")).to_be_visible()

    # 学习资料 → 贯标样例 download; the file name is the material's title
    open_nav(page, "学习资料")
    for section in Material.Section:
        expect(page.get_by_role("heading", name=section.label)).to_be_visible()
    assert_accessible_basics(page)
    shoot(page, "materials")
    row = page.locator("li", has_text=sample.title).first
    with page.expect_download() as download_info:
        row.get_by_role("link", name=re.compile("下载")).click()
    download = download_info.value
    assert download.suggested_filename.startswith(sample.title)
    assert download.suggested_filename.endswith(extension)
    assert extension == ".pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(4) == b"%PDF"

    # 讲师简介
    open_nav(page, "讲师简介")
    expect(page.locator("main h2, main h3").first).to_be_visible()
    assert_accessible_basics(page)
    shoot(page, "lecturers")

    # 意见反馈: wrong phone and wrong captcha keep what was typed, then it goes through
    open_nav(page, "意见反馈")
    text = "课程视频希望能提供倍速播放功能，谢谢！"
    page.get_by_label("内容").fill(text)
    page.get_by_label("手机").fill("1361234")
    page.get_by_label("验证码").fill("WRONG")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("请输入正确的11位手机号码")).to_be_visible()
    expect(page.get_by_text(re.compile("验证码.*(错误|不正确)"))).to_be_visible()
    expect(page.get_by_label("内容")).to_have_value(text)
    expect(page.get_by_label("手机")).to_have_value("1361234")
    assert_accessible_basics(page)
    shoot(page, "feedback-errors")
    page.get_by_label("手机").fill("13612342925")
    page.get_by_label("验证码").fill("PASSED")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("提交成功")).to_be_visible()
    shoot(page, "feedback-sent")
    saved = Feedback.objects.get()
    assert (saved.content, saved.phone) == (text, "13612342925")

    # 举报投诉 opens the mail client with the configured address
    page.get_by_role("link", name="举报投诉").first.click()
    mailto = page.get_by_role("link", name="去填写举报邮件")
    expect(mailto).to_have_attribute("href", re.compile(r"^mailto:jubao@study\.example\.cn"))
    shoot(page, "complaint")


def test_missing_pages_show_a_chinese_404(page, live_server, transactional_db):
    response = page.goto(live_server.url + reverse("content:policy_detail", args=[999999]))
    assert response.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
