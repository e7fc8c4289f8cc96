"""credentials' hooks into lower apps (docs/architecture.md), connected in ``ready()``:
its audit action codes and the credential standings learning's pages show."""

from __future__ import annotations

from ipms.core.audit_actions import action_register

ACTIONS = {
    "credential.proof_generated": "生成学习证明",
    "credential.certificate_generated": "生成内审员人才库合格证书",
    "credential.downloaded": "下载学习证明或证书",
    "credential.revoked": "撤销学习证明或证书",
}


def connect() -> None:
    for code, label in ACTIONS.items():
        action_register(code, label)
    connect_learning()


def _held(course_id: int, user_ids: list[int]) -> dict[int, set[str]]:
    from ipms.credentials.selectors import standings_for_course

    found = standings_for_course(course_id=course_id, user_ids=user_ids)
    return {user_id: set(kinds) for user_id, kinds in found.items()}


def connect_learning() -> None:
    from ipms.learning import credential_results

    credential_results.source_register(_held)
