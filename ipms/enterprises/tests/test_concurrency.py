"""Concurrent accepts on PostgreSQL: exactly one wins (ASVS 11.1.6, notes R2).

Threads each use their own database connection and really commit, so these tests need
``transaction=True`` and a server database. SQLite serialises writers on one file lock,
which proves nothing about row locks, so they are skipped there.
"""

import pytest

from ipms.accounts.tests.factories import UserFactory
from ipms.core.errors import DomainError
from ipms.core.testing import run_together, skip_unless_postgresql
from ipms.enterprises.models import Invitation, Membership
from ipms.enterprises.services import invitation_accept, membership_invite

from .factories import enterprise_with_admin

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


@pytest.fixture(autouse=True)
def _postgresql_only():
    skip_unless_postgresql()


def test_the_same_link_accepted_concurrently_succeeds_once():
    enterprise, admin = enterprise_with_admin()
    membership, token = membership_invite(
        enterprise=enterprise, by=admin, phone="13600002925", position="other"
    )
    user = UserFactory(phone="13600002925")

    outcomes = run_together([lambda: invitation_accept(token=token, user=user)] * THREADS)

    wins = [o for o in outcomes if isinstance(o, Membership)]
    losses = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(wins) == 1, outcomes
    assert len(losses) == THREADS - 1, outcomes
    assert all("已使用" in error.message for error in losses)
    invitation = Invitation.objects.get(membership=membership)
    assert invitation.used_by == user
    membership.refresh_from_db()
    assert membership.status == Membership.Status.VERIFIED


def test_two_enterprises_accepted_concurrently_leave_one_membership():
    invites = []
    for _ in range(2):
        enterprise, admin = enterprise_with_admin()
        invites.append(
            membership_invite(enterprise=enterprise, by=admin, phone="13600002926", position="rnd")
        )
    user = UserFactory(phone="13600002926")

    calls = [
        (lambda token=token: invitation_accept(token=token, user=user))
        for _, token in invites
        for _ in range(THREADS // 2)
    ]
    outcomes = run_together(calls)

    wins = [o for o in outcomes if isinstance(o, Membership)]
    assert len(wins) == 1, outcomes
    assert all(isinstance(o, Membership | DomainError) for o in outcomes), outcomes
    assert Membership.objects.filter(user=user, status=Membership.Status.VERIFIED).count() == 1
    assert Invitation.objects.filter(used_at__isnull=False).count() == 1
