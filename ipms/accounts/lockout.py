"""Login abuse limits: django-axes locks a phone number; failures per address bring the
slider check, then a refusal.

Per phone (axes, kept in the database): ``AXES_FAILURE_LIMIT`` failures within
``AXES_COOLOFF_TIME`` lock the number for the cool-off; never permanently, so nobody can
lock a colleague out for good. A lockout, not a rate limit: it holds while the cache is
down, and while the database is down nobody logs in at all (the login fails with the
error page).

Per client address (policies of ``ipms.core.ratelimit``): only *failed* logins count,
because an office, a training room or a campus shares one public address and logs in
together. Past ``login_ip_slider`` (10 in 15 minutes) the form asks for the slider check
before a password is tried; past ``login_ip_failures`` (100) the address is refused until
its window ends. Both fail open: with the cache down the form asks for no slider (the
slider needs the cache too) and axes still locks each phone.
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
    return f"登录失败次数过多，该手机号已被暂时锁定，请 {wait}后再试，或通过“找回密码”重设密码。"


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


LOGIN_SLIDER_NOTICE = ratelimit.POLICIES["login_ip_slider"].message


def login_refused(request) -> str | None:
    """The refusal when this address has failed too often (``login_ip_failures``)."""
    return ratelimit.peek("login_ip_failures", request).message


def login_needs_slider(request) -> bool:
    """Whether this address's failures ask for the slider before a password is tried."""
    return not ratelimit.peek("login_ip_slider", request).allowed


def login_failed(request) -> bool:
    """Count one failed login for the address; True when the next one needs the slider."""
    ratelimit.hit("login_ip_failures", request)
    return not ratelimit.hit("login_ip_slider", request).refusing_further().allowed
