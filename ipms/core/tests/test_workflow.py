"""The workflow core on a small test workflow (a ticket: 草稿 → 已提交 → 已通过/已驳回).

The ticket model lives in a registry of its own (not an installed app, so no migration
and no trace outside these tests); its table is made once per test session.
"""

from __future__ import annotations

import itertools

import pytest
from django.apps.registry import Apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, models, transaction

from ipms.core.audit_actions import action_register
from ipms.core.errors import DomainError
from ipms.core.models import AuditLog, StateTransition
from ipms.core.testing import run_together, skip_unless_postgresql
from ipms.core.workflow import (
    MSG_CONFLICT,
    TransitionConflict,
    TransitionNotAllowed,
    TransitionReasonRequired,
    TransitionReasonTooLong,
    Workflow,
    transition,
    workflow_for,
)

TEST_APPS = Apps(installed_apps=())


class Ticket(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "已驳回"

    state = models.CharField("工单状态", max_length=16, choices=State, default=State.DRAFT)
    note = models.CharField(max_length=50, blank=True)
    enterprise_id = models.BigIntegerField(null=True)
    updated_at = models.DateTimeField(auto_now=True, null=True)

    class Meta:
        apps = TEST_APPS
        app_label = "workflow_tests"

    def __str__(self) -> str:
        return f"ticket {self.pk}"


S = Ticket.State
ALLOWED = {
    S.DRAFT: {S.SUBMITTED},
    S.SUBMITTED: {S.APPROVED, S.REJECTED, S.DRAFT},
    S.REJECTED: {S.SUBMITTED},
}
TICKET_WORKFLOW = Workflow(
    Ticket,
    field="state",
    allowed=ALLOWED,
    reason_required={S.REJECTED, (S.SUBMITTED, S.DRAFT)},
    initial={S.DRAFT},
    enterprise_attr="enterprise_id",
)
action_register("ticket.status_changed", "工单状态变更")
action_register("ticket.approved", "工单通过")

PAIRS = [(a, b) for a, b in itertools.product(S, S) if a != b]


@pytest.fixture(scope="session")
def ticket_table(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        if Ticket._meta.db_table not in connection.introspection.table_names():
            with connection.schema_editor() as editor:
                editor.create_model(Ticket)
    return Ticket


@pytest.fixture
def actor(db):
    return get_user_model().objects.create_user(phone="13600002925", password="x-Secret-2026")


def make_ticket(state=S.DRAFT, **extra) -> Ticket:
    return Ticket.objects.create(state=state, enterprise_id=9, **extra)


def reason_for(source, target) -> str | None:
    return "材料不全" if TICKET_WORKFLOW.needs_reason(source, target) else None


# --- the declaration ------------------------------------------------------------------------


def test_declaration_refuses_unknown_states():
    with pytest.raises(ValueError, match="unknown states"):
        Workflow(Ticket, field="state", allowed={S.DRAFT: {"archived"}})
    with pytest.raises(ValueError, match="no choices"):
        Workflow(Ticket, field="note", allowed={})


def test_workflow_is_found_by_model_and_labels_come_from_the_choices():
    assert workflow_for(Ticket) is TICKET_WORKFLOW
    assert TICKET_WORKFLOW.label(S.REJECTED) == "已驳回"
    assert TICKET_WORKFLOW.targets(S.SUBMITTED) == {"approved", "rejected", "draft"}
    assert TICKET_WORKFLOW.targets(S.APPROVED) == frozenset()


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_check_every_pair_without_a_database(source, target):
    if target in ALLOWED.get(source, set()):
        assert TICKET_WORKFLOW.check(source, target, "材料不全") == "材料不全"
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            TICKET_WORKFLOW.check(source, target, "材料不全")
        assert refused.value.message == (f"工单状态不能从“{source.label}”变为“{target.label}”。")
        assert refused.value.code == "transition_not_allowed"
        assert isinstance(refused.value, DomainError)


# --- transition() ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_transition_every_pair(ticket_table, actor, source, target):
    ticket = make_ticket(source)
    if target in ALLOWED.get(source, set()):
        result = transition(ticket, target, actor=actor, reason=reason_for(source, target))
        assert result is ticket and ticket.state == target
        ticket.refresh_from_db()
        assert ticket.state == target
        history = list(StateTransition.objects.for_object(ticket))
        assert [(h.from_state, h.to_state, h.actor) for h in history] == [(source, target, actor)]
        assert (history[0].from_label, history[0].to_label) == (source, target)  # no app
        row = AuditLog.objects.get()
        assert (row.action, row.actor, row.enterprise_id) == ("ticket.status_changed", actor, 9)
        assert (row.object_type, row.object_id) == ("workflow_tests.ticket", str(ticket.pk))
        assert row.details["from"] == source and row.details["to"] == target
        assert row.details["to_label"] == target.label
    else:
        with pytest.raises(TransitionNotAllowed, match=str(target.label)):
            transition(ticket, target, actor=actor, reason="材料不全")
        ticket.refresh_from_db()
        assert ticket.state == source
        assert not StateTransition.objects.exists()
        assert not AuditLog.objects.exists()


@pytest.mark.django_db
def test_same_state_is_a_no_op(ticket_table, actor):
    ticket = make_ticket(S.SUBMITTED)
    assert transition(ticket, S.SUBMITTED, actor=actor) is ticket
    assert not StateTransition.objects.exists()
    assert not AuditLog.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), [(S.SUBMITTED, S.REJECTED), (S.SUBMITTED, S.DRAFT)])
