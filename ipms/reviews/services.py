"""Every write of the review app (product-rules §7).

* Bodies and reviewers are created by operators (console) and by the demo.
* ``application_submit`` opens an application (学习证明审查) under a lock on the
  enterprise row; the conditional unique constraint ``review_application_one_live`` is
  the last line behind the check.
* Every change of ``Application.status`` goes through ``core.workflow.transition()``
  along ``APPLICATION_WORKFLOW``: the row is locked, the state the caller saw is
  re-checked (of two concurrent decisions exactly one wins, the other gets
  ``TransitionConflict``), and the history and audit rows are written in the same
  transaction. ``MOVES`` says which side may make which move.
* Each change notifies the enterprise admin (SMS after commit, an on-site notice).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ipms.accounts.models import User
from ipms.core.audit import audit_record
from ipms.core.errors import DomainError
from ipms.core.models import AuditRole
from ipms.core.phone import normalize_mobile
from ipms.core.workflow import transition
from ipms.enterprises.models import Enterprise, Membership

from . import messages, notify, proofs
from .models import (
    APPROVE,
    BODY,
    CERTIFICATE_NUMBER_MAX_LENGTH,
    ENTERPRISE,
    LIVE,
    RATING_CHOICES,
    REJECT,
    SUBMIT_CERTIFICATE,
    WITHDRAW,
    Answer,
    Application,
    ApplicationStatus,
    CertificationBody,
    Question,
    Reviewer,
    move_target,
)

ANSWER_MAX_LENGTH = 1000


# --- bodies and reviewers (operators) ----------------------------------------------------


@transaction.atomic
def body_create(*, name: str) -> CertificationBody:
    body = CertificationBody(name=(name or "").strip())
    body.full_clean()
    body.save()
    return body


@transaction.atomic
def reviewer_create(
    *, body: CertificationBody, phone: str, name: str, password: str | None = None
) -> Reviewer:
    """A reviewer account of ``body``: a new user with ``password``, or an existing user
    who is neither an operator nor an enterprise member nor already a reviewer."""
    phone = normalize_mobile(phone)
    user = User.objects.select_for_update().filter(phone=phone).first()
    if user is None:
        try:
            validate_password(password or "")
        except ValidationError as error:
            raise DomainError("".join(error.messages), field="password") from None
        user = User.objects.create_user(phone=phone, password=password, name=name)
    else:
        if Reviewer.objects.filter(user=user).exists():
            raise DomainError(messages.REVIEWER_PHONE_TAKEN, code="reviewer_exists", field="phone")
        if user.is_staff:
            raise DomainError(
                messages.REVIEWER_IS_OPERATOR, code="reviewer_is_operator", field="phone"
            )
        if Membership.objects.filter(user=user).exclude(status=Membership.Status.REMOVED).exists():
            raise DomainError(messages.REVIEWER_IS_MEMBER, code="reviewer_is_member", field="phone")
    reviewer = Reviewer(body=body, user=user, name=(name or "").strip())
    reviewer.full_clean()
    reviewer.save()
    return reviewer


# --- the enterprise side (监督反馈) -------------------------------------------------------


def _lock_enterprise(enterprise_id: int) -> None:
    """Every write locks the enterprise row first, then (in ``transition()``) the
    application: one order, so concurrent writers queue instead of deadlocking. NO KEY
    UPDATE, so rows that merely point at the enterprise (notices) are not blocked."""
    Enterprise.objects.select_for_update(no_key=True).filter(pk=enterprise_id).first()


@transaction.atomic
def application_submit(*, enterprise: Enterprise, body: CertificationBody, by: User) -> Application:
    """学习证明审查 → 确认,下一步: a new application, 待预审, addressed to ``body``."""
    _lock_enterprise(enterprise.pk)
    body = CertificationBody.objects.filter(pk=body.pk).first() if body else None
    if body is None:
        raise DomainError(messages.BODY_REQUIRED, code="body_required", field="body")
    if not body.is_active:
        raise DomainError(messages.BODY_INACTIVE, code="body_inactive", field="body")
    if Application.objects.filter(enterprise=enterprise, status__in=LIVE).exists():
        raise DomainError(messages.ALREADY_LIVE, code="application_live")
    if not proofs.enterprise_has_proof(enterprise.pk):
        raise DomainError(messages.NO_PROOF, code="no_proof")
    now = timezone.now()
    application = Application(
        enterprise=enterprise,
        body=body,
        status=ApplicationStatus.PRE_REVIEW_PENDING,
        submitted_by=by,
        submitted_at=now,
    )
    application.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise DomainError(messages.ALREADY_LIVE, code="application_live") from None
    audit_record(
        action="review.submitted",
        actor=by,
        role=AuditRole.ENTERPRISE_ADMIN,
        enterprise_id=enterprise.pk,
        obj=application,
        details={"body": body.pk, "to": application.status},
    )
    notify.status_changed(application)
    return application


def _move(application: Application, side: str, action: str, seen: str | None) -> str:
    """The state ``action`` leads to from the state the caller saw (``seen``: the state
    shown on the page they acted on; else the row as read)."""
    target = move_target(side, action, application.status if seen is None else seen)
    if target is None:
        raise DomainError(messages.ACTION_NOT_OFFERED, code="action_not_offered")
    return target


@transaction.atomic
def application_withdraw(
    *, application: Application, by: User, seen: str | None = None
) -> Application:
    """撤销: the enterprise takes back an application still in progress (→ 无效)."""
    _lock_enterprise(application.enterprise_id)
    target = _move(application, ENTERPRISE, WITHDRAW, seen)
    transition(application, target, actor=by, role=AuditRole.ENTERPRISE_ADMIN, seen=seen)
    notify.status_changed(application)
    return application


def _clean_certificate_number(raw: str) -> str:
    number = " ".join((raw or "").split())
    if not number:
        raise DomainError(
            messages.CERTIFICATE_REQUIRED, code="certificate_required", field="certificate_number"
        )
    if len(number) > CERTIFICATE_NUMBER_MAX_LENGTH:
        raise DomainError(
            messages.CERTIFICATE_TOO_LONG.format(limit=CERTIFICATE_NUMBER_MAX_LENGTH),
            code="certificate_too_long",
            field="certificate_number",
        )
    return number


def questionnaire_questions():
    return list(Question.objects.filter(is_active=True))


def questionnaire_clean(
    questions: list[Question], answers: Mapping[str, str]
) -> list[tuple[Question, str]]:
    """Each active question with its cleaned answer; refuses a missing or invalid one.

    ``answers`` maps ``"q<id>"`` to the value posted.
    """
    ratings = {value for value, _ in RATING_CHOICES}
    cleaned = []
    for question in questions:
        field = f"q{question.pk}"
        value = (answers.get(field) or "").strip()
        if not value:
            if question.required:
                raise DomainError(
                    messages.ANSWER_REQUIRED.format(question=question.text),
                    code="answer_required",
                    field=field,
                )
        elif question.kind == Question.Kind.RATING and value not in ratings:
            raise DomainError(
                messages.ANSWER_INVALID.format(question=question.text),
                code="answer_invalid",
                field=field,
            )
        elif len(value) > ANSWER_MAX_LENGTH:
            raise DomainError(
                messages.ANSWER_TOO_LONG.format(limit=ANSWER_MAX_LENGTH, question=question.text),
                code="answer_too_long",
                field=field,
            )
        cleaned.append((question, value))
    return cleaned


def certificate_number_check(raw: str) -> str:
    """The wizard's first half of step 2: the number is checked before the questionnaire."""
    return _clean_certificate_number(raw)


