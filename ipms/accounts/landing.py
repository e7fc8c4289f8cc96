"""Where 登录 leads a user who came without ``?next=``.

accounts knows no roles above it: an app whose users have a home of their own (the
certification bodies' console) registers a source in its ``AppConfig.ready()``;
``fn(user) -> URL | None``, the first URL given wins, and without one the user lands on
``settings.LOGIN_REDIRECT_URL`` (首页).
"""

from __future__ import annotations

from collections.abc import Callable

_sources: list[Callable[[object], str | None]] = []


def landing_register(source: Callable[[object], str | None]) -> None:
    if source not in _sources:
        _sources.append(source)


def landing_unregister(source) -> None:
    if source in _sources:
        _sources.remove(source)


def landing_url(user) -> str | None:
    for source in _sources:
        url = source(user)
        if url:
            return url
    return None
