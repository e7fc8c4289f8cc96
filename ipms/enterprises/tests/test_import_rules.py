"""确认导入 writes its rows without a ``full_clean`` per row: ``admission.bulk_plan`` must
refuse every row the model's ``full_clean`` would, and the write must cost the same queries
at any size (services._bulk_write, docs/performance.md "Import")."""

import pytest
from django.core.exceptions import ValidationError

from ipms.enterprises.admission import bulk_plan
from ipms.enterprises.models import Invitation, Membership
from ipms.enterprises.services import (
    InvitationLimits,
    InviteRow,
    membership_invite_bulk,
)

pytestmark = pytest.mark.django_db

LIMITS = InvitationLimits(per_phone_per_day=5, enterprise_daily=10**6, enterprise_left=10**6)

# Rows that probe each rule of Membership.full_clean (fields, validators, choices,
# max_length, Model.clean's region rule), and rows that pass it.
PROBES = [
    InviteRow(ref=1, phone="13600002925", position="legal"),
    InviteRow(ref=2, phone="1360000292", position="legal"),  # too short
    InviteRow(ref=3, phone="136000029251", position="legal"),  # too long (max_length 11)
    InviteRow(ref=4, phone="12600002925", position="legal"),  # not a mobile prefix
    InviteRow(ref=5, phone="", position="legal"),  # blank
    InviteRow(ref=6, phone="1360000292a", position="legal"),
    InviteRow(ref=7, phone="+86 136-0000-2926", position="rnd"),  # normalised, fine
    InviteRow(ref=8, phone="13600002927", position=""),  # blank choice
    InviteRow(ref=9, phone="13600002928", position="boss"),  # not a choice
    InviteRow(ref=10, phone="13600002929", position="法务"),  # the label, not the value
    InviteRow(ref=11, phone="13600002930", position="legal", name="名" * 50),
    InviteRow(ref=12, phone="13600002931", position="legal", name="名" * 51),  # max_length 50
    InviteRow(ref=13, phone="13600002932", position="legal", name="=SUM(A1)"),
    InviteRow(ref=14, phone="13600002933", position="legal", name="张\n三"),
    InviteRow(ref=15, phone="13600002934", position="legal", province="320000", city="320500"),
    InviteRow(ref=16, phone="13600002935", position="legal", province="320000", city="310100"),
    InviteRow(ref=17, phone="13600002936", position="legal", city="320500"),  # no province
    InviteRow(ref=18, phone="13600002937", position="legal", province="3200000"),  # too long
    InviteRow(ref=19, phone="13600002938", position="legal", province="999999"),
    InviteRow(ref=20, phone="13600002939", position="legal", province="  320000 "),  # stripped
]


def full_clean_refuses(enterprise, admin_user, row) -> bool:
    membership = Membership(
        enterprise=enterprise,
        phone=row.phone,
        name=row.name,
        position=row.position,
        province=row.province,
        city=row.city,
        invited_by=admin_user,
    )
    try:
        membership.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError:
        return True
    return False


def test_the_plan_refuses_every_row_full_clean_would(enterprise, admin_user):
    plan = bulk_plan(PROBES, {}, LIMITS)
    accepted = {row.ref: row for row in plan.invite}
    failed = dict(plan.failed)
    assert set(accepted) | set(failed) == {row.ref for row in PROBES}
    for raw in PROBES:
        if full_clean_refuses(enterprise, admin_user, raw):
            # full_clean sees the row as typed; the plan may normalise it first (+86, spaces)
            # but what it accepts, it accepts cleaned: that must pass full_clean.
            assert raw.ref in failed or raw.ref in (7, 20), raw
    for row in accepted.values():
        assert not full_clean_refuses(enterprise, admin_user, row), row
    assert set(accepted) == {1, 7, 11, 15, 20}


def test_bad_rows_are_refused_and_written_rows_pass_full_clean(enterprise, admin_user):
    result = membership_invite_bulk(enterprise=enterprise, by=admin_user, rows=PROBES)
    assert [ref for ref, _ in result.invited] == [1, 7, 11, 15, 20]
    refused = {2, 3, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18, 19}
    assert {ref for ref, _ in result.failed} == refused
    rows = list(enterprise.memberships.filter(status=Membership.Status.PENDING))
    assert len(rows) == 5
    for membership in rows:
        membership.full_clean()  # every field, the foreign keys and the constraints
        assert membership.role == Membership.Role.LEARNER and membership.invited_by == admin_user
        invitation = membership.invitations.get()
        invitation.full_clean()
        assert invitation.created_by == admin_user and invitation.is_usable()
        assert invitation.created_at == membership.created_at
    assert enterprise.memberships.get(phone="13600002939").province == "320000"


def test_every_new_row_has_one_usable_link_and_the_facts_are_kept(
    enterprise, admin_user, other_enterprise
):
    from ipms.accounts.tests.factories import UserFactory

    linked = UserFactory(phone="13600002940")
    rows = [
        InviteRow(ref=2, phone="13600002940", position="legal"),
        InviteRow(ref=3, phone="13600002941", position="rnd", name="李四"),
    ]
    result = membership_invite_bulk(enterprise=enterprise, by=admin_user, rows=rows)
    assert [phone for _, phone in result.invited] == ["13600002940", "13600002941"]
    assert enterprise.memberships.get(phone="13600002940").user == linked
    assert enterprise.memberships.get(phone="13600002941").name == "李四"
    assert Invitation.objects.filter(membership__enterprise=enterprise).count() == 2


def rows_of(count: int, start: int = 0) -> list[InviteRow]:
    return [
        InviteRow(ref=n + 2, phone=f"135{n:08d}", position="legal", name=f"员工{n}")
        for n in range(start, start + count)
    ]


QUERIES = 16


@pytest.mark.parametrize("count", [3, 1200])
def test_confirm_costs_the_same_queries_at_any_size(
    enterprise, admin_user, django_assert_num_queries, count
):
    # The admin check, the lock, the four facts queries (the rows already here by their
    # phone and by their account's phone apart) and the links of the last 24 h, the
    # enterprise's links today, two INSERTs, the ids read back between
    # them, the audit row, and two savepoints. Not one more per row (before: 4 queries
    # per 500 phones and a bulk_create batch per 500 rows, per 83 on SQLite).
    with django_assert_num_queries(QUERIES):
        result = membership_invite_bulk(enterprise=enterprise, by=admin_user, rows=rows_of(count))
    assert len(result.invited) == count
    assert Invitation.objects.filter(membership__enterprise=enterprise).count() == count


def test_unique_phone_constraint_still_holds(enterprise, admin_user):
    membership_invite_bulk(enterprise=enterprise, by=admin_user, rows=rows_of(3))
    again = membership_invite_bulk(enterprise=enterprise, by=admin_user, rows=rows_of(4))
    assert [ref for ref, _ in again.invited] == [5]
    assert len(again.skipped) == 3
    assert enterprise.memberships.filter(phone__startswith="135").count() == 4
