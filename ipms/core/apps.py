from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ipms.core"
    verbose_name = "平台基础"

    def ready(self):
        # ratelimit and sms.checks register system checks when imported.
        from . import console, converters, ratelimit  # noqa: F401
        from .sms import checks  # noqa: F401

        converters.register()  # before any URLconf is loaded: every urls.py uses <id:…>
        console.install()
