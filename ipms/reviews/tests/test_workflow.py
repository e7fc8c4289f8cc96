"""The application's state machine (product-rules §7), every move allowed and refused.

The expected table is written out here from the specification, not derived from the
code's ``MOVES``, so a change to either shows up.
"""

import itertools

import pytest
from django.db import IntegrityError, transaction

from ipms.core.errors import DomainError
from ipms.core.models import AuditLog, StateTransition
from ipms.reviews import services
from ipms.reviews.models import (
    APPLICATION_WORKFLOW,
    APPROVE,
    BODY,
    ENTERPRISE,
    REJECT,
    SUBMIT_CERTIFICATE,
    WITHDRAW,
    Application,
)
from ipms.reviews.models import ApplicationStatus as S

from .factories import ApplicationFactory, QuestionFactory

pytestmark = pytest.mark.django_db

# (side, action, from) → to, as product-rules §7 says.
EXPECTED = {
    (BODY, APPROVE, S.PRE_REVIEW_PENDING): S.PRE_REVIEW_PASSED,
    (BODY, REJECT, S.PRE_REVIEW_PENDING): S.PRE_REVIEW_REJECTED,
    (BODY, APPROVE, S.REVIEW_PENDING): S.APPROVED,
    (BODY, REJECT, S.REVIEW_PENDING): S.REJECTED,
    (BODY, APPROVE, S.REJECTED): S.APPROVED,
    (ENTERPRISE, SUBMIT_CERTIFICATE, S.PRE_REVIEW_PASSED): S.REVIEW_PENDING,
    (ENTERPRISE, WITHDRAW, S.PRE_REVIEW_PENDING): S.WITHDRAWN,
    (ENTERPRISE, WITHDRAW, S.PRE_REVIEW_PASSED): S.WITHDRAWN,
    (ENTERPRISE, WITHDRAW, S.REVIEW_PENDING): S.WITHDRAWN,
}
ACTIONS = [
    (BODY, APPROVE),
    (BODY, REJECT),
    (ENTERPRISE, SUBMIT_CERTIFICATE),
    (ENTERPRISE, WITHDRAW),
]
CASES = [(side, action, state) for (side, action), state in itertools.product(ACTIONS, S)]


def act(application, side, action, *, reviewer, reason="材料不全"):
    if side == BODY:
        return services.application_decide(
            application=application, reviewer=reviewer, action=action, reason=reason
        )
    by = application.submitted_by
    if action == WITHDRAW:
        return services.application_withdraw(application=application, by=by)
    return services.application_submit_certificate(
        application=application, by=by, certificate_number="CN2026-0001", answers={}
    )


def test_the_declared_workflow_is_the_specified_table():
    pairs = {(source, target) for (_, _, source), target in EXPECTED.items()}
    for source, target in itertools.product(S, S):
        assert APPLICATION_WORKFLOW.can(source, target) == ((source, target) in pairs), (
            source,
            target,
        )
    assert APPLICATION_WORKFLOW.initial == {S.PRE_REVIEW_PENDING}
    assert APPLICATION_WORKFLOW.needs_reason(S.PRE_REVIEW_PENDING, S.PRE_REVIEW_REJECTED)
    assert APPLICATION_WORKFLOW.needs_reason(S.REVIEW_PENDING, S.REJECTED)
    assert not APPLICATION_WORKFLOW.needs_reason(S.REVIEW_PENDING, S.APPROVED)


@pytest.mark.parametrize(("side", "action", "state"), CASES)
def test_every_move(side, action, state, reviewer):
    application = ApplicationFactory(body=reviewer.body, status=state)
    expected = EXPECTED.get((side, action, state))
    if expected is None:
        with pytest.raises(DomainError) as refused:
            act(application, side, action, reviewer=reviewer)
        assert refused.value.code == "action_not_offered"
        application.refresh_from_db()
        assert application.status == state
        assert not StateTransition.objects.for_object(application).exists()
        return
    act(application, side, action, reviewer=reviewer)
    application.refresh_from_db()
    assert application.status == expected
    (moved,) = StateTransition.objects.for_object(application)
    assert (moved.from_state, moved.to_state) == (state, expected)
    actor = reviewer.user if side == BODY else application.submitted_by
    assert moved.actor == actor
    audit = AuditLog.objects.get(action="review.status_changed", object_id=str(application.pk))
    assert audit.details["from"] == state and audit.details["to"] == expected
    assert audit.role == ("reviewer" if side == BODY else "enterprise_admin")
    assert audit.enterprise_id == application.enterprise_id
    assert application.notices.count() == 1


