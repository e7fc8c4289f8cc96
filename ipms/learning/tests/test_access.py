"""Who may learn (product-rules §1; ipms.learning.access.learner_may_learn)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from ipms.accounts.tests.factories import UserFactory
from ipms.enterprises.models import Membership
from ipms.enterprises.tests.factories import EnterpriseFactory, MembershipFactory
from ipms.learning.access import learner_may_learn

pytestmark = pytest.mark.django_db


def test_an_individually_registered_user_may_learn():
    assert learner_may_learn(UserFactory())


def test_a_verified_member_and_an_enterprise_admin_may_learn():
    assert learner_may_learn(MembershipFactory().user)
    assert learner_may_learn(MembershipFactory(admin=True).user)


def test_a_user_whose_only_membership_is_pending_learns_as_an_individual():
    user = UserFactory()
    MembershipFactory(
        user=user, status=Membership.Status.PENDING, verified_at=None, phone=user.phone
    )
    assert learner_may_learn(user)


def test_a_removed_member_learns_as_an_individual():
    user = UserFactory()
    MembershipFactory(
        user=user,
        enterprise=EnterpriseFactory(),
        status=Membership.Status.REMOVED,
        removed_at=timezone.now(),
    )
    assert learner_may_learn(user)


def test_operators_disabled_accounts_and_visitors_may_not_learn():
    assert not learner_may_learn(UserFactory(is_staff=True))
    assert not learner_may_learn(UserFactory(is_superuser=True))
    assert not learner_may_learn(UserFactory(is_active=False))
    assert not learner_may_learn(AnonymousUser())
    assert not learner_may_learn(None)


def test_the_rule_costs_no_query(django_assert_num_queries):
    user = MembershipFactory().user
    with django_assert_num_queries(0):
        assert learner_may_learn(user)
