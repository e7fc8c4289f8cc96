"""Every rate limit of the platform: one declared policy each, counted by django-ratelimit.

A policy names what is counted (``key``), how many per window (``rate``, read from a
setting whose default lives in ``config/settings.py``), what happens when the shared cache
cannot be reached (``fail``) and the Chinese message a refusal shows. ``POLICIES`` below
is the only place limits are declared; docs/rate-limits.md lists them.

Counting is django-ratelimit's ``get_usage``: a fixed window per key (its length is the
rate's period, its start offset by a hash of the key so that windows do not all end
together), an atomic ``add`` + ``incr`` in the cache named by ``RATELIMIT_USE_CACHE``
(Redis in production, so every app server and worker shares the counts). A ``OncePer``
policy (the SMS cool-down) is counted from the action instead: the cache holds when its
cool-down ends (``_cooldown_decide``). Two calls:

* ``peek(name, …)`` asks "may one more happen?" without counting (refused once the count
  has reached the limit);
* ``hit(name, …)`` counts one and says whether that one was within the limit.

Both return a ``Decision``; ``Decision.raise_if_refused()`` turns a refusal into
``RateLimitExceeded`` (a ``DomainError`` whose ``code`` is the policy name), which views
show as their usual Chinese 429 answer.

When the cache is down (an exception, or the library reporting a failed count) a policy
that fails **closed** refuses with its ``unavailable`` message (SMS, registrations,
password checks: without the counter nothing would stop a script), and one that fails
**open** lets the action through and logs a warning (page traffic such as heartbeats, and
logins, whose per-account lockout lives in the database with django-axes).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from django.conf import settings
from django.core.cache import caches
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django_ratelimit import core as rl_core
from django_ratelimit.core import get_usage

from .errors import RateLimited
from .http import client_ip, ip_network_key
from .slider import UNAVAILABLE as SLIDER_UNAVAILABLE

logger = logging.getLogger("ipms.core.ratelimit")

UNAVAILABLE = "服务暂时不可用，请稍后再试。"
SMS_UNAVAILABLE = "短信服务暂时不可用，请稍后再试。"

# django-ratelimit's rate syntax: "5/h", "30/15m", "1/60s".
RATE_RE = re.compile(r"^(\d+)/(\d*)([smhd])$")


class FailMode(StrEnum):
    OPEN = "open"  # cache down: allowed (logged)
    CLOSED = "closed"  # cache down: refused with the policy's ``unavailable`` message


class Key(StrEnum):
    IP = "ip"  # the client address (trusted-proxy rule; IPv6 by /64 network)
    USER = "user"  # the signed-in user
    VALUE = "value"  # a value the caller passes, e.g. a phone number
    GLOBAL = "global"  # one counter for the whole platform


@dataclass(frozen=True)
class SettingRate:
    """A django-ratelimit rate string held in a setting ("" turns the limit off)."""

    setting: str

    def resolve(self) -> str | None:
        return getattr(settings, self.setting) or None

    def __str__(self) -> str:
        return self.setting


@dataclass(frozen=True)
class CountPer:
    """An integer setting: that many per ``period`` ("h", "d"); 0 turns the limit off."""

    setting: str
    period: str

    def resolve(self) -> str | None:
        count = int(getattr(settings, self.setting))
        return f"{count}/{self.period}" if count > 0 else None

    def __str__(self) -> str:
        return f"{self.setting}/{self.period}"


@dataclass(frozen=True)
class OncePer:
    """One per the number of seconds in an integer setting, counted from the action: a
    cool-down (the next may happen that many seconds after this one), not a fixed window
    a second action could follow across its edge. 0 turns the limit off."""

    setting: str

    def seconds(self) -> int:
        return int(getattr(settings, self.setting))

    def resolve(self) -> str | None:
        seconds = self.seconds()
        return f"1/{seconds}s" if seconds > 0 else None

    def __str__(self) -> str:
        return f"1/{self.setting}s"


@dataclass(frozen=True)
class Policy:
    """One limit. ``message`` may contain ``{wait}`` ("40 秒", "55 分钟", "3 小时")."""

    name: str
    key: Key
    rate: SettingRate | CountPer | OncePer
    fail: FailMode
    message: str
    unavailable: str = UNAVAILABLE
    # Methods counted (django-ratelimit's ``method``); None counts every method.
    method: tuple[str, ...] | None = None
    # Counted and logged once when passed, never refused (the SMS daily budget).
    warn_only: bool = False
    # Log at this level once per window, when a hit takes the last allowed slot.
    alert: int | None = None

    def rate_string(self) -> str | None:
        rate = self.rate.resolve()
        if rate is not None and not RATE_RE.match(rate):
            raise ImproperlyConfigured(
                f"Rate limit {self.name}: {self.rate} = {rate!r} is not a rate like '5/h'."
            )
        return rate


def wait_text(seconds: int) -> str:
    """A wait as a person reads it: "40 秒", "55 分钟", "3 小时" (rounded up)."""
    if seconds < 60:
        return f"{max(1, seconds)} 秒"
    if seconds < 3600:
        return f"{math.ceil(seconds / 60)} 分钟"
    return f"{math.ceil(seconds / 3600)} 小时"


_ip, _user, _value, _global = Key.IP, Key.USER, Key.VALUE, Key.GLOBAL
_open, _closed = FailMode.OPEN, FailMode.CLOSED

# The platform's limits, and the only place they are declared (docs/rate-limits.md).
POLICIES: dict[str, Policy] = {
    policy.name: policy
    for policy in (
        # 获取验证码 (ipms.core.sms.limits): per phone, per address, platform-wide.
        Policy(
            "sms_phone_cooldown",
            _value,
            OncePer("SMS_COOLDOWN_SECONDS"),
            _closed,
            "发送过于频繁，请 {wait}后再试。",
            unavailable=SMS_UNAVAILABLE,
        ),
        Policy(
            "sms_phone_hour",
            _value,
            CountPer("SMS_PHONE_HOURLY_LIMIT", "h"),
            _closed,
            "该手机号发送验证码次数过多，请 {wait}后再试。",
            unavailable=SMS_UNAVAILABLE,
        ),
        Policy(
            "sms_phone_day",
            _value,
            CountPer("SMS_PHONE_DAILY_LIMIT", "d"),
            _closed,
            "该手机号发送验证码次数已达每日上限，请 {wait}后再试。",
            unavailable=SMS_UNAVAILABLE,
        ),
        Policy(
            "sms_ip_hour",
            _ip,
            CountPer("SMS_IP_HOURLY_LIMIT", "h"),
            _closed,
            "当前网络发送短信过多，请 {wait}后再试。",
            unavailable=SMS_UNAVAILABLE,
        ),
        Policy(
            "sms_ip_day",
            _ip,
            CountPer("SMS_IP_DAILY_LIMIT", "d"),
            _closed,
            "当前网络发送短信已达每日上限，请 {wait}后再试。",
            unavailable=SMS_UNAVAILABLE,
        ),
        Policy(
            "sms_daily_budget",
            _global,
            CountPer("SMS_DAILY_BUDGET", "d"),
            _open,
            "",
            warn_only=True,
        ),
        Policy(
            "sms_daily_hard_limit",
            _global,
            CountPer("SMS_DAILY_HARD_LIMIT", "d"),
            _closed,
            "短信服务繁忙，请稍后再试。",
            unavailable=SMS_UNAVAILABLE,
            alert=logging.ERROR,
        ),
        # 登录 (ipms.accounts.lockout): failed attempts per address; successes never
        # count (an office behind one NAT logs in together). Past the first rate the form
        # asks for the slider; past the second the address is refused. Open: the
        # per-phone lockout (django-axes) is kept in the database.
        Policy(
            "login_ip_slider",
            _ip,
            SettingRate("LOGIN_IP_SLIDER_RATE"),
            _open,
            "当前网络登录失败次数较多，请先完成滑块验证再登录。",
        ),
        Policy(
            "login_ip_failures",
            _ip,
            SettingRate("LOGIN_IP_FAILURE_RATE"),
            _open,
            "当前网络登录失败次数过多，请 {wait}后再试。",
        ),
        # 个人设置 and 注册 (ipms.accounts.limits).
        Policy(
            "password_check_user",
            _user,
            SettingRate("PASSWORD_CHECK_RATE"),
            _closed,
            "当前密码输错次数过多，请 {wait}后再试。",
        ),
        Policy(
            "id_number_change_user",
            _user,
            SettingRate("ID_NUMBER_CHANGE_RATE"),
            _closed,
            "身份证号码修改过于频繁，请 {wait}后再试。",
        ),
        Policy(
            "register_ip",
            _ip,
            SettingRate("REGISTER_IP_RATE"),
            _closed,
            "当前网络注册过于频繁，请 {wait}后再试。",
        ),
        # The slider check's endpoints (ipms.core.views).
        Policy(
            "slider_ip",
            _ip,
            SettingRate("SLIDER_RATE"),
            _closed,
            "操作过于频繁，请稍后再试。",
            unavailable=SLIDER_UNAVAILABLE,
        ),
        # 意见反馈 (ipms.content.views): valid submissions per address.
        Policy(
            "feedback_ip",
            _ip,
            SettingRate("FEEDBACK_RATE"),
            _closed,
            "您提交得太频繁了，请 {wait}后再试。您填写的内容已保留，届时重新输入验证码即可提交。",
        ),
        # 批量导入 uploads per enterprise admin (ipms.enterprises.views).
        Policy(
            "member_import_upload_user",
            _user,
            SettingRate("MEMBER_IMPORT_UPLOAD_RATE"),
            _closed,
            "上传过于频繁，请稍后再试。",
        ),
        # 添加成员 and 批量导入 (ipms.enterprises): phones refused per enterprise admin because
        # they belong to another enterprise or a disabled account. Past the limit nothing
        # more is answered, so the refusals cannot be used to look phones up.
        Policy(
            "member_refusal_user",
            _user,
            SettingRate("MEMBER_REFUSAL_RATE"),
            _closed,
            "无法添加的手机号过多，请 {wait}后再试。",
        ),
        # Lesson heartbeats per learner (ipms.learning.views). Open: the limit protects
        # the database from floods; every beat is checked on its own for honest time.
        Policy(
            "heartbeat_user",
            _user,
            SettingRate("LEARNING_HEARTBEAT_RATE"),
            _open,
            "请求过于频繁，请稍后再试。",
        ),
        # 证书查验 lookups per address (ipms.credentials.views). Closed: the limit is what
        # makes walking the number sequence pointless.
        Policy(
            "credential_verify_ip",
            _ip,
            SettingRate("CREDENTIAL_VERIFY_RATE"),
            _closed,
            "查验过于频繁，请 {wait}后再试。",
        ),
        # 在线客服 (ipms.support.consumers): messages per visitor or user (the value is
        # the conversation's owner), new conversations per address. Closed: each one is a
        # row written for a possibly unauthenticated visitor.
        Policy(
            "support_message",
            _value,
            SettingRate("SUPPORT_MESSAGE_RATE"),
            _closed,
            "消息发送过于频繁，请 {wait}后再试。",
        ),
        Policy(
            "support_conversation_ip",
            _ip,
            SettingRate("SUPPORT_CONVERSATION_RATE"),
            _closed,
            "当前网络发起的咨询过多，请 {wait}后再试。",
        ),
    )
}


@dataclass(frozen=True)
class Decision:
    """What a policy says about one action."""

    policy: Policy
    allowed: bool
    count: int = 0
    limit: int = 0
    # Seconds until the window ends (when the count starts again); 0 when unknown.
    retry_after: int = 0
    # The cache could not be reached; ``allowed`` then follows the policy's fail mode.
    unavailable: bool = False

    @property
    def exhausted(self) -> bool:
        """No further action would be allowed in this window (the limit is reached)."""
        if not self.allowed:
            return True
        return not self.unavailable and self.limit > 0 and self.count >= self.limit

    @property
    def message(self) -> str | None:
        if self.allowed:
            return None
        if self.unavailable:
            return self.policy.unavailable
        return self.policy.message.format(wait=wait_text(self.retry_after))

    def refusing_further(self) -> Decision:
        """This decision as seen by the next action: refused once the limit is reached."""
        return replace(self, allowed=False) if self.exhausted else self

    def raise_if_refused(self, *, field: str | None = None) -> Decision:
        if not self.allowed:
            raise RateLimitExceeded(self, field=field)
        return self


class RateLimitExceeded(RateLimited):
    """A policy refused the action. ``code`` is the policy's name, or "unavailable"."""

    def __init__(self, decision: Decision, *, field: str | None = None) -> None:
        super().__init__(decision.message or "", field=field)
        self.decision = decision
        self.code = "unavailable" if decision.unavailable else decision.policy.name
        self.retry_after = decision.retry_after


