from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "ipms.enterprises"
    verbose_name = "企业与成员"

    def ready(self):
        # Imported here, not at the top: models must be loaded first (Django's rule).
        from . import receivers

        receivers.connect()
