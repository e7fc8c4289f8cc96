"""Counters in the shared cache for the account pages (django-ratelimit).

* Wrong current passwords (密码修改, 更换手机) per user: ``PASSWORD_CHECK_RATE``. Someone
  holding a stolen session must not be able to guess the password through these forms;
  the login page has django-axes for the same job.
* 身份证 changes per user: ``ID_NUMBER_CHANGE_RATE``. A number registered elsewhere is
  refused with a message, so unlimited tries would let an account probe which numbers
  are registered.
* Registrations per client address: ``REGISTER_IP_RATE`` (企业注册 creates an account
  without an SMS code, so the address cap and the slider are what slow a script down).

Counting fails closed: if the cache is down the action is refused with a message.
"""

from __future__ import annotations

import math

from django.conf import settings
from django_ratelimit.core import get_usage

from ipms.core.http import client_ip_key

UNAVAILABLE = "服务暂时不可用,请稍后再试。"


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


def _user_key(group, request) -> str:
    return f"user:{request.user.pk}"


def _usage(request, *, group: str, key, rate: str, increment: bool):
    try:
        usage = get_usage(request, group=group, key=key, rate=rate, increment=increment)
    except Exception:  # the shared cache is down: refuse rather than run unlimited
        return {"should_limit": True, "time_left": 60, "unavailable": True}
    if usage is not None and not increment and usage.get("limit"):
        # A peek asks "may one more happen?": refused once the count reached the limit.
        usage = {**usage, "should_limit": usage["count"] >= usage["limit"]}
    return usage


def _refusal(usage, template: str) -> str | None:
    if usage is None or not usage["should_limit"]:
        return None
    if usage.get("unavailable"):
        return UNAVAILABLE
    return template.format(minutes=_minutes(usage["time_left"]))


WRONG_CURRENT_LOCKED = "当前密码输错次数过多,请 {minutes} 分钟后再试。"
ID_NUMBER_LOCKED = "身份证号码修改过于频繁,请 {minutes} 分钟后再试。"
REGISTER_LOCKED = "当前网络注册过于频繁,请 {minutes} 分钟后再试。"


def password_check_refused(request) -> str | None:
    """A message when this user has had too many wrong current passwords, else None."""
    usage = _usage(
        request,
        group="accounts:password_check",
        key=_user_key,
        rate=settings.PASSWORD_CHECK_RATE,
        increment=False,
    )
    return _refusal(usage, WRONG_CURRENT_LOCKED)


def password_check_failed(request) -> str | None:
    """Count a wrong current password; the message if this one reached the limit."""
    usage = _usage(
        request,
        group="accounts:password_check",
        key=_user_key,
        rate=settings.PASSWORD_CHECK_RATE,
        increment=True,
    )
    if usage is not None and usage.get("limit"):
        # The failure that reaches the limit already announces the cool-off.
        usage = {**usage, "should_limit": usage["count"] >= usage["limit"]}
    return _refusal(usage, WRONG_CURRENT_LOCKED)


def id_number_change_refused(request, *, count: bool) -> str | None:
    """Count (when ``count``) one attempt to register a new 身份证 number."""
    usage = _usage(
        request,
        group="accounts:id_number_change",
        key=_user_key,
        rate=settings.ID_NUMBER_CHANGE_RATE,
        increment=count,
    )
    return _refusal(usage, ID_NUMBER_LOCKED)


def register_refused(request, *, count: bool) -> str | None:
    """Peek at (or count) a registration from this client address."""
    usage = _usage(
        request,
        group="accounts:register",
        key=client_ip_key,
        rate=settings.REGISTER_IP_RATE,
        increment=count,
    )
    return _refusal(usage, REGISTER_LOCKED)
