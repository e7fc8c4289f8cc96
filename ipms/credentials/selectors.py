"""Reads of learning proofs and certificates, each scoped to who may see what."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import Http404

from ipms.credentials import documents, hooks, signing
from ipms.credentials.models import NUMBER_PATTERN, Credential
from ipms.enterprises.selectors import admin_membership_of

_NUMBER_RE = re.compile(NUMBER_PATTERN)


def may_download(user, credential: Credential) -> bool:
    """The owner, the admin of the enterprise it was issued under, a reviewer of a
    certification body that enterprise applied to (hooks), operators; nobody else."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if credential.user_id == user.pk or user.is_staff:
        return True
    if credential.enterprise_id is None:
        return False
    admin = admin_membership_of(user)
    if admin is not None and admin.enterprise_id == credential.enterprise_id:
        return True
    return hooks.body_may_access(user, credential.enterprise_id)


def credential_for_download(*, user, pk: int) -> Credential:
    """404 for a missing credential and for one the user may not have (no hint which)."""
    credential = Credential.objects.select_related("course").filter(pk=pk).first()
    if credential is None or not may_download(user, credential):
        raise Http404("未找到该学习证明或证书。")
    return credential


def normalize_number(raw: str | None) -> str:
    return re.sub(r"\s+", "", raw or "").upper()[:40]


@dataclass(frozen=True)
class Verification:
    credential: Credential
    signature_valid: bool  # the stored VC-JWT verifies and carries exactly this snapshot

    @property
    def genuine(self) -> bool:
        """真实有效: signed by the platform, unchanged, not revoked."""
        return self.signature_valid and self.credential.is_valid

    @property
    def masked_name(self) -> str:
        return documents.mask_name(self.credential.snapshot.get("name", ""))


def signature_matches(credential: Credential) -> bool:
    payload = signing.verify(credential.signed_credential)
    if payload is None:
        return False
    snapshot, digest = documents.payload_snapshot(payload)
    return (
        snapshot == credential.snapshot
        and digest == credential.content_hash == documents.content_hash(credential.snapshot)
        and snapshot.get("number") == credential.number
    )


def verify_number(number: str) -> Verification | None:
    """证书查验: None for a malformed or unknown number (reported as not found)."""
    number = normalize_number(number)
    if not _NUMBER_RE.match(number):
        return None
    credential = Credential.objects.select_related("course").filter(number=number).first()
    if credential is None:
        return None
    return Verification(credential=credential, signature_valid=signature_matches(credential))


def standings_for_course(*, course_id: int, user_ids: list[int]) -> dict[int, dict]:
    """{user_id: {kind: credential id}} for a page of learners: one query."""
    found: dict[int, dict] = {}
    rows = Credential.objects.filter(course_id=course_id, user_id__in_array=user_ids).values_list(
        "user_id", "kind", "pk"
    )
    for user_id, kind, pk in rows:
        found.setdefault(user_id, {})[kind] = pk
    return found


def standings_for_learner(*, user_id: int, course_ids: list[int]) -> dict[int, dict]:
    """{course_id: {kind: credential id}} for 在学课程: one query."""
    found: dict[int, dict] = {}
    rows = Credential.objects.filter(user_id=user_id, course_id__in=course_ids).values_list(
        "course_id", "kind", "pk"
    )
    for course_id, kind, pk in rows:
        found.setdefault(course_id, {})[kind] = pk
    return found
