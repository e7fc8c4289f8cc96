"""Derived figures (issue 4 point 4): each figure, the batched and single forms agree, the
SQL form of the credit rule agrees with the Python one, the leaderboard, query counts."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipms.accounts.tests.factories import UserFactory
from ipms.learning import selectors, stats
from ipms.learning.models import Course, Enrollment, StudyDay
from ipms.learning.tests.factories import CourseFactory, LessonFactory, record_learning

pytestmark = pytest.mark.django_db

DAY1 = datetime.date(2026, 3, 2)
DAY2 = datetime.date(2026, 3, 3)
DAY3 = datetime.date(2026, 3, 5)


@pytest.fixture
def course():
    course = CourseFactory(title="知识产权管理人员课程")
    for number in range(1, 6):
        LessonFactory(course=course, number=number, duration=600)
    return course


def lessons(course):
    return list(course.lessons.order_by("number"))


def basis_of(course, **changes) -> stats.CourseBasis:
    if changes:
        Course.objects.filter(pk=course.pk).update(**changes)
    return stats.course_basis(selectors.course_detail(pk=course.pk))


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0秒"),
        (None, "0秒"),
        (0.9, "0秒"),
        (40, "40秒"),
        (59.9, "59秒"),
        (60, "1分钟"),
        (119, "1分钟"),
        (15 * 60 + 30, "15分钟"),
        (3600, "1小时0分钟"),
        (3600 + 5 * 60 + 59, "1小时5分钟"),
        (26 * 3600, "26小时0分钟"),
    ],
)
def test_study_time_text(seconds, text):
    assert stats.study_time_text(seconds) == text


@pytest.mark.parametrize(
    ("name", "phone", "shown"),
    [
        ("张总监", "13600002925", "张**"),
        ("张三", "13600002925", "张*"),
        ("张", "13600002925", "张*"),
        ("  ", "13600002925", "136****2925"),
        ("", "13600002925", "136****2925"),
    ],
)
def test_leaderboard_names_are_masked(name, phone, shown):
    assert stats.mask_learner(name=name, phone=phone) == shown


def test_a_learner_without_records_has_zero_figures(course):
    learner = UserFactory()
    figures = stats.figures_for_user(basis=basis_of(course), user=learner)
    assert figures == stats.CourseFigures(
        study_days=0, credited_seconds=0.0, completed_lessons=0, lesson_count=5, credits=0
    )
    assert figures.study_time == "0秒"
    assert figures.completed_text == "0/5"
    assert figures.exam_score_text == "—"
    assert figures.exam_done_text == "未完成"


def test_each_figure_of_a_learner(course):
    learner = UserFactory()
    first, second, third, *_ = lessons(course)
    record_learning(learner, first, day=DAY1)  # 600 s, completed
    record_learning(learner, second, seconds=300, day=DAY1)
    record_learning(learner, second, seconds=300, day=DAY2)  # completed on day 2
    record_learning(learner, third, seconds=125, day=DAY3)  # started only
    # Another learner and another course do not leak in.
    record_learning(UserFactory(), first, day=DAY1)
    other_course = CourseFactory()
    record_learning(learner, LessonFactory(course=other_course, duration=60), day=DAY1)

    figures = stats.figures_for_user(basis=basis_of(course), user=learner)

    assert figures.study_days == 3
    assert figures.credited_seconds == 1325
    assert figures.study_time == "22分钟"
    assert figures.completed_lessons == 2
    assert figures.completed_text == "2/5"
    assert figures.credits == 4  # 2 lessons × 2 credits; no day credits by default


def test_days_without_credited_time_do_not_count(course):
    learner = UserFactory()
    record_learning(learner, lessons(course)[0], seconds=60, day=DAY1)
    StudyDay.objects.create(user=learner, course=course, day=DAY2, seconds=0)
    assert stats.figures_for_user(basis=basis_of(course), user=learner).study_days == 1


def test_completed_counts_only_published_lessons(course):
    learner = UserFactory()
    first, second, *_ = lessons(course)
    record_learning(learner, first)
    record_learning(learner, second)
    second.is_published = False
    second.save()
    figures = stats.figures_for_user(basis=basis_of(course), user=learner)
    assert figures.completed_text == "1/4"
    assert figures.credits == 2
    # The time learned in the unpublished lesson stays part of the evidence.
    assert figures.credited_seconds == 1200


def test_credits_follow_the_course_policy(course):
    learner = UserFactory()
    first, second, *_ = lessons(course)
    record_learning(learner, first, day=DAY1)
    record_learning(learner, second, day=DAY2)
    record_learning(learner, lessons(course)[2], seconds=10, day=DAY3)
    basis = basis_of(course, credits_per_lesson=3, credits_per_study_day=1)
    assert stats.figures_for_user(basis=basis, user=learner).credits == 2 * 3 + 3 * 1
    # The exam score counts only once exams exist (no score yet: nothing is added).
    basis = basis_of(course, exam_score_counts=True)
    figures = stats.figures_for_user(basis=basis, user=learner)
    assert figures.credits == 9 and figures.exam_score is None


def test_course_basis_without_annotations_costs_one_query(course):
    plain = Course.objects.get(pk=course.pk)
    with CaptureQueriesContext(connection) as captured:
        basis = stats.course_basis(plain)
    assert len(captured) == 1
    assert basis.lesson_count == 5 and basis.policy.min_credits == 10
    annotated = selectors.course_detail(pk=course.pk)
    with CaptureQueriesContext(connection) as captured:
        assert stats.course_basis(annotated).policy == basis.policy
    assert len(captured) == 0


def _populate(course, count: int) -> list:
    learners = UserFactory.create_batch(count)
    all_lessons = lessons(course)
    for index, learner in enumerate(learners):
        for lesson in all_lessons[: index % 6]:
            record_learning(learner, lesson, day=DAY1 + datetime.timedelta(days=lesson.number % 3))
        if index % 4 == 0:
            record_learning(learner, all_lessons[-1], seconds=100, day=DAY3)
    return learners


def test_batched_and_single_figures_agree(course):
    learners = _populate(course, 9)
    basis = basis_of(course, credits_per_study_day=1)
    batch = stats.figures_for_users(basis=basis, user_ids=[u.pk for u in learners])
    assert set(batch) == {u.pk for u in learners}
    for learner in learners:
        assert batch[learner.pk] == stats.figures_for_user(basis=basis, user=learner)
    assert stats.figures_for_users(basis=basis, user_ids=[]) == {}


def _batch_queries(basis, ids) -> int:
    with CaptureQueriesContext(connection) as captured:
        stats.figures_for_users(basis=basis, user_ids=ids)
    return len(captured)


def test_batched_figures_cost_two_queries_whatever_the_number(course):
    learners = _populate(course, 30)
    basis = basis_of(course)
    assert _batch_queries(basis, [learners[0].pk]) == 2  # the stored figures, exam
    assert _batch_queries(basis, [u.pk for u in learners]) == 2


@pytest.mark.parametrize(
    "policy",
    [
        {},
        {"credits_per_lesson": 5, "credits_per_study_day": 2},
        {"credits_per_lesson": 0, "credits_per_study_day": 3, "exam_score_counts": True},
    ],
)
def test_the_sql_credit_rule_equals_the_python_one(course, policy):
    learners = _populate(course, 12)
    basis = basis_of(course, **policy)
    figures = stats.figures_for_users(basis=basis, user_ids=[u.pk for u in learners])
    ranked = {row.user_id: row for row in stats.ranked_learners(basis)}
    for learner in learners:
        mine = figures[learner.pk]
        if learner.pk not in ranked:  # never started: not a learner of the course
            assert mine.credits == 0 and mine.credited_seconds == 0
            continue
        row = ranked[learner.pk]
        assert (row.credits, row.completed, row.days) == (
            mine.credits,
            mine.completed_lessons,
            mine.study_days,
        )
        assert row.seconds == pytest.approx(mine.credited_seconds)


def test_leaderboard_ranks_by_credits_with_shared_ranks(course):
    a, b, c, d, me = (UserFactory(name=n) for n in ("张总监", "李研发", "陈法务", "赵采购", "王明"))
    all_lessons = lessons(course)
    for learner, done in ((a, 5), (b, 3), (c, 3), (d, 1), (me, 1)):
        for lesson in all_lessons[:done]:
            record_learning(learner, lesson)
    quiet = UserFactory(name="孙内审")
    record_learning(quiet, all_lessons[0], seconds=30)  # enrolled, no credits yet

    board = stats.course_leaderboard(basis=basis_of(course), user=me)

    assert [(r.rank, r.name, r.credits) for r in board.rows] == [
        (1, "张**", 10),
        (2, "李**", 6),
        (2, "陈**", 6),
        (4, "赵**", 2),
        (4, "王*", 2),
    ]
    assert [r.is_me for r in board.rows] == [False, False, False, False, True]
    assert board.my_rank == 4
    assert board.learner_count == 6
    assert stats.course_leaderboard(basis=basis_of(course), user=quiet).my_rank == 6


def test_leaderboard_rank_counts_learners_beyond_the_top_list(course):
    all_lessons = lessons(course)
    for index in range(14):
        learner = UserFactory()
        for lesson in all_lessons[: 1 + index % 5]:
            record_learning(learner, lesson)
    me = UserFactory(name="王明")
    record_learning(me, all_lessons[0])  # 2 credits: below everyone with more
    board = stats.course_leaderboard(basis=basis_of(course), user=me)
    assert len(board.rows) == stats.LEADERBOARD_SIZE
    assert not any(row.is_me for row in board.rows)
    more = sum(1 for i in range(14) if 1 + i % 5 > 1)
    assert board.my_rank == more + 1


def test_leaderboard_leaves_out_disabled_accounts_and_other_courses(course):
    gone = UserFactory(is_active=False)
    record_learning(gone, lessons(course)[0])
    elsewhere = UserFactory()
    record_learning(elsewhere, LessonFactory(course=CourseFactory()))
    visitor_board = stats.course_leaderboard(basis=basis_of(course), user=None)
    assert visitor_board.rows == [] and visitor_board.my_rank is None
    assert visitor_board.learner_count == 0
    outsider = stats.course_leaderboard(basis=basis_of(course), user=elsewhere)
    assert outsider.my_rank is None


def _board_queries(basis, user) -> int:
    with CaptureQueriesContext(connection) as captured:
        stats.course_leaderboard(basis=basis, user=user, my_credits=0)
    return len(captured)


def test_leaderboard_query_count_is_constant(course):
    learners = _populate(course, 3)
    basis = basis_of(course)
    few = _board_queries(basis, learners[1])
    more = _populate(course, 25)
    assert _board_queries(basis, more[0]) == few == 3


def test_completed_counts_for_the_learners_courses(course):
    learner = UserFactory()
    first, second, third, *_ = lessons(course)
    record_learning(learner, first)
    record_learning(learner, second)
    record_learning(learner, third, seconds=10)
    other = LessonFactory(course=CourseFactory())
    record_learning(learner, other)
    counts = stats.completed_counts_for_user(user=learner, course_ids=[course.pk, other.course_id])
    assert counts == {course.pk: 2, other.course_id: 1}
    assert Enrollment.objects.filter(user=learner).count() == 2
