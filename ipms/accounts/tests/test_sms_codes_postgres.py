"""Concurrent verification against a real PostgreSQL server, with threads.

Each thread has its own database connection and commits for real (a
TransactionTestCase-style test), so the row locks taken by the conditional UPDATEs are
what keeps the guarantees: one success per code, never more than 5 codes compared.
Skipped unless DATABASE_URL points at PostgreSQL (SQLite serialises writers anyway).
"""

import threading

import pytest
from django.conf import settings

from ipms.accounts import sms as codes
from ipms.accounts.models import SmsCode, SmsCodePurpose
from ipms.accounts.sms import sms_code_send, sms_code_verify
from ipms.core.errors import DomainError
from ipms.core.testing import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL: set DATABASE_URL=postgres://…",
    ),
]

PHONE = "13600002925"
REGISTER = SmsCodePurpose.REGISTER


def in_parallel(count, work):
    """Run work(i) in ``count`` threads released at the same instant; return the results."""
    return run_together([lambda i=i: work(i) for i in range(count)], timeout=60)


def attempt(code):
    try:
        sms_code_verify(phone=PHONE, purpose=REGISTER, code=code)
    except DomainError as exc:
        return exc.message
    return "ok"


@pytest.fixture
def code(sms_outbox, sms_clock):
    sms_code_send(phone=PHONE, purpose=REGISTER, ip="198.51.100.7")  # commits: sent at once
    return sms_outbox[-1].params["code"]


@pytest.fixture
def comparisons(monkeypatch):
    seen = []
    lock = threading.Lock()
    real = codes._code_matches

    def counting(row, candidate):
        with lock:
            seen.append(candidate)
        return real(row, candidate)

    monkeypatch.setattr(codes, "_code_matches", counting)
    return seen


def test_one_code_succeeds_once_under_concurrency(code, comparisons):
    results = in_parallel(16, lambda i: attempt(code))
    assert results.count("ok") == 1, results
    assert set(results) - {"ok"} <= {"验证码已使用，请重新获取。", "验证码已失效，请重新获取。"}
    row = SmsCode.objects.get()
    assert row.used_at is not None
    assert row.attempts == len(comparisons) == 1


def test_parallel_guesses_get_no_extra_tries(code, comparisons):
    guesses = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 21)]
    results = in_parallel(20, lambda i: attempt(guesses[i]))
    assert "ok" not in results
    assert len(comparisons) == 5, comparisons
    assert sum(r.startswith("验证码错误") for r in results) == 4
    row = SmsCode.objects.get()
    assert row.attempts == 5 and row.voided_at is not None
    assert attempt(code) == "错误次数过多，验证码已失效，请重新获取。"


def test_right_code_among_parallel_guesses_is_compared_at_most_five_times(code, comparisons):
    guesses = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 20)] + [code]
    results = in_parallel(20, lambda i: attempt(guesses[i]))
    assert results.count("ok") <= 1
    assert len(comparisons) <= 5
    assert SmsCode.objects.get().attempts == len(comparisons)


def test_parallel_sends_issue_one_live_code(sms_outbox, sms_clock):
    def send(i):
        try:
            sms_code_send(phone=PHONE, purpose=REGISTER, ip=f"198.51.100.{i + 1}")
        except DomainError as exc:
            return exc.message
        return "sent"

    results = in_parallel(10, send)
    assert results.count("sent") == 1, results
    assert len(sms_outbox) == 1
    assert SmsCode.objects.filter(used_at=None, voided_at=None).count() == 1
