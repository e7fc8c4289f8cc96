"""How the review app hooks into the apps below it (docs/architecture.md): its audit
action codes, the reviewer identity in audit rows, where 登录 leads a reviewer, and
credentials' two registries (review passed; which body may download proofs)."""

from __future__ import annotations

from django.urls import reverse

from ipms.accounts.landing import landing_register
from ipms.core.audit import ActorContext, actor_context_register
from ipms.core.audit_actions import action_register
from ipms.core.models import AuditRole
from ipms.credentials.hooks import body_access_register, review_passed_register

from . import selectors

ACTIONS = {
    "review.submitted": "提交认证审核申请",
    "review.status_changed": "认证审核状态变更",
    "review.exported": "导出认证审核列表",
    "review.proofs_downloaded": "下载学习证明",
}


def reviewer_landing(user) -> str | None:
    return reverse("reviews:console_home") if selectors.reviewer_of(user) else None


def reviewer_actor_context(actor, request) -> ActorContext | None:
    reviewer = selectors.reviewer_of(actor)
    return ActorContext(AuditRole.REVIEWER, None) if reviewer is not None else None


def connect() -> None:
    for code, label in ACTIONS.items():
        action_register(code, label)
    landing_register(reviewer_landing)
    actor_context_register(reviewer_actor_context)
    # 内审员人才库合格证书 needs an approved review; a body's reviewers may download the
    # proofs of the enterprises that applied to it.
    review_passed_register(selectors.enterprises_approved)
    body_access_register(selectors.body_may_see_enterprise)
