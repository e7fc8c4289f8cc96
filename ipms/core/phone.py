"""Mainland mobile numbers: the one pattern, the one message, normalise, mask, validate.

Every app keys people by their phone (accounts, members, feedback, SMS), so the rules live
here, in the lowest layer, and nowhere else.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")

PHONE_INVALID = "请输入正确的11位手机号码（1开头）。"
PHONE_REQUIRED = "请填写手机号。"

validate_mobile = RegexValidator(MOBILE_RE, message=PHONE_INVALID, code="invalid_mobile")

_SEPARATORS = re.compile(r"[\s\-]")
_PREFIXES = ("+86", "0086")


def normalize_mobile(value: str | None) -> str:
    """Strip spaces, dashes and a +86/0086 prefix that people often type."""
    digits = _SEPARATORS.sub("", value or "")
    for prefix in _PREFIXES:
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits


def is_mobile(value: str | None) -> bool:
    """Whether ``value`` (already normalised) is a mainland mobile number."""
    return bool(MOBILE_RE.match(value or ""))


def clean_mobile(value: str | None) -> str:
    """The normalised number, or ``ValidationError(PHONE_INVALID)``."""
    phone = normalize_mobile(value)
    if not is_mobile(phone):
        raise ValidationError(PHONE_INVALID, code="invalid_mobile")
    return phone


def mask_mobile(value: str | None) -> str:
    """136****2925; anything that is not 11 characters long is returned as it is."""
    value = value or ""
    if len(value) == 11:
        return f"{value[:3]}****{value[-4:]}"
    return value
