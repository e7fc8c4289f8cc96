"""SMS sending limits (policies of ipms.core.ratelimit), driven by a frozen clock.

django-ratelimit counts in fixed windows whose start depends on the key, so the tests
ask a policy how long its current window lasts (``peek(...).retry_after``) and move the
clock to the start of the next one instead of assuming clock hours.
"""

import logging
import threading
import time

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

from ipms.core import ratelimit
from ipms.core.sms import SmsRateLimited, SmsUnavailable
from ipms.core.sms.limits import sms_quota_consume

PHONE = "13600002925"
IP = "198.51.100.7"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.SMS_COOLDOWN_SECONDS = 60
    settings.SMS_PHONE_HOURLY_LIMIT = 5
    settings.SMS_PHONE_DAILY_LIMIT = 10
    settings.SMS_IP_HOURLY_LIMIT = 10
    settings.SMS_IP_DAILY_LIMIT = 20
    settings.SMS_DAILY_BUDGET = 0
    settings.SMS_DAILY_HARD_LIMIT = 0
    return settings


def next_window(clock, policy, value=None):
    """Move the clock to the first second of the policy's next window for ``value``."""
    clock.advance(seconds=ratelimit.peek(policy, value=value).retry_after + 1)


def send(clock, *, phone=PHONE, ip=IP):
    """One allowed send, then past this phone's cooldown window."""
    quota = sms_quota_consume(phone=phone, ip=ip)
    clock.advance(seconds=quota.resend_after + 1)


def test_a_second_sms_within_the_cooldown_is_refused(sms_clock):
    quota = sms_quota_consume(phone=PHONE, ip=IP)
    assert quota.resend_after == 60  # counted from the send, wherever the clock is
    sms_clock.advance(seconds=15)
    with pytest.raises(SmsRateLimited) as caught:
        sms_quota_consume(phone=PHONE, ip=IP)
    assert caught.value.message == "发送过于频繁，请 45 秒后再试。"
    assert caught.value.retry_after == 45
    assert caught.value.field == "phone"
    assert caught.value.code == "sms_phone_cooldown"
    sms_clock.advance(seconds=45)
    sms_quota_consume(phone=PHONE, ip=IP)


@pytest.mark.parametrize("offset", [0, 17, 59])
def test_the_cooldown_is_a_full_minute_wherever_the_send_falls(sms_clock, offset):
    """Counted from the send, not in a fixed window: with django-ratelimit's 60-second
    windows the window's edge falls inside almost any minute after a send, and the next
    send would pass there (the button then counted down a few seconds only)."""
    sms_clock.advance(seconds=offset)
    sms_quota_consume(phone=PHONE, ip=IP)
    sms_clock.advance(seconds=59)
    with pytest.raises(SmsRateLimited) as caught:
        sms_quota_consume(phone=PHONE, ip=IP)
    assert caught.value.retry_after == 1
    sms_clock.advance(seconds=1)
    assert sms_quota_consume(phone=PHONE, ip=IP).resend_after == 60


def test_a_cooldown_the_cache_still_holds_past_its_end_is_taken_over(sms_clock, settings):
    """The stored end decides, not only the cache's expiry (clocks apart, or this
    test's frozen clock against Redis' own)."""
    policy = ratelimit.POLICIES["sms_phone_cooldown"]
    assert ratelimit.hit("sms_phone_cooldown", value=PHONE).allowed
    assert not ratelimit.peek("sms_phone_cooldown", value=PHONE).allowed
    # The stored end a second ago, as a server whose clock runs ahead would see it.
    cache = caches[settings.RATELIMIT_USE_CACHE]
    cache.set(ratelimit.cooldown_key(policy, PHONE), time.time() - 1, 300)
    assert ratelimit.peek("sms_phone_cooldown", value=PHONE).allowed
    decision = ratelimit.hit("sms_phone_cooldown", value=PHONE)
    assert decision.allowed and decision.retry_after == 60
    assert not ratelimit.peek("sms_phone_cooldown", value=PHONE).allowed


