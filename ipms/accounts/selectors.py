"""Reads for the account pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings

from .models import User


class ProfileDefaults(NamedTuple):
    name: str
    position: str
    province: str
    city: str


class Affiliation(NamedTuple):
    """The organisation a user belongs to, as an app above accounts knows it.

    ``organisation`` is shown as 公司 on 个人资料; the other values are what that
    organisation entered for the user (the enterprise admin on 添加成员).
    """

    organisation: str
    name: str
    position: str
    province: str
    city: str


# Filled in AppConfig.ready() by the apps above accounts (ipms.enterprises registers the
# verified member row); accounts never imports them.
_affiliation_sources: list[Callable[[User], Affiliation | None]] = []


def affiliation_source_register(source: Callable[[User], Affiliation | None]) -> None:
    """Add a source of :func:`affiliation_of` (idempotent)."""
    if source not in _affiliation_sources:
        _affiliation_sources.append(source)


def affiliation_of(user: User) -> Affiliation | None:
    """The user's organisation from the first source that knows one, or None."""
    for source in _affiliation_sources:
        affiliation = source(user)
        if affiliation is not None:
            return affiliation
    return None


def profile_defaults(user: User, affiliation: Affiliation | None = None) -> ProfileDefaults:
    """What 个人资料 shows: the user's own values; empty ones from their affiliation.

    The enterprise admin already typed 姓名, 职位 and 城市 on 添加成员, so a member opening
    个人资料 for the first time sees them rather than an empty form (the manual's
    screenshot shows them filled). Saving makes them the user's own. ``affiliation`` is
    the one from :func:`affiliation_of`, passed in so the page reads it once.
    """
    values = ProfileDefaults(user.name, user.position, user.province, user.city)
    if affiliation is None or all(values):
        return values
    province, city = user.province, user.city
    if not province and not city:
        province, city = affiliation.province, affiliation.city
    return ProfileDefaults(
        user.name or affiliation.name,
        user.position or affiliation.position,
        province,
        city,
    )


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
