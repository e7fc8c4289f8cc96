from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "ipms.learning"
    verbose_name = "课程学习"
