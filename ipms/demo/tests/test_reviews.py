"""Demo review data: two bodies with reviewers, every console count of the first body
non-zero, real history rows, and a second run that changes nothing."""

import io

import pytest

from ipms.core.models import StateTransition
from ipms.demo import reviews
from ipms.reviews import selectors
from ipms.reviews.models import Application, CertificationBody, Reviewer

pytestmark = pytest.mark.django_db


def test_every_count_of_the_first_body_is_non_zero():
    reviews.load(stdout=io.StringIO())
    assert CertificationBody.objects.count() == 2
    assert Reviewer.objects.count() == 2
    body = CertificationBody.objects.get(name=reviews.BODIES[0][0])
    counts = selectors.status_counts(body)
    assert len(counts) == 7
    assert all(count > 0 for _state, _label, count in counts), counts
    assert StateTransition.objects.filter(object_type="reviews.application").count() > 10
    reviewer = Reviewer.objects.get(user__phone=reviews.BODIES[0][1])
    assert reviewer.user.check_password(reviews.REVIEWER_PASSWORD)
    total = Application.objects.count()
    reviews.load(stdout=io.StringIO())
    assert Application.objects.count() == total
