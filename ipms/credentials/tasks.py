"""Rendering off the request path: the worker draws a credential's PNG and PDF (inline in
the embedded mode, where Celery runs eagerly). Idempotent: ``credential_render`` does
nothing for a credential already drawn, so a retried task makes no second file."""

from celery import shared_task

from ipms.credentials import services


@shared_task(name="credentials.render", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def credential_render_task(credential_id: int) -> str:
    credential = services.credential_render(credential_id=credential_id)
    return credential.number
