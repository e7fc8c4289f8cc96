"""The way back: while the admin identity is active, the user menu offers the admin pages."""

import re

import pytest
from django.urls import reverse

from ipms.enterprises.identity import SESSION_KEY, Identity

from .factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGES = {
    "成员管理": "enterprises:member_list",
    "学习管理": "learning:enterprise_report",
    "企业信息": "enterprises:profile",
}


def user_menu(html: str) -> str:
    return re.search(r'aria-labelledby="user-menu">(.*?)</ul>', html, re.S).group(1)


def menu_links(html: str) -> dict[str, str]:
    found = re.findall(
        r'<a class="dropdown-item[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>', user_menu(html)
    )
    return {label: url for url, label in found}


def _as_admin(client, admin_user, identity):
    client.force_login(admin_user)
    session = client.session
    session[SESSION_KEY] = identity.value
    session.save()


@pytest.mark.parametrize("page", ["content:home", "learning:course_list", "content:policy_list"])
def test_an_admin_on_a_public_page_finds_the_admin_pages_in_the_user_menu(
    client, enterprise, admin_user, page
):
    _as_admin(client, admin_user, Identity.ADMIN)
    links = menu_links(client.get(reverse(page)).content.decode())
    for label, url_name in ADMIN_PAGES.items():
        assert links.get(label) == reverse(url_name)


def test_in_the_learner_identity_the_menu_stays_a_learners(client, enterprise, admin_user):
    _as_admin(client, admin_user, Identity.LEARNER)
    links = menu_links(client.get(reverse("content:home")).content.decode())
    assert not set(ADMIN_PAGES) & set(links)
    assert "个人设置" in links


def test_a_member_never_sees_admin_pages(client, enterprise):
    member = UserFactory()
    MembershipFactory(enterprise=enterprise, user=member)
    client.force_login(member)
    session = client.session
    session[SESSION_KEY] = Identity.ADMIN.value  # a forged mode gives nothing
    session.save()
    links = menu_links(client.get(reverse("content:home")).content.decode())
    assert not set(ADMIN_PAGES) & set(links)


def test_admin_pages_do_not_repeat_their_navigation_in_the_menu(client, enterprise, admin_user):
    _as_admin(client, admin_user, Identity.ADMIN)
    links = menu_links(client.get(reverse("enterprises:member_list")).content.decode())
    assert not set(ADMIN_PAGES) & set(links)
