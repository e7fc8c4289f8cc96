"""A learner who passed the exam generates the learning proof, downloads PNG and PDF, and
the QR code on the PNG leads to 证书查验, which says 真实有效 (issue 11), at desktop and
phone widths. The state is made by the real services (lessons credited, an exam attempt
graded), as after the exams journey's pass."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from ipms.accounts.tests.factories import TEST_PASSWORD, UserFactory
from ipms.credentials.models import Credential
from ipms.enterprises.tests.factories import MembershipFactory, enterprise_with_admin
from ipms.exams.tests.factories import make_paper, take_exam
from ipms.learning.tests.factories import LessonFactory, record_learning
from tests.browser.conftest import DESKTOP, PHONE, assert_accessible_basics, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def passed(settings, live_server):
    settings.SITE_URL = live_server.url  # what the QR code points at
    paper = make_paper()
    course = paper.course
    course.title = "知识产权管理人员课程"
    course.save()
    for number in (1, 2):
        LessonFactory(course=course, number=number)
    enterprise, _admin = enterprise_with_admin(name="苏州示范知识产权科技有限公司")
    learner = UserFactory(name="欧阳明远")
    MembershipFactory(enterprise=enterprise, user=learner)
    for lesson in course.lessons.all():
        record_learning(learner, lesson)
    take_exam(learner, course, wrong=1)  # 80 of 100
    return learner, course


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_learner_generates_and_downloads_a_proof_whose_qr_verifies(
    page, live_server, passed, shoot, artifacts_dir, viewport
):
    learner, course = passed
    page.set_viewport_size(viewport)
    log_in(page, live_server, learner.phone, TEST_PASSWORD)
    page.goto(f"{live_server.url}/courses/{course.pk}/")
    page.get_by_role("tab", name="证书").click()
    panel = page.get_by_role("tabpanel", name="证书")
    expect(panel).to_contain_text("学习证明获取条件：学分 >= 4 分 且 考试得分 >= 60 分。")
    expect(panel.get_by_test_id("proof-current")).to_contain_text("当前学分 4 分")
    expect(panel.get_by_test_id("proof-current")).to_contain_text("当前考试得分 80 分")
    expect(panel).to_contain_text("学习证明生成后将无法修改。")
    generate = panel.get_by_role("button", name="生成学习证明")
    expect(generate).to_be_enabled()
    expect(panel.get_by_role("button", name="生成内审员人才库合格证")).to_be_disabled()
    assert_accessible_basics(page)
    shoot(page, "before")

    generate.click()
    proof = Credential.objects.get(user=learner, course=course)
    expect(page.get_by_role("status")).to_contain_text(f"学习证明已生成：{proof.number}。")
    page.get_by_role("tab", name="证书").click()
    expect(panel.get_by_test_id("proof-number")).to_contain_text(proof.number)
    expect(panel).to_contain_text("您所在企业的贯标认证审核通过后")
    shoot(page, "generated")

    with page.expect_download() as png_download:
        panel.get_by_test_id("proof-png").click()
    png_path = artifacts_dir / f"proof-{viewport['width']}.png"
    png_download.value.save_as(png_path)
    assert png_download.value.suggested_filename == f"学习证明-{proof.number}.png"
    image = Image.open(png_path)
    assert image.width >= 1200
    (code,) = zxingcpp.read_barcodes(image)
    verify_url = f"{live_server.url}/verify/{proof.number}/"
    assert code.text == verify_url

    with page.expect_download() as pdf_download:
        panel.get_by_test_id("proof-pdf").click()
    pdf_path = artifacts_dir / f"proof-{viewport['width']}.pdf"
    pdf_download.value.save_as(pdf_path)
    text = PdfReader(pdf_path).pages[0].extract_text().replace("\n", "")
    assert "欧阳明远" in text and proof.number in text and "特此证明" in text

    # The QR code's address, as a phone that scanned it would open it (logged in or not).
    page.goto(code.text)
    result = page.get_by_test_id("verify-result")
    expect(result).to_contain_text("真实有效")
    expect(result).to_contain_text("欧***")
    expect(result).not_to_contain_text("欧阳明远")
    expect(page.get_by_test_id("verify-signature")).to_contain_text("校验通过")
    assert_accessible_basics(page)
    shoot(page, "verified")
    assert io.BytesIO(png_path.read_bytes()).getbuffer().nbytes > 10_000
