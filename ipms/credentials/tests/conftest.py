from __future__ import annotations

import dataclasses

import pytest

from ipms.accounts.tests import conftest as account_fixtures
from ipms.accounts.tests.factories import UserFactory
from ipms.credentials import hooks, signing
from ipms.enterprises.tests.factories import MembershipFactory, enterprise_with_admin
from ipms.learning import stats
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


@pytest.fixture
def exam_scores(monkeypatch):
    """{(user_id, course_id): score}: the best exam scores the figures report.

    The exam engine's own records are the exams app's business; these tests only need
    learning's figures to carry a score, through the same function the page and the
    services call.
    """
    scores: dict[tuple[int, int], int] = {}
    real = stats.figures_for_users

    def figures_for_users(*, basis, user_ids):
        found = real(basis=basis, user_ids=user_ids)
        for user_id, figures in list(found.items()):
            score = scores.get((user_id, basis.course.pk))
            if score is not None:
                found[user_id] = dataclasses.replace(
                    figures,
                    exam_score=score,
                    exam_done=True,
                    credits=basis.policy.credits(
                        completed_lessons=figures.completed_lessons,
                        study_days=figures.study_days,
                        exam_score=score,
                    ),
                )
        return found

    monkeypatch.setattr(stats, "figures_for_users", figures_for_users)
    return scores


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