def policy_get(name: str) -> Policy:
    try:
        return POLICIES[name]
    except KeyError:
        raise ImproperlyConfigured(f"No rate-limit policy named {name!r}.") from None


def _key_value(policy: Policy, request: HttpRequest | None, value) -> str:
    if policy.key is Key.GLOBAL:
        return "all"
    if policy.key is Key.IP:
        return ip_network_key(value if value is not None else client_ip(request))
    if policy.key is Key.USER:
        pk = value if value is not None else getattr(request.user, "pk", None)
        return f"user:{pk}"
    if value is None or value == "":
        raise ImproperlyConfigured(f"Rate limit {policy.name} needs the value it counts.")
    return str(value)


def _group(policy: Policy) -> str:
    return f"ipms:{policy.name}"


def _methods(policy: Policy):
    return list(policy.method) if policy.method else get_usage.ALL


def _incr_existing(policy: Policy, rate: str, key_value: str) -> dict | None:
    """Count on the window's existing counter with one cache round trip (INCR).

    ``get_usage`` always spends two (``add``, then ``incr``); the heartbeat, beating
    every 15 s for every learner, is where that shows. The counter is the one
    ``get_usage`` keeps (same key, same window, from the library's own helpers; a test
    holds the two together), and None sends the window's first hit to ``get_usage``.
    """
    limit, period = rl_core._split_rate(rate)
    window = rl_core._get_window(key_value, period)
    cache_key = rl_core._make_cache_key(_group(policy), window, rate, key_value, _methods(policy))
    try:
        count = caches[settings.RATELIMIT_USE_CACHE].incr(cache_key)
    except ValueError:  # no counter yet in this window
        return None
    return {"count": count, "limit": limit, "time_left": window - int(time.time())}


