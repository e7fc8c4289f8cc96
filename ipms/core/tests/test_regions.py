"""The GB/T 2260 province → city list."""

from collections import Counter

import pytest
from django.core.exceptions import ValidationError

from ipms.core import regions


def test_34_provincial_level_divisions_in_code_order():
    provinces = regions.provinces()
    assert len(provinces) == 34
    codes = [province.code for province in provinces]
    assert codes == sorted(codes)
    assert len(set(codes)) == 34
    names = {province.name for province in provinces}
    for expected in ("北京市", "广东省", "新疆维吾尔自治区", "台湾省", "香港特别行政区"):
        assert expected in names
    assert regions.province_name("820000") == "澳门特别行政区"


def test_prefecture_level_count_matches_the_2023_official_total():
    """333 prefecture-level divisions: 293 地级市, 7 地区, 30 自治州, 3 盟."""
    prefecture = [
        city
        for province in regions.provinces()
        for city in regions.cities(province.code)
        if city.code != province.code and not city.county_level
    ]
    assert len(prefecture) == 333
    kinds = Counter(
        next(suffix for suffix in ("自治州", "地区", "盟", "市") if city.name.endswith(suffix))
        for city in prefecture
    )
    assert kinds == {"市": 293, "地区": 7, "自治州": 30, "盟": 3}


def test_every_city_code_is_unique_six_digits_and_inside_its_province():
    seen = set()
    for province in regions.provinces():
        assert province.code.endswith("0000")
        cities = regions.cities(province.code)
        assert cities, province.name
        for city in cities:
            assert len(city.code) == 6 and city.code.isdigit()
            assert city.code[:2] == province.code[:2]
            assert city.code not in seen
            seen.add(city.code)


def test_municipalities_and_special_regions_are_their_own_city():
    for code, name in [
        ("110000", "北京市"),
        ("120000", "天津市"),
        ("310000", "上海市"),
        ("500000", "重庆市"),
        ("710000", "台湾省"),
        ("810000", "香港特别行政区"),
        ("820000", "澳门特别行政区"),
    ]:
        assert regions.cities(code) == (regions.Region(code, name),)
        assert regions.is_valid_pair(code, code)
    # As the manual shows it: 上海市 / 上海市.
    assert regions.city_name("310000") == regions.province_name("310000") == "上海市"


def test_province_administered_county_level_cities_are_selectable():
    for province, city, name in [
        ("420000", "429004", "仙桃市"),
        ("410000", "419001", "济源市"),
        ("460000", "469005", "文昌市"),
        ("650000", "659001", "石河子市"),
    ]:
        assert regions.is_valid_pair(province, city)
        assert regions.city_name(city) == name
        assert {c.code: c.county_level for c in regions.cities(province)}[city] is True


def test_current_divisions_not_retired_ones():
    assert regions.region_name("371200") is None  # 莱芜市, merged into 济南市 in 2019
    assert regions.city_name("650400") == "吐鲁番市"
    assert regions.city_name("540400") == "林芝市"
    assert regions.city_name("460400") == "儋州市"
    assert regions.city_name("654300") == "阿勒泰地区"


def test_is_valid_pair():
    assert regions.is_valid_pair("320000", "320500")  # 江苏省 苏州市
    assert not regions.is_valid_pair("320000", "330100")  # 杭州市 is in 浙江省
    assert not regions.is_valid_pair("320000", "320000")  # a province is not its own city
    assert not regions.is_valid_pair("320000", "")
    assert not regions.is_valid_pair("", "320500")
    assert not regions.is_valid_pair("", "")
    assert not regions.is_valid_pair("999999", "999999")
    assert not regions.is_valid_pair(None, None)


def test_lookups_by_code():
    assert regions.region_name("440300") == "深圳市"
    assert regions.province_name("440300") is None
    assert regions.city_name("440000") is None
    assert regions.cities("999999") == ()
    assert regions.is_province("440000") and not regions.is_province("440300")


def test_choices():
    assert regions.province_choices()[0] == ("110000", "北京市")
    assert ("320500", "苏州市") in regions.city_choices("320000")


def test_province_prefixes_cover_gb2260():
    prefixes = regions.province_prefixes()
    assert {"11", "46", "65", "71", "81", "82"} <= prefixes
    assert "83" not in prefixes and "66" not in prefixes


@pytest.mark.parametrize(
    ("province", "city", "expected"),
    [
        ("", "", None),
        ("320000", "", None),
        ("320000", "320500", None),
        (" 320000 ", "320500 ", None),
        ("999999", "", ("province", regions.PROVINCE_INVALID)),
        ("", "310000", ("city", regions.CITY_NEEDS_PROVINCE)),
        ("320000", "330100", ("city", regions.CITY_INVALID)),
        ("320000", "<script>", ("city", regions.CITY_INVALID)),
        (None, None, None),
    ],
)
def test_region_error_is_the_one_rule(province, city, expected):
    assert regions.region_error(province, city) == expected
    if expected is None:
        regions.validate_region(province, city)
    else:
        with pytest.raises(ValidationError) as caught:
            regions.validate_region(province, city)
        assert caught.value.message_dict == {expected[0]: [expected[1]]}
