"""SMS sending limits in the shared cache, driven by a frozen clock (no sleeping)."""

import logging
from datetime import datetime

import pytest
from django.core.cache import cache

from ipms.core.sms import SmsRateLimited, SmsUnavailable
from ipms.core.sms.limits import ip_bucket, sms_quota_consume
from ipms.core.sms.testing import BEIJING

PHONE = "13600002925"


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


def send_every_minute(clock, count, *, phone=PHONE, ip="198.51.100.7"):
    for _ in range(count):
        sms_quota_consume(phone=phone, ip=ip)
        clock.advance(seconds=60)


def test_second_sms_within_60_seconds_is_refused(sms_clock):
    sms_quota_consume(phone=PHONE, ip="198.51.100.7")
    sms_clock.advance(seconds=20)
    with pytest.raises(SmsRateLimited) as caught:
        sms_quota_consume(phone=PHONE, ip="198.51.100.7")
    assert caught.value.message == "发送过于频繁,请 40 秒后再试。"
    assert caught.value.retry_after == 40
    assert caught.value.field == "phone"
    sms_clock.advance(seconds=40)
    sms_quota_consume(phone=PHONE, ip="198.51.100.7")


def test_sixth_sms_in_an_hour_is_refused(sms_clock):
    send_every_minute(sms_clock, 5)  # 08:00 … 08:04
    with pytest.raises(SmsRateLimited) as caught:
        sms_quota_consume(phone=PHONE, ip="198.51.100.7")  # 08:05
    assert caught.value.message == "该手机号发送验证码次数过多,请 55 分钟后再试。"
    assert caught.value.retry_after == 55 * 60
    sms_clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING))
    sms_quota_consume(phone=PHONE, ip="198.51.100.7")


def test_eleventh_sms_in_a_day_is_refused(sms_clock):
    send_every_minute(sms_clock, 5)
    sms_clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING))
    send_every_minute(sms_clock, 5)
    sms_clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=BEIJING))
    with pytest.raises(SmsRateLimited, match="今日发送验证码次数已达上限,请明天再试"):
        sms_quota_consume(phone=PHONE, ip="198.51.100.7")
    # A new Beijing calendar day starts the count again.
    sms_clock.set(datetime(2026, 3, 3, 0, 0, 5, tzinfo=BEIJING))
    sms_quota_consume(phone=PHONE, ip="198.51.100.7")


def test_per_ip_hourly_cap(sms_clock):
    for n in range(10):
        sms_quota_consume(phone=f"1390000{n:04d}", ip="203.0.113.5")
    with pytest.raises(SmsRateLimited, match="当前网络发送短信过多") as caught:
        sms_quota_consume(phone="13900009999", ip="203.0.113.5")
    assert caught.value.retry_after == 60 * 60
    # Another address is not affected, and the refused phone is not in a cooldown.
    sms_quota_consume(phone="13900009999", ip="203.0.113.6")


def test_per_ip_daily_cap(sms_clock):
    for hour in (8, 9):
        sms_clock.set(datetime(2026, 3, 2, hour, 0, tzinfo=BEIJING))
        for n in range(10):
            sms_quota_consume(phone=f"139{hour:02d}00{n:04d}", ip="203.0.113.5")
    sms_clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=BEIJING))
    with pytest.raises(SmsRateLimited, match="当前网络今日发送短信过多,请明天再试"):
        sms_quota_consume(phone="13900009999", ip="203.0.113.5")


def test_refused_sends_do_not_count(sms_clock):
    send_every_minute(sms_clock, 5)
    for _ in range(20):  # hammering within the hour is refused and not counted
        with pytest.raises(SmsRateLimited):
            sms_quota_consume(phone=PHONE, ip="198.51.100.7")
        sms_clock.advance(seconds=61)
    sms_clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING))
    send_every_minute(sms_clock, 5)  # still five left for today


