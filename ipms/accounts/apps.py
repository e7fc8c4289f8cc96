from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ipms.accounts"
    verbose_name = "用户与账号"

    def ready(self):
        from django.contrib import admin

        from . import signals  # noqa: F401 - connects the login receivers
        from .forms import ConsoleLoginForm

        admin.site.login_form = ConsoleLoginForm
