from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ipms.core"
    verbose_name = "平台基础"
