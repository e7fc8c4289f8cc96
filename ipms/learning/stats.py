"""Derived learning figures (product-rules §4 学习管理, §5), computed in this one module.

Per learner and course:

* 累计学习天数 — the learner's :class:`StudyDay` rows of the course with credited time;
* 累计学习时长 — the sum of the credited seconds of their lesson progress rows (the
  heartbeat writes the day rows' seconds in the same statement, so the two sums agree);
* 已学课程数 x/y — completed *published* lessons / published lessons (the manual calls
  lessons 课程 here: “已学课程数 (x/15)”);
* 学分 — the course's :class:`~ipms.learning.policy.CreditPolicy` applied to the above;
* 考试得分, 是否完成考试 — the best graded attempt and whether there is one, from the exams
  app through :mod:`ipms.learning.exam_results` (one query per page of learners);
* 获得学习证明, 获得证书 — owned by the credentials issue; until then 否.

Nothing is stored: every figure is read from the learning records when asked, so none
can disagree with the records or with another page. A page of learners costs one query
per figure family (progress rows, study days), never one per learner; the leaderboard
ranks all learners of a course in one query, using the policy's SQL form of the same rule
(``CreditPolicy.credits_sql``; a test holds both forms equal).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, Rank

from ipms.core.phone import mask_mobile
from ipms.learning import exam_results
from ipms.learning.models import Course, Enrollment, Lesson, LessonProgress, StudyDay
from ipms.learning.policy import CreditPolicy

# A progress row that counts for 已学课程数: completed, in a lesson still published.
COMPLETED_PUBLISHED = Q(completed_at__isnull=False, lesson__is_published=True)
# A day row that counts for 累计学习天数.
CREDITED_DAY = Q(seconds__gt=0)

LEADERBOARD_SIZE = 10
NO_SCORE = "—"


def study_time_text(seconds: float | None) -> str:
    """累计学习时长 wherever it is shown (pages, Excel export): “1小时5分钟”, “15分钟”, and
    whole seconds below a minute (“40秒”), so that early learning never reads as nothing."""
    total = int(seconds or 0)
    if total < 60:
        return f"{max(total, 0)}秒"
    hours, minutes = divmod(total // 60, 60)
    return f"{hours}小时{minutes}分钟" if hours else f"{minutes}分钟"


def mask_learner(*, name: str, phone: str) -> str:
    """A leaderboard name: “张**” for 张总监, else the masked phone “136****2925”."""
    name = (name or "").strip()
    if name:
        return name[0] + "*" * max(1, len(name) - 1)
    return mask_mobile(phone or "")


# --- a course's basis: its policy and lesson count ---------------------------------------


@dataclass(frozen=True)
class CourseBasis:
    """What every figure of a course needs besides the learner's rows."""

    course: Course
    policy: CreditPolicy
    lesson_count: int  # published lessons: the y of 已学课程数 x/y


def course_basis(course: Course) -> CourseBasis:
    """The course's policy and published lesson count.

    Free for a course fetched by ``selectors.published_courses()`` (annotated); one
    query otherwise.
    """
    lesson_count = getattr(course, "lesson_count", None)
    required = getattr(course, "required_lesson_count", None)
    if lesson_count is None or required is None:
        counts = (
            Lesson.objects.published()
            .filter(course=course)
            .aggregate(total=Count("id"), required=Count("id", filter=Q(kind=Lesson.Kind.REQUIRED)))
        )
        lesson_count, required = counts["total"], counts["required"]
    policy = CreditPolicy.for_course(course, required_lesson_count=required)
    return CourseBasis(course=course, policy=policy, lesson_count=lesson_count)


# --- one learner's figures ---------------------------------------------------------------


@dataclass(frozen=True)
class CourseFigures:
    """One learner's figures in one course (nothing here is stored)."""

    study_days: int
    credited_seconds: float
    completed_lessons: int
    lesson_count: int
    credits: int
    exam_score: int | None = None
    exam_done: bool = False
    has_proof: bool = False
    has_certificate: bool = False

    @property
    def study_time(self) -> str:
        return study_time_text(self.credited_seconds)

    @property
    def completed_text(self) -> str:
        """已学课程数: “9/15”."""
        return f"{self.completed_lessons}/{self.lesson_count}"

    @property
    def exam_score_text(self) -> str:
        return NO_SCORE if self.exam_score is None else str(self.exam_score)

    @property
    def exam_done_text(self) -> str:
        """是否完成考试: 已完成 (as in the manual) or 未完成."""
        return "已完成" if self.exam_done else "未完成"


def _figures(
    basis: CourseBasis,
    *,
    days: int,
    seconds: float,
    completed: int,
    exam: exam_results.ExamStanding = exam_results.NO_STANDING,
) -> CourseFigures:
    exam_score = exam.score
    return CourseFigures(
        study_days=days,
        credited_seconds=float(seconds or 0),
        completed_lessons=completed,
        lesson_count=basis.lesson_count,
        credits=basis.policy.credits(
            completed_lessons=completed, study_days=days, exam_score=exam_score
        ),
        exam_score=exam_score,
        exam_done=exam.done,
    )


