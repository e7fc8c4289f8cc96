"""Pytest fixtures for code that sends SMS. Import them into a conftest.py::

    from ipms.core.sms.testing import sms_clock, sms_outbox  # noqa: F401

* ``sms_outbox`` switches to the locmem backend and yields ``ipms.core.sms.outbox``,
  emptied before and after the test (like Django's ``mail.outbox``).
* ``sms_clock`` freezes ``ipms.core.sms.clock.now`` at a fixed Beijing time; call
  ``sms_clock.advance(seconds=61)`` to move on without sleeping.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from . import clock as clock_module

BEIJING = ZoneInfo("Asia/Shanghai")


class FrozenClock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment


@pytest.fixture
def sms_outbox(settings):
    from ipms.core import sms

    settings.SMS_BACKEND = "ipms.core.sms.backends.locmem.SmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def sms_clock(monkeypatch) -> FrozenClock:
    frozen = FrozenClock(datetime(2026, 3, 2, 8, 0, 0, tzinfo=BEIJING))
    monkeypatch.setattr(clock_module, "now", frozen.now)
    return frozen
