"""The console: proofs listed read-only; 撤销 asks for a reason and goes through the service."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from ipms.core.models import AuditLog
from ipms.credentials import services
from ipms.credentials.models import Credential

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:credentials_credential_changelist"


@pytest.fixture
def proof(passed_member, course):
    return services.proof_generate(user=passed_member, course=course)


def test_the_list_shows_proofs_and_nothing_can_be_added(operator_client, proof):
    page = operator_client.get(reverse(CHANGELIST)).content.decode()
    assert proof.number in page and "学习证明与证书" in page
    assert operator_client.get(reverse("admin:credentials_credential_add")).status_code == 403


def test_revoke_asks_for_a_reason_then_revokes(operator_client, proof, operator):
    data = {"action": "revoke", ACTION_CHECKBOX_NAME: [proof.pk]}
    page = operator_client.post(reverse(CHANGELIST), data).content.decode()
    assert "撤销原因" in page and proof.number in page
    page = operator_client.post(reverse(CHANGELIST), {**data, "apply": "1", "reason": ""})
    assert "请填写撤销原因。" in page.content.decode()
    assert Credential.objects.get().status == Credential.Status.VALID
    operator_client.post(reverse(CHANGELIST), {**data, "apply": "1", "reason": "材料不实"})
    proof.refresh_from_db()
    assert proof.status == Credential.Status.REVOKED and proof.revoked_reason == "材料不实"
    assert AuditLog.objects.get(action="credential.revoked").actor == operator


def test_learners_cannot_open_the_console(client, passed_member, proof):
    client.force_login(passed_member)
    assert client.get(reverse(CHANGELIST)).status_code == 302
