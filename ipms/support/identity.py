"""Who is chatting: a signed-in user by the account, a visitor by a signed cookie.

The visitor cookie holds a random token signed with ``SECRET_KEY`` (Django's signed
cookies), so a visitor cannot make up another visitor's token. The conversation's owner
key is derived from it; no message from a client ever names a conversation to read.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import NamedTuple

from django.conf import settings
from django.core import signing
from django.http import HttpResponse

COOKIE_NAME = "ipms_support"
COOKIE_SALT = "ipms.support.visitor"
STAFF_GROUP = "support-staff"


class Owner(NamedTuple):
    """The owner of a conversation: ``key`` is "user:<pk>" or "visitor:<token>"."""

    key: str
    user: object | None

    @property
    def is_visitor(self) -> bool:
        return self.user is None


def owner_for_user(user) -> Owner:
    return Owner(f"user:{user.pk}", user)


def owner_for_visitor(token: str) -> Owner:
    return Owner(f"visitor:{token}", None)


def visitor_token_new() -> str:
    return secrets.token_urlsafe(18)


def _max_age() -> int:
    return settings.SUPPORT_VISITOR_COOKIE_DAYS * 24 * 3600


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=COOKIE_SALT)


def visitor_token_from_cookie(raw: str | None) -> str | None:
    """The token of a signed visitor cookie, or None when missing, forged or expired."""
    if not raw:
        return None
    try:
        return _signer().unsign(raw, max_age=_max_age())
    except signing.BadSignature:
        return None


def visitor_cookie_set(response: HttpResponse, token: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        _signer().sign(token),
        max_age=_max_age(),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def owner_group(owner_key: str) -> str:
    """The channel-layer group of one owner's sockets (every tab they have open)."""
    return "support-owner-" + hashlib.sha256(owner_key.encode()).hexdigest()[:40]


def staff_may_answer(user) -> bool:
    """Operators (and staff given 接待在线客服) answer conversations."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("support.answer_conversation")
    )
