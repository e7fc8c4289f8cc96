"""导出 and 下载全部学习证明 as background jobs: scoped to the body's reviewers, one job per
double click, audited, progress polled with htmx, files private and expiring."""

import datetime

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ipms.accounts.tests.factories import UserFactory
from ipms.core.files import expired_files_purge, private_storage
from ipms.core.models import AuditLog
from ipms.reviews import jobs
from ipms.reviews.models import ApplicationStatus as S
from ipms.reviews.models import ReviewJob

from .factories import ApplicationFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def application(reviewer, enterprise, proof):
    return ApplicationFactory(body=reviewer.body, enterprise=enterprise)


def start(client, run_tasks, url, data=None) -> ReviewJob:
    response = run_tasks(client.post, url, data or {})
    assert response.status_code == 302, response.content[:300]
    job = ReviewJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert response["Location"] == reverse("reviews:console_job", args=[job.pk])
    return job


def export(client, run_tasks, **data) -> ReviewJob:
    return start(client, run_tasks, reverse("reviews:console_export"), data)


def pack(client, run_tasks, application) -> ReviewJob:
    return start(client, run_tasks, reverse("reviews:console_proofs_zip", args=[application.pk]))


def job_urls(job):
    return [
        reverse("reviews:console_job", args=[job.pk]),
        reverse("reviews:console_job_download", args=[job.pk]),
    ]


def test_starting_a_job_needs_a_post(client, reviewer, application):
    client.force_login(reviewer.user)
    assert client.get(reverse("reviews:console_export")).status_code == 405
    url = reverse("reviews:console_proofs_zip", args=[application.pk])
    assert client.get(url).status_code == 405
    assert not ReviewJob.objects.exists()


