"""Stored per-enrolment figures (ipms.learning.figures): after any sequence of beats,
rule changes and lesson edits, the figures stored on each enrolment equal the ones derived
from the records; the leaderboard read from them ranks exactly as the records do; the
repair command and the recompute put wrong figures right; the costs stay constant."""

from __future__ import annotations

import datetime
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipms.accounts.tests.factories import UserFactory
from ipms.learning import figures, progress, selectors, stats
from ipms.learning.models import Course, Enrollment, Lesson
from ipms.learning.tests.factories import CourseFactory, LessonFactory, record_learning
from ipms.learning.tests.test_heartbeat import T0, Tab

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    course = CourseFactory(title="知识产权管理人员课程", credits_per_study_day=1)
    for number in range(1, 4):
        LessonFactory(course=course, number=number, duration=90)
    return course


def lessons(course) -> list[Lesson]:
    return list(Lesson.objects.filter(course=course).order_by("number"))


def stored(user, course) -> tuple:
    e = Enrollment.objects.get(user=user, course=course)
    return (e.completed_lessons, e.study_days, round(e.credited_seconds, 6), e.credits)


def assert_stored_equal_records(course) -> None:
    """Every enrolment's stored figures are what the records give (by the definition in
    figures.record_expressions and, for 学分, by CreditPolicy.credits on the counts)."""
    course = Course.objects.get(pk=course.pk)
    basis = stats.course_basis(course)
    derived = {row.user_id: row for row in stats.ranked_learners(basis)}
    for enrollment in Enrollment.objects.filter(course=course).select_related("user"):
        if not enrollment.user.is_active:
            assert not enrollment.learner_active
            continue
        assert enrollment.learner_active
        row = derived[enrollment.user_id]
        assert (enrollment.completed_lessons, enrollment.study_days) == (row.completed, row.days)
        assert enrollment.credited_seconds == pytest.approx(row.seconds, abs=1e-6)
        assert enrollment.credits == row.credits
        assert enrollment.credits == basis.policy.credits(
            completed_lessons=row.completed, study_days=row.days
        )
    assert figures.figures_mismatches(course=course) == 0


# --- the heartbeat keeps them current ------------------------------------------------


def test_a_crediting_beat_updates_the_figures(learner, course):
    first, *_ = lessons(course)
    tab = Tab(learner, first)
    assert stored(learner, course) == (0, 0, 0, 0)
    tab.press_play()
    tab.beat(after=15)
    assert stored(learner, course) == (0, 1, 15, 1)  # one study day: 1 credit
    tab.beat(after=15)
    tab.beat(after=15, playing=False)  # paused: nothing changes
    assert stored(learner, course) == (0, 1, 30, 1)
    assert_stored_equal_records(course)


def test_completion_and_a_second_study_day(learner, course):
    first, second, _third = lessons(course)
    tab = Tab(learner, first)
    tab.press_play()
    for _ in range(6):
        tab.beat(after=15)  # 90 s: complete (0.95 × 90 = 85.5)
    assert stored(learner, course) == (1, 1, 90, 2 + 1)
    # The next day, another lesson: a second study day.
    tomorrow = Tab(learner, second, at=T0 + datetime.timedelta(days=1))
    tomorrow.press_play()
    tomorrow.beat(after=10)
    assert stored(learner, course) == (1, 2, 100, 2 + 2)
    assert_stored_equal_records(course)


def test_a_beat_that_finds_the_figures_changed_refreshes_them(learner, course, monkeypatch):
    first, *_ = lessons(course)
    tab = Tab(learner, first)
    tab.press_play()
    tab.beat(after=15)
    write = progress._write

    def racing_write(lease, params):
        # A recompute changes the stored figures between the beat's read and its write:
        # the figures' compare-and-set fails, and the beat derives them from the records.
        Enrollment.objects.filter(user=learner).update(credits=77, study_days=5)
        return write(lease, params)

    monkeypatch.setattr(progress, "_write", racing_write)
    assert tab.beat(after=15).credited == 15
    assert stored(learner, course) == (0, 1, 30, 1)
    assert_stored_equal_records(course)


