"""统一社会信用代码 (GB 32100) and 营业执照注册号 (GS15) validation.

Real codes come from business licences and public pages (the GB 32100 and GS15 worked
examples, enterprises' published codes); python-stdnum serves as an independent oracle
for the check characters.
"""

import random

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_10

from ipms.enterprises import validators as v
from ipms.enterprises.validators import (
    is_valid_credit_code,
    normalize_credit_code,
    org_code_check_character,
    uscc_check_character,
    validate_credit_code,
)

REAL_USCC = [
    "91350100M000100Y43",  # GB 32100-2015 worked example
    "91110000600037341L",
    "914403001922038216",
    "913100006916203638",
    "915101006909437423",
    "913305007490121183",
    "91440300MA5FMKMK8N",
    "91440101MA5CJQ4N59",
    "91350200MA31E12PXF",  # organisation-code check character X
    "91350213678251743X",  # 18th character X
    "92230109MAKCUYD46K",  # 个体工商户
    "92140727MAE8C7WN66",
    "12440600MB2C07549J",  # 事业单位 (机构编制 1, 类别 2)
    "123502001549897397",
]

# Xiamen codes issued before the national rules settled (see validators module docstring).
XIAMEN_LEGACY = ["91350203M0001FUE2P", "91350203M0001QKT19", "91350203M0001QAY9B"]

REAL_GS15 = ["110108000000016", "330106000129004"]  # GS15-2006 worked example; a licence


def build(prefix: str, region: str = "110000", body: str = "12345678") -> str:
    """A code with valid check characters, computed by python-stdnum (not our code)."""
    first17 = prefix + region + body + org_code_check_character(body)
    return first17 + stdnum_uscc.calc_check_digit(first17)


def error_of(value) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(value)
    return caught.value


@pytest.mark.parametrize("code", REAL_USCC + REAL_GS15)
def test_real_codes_are_accepted(code):
    validate_credit_code(code)
    assert is_valid_credit_code(code)


@pytest.mark.parametrize("code", XIAMEN_LEGACY)
def test_legacy_xiamen_codes_are_accepted_despite_their_check_character(code):
    assert uscc_check_character(code[:17]) != code[17]
    validate_credit_code(code)


def test_legacy_exception_is_narrow():
    good = XIAMEN_LEGACY[0]
    # Same shape outside Xiamen: the check character counts.
    elsewhere = "91350103" + good[8:]
    assert error_of(elsewhere).messages == [v.MSG_USCC_CHECK]
    # A broken organisation code is refused even in the legacy shape.
    broken = good[:16] + ("3" if good[16] != "3" else "4") + good[17]
    assert error_of(broken).messages == [v.MSG_USCC_ORG_CODE]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("9135 0100 m000 100y43", "91350100M000100Y43"),
        ("  91350100-M000100Y4-3 ", "91350100M000100Y43"),
        ("９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"),  # full-width input
        ("110108 000000016", "110108000000016"),
        (None, ""),
    ],
)
def test_normalize(raw, expected):
    assert normalize_credit_code(raw) == expected


def test_lower_case_and_spaced_input_is_valid():
    validate_credit_code("9135 0100 m000 100y43")


@pytest.mark.parametrize(
    "prefix",
    [
        *("11", "12", "13", "19", "21", "31", "35", "39", "41", "51", "52", "53", "61", "62"),
        *("71", "72", "81", "91", "92", "93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1"),
    ],
)
def test_every_authority_and_category_of_the_standard_is_accepted(prefix):
    validate_credit_code(build(prefix))


def test_letter_authority_codes_that_python_stdnum_rejects_are_accepted():
    for prefix in ("A1", "N2", "Y1"):
        code = build(prefix)
        assert not stdnum_uscc.is_valid(
            code
        )  # the library's limitation (letters first are valid per GB 32100)
        assert is_valid_credit_code(code)


@pytest.mark.parametrize("prefix", ["01", "B1", "C1", "H1", "X1"])
def test_unknown_authority_is_refused(prefix):
    assert error_of(build(prefix)).messages == [v.MSG_USCC_AUTHORITY]