def test_cooldown_refusals_do_not_count_towards_the_hour(sms_clock):
    sms_quota_consume(phone=PHONE, ip="198.51.100.7")
    for _ in range(10):
        with pytest.raises(SmsRateLimited):
            sms_quota_consume(phone=PHONE, ip="198.51.100.7")
    sms_clock.advance(seconds=60)
    send_every_minute(sms_clock, 4)  # 2nd … 5th of the hour all allowed


def test_unknown_and_ipv6_clients_share_sensible_buckets():
    assert ip_bucket(None) == "unknown"
    assert ip_bucket("garbage") == "unknown"
    assert ip_bucket("2001:db8:1:2::5") == ip_bucket("2001:db8:1:2::6") == "2001:db8:1:2::"
    assert ip_bucket("198.51.100.7") == "198.51.100.7"


def test_ipv6_clients_of_one_network_share_the_cap(sms_clock):
    for n in range(10):
        sms_quota_consume(phone=f"1390000{n:04d}", ip=f"2001:db8:1:2::{n + 1:x}")
    with pytest.raises(SmsRateLimited):
        sms_quota_consume(phone="13900009999", ip="2001:db8:1:2::ff")


def test_daily_budget_warns_once(sms_clock, limits, caplog):
    limits.SMS_DAILY_BUDGET = 3
    with caplog.at_level(logging.WARNING, logger="ipms.sms.limits"):
        for n in range(6):
            sms_quota_consume(phone=f"1390000{n:04d}", ip=f"198.51.100.{n}")
    warnings = [r for r in caplog.records if "budget exceeded" in r.getMessage()]
    assert len(warnings) == 1
    assert "4 messages today, budget 3" in warnings[0].getMessage()


def test_daily_hard_limit_refuses_and_does_not_count(sms_clock, limits):
    limits.SMS_DAILY_HARD_LIMIT = 2
    sms_quota_consume(phone="13900000001", ip="198.51.100.1")
    sms_quota_consume(phone="13900000002", ip="198.51.100.2")
    with pytest.raises(SmsRateLimited, match="短信服务繁忙") as caught:
        sms_quota_consume(phone="13900000003", ip="198.51.100.3")
    assert caught.value.field is None
    # The refused phone got no cooldown and no count: raising the limit lets it through.
    limits.SMS_DAILY_HARD_LIMIT = 3
    sms_quota_consume(phone="13900000003", ip="198.51.100.3")


class BrokenCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Redis is down")

        return fail


def test_cache_outage_fails_closed(monkeypatch, caplog):
    from ipms.core.sms import limits as limits_module

    monkeypatch.setattr(limits_module, "cache", BrokenCache())
    with caplog.at_level(logging.ERROR), pytest.raises(SmsUnavailable) as caught:
        sms_quota_consume(phone=PHONE, ip="198.51.100.7")
    assert caught.value.message == "短信服务暂时不可用,请稍后再试。"
    assert "refusing to send" in caplog.text


def test_counters_live_in_the_shared_cache(sms_clock):
    """The counters are ordinary cache keys, so every app server sees the same values."""
    sms_quota_consume(phone=PHONE, ip="198.51.100.7")
    assert cache.get(f"sms-limit:phone:{PHONE}:h:2026030208") == 1
    assert cache.get(f"sms-limit:phone:{PHONE}:d:20260302") == 1
    assert cache.get("sms-limit:ip:198.51.100.7:d:20260302") == 1
    assert cache.get(f"sms-limit:phone:{PHONE}:cooldown") is not None


def test_limits_hold_under_concurrency(sms_clock, limits):
    """Many app-server threads hitting the shared cache at once: the cap is exact."""
    import threading

    limits.SMS_IP_HOURLY_LIMIT = 5
    barrier = threading.Barrier(12)
    outcomes = []
    lock = threading.Lock()

    def send(n):
        barrier.wait(timeout=10)
        try:
            sms_quota_consume(phone=f"1390000{n:04d}", ip="203.0.113.5")
            result = "sent"
        except SmsRateLimited:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("sent") == 5
    assert outcomes.count("refused") == 7
    assert cache.get("sms-limit:ip:203.0.113.5:h:2026030208") == 5
