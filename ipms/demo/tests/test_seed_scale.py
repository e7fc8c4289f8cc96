"""`manage.py seed_scale` at a small size: counts, constraints, consistent learning
records, and the pages the printed accounts open.

One seed per module (about ten seconds on SQLite): the rows live inside a transaction
that is rolled back when the module ends, and each test runs in a savepoint of it.
"""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.test import override_settings
from django.urls import reverse

from ipms.accounts.models import User
from ipms.core.phone import MOBILE_RE
from ipms.demo import scale
from ipms.enterprises.models import Enterprise, Invitation, Membership
from ipms.enterprises.validators import validate_credit_code
from ipms.learning import stats
from ipms.learning.models import Course, Enrollment, Lesson, LessonProgress, StudyDay
from ipms.learning.progress import completion_share

LEARNERS = 500
ENTERPRISES = 50


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The command's own run (portal content included), its output, and the plan."""
    root = tmp_path_factory.mktemp("seed-files")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {
            "BACKEND": "ipms.core.files.PrivateFileSystemStorage",
            "OPTIONS": {"location": root / "private"},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    out = io.StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=root / "media", STORAGES=storages),
        transaction.atomic(),
    ):
        call_command("seed_scale", learners=LEARNERS, enterprises=ENTERPRISES, stdout=out)
        yield {"output": out.getvalue(), "plan": scale.plan_for(learners=LEARNERS)}
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def _admin_enterprise(phone: str) -> Enterprise:
    return Membership.objects.get(user__phone=phone, role=Membership.Role.ADMIN).enterprise


# --- counts ----------------------------------------------------------------------------


def test_counts_follow_the_plan(seeded):
    plan = scale.plan_for(learners=LEARNERS, enterprises=ENTERPRISES)
    export = plan.export_members
    # The enterprises asked for, plus the export enterprise.
    assert Enterprise.objects.count() == ENTERPRISES + 1
    assert User.objects.count() == LEARNERS + export
    active = Membership.objects.filter(status__in=Membership.ACTIVE_STATUSES)
    assert active.filter(enterprise=_admin_enterprise(scale.LARGE_ADMIN)).count() == plan.large
    assert active.filter(enterprise=_admin_enterprise(scale.MEDIUM_ADMIN)).count() == plan.medium
    export_enterprise = _admin_enterprise(scale.EXPORT_ADMIN)
    assert active.filter(enterprise=export_enterprise, status="verified").count() == export
    individuals = User.objects.exclude(memberships__status="verified").count()
    assert individuals == plan.individuals
    # ~15 progress rows per learner of the main population (1.5 million at full size).
    main = LessonProgress.objects.exclude(user__memberships__enterprise=export_enterprise)
    assert main.count() >= 12 * LEARNERS
    assert Course.objects.count() == len(scale.COURSES)
    assert StudyDay.objects.count() > LEARNERS
    assert Membership.objects.filter(status="pending").exists()
    assert Membership.objects.filter(status="removed").exists()


@pytest.mark.real_hashers  # the seed hashed with the platform's hasher (Argon2)
def test_the_command_prints_the_accounts_and_the_password(seeded):
    output = seeded["output"]
    for account in scale.ACCOUNTS:
        assert account.phone in output
    assert f"密码 {scale.SEED_PASSWORD}" in output
    # Every seeded account shares the one printed password.
    for phone in (scale.LARGE_ADMIN, scale.MEDIUM_LEARNER, User.objects.order_by("?")[0].phone):
        assert User.objects.get(phone=phone).check_password(scale.SEED_PASSWORD)


# --- constraints -------------------------------------------------------------------------


def test_phones_and_credit_codes_are_valid_and_unique(seeded):
    phones = list(User.objects.values_list("phone", flat=True))
    assert all(MOBILE_RE.fullmatch(phone) for phone in phones)
    assert len(set(phones)) == len(phones)
    invitee_phones = Membership.objects.filter(user__isnull=True).values_list("phone", flat=True)
    assert all(MOBILE_RE.fullmatch(phone) for phone in invitee_phones)
    codes = list(Enterprise.objects.values_list("credit_code", flat=True))
    assert len(set(codes)) == len(codes)
    for code in codes:
        validate_credit_code(code)  # GB 32100 check character included
    for enterprise in Enterprise.objects.all():
        enterprise.full_clean()
        assert enterprise.is_profile_complete


