from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/support/", consumers.VisitorConsumer.as_asgi()),
    path("ws/support/staff/", consumers.StaffConsumer.as_asgi()),
]
