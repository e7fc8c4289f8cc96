"""Background work of the review app: ``review_job_task`` makes one console file (``jobs``);
safe to run twice (``acks_late``). Inline in the embedded mode (CELERY_TASK_ALWAYS_EAGER)."""

from __future__ import annotations

from celery import shared_task

from . import jobs


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def review_job_task(job_id: int) -> str:
    return jobs.job_run(job_id)
