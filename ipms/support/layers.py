"""The embedded mode's channel layer: channels' in-memory layer, with its expiry sweep
throttled.

``channels.layers.InMemoryChannelLayer`` walks every channel queue and every group
membership on each ``receive`` and ``group_send`` to drop expired entries. A chat message
makes three such calls (the consumer's next receive, the owner's group, the staff group),
so with N open sockets each message costs O(N) and the server O(N²) a second:
bench/chat.py measured it as the largest single cost of the embedded server at 200
sockets. Here the sweep runs at most once per ``clean_interval`` seconds; entries still
expire (messages after ``expiry`` = 60 s, memberships after a day), at most that much
later. Production uses the Redis layer, which expires by key TTL and is unaffected.
"""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer as _InMemoryChannelLayer


class InMemoryChannelLayer(_InMemoryChannelLayer):
    def __init__(self, clean_interval: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.clean_interval = clean_interval
        self._next_clean = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now < self._next_clean:
            return
        self._next_clean = now + self.clean_interval
        super()._clean_expired()