@pytest.mark.parametrize("prefix", ["94", "99", "Y2", "A2", "N4", "24", "38", "10"])
def test_category_not_allowed_for_the_authority_is_refused(prefix):
    assert error_of(build(prefix)).messages == [v.MSG_USCC_CATEGORY]


def test_region_must_be_digits():
    first17 = "91" + "3101A0" + "12345678" + org_code_check_character("12345678")
    code = first17 + uscc_check_character(first17)
    assert error_of(code).messages == [v.MSG_USCC_REGION]


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_letters_outside_the_alphabet_are_refused(letter):
    code = "91350100M000100Y4" + letter
    assert error_of(code).messages == [v.MSG_USCC_CHARS]
    assert error_of(letter + "1350100M000100Y43").messages == [v.MSG_USCC_CHARS]


def test_punctuation_is_refused():
    assert error_of("91350100M000100Y4*").messages == [v.MSG_USCC_CHARS]


def test_wrong_check_character_message():
    error = error_of("91350100M000100Y44")
    assert error.messages == ["统一社会信用代码校验位不正确，请核对营业执照。"]
    assert error.code == "credit_code_check"


def test_wrong_organisation_code_check_is_refused_even_with_a_matching_18th_character():
    body = "12345678"
    wrong = "0" if org_code_check_character(body) != "0" else "1"
    first17 = "91310000" + body + wrong
    code = first17 + uscc_check_character(first17)
    assert error_of(code).messages == [v.MSG_USCC_ORG_CODE]


@pytest.mark.parametrize("code", REAL_USCC[:6])
def test_every_single_character_substitution_is_detected(code):
    """Weights are powers of 3 mod 31 (never 0), so one changed character always shows.

    Except where the change lands in the Xiamen legacy shape, whose check character is
    not enforced (the price of accepting those real codes).
    """
    for position in range(18):
        for char in v.USCC_ALPHABET:
            changed = code[:position] + char + code[position + 1 :]
            if char == code[position] or v._LEGACY_XIAMEN.match(changed):
                continue
            assert not is_valid_credit_code(changed), changed


def test_check_character_agrees_with_python_stdnum_on_random_codes():
    rng = random.Random(32100)
    for _ in range(500):
        body = "".join(rng.choice(v.USCC_ALPHABET) for _ in range(8))
        region = f"{rng.randrange(110000, 660000):06d}"
        first17 = "91" + region + body + org_code_check_character(body)
        assert uscc_check_character(first17) == stdnum_uscc.calc_check_digit(first17)
        assert is_valid_credit_code(first17 + uscc_check_character(first17))


def test_organisation_code_check_matches_the_gb11714_example():
    assert org_code_check_character("D2143569") == "X"  # GB 11714 example D2143569-X


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", v.MSG_REQUIRED),
        ("   ", v.MSG_REQUIRED),
        (None, v.MSG_REQUIRED),
        ("9135010", v.MSG_LENGTH),
        ("91350100M000100Y4", v.MSG_LENGTH),  # 17
        ("91350100M000100Y433", v.MSG_LENGTH),  # 19
        ("1101080000000", v.MSG_LENGTH),
        ("1101080000000161", v.MSG_LENGTH),  # 16
    ],
)
def test_length_and_empty_messages(value, message):
    assert error_of(value).messages == [message]


def test_gs15_registration_number():
    for number in REAL_GS15:
        assert mod_11_10.is_valid(number)
        validate_credit_code(number)
    assert error_of("110108000000017").messages == ["营业执照注册号校验位不正确，请核对营业执照。"]
    assert error_of("11010800000001A").messages == [v.MSG_REG_NO_DIGITS]


def test_every_gs15_single_digit_substitution_is_detected():
    number = REAL_GS15[1]
    for position in range(15):
        for digit in "0123456789":
            if digit != number[position]:
                changed = number[:position] + digit + number[position + 1 :]
                assert not is_valid_credit_code(changed), changed


def test_messages_are_chinese_and_mention_the_licence():
    for message in (
        v.MSG_USCC_CHECK,
        v.MSG_USCC_ORG_CODE,
        v.MSG_USCC_CATEGORY,
        v.MSG_USCC_AUTHORITY,
        v.MSG_REG_NO_CHECK,
    ):
        assert "营业执照" in message
