import secrets

from django.conf import settings

# No 0/O, 1/I/L, 2/Z, 5/S: easy to tell apart on a small distorted image.
_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"


def challenge() -> tuple[str, str]:
    """Random 4-character challenge for django-simple-captcha (answer is case-insensitive)."""
    text = "".join(secrets.choice(_ALPHABET) for _ in range(settings.CAPTCHA_LENGTH))
    return text, text
