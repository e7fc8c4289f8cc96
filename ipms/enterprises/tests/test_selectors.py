"""Scoped reads: an admin sees only their own enterprise's members (ASVS 8.2.2, 8.4.1)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from ipms.accounts.tests.factories import UserFactory
from ipms.enterprises import selectors
from ipms.enterprises.models import Membership
from ipms.enterprises.services import membership_invite, membership_remove

from .factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_admin_gets_a_member_of_their_own_enterprise(enterprise, admin_user):
    member = MembershipFactory(enterprise=enterprise)
    found = selectors.get_membership_for_admin(admin_user=admin_user, pk=member.pk)
    assert found == member


def test_admin_of_a_cannot_get_a_member_of_b(enterprise, admin_user, other_enterprise, other_admin):
    theirs = MembershipFactory(enterprise=other_enterprise)
    their_pending = MembershipFactory(enterprise=other_enterprise, pending=True)
    their_admin_row = other_enterprise.memberships.get(user=other_admin)
    for pk in (theirs.pk, their_pending.pk, their_admin_row.pk):
        with pytest.raises(Http404):
            selectors.get_membership_for_admin(admin_user=admin_user, pk=pk)
    # And the other way round.
    mine = MembershipFactory(enterprise=enterprise)
    with pytest.raises(Http404):
        selectors.get_membership_for_admin(admin_user=other_admin, pk=mine.pk)


@pytest.mark.parametrize("pk", [0, 999_999, "abc", None, "1 OR 1=1"])
def test_missing_or_malformed_ids_are_404(enterprise, admin_user, pk):
    with pytest.raises(Http404):
        selectors.get_membership_for_admin(admin_user=admin_user, pk=pk)


def test_learners_and_strangers_get_404(enterprise):
    member = MembershipFactory(enterprise=enterprise)
    learner = MembershipFactory(enterprise=enterprise).user
    for user in (learner, UserFactory(), AnonymousUser()):
        with pytest.raises(Http404):
            selectors.get_membership_for_admin(admin_user=user, pk=member.pk)


def test_a_removed_member_is_not_found(enterprise, admin_user):
    member = MembershipFactory(enterprise=enterprise)
    membership_remove(membership=member, by=admin_user)
    with pytest.raises(Http404):
        selectors.get_membership_for_admin(admin_user=admin_user, pk=member.pk)


def test_a_former_admin_loses_access(enterprise, admin_user):
    member = MembershipFactory(enterprise=enterprise)
    Membership.objects.filter(user=admin_user).update(role=Membership.Role.LEARNER)
    with pytest.raises(Http404):
        selectors.get_membership_for_admin(admin_user=admin_user, pk=member.pk)


def test_enterprise_for_admin(enterprise, admin_user):
    learner = MembershipFactory(enterprise=enterprise).user
    assert selectors.enterprise_for_admin(admin_user) == enterprise
    assert selectors.is_enterprise_admin(admin_user)
    for user in (learner, UserFactory(), AnonymousUser(), None):
        assert selectors.enterprise_for_admin(user) is None
        assert not selectors.is_enterprise_admin(user)


def test_a_disabled_admin_administers_nothing(enterprise, admin_user):
    admin_user.is_active = False
    assert selectors.enterprise_for_admin(admin_user) is None


def test_membership_of_a_learner(enterprise):
    member = MembershipFactory(enterprise=enterprise)
    assert selectors.membership_of(member.user) == member
    pending = MembershipFactory(enterprise=enterprise, pending=True)
    assert selectors.membership_of(UserFactory(phone=pending.phone)) is None
    assert selectors.membership_of(AnonymousUser()) is None


def test_members_of_lists_the_admin_first_then_in_order_added(enterprise, admin_user):
    first = MembershipFactory(enterprise=enterprise)
    second = MembershipFactory(enterprise=enterprise, pending=True)
    removed = MembershipFactory(enterprise=enterprise)
    membership_remove(membership=removed, by=admin_user)
    MembershipFactory()  # another enterprise's member
    rows = list(selectors.members_of(enterprise))
    assert [row.user for row in rows[:1]] == [admin_user]
    assert rows[1:] == [first, second]
    assert removed in selectors.members_of(enterprise, include_removed=True)


def add_members(enterprise, count):
    for index in range(count):
        if index % 3 == 0:
            MembershipFactory(enterprise=enterprise, pending=True)
        else:
            MembershipFactory(enterprise=enterprise)


def render_rows(enterprise):
    """What the 成员管理 table reads for each row."""
    return [
        (
            m.masked_phone,
            m.display_name,
            m.get_position_display(),
            m.province_name,
            m.city_name,
            m.get_status_display(),
            m.is_admin,
        )
        for m in selectors.members_of(enterprise)
    ]


def test_members_of_costs_one_query_whatever_the_number_of_rows(
    enterprise, django_assert_num_queries
):
    add_members(enterprise, 3)
    with django_assert_num_queries(1):
        small = render_rows(enterprise)
    add_members(enterprise, 30)
    with django_assert_num_queries(1):
        large = render_rows(enterprise)
    assert (len(small), len(large)) == (4, 34)


def test_invitation_for_token(enterprise, admin_user):
    membership, token = membership_invite(
        enterprise=enterprise, by=admin_user, phone="13600002925", position="other"
    )
    found = selectors.invitation_for_token(token)
    assert found.membership == membership
    assert found.membership.enterprise == enterprise
    assert selectors.invitation_for_token("") is None
    assert selectors.invitation_for_token(token + "x") is None


def test_pending_memberships_for_phone(enterprise, admin_user, other_enterprise, other_admin):
    membership_invite(enterprise=enterprise, by=admin_user, phone="13600002925", position="other")
    membership_invite(
        enterprise=other_enterprise, by=other_admin, phone="13600002925", position="other"
    )
    pending = selectors.pending_memberships_for_phone("13600002925")
    assert {m.enterprise for m in pending} == {enterprise, other_enterprise}
