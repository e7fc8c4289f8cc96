"""Ids in URLs: a number past the database's integer range is a 404, on every URL.

The URLs are read from the resolver, so a URL added later is covered without a change
here. Every primary key in a URL goes through the ``id`` converter (ipms.core.converters);
the test refuses Django's ``int`` converter, which let such numbers reach the database
(an OverflowError, a 500).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern

from ipms.accounts.tests.factories import UserFactory
from ipms.core.converters import MAX_ID, IdConverter
from ipms.enterprises.tests.factories import enterprise_with_admin

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
# Stand-ins for the parameters that are not ids.
OTHER_VALUES = {"slug": "x", "str": "x", "path": "x"}


def _routes(patterns=None, prefix: str = "", converters: dict | None = None):
    """(route, converters by parameter, pattern) for every URL of the project."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    converters = converters or {}
    for entry in patterns:
        pattern = entry.pattern
        if not isinstance(pattern, RoutePattern):
            # re_path (media, the console's app index): no id parameter to fill in.
            continue
        route = prefix + str(pattern)
        found = {**converters, **pattern.converters}
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route, found)
        elif isinstance(entry, URLPattern):
            yield route, found, entry


def _id_routes():
    return [
        (route, found, entry)
        for route, found, entry in _routes()
        if any(isinstance(c, IdConverter | IntConverter) for c in found.values())
    ]


def _filled(route: str, converters: dict) -> str:
    def value(match):
        converter = converters[match["name"]]
        if isinstance(converter, IdConverter | IntConverter):
            return HUGE
        return OTHER_VALUES.get(match["converter"] or "str", "x")

    return "/" + PARAMETER.sub(value, route)


def test_every_id_in_a_url_uses_the_id_converter():
    ints = [route for route, found, _ in _routes() if any(
        isinstance(c, IntConverter) for c in found.values()
    )]  # fmt: skip
    assert ints == [], "use <id:…> for primary keys in URLs (ipms/core/converters.py)"
    routes = [route for route, _, _ in _id_routes()]
    # The URLs of the issue are among them (the walk finds what it should).
    for expected in (
        "courses/<id:course_pk>/lessons/<id:lesson_pk>/",
        "courses/<id:course_pk>/lessons/<id:lesson_pk>/video/",
        "courses/<id:course_pk>/lessons/<id:lesson_pk>/courseware/<id:pk>/",
        "policies/<id:pk>/attachments/<id:attachment_pk>/",
        "enterprise/members/<id:pk>/remove/",
    ):
        assert expected in routes


@pytest.fixture
def clients():
    """Anonymous, an enterprise admin (also a learner), and a superuser of the console."""
    _, admin = enterprise_with_admin()
    superuser = UserFactory(is_staff=True, is_superuser=True)
    signed_in = []
    for user in (admin, superuser):
        client = Client()
        client.force_login(user)
        signed_in.append(client)
    return [Client(), *signed_in]


def test_a_huge_id_is_a_404_on_every_url(clients):
    urls = [(_filled(route, found), entry) for route, found, entry in _id_routes()]
    assert len(urls) >= 10
    problems = []
    for url, entry in urls:
        if not url.startswith("/console/"):  # the console's catch-all: see the last test
            for client in clients:
                try:
                    got = client.get(url).status_code
                    # 405: the text belongs to a read-only section page (a slug of digits).
                    posted = client.post(url).status_code
                except Exception as error:  # the test client re-raises a view's error
                    problems.append(f"{url}: {type(error).__name__}")
                    break
                if got != 404 or posted not in (404, 405):
                    problems.append(f"{url}: GET {got}, POST {posted}")
        # The URL's own view is never reached (another pattern may match the text: a
        # section slug, the console's catch-all, and answer it with its own 404).
        try:
            match = resolve(url)
        except Resolver404:
            continue
        if match.func is entry.callback:
            problems.append(f"{url}: resolves to its own view")
    assert problems == []


def test_the_range_ends_at_the_largest_bigint():
    route = "/courses/1/lessons/{}/"
    assert resolve(route.format(MAX_ID)).kwargs["lesson_pk"] == MAX_ID
    with pytest.raises(Resolver404):
        resolve(route.format(MAX_ID + 1))
    assert resolve(route.format("007")).kwargs["lesson_pk"] == 7


def test_a_huge_id_in_the_console_is_not_a_500(clients):
    """The console's own object URLs take any text (``<path:object_id>``); Django answers
    an unknown one with a redirect and a message, never an error."""
    superuser = clients[-1]
    for url in (
        f"/console/learning/lesson/{HUGE}/change/",
        f"/console/accounts/user/{HUGE}/password/",
        f"/console/enterprises/enterprise/{HUGE}/change/",
    ):
        response = superuser.get(url, follow=True)
        assert response.status_code in (200, 404), url
