"""Password rules of the accounts (phone rules: ipms.core.phone)."""

import re

from django.core.exceptions import ValidationError


class LettersAndDigitsValidator:
    """The password must mix letters and digits (product-rules §3)."""

    def validate(self, password: str, user=None) -> None:
        if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
            raise ValidationError("密码必须同时包含字母和数字。", code="password_letters_digits")

    def get_help_text(self) -> str:
        return "密码须同时包含字母和数字。"
