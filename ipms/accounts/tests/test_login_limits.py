"""Login lockout per phone, the per-address cap, attempt logging and session timeouts."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessFailureLog, AccessLog
from django.urls import reverse
from django.utils import timezone

from ipms.accounts.models import User
from ipms.accounts.services import operator_create

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
PHONE = "13600002925"
PASSWORD = "Learner2026"


@pytest.fixture
def learner():
    return User.objects.create_user(phone=PHONE, password=PASSWORD)


def attempt(client, password, phone=PHONE, ip="10.0.0.1", path=LOGIN):
    return client.post(path, {"username": phone, "password": password}, REMOTE_ADDR=ip)


def test_the_sixth_attempt_after_five_wrong_passwords_is_refused(client, learner):
    for _ in range(4):
        response = attempt(client, "wrong-pass1")
        assert response.status_code == 200
        assert "手机号或密码不正确" in response.content.decode()
    # The fifth failure is checked like the others, and its answer announces the lock.
    assert attempt(client, "wrong-pass1").status_code == 429
    response = attempt(client, PASSWORD)  # the sixth is refused, even with the right password
    assert response.status_code == 429
    body = response.content.decode()
    assert "登录失败次数过多" in body and "15 分钟" in body
    assert f'value="{PHONE}"' in body  # what was typed is kept
    assert int(response["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in client.session


def test_the_lock_lifts_after_the_cool_off(client, learner):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            attempt(client, "wrong-pass1")
        assert attempt(client, PASSWORD).status_code == 429
        clock.shift(timedelta(minutes=16))
        response = attempt(client, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(learner.pk)


def test_the_phone_is_counted_however_it_was_typed(client, learner):
    for typed in ["+86 136 0000 2925", "136-0000-2925", PHONE, "0086" + PHONE, PHONE]:
        attempt(client, "wrong-pass1", phone=typed)
    assert attempt(client, PASSWORD).status_code == 429


def test_one_phone_locked_does_not_lock_another(client, learner):
    User.objects.create_user(phone="13900001111", password=PASSWORD)
    for _ in range(5):
        attempt(client, "wrong-pass1")
    assert attempt(client, PASSWORD, phone="13900001111").status_code == 302


def test_a_success_resets_the_count(client, learner):
    for _ in range(4):
        attempt(client, "wrong-pass1")
    assert attempt(client, PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        attempt(client, "wrong-pass1")
    assert attempt(client, PASSWORD).status_code == 302


def test_every_attempt_is_logged(client, learner):
    attempt(client, "wrong-pass1")
    attempt(client, "wrong-pass2")
    attempt(client, PASSWORD)
    failures = AccessFailureLog.objects.filter(username=PHONE)
    assert failures.count() == 2
    assert set(failures.values_list("ip_address", flat=True)) == {"10.0.0.1"}
    assert AccessLog.objects.filter(username=PHONE).count() == 1


def test_the_console_login_is_locked_the_same_way(client):
    operator_create(phone="13900000001", password="Console2026ops")
    path = reverse("admin:login")
    for _ in range(5):
        attempt(client, "wrong-pass1", phone="13900000001", path=path)
    response = attempt(client, "Console2026ops", phone="13900000001", path=path)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_a_learner_is_refused_by_the_console_with_a_chinese_message(client, learner):
    response = attempt(client, PASSWORD, path=reverse("admin:login"))
    assert response.status_code == 200
    assert "运营后台仅限平台运营人员登录" in response.content.decode()


class TestSession:
    def test_login_issues_a_new_session_key(self, client, learner):
        client.get(LOGIN)
        client.session.save()
        before = client.session.session_key
        attempt(client, PASSWORD)
        assert client.session.session_key != before

    def test_idle_for_thirty_minutes_ends_the_session(self, client, learner):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            attempt(client, PASSWORD)
            clock.shift(timedelta(minutes=29))
            assert client.get(reverse("content:home")).context["user"].is_authenticated
            clock.shift(timedelta(minutes=29))  # activity above renewed the clock
            assert client.get(reverse("content:home")).context["user"].is_authenticated
            clock.shift(timedelta(minutes=31))
            response = client.get(reverse("learning:course_list"))
        assert response.status_code == 302
        assert response.url.startswith(LOGIN + "?next=")
        follow = client.get(response.url)
        assert "未操作" in follow.content.decode()
        assert "_auth_user_id" not in client.session

    def test_twelve_hours_after_login_the_session_ends_despite_activity(self, client, learner):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            attempt(client, PASSWORD)
            for _ in range(25):  # active every 29 minutes for 12 h 5 min
                clock.shift(timedelta(minutes=29))
                response = client.get(reverse("content:home"))
                if response.status_code == 302:
                    break
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session

    def test_an_htmx_request_after_timeout_gets_401_with_a_redirect_header(self, client, learner):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            attempt(client, PASSWORD)
            clock.shift(timedelta(minutes=31))
            response = client.get(reverse("content:home"), HTTP_HX_REQUEST="true")
        assert response.status_code == 401
        assert response["HX-Redirect"] == LOGIN
