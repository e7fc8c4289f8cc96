"""Starting and submitting attempts: the rules, the grading, the one-attempt guarantee."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from ipms.accounts.tests.factories import UserFactory
from ipms.core.models import AuditLog, StateTransition
from ipms.exams import messages, selectors, services
from ipms.exams.models import Answer, Attempt
from ipms.exams.tests.factories import answers_for, enroll, make_paper, take_exam
from ipms.learning.tests.factories import CourseFactory, LessonFactory, record_learning

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    return make_paper()


@pytest.fixture
def user(paper):
    user = UserFactory()
    enroll(user, paper.course)
    return user


def start(user, paper, **kwargs):
    return services.attempt_start(user=user, course=paper.course, **kwargs)


def refusal(user, paper):
    with pytest.raises(services.ExamRefused) as caught:
        start(user, paper)
    return caught.value


def test_submit_grades_on_the_server_and_freezes_what_was_shown(user, paper):
    attempt = start(user, paper).attempt
    outcome = services.attempt_submit(
        user=user, attempt_id=attempt.pk, answers=answers_for(paper, wrong=2)
    )
    assert outcome.status == "graded"
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.SUBMITTED and attempt.score == 60
    answers = list(attempt.answers.order_by("position"))
    assert [a.points for a in answers] == [0, 0, 20, 20, 20]
    first = answers[0].snapshot
    assert first["correct_letters"] == "A" and first["chosen_letters"] == "B"
    # The result stays after the operator edits the question.
    paper.questions.update(text="改过的题目")
    assert Answer.objects.get(pk=answers[0].pk).snapshot["text"] != "改过的题目"
    # The state change went through the workflow: history row and audit row.
    assert StateTransition.objects.filter(
        object_type="exams.attempt", object_id=str(attempt.pk), to_state="submitted"
    ).exists()
    assert AuditLog.objects.filter(action="exam.attempt_state", object_id=str(attempt.pk)).exists()
    assert AuditLog.objects.filter(action="exam.attempt_started").count() == 1


def test_a_second_submit_records_nothing_and_says_so(user, paper):
    attempt = start(user, paper).attempt
    services.attempt_submit(user=user, attempt_id=attempt.pk, answers=answers_for(paper))
    again = services.attempt_submit(
        user=user, attempt_id=attempt.pk, answers=answers_for(paper, wrong=5)
    )
    assert again.status == "duplicate"
    assert again.message == messages.MSG_ALREADY_SUBMITTED
    assert again.attempt.score == 100
    assert Attempt.objects.count() == 1 and Answer.objects.count() == 5


def test_a_second_tab_reopens_the_attempt_in_progress(user, paper):
    first = start(user, paper)
    second = start(user, paper)
    assert not first.resumed and second.resumed
    assert first.attempt.pk == second.attempt.pk
    assert Attempt.objects.count() == 1


def test_a_submit_after_the_time_limit_expires_the_attempt(user, paper):
    paper.time_limit_minutes = 10
    paper.save()
    begin = timezone.now()
    attempt = start(user, paper, now=begin).attempt
    assert attempt.deadline == begin + datetime.timedelta(minutes=10)
    within_grace = begin + datetime.timedelta(minutes=10, seconds=20)
    late = begin + datetime.timedelta(minutes=11)
    outcome = services.attempt_submit(
        user=user, attempt_id=attempt.pk, answers=answers_for(paper), now=late
    )
    assert outcome.status == "expired" and outcome.message == messages.MSG_EXPIRED
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.EXPIRED and attempt.score is None
    assert not Answer.objects.exists()
    assert selectors.best_score(user=user, course=paper.course) is None
    # The next one starts fresh and the grace period lets a last-second submit through.
    retake = start(user, paper, now=late).attempt
    assert retake.number == 2
    graded = services.attempt_submit(
        user=user,
        attempt_id=retake.pk,
        answers=answers_for(paper),
        now=late + (within_grace - begin),
    )
    assert graded.status == "graded"


def test_an_overdue_attempt_is_expired_when_the_learner_comes_back(user, paper):
    paper.time_limit_minutes = 5
    paper.save()
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=1)):
        old = start(user, paper).attempt
    outcome = start(user, paper)
    assert not outcome.resumed and outcome.attempt.number == 2
    old.refresh_from_db()
    assert old.state == Attempt.State.EXPIRED


def test_attempts_are_limited(user, paper):
    paper.max_attempts = 2
    paper.save()
    take_exam(user, paper.course, wrong=3)
    take_exam(user, paper.course, wrong=1)
    assert refusal(user, paper).code == "no_attempts_left"
    assert selectors.best_score(user=user, course=paper.course) == 80


def test_best_attempt_counts(user, paper):
    take_exam(user, paper.course, wrong=1)
    take_exam(user, paper.course, wrong=4)
    assert selectors.best_score(user=user, course=paper.course) == 80
    assert selectors.exam_done(user=user, course=paper.course)


def test_only_enrolled_learners_may_start(paper):
    stranger = UserFactory()
    assert refusal(stranger, paper).code == "not_enrolled"
    staff = UserFactory(is_staff=True)
    enroll(staff, paper.course)
    assert refusal(staff, paper).code == "not_a_learner"


def test_no_exam_for_an_unpublished_or_broken_paper(user, paper):
    paper.is_published = False
    paper.save()
    assert refusal(user, paper).code == "no_exam"
    paper.is_published = True
    paper.save()
    paper.questions.first().delete()  # 80 points left
    assert refusal(user, paper).code == "no_exam"


def test_required_lessons_first_unless_the_course_says_otherwise():
    course = CourseFactory()
    required = LessonFactory(course=course)
    LessonFactory(course=course, elective=True)
    paper = make_paper(course, open_before_lessons_done=False)
    user = UserFactory()
    enroll(user, course)
    error = refusal(user, paper)
    assert error.code == "lessons_left"
    assert error.message == messages.MSG_LESSONS_LEFT.format(count=1)
    record_learning(user, required)
    assert start(user, paper).attempt.number == 1  # the elective one is not needed


def test_someone_elses_attempt_cannot_be_submitted(user, paper):
    attempt = start(user, paper).attempt
    other = UserFactory()
    with pytest.raises(services.ExamRefused) as caught:
        services.attempt_submit(user=other, attempt_id=attempt.pk, answers=answers_for(paper))
    assert caught.value.code == "not_found"
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.STARTED
