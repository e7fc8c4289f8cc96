"""Learning proofs and certificates as learning sees them: a registry the credentials app
fills (docs/architecture.md), like :mod:`ipms.learning.exam_results`.

learning sits below credentials and may not import it, yet the 学习管理 export's 获得学习证明
and 获得证书 columns need to know who holds what. The credentials app registers one source
in its ``AppConfig.ready()``; without one nobody holds anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# fn(course_id, user_ids) -> {user_id: {"proof", "certificate", …}}: one query.
_source: Callable[[int, list[int]], dict[int, set[str]]] | None = None

PROOF = "proof"
CERTIFICATE = "certificate"


def source_register(source: Callable[[int, list[int]], dict[int, set[str]]] | None) -> None:
    global _source
    _source = source


def held(*, course_id: int, user_ids: Iterable[int]) -> dict[int, set[str]]:
    ids = list(user_ids)
    if _source is None or not ids:
        return {}
    return _source(course_id, ids)
