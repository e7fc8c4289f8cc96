"""学习证明审查 → 确认,下一步: who may open an application, and when."""

import pytest

from ipms.core.errors import DomainError
from ipms.core.models import AuditLog
from ipms.reviews import services
from ipms.reviews.models import ApplicationStatus as S

from .factories import ApplicationFactory, BodyFactory

pytestmark = pytest.mark.django_db


def test_submit_opens_a_pre_review_application(enterprise, admin, body, proof, sms_outbox):
    application = services.application_submit(enterprise=enterprise, body=body, by=admin)
    assert application.status == S.PRE_REVIEW_PENDING
    assert application.submitted_by == admin
    audit = AuditLog.objects.get(action="review.submitted")
    assert audit.enterprise_id == enterprise.pk and audit.role == "enterprise_admin"
    assert application.notices.get().text == "学习证明审查已提交至华智认证有限公司，请等待预审。"


def test_submit_needs_a_member_with_a_proof(enterprise, admin, body):
    with pytest.raises(DomainError) as refused:
        services.application_submit(enterprise=enterprise, body=body, by=admin)
    assert refused.value.code == "no_proof"


def test_a_revoked_proof_does_not_count(enterprise, admin, body, proof):
    proof.status = proof.Status.REVOKED
    proof.save(update_fields=["status"])
    with pytest.raises(DomainError) as refused:
        services.application_submit(enterprise=enterprise, body=body, by=admin)
    assert refused.value.code == "no_proof"


def test_submit_refuses_an_inactive_body(enterprise, admin, proof):
    body = BodyFactory(is_active=False)
    with pytest.raises(DomainError) as refused:
        services.application_submit(enterprise=enterprise, body=body, by=admin)
    assert refused.value.code == "body_inactive"


@pytest.mark.parametrize(
    "state", [S.PRE_REVIEW_PENDING, S.PRE_REVIEW_PASSED, S.REVIEW_PENDING, S.APPROVED]
)
def test_one_live_application_at_a_time(state, enterprise, admin, body, proof):
    ApplicationFactory(enterprise=enterprise, status=state)
    with pytest.raises(DomainError) as refused:
        services.application_submit(enterprise=enterprise, body=body, by=admin)
    assert refused.value.code == "application_live"


@pytest.mark.parametrize("state", [S.PRE_REVIEW_REJECTED, S.REJECTED, S.WITHDRAWN])
def test_after_a_rejection_or_withdrawal_the_enterprise_starts_again(
    state, enterprise, admin, body, proof
):
    ApplicationFactory(enterprise=enterprise, status=state)
    application = services.application_submit(enterprise=enterprise, body=body, by=admin)
    assert application.status == S.PRE_REVIEW_PENDING


def test_a_body_decision_texts_the_admin(
    enterprise, admin, reviewer, proof, sms_outbox, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(enterprise=enterprise, body=reviewer.body)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_decide(
            application=application, reviewer=reviewer, action="reject", reason="缺少学习证明"
        )
    (message,) = sms_outbox
    assert message.phone == admin.phone
    assert "苏州贯标科技有限公司" in message.text and "预审拒绝" in message.text
    assert (
        application.notices.get().text == "华智认证有限公司拒绝了学习证明审查，原因：缺少学习证明"
    )


def test_the_admin_is_not_texted_about_their_own_moves(
    enterprise, admin, body, proof, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application = services.application_submit(enterprise=enterprise, body=body, by=admin)
        services.application_withdraw(application=application, by=admin)
    assert sms_outbox == []
    assert application.notices.count() == 2


def test_approval_unlocks_the_certificate_and_bodies_see_their_applicants(
    enterprise, reviewer, other_reviewer
):
    from ipms.credentials import hooks

    application = ApplicationFactory(enterprise=enterprise, body=reviewer.body)
    assert not hooks.enterprise_review_passed(enterprise.pk)
    assert hooks.body_may_access(reviewer.user, enterprise.pk)
    assert not hooks.body_may_access(other_reviewer.user, enterprise.pk)
    services.application_decide(application=application, reviewer=reviewer, action="approve")
    assert not hooks.enterprise_review_passed(enterprise.pk)  # 预审通过 is not enough
    application.status = S.REVIEW_PENDING
    application.save(update_fields=["status"])
    services.application_decide(application=application, reviewer=reviewer, action="approve")
    assert hooks.enterprise_review_passed(enterprise.pk)
