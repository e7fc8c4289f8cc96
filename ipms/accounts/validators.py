import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")

validate_mobile = RegexValidator(
    MOBILE_RE, message="请输入正确的11位手机号码(1开头)。", code="invalid_mobile"
)


def normalize_mobile(value: str) -> str:
    """Strip spaces, dashes and a +86/0086 prefix that people often type."""
    digits = re.sub(r"[\s\-]", "", value or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits


def mask_mobile(value: str) -> str:
    """136****2925"""
    if len(value) == 11:
        return f"{value[:3]}****{value[-4:]}"
    return value


class LettersAndDigitsValidator:
    """The password must mix letters and digits (PRODUCT.md §3)."""

    def validate(self, password: str, user=None) -> None:
        if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
            raise ValidationError("密码必须同时包含字母和数字。", code="password_letters_digits")

    def get_help_text(self) -> str:
        return "密码须同时包含字母和数字。"
