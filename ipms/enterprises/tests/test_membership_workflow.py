"""Membership status moves only through ``transition()``: the table, its history and audit
rows, the audit rows of adding and importing members, and a scan of the code for any
other writer of the status field."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest
from django.test import RequestFactory

import ipms
from ipms.core.audit import audit_record
from ipms.core.models import AuditLog, StateTransition
from ipms.core.workflow import TransitionNotAllowed, transition, workflow_for
from ipms.enterprises.identity import SESSION_KEY
from ipms.enterprises.models import MEMBERSHIP_WORKFLOW, Membership
from ipms.enterprises.services import (
    PHONE_CHANGE_DUPLICATE_REASON,
    InviteRow,
    enterprise_register,
    invitation_accept,
    membership_invite,
    membership_invite_bulk,
    membership_phone_changed,
    membership_remove,
)

from .factories import MembershipFactory, UserFactory, make_uscc

pytestmark = pytest.mark.django_db

S = Membership.Status
NEW_PHONE = "13600002925"


def invite(enterprise, by, phone=NEW_PHONE):
    return membership_invite(
        enterprise=enterprise, by=by, phone=phone, name="张总监", position="ip_manager"
    )


def audit_rows(action):
    return list(AuditLog.objects.filter(action=action).order_by("id"))


# --- the table ----------------------------------------------------------------------------


def test_membership_workflow_is_declared_on_the_model():
    assert workflow_for(Membership) is MEMBERSHIP_WORKFLOW
    assert MEMBERSHIP_WORKFLOW.allowed == {
        "pending": {"verified", "removed"},
        "verified": {"removed"},
    }
    assert MEMBERSHIP_WORKFLOW.initial == {"pending", "verified"}


def _member_in(state, enterprise):
    if state == S.PENDING:
        return MembershipFactory(enterprise=enterprise, pending=True)
    member = MembershipFactory(enterprise=enterprise)
    if state == S.REMOVED:
        transition(member, S.REMOVED, actor=None, changes={"removed_at": member.verified_at})
    return member


@pytest.mark.parametrize(("source", "target"), list(itertools.permutations(S, 2)))
def test_every_move_of_the_table(enterprise, admin_user, source, target):
    member = _member_in(source, enterprise)
    before = StateTransition.objects.count()
    changes = {"removed_at": member.created_at} if target == S.REMOVED else {}
    if target == S.VERIFIED:
        changes["user"] = member.user or UserFactory(phone=member.phone)
    if MEMBERSHIP_WORKFLOW.can(source, target):
        transition(member, target, actor=admin_user, changes=changes)
        member.refresh_from_db()
        assert member.status == target
        last = StateTransition.objects.for_object(member).last()
        assert (last.from_label, last.to_label) == (source.label, target.label)
    else:
        with pytest.raises(TransitionNotAllowed, match=f"“{source.label}”变为“{target.label}”"):
            transition(member, target, actor=admin_user, changes=changes)
        member.refresh_from_db()
        assert member.status == source
        assert StateTransition.objects.count() == before


# --- the services -------------------------------------------------------------------------


def test_adding_a_member_is_audited_once_with_the_phone_masked(enterprise, admin_user):
    membership, _ = invite(enterprise, admin_user)
    (row,) = audit_rows("membership.added")
    assert (row.actor, row.role, row.enterprise_id) == (
        admin_user,
        "enterprise_admin",
        enterprise.pk,
    )
    assert (row.object_type, row.object_id) == ("enterprises.membership", str(membership.pk))
    assert row.details["phone"] == "136****2925"
    assert NEW_PHONE not in str(row.details)
    assert not StateTransition.objects.exists()  # creation is not a transition


def test_registering_an_enterprise_audits_its_admin_membership(db):
    admin = UserFactory()
    enterprise = enterprise_register(
        name="审计测试有限公司", credit_code=make_uscc(77_000_001), admin_user=admin
    )
    (row,) = audit_rows("membership.added")
    assert (row.actor, row.enterprise_id, row.details["role"]) == (admin, enterprise.pk, "admin")


def test_accepting_records_the_move_to_verified(enterprise, admin_user):
    membership, token = invite(enterprise, admin_user)
    user = UserFactory(phone=NEW_PHONE)
    invitation_accept(token=token, user=user)
    (move,) = StateTransition.objects.for_object(membership)
    assert (move.from_state, move.to_state, move.actor) == ("pending", "verified", user)
    (row,) = audit_rows("membership.verified")
    assert (row.actor, row.role, row.enterprise_id) == (user, "learner", enterprise.pk)
    assert row.details["to_label"] == "已验证"


def test_removing_records_who_removed_whom(enterprise, admin_user):
    member = MembershipFactory(enterprise=enterprise, user=UserFactory(phone="13712345678"))
    removed = membership_remove(membership=member, by=admin_user)
    assert (removed.status, removed.removed_by) == (S.REMOVED, admin_user)
    (move,) = StateTransition.objects.for_object(member)
    assert (move.from_state, move.to_state, move.actor) == ("verified", "removed", admin_user)
    (row,) = audit_rows("membership.removed")
    assert (row.actor, row.role, row.enterprise_id) == (
        admin_user,
        "enterprise_admin",
        enterprise.pk,
    )
    assert row.details["phone"] == "137****5678"
    # Removing again is the no-op of the workflow: no second history or audit row.
    membership_remove(membership=member, by=admin_user)
    assert StateTransition.objects.for_object(member).count() == 1
    assert len(audit_rows("membership.removed")) == 1


def test_a_refused_removal_leaves_no_trace(enterprise, admin_user):
    admin_membership = Membership.objects.get(enterprise=enterprise, user=admin_user)
    with pytest.raises(Exception, match="不能移除企业管理员"):
        membership_remove(membership=admin_membership, by=admin_user)
    assert not StateTransition.objects.exists()
    assert not audit_rows("membership.removed")


def test_a_phone_change_withdraws_the_duplicate_invitation_with_a_reason(enterprise, admin_user):
    member = MembershipFactory(enterprise=enterprise)
    waiting, _ = invite(enterprise, admin_user, phone="13811112222")
    member.user.phone = "13811112222"
    member.user.save()
    membership_phone_changed(user=member.user)
    (move,) = StateTransition.objects.for_object(waiting)
    assert (move.to_state, move.reason, move.actor) == (
        "removed",
        PHONE_CHANGE_DUPLICATE_REASON,
        member.user,
    )
    (row,) = audit_rows("membership.status_changed")
    assert row.object_id == str(waiting.pk) and row.enterprise_id == enterprise.pk


def test_an_import_is_one_audit_row_with_its_counts(enterprise, admin_user):
    rows = [
        InviteRow(ref=2, phone="13700000001", position="legal"),
        InviteRow(ref=3, phone="13700000002", position="legal"),
        InviteRow(ref=4, phone="13700000001", position="legal"),  # duplicate: skipped
        InviteRow(ref=5, phone="139", position="legal"),  # invalid: failed
    ]
    membership_invite_bulk(enterprise=enterprise, by=admin_user, rows=rows)
    (row,) = audit_rows("membership.imported")
    assert row.details == {"rows": 4, "invited": 2, "skipped": 1, "failed": 1}
    assert (row.actor, row.enterprise_id) == (admin_user, enterprise.pk)
    assert (row.object_type, row.object_id) == ("enterprises.enterprise", str(enterprise.pk))
    assert not audit_rows("membership.added")  # not one row per member


# --- who acts as what ---------------------------------------------------------------------


def test_members_are_filed_under_their_enterprise_and_identity(enterprise, admin_user):
    learner = MembershipFactory(enterprise=enterprise).user
    assert audit_record(action="auth.login", actor=learner).role == "learner"
    assert audit_record(action="auth.login", actor=learner).enterprise_id == enterprise.pk
    assert audit_record(action="auth.login", actor=admin_user).role == "enterprise_admin"
    request = RequestFactory().get("/")
    request.session = {SESSION_KEY: "learner"}  # the admin switched to 学员
    row = audit_record(action="auth.login", actor=admin_user, request=request)
    assert (row.role, row.enterprise_id) == ("learner", enterprise.pk)
    outsider = UserFactory()
    assert audit_record(action="auth.login", actor=outsider).enterprise_id is None


# --- nobody else writes the status --------------------------------------------------------

ROOT = Path(ipms.__file__).resolve().parent
ALLOWED_FILES = {ROOT / "core" / "workflow.py"}


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func) + "()")
    return ".".join(reversed(parts))


def status_writes(source: str) -> list[str]:
    """Every write of a ``status`` field in ``source`` other than creating a membership in
    one of its initial states: ``x.status = …``, ``setattr(x, "status", …)``,
    ``….update(status=…)``, ``bulk_update(…, ["status"])``, ``Membership(status=…)`` with a
    state that is not initial."""
    found = []
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for item in ast.walk(target):
                if isinstance(item, ast.Attribute) and item.attr == "status":
                    found.append(f"line {node.lineno}: {_dotted(item)} = …")
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        second = node.args[1] if len(node.args) > 1 else None
        if name == "setattr" and isinstance(second, ast.Constant) and second.value == "status":
            found.append(f"line {node.lineno}: setattr(…, 'status', …)")
        if name.endswith(".update") and "status" in keywords:
            found.append(f"line {node.lineno}: {name}(status=…)")
        if name.endswith("bulk_update") and "status" in ast.dump(node):
            found.append(f"line {node.lineno}: {name}(…status…)")
        creates = name == "Membership" or (
            name.startswith("Membership.objects.")
            and name.rsplit(".", 1)[-1] in {"create", "get_or_create", "update_or_create"}
        )
        if creates and "status" in keywords:
            value = keywords["status"]
            state = getattr(S, value.attr, None) if isinstance(value, ast.Attribute) else None
            if state is None or state not in MEMBERSHIP_WORKFLOW.initial:
                found.append(f"line {node.lineno}: {name}(status={ast.unparse(value)})")
    return found


def test_the_scan_finds_the_writes_of_the_old_code():
    old = """
