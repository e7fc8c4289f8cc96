"""Operators work in the console: no 《用户协议》 prompt there, the platform's icon shown."""

import pytest
from django.urls import reverse

from ipms.accounts.models import User
from ipms.accounts.services import operator_create

pytestmark = pytest.mark.django_db

PASSWORD = "Operat0r2026"
AGREEMENT_PROMPT = "用户协议"


def test_an_operator_logging_in_to_the_console_is_not_asked_for_the_agreement(client):
    operator_create(phone="13800000001", password=PASSWORD, name="运营小王")
    response = client.post(
        reverse("admin:login"),
        {"username": "13800000001", "password": PASSWORD, "next": reverse("admin:index")},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert AGREEMENT_PROMPT not in response.content.decode()


def test_a_learner_without_consent_is_still_reminded(client):
    User.objects.create_user(phone="13600002925", password="Learner2026")
    response = client.post(
        reverse("accounts:login"),
        {"username": "13600002925", "password": "Learner2026"},
        follow=True,
    )
    assert "阅读并确认《用户协议》" in response.content.decode()


def test_the_console_pages_carry_the_platform_icon(client):
    operator = operator_create(phone="13800000001", password=PASSWORD)
    login_page = client.get(reverse("admin:login")).content.decode()
    client.force_login(operator)
    index = client.get(reverse("admin:index")).content.decode()
    for html in (login_page, index):
        assert '<link rel="icon" href="/favicon.ico"' in html
        assert 'type="image/svg+xml"' in html
