"""The server-verified slider check: challenge, answer, one-time pass, form field, views."""

import json
import re

import pytest
from django import forms
from django.contrib.staticfiles import finders
from django.core import signing
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from ipms.core import slider
from ipms.core.slider import (
    LABEL,
    SliderError,
    SliderField,
    slider_challenge_issue,
    slider_challenge_verify,
    slider_verify_pass,
)
from ipms.core.tests.conftest import human_trace

pytestmark = pytest.mark.urls("ipms.core.tests.urls")


def answer(challenge, *, position=None, duration=900, trace=None):
    target = challenge.target
    return slider_challenge_verify(
        token=challenge.token,
        position=target if position is None else position,
        duration_ms=duration,
        trace=human_trace(target, duration=duration) if trace is None else trace,
    )


# --- Service -----------------------------------------------------------------------------


def test_valid_drag_gets_a_one_time_pass(slider_clock):
    challenge = slider_challenge_issue()
    assert slider.TRACK_MIN <= challenge.target <= slider.TRACK_MAX
    assert challenge.expires_in == 300
    slider_clock.advance(1_000)
    pass_token = answer(challenge)
    assert len(pass_token) >= 40
    slider_verify_pass(pass_token)  # accepted once …
    with pytest.raises(SliderError, match="请先完成滑块验证"):
        slider_verify_pass(pass_token)  # … and never again


def test_targets_are_random():
    targets = {slider_challenge_issue().target for _ in range(40)}
    assert len(targets) > 5


def test_tampered_token_is_refused(slider_clock):
    challenge = slider_challenge_issue()
    slider_clock.advance(1_000)
    payload = signing.loads(challenge.token, salt=slider.SALT)
    forged = signing.dumps({**payload, "t": 200}, salt="someone-else")
    for token in (forged, challenge.token[:-2] + "xy", "garbage", None, 42):
        with pytest.raises(SliderError) as caught:
            slider_challenge_verify(
                token=token, position=200, duration_ms=900, trace=human_trace(200)
            )
        assert caught.value.message == "验证未通过，请重新拖动滑块。"


def test_replayed_token_is_refused(slider_clock):
    challenge = slider_challenge_issue()
    slider_clock.advance(1_000)
    answer(challenge)
    with pytest.raises(SliderError, match="验证已失效"):
        answer(challenge)


