"""ipms.core.db.prepared_cursor: PostgreSQL plans a hot statement once per connection."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipms.core.db import prepared_cursor

pytestmark = pytest.mark.django_db

STATEMENT = "SELECT %(a)s + 1, %(b)s"


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_it_runs_statements_with_named_values_on_every_database():
    with prepared_cursor() as cursor:
        cursor.execute(STATEMENT, {"a": 41, "b": "甲"})
        assert cursor.fetchone() == (42, "甲")


def test_its_statements_pass_through_django_wrappers():
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with (
        CaptureQueriesContext(connection) as captured,
        connection.execute_wrapper(wrapper),
        prepared_cursor() as cursor,
    ):
        cursor.execute(STATEMENT, {"a": 1, "b": "x"})
    assert seen == [STATEMENT]  # what make bench counts
    assert len(captured.captured_queries) == 1  # what django_assert_num_queries counts


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_on_postgresql_a_repeated_statement_is_prepared_and_django_cursors_are_not():
    for value in range(6):  # psycopg prepares from the threshold (5) on
        with prepared_cursor() as cursor:
            cursor.execute("SELECT %(a)s::int * 2 AS ipms_prepared_probe", {"a": value})
            assert cursor.fetchone() == (value * 2,)
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::int * 3 AS ipms_plain_probe", [value])
    statements = _prepared_statements()
    assert any("ipms_prepared_probe" in sql for sql in statements)
    assert not any("ipms_plain_probe" in sql for sql in statements)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_switched_off_it_is_djangos_own_cursor(settings):
    settings.DB_PREPARED_STATEMENTS = False
    for value in range(6):
        with prepared_cursor() as cursor:
            cursor.execute("SELECT %(a)s::int * 2 AS ipms_unprepared_probe", {"a": value})
    assert not any("ipms_unprepared_probe" in sql for sql in _prepared_statements())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_timestamps_read_as_djangos_cursors_read_them():
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        (plain,) = cursor.fetchone()
    with prepared_cursor() as cursor:
        cursor.execute("SELECT now()")
        (prepared,) = cursor.fetchone()
    assert prepared.tzinfo is not None and prepared.utcoffset() == plain.utcoffset()
