from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ipms.core"
    verbose_name = "平台基础"

    def ready(self):
        from . import converters

        converters.register()  # before any URLconf is loaded: every urls.py uses <id:…>
        from . import console
        from . import ratelimit  # noqa: F401 - registers the rate-limit settings check
        from .sms import checks  # noqa: F401 - registers the SMS deployment checks

        console.install()
