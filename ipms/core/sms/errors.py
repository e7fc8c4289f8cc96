"""Errors raised by the SMS layer, each with a message a Chinese user can read."""

from __future__ import annotations

from ipms.core.errors import DomainError, RateLimited
from ipms.core.ratelimit import SMS_UNAVAILABLE as SERVICE_UNAVAILABLE

TOO_FREQUENT = "发送过于频繁，请稍后再试。"


class SmsError(DomainError):
    """Base of every SMS failure."""

    code = "sms_failed"


class SmsSendError(SmsError):
    """The provider refused the message.

    ``code`` is the provider's error code where it gave one (kept for logs and support,
    never shown), else ``sms_send_failed``; ``retryable`` says whether sending the same
    message again later may succeed.
    """

    code = "sms_send_failed"
    retryable = False

    def __init__(self, message: str, *, code: str = "", field: str | None = None) -> None:
        super().__init__(message, code=code or None, field=field)


class SmsTemporaryError(SmsSendError):
    """Network trouble, a timeout or a provider-side hiccup: worth retrying."""

    retryable = True


class SmsUnavailable(SmsError):
    """The shared limiter cannot be reached; sending is refused (fail closed)."""

    code = "sms_unavailable"

    def __init__(self, message: str = SERVICE_UNAVAILABLE) -> None:
        super().__init__(message)


class SmsRateLimited(RateLimited):
    """A sending limit was hit; ``retry_after`` is the wait in seconds, ``code`` the
    rate-limit policy (``ipms.core.ratelimit.POLICIES``) that refused."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: int,
        field: str | None = "phone",
        code: str = "sms_rate_limited",
    ) -> None:
        super().__init__(message, code=code, field=field)
        self.retry_after = retry_after
