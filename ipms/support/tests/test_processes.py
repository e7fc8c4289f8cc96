"""Chat across server processes: two daphne processes sharing one database and the Redis
channel layer deliver a message sent through one to a socket held by the other (how
production runs several ASGI servers). Needs REDIS_URL (CI's production-stack run)."""

from __future__ import annotations

import asyncio
import json
import os
import urllib.request

import pytest
import websockets

from ipms.core.testing import run_coroutine
from ipms.support.testing import ChatSite

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs Redis for the channel layer (REDIS_URL)"
)


def visitor_cookie(server) -> str:
    with urllib.request.urlopen(server.url + "/support/session/") as response:  # noqa: S310
        return response.headers["Set-Cookie"].split(";", 1)[0]


async def until(socket, kind: str, timeout: float = 5):
    while True:
        event = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        if event["type"] == kind:
            return event


def test_a_message_sent_to_one_process_reaches_a_socket_on_the_other(tmp_path):
    site = ChatSite(tmp_path / "site")
    try:
        first, second = site.start(), site.start()
        assert "RedisChannelLayer" in site.manage(
            "shell", "-c", "from channels.layers import get_channel_layer as g; print(g())"
        )
        cookie = visitor_cookie(first)

        async def scenario():
            headers = {"Cookie": cookie}
            async with (
                websockets.connect(
                    second.ws_url + "/ws/support/", additional_headers=headers, origin=second.url
                ) as listener,
                websockets.connect(
                    first.ws_url + "/ws/support/", additional_headers=headers, origin=first.url
                ) as sender,
            ):
                await sender.send(json.dumps({"type": "send", "body": "跨进程消息", "nonce": "a"}))
                ack = await until(sender, "ack")
                event = await until(listener, "message")
                assert event["message"]["id"] == ack["id"]
                assert event["message"]["body"] == "跨进程消息"

        run_coroutine(scenario)
    finally:
        site.stop()