def _unavailable(policy: Policy) -> Decision:
    """The cache did not answer: the policy's fail mode decides."""
    allowed = policy.fail is FailMode.OPEN or policy.warn_only
    if allowed:
        logger.warning("rate limit %s: cache unavailable, allowed (fails open)", policy.name)
    else:
        logger.error("rate limit %s: cache unavailable, refused (fails closed)", policy.name)
    return Decision(policy, allowed=allowed, unavailable=True)


def cooldown_key(policy: Policy, key_value: str) -> str:
    """The cache key of a ``OncePer`` policy's cool-down: hashed, so that no phone number
    or address is written into the cache's keys."""
    digest = hashlib.sha256(key_value.encode()).hexdigest()
    return f"rl:cooldown:{policy.name}:{digest}"


def _cooldown_decide(policy: Policy, key_value: str, *, increment: bool) -> Decision:
    """A ``OncePer`` policy: the cache holds, for its cool-down, when the last action's
    cool-down ends. ``add`` claims it atomically, so of two racing actions one wins.

    The stored end time, not only the cache's expiry, decides: a key the cache still
    holds past its end by this server's clock (clocks a second apart, or a test's frozen
    clock) is taken over with a plain ``set``.
    """
    seconds = policy.rate.seconds()
    key = cooldown_key(policy, key_value)
    now = time.time()
    try:
        cache = caches[settings.RATELIMIT_USE_CACHE]
        if increment and cache.add(key, now + seconds, seconds):
            return Decision(policy, allowed=True, count=1, limit=1, retry_after=seconds)
        until = cache.get(key)
        if until is not None and until > now:
            wait = math.ceil(until - now)
            return Decision(policy, allowed=False, count=1, limit=1, retry_after=wait)
        if not increment:
            return Decision(policy, allowed=True, count=0, limit=1)
        cache.set(key, now + seconds, seconds)
    except Exception:  # Redis down, refused, timed out
        logger.warning("rate limit %s: cache unavailable", policy.name, exc_info=True)
        return _unavailable(policy)
    return Decision(policy, allowed=True, count=1, limit=1, retry_after=seconds)


