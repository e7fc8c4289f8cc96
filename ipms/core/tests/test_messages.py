"""Each message a user reads is written once: a second copy is imported, never retyped.

Two copies drift apart (one gets a fix, the other not) and a test that asserts one of
them says nothing about the other. Messages are Chinese sentences in string literals;
labels, help texts and placeholders of fields, docstrings and parts of f-strings are not
counted.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
SENTENCE = re.compile(r"[。！？]$|[,，]")
NOT_MESSAGES = {
    "help_text",
    "verbose_name",
    "verbose_name_plural",
    "label",
    "placeholder",
    "description",
    "short_description",
    "empty_label",
    "title",
}


def _messages(source: str):
    tree = ast.parse(source)
    skipped = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skipped.add(id(body[0].value))  # a docstring
        if isinstance(node, ast.JoinedStr):
            skipped.update(id(value) for value in node.values)
        if isinstance(node, ast.keyword) and node.arg in NOT_MESSAGES:
            skipped.update(id(sub) for sub in ast.walk(node.value))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skipped
            and len(node.value) >= 6
            and CJK.search(node.value)
            and SENTENCE.search(node.value)
        ):
            yield node.lineno, node.value


def _copies(root: Path) -> dict[str, list[str]]:
    found = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        if {"tests", "migrations"} & set(path.relative_to(root).parts):
            continue
        for line, text in _messages(path.read_text(encoding="utf-8")):
            found[text].append(f"{path.relative_to(root.parent)}:{line}")
    return {text: where for text, where in found.items() if len(where) > 1}


def test_the_scan_sees_a_copy(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text(
        'DONE = "企业信息已保存。"\nLABEL = dict(label="请填写姓名,谢谢。")\n'
    )
    (package / "b.py").write_text(
        '"""企业信息已保存。"""\n'
        'raise Refused("企业信息已保存。")\n'
        'x = f"共{n}条,企业信息已保存。"\n'
        'field(help_text="请填写姓名,谢谢。")\n'
    )
    assert _copies(package) == {"企业信息已保存。": ["pkg/a.py:1", "pkg/b.py:2"]}


def test_no_message_is_written_twice():
    copies = _copies(PACKAGE)
    assert copies == {}, "import the one definition instead: " + "; ".join(
        f"{text} at {', '.join(where)}" for text, where in copies.items()
    )
