"""Background jobs that make one file: the shared model base and the runner (ADR 0011).

A job is a row and a Celery task: the request records the row (queued) and queues the
task after commit; the task makes the file and moves the row to 已完成 with the file in
private storage; a page polls the row and links the file; rows and files expire after
``REPORT_EXPORT_RETENTION_HOURS``. 学习管理's 导出Excel (``learning.ReportExport``) and the
body console's 导出 / 下载全部学习证明 (``reviews.ReviewJob``) are such jobs. An app's
job model subclasses :class:`BackgroundJob` and adds what it is a job *of* (its
enterprise or body, the search, who asked); its module calls:

* :func:`job_workflow` once, next to the model (queued → running → done/failed);
* :func:`job_expiry_register` in its ``ready()``;
* :func:`job_request` when the button is pressed: a double click (or one within
  ``reuse_seconds`` of the same file finishing) gets the existing job back, and a race
  lost on the model's partial unique index shows the job that won;
* :func:`job_run` from its task: safe to run twice (``acks_late``): a finished job is
  left as it is, a queued one is taken (a second worker gets a conflict and stops), a
  running one (a lost worker) is made again and its earlier file removed. The app's
  ``build`` writes the file into a temporary folder and says what it made
  (:class:`JobOutput`); the move to 已完成 writes the audit row with it.

Every state change goes through ``ipms.core.workflow.transition()``, as the requester
(:meth:`BackgroundJob.job_actor`, in :attr:`BackgroundJob.audit_role`).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import tempfile
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from django.core.files import File
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .files import UploadTo, expiring_files_register, private_storage
from .models import TimeStampedModel
from .workflow import TransitionConflict, Workflow, transition, workflow_for

__all__ = [
    "RETENTION_SETTING",
    "BackgroundJob",
    "JobOutput",
    "JobStatus",
    "job_done_rows_field",
    "job_expiry_register",
    "job_file_field",
    "job_request",
    "job_run",
    "job_status_field",
    "job_total_rows_field",
    "job_workflow",
]

# The hours a finished file (and its row) is kept.
RETENTION_SETTING = "REPORT_EXPORT_RETENTION_HOURS"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


# --- the fields (a model may take another label, or another folder for its files) --------


def job_status_field(verbose_name: str = "状态") -> models.CharField:
    return models.CharField(
        verbose_name, max_length=16, choices=JobStatus, default=JobStatus.QUEUED, db_index=True
    )


def job_total_rows_field(verbose_name: str = "总数") -> models.PositiveIntegerField:
    return models.PositiveIntegerField(verbose_name, null=True, blank=True)


def job_done_rows_field(verbose_name: str = "已完成数") -> models.PositiveIntegerField:
    return models.PositiveIntegerField(verbose_name, default=0)


def job_file_field(folder: str) -> models.FileField:
    """The finished file, in private storage under ``folder`` (e.g. ``exports/learning``)."""
    return models.FileField(
        "文件", storage=private_storage, upload_to=UploadTo(folder), max_length=200, blank=True
    )


class BackgroundJob(TimeStampedModel):
    """One requested file: how far its task has got and, once done, the file.

    A subclass overrides ``file`` with :func:`job_file_field` (its own folder), may
    override the other fields' labels with the ``job_*_field`` helpers, and defines
    :meth:`job_actor` and :attr:`audit_role`.
    """

    Status = JobStatus
    ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
    # The role the requester acts as in the job's history and audit rows.
    audit_role: ClassVar[str]

    status = job_status_field()
    total_rows = job_total_rows_field()
    done_rows = job_done_rows_field()
    file = job_file_field("exports")
    download_name = models.CharField("下载文件名", max_length=200, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int:
        """How far the task has got, 0–100 (100 only once done)."""
        if self.status == JobStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.done_rows * 100 // self.total_rows)

    def job_actor(self):
        """The account the job's state changes are recorded as (the requester's)."""
        raise NotImplementedError

    def progress_start(self, total: int) -> None:
        """The task knows how many rows it will write (one UPDATE)."""
        type(self)._default_manager.filter(pk=self.pk).update(total_rows=total, done_rows=0)

    def progress(self, done: int) -> None:
        """``done`` rows written so far (one UPDATE; the status page reads it)."""
        type(self)._default_manager.filter(pk=self.pk).update(done_rows=done)


J = TypeVar("J", bound=BackgroundJob)


def job_workflow(model: type[BackgroundJob], *, enterprise_attr: str | None = None) -> Workflow:
    """The job's state machine: 排队中 → 生成中 → 已完成, or 失败 from either."""
    return Workflow(
        model,
        field="status",
        allowed={
            JobStatus.QUEUED: {JobStatus.RUNNING, JobStatus.FAILED},
            JobStatus.RUNNING: {JobStatus.DONE, JobStatus.FAILED},
        },
        initial={JobStatus.QUEUED},
        enterprise_attr=enterprise_attr,
    )


