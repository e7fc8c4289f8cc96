"""Reads for the learning pages; each owns its joins so list pages stay at constant queries."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from ipms.content.models import Lecturer
from ipms.learning.models import Course, Lesson
from ipms.learning.policy import CreditPolicy

_PUBLISHED_LESSONS = Q(lessons__is_published=True)


def _lecturers_prefetch() -> Prefetch:
    return Prefetch(
        "lecturers",
        queryset=Lecturer.objects.published().order_by("order", "id"),
        to_attr="published_lecturers",
    )


def published_courses() -> QuerySet[Course]:
    """Published courses in catalogue order.

    Each course carries ``lesson_count`` and ``required_lesson_count`` (published lessons)
    and ``published_lecturers`` (a list), so a page of cards costs two queries in all.
    """
    return (
        Course.objects.published()
        .annotate(
            lesson_count=Count("lessons", filter=_PUBLISHED_LESSONS),
            required_lesson_count=Count(
                "lessons", filter=_PUBLISHED_LESSONS & Q(lessons__kind=Lesson.Kind.REQUIRED)
            ),
        )
        .prefetch_related(_lecturers_prefetch())
        .order_by("order", "id")
    )


def course_detail(*, pk: int) -> Course:
    """A published course with the annotations of :func:`published_courses`.

    Raises ``Course.DoesNotExist`` for a missing or unpublished course.
    """
    return published_courses().get(pk=pk)


def course_lessons(*, course: Course) -> QuerySet[Lesson]:
    """The course's published lessons in catalogue order (课时1, 课时2 …)."""
    return (
        Lesson.objects.published()
        .filter(course=course)
        .only("id", "course_id", "number", "title", "kind", "duration")
        .order_by("number")
    )


def course_credit_policy(*, course: Course) -> CreditPolicy:
    """The policy of a course fetched by a selector of this module (annotated)."""
    required = getattr(course, "required_lesson_count", None)
    if required is None:
        required = course.lessons.published().filter(kind=Lesson.Kind.REQUIRED).count()
    return CreditPolicy.for_course(course, required_lesson_count=required)
