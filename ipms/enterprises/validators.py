"""统一社会信用代码 (GB 32100-2015) and 15-digit 营业执照注册号 (GS15-2006).

An enterprise registers with either number as printed on its business licence
(product-rules §3). Both are checked here with messages a Chinese user can act on.

统一社会信用代码, 18 characters from ``0-9 A-H J-N P-R T U W-Y`` (no I O S V Z)::

    9 1 350100 M000100Y4 3
    ^ 登记管理部门码 (registration authority: 1-9, A, N, Y)
      ^ 机构类别码 (kind of organisation; allowed values depend on the authority)
        ^^^^^^ 登记管理机关行政区划码 (digits)
               ^^^^^^^^^ 主体标识码 = the 9-character 组织机构代码 of GB 11714
                         ^ 校验码: weighted sum of the first 17 characters mod 31

Decisions, and why:

* python-stdnum's ``cn.uscc`` insists on digits in positions 1-8, but GB 32100 gives the
  authority code letters (A 中央军委改革和编制办公室, N 农业, Y 其他), so the code is
  checked here with the standard's own alphabet and weights.
* The 主体标识码 must carry a valid GB 11714 check character (weights 3 7 9 10 5 8 4 2,
  ``11 - sum mod 11``, 10 → X, 11 → 0): GB 32100 defines positions 9-17 as the
  organisation code, check character included. Every real code we tested satisfies it,
  including the anomalous Xiamen ones below.
* The region part is checked for being six digits only. It names the registering
  authority, which may be national (100000) or a division that has since been retired;
  the check character already catches a mistyped digit there.
* Xiamen issued codes of the form ``913502xxM0001…`` before the national rules settled
  whose 18th character does not follow GB 32100, and they are still printed on valid
  licences (hutool issues #2020 and #4119). Such codes are accepted when every other rule
  holds; refusing them would lock out real enterprises.

营业执照注册号 (GS15-2006): 15 digits, the first six the registering authority's region,
the last a check digit per ISO 7064 MOD 11,10 (GB/T 17710), computed with python-stdnum.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from stdnum.iso7064 import mod_11_10

USCC_LENGTH = 18
REGISTRATION_NUMBER_LENGTH = 15

# GB 32100-2015 代码字符集: the value of a character is its index.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUES = {char: index for index, char in enumerate(USCC_ALPHABET)}

# 登记管理部门码 → its 机构类别码 (GB 32100-2015, table 1).
USCC_CATEGORIES: dict[str, frozenset[str]] = {
    "1": frozenset("1239"),  # 机构编制: 机关, 事业单位, 中央编办直管群众团体, 其他
    "2": frozenset("19"),  # 外交: 外国常驻新闻机构, 其他
    "3": frozenset("123459"),  # 司法行政: 律所, 公证处, 基层法律服务所, 司法鉴定, 仲裁委, 其他
    "4": frozenset("19"),  # 文化: 外国在华文化中心, 其他
    "5": frozenset("1239"),  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": frozenset("129"),  # 旅游: 外国/港澳台旅游部门常驻代表机构, 其他
    "7": frozenset("129"),  # 宗教: 宗教活动场所, 宗教院校, 其他
    "8": frozenset("19"),  # 工会: 基层工会, 其他
    "9": frozenset("123"),  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": frozenset("19"),  # 中央军委改革和编制办公室: 军队事业单位, 其他
    "N": frozenset("1239"),  # 农业: 组级/村级/乡镇级集体经济组织, 其他
    "Y": frozenset("1"),  # 其他: not divided further, always 1
}

# GB 11714-1997 组织机构代码: the body's characters are 0-9 and A-Z (A = 10 … Z = 35).
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

_LEGACY_XIAMEN = re.compile(r"^913502\d{2}M0001[0-9A-HJ-NPQRTUWXY]{5}$")

MSG_REQUIRED = "请填写统一社会信用代码或营业执照注册号。"
MSG_LENGTH = "请填写18位统一社会信用代码或15位营业执照注册号。"
MSG_USCC_CHARS = "统一社会信用代码只含数字和大写字母，且不含字母 I、O、S、V、Z，请核对营业执照。"
MSG_USCC_AUTHORITY = "统一社会信用代码第1位（登记管理部门码）不正确，请核对营业执照。"
MSG_USCC_CATEGORY = "统一社会信用代码第2位（机构类别码）不正确，请核对营业执照。"
MSG_USCC_REGION = "统一社会信用代码第3-8位（行政区划码）应为数字，请核对营业执照。"
MSG_USCC_ORG_CODE = "统一社会信用代码第9-17位（组织机构代码）不正确，请核对营业执照。"
MSG_USCC_CHECK = "统一社会信用代码校验位不正确，请核对营业执照。"
MSG_REG_NO_DIGITS = "15位营业执照注册号应全部为数字，请核对营业执照。"
MSG_REG_NO_CHECK = "营业执照注册号校验位不正确，请核对营业执照。"


def normalize_credit_code(value: str | None) -> str:
    """Upper-case and drop spaces and dashes; full-width input becomes ASCII (NFKC)."""
    text = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-]", "", text).upper()


def uscc_check_character(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 whose first 17 characters are given."""
    total = sum(
        _USCC_VALUES[char] * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_character(body8: str) -> str:
    """The 9th character of a GB 11714 组织机构代码 whose first 8 characters are given."""
    total = sum(
        int(char, 36) * weight for char, weight in zip(body8, ORG_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_uscc(value: str | None) -> None:
    """Raise ``ValidationError`` unless ``value`` is a valid 18-character 统一社会信用代码."""
    code = normalize_credit_code(value)
    if len(code) != USCC_LENGTH:
        raise ValidationError(MSG_LENGTH, code="credit_code_length")
    if any(char not in _USCC_VALUES for char in code):
        raise ValidationError(MSG_USCC_CHARS, code="credit_code_chars")
    categories = USCC_CATEGORIES.get(code[0])
    if categories is None:
        raise ValidationError(MSG_USCC_AUTHORITY, code="credit_code_authority")
    if code[1] not in categories:
        raise ValidationError(MSG_USCC_CATEGORY, code="credit_code_category")
    if not code[2:8].isdigit():
        raise ValidationError(MSG_USCC_REGION, code="credit_code_region")
    if org_code_check_character(code[8:16]) != code[16]:
        raise ValidationError(MSG_USCC_ORG_CODE, code="credit_code_org_code")
    if uscc_check_character(code[:17]) != code[17] and not _LEGACY_XIAMEN.match(code):
        raise ValidationError(MSG_USCC_CHECK, code="credit_code_check")


def validate_registration_number(value: str | None) -> None:
    """Raise ``ValidationError`` unless ``value`` is a valid 15-digit 营业执照注册号."""
    number = normalize_credit_code(value)
    if len(number) != REGISTRATION_NUMBER_LENGTH:
        raise ValidationError(MSG_LENGTH, code="credit_code_length")
    if not number.isdigit():
        raise ValidationError(MSG_REG_NO_DIGITS, code="registration_number_digits")
    if not mod_11_10.is_valid(number):
        raise ValidationError(MSG_REG_NO_CHECK, code="registration_number_check")


def validate_credit_code(value: str | None) -> None:
    """The 营业执照注册号/统一社会信用代码 field: 18-character code or 15-digit number."""
    code = normalize_credit_code(value)
    if not code:
        raise ValidationError(MSG_REQUIRED, code="required")
    if len(code) == USCC_LENGTH:
        validate_uscc(code)
    elif len(code) == REGISTRATION_NUMBER_LENGTH:
        validate_registration_number(code)
    else:
        raise ValidationError(MSG_LENGTH, code="credit_code_length")


def is_valid_credit_code(value: str | None) -> bool:
    try:
        validate_credit_code(value)
    except ValidationError:
        return False
    return True


# --- 公司名称 --------------------------------------------------------------------------------
#
# The name is printed into the invitation SMS sent under the platform's signature to any
# phone an admin types, so it must read as a company name and nothing else: no link, no
# number to call, no 【】 that would fake a second signature, no text of a paragraph's
# length. Checked after NFKC, so full-width ｗｗｗ．… or １３６… count as what they are.

ENTERPRISE_NAME_MIN_LENGTH = 2
ENTERPRISE_NAME_MAX_LENGTH = 50
ENTERPRISE_NAME_LENGTH = (
    f"公司名称应为{ENTERPRISE_NAME_MIN_LENGTH}至{ENTERPRISE_NAME_MAX_LENGTH}个字，"
    "请按营业执照填写。"
)
ENTERPRISE_NAME_URL = "公司名称不能包含网址或域名。"
ENTERPRISE_NAME_DIGITS = "公司名称不能包含电话号码等连续数字。"
ENTERPRISE_NAME_CHARACTER = "公司名称不能包含“{char}”，请按营业执照填写。"
ENTERPRISE_NAME_NO_LETTERS = "请填写营业执照上的公司名称。"

# A scheme, "www", or a dot between a word and two Latin letters or more (x.cn, 支付.com).
_URL_RE = re.compile(r"https?|://|www|\S\s*[.。]\s*[a-z]{2,}\b", re.IGNORECASE)
# Seven digits or more, also when split by spaces or dashes (136 0000 2925).
_DIGIT_RUN_RE = re.compile(r"\d(?:[\s\-‐–—]*\d){6,}")
# What a licence's name holds: Chinese characters, Latin letters and digits, spaces, and
# the punctuation of real names (（中国）, ·, &, 、, hyphens, an English "Co., Ltd.").
_NAME_PUNCTUATION = set(" ()（）·・.,，、&'’-—")


def _name_character_ok(char: str) -> bool:
    if char in _NAME_PUNCTUATION or (char.isascii() and char.isalnum()):
        return True
    return unicodedata.category(char) == "Lo" and (
        "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or char >= "\U00020000"
    )


def enterprise_name_error(value: str) -> str | None:
    """The message for a 公司名称 that breaks the rules above, else None."""
    name = unicodedata.normalize("NFKC", value or "").strip()
    if not ENTERPRISE_NAME_MIN_LENGTH <= len(name) <= ENTERPRISE_NAME_MAX_LENGTH:
        return ENTERPRISE_NAME_LENGTH
    if _URL_RE.search(name):
        return ENTERPRISE_NAME_URL
    if _DIGIT_RUN_RE.search(name):
        return ENTERPRISE_NAME_DIGITS
    for char in name:
        if not _name_character_ok(char):
            shown = char if char.isprintable() and not char.isspace() else "特殊字符"
            return ENTERPRISE_NAME_CHARACTER.format(char=shown)
    if not any(char.isalpha() for char in name):
        return ENTERPRISE_NAME_NO_LETTERS
    return None


def validate_enterprise_name(value: str) -> None:
    error = enterprise_name_error(value)
    if error is not None:
        raise ValidationError(error, code="enterprise_name")