def test_a_failed_answer_spends_the_challenge(slider_clock):
    challenge = slider_challenge_issue()
    slider_clock.advance(1_000)
    with pytest.raises(SliderError, match="拖动到最右侧"):
        answer(challenge, position=challenge.target // 2)
    with pytest.raises(SliderError, match="验证已失效"):
        answer(challenge)  # no second guess on the same challenge


def test_expired_token_is_refused(slider_clock):
    challenge = slider_challenge_issue()
    slider_clock.advance(300_001)
    with pytest.raises(SliderError, match="验证已过期"):
        answer(challenge)


def test_token_from_the_future_is_refused(slider_clock):
    challenge = slider_challenge_issue()
    slider_clock.advance(-5_000)
    with pytest.raises(SliderError, match="验证未通过"):
        answer(challenge)


@pytest.mark.parametrize("offset", [-20, 20])
def test_wrong_position_is_refused(slider_clock, offset):
    challenge = slider_challenge_issue()
    slider_clock.advance(1_000)
    with pytest.raises(SliderError, match="请将滑块拖动到最右侧"):
        answer(challenge, position=challenge.target + offset)


def test_position_within_tolerance_passes(slider_clock):
    challenge = slider_challenge_issue()
    slider_clock.advance(1_000)
    near = challenge.target - slider.tolerance(challenge.target)
    trace = human_trace(challenge.target)
    trace[-1][1] = near
    answer(challenge, position=near, trace=trace)


def test_too_fast_drag_is_refused(slider_clock):
    challenge = slider_challenge_issue()
    slider_clock.advance(1_000)
    with pytest.raises(SliderError, match="拖动过快"):
        answer(challenge, duration=120)


def test_server_timing_counts_too(slider_clock):
    """A page claiming a slow drag is still refused when the server saw 100 ms."""
    challenge = slider_challenge_issue()
    slider_clock.advance(100)
    with pytest.raises(SliderError, match="拖动过快"):
        answer(challenge, duration=900)


@pytest.mark.parametrize(
    "make_trace",
    [
        lambda t: [[0, 0], [900, t]],  # too few points
        lambda t: [[0, 0], [450, 0], [900, t]],  # teleports across the track
        lambda t: [[0, t // 2], [450, t * 3 // 4], [900, t]],  # starts in the middle
        lambda t: [[0, 0], [600, t // 2], [300, t * 3 // 4], [900, t]],  # time runs back
        lambda t: [[0, 0], [300, t // 3], [600, t * 2 // 3], [2_000, t]],  # beyond duration
        lambda t: [[0, 0], [300, t // 3], [600, t * 2 // 3], [900, t // 2 + t // 3]],  # ends short
        lambda t: [[0, 0], [300, "x"], [900, t]],  # not numbers
        lambda t: [[0, 0], [300, True], [900, t]],  # booleans are not numbers
        lambda t: [[0, 0, 0], [450, t // 2], [900, t]],  # malformed point
        lambda t: [[i, 0] for i in range(401)] + [[900, t]],  # too many points
        lambda t: "not a list",
    ],
)
def test_implausible_traces_are_refused(slider_clock, make_trace):
    challenge = slider_challenge_issue()
    slider_clock.advance(1_000)
    with pytest.raises(SliderError, match="验证未通过"):
        answer(challenge, trace=make_trace(challenge.target))


def test_keyboard_steps_are_a_plausible_trace(slider_clock):
    """Twenty presses of the right arrow key (5 % each) pass."""
    challenge = slider_challenge_issue()
    slider_clock.advance(2_000)
    t = challenge.target
    trace = [[0, 0]] + [[120 * i, round(t * i / 20)] for i in range(1, 21)]
    answer(challenge, duration=2_400, trace=trace)


def test_pass_is_bound_to_its_scope(slider_pass):
    pass_token = slider_pass("register")
    with pytest.raises(SliderError):
        slider_verify_pass(pass_token, scope="sms")
    slider_verify_pass(pass_token, scope="register")  # the wrong scope did not spend it


def test_scope_must_be_a_plain_name():
    with pytest.raises(SliderError):
        slider_challenge_issue(scope="<script>")


@pytest.mark.parametrize("value", [None, "", "x" * 101, 12])
def test_malformed_pass_tokens_are_refused(value):
    with pytest.raises(SliderError, match="请先完成滑块验证"):
        slider_verify_pass(value)


class BrokenCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Redis is down")

        return fail


def test_cache_outage_fails_closed(slider_clock, monkeypatch):
    challenge = slider_challenge_issue()
    slider_clock.advance(1_000)
    monkeypatch.setattr(slider, "cache", BrokenCache())
    with pytest.raises(SliderError, match="暂时不可用"):
        answer(challenge)
    with pytest.raises(SliderError, match="暂时不可用"):
        slider_verify_pass("a-pass-token")


# --- Form field and widget -------------------------------------------------------------


class RegisterForm(forms.Form):
    name = forms.CharField(label="姓名")
    slider = SliderField(scope="register")


def test_form_accepts_a_pass_once(slider_pass):
    pass_token = slider_pass("register")
    assert RegisterForm({"name": "张三", "slider": pass_token}).is_valid()
    form = RegisterForm({"name": "张三", "slider": pass_token})
    assert not form.is_valid()
    assert form.errors["slider"] == ["请先完成滑块验证。"]


def test_form_requires_the_slider():
    form = RegisterForm({"name": "张三"})
    assert not form.is_valid()
    assert form.errors["slider"] == ["请先完成滑块验证。"]


def test_form_refuses_a_pass_of_another_scope(slider_pass):
    form = RegisterForm({"name": "张三", "slider": slider_pass("default")})
    assert not form.is_valid()


def test_widget_renders_an_accessible_control_without_inline_script(slider_pass):
    form = RegisterForm({"name": "", "slider": slider_pass("register")})
    form.is_valid()
    html = render_to_string("core/partials/slider.html", {"field": form["slider"]})
    assert 'role="slider"' in html and 'tabindex="0"' in html
    assert f'aria-label="{LABEL}"' in html
    assert "请按住滑块，拖动到最右侧" in html
    assert reverse("core:slider_challenge") + "?scope=register" in html
    assert reverse("core:slider_verify") in html
    # A spent pass is never echoed back into the re-displayed form.
    assert re.search(r'<input type="hidden" name="slider" value=""', html)
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all("src=" in tag for tag in scripts)
    assert re.search(r"<script[^>]*>\s*[^<\s]", html) is None  # no inline code
    assert " on" not in re.sub(r"\s+", " ", html).replace(" only", "")  # no on* handlers


def test_partial_shows_field_errors():
    form = RegisterForm({"name": "张三"})
    form.is_valid()
    html = render_to_string("core/partials/slider.html", {"field": form["slider"]})
    assert 'id="id_slider_error"' in html and "请先完成滑块验证。" in html
    assert "is-invalid" in html and 'aria-invalid="true"' in html
    assert "id_slider_error" in html.split('role="slider"')[1].split(">")[0]


def test_static_assets_exist():
    assert finders.find("core/slider.js")
    assert finders.find("core/slider.css")


# --- JSON endpoints --------------------------------------------------------------------


def post_answer(client, data):
    return client.post(
        reverse("core:slider_verify"), data=json.dumps(data), content_type="application/json"
    )


def test_challenge_endpoint(client):
    response = client.get(reverse("core:slider_challenge"), {"scope": "register"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["ok"] is True and data["expires_in"] == 300
    assert signing.loads(data["token"], salt=slider.SALT)["s"] == "register"


def test_challenge_endpoint_refuses_bad_scope_and_post(client):
    assert client.get(reverse("core:slider_challenge"), {"scope": "A B"}).status_code == 400
    assert client.post(reverse("core:slider_challenge")).status_code == 405


def test_verify_endpoint_gives_a_pass(client, slider_clock):
    data = client.get(reverse("core:slider_challenge")).json()
    slider_clock.advance(1_000)
    response = post_answer(
        client,
        {
            "token": data["token"],
            "position": data["target"],
            "duration_ms": 900,
            "trace": human_trace(data["target"]),
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["expires_in"] == 600
    slider_verify_pass(body["pass_token"])


def test_verify_endpoint_explains_failures(client, slider_clock):
    data = client.get(reverse("core:slider_challenge")).json()
    slider_clock.advance(1_000)
    response = post_answer(
        client,
        {
            "token": data["token"],
            "position": 10,
            "duration_ms": 900,
            "trace": human_trace(data["target"]),
        },
    )
    assert response.status_code == 400
    assert response.json() == {"ok": False, "message": "请将滑块拖动到最右侧。"}


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_verify_endpoint_refuses_malformed_bodies(client, body):
    response = client.post(
        reverse("core:slider_verify"), data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "验证未通过，请重新拖动滑块。"


def test_verify_endpoint_needs_post_and_csrf():
    client = Client(enforce_csrf_checks=True)
    assert client.get(reverse("core:slider_verify")).status_code == 405
    assert post_answer(client, {}).status_code == 403


def test_endpoints_are_rate_limited_per_ip(client, settings):
    settings.SLIDER_RATE = "3/m"
    url = reverse("core:slider_challenge")
    statuses = [client.get(url).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get(url).json()["message"] == "操作过于频繁，请稍后再试。"
    other = client.get(url, REMOTE_ADDR="198.51.100.99")
    assert other.status_code == 200


def test_with_the_limit_cache_down_the_endpoints_refuse(client, ratelimit_cache_down):
    """``slider_ip`` fails closed: 503 with the Chinese message, no challenge issued."""
    response = client.get(reverse("core:slider_challenge"))
    assert response.status_code == 503
    assert response.json() == {"ok": False, "message": "验证服务暂时不可用，请稍后再试。"}
    assert post_answer(client, {}).status_code == 503
