"""ASGI entry point: pages over HTTP and the 在线客服 WebSocket (/ws/support/…).

`manage.py runserver` serves this through daphne (listed first in INSTALLED_APPS), so the
embedded mode stays one command; production runs daphne beside gunicorn for /ws/
(docs/decisions/0012-chat-websocket-routing.md).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django is set up before anything imports models.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from ipms.support.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        # The Origin header must name one of ALLOWED_HOSTS: another site's page cannot
        # open a socket with the visitor's cookies (cross-site WebSocket hijacking).
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