def job_expiry_register(model: type[BackgroundJob]) -> None:
    """The job's rows and files are removed after the retention time (``ipms.core.files``)."""
    expiring_files_register(model, file_field="file", retention_setting=RETENTION_SETTING)


# --- the request -------------------------------------------------------------------------


def job_reusable(same: models.QuerySet[J], *, reuse_seconds: int) -> J | None:
    """Among the jobs for the same file: the queued or running one, else one that finished
    in the last ``reuse_seconds``."""
    active = same.filter(status__in=BackgroundJob.ACTIVE_STATUSES).first()
    if active is not None:
        return active
    recent = timezone.now() - datetime.timedelta(seconds=reuse_seconds)
    return same.filter(status=JobStatus.DONE, finished_at__gte=recent).first()


def job_request(
    same: models.QuerySet[J],
    make: Callable[[], J],
    *,
    queue: Callable[[int], None],
    reuse_seconds: int,
    clean_exclude: Collection[str] = (),
) -> tuple[J, bool]:
    """The job to show for a press, and whether this press started it.

    ``same`` selects the jobs making the same file; if one is reusable
    (:func:`job_reusable`) it is returned. Else ``make()``'s unsaved job is validated
    (without ``clean_exclude``, e.g. foreign keys the caller already holds), saved, and
    ``queue(pk)`` runs after commit. A press at the same moment that lost on the model's
    unique constraint gets the job that won.
    """
    existing = job_reusable(same, reuse_seconds=reuse_seconds)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            job = make()
            # The one-active-job constraint is the database's to enforce (the race below).
            job.full_clean(exclude=list(clean_exclude), validate_constraints=False)
            job.save()
            transaction.on_commit(lambda: queue(job.pk))
    except IntegrityError:
        existing = job_reusable(same, reuse_seconds=reuse_seconds)
        if existing is None:
            raise
        return existing, False
    return job, True


# --- the task ----------------------------------------------------------------------------


@dataclass(frozen=True)
class JobOutput:
    """What a job's ``build`` made: the file (in the temporary folder it was given), its
    row count, and the audit row the move to 已完成 writes."""

    path: str
    count: int
    audit_action: str
    audit_details: Mapping[str, Any] = field(default_factory=dict)
    # The enterprise the audit row is filed under, when the workflow does not say.
    enterprise_id: int | None = None
    # key=value pairs added to the log line of a finished job.
    log: Mapping[str, Any] = field(default_factory=dict)


def _move(job: BackgroundJob, to: str, **kwargs) -> None:
    transition(
        job,
        to,
        actor=job.job_actor(),
        role=job.audit_role,
        workflow=workflow_for(type(job), "status"),
        **kwargs,
    )


def job_run(job: J | None, build: Callable[[J, str], JobOutput], *, logger: logging.Logger) -> str:
    """Run the task of ``job`` (read by the caller, with what ``build`` needs, or None);
    returns its final status, or "gone" (no such job) / "taken" (another worker has it).

    ``build(job, folder)`` writes the file into ``folder`` (a temporary directory),
    saving progress with ``job.progress_start`` / ``job.progress``. Anything it raises
    is logged and the job moves to 失败.
    """
    if job is None:
        return "gone"
    if job.finished:
        return job.status
    if job.status == JobStatus.QUEUED:
        try:
            _move(job, JobStatus.RUNNING)
        except TransitionConflict:
            return "taken"
    try:
        _job_build(job, build, logger=logger)
    except Exception:
        logger.exception("%s %s failed", job._meta.label, job.pk)
        _job_fail(job)
        return JobStatus.FAILED
    return JobStatus.DONE


def _job_build(job: J, build: Callable[[J, str], JobOutput], *, logger: logging.Logger) -> None:
    with tempfile.TemporaryDirectory(prefix=f"ipms-{job._meta.model_name}-") as folder:
        output = build(job, folder)
        old_name = job.file.name
        with open(output.path, "rb") as handle:
            job.file.save(os.path.basename(output.path), File(handle), save=False)
    with transaction.atomic():
        _move(
            job,
            JobStatus.DONE,
            changes={
                "file": job.file.name,
                "total_rows": output.count,
                "done_rows": output.count,
                "finished_at": timezone.now(),
            },
            audit_action=output.audit_action,
            audit_details=output.audit_details,
            enterprise_id=output.enterprise_id,
        )
        if old_name and old_name != job.file.name:
            # A re-run after a lost worker replaced an earlier attempt's file.
            name, storage = old_name, job.file.storage
            transaction.on_commit(lambda: storage.delete(name))
    logger.info(
        "%s done: job=%s rows=%s%s",
        job._meta.label,
        job.pk,
        output.count,
        "".join(f" {key}={value}" for key, value in output.log.items()),
    )


def _job_fail(job: BackgroundJob) -> None:
    job.refresh_from_db(fields=["status"])
    if job.finished:
        return
    with contextlib.suppress(TransitionConflict):  # another run finished it meanwhile
        _move(job, JobStatus.FAILED, changes={"finished_at": timezone.now()})
