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

from ipms.core.files import UploadTo, private_storage
from ipms.core.models import TimeStampedModel
from ipms.core.workflow import Workflow


class ReportExport(TimeStampedModel):
    """一次学习管理导出: the job and, once done, its .xlsx file."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

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
    status = models.CharField(
        "导出状态", max_length=16, choices=Status, default=Status.QUEUED, db_index=True
    )
    total_rows = models.PositiveIntegerField("总行数", null=True, blank=True)
    done_rows = models.PositiveIntegerField("已生成行数", default=0)
    file = models.FileField(
        "文件",
        storage=private_storage,
        upload_to=UploadTo("exports/learning"),
        max_length=200,
        blank=True,
    )
    download_name = models.CharField("下载文件名", max_length=200, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

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

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        """How far the task has got, 0–100 (100 only once done)."""
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.done_rows * 100 // self.total_rows)


REPORT_EXPORT_WORKFLOW = Workflow(
    ReportExport,
    field="status",
    allowed={
        ReportExport.Status.QUEUED: {ReportExport.Status.RUNNING, ReportExport.Status.FAILED},
        ReportExport.Status.RUNNING: {ReportExport.Status.DONE, ReportExport.Status.FAILED},
    },
    initial={ReportExport.Status.QUEUED},
    enterprise_attr="enterprise_id",
)
