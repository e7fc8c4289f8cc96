"""Per-request memos on the signed-in user: what a request looked up once, every later
reader of the same request reuses (issue 10: no repeated query per request from template
tags, context processors or middleware).

``request.user`` is loaded afresh for every request, so a memo kept on that instance lives
exactly as long as the request. ``SessionTimeoutMiddleware`` starts the memo on every
signed-in request (:func:`memo_start`); a user object that did not come from a request
(tests, tasks, management commands) has none, and :func:`memo_get` then simply computes.

Higher apps keep their own keys (enterprises: the verified membership, read by the admin
check, 身份切换 in the layout and the pages). A service that changes what a key holds for
the user it is given calls :func:`memo_forget`. Within one request a memo is the value as
first read: views that change it answer with a redirect, so the next request reads it
again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_ATTR = "_ipms_request_memo"


def memo_start(user) -> None:
    """Give ``user`` (the request's user) an empty memo, unless it has one."""
    if getattr(user, _ATTR, None) is None:
        setattr(user, _ATTR, {})


def memo_get(user, key: str, compute: Callable[[], T]) -> T:
    """``compute()``, remembered under ``key`` on a request's user."""
    memo = getattr(user, _ATTR, None)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def memo_has(user, key: str) -> bool:
    memo = getattr(user, _ATTR, None)
    return memo is not None and key in memo


def memo_forget(user, key: str | None = None) -> None:
    """Drop ``key`` (or every key) from ``user``'s memo, if it has one."""
    memo = getattr(user, _ATTR, None)
    if memo is None:
        return
    if key is None:
        memo.clear()
    else:
        memo.pop(key, None)
