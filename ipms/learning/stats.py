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

The figures are stored on each :class:`Enrollment` (completed lessons, study days,
seconds, 学分; :mod:`ipms.learning.figures` defines them over the records and recomputes
them, the heartbeat keeps them current), so reading them costs one row per learner,
whatever their history: a page of learners is one query. 学分 shown to a learner are the
course's current policy applied to the stored counts; 本课程排行榜 orders by the stored
学分 and reads the top 10 and the learner's rank as ranges of the ``enrollment_leaderboard``
index. :func:`ranked_learners` still derives every figure from the records (the
definition the stored ones are tested against).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, Q

from ipms.core.phone import mask_mobile
from ipms.learning import exam_results
from ipms.learning.figures import RecordModels, record_expressions
from ipms.learning.models import Course, Enrollment, Lesson, LessonProgress
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
    """One learner's figures in one course."""

    study_days: int
    credited_seconds: float
    completed_lessons: int
    lesson_count: int
    credits: int
    exam_score: int | None = None
    exam_done: bool = False
    has_proof: bool = False
    has_certificate: bool = False
    # The stored 学分 the leaderboard orders by (equal to ``credits`` unless the course's
    # rules changed a moment ago and the recompute has not finished).
    rank_credits: int = field(default=0, compare=False)

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
    stored_credits: int = 0,
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
        rank_credits=stored_credits,
    )


FIGURE_COLUMNS = ("completed_lessons", "study_days", "credited_seconds", "credits")


def figures_of_enrollment(
    *, basis: CourseBasis, user, enrollment: Enrollment | None
) -> CourseFigures:
    """The figures stored on an enrolment already read, with the exam result (one query
    when the exams app is installed); zeros for ``None``."""
    exam = exam_results.standings(course=basis.course, user_ids=[user.pk]).get(
        user.pk, exam_results.NO_STANDING
    )
    if enrollment is None:
        return _figures(basis, days=0, seconds=0.0, completed=0, exam=exam)
    return _figures(
        basis,
        days=enrollment.study_days,
        seconds=enrollment.credited_seconds,
        completed=enrollment.completed_lessons,
        stored_credits=enrollment.credits,
        exam=exam,
    )


def figures_for_users(*, basis: CourseBasis, user_ids: Iterable[int]) -> dict[int, CourseFigures]:
    """Figures of many learners in one course: two queries (their enrolments' stored
    figures, their exam results), whatever their number and history.

    Every id asked for gets an entry (zeros for a learner who has not started the
    course). Callers with thousands of learners pass them in chunks (see ``exports``).
    """
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return {}
    stored = {
        row[0]: row[1:]
        for row in Enrollment.objects.filter(course=basis.course, user_id__in_array=ids)
        .order_by()
        .values_list("user_id", *FIGURE_COLUMNS)
    }
    exams = exam_results.standings(course=basis.course, user_ids=ids)
    figures = {}
    for user_id in ids:
        completed, days, seconds, credits = stored.get(user_id) or (0, 0, 0.0, 0)
        figures[user_id] = _figures(
            basis,
            days=days,
            seconds=seconds,
            completed=completed,
            stored_credits=credits,
            exam=exams.get(user_id, exam_results.NO_STANDING),
        )
    return figures


def figures_for_user(*, basis: CourseBasis, user) -> CourseFigures:
    """One learner's figures (the same code as a page of learners: two queries)."""
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


@dataclass(frozen=True)
class RecordFigures:
    """One learner's figures derived from the records (:func:`ranked_learners`)."""

    user_id: int
    completed: int
    days: int
    seconds: float
    credits: int


def ranked_learners(basis: CourseBasis) -> Iterator[RecordFigures]:
    """Every learner of the course (its enrolments, active accounts) with their figures
    derived from the records, not read from the stored figures: the definition
    (``figures.record_expressions``, 学分 by ``CreditPolicy.credits_sql``) the stored ones
    are held to. It aggregates every learner's rows: for tests and checks, not pages.
    """
    expressions = record_expressions(
        models=RecordModels.current(), course=basis.course, policy=basis.policy
    )
    rows = (
        Enrollment.objects.filter(course=basis.course, user__is_active=True)
        .annotate(
            record_completed=expressions["completed_lessons"],
            record_days=expressions["study_days"],
            record_seconds=expressions["credited_seconds"],
            record_credits=expressions["credits"],
        )
        .values_list(
            "user_id", "record_completed", "record_days", "record_seconds", "record_credits"
        )
    )
    for row in rows.iterator(chunk_size=2000):
        yield RecordFigures(*row)


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    name: str  # masked
    credits: int
    is_me: bool


# The leaderboard's rows: active learners with credits, in the order of the index
# ``enrollment_leaderboard`` (whose condition these terms repeat, so the planner uses it).
RANKED = Q(credits__gt=0, learner_active=True)
LEADERBOARD_ORDER = ("-credits", "-credited_seconds", "enrolled_at", "pk")


@dataclass(frozen=True)
class Leaderboard:
    rows: list[LeaderboardRow]
    my_rank: int | None  # None: the user has not started the course
    course: Course

    @cached_property
    def learner_count(self) -> int:
        """Active learners of the course (one query when asked; the page does not)."""
        return Enrollment.objects.filter(course=self.course, learner_active=True).count()


def _shared_ranks(credits: list[int]) -> list[int]:
    """Ranks of a list sorted by credits, highest first, ties sharing one (1, 2, 2, 4): a
    row's rank is one more than the rows with more credits, all of which come before it."""
    ranks: list[int] = []
    for index, value in enumerate(credits):
        ranks.append(ranks[-1] if index and credits[index - 1] == value else index + 1)
    return ranks


def course_leaderboard(
    *, basis: CourseBasis, user=None, my_credits: int | None = None, enrolled: bool | None = None
):
    """本课程排行榜: the top learners by credits and the user's rank among all learners.

    Ties share a rank (1, 2, 2, 4): “您在第N名” is one more than the number of learners
    with more credits; among equal credits the list shows more study time first, then the
    earlier enrolment. Learners without credits are not listed (they still count for the
    rank). Both read the stored figures along ``enrollment_leaderboard``: the first ten
    entries of the course's range, and the count of the entries above the user's credits.
    Two queries; one when the caller passes ``my_credits`` (the user's stored 学分, i.e.
    ``CourseFigures.rank_credits``) and ``enrolled``.
    """
    course = basis.course
    top = list(
        Enrollment.objects.filter(RANKED, course=course)
        .select_related("user")
        .only("credits", "user_id", "user__name", "user__phone")
        .order_by(*LEADERBOARD_ORDER)[:LEADERBOARD_SIZE]
    )
    user_id = getattr(user, "pk", None)
    ranks = _shared_ranks([row.credits for row in top])
    rows = [
        LeaderboardRow(
            rank=rank,
            name=mask_learner(name=row.user.name, phone=row.user.phone),
            credits=row.credits,
            is_me=row.user_id == user_id,
        )
        for rank, row in zip(ranks, top, strict=True)
    ]
    my_rank = None
    if user_id is not None:
        if my_credits is None or enrolled is None:
            mine = (
                Enrollment.objects.filter(course=course, user_id=user_id)
                .values_list("credits", flat=True)
                .first()
            )
            enrolled, my_credits = mine is not None, mine or 0
        if enrolled:
            above = Enrollment.objects.filter(RANKED, course=course, credits__gt=my_credits)
            my_rank = 1 + above.count()
    return Leaderboard(rows=rows, my_rank=my_rank, course=course)
