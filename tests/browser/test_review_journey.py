"""The review journey across three browsers (issue 12): the enterprise admin chooses a
certification body (监督反馈), the reviewer pre-approves in the body console, the admin
enters the certificate number and the questionnaire, the reviewer approves, and the
learner then generates the 内审员人才库合格证书 whose number 证书查验 confirms. Plus the
paths of pre-review rejection, withdrawal (无效) and rejection-then-approval. Screenshots
at desktop and phone widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ipms.accounts.tests.factories import TEST_PASSWORD, UserFactory
from ipms.credentials import services as credential_services
from ipms.enterprises.tests.factories import MembershipFactory, enterprise_with_admin
from ipms.exams.tests.factories import make_paper, take_exam
from ipms.learning.tests.factories import LessonFactory, record_learning
from ipms.reviews import services
from ipms.reviews.models import Application, Question
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    assert_accessible_basics,
    log_in,
    open_user_menu,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = "华智知识产权认证有限公司"
REVIEWER_PHONE = "13900000101"


@pytest.fixture
def world(settings, live_server):
    """An enterprise whose learner holds a proof, a body with a reviewer, two questions."""
    settings.SITE_URL = live_server.url
    paper = make_paper()
    course = paper.course
    course.title = "知识产权管理人员课程"
    course.save()
    LessonFactory(course=course, number=1)
    enterprise, admin = enterprise_with_admin(name="苏州示范知识产权科技有限公司")
    admin.set_password(TEST_PASSWORD)
    admin.save()
    learner = UserFactory(name="欧阳明远")
    MembershipFactory(enterprise=enterprise, user=learner, name="欧阳明远")
    for lesson in course.lessons.all():
        record_learning(learner, lesson)
    take_exam(learner, course, wrong=1)
    credential_services.proof_generate(user=learner, course=course)
    body = services.body_create(name=BODY)
    reviewer = services.reviewer_create(
        body=body, phone=REVIEWER_PHONE, name="王会青", password=TEST_PASSWORD
    )
    Question.objects.create(text="您对认证机构的服务态度是否满意？", order=1)
    Question.objects.create(text="您的意见或建议", kind=Question.Kind.TEXT, required=False, order=2)
    return {
        "enterprise": enterprise,
        "admin": admin,
        "learner": learner,
        "course": course,
        "reviewer": reviewer,
    }


def wizard(page: Page, live_server) -> None:
    page.goto(live_server.url + "/enterprise/review/")
    expect(page.get_by_role("heading", name="监督反馈")).to_be_visible()


def choose_body(page: Page, live_server) -> None:
    wizard(page, live_server)
    page.get_by_label("认证机构").select_option(label=BODY)
    page.get_by_role("button", name="确认，下一步").click()
    expect(page.get_by_test_id("wizard")).to_contain_text("学习证明审查已提交，请等待")


def decide(page: Page, live_server, enterprise: str, action: str, reason: str = "") -> None:
    page.goto(live_server.url + "/review/applications/")
    row = page.locator("tr", has_text=enterprise).first
    row.get_by_role("link", name=action, exact=True).click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text(f"确定{action}")
    if reason:
        confirm.get_by_label("拒绝原因").fill(reason)
    confirm.get_by_role("button", name="确定").click()
    expect(page.get_by_role("status").first).to_contain_text(f"已{action}")


def test_submit_pre_approve_certificate_approve_then_the_certificate(
    page, other_page, live_server, world, shoot, console_errors
):
    enterprise = world["enterprise"].name
    # The enterprise admin (desktop).
    log_in(page, live_server, world["admin"].phone, TEST_PASSWORD)
    wizard(page, live_server)
    assert_accessible_basics(page)
    shoot(page, "admin-choose")
    choose_body(page, live_server)
    expect(page.get_by_test_id("wizard")).to_contain_text(
        f"企业贯标认证申请已提交至{BODY}，可点击撤销取消此操作。"
    )
    shoot(page, "admin-waiting")

    # The reviewer (another browser) lands in the console after 登录.
    reviewer = other_page(DESKTOP)
    log_in(reviewer, live_server, REVIEWER_PHONE, TEST_PASSWORD)
    expect(reviewer).to_have_url(live_server.url + "/review/")
    counts = reviewer.get_by_test_id("status-counts")
    expect(counts).to_contain_text("待预审：[1]")
    expect(reviewer.get_by_role("navigation", name="机构审核菜单")).to_contain_text("学习证明查询")
    assert_accessible_basics(reviewer)
    shoot(reviewer, "reviewer-home")
    counts.get_by_role("link", name="待预审：[1]").click()
    expect(reviewer.get_by_label("审核状态")).to_have_value("pre_review_pending")
    row = reviewer.locator("tr", has_text=enterprise)
    row.get_by_role("link", name="查询学习证明").click()
    expect(reviewer.get_by_test_id("proofs")).to_contain_text("欧阳明远")
    shoot(reviewer, "reviewer-proofs")
    # 下载全部学习证明 is a job: its page shows the ZIP once made (inline here, eager).
    reviewer.get_by_role("button", name="下载全部学习证明").click()
    status = reviewer.get_by_test_id("review-job-status")
    expect(status).to_have_attribute("data-status", "done")
    expect(status).to_contain_text("已完成：共 1 份学习证明。")
    with reviewer.expect_download() as download:
        reviewer.get_by_test_id("review-job-download").click()
    assert download.value.suggested_filename == f"学习证明-{enterprise}.zip"
    shoot(reviewer, "reviewer-proofs-zip")
    reviewer.get_by_role("link", name="返回查询学习证明").click()
    reviewer.get_by_role("link", name="认证审核").first.click()
    decide(reviewer, live_server, enterprise, "通过")
    expect(reviewer.locator("tr", has_text=enterprise)).to_contain_text("预审通过")
    shoot(reviewer, "reviewer-pre-approved")

    # The admin enters the certificate number and answers the questionnaire.
    wizard(page, live_server)
    expect(page.get_by_test_id("wizard")).to_contain_text(
        "学习证明审查已通过，请继续提交贯标证书编号"
    )
    page.get_by_label("请填写认证企业贯标证书编号：").fill("CN20260315-0001")
    page.get_by_role("button", name="确认，下一步").click()
    expect(page.get_by_test_id("certificate-number")).to_have_text("CN20260315-0001")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("wizard-error")).to_contain_text(
        "请回答：您对认证机构的服务态度是否满意？"
    )
    page.get_by_label("非常满意").check()
    page.get_by_label("2. 您的意见或建议").fill("审核及时。")
    shoot(page, "admin-questionnaire")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("wizard")).to_contain_text("正在验证企业贯标证书编码，请稍等")

    decide(reviewer, live_server, enterprise, "通过")
    expect(reviewer.locator("tr", has_text=enterprise)).to_contain_text("已通过")
    expect(reviewer.locator("tr", has_text=enterprise)).to_contain_text("CN20260315-0001")

    wizard(page, live_server)
    expect(page.get_by_test_id("wizard")).to_contain_text("企业贯标认证审核完成")
    expect(page.get_by_test_id("history")).to_contain_text("待审核 → 已通过")
    expect(page.get_by_test_id("notices")).to_contain_text(f"{BODY}已通过贯标认证审核。")
    shoot(page, "admin-done")

    # The learner (a third browser, phone width) generates the certificate.
    learner = other_page(PHONE)
    log_in(learner, live_server, world["learner"].phone, TEST_PASSWORD)
    learner.goto(f"{live_server.url}/courses/{world['course'].pk}/")
    learner.get_by_role("tab", name="证书").click()
    panel = learner.get_by_role("tabpanel", name="证书")
    generate = panel.get_by_role("button", name="生成内审员人才库合格证")
    expect(generate).to_be_enabled()
    generate.click()
    learner.get_by_role("tab", name="证书").click()
    number = panel.get_by_test_id("certificate-number").locator("span").first.inner_text()
    learner.goto(f"{live_server.url}/verify/{number}/")
    expect(learner.locator("main")).to_contain_text("真实有效")
    shoot(learner, "learner-verified")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_pre_review_rejection_then_a_new_application(
    page, other_page, live_server, world, shoot, viewport
):
    enterprise = world["enterprise"].name
    page.set_viewport_size(viewport)
    log_in(page, live_server, world["admin"].phone, TEST_PASSWORD)
    choose_body(page, live_server)
    reviewer = other_page(viewport)
    log_in(reviewer, live_server, REVIEWER_PHONE, TEST_PASSWORD)
    reviewer.goto(live_server.url + "/review/applications/")
    row = reviewer.locator("tr", has_text=enterprise)
    row.get_by_role("link", name="拒绝", exact=True).click()
    confirm = reviewer.get_by_role("alertdialog")
    confirm.get_by_role("button", name="确定").click()
    confirm = reviewer.get_by_role("alertdialog")
    expect(confirm).to_contain_text("请填写原因。")
    confirm.get_by_label("拒绝原因").fill("学员学习时长不足。")
    shoot(reviewer, "reviewer-reject")
    confirm.get_by_role("button", name="确定").click()
    expect(reviewer.locator("tr", has_text=enterprise)).to_contain_text("预审拒绝")
    shoot(reviewer, "reviewer-list")

    wizard(page, live_server)
    expect(page.get_by_test_id("last-outcome")).to_contain_text("原因：学员学习时长不足。")
    shoot(page, "admin-rejected")
    choose_body(page, live_server)
    assert Application.objects.filter(enterprise=world["enterprise"]).count() == 2


def test_withdrawal_makes_the_application_invalid(page, other_page, live_server, world, shoot):
    log_in(page, live_server, world["admin"].phone, TEST_PASSWORD)
    choose_body(page, live_server)
    page.get_by_role("button", name="撤销").click()
    expect(page.get_by_role("status").first).to_contain_text("已撤销认证审核申请。")
    expect(page.get_by_test_id("last-outcome")).to_contain_text("已撤销")
    shoot(page, "admin-withdrawn")
    reviewer = other_page(DESKTOP)
    log_in(reviewer, live_server, REVIEWER_PHONE, TEST_PASSWORD)
    expect(reviewer.get_by_test_id("status-counts")).to_contain_text("无效：[1]")


def test_rejection_then_approval(page, other_page, live_server, world, shoot):
    enterprise = world["enterprise"].name
    application = services.application_submit(
        enterprise=world["enterprise"], body=world["reviewer"].body, by=world["admin"]
    )
    services.application_decide(
        application=application, reviewer=world["reviewer"], action="approve"
    )
    services.application_submit_certificate(
        application=application,
        by=world["admin"],
        certificate_number="CN2026-XX",
        answers={f"q{q.pk}": "4" for q in Question.objects.filter(kind="rating")},
    )
    reviewer = page
    log_in(reviewer, live_server, REVIEWER_PHONE, TEST_PASSWORD)
    decide(reviewer, live_server, enterprise, "拒绝", reason="证书编号无法核实。")
    row = reviewer.locator("tr", has_text=enterprise)
    expect(row).to_contain_text("已拒绝")
    expect(row.get_by_role("link", name="拒绝", exact=True)).to_have_count(0)
    decide(reviewer, live_server, enterprise, "通过")
    expect(reviewer.locator("tr", has_text=enterprise)).to_contain_text("已通过")
    shoot(reviewer, "reviewer-approved-after-rejection")
    admin = other_page(PHONE)
    log_in(admin, live_server, world["admin"].phone, TEST_PASSWORD)
    wizard(admin, live_server)
    expect(admin.get_by_test_id("wizard")).to_contain_text("企业贯标认证审核完成")
    expect(admin.get_by_test_id("history")).to_contain_text("已拒绝 → 已通过")
    shoot(admin, "admin-done-phone")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_export_job_and_the_way_back_from_a_public_page(
    other_page, live_server, world, shoot, viewport
):
    reviewer = other_page(viewport)
    log_in(reviewer, live_server, REVIEWER_PHONE, TEST_PASSWORD)
    reviewer.goto(live_server.url + "/review/applications/?status=review_pending")
    reviewer.get_by_test_id("console-export").click()
    status = reviewer.get_by_test_id("review-job-status")
    expect(status).to_have_attribute("data-status", "done")
    expect(status).to_contain_text("已完成：共 0 条申请。")
    expect(reviewer.get_by_role("heading", name="待审核")).to_be_visible()
    with reviewer.expect_download() as download:
        reviewer.get_by_test_id("review-job-download").click()
    assert download.value.suggested_filename.startswith(f"认证审核-{BODY}-")
    shoot(reviewer, "reviewer-export-job")
    # From a public page, the user menu leads back to the console.
    reviewer.goto(live_server.url + "/")
    open_user_menu(reviewer)
    link = reviewer.get_by_role("link", name="机构审核")
    expect(link).to_be_visible()
    shoot(reviewer, "reviewer-user-menu")
    link.click()
    expect(reviewer).to_have_url(live_server.url + "/review/")
