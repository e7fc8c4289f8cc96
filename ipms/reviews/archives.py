"""下载全部学习证明: one application's proof images in one ZIP, built in a temporary file
(ZIP_STORED: PNGs do not compress further), and recorded in the audit log."""

from __future__ import annotations

import tempfile
import zipfile

from django.db import transaction

from ipms.core.audit import audit_record
from ipms.core.excel import safe_filename_part
from ipms.core.models import AuditRole

from . import proofs


def zip_filename(application) -> str:
    return f"学习证明-{safe_filename_part(application.enterprise.name)}.zip"


def _ensure_rendered(proof):
    if proof.png:
        return proof
    from ipms.credentials.services import credential_render

    return credential_render(credential_id=proof.pk)


def proofs_zip(*, application, reviewer, request=None):
    """The ZIP in a temporary file (at position 0) and the number of proofs in it."""
    rows = proofs.application_proof_rows(application)
    target = tempfile.TemporaryFile(prefix="ipms-proofs-", suffix=".zip")  # noqa: SIM115 - the response closes it
    count = 0
    try:
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
            for row in rows:
                proof = _ensure_rendered(row.proof)
                name = safe_filename_part(row.name or "学员", max_length=20)
                with proof.png.open("rb") as image:
                    archive.writestr(f"{proof.number}-{name}.png", image.read())
                count += 1
    except Exception:
        target.close()
        raise
    with transaction.atomic():
        audit_record(
            action="review.proofs_downloaded",
            actor=reviewer.user,
            role=AuditRole.REVIEWER,
            enterprise_id=application.enterprise_id,
            obj=application,
            details={
                "body": reviewer.body_id,
                "proofs": count,
                "numbers": [r.proof.number for r in rows][:200],
            },
            request=request,
        )
    target.seek(0)
    return target, count
