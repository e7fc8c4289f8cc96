"""Logins behind one office address (issue 9, D1): successes never count against the
address; failures from it first bring the slider check, then a refusal; the per-phone
lockout (django-axes) stays, also while the cache is down."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.hashers import make_password
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ipms.accounts.models import User
from ipms.accounts.services import operator_create
from ipms.core import ratelimit
from ipms.enterprises.models import Membership
from ipms.enterprises.tests.factories import EnterpriseFactory, MembershipFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
OFFICE = "203.0.113.80"  # the enterprise's one public address (NAT)
PASSWORD = "Member2026pass"
SLIDER_NEEDED = "当前网络登录失败次数较多，请先完成滑块验证再登录。"
REFUSED = "当前网络登录失败次数过多"


def members(count: int) -> list[User]:
    enterprise = EnterpriseFactory()
    hashed = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(phone=f"1390{n:07d}", password=hashed, name=f"学员{n}") for n in range(count)
    )
    Membership.objects.bulk_create(
        MembershipFactory.build(enterprise=enterprise, user=user) for user in users
    )
    return users


def login(client, phone, password=PASSWORD, *, slider="", ip=OFFICE):
    data = {"username": phone, "password": password}
    if slider:
        data["slider"] = slider
    return client.post(LOGIN, data, REMOTE_ADDR=ip)


def asks_for_slider(response) -> bool:
    return 'name="slider"' in response.content.decode()


def newcomer(client) -> Client:
    """The same test client as a different browser: no cookies, no session.

    (One client for all: each new Client loads the middleware again, WhiteNoise's scan
    of the static files included.)"""
    client.cookies.clear()
    return client


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def slide_over_http(client, traveller, ip=OFFICE) -> str:
    """Pass the slider as the page does: challenge and answer through the endpoints."""
    challenge = client.get(
        reverse("core:slider_challenge"), {"scope": "login"}, REMOTE_ADDR=ip
    ).json()
    assert challenge["ok"], challenge
    traveller.shift(timedelta(milliseconds=400))  # the drag takes a moment
    target, steps = challenge["target"], 24
    trace = [[round(900 * i / steps), round(target * i / steps)] for i in range(steps + 1)]
    answer = client.post(
        reverse("core:slider_verify"),
        data=json.dumps(
            {"token": challenge["token"], "position": target, "duration_ms": 900, "trace": trace}
        ),
        content_type="application/json",
        REMOTE_ADDR=ip,
    ).json()
    assert answer["ok"], answer
    return answer["pass_token"]


def test_three_hundred_members_log_in_from_one_address_within_five_minutes():
    """One every half second, drags included all within five minutes; every tenth
    mistypes first and tries again.

    The typos bring the slider for everyone after the tenth; each member then drags it
    (through the real endpoints, so SLIDER_RATE is part of the test) and gets in.
    """
    users = members(300)
    slides = refusals = 0
    browser = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        # Start with the address's failure windows (15 minutes), so all five minutes
        # fall in one window and the count below is exact.
        traveller.shift(
            timedelta(seconds=ratelimit.peek("login_ip_slider", value=OFFICE).retry_after + 1)
        )
        start = timezone.now()
        for n, user in enumerate(users):
            traveller.shift(timedelta(milliseconds=500))
            client = newcomer(browser)
            page = client.get(LOGIN, REMOTE_ADDR=OFFICE)
            assert page.status_code == 200
            if n % 10 == 0:  # a typo first
                token = slide_over_http(client, traveller) if asks_for_slider(page) else ""
                slides += bool(token)
                page = login(client, user.phone, "wrong-Pass1", slider=token)
                assert page.status_code == 200 and "手机号或密码不正确" in page.content.decode()
            token = slide_over_http(client, traveller) if asks_for_slider(page) else ""
            slides += bool(token)
            response = login(client, user.phone, slider=token)
            refusals += response.status_code == 429
            assert response.status_code == 302, (n, response.content.decode()[:2000])
            assert signed_in(client)
        elapsed = timezone.now() - start
    assert elapsed <= timedelta(minutes=5)
    assert refusals == 0
    # The tenth typo (member 90) brings the slider: members 90…299 slide once to log in,
    # and the twenty who mistype after that slide once more before their typo.
    assert slides == 210 + 20
    assert not AccessAttempt.objects.filter(failures_since_start__gte=5).exists()


def test_a_password_guessing_run_from_the_address_is_slowed_then_refused(slider_pass):
    """Spraying one password over many phones dodges the per-phone lockout; the
    address's failures do not: after 10 every try needs a fresh slider pass, after 100
    the address is refused, even with a right password."""
    [victim] = members(1)
    attacker = Client()
    for n in range(10):
        response = login(attacker, f"1380000{n:04d}", "Guess2026pass")
        assert response.status_code == 200
    assert asks_for_slider(response)
    assert SLIDER_NEEDED in response.content.decode()

    # Without a pass no password is tried (axes records nothing more).
    tried = AccessFailureLog.objects.count()
    response = login(attacker, victim.phone, PASSWORD)
    assert response.status_code == 200 and not signed_in(attacker)
    assert "请先完成滑块验证。" in response.content.decode()
    assert AccessFailureLog.objects.count() == tried
    response = login(attacker, victim.phone, PASSWORD, slider="forged-pass")
    assert not signed_in(attacker) and "请先完成滑块验证。" in response.content.decode()

    for n in range(10, 100):  # each further guess costs a slider pass
        response = login(attacker, f"1380000{n:04d}", "Guess2026pass", slider=slider_pass("login"))
        assert response.status_code == 200
    response = login(attacker, victim.phone, PASSWORD, slider=slider_pass("login"))
    assert response.status_code == 429
    body = response.content.decode()
    assert REFUSED in body and not signed_in(attacker)
    wait = ratelimit.peek("login_ip_failures", value=OFFICE).retry_after
    assert re.search(rf"请 {re.escape(ratelimit.wait_text(wait))}后再试", body)

    # Another address is not affected.
    elsewhere = Client()
    assert login(elsewhere, victim.phone, ip="198.51.100.9").status_code == 302

    # When the address's window ends, it starts afresh.
    with time_machine.travel(timezone.now() + timedelta(seconds=wait + 1), tick=False):
        late = Client()
        assert not asks_for_slider(late.get(LOGIN, REMOTE_ADDR=OFFICE))
        assert login(late, victim.phone).status_code == 302


def test_a_success_never_counts_and_a_failure_does(settings):
    settings.LOGIN_IP_SLIDER_RATE = "1/15m"
    users = members(6)
    for user in users[:5]:
        assert login(Client(), user.phone).status_code == 302
    assert not asks_for_slider(Client().get(LOGIN, REMOTE_ADDR=OFFICE))
    response = login(Client(), users[5].phone, "wrong-Pass1")
    assert asks_for_slider(response)  # the re-displayed form already has it
    assert asks_for_slider(Client().get(LOGIN, REMOTE_ADDR=OFFICE))


def test_the_per_phone_lockout_stays(slider_pass):
    [member] = members(1)
    client = Client()
    for _ in range(5):
        login(client, member.phone, "wrong-Pass1", slider=slider_pass("login"))
    response = login(client, member.phone, slider=slider_pass("login"))
    assert response.status_code == 429
    assert "该手机号已被暂时锁定" in response.content.decode()


def test_with_the_cache_down_logins_work_and_the_phone_lockout_holds(ratelimit_cache_down):
    """The address policies fail open (no slider: it needs the cache too); django-axes
    keeps its counts in the database, so five failures still lock the phone."""
    first, second = members(2)
    client = Client()
    for n in range(30):
        response = login(client, f"1380000{n:04d}", "Guess2026pass")
        assert response.status_code == 200 and not asks_for_slider(response)
    assert login(client, first.phone).status_code == 302
    other = Client()
    for _ in range(5):
        login(other, second.phone, "wrong-Pass1")
    response = login(other, second.phone)
    assert response.status_code == 429 and not signed_in(other)
    assert "该手机号已被暂时锁定" in response.content.decode()


def test_with_the_lockout_table_unreachable_nobody_logs_in():
    """django-axes reads its attempts from the database before the password: if that read
    fails, the login fails with the error page, and no session starts (fails closed)."""
    [member] = members(1)

    def axes_down(execute, sql, params, many, context):
        if "axes_" in sql:
            raise OperationalError("database unavailable (test)")
        return execute(sql, params, many, context)

    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(axes_down):
        response = login(client, member.phone)
    assert response.status_code == 500
    assert not signed_in(client)


def test_the_console_sends_operators_to_the_site_login_when_the_slider_is_due(
    settings, slider_pass
):
    settings.LOGIN_IP_SLIDER_RATE = "1/15m"
    operator_create(phone="13900000001", password="Console2026ops")
    login(Client(), "13800000000", "wrong-Pass1")
    console = reverse("admin:login")
    client = Client()
    response = client.post(
        console, {"username": "13900000001", "password": "Console2026ops"}, REMOTE_ADDR=OFFICE
    )
    assert "请在平台登录页完成滑块验证并登录后" in response.content.decode()
    assert not signed_in(client)
    response = login(client, "13900000001", "Console2026ops", slider=slider_pass("login"))
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
