"""Certification bodies, their reviewers, and the review applications (product-rules §7).

One :class:`Application` links an enterprise to the certification body it chose; its
``status`` moves only through ``ipms.core.workflow.transition()`` along
``APPLICATION_WORKFLOW`` (the state table of product-rules §7, declared as data below).
At most one application per enterprise is live (in progress or approved): a conditional
unique constraint, not only a check in the service.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ipms.core.models import TimeStampedModel
from ipms.core.workflow import Workflow


class CertificationBody(TimeStampedModel):
    """认证机构: created by an operator in the console."""

    name = models.CharField("机构名称", max_length=100, unique=True)
    is_active = models.BooleanField(
        "启用", default=True, help_text="停用后，企业不能再选择该机构，其审核员不能登录机构后台。"
    )

    class Meta:
        verbose_name = "认证机构"
        verbose_name_plural = "认证机构"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Reviewer(TimeStampedModel):
    """A reviewer account of one certification body (机构审核人)."""

    body = models.ForeignKey(
        CertificationBody,
        on_delete=models.PROTECT,
        related_name="reviewers",
        verbose_name="认证机构",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reviewer",
        verbose_name="登录账号",
    )
    name = models.CharField("姓名", max_length=50)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "审核员"
        verbose_name_plural = "审核员"
        ordering = ["body", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.body}）"


class ApplicationStatus(models.TextChoices):
    PRE_REVIEW_PENDING = "pre_review_pending", "待预审"
    PRE_REVIEW_PASSED = "pre_review_passed", "预审通过"
    PRE_REVIEW_REJECTED = "pre_review_rejected", "预审拒绝"
    REVIEW_PENDING = "review_pending", "待审核"
    REJECTED = "rejected", "已拒绝"
    APPROVED = "approved", "已通过"
    WITHDRAWN = "withdrawn", "无效"


S = ApplicationStatus
# Still moving: the enterprise waits for the body, or the body for the enterprise.
IN_PROGRESS = (S.PRE_REVIEW_PENDING, S.PRE_REVIEW_PASSED, S.REVIEW_PENDING)
# At most one per enterprise: one in progress, or the one that was approved.
LIVE = (*IN_PROGRESS, S.APPROVED)
# The order of the console home's counts (manual 第五章 2).
CONSOLE_COUNT_ORDER = (
    S.WITHDRAWN,
    S.REVIEW_PENDING,
    S.REJECTED,
    S.APPROVED,
    S.PRE_REVIEW_PENDING,
    S.PRE_REVIEW_REJECTED,
    S.PRE_REVIEW_PASSED,
)
CERTIFICATE_NUMBER_MAX_LENGTH = 64


class Application(TimeStampedModel):
    """监督反馈 / 认证审核: one enterprise's application to one certification body."""

    Status = ApplicationStatus

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="review_applications",
        verbose_name="企业",
    )
    body = models.ForeignKey(
        CertificationBody,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name="认证机构",
    )
    status = models.CharField(
        "审核状态",
        max_length=32,
        choices=ApplicationStatus,
        default=ApplicationStatus.PRE_REVIEW_PENDING,
    )
    certificate_number = models.CharField(
        "企业贯标证书编码", max_length=CERTIFICATE_NUMBER_MAX_LENGTH, blank=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="提交人",
    )
    submitted_at = models.DateTimeField("提交时间")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="机构审核人",
    )
    decided_at = models.DateTimeField("最近审核时间", null=True, blank=True)
    reason = models.CharField("拒绝原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "认证审核申请"
        verbose_name_plural = "认证审核申请"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(status__in=LIVE),
                name="review_application_one_live",
                violation_error_message="该企业已有进行中或已通过的认证审核申请。",
            ),
        ]
        indexes = [
            # The body console: its list (filtered by status or not) newest first, and
            # the home page's counts per status.
            models.Index(
                fields=["body", "status", "-submitted_at", "-id"], name="review_app_body_status"
            ),
            models.Index(fields=["body", "-submitted_at", "-id"], name="review_app_body_recent"),
            models.Index(fields=["enterprise", "-submitted_at"], name="review_app_enterprise"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} → {self.body_id}：{self.get_status_display()}"

    @property
    def is_in_progress(self) -> bool:
        return self.status in IN_PROGRESS


# The state table of product-rules §7. Who may make each move (the body or the
# enterprise) is in ``MOVES`` below; the workflow only knows which moves exist.
APPLICATION_WORKFLOW = Workflow(
    Application,
    field="status",
    allowed={
        S.PRE_REVIEW_PENDING: {S.PRE_REVIEW_PASSED, S.PRE_REVIEW_REJECTED, S.WITHDRAWN},
        S.PRE_REVIEW_PASSED: {S.REVIEW_PENDING, S.WITHDRAWN},
        S.REVIEW_PENDING: {S.APPROVED, S.REJECTED, S.WITHDRAWN},
        S.REJECTED: {S.APPROVED},
    },
    reason_required={S.PRE_REVIEW_REJECTED, S.REJECTED},
    initial={S.PRE_REVIEW_PENDING},
    enterprise_attr="enterprise_id",
    audit_action="review.status_changed",
)

BODY = "body"
ENTERPRISE = "enterprise"
APPROVE = "approve"
REJECT = "reject"
WITHDRAW = "withdraw"
SUBMIT_CERTIFICATE = "submit_certificate"

# (side, action, from) → to: every move of the table, and who makes it.
MOVES: dict[tuple[str, str, str], str] = {
    (BODY, APPROVE, S.PRE_REVIEW_PENDING): S.PRE_REVIEW_PASSED,
    (BODY, REJECT, S.PRE_REVIEW_PENDING): S.PRE_REVIEW_REJECTED,
    (BODY, APPROVE, S.REVIEW_PENDING): S.APPROVED,
    (BODY, REJECT, S.REVIEW_PENDING): S.REJECTED,
    (BODY, APPROVE, S.REJECTED): S.APPROVED,
    (ENTERPRISE, SUBMIT_CERTIFICATE, S.PRE_REVIEW_PASSED): S.REVIEW_PENDING,
    (ENTERPRISE, WITHDRAW, S.PRE_REVIEW_PENDING): S.WITHDRAWN,
    (ENTERPRISE, WITHDRAW, S.PRE_REVIEW_PASSED): S.WITHDRAWN,
    (ENTERPRISE, WITHDRAW, S.REVIEW_PENDING): S.WITHDRAWN,
}


def move_target(side: str, action: str, status: str) -> str | None:
    """The state ``action`` by ``side`` leads to from ``status``; None if not offered."""
    return MOVES.get((side, action, str(status)))


def body_actions(status: str) -> list[str]:
    """The buttons the console offers on a row (通过 / 拒绝)."""
    return [action for action in (APPROVE, REJECT) if move_target(BODY, action, status)]


class Question(models.Model):
    """满意度问卷: a question configured by the operator."""

    class Kind(models.TextChoices):
        RATING = "rating", "满意度评分"
        TEXT = "text", "文字回答"

    text = models.CharField("题目", max_length=200)
    kind = models.CharField("题型", max_length=16, choices=Kind, default=Kind.RATING)
    required = models.BooleanField("必答", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "满意度问卷题目"
        verbose_name_plural = "满意度问卷题目"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


RATING_CHOICES = [
    ("5", "非常满意"),
    ("4", "满意"),
    ("3", "一般"),
    ("2", "不满意"),
    ("1", "非常不满意"),
]


class Answer(models.Model):
    """One answer of an application's questionnaire; the question's wording is kept."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="answers", verbose_name="申请"
    )
    question = models.ForeignKey(
        Question, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="题目"
    )
    question_text = models.CharField("题目内容", max_length=200)
    value = models.CharField("回答", max_length=1000, blank=True)

    class Meta:
        verbose_name = "问卷回答"
        verbose_name_plural = "问卷回答"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "question"], name="review_answer_once_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_text}：{self.value}"


class Notice(models.Model):
    """An on-site notice to the enterprise admin when an application changes state."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="review_notices",
        verbose_name="企业",
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="notices", verbose_name="申请"
    )
    text = models.CharField("内容", max_length=300)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = "审核通知"
        verbose_name_plural = "审核通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "-created_at"], name="review_notice_recent")]

    def __str__(self) -> str:
        return self.text


from .job_models import REVIEW_JOB_WORKFLOW, ReviewJob  # noqa: E402, F401
