"""Learning records in the operator console (issue 4 point 5): list, filter by course,
search by phone, and no way to add, change or delete them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipms.accounts.tests.factories import UserFactory
from ipms.learning.models import Enrollment, LessonProgress, StudyDay
from ipms.learning.tests.factories import CourseFactory, LessonFactory, record_learning

pytestmark = pytest.mark.django_db

MODELS = ("enrollment", "lessonprogress", "studyday")


@pytest.fixture
def records():
    course = CourseFactory(title="知识产权管理人员课程")
    other = CourseFactory(title="贯标政策解读课程")
    zhang = UserFactory(name="张总监", phone="13600002925")
    li = UserFactory(name="李研发", phone="13600002926")
    record_learning(zhang, LessonFactory(course=course, number=1), day=datetime.date(2026, 3, 2))
    record_learning(li, LessonFactory(course=other, number=1), day=datetime.date(2026, 3, 3))
    return course, other, zhang, li


@pytest.mark.parametrize("model", MODELS)
def test_operators_see_records_filter_by_course_and_search_by_phone(
    operator_client, records, model
):
    course, _other, zhang, li = records
    url = reverse(f"admin:learning_{model}_changelist")
    html = operator_client.get(url).content.decode()
    assert zhang.phone in html and li.phone in html
    filtered = operator_client.get(url, {"course__id__exact": course.pk}).content.decode()
    assert zhang.phone in filtered and li.phone not in filtered
    searched = operator_client.get(url, {"q": "2926"}).content.decode()
    assert li.phone in searched and zhang.phone not in searched


@pytest.mark.parametrize("model", MODELS)
def test_records_cannot_be_added_changed_or_deleted(operator_client, records, model):
    record = {
        "enrollment": Enrollment,
        "lessonprogress": LessonProgress,
        "studyday": StudyDay,
    }[model].objects.first()
    assert operator_client.get(reverse(f"admin:learning_{model}_add")).status_code == 403
    change_url = reverse(f"admin:learning_{model}_change", args=[record.pk])
    page = operator_client.get(change_url)
    assert page.status_code == 200  # a read-only view
    assert 'name="_save"' not in page.content.decode()
    assert operator_client.post(change_url, {}).status_code == 403
    delete_url = reverse(f"admin:learning_{model}_delete", args=[record.pk])
    assert operator_client.post(delete_url, {"post": "yes"}).status_code == 403
    changelist = operator_client.post(
        reverse(f"admin:learning_{model}_changelist"),
        {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"},
    )
    assert changelist.status_code in {200, 302}
    assert type(record).objects.filter(pk=record.pk).exists()


def test_record_lists_cost_constant_queries(operator_client, records):
    course = records[0]
    url = reverse("admin:learning_lessonprogress_changelist")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert operator_client.get(url).status_code == 200
        return len(captured)

    operator_client.get(url)
    few = count()
    for _ in range(15):
        record_learning(UserFactory(), LessonFactory(course=course))
    assert count() == few
