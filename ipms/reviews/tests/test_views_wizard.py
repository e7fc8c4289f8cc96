"""监督反馈 through its pages: 确认,下一步 → 撤销; the certificate number and the
questionnaire → 提交; rejections show the reason and let the admin start again."""

import pytest
from django.urls import reverse

from ipms.reviews import services
from ipms.reviews.models import Application
from ipms.reviews.models import ApplicationStatus as S

from .factories import BodyFactory, QuestionFactory

pytestmark = pytest.mark.django_db

URL = "/enterprise/review/"


@pytest.fixture
def wizard(client, admin):
    client.force_login(admin)
    return client


def test_the_admin_navigation_links_to_the_wizard(wizard):
    page = wizard.get(reverse("enterprises:member_list")).content.decode()
    assert f'href="{URL}"' in page and "监督反馈" in page


def test_without_a_proof_no_body_can_be_chosen(wizard, body):
    page = wizard.get(URL).content.decode()
    assert "企业成员尚未获得学习证明，暂不能提交认证审核申请。" in page
    assert 'name="body"' not in page


def test_choose_a_body_then_withdraw(wizard, body, proof, enterprise):
    BodyFactory(name="停用认证公司", is_active=False)
    page = wizard.get(URL).content.decode()
    assert "华智认证有限公司" in page and "停用认证公司" not in page
    assert "确认，下一步" in page
    response = wizard.post(URL, {"body": ""})
    assert response.status_code == 400
    assert "请选择认证机构。" in response.content.decode()
    assert wizard.post(URL, {"body": body.pk}).status_code == 302
    page = wizard.get(URL).content.decode()
    assert "学习证明审查已提交，请等待" in page
    assert "企业贯标认证申请已提交至华智认证有限公司，可点击撤销取消此操作。" in page
    application = Application.objects.get(enterprise=enterprise)
    response = wizard.post(
        reverse("reviews:enterprise_withdraw", args=[application.pk]),
        {"seen": S.PRE_REVIEW_PENDING},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.WITHDRAWN
    page = wizard.get(URL).content.decode()
    assert "已撤销" in page and 'name="body"' in page
    assert "待预审 → 无效" in page


def test_certificate_number_questionnaire_and_approval(wizard, reviewer, proof, enterprise, admin):
    question = QuestionFactory(text="您对认证机构的服务是否满意？")
    application = services.application_submit(enterprise=enterprise, body=reviewer.body, by=admin)
    services.application_decide(application=application, reviewer=reviewer, action="approve")
    page = wizard.get(URL).content.decode()
    assert "学习证明审查已通过，请继续提交贯标证书编号" in page
    assert "请填写认证企业贯标证书编号：" in page
    url = reverse("reviews:enterprise_certificate", args=[application.pk])
    response = wizard.post(url, {"stage": "number", "certificate_number": ""})
    assert response.status_code == 400
    assert "请填写认证企业贯标证书编号。" in response.content.decode()
    page = wizard.post(url, {"stage": "number", "certificate_number": "CN2026-88"}).content.decode()
    assert "满意度问卷" in page and "您对认证机构的服务是否满意？" in page and "CN2026-88" in page
    response = wizard.post(
        url, {"stage": "submit", "certificate_number": "CN2026-88", "seen": S.PRE_REVIEW_PASSED}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "请回答：您对认证机构的服务是否满意？" in page and "CN2026-88" in page
    response = wizard.post(
        url,
        {
            "stage": "submit",
            "certificate_number": "CN2026-88",
            "seen": S.PRE_REVIEW_PASSED,
            f"q{question.pk}": "4",
        },
    )
    assert response.status_code == 302
    assert "正在验证企业贯标证书编码，请稍等" in wizard.get(URL).content.decode()
    application.refresh_from_db()
    assert application.answers.get().value == "4"
    services.application_decide(application=application, reviewer=reviewer, action="approve")
    page = wizard.get(URL).content.decode()
    assert "企业贯标认证审核完成" in page
    assert "获得学习证明的企业成员可以获得内审员人才证书。" in page


def test_a_rejection_shows_the_reason_and_allows_a_new_start(
    wizard, reviewer, proof, enterprise, admin
):
    application = services.application_submit(enterprise=enterprise, body=reviewer.body, by=admin)
    services.application_decide(
        application=application, reviewer=reviewer, action="reject", reason="学习时长不足"
    )
    page = wizard.get(URL).content.decode()
    assert "预审拒绝" in page and "原因：学习时长不足" in page
    assert 'name="body"' in page
    assert wizard.post(URL, {"body": reviewer.body.pk}).status_code == 302
    assert Application.objects.filter(enterprise=enterprise).count() == 2
    page = wizard.get(URL).content.decode()
    assert "历次申请" in page and "学习时长不足" in page