def test_beats_in_another_course_leave_these_figures_alone(learner, course):
    other = LessonFactory(course=CourseFactory(), duration=60)
    Tab(learner, lessons(course)[0])
    tab = Tab(learner, other)
    tab.press_play()
    tab.beat(after=20)
    assert stored(learner, course) == (0, 0, 0, 0)
    assert stored(learner, other.course) == (0, 1, 20, 2 * 0)


# --- any sequence of beats -----------------------------------------------------------


def _random_history(course, rng: random.Random, steps: int) -> None:
    """Learners with one or two tabs each do random things: play, pause, hide, seek,
    press play elsewhere, wait a day; now and then the operator changes the rules or
    (un)publishes a lesson."""
    all_lessons = lessons(course)
    learners = [UserFactory() for _ in range(3)]
    clock = T0
    tabs: list[Tab] = []
    for _step in range(steps):
        roll = rng.random()
        clock += datetime.timedelta(seconds=rng.choice((0, 5, 15, 15, 15, 25, 31, 40)))
        if roll < 0.03:
            clock += datetime.timedelta(days=rng.choice((1, 2)))
        if not tabs or roll < 0.12:
            tabs.append(Tab(rng.choice(learners), rng.choice(all_lessons), at=clock))
            continue
        if roll < 0.16:
            edited = Course.objects.get(pk=course.pk)
            edited.credits_per_lesson = rng.choice((0, 1, 2, 5))
            edited.credits_per_study_day = rng.choice((0, 1, 3))
            edited.save()  # signal → recompute (inline in the embedded mode)
            continue
        if roll < 0.19:
            lesson = Lesson.objects.get(pk=rng.choice(all_lessons).pk)
            lesson.is_published = not lesson.is_published
            lesson.save()
            continue
        tab = rng.choice(tabs)
        tab.now = max(tab.now, clock)
        action = rng.random()
        try:
            if action < 0.15:
                tab.press_play()
            elif action < 0.70:
                tab.beat(after=0, moved=rng.choice((0, 10, 15, 15, 20, 30)))
            elif action < 0.80:
                tab.beat(after=0, playing=False)
            elif action < 0.86:
                tab.beat(after=0, visible=False)
            elif action < 0.92:
                tab.beat(after=0, position=max(0.0, tab.position - rng.choice((5, 40))))
            else:
                tab.beat(after=0, position=tab.position + rng.choice((30, 200)))  # a seek
        except progress.InvalidView:
            pass  # its lesson was unpublished meanwhile


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_stored_and_recomputed_figures_agree_after_any_sequence_of_beats(course, seed):
    rng = random.Random(seed)
    _random_history(course, rng, steps=120)
    assert Enrollment.objects.filter(course=course, credited_seconds__gt=0).exists()
    assert_stored_equal_records(course)


# --- operator edits: rules and lessons -----------------------------------------------


def _learners_with_history(course) -> list:
    first, second, third = lessons(course)
    a, b, c = UserFactory(name="张三"), UserFactory(name="李四"), UserFactory(name="王五")
    record_learning(a, first, day=datetime.date(2026, 3, 2))
    record_learning(a, second, day=datetime.date(2026, 3, 3))
    record_learning(b, first, day=datetime.date(2026, 3, 2))
    record_learning(b, third, seconds=30, day=datetime.date(2026, 3, 4))
    record_learning(c, third, seconds=10, day=datetime.date(2026, 3, 4))
    return [a, b, c]


def test_a_change_of_the_credit_rules_recomputes_the_course(course):
    a, b, c = _learners_with_history(course)
    assert [stored(u, course)[3] for u in (a, b, c)] == [2 * 2 + 2, 2 + 2, 1]
    edited = Course.objects.get(pk=course.pk)
    edited.credits_per_lesson = 5
    edited.credits_per_study_day = 0
    edited.save()
    assert [stored(u, course)[3] for u in (a, b, c)] == [10, 5, 0]
    assert_stored_equal_records(course)


def test_other_course_edits_do_not_recompute(course, django_assert_num_queries):
    _learners_with_history(course)
    edited = Course.objects.get(pk=course.pk)
    edited.summary = "新的课程简介。"
    with django_assert_num_queries(2):  # read the rules as stored, save
        edited.save()


