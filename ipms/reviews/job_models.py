"""The body console's 导出 and 下载全部学习证明 as background jobs (imported by ``models``).

The same pattern as 学习管理's export (docs/decisions/0011-exports-as-jobs.md): one
:class:`ReviewJob` row per requested file, its ``status`` moved through
``REVIEW_JOB_WORKFLOW``, the finished file in private storage, the row and the file
removed after ``REPORT_EXPORT_RETENTION_HOURS`` (``ipms.core.files``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ipms.core import jobs
from ipms.core.models import AuditRole


class ReviewJob(jobs.BackgroundJob):
    """一次机构后台的导出或学习证明打包: the job and, once done, its file (``ipms.core.jobs``)."""

    class Kind(models.TextChoices):
        EXPORT = "export", "导出认证审核列表"
        PROOFS = "proofs", "下载全部学习证明"

    audit_role = AuditRole.REVIEWER

    body = models.ForeignKey(
        "reviews.CertificationBody",
        on_delete=models.CASCADE,
        related_name="jobs",
        verbose_name="认证机构",
    )
    kind = models.CharField("类型", max_length=16, choices=Kind)
    # 导出: the list's filters; 下载全部学习证明: the application whose proofs are packed.
    status_filter = models.CharField("审核状态筛选", max_length=32, blank=True)
    search = models.CharField("搜索条件", max_length=100, blank=True)
    application = models.ForeignKey(
        "reviews.Application",
        on_delete=models.CASCADE,
        related_name="jobs",
        null=True,
        blank=True,
        verbose_name="认证审核申请",
    )
    requested_by = models.ForeignKey(
        "reviews.Reviewer",
        on_delete=models.CASCADE,
        related_name="jobs",
        verbose_name="申请人",
    )
    file = jobs.job_file_field("exports/reviews")

    class Meta:
        verbose_name = "机构后台导出"
        verbose_name_plural = "机构后台导出"
        ordering = ["-created_at", "-id"]
        constraints = [
            # A double click (or two tabs, or two reviewers of the body) cannot start a
            # second job for the same file while the first is being made.
            models.UniqueConstraint(
                fields=["body", "status_filter", "search"],
                condition=Q(kind="export", status__in=["queued", "running"]),
                name="reviewjob_one_active_export",
            ),
            models.UniqueConstraint(
                fields=["body", "application"],
                condition=Q(kind="proofs", status__in=["queued", "running"]),
                name="reviewjob_one_active_proofs",
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="reviewjob_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_status_display()}"

    @property
    def status_filter_label(self) -> str:
        """The 审核状态 the list was filtered by, as the console shows it (全部 if none)."""
        from .models import ApplicationStatus

        if not self.status_filter:
            return "全部状态"
        return str(dict(ApplicationStatus.choices).get(self.status_filter, self.status_filter))

    def job_actor(self):
        return self.requested_by.user


REVIEW_JOB_WORKFLOW = jobs.job_workflow(ReviewJob)
