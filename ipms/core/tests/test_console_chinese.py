"""The console speaks Chinese where Django 5.2's own catalogue stops (locale/zh_Hans)."""

import gettext
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from ipms.accounts.services import operator_create

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def _po_entries(path: Path) -> dict[str, str]:
    """msgid → msgstr (msgstr[0] for plurals) of a plain .po file."""
    entries, current, field = {}, {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[0\])?) "(.*)"$', line)
        if match:
            field = match.group(1).replace("[0]", "")
            current[field] = current.get(field, "") + match.group(2)
        elif line.startswith('"') and field:
            current[field] += line[1:-1]
        elif not line.strip():
            if current.get("msgid"):
                entries[current["msgid"].replace('\\"', '"')] = current.get("msgstr", "")
            current, field = {}, None
    return entries


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_committed_mo_matches_its_po(domain):
    entries = _po_entries(LOCALE / f"{domain}.po")
    assert entries, "no translations read"
    with (LOCALE / f"{domain}.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    for msgid, msgstr in entries.items():
        assert catalog.gettext(msgid) == msgstr.replace('\\"', '"'), msgid


@pytest.fixture
def operator_client(client, db):
    client.force_login(operator_create(phone="13800000001", password="Operat0r2026"))
    return client


def test_the_console_index_table_headers_are_chinese(operator_client):
    html = operator_client.get(reverse("admin:index")).content.decode()
    for english, chinese in [
        ("Model name", "内容类别"),
        ("Add link", "添加链接"),
        ("Change or view list link", "修改或查看列表链接"),
    ]:
        assert english not in html
        assert f'<th scope="col">{chinese}</th>' in html


def test_the_two_box_selector_texts_are_chinese(operator_client):
    script = operator_client.get(reverse("admin:jsi18n")).content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\n\s*\});", script, re.S).group(1))
    assert catalog["Choose all %s"] == "选择全部%s"  # “Choose 讲师…” before
    assert catalog["Choose selected %s"] == "选择选中的%s"
    assert catalog["Remove selected %s"] == "移除选中的%s"
    assert catalog["Remove all %s"] == "移除全部%s"
    assert catalog["(click to clear)"] == "（点击清除）"


def test_yes_no_icons_and_the_search_field_have_chinese_names(operator_client):
    html = operator_client.get(reverse("admin:content_lecturer_changelist")).content.decode()
    assert 'alt="Search"' not in html and 'alt="搜索"' in html
    from ipms.content.tests.factories import LecturerFactory

    LecturerFactory(is_published=True)
    html = operator_client.get(reverse("admin:content_lecturer_changelist")).content.decode()
    assert 'alt="True"' not in html and 'alt="是"' in html


def test_django_messages_left_in_english_upstream_are_chinese():
    with translation.override("zh-hans"):
        assert translation.gettext("This field is required.") == "请填写此项。"
        message = translation.ngettext(
            "This password is too short. It must contain at least %d character.",
            "This password is too short. It must contain at least %d characters.",
            8,
        )
        assert message % 8 == "密码太短，至少需要 8 位。"