locked.status = Membership.Status.REMOVED
duplicate.status, x = Membership.Status.REMOVED, 1
Membership.objects.filter(pk=1).update(status=Membership.Status.VERIFIED, user=user)
setattr(row, "status", "removed")
Membership.objects.bulk_update(rows, ["status"])
Membership.objects.create(status=Membership.Status.REMOVED)
"""
    assert len(status_writes(old)) == 6
    fine = """
membership = Membership(enterprise=e, status=Membership.Status.PENDING)
admin = Membership(enterprise=e, status=Membership.Status.VERIFIED)
render(request, "x.html", status=404)
if member.status == Membership.Status.REMOVED: pass
transition(member, Membership.Status.REMOVED, actor=by)
Membership.objects.filter(user=u).exclude(status=Membership.Status.REMOVED).exists()
Membership.objects.filter(status=Membership.Status.REMOVED).count()
"""
    assert status_writes(fine) == []


def test_no_code_outside_the_workflow_writes_a_status_field():
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        if {"tests", "migrations"} & set(path.parts) or path in ALLOWED_FILES:
            continue
        writes = status_writes(path.read_text(encoding="utf-8"))
        if writes:
            found[str(path.relative_to(ROOT))] = writes
    assert found == {}, "status changes must go through ipms.core.workflow.transition()"
