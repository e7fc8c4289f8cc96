"""Concurrent starts and submits on PostgreSQL: one attempt, graded once.

Each thread has its own connection and commits (``transaction=True``); SQLite serialises
every writer, so the race cannot be staged there and these tests are skipped.
"""

import pytest

from ipms.accounts.tests.factories import UserFactory
from ipms.core.models import AuditLog
from ipms.core.testing import run_together, skip_unless_postgresql
from ipms.exams import services
from ipms.exams.models import Answer, Attempt
from ipms.exams.tests.factories import answers_for, enroll, make_paper

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


@pytest.fixture(autouse=True)
def _postgresql_only():
    skip_unless_postgresql()


def test_concurrent_submits_of_one_attempt_grade_it_once():
    paper = make_paper()
    user = UserFactory()
    enroll(user, paper.course)
    attempt = services.attempt_start(user=user, course=paper.course).attempt
    answers = answers_for(paper, wrong=1)

    outcomes = run_together(
        [lambda: services.attempt_submit(user=user, attempt_id=attempt.pk, answers=answers)]
        * THREADS
    )

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    statuses = sorted(o.status for o in outcomes)
    assert statuses == ["duplicate"] * (THREADS - 1) + ["graded"]
    assert Answer.objects.filter(attempt=attempt).count() == 5
    attempt.refresh_from_db()
    assert attempt.score == 80
    assert (
        AuditLog.objects.filter(action="exam.attempt_state", object_id=str(attempt.pk)).count() == 1
    )


def test_concurrent_starts_open_one_attempt():
    paper = make_paper()
    user = UserFactory()
    enroll(user, paper.course)

    outcomes = run_together(
        [lambda: services.attempt_start(user=user, course=paper.course)] * THREADS
    )

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len({o.attempt.pk for o in outcomes}) == 1
    assert sum(not o.resumed for o in outcomes) == 1
    assert Attempt.objects.filter(user=user).count() == 1
