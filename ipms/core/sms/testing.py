"""Pytest fixtures for code that sends SMS. Import them into a conftest.py::

    from ipms.core.sms.testing import sms_clock, sms_outbox  # noqa: F401

* ``sms_outbox`` switches to the locmem backend and yields ``ipms.core.sms.outbox``,
  emptied before and after the test (like Django's ``mail.outbox``).
* ``sms_clock`` freezes time (time-machine) at a fixed Beijing time; call
  ``sms_clock.advance(seconds=61)`` to move on without sleeping. The SMS codes
  (``ipms.core.sms.clock``) and the rate limits (django-ratelimit reads ``time.time()``)
  both follow it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ipms.core import sms

from . import clock as clock_module

BEIJING = ZoneInfo("Asia/Shanghai")


class FrozenClock:
    """Time frozen at ``start`` for the whole process, moved on by hand."""

    def __init__(self, traveller) -> None:
        self.traveller = traveller

    def now(self) -> datetime:
        return clock_module.now()

    def advance(self, **delta: float) -> datetime:
        self.traveller.shift(timedelta(**delta))
        return self.now()

    def set(self, moment: datetime) -> None:
        self.traveller.move_to(moment)


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "ipms.core.sms.backends.locmem.SmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def sms_clock():
    with time_machine.travel(datetime(2026, 3, 2, 8, 0, 0, tzinfo=BEIJING), tick=False) as t:
        yield FrozenClock(t)
