"""Deployment check of the portal (registered from ContentConfig.ready())."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_complaint_email_in_production(app_configs, **kwargs):
    if settings.PRODUCTION and not settings.COMPLAINT_EMAIL:
        return [
            Warning(
                "COMPLAINT_EMAIL is not set: 举报投诉 can only point to 意见反馈.",
                hint="Set COMPLAINT_EMAIL to the mailbox the operators read for reports.",
                id="ipms.content.W001",
            )
        ]
    return []
