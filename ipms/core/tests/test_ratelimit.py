"""The one rate-limit mechanism: declared policies counted by django-ratelimit."""

import logging
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django_ratelimit.core import get_usage

from ipms.core import ratelimit
from ipms.core.ratelimit import POLICIES, FailMode, Key, RateLimitExceeded

OPEN_POLICIES = sorted(n for n, p in POLICIES.items() if p.fail is FailMode.OPEN)
CLOSED_POLICIES = sorted(n for n, p in POLICIES.items() if p.fail is FailMode.CLOSED)


@pytest.fixture(autouse=True)
def every_limit_on(settings):
    # The budget and the hard limit are off (0) by default in some environments.
    settings.SMS_DAILY_BUDGET = 2000
    settings.SMS_DAILY_HARD_LIMIT = 5000


def request_for(ip="198.51.100.7", user_pk=7, method="POST"):
    request = RequestFactory().generic(method, "/", REMOTE_ADDR=ip)
    request.user = SimpleNamespace(pk=user_pk, is_authenticated=True)
    return request


def call(name, check, request=None):
    """Peek or hit policy ``name`` with whatever its key needs."""
    policy = POLICIES[name]
    value = "13600002925" if policy.key is Key.VALUE else None
    return check(name, request or request_for(), value=value)


def test_the_fail_modes_the_platform_promises():
    assert {n for n in POLICIES if n.startswith("sms_")} - {"sms_daily_budget"} <= set(
        CLOSED_POLICIES
    )
    assert {"heartbeat_user", "login_ip_slider", "login_ip_failures"} <= set(OPEN_POLICIES)
    assert {"register_ip", "password_check_user", "feedback_ip"} <= set(CLOSED_POLICIES)


@pytest.mark.parametrize("name", CLOSED_POLICIES)
@pytest.mark.parametrize("check", [ratelimit.peek, ratelimit.hit], ids=["peek", "hit"])
def test_with_the_cache_down_a_closed_policy_refuses(name, check, ratelimit_cache_down, caplog):
    with caplog.at_level(logging.ERROR, logger="ipms.core.ratelimit"):
        decision = call(name, check)
    assert not decision.allowed and decision.unavailable
    assert decision.message == POLICIES[name].unavailable
    assert "暂时不可用" in decision.message
    assert f"rate limit {name}: cache unavailable, refused" in caplog.text
    with pytest.raises(RateLimitExceeded) as caught:
        decision.raise_if_refused()
    assert caught.value.code == "unavailable"


@pytest.mark.parametrize("name", OPEN_POLICIES)
@pytest.mark.parametrize("check", [ratelimit.peek, ratelimit.hit], ids=["peek", "hit"])
def test_with_the_cache_down_an_open_policy_allows(name, check, ratelimit_cache_down, caplog):
    with caplog.at_level(logging.WARNING, logger="ipms.core.ratelimit"):
        decision = call(name, check)
    assert decision.allowed and decision.unavailable
    assert decision.message is None
    assert f"rate limit {name}: cache unavailable, allowed" in caplog.text


def test_a_dead_redis_is_the_same_as_a_cache_that_raises(settings):
    """Not a stand-in: django-redis pointed at a port nobody listens on."""
    settings.CACHES = {
        **settings.CACHES,
        "dead-redis": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        },
    }
    settings.RATELIMIT_USE_CACHE = "dead-redis"
    sms = ratelimit.hit("sms_phone_hour", value="13600002925")
    assert not sms.allowed and sms.message == "短信服务暂时不可用，请稍后再试。"
    assert ratelimit.hit("heartbeat_user", request_for()).allowed


@pytest.mark.parametrize("name", sorted(n for n, p in POLICIES.items() if not p.warn_only))
def test_every_policy_counts_and_refuses_past_its_rate(name, settings):
    policy = POLICIES[name]
    setting = policy.rate.setting
    if isinstance(policy.rate, ratelimit.SettingRate):
        setattr(settings, setting, "2/h")
        limit = 2
    elif isinstance(policy.rate, ratelimit.OncePer):
        setattr(settings, setting, 3600)
        limit = 1
    else:
        setattr(settings, setting, 2)
        limit = 2
    request = request_for()
    for n in range(1, limit + 1):
        decision = call(name, ratelimit.hit, request)
        assert decision.allowed and decision.count == n
    assert call(name, ratelimit.peek, request).allowed is False
    refused = call(name, ratelimit.hit, request)
    assert not refused.allowed and not refused.unavailable
    assert refused.message == policy.message.format(wait=ratelimit.wait_text(refused.retry_after))
    with pytest.raises(RateLimitExceeded) as caught:
        refused.raise_if_refused(field="phone")
    assert caught.value.code == name
    assert caught.value.field == "phone"
    assert caught.value.retry_after == refused.retry_after > 0
    # Another key has its own count.
    other = request_for(ip="198.51.100.8", user_pk=8)
    policy_value = "13900000000" if policy.key is Key.VALUE else None
    if policy.key is not Key.GLOBAL:
        assert ratelimit.hit(name, other, value=policy_value).allowed


