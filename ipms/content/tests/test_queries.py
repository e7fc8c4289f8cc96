"""Every list page costs the same number of queries whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipms.learning.tests.factories import CourseFactory, LessonFactory

from .factories import (
    LecturerFactory,
    MaterialFactory,
    PolicyAttachmentFactory,
    PolicyFactory,
)

pytestmark = pytest.mark.django_db


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def add_policies(count: int) -> None:
    for _ in range(count):
        national = PolicyFactory()
        PolicyAttachmentFactory.create_batch(2, policy=national)
        PolicyFactory(local=True)


def add_materials(count: int) -> None:
    for _ in range(count):
        MaterialFactory(service_standard=True)
        MaterialFactory()


def add_courses(count: int) -> None:
    for _ in range(count):
        course = CourseFactory(lecturers=LecturerFactory.create_batch(2))
        LessonFactory.create_batch(2, course=course)


@pytest.mark.parametrize(
    ("url_name", "args", "add_rows"),
    [
        ("content:policy_list", [], add_policies),
        ("content:policy_section", ["national"], add_policies),
        ("content:policy_section", ["local"], add_policies),
        ("content:material_list", [], add_materials),
        ("content:material_section", ["service-standard"], add_materials),
        ("content:material_section", ["sample-case"], add_materials),
        ("content:lecturer_list", [], LecturerFactory.create_batch),
    ],
)
def test_list_page_query_count_does_not_grow(client, url_name, args, add_rows):
    url = reverse(url_name, args=args)
    add_rows(1)
    few = queries_for(client, url)
    add_rows(14)
    many = queries_for(client, url)
    assert few == many


def test_home_query_count_does_not_grow(client):
    url = reverse("content:home")
    add_courses(1)
    add_policies(1)
    add_materials(1)
    few = queries_for(client, url)
    add_courses(4)
    add_policies(6)
    add_materials(6)
    many = queries_for(client, url)
    assert few == many


def test_policy_detail_query_count_does_not_grow_with_attachments(client):
    policy = PolicyFactory()
    PolicyAttachmentFactory(policy=policy)
    url = reverse("content:policy_detail", args=[policy.pk])
    few = queries_for(client, url)
    PolicyAttachmentFactory.create_batch(5, policy=policy)
    assert queries_for(client, url) == few


def test_exact_query_budgets(client, django_assert_num_queries):
    add_policies(3)
    add_materials(3)
    LecturerFactory.create_batch(3)
    # Each section: its rows (with attachment counts) and its total.
    with django_assert_num_queries(4):
        client.get(reverse("content:policy_list"))
    with django_assert_num_queries(4):
        client.get(reverse("content:material_list"))
    # Paginated section: the count and one page of rows.
    with django_assert_num_queries(2):
        client.get(reverse("content:material_section", args=["sample-case"]))
    with django_assert_num_queries(1):
        client.get(reverse("content:lecturer_list"))
