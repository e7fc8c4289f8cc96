"""The visitor's side over HTTP: one endpoint that hands the panel its socket address.

Pages carry the 在线客服 button as static markup (no query per page); opening the panel
asks ``support:session``, which gives an anonymous visitor the signed cookie the socket
is identified by and says whether staff are online.
"""

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import messages as msg
from .identity import COOKIE_NAME, visitor_cookie_set, visitor_token_from_cookie, visitor_token_new
from .selectors import staff_online


@never_cache
@require_GET
def session(request):
    response = JsonResponse(
        {
            "socket": settings.SUPPORT_WS_ORIGIN.rstrip("/") + "/ws/support/",
            "staff_online": staff_online(),
            "greeting": msg.GREETING,
            "offline": msg.OFFLINE,
            "max_length": settings.SUPPORT_MESSAGE_MAX_LENGTH,
        }
    )
    if not request.user.is_authenticated:
        token = visitor_token_from_cookie(request.COOKIES.get(COOKIE_NAME))
        visitor_cookie_set(response, token or visitor_token_new())
    return response
