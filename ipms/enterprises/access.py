"""Who may open the enterprise admin pages (product-rules §4).

``enterprise_admin_required`` resolves the enterprise from the signed-in user (never from
the URL), so every admin view works on the admin's own enterprise and nothing else;
member ids in URLs are then looked up inside that enterprise only (404 otherwise).
"""

from __future__ import annotations

import logging
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from . import selectors
from .identity import Identity, identity_set

logger = logging.getLogger("ipms.enterprises.access")

NOT_ADMIN_MESSAGE = "只有企业管理员可以访问此页面。"


def not_admin_response(request):
    """The Chinese 403 page for a signed-in user who administers no enterprise."""
    # ASVS 16.3.2: failed authorisations are logged (user id, not the phone number).
    logger.warning("enterprise admin page refused: user=%s path=%s", request.user.pk, request.path)
    return render(
        request,
        "enterprises/not_admin.html",
        {"message": NOT_ADMIN_MESSAGE, "membership": selectors.membership_of(request.user)},
        status=403,
    )


def enterprise_admin_required(view):
    """Anonymous → login (``?next=``); not an admin → 403; an admin → ``view(request,
    enterprise, …)`` with the session switched to the 管理员 identity."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = selectors.admin_membership_of(request.user)
        if membership is None:
            return not_admin_response(request)
        identity_set(request, Identity.ADMIN)
        request.enterprise = membership.enterprise
        return view(request, membership.enterprise, *args, **kwargs)

    return wrapper
