"""Reads of the review app, each scoped: a reviewer sees only the applications addressed
to their body, an enterprise admin only their enterprise's (product-rules §7)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from ipms.core.models import StateTransition

from .models import (
    CONSOLE_COUNT_ORDER,
    LIVE,
    Application,
    ApplicationStatus,
    CertificationBody,
    Notice,
    Reviewer,
)

SEARCH_MAX_LENGTH = 100
_REVIEWER_CACHE_ATTR = "_ipms_reviewer"


def reviewer_of(user) -> Reviewer | None:
    """The active reviewer row of ``user`` (of an active body), cached on the user."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if hasattr(user, _REVIEWER_CACHE_ATTR):
        return getattr(user, _REVIEWER_CACHE_ATTR)
    reviewer = (
        Reviewer.objects.select_related("body")
        .filter(user=user, is_active=True, body__is_active=True)
        .first()
    )
    setattr(user, _REVIEWER_CACHE_ATTR, reviewer)
    return reviewer


def active_bodies() -> QuerySet[CertificationBody]:
    return CertificationBody.objects.filter(is_active=True).order_by("name")


# --- the body console --------------------------------------------------------------------


def status_counts(body: CertificationBody) -> list[tuple[str, str, int]]:
    """(state, label, count) for the console home, in the manual's order (one query)."""
    counts = dict(
        Application.objects.filter(body=body)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [(s.value, s.label, counts.get(s.value, 0)) for s in CONSOLE_COUNT_ORDER]


def clean_status(raw: str | None) -> str:
    return raw if raw in ApplicationStatus.values else ""


def clean_search(raw: str | None) -> str:
    return (raw or "").strip()[:SEARCH_MAX_LENGTH]


def body_applications(
    body: CertificationBody, *, status: str = "", search: str = ""
) -> QuerySet[Application]:
    """The console list: the body's applications, newest first, filtered by 审核状态 and
    公司名称 (contains, case-insensitive)."""
    rows = Application.objects.filter(body=body)
    if status:
        rows = rows.filter(status=status)
    if search:
        rows = rows.filter(enterprise__name__icontains=search)
    return rows.select_related("enterprise").order_by("-submitted_at", "-id")


def export_applications(body: CertificationBody, *, status: str = "", search: str = ""):
    return body_applications(body, status=status, search=search).select_related(
        "body", "submitted_by", "reviewed_by"
    )


def body_application(body: CertificationBody, pk: int) -> Application:
    """One application of ``body`` (``Application.DoesNotExist`` for any other)."""
    return Application.objects.select_related("enterprise", "body").get(pk=pk, body=body)


def body_job(body: CertificationBody, pk: int):
    """One console job (导出 / 下载全部学习证明) of ``body``; ``ReviewJob.DoesNotExist``
    for another body's, so it is not even known to exist."""
    from .models import ReviewJob

    return ReviewJob.objects.select_related("application__enterprise").get(pk=pk, body=body)


def body_enterprise_ids(body: CertificationBody) -> QuerySet:
    """The enterprises that applied to ``body`` (any state): whose proofs it may see."""
    return Application.objects.filter(body=body).order_by().values("enterprise_id").distinct()


def body_may_see_enterprise(user, enterprise_id: int) -> bool:
    reviewer = reviewer_of(user)
    return (
        reviewer is not None
        and Application.objects.filter(
            body_id=reviewer.body_id, enterprise_id=enterprise_id
        ).exists()
    )


# --- the enterprise side -----------------------------------------------------------------


def enterprise_applications(enterprise) -> QuerySet[Application]:
    return (
        Application.objects.filter(enterprise=enterprise)
        .select_related("body")
        .order_by("-submitted_at", "-id")
    )


def enterprise_current(enterprise) -> Application | None:
    """The application the wizard shows: the live one, else the latest (a rejection or a
    withdrawal the admin may start again after), else None."""
    rows = enterprise_applications(enterprise)
    return rows.filter(status__in=LIVE).first() or rows.first()


def enterprise_application(enterprise, pk: int) -> Application:
    return Application.objects.select_related("body", "enterprise").get(
        pk=pk, enterprise=enterprise
    )


def enterprise_notices(enterprise, *, limit: int = 10) -> list[Notice]:
    return list(Notice.objects.filter(enterprise=enterprise)[:limit])


def enterprises_approved(enterprise_ids) -> set[int]:
    """Of ``enterprise_ids``, those whose review was approved (the certificate's gate)."""
    return set(
        Application.objects.filter(
            enterprise_id__in=list(enterprise_ids), status=ApplicationStatus.APPROVED
        ).values_list("enterprise_id", flat=True)
    )


def history(application: Application) -> list[StateTransition]:
    return list(StateTransition.objects.for_object(application).select_related("actor"))