def test_memberships_respect_the_rules(seeded):
    verified = Membership.objects.filter(status="verified")
    # One enterprise per user, one admin per enterprise (who is verified), no orphans.
    assert not verified.values("user").annotate(n=Count("id")).filter(n__gt=1).exists()
    admins = Counter(
        Membership.objects.filter(role="admin").values_list("enterprise_id", flat=True)
    )
    assert set(admins.values()) == {1}
    assert len(admins) == Enterprise.objects.count()
    assert not verified.filter(user__isnull=True).exists()
    assert not verified.exclude(phone=F("user__phone")).exists()
    # Every pending member has exactly one open link; verified members used theirs.
    open_links = Invitation.objects.filter(used_at__isnull=True, revoked_at__isnull=True)
    pending = Membership.objects.filter(status="pending")
    assert open_links.filter(membership__in=pending).count() == pending.count()
    assert not open_links.exclude(membership__in=pending).exists()
    assert not Invitation.objects.filter(used_at__isnull=False, used_by__isnull=True).exists()
    for membership in Membership.objects.order_by("?")[:50]:
        membership.full_clean()  # region pair, phone, choices


# --- learning records ------------------------------------------------------------------


def test_learning_records_are_consistent(seeded):
    share = completion_share()
    rows = LessonProgress.objects.annotate(duration=F("lesson__duration"))
    assert not rows.filter(credited_seconds__gt=F("duration")).exists()
    assert not LessonProgress.objects.exclude(course_id=F("lesson__course_id")).exists()
    for row in rows.order_by("?")[:500]:
        assert (row.completed_at is not None) == (row.credited_seconds >= share * row.duration)
        assert row.furthest_position >= row.last_position >= 0
    # The day rows of a learner and course sum to the progress rows' credited time.
    credited = {
        (r["user_id"], r["course_id"]): r["total"]
        for r in LessonProgress.objects.values("user_id", "course_id").annotate(
            total=Sum("credited_seconds")
        )
    }
    days = {
        (r["user_id"], r["course_id"]): r["total"]
        for r in StudyDay.objects.values("user_id", "course_id").annotate(total=Sum("seconds"))
    }
    assert credited.keys() == days.keys()
    for key, seconds in credited.items():
        assert days[key] == pytest.approx(seconds, abs=0.01)
    assert not StudyDay.objects.filter(seconds__lte=0).exists()
    # Every learner with progress is enrolled, and remembers a lesson of that course.
    enrolled = set(Enrollment.objects.values_list("user_id", "course_id"))
    assert set(credited) <= enrolled
    with_lesson = Enrollment.objects.filter(last_lesson__isnull=False)
    assert not with_lesson.exclude(last_lesson__course_id=F("course_id")).exists()


def test_figures_of_the_printed_learner(seeded):
    course = Course.objects.get(title=scale.MAIN_COURSE)
    basis = stats.course_basis(course)
    learner = User.objects.get(phone=scale.LARGE_LEARNER)
    figures = stats.figures_for_user(basis=basis, user=learner)
    lessons = Lesson.objects.filter(course=course).count()
    assert figures.completed_lessons == lessons * 3 // 5
    assert figures.study_days >= 1
    assert figures.credited_seconds > 0
    assert figures.credits == (
        figures.completed_lessons * course.credits_per_lesson
        + figures.study_days * course.credits_per_study_day
    )
    board = stats.course_leaderboard(basis=basis, user=learner, my_credits=figures.credits)
    assert board.learner_count == Enrollment.objects.filter(course=course).count()
    assert board.learner_count > LEARNERS // 2
    assert len(board.rows) == stats.LEADERBOARD_SIZE
    assert board.my_rank is not None


# --- pages for the printed accounts ---------------------------------------------------------


