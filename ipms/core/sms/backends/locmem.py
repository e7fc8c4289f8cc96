"""Keeps messages in ``ipms.core.sms.outbox`` (a list) for tests to inspect."""

from __future__ import annotations

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    def send(self, message) -> str:
        from ipms.core import sms  # the package imports this module lazily; no cycle

        sms.outbox.append(message)
        return self.local_id()
