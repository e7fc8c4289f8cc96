"""The background-job core (ipms.core.jobs) on a small test job that writes a text file.

The job model lives in a registry of its own (not an installed app, so no migration and
no trace outside these tests); its table is made once per test session. The apps' own
jobs (学习管理导出, 机构后台导出) are tested end to end in their apps.
"""

from __future__ import annotations

import datetime
import logging
import os
from io import StringIO

import pytest
from django.apps.registry import Apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ipms.core import jobs
from ipms.core.audit_actions import action_register
from ipms.core.files import expiring_files, private_storage
from ipms.core.models import AuditLog, AuditRole, StateTransition
from ipms.core.testing import run_together, skip_unless_postgresql
from ipms.core.workflow import TransitionNotAllowed, workflow_for

TEST_APPS = Apps(installed_apps=())
S = jobs.JobStatus
logger = logging.getLogger("ipms.core.tests.jobs")


class NoteJob(jobs.BackgroundJob):
    """A test job: writes ``lines`` lines of text; one active job per topic."""

    audit_role = AuditRole.OPERATOR

    topic = models.CharField(max_length=20)
    lines = models.PositiveIntegerField(default=3)
    requester_id = models.BigIntegerField(null=True)
    enterprise_id = models.BigIntegerField(null=True)
    total_rows = jobs.job_total_rows_field("总行数")
    file = jobs.job_file_field("exports/core-tests")

    class Meta:
        apps = TEST_APPS
        app_label = "jobs_tests"
        constraints = [
            models.UniqueConstraint(
                fields=["topic"],
                condition=Q(status__in=["queued", "running"]),
                name="notejob_one_active",
            )
        ]

    def job_actor(self):
        return get_user_model().objects.filter(pk=self.requester_id).first()


NOTE_JOB_WORKFLOW = jobs.job_workflow(NoteJob, enterprise_attr="enterprise_id")
action_register("notejob.status_changed", "测试任务状态变更")
action_register("notejob.done", "测试任务完成")


def write_notes(job: NoteJob, folder: str) -> jobs.JobOutput:
    job.progress_start(job.lines)
    path = os.path.join(folder, "notes.txt")
    with open(path, "w", encoding="utf-8") as handle:
        for number in range(1, job.lines + 1):
            handle.write(f"第{number}行\n")
            job.progress(number)
    return jobs.JobOutput(
        path=path, count=job.lines, audit_action="notejob.done", audit_details={"topic": job.topic}
    )


def broken(job: NoteJob, folder: str) -> jobs.JobOutput:
    job.progress_start(10)
    raise OSError("disk full")