def test_the_budget_only_warns(settings, caplog):
    settings.SMS_DAILY_BUDGET = 1
    with caplog.at_level(logging.WARNING, logger="ipms.core.ratelimit"):
        decisions = [ratelimit.hit("sms_daily_budget") for _ in range(4)]
    assert all(d.allowed for d in decisions)
    assert [d.count for d in decisions] == [1, 2, 3, 4]
    assert len([r for r in caplog.records if "sms_daily_budget passed" in r.getMessage()]) == 1


def test_a_peek_counts_nothing_and_a_hit_counts_one(settings):
    settings.REGISTER_IP_RATE = "2/h"
    request = request_for()
    assert [ratelimit.peek("register_ip", request).count for _ in range(3)] == [0, 0, 0]
    assert ratelimit.hit("register_ip", request).count == 1
    assert ratelimit.peek("register_ip", request).count == 1


def test_one_round_trip_counts_on_the_counter_get_usage_keeps(settings):
    """The INCR fast path and django-ratelimit agree on the key and the window."""
    settings.REGISTER_IP_RATE = "5/h"
    request = request_for()
    ratelimit.hit("register_ip", request)  # first hit of the window: get_usage adds
    ratelimit.hit("register_ip", request)  # then one INCR on the same counter
    ratelimit.hit("register_ip", request)
    usage = get_usage(
        request,
        group="ipms:register_ip",
        key=lambda group, request: "198.51.100.7",
        rate="5/h",
        increment=False,
    )
    assert usage["count"] == 3


def test_one_round_trip_for_a_hit_once_the_window_has_a_counter(settings, monkeypatch):
    cache = caches[settings.RATELIMIT_USE_CACHE]
    ratelimit.hit("heartbeat_user", request_for())
    calls = []
    for name in ("add", "get", "incr", "set"):
        original = getattr(cache, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(cache, name, spy)
    assert ratelimit.hit("heartbeat_user", request_for()).count == 2
    assert calls == ["incr"]


def test_a_limit_set_to_zero_or_empty_is_off(settings):
    settings.SMS_DAILY_HARD_LIMIT = 0
    settings.FEEDBACK_RATE = ""
    for _ in range(3):
        assert ratelimit.hit("sms_daily_hard_limit").allowed
        assert ratelimit.hit("feedback_ip", request_for()).allowed


def test_a_malformed_rate_is_a_configuration_error_not_a_refusal(settings):
    settings.LOGIN_IP_FAILURE_RATE = "thirty per minute"
    with pytest.raises(ImproperlyConfigured, match="LOGIN_IP_FAILURE_RATE"):
        ratelimit.hit("login_ip_failures", request_for())
    errors = ratelimit.check_rates(None)
    assert [e.id for e in errors] == ["ipms.core.E010"]
    assert "login_ip_failures" in errors[0].msg


def test_the_configured_rates_pass_the_check():
    assert ratelimit.check_rates(None) == []


def test_only_the_declared_method_is_counted(monkeypatch):
    posts = ratelimit.Policy(
        "posts_only",
        Key.IP,
        ratelimit.SettingRate("REGISTER_IP_RATE"),
        FailMode.CLOSED,
        "请 {wait}后再试。",
        method=("POST",),
    )
    monkeypatch.setitem(POLICIES, "posts_only", posts)
    for _ in range(50):
        assert ratelimit.hit("posts_only", request_for(method="GET")).count == 0
    assert ratelimit.hit("posts_only", request_for(method="POST")).count == 1


def test_ipv6_clients_are_counted_by_network(settings):
    settings.REGISTER_IP_RATE = "1/h"
    assert ratelimit.hit("register_ip", request_for(ip="2001:db8:1:2::5")).allowed
    assert not ratelimit.hit("register_ip", request_for(ip="2001:db8:1:2::6")).allowed
    assert ratelimit.hit("register_ip", request_for(ip="2001:db8:1:3::6")).allowed


def test_an_unknown_policy_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured):
        ratelimit.hit("nobody_declared_me")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "1 秒"),
        (40, "40 秒"),
        (60, "1 分钟"),
        (61, "2 分钟"),
        (3600, "1 小时"),
        (7201, "3 小时"),
    ],
)
def test_wait_text(seconds, text):
    assert ratelimit.wait_text(seconds) == text


def test_every_message_is_chinese():
    for policy in POLICIES.values():
        if not policy.warn_only:
            assert policy.message.endswith("。"), policy.name
            assert policy.unavailable.endswith("。"), policy.name


def test_docs_list_every_policy_with_its_fail_mode():
    from pathlib import Path

    from django.conf import settings

    table = (Path(settings.BASE_DIR) / "docs" / "rate-limits.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip().strip("`"): line
        for line in table.splitlines()
        if line.startswith("| `")
    }
    assert set(rows) == set(POLICIES)
    for name, policy in POLICIES.items():
        assert f"| {policy.fail.value}" in rows[name], name
        setting = policy.rate.setting
        assert setting in rows[name], name
