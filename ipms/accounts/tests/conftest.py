"""Fixtures for the account page tests: slider passes, SMS codes, users, ID numbers."""

from __future__ import annotations

import pytest
from stdnum.iso7064 import mod_11_2

from ipms.accounts.tests.factories import UserFactory, make_operator
from ipms.core.tests import conftest as core_fixtures

PASSWORD = "Learner2026"
NEW_PASSWORD = "Brand-new-2027"


def make_id_number(region: str = "110101", birth: str = "19900307", seq: str = "123") -> str:
    """A valid 18-digit 身份证 number (GB 11643 check digit)."""
    first17 = f"{region}{birth}{seq}"
    return first17 + mod_11_2.calc_check_digit(first17)


ID_NUMBER = make_id_number()
OTHER_ID_NUMBER = make_id_number("310104", "19851122", "456")


slider_clock = core_fixtures.slider_clock
slider_pass = core_fixtures.slider_pass


@pytest.fixture
def operator(db):
    """An operator (console user); password ``OPERATOR_PASSWORD``."""
    return make_operator()


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def learner(db):
    """张总监, a learner on their own (no enterprise); password ``PASSWORD``."""
    return UserFactory(phone="13600002925", password=PASSWORD, name="张总监")


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def send_code(client, slider_pass, sms_outbox, django_capture_on_commit_callbacks, sms_clock):
    """send_code(phone, purpose, client=…) -> the code the phone received, via the endpoint.

    Advances the SMS clock past the cool-down first, so tests may send several codes.
    """
    from django.urls import reverse

    def send(phone: str, purpose: str = "register", *, via=None) -> str | None:
        sms_clock.advance(seconds=61)
        before = len(sms_outbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = (via or client).post(
                reverse("accounts:sms_send"),
                {"phone": phone, "purpose": purpose, "slider": slider_pass("sms")},
            )
        assert response.status_code == 200, response.content.decode()
        if len(sms_outbox) == before:
            return None
        return sms_outbox[-1].params["code"]

    return send