def _decide(policy: Policy, request, value, *, increment: bool) -> Decision:
    rate = policy.rate_string()
    if rate is None or not settings.RATELIMIT_ENABLE:  # turned off in the settings
        return Decision(policy, allowed=True)
    if policy.method and request is not None and request.method not in policy.method:
        return Decision(policy, allowed=True)
    key_value = _key_value(policy, request, value)
    if isinstance(policy.rate, OncePer):
        return _cooldown_decide(policy, key_value, increment=increment)
    try:
        usage = _incr_existing(policy, rate, key_value) if increment else None
        if usage is None:
            usage = get_usage(
                request,
                group=_group(policy),
                key=lambda group, request: key_value,
                rate=rate,
                method=_methods(policy),
                increment=increment,
            )
    except ImproperlyConfigured:
        raise
    except Exception:  # Redis down, refused, timed out: the policy's fail mode decides
        logger.warning("rate limit %s: cache unavailable", policy.name, exc_info=True)
        usage = {"count": 0, "limit": 0, "time_left": -1}
    if usage is None:  # the method is not counted
        return Decision(policy, allowed=True)
    if usage["time_left"] == -1 and usage["limit"] == 0:
        # The cache did not answer (our except above, or get_usage's own failure answer).
        return _unavailable(policy)
    count, limit = int(usage["count"]), int(usage["limit"])
    # A peek asks whether one more may happen; a hit asks whether this one was allowed.
    within = count <= limit if increment else count < limit
    if policy.warn_only:
        if increment and count == limit + 1:  # exactly one request sees this count
            logger.warning(
                "rate limit %s passed: %s in this window, limit %s (%s)",
                policy.name,
                count,
                limit,
                policy.rate,
            )
        within = True
    elif policy.alert is not None and increment and count == limit:
        # Exactly one request takes the last slot: one line per window.
        logger.log(
            policy.alert,
            "rate limit %s reached: %s in this window (%s); further actions are refused",
            policy.name,
            count,
            policy.rate,
        )
    return Decision(
        policy,
        allowed=within,
        count=count,
        limit=limit,
        retry_after=max(0, int(usage["time_left"])),
    )


