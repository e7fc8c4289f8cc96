from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "ipms.reviews"
    verbose_name = "认证审核"

    def ready(self) -> None:
        # Imported here, not at the top: models must be loaded first (Django's rule).
        from . import receivers

        receivers.connect()