@pytest.mark.parametrize("state", [S.PRE_REVIEW_PENDING, S.REVIEW_PENDING])
@pytest.mark.parametrize("reason", ["", "   "])
def test_rejections_need_a_reason(state, reason, reviewer):
    application = ApplicationFactory(body=reviewer.body, status=state)
    with pytest.raises(DomainError) as refused:
        act(application, BODY, REJECT, reviewer=reviewer, reason=reason)
    assert refused.value.code == "transition_reason_required"
    assert refused.value.field == "reason"
    application.refresh_from_db()
    assert application.status == state
    assert not application.notices.exists()


def test_the_reason_is_kept_and_cleared_by_a_later_approval(reviewer):
    application = ApplicationFactory(body=reviewer.body, status=S.REVIEW_PENDING)
    act(application, BODY, REJECT, reviewer=reviewer, reason="证书编号无法核实")
    application.refresh_from_db()
    assert application.reason == "证书编号无法核实"
    assert application.reviewed_by == reviewer.user
    (moved,) = StateTransition.objects.for_object(application)
    assert moved.reason == "证书编号无法核实"
    act(application, BODY, APPROVE, reviewer=reviewer)
    application.refresh_from_db()
    assert application.status == S.APPROVED and application.reason == ""


def test_a_reviewer_of_another_body_cannot_decide(reviewer, other_reviewer):
    application = ApplicationFactory(body=reviewer.body)
    with pytest.raises(DomainError) as refused:
        act(application, BODY, APPROVE, reviewer=other_reviewer)
    assert refused.value.code == "not_reviewer"
    application.refresh_from_db()
    assert application.status == S.PRE_REVIEW_PENDING


def test_a_stale_decision_is_a_conflict(reviewer):
    application = ApplicationFactory(body=reviewer.body)
    stale = Application.objects.get(pk=application.pk)
    act(application, BODY, APPROVE, reviewer=reviewer)
    with pytest.raises(DomainError) as refused:
        act(stale, BODY, REJECT, reviewer=reviewer)
    assert refused.value.code == "transition_conflict"
    application.refresh_from_db()
    assert application.status == S.PRE_REVIEW_PASSED


def test_the_database_holds_one_live_application_per_enterprise(reviewer):
    application = ApplicationFactory(body=reviewer.body, status=S.APPROVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(enterprise=application.enterprise, status=S.PRE_REVIEW_PENDING)
    for closed in (S.WITHDRAWN, S.REJECTED, S.PRE_REVIEW_REJECTED):
        ApplicationFactory(enterprise=application.enterprise, status=closed)


def test_a_rejected_application_is_not_approved_over_a_newer_one(reviewer):
    old = ApplicationFactory(body=reviewer.body, status=S.REJECTED)
    ApplicationFactory(enterprise=old.enterprise, status=S.PRE_REVIEW_PENDING)
    with pytest.raises(DomainError) as refused:
        act(old, BODY, APPROVE, reviewer=reviewer)
    assert refused.value.code == "newer_application"
    old.refresh_from_db()
    assert old.status == S.REJECTED


def test_the_questionnaire_answers_are_stored(reviewer):
    rating = QuestionFactory(text="您对审核效率是否满意？", order=1)
    text = QuestionFactory(text="您的建议", kind="text", required=False, order=2)
    application = ApplicationFactory(body=reviewer.body, status=S.PRE_REVIEW_PASSED)
    services.application_submit_certificate(
        application=application,
        by=application.submitted_by,
        certificate_number="  CN 2026-0001 ",
        answers={f"q{rating.pk}": "5", f"q{text.pk}": "=HYPERLINK(1)"},
    )
    application.refresh_from_db()
    assert application.certificate_number == "CN 2026-0001"
    answers = {a.question_text: a.value for a in application.answers.all()}
    assert answers == {"您对审核效率是否满意？": "5", "您的建议": "=HYPERLINK(1)"}


@pytest.mark.parametrize(
    ("number", "answers", "code"),
    [
        ("", {"rating": "5"}, "certificate_required"),
        ("x" * 65, {"rating": "5"}, "certificate_too_long"),
        ("CN1", {}, "answer_required"),
        ("CN1", {"rating": "9"}, "answer_invalid"),
    ],
)
def test_bad_certificate_or_questionnaire_is_refused(number, answers, code, reviewer):
    question = QuestionFactory()
    posted = {f"q{question.pk}": v for v in answers.values()}
    application = ApplicationFactory(body=reviewer.body, status=S.PRE_REVIEW_PASSED)
    with pytest.raises(DomainError) as refused:
        services.application_submit_certificate(
            application=application,
            by=application.submitted_by,
            certificate_number=number,
            answers=posted,
        )
    assert refused.value.code == code
    application.refresh_from_db()
    assert application.status == S.PRE_REVIEW_PASSED
    assert not application.answers.exists()
