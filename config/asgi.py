"""ASGI entry point: pages over HTTP and the 在线客服 WebSocket (/ws/support/…).

`manage.py runserver` serves this through daphne (listed first in INSTALLED_APPS), so the
embedded mode stays one command; production runs daphne beside gunicorn for /ws/
(docs/decisions/0012-chat-websocket-routing.md).
"""

import os
import sys

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# The process that serves sockets runs two busy threads: the event loop (daphne, the
# consumers) and the one thread database_sync_to_async runs the ORM in. That thread lets
# go of the GIL for every SQL statement and commit, and then waits for the loop thread to
# hand it back, which the interpreter asks for only every switch interval (5 ms by
# default): a chat message's six statements could wait up to 30 ms, and under 200
# messages a second the queue grew to seconds. bench/chat.py: p99 1.7 s at 5 ms, 0.13 s at
# 0.5 ms, for the same CPU (docs/performance.md, "在线客服 delivery").
sys.setswitchinterval(float(os.environ.get("ASGI_SWITCH_INTERVAL", "0.0005")))

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
