from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "ipms.learning"
    verbose_name = "课程学习"

    def ready(self) -> None:
        from ipms.learning import checks, signals  # noqa: F401 - registers them
