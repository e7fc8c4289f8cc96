from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "ipms.exams"
    verbose_name = "课程考试"

    def ready(self) -> None:
        from ipms.core.audit_actions import action_register
        from ipms.exams import receivers

        action_register("exam.attempt_started", "开始考试")
        action_register("exam.attempt_state", "考试状态变更")
        action_register("exam.questions_imported", "导入题库")
        receivers.connect()
