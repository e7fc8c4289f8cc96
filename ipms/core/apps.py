from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ipms.core"
    verbose_name = "平台基础"

    def ready(self):
        # ratelimit and sms.checks register system checks when imported.
        from . import console, converters, db, ratelimit  # noqa: F401
        from .sms import checks  # noqa: F401

        db.register_lookups()  # field__in_array, before any query is built
        converters.register()  # before any URLconf is loaded: every urls.py uses <id:…>
        console.install()
