"""Chinese text uses full-width punctuation: ，。：；？！（） — never , : ; ? ! ( ) beside a
Chinese character — in templates, in the Python strings users see and in scripts; and one
dash style: ranges with "-" (50-150人, 第3-8位), never an en dash.

Only the text a user reads is scanned: template tags, comments, docstrings, raw strings
(patterns) and code stay out; a template variable or a format field counts as neither
Chinese nor punctuation.
"""

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HAN = r"[\u3400-\u4dbf\u4e00-\u9fff]"
HALF_WIDTH = re.compile(rf"{HAN}[,:;?!()]|[,;?!()]{HAN}|{HAN}[^\n]*–|–[^\n]*{HAN}")
TEMPLATE_NOISE = re.compile(
    r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}|<script\b.*?</script>"
    r"|<style\b.*?</style>",
    re.S,
)
TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
HTML_TAG = re.compile(r"<[^>]*>")
FORMAT_FIELD = re.compile(r"\{[^{}]*\}")
JS_STRING = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'")


def _templates():
    yield from (ROOT / "templates").rglob("*.html")
    yield from (ROOT / "ipms").glob("*/templates/**/*.html")


def _python_sources():
    for path in (ROOT / "ipms").rglob("*.py"):
        if "migrations" not in path.parts and "tests" not in path.parts:
            yield path
    yield ROOT / "config" / "settings.py"


def _scripts():
    yield from (ROOT / "static" / "js").glob("*.js")
    yield from (ROOT / "ipms").glob("*/static/**/*.js")


def template_text(source: str) -> str:
    text = TEMPLATE_NOISE.sub(" ", source)
    text = TEMPLATE_TAG.sub("X", text)  # a value: neither Chinese nor punctuation
    return HTML_TAG.sub("", text)  # an element boundary inside a sentence


def python_texts(source: str):
    """The string literals of a module that are not docstrings."""
    tokens = [
        token
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type not in (tokenize.NL, tokenize.COMMENT)
    ]
    for index, token in enumerate(tokens):
        if token.type != tokenize.STRING:
            continue
        before = tokens[index - 1].type if index else tokenize.NEWLINE
        after = tokens[index + 1].type if index + 1 < len(tokens) else tokenize.NEWLINE
        statement = before in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
        if statement and after in (tokenize.NEWLINE, tokenize.ENDMARKER):
            continue  # a docstring
        if token.string[:1] in "rR":
            continue  # a regular expression, not a text
        yield token.start[0], FORMAT_FIELD.sub("X", token.string)


def problems_in(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    where = path.relative_to(ROOT)
    found = []
    if path.suffix == ".html":
        for line in template_text(source).splitlines():
            if HALF_WIDTH.search(line):
                found.append(f"{where}: …{line.strip()[:60]}…")
    elif path.suffix == ".py":
        for number, text in python_texts(source):
            if HALF_WIDTH.search(text):
                found.append(f"{where}:{number}: {text[:60]}")
    else:
        for number, line in enumerate(source.splitlines(), 1):
            if line.lstrip().startswith(("//", "*")):
                continue
            for literal in JS_STRING.findall(line):
                if HALF_WIDTH.search(literal):
                    found.append(f"{where}:{number}: {literal[:60]}")
    return found


def test_chinese_text_uses_full_width_punctuation():
    files = [*_templates(), *_python_sources(), *_scripts()]
    assert len(files) > 100
    problems = [problem for path in files for problem in problems_in(path)]
    assert problems == [], "half-width punctuation in Chinese text:\n" + "\n".join(problems)


def test_the_scan_finds_what_it_should():
    assert HALF_WIDTH.search(template_text("<p>已注册,请直接登录</p>"))
    assert HALF_WIDTH.search(template_text("<strong>手机号</strong>:用于"))
    assert HALF_WIDTH.search(template_text("共{{ n }}条,请"))
    assert not HALF_WIDTH.search(template_text("已注册，请直接登录（GB/T 29490）"))
    assert HALF_WIDTH.search(template_text("第3–8位"))
    assert not HALF_WIDTH.search(template_text('{% url "a:b" %}{# 注释,随意 #}'))
    [(_, text)] = list(python_texts('x = f"用时 {a:.1f},秒"\n'))
    assert HALF_WIDTH.search(text)
    assert list(python_texts('def f():\n    """文档,不算。"""\n')) == []
