"""How the review app hooks into the apps below it (docs/architecture.md): its audit
action codes, the reviewer identity in audit rows, where 登录 leads a reviewer, and
credentials' two registries (review passed; which body may download proofs)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.urls import reverse

from ipms.accounts.landing import landing_register
from ipms.core.audit import ActorContext, actor_context_register
from ipms.core.audit_actions import action_register
from ipms.core.jobs import job_expiry_register
from ipms.core.models import AuditRole
from ipms.core.navigation import user_menu_register
from ipms.credentials.hooks import body_access_register, review_passed_register

from . import selectors
from .models import ReviewJob

ACTIONS = {
    "review.submitted": "提交认证审核申请",
    "review.status_changed": "认证审核状态变更",
    "review.exported": "导出认证审核列表",
    "review.proofs_downloaded": "下载学习证明",
    "reviewjob.status_changed": "机构后台导出状态变更",
}


def reviewer_landing(user) -> str | None:
    return reverse("reviews:console_home") if selectors.reviewer_of(user) else None


def reviewer_actor_context(actor, request) -> ActorContext | None:
    reviewer = selectors.reviewer_of(actor)
    return ActorContext(AuditRole.REVIEWER, None) if reviewer is not None else None


# Whether the signed-in user is a body's reviewer, kept in the session from login on, so
# the user menu's 机构审核 costs no query per page (the session is loaded anyway).
REVIEWER_SESSION_KEY = "ipms_is_reviewer"


def remember_reviewer(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[REVIEWER_SESSION_KEY] = selectors.reviewer_of(user) is not None


def console_link_shown(request) -> bool:
    """机构审核 in the user menu: for a user who was a reviewer when signing in (the
    console itself checks again on every request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    session = getattr(request, "session", None)
    if session is None:
        return False
    if REVIEWER_SESSION_KEY not in session:
        # A session from before this flag existed: look it up once, then remember it.
        session[REVIEWER_SESSION_KEY] = selectors.reviewer_of(user) is not None
    return bool(session[REVIEWER_SESSION_KEY])


def connect() -> None:
    for code, label in ACTIONS.items():
        action_register(code, label)
    landing_register(reviewer_landing)
    user_logged_in.connect(remember_reviewer, dispatch_uid="reviews.remember_reviewer")
    user_menu_register(
        "机构审核", "reviews:console_home", prefixes=("reviews:console",), shown=console_link_shown
    )
    # 导出 / 下载全部学习证明 files are removed with their rows after the retention time.
    job_expiry_register(ReviewJob)
    actor_context_register(reviewer_actor_context)
    # 内审员人才库合格证书 needs an approved review; a body's reviewers may download the
    # proofs of the enterprises that applied to it.
    review_passed_register(selectors.enterprises_approved)
    body_access_register(selectors.body_may_see_enterprise)
