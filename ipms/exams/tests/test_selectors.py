"""The selectors other apps use (credentials), and learning's figures fed from them."""

import pytest

from ipms.accounts.tests.factories import UserFactory
from ipms.exams import selectors, services
from ipms.exams.tests.factories import enroll, make_paper, take_exam
from ipms.learning import stats
from ipms.learning.tests.factories import CourseFactory, LessonFactory, record_learning

pytestmark = pytest.mark.django_db


def test_best_scores_for_many_learners_is_one_query(django_assert_num_queries):
    paper = make_paper()
    course = paper.course
    users = UserFactory.create_batch(5)
    for index, user in enumerate(users[:4]):
        take_exam(user, course, wrong=index)
        take_exam(user, course, wrong=4)
    # users[4] never took it; an attempt in progress has no score.
    enroll(users[4], course)
    services.attempt_start(user=users[4], course=course)
    other_course = make_paper().course
    take_exam(users[0], other_course, wrong=5)
    with django_assert_num_queries(1):
        scores = selectors.best_scores(course=course, user_ids=[u.pk for u in users])
    assert scores == {users[0].pk: 100, users[1].pk: 80, users[2].pk: 60, users[3].pk: 40}
    assert selectors.best_score(user=users[0], course=other_course) == 0
    assert selectors.best_score(user=users[4], course=course) is None
    assert not selectors.exam_done(user=users[4], course=course)
    assert selectors.best_scores(course=course, user_ids=[]) == {}


def test_course_figures_show_the_real_exam_result(django_assert_num_queries):
    course = CourseFactory()
    lesson = LessonFactory(course=course)
    paper = make_paper(course)
    user, fresh = UserFactory(), UserFactory()
    record_learning(user, lesson)
    record_learning(fresh, lesson)
    take_exam(user, course, wrong=2)
    basis = stats.course_basis(course)
    with django_assert_num_queries(2):  # the stored figures, the exam results
        figures = stats.figures_for_users(basis=basis, user_ids=[user.pk, fresh.pk])
    assert figures[user.pk].exam_score == 60 and figures[user.pk].exam_done_text == "已完成"
    assert figures[fresh.pk].exam_score_text == "—"
    assert figures[fresh.pk].exam_done_text == "未完成"
    assert paper.pk


def test_an_exam_score_that_counts_raises_credits_and_the_rank():
    course = CourseFactory(exam_score_counts=True, credits_per_lesson=2)
    lessons = LessonFactory.create_batch(2, course=course)
    make_paper(course)
    ahead, examined = UserFactory(), UserFactory()
    for lesson in lessons:
        record_learning(ahead, lesson)
    record_learning(examined, lessons[0])
    take_exam(examined, course, wrong=4)  # 20 points
    basis = stats.course_basis(course)
    figures = stats.figures_for_users(basis=basis, user_ids=[ahead.pk, examined.pk])
    assert figures[ahead.pk].credits == 4
    assert figures[examined.pk].credits == 2 + 20
    board = stats.course_leaderboard(basis=basis, user=ahead)
    assert [(row.rank, row.credits) for row in board.rows] == [(1, 22), (2, 4)]
    assert board.my_rank == 2
