"""Reads for the account pages."""

from __future__ import annotations

from typing import NamedTuple

from django.conf import settings

from .models import User


class ProfileDefaults(NamedTuple):
    name: str
    position: str
    province: str
    city: str


def membership_of(user: User):
    """The user's verified member row (with its enterprise), or None: one query."""
    from ipms.enterprises.selectors import membership_of as enterprise_membership_of

    return enterprise_membership_of(user)


def profile_defaults(user: User, membership=None) -> ProfileDefaults:
    """What 个人资料 shows: the user's own values; empty ones from their member row.

    The enterprise admin already typed 姓名, 职位 and 城市 on 添加成员, so a member opening
    个人资料 for the first time sees them rather than an empty form (the manual's
    screenshot shows them filled). Saving makes them the user's own. ``membership`` is
    the row from :func:`membership_of`, passed in so the page reads it once.
    """
    values = ProfileDefaults(user.name, user.position, user.province, user.city)
    if membership is None or all(values):
        return values
    province, city = user.province, user.city
    if not province and not city:
        province, city = membership.province, membership.city
    return ProfileDefaults(
        user.name or membership.name,
        user.position or membership.position,
        province,
        city,
    )


def enterprise_code_taken(credit_code: str) -> bool:
    """Whether an enterprise is registered under this (normalised) code already."""
    from ipms.enterprises.models import Enterprise

    return Enterprise.objects.filter(credit_code=credit_code).exists()


def pending_invitation_count(phone: str) -> int:
    """Invitations still waiting for this phone (a hint after 个人注册)."""
    from ipms.enterprises.selectors import pending_memberships_for_phone

    return pending_memberships_for_phone(phone).count()


def agreement_context(user: User | None = None) -> dict:
    """The 《用户协议》 version, and the user's consent record when given."""
    context = {"agreement_version": settings.USER_AGREEMENT_VERSION}
    if user is not None:
        context.update(
            {
                "agreed_version": user.agreement_version,
                "agreed_at": user.agreed_at,
                "agreement_current": user.agreement_version == settings.USER_AGREEMENT_VERSION,
                "id_number_agreed_at": user.id_number_agreed_at if user.has_id_number else None,
            }
        )
    return context
