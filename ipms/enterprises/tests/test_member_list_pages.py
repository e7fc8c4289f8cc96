"""成员管理 and 学习管理 paged on an index (issue 10 item 4): every page holds the rows the
plain ordering would (the admin first), pages counted from the end agree with pages
counted from the start, the search finds what the lists show, and a page costs the same
queries for 5 and for 60 members — first page, a deep page and a search, both lists."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ipms.accounts.tests.factories import UserFactory
from ipms.core.pagination import KeyedPaginator, paginate
from ipms.enterprises import selectors
from ipms.enterprises.models import Membership

from .factories import MembershipFactory

pytestmark = pytest.mark.django_db

MEMBERS = reverse("enterprises:member_list")
REPORT = "/courses/report/"


def add_members(enterprise, count: int, *, start: int = 0) -> list[Membership]:
    """``count`` learners, every third one 待验证, added a minute apart (in that order)."""
    base = timezone.now() - datetime.timedelta(days=1)
    rows = []
    for index in range(start, start + count):
        if index % 3 == 2:
            row = MembershipFactory(enterprise=enterprise, pending=True, name=f"待验证{index:02d}")
        else:
            row = MembershipFactory(enterprise=enterprise, user__name=f"学员{index:02d}")
        Membership.objects.filter(pk=row.pk).update(
            created_at=base + datetime.timedelta(minutes=index)
        )
        rows.append(row)
    return rows


def expected(enterprise, statuses, **filters) -> list[int]:
    """The plain ordering the lists keep: the admin first, then in the order added."""
    rows = Membership.objects.filter(enterprise=enterprise, status__in=statuses, **filters)
    admin = [m.pk for m in rows if m.role == Membership.Role.ADMIN]
    learners = rows.filter(role=Membership.Role.LEARNER).order_by("created_at", "id")
    return admin + [m.pk for m in learners]


def every_page(listing, per_page: int) -> list[list[int]]:
    paginator = KeyedPaginator(listing.keys, per_page, rows=listing.rows, lead=listing.lead)
    return [[m.pk for m in paginator.page(n).object_list] for n in paginator.page_range]


@pytest.mark.parametrize("count", [0, 1, 6, 7, 13])
@pytest.mark.parametrize("per_page", [1, 3, 5])
def test_every_page_holds_the_rows_of_the_plain_order(enterprise, count, per_page):
    add_members(enterprise, count)
    MembershipFactory(enterprise=enterprise, status="removed", removed_at=timezone.now())
    MembershipFactory()  # another enterprise's member

    pages = every_page(selectors.member_rows(enterprise), per_page)
    want = expected(enterprise, Membership.ACTIVE_STATUSES)
    assert [pk for page in pages for pk in page] == want
    assert all(len(page) == per_page for page in pages[:-1])

    verified = every_page(selectors.verified_member_rows(enterprise), per_page)
    assert [pk for page in verified for pk in page] == expected(enterprise, ["verified"])


def test_the_second_half_is_read_backwards_and_still_in_order(enterprise):
    add_members(enterprise, 40)
    listing = selectors.member_rows(enterprise)
    paginator = KeyedPaginator(listing.keys, 10, rows=listing.rows, lead=listing.lead)
    with CaptureQueriesContext(connection) as first:
        paginator.page(1)
    with CaptureQueriesContext(connection) as last:
        page = paginator.page(paginator.num_pages)
    backwards = '"id" DESC'  # the keys' order reversed (the pk ends it)
    assert backwards not in first.captured_queries[-1]["sql"]
    assert backwards in last.captured_queries[-1]["sql"]  # walked from the end
    assert [m.pk for m in page] == expected(enterprise, Membership.ACTIVE_STATUSES)[-1:]
    assert [m.pk for m in paginator.page(3)] == (
        expected(enterprise, Membership.ACTIVE_STATUSES)[20:30]
    )


def test_keys_must_be_ordered(enterprise):
    with pytest.raises(ValueError):
        KeyedPaginator(Membership.objects.order_by(), 20, rows=Membership.objects.all())


def test_rows_carry_the_open_invitation_for_the_page_only(enterprise, admin_user):
    from ipms.enterprises.services import membership_invite

    invited = membership_invite(
        enterprise=enterprise, by=admin_user, phone="13600002925", position="legal"
    ).membership
    page = paginate(RequestFactory().get("/"), **_listing(selectors.member_rows(enterprise)))
    row = next(m for m in page.object_list if m.pk == invited.pk)
    assert row.open_invite_expires_at > timezone.now()


def _listing(listing) -> dict:
    return {"queryset": listing.keys, "rows": listing.rows, "lead": listing.lead}


# --- search -----------------------------------------------------------------------------


def found(enterprise, search: str, *, verified_only: bool = False) -> set[int]:
    select = selectors.verified_member_rows if verified_only else selectors.member_rows
    listing = select(enterprise, search=search)
    paginator = KeyedPaginator(listing.keys, 100, rows=listing.rows, lead=listing.lead)
    return {m.pk for m in paginator.page(1).object_list}


def test_search_by_the_name_shown(enterprise, admin_user):
    named = MembershipFactory(enterprise=enterprise, name="张总监", user__name="张三")
    unnamed = MembershipFactory(enterprise=enterprise, name="", user__name="李研发")
    invitee = MembershipFactory(enterprise=enterprise, pending=True, name="王小明")
    latin = MembershipFactory(enterprise=enterprise, name="Li Ming")
    assert found(enterprise, "总监") == {named.pk}
    assert found(enterprise, "研发") == {unnamed.pk}  # the account's name, shown for it
    assert found(enterprise, "张三") == set()  # hidden behind the row's own 姓名
    assert found(enterprise, "小") == {invitee.pk}
    assert found(enterprise, "li MING") == {latin.pk}  # letters in any case
    assert found(enterprise, "王管") == {enterprise.memberships.get(user=admin_user).pk}
    assert found(enterprise, "王小明", verified_only=True) == set()  # 学习管理: 已验证 only


def test_search_by_phone_digits_anywhere(enterprise):
    one = MembershipFactory(enterprise=enterprise, user__phone="13911112222")
    two = MembershipFactory(enterprise=enterprise, user__phone="13933334444")
    invitee = MembershipFactory(enterprise=enterprise, pending=True, phone="13755556666")
    MembershipFactory(user__phone="13955557777")  # another enterprise's
    assert found(enterprise, "13911112222") == {one.pk}  # all eleven digits
    assert found(enterprise, "139111") == {one.pk}  # the start
    assert found(enterprise, "4444") == {two.pk}  # the end (尾号)
    assert found(enterprise, "5555") == {invitee.pk}
    assert found(enterprise, "5555", verified_only=True) == set()
    assert found(enterprise, "13600000000") == set()


def test_a_phone_change_is_found_under_the_new_number(enterprise):
    from ipms.accounts.signals import phone_changed

    member = MembershipFactory(enterprise=enterprise, user__phone="13911112222")
    user = member.user
    user.phone = "13988889999"
    user.save()
    phone_changed.send(sender=type(user), user=user)
    assert found(enterprise, "13988889999") == {member.pk}
    assert found(enterprise, "13911112222") == set()


# --- constant queries, both lists -------------------------------------------------------


def _queries(client, path: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def report_course():
    from ipms.learning.tests.factories import CourseFactory, LessonFactory

    course = CourseFactory(title="知识产权管理人员课程")
    LessonFactory.create_batch(3, course=course, duration=600)
    return course


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (MEMBERS, {}),
        (MEMBERS, {"page": 2}),
        (MEMBERS, {"page": 999}),  # the last page
        (MEMBERS, {"q": "学员"}),
        (MEMBERS, {"q": "学员", "page": 2}),
        (MEMBERS, {"q": "1390"}),
        (REPORT, {}),
        (REPORT, {"page": 2}),
        (REPORT, {"page": 999}),
        (REPORT, {"q": "学员"}),
        (REPORT, {"q": "1390", "page": 2}),
    ],
)
def test_a_page_costs_the_same_queries_for_5_and_60_members(
    client, enterprise, admin_user, report_course, path, params
):
    client.force_login(admin_user)
    client.get(MEMBERS)  # the first request after login writes the session
    add_members(enterprise, 4)  # 5 with the admin
    few = _queries(client, path, params)
    add_members(enterprise, 55, start=4)  # 60: three pages
    many = _queries(client, path, params)
    assert few == many
    # 学习管理 also reads the courses, the figures, the scores and the credentials.
    assert many <= (12 if path == REPORT else 7), many


def test_the_deep_page_shows_the_last_rows(client, enterprise, admin_user, report_course):
    client.force_login(admin_user)
    rows = add_members(enterprise, 59)
    body = client.get(MEMBERS, {"page": 3}).content.decode()
    assert "第3页/共3页，共60条" in body
    shown = [int(pk) for pk in _member_ids(body)]
    assert shown == [row.pk for row in rows[39:]]
    verified = [r.pk for r in rows if r.status == Membership.Status.VERIFIED]  # 40
    report = client.get(REPORT, {"page": 2}).content.decode()
    assert [int(pk) for pk in _member_ids(report)] == verified[19:39]  # the admin, then 19
    last = client.get(REPORT, {"page": 999}).content.decode()
    assert "第3页/共3页，共41条" in last
    assert [int(pk) for pk in _member_ids(last)] == verified[39:]


def _member_ids(html: str) -> list[str]:
    import re

    return re.findall(r'data-member="(\d+)"', html)


def test_unnamed_rows_are_found_by_their_accounts_name(client, enterprise, admin_user):
    MembershipFactory(enterprise=enterprise, name="", user=UserFactory(name="赵无名"))
    client.force_login(admin_user)
    body = client.get(MEMBERS, {"q": "无名"}).content.decode()
    assert "赵无名" in body and "找到 1 位成员" in body
