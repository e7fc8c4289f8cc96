"""Indexes of 成员管理 and 学习管理 (docs/performance.md, "Lists").

* ``membership_list`` (every database): an enterprise's rows in the order they were
  added, with their status, role, name and phone; the lists' counts, page ids and searches
  are read from it alone. ``membership_unnamed``: rows without a 姓名 of their own,
  whose account's name the search looks at.
* On PostgreSQL only, the pg_trgm extension and GIN trigram indexes for the search box
  (``selectors.member_search``): the phones and the names (``LIKE '%…%'``) of member
  rows, and their upper-cased names for a search with letters (Django's ``icontains`` is
  ``UPPER(col::text) LIKE UPPER('%…%')``).
  SQLite has no such index (its search filters the enterprise's rows on
  ``membership_list``) and this step does nothing there.

pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it
without being a superuser.
"""

from django.conf import settings
from django.db import migrations, models

TRIGRAM_INDEXES = (
    ("membership_name_trgm", "enterprises_membership", '("name"::text)'),
    ("membership_name_upper_trgm", "enterprises_membership", 'UPPER("name"::text)'),
    ("membership_phone_trgm", "enterprises_membership", '("phone"::text)'),
)


def trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f"USING gin ({expression} gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    # The extension stays: other objects may use it by now.


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0002_fullwidth_punctuation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                fields=["enterprise", "created_at", "id", "status", "role", "name", "phone"],
                name="membership_list",
            ),
        ),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                condition=models.Q(("name", "")),
                fields=["enterprise", "user"],
                name="membership_unnamed",
            ),
        ),
        migrations.RunPython(trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
