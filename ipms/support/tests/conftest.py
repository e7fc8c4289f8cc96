"""Fixtures of the 在线客服 tests: sockets opened as a visitor, a user or staff."""

from __future__ import annotations

import pytest
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.http import HttpResponse

from ipms.accounts.tests.factories import UserFactory, make_operator
from ipms.support.identity import COOKIE_NAME, visitor_cookie_set, visitor_token_new

ORIGIN = (b"origin", b"http://testserver")


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """Each test gets its own channel layer. Every test runs its sockets in a new event
    loop, and channels_redis' layer keeps asyncio locks (one shared by all of a process's
    sockets) that bind to the loop they are first awaited in: one left locked by a socket
    an earlier test abandoned made a later test's socket fail with "bound to a different
    event loop" (seen in a whole PostgreSQL + Redis run)."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def visitor_cookie(token: str | None = None) -> str:
    """The signed cookie value a visitor's browser holds."""
    response = HttpResponse()
    visitor_cookie_set(response, token or visitor_token_new())
    return response.cookies[COOKIE_NAME].value


def session_cookie(client, user) -> str:
    client.force_login(user)
    return client.cookies["sessionid"].value


def communicator(path: str, *, cookies: dict[str, str] | None = None, origin=ORIGIN):
    from config.asgi import application

    headers = [origin] if origin else []
    if cookies:
        headers.append((b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()))
    return WebsocketCommunicator(application, path, headers=headers)


def visitor_socket(cookie: str | None = None):
    return communicator("/ws/support/", cookies={COOKIE_NAME: cookie or visitor_cookie()})


@pytest.fixture
def operator(transactional_db):
    return make_operator()


@pytest.fixture
def staff_cookie(operator):
    from django.test import Client

    return session_cookie(Client(), operator)


@pytest.fixture
def learner(transactional_db):
    return UserFactory(phone="13600002925", name="张总监")
