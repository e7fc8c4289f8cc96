"""enterprises hooks itself into accounts' events from EnterprisesConfig.ready()."""

import pytest

from ipms.accounts import selectors as account_selectors
from ipms.accounts import services as account_services
from ipms.accounts.models import User
from ipms.accounts.signals import phone_changed, user_registered
from ipms.accounts.tests.factories import UserFactory
from ipms.enterprises import receivers, selectors

from .factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_receivers_and_the_source_are_connected_once():
    receivers.connect()  # a second call (tests, reloads) changes nothing
    assert phone_changed.has_listeners(User) and user_registered.has_listeners(User)
    live = [ref() for _, ref, *_ in phone_changed.receivers]
    assert live.count(receivers.follow_phone_change) == 1
    sources = account_selectors._affiliation_sources
    assert sources.count(selectors.profile_affiliation) == 1


def test_a_phone_change_moves_the_member_rows_in_the_same_transaction():
    member = MembershipFactory()
    pending = MembershipFactory(enterprise=member.enterprise, pending=True, phone="13912345678")
    account_services.user_phone_change(user=member.user, new_phone="13912345678")
    member.refresh_from_db()
    pending.refresh_from_db()
    assert member.phone == "13912345678"
    assert pending.status == pending.Status.REMOVED  # the duplicate invitation is withdrawn


def test_the_affiliation_is_the_verified_member_row():
    member = MembershipFactory(name="张三", position="legal", province="320000", city="320500")
    found = account_selectors.affiliation_of(member.user)
    assert found == (member.enterprise.name, "张三", "legal", "320000", "320500")
    invited = MembershipFactory(pending=True)
    assert selectors.profile_affiliation(UserFactory(phone=invited.phone)) is None
