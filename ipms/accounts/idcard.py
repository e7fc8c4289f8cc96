"""居民身份证号码 (citizen identity number) per GB 11643-1999.

Pure functions: no model field here. The number is personal information that must be
encrypted at rest and masked on screen (product-rules §3, PIPL), so callers store what
:func:`normalize_id_number` returns, encrypted, and show :func:`mask_id_number`.

Structure (18 characters)::

    110105 19491231 002 X
    ^^^^^^ address code (GB/T 2260 county where the number was first issued)
           ^^^^^^^^ date of birth
                    ^^^ sequence code (odd for men, even for women)
                        ^ check character, ISO 7064 MOD 11-2 (0-9 or X)

Rules and why:

* 18 characters only. First-generation 15-digit cards stopped being valid on
  2013-01-01, so a 15-digit number is refused with its own message.
* The address code is checked only for its province (first two digits). The county part
  is the county *at the time of issue* and is never updated, so numbers carry county
  codes retired decades ago; refusing them would lock out real people. 香港, 澳门 and
  台湾 residents' residence permits (港澳台居民居住证) use 81, 82 and 83.
* The birth date must be a real date, not in the future, and the holder aged
  ``MIN_AGE``–``MAX_AGE``. The lower bound follows PIPL Art. 31: the personal information of
  a child under 14 needs a guardian's consent, which this platform does not collect. The
  upper bound catches a mistyped year (1899 for 1989) rather than excluding anyone real.
* 外国人永久居留身份证 numbers (starting with 9) are not 居民身份证 numbers and are refused.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from stdnum.iso7064 import mod_11_2

from ipms.core import regions

ID_NUMBER_LENGTH = 18
MIN_AGE = 14
MAX_AGE = 100

# Prefixes of 港澳台居民居住证 numbers; 83 (台湾) is not a GB/T 2260 province prefix.
RESIDENCE_PERMIT_PREFIXES = frozenset({"81", "82", "83"})

_FORMAT = re.compile(r"^\d{17}[\dX]$")

MSG_REQUIRED = "请填写身份证号码。"
MSG_OLD_15 = "第一代15位身份证已停止使用，请填写18位身份证号码。"
MSG_LENGTH = "身份证号码应为18位，请核对。"
MSG_FORMAT = "身份证号码由17位数字和1位数字或字母X组成，请核对。"
MSG_REGION = "身份证号码前两位不是有效的省份代码，请核对。"
MSG_BIRTH_DATE = "身份证号码中的出生日期（第7-14位）不是有效日期，请核对。"
MSG_FUTURE = "身份证号码中的出生日期晚于今天，请核对。"
MSG_TOO_YOUNG = f"未满{MIN_AGE}周岁的用户不能在本平台登记身份证号码。"
MSG_TOO_OLD = "身份证号码中的出生年份有误，请核对。"
MSG_CHECK = "身份证号码校验位不正确，请逐位核对（最后一位可能是字母X）。"


@dataclass(frozen=True)
class IdNumberInfo:
    number: str
    province_code: str
    birth_date: datetime.date
    is_male: bool


def normalize_id_number(value: str | None) -> str:
    """Upper-case, drop spaces and dashes, and turn full-width input into ASCII.

    NFKC maps full-width digits and letters (typed with a Chinese input method) to ASCII.
    """
    text = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-]", "", text).upper()


def _age_on(birth: datetime.date, today: datetime.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def parse_id_number(value: str | None, *, today: datetime.date | None = None) -> IdNumberInfo:
    """Validate and decode an ID number; raises ``ValidationError`` with a Chinese message."""
    number = normalize_id_number(value)
    if not number:
        raise ValidationError(MSG_REQUIRED, code="required")
    if len(number) == 15 and number.isdigit():
        raise ValidationError(MSG_OLD_15, code="id_number_15")
    if len(number) != ID_NUMBER_LENGTH:
        raise ValidationError(MSG_LENGTH, code="id_number_length")
    if not _FORMAT.match(number):
        raise ValidationError(MSG_FORMAT, code="id_number_format")
    prefix = number[:2]
    if prefix not in regions.province_prefixes() and prefix not in RESIDENCE_PERMIT_PREFIXES:
        raise ValidationError(MSG_REGION, code="id_number_region")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(MSG_BIRTH_DATE, code="id_number_birth_date") from None
    today = today or timezone.localdate()
    if birth > today:
        raise ValidationError(MSG_FUTURE, code="id_number_birth_future")
    age = _age_on(birth, today)
    if age < MIN_AGE:
        raise ValidationError(MSG_TOO_YOUNG, code="id_number_too_young")
    if age > MAX_AGE:
        raise ValidationError(MSG_TOO_OLD, code="id_number_too_old")
    if not mod_11_2.is_valid(number):
        raise ValidationError(MSG_CHECK, code="id_number_check")
    return IdNumberInfo(
        number=number,
        province_code=f"{prefix}0000",
        birth_date=birth,
        is_male=int(number[16]) % 2 == 1,
    )


def is_valid_id_number(value: str | None, *, today: datetime.date | None = None) -> bool:
    try:
        parse_id_number(value, today=today)
    except ValidationError:
        return False
    return True


def mask_id_number(value: str | None) -> str:
    """``110101********1234``: keep the region code and the last four, hide the birth date.

    Anything that is not 18 characters long keeps at most its last four characters, so a
    malformed value never leaks more than a valid one would.
    """
    number = normalize_id_number(value)
    if not number:
        return ""
    if len(number) == ID_NUMBER_LENGTH:
        return f"{number[:6]}{'*' * 8}{number[-4:]}"
    visible = number[-4:] if len(number) > 8 else ""
    return "*" * (len(number) - len(visible)) + visible
