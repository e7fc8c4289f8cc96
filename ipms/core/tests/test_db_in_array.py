"""ipms.core.db.InArray: ``field__in_array`` finds what ``field__in`` finds, with one
array parameter on PostgreSQL instead of one placeholder per value."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_it_finds_what_in_finds_for_ids_names_and_relations():
    Group.objects.bulk_create([Group(name=f"组{n}") for n in range(5)])
    ids = list(Group.objects.values_list("pk", flat=True))[:3]
    assert set(Group.objects.filter(pk__in_array=ids)) == set(Group.objects.filter(pk__in=ids))
    assert Group.objects.filter(name__in_array=["组1", "组4", "无"]).count() == 2
    types = list(ContentType.objects.values_list("pk", flat=True))[:4]
    by_array = Permission.objects.filter(content_type_id__in_array=types)
    assert by_array.count() == Permission.objects.filter(content_type_id__in=types).count() > 0
    assert Permission.objects.filter(content_type__in_array=types).count() == by_array.count()


def test_repeated_and_none_values_are_dropped_and_an_empty_list_finds_nothing():
    group = Group.objects.create(name="组")
    assert list(Group.objects.filter(pk__in_array=[group.pk, group.pk, None])) == [group]
    assert list(Group.objects.filter(pk__in_array=[])) == []
    assert list(Group.objects.exclude(pk__in_array=[])) == [group]


def test_a_subquery_is_an_ordinary_in():
    group = Group.objects.create(name="组")
    assert list(Group.objects.filter(pk__in_array=Group.objects.values("pk"))) == [group]


def test_on_postgresql_the_values_are_one_parameter():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    Group.objects.create(name="组")
    with CaptureQueriesContext(connection) as queries:
        list(Group.objects.filter(pk__in_array=list(range(1, 3000))))
    sql = queries.captured_queries[0]["sql"]
    assert "= ANY(" in sql
    assert "IN (" not in sql
