"""Courses, lessons and courseware (product-rules §5).

Lesson videos and courseware live in private storage: only users allowed to learn may
fetch them (issue 4 adds the access-checked views). Course covers are public images.

Learning records (issue 4, docs/learning.md): an :class:`Enrollment` per learner and
course, a :class:`LessonProgress` per learner and lesson holding the credited time, a
:class:`PlaybackView` per opened lesson page (the heartbeats' identity), one
:class:`AccrualLease` per learner (only one view accrues at a time) and a
:class:`StudyDay` per learner, course and day with credited time. The credit policy
that turns progress into 学分 lives on the course and is interpreted in one place,
:mod:`ipms.learning.policy`.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from ipms.core.files import (
    UploadTo,
    private_storage,
    safe_file_name,
    validate_document,
    validate_image,
    validate_video,
)
from ipms.core.models import TimeStampedModel

# 学习管理 导出Excel jobs live in their own module; imported here so Django finds them.
from ipms.learning.export_models import REPORT_EXPORT_WORKFLOW, ReportExport  # noqa: F401

MAX_CREDITS_PER_ITEM = 100
MAX_PROOF_CREDITS = 10_000
MAX_EXAM_SCORE = 100


class CourseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Course(TimeStampedModel):
    """课程: a series of lessons with its own credit policy and proof conditions."""

    title = models.CharField("课程名称", max_length=100, unique=True)
    cover = models.ImageField(
        "封面图片",
        upload_to=UploadTo("courses/covers"),
        validators=[validate_image],
        blank=True,
        max_length=200,
        help_text="建议尺寸 640×360(16:9)。不上传时显示以课程名称生成的默认封面。",
    )
    summary = models.TextField(
        "课程简介", max_length=500, help_text="显示在课程卡片上，建议 100 字以内。"
    )
    audience = models.CharField("学习对象", max_length=200, help_text="如：贯标单位全体员工。")
    description = models.TextField("课程介绍", blank=True, help_text="段落之间空一行。")
    lecturers = models.ManyToManyField(
        "content.Lecturer", blank=True, related_name="courses", verbose_name="讲师"
    )
    order = models.PositiveIntegerField("排序", default=0, help_text="数字小的排在前面。")
    is_published = models.BooleanField("已发布", default=True)

    # --- 学分规则 (product-rules §5), interpreted only by ipms.learning.policy -------------
    credits_per_lesson = models.PositiveSmallIntegerField(
        "每完成一个课时获得学分",
        default=2,
        validators=[MaxValueValidator(MAX_CREDITS_PER_ITEM)],
    )
    credits_per_study_day = models.PositiveSmallIntegerField(
        "每个学习日获得学分",
        default=0,
        validators=[MaxValueValidator(MAX_CREDITS_PER_ITEM)],
        help_text="有有效学习时长的每一天另得的学分；0 表示不按天计分。",
    )
    exam_score_counts = models.BooleanField(
        "考试得分计入学分", default=False, help_text="勾选后，考试得分（最高一次）计入学分。"
    )
    proof_min_credits = models.PositiveIntegerField(
        "学习证明所需学分",
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_PROOF_CREDITS)],
        help_text="留空表示“全部必修课时的学分之和”（随必修课时数自动计算）。",
    )
    proof_min_exam_score = models.PositiveSmallIntegerField(
        "学习证明所需考试得分",
        default=60,
        validators=[MaxValueValidator(MAX_EXAM_SCORE)],
    )

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = "课程"
        verbose_name_plural = "课程"
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["is_published", "order"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(credits_per_lesson__lte=MAX_CREDITS_PER_ITEM),
                name="course_credits_per_lesson_range",
                violation_error_message=f"每课时学分须在 0-{MAX_CREDITS_PER_ITEM} 之间。",
            ),
            models.CheckConstraint(
                condition=Q(credits_per_study_day__lte=MAX_CREDITS_PER_ITEM),
                name="course_credits_per_day_range",
                violation_error_message=f"每个学习日学分须在 0-{MAX_CREDITS_PER_ITEM} 之间。",
            ),
            models.CheckConstraint(
                condition=Q(proof_min_credits__isnull=True)
                | Q(proof_min_credits__lte=MAX_PROOF_CREDITS),
                name="course_proof_min_credits_range",
                violation_error_message=f"学习证明所需学分须在 0-{MAX_PROOF_CREDITS} 之间。",
            ),
            models.CheckConstraint(
                condition=Q(proof_min_exam_score__lte=MAX_EXAM_SCORE),
                name="course_proof_min_exam_score_range",
                violation_error_message=f"学习证明所需考试得分须在 0-{MAX_EXAM_SCORE} 之间。",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class LessonQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Lesson(TimeStampedModel):
    """课时: one video with its description, 课程大纲 and courseware."""

    class Kind(models.TextChoices):
        REQUIRED = "required", "必修"
        ELECTIVE = "elective", "选修"

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="lessons", verbose_name="课程"
    )
    number = models.PositiveSmallIntegerField(
        "课时序号",
        validators=[MinValueValidator(1)],
        help_text="课时1、课时2……在同一课程内不能重复，也决定目录中的顺序。",
    )
    title = models.CharField("课时名称", max_length=200)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.REQUIRED)
    description = models.TextField("课时简介", blank=True)
    outline = models.TextField("课程大纲", blank=True, help_text="每行一个要点。")
    video = models.FileField(
        "视频",
        storage=private_storage,
        upload_to=UploadTo("lessons/videos"),
        validators=[validate_video],
        blank=True,
        max_length=200,
        help_text="MP4（H.264）或 WebM。上传后自动识别时长。",
    )
    duration = models.PositiveIntegerField(
        "时长（秒）",
        default=0,
        help_text="上传视频后自动识别；无法识别时请手工填写。",
    )
    duration_detected = models.BooleanField("时长已自动识别", default=False, editable=False)
    is_published = models.BooleanField("已发布", default=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        verbose_name = "课时"
        verbose_name_plural = "课时"
        ordering = ["course", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "number"],
                name="lesson_unique_number_per_course",
                violation_error_message="同一课程内课时序号不能重复。",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="lesson_number_positive",
                violation_error_message="课时序号从 1 开始。",
            ),
        ]

    def __str__(self) -> str:
        return f"课时{self.number} {self.title}"

    @property
    def is_required(self) -> bool:
        return self.kind == self.Kind.REQUIRED

    @property
    def label(self) -> str:
        """The catalogue label of the manual: 课时2（必修）."""
        return f"课时{self.number}（{self.get_kind_display()}）"


class Courseware(TimeStampedModel):
    """课件: a downloadable document (usually PDF) attached to a lesson."""

    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="coursewares", verbose_name="课时"
    )
    title = models.CharField("课件名称", max_length=200, help_text="课时页面上显示的名称。")
    file = models.FileField(
        "文件",
        storage=private_storage,
        upload_to=UploadTo("lessons/courseware"),
        validators=[validate_document],
        max_length=200,
        help_text="学员下载时沿用上传文件的文件名和扩展名。",
    )
    # Storage keeps a random name; downloads hand back the name the file was uploaded with.
    original_name = models.CharField("原文件名", max_length=200, blank=True, editable=False)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "课件"
        verbose_name_plural = "课件"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lesson", "title"],
                name="courseware_unique_title_per_lesson",
                violation_error_message="同一课时内课件名称不能重复。",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        # A newly assigned file still carries its upload name until storage renames it.
        if self.file and not getattr(self.file, "_committed", True):
            self.original_name = safe_file_name(self.file.name)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "original_name"}
        super().save(*args, **kwargs)

    @property
    def download_name(self) -> str:
        """The uploaded file's own name; rows from before it was kept: 课时N 课件名称."""
        return self.original_name or f"课时{self.lesson.number} {self.title}"


