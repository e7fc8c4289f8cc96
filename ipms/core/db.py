"""Database helpers for hot paths (docs/performance.md, "Heartbeat").

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
from django.db import DEFAULT_DB_ALIAS, connections


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
