"""Background work of the core app (scheduled by Celery beat: config/settings.py)."""

from __future__ import annotations

from celery import shared_task

from .files import expired_files_purge


@shared_task(acks_late=True, ignore_result=True)
def purge_expired_files_task() -> int:
    """Hourly: remove expired exports and their rows (safe to run twice)."""
    return sum(expired_files_purge().values())
