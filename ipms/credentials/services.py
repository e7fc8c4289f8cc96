"""Every write of learning proofs and certificates (docs/credentials.md).

``proof_generate`` and ``certificate_generate`` check the rules on the server, take the
next number under a row lock, freeze the snapshot, sign it and write the row and its audit
row in one transaction; the paper (PNG, PDF) is rendered after the commit by
``credential_render`` (a Celery task; inline in the embedded mode), which is idempotent.
``credential_revoke`` moves a credential to 已撤销 through the workflow, with a reason.
"""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from ipms.core.audit import audit_record
from ipms.core.errors import DomainError
from ipms.core.files import private_storage
from ipms.core.workflow import transition
from ipms.credentials import documents, eligibility, messages, rendering, signing
from ipms.credentials.models import (
    KIND_LETTERS,
    NUMBER_DIGITS,
    NUMBER_PREFIX,
    Credential,
    CredentialSequence,
    Kind,
)

logger = logging.getLogger(__name__)


class CredentialRefused(DomainError):
    code = "credential_refused"


def format_number(kind: str, year: int, sequence: int) -> str:
    return f"{NUMBER_PREFIX}-{year}{KIND_LETTERS[kind]}{sequence:0{NUMBER_DIGITS}d}"


def _next_number(kind: str, year: int) -> str:
    """The next number of ``kind`` in ``year``; call inside the generating transaction."""
    CredentialSequence.objects.bulk_create(
        [CredentialSequence(kind=kind, year=year)], ignore_conflicts=True
    )
    sequence = CredentialSequence.objects.select_for_update().get(kind=kind, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return format_number(kind, year, sequence.last)


def _issue(
    *, kind: str, standing: eligibility.Standing, proof: Credential | None, request
) -> Credential:
    issued_at = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        number = _next_number(kind, timezone.localdate(issued_at).year)
        # After the sequence lock: a concurrent generation for the same learner has
        # committed by now, and this read sees it.
        if Credential.objects.filter(
            user=standing.user, course=standing.course, kind=kind
        ).exists():
            raise CredentialRefused(
                messages.PROOF_EXISTS if kind == Kind.PROOF else messages.CERTIFICATE_EXISTS,
                code="credential_exists",
            )
        snapshot = documents.build_snapshot(
            kind=kind,
            number=number,
            name=standing.name,
            id_number_masked=standing.id_number_masked,
            enterprise=standing.enterprise.name if standing.enterprise else "",
            course=standing.course.title,
            credits=standing.credits,
            exam_score=standing.exam_score or 0,
            issued_on=timezone.localdate(issued_at),
            proof_number=proof.number if proof else "",
        )
        digest = documents.content_hash(snapshot)
        token, kid = signing.sign(
            documents.credential_payload(
                snapshot=snapshot,
                digest=digest,
                issued_at=issued_at,
                course_id=standing.course.pk,
            )
        )
        credential = Credential(
            kind=kind,
            number=number,
            user=standing.user,
            course=standing.course,
            enterprise=standing.enterprise,
            proof=proof,
            snapshot=snapshot,
            content_hash=digest,
            signed_credential=token,
            key_id=kid,
            issued_at=issued_at,
        )
        credential.full_clean(validate_unique=False)
        try:
            with transaction.atomic():
                credential.save()
        except IntegrityError:
            raise CredentialRefused(messages.PROOF_EXISTS, code="credential_exists") from None
        audit_record(
            action=f"credential.{kind}_generated",
            actor=standing.user,
            obj=credential,
            enterprise_id=standing.enterprise.pk if standing.enterprise else None,
            details={"number": number, "course": standing.course.title},
            request=request,
        )
        transaction.on_commit(lambda: _render_later(credential.pk))
    return credential


def _render_later(credential_id: int) -> None:
    from ipms.credentials import tasks

    tasks.credential_render_task.delay(credential_id)


def proof_generate(*, user, course, request=None) -> Credential:
    """生成学习证明: once per learner and course, when 学分 and 考试得分 meet the course's
    conditions (checked here again, whatever the page showed)."""
    standing = eligibility.standing_for(user=user, course=course)
    refusal = eligibility.proof_refusal(standing)
    if refusal is not None:
        raise CredentialRefused(refusal.message, code=refusal.code)
    return _issue(kind=Kind.PROOF, standing=standing, proof=None, request=request)


def certificate_generate(*, user, course, request=None) -> Credential:
    """生成内审员人才库合格证: for a holder of a valid proof of the course whose enterprise
    has passed its certification-body review."""
    standing = eligibility.standing_for(user=user, course=course)
    refusal = eligibility.certificate_refusal(standing)
    if refusal is not None:
        raise CredentialRefused(refusal.message, code=refusal.code)
    return _issue(kind=Kind.CERTIFICATE, standing=standing, proof=standing.proof, request=request)


def credential_render(*, credential_id: int) -> Credential:
    """Draw the PNG and the PDF once. A second call (a retried task, a download racing the
    worker) finds them and returns; files have fixed names, so a crash between writing a
    file and committing the row leaves nothing a retry would duplicate."""
    with transaction.atomic():
        credential = Credential.objects.select_for_update().get(pk=credential_id)
        if credential.is_rendered:
            return credential
        storage = private_storage()
        outputs = (
            ("png", rendering.render_png(credential.snapshot)),
            ("pdf", rendering.render_pdf(credential.snapshot)),
        )
        for field, data in outputs:
            name = f"credentials/{credential.snapshot['kind']}/{credential.number}.{field}"
            if storage.exists(name):
                storage.delete(name)
            saved = storage.save(name, ContentFile(data))
            setattr(credential, field, saved)
        credential.save(update_fields=["png", "pdf"])
    return credential


def credential_revoke(*, credential: Credential, reason: str, by, request=None) -> Credential:
    """撤销 by an operator, with a reason; the 证书查验 page then says so."""
    reason = (reason or "").strip()
    if not reason:
        raise CredentialRefused(messages.REVOKE_REASON_REQUIRED, code="reason_required")
    at = timezone.now()
    return transition(
        credential,
        Credential.Status.REVOKED,
        actor=by,
        reason=reason,
        changes={"revoked_at": at, "revoked_reason": reason},
        audit_details={"number": credential.number},
        request=request,
    )


def credential_download_record(*, credential: Credential, by, file_format: str, request=None):
    """A download by anyone but the owner leaves an audit row (personal data handed out)."""
    if by is not None and by.pk == credential.user_id:
        return
    audit_record(
        action="credential.downloaded",
        actor=by,
        obj=credential,
        details={"number": credential.number, "format": file_format},
        request=request,
    )
