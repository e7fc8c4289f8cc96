"""System checks for the SMS configuration (registered from CoreConfig.ready()).

``manage.py check --deploy`` warns when production would "send" SMS to a log or a file:
users would never receive their codes.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

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
