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
