"""Logs each message instead of sending it: the embedded mode's default.

Whether secrets appear in the log is decided by ``settings.SMS_LOG_SECRETS``:

* Embedded mode (default on): the full phone number and the full text, code or
  invitation link included. Without a provider this log line *is* the phone: a developer,
  tester or demo user reads the code from the ``make run`` console, and the browser tests
  follow the invitation link the same way. The data there is demo data.
* Production mode (forced off in settings): the masked phone (136****2925) and the text
  with codes and tokens replaced by ``******``. A log line is read by more people, kept
  longer (six months or more) and shipped off-host than a code's five minutes justify;
  a leaked code or invitation link would let a log reader take over the registration.
"""

from __future__ import annotations

import logging

from django.conf import settings

from .base import BaseSmsBackend

logger = logging.getLogger("ipms.sms.console")


class SmsBackend(BaseSmsBackend):
    def send(self, message) -> str:
        provider_id = self.local_id()
        if not logger.isEnabledFor(logging.INFO):
            return provider_id  # not rendered for nothing (批量导入 sends thousands)
        if settings.SMS_LOG_SECRETS:
            logger.info("SMS to %s: %s", message.phone, message.text)
        else:
            logger.info("SMS to %s: %s", message.masked_phone, message.redacted_text)
        return provider_id
