"""The body console's 导出 and 下载全部学习证明 as background jobs (ADR 0011's pattern).

1. The reviewer presses 导出 (the list as filtered) or 下载全部学习证明 (one
   application): :func:`job_request` records a :class:`~ipms.reviews.models.ReviewJob`
   (queued) and queues ``tasks.review_job_task`` after commit. A second press for the same
   file while it is queued or running — or within ``REUSE_SECONDS`` of it finishing —
   gets that job back (a partial unique index backs this up under concurrency). In the
   embedded mode (``CELERY_TASK_ALWAYS_EAGER``) the task runs inline.
2. The task (:func:`job_run`, safe to run twice) moves the job to 生成中, writes the file
   with ``exports.export_write`` or ``archives.proofs_zip_write`` (progress saved as it
   goes), and moves it to 已完成 with the file in private storage; that move writes the
   audit row (``review.exported`` / ``review.proofs_downloaded``).
3. The status page polls the job (htmx) and links the file; only reviewers of the job's
   body see the job or download its file (``selectors.body_job``).
"""

from __future__ import annotations

import logging
import os

from ipms.core import jobs

from . import archives, exports, proofs, selectors
from .models import ReviewJob

logger = logging.getLogger("ipms.reviews.jobs")

REUSE_SECONDS = 60
Kind = ReviewJob.Kind


def job_request(
    *, reviewer, kind: str, status_filter: str = "", search: str = "", application=None
) -> tuple[ReviewJob, bool]:
    """The job to show for this press, and whether this press started it
    (``ipms.core.jobs.job_request``)."""
    body = reviewer.body
    if kind == Kind.EXPORT:
        status_filter = selectors.clean_status(status_filter)
        search = selectors.clean_search(search)
        same = ReviewJob.objects.filter(
            body=body, kind=kind, status_filter=status_filter, search=search
        )
        download_name = exports.export_filename(body)
    else:
        same = ReviewJob.objects.filter(body=body, kind=kind, application=application)
        status_filter = search = ""
        download_name = archives.zip_filename(application)
    return jobs.job_request(
        same,
        lambda: ReviewJob(
            body=body,
            kind=kind,
            status_filter=status_filter,
            search=search,
            application=application,
            requested_by=reviewer,
            download_name=download_name,
        ),
        queue=_queue,
        reuse_seconds=REUSE_SECONDS,
        clean_exclude=["body", "application", "requested_by"],
    )


def _queue(job_id: int) -> None:
    from .tasks import review_job_task  # tasks imports this module

    review_job_task.delay(job_id)


def job_run(job_id: int) -> str:
    """The task's work; returns the job's final status (or "gone" / "taken").

    A finished job is left as it is, a queued one is taken (a second worker at the same
    moment gets a conflict and stops), a running one (a lost worker) is made again
    (``ipms.core.jobs.job_run``).
    """
    job = (
        ReviewJob.objects.select_related("body", "requested_by__user", "application__enterprise")
        .filter(pk=job_id)
        .first()
    )
    return jobs.job_run(job, _build, logger=logger)


def _build(job: ReviewJob, folder: str) -> jobs.JobOutput:
    if job.kind == Kind.EXPORT:
        listed = selectors.body_applications(job.body, status=job.status_filter, search=job.search)
        job.progress_start(listed.count())
        path = os.path.join(folder, "export.xlsx")
        count = exports.export_write(
            path,
            body=job.body,
            status=job.status_filter,
            search=job.search,
            progress=job.progress,
        )
        # Data leaves the platform: which body's reviewer took which file.
        return jobs.JobOutput(
            path=path,
            count=count,
            audit_action="review.exported",
            audit_details={
                "body": job.body_id,
                "status": job.status_filter,
                "search": job.search,
                "rows": count,
            },
            log={"kind": job.kind, "body": job.body_id},
        )
    proof_rows = proofs.application_proof_rows(job.application)
    job.progress_start(len(proof_rows))
    path = os.path.join(folder, "proofs.zip")
    count = archives.proofs_zip_write(path, rows=proof_rows, progress=job.progress)
    return jobs.JobOutput(
        path=path,
        count=count,
        audit_action="review.proofs_downloaded",
        audit_details={
            "body": job.body_id,
            "proofs": count,
            "numbers": [r.proof.number for r in proof_rows][:200],
        },
        enterprise_id=job.application.enterprise_id,
        log={"kind": job.kind, "body": job.body_id},
    )
