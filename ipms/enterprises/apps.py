from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "ipms.enterprises"
    verbose_name = "企业与成员"
