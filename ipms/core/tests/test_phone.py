"""The one set of phone rules (ipms.core.phone), and that every layer applies it."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from ipms.core import phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13600002925", "13600002925"),
        ("+86 136-0000-2925", "13600002925"),
        ("0086 13600002925", "13600002925"),
        (" 136 0000 2925 ", "13600002925"),
        (None, ""),
    ],
)
def test_normalize(raw, expected):
    assert phone.normalize_mobile(raw) == expected


@pytest.mark.parametrize("value", ["13600002925", "19912345678"])
def test_valid_numbers(value):
    assert phone.is_mobile(value)
    assert phone.clean_mobile(value) == value
    phone.validate_mobile(value)


@pytest.mark.parametrize("value", ["", "12600002925", "1360000292", "136000029255", "1360000292a"])
def test_invalid_numbers_get_the_one_message(value):
    assert not phone.is_mobile(value)
    for check in (phone.clean_mobile, phone.validate_mobile):
        with pytest.raises(ValidationError) as caught:
            check(value)
        assert caught.value.messages == [phone.PHONE_INVALID]
        assert caught.value.code == "invalid_mobile"


def test_mask():
    assert phone.mask_mobile("13600002925") == "136****2925"
    assert phone.mask_mobile("12") == "12"
    assert phone.mask_mobile(None) == ""


def test_no_app_defines_its_own_phone_pattern_or_message():
    """The pattern and the message exist once, in ipms/core/phone.py."""
    root = Path(phone.__file__).resolve().parent.parent
    found = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and "migrations" not in path.parts
        and path.name != "phone.py"
        and any(
            text in path.read_text(encoding="utf-8")
            for text in (r"1[3-9]\d{9}", "请输入正确的11位手机号码")
        )
    ]
    assert found == []
