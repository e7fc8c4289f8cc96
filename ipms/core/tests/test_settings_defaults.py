"""Each setting has one default, in config/settings.py; the code reads ``settings.X``.

A second default at the point of use (``getattr(settings, "X", default)``) hid five
disagreements with the settings module and one setting that was read but never defined.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import global_settings, settings

ROOT = Path(__file__).resolve().parents[3]
SETTINGS_FILE = ROOT / "config" / "settings.py"

_ATTRIBUTE = re.compile(r"\bsettings\.([A-Z][A-Z0-9_]+)\b")
_BY_NAME = re.compile(r"getattr\(\s*settings\s*,\s*f?\"([A-Z][A-Z0-9_{}.()a-z]*)\"")
_DECLARED = re.compile(r"\bsetting\s*=\s*\"([A-Z][A-Z0-9_]+)\"")  # ratelimit policies
_GETATTR_WITH_DEFAULT = re.compile(r"getattr\(\s*settings\s*,[^()]*(\([^()]*\)[^()]*)*,")
_ENV_READ = re.compile(r"env(?:\.\w+)?\(\s*\"([A-Z0-9_]+)\"")


def _code_files():
    for path in sorted((ROOT / "ipms").rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        yield path


def _assigned_in_settings_module() -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(SETTINGS_FILE.read_text(encoding="utf-8"))):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name) and leaf.id.isupper():
                    names.add(leaf.id)
    return names


def _read_by_the_code() -> dict[str, str]:
    read: dict[str, str] = {}
    for path in _code_files():
        text = path.read_text(encoding="utf-8")
        for pattern in (_ATTRIBUTE, _BY_NAME, _DECLARED):
            for name in pattern.findall(text):
                read.setdefault(name, str(path.relative_to(ROOT)))
    return read


def test_every_setting_the_code_reads_has_its_default_in_the_settings_module():
    ours = _assigned_in_settings_module()
    django_defaults = {name for name in dir(global_settings) if name.isupper()}
    read = _read_by_the_code()
    # The SMS_TENCENT_* options are read by a computed name.
    tencent = {name for name in read if "{" in name}
    assert tencent == {"SMS_TENCENT_{name.upper()}"}
    missing = {
        name: where
        for name, where in read.items()
        if name not in tencent and name not in ours and name not in django_defaults
    }
    assert missing == {}
    for option in ("secret_id", "secret_key", "sdk_app_id", "sign_name", "region", "endpoint"):
        assert f"SMS_TENCENT_{option.upper()}" in ours
    assert "RATELIMIT_IPV6_MASK" in ours and settings.SMS_DAILY_BUDGET == 2000


def test_no_setting_is_read_with_a_second_default():
    offenders = []
    for path in _code_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _GETATTR_WITH_DEFAULT.search(line) or re.search(r"def _setting\(", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_env_example_lists_every_variable_the_settings_read():
    read = set(_ENV_READ.findall(SETTINGS_FILE.read_text(encoding="utf-8")))
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", example, re.MULTILINE))
    assert read - listed == set()
    assert listed - read == set()
