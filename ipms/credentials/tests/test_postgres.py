"""Concurrent generation on PostgreSQL: distinct numbers, one proof per learner and course.

Each thread has its own connection and commits (``transaction=True``); SQLite serialises
every writer, so these races cannot be staged there and the tests are skipped.
"""

import pytest

from ipms.accounts.tests.factories import UserFactory
from ipms.core.testing import run_together, skip_unless_postgresql
from ipms.credentials import services
from ipms.credentials.models import Credential, CredentialSequence
from ipms.credentials.tests.conftest import complete_course
from ipms.learning.tests.factories import CourseFactory, LessonFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only(monkeypatch):
    skip_unless_postgresql()
    # The paper is drawn after each commit; these tests are about the rows.
    monkeypatch.setattr(services, "_render_later", lambda pk: None)


def _course():
    course = CourseFactory()
    LessonFactory(course=course, number=1)
    return course


def test_fifty_concurrent_generations_get_fifty_distinct_numbers(exam_scores):
    course = _course()
    users = [UserFactory() for _ in range(50)]
    for user in users:
        complete_course(user, course)
        exam_scores[(user.pk, course.pk)] = 80

    outcomes = run_together(
        [lambda user=user: services.proof_generate(user=user, course=course) for user in users],
        timeout=120,
    )

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    numbers = {o.number for o in outcomes}
    assert len(numbers) == 50
    assert sorted(int(n[-7:]) for n in numbers) == list(range(1, 51))
    assert CredentialSequence.objects.get().last == 50
    assert Credential.objects.count() == 50


def test_concurrent_generations_for_one_learner_make_one_proof(exam_scores):
    course = _course()
    user = UserFactory()
    complete_course(user, course)
    exam_scores[(user.pk, course.pk)] = 80

    outcomes = run_together(
        [lambda: services.proof_generate(user=user, course=course)] * 10, timeout=60
    )

    made = [o for o in outcomes if isinstance(o, Credential)]
    refused = [o for o in outcomes if isinstance(o, services.CredentialRefused)]
    assert len(made) == 1 and len(refused) == 9, outcomes
    assert {o.code for o in refused} == {"credential_exists"}
    assert Credential.objects.filter(user=user, course=course).count() == 1
    # Refused generations rolled back their number: no gap.
    assert CredentialSequence.objects.get().last == 1
