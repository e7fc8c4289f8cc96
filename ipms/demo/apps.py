from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "ipms.demo"
    verbose_name = "演示数据"
