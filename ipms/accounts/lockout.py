"""Login abuse limits: django-axes locks a phone number, a cache counter caps an address.

Per phone (axes): ``AXES_FAILURE_LIMIT`` failures within ``AXES_COOLOFF_TIME`` lock the
number for the cool-off; never permanently, so nobody can lock a colleague out for good.
Per client address: the ``login_ip`` policy of ``ipms.core.ratelimit``, looser, because a
whole office may share one address behind NAT.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render

from ipms.core import ratelimit
from ipms.core.phone import normalize_mobile


def username_from_request(request, credentials) -> str | None:
    """The phone axes counts failures for, normalised like the login form does."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username")
    return normalize_mobile(raw) if raw else None


def lockout_message() -> str:
    wait = ratelimit.wait_text(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return f"登录失败次数过多,该手机号已被暂时锁定,请 {wait}后再试,或通过“找回密码”重设密码。"


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
    return ratelimit.hit("login_ip", request).message
