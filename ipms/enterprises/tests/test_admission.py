"""The member-admission decision of 添加成员, the 批量导入 preview and 确认导入, without a
database: these tests carry no django_db mark, so pytest-django refuses any query.

Each row names the facts about one phone and what each caller must do with it.
"""

from __future__ import annotations

import datetime

import pytest

from ipms.core.errors import DomainError
from ipms.core.phone import PHONE_INVALID
from ipms.enterprises import messages
from ipms.enterprises.admission import (
    Here,
    InvitationLimits,
    InviteRow,
    Outcome,
    PhoneFacts,
    admission_decide,
    admission_gate,
    bulk_cleaned_phones,
    bulk_plan,
    invitation_limits_check,
    member_row_clean,
)

LIMITS = InvitationLimits(per_phone_per_day=5, enterprise_daily=100, enterprise_left=100)
NOT_ADDABLE = (Outcome.REFUSE, "phone_not_addable")

# facts → (添加成员, import preview, 确认导入): each as (outcome, code)
CASES = [
    ("a new phone", PhoneFacts(), [(Outcome.INVITE, "")] * 3),
    (
        "已验证 here",
        PhoneFacts(here=Here.VERIFIED),
        [
            (Outcome.REFUSE, "phone_already_member"),
            (Outcome.SKIP, "already_member"),
            (Outcome.SKIP, "already_member"),
        ],
    ),
    (
        "已验证 here, account disabled since: still a member",
        PhoneFacts(here=Here.VERIFIED, account_disabled=True),
        [
            (Outcome.REFUSE, "phone_already_member"),
            (Outcome.SKIP, "already_member"),
            (Outcome.SKIP, "already_member"),
        ],
    ),
    (
        "待验证 here",
        PhoneFacts(here=Here.PENDING),
        [
            (Outcome.RESEND, ""),
            (Outcome.SKIP, "already_pending"),
            (Outcome.SKIP, "already_pending"),
        ],
    ),
    ("a disabled account", PhoneFacts(account_disabled=True), [NOT_ADDABLE] * 3),
    ("verified in another enterprise", PhoneFacts(verified_elsewhere=True), [NOT_ADDABLE] * 3),
    (
        "待验证 here but verified elsewhere since: the link could never be accepted",
        PhoneFacts(here=Here.PENDING, verified_elsewhere=True),
        [NOT_ADDABLE] * 3,
    ),
    (
        "待验证 here, account disabled since",
        PhoneFacts(here=Here.PENDING, account_disabled=True),
        [NOT_ADDABLE] * 3,
    ),
    (
        "five links to the phone today: the preview sends none, so it does not ask",
        PhoneFacts(invitations_today=5),
        [(Outcome.INVITE, ""), (Outcome.INVITE, ""), (Outcome.REFUSE, "too_many_invitations")],
    ),
    (
        "four links today: one more is allowed",
        PhoneFacts(invitations_today=4),
        [(Outcome.INVITE, "")] * 3,
    ),
]


