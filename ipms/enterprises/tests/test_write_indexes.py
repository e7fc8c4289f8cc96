"""The member and invitation tables keep no index that no query needs (migration 0004):
every one of 确认导入's 5,000 rows updates each index of its table."""

import pytest
from django.db import connection

from ipms.enterprises import selectors
from ipms.enterprises.models import Membership

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    # Unique constraints are indexes too (PostgreSQL reports them as constraints only).
    return {
        name: info["columns"]
        for name, info in constraints.items()
        if (info["index"] or info["unique"]) and not info["primary_key"]
    }


def test_the_token_hash_is_indexed_once_and_unique():
    indexes = _indexes("enterprises_invitation")
    on_hash = [name for name, columns in indexes.items() if columns == ["token_hash"]]
    assert on_hash == ["invitation_unique_token_hash"], indexes


def test_no_index_of_memberships_is_only_the_enterprise():
    indexes = _indexes("enterprises_membership")
    assert ["enterprise_id"] not in indexes.values(), indexes
    # The lists' index leads with the enterprise, so the enterprise's rows still have one.
    assert indexes["membership_list"][0] == "enterprise_id"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm exists on PostgreSQL only")
def test_the_name_searches_each_have_their_trigram_index():
    # A Chinese name is matched as it is (no UPPER per row), a name with letters in
    # any case: each expression has its index.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'enterprises_membership' "
            "AND indexdef LIKE '%%gin_trgm_ops%%'"
        )
        trigram = {name for (name,) in cursor.fetchall()}
    assert trigram == {
        "membership_name_trgm",
        "membership_name_upper_trgm",
        "membership_phone_trgm",
    }
    for search, index in (
        ("张三丰", "membership_name_trgm"),
        ("Zhang", "membership_name_upper_trgm"),
    ):
        own, _account = selectors.member_search(search)
        sql, params = Membership.objects.filter(own).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(line for (line,) in cursor.fetchall())
        assert index in plan, plan
