"""审计日志: ``audit_record`` writes one row for one consequential action.

Call it *inside the transaction that makes the change* (a service under
``@transaction.atomic``, or ``transition()``), so the change and its record commit or
roll back together: there is never a change without its row, nor a row for a change that
did not happen. Called outside a transaction (a login signal, a refused login) it writes
at once in autocommit, which is what those events need.

Personal data stays out of the log: ``details`` goes through ``mask_details`` (phone and
ID numbers masked wherever they appear, secrets dropped), and ``actor_label`` keeps only
the masked phone. Codes and labels: ``ipms.core.audit_actions``; the decision and the
database guard: docs/decisions/0007-audit-log.md.
"""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, NamedTuple

from django.db import models
from django.http import HttpRequest

from .audit_actions import action_is_known
from .http import client_ip
from .models import AuditLog, AuditRole
from .phone import MOBILE_RE, mask_mobile

__all__ = [
    "ActorContext",
    "AuditRequestMiddleware",
    "actor_context_register",
    "audit_record",
    "mask_details",
    "mask_text",
]


# --- masking ------------------------------------------------------------------------------

# 18-digit 居民身份证 (last character may be X) and the old 15-digit form; not part of a
# longer run of digits or letters (a credit code, a hash).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# Mainland mobile numbers (ipms.core.phone's pattern, maybe after 86 or 0086), not part
# of a longer run of digits.
_MOBILE = re.compile(rf"(?<!\d)((?:00)?86)?({MOBILE_RE.pattern.strip('^$')})(?!\d)")
# Keys whose values never belong in the log, whatever they look like.
SECRET_KEYS = frozenset(
    {"password", "password1", "password2", "token", "code", "secret", "id_number", "captcha"}
)
REDACTED = "[已隐藏]"
MAX_TEXT = 300
MAX_ITEMS = 100


def _mask_id(match: re.Match) -> str:
    number = match.group(1)
    return f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}"


def _mask_mobile(match: re.Match) -> str:
    return (match.group(1) or "") + mask_mobile(match.group(2))


def mask_text(value: str) -> str:
    """``value`` with every phone and ID number in it masked (136****2925,
    110101********1234), cut to ``MAX_TEXT`` characters."""
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT] + "…"
    return _MOBILE.sub(_mask_mobile, _ID_NUMBER.sub(_mask_id, value))


def mask_details(value: Any) -> Any:
    """A JSON-safe copy of ``value`` with personal data masked and secrets dropped.

    Dicts and lists are walked (at most ``MAX_ITEMS`` entries each); values under a key
    in ``SECRET_KEYS`` become ``[已隐藏]``; strings (and integers, which a phone number
    may be typed as) are masked by ``mask_text``; dates, decimals and UUIDs become text.
    """
    if isinstance(value, Mapping):
        return {
            str(key): REDACTED if str(key).lower() in SECRET_KEYS else mask_details(item)
            for key, item in list(value.items())[:MAX_ITEMS]
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_details(item) for item in list(value)[:MAX_ITEMS]]
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        masked = mask_text(str(value))
        return value if masked == str(value) else masked
    if isinstance(value, datetime.date | datetime.time | decimal.Decimal | uuid.UUID):
        return str(value)
    return mask_text(str(value))


# --- who acted, as what -----------------------------------------------------------------


class ActorContext(NamedTuple):
    """The identity an actor acted as, and the enterprise it concerns (either may be None)."""

    role: str | None
    enterprise_id: int | None


ActorContextProvider = Callable[[Any, HttpRequest | None], ActorContext | None]
_providers: list[ActorContextProvider] = []


def actor_context_register(provider: ActorContextProvider) -> None:
    """Higher apps tell the audit log what identity a user acts as.

    Core knows no enterprises; the enterprises app registers a provider in its
    ``AppConfig.ready()`` that answers "enterprise admin of #7" or "learner of #7". The
    first provider that answers wins; None means "no opinion".
    """
    if provider not in _providers:
        _providers.append(provider)


def _actor_context(actor, request: HttpRequest | None) -> ActorContext:
    if actor is None:
        return ActorContext(AuditRole.VISITOR if request is not None else AuditRole.SYSTEM, None)
    if actor.is_staff:
        return ActorContext(AuditRole.OPERATOR, None)
    for provider in _providers:
        context = provider(actor, request)
        if context is not None:
            return context
    return ActorContext(AuditRole.LEARNER, None)


def _request_user(request: HttpRequest | None):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


# --- the request being served ----------------------------------------------------------

_current_request: ContextVar[HttpRequest | None] = ContextVar("ipms_audit_request", default=None)


class AuditRequestMiddleware:
    """Remembers the request being served, so services that are not handed the request
    (a password change, a transition deep in a service) still record the client address
    and the signed-in user. Only ``audit_record`` reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


# --- the one writer ---------------------------------------------------------------------


def audit_record(
    *,
    action: str,
    actor=None,
    role: str | None = None,
    enterprise_id: int | None = None,
    obj: models.Model | None = None,
    details: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditLog:
    """Write one audit row; call it in the same transaction as the change it records.

    ``request`` defaults to the request being served (``AuditRequestMiddleware``), and
    ``actor`` to its signed-in user. ``role`` and ``enterprise_id``
    default to what the registered providers say about the actor (operator for staff,
    learner otherwise; visitor or system without an actor). ``obj`` names the object
    acted on; ``request`` supplies the client address (the trusted-proxy rule of
    ``ipms.core.http``). ``details`` is masked before it is stored.
    """
    if not action_is_known(action):
        raise ValueError(f"unknown audit action {action!r}: add it to ipms.core.audit_actions")
    if request is None:
        request = _current_request.get()
    if actor is not None and not actor.is_authenticated:
        actor = None
    if actor is None:
        actor = _request_user(request)
    if role is None or enterprise_id is None:
        context = _actor_context(actor, request)
        role = role or context.role or AuditRole.SYSTEM
        if enterprise_id is None:
            enterprise_id = context.enterprise_id
    if role not in AuditRole.values:
        raise ValueError(f"unknown audit role {role!r}")
    return AuditLog.objects.create(
        action=action,
        actor=actor,
        actor_label=mask_text(actor.get_username()) if actor is not None else "",
        role=role,
        enterprise_id=enterprise_id,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        ip_address=client_ip(request) if request is not None else None,
        details=mask_details(dict(details or {})),
    )