@pytest.mark.parametrize(("facts", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_one_decision_for_the_three_callers(facts, expected):
    single = admission_decide(facts, bulk=False)  # 添加成员: limits at sending (the re-send)
    preview = admission_decide(facts, bulk=True)
    confirm = admission_decide(facts, bulk=True, limits=LIMITS)
    got = [(decision.outcome, decision.code) for decision in (single, preview, confirm)]
    assert got == expected


def test_a_refusal_is_a_domain_error_on_the_phone_field():
    decision = admission_decide(PhoneFacts(verified_elsewhere=True), bulk=False)
    error = decision.error()
    assert (error.code, error.field, error.message) == (
        "phone_not_addable",
        "phone",
        messages.PHONE_NOT_ADDABLE,
    )
    # Disabled and elsewhere read the same: the admin learns nothing about outsiders.
    assert admission_decide(PhoneFacts(account_disabled=True), bulk=True).message == error.message


@pytest.mark.parametrize(
    ("left", "so_far", "refused"),
    [(100, 0, False), (100, 99, False), (100, 100, True), (0, 0, True)],
)
def test_the_enterprise_cap_counts_the_links_of_the_same_import(left, so_far, refused):
    limits = InvitationLimits(per_phone_per_day=5, enterprise_daily=100, enterprise_left=left)
    decision = admission_decide(PhoneFacts(), bulk=True, limits=limits, invited_so_far=so_far)
    assert decision.refused is refused
    if refused:
        assert decision.code == "enterprise_daily_limit"
        assert "100条" in decision.message


@pytest.mark.parametrize(
    ("by_admin", "complete", "code"),
    [
        (True, True, None),
        (False, True, "not_admin"),
        (False, False, "not_admin"),
        (True, False, "profile_incomplete"),
    ],
)
def test_the_gate(by_admin, complete, code):
    refusal = admission_gate(by_admin=by_admin, profile_complete=complete)
    assert (refusal.code if refusal else None) == code


MINUTE = datetime.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("today", "ago", "code"),
    [
        (0, None, None),
        (0, 2 * MINUTE, None),
        (0, MINUTE / 2, "resend_too_soon"),
        (5, 2 * MINUTE, "too_many_invitations"),
        (5, MINUTE / 2, "resend_too_soon"),  # the nearer limit speaks first
    ],
)
def test_the_limits_of_a_resend(today, ago, code):
    refusal = invitation_limits_check(
        invitations_today=today, limits=LIMITS, last_sent_ago=ago, resend_interval=MINUTE
    )
    assert (refusal.code if refusal else None) == code


# --- 确认导入's plan ------------------------------------------------------------------------


def row(ref, phone, position="ip_manager", **more):
    return InviteRow(ref=ref, phone=phone, position=position, **more)


def test_the_plan_of_an_import():
    rows = [
        row(2, "136 0000 0001", name=" 张三 "),
        row(3, "12345"),  # not a mobile number
        row(4, "13600000002", position="boss"),
        row(5, "13600000001"),  # the same phone as row 2
        row(6, "13600000003"),  # 已验证 here
        row(7, "13600000004"),  # 待验证 here
        row(8, "13600000005"),  # another enterprise's member
        row(9, "13600000006"),  # five links today
        row(10, "13600000007", province="310000", city="320100"),  # city of another province
        row(11, "13600000008", name="=cmd"),
        row(12, "13600000009", province="310000", city="310000"),
    ]
    facts = {
        "13600000003": PhoneFacts(here=Here.VERIFIED),
        "13600000004": PhoneFacts(here=Here.PENDING),
        "13600000005": PhoneFacts(verified_elsewhere=True),
        "13600000006": PhoneFacts(invitations_today=5),
    }
    plan = bulk_plan(rows, facts, LIMITS)
    assert [(r.ref, r.phone, r.name) for r in plan.invite] == [
        (2, "13600000001", "张三"),
        (12, "13600000009", ""),
    ]
    assert plan.invite[1].province == "310000"
    assert plan.skipped == [
        (5, messages.DUPLICATE_IN_FILE),
        (6, messages.SKIP_MEMBER),
        (7, messages.SKIP_PENDING),
    ]
    failed = dict(plan.failed)
    assert set(failed) == {3, 4, 8, 9, 10, 11}
    assert failed[3] == PHONE_INVALID
    assert failed[4] == messages.POSITION_INVALID
    assert failed[8] == messages.PHONE_NOT_ADDABLE
    assert failed[9] == messages.TOO_MANY_INVITATIONS
    assert "城市" in failed[10]
    assert failed[11] != failed[10] and "=" in failed[11]


def test_the_enterprise_cap_stops_an_import_midway():
    limits = InvitationLimits(per_phone_per_day=5, enterprise_daily=2, enterprise_left=2)
    rows = [row(ref, f"1360000000{ref}") for ref in range(1, 5)]
    plan = bulk_plan(rows, {}, limits)
    assert [r.ref for r in plan.invite] == [1, 2]
    assert [ref for ref, _ in plan.failed] == [3, 4]
    assert all("2条" in message for _, message in plan.failed)


def test_the_phones_to_load_are_the_valid_ones_once():
    rows = [row(1, "136 0000 0001"), row(2, "13600000001"), row(3, "x"), row(4, "13600000002")]
    assert bulk_cleaned_phones(rows) == ["13600000001", "13600000002"]


def test_a_single_row_is_cleaned_or_refused_on_its_field():
    cleaned = member_row_clean(row(1, "+86 136-0000-0001", name=" 李四 ", province=" 310000 "))
    assert (cleaned.phone, cleaned.name, cleaned.province) == ("13600000001", "李四", "310000")
    with pytest.raises(DomainError) as caught:
        member_row_clean(row(1, "13600000001", position=""))
    assert (caught.value.code, caught.value.field) == ("position_invalid", "position")
