"""Fixtures for the account page tests: slider passes, SMS codes, users, ID numbers."""

from __future__ import annotations

import time

import pytest
from stdnum.iso7064 import mod_11_2

from ipms.accounts.tests.factories import make_operator
from ipms.core import slider

PASSWORD = "Learner2026"
NEW_PASSWORD = "Brand-new-2027"


def make_id_number(region: str = "110101", birth: str = "19900307", seq: str = "123") -> str:
    """A valid 18-digit 身份证 number (GB 11643 check digit)."""
    first17 = f"{region}{birth}{seq}"
    return first17 + mod_11_2.calc_check_digit(first17)


ID_NUMBER = make_id_number()
OTHER_ID_NUMBER = make_id_number("310104", "19851122", "456")


class SliderClock:
    """The slider's server clock, moved on by hand so a pass needs no real waiting."""

    def __init__(self) -> None:
        self.ms = int(time.time() * 1000)

    def __call__(self) -> int:
        return self.ms

    def advance(self, ms: int) -> None:
        self.ms += ms


@pytest.fixture
def slider_pass(monkeypatch):
    """slider_pass(scope) -> a one-time pass token, as the page gets from a real drag.

    Goes through the public service (challenge, answer with a plausible trace), so a form
    that accepts it accepts what a browser would post.
    """
    clock = SliderClock()
    monkeypatch.setattr(slider, "_now_ms", clock)

    def make(scope: str = "register") -> str:
        challenge = slider.slider_challenge_issue(scope=scope)
        clock.advance(1_000)
        target, steps, duration = challenge.target, 24, 900
        trace = [[round(duration * i / steps), round(target * i / steps)] for i in range(steps + 1)]
        return slider.slider_challenge_verify(
            token=challenge.token, position=target, duration_ms=duration, trace=trace
        )

    return make


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
    from ipms.accounts.models import User

    return User.objects.create_user(phone="13600002925", password=PASSWORD, name="张总监")


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
