"""No English on any page a Chinese user sees.

Each role (visitor, learner, enterprise admin, operator in the console) crawls the pages it
can reach from its entry points over the demo data, following every same-site link, and
submits every form it finds once with empty input to bring out the error messages. In
each page the text that reads as a message (labels, buttons, headings, table headers,
errors, alerts, help texts, titles, placeholders and accessible names) must not be
English: a run of ASCII words is reported with the page it stands on.
"""

import re
from collections import deque
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db

# Elements whose text is a label or a message rather than data.
MESSAGE_TAGS = {
    "label", "button", "legend", "th", "h1", "h2", "h3", "h4", "h5", "h6", "caption",
    "title", "option", "summary", "small", "dt",
}  # fmt: skip
MESSAGE_CLASSES = re.compile(
    r"\b(errorlist|invalid-feedback|alert|help|form-text|messagelist|errornote|errors|"
    r"nav-link|dropdown-item|btn|badge|breadcrumbs?|page-link|empty)\b"
)
MESSAGE_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "value")
# An English word of three letters or more; a message made of such words is English.
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
CJK = re.compile(r"[\u3400-\u9fff]")
# Names and codes that are the same in Chinese text: product and format names, units.
ALLOWED = {
    "PDF", "Excel", "xlsx", "GB/T", "CNIPA", "ID", "IP", "SMS", "QR", "URL", "PNG",
    "JPG", "JPEG", "MP4", "HTML", "WPS",
}  # fmt: skip
# Links a crawler must not follow: they end the session or change state on GET.
SKIP_PATHS = ("/accounts/logout/", "/console/logout/", "/captcha/", "/media/", "/static/")
# Sorting and facet variants of a console list show the same texts again.
SKIP_QUERIES = ("o=", "_facets", "__exact=", "__gte=", "__lt=", "_popup", "_changelist_filters")
MAX_PAGES = 400


class _Collector(HTMLParser):
    """Collects message texts, links and forms of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.messages: list[str] = []
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._stack: list[bool] = []  # per open element: is it a message element?
        self._skip = 0  # inside <script>/<style>

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"script", "style"}:
            self._skip += 1
        classes = attrs.get("class") or ""
        is_message = tag in MESSAGE_TAGS or bool(MESSAGE_CLASSES.search(classes))
        if tag not in {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}:
            self._stack.append(is_message)
        for name in MESSAGE_ATTRIBUTES:
            value = attrs.get(name)
            if value and not (name == "value" and attrs.get("type") not in {"submit", "button"}):
                self.messages.append(value)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "form":
            self.forms.append(
                {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action")}
            )

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._skip = max(0, self._skip - 1)
        if self._stack and tag not in {"br", "img", "input", "meta", "link", "hr"}:
            self._stack.pop()

    def handle_data(self, data):
        if self._skip or not any(self._stack):
            return
        text = data.strip()
        if text:
            self.messages.append(text)


def english_messages(html: str) -> list[str]:
    collector = _Collector()
    collector.feed(html)
    return [text for text in collector.messages if _is_english(text)]


def _is_english(text: str) -> bool:
    if CJK.search(text):
        return False
    words = [word for word in ENGLISH_WORD.findall(text) if word not in ALLOWED]
    return bool(words)


def _parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def _same_site(base: str, href: str) -> str | None:
    url, _ = urldefrag(urljoin(base, href))
    parsed = urlparse(url)
    if parsed.scheme not in {"", "http"} or parsed.netloc not in {"", "testserver"}:
        return None
    path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    if any(parsed.path.startswith(skip) for skip in SKIP_PATHS):
        return None
    if any(key in parsed.query for key in SKIP_QUERIES):
        return None
    return path


def crawl(client, start: list[str]) -> dict[str, list[str]]:
    """Visit every page reachable from ``start``; return English messages by page."""
    found: dict[str, list[str]] = {}
    seen: set[str] = set()
    queue = deque(start)
    visited = 0
    while queue and visited < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        visited += 1
        if response.status_code in {301, 302}:
            target = _same_site(path, response["Location"])
            if target and target not in seen:
                queue.append(target)
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        page = _parse(html)
        bad = [text for text in page.messages if _is_english(text)]
        if bad:
            found[path] = bad
        for form in page.forms:
            if form["method"] != "post":
                continue
            action = _same_site(path, form["action"] or path)
            if action is None or ("post", action) in seen or _has_side_effect(action):
                continue
            seen.add(("post", action))
            posted = client.post(action, {})
            if posted.status_code == 200 and "text/html" in posted.get("Content-Type", ""):
                errors = english_messages(posted.content.decode())
                if errors:
                    found[f"POST {action}"] = errors
        for href in page.links:
            target = _same_site(path, href)
            if target and target not in seen:
                queue.append(target)
    assert visited > 5, f"the crawl from {start} reached almost nothing"
    return found


def _has_side_effect(action: str) -> bool:
    """Empty POSTs that would act rather than fail validation (logout, identity switch)."""
    return any(word in action for word in ("logout", "identity", "delete", "remove", "resend"))


@pytest.fixture
def demo_data():
    call_command("load_demo", quiet_accounts=True, stdout=StringIO())


def _login(client, phone):
    client.force_login(get_user_model().objects.get(phone=phone))


@pytest.mark.parametrize(
    ("role", "phone", "start"),
    [
        ("visitor", None, ["/", "/accounts/login/", "/accounts/register/"]),
        ("learner", "13600002925", ["/", "/accounts/settings/"]),
        ("individual learner", "13700000005", ["/"]),
        ("enterprise admin", "18600002641", ["/enterprise/members/"]),  # /enterprise/ redirects
        ("operator", "13800000000", ["/console/"]),
    ],
)
def test_no_english_messages_on_any_page(client, demo_data, role, phone, start):
    if phone:
        _login(client, phone)
    found = crawl(client, start)
    first_seen: dict[str, str] = {}
    for page, texts in sorted(found.items()):
        for text in texts:
            first_seen.setdefault(text, page)
    report = "\n".join(f"{text!r} (first on {page})" for text, page in first_seen.items())
    assert not found, f"English text on the {role}'s pages:\n{report}"


def test_the_detector_finds_english_and_passes_chinese():
    html = (
        "<form><label>Model name</label><button>提交</button>"
        "<ul class='errorlist'><li>This field is required.</li></ul>"
        "<input placeholder='请输入手机号'><th>PDF 下载</th><p>data, not a message</p></form>"
    )
    assert english_messages(html) == ["Model name", "This field is required."]
