"""姓名: the one rule for a person's name, wherever it is typed or imported.

添加成员, 批量导入 rows, 个人资料, 账号激活 and the console's user form all apply it, and so do
the services behind them. A name is at most 50 characters, holds no control or format
characters (line breaks, tabs, invisible direction marks), and does not start with
``= + - @``: a spreadsheet reads such a cell as a formula (ASVS 5.0 1.2.10), no real name
starts so, and refusing it here keeps it out of every later Excel export.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError

from .errors import DomainError

NAME_MAX_LENGTH = 50
NAME_TOO_LONG = f"姓名不能超过{NAME_MAX_LENGTH}个字。"
NAME_FORMULA = "姓名不能以 = + - @ 等符号开头。"
NAME_CONTROL = "姓名不能包含换行、制表符等特殊字符。"
FORMULA_PREFIXES = ("=", "+", "-", "@")


def person_name_error(name: str) -> tuple[str, str] | None:
    """(message, code) when ``name`` (already stripped) breaks the rule, else None.

    An empty name passes: whether one is required is the form's business.
    """
    if len(name) > NAME_MAX_LENGTH:
        return NAME_TOO_LONG, "max_length"
    # Cc: control characters (tab, line breaks, NUL); Cf: format characters such as the
    # bidirectional overrides that make a name display differently from what it is.
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in name):
        return NAME_CONTROL, "control"
    if name.startswith(FORMULA_PREFIXES):
        return NAME_FORMULA, "formula"
    return None


def validate_person_name(value: str) -> None:
    """Form-field validator for a 姓名 (Django strips the value before validators run)."""
    error = person_name_error(value or "")
    if error is not None:
        raise ValidationError(error[0], code=error[1])


def clean_person_name(value: str | None) -> str:
    """The stripped name for a service, or a ``DomainError`` on the field ``name``."""
    name = (value or "").strip()
    error = person_name_error(name)
    if error is not None:
        raise DomainError(error[0], code=f"name_{error[1]}", field="name")
    return name


class PersonNameField(forms.CharField):
    """A 姓名 input: the rule above, and the browser's own limit of 50 characters."""

    default_validators = [validate_person_name]

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "姓名")
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if not widget.is_hidden:
            attrs["maxlength"] = str(NAME_MAX_LENGTH)
        return attrs
