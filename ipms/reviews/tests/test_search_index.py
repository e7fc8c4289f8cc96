"""The fuzzy 公司名称 search has a trigram index on PostgreSQL (migration 0003)."""

import pytest
from django.db import connection

from ipms.enterprises.models import Enterprise
from ipms.reviews import selectors

from .factories import ApplicationFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="pg_trgm indexes exist on PostgreSQL only"
    ),
]


def test_the_company_name_search_can_use_the_trigram_index(reviewer):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'enterprise_name_upper_trgm'"
        )
        (definition,) = cursor.fetchone()
    assert "gin_trgm_ops" in definition and "upper" in definition.lower()
    ApplicationFactory(body=reviewer.body)
    # The expression Django writes for the console's icontains matches the index (on a
    # tiny table the planner prefers the body's index for the join; at scale the name).
    assert "UPPER" in str(selectors.body_applications(reviewer.body, search="贯标").query)
    rows = Enterprise.objects.filter(name__icontains="贯标科技")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        sql, params = rows.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "enterprise_name_upper_trgm" in plan, plan
