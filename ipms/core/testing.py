"""Test helpers: real concurrency (PostgreSQL only), and the shared cache down."""

from __future__ import annotations

import asyncio
import struct
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.cache.backends.base import BaseCache
from django.db import close_old_connections, connection

from ipms.core import fonts

POSTGRESQL_ONLY_REASON = (
    "needs PostgreSQL row locks; SQLite serialises all writers, so a race cannot happen "
    "there (run with DATABASE_URL=postgres://…)"
)


def run_coroutine(coroutine_function: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run an async test body to its end and return its result.

    Playwright's sync API (browser tests earlier in the same process) leaves an event loop
    running in the main thread, where neither ``asyncio.run`` nor ``async_to_sync`` may
    start another; then a worker thread runs it.
    """
    from asgiref.sync import async_to_sync

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return async_to_sync(coroutine_function)()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(async_to_sync(coroutine_function)).result()


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


# --- fonts: a machine with only the fonts a test installs (ipms.core.fonts) ---------------

NOTO_CJK = "opentype/noto/NotoSansCJK-Regular.ttc"
WQY_MICROHEI = "truetype/wqy/wqy-microhei.ttc"


def fake_font_collection(path, tags: list[bytes]):
    """A font collection whose faces start with ``tags``: all the lookup reads of a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = b"ttcf" + struct.pack(">HHI", 1, 0, len(tags))
    first = len(header) + 4 * len(tags)
    offsets = b"".join(struct.pack(">I", first + 16 * i) for i in range(len(tags)))
    path.write_bytes(header + offsets + b"".join(tag.ljust(16, b"\0") for tag in tags))
    return path


def fake_noto(root):
    return fake_font_collection(root / NOTO_CJK, [b"OTTO"] * 10)  # CFF, like Noto CJK


def fake_wqy(root):
    return fake_font_collection(root / WQY_MICROHEI, [b"\x00\x01\x00\x00"] * 2)  # TrueType


@pytest.fixture
def font_dir(tmp_path, monkeypatch, settings):
    """Only the fonts a test puts in the returned folder exist; fontconfig knows none."""
    settings.CJK_FONT_PATH = ""
    monkeypatch.setattr(fonts, "FONT_DIRS", [str(tmp_path)])
    monkeypatch.setattr(fonts, "FC_LIST", "fc-list-not-installed")
    fonts.cache_clear()
    yield tmp_path
    fonts.cache_clear()
