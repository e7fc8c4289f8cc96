"""Pluggable SMS sending, in the manner of Django's e-mail backends.

``send_sms(phone=…, template=…, params=…)`` renders a message from the template registry
(``ipms.core.sms.templates``) and hands it to the backend named by
``settings.SMS_BACKEND``:

* ``ipms.core.sms.backends.console.SmsBackend`` logs the message (embedded default);
* ``ipms.core.sms.backends.locmem.SmsBackend`` appends to ``ipms.core.sms.outbox`` (tests);
* ``ipms.core.sms.backends.filebased.SmsBackend`` appends JSON lines to ``SMS_FILE_PATH``;
* ``ipms.core.sms.backends.tencent.SmsBackend`` calls Tencent Cloud SMS (production).

Callers in request handling never send directly: they queue the send after commit
(``ipms.accounts.sms``), so a rolled-back transaction sends nothing and a slow provider
never holds a request. See docs/sms.md.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

from ipms.core.phone import PHONE_INVALID, is_mobile, mask_mobile, normalize_mobile

from .errors import (
    SmsError,
    SmsRateLimited,
    SmsSendError,
    SmsTemporaryError,
    SmsUnavailable,
)
from .templates import get_template, render

__all__ = [
    "SmsError",
    "SmsMessage",
    "SmsRateLimited",
    "SmsResult",
    "SmsSendError",
    "SmsTemporaryError",
    "SmsUnavailable",
    "get_backend",
    "outbox",
    "send_sms",
]

logger = logging.getLogger("ipms.sms")

# Messages "sent" by the locmem backend, like django.core.mail.outbox. Tests clear it in
# place (outbox.clear()) so references taken with ``from ipms.core.sms import outbox``
# stay valid.
outbox: list[SmsMessage] = []


@dataclass(eq=True)
class SmsMessage:
    """One text to one mainland mobile number."""

    phone: str
    template: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The full text the phone shows, secrets included."""
        return render(self.template, self.params)

    @property
    def redacted_text(self) -> str:
        """The text with one-time secrets (codes, invitation tokens) masked."""
        return render(self.template, self.params, redact=True)

    @property
    def masked_phone(self) -> str:
        return mask_mobile(self.phone)


@dataclass(frozen=True)
class SmsResult:
    message: SmsMessage
    # The provider's message id (serial number), or a local id for local backends.
    provider_id: str


def get_backend(path: str | None = None, **options):
    """An instance of the configured backend (or of ``path``)."""
    backend_path = path or settings.SMS_BACKEND
    return import_string(backend_path)(**options)


def send_sms(
    *, phone: str, template: str, params: Mapping[str, object], backend=None, log: bool = True
) -> SmsResult:
    """Send one message now (synchronously); raise ``SmsSendError`` when refused.

    Request code should not call this directly; use the after-commit task in
    ``ipms.accounts.tasks`` so a provider outage cannot slow or break a page. A caller
    sending many passes one ``backend`` for all and ``log=False``, and logs the batch.
    """
    phone = normalize_mobile(phone)
    if not is_mobile(phone):
        raise SmsSendError(PHONE_INVALID, code="invalid_phone", field="phone")
    get_template(template).check_params(params)
    message = SmsMessage(
        phone=phone, template=template, params={k: str(v) for k, v in params.items()}
    )
    backend = backend or get_backend()
    provider_id = backend.send(message)
    if log:
        logger.info(
            "sms sent template=%s to=%s backend=%s id=%s",
            template,
            message.masked_phone,
            type(backend).__module__,
            provider_id,
        )
    return SmsResult(message=message, provider_id=provider_id)
