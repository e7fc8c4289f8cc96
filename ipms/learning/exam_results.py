"""Exam results as learning sees them: a registry the exams app fills (docs/architecture.md).

learning sits below exams and may not import it, yet its figures (考试得分, 是否完成考试,
学分 when the course lets the score count, 本课程排行榜) need the exam results. The exams
app registers one source in its ``AppConfig.ready()``::

    exam_results.source_register(ExamResultSource())

Without a source (exams not installed) every learner has no score and has not taken the
exam, which is what the pages showed before exams existed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.db.models import Expression


@dataclass(frozen=True)
class ExamStanding:
    """One learner's exam result in one course."""

    score: int | None = None  # the best graded attempt; None before the first
    done: bool = False  # 是否完成考试: at least one graded attempt


NO_STANDING = ExamStanding()


class ExamResultSource(Protocol):
    def standings(self, *, course, user_ids: list[int]) -> dict[int, ExamStanding]:
        """Results of many learners in one query; learners without any may be left out."""

    def best_score_sql(self, *, course, user_ref: Expression) -> Expression | None:
        """The best score of the learner ``user_ref`` points at, as a subquery (or None)."""


_source: ExamResultSource | None = None


def source_register(source: ExamResultSource | None) -> None:
    """Install the source (the exams app, once at start-up; tests may swap it)."""
    global _source
    _source = source


def standings(*, course, user_ids: Iterable[int]) -> dict[int, ExamStanding]:
    ids = list(user_ids)
    if _source is None or not ids:
        return {}
    return _source.standings(course=course, user_ids=ids)


def best_score_sql(*, course, user_ref: Expression) -> Expression | None:
    if _source is None:
        return None
    return _source.best_score_sql(course=course, user_ref=user_ref)
