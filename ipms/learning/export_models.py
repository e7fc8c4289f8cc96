"""学习管理 导出Excel as a background job (imported by ``models``; docs/learning.md).

One :class:`ReportExport` row per requested export: which enterprise, course and search,
who asked, how far the task has got, and the finished file in private storage. Its
``status`` moves through ``REPORT_EXPORT_WORKFLOW`` (``ipms.core.workflow``); the row and
its file are removed once ``REPORT_EXPORT_RETENTION_HOURS`` have passed
(``ipms.core.files.expired_files_purge``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ipms.core import jobs
from ipms.core.models import AuditRole


class ReportExport(jobs.BackgroundJob):
    """一次学习管理导出: the job and, once done, its .xlsx file (``ipms.core.jobs``)."""

    audit_role = AuditRole.ENTERPRISE_ADMIN

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="report_exports",
        verbose_name="企业",
    )
    course = models.ForeignKey(
        "learning.Course",
        on_delete=models.CASCADE,
        related_name="report_exports",
        verbose_name="课程",
    )
    search = models.CharField("搜索条件", max_length=50, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="导出人",
    )
    status = jobs.job_status_field("导出状态")
    total_rows = jobs.job_total_rows_field("总行数")
    done_rows = jobs.job_done_rows_field("已生成行数")
    file = jobs.job_file_field("exports/learning")

    class Meta:
        verbose_name = "学习管理导出"
        verbose_name_plural = "学习管理导出"
        ordering = ["-created_at", "-id"]
        constraints = [
            # A double click (or two tabs) cannot start a second export of the same report
            # while the first is still being made.
            models.UniqueConstraint(
                fields=["enterprise", "course", "search"],
                condition=Q(status__in=["queued", "running"]),
                name="reportexport_one_active",
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="reportexport_created")]

    def __str__(self) -> str:
        return f"{self.course} · {self.get_status_display()}"

    def job_actor(self):
        return self.requested_by


REPORT_EXPORT_WORKFLOW = jobs.job_workflow(ReportExport, enterprise_attr="enterprise_id")
