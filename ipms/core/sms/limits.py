"""Sending limits for verification codes, as policies of ``ipms.core.ratelimit``.

Per phone: one message per ``SMS_COOLDOWN_SECONDS`` (60), ``SMS_PHONE_HOURLY_LIMIT`` (5)
per hour, ``SMS_PHONE_DAILY_LIMIT`` (10) per day. Per client address (IPv6 by /64
network): ``SMS_IP_HOURLY_LIMIT`` (10) and ``SMS_IP_DAILY_LIMIT`` (20) per hour and day.
Platform-wide: past ``SMS_DAILY_BUDGET`` a warning is logged once, and past
``SMS_DAILY_HARD_LIMIT`` (0 = off) sends are refused. The cool-down is counted from each
send; the other limits are django-ratelimit's fixed windows (an hour, a day). All are
kept in the shared cache, so they hold across every app server; each refusal says how
long to wait.

A send is counted under every policy or under none (``ratelimit.hit_all``): a refused send
uses up nothing, so hammering the button while refused does not lengthen the wait.

If the cache cannot be reached the send is refused (the policies fail closed): without
the counters nothing would stop an SMS-bombing run.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipms.core import ratelimit

from .errors import SmsRateLimited, SmsUnavailable

PHONE_POLICIES = ("sms_phone_cooldown", "sms_phone_hour", "sms_phone_day")
IP_POLICIES = ("sms_ip_hour", "sms_ip_day")
PLATFORM_POLICIES = ("sms_daily_hard_limit", "sms_daily_budget")


@dataclass(frozen=True)
class SmsQuota:
    """A send that was counted; ``resend_after`` is when the phone may ask again."""

    resend_after: int


def sms_quota_consume(*, phone: str, ip: str | None) -> SmsQuota:
    """Count one send for ``phone`` from ``ip``, or refuse it.

    Raises ``SmsRateLimited`` (``code`` the policy's name, ``retry_after`` seconds, a
    message saying how long to wait) when a limit is reached, and ``SmsUnavailable`` when
    the cache is down. A refused send leaves every counter as it was.
    """
    checks = [
        *((name, phone) for name in PHONE_POLICIES),
        *((name, ip or "") for name in IP_POLICIES),
        *((name, None) for name in PLATFORM_POLICIES),
    ]
    try:
        decisions = ratelimit.hit_all(checks)
    except ratelimit.RateLimitExceeded as refused:
        if refused.decision.unavailable:
            raise SmsUnavailable(refused.message) from None
        name = refused.decision.policy.name
        raise SmsRateLimited(
            refused.message,
            retry_after=refused.retry_after,
            field="phone" if name in PHONE_POLICIES + IP_POLICIES else None,
            code=name,
        ) from None
    return SmsQuota(resend_after=decisions["sms_phone_cooldown"].retry_after)
