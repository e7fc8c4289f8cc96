"""Two reviewers deciding one application at once (PostgreSQL): exactly one transition."""

import pytest

from ipms.core.errors import DomainError
from ipms.core.models import StateTransition
from ipms.core.testing import run_together, skip_unless_postgresql
from ipms.reviews import services
from ipms.reviews.models import Application
from ipms.reviews.models import ApplicationStatus as S

from .factories import ApplicationFactory, ReviewerFactory, give_proof

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 6


@pytest.fixture(autouse=True)
def _postgresql_only():
    skip_unless_postgresql()


@pytest.mark.parametrize("state", [S.PRE_REVIEW_PENDING, S.REVIEW_PENDING])
def test_concurrent_approve_and_reject_yield_one_transition(state):
    application = ApplicationFactory(status=state)
    reviewers = [ReviewerFactory(body=application.body) for _ in range(THREADS)]

    def decide(index):
        stale = Application.objects.get(pk=application.pk)
        action = "approve" if index % 2 else "reject"
        return services.application_decide(
            application=stale, reviewer=reviewers[index], action=action, reason="并发拒绝"
        )

    outcomes = run_together([lambda i=i: decide(i) for i in range(THREADS)])
    wins = [o for o in outcomes if isinstance(o, Application)]
    losses = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(wins) == 1, outcomes
    assert len(losses) == THREADS - 1, outcomes
    assert {e.code for e in losses} == {"transition_conflict"}
    assert StateTransition.objects.for_object(application).count() == 1
    application.refresh_from_db()
    assert application.status == wins[0].status


def test_concurrent_submissions_open_one_application():
    application = ApplicationFactory(status=S.WITHDRAWN)
    enterprise = application.enterprise
    give_proof(enterprise)
    admin = application.submitted_by

    outcomes = run_together(
        [
            lambda: services.application_submit(
                enterprise=enterprise, body=application.body, by=admin
            )
        ]
        * 4
    )
    assert len([o for o in outcomes if isinstance(o, Application)]) == 1, outcomes
    assert (
        Application.objects.filter(enterprise=enterprise, status=S.PRE_REVIEW_PENDING).count() == 1
    )
