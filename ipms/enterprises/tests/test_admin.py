"""The operator console for enterprises and members: in Chinese, no token hashes shown."""

import pytest
from django.urls import reverse

from ipms.accounts.services import operator_create
from ipms.core.models import AuditLog
from ipms.enterprises.models import Enterprise, Invitation
from ipms.enterprises.services import membership_invite

from .factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    operator = operator_create(phone="13500000100", password="Ops2026pass", name="运营")
    client.force_login(operator)
    return client


@pytest.fixture
def invited(enterprise, admin_user):
    membership, token = membership_invite(
        enterprise=enterprise, by=admin_user, phone="13600002925", name="张总监", position="legal"
    )
    return membership, token


def test_operators_see_enterprises_with_members_inline(operator_client, enterprise, invited):
    membership, token = invited
    MembershipFactory(enterprise=enterprise)
    listing = operator_client.get(reverse("admin:enterprises_enterprise_changelist"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert enterprise.name in html and enterprise.credit_code in html
    detail = operator_client.get(
        reverse("admin:enterprises_enterprise_change", args=[enterprise.pk])
    )
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "企业实际经营地址" in html and "张总监" in html and "待验证" in html
    invitation = membership.invitations.get()
    assert invitation.token_hash not in html and token not in html


def test_membership_page_shows_invitations_without_hashes(operator_client, invited):
    membership, token = invited
    page = operator_client.get(reverse("admin:enterprises_membership_change", args=[membership.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "成员邀请" in html and "法务" in html
    assert membership.invitations.get().token_hash not in html
    assert token not in html
    listing = operator_client.get(reverse("admin:enterprises_membership_changelist"))
    assert listing.status_code == 200 and "13600002925" in listing.content.decode()


def test_operators_can_search_by_credit_code(operator_client, enterprise):
    listing = operator_client.get(
        reverse("admin:enterprises_enterprise_changelist"), {"q": enterprise.credit_code}
    )
    assert enterprise.name in listing.content.decode()


def test_operators_correct_an_enterprise_through_the_model_validators(operator_client, enterprise):
    url = reverse("admin:enterprises_enterprise_change", args=[enterprise.pk])
    data = {
        "name": enterprise.name,
        "credit_code": "91350100M000100Y44",
        "address": enterprise.address,
        "scale": enterprise.scale,
        "industry": enterprise.industry,
        "type": enterprise.type,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    response = operator_client.post(url, data)
    assert response.status_code == 200
    assert "统一社会信用代码校验位不正确，请核对营业执照" in response.content.decode()
    response = operator_client.post(url, data | {"credit_code": "9135 0100 m000 100y43"})
    assert response.status_code == 302, response.context["errors"]
    enterprise.refresh_from_db()
    assert enterprise.credit_code == "91350100M000100Y43"


def test_console_cannot_add_enterprises_or_edit_members(operator_client, invited):
    membership, _ = invited
    assert operator_client.get(reverse("admin:enterprises_enterprise_add")).status_code == 403
    assert operator_client.get(reverse("admin:enterprises_membership_add")).status_code == 403
    response = operator_client.post(
        reverse("admin:enterprises_membership_change", args=[membership.pk]), {"name": "改名"}
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.name == "张总监"


def test_only_superusers_delete(operator_client, enterprise):
    url = reverse("admin:enterprises_enterprise_delete", args=[enterprise.pk])
    assert operator_client.post(url, {"post": "yes"}).status_code == 403
    assert Enterprise.objects.filter(pk=enterprise.pk).exists()


def test_invitations_are_not_a_console_page():
    from django.contrib import admin

    assert Invitation not in admin.site._registry


def test_console_edits_of_an_enterprise_are_audited_under_it(operator_client, enterprise):
    url = reverse("admin:enterprises_enterprise_change", args=[enterprise.pk])
    data = {
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "address": "北京市海淀区中关村大街1号",
        "scale": enterprise.scale,
        "industry": enterprise.industry,
        "type": enterprise.type,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    assert operator_client.post(url, data).status_code == 302
    (row,) = AuditLog.objects.filter(action="console.change")
    assert (row.role, row.enterprise_id) == ("operator", enterprise.pk)
    assert row.details == {"model": "enterprises.enterprise", "fields": ["企业实际经营地址"]}
    # A refused edit writes nothing.
    operator_client.post(url, data | {"credit_code": "91350100M000100Y44"})
    assert AuditLog.objects.filter(action="console.change").count() == 1
