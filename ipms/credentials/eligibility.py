"""Who may generate what (product-rules §6), decided in one place for the page, the
generating services and the tests.

A learner's standing in a course comes from learning's figures (``stats``: 学分 by the
course's credit policy, 考试得分 the best attempt through the exam registry), so the 证书
tab and the check on generation read the same numbers; the conditions are the course's
``CreditPolicy`` (``proof_conditions_met``), the one source of truth for X and Y.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipms.credentials import hooks, messages
from ipms.credentials.models import Credential, Kind
from ipms.enterprises.selectors import membership_of
from ipms.learning import stats
from ipms.learning.access import learner_may_learn
from ipms.learning.policy import CreditPolicy


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


@dataclass(frozen=True)
class Standing:
    """A learner's position towards the proof and the certificate of one course."""

    user: object
    course: object
    policy: CreditPolicy
    may_learn: bool
    credits: int
    exam_score: int | None
    name: str
    id_number_masked: str
    enterprise: object | None  # the verified membership's enterprise, or None
    review_passed: bool
    proof: Credential | None
    certificate: Credential | None

    @property
    def conditions_met(self) -> bool:
        return self.policy.proof_conditions_met(credits=self.credits, exam_score=self.exam_score)


def standing_for(*, user, course, figures=None, basis=None) -> Standing:
    """``figures``/``basis``: pass what the course page computed already."""
    basis = basis or stats.course_basis(course)
    may_learn = learner_may_learn(user)
    if figures is None and may_learn:
        figures = stats.figures_for_user(basis=basis, user=user)
    membership = membership_of(user) if may_learn else None
    enterprise = membership.enterprise if membership else None
    held = {}
    if may_learn:
        held = {c.kind: c for c in Credential.objects.filter(user=user, course=course)}
    name = (getattr(user, "name", "") or (membership.name if membership else "")).strip()
    return Standing(
        user=user,
        course=course,
        policy=basis.policy,
        may_learn=may_learn,
        credits=figures.credits if figures else 0,
        exam_score=figures.exam_score if figures else None,
        name=name,
        id_number_masked=user.masked_id_number if may_learn else "",
        enterprise=enterprise,
        review_passed=hooks.enterprise_review_passed(enterprise.pk if enterprise else None),
        proof=held.get(Kind.PROOF),
        certificate=held.get(Kind.CERTIFICATE),
    )


def proof_refusal(standing: Standing) -> Refusal | None:
    if not standing.may_learn:
        return Refusal("not_a_learner", messages.NOT_A_LEARNER)
    if standing.proof is not None:
        return Refusal("credential_exists", messages.PROOF_EXISTS)
    if not standing.conditions_met:
        return Refusal(
            "conditions_not_met",
            messages.CONDITIONS_NOT_MET.format(
                credits=standing.policy.min_credits, score=standing.policy.min_exam_score
            ),
        )
    if not standing.name:
        return Refusal("name_missing", messages.NAME_MISSING)
    return None


def certificate_refusal(standing: Standing) -> Refusal | None:
    if not standing.may_learn:
        return Refusal("not_a_learner", messages.NOT_A_LEARNER)
    if standing.certificate is not None:
        return Refusal("credential_exists", messages.CERTIFICATE_EXISTS)
    if standing.proof is None:
        return Refusal("needs_proof", messages.CERTIFICATE_NEEDS_PROOF)
    if not standing.proof.is_valid:
        return Refusal("proof_revoked", messages.CERTIFICATE_PROOF_REVOKED)
    if standing.enterprise is None:
        return Refusal("individual_learner", messages.CERTIFICATE_INDIVIDUAL)
    if not standing.review_passed:
        return Refusal("review_pending", messages.CERTIFICATE_REVIEW_PENDING)
    if not standing.name:
        return Refusal("name_missing", messages.NAME_MISSING)
    return None
