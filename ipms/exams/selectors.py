"""Reads of exam results and papers, scoped to who asks.

For other apps (credentials builds on these; none of them loops over learners):

* ``best_score(*, user, course) -> int | None`` — the learner's best graded score in the
  course's exam (0-100), None when they have no graded attempt (never taken, or only
  attempts that ran out of time). One query.
* ``best_scores(*, course, user_ids) -> dict[int, int]`` — the same for many learners of
  one course in one query; learners without a graded attempt are absent from the dict.
* ``exam_done(*, user, course) -> bool`` — 是否完成考试: at least one graded attempt.
* ``standings(*, course, user_ids) -> dict[int, ExamStanding]`` — score and done flag for
  many learners, one query (what learning's figures use through
  ``ipms.learning.exam_results``).
* ``best_score_subquery(*, course, user_ref) -> Subquery`` — the best score as a
  correlated subquery for annotating a queryset of rows with a user id
  (``user_ref=OuterRef("user_id")``), NULL when none.

"The best attempt counts" (product-rules §6): the score is the maximum over the
learner's *submitted* attempts; an expired attempt (time limit passed) has no score.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, IntegerField, Max, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from ipms.exams.messages import MSG_ATTEMPT_NOT_FOUND
from ipms.exams.models import Answer, Attempt, ExamPaper, Option, Question
from ipms.learning.exam_results import ExamStanding
from ipms.learning.models import Lesson, LessonProgress

GRADED = Q(state=Attempt.State.SUBMITTED)


def _attempts_of(course) -> Q:
    return Q(paper__course_id=getattr(course, "pk", course))


def best_scores(*, course, user_ids: Iterable[int]) -> dict[int, int]:
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return {}
    return dict(
        Attempt.objects.filter(_attempts_of(course), GRADED, user_id__in_array=ids)
        .order_by()
        .values("user_id")
        .annotate(best=Max("score"))
        .values_list("user_id", "best")
    )


def best_score(*, user, course) -> int | None:
    return best_scores(course=course, user_ids=[user.pk]).get(user.pk)


def exam_done(*, user, course) -> bool:
    return Attempt.objects.filter(_attempts_of(course), GRADED, user=user).exists()


def standings(*, course, user_ids: Iterable[int]) -> dict[int, ExamStanding]:
    return {
        user_id: ExamStanding(score=best, done=True)
        for user_id, best in best_scores(course=course, user_ids=user_ids).items()
    }


def best_score_subquery(*, course, user_ref) -> Subquery:
    return Subquery(
        Attempt.objects.filter(_attempts_of(course), GRADED, user_id=user_ref)
        .order_by()
        .values("user_id")
        .annotate(best=Max("score"))
        .values("best")[:1],
        output_field=IntegerField(),
    )


# --- papers ------------------------------------------------------------------------------


def paper_for_course(course) -> ExamPaper | None:
    """The course's paper with its per-type counts and subtotals (one query)."""
    return (
        ExamPaper.objects.filter(course_id=course.pk)
        .annotate(
            single_count=Count("questions", filter=Q(questions__kind=Question.Kind.SINGLE)),
            single_points=_sum_points(Question.Kind.SINGLE),
            multiple_count=Count("questions", filter=Q(questions__kind=Question.Kind.MULTIPLE)),
            multiple_points=_sum_points(Question.Kind.MULTIPLE),
        )
        .first()
    )


def _sum_points(kind):
    return Coalesce(Sum("questions__points", filter=Q(questions__kind=kind)), 0)


def paper_questions(paper: ExamPaper) -> list[Question]:
    """The questions in order, each with its options in their stored order (two queries)."""
    return list(
        Question.objects.filter(paper=paper).prefetch_related(
            Prefetch("options", queryset=Option.objects.order_by("order", "id"))
        )
    )


def required_lessons_left(*, user, course) -> int:
    """Published 必修 lessons the learner has not completed (one query)."""
    return (
        Lesson.objects.published()
        .filter(course=course, kind=Lesson.Kind.REQUIRED)
        .exclude(
            pk__in=LessonProgress.objects.filter(
                user=user, course=course, completed_at__isnull=False
            ).values("lesson_id")
        )
        .count()
    )


# --- attempts (always the asking learner's own) -------------------------------------------


def attempts_of(*, user, paper: ExamPaper) -> list[Attempt]:
    """The learner's attempts at the paper, newest first."""
    return list(Attempt.objects.filter(user=user, paper=paper).order_by("-number"))


def attempt_for_user(*, user, pk: int) -> Attempt:
    """The learner's own attempt; anyone else's id is “not found” (no hint it exists)."""
    attempt = (
        Attempt.objects.filter(pk=pk, user_id=getattr(user, "pk", None))
        .select_related("paper__course")
        .first()
    )
    if attempt is None:
        raise Http404(MSG_ATTEMPT_NOT_FOUND)
    return attempt


def attempt_answers(attempt: Attempt) -> list[Answer]:
    return list(attempt.answers.order_by("position"))
