"""Who may open the body console and the enterprise's 监督反馈 pages (product-rules §7).

``reviewer_required`` resolves the body from the signed-in user (never from the URL), so
a console view works on its own body's applications only; ids in URLs are then looked up
inside that body (404 otherwise).
"""

from __future__ import annotations

import logging
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from . import selectors
from .messages import NOT_REVIEWER

logger = logging.getLogger("ipms.reviews.access")


def reviewer_required(view):
    """Anonymous → login; not an active reviewer → 403; else ``view(request, reviewer, …)``."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        reviewer = selectors.reviewer_of(request.user)
        if reviewer is None:
            logger.warning("body console refused: user=%s path=%s", request.user.pk, request.path)
            return render(
                request, "reviews/console/refused.html", {"message": NOT_REVIEWER}, status=403
            )
        return view(request, reviewer, *args, **kwargs)

    return wrapper