def test_cooldown_keys_hold_no_phone_number(sms_clock, settings):
    policy = ratelimit.POLICIES["sms_phone_cooldown"]
    ratelimit.hit("sms_phone_cooldown", value=PHONE)
    key = ratelimit.cooldown_key(policy, PHONE)
    assert caches[settings.RATELIMIT_USE_CACHE].get(key) is not None  # the key in use
    assert PHONE not in key


def test_a_batch_cannot_count_a_cooldown():
    with pytest.raises(ImproperlyConfigured, match="cool-downs"):
        ratelimit.hit_all_many([("sms_phone_cooldown", PHONE)], 3)


def test_only_one_of_racing_sends_to_one_phone_passes_the_cooldown(sms_clock):
    barrier = threading.Barrier(8)
    outcomes = []

    def attempt(n):
        barrier.wait(timeout=10)
        try:
            sms_quota_consume(phone=PHONE, ip=f"198.51.100.{n + 10}")
            outcomes.append("sent")
        except SmsRateLimited:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["refused"] * 7 + ["sent"]


def test_sixth_sms_in_an_hour_is_refused(sms_clock):
    next_window(sms_clock, "sms_phone_hour", PHONE)
    for _ in range(5):
        send(sms_clock)
    with pytest.raises(SmsRateLimited) as caught:
        sms_quota_consume(phone=PHONE, ip=IP)
    error = caught.value
    assert error.code == "sms_phone_hour"
    assert 0 < error.retry_after < 3600
    assert error.message == (
        f"该手机号发送验证码次数过多，请 {ratelimit.wait_text(error.retry_after)}后再试。"
    )
    sms_clock.advance(seconds=error.retry_after + 1)
    sms_quota_consume(phone=PHONE, ip=IP)


def test_eleventh_sms_in_a_day_is_refused(sms_clock):
    next_window(sms_clock, "sms_phone_day", PHONE)
    for _ in range(2):
        for _ in range(5):
            send(sms_clock)
        next_window(sms_clock, "sms_phone_hour", PHONE)
    with pytest.raises(SmsRateLimited, match="已达每日上限") as caught:
        sms_quota_consume(phone=PHONE, ip=IP)
    assert caught.value.code == "sms_phone_day"
    assert 20 * 3600 < caught.value.retry_after < 24 * 3600
    assert "小时后再试" in caught.value.message
    # The next day window starts the count again.
    sms_clock.advance(seconds=caught.value.retry_after + 1)
    sms_quota_consume(phone=PHONE, ip=IP)


def test_per_ip_hourly_cap(sms_clock):
    ip = "203.0.113.5"
    next_window(sms_clock, "sms_ip_hour", ip)
    for n in range(10):
        sms_quota_consume(phone=f"1390000{n:04d}", ip=ip)
    with pytest.raises(SmsRateLimited, match="当前网络发送短信过多") as caught:
        sms_quota_consume(phone="13900009999", ip=ip)
    assert caught.value.code == "sms_ip_hour"
    assert caught.value.retry_after == ratelimit.peek("sms_ip_hour", value=ip).retry_after
    # Another address is not affected, and the refused phone is not in a cooldown.
    sms_quota_consume(phone="13900009999", ip="203.0.113.6")


def test_per_ip_daily_cap(sms_clock):
    ip = "203.0.113.5"
    next_window(sms_clock, "sms_ip_day", ip)
    for batch in range(2):
        for n in range(10):
            sms_quota_consume(phone=f"139{batch:02d}00{n:04d}", ip=ip)
        next_window(sms_clock, "sms_ip_hour", ip)
    with pytest.raises(SmsRateLimited, match="当前网络发送短信已达每日上限") as caught:
        sms_quota_consume(phone="13900009999", ip=ip)
    assert caught.value.code == "sms_ip_day"


def test_refused_sends_do_not_count(sms_clock):
    next_window(sms_clock, "sms_phone_day", PHONE)
    for _ in range(5):
        send(sms_clock)
    for _ in range(20):  # hammering within the hour is refused and not counted
        with pytest.raises(SmsRateLimited):
            sms_quota_consume(phone=PHONE, ip=IP)
    next_window(sms_clock, "sms_phone_hour", PHONE)
    for _ in range(5):  # still five left for the day
        send(sms_clock)
    assert ratelimit.peek("sms_phone_day", value=PHONE).count == 10


