"""Demo proofs: every demo learner who meets a course's conditions holds its proof, made
by the real service; a second run makes none."""

import dataclasses
import io

import pytest

from ipms.accounts.tests.factories import UserFactory
from ipms.credentials.models import Credential
from ipms.credentials.selectors import verify_number
from ipms.demo import credentials, enterprises
from ipms.learning import stats
from ipms.learning.tests.factories import CourseFactory, LessonFactory, record_learning

pytestmark = pytest.mark.django_db


def test_demo_learners_who_passed_hold_their_proofs(monkeypatch):
    course = CourseFactory(title="知识产权管理人员课程")
    lesson = LessonFactory(course=course, number=1)
    passed = UserFactory(phone=enterprises.MEMBERS[0].phone, name="张总监")
    not_yet = UserFactory(phone=enterprises.MEMBERS[1].phone, name="李研发")
    outsider = UserFactory(name="非演示学员")
    for user in (passed, not_yet, outsider):
        record_learning(user, lesson)
    real = stats.figures_for_users

    def with_scores(*, basis, user_ids):
        found = real(basis=basis, user_ids=user_ids)
        if passed.pk in found:
            found[passed.pk] = dataclasses.replace(found[passed.pk], exam_score=90)
        if outsider.pk in found:
            found[outsider.pk] = dataclasses.replace(found[outsider.pk], exam_score=90)
        return found

    monkeypatch.setattr(stats, "figures_for_users", with_scores)
    out = io.StringIO()
    credentials.load(stdout=out)
    proof = Credential.objects.get()
    assert proof.user == passed and proof.is_rendered
    assert verify_number(proof.number).genuine
    assert "新生成 1 份" in out.getvalue()
    credentials.load(stdout=io.StringIO())
    assert Credential.objects.count() == 1
