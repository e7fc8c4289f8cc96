"""下载全部学习证明: one application's proof images in one ZIP (ZIP_STORED: PNGs do not
compress further). A background job makes the file (``jobs``; it writes the audit row)."""

from __future__ import annotations

import zipfile

from ipms.core.excel import safe_filename_part

PROGRESS_EVERY = 20


def zip_filename(application) -> str:
    return f"学习证明-{safe_filename_part(application.enterprise.name)}.zip"


def _ensure_rendered(proof):
    if proof.png:
        return proof
    from ipms.credentials.services import credential_render

    return credential_render(credential_id=proof.pk)


def proofs_zip_write(path: str, *, rows, progress=None) -> int:
    """Write the proofs of ``rows`` (``proofs.application_proof_rows``) to a ZIP at
    ``path``; returns how many went in. ``progress(done)`` every ``PROGRESS_EVERY``."""
    count = 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for row in rows:
            proof = _ensure_rendered(row.proof)
            name = safe_filename_part(row.name or "学员", max_length=20)
            with proof.png.open("rb") as image:
                archive.writestr(f"{proof.number}-{name}.png", image.read())
            count += 1
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)
    return count
