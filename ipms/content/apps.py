from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "ipms.content"
    verbose_name = "门户内容"
