"""Provinces and cities of China per GB/T 2260 (中华人民共和国行政区划代码).

The data (``data/regions.json``) holds the 34 provincial-level divisions and, for each, the
divisions a person would call their 城市: the prefecture-level ones (地级市, 地区, 自治州, 盟)
and the county-level ones a province administers directly (省直辖县级行政区划 such as 仙桃市
or 济源市), which belong to no prefecture and would otherwise be unselectable.

For the 直辖市 (北京, 天津, 上海, 重庆), 香港, 澳门 and 台湾 the only "city" is the division
itself, with the same code, as the user manual shows it (上海市 / 上海市).

Everything is stored and compared by its 6-digit code; names are for display. Retired codes
(e.g. 莱芜市, merged into 济南市 in 2019) are not in the list, so old records keep their code
and :func:`region_name` returns ``None`` for it; callers show the code instead.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import NamedTuple

from django.core.exceptions import ValidationError

DATA_FILE = Path(__file__).resolve().parent / "data" / "regions.json"


class Region(NamedTuple):
    code: str
    name: str
    # True for a county-level division that a province administers directly.
    county_level: bool = False


class _Index(NamedTuple):
    provinces: tuple[Region, ...]
    cities: dict[str, tuple[Region, ...]]
    names: dict[str, str]
    province_of: dict[str, str]


@cache
def _index() -> _Index:
    with DATA_FILE.open(encoding="utf-8") as handle:
        data = json.load(handle)
    provinces: list[Region] = []
    cities: dict[str, tuple[Region, ...]] = {}
    names: dict[str, str] = {}
    province_of: dict[str, str] = {}
    for entry in data["provinces"]:
        province = Region(entry["code"], entry["name"])
        provinces.append(province)
        names[province.code] = province.name
        members = tuple(
            Region(city["code"], city["name"], bool(city.get("county_level")))
            for city in entry["cities"]
        )
        cities[province.code] = members
        for city in members:
            names.setdefault(city.code, city.name)
            province_of[city.code] = province.code
    return _Index(tuple(provinces), cities, names, province_of)


def provinces() -> tuple[Region, ...]:
    """The 34 provincial-level divisions in code order."""
    return _index().provinces


def cities(province_code: str) -> tuple[Region, ...]:
    """The cities of a province in code order; empty for an unknown code."""
    return _index().cities.get(province_code or "", ())


def is_province(code: str) -> bool:
    return (code or "") in _index().cities


def is_valid_pair(province_code: str, city_code: str) -> bool:
    """True when ``city_code`` is one of the cities of ``province_code``."""
    if not province_code or not city_code:
        return False
    return _index().province_of.get(city_code) == province_code


PROVINCE_INVALID = "请选择有效的省份。"
CITY_NEEDS_PROVINCE = "请先选择省份，再选择城市。"
CITY_INVALID = "所选城市不属于所选省份，请重新选择。"


def region_error(province_code: str | None, city_code: str | None) -> tuple[str, str] | None:
    """``(field, message)`` of the first problem of a 省份/城市 pair, or ``None``.

    Both may be empty; a city needs its province. The one rule every form, service and
    model applies to a person's or a member's region.
    """
    province, city = (province_code or "").strip(), (city_code or "").strip()
    if province and not is_province(province):
        return "province", PROVINCE_INVALID
    if city and not province:
        return "city", CITY_NEEDS_PROVINCE
    if city and not is_valid_pair(province, city):
        return "city", CITY_INVALID
    return None


def validate_region(province_code: str | None, city_code: str | None) -> None:
    """:func:`region_error` as a ``ValidationError`` on its field (for ``Model.clean``)."""
    error = region_error(province_code, city_code)
    if error is not None:
        field, message = error
        raise ValidationError({field: message})


def region_name(code: str) -> str | None:
    """The name of a province or city code, or ``None`` if the code is not in the list."""
    return _index().names.get(code or "")


def province_name(code: str) -> str | None:
    return region_name(code) if is_province(code) else None


def city_name(code: str) -> str | None:
    return region_name(code) if (code or "") in _index().province_of else None


def province_prefixes() -> frozenset[str]:
    """The first two digits of every provincial code ("11" … "82")."""
    return frozenset(province.code[:2] for province in provinces())


def province_choices() -> list[tuple[str, str]]:
    """``(code, name)`` pairs for a form's 省份 select."""
    return [(province.code, province.name) for province in provinces()]


def city_choices(province_code: str) -> list[tuple[str, str]]:
    """``(code, name)`` pairs for a form's 城市 select once a province is chosen."""
    return [(city.code, city.name) for city in cities(province_code)]
