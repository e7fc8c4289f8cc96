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

import contextlib
import datetime
import logging
import os
import tempfile

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from ipms.core.models import AuditRole
from ipms.core.workflow import TransitionConflict, transition

from . import archives, exports, proofs, selectors
from .models import REVIEW_JOB_WORKFLOW, ReviewJob

logger = logging.getLogger("ipms.reviews.jobs")

REUSE_SECONDS = 60
Kind = ReviewJob.Kind


def job_request(
    *, reviewer, kind: str, status_filter: str = "", search: str = "", application=None
) -> tuple[ReviewJob, bool]:
    """The job to show for this press, and whether this press started it."""
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
    existing = _reusable(same)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            job = ReviewJob(
                body=body,
                kind=kind,
                status_filter=status_filter,
                search=search,
                application=application,
                requested_by=reviewer,
                download_name=download_name,
            )
            job.full_clean(exclude=["body", "application", "requested_by"])
            job.save()
            transaction.on_commit(lambda: _queue(job.pk))
    except IntegrityError:
        # The same file was asked for at the same moment: show the job that won.
        existing = _reusable(same)
        if existing is None:
            raise
        return existing, False
    return job, True


def _reusable(same) -> ReviewJob | None:
    active = same.filter(status__in=ReviewJob.ACTIVE_STATUSES).first()
    if active is not None:
        return active
    recent = timezone.now() - datetime.timedelta(seconds=REUSE_SECONDS)
    return same.filter(status=ReviewJob.Status.DONE, finished_at__gte=recent).first()


def _queue(job_id: int) -> None:
    from .tasks import review_job_task  # tasks imports this module

    review_job_task.delay(job_id)


def _move(job: ReviewJob, to: str, **kwargs) -> None:
    transition(
        job,
        to,
        actor=job.requested_by.user,
        role=AuditRole.REVIEWER,
        workflow=REVIEW_JOB_WORKFLOW,
        **kwargs,
    )


def job_run(job_id: int) -> str:
    """The task's work; returns the job's final status (or "gone" / "taken").

    A finished job is left as it is, a queued one is taken (a second worker at the same
    moment gets a conflict and stops), a running one (a lost worker) is made again.
    """
    job = (
        ReviewJob.objects.select_related("body", "requested_by__user", "application__enterprise")
        .filter(pk=job_id)
        .first()
    )
    if job is None:
        return "gone"
    if job.finished:
        return job.status
    if job.status == ReviewJob.Status.QUEUED:
        try:
            _move(job, ReviewJob.Status.RUNNING)
        except TransitionConflict:
            return "taken"
    try:
        _build(job)
    except Exception:
        logger.exception("review job %s failed", job.pk)
        _fail(job)
        return ReviewJob.Status.FAILED
    return ReviewJob.Status.DONE


def _build(job: ReviewJob) -> None:
    rows_of_job = ReviewJob.objects.filter(pk=job.pk)

    def progress(done: int) -> None:
        rows_of_job.update(done_rows=done)

    with tempfile.TemporaryDirectory(prefix="ipms-review-job-") as folder:
        if job.kind == Kind.EXPORT:
            listed = selectors.body_applications(
                job.body, status=job.status_filter, search=job.search
            )
            rows_of_job.update(total_rows=listed.count(), done_rows=0)
            path = os.path.join(folder, "export.xlsx")
            count = exports.export_write(
                path,
                body=job.body,
                status=job.status_filter,
                search=job.search,
                progress=progress,
            )
            action = "review.exported"
            details = {
                "body": job.body_id,
                "status": job.status_filter,
                "search": job.search,
                "rows": count,
            }
            enterprise_id = None
        else:
            proof_rows = proofs.application_proof_rows(job.application)
            rows_of_job.update(total_rows=len(proof_rows), done_rows=0)
            path = os.path.join(folder, "proofs.zip")
            count = archives.proofs_zip_write(path, rows=proof_rows, progress=progress)
            action = "review.proofs_downloaded"
            details = {
                "body": job.body_id,
                "proofs": count,
                "numbers": [r.proof.number for r in proof_rows][:200],
            }
            enterprise_id = job.application.enterprise_id
        old_name = job.file.name
        with open(path, "rb") as handle:
            job.file.save(os.path.basename(path), File(handle), save=False)
    with transaction.atomic():
        _move(
            job,
            ReviewJob.Status.DONE,
            changes={
                "file": job.file.name,
                "total_rows": count,
                "done_rows": count,
                "finished_at": timezone.now(),
            },
            # Data leaves the platform: which body's reviewer took which file.
            audit_action=action,
            audit_details=details,
            enterprise_id=enterprise_id,
        )
        if old_name and old_name != job.file.name:
            name, storage = old_name, job.file.storage
            transaction.on_commit(lambda: storage.delete(name))
    logger.info(
        "review job done: job=%s kind=%s body=%s rows=%s", job.pk, job.kind, job.body_id, count
    )


def _fail(job: ReviewJob) -> None:
    job.refresh_from_db(fields=["status"])
    if job.finished:
        return
    with contextlib.suppress(TransitionConflict):  # another run finished it meanwhile
        _move(job, ReviewJob.Status.FAILED, changes={"finished_at": timezone.now()})
