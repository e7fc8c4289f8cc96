"""What credentials asks of the apps above it (reviews, issue 12), as registries those
apps fill in their ``AppConfig.ready()`` (docs/architecture.md). credentials never imports
them.

* ``review_passed_register(fn)`` — ``fn(enterprise_ids) -> set`` of the enterprises whose
  certification-body review (贯标认证审核) has passed: only their members who hold a
  learning proof may generate the 内审员人才库合格证书. Without a source no enterprise has
  passed, which is the truth before the review app exists.
* ``body_access_register(fn)`` — ``fn(user, enterprise_id) -> bool``: whether ``user``
  reviews for a certification body the enterprise applied to, and so may download its
  members' proofs and certificates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

_review_sources: list[Callable[[list[int]], set[int]]] = []
_body_access: list[Callable[[object, int], bool]] = []


def review_passed_register(source: Callable[[list[int]], set[int]]) -> None:
    if source not in _review_sources:
        _review_sources.append(source)


def review_passed_unregister(source) -> None:
    if source in _review_sources:
        _review_sources.remove(source)


def enterprises_review_passed(enterprise_ids: Iterable[int]) -> set[int]:
    ids = [pk for pk in dict.fromkeys(enterprise_ids) if pk is not None]
    passed: set[int] = set()
    if not ids:
        return passed
    for source in _review_sources:
        passed |= set(source(ids))
    return passed


def enterprise_review_passed(enterprise_id: int | None) -> bool:
    return enterprise_id is not None and enterprise_id in enterprises_review_passed([enterprise_id])


def body_access_register(check: Callable[[object, int], bool]) -> None:
    if check not in _body_access:
        _body_access.append(check)


def body_access_unregister(check) -> None:
    if check in _body_access:
        _body_access.remove(check)


def body_may_access(user, enterprise_id: int | None) -> bool:
    if enterprise_id is None:
        return False
    return any(check(user, enterprise_id) for check in _body_access)
