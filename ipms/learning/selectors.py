"""Reads for the learning pages; each owns its joins so list pages stay at constant queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from ipms.content.models import Lecturer
from ipms.enterprises.selectors import MemberList, verified_member_rows
from ipms.learning import stats
from ipms.learning.access import MSG_NOT_A_LEARNER, learner_may_learn
from ipms.learning.models import Course, Courseware, Enrollment, Lesson, LessonProgress
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


# --- the lesson page (issue 4 point 2) -------------------------------------------------


def get_lesson_for_learner(*, user, course_pk: int, lesson_pk: int) -> Lesson:
    """A published lesson of a published course, for a user allowed to learn.

    PermissionDenied for anyone who may not learn (product-rules §1, ``learner_may_learn``);
    Http404 for a lesson that is missing, unpublished, or not in that course.
    """
    if not learner_may_learn(user):
        raise PermissionDenied(MSG_NOT_A_LEARNER)
    lesson = (
        Lesson.objects.published()
        .select_related("course")
        .filter(pk=lesson_pk, course_id=course_pk, course__is_published=True)
        .first()
    )
    if lesson is None:
        raise Http404("课时不存在或尚未发布。")
    return lesson


def get_courseware_for_learner(*, user, course_pk: int, lesson_pk: int, pk: int) -> Courseware:
    """A courseware file of a lesson the user may open (same rules as the lesson page)."""
    lesson = get_lesson_for_learner(user=user, course_pk=course_pk, lesson_pk=lesson_pk)
    courseware = Courseware.objects.filter(pk=pk, lesson=lesson).first()
    if courseware is None:
        raise Http404("课件不存在。")
    courseware.lesson = lesson
    return courseware


@dataclass(frozen=True)
class LessonRow:
    """One line of the lesson list beside the player."""

    lesson: Lesson
    credited_seconds: float
    completed: bool

    @property
    def percent(self) -> int:
        if self.completed:
            return 100
        duration = self.lesson.duration or 0
        if duration <= 0:
            return 0
        return min(99, int(self.credited_seconds * 100 / duration))

    @property
    def started(self) -> bool:
        return self.credited_seconds > 0


def lesson_rows(*, user, course: Course) -> list[LessonRow]:
    """The course's published lessons with the user's progress: two queries in all."""
    lessons = list(course_lessons(course=course))
    progress = {
        row["lesson_id"]: row
        for row in LessonProgress.objects.filter(user=user, course=course).values(
            "lesson_id", "credited_seconds", "completed_at"
        )
    }
    rows = []
    for lesson in lessons:
        mine = progress.get(lesson.pk)
        rows.append(
            LessonRow(
                lesson=lesson,
                credited_seconds=mine["credited_seconds"] if mine else 0.0,
                completed=bool(mine and mine["completed_at"]),
            )
        )
    return rows


def lesson_row_of(rows: list[LessonRow], lesson: Lesson) -> LessonRow | None:
    """The row of ``lesson`` among ``rows`` (None when it is not listed)."""
    return next((row for row in rows if row.lesson.pk == lesson.pk), None)


def next_lesson(rows: list[LessonRow], *, last_lesson_id: int | None) -> Lesson | None:
    """Where 继续学习 / 立即学习 leads: the lesson opened last while it is still listed
    (published, in this course), else the first lesson; None for a course without lessons."""
    last = next((row for row in rows if row.lesson.pk == last_lesson_id), None)
    if last is not None:
        return last.lesson
    return rows[0].lesson if rows else None


@dataclass(frozen=True)
class LearnerCourse:
    """A learner's side of a course page: the lessons with progress and where to go next."""

    rows: list[LessonRow]
    enrollment: Enrollment | None
    next_lesson: Lesson | None

    @property
    def last_lesson_id(self) -> int | None:
        return self.enrollment.last_lesson_id if self.enrollment else None

    @property
    def resuming(self) -> bool:
        """继续学习 (and “上次学习到”) rather than 立即学习: the next lesson is the one
        opened last."""
        return self.next_lesson is not None and self.next_lesson.pk == self.last_lesson_id


def learner_course(*, user, course: Course) -> LearnerCourse:
    """The course's lessons with the user's progress, the enrolment and the next lesson
    (three queries)."""
    rows = lesson_rows(user=user, course=course)
    enrollment = learner_enrollment(user=user, course=course)
    last = enrollment.last_lesson_id if enrollment else None
    return LearnerCourse(
        rows=rows, enrollment=enrollment, next_lesson=next_lesson(rows, last_lesson_id=last)
    )


