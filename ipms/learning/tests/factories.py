"""Factories for courses, lessons and courseware; other apps' tests reuse them.

Files are tiny but real (an H.264 clip; a PDF from ipms.core.tests.factories) so the
upload validators accept them. The clip is generated once per test process and cached:
ffmpeg is the slow part of a test run.
"""

from __future__ import annotations

from functools import cache

import factory
from factory.django import DjangoModelFactory

from ipms.core.tests.factories import tiny_pdf
from ipms.learning.models import Course, Courseware, Lesson

TINY_VIDEO_SECONDS = 2


@cache
def tiny_mp4() -> bytes:
    """A real two-second 64×36 H.264 MP4 (generated once per process)."""
    from ipms.demo.media import make_video

    return make_video("测试", seconds=TINY_VIDEO_SECONDS, size=(64, 36), fps=5)


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = Course
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"测试课程{n}")
    summary = factory.LazyAttribute(lambda o: f"{o.title}的课程简介。")
    audience = "贯标单位全体员工"
    description = "课程介绍第一段。\n\n课程介绍第二段。"
    order = factory.Sequence(int)
    is_published = True

    class Params:
        with_cover = factory.Trait(
            cover=factory.django.ImageField(filename="cover.png", width=16, height=9)
        )

    @factory.post_generation
    def lecturers(self, create, extracted, **kwargs):
        if create and extracted:
            self.lecturers.set(extracted)


class LessonFactory(DjangoModelFactory):
    class Meta:
        model = Lesson

    course = factory.SubFactory(CourseFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"测试课时{n}")
    kind = Lesson.Kind.REQUIRED
    description = "本课时的简介。"
    outline = "要点一\n要点二"
    duration = 600
    is_published = True

    class Params:
        elective = factory.Trait(kind=Lesson.Kind.ELECTIVE)
        with_video = factory.Trait(
            video=factory.django.FileField(
                filename="lesson.mp4", data=factory.LazyFunction(tiny_mp4)
            ),
            duration=TINY_VIDEO_SECONDS,
            duration_detected=True,
        )


class CoursewareFactory(DjangoModelFactory):
    class Meta:
        model = Courseware

    lesson = factory.SubFactory(LessonFactory)
    title = factory.Sequence(lambda n: f"课件{n}")
    file = factory.django.FileField(filename="courseware.pdf", data=factory.LazyFunction(tiny_pdf))
    order = factory.Sequence(int)


def record_learning(user, lesson, *, seconds: float | None = None, day=None, at=None):
    """Store what the heartbeat engine would have left after ``seconds`` of ``lesson``
    (default: all of it) on ``day`` (default: today): enrolment, progress (completed at
    the completion share) and the day's seconds. Additive, like real study."""
    import datetime

    from django.utils import timezone

    from ipms.learning.models import Enrollment, LessonProgress, StudyDay
    from ipms.learning.progress import completion_share

    at = at or timezone.now()
    if day is None:
        day = timezone.localdate(at)
    if isinstance(day, datetime.datetime):  # pragma: no cover - guard against misuse
        raise TypeError("day must be a date")
    seconds = float(lesson.duration if seconds is None else seconds)
    Enrollment.objects.get_or_create(
        user=user,
        course=lesson.course,
        defaults={"enrolled_at": at, "last_opened_at": at, "last_lesson": lesson},
    )
    progress, _ = LessonProgress.objects.get_or_create(
        user=user,
        lesson=lesson,
        defaults={"course_id": lesson.course_id, "created_at": at, "updated_at": at},
    )
    before = progress.credited_seconds
    progress.credited_seconds = min(lesson.duration, before + seconds)
    gained = progress.credited_seconds - before
    progress.furthest_position = max(progress.furthest_position, progress.credited_seconds)
    progress.last_position = progress.credited_seconds
    if progress.completed_at is None and progress.credited_seconds >= (
        completion_share() * lesson.duration
    ):
        progress.completed_at = at
    progress.save()
    if gained > 0:
        study_day, _ = StudyDay.objects.get_or_create(
            user=user, course=lesson.course, day=day, defaults={"seconds": 0}
        )
        study_day.seconds += gained
        study_day.save(update_fields=["seconds"])
    # Records written past the heartbeat: bring the enrolment's stored figures up to date
    # the way any such writer must (ipms.learning.figures).
    from ipms.learning.figures import enrollment_figures_refresh

    enrollment_figures_refresh(user_id=user.pk, course_id=lesson.course_id)
    return progress
