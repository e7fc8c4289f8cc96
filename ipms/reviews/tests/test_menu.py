"""机构审核 in the user menu: a reviewer on a public page finds the way back to the console,
without a query per page (the flag is kept in the session from login on)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipms.accounts.tests.factories import UserFactory
from ipms.reviews.receivers import REVIEWER_SESSION_KEY

pytestmark = pytest.mark.django_db

LINK = 'data-testid="user-menu-link"'


def menu_links(page: str) -> list[str]:
    return [line for line in page.splitlines() if LINK in line]


def test_a_reviewer_sees_the_console_in_the_user_menu(client, reviewer):
    client.force_login(reviewer.user)
    page = client.get(reverse("content:home")).content.decode()
    (link,) = menu_links(page)
    assert f'href="{reverse("reviews:console_home")}"' in link and ">机构审核<" in link
    assert "active" not in link
    console = client.get(reverse("reviews:console_list")).content.decode()
    (link,) = menu_links(console)
    assert 'aria-current="page"' in link


def test_others_do_not(client, admin):
    for user in (UserFactory(), admin, UserFactory(is_staff=True)):
        client.force_login(user)
        assert client.session[REVIEWER_SESSION_KEY] is False
        assert menu_links(client.get(reverse("content:home")).content.decode()) == []


def test_the_menu_costs_no_query_per_page(client, reviewer):
    client.force_login(reviewer.user)
    client.get(reverse("content:home"))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("content:home")).content.decode()
    assert menu_links(page)
    assert not [q["sql"] for q in queries.captured_queries if '"reviews_reviewer"' in q["sql"]]


def test_a_session_from_before_the_flag_looks_it_up_once(client, reviewer):
    client.force_login(reviewer.user)
    session = client.session
    del session[REVIEWER_SESSION_KEY]
    session.save()
    assert menu_links(client.get(reverse("content:home")).content.decode())
    assert client.session[REVIEWER_SESSION_KEY] is True
