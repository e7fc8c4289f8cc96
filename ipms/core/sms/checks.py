"""System checks for the SMS configuration (registered from CoreConfig.ready()).

``manage.py check --deploy`` warns when production would "send" SMS to a log or a file
(users would never receive their codes), or would send links to a local address.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

# Addresses of this machine (compared with, never bound to).
LOCAL_HOSTS = {"localhost", "0.0.0.0", "::1", ""}  # noqa: S104
LOCAL_BACKENDS = {
    "ipms.core.sms.backends.console.SmsBackend",
    "ipms.core.sms.backends.locmem.SmsBackend",
    "ipms.core.sms.backends.filebased.SmsBackend",
}


@register(Tags.security, deploy=True)
def check_sms_backend_in_production(app_configs, **kwargs):
    path = settings.SMS_BACKEND
    if settings.PRODUCTION and path in LOCAL_BACKENDS:
        return [
            Warning(
                "SMS_BACKEND is a local backend: no text message reaches a phone.",
                hint="Set SMS_BACKEND to ipms.core.sms.backends.tencent.SmsBackend "
                "and its SMS_TENCENT_* settings (docs/sms.md).",
                id="ipms.sms.W001",
            )
        ]
    return []


@register()
def check_sms_backend_loads(app_configs, **kwargs):
    path = settings.SMS_BACKEND
    if not path:
        return []
    try:
        import_string(path)()
    except ImproperlyConfigured as exc:
        return [Error(f"SMS backend {path} is misconfigured: {exc}", id="ipms.sms.E001")]
    except ImportError as exc:
        return [Error(f"SMS_BACKEND {path!r} cannot be imported: {exc}", id="ipms.sms.E002")]
    return []


@register(Tags.security, deploy=True)
def check_sms_links_in_production(app_configs, **kwargs):
    """Invitation links must reach the platform from a member's phone, not this machine."""
    host = urlsplit(settings.SMS_LINK_BASE).hostname or ""
    if settings.PRODUCTION and (host in LOCAL_HOSTS or host.startswith("127.")):
        return [
            Warning(
                f"SMS links point at {settings.SMS_LINK_BASE}, which no phone can open.",
                hint="Set SITE_URL to the platform's public address (https://…); "
                "SMS_LINK_BASE defaults to SITE_URL + /j/.",
                id="ipms.sms.W002",
            )
        ]
    return []
