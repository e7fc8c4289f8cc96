"""Encryption at rest for personal data (PIPL Art. 51(3)), and keyed digests to find it.

Values such as the 身份证 number are stored as Fernet tokens (AES-128-CBC with an
HMAC-SHA256 tag, from the ``cryptography`` package), never in plain text. A second column
holds a keyed HMAC-SHA256 digest of the normalised value, so the database can enforce
uniqueness and answer "who has this number" without anyone decrypting a row.

Keys
----
``FIELD_ENCRYPTION_KEYS``: Fernet keys (url-safe base64 of 32 random bytes), comma-separated
in the environment. The first encrypts; every one of them decrypts (``MultiFernet``).
Rotation: put a new key first, deploy, run ``manage.py field_encryption_rotate`` (which
re-encrypts every row with the first key), then drop the old key.

``FIELD_DIGEST_KEY``: any long random string; the key of the lookup digests. It is not
rotated with the encryption keys: a new digest key means recomputing every digest, which
the same command does (it decrypts each value and digests it again).

In the embedded mode both may be left empty: they are then derived from ``SECRET_KEY``
(and the encryption keys also from ``SECRET_KEY_FALLBACKS``, so values written before a
rotation stay readable) with HKDF-SHA256, so ``make run`` needs no configuration. Production
settings refuse to start without both (config/settings.py), because a derived key would tie
the personal data to ``SECRET_KEY``: rotating that would make it unreadable, and leaking it
would expose the data.

Generate keys with ``python -c "from ipms.core.crypto import generate_key; print(generate_key())"``.

Nothing in this module logs a value, plain or encrypted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

_HKDF_SALT = b"ipms.core.crypto"
_INFO_ENCRYPTION = b"field-encryption-v1"
_INFO_DIGEST = b"field-digest-v1"


class DecryptionError(Exception):
    """A stored token could not be decrypted with any configured key (or was tampered)."""


def generate_key() -> str:
    """A new random Fernet key, as text for ``FIELD_ENCRYPTION_KEYS``."""
    return Fernet.generate_key().decode("ascii")


def _hkdf(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=info).derive(
        secret.encode("utf-8")
    )


def _configured_keys() -> tuple[str, ...]:
    keys = settings.FIELD_ENCRYPTION_KEYS or []
    if isinstance(keys, str):
        keys = keys.split(",")
    return tuple(key.strip() for key in keys if key and key.strip())


def _derived_keys() -> tuple[str, ...]:
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return tuple(
        base64.urlsafe_b64encode(_hkdf(secret, _INFO_ENCRYPTION)).decode("ascii")
        for secret in secrets
    )


def _is_production() -> bool:
    return bool(settings.PRODUCTION)


def encryption_keys() -> tuple[str, ...]:
    """The Fernet keys in use, the encrypting one first."""
    keys = _configured_keys()
    if keys:
        return keys
    if _is_production():
        # config/settings.py refuses this already; this is the second lock on the door.
        raise ImproperlyConfigured("Production mode needs FIELD_ENCRYPTION_KEYS.")
    return _derived_keys()


@lru_cache(maxsize=8)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as error:
        # The message names no key: it may end up in a log.
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a malformed key (each must be a Fernet key: "
            "url-safe base64 of 32 bytes)."
        ) from error


def _fernet() -> MultiFernet:
    return _fernet_for(encryption_keys())


@lru_cache(maxsize=8)
def _digest_key_for(secret: str) -> bytes:
    return _hkdf(secret, _INFO_DIGEST)


def _digest_key() -> bytes:
    secret = settings.FIELD_DIGEST_KEY or ""
    if not secret:
        if _is_production():
            raise ImproperlyConfigured("Production mode needs FIELD_DIGEST_KEY.")
        secret = settings.SECRET_KEY
    return _digest_key_for(secret)


def encrypt(plaintext: str) -> str:
    """The Fernet token (text) of ``plaintext``, with the first key. Each call differs."""
    if not isinstance(plaintext, str):
        raise TypeError("encrypt() takes text")
    return _fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The plain text of a token made by :func:`encrypt` with any configured key."""
    if not isinstance(token, str) or not token:
        raise DecryptionError("empty or non-text token")
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError):
        raise DecryptionError("token cannot be decrypted with the configured keys") from None


def rotate(token: str) -> str:
    """The same plain text encrypted with the first key (for key rotation)."""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError, ValueError):
        raise DecryptionError("token cannot be decrypted with the configured keys") from None


def digest(value: str, *, purpose: str) -> str:
    """Keyed HMAC-SHA256 (hex) of ``value`` for lookups and unique constraints.

    ``purpose`` separates the digests of different kinds of data, so equal strings in two
    columns never produce equal digests. Callers normalise ``value`` first.
    """
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(_digest_key(), message, hashlib.sha256).hexdigest()


def clear_caches() -> None:
    """Forget derived keys (tests that change the key settings call this)."""
    _fernet_for.cache_clear()
    _digest_key_for.cache_clear()


def _on_setting_changed(*, setting, **kwargs) -> None:
    if setting in {"FIELD_ENCRYPTION_KEYS", "FIELD_DIGEST_KEY", "SECRET_KEY"}:
        clear_caches()


setting_changed.connect(_on_setting_changed, dispatch_uid="ipms.core.crypto")


@checks.register(checks.Tags.security)
def check_field_encryption_keys(app_configs=None, **kwargs):
    """E001: a configured key that is not a Fernet key (found at start, not on first use)."""
    errors = []
    for position, key in enumerate(_configured_keys(), start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(
                checks.Error(
                    f"FIELD_ENCRYPTION_KEYS entry {position} is not a Fernet key.",
                    hint='Generate one with: python -c "from ipms.core.crypto import '
                    'generate_key; print(generate_key())"',
                    id="ipms.crypto.E001",
                )
            )
    return errors
