"""``ratelimit.hit_all_many``: a batch counted at once holds the same limits as one
``hit_all`` per action (批量导入's invitation SMS, issue 10 point 5)."""

from __future__ import annotations

import logging

import pytest

from ipms.core import ratelimit
from ipms.core.sms import limits as sms_limits

pytestmark = pytest.mark.django_db

PLATFORM = [(name, None) for name in sms_limits.PLATFORM_POLICIES]


def hard_count() -> int:
    return ratelimit.peek("sms_daily_hard_limit").count


def test_a_batch_within_the_limits_is_counted_whole(settings, sms_clock):
    settings.SMS_DAILY_HARD_LIMIT = 10
    assert ratelimit.hit_all_many(PLATFORM, 4) == (4, None)
    assert hard_count() == 4
    # The same counter as hit_all's: one more action sees 5.
    ratelimit.hit_all(PLATFORM)
    assert hard_count() == 5


def test_a_batch_past_the_hard_limit_gets_the_first_ones_and_the_refusal(settings, sms_clock):
    settings.SMS_DAILY_HARD_LIMIT = 5
    ratelimit.hit_all(PLATFORM)
    allowed, refusal = ratelimit.hit_all_many(PLATFORM, 7)
    assert allowed == 4
    assert refusal is not None and not refusal.allowed
    assert refusal.message == "短信服务繁忙，请稍后再试。"
    assert hard_count() == 5  # the refused ones count nowhere
    with pytest.raises(ratelimit.RateLimitExceeded):
        ratelimit.hit_all_many(PLATFORM, 1)
    with pytest.raises(ratelimit.RateLimitExceeded):
        ratelimit.hit_all(PLATFORM)


def test_the_budget_warns_once_and_never_refuses(settings, sms_clock, caplog):
    settings.SMS_DAILY_HARD_LIMIT = 0  # off
    settings.SMS_DAILY_BUDGET = 3
    with caplog.at_level(logging.WARNING, logger="ipms.core.ratelimit"):
        assert ratelimit.hit_all_many(PLATFORM, 5) == (5, None)
        assert ratelimit.hit_all_many(PLATFORM, 5) == (5, None)
    passed = [r for r in caplog.records if "sms_daily_budget passed" in r.getMessage()]
    assert len(passed) == 1
    assert ratelimit.peek("sms_daily_budget").count == 10


def test_reaching_the_hard_limit_alerts_once(settings, sms_clock, caplog):
    settings.SMS_DAILY_HARD_LIMIT = 3
    with caplog.at_level(logging.ERROR, logger="ipms.core.ratelimit"):
        assert ratelimit.hit_all_many(PLATFORM, 3) == (3, None)
    reached = [r for r in caplog.records if "sms_daily_hard_limit reached" in r.getMessage()]
    assert len(reached) == 1


def test_nothing_asked_nothing_counted(settings, sms_clock):
    settings.SMS_DAILY_HARD_LIMIT = 3
    assert ratelimit.hit_all_many(PLATFORM, 0) == (0, None)
    assert hard_count() == 0


def test_the_cache_down_refuses_the_batch(settings, ratelimit_cache_down):
    settings.SMS_DAILY_HARD_LIMIT = 3
    with pytest.raises(ratelimit.RateLimitExceeded) as refused:
        ratelimit.hit_all_many(PLATFORM, 2)
    assert refused.value.code == "unavailable"
