"""The invitation pages tell refusals apart by their code, never by their wording."""

import pytest

from ipms.accounts import services as account_services
from ipms.accounts.models import User
from ipms.core.errors import DomainError
from ipms.core.phone import PHONE_INVALID
from ipms.enterprises import services
from ipms.enterprises.models import Membership

from .factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PHONE = "13600002925"
PASSWORD = "Xuexi2026ok"


def _invite(enterprise, admin_user):
    return services.membership_invite(
        enterprise=enterprise,
        by=admin_user,
        phone=PHONE,
        name="张总监",
        position=Membership.Position.IP_MANAGER,
        province="310000",
        city="310000",
    )


def test_an_account_made_meanwhile_sends_the_signup_back_whatever_the_wording(
    client, enterprise, admin_user, monkeypatch
):
    _, token = _invite(enterprise, admin_user)

    def made_meanwhile(**kwargs):
        raise DomainError("措辞可以改。", code="account_exists")

    monkeypatch.setattr(services, "invitation_accept_new_account", made_meanwhile)
    data = {"password1": PASSWORD, "password2": PASSWORD, "agree": "on"}
    response = client.post(f"/j/{token}/", data)
    assert response.status_code == 302
    assert response.url == f"/j/{token}/"


def test_another_refusal_with_the_same_wording_stays_on_the_form(
    client, enterprise, admin_user, monkeypatch
):
    _, token = _invite(enterprise, admin_user)

    def refused(**kwargs):
        raise DomainError(services.ACCOUNT_EXISTS, code="something_else")

    monkeypatch.setattr(services, "invitation_accept_new_account", refused)
    data = {"password1": PASSWORD, "password2": PASSWORD, "agree": "on"}
    response = client.post(f"/j/{token}/", data)
    assert response.status_code == 200
    assert services.ACCOUNT_EXISTS in response.content.decode()


def test_a_phone_registered_meanwhile_is_account_exists(enterprise, admin_user, monkeypatch):
    _, token = _invite(enterprise, admin_user)
    real = account_services.user_register

    def registered_meanwhile(**kwargs):
        real(**kwargs)  # the concurrent request
        return real(**kwargs)  # this one: refused with phone_registered

    monkeypatch.setattr(account_services, "user_register", registered_meanwhile)
    with pytest.raises(DomainError) as caught:
        services.invitation_accept_new_account(
            token=token, password=PASSWORD, agreement_accepted=True
        )
    assert caught.value.code == "account_exists"


def test_another_refusal_on_the_phone_field_is_not_account_exists(
    enterprise, admin_user, monkeypatch
):
    _, token = _invite(enterprise, admin_user)

    def refused(**kwargs):
        raise DomainError(PHONE_INVALID, code="phone_invalid", field="phone")

    monkeypatch.setattr(account_services, "user_register", refused)
    with pytest.raises(DomainError) as caught:
        services.invitation_accept_new_account(
            token=token, password=PASSWORD, agreement_accepted=True
        )
    assert caught.value.code == "phone_invalid"
    assert not User.objects.filter(phone=PHONE).exists()


def test_the_link_page_and_the_accept_share_one_check(
    client, enterprise, admin_user, other_enterprise, monkeypatch
):
    """The page refuses what the accept would refuse, by the service's code and words."""
    user = UserFactory(phone=PHONE)
    invitation_row, token = _invite(enterprise, admin_user)
    MembershipFactory(enterprise=other_enterprise, user=user)
    invitation = invitation_row.invitations.get()
    with pytest.raises(DomainError) as caught:
        services.invitation_check_user(invitation, user=user)
    assert caught.value.code == "invitation_other_enterprise"
    assert other_enterprise.name in caught.value.message

    # The page answers with whatever the service says (here: reworded).
    def reworded(invitation, *, user):
        raise DomainError("换了说法。", code="invitation_other_enterprise")

    monkeypatch.setattr(services, "invitation_check_user", reworded)
    client.force_login(user)
    response = client.get(f"/j/{token}/")
    assert response.status_code == 409
    assert "换了说法。" in response.content.decode()
