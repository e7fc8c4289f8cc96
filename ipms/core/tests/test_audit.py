"""The audit log: one writer, masked details, and rows nobody can change or delete."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory

from ipms.core import audit
from ipms.core.admin import change_summary
from ipms.core.audit import (
    ActorContext,
    AuditRequestMiddleware,
    audit_record,
    mask_details,
    mask_text,
)
from ipms.core.audit_actions import action_label, action_register
from ipms.core.models import AppendOnlyError, AuditLog, AuditRole

pytestmark = pytest.mark.django_db

PHONE = "13600002925"
ID_NUMBER = "11010119900307123X"


@pytest.fixture
def user():
    return get_user_model().objects.create_user(phone=PHONE, password="x-Secret-2026")


@pytest.fixture
def staff():
    return get_user_model().objects.create_user(
        phone="13700001111", password="x-Secret-2026", is_staff=True
    )


@pytest.fixture
def providers(monkeypatch):
    """The registered actor-context providers, emptied for the test and restored after."""
    registered: list = []
    monkeypatch.setattr(audit, "_providers", registered)
    return registered


# --- masking ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PHONE, "136****2925"),
        (f"手机号{PHONE}已添加", "手机号136****2925已添加"),
        (f"+86{PHONE}", "+86136****2925"),
        (ID_NUMBER, "110101********123X"),
        ("110101900307123", "110101*****7123"),  # the old 15-digit card
        (f"{PHONE},13712345678", "136****2925,137****5678"),
        ("123456789012", "123456789012"),  # 12 digits: neither
        ("12345678901", "12345678901"),  # 11 digits not starting 13–19
        ("913100000000000001X", "913100000000000001X"),  # 19 characters: no ID number
        ("91310000MA1K4ABC2X", "91310000MA1K4ABC2X"),  # a credit code stays readable
        ("成员状态：待验证 → 已验证", "成员状态：待验证 → 已验证"),
    ],
)
def test_mask_text(text, expected):
    assert mask_text(text) == expected


def test_mask_text_cuts_long_values():
    masked = mask_text("长" * 1000)
    assert len(masked) == audit.MAX_TEXT + 1
    assert masked.endswith("…")


def test_mask_details_walks_nested_values_and_drops_secrets():
    details = {
        "phone": PHONE,
        "phones": [PHONE, {"id": ID_NUMBER}],
        "as_int": int(PHONE),
        "count": 3,
        "ok": True,
        "none": None,
        "password": "hunter2-secret",
        "Token": "abc",
        "id_number": "whatever",
        "fields": ("name", "phone"),
    }
    assert mask_details(details) == {
        "phone": "136****2925",
        "phones": ["136****2925", {"id": "110101********123X"}],
        "as_int": "136****2925",
        "count": 3,
        "ok": True,
        "none": None,
        "password": audit.REDACTED,
        "Token": audit.REDACTED,
        "id_number": audit.REDACTED,
        "fields": ["name", "phone"],
    }


# --- audit_record ---------------------------------------------------------------------------


def test_audit_record_writes_one_masked_row(user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().post(
        "/x/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
    )
    row = audit_record(
        action="membership.added",
        actor=user,
        role=AuditRole.ENTERPRISE_ADMIN,
        enterprise_id=7,
        obj=user,
        details={"phone": "13712345678", "count": 1},
        request=request,
    )
    row = AuditLog.objects.get(pk=row.pk)
    assert row.action == "membership.added"
    assert row.actor == user
    assert row.actor_label == "136****2925"
    assert row.role == AuditRole.ENTERPRISE_ADMIN
    assert row.enterprise_id == 7
    assert row.object_type == "accounts.user"
    assert row.object_id == str(user.pk)
    assert row.ip_address == "203.0.113.9"  # the trusted-proxy rule, not the forged hop
    assert row.details == {"phone": "137****5678", "count": 1}
    assert row.action_label == "添加成员"
    assert PHONE not in str(row.details)


def test_unknown_action_is_refused():
    with pytest.raises(ValueError, match="unknown audit action"):
        audit_record(action="membership.addded")
    assert not AuditLog.objects.exists()


def test_registered_action_gets_its_label():
    action_register("test.something", "测试操作")
    assert audit_record(action="test.something").action_label == "测试操作"
    with pytest.raises(ValueError):
        action_register("test.something", "别的名字")
    assert action_label("no.such") == "no.such"


def test_actor_defaults_to_the_signed_in_user(user):
    request = RequestFactory().get("/")
    request.user = user
    row = audit_record(action="auth.login", request=request)
    assert row.actor == user
    assert row.role == AuditRole.LEARNER


def test_anonymous_actor_is_a_visitor_with_a_request_and_system_without():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert audit_record(action="auth.login_failed", request=request).role == AuditRole.VISITOR
    assert audit_record(action="auth.login_failed", actor=AnonymousUser()).role == "system"
    assert audit_record(action="auth.login_failed").actor is None


def test_staff_are_operators(staff):
    assert audit_record(action="console.change", actor=staff).role == AuditRole.OPERATOR


def test_providers_say_who_the_actor_acts_as(user, providers):
    calls = []

    def no_opinion(actor, request):
        calls.append(actor)
        return None

    audit.actor_context_register(no_opinion)
    audit.actor_context_register(lambda actor, request: ActorContext("enterprise_admin", 42))
    row = audit_record(action="membership.removed", actor=user)
    assert (row.role, row.enterprise_id) == ("enterprise_admin", 42)
    assert calls == [user]
    # What the caller says wins over the providers.
    row = audit_record(action="membership.removed", actor=user, role="learner", enterprise_id=3)
    assert (row.role, row.enterprise_id) == ("learner", 3)


def test_unknown_role_is_refused(user):
    with pytest.raises(ValueError, match="unknown audit role"):
        audit_record(action="auth.login", actor=user, role="king")


def test_rolled_back_change_leaves_no_audit_row(user):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="account.password_changed", actor=user)
        raise RuntimeError("the change failed")
    assert not AuditLog.objects.exists()


# --- append-only ---------------------------------------------------------------------------


@pytest.fixture
def row(user):
    return audit_record(action="auth.login", actor=user, details={"n": 1})


def test_orm_refuses_to_update_a_row(row):
    row.details = {"n": 2}
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=row.pk).update(details={"n": 2})
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.bulk_update([row], ["details"])
    assert AuditLog.objects.get(pk=row.pk).details == {"n": 1}


def test_orm_refuses_to_delete_a_row(row):
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=row.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.filter(pk=row.pk).exists()


def test_an_actor_with_audit_rows_cannot_be_deleted(row, user):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        user.delete()


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_database_refuses_update_with_raw_sql(row):
    """SQLite and PostgreSQL both carry a trigger made by the migration."""
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("UPDATE core_auditlog SET action = %s WHERE id = %s", ["auth.logout", row.pk])
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("UPDATE core_auditlog SET actor_id = NULL WHERE id = %s", [row.pk])
    assert AuditLog.objects.get(pk=row.pk).action == "auth.login"


def test_database_refuses_delete_with_raw_sql_on_postgresql(row):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite: DELETE is refused by the ORM only (Django's flush uses DELETE)")
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("DELETE FROM core_auditlog WHERE id = %s", [row.pk])
    assert AuditLog.objects.filter(pk=row.pk).exists()


def test_database_still_accepts_inserts_with_raw_sql(user):
    _raw(
        "INSERT INTO core_auditlog (at, actor_label, role, action, object_type, object_id, "
        "details) VALUES (CURRENT_TIMESTAMP, '', 'system', 'auth.login', '', '', '{}')",
        [],
    )
    assert AuditLog.objects.count() == 1


# --- the request being served, console change messages ---------------------------------


def test_the_request_being_served_supplies_address_and_user(user):
    request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.7")
    request.user = user
    written = []
    middleware = AuditRequestMiddleware(
        lambda r: written.append(audit_record(action="account.password_changed"))
    )
    middleware(request)
    (row,) = written
    assert (row.actor, row.ip_address) == (user, "198.51.100.7")
    # Outside the request nothing is remembered.
    assert audit_record(action="account.password_changed").ip_address is None


def test_change_summary_keeps_field_names_and_related_models_only():
    message = [
        {"changed": {"fields": ["标题", "正文"]}},
        {"added": {"name": "课时", "object": "张三的课时"}},
        {"changed": {"name": "课件", "object": "13600002925", "fields": ["文件"]}},
        {"deleted": {"name": "课时", "object": "李四"}},
    ]
    assert change_summary(message) == {
        "fields": ["标题", "正文", "课件.文件"],
        "related": [
            {"op": "added", "model": "课时"},
            {"op": "changed", "model": "课件"},
            {"op": "deleted", "model": "课时"},
        ],
    }
    assert change_summary([{"added": {}}]) == {"fields": []}
    assert change_summary("已修改密码 13600002925") == {"message": "已修改密码 136****2925"}