def peek(name: str, request: HttpRequest | None = None, *, value=None) -> Decision:
    """May one more action happen under policy ``name``? Counts nothing."""
    return _decide(policy_get(name), request, value, increment=False)


def hit(name: str, request: HttpRequest | None = None, *, value=None) -> Decision:
    """Count one action under policy ``name``; the decision says if it was within limit."""
    return _decide(policy_get(name), request, value, increment=True)


def hit_all(
    checks: Iterable[tuple[str, object]], request: HttpRequest | None = None
) -> dict[str, Decision]:
    """Count one action under several policies ``(name, value)``, all or none of them.

    Every policy is peeked first, so an action refused by any of them counts nowhere;
    then each is counted, and a count that went over (a concurrent request took the last
    slot between the peek and the count) refuses the action. Raises
    ``RateLimitExceeded`` for the first refusal; returns each policy's decision.
    """
    checks = list(checks)
    for name, value in checks:
        peek(name, request, value=value).raise_if_refused()
    decisions = {}
    for name, value in checks:
        decisions[name] = hit(name, request, value=value).raise_if_refused()
    return decisions


def hit_all_many(
    checks: Iterable[tuple[str, object]], count: int, request: HttpRequest | None = None
) -> tuple[int, Decision | None]:
    """Count a batch of ``count`` actions under several policies at once (批量导入's
    invitation SMS): ``hit_all`` for each of them, in a few cache round trips.

    Returns how many of them — the first ones — are allowed, each counted under every
    policy, and, when that is fewer than ``count``, the refusing decision (its
    ``message`` is what the rest are told). The rest count nowhere. Raises
    ``RateLimitExceeded`` as ``hit_all`` does when not even the first is allowed. A
    warn-only policy counts every allowed action and logs once when passed; an
    ``alert`` policy logs once when the batch takes its last slot.
    """
    checks = [(policy_get(name), value) for name, value in checks]
    cooldowns = [policy.name for policy, _ in checks if isinstance(policy.rate, OncePer)]
    if cooldowns:  # one action per cool-down: a batch has no meaning there
        raise ImproperlyConfigured(f"hit_all_many cannot count cool-downs {cooldowns}.")
    allowed, limiting = max(0, count), None
    for policy, value in checks:
        decision = _decide(policy, request, value, increment=False).raise_if_refused()
        if decision.limit and not decision.unavailable and not policy.warn_only:
            room = decision.limit - decision.count
            if room < allowed:
                allowed, limiting = room, decision
    if allowed <= 0:
        return 0, _refused(limiting)
    counted = [
        (policy, value, _count_by(policy, request, value, allowed)) for policy, value in checks
    ]
    # A concurrent batch may have taken slots between the peek and the count: give back
    # what went over, under every policy, so the refused part counts nowhere.
    over, limiting_now = 0, None
    for policy, _value, usage in counted:
        if usage is not None and not policy.warn_only and usage["count"] > usage["limit"]:
            excess = min(allowed, usage["count"] - usage["limit"])
            if excess > over:
                over, limiting_now = excess, (policy, usage)
    if over:
        for policy, value, usage in counted:
            if usage is not None:
                _count_by(policy, request, value, -over)
        allowed -= over
        policy, usage = limiting_now
        limiting = Decision(
            policy,
            allowed=True,
            count=usage["limit"],
            limit=usage["limit"],
            retry_after=max(0, usage["time_left"]),
        )
    for policy, _value, usage in counted:
        if usage is not None:
            _log_crossing(
                policy,
                before=usage["count"] - allowed - over,
                after=usage["count"] - over,
                limit=usage["limit"],
            )
    return allowed, _refused(limiting) if allowed < count else None


