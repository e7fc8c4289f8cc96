"""Exam papers, questions and attempts (product-rules §6, manual 第四章 3).

One :class:`ExamPaper` per course holds 单选题 and 多选题 :class:`Question` rows with
their :class:`Option` rows; its points add up to 100 (checked when the operator saves a
published paper, and again before a learner may start). A learner's :class:`Attempt`
moves ``started → submitted`` (graded on the server) or ``started → expired`` (the time
limit passed), always through :func:`ipms.core.workflow.transition`. The database holds
the rules that must never break: one attempt number per learner and paper, at most one
attempt in progress per learner and paper, one answer per question and attempt.

Each :class:`Answer` keeps a frozen copy of what the learner saw (question text, the
options in the attempt's order, which were right and which were chosen), so a result
page reads the same after an operator edits or deletes the question.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from ipms.core.models import TimeStampedModel
from ipms.core.workflow import Workflow

TOTAL_POINTS = 100
MAX_ATTEMPTS = 100
MAX_TIME_LIMIT_MINUTES = 600
QUESTION_MAX_LENGTH = 1000
OPTION_MAX_LENGTH = 500


class ExamPaper(TimeStampedModel):
    """试卷: the exam of one course and its rules."""

    course = models.OneToOneField(
        "learning.Course",
        on_delete=models.CASCADE,
        related_name="exam_paper",
        verbose_name="课程",
    )
    instructions = models.TextField(
        "考试说明", blank=True, max_length=1000, help_text="显示在考试页面的题目上方（可留空）。"
    )
    is_published = models.BooleanField(
        "已发布",
        default=False,
        help_text="发布后学员即可参加考试；发布时各题分值之和须为 100 分。",
    )
    shuffle_options = models.BooleanField(
        "选项乱序",
        default=False,
        help_text="勾选后每次考试的选项顺序随机（同一次考试内保持不变）。",
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        "考试时长（分钟）",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TIME_LIMIT_MINUTES)],
        help_text="留空表示不限时。超过时长提交的答卷不计分。",
    )
    max_attempts = models.PositiveSmallIntegerField(
        "允许考试次数",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ATTEMPTS)],
        help_text="每位学员最多可参加的次数（含第一次），成绩取最高一次。",
    )
    open_before_lessons_done = models.BooleanField(
        "未学完必修课时也可考试",
        default=False,
        help_text="不勾选时，学员须完成全部必修课时后才能参加考试。",
    )

    class Meta:
        verbose_name = "试卷"
        verbose_name_plural = "试卷"
        ordering = ["course__order", "course_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_attempts__gte=1) & Q(max_attempts__lte=MAX_ATTEMPTS),
                name="exampaper_max_attempts_range",
                violation_error_message=f"允许考试次数须在 1-{MAX_ATTEMPTS} 之间。",
            ),
            models.CheckConstraint(
                condition=Q(time_limit_minutes__isnull=True)
                | (
                    Q(time_limit_minutes__gte=1) & Q(time_limit_minutes__lte=MAX_TIME_LIMIT_MINUTES)
                ),
                name="exampaper_time_limit_range",
                violation_error_message=f"考试时长须在 1-{MAX_TIME_LIMIT_MINUTES} 分钟之间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course}考试"


class Question(TimeStampedModel):
    """试题: a 单选题 (one right option) or 多选题 (two or more right options)."""

    class Kind(models.TextChoices):
        SINGLE = "single", "单选题"
        MULTIPLE = "multiple", "多选题"

    paper = models.ForeignKey(
        ExamPaper, on_delete=models.CASCADE, related_name="questions", verbose_name="试卷"
    )
    kind = models.CharField("题型", max_length=16, choices=Kind.choices, default=Kind.SINGLE)
    text = models.TextField("题目", max_length=QUESTION_MAX_LENGTH)
    points = models.PositiveSmallIntegerField(
        "分值", validators=[MinValueValidator(1), MaxValueValidator(TOTAL_POINTS)]
    )
    order = models.PositiveIntegerField("题号", default=0, help_text="数字小的排在前面。")

    class Meta:
        verbose_name = "试题"
        verbose_name_plural = "试题"
        ordering = ["paper", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gte=1) & Q(points__lte=TOTAL_POINTS),
                name="question_points_range",
                violation_error_message=f"分值须在 1-{TOTAL_POINTS} 之间。",
            ),
        ]

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 30 else self.text[:29] + "…"
        return f"{self.get_kind_display()}：{text}"


class Option(models.Model):
    """选项 of a question; letters (A, B, C…) follow the order shown in an attempt."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="options", verbose_name="试题"
    )
    text = models.CharField("选项内容", max_length=OPTION_MAX_LENGTH)
    is_correct = models.BooleanField("正确答案", default=False)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "选项"
        verbose_name_plural = "选项"
        ordering = ["question", "order", "id"]

    def __str__(self) -> str:
        return self.text


class Attempt(models.Model):
    """One sitting of a learner at a paper."""

    class State(models.TextChoices):
        STARTED = "started", "作答中"
        SUBMITTED = "submitted", "已提交"
        EXPIRED = "expired", "已超时"

    paper = models.ForeignKey(
        ExamPaper, on_delete=models.PROTECT, related_name="attempts", verbose_name="试卷"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="exam_attempts",
        verbose_name="学员",
    )
    number = models.PositiveSmallIntegerField("第几次考试")
    state = models.CharField(
        "考试状态", max_length=16, choices=State.choices, default=State.STARTED
    )
    # The options' order of this attempt derives from it (stable on every reload).
    seed = models.PositiveIntegerField("乱序种子", default=0)
    started_at = models.DateTimeField("开始时间")
    deadline = models.DateTimeField("截止时间", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    score = models.PositiveSmallIntegerField("得分", null=True, blank=True)

    class Meta:
        verbose_name = "考试记录"
        verbose_name_plural = "考试记录"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "user", "number"], name="attempt_unique_number"
            ),
            models.UniqueConstraint(
                fields=["paper", "user"],
                condition=Q(state="started"),
                name="attempt_one_in_progress",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=TOTAL_POINTS),
                name="attempt_score_range",
            ),
        ]
        indexes = [models.Index(fields=["user", "paper"], name="attempt_user_paper")]

    def __str__(self) -> str:
        return f"{self.user} · {self.paper} · 第{self.number}次"


ATTEMPT_WORKFLOW = Workflow(
    Attempt,
    field="state",
    allowed={
        Attempt.State.STARTED: {Attempt.State.SUBMITTED, Attempt.State.EXPIRED},
    },
    initial={Attempt.State.STARTED},
    audit_action="exam.attempt_state",
)


class Answer(models.Model):
    """The learner's answer to one question of an attempt, graded and frozen."""

    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="answers", verbose_name="考试记录"
    )
    question = models.ForeignKey(
        Question,
        on_delete=models.SET_NULL,
        null=True,
        related_name="answers",
        verbose_name="试题",
    )
    position = models.PositiveSmallIntegerField("题号")
    chosen = models.JSONField("所选选项", default=list)  # option ids
    is_correct = models.BooleanField("回答正确", default=False)
    points = models.PositiveSmallIntegerField("得分", default=0)
    # {"kind", "text", "points", "options": [{"letter", "text", "correct", "chosen"}]}
    snapshot = models.JSONField("作答时的题目", default=dict)

    class Meta:
        verbose_name = "答题记录"
        verbose_name_plural = "答题记录"
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="answer_unique_question"),
            models.UniqueConstraint(fields=["attempt", "position"], name="answer_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt} · 第{self.position}题"
