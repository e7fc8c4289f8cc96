"""Login abuse limits: django-axes locks a phone number, a cache counter caps an address.

Per phone (axes): ``AXES_FAILURE_LIMIT`` failures within ``AXES_COOLOFF_TIME`` lock the
number for the cool-off; never permanently, so nobody can lock a colleague out for good.
Per client address (django-ratelimit, shared cache): ``LOGIN_IP_RATE`` POSTs, looser,
because a whole office may share one address behind NAT.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import get_usage

from ipms.core.http import client_ip_key
from ipms.core.phone import normalize_mobile

LOGIN_IP_GROUP = "accounts:login"


def username_from_request(request, credentials) -> str | None:
    """The phone axes counts failures for, normalised like the login form does."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username")
    return normalize_mobile(raw) if raw else None


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


def lockout_message() -> str:
    minutes = _minutes(settings.AXES_COOLOFF_TIME.total_seconds())
    return (
        f"登录失败次数过多,该手机号已被暂时锁定,请 {minutes} 分钟后再试,或通过“找回密码”重设密码。"
    )


def lockout_response(request, original_response=None, credentials=None):
    """Our login page, with the phone kept and the reason shown, status 429."""
    from .forms import PhoneLoginForm

    form = PhoneLoginForm(request, data=request.POST or None)
    form.is_bound = False  # show the typed phone without running validation again
    form.initial = {"username": request.POST.get("username", "")}
    response = render(
        request,
        "accounts/login.html",
        {"form": form, "lockout": lockout_message(), "next": request.POST.get("next", "")},
        status=429,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


def ip_rate_exceeded(request) -> str | None:
    """Count this login POST for the client address; a message when over the cap."""
    usage = get_usage(
        request,
        group=LOGIN_IP_GROUP,
        key=client_ip_key,
        rate=settings.LOGIN_IP_RATE,
        method="POST",
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return None
    wait = _minutes(usage["time_left"])
    return f"当前网络登录尝试过于频繁,请 {wait} 分钟后再试。"
