"""Query counts of representative pages, and no repeated lookup per request (issue 10).

Every signed-in page shows 身份切换 in the layout (``identity_menu``), which needs to know
whether the user administers an enterprise; the admin pages' check
(``enterprise_admin_required``), 个人设置's affiliation and the course page's 证书 tab need
the user's membership too. It is looked up once per request (the request's memo,
ipms.accounts.memo) and every later reader reuses it.

The counts below are those of a small data set; the pages' own tests and `make bench`
show that they do not grow with the data. A page that gains a query must say why here.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.template import engines
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipms.accounts.memo import memo_has, memo_start
from ipms.enterprises import selectors as enterprise_selectors
from ipms.enterprises.models import Membership
from ipms.enterprises.tests.factories import MembershipFactory
from ipms.learning.tests.factories import CourseFactory, LessonFactory

pytestmark = pytest.mark.django_db

MEMBERSHIP_TABLE = '"enterprises_membership"'

# page → queries for an enterprise admin (also a learner) with a warm session.
ADMIN_PAGES = {
    "首页": 6,
    "课程列表": 4,
    "课程页": 12,  # figures stored on the enrolment; the 考试 tab looks its paper up
    "课时页": 13,  # opens a playback view: a savepoint, the enrolment, progress and view rows
    "成员管理": 5,
    "学习管理": 9,
    "个人设置": 2,
}


@pytest.fixture
def course():
    course = CourseFactory(is_published=True)
    LessonFactory(course=course, number=1)
    return course


@pytest.fixture
def admin_membership():
    return MembershipFactory(admin=True)


def _paths(course) -> dict[str, str]:
    lesson = course.lessons.get(number=1)
    return {
        "首页": reverse("content:home"),
        "课程列表": reverse("learning:course_list"),
        "课程页": reverse("learning:course_detail", args=[course.pk]),
        "课时页": reverse("learning:lesson_detail", args=[course.pk, lesson.pk]),
        "成员管理": reverse("enterprises:member_list"),
        "学习管理": f"{reverse('learning:enterprise_report')}?course={course.pk}",
        "个人设置": reverse("accounts:settings"),
    }


def _membership_lookups(queries: list[dict], user) -> list[str]:
    """The statements that read the signed-in user's own membership rows."""
    return [
        query["sql"]
        for query in queries
        if f"FROM {MEMBERSHIP_TABLE}" in query["sql"]
        and f'{MEMBERSHIP_TABLE}."user_id" = {user.pk}' in query["sql"]
    ]


def _get(client, path):
    client.get(path)  # warm: the session, the enrolment, the lesson's rows
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return captured.captured_queries


@pytest.mark.parametrize("page", list(ADMIN_PAGES))
def test_representative_pages_run_a_fixed_number_of_queries(client, course, admin_membership, page):
    client.force_login(admin_membership.user)
    queries = _get(client, _paths(course)[page])
    assert len(queries) == ADMIN_PAGES[page], "\n".join(q["sql"][:160] for q in queries)


@pytest.mark.parametrize("page", list(ADMIN_PAGES))
def test_the_users_membership_is_looked_up_once_per_page(client, course, admin_membership, page):
    client.force_login(admin_membership.user)
    queries = _get(client, _paths(course)[page])
    assert len(_membership_lookups(queries, admin_membership.user)) == 1


@pytest.mark.parametrize("page", ["首页", "课程列表", "课程页", "课时页", "个人设置"])
def test_a_plain_learners_pages_look_the_membership_up_once(client, course, page):
    member = MembershipFactory()
    client.force_login(member.user)
    queries = _get(client, _paths(course)[page])
    assert len(_membership_lookups(queries, member.user)) == 1


# --- template tags and context processors reuse what the request carries ----------------


def _request_with_answer(user):
    """A request as the middleware leaves it, the membership already looked up once."""
    request = RequestFactory().get("/")
    request.user = user
    from django.contrib.sessions.backends.cache import SessionStore

    request.session = SessionStore()
    memo_start(user)
    enterprise_selectors.membership_of(user)
    assert memo_has(user, enterprise_selectors.MEMO_MEMBERSHIP)
    return request


LAYOUT_TAGS = (
    "{% load enterprise_admin ipms %}"
    "{% identity_menu as identity %}[{{ identity.can_switch }}]{% admin_menu %}{% admin_nav %}"
    "{% public_nav learner=True %}"
)


@pytest.mark.parametrize("role", [Membership.Role.ADMIN, Membership.Role.LEARNER])
def test_layout_tags_run_no_query_when_the_request_carries_the_answer(role):
    user = MembershipFactory(role=role).user
    request = _request_with_answer(user)
    template = engines["django"].from_string(LAYOUT_TAGS)
    with CaptureQueriesContext(connection) as captured:
        html = template.render({}, request)
    assert captured.captured_queries == []
    assert f"[{role == Membership.Role.ADMIN}]" in html  # 身份切换 only for an admin


def test_the_layout_tag_would_query_without_the_memo():
    """The check above can fail: without the request's answer the tag looks it up."""
    user = MembershipFactory(admin=True).user
    request = RequestFactory().get("/")
    request.user = user
    from django.contrib.sessions.backends.cache import SessionStore

    request.session = SessionStore()
    template = engines["django"].from_string(LAYOUT_TAGS)
    with CaptureQueriesContext(connection) as captured:
        template.render({}, request)
    assert len(captured.captured_queries) == 1


def test_context_processors_run_no_query_when_the_request_carries_the_answer():
    from django.utils.module_loading import import_string

    user = MembershipFactory(admin=True).user
    request = _request_with_answer(user)
    from django.contrib.messages.storage import default_storage

    request._messages = default_storage(request)
    processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    with CaptureQueriesContext(connection) as captured:
        for path in processors:
            values = import_string(path)(request)
            for value in values.values():
                str(value)  # lazy values (the user, messages) evaluated as a template would
    assert captured.captured_queries == []


def test_a_service_that_changes_the_membership_drops_the_memo():
    user = MembershipFactory(admin=True).user
    memo_start(user)
    assert enterprise_selectors.admin_membership_of(user) is not None
    Membership.objects.filter(user=user).update(role=Membership.Role.LEARNER)
    assert enterprise_selectors.admin_membership_of(user) is not None  # as first read
    enterprise_selectors.membership_forget(user)
    assert enterprise_selectors.admin_membership_of(user) is None
