"""The audit log in the console (/console/): readable with the view permission, changeable
by nobody, superusers included; filters by action, enterprise, actor and date."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ipms.core.audit import audit_record
from ipms.core.models import AuditLog

pytestmark = pytest.mark.django_db

LIST = reverse("admin:core_auditlog_changelist")
PASSWORD = "x-Secret-2026"


def make_user(phone, **extra):
    return get_user_model().objects.create_user(phone=phone, password=PASSWORD, **extra)


@pytest.fixture
def superuser():
    return make_user("13900000001", is_staff=True, is_superuser=True)


@pytest.fixture
def reader():
    user = make_user("13900000002", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_auditlog"))
    return user


@pytest.fixture
def rows():
    alice = make_user("13600002925", name="张三")
    bob = make_user("13712345678", name="李四")
    return [
        audit_record(action="auth.login", actor=alice, enterprise_id=7),
        audit_record(action="membership.removed", actor=alice, enterprise_id=7),
        audit_record(action="auth.login", actor=bob, enterprise_id=8),
        audit_record(action="auth.login_failed", details={"username": "13800000000"}),
    ]


def listed(response) -> set[int]:
    """The rows listed, less the viewer's own (signing in writes an ``auth.login`` row)."""
    viewer = response.wsgi_request.user
    return {row.pk for row in response.context["cl"].result_list if row.actor_id != viewer.pk}


def test_only_the_view_permission_exists():
    codenames = set(
        Permission.objects.filter(
            content_type__app_label="core", content_type__model="auditlog"
        ).values_list("codename", flat=True)
    )
    assert codenames == {"view_auditlog"}


@pytest.mark.parametrize("who", ["superuser", "reader"])
def test_list_and_detail_are_readable_but_nothing_is_changeable(client, request, who, rows):
    client.force_login(request.getfixturevalue(who))
    response = client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == {row.pk for row in rows}
    body = response.content.decode()
    assert "136****2925" in body
    assert "13600002925" not in body
    assert 'name="action"' not in body  # no bulk actions (delete_selected)

    detail = client.get(reverse("admin:core_auditlog_change", args=[rows[3].pk]))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "138****0000" in text and "13800000000" not in text
    assert 'name="_save"' not in text

    assert client.get(reverse("admin:core_auditlog_add")).status_code == 403
    url = reverse("admin:core_auditlog_delete", args=[rows[0].pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert (
        client.post(
            reverse("admin:core_auditlog_change", args=[rows[0].pk]), {"action": "x"}
        ).status_code
        == 403
    )
    assert AuditLog.objects.exclude(action="auth.login", actor__is_staff=True).count() == len(rows)
    assert AuditLog.objects.get(pk=rows[0].pk).action == "auth.login"


def test_staff_without_the_permission_are_refused(client, rows):
    client.force_login(make_user("13900000003", is_staff=True))
    assert client.get(LIST).status_code == 403


def test_filters(client, superuser, rows):
    client.force_login(superuser)
    login, removed, bob_login, failed = rows
    assert listed(client.get(LIST, {"action": "auth.login"})) == {login.pk, bob_login.pk}
    assert listed(client.get(LIST, {"enterprise_id": "7"})) == {login.pk, removed.pk}
    assert listed(client.get(LIST, {"enterprise_id": "abc"})) == set()
    assert listed(client.get(LIST, {"q": "13712345678"})) == {bob_login.pk}
    assert listed(client.get(LIST, {"role": "visitor"})) == set()
    assert listed(client.get(LIST, {"role": "system"})) == {failed.pk}
    today = timezone.localdate()
    by_day = {"at__year": today.year, "at__month": today.month, "at__day": today.day}
    assert listed(client.get(LIST, by_day)) == {row.pk for row in rows}
    tomorrow = today + datetime.timedelta(days=1)
    by_day = {"at__year": tomorrow.year, "at__month": tomorrow.month, "at__day": tomorrow.day}
    assert listed(client.get(LIST, by_day)) == set()


def test_filter_box_keeps_the_other_filters(client, superuser, rows):
    client.force_login(superuser)
    body = client.get(LIST, {"action": "auth.login", "enterprise_id": "7"}).content.decode()
    assert '<input type="hidden" name="action" value="auth.login">' in body
    assert 'name="enterprise_id" value="7"' in body
    assert "登录失败" in body  # the action filter lists the Chinese labels


def test_list_queries_do_not_grow_with_rows(client, superuser, rows):
    client.force_login(superuser)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for n in range(20):
        audit_record(action="auth.login", actor=make_user(f"1350000{n:04d}"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(listed(response)) == len(rows) + 20
    assert len(many) == len(few)
