"""Cross-cutting response rules."""

from __future__ import annotations

from django.utils.cache import patch_cache_control


class PrivateResponsesMiddleware:
    """Every response to a signed-in user is ``Cache-Control: private, no-store``.

    Such pages show personal data (member lists, import previews, learning reports and
    their exports, personal settings), and a shared proxy or the browser's disk cache
    must keep none of them. One rule here rather than a decorator per view: a page added
    later is covered without anyone remembering it.

    A view opts out by setting ``Cache-Control`` itself (as the public 城市 list does);
    the header is then left as the view wrote it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
