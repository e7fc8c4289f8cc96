from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "ipms.credentials"
    verbose_name = "学习证明与证书"

    def ready(self) -> None:
        # Imported here, not at the top: models must be loaded first (Django's rule).
        from ipms.credentials import checks, receivers  # noqa: F401 - checks register

        receivers.connect()