def test_cooldown_refusals_do_not_count_towards_the_hour(sms_clock):
    next_window(sms_clock, "sms_phone_hour", PHONE)
    quota = sms_quota_consume(phone=PHONE, ip=IP)
    for _ in range(10):
        with pytest.raises(SmsRateLimited, match="发送过于频繁"):
            sms_quota_consume(phone=PHONE, ip=IP)
    sms_clock.advance(seconds=quota.resend_after + 1)
    for _ in range(4):  # 2nd … 5th of the hour all allowed
        send(sms_clock)
    assert ratelimit.peek("sms_phone_hour", value=PHONE).count == 5


def test_ipv6_clients_of_one_network_share_the_cap(sms_clock):
    next_window(sms_clock, "sms_ip_hour", "2001:db8:1:2::")
    for n in range(10):
        sms_quota_consume(phone=f"1390000{n:04d}", ip=f"2001:db8:1:2::{n + 1:x}")
    with pytest.raises(SmsRateLimited, match="当前网络发送短信过多"):
        sms_quota_consume(phone="13900009999", ip="2001:db8:1:2::ff")
    sms_quota_consume(phone="13900009999", ip="2001:db8:1:3::1")  # another /64


def test_daily_budget_warns_once_and_refuses_nothing(sms_clock, limits, caplog):
    limits.SMS_DAILY_BUDGET = 3
    next_window(sms_clock, "sms_daily_budget")
    with caplog.at_level(logging.WARNING, logger="ipms.core.ratelimit"):
        for n in range(6):
            sms_quota_consume(phone=f"1390000{n:04d}", ip=f"198.51.100.{n}")
    warnings = [
        r.getMessage() for r in caplog.records if "sms_daily_budget passed" in r.getMessage()
    ]
    assert warnings == [
        "rate limit sms_daily_budget passed: 4 in this window, limit 3 (SMS_DAILY_BUDGET/d)"
    ]


def test_daily_hard_limit_refuses_and_counts_nothing_else(sms_clock, limits, caplog):
    limits.SMS_DAILY_HARD_LIMIT = 2
    next_window(sms_clock, "sms_daily_hard_limit")
    with caplog.at_level(logging.ERROR, logger="ipms.core.ratelimit"):
        sms_quota_consume(phone="13900000001", ip="198.51.100.1")
        sms_quota_consume(phone="13900000002", ip="198.51.100.2")
        for n in range(3):
            with pytest.raises(SmsRateLimited, match="短信服务繁忙") as caught:
                sms_quota_consume(phone=f"1390000000{n + 3}", ip=f"198.51.100.{n + 3}")
    alerts = [r for r in caplog.records if "sms_daily_hard_limit reached" in r.getMessage()]
    assert len(alerts) == 1 and alerts[0].levelno == logging.ERROR
    assert caught.value.field is None
    assert caught.value.code == "sms_daily_hard_limit"
    # The refused phone got no cooldown and no count, nor did its address.
    assert ratelimit.peek("sms_phone_cooldown", value="13900000003").count == 0
    assert ratelimit.peek("sms_phone_day", value="13900000003").count == 0
    assert ratelimit.peek("sms_ip_day", value="198.51.100.3").count == 0


def test_cache_outage_fails_closed(ratelimit_cache_down, caplog):
    with caplog.at_level(logging.ERROR), pytest.raises(SmsUnavailable) as caught:
        sms_quota_consume(phone=PHONE, ip=IP)
    assert caught.value.message == "短信服务暂时不可用，请稍后再试。"
    assert "refused (fails closed)" in caplog.text


def test_limits_hold_under_concurrency(sms_clock, limits):
    """Many app-server threads hitting the shared cache at once: the cap is exact."""
    limits.SMS_IP_HOURLY_LIMIT = 5
    ip = "203.0.113.5"
    next_window(sms_clock, "sms_ip_hour", ip)
    barrier = threading.Barrier(12)
    outcomes = []
    lock = threading.Lock()

    def attempt(n):
        barrier.wait(timeout=10)
        try:
            sms_quota_consume(phone=f"1390000{n:04d}", ip=ip)
            result = "sent"
        except SmsRateLimited:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("sent") == 5
    assert outcomes.count("refused") == 7
