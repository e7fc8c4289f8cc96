"""The embedded channel layer: channels' in-memory layer, its expiry sweep throttled."""

from __future__ import annotations

import pytest

from ipms.core.testing import run_coroutine
from ipms.support import layers


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(layers.time, "monotonic", fake)
    return fake


def test_the_sweep_runs_at_most_once_per_interval(clock, monkeypatch):
    layer = layers.InMemoryChannelLayer(clean_interval=1.0)
    sweeps = []
    monkeypatch.setattr(
        layers._InMemoryChannelLayer, "_clean_expired", lambda self: sweeps.append(clock.now)
    )

    async def traffic():
        await layer.group_add("owner", "specific.inmemory!a")
        for _ in range(50):
            await layer.group_send("owner", {"type": "chat.event", "event": {}})
        clock.now += 1.5
        await layer.group_send("owner", {"type": "chat.event", "event": {}})

    run_coroutine(traffic)
    assert sweeps == [1000.0, 1001.5]


def test_messages_still_reach_the_group_and_expire(clock):
    layer = layers.InMemoryChannelLayer(clean_interval=1.0, expiry=60)

    async def traffic():
        await layer.group_add("owner", "specific.inmemory!a")
        await layer.group_add("owner", "specific.inmemory!b")
        await layer.group_send("owner", {"type": "chat.event", "n": 1})
        got = await layer.receive("specific.inmemory!a")
        # b never reads: once its message is past the expiry, the next sweep drops it and
        # its membership, as channels' own layer does.
        layer.channels["specific.inmemory!b"]._queue[0] = (0, {"type": "chat.event", "n": 1})
        clock.now += 2
        await layer.group_send("owner", {"type": "chat.event", "n": 2})
        return got

    got = run_coroutine(traffic)
    assert got == {"type": "chat.event", "n": 1}
    assert "specific.inmemory!b" not in layer.groups["owner"]
    assert "specific.inmemory!a" in layer.groups["owner"]