def _refused(decision: Decision | None) -> Decision | None:
    return replace(decision, allowed=False) if decision is not None else None


def _count_by(policy: Policy, request, value, delta: int) -> dict | None:
    """Add ``delta`` to the policy's counter of this window; its usage after (None when
    the policy is off or the cache did not answer — the peek already applied the fail
    mode)."""
    rate = policy.rate_string()
    if rate is None or not settings.RATELIMIT_ENABLE or delta == 0:
        return None
    key_value = _key_value(policy, request, value)
    limit, period = rl_core._split_rate(rate)
    window = rl_core._get_window(key_value, period)
    cache_key = rl_core._make_cache_key(_group(policy), window, rate, key_value, _methods(policy))
    cache = caches[settings.RATELIMIT_USE_CACHE]
    try:
        try:
            count = cache.incr(cache_key, delta)
        except ValueError:  # no counter yet in this window: get_usage makes it (at 1)
            get_usage(
                request,
                group=_group(policy),
                key=lambda group, request: key_value,
                rate=rate,
                method=_methods(policy),
                increment=True,
            )
            count = cache.incr(cache_key, delta - 1) if delta != 1 else cache.get(cache_key)
    except Exception:
        logger.warning("rate limit %s: cache unavailable", policy.name, exc_info=True)
        return None
    return {"count": int(count), "limit": limit, "time_left": window - int(time.time())}


def _log_crossing(policy: Policy, *, before: int, after: int, limit: int) -> None:
    """The once-per-window log lines of ``_decide`` for a batch that went from ``before``
    to ``after``."""
    if policy.warn_only and before <= limit < after:
        logger.warning(
            "rate limit %s passed: %s in this window, limit %s (%s)",
            policy.name,
            after,
            limit,
            policy.rate,
        )
    elif policy.alert is not None and before < limit <= after:
        logger.log(
            policy.alert,
            "rate limit %s reached: %s in this window (%s); further actions are refused",
            policy.name,
            after,
            policy.rate,
        )


@register()
def check_rates(app_configs, **kwargs):
    """Every policy's setting holds a rate django-ratelimit understands."""
    errors = []
    for policy in POLICIES.values():
        try:
            policy.rate_string()
        except (ImproperlyConfigured, TypeError, ValueError) as exc:
            errors.append(Error(str(exc), id="ipms.core.E010"))
    return errors
