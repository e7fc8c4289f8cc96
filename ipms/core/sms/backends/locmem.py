"""Keeps messages in ``ipms.core.sms.outbox`` (a list) for tests to inspect."""

from __future__ import annotations

from ipms.core import sms

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    def send(self, message) -> str:
        sms.outbox.append(message)
        return self.local_id()
