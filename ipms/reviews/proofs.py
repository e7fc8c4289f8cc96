"""Learning proofs as the review sees them (credentials below, product-rules §6–§7).

* ``enterprise_has_proof``: step 1 of 监督反馈 is offered only when at least one verified
  member holds a valid learning proof issued under the enterprise.
* ``application_proof_rows``: 查询学习证明 — per proof: 姓名 · 职位 · 累计学习天数 ·
  累计学习时长 · 学分 · 考试得分 of the proof's course, and the proof itself.
* ``body_proof_search``: 学习证明查询 — by number or learner name, only among the
  enterprises that applied to the reviewer's body.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ipms.credentials.models import Credential, Kind
from ipms.enterprises.models import Membership
from ipms.learning import stats
from ipms.learning.models import Course

from .models import CertificationBody

SEARCH_MAX_LENGTH = 40


def _valid_proofs() -> QuerySet[Credential]:
    return Credential.objects.filter(kind=Kind.PROOF, status=Credential.Status.VALID)


def enterprise_proofs(enterprise_id: int) -> QuerySet[Credential]:
    """Valid proofs issued under the enterprise to learners still verified members of it."""
    members = Membership.objects.filter(
        enterprise_id=enterprise_id, status=Membership.Status.VERIFIED
    ).values("user_id")
    return _valid_proofs().filter(enterprise_id=enterprise_id, user_id__in=members)


def enterprise_has_proof(enterprise_id: int) -> bool:
    return enterprise_proofs(enterprise_id).exists()


@dataclass(frozen=True)
class ProofRow:
    proof: Credential
    name: str
    position: str
    figures: stats.CourseFigures


def _rows(proofs: list[Credential], enterprise_ids: set[int]) -> list[ProofRow]:
    """Figures per course (two queries each) and the members' 职位 (one query)."""
    members = {
        (m.enterprise_id, m.user_id): m
        for m in Membership.objects.filter(
            enterprise_id__in=enterprise_ids,
            user_id__in={p.user_id for p in proofs},
            status=Membership.Status.VERIFIED,
        ).only("enterprise_id", "user_id", "name", "position")
    }
    figures: dict[tuple[int, int], stats.CourseFigures] = {}
    by_course: dict[int, list[int]] = {}
    courses: dict[int, Course] = {}
    for proof in proofs:
        by_course.setdefault(proof.course_id, []).append(proof.user_id)
        courses[proof.course_id] = proof.course
    for course_id, user_ids in by_course.items():
        basis = stats.course_basis(courses[course_id])
        for user_id, value in stats.figures_for_users(basis=basis, user_ids=user_ids).items():
            figures[(course_id, user_id)] = value
    rows = []
    for proof in proofs:
        member = members.get((proof.enterprise_id, proof.user_id))
        rows.append(
            ProofRow(
                proof=proof,
                name=(member.name if member and member.name else proof.snapshot.get("name", "")),
                position=member.get_position_display() if member else "",
                figures=figures[(proof.course_id, proof.user_id)],
            )
        )
    return rows


def application_proof_rows(application) -> list[ProofRow]:
    proofs = list(
        enterprise_proofs(application.enterprise_id)
        .select_related("course", "user")
        .order_by("user_id", "course_id")
    )
    return _rows(proofs, {application.enterprise_id})


def body_proof_search(body: CertificationBody, query: str, *, limit: int = 50) -> list[ProofRow]:
    """学习证明查询: a proof number (exact, any case) or a learner's name (contains)."""
    from .selectors import body_enterprise_ids

    query = "".join((query or "").split())[:SEARCH_MAX_LENGTH]
    if not query:
        return []
    found = (
        _valid_proofs()
        .filter(enterprise_id__in=body_enterprise_ids(body))
        .filter(
            Q(number=query.upper())
            | Q(
                user__memberships__name__icontains=query,
                user__memberships__status=Membership.Status.VERIFIED,
                user__memberships__enterprise_id__in=body_enterprise_ids(body),
            )
        )
        .select_related("course", "user", "enterprise")
        .distinct()
        .order_by("-issued_at", "-id")[:limit]
    )
    proofs = list(found)
    return _rows(proofs, {p.enterprise_id for p in proofs})