@transaction.atomic
def application_submit_certificate(
    *,
    application: Application,
    by: User,
    certificate_number: str,
    answers: Mapping[str, str],
    seen: str | None = None,
) -> Application:
    """贯标证书审核: the certificate number and the questionnaire → 提交 (→ 待审核)."""
    _lock_enterprise(application.enterprise_id)
    target = _move(application, ENTERPRISE, SUBMIT_CERTIFICATE, seen)
    number = _clean_certificate_number(certificate_number)
    cleaned = questionnaire_clean(questionnaire_questions(), answers)
    transition(
        application,
        target,
        actor=by,
        role=AuditRole.ENTERPRISE_ADMIN,
        seen=seen,
        changes={"certificate_number": number, "reason": ""},
        audit_details={"certificate_number": number, "answers": len(cleaned)},
    )
    Answer.objects.filter(application=application).delete()
    Answer.objects.bulk_create(
        Answer(application=application, question=q, question_text=q.text, value=v)
        for q, v in cleaned
    )
    notify.status_changed(application)
    return application


# --- the body side (认证审核) -------------------------------------------------------------


@transaction.atomic
def application_decide(
    *,
    application: Application,
    reviewer: Reviewer,
    action: str,
    reason: str = "",
    seen: str | None = None,
) -> Application:
    """通过 / 拒绝 by a reviewer of the application's body (拒绝 needs a reason).

    The row is locked by ``transition()`` and the state the reviewer saw re-checked, so of
    two reviewers deciding at once exactly one moves it; the other gets
    ``TransitionConflict`` ("该记录已被他人处理，请刷新后重试。").
    """
    if action not in (APPROVE, REJECT):
        raise DomainError(messages.ACTION_NOT_OFFERED, code="action_not_offered")
    if not reviewer.is_active or reviewer.body_id != application.body_id:
        raise DomainError(messages.NOT_REVIEWER, code="not_reviewer")
    _lock_enterprise(application.enterprise_id)
    target = _move(application, BODY, action, seen)
    if target == ApplicationStatus.APPROVED:
        # 已拒绝 → 已通过 after the enterprise opened a newer application would leave two
        # live ones: refused here, under the enterprise lock (the constraint backs it).
        newer = (
            Application.objects.filter(enterprise_id=application.enterprise_id, status__in=LIVE)
            .exclude(pk=application.pk)
            .exists()
        )
        if newer:
            raise DomainError(messages.NEWER_APPLICATION, code="newer_application")
    now = timezone.now()
    changes = {"reviewed_by": reviewer.user, "decided_at": now}
    changes["reason"] = (reason or "").strip() if action == REJECT else ""
    transition(
        application,
        target,
        actor=reviewer.user,
        reason=reason if action == REJECT else None,
        changes=changes,
        role=AuditRole.REVIEWER,
        seen=seen,
        audit_details={"body": application.body_id},
    )
    notify.status_changed(application)
    return application


__all__ = [
    "APPROVE",
    "BODY",
    "REJECT",
    "application_decide",
    "application_submit",
    "application_submit_certificate",
    "application_withdraw",
    "body_create",
    "certificate_number_check",
    "questionnaire_clean",
    "questionnaire_questions",
    "reviewer_create",
]