# --- learning records (issue 4; docs/learning.md) --------------------------------------
#
# Learning time is evidence a certification body relies on, so records never disappear
# with the content they belong to: deleting a course or lesson that has records is
# refused (PROTECT); the operator unpublishes it instead. Deleting a user deletes their
# records (personal data).


class Enrollment(models.Model):
    """在学课程: a learner started a course (立即学习, or opened one of its lessons)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name="学员",
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="enrollments", verbose_name="课程"
    )
    enrolled_at = models.DateTimeField("开始学习时间")
    # “上次学习到 课时N”: the lesson page opened last. Written when a page opens, never by
    # heartbeats (the resume position lives on the lesson's progress row).
    last_lesson = models.ForeignKey(
        Lesson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="上次学习的课时",
    )
    last_opened_at = models.DateTimeField("上次学习时间")

    # --- stored figures (docs/learning.md “Stored figures”) ------------------------------
    # What ipms.learning.figures derives from the records (progress rows, study days) and
    # the course's credit policy, kept current by the writes that change them: the
    # heartbeat, and a recompute when an operator changes the course's credit rules or
    # publishes/unpublishes a lesson. ``manage.py learning_figures_repair`` recomputes them.
    completed_lessons = models.PositiveIntegerField(
        "已学课时数", default=0, db_default=0, editable=False
    )
    study_days = models.PositiveIntegerField(
        "累计学习天数", default=0, db_default=0, editable=False
    )
    credited_seconds = models.FloatField(
        "累计学习时长（秒）", default=0, db_default=0, editable=False
    )
    credits = models.IntegerField("学分", default=0, db_default=0, editable=False)
    # The account is active (``user.is_active``), repeated here so that 本课程排行榜 and the
    # learner's rank are one index range of this table (kept by a signal on the user).
    learner_active = models.BooleanField("账号有效", default=True, db_default=True, editable=False)

    class Meta:
        verbose_name = "在学课程"
        verbose_name_plural = "在学课程"
        ordering = ["-last_opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="enrollment_unique_user_course")
        ]
        indexes = [
            models.Index(fields=["course", "user"], name="enrollment_course_user"),
            # 本课程排行榜: the top 10 and “您在第N名” (1 + learners with more credits) walk
            # this index; the order is the leaderboard's, ties included.
            models.Index(
                fields=["course", "-credits", "-credited_seconds", "enrolled_at", "id"],
                name="enrollment_leaderboard",
                condition=Q(credits__gt=0, learner_active=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.course}"


class LessonProgress(models.Model):
    """One learner's progress in one lesson: the credited time and the positions.

    ``credited_seconds`` only grows, through :func:`ipms.learning.progress.heartbeat_record`,
    and never beyond the lesson's length; ``completed_at`` is set once, when it reaches the
    completion share. ``course`` repeats ``lesson.course`` so per-course figures need no
    join.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lesson_progress",
        verbose_name="学员",
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.PROTECT, related_name="progress", verbose_name="课时"
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="lesson_progress", verbose_name="课程"
    )
    credited_seconds = models.FloatField("已计学习时长（秒）", default=0)
    furthest_position = models.FloatField("最远观看位置（秒）", default=0)
    last_position = models.FloatField("上次观看位置（秒）", default=0)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    created_at = models.DateTimeField("开始时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "课时学习进度"
        verbose_name_plural = "课时学习进度"
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="progress_unique_user_lesson"),
            models.CheckConstraint(
                condition=Q(credited_seconds__gte=0)
                & Q(furthest_position__gte=0)
                & Q(last_position__gte=0),
                name="progress_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["course", "user"], name="progress_course_user")]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class PlaybackView(models.Model):
    """One opened lesson page: the identity its heartbeats carry.

    The id is random (UUID4, 122 bits) and issued by the server when the page renders; a
    heartbeat names it, and is refused unless the id belongs to the signed-in user, to the
    lesson named in the request, and is younger than ``PLAYBACK_VIEW_MAX_AGE``.
    ``last_seq`` and ``last_beat_at`` let the engine refuse replays and measure the
    wall-clock time between accepted beats; ``accruing`` records whether the interval
    that started at the last beat counts (playing, visible, not idle, holding the lease).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="学员"
    )
    progress = models.ForeignKey(
        LessonProgress, on_delete=models.CASCADE, related_name="views", verbose_name="学习进度"
    )
    created_at = models.DateTimeField("打开时间")
    last_seq = models.PositiveIntegerField("最后序号", default=0)
    last_beat_at = models.DateTimeField("最后心跳时间", null=True, blank=True)
    last_position = models.FloatField("最后位置（秒）", default=0)
    accruing = models.BooleanField("计时中", default=False)
    interacted_at = models.DateTimeField("最后操作时间")

    class Meta:
        verbose_name = "播放记录"
        verbose_name_plural = "播放记录"
        indexes = [models.Index(fields=["created_at"], name="playbackview_created")]

    def __str__(self) -> str:
        return str(self.id)


class AccrualLease(models.Model):
    """Which of a learner's views may accrue time right now (at most one per learner).

    One row per learner, made when they first open a lesson page; heartbeats only UPDATE
    it, with conditions that make taking, renewing and releasing it race-free.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name="学员",
    )
    view = models.ForeignKey(
        PlaybackView,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="计时中的播放",
    )
    renewed_at = models.DateTimeField("续期时间", null=True, blank=True)

    class Meta:
        verbose_name = "计时租约"
        verbose_name_plural = "计时租约"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.view_id or '-'}"


class StudyDay(models.Model):
    """A (Asia/Shanghai) day on which a learner was credited time in a course.

    累计学习天数 is the number of these rows; ``seconds`` is the time credited that day
    (it sums to the course's credited time, written in the same transaction).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="study_days",
        verbose_name="学员",
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="study_days", verbose_name="课程"
    )
    day = models.DateField("日期")
    seconds = models.FloatField("当日学习时长（秒）", default=0)

    class Meta:
        verbose_name = "学习日"
        verbose_name_plural = "学习日"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "day"], name="studyday_unique_user_course_day"
            ),
            models.CheckConstraint(condition=Q(seconds__gte=0), name="studyday_non_negative"),
        ]
        indexes = [models.Index(fields=["course", "user"], name="studyday_course_user")]

    def __str__(self) -> str:
        return f"{self.user} · {self.course} · {self.day}"
