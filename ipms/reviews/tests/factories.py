"""Factories for the review tests; other apps' tests (and the browser journeys) may use
them."""

from __future__ import annotations

import itertools

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ipms.accounts.tests.factories import UserFactory
from ipms.credentials import documents
from ipms.credentials.models import Credential, Kind
from ipms.enterprises.tests.factories import MembershipFactory, enterprise_with_admin
from ipms.learning.tests.factories import CourseFactory
from ipms.reviews.models import Application, CertificationBody, Question, Reviewer

_numbers = itertools.count(1)


class BodyFactory(DjangoModelFactory):
    class Meta:
        model = CertificationBody

    name = factory.Sequence(lambda n: f"测试认证有限公司{n}")


class ReviewerFactory(DjangoModelFactory):
    class Meta:
        model = Reviewer

    body = factory.SubFactory(BodyFactory)
    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"审核员{n}")


class ApplicationFactory(DjangoModelFactory):
    """An application in any state (rows for tests; the services make real ones)."""

    class Meta:
        model = Application

    enterprise = factory.LazyFunction(lambda: enterprise_with_admin()[0])
    body = factory.SubFactory(BodyFactory)
    status = Application.Status.PRE_REVIEW_PENDING
    submitted_by = factory.LazyAttribute(lambda o: o.enterprise.created_by or UserFactory())
    submitted_at = factory.LazyFunction(timezone.now)


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = Question

    text = factory.Sequence(lambda n: f"您对认证机构的服务是否满意？（{n}）")


def give_proof(enterprise, user=None, *, course=None, name="张三") -> Credential:
    """A valid learning proof of a verified member of ``enterprise`` (a new one, unless
    ``user`` is given and already a member)."""
    if user is None:
        user = UserFactory(name=name)
        MembershipFactory(enterprise=enterprise, user=user, name=name)
    course = course or CourseFactory()
    number = f"CNIPA-2026E{next(_numbers):07d}"
    snapshot = documents.build_snapshot(
        kind=Kind.PROOF,
        number=number,
        name=name,
        id_number_masked="",
        enterprise=enterprise.name,
        course=course.title,
        credits=30,
        exam_score=80,
        issued_on=timezone.localdate(),
    )
    return Credential.objects.create(
        kind=Kind.PROOF,
        number=number,
        user=user,
        course=course,
        enterprise=enterprise,
        snapshot=snapshot,
        content_hash=documents.content_hash(snapshot),
        signed_credential="test",
        key_id="test",
        issued_at=timezone.now(),
    )
