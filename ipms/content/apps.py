from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "ipms.content"
    verbose_name = "门户内容"

    def ready(self):
        from . import checks  # noqa: F401 - registers the 举报投诉 deployment check
