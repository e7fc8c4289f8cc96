"""Audit rows of the account side: logins, refused logins, lockouts, password and phone
changes, and operators' edits of users in the console. Phones are masked, passwords and
codes never recorded."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from ipms.accounts.models import User
from ipms.accounts.services import user_password_reset
from ipms.core.models import AuditLog

from .conftest import NEW_PASSWORD, PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
PHONE = "13600002925"  # the conftest learner's


def rows(action):
    return list(AuditLog.objects.filter(action=action).order_by("id"))


def no_secrets(row, *secrets):
    text = json.dumps(row.details, ensure_ascii=False) + row.actor_label
    return not any(secret in text for secret in secrets)


def test_a_login_is_recorded_with_the_client_address(client, learner):
    response = client.post(
        LOGIN, {"username": PHONE, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 302
    (row,) = rows("auth.login")
    assert (row.actor, row.role, row.ip_address) == (learner, "learner", "203.0.113.9")
    assert row.actor_label == "136****2925"


def test_a_refused_login_is_recorded_without_the_password(client, learner):
    client.post(LOGIN, {"username": PHONE, "password": "wrong-pass1"}, REMOTE_ADDR="10.1.1.1")
    (row,) = rows("auth.login_failed")
    assert (row.actor, row.role, row.ip_address) == (None, "visitor", "10.1.1.1")
    assert row.details == {"username": "136****2925"}
    assert no_secrets(row, PHONE, "wrong-pass1")
    assert not rows("auth.login")


def test_a_lockout_is_recorded(client, learner):
    for _ in range(5):
        client.post(LOGIN, {"username": PHONE, "password": "wrong-pass1"})
    assert len(rows("auth.login_failed")) == 5
    (row,) = rows("auth.lockout")
    assert row.details == {"username": "136****2925"}
    assert row.role == "visitor"


def test_a_password_change_is_recorded(signed_in, learner):
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = signed_in.post(reverse("accounts:settings_password"), data, REMOTE_ADDR="10.2.2.2")
    assert response.status_code == 302
    (row,) = rows("account.password_changed")
    assert (row.actor, row.object_id, row.ip_address) == (learner, str(learner.pk), "10.2.2.2")
    assert no_secrets(row, PASSWORD, NEW_PASSWORD)


def test_a_refused_password_change_is_not_recorded(signed_in):
    data = {"old_password": "wrong-pass1", "new_password1": NEW_PASSWORD}
    signed_in.post(reverse("accounts:settings_password"), {**data, "new_password2": NEW_PASSWORD})
    assert not rows("account.password_changed")


def test_a_password_reset_is_recorded(learner):
    user_password_reset(phone=PHONE, password=NEW_PASSWORD)
    (row,) = rows("account.password_reset")
    assert row.actor == learner
    assert user_password_reset(phone="13900009999", password=NEW_PASSWORD) is None
    assert len(rows("account.password_reset")) == 1


def test_a_phone_change_is_recorded_masked(signed_in, learner, send_code):
    new_phone = "13912345678"
    code = send_code(new_phone, "change_phone", via=signed_in)
    response = signed_in.post(
        reverse("accounts:settings_phone"),
        {"phone": new_phone, "code": code, "password": PASSWORD},
    )
    assert response.status_code == 302
    (row,) = rows("account.phone_changed")
    assert row.actor == learner
    assert row.details == {"old_phone": "136****2925", "new_phone": "139****5678"}
    assert no_secrets(row, PHONE, new_phone, code, PASSWORD)


def test_operator_edits_of_users_are_recorded_by_field_name(client, learner):
    superuser = User.objects.create_superuser(phone="13900000001", password="Ops2026pass")
    client.force_login(superuser)
    url = reverse("admin:accounts_user_change", args=[learner.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {"phone": PHONE, "name": "改过的名字", "is_active": "on", "groups": [], "position": ""}
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    (row,) = rows("console.change")
    assert (row.actor, row.role) == (superuser, "operator")
    assert (row.object_type, row.object_id) == ("accounts.user", str(learner.pk))
    assert row.details["model"] == "accounts.user"
    assert "姓名" in row.details["fields"]
    assert no_secrets(row, "改过的名字", PHONE)
