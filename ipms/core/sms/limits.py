"""Sending limits kept in the shared cache (Redis in production), so they hold across
every app server and worker.

Per phone: one message per ``SMS_COOLDOWN_SECONDS`` (60), ``SMS_PHONE_HOURLY_LIMIT`` (5)
per clock hour, ``SMS_PHONE_DAILY_LIMIT`` (10) per calendar day. Per client IP (IPv6 by
/64 network): ``SMS_IP_HOURLY_LIMIT`` (10) and ``SMS_IP_DAILY_LIMIT`` (20). Platform-wide:
``SMS_DAILY_BUDGET`` logs a warning once a day when passed, and ``SMS_DAILY_HARD_LIMIT``
(0 = off) refuses beyond it. Hours and days follow ``TIME_ZONE`` (Beijing time), which is
what "today" means to the user reading the refusal.

How the counting stays exact with several servers:

* the cooldown is one ``cache.add`` (atomic "set if absent") holding the send time;
* each counter is ``cache.add(key, 0)`` then ``cache.incr(key)`` (atomic in Redis), and the
  value after the increment decides: over the limit means refused, and the increments
  made for the refused send are taken back, so only allowed sends count;
* bucket keys carry the hour/day they count (``…:h:2026112814``), so a new hour is a new
  key; time comes from ``clock.now()``, which tests move forward instead of sleeping.

If the cache cannot be reached the send is refused (fail closed): without the counters
nothing would stop an SMS-bombing run.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from . import clock
from .errors import SmsRateLimited, SmsUnavailable

logger = logging.getLogger("ipms.sms.limits")

PREFIX = "sms-limit"
BUDGET_REFUSED = "短信服务繁忙,请稍后再试。"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def ip_bucket(ip: str | None) -> str:
    """The key part for a client address: IPv4 as is, IPv6 by its /64 network."""
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    if address.version == 6:
        mask = getattr(settings, "RATELIMIT_IPV6_MASK", 64)
        return str(ipaddress.ip_network(f"{address}/{mask}", strict=False).network_address)
    return str(address)


@dataclass(frozen=True)
class _Counter:
    key: str
    limit: int
    timeout: int  # seconds until the bucket ends, plus a margin
    wait: int  # seconds until the bucket ends (told to the user)
    message: str


def _wait_minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def _counters(phone: str, ip: str | None, now: datetime) -> list[_Counter]:
    local = timezone.localtime(now)
    hour_end = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    day_end = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    to_hour_end = max(1, math.ceil((hour_end - local).total_seconds()))
    to_day_end = max(1, math.ceil((day_end - local).total_seconds()))
    hour, day = f"{local:%Y%m%d%H}", f"{local:%Y%m%d}"
    net = ip_bucket(ip)
    minutes = _wait_minutes(to_hour_end)
    return [
        _Counter(
            f"{PREFIX}:phone:{phone}:h:{hour}",
            _setting("SMS_PHONE_HOURLY_LIMIT", 5),
            to_hour_end + 60,
            to_hour_end,
            f"该手机号发送验证码次数过多,请 {minutes} 分钟后再试。",
        ),
        _Counter(
            f"{PREFIX}:phone:{phone}:d:{day}",
            _setting("SMS_PHONE_DAILY_LIMIT", 10),
            to_day_end + 60,
            to_day_end,
            "该手机号今日发送验证码次数已达上限,请明天再试。",
        ),
        _Counter(
            f"{PREFIX}:ip:{net}:h:{hour}",
            _setting("SMS_IP_HOURLY_LIMIT", 10),
            to_hour_end + 60,
            to_hour_end,
            f"当前网络发送短信过多,请 {minutes} 分钟后再试。",
        ),
        _Counter(
            f"{PREFIX}:ip:{net}:d:{day}",
            _setting("SMS_IP_DAILY_LIMIT", 20),
            to_day_end + 60,
            to_day_end,
            "当前网络今日发送短信过多,请明天再试。",
        ),
    ]


def _incr(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:
        # The key expired between add and incr (the bucket just ended): start it again.
        cache.add(key, 0, timeout)
        return cache.incr(key)


def _decr_quietly(key: str) -> None:
    with contextlib.suppress(ValueError):  # already expired: nothing to take back
        cache.decr(key)


def _cooldown_take(phone: str, now: datetime) -> str:
    """Claim the per-phone cooldown or raise; returns the key to release on refusal."""
    seconds = _setting("SMS_COOLDOWN_SECONDS", 60)
    key = f"{PREFIX}:phone:{phone}:cooldown"
    stamp = now.timestamp()
    for _ in range(2):
        if cache.add(key, stamp, seconds):
            return key
        previous = cache.get(key)
        if previous is None:  # expired between add and get: try once more
            continue
        wait = math.ceil(seconds - (stamp - float(previous)))
        if wait > 0:
            raise SmsRateLimited(f"发送过于频繁,请 {wait} 秒后再试。", retry_after=wait)
        # The cache still holds a stamp older than the cooldown: only possible when the
        # clock runs ahead of the cache's expiry (a test clock, or skew between servers).
        cache.set(key, stamp, seconds)
        return key
    raise SmsRateLimited(f"发送过于频繁,请 {seconds} 秒后再试。", retry_after=seconds)


def _budget_take(now: datetime) -> str:
    local = timezone.localtime(now)
    day_end = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    timeout = math.ceil((day_end - local).total_seconds()) + 3600
    key = f"{PREFIX}:budget:{local:%Y%m%d}"
    count = _incr(key, timeout)
    hard = _setting("SMS_DAILY_HARD_LIMIT", 0)
    if hard and count > hard:
        _decr_quietly(key)
        if cache.add(f"{key}:refused-logged", 1, timeout):
            logger.error("SMS daily hard limit %s reached: sends refused until midnight", hard)
        raise SmsRateLimited(BUDGET_REFUSED, retry_after=timeout - 3600, field=None)
    budget = _setting("SMS_DAILY_BUDGET", 0)
    if budget and count > budget and cache.add(f"{key}:warned", 1, timeout):
        logger.warning(
            "SMS daily budget exceeded: %s messages today, budget %s (SMS_DAILY_BUDGET)",
            count,
            budget,
        )
    return key


def sms_quota_consume(*, phone: str, ip: str | None) -> None:
    """Count one send for ``phone`` from ``ip``, or refuse it.

    Raises ``SmsRateLimited`` (with ``retry_after`` seconds and a message saying how long
    to wait) when a limit is reached, and ``SmsUnavailable`` when the cache is down. A
    refused send leaves every counter as it was.
    """
    now = clock.now()
    try:
        cooldown_key = _cooldown_take(phone, now)
        taken: list[str] = []
        try:
            for counter in _counters(phone, ip, now):
                count = _incr(counter.key, counter.timeout)
                taken.append(counter.key)
                if count > counter.limit:
                    raise SmsRateLimited(counter.message, retry_after=counter.wait)
            _budget_take(now)
        except SmsRateLimited:
            for key in taken:
                _decr_quietly(key)
            cache.delete(cooldown_key)
            raise
    except SmsRateLimited:
        raise
    except Exception as exc:
        # Any cache failure (Redis down, timeout, refused connection): fail closed.
        logger.exception("SMS limiter cache unavailable; refusing to send")
        raise SmsUnavailable() from exc
