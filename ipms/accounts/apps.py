from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ipms.accounts"
    verbose_name = "用户与账号"
