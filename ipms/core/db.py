"""Database helpers for hot paths (docs/performance.md, "Heartbeat"; the export).

``prepared_cursor()`` is a cursor whose statements PostgreSQL parses and plans once per
connection instead of on every execution. Django's cursors bind parameters on the client
(the values are written into the SQL text), so every execution is a new statement to parse
and plan; for the heartbeat's join of four tables, planning costs several times what
running it does (measured with ``python -m bench.profile``). A server-binding psycopg
cursor sends the statement and its values apart, and psycopg prepares a statement it has
run ``prepare_threshold`` times (5, psycopg's default) on the connection; later executions
skip parsing and planning.

Only code that runs a few fixed statements very often should use it: the prepared
statements live as long as the connection (``CONN_MAX_AGE``), at most psycopg's
``prepared_max`` (100) per connection. Behind a pooler in transaction mode (PgBouncer
older than 1.21) prepared statements do not work; set ``DB_PREPARED_STATEMENTS=false``
then, and this gives Django's ordinary cursor. On SQLite (no planning cost worth
avoiding, no server) it is Django's ordinary cursor too.

Placeholders are psycopg's (``%s``, ``%(name)s``), as with Django's cursors; a value's
type comes from its Python type, so pass values adapted by ``connection.ops`` as the
ORM would.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


def prepared_statements_enabled(connection) -> bool:
    return connection.vendor == "postgresql" and settings.DB_PREPARED_STATEMENTS


@contextmanager
def prepared_cursor(using: str = DEFAULT_DB_ALIAS):
    """A Django cursor (the same wrappers: query logging, ``execute_wrapper``, error
    translation) over a server-binding psycopg cursor on PostgreSQL; Django's ordinary
    cursor elsewhere."""
    connection = connections[using]
    if not prepared_statements_enabled(connection):
        with connection.cursor() as cursor:
            yield cursor
        return
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)
        # As Django's own cursors: timestamps read in the connection's time zone.
        loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, raw)
    if connection.queries_logged:
        cursor = connection.make_debug_cursor(raw)
    else:
        cursor = connection.make_cursor(raw)
    with cursor:
        yield cursor


class InArray(In):
    """``field__in_array=[…]``: ``field__in`` for a long list of plain values (ids, codes).

    ``IN (%s, %s, …)`` with thousands of values costs more CPU in the client than the
    query costs the server: Django prepares and binds every value, and psycopg splits the
    statement text at each placeholder (a statement that long is not cached). Measured on
    the 学习管理 export, three queries of 2,000 ids per chunk of learners: 31 ms CPU each,
    three quarters of reading 100,000 rows (docs/performance.md). On PostgreSQL this
    lookup sends the list as ONE array parameter, ``field = ANY(%s)`` (the same rows; an
    index on the field serves it as it serves ``IN``); elsewhere it is ``IN``. Values are
    prepared once by the field; ``None`` is left out, as ``IN`` does. A subquery on the
    right-hand side is an ordinary ``IN``.
    """

    lookup_name = "in_array"

    def get_prep_lookup(self):
        if hasattr(self.rhs, "resolve_expression"):
            return super().get_prep_lookup()
        prep = self.lhs.output_field.get_prep_value
        return [prep(value) for value in dict.fromkeys(self.rhs) if value is not None]

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return self.as_sql(compiler, connection)
        if not self.rhs:
            raise EmptyResultSet
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection, prepared=True) for value in self.rhs]
        return f"{lhs_sql} = ANY(%s)", (*lhs_params, values)


def register_lookups() -> None:
    """Make ``__in_array`` available on every field (``CoreConfig.ready``); relations
    keep lookups of their own, so they get it apart."""
    Field.register_lookup(InArray)
    ForeignObject.register_lookup(InArray)
