"""The credit policy of a course (product-rules §5), interpreted in this one place.

学分 = completed lessons × credits per lesson
     + study days × credits per study day
     + the best exam score, when the course lets it count.

Learning-proof conditions: 学分 >= X 且 考试得分 >= Y. X defaults to the credits of all
必修 lessons (15 required lessons × 2 = 30) when the operator leaves it blank.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Expression, ExpressionWrapper, IntegerField, Value
from django.db.models.functions import Coalesce

from ipms.learning.models import Course


@dataclass(frozen=True)
class CreditPolicy:
    credits_per_lesson: int
    credits_per_study_day: int
    exam_score_counts: bool
    min_credits: int
    min_exam_score: int

    @classmethod
    def for_course(cls, course: Course, *, required_lesson_count: int) -> CreditPolicy:
        """``required_lesson_count``: the course's published 必修 lessons."""
        if course.proof_min_credits is None:
            min_credits = course.credits_per_lesson * required_lesson_count
        else:
            min_credits = course.proof_min_credits
        return cls(
            credits_per_lesson=course.credits_per_lesson,
            credits_per_study_day=course.credits_per_study_day,
            exam_score_counts=course.exam_score_counts,
            min_credits=min_credits,
            min_exam_score=course.proof_min_exam_score,
        )

    @classmethod
    def for_credits(cls, course) -> CreditPolicy:
        """The policy as far as 学分 go (the stored figures, the heartbeat): the proof
        threshold, which needs the required lesson count, is left out (0)."""
        return cls(
            credits_per_lesson=course.credits_per_lesson,
            credits_per_study_day=course.credits_per_study_day,
            exam_score_counts=course.exam_score_counts,
            min_credits=0,
            min_exam_score=course.proof_min_exam_score,
        )

    def credits(
        self, *, completed_lessons: int, study_days: int = 0, exam_score: int | None = None
    ) -> int:
        total = completed_lessons * self.credits_per_lesson
        total += study_days * self.credits_per_study_day
        if self.exam_score_counts and exam_score:
            total += exam_score
        return total

    def credits_sql(
        self, *, completed_lessons: Expression, study_days: Expression, exam_score=None
    ) -> Expression:
        """The same rule as :meth:`credits`, as a database expression, for ranking all the
        learners of a course in one query (本课程排行榜). The arguments are integer
        expressions (e.g. subqueries counting a learner's rows); a test holds the two
        versions equal."""
        total = Coalesce(completed_lessons, 0) * Value(self.credits_per_lesson)
        if self.credits_per_study_day:
            total = total + Coalesce(study_days, 0) * Value(self.credits_per_study_day)
        if self.exam_score_counts and exam_score is not None:
            total = total + Coalesce(exam_score, 0)
        return ExpressionWrapper(total, output_field=IntegerField())

    def proof_conditions_met(self, *, credits: int, exam_score: int | None) -> bool:
        return (
            credits >= self.min_credits
            and exam_score is not None
            and exam_score >= self.min_exam_score
        )

    @property
    def rules(self) -> list[str]:
        """The policy in words, one sentence per rule, for the course page."""
        rules = [f"每完成一个课时获得 {self.credits_per_lesson} 学分。"]
        if self.credits_per_study_day:
            rules.append(f"每个有效学习日另得 {self.credits_per_study_day} 学分。")
        if self.exam_score_counts:
            rules.append("考试得分（取最高一次）计入学分。")
        rules.append(self.proof_condition)
        return rules

    @property
    def proof_condition(self) -> str:
        """学习证明获取条件, worded as on the 证书 tab of the manual."""
        return (
            f"学习证明获取条件：学分 >= {self.min_credits} 分 且 考试得分 >= "
            f"{self.min_exam_score} 分。"
        )
