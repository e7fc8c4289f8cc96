from __future__ import annotations

import pytest

from ipms.accounts.models import User
from ipms.accounts.tests import conftest as account_fixtures
from ipms.accounts.tests.factories import UserFactory
from ipms.credentials import hooks, signing
from ipms.enterprises.tests.factories import MembershipFactory, enterprise_with_admin
from ipms.exams.tests.factories import pass_exam
from ipms.learning.models import Course
from ipms.learning.tests.factories import CourseFactory, LessonFactory, record_learning

operator = account_fixtures.operator
operator_client = account_fixtures.operator_client

TEST_KEY = signing.generate_private_key_pem()


@pytest.fixture(autouse=True)
def _signing_key(settings):
    settings.CREDENTIAL_SIGNING_KEY = TEST_KEY
    signing.cache_clear()
    yield
    signing.cache_clear()


class _ExamScores(dict):
    """``scores[(user_id, course_id)] = 85`` makes that learner pass the course's exam with
    85, through the exam engine's own services (exams.tests.factories.pass_exam)."""

    def __setitem__(self, key, score):
        user_id, course_id = key
        pass_exam(User.objects.get(pk=user_id), Course.objects.get(pk=course_id), score=score)
        super().__setitem__(key, score)


@pytest.fixture
def exam_scores(db):
    """{(user_id, course_id): score}: setting one takes the exam with that score."""
    return _ExamScores()


@pytest.fixture
def course(db):
    course = CourseFactory(title="知识产权管理人员课程", proof_min_exam_score=60)
    for number in (1, 2, 3):
        LessonFactory(course=course, number=number)
    return course


def complete_course(user, course):
    for lesson in course.lessons.all():
        record_learning(user, lesson)


@pytest.fixture
def enterprise_and_admin(db):
    return enterprise_with_admin(name="苏州测试知识产权科技有限公司")


@pytest.fixture
def member(enterprise_and_admin):
    enterprise, _admin = enterprise_and_admin
    user = UserFactory(name="张三丰")
    user.set_id_number("11010519491231002X")
    user.save()
    MembershipFactory(enterprise=enterprise, user=user)
    return user


@pytest.fixture
def passed_member(member, course, exam_scores):
    """A member who completed every lesson (6 学分 ≥ X) and scored 85 (≥ 60)."""
    complete_course(member, course)
    exam_scores[(member.pk, course.pk)] = 85
    return member


@pytest.fixture
def review_passed():
    """The certification-body review of every enterprise passed (the review app's hook)."""
    passed: set[int] = set()

    def source(ids):
        return {pk for pk in ids if pk in passed}

    hooks.review_passed_register(source)
    yield passed
    hooks.review_passed_unregister(source)
