"""The exams app's hooks into learning (connected in ``ExamsConfig.ready()``)."""

from __future__ import annotations

from ipms.exams import selectors
from ipms.learning import exam_results


class ExamResults:
    """learning's figures read exam results through this (ipms.learning.exam_results)."""

    def standings(self, *, course, user_ids):
        return selectors.standings(course=course, user_ids=user_ids)

    def best_score_sql(self, *, course, user_ref):
        return selectors.best_score_subquery(course=course, user_ref=user_ref)


def connect() -> None:
    exam_results.source_register(ExamResults())
