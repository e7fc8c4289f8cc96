"""Reads of enterprises and members, scoped to who asks.

Views never fetch a membership by primary key themselves: they call
:func:`get_membership_for_admin`, which answers 404 for a row of another enterprise (so an
admin cannot even learn that the id exists). Lists cost a fixed number of queries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from .models import Enterprise, Invitation, Membership

if TYPE_CHECKING:
    from ipms.accounts.models import User


def _is_signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def membership_of(user: User) -> Membership | None:
    """The user's verified membership (a learner belongs to at most one enterprise)."""
    if not _is_signed_in(user):
        return None
    return (
        Membership.objects.select_related("enterprise")
        .filter(user=user, status=Membership.Status.VERIFIED)
        .first()
    )


def enterprise_of(user: User) -> Enterprise | None:
    """The enterprise the user is a verified member of, as learner or admin."""
    membership = membership_of(user)
    return membership.enterprise if membership is not None else None


def admin_membership_of(user: User) -> Membership | None:
    """The user's verified admin membership, if the user administers an enterprise."""
    if not _is_signed_in(user):
        return None
    return (
        Membership.objects.select_related("enterprise")
        .filter(user=user, status=Membership.Status.VERIFIED, role=Membership.Role.ADMIN)
        .first()
    )


def enterprise_for_admin(user: User) -> Enterprise | None:
    """The enterprise ``user`` administers, or ``None`` (e.g. for a plain learner)."""
    membership = admin_membership_of(user)
    return membership.enterprise if membership is not None else None


def is_enterprise_admin(user: User) -> bool:
    return admin_membership_of(user) is not None


def get_enterprise_for_admin(*, admin_user: User) -> Enterprise:
    """The admin's enterprise, or Http404 for anyone who administers none."""
    enterprise = enterprise_for_admin(admin_user)
    if enterprise is None:
        raise Http404("不是企业管理员")
    return enterprise


def members_of(enterprise: Enterprise, *, include_removed: bool = False) -> QuerySet[Membership]:
    """成员管理 rows: the admin first, then members in the order they were added.

    The linked user comes in the same query, so a page of members costs one query
    (plus one for the count) however many rows it shows.
    """
    qs = Membership.objects.filter(enterprise=enterprise).select_related("user")
    if not include_removed:
        qs = qs.filter(status__in=Membership.ACTIVE_STATUSES)
    return qs.annotate(
        _admin_first=Case(
            When(role=Membership.Role.ADMIN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("_admin_first", "created_at", "id")


def get_membership_for_admin(*, admin_user: User, pk: int) -> Membership:
    """A member row of the admin's own enterprise; Http404 for anything else.

    Removed rows are not found either: nothing can be done to them from 成员管理.
    """
    enterprise = enterprise_for_admin(admin_user)
    if enterprise is None:
        raise Http404("不是企业管理员")
    try:
        return Membership.objects.select_related("enterprise", "user").get(
            pk=pk, enterprise=enterprise, status__in=Membership.ACTIVE_STATUSES
        )
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404("成员不存在") from None


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link token belongs to (any state), for the 账号确认 page.

    The page shows the enterprise and the masked phone, and asks ``invitation_check``
    (in services) whether the link can still be used.
    """
    if not token:
        return None
    return (
        Invitation.objects.select_related("membership__enterprise", "membership__user")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


def pending_memberships_for_phone(phone: str) -> QuerySet[Membership]:
    """Invitations still waiting for a phone number, across enterprises (newest first)."""
    return (
        Membership.objects.filter(phone=phone, status=Membership.Status.PENDING)
        .select_related("enterprise")
        .order_by("-created_at", "-id")
    )
