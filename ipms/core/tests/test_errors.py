"""Domain errors carry a stable code; nothing branches on message text or field names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ipms.core.errors import DomainError, RateLimited
from ipms.core.slider import SliderError
from ipms.core.sms.errors import SmsRateLimited, SmsSendError, SmsUnavailable
from ipms.core.workflow import TransitionConflict

PACKAGE = Path(__file__).resolve().parents[2]


def test_a_domain_error_has_a_default_code_a_message_and_a_field():
    error = DomainError("不行。", field="phone")
    assert (error.code, error.message, error.field, str(error)) == (
        "refused",
        "不行。",
        "phone",
        "不行。",
    )


def test_a_raise_site_names_its_code_and_a_subclass_sets_its_default():
    assert DomainError("不行。", code="account_exists").code == "account_exists"
    assert RateLimited("太快了。").code == "rate_limited"
    assert SliderError("请拖动。").code == "slider_failed"
    assert SliderError("已过期。", code="slider_expired").code == "slider_expired"
    assert SmsUnavailable().code == "sms_unavailable"
    assert TransitionConflict().code == "transition_conflict"
    # The provider's code where it gave one, else the kind.
    assert SmsSendError("失败。").code == "sms_send_failed"
    assert SmsSendError("失败。", code="http_502").code == "http_502"
    assert SmsRateLimited("太快了。", retry_after=5).code == "sms_rate_limited"
    # A class default is never overwritten for the class itself.
    assert DomainError("不行。").code == "refused"


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if {"tests", "migrations"} & set(path.relative_to(PACKAGE).parts):
            continue
        yield path


_ERROR_NAMES = ("error", "exc", "err", "exception", "refused", "caught")


def _is_message_text(node: ast.AST) -> bool:
    """``x.message``, ``x.messages[…]`` or ``str(error)``: an error's text."""
    if isinstance(node, ast.Attribute) and node.attr == "message":
        return True
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
        return node.value.attr == "messages"
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "str"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id.lower().endswith(_ERROR_NAMES)
    )


def _is_field_tag(left: ast.AST, right: ast.AST) -> bool:
    """``error.field == "phone"``: the field name used to tell refusals apart."""
    return (
        isinstance(left, ast.Attribute)
        and left.attr == "field"
        and isinstance(right, ast.Constant)
        and isinstance(right.value, str)
    )


def _type_tag_comparisons(source: str, *, fields: bool = True) -> list[int]:
    """Lines comparing an error's text, or (``fields``) its field name, to something."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
            if not isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn):
                continue
            tag = fields and (_is_field_tag(left, right) or _is_field_tag(right, left))
            if tag or _is_message_text(left) or _is_message_text(right):
                lines.append(node.lineno)
    return lines


def test_the_scan_finds_what_it_looks_for():
    source = (
        "if error.message == ACCOUNT_EXISTS: pass\n"
        "if str(exc) == 'x': pass\n"
        "if str(state) in allowed: pass\n"
        "if error.field == 'phone': pass\n"
        "if e.messages[0] in KNOWN: pass\n"
        "if error.code == 'account_exists': pass\n"
        "field = error.field if error.field in form.fields else None\n"
    )
    assert _type_tag_comparisons(source) == [1, 2, 4, 5]
    assert _type_tag_comparisons(source, fields=False) == [1, 2, 5]


# Views and forms place a message next to the field it names (``error.field == "phone"``
# there says where to show it); elsewhere a field name never tells refusals apart.
PLACING_MODULES = ("views.py", "forms.py")


def test_no_code_compares_message_text_or_uses_a_field_as_a_type_tag():
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path in _sources()
        for line in _type_tag_comparisons(
            path.read_text(encoding="utf-8"), fields=path.name not in PLACING_MODULES
        )
    ]
    assert found == [], "branch on error.code instead: " + ", ".join(found)


@pytest.mark.parametrize("error", [DomainError("x", code="a"), SliderError("y")])
def test_the_repr_names_the_code(error):
    assert error.code in repr(error)
