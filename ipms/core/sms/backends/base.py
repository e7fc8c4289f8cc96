from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ipms.core.sms import SmsMessage


class BaseSmsBackend:
    """Base of every SMS backend.

    Subclasses implement ``send``: deliver one message or raise ``SmsSendError`` (or
    ``SmsTemporaryError`` when a retry may succeed), and return the provider's message id.
    Keyword options given to ``get_backend`` arrive in ``__init__``.
    """

    def __init__(self, **options) -> None:
        self.options = options

    def send(self, message: SmsMessage) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def local_id() -> str:
        return f"local-{uuid.uuid4().hex[:16]}"