def test_reason_is_required_where_declared(ticket_table, actor, source, target):
    ticket = make_ticket(source)
    for blank in (None, "", "   "):
        with pytest.raises(TransitionReasonRequired) as refused:
            transition(ticket, target, actor=actor, reason=blank)
        assert (refused.value.field, refused.value.code) == (
            "reason",
            "transition_reason_required",
        )
    with pytest.raises(TransitionReasonTooLong):
        transition(ticket, target, actor=actor, reason="长" * 501)
    ticket.refresh_from_db()
    assert ticket.state == source
    assert not StateTransition.objects.exists()

    transition(ticket, target, actor=actor, reason="  缺少营业执照  ")
    assert StateTransition.objects.get().reason == "缺少营业执照"
    assert AuditLog.objects.get().details["reason"] == "缺少营业执照"


@pytest.mark.django_db
def test_reason_is_optional_elsewhere_and_kept(ticket_table, actor):
    ticket = make_ticket(S.DRAFT)
    transition(ticket, S.SUBMITTED, actor=actor)
    assert StateTransition.objects.get().reason == ""


@pytest.mark.django_db
def test_changes_and_auto_now_fields_are_written_with_the_state(ticket_table, actor):
    ticket = make_ticket(S.DRAFT)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=None)
    ticket.refresh_from_db()
    transition(ticket, S.SUBMITTED, actor=actor, changes={"note": "已补充"})
    assert ticket.note == "已补充" and ticket.updated_at is not None
    ticket.refresh_from_db()
    assert (ticket.state, ticket.note) == (S.SUBMITTED, "已补充")
    assert ticket.updated_at is not None


@pytest.mark.django_db
def test_given_audit_action_and_details_and_system_actor(ticket_table):
    ticket = make_ticket(S.SUBMITTED)
    transition(
        ticket,
        S.APPROVED,
        actor=None,
        audit_action="ticket.approved",
        audit_details={"phone": "13712345678"},
        enterprise_id=5,
    )
    row = AuditLog.objects.get()
    assert (row.action, row.actor, row.role, row.enterprise_id) == (
        "ticket.approved",
        None,
        "system",
        5,
    )
    assert row.details["phone"] == "137****5678"
    assert StateTransition.objects.get().actor is None


