"""Where a learner resumes, and which lesson 继续学习 opens: rules without a database."""

from __future__ import annotations

import pytest

from ipms.learning import progress, selectors
from ipms.learning.models import Enrollment, Lesson


@pytest.mark.parametrize(
    ("last_position", "duration", "expected"),
    [
        (0.0, 600, 0.0),
        (120.5, 600, 120.5),
        (596.9, 600, 596.9),  # more than 3 s before the end: resume there
        (597.0, 600, 0.0),  # watched to the end: start again
        (600.0, 600, 0.0),
        (42.0, 0, 42.0),  # no known length: the position stands
    ],
)
def test_resume_position(last_position, duration, expected):
    assert progress.resume_position(last_position=last_position, duration=duration) == expected


@pytest.mark.parametrize(
    ("share", "duration", "expected"),
    [(0.95, 600, 570), (0.95, 601, 571), (1.0, 61, 61), (0.95, 0, 0), (0.5, None, 0)],
)
def test_completion_seconds(settings, share, duration, expected):
    settings.LESSON_COMPLETION_SHARE = share
    assert progress.completion_seconds(duration) == expected


def rows(*pks: int) -> list[selectors.LessonRow]:
    return [
        selectors.LessonRow(lesson=Lesson(pk=pk, number=pk), credited_seconds=0, completed=False)
        for pk in pks
    ]


@pytest.mark.parametrize(
    ("listed", "last", "expected"),
    [
        ((1, 2, 3), 2, 2),  # the lesson opened last
        ((1, 2, 3), None, 1),  # never opened one: the first
        ((1, 3), 2, 1),  # the last one is unpublished since: the first
        ((), 2, None),  # no lessons
    ],
)
def test_next_lesson(listed, last, expected):
    found = selectors.next_lesson(rows(*listed), last_lesson_id=last)
    assert (found.pk if found else None) == expected


@pytest.mark.parametrize(
    ("listed", "last", "resuming"),
    [((1, 2), 2, True), ((1, 2), 1, True), ((1, 2), None, False), ((1,), 2, False)],
)
def test_resuming_only_when_the_next_lesson_is_the_last_opened(listed, last, resuming):
    enrollment = Enrollment(last_lesson_id=last) if last else None
    listed_rows = rows(*listed)
    mine = selectors.LearnerCourse(
        rows=listed_rows,
        enrollment=enrollment,
        next_lesson=selectors.next_lesson(listed_rows, last_lesson_id=last),
    )
    assert mine.resuming is resuming
    assert mine.last_lesson_id == last


def test_the_current_row():
    listed = rows(1, 2)
    assert selectors.lesson_row_of(listed, Lesson(pk=2)) is listed[1]
    assert selectors.lesson_row_of(listed, Lesson(pk=9)) is None