def lesson_coursewares(*, lesson: Lesson) -> QuerySet[Courseware]:
    return Courseware.objects.filter(lesson=lesson).only("id", "title", "file", "lesson_id")


def learner_enrollment(*, user, course: Course) -> Enrollment | None:
    """The user's enrolment in the course (with the last lesson opened), if any."""
    if not learner_may_learn(user):
        return None
    return Enrollment.objects.select_related("last_lesson").filter(user=user, course=course).first()


# --- 在学课程 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MyCourse:
    """One card of 在学课程."""

    enrollment: Enrollment
    course: Course
    completed: int  # 已学习视频 x
    continue_lesson_id: int | None  # the last lesson opened, else the first one

    @property
    def lesson_count(self) -> int:
        return self.course.lesson_count


def my_courses(*, user) -> list[MyCourse]:
    """The learner's enrolled published courses, most recently studied first: two queries.

    “继续学习” goes to the lesson opened last, or to the first published lesson when that
    one has been unpublished since.
    """
    if not learner_may_learn(user):
        return []
    first_lesson = (
        Lesson.objects.published()
        .filter(course=OuterRef("course_id"))
        .order_by("number")
        .values("pk")[:1]
    )
    lesson_count = (
        Lesson.objects.published()
        .filter(course=OuterRef("course_id"))
        .order_by()
        .values("course_id")
        .annotate(total=Count("id"))
        .values("total")
    )
    enrollments = list(
        Enrollment.objects.filter(user=user, course__is_published=True)
        .select_related("course", "last_lesson")
        .annotate(
            lesson_count=Coalesce(Subquery(lesson_count), 0),
            first_lesson_id=Subquery(first_lesson),
        )
        .order_by("-last_opened_at", "-id")
    )
    completed = stats.completed_counts_for_user(
        user=user, course_ids=[enrollment.course_id for enrollment in enrollments]
    )
    cards = []
    for enrollment in enrollments:
        course = enrollment.course
        course.lesson_count = enrollment.lesson_count
        last = enrollment.last_lesson
        usable = last is not None and last.is_published and last.course_id == course.pk
        cards.append(
            MyCourse(
                enrollment=enrollment,
                course=course,
                completed=completed.get(course.pk, 0),
                continue_lesson_id=last.pk if usable else enrollment.first_lesson_id,
            )
        )
    return cards


# --- 学习管理 (enterprise admin) ------------------------------------------------------------

REPORT_SEARCH_MAX_LENGTH = 50


def report_courses() -> list[Course]:
    """The course selector of 学习管理: published courses in catalogue order (the first is
    the default), annotated for :func:`ipms.learning.stats.course_basis`."""
    return list(
        Course.objects.published()
        .annotate(
            lesson_count=Count("lessons", filter=_PUBLISHED_LESSONS),
            required_lesson_count=Count(
                "lessons", filter=_PUBLISHED_LESSONS & Q(lessons__kind=Lesson.Kind.REQUIRED)
            ),
        )
        .order_by("order", "id")
    )


def report_course(courses: list[Course], raw) -> Course | None:
    """The course ``?course=`` names among ``courses``; the first one for anything else
    (missing, not a number, unpublished, unknown). ``None`` when there is no course."""
    try:
        wanted = int(raw)
    except (TypeError, ValueError, OverflowError):
        wanted = None
    chosen = next((course for course in courses if course.pk == wanted), None)
    return chosen or (courses[0] if courses else None)


def report_list(*, enterprise, search: str = "") -> MemberList:
    """The 学习管理 page's rows, for ``core.pagination.paginate``: the enterprise's
    verified members (the admin first, read apart), with the learners paged on the index
    ``membership_list`` and the search of ``enterprises.selectors.member_search``."""
    return verified_member_rows(enterprise, search=search)


def report_export_members(*, enterprise, search: str = "") -> tuple[list, QuerySet]:
    """导出Excel's members, in the page's order without a CASE: the admin's row (fetched
    apart with its account, when it matches the search) and the learners' rows in the
    index order of ``membership_list`` (:func:`report_list`, the same search as the page)."""
    listing = report_list(enterprise=enterprise, search=search)
    return listing.lead, listing.keys


def report_export_for_admin(*, enterprise, pk: int):
    """One 导出Excel job of the admin's own enterprise; Http404 for any other (so another
    enterprise's export is not even known to exist)."""
    from ipms.learning.models import ReportExport

    export = (
        ReportExport.objects.select_related("course").filter(enterprise=enterprise, pk=pk).first()
    )
    if export is None:
        raise Http404("导出记录不存在。")
    return export
