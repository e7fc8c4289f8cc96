"""Test helpers: real concurrency (PostgreSQL only), and the shared cache down."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.cache.backends.base import BaseCache
from django.db import close_old_connections, connection

POSTGRESQL_ONLY_REASON = (
    "needs PostgreSQL row locks; SQLite serialises all writers, so a race cannot happen "
    "there (run with DATABASE_URL=postgres://…)"
)


def skip_unless_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(POSTGRESQL_ONLY_REASON)


def run_together(calls: list[Callable[[], object]], *, timeout: float = 30) -> list[object]:
    """Run each callable in its own thread, all released at the same moment.

    Returns each call's result, or the exception it raised (the test asserts on them).
    Every thread closes its own database connection.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as error:  # returned to the test, which asserts on it
            outcomes[index] = error
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes


# --- the shared cache down ---------------------------------------------------------------


class UnreachableCache(BaseCache):
    """A cache backend whose every call fails as a Redis that cannot be reached does."""

    def _down(self, *args, **kwargs):
        raise ConnectionError("cache unreachable (test)")

    add = get = set = touch = delete = incr = decr = clear = has_key = _down
    get_many = set_many = delete_many = _down


@pytest.fixture
def ratelimit_cache_down(settings):
    """django-ratelimit's cache (``RATELIMIT_USE_CACHE``) fails on every call."""
    settings.CACHES = {
        **settings.CACHES,
        "unreachable": {"BACKEND": "ipms.core.testing.UnreachableCache"},
    }
    settings.RATELIMIT_USE_CACHE = "unreachable"
