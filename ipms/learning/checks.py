"""System checks for the learning settings (run by manage.py check and at start-up)."""

from django.conf import settings
from django.core import checks

from ipms.learning.delivery import DELIVERY_MODES


@checks.register()
def video_delivery_check(app_configs=None, **kwargs):
    mode = settings.VIDEO_DELIVERY
    if mode not in DELIVERY_MODES:
        return [
            checks.Error(
                f"VIDEO_DELIVERY={mode!r} is not one of {', '.join(DELIVERY_MODES)}.",
                id="ipms.learning.E001",
            )
        ]
    return []
