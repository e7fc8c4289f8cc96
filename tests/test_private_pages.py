"""Pages for a signed-in user are never stored by a cache (Cache-Control: private, no-store).

ipms.core.middleware.PrivateResponsesMiddleware sets it for every response to a signed-in
user that has no Cache-Control of its own; these tests take the pages of the issue (成员管理,
the import preview) and others that show personal data.
"""

import pytest
from django.urls import reverse
from django.utils.cache import get_max_age

from ipms.accounts.tests.factories import UserFactory
from ipms.enterprises.tests.factories import (
    MembershipFactory,
    enterprise_with_admin,
)
from ipms.enterprises.tests.helpers import upload, xlsx
from ipms.learning.tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    enterprise, admin = enterprise_with_admin(UserFactory(name="王管理"))
    MembershipFactory(enterprise=enterprise, user=UserFactory(name="张三"))
    client.force_login(admin)
    return client


def assert_not_stored(response):
    assert response.status_code == 200, response.status_code
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives, response["Cache-Control"]


def test_the_member_list(admin_client):
    response = admin_client.get(reverse("enterprises:member_list"))
    assert "张三" in response.content.decode()
    assert_not_stored(response)


def test_the_import_preview(admin_client):
    posted = admin_client.post(
        reverse("enterprises:member_import"),
        {"file": upload(xlsx([("李四", "13600002925", "法务", "", "")]))},
    )
    assert posted.status_code == 302
    response = admin_client.get(posted["Location"])
    assert "李四" in response.content.decode()
    assert_not_stored(response)


@pytest.mark.parametrize(
    "name",
    [
        "enterprises:profile",
        "learning:enterprise_report",
        "accounts:settings",
    ],
)
def test_other_pages_with_personal_data(admin_client, name):
    course = CourseFactory()
    assert_not_stored(admin_client.get(reverse(name), {"course": course.pk}))


def test_the_export_page(admin_client):
    # 导出Excel is a POST that starts the job (inline here) and leads to its progress page.
    course = CourseFactory()
    response = admin_client.post(
        reverse("learning:enterprise_report_export"), {"course": course.pk}, follow=True
    )
    assert response.redirect_chain, "the export leads to its page"
    assert_not_stored(response)


def test_a_public_page_for_a_visitor_stays_cacheable(client):
    response = client.get(reverse("content:home"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_view_that_sets_its_own_header_keeps_it(admin_client):
    # The 城市 list is public data and says so itself.
    response = admin_client.get(reverse("core:city_options"), {"province": "310000"})
    assert response["Cache-Control"] == "public, max-age=86400"
    assert get_max_age(response) == 86400