def test_the_job_is_made_and_its_file_served(client, reviewer, application, run_tasks):
    client.force_login(reviewer.user)
    job = export(client, run_tasks, status=S.PRE_REVIEW_PENDING, q="贯标")
    job.refresh_from_db()
    assert job.status == "done" and job.total_rows == 1 and job.percent == 100
    assert (job.status_filter, job.search) == (S.PRE_REVIEW_PENDING, "贯标")
    page = client.get(reverse("reviews:console_job", args=[job.pk])).content.decode()
    assert "已完成：共 1 条申请。" in page and "下载Excel" in page
    assert "待预审：公司名称“贯标”" in page
    with pytest.raises(ValueError):
        job.file.url  # private: no public address  # noqa: B018
    response = client.get(reverse("reviews:console_job_download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    zipped = pack(client, run_tasks, application)
    zipped.refresh_from_db()
    assert zipped.status == "done" and zipped.total_rows == 1
    assert zipped.download_name.endswith(".zip")


@pytest.mark.parametrize("who", ["learner", "enterprise_admin", "operator", "anonymous"])
def test_other_roles_cannot_see_or_download(who, client, reviewer, admin, application, run_tasks):
    client.force_login(reviewer.user)
    job = export(client, run_tasks)
    client.logout()
    user = {
        "learner": UserFactory(),
        "enterprise_admin": admin,
        "operator": UserFactory(is_staff=True),
    }.get(who)
    if user is not None:
        client.force_login(user)
    for url in job_urls(job):
        response = client.get(url)
        assert response.status_code == (302 if user is None else 403), url
    before = ReviewJob.objects.count()
    for url in (
        reverse("reviews:console_export"),
        reverse("reviews:console_proofs_zip", args=[application.pk]),
    ):
        assert client.post(url).status_code in (302, 403)
    assert ReviewJob.objects.count() == before


def test_another_body_gets_404_and_the_same_body_may_download(
    client, reviewer, other_reviewer, application, run_tasks
):
    client.force_login(reviewer.user)
    jobs_made = [export(client, run_tasks), pack(client, run_tasks, application)]
    client.force_login(other_reviewer.user)
    for job in jobs_made:
        for url in job_urls(job):
            assert client.get(url).status_code == 404, url
    # Another body cannot pack this body's applicant's proofs either.
    url = reverse("reviews:console_proofs_zip", args=[application.pk])
    assert client.post(url).status_code == 404
    colleague = ReviewerFactory(body=reviewer.body, name="赵同事")
    client.force_login(colleague.user)
    for job in jobs_made:
        assert client.get(job_urls(job)[1]).status_code == 200


def test_a_double_click_starts_one_job(
    client, reviewer, application, django_capture_on_commit_callbacks
):
    client.force_login(reviewer.user)
    # Without running the task: the first job stays queued, the second press finds it.
    first = client.post(reverse("reviews:console_export"), {"q": "苏州"})
    second = client.post(reverse("reviews:console_export"), {"q": "苏州"})
    assert first["Location"] == second["Location"]
    other = client.post(reverse("reviews:console_export"), {"q": "杭州"})
    assert other["Location"] != first["Location"]
    url = reverse("reviews:console_proofs_zip", args=[application.pk])
    assert client.post(url)["Location"] == client.post(url)["Location"]
    assert ReviewJob.objects.count() == 3


def test_only_one_active_job_per_file_in_the_database(reviewer, application):
    ReviewJob.objects.create(body=reviewer.body, kind="export", requested_by=reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewJob.objects.create(body=reviewer.body, kind="export", requested_by=reviewer)
    ReviewJob.objects.create(
        body=reviewer.body, kind="proofs", application=application, requested_by=reviewer
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewJob.objects.create(
            body=reviewer.body, kind="proofs", application=application, requested_by=reviewer
        )


def test_a_finished_job_is_reused_for_a_minute_then_made_again(client, reviewer, run_tasks):
    client.force_login(reviewer.user)
    first = export(client, run_tasks)
    assert export(client, run_tasks).pk == first.pk
    ReviewJob.objects.filter(pk=first.pk).update(
        finished_at=timezone.now() - datetime.timedelta(seconds=jobs.REUSE_SECONDS + 1)
    )
    assert export(client, run_tasks).pk != first.pk


def test_both_jobs_are_audited(client, reviewer, application, run_tasks):
    client.force_login(reviewer.user)
    export(client, run_tasks, status=S.PRE_REVIEW_PENDING)
    pack(client, run_tasks, application)
    exported = AuditLog.objects.get(action="review.exported")
    assert exported.role == "reviewer" and exported.actor_id == reviewer.user_id
    assert exported.details["rows"] == 1 and exported.details["status"] == S.PRE_REVIEW_PENDING
    packed = AuditLog.objects.get(action="review.proofs_downloaded")
    assert packed.details["proofs"] == 1 and packed.enterprise_id == application.enterprise_id


def test_progress_is_polled_until_done(client, reviewer, application, run_tasks):
    client.force_login(reviewer.user)
    job, _ = jobs.job_request(reviewer=reviewer, kind="export")
    url = reverse("reviews:console_job", args=[job.pk])
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and "排队中" in page and "刷新" in page
    assert jobs.job_run(job.pk) == "done"
    partial = client.get(url, **HTMX).content.decode()
    assert "hx-trigger" not in partial and "下载Excel" in partial
    assert "<html" not in partial
    assert jobs.job_run(job.pk) == "done"  # a second delivery changes nothing
    assert jobs.job_run(10**9) == "gone"


def test_a_download_before_the_file_is_made_is_404(client, reviewer):
    client.force_login(reviewer.user)
    job, _ = jobs.job_request(reviewer=reviewer, kind="export")
    assert client.get(reverse("reviews:console_job_download", args=[job.pk])).status_code == 404


def test_a_failure_is_shown_and_a_new_job_may_start(client, reviewer, run_tasks, monkeypatch):
    client.force_login(reviewer.user)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs.exports, "export_write", broken)
    job = export(client, run_tasks)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "生成失败" in client.get(reverse("reviews:console_job", args=[job.pk])).content.decode()
    monkeypatch.undo()
    again = export(client, run_tasks)
    assert again.pk != job.pk
    again.refresh_from_db()
    assert again.status == "done"


def test_jobs_and_their_files_expire(settings, client, reviewer, application, run_tasks):
    settings.REPORT_EXPORT_RETENTION_HOURS = 24
    client.force_login(reviewer.user)
    old = pack(client, run_tasks, application)
    fresh = export(client, run_tasks)
    old.refresh_from_db()
    fresh.refresh_from_db()
    ReviewJob.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    assert private_storage().exists(old.file.name)
    assert expired_files_purge()["reviews.ReviewJob"] == 1
    assert not private_storage().exists(old.file.name)
    assert list(ReviewJob.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert client.get(job_urls(old)[1]).status_code == 404
    ReviewJob.objects.update(created_at=timezone.now() - datetime.timedelta(hours=30))
    call_command("purge_expired_files")
    assert not ReviewJob.objects.exists()
    assert not private_storage().exists(fresh.file.name)
