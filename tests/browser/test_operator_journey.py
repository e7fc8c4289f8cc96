"""An operator adds a policy and a course with a lesson, video and PDF in the console, then
sees them on the portal."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ipms.accounts.tests.factories import OPERATOR_PASSWORD
from ipms.demo.media import make_pdf
from ipms.learning.tests.factories import tiny_mp4
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def console_login(page, live_server, operator):
    page.goto(live_server.url + reverse("admin:index"))
    page.get_by_label("手机号").fill(operator.phone)
    page.get_by_label("密码").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="内容管理")).to_be_visible()


def test_operator_publishes_a_policy_and_a_course_with_video_and_courseware(
    page, live_server, operator, shoot, tmp_path
):
    page.set_viewport_size(DESKTOP)
    console_login(page, live_server, operator)
    shoot(page, "console-index")

    # A local policy without its region is refused with a Chinese message, nothing lost.
    page.goto(live_server.url + reverse("admin:content_policy_add"))
    page.locator("#id_scope").select_option("local")
    page.locator("#id_title").fill("关于开展2026年度知识产权贯标资助申报工作的通知")
    page.locator("#id_published_on").fill("2026-11-20")
    page.locator("#id_body").fill("各有关单位：\n\n现将2026年度贯标资助申报工作通知如下。")
    attachment = tmp_path / "申报指南.pdf"
    attachment.write_bytes(make_pdf("申报指南", ["一、申报条件", "二、申报材料"]))
    page.locator("#id_attachments-0-title").fill("申报指南")
    page.locator("#id_attachments-0-file").set_input_files(str(attachment))
    page.get_by_role("button", name="保存", exact=True).first.click()
    expect(page.get_by_text("地方政策必须填写地区")).to_be_visible()
    expect(page.locator("#id_title")).to_have_value(
        "关于开展2026年度知识产权贯标资助申报工作的通知"
    )
    shoot(page, "policy-refused")
    page.locator("#id_region").fill("苏州")
    # The browser forgets a chosen file after a refused submit; choose it again.
    page.locator("#id_attachments-0-file").set_input_files(str(attachment))
    page.get_by_role("button", name="保存", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("成功")

    # A course, then a lesson with its video and a PDF courseware.
    page.goto(live_server.url + reverse("admin:learning_course_add"))
    page.locator("#id_title").fill("专利检索与分析实务")
    page.locator("#id_summary").fill("讲解专利检索的方法和专利分析报告的写法。")
    page.locator("#id_audience").fill("企业研发人员、知识产权专员")
    page.get_by_role("button", name="保存", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("成功")

    video = tmp_path / "第一课.mp4"
    video.write_bytes(tiny_mp4())
    fake = tmp_path / "伪装.mp4"
    fake.write_text("这不是视频文件" * 20, encoding="utf-8")
    courseware = tmp_path / "课件.pdf"
    courseware.write_bytes(make_pdf("专利检索入门", ["检索式的构造。"]))

    page.goto(live_server.url + reverse("admin:learning_lesson_add"))
    page.locator("#id_course").select_option(label="专利检索与分析实务")
    page.locator("#id_number").fill("1")
    page.locator("#id_title").fill("专利检索入门")
    page.locator("#id_description").fill("介绍常用的专利数据库与检索式。")
    page.locator("#id_video").set_input_files(str(fake))
    page.locator("#id_coursewares-0-title").fill("专利检索入门讲义")
    page.locator("#id_coursewares-0-file").set_input_files(str(courseware))
    page.get_by_role("button", name="保存", exact=True).first.click()
    expect(page.get_by_text(re.compile("文件内容与扩展名 .mp4 不符"))).to_be_visible()
    shoot(page, "lesson-fake-video-refused")
    page.locator("#id_video").set_input_files(str(video))
    page.locator("#id_coursewares-0-file").set_input_files(str(courseware))
    page.get_by_role("button", name="保存", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("成功")
    shoot(page, "lesson-saved")

    # The portal shows both.
    page.goto(live_server.url + reverse("content:policy_list"))
    link = page.get_by_role("link", name=re.compile("2026年度知识产权贯标资助申报工作"))
    expect(link).to_contain_text("苏州")
    link.click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("申报指南")).click()
    assert download_info.value.suggested_filename == "申报指南.pdf"

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("learning:course_list"))
    card = page.locator("article.course-card", has_text="专利检索与分析实务")
    expect(card.get_by_text("1课时")).to_be_visible()
    card.get_by_role("link", name=re.compile("立即学习")).click()
    expect(page.get_by_text("专利检索入门").first).to_be_visible()
    expect(page.get_by_text("2秒").first).to_be_visible()  # duration read from the video
    shoot(page, "course-on-portal")

    from ipms.learning.models import Lesson

    lesson = Lesson.objects.get(title="专利检索入门")
    assert lesson.duration == 2 and lesson.coursewares.count() == 1
    with lesson.video.open("rb") as handle:
        assert handle.read() == tiny_mp4()


def test_a_learner_account_cannot_enter_the_console(page, live_server, transactional_db):
    from ipms.accounts.models import User

    User.objects.create_user(phone="13600002925", password="Learner2026")
    page.goto(live_server.url + reverse("admin:index"))
    page.get_by_label("手机号").fill("13600002925")
    page.get_by_label("密码").fill("Learner2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.get_by_role("heading", name="内容管理")).to_have_count(0)