def figures_for_users(*, basis: CourseBasis, user_ids: Iterable[int]) -> dict[int, CourseFigures]:
    """Figures of many learners in one course: three queries, whatever their number.

    Every id asked for gets an entry (zeros for a learner without records). Callers with
    thousands of learners pass them in chunks (see ``exports``).
    """
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return {}
    course = basis.course
    progress = {
        row["user_id"]: row
        for row in LessonProgress.objects.filter(course=course, user_id__in=ids)
        .order_by()
        .values("user_id")
        .annotate(
            seconds=Sum("credited_seconds"),
            completed=Count("id", filter=COMPLETED_PUBLISHED),
        )
    }
    days = dict(
        StudyDay.objects.filter(CREDITED_DAY, course=course, user_id__in=ids)
        .order_by()
        .values("user_id")
        .annotate(days=Count("id"))
        .values_list("user_id", "days")
    )
    exams = exam_results.standings(course=course, user_ids=ids)
    figures = {}
    for user_id in ids:
        mine = progress.get(user_id) or {}
        figures[user_id] = _figures(
            basis,
            days=days.get(user_id, 0),
            seconds=mine.get("seconds") or 0.0,
            completed=mine.get("completed") or 0,
            exam=exams.get(user_id, exam_results.NO_STANDING),
        )
    return figures


def figures_for_user(*, basis: CourseBasis, user) -> CourseFigures:
    """One learner's figures (the same code as a page of learners: three queries)."""
    return figures_for_users(basis=basis, user_ids=[user.pk])[user.pk]


def completed_counts_for_user(*, user, course_ids: Iterable[int]) -> dict[int, int]:
    """已学习视频 x for each of the learner's courses (在学课程): one query."""
    return dict(
        LessonProgress.objects.filter(COMPLETED_PUBLISHED, user=user, course_id__in=course_ids)
        .order_by()
        .values("course_id")
        .annotate(completed=Count("id"))
        .values_list("course_id", "completed")
    )


# --- 本课程排行榜 --------------------------------------------------------------------------


def _count_of(queryset: QuerySet, aggregate) -> Subquery:
    """A correlated subquery yielding one number per learner (NULL when no rows)."""
    return Subquery(
        queryset.order_by().values("user_id").annotate(value=aggregate).values("value")[:1],
    )


def ranked_learners(basis: CourseBasis) -> QuerySet[Enrollment]:
    """Every learner of the course (its enrolments, active accounts) with ``credits``.

    ``completed``, ``days`` and ``seconds`` come from correlated subqueries over the
    (course, user)-indexed record tables, and ``credits`` from the course's policy in SQL,
    so ranking all learners is one query.
    """
    course = basis.course
    progress = LessonProgress.objects.filter(course=course, user_id=OuterRef("user_id"))
    day_rows = StudyDay.objects.filter(CREDITED_DAY, course=course, user_id=OuterRef("user_id"))
    completed = Coalesce(
        _count_of(progress.filter(COMPLETED_PUBLISHED), Count("id")),
        0,
        output_field=IntegerField(),
    )
    days = Coalesce(_count_of(day_rows, Count("id")), 0, output_field=IntegerField())
    return (
        Enrollment.objects.filter(course=course, user__is_active=True)
        .annotate(
            completed=completed,
            days=days,
            seconds=Coalesce(_count_of(progress, Sum("credited_seconds")), 0.0),
        )
        .annotate(
            credits=basis.policy.credits_sql(
                completed_lessons=F("completed"),
                study_days=F("days"),
                exam_score=exam_results.best_score_sql(course=course, user_ref=OuterRef("user_id")),
            )
        )
    )


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    name: str  # masked
    credits: int
    is_me: bool


@dataclass(frozen=True)
class Leaderboard:
    rows: list[LeaderboardRow]
    my_rank: int | None  # None: the user has not started the course
    learner_count: int


def course_leaderboard(*, basis: CourseBasis, user=None, my_credits: int | None = None):
    """本课程排行榜: the top learners by credits and the user's rank among all learners.

    Ties share a rank (1, 2, 2, 4): “您在第N名” is one more than the number of learners
    with more credits. Three queries: the top list, the learner count, the user's rank.
    Learners without credits are not listed (they still count for the rank).
    """
    ranked = ranked_learners(basis)
    top = (
        ranked.filter(credits__gt=0)
        .annotate(rank=Window(Rank(), order_by=F("credits").desc()))
        .select_related("user")
        .only("user__name", "user__phone", "user_id", "course_id")
        .order_by("-credits", "-seconds", "enrolled_at", "pk")[:LEADERBOARD_SIZE]
    )
    user_id = getattr(user, "pk", None)
    rows = [
        LeaderboardRow(
            rank=row.rank,
            name=mask_learner(name=row.user.name, phone=row.user.phone),
            credits=row.credits,
            is_me=row.user_id == user_id,
        )
        for row in top
    ]
    counts = Enrollment.objects.filter(course=basis.course, user__is_active=True).aggregate(
        total=Count("id"), mine=Count("id", filter=Q(user_id=user_id))
    )
    my_rank = None
    if user_id is not None and counts["mine"]:
        if my_credits is None:
            my_credits = figures_for_user(basis=basis, user=user).credits
        my_rank = 1 + ranked.filter(credits__gt=my_credits).count()
    return Leaderboard(rows=rows, my_rank=my_rank, learner_count=counts["total"])
