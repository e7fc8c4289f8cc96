"""居民身份证号码 (GB 11643-1999) validation, normalisation and masking."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric as stdnum_ric
from stdnum.iso7064 import mod_11_2

from ipms.accounts import idcard
from ipms.accounts.idcard import (
    is_valid_id_number,
    mask_id_number,
    normalize_id_number,
    parse_id_number,
)

TODAY = datetime.date(2026, 6, 15)
GB_EXAMPLE = "11010519491231002X"  # GB 11643-1999 worked example


def make(first17: str) -> str:
    """Append the check character computed by python-stdnum (an independent oracle)."""
    return first17 + mod_11_2.calc_check_digit(first17)


def born(date: datetime.date, region: str = "310104", sequence: str = "123") -> str:
    return make(f"{region}{date:%Y%m%d}{sequence}")


def error_of(value, today=TODAY) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse_id_number(value, today=today)
    return caught.value


def test_the_standard_example_is_valid_and_decoded():
    info = parse_id_number(GB_EXAMPLE, today=TODAY)
    assert info.number == GB_EXAMPLE
    assert info.birth_date == datetime.date(1949, 12, 31)
    assert info.province_code == "110000"
    assert info.is_male is False  # sequence 002 is even
    assert stdnum_ric.is_valid(GB_EXAMPLE)


def test_validator_uses_today_and_accepts_the_example():
    assert is_valid_id_number(GB_EXAMPLE)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002x", GB_EXAMPLE),
        (" 110105 19491231 002X ", GB_EXAMPLE),
        ("110105-19491231-002x", GB_EXAMPLE),
        ("１１０１０５１９４９１２３１００２ｘ", GB_EXAMPLE),  # full-width, from a Chinese IME
        (None, ""),
    ],
)
def test_normalize(raw, expected):
    assert normalize_id_number(raw) == expected


def test_lower_case_x_is_accepted():
    assert parse_id_number("11010519491231002x", today=TODAY).number == GB_EXAMPLE


def test_generated_numbers_agree_with_python_stdnum():
    for offset in range(0, 20_000, 97):
        date = datetime.date(1950, 1, 1) + datetime.timedelta(days=offset)
        number = born(date, sequence=f"{offset % 1000:03d}")
        assert is_valid_id_number(number, today=TODAY)
        assert stdnum_ric.is_valid(number)


def test_every_single_digit_substitution_is_detected():
    number = born(datetime.date(1990, 5, 17))
    for position in range(18):
        for char in "0123456789X":
            if char == number[position] or (char == "X" and position != 17):
                continue
            changed = number[:position] + char + number[position + 1 :]
            assert not is_valid_id_number(changed, today=TODAY), changed


def test_wrong_check_character():
    number = born(datetime.date(1990, 5, 17))
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert error_of(wrong).messages == [idcard.MSG_CHECK]
    assert error_of(wrong).code == "id_number_check"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", idcard.MSG_REQUIRED),
        ("   ", idcard.MSG_REQUIRED),
        ("110105491231002", idcard.MSG_OLD_15),
        ("11010519491231002", idcard.MSG_LENGTH),
        ("11010519491231002X1", idcard.MSG_LENGTH),
        ("1101051949123100XX", idcard.MSG_FORMAT),
        ("X10105194912310021", idcard.MSG_FORMAT),
        ("11010519491231A02X", idcard.MSG_FORMAT),
    ],
)
def test_shape_errors(value, message):
    assert error_of(value).messages == [message]


@pytest.mark.parametrize(
    "prefix", ["00", "10", "20", "24", "39", "47", "55", "66", "70", "80", "90"]
)
def test_unknown_province_prefix_is_refused(prefix):
    number = make(f"{prefix}0101" + "19900517" + "123")
    assert error_of(number).messages == [idcard.MSG_REGION]


@pytest.mark.parametrize("prefix", ["11", "23", "46", "50", "65", "71", "81", "82", "83"])
def test_provinces_and_residence_permit_prefixes_are_accepted(prefix):
    number = make(f"{prefix}0000" + "19900517" + "123")
    assert parse_id_number(number, today=TODAY).province_code == f"{prefix}0000"


def test_retired_county_codes_are_accepted():
    # 371202 (莱芜市莱城区) was retired in 2019; numbers issued under it never change.
    assert is_valid_id_number(make("371202" + "19800101" + "456"), today=TODAY)


@pytest.mark.parametrize("birth", ["19990230", "20190229", "19901301", "19900001", "19900100"])
def test_impossible_birth_dates_are_refused(birth):
    number = make("310104" + birth + "123")
    assert error_of(number).messages == [idcard.MSG_BIRTH_DATE]


def test_leap_day_is_a_real_date():
    assert is_valid_id_number(born(datetime.date(2000, 2, 29)), today=TODAY)


def test_future_birth_date_is_refused():
    assert error_of(born(TODAY + datetime.timedelta(days=1))).messages == [idcard.MSG_FUTURE]


def test_age_bounds():
    fourteenth_birthday = datetime.date(TODAY.year - 14, TODAY.month, TODAY.day)
    assert is_valid_id_number(born(fourteenth_birthday), today=TODAY)
    one_day_short = fourteenth_birthday + datetime.timedelta(days=1)
    assert error_of(born(one_day_short)).messages == [idcard.MSG_TOO_YOUNG]
    assert error_of(born(TODAY)).messages == [idcard.MSG_TOO_YOUNG]

    hundred = datetime.date(TODAY.year - 100, TODAY.month, TODAY.day) + datetime.timedelta(days=1)
    assert is_valid_id_number(born(hundred), today=TODAY)  # 99, turning 100 tomorrow
    turned_101 = datetime.date(TODAY.year - 101, TODAY.month, TODAY.day)
    assert error_of(born(turned_101)).messages == [idcard.MSG_TOO_OLD]
    assert error_of(make("310104" + "18991231" + "123")).messages == [idcard.MSG_TOO_OLD]


def test_gender_from_the_sequence_code():
    assert parse_id_number(born(datetime.date(1990, 1, 1), sequence="011"), today=TODAY).is_male
    assert not parse_id_number(born(datetime.date(1990, 1, 1), sequence="010"), today=TODAY).is_male


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (GB_EXAMPLE, "110105********002X"),
        ("11010519491231002x", "110105********002X"),
        ("310104199005171234", "310104********1234"),
        ("", ""),
        (None, ""),
        ("12345", "*****"),
        ("110105491231002", "***********1002"),
    ],
)
def test_mask(value, masked):
    assert mask_id_number(value) == masked


def test_mask_hides_the_birth_date():
    assert "19491231" not in mask_id_number(GB_EXAMPLE)