def test_unpublishing_and_publishing_a_lesson(course):
    a, b, _c = _learners_with_history(course)
    first = lessons(course)[0]
    first.is_published = False
    first.save()
    assert stored(a, course)[0] == 1 and stored(b, course)[0] == 0
    assert_stored_equal_records(course)
    first.is_published = True
    first.save()
    assert stored(a, course)[0] == 2 and stored(b, course)[0] == 1
    assert_stored_equal_records(course)


def test_a_lesson_added_or_removed_changes_only_the_lesson_count(course):
    a, _b, _c = _learners_with_history(course)
    before = stored(a, course)
    added = LessonFactory(course=course, number=9, duration=60)
    assert stored(a, course) == before
    basis = stats.course_basis(Course.objects.get(pk=course.pk))
    assert stats.figures_for_user(basis=basis, user=a).completed_text == "2/4"
    added.delete()  # no records in it: the operator may delete it
    assert stored(a, course) == before
    assert_stored_equal_records(course)


def test_a_lesson_moved_to_another_course_recomputes_both(course):
    a, *_ = _learners_with_history(course)
    other = CourseFactory()
    moved = lessons(course)[1]  # a completed it
    moved.course = other
    moved.number = 1
    moved.save()
    # Its progress rows still name the first course (they are evidence of what was
    # learned there): the first course counts them no more only if the records say so.
    assert_stored_equal_records(course)
    assert_stored_equal_records(other)
    assert stored(a, course)[0] == 2  # progress rows keep their course: unchanged


def test_a_disabled_account_leaves_the_leaderboard_and_comes_back(course):
    a, b, _c = _learners_with_history(course)
    basis = stats.course_basis(Course.objects.get(pk=course.pk))
    assert [row.name for row in stats.course_leaderboard(basis=basis).rows][:2] == ["张*", "李*"]
    a.is_active = False
    a.save()
    board = stats.course_leaderboard(basis=basis, user=b)
    assert board.rows[0].name == "李*" and board.my_rank == 1
    assert board.learner_count == 2
    a.is_active = True
    a.save(update_fields=["is_active"])
    assert stats.course_leaderboard(basis=basis, user=b).my_rank == 2
    assert_stored_equal_records(course)


def test_saving_other_account_fields_costs_no_figures_query(course, django_assert_num_queries):
    a, *_ = _learners_with_history(course)
    a.name = "张三丰"
    with django_assert_num_queries(1):
        a.save(update_fields=["name"])


# --- the leaderboard ranks as the records do ------------------------------------------


def _reference_board(basis) -> list[tuple[int, int, int]]:
    """The leaderboard as it was computed before the figures were stored: every learner
    ranked from the records, RANK() over credits, ties ordered by more time, then the
    earlier enrolment, then the enrolment id."""
    enrolled = {
        e.user_id: e for e in Enrollment.objects.filter(course=basis.course, user__is_active=True)
    }
    derived = [row for row in stats.ranked_learners(basis) if row.credits > 0]
    derived.sort(
        key=lambda r: (
            -r.credits,
            -r.seconds,
            enrolled[r.user_id].enrolled_at,
            enrolled[r.user_id].pk,
        )
    )
    ranks = [1 + sum(1 for other in derived if other.credits > row.credits) for row in derived]
    return [(rank, row.user_id, row.credits) for rank, row in zip(ranks, derived, strict=True)]


def test_the_leaderboard_ranks_ties_as_the_records_do(course):
    all_lessons = lessons(course)
    learners = []
    rng = random.Random(7)
    for _index in range(24):
        learner = UserFactory()
        learners.append(learner)
        for lesson in all_lessons[: rng.randrange(0, 4)]:
            seconds = rng.choice((None, None, 30, 45))  # equal credits, equal or unequal time
            record_learning(learner, lesson, seconds=seconds, day=datetime.date(2026, 3, 2))
    basis = stats.course_basis(Course.objects.get(pk=course.pk))
    reference = _reference_board(basis)
    board = stats.course_leaderboard(basis=basis)
    top = reference[: stats.LEADERBOARD_SIZE]
    assert [(row.rank, row.credits) for row in board.rows] == [(r, c) for r, _u, c in top]
    names = {u.pk: stats.mask_learner(name=u.name, phone=u.phone) for u in learners}
    assert [row.name for row in board.rows] == [names[u] for _r, u, _c in top]
    for learner in learners:
        mine = stats.course_leaderboard(basis=basis, user=learner)
        figures_mine = stats.figures_for_user(basis=basis, user=learner)
        expected = 1 + sum(1 for _r, _u, c in reference if c > figures_mine.credits)
        if Enrollment.objects.filter(user=learner, course=course).exists():
            assert mine.my_rank == expected
        else:
            assert mine.my_rank is None


