"""System checks for the signing key (manage.py check; --deploy for production)."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from ipms.credentials.signing import parse_private_key


@checks.register()
def signing_key_check(app_configs=None, **kwargs):
    configured = settings.CREDENTIAL_SIGNING_KEY
    if configured:
        try:
            parse_private_key(configured)
        except (ImproperlyConfigured, ValueError, TypeError) as error:
            return [
                checks.Error(
                    f"CREDENTIAL_SIGNING_KEY is not an Ed25519 private key: {error}",
                    id="ipms.credentials.E001",
                )
            ]
    return []


@checks.register(deploy=True)
def signing_key_deploy_check(app_configs=None, **kwargs):
    if settings.PRODUCTION and not settings.CREDENTIAL_SIGNING_KEY:
        return [
            checks.Warning(
                "CREDENTIAL_SIGNING_KEY is not set: learning proofs and certificates cannot "
                "be generated in production (docs/credentials.md).",
                id="ipms.credentials.W001",
            )
        ]
    return []