@pytest.fixture(scope="session")
def note_table(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        if NoteJob._meta.db_table not in connection.introspection.table_names():
            with connection.schema_editor() as editor:
                editor.create_model(NoteJob)
    return NoteJob


@pytest.fixture
def actor(db):
    return get_user_model().objects.create_user(phone="13600002926", password="x-Secret-2026")


@pytest.fixture
def queued():
    return []


def request(topic, actor, queued, **extra):
    return jobs.job_request(
        NoteJob.objects.filter(topic=topic),
        lambda: NoteJob(topic=topic, requester_id=actor.pk, enterprise_id=7, **extra),
        queue=queued.append,
        reuse_seconds=60,
    )


def run(pk) -> str:
    return jobs.job_run(NoteJob.objects.filter(pk=pk).first(), write_notes, logger=logger)


# --- the model ---------------------------------------------------------------------------


def test_fields_statuses_and_labels():
    assert NoteJob.Status is S and NoteJob.ACTIVE_STATUSES == (S.QUEUED, S.RUNNING)
    assert str(NoteJob._meta.get_field("status").verbose_name) == "状态"
    assert str(NoteJob._meta.get_field("total_rows").verbose_name) == "总行数"  # overridden
    assert NoteJob._meta.get_field("file").upload_to.prefix == "exports/core-tests"
    assert NoteJob._meta.get_field("file")._storage_callable is private_storage


def test_percent_and_finished():
    job = NoteJob(status=S.QUEUED)
    assert job.percent == 0 and not job.finished
    job.status, job.total_rows, job.done_rows = S.RUNNING, 200, 50
    assert job.percent == 25
    job.done_rows = 200
    assert job.percent == 99  # 100 only once done
    job.status = S.DONE
    assert job.percent == 100 and job.finished
    assert NoteJob(status=S.FAILED).finished


def test_the_workflow_allows_only_the_job_moves():
    assert workflow_for(NoteJob, "status") is NOTE_JOB_WORKFLOW
    assert NOTE_JOB_WORKFLOW.targets(S.QUEUED) == {"running", "failed"}
    assert NOTE_JOB_WORKFLOW.targets(S.RUNNING) == {"done", "failed"}
    assert NOTE_JOB_WORKFLOW.targets(S.DONE) == frozenset()
    with pytest.raises(TransitionNotAllowed) as refused:
        NOTE_JOB_WORKFLOW.check(S.DONE, S.RUNNING)
    assert refused.value.message == "状态不能从“已完成”变为“生成中”。"


@pytest.mark.django_db
def test_the_apps_jobs_keep_their_labels_and_match_their_migrations():
    from ipms.learning.models import ReportExport
    from ipms.reviews.models import ReviewJob

    assert str(ReportExport._meta.get_field("status").verbose_name) == "导出状态"
    assert str(ReportExport._meta.get_field("done_rows").verbose_name) == "已生成行数"
    assert str(ReviewJob._meta.get_field("status").verbose_name) == "状态"
    assert ReportExport._meta.get_field("file").upload_to.prefix == "exports/learning"
    assert ReviewJob._meta.get_field("file").upload_to.prefix == "exports/reviews"
    labels = {entry.model._meta.label for entry in expiring_files()}
    assert {"learning.ReportExport", "reviews.ReviewJob"} <= labels
    out = StringIO()
    call_command("makemigrations", "learning", "reviews", check=True, dry_run=True, stdout=out)
    assert "No changes detected" in out.getvalue()


# --- the request -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_records_a_queued_job_and_queues_it_after_commit(
    note_table, actor, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job, started = request("季度", actor, queued)
    assert started and job.status == S.QUEUED and queued == [job.pk]
    # Creating a job is not a transition: no history yet.
    assert not StateTransition.objects.exists()


@pytest.mark.django_db
def test_a_second_press_gets_the_active_or_just_finished_job(
    note_table, actor, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = request("季度", actor, queued)
        again, started = request("季度", actor, queued)
    assert (again.pk, started) == (first.pk, False)
    assert run(first.pk) == S.DONE
    again, started = request("季度", actor, queued)
    assert (again.pk, started) == (first.pk, False)  # finished just now: the same file
    NoteJob.objects.filter(pk=first.pk).update(
        finished_at=timezone.now() - datetime.timedelta(seconds=61)
    )
    with django_capture_on_commit_callbacks(execute=True):
        newer, started = request("季度", actor, queued)
    assert started and newer.pk != first.pk
    assert queued == [first.pk, newer.pk]
    other, started = request("年度", actor, queued)
    assert started and other.pk not in (first.pk, newer.pk)


@pytest.mark.django_db
def test_a_failed_job_is_not_reused(note_table, actor, queued):
    first, _ = request("季度", actor, queued)
    NoteJob.objects.filter(pk=first.pk).update(status=S.FAILED, finished_at=timezone.now())
    second, started = request("季度", actor, queued)
    assert started and second.pk != first.pk


@pytest.mark.django_db
def test_the_database_allows_one_active_job_per_file(note_table, actor):
    NoteJob.objects.create(topic="季度")
    with pytest.raises(IntegrityError), transaction.atomic():
        NoteJob.objects.create(topic="季度")


@pytest.mark.django_db
def test_a_lost_race_shows_the_job_that_won(note_table, actor, queued, monkeypatch):
    winner = NoteJob.objects.create(topic="季度", requester_id=actor.pk)
    # As if the winner committed between this press's first look and its insert.
    real = jobs.job_reusable
    looks = []

    def reusable(same, *, reuse_seconds):
        looks.append(1)
        return None if len(looks) == 1 else real(same, reuse_seconds=reuse_seconds)

    monkeypatch.setattr(jobs, "job_reusable", reusable)
    job, started = request("季度", actor, queued)
    assert len(looks) == 2
    assert (job.pk, started) == (winner.pk, False)
    assert NoteJob.objects.count() == 1 and queued == []


@pytest.mark.django_db
def test_invalid_input_is_refused_before_saving(note_table, actor, queued):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        request("长" * 21, actor, queued)
    assert not NoteJob.objects.exists()


# --- the task ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_run_makes_the_file_and_writes_one_audit_row(note_table, actor, queued):
    job, _ = request("季度", actor, queued, lines=4)
    assert run(job.pk) == S.DONE
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.done_rows, job.percent) == (S.DONE, 4, 4, 100)
    assert job.finished_at is not None
    assert job.file.name.startswith("exports/core-tests/") and job.file.name.endswith(".txt")
    with job.file.open("rb") as handle:
        assert handle.read().decode() == "第1行\n第2行\n第3行\n第4行\n"
    moves = StateTransition.objects.for_object(job).order_by("pk")
    assert [(m.from_state, m.to_state, m.actor) for m in moves] == [
        ("queued", "running", actor),
        ("running", "done", actor),
    ]
    done = AuditLog.objects.get(action="notejob.done")
    assert (done.actor, done.role, done.enterprise_id) == (actor, "operator", 7)
    assert done.details["topic"] == "季度" and done.details["to"] == "done"


@pytest.mark.django_db
def test_a_finished_job_is_left_as_it_is_and_a_missing_one_is_gone(note_table, actor, queued):
    job, _ = request("季度", actor, queued)
    run(job.pk)
    job.refresh_from_db()
    name = job.file.name
    assert run(job.pk) == S.DONE
    job.refresh_from_db()
    assert job.file.name == name
    assert AuditLog.objects.filter(action="notejob.done").count() == 1
    assert run(10**9) == "gone"


@pytest.mark.django_db
def test_a_job_lost_midway_is_made_again_and_its_old_file_removed(
    note_table, actor, queued, django_capture_on_commit_callbacks
):
    job, _ = request("季度", actor, queued)
    run(job.pk)
    job.refresh_from_db()
    old = job.file.name
    # As if the worker died after saving the file, before the row said 已完成.
    NoteJob.objects.filter(pk=job.pk).update(status=S.RUNNING, finished_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert run(job.pk) == S.DONE
    job.refresh_from_db()
    assert job.status == S.DONE and job.file.name != old
    assert not private_storage().exists(old)
    assert private_storage().exists(job.file.name)


@pytest.mark.django_db
def test_a_stale_queued_copy_is_taken_by_the_other_worker(note_table, actor, queued):
    job, _ = request("季度", actor, queued)
    stale = NoteJob.objects.get(pk=job.pk)
    assert run(job.pk) == S.DONE
    assert jobs.job_run(stale, write_notes, logger=logger) == "taken"


@pytest.mark.django_db
def test_a_failure_is_logged_and_the_job_fails(note_table, actor, queued, caplog):
    job, _ = request("季度", actor, queued)
    with caplog.at_level(logging.ERROR, logger=logger.name):
        outcome = jobs.job_run(NoteJob.objects.get(pk=job.pk), broken, logger=logger)
    assert outcome == S.FAILED
    assert "jobs_tests.NoteJob" in caplog.text and "disk full" in caplog.text
    job.refresh_from_db()
    assert job.status == S.FAILED and job.finished_at is not None and not job.file
    assert job.total_rows == 10  # the progress written before the failure stays
    assert not AuditLog.objects.filter(action="notejob.done").exists()
    # A failed job is finished: a second delivery leaves it.
    assert run(job.pk) == S.FAILED


@pytest.mark.django_db
def test_the_run_query_count(note_table, actor, queued):
    job, _ = request("季度", actor, queued, lines=3)
    job = NoteJob.objects.get(pk=job.pk)
    with CaptureQueriesContext(connection) as captured:
        assert jobs.job_run(job, write_notes, logger=logger) == S.DONE
    sql = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    # Each move: the actor, the row locked, its update, the history and the audit row (5);
    # the build: the total and one update per progress call (4). Nothing per field.
    assert len(sql) == 5 + 4 + 5, sql
    assert len([q for q in sql if q.startswith("UPDATE")]) == 6


# --- concurrency (PostgreSQL) ---------------------------------------------------------------


@pytest.fixture
def committed_notes(note_table):
    """The test table is not an installed app's, so the flush after a transactional test
    leaves its rows: removed here."""
    yield
    NoteJob.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_presses_at_the_same_moment_start_one_job(committed_notes, actor):
    skip_unless_postgresql()
    queued: list[int] = []
    outcomes = run_together([lambda: request("季度", actor, queued)] * 6)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len({job.pk for job, _ in outcomes}) == 1
    assert sum(started for _, started in outcomes) == 1
    assert NoteJob.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_the_same_moment_make_one_file(committed_notes, actor):
    skip_unless_postgresql()
    job = NoteJob.objects.create(topic="季度", requester_id=actor.pk)
    outcomes = run_together([lambda: run(job.pk)] * 4)
    assert "done" in outcomes, outcomes
    # A worker that read the job after another took it makes it again (as after a lost
    # worker) and fails to finish it: the job is done once either way.
    assert set(outcomes) <= {"done", "taken", "failed"}, outcomes
    job.refresh_from_db()
    assert job.status == S.DONE
    assert AuditLog.objects.filter(action="notejob.done").count() == 1