# --- repair and recompute --------------------------------------------------------------


def test_the_repair_command_puts_wrong_figures_right_and_is_idempotent(course, capsys):
    _learners_with_history(course)
    other_course = CourseFactory()
    record_learning(UserFactory(), LessonFactory(course=other_course, duration=60))
    Enrollment.objects.update(credits=999, completed_lessons=9, credited_seconds=1.5)
    call_command("learning_figures_repair", "--check")
    assert "合计不一致 4 条" in capsys.readouterr().out
    call_command("learning_figures_repair", "--course", str(course.pk), "--chunk", "2")
    assert "合计已更正 3 条" in capsys.readouterr().out
    assert_stored_equal_records(course)
    assert figures.figures_mismatches(course=other_course) == 1
    call_command("learning_figures_repair")
    assert "合计已更正 1 条" in capsys.readouterr().out
    call_command("learning_figures_repair")
    assert "合计已更正 0 条" in capsys.readouterr().out  # nothing left to do
    assert_stored_equal_records(other_course)


def test_the_recompute_goes_chunk_by_chunk(course):
    learners = _learners_with_history(course)
    Enrollment.objects.update(credits=0, study_days=0)
    with CaptureQueriesContext(connection) as captured:
        changed = figures.figures_recompute(course=course, chunk=1)
    assert changed == len(learners)
    updates = [q for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == len(learners) + 1  # one per chunk, and the empty last range
    assert_stored_equal_records(course)


def test_the_recompute_task_runs_inline_in_the_embedded_mode(course):
    from ipms.learning.tasks import figures_recompute_task

    _learners_with_history(course)
    Enrollment.objects.update(credits=0)
    assert figures_recompute_task.delay(course_id=course.pk).get() == 3
    assert figures_recompute_task.delay(course_id=10**6).get() == 0
    assert_stored_equal_records(course)


# --- costs that do not grow with the data --------------------------------------------


def _bulk_learners(course, count: int) -> None:
    all_lessons = lessons(course)
    for index in range(count):
        learner = UserFactory()
        for lesson in all_lessons[: index % 4]:
            record_learning(learner, lesson)


def _page_queries(client, course) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/courses/{course.pk}/").status_code == 200
    return len(captured)


def test_the_course_page_costs_the_same_queries_at_two_sizes(learner_client, learner, course):
    record_learning(learner, lessons(course)[0])
    _bulk_learners(course, 3)
    learner_client.get(f"/courses/{course.pk}/")
    few = _page_queries(learner_client, course)
    _bulk_learners(course, 40)
    assert _page_queries(learner_client, course) == few
    # The learner part of the page: the lessons, the learner's progress rows, the
    # enrolment (with the stored figures), the exam result, the top 10 and the rank;
    # nothing aggregates the learners' records.
    basis = stats.course_basis(selectors.course_detail(pk=course.pk))
    with CaptureQueriesContext(connection) as captured:
        mine = selectors.learner_course(user=learner, course=course)
        shown = stats.figures_of_enrollment(basis=basis, user=learner, enrollment=mine.enrollment)
        stats.course_leaderboard(
            basis=basis, user=learner, my_credits=shown.rank_credits, enrolled=True
        )
    assert len(captured) == 6, [q["sql"][:90] for q in captured.captured_queries]
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert "learning_studyday" not in sql and "SUM(" not in sql


def test_a_beat_costs_the_same_statements_whatever_the_history(learner, course):
    _bulk_learners(course, 10)
    tab = Tab(learner, lessons(course)[0])
    tab.press_play()
    tab.beat(after=15)
    with CaptureQueriesContext(connection) as captured:
        tab.beat(after=15)
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    # PostgreSQL: the read and one write statement; SQLite: the read, the view, the lease,
    # the progress row, the day row and the enrolment's figures.
    assert len(statements) == (2 if connection.vendor == "postgresql" else 6)
