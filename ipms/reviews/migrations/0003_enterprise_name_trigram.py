"""The console's fuzzy 公司名称 search on an index (docs/reviews.md).

``selectors.body_applications`` filters ``enterprise__name__icontains``, which Django
writes as ``UPPER("name"::text) LIKE UPPER('%…%')``. On PostgreSQL only, a GIN trigram
index on the upper-cased enterprise name serves it (pg_trgm, as enterprises 0003 does for
member names). The index lives on the enterprises table but belongs to this app, its only
reader. SQLite has no such index; this step does nothing there.
"""

from django.db import migrations

NAME = "enterprise_name_upper_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "enterprises_enterprise" '
        'USING gin (UPPER("name"::text) gin_trgm_ops)'
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_review_jobs"),
        ("enterprises", "0003_member_list_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
