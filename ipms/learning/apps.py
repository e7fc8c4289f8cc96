from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "ipms.learning"
    verbose_name = "课程学习"

    def ready(self) -> None:
        from ipms.core.audit_actions import action_register
        from ipms.core.jobs import job_expiry_register
        from ipms.learning import checks, signals  # noqa: F401 - registers them
        from ipms.learning.models import ReportExport

        action_register("reportexport.status_changed", "学习管理导出状态变更")
        # 导出Excel files are removed with their rows after the retention time.
        job_expiry_register(ReportExport)