def test_course_page_and_lesson_page_render_for_the_learner(seeded, client):
    learner = User.objects.get(phone=scale.LARGE_LEARNER)
    client.force_login(learner)
    course = Course.objects.get(title=scale.MAIN_COURSE)
    response = client.get(reverse("learning:course_detail", args=[course.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    lessons = course.lessons.count()
    assert f'data-figure="completed">{lessons * 3 // 5} / {lessons}<' in page  # 已学习课程
    assert "本课程排行榜" in page
    assert "您在第" in page
    enrollment = Enrollment.objects.get(user=learner, course=course)
    lesson = enrollment.last_lesson
    response = client.get(reverse("learning:lesson_detail", args=[course.pk, lesson.pk]))
    assert response.status_code == 200
    assert lesson.title in response.content.decode()


@pytest.mark.parametrize("phone", [scale.LARGE_ADMIN, scale.MEDIUM_ADMIN])
def test_member_and_report_pages_render_for_the_admins(seeded, client, phone):
    admin = User.objects.get(phone=phone)
    enterprise = _admin_enterprise(phone)
    client.force_login(admin)
    total = Membership.objects.filter(
        enterprise=enterprise, status__in=Membership.ACTIVE_STATUSES
    ).count()
    response = client.get(reverse("enterprises:member_list"))
    assert response.status_code == 200
    assert f"共{total}个人" in response.content.decode().replace(" ", "")
    course = Course.objects.get(title=scale.MAIN_COURSE)
    response = client.get(reverse("learning:enterprise_report"), {"course": course.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "（管理员）" in page
    # A member with figures shows them (the report reads the same records).
    member = (
        Membership.objects.filter(enterprise=enterprise, status="verified", role="learner")
        .filter(user__lesson_progress__course=course)
        .order_by("created_at", "id")
        .first()
    )
    figures = stats.figures_for_user(basis=stats.course_basis(course), user=member.user)
    search = client.get(
        reverse("learning:enterprise_report"), {"course": course.pk, "q": member.user.phone}
    )
    assert search.status_code == 200
    assert figures.completed_text in search.content.decode()


# --- idempotence and refusals ------------------------------------------------------------


def test_a_second_run_changes_nothing(seeded):
    before = (User.objects.count(), LessonProgress.objects.count(), Enterprise.objects.count())
    out = io.StringIO()
    call_command("seed_scale", learners=LEARNERS, stdout=out)
    assert "已有规模测试数据，未做任何改动" in out.getvalue()
    assert scale.LARGE_ADMIN in out.getvalue()
    assert (User.objects.count(), LessonProgress.objects.count(), Enterprise.objects.count()) == (
        before
    )


def test_refuses_in_production_mode(seeded, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="生产模式"):
        call_command("seed_scale", learners=LEARNERS, stdout=io.StringIO())


def test_refuses_when_seed_rows_are_in_the_way(seeded):
    # Without the marker, but with the seed's courses and phones: a partial or foreign seed.
    User.objects.filter(phone=scale.MARKER_PHONE).delete()
    with pytest.raises(CommandError, match="课程已存在"):
        call_command("seed_scale", learners=LEARNERS, stdout=io.StringIO())


def test_refuses_sizes_that_do_not_fit():
    # Each enterprise needs its admin: 500 learners cannot fill 500 enterprises and the
    # two large ones (the command turns this into a CommandError before writing).
    with pytest.raises(ValueError, match="放不下"):
        scale.plan_for(learners=LEARNERS, enterprises=LEARNERS).check()
    scale.plan_for(learners=LEARNERS, enterprises=ENTERPRISES).check()


def test_sequences_continue_after_the_seed(seeded):
    user = User.objects.create_user(phone="13912345678", password="Abcdefg123")
    assert user.pk > User.objects.exclude(pk=user.pk).order_by("-pk")[0].pk
    course = Course.objects.create(title="新课程", summary="新", audience="所有人")
    assert course.pk > max(Course.objects.exclude(pk=course.pk).values_list("pk", flat=True))


# --- PostgreSQL: the COPY path ---------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the COPY path needs DATABASE_URL on PostgreSQL"
)
def test_postgresql_seed_used_copy_and_checked_keys(seeded):
    """On PostgreSQL the rows went in by COPY with the foreign-key triggers skipped, then
    every key was checked: no orphan anywhere, triggers back on for the session."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
        cursor.execute(
            "SELECT count(*) FROM learning_lessonprogress p"
            " LEFT JOIN accounts_user u ON u.id = p.user_id WHERE u.id IS NULL"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'learning_lessonprogress'")
        assert cursor.fetchone()[0] > 0  # ANALYZE ran
    # A broken key would have rolled the seed back: prove the check catches one.
    seeder = scale.Seeder(scale.plan_for(learners=LEARNERS), connection=connection)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                "UPDATE learning_studyday SET user_id = -1 WHERE id = (SELECT min(id) FROM"
                " learning_studyday)"
            )
        with pytest.raises(RuntimeError, match=r"learning_studyday\.user_id"):
            seeder._verify_foreign_keys()
        transaction.set_rollback(True)
