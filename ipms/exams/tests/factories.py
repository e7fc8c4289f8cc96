"""Factories for papers and questions; other apps' tests (credentials) reuse them.

``make_paper(course)`` builds a valid published paper: by default four 单选题 of 20 points
and one 多选题 of 20 points (总分 100), options A-D with the right ones named by letter.
``pass_exam(user, course, score=...)`` stores a graded attempt of exactly that score through
the real services (on a paper whose points can add up to any score from 0 to 100).
"""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ipms.exams.models import ExamPaper, Option, Question
from ipms.learning.tests.factories import CourseFactory

DEFAULT_LAYOUT = (("single", 20, "A"),) * 4 + (("multiple", 20, "AC"),)


class ExamPaperFactory(DjangoModelFactory):
    class Meta:
        model = ExamPaper

    course = factory.SubFactory(CourseFactory)
    is_published = True
    open_before_lessons_done = True
    max_attempts = 3


def add_question(paper, *, kind="single", points=20, right="A", options=4, text=None, order=0):
    question = Question.objects.create(
        paper=paper,
        kind=kind,
        points=points,
        text=text or f"第{order}题的题目（ ）",
        order=order,
    )
    Option.objects.bulk_create(
        Option(question=question, text=f"选项{letter}", is_correct=letter in right, order=i)
        for i, letter in enumerate("ABCDEFGH"[:options])
    )
    return question


def make_paper(course=None, *, layout=DEFAULT_LAYOUT, **fields) -> ExamPaper:
    paper = ExamPaperFactory(**({"course": course} if course else {}), **fields)
    for order, (kind, points, right) in enumerate(layout, start=1):
        add_question(paper, kind=kind, points=points, right=right, order=order)
    return paper


def enroll(user, course):
    from ipms.learning.models import Enrollment

    now = timezone.now()
    Enrollment.objects.get_or_create(
        user=user, course=course, defaults={"enrolled_at": now, "last_opened_at": now}
    )


def answers_for(paper, *, wrong: int = 0) -> dict[int, list[int]]:
    """Right answers to every question, except the first ``wrong`` ones (answered B)."""
    answers = {}
    for index, question in enumerate(paper.questions.order_by("order", "id")):
        options = list(question.options.order_by("order", "id"))
        if index < wrong:
            answers[question.pk] = [options[1].pk]
        else:
            answers[question.pk] = [o.pk for o in options if o.is_correct]
    return answers


def take_exam(user, course, *, wrong: int = 0):
    """Start and submit an attempt with ``wrong`` questions answered wrongly."""
    from ipms.exams import services

    enroll(user, course)
    attempt = services.attempt_start(user=user, course=course).attempt
    outcome = services.attempt_submit(
        user=user, attempt_id=attempt.pk, answers=answers_for(attempt.paper, wrong=wrong)
    )
    return outcome.attempt


# Points that add up to any whole score from 0 to 100 (taken largest first).
SCORING_LAYOUT = tuple(("single", points, "A") for points in (40, 20, 10, 10, 5, 5, 5, 2, 1, 1, 1))


def pass_exam(user, course, *, score: int):
    """A graded attempt scoring ``score``, through attempt_start and attempt_submit.

    The course's paper is made with SCORING_LAYOUT when it has none.
    """
    from ipms.exams import services

    if not ExamPaper.objects.filter(course=course).exists():
        make_paper(course, layout=SCORING_LAYOUT)
    enroll(user, course)
    attempt = services.attempt_start(user=user, course=course).attempt
    remaining, answers = score, {}
    for question in attempt.paper.questions.order_by("-points", "order", "id"):
        options = list(question.options.order_by("order", "id"))
        if question.points <= remaining:
            answers[question.pk] = [o.pk for o in options if o.is_correct]
            remaining -= question.points
        else:
            answers[question.pk] = [o.pk for o in options if not o.is_correct][:1]
    if remaining:
        raise ValueError(f"the course's paper cannot add up to {score}")
    outcome = services.attempt_submit(user=user, attempt_id=attempt.pk, answers=answers)
    if outcome.attempt.score != score:
        raise ValueError(f"graded {outcome.attempt.score}, not {score}")
    return outcome.attempt
