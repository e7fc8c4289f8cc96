from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "ipms.learning"
    verbose_name = "课程学习"

    def ready(self) -> None:
        from ipms.learning import signals  # noqa: F401 - connects the receivers