@pytest.mark.django_db
def test_stale_copy_gets_a_conflict(ticket_table, actor):
    ticket = make_ticket(S.SUBMITTED)
    stale = Ticket.objects.get(pk=ticket.pk)
    transition(ticket, S.APPROVED, actor=actor)
    with pytest.raises(TransitionConflict) as lost:
        transition(stale, S.REJECTED, actor=actor, reason="材料不全")
    assert lost.value.message == MSG_CONFLICT == "该记录已被他人处理，请刷新后重试。"
    assert lost.value.code == "transition_conflict"
    assert stale.state == S.SUBMITTED  # the caller's copy is left as it was
    # Even a "no-op" on a stale copy is a conflict: the caller did not see the row.
    with pytest.raises(TransitionConflict):
        transition(stale, S.SUBMITTED, actor=actor)
    assert StateTransition.objects.count() == 1


@pytest.mark.django_db
def test_deleted_row_is_a_conflict(ticket_table, actor):
    ticket = make_ticket(S.DRAFT)
    Ticket.objects.filter(pk=ticket.pk).delete()
    with pytest.raises(TransitionConflict):
        transition(ticket, S.SUBMITTED, actor=actor)


@pytest.mark.django_db
def test_unsaved_row_is_refused(ticket_table, actor):
    with pytest.raises(ValueError, match="creating one is not a transition"):
        transition(Ticket(state=S.DRAFT), S.SUBMITTED, actor=actor)


@pytest.mark.django_db
def test_rollback_leaves_no_state_history_or_audit_row(ticket_table, actor):
    ticket = make_ticket(S.DRAFT)
    with pytest.raises(RuntimeError), transaction.atomic():
        transition(ticket, S.SUBMITTED, actor=actor)
        assert StateTransition.objects.count() == 1
        raise RuntimeError("the caller's next write failed")
    assert Ticket.objects.get(pk=ticket.pk).state == S.DRAFT
    assert not StateTransition.objects.exists()
    assert not AuditLog.objects.exists()


@pytest.mark.django_db
def test_failing_audit_rolls_the_state_back(ticket_table, actor):
    ticket = make_ticket(S.DRAFT)
    with pytest.raises(ValueError, match="unknown audit action"):
        transition(ticket, S.SUBMITTED, actor=actor, audit_action="ticket.typo")
    assert Ticket.objects.get(pk=ticket.pk).state == S.DRAFT
    assert not StateTransition.objects.exists()


@pytest.mark.django_db
def test_history_is_append_only(ticket_table, actor):
    ticket = make_ticket(S.DRAFT)
    transition(ticket, S.SUBMITTED, actor=actor)
    row = StateTransition.objects.get()
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE core_statetransition SET to_state = 'approved' WHERE id = %s", [row.pk]
        )
    assert StateTransition.objects.get().to_state == S.SUBMITTED
    if connection.vendor == "postgresql":
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM core_statetransition WHERE id = %s", [row.pk])
        assert StateTransition.objects.exists()


# --- two transactions at once (PostgreSQL) -----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_of_one_row_let_exactly_one_win(ticket_table, actor):
    skip_unless_postgresql()
    ticket = make_ticket(S.SUBMITTED)
    try:
        # Each caller read the row before any of them wrote: all saw 已提交.
        copies = [Ticket.objects.get(pk=ticket.pk) for _ in range(6)]
        calls = [
            (lambda c=c: transition(c, S.APPROVED, actor=actor))
            if i % 2
            else (lambda c=c: transition(c, S.REJECTED, actor=actor, reason="材料不全"))
            for i, c in enumerate(copies)
        ]
        outcomes = run_together(calls)
        wins = [o for o in outcomes if isinstance(o, Ticket)]
        conflicts = [o for o in outcomes if isinstance(o, TransitionConflict)]
        assert len(wins) == 1, outcomes
        assert len(conflicts) == len(copies) - 1, outcomes
        ticket.refresh_from_db()
        assert ticket.state == wins[0].state
        history = StateTransition.objects.for_object(ticket)
        assert [(h.from_state, h.to_state) for h in history] == [(S.SUBMITTED, ticket.state)]
        assert AuditLog.objects.filter(object_id=str(ticket.pk)).count() == 1
    finally:
        Ticket.objects.all().delete()
