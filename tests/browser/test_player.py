"""The lesson player in Chromium: a learner watches a short clip and the server credits it;
jumping the scrubber is refused; pressing play in a second tab pauses the first; a hidden
tab accrues nothing.

The clip plays in real time, so no test waits a fixed time: each waits for the heartbeat
answers it needs (``Beats``) and checks what they say against the database. The rules
behind the answers are tested with a controllable clock in learning/tests/test_heartbeat.py.
"""

from __future__ import annotations

from functools import cache

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from ipms.accounts.middleware import session_mark_login
from ipms.accounts.tests import conftest as account_fixtures
from ipms.learning import services
from ipms.learning.models import AccrualLease, LessonProgress, PlaybackView, StudyDay
from ipms.learning.tests.factories import CourseFactory
from tests.browser.conftest import PHONE, assert_accessible_basics

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

learner = account_fixtures.learner

CLIP_SECONDS = 6


@cache
def clip() -> bytes:
    from ipms.demo.media import make_video

    return make_video("课时", seconds=CLIP_SECONDS, size=(96, 54), fps=5)


@pytest.fixture
def lesson(transactional_db):
    course = CourseFactory(title="知识产权管理人员课程")
    return services.lesson_create(
        course=course,
        number=1,
        title="知识产权管理体系认证流程",
        video=ContentFile(clip(), name="clip.mp4"),
    )


@pytest.fixture
def signed_in(page, live_server, learner):
    """The browser carries a session of ``learner`` (logging in is tested elsewhere)."""
    session = SessionStore()
    session[SESSION_KEY] = str(learner.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = learner.get_session_auth_hash()
    session_mark_login(session)
    session.save()
    page.context.add_cookies(
        [{"name": "sessionid", "value": session.session_key, "url": live_server.url}]
    )
    return page


@pytest.fixture
def fast_beats(settings):
    settings.LEARNING_HEARTBEAT_INTERVAL = 1
    # Each interval is credited as min(server-measured time, video advance); on a clip of
    # a few seconds the request latency alone is a visible share of it.
    settings.LESSON_COMPLETION_SHARE = 0.8


def lesson_url(live_server, lesson) -> str:
    return live_server.url + reverse("learning:lesson_detail", args=[lesson.course_id, lesson.pk])


def is_beat(response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/heartbeat/")


class Beats:
    """Every heartbeat one tab sent, with the server's answer, in order.

    A tab sends its beats one after another (player.js queues them), so this is also the
    order in which the server handled them.
    """

    def __init__(self, page) -> None:
        self.page = page
        self.log: list[tuple[dict, dict]] = []
        page.on("response", self._record)

    def _record(self, response) -> None:
        if is_beat(response):
            self.log.append((response.request.post_data_json, response.json()))

    def credited(self) -> float:
        return sum(answer["credited"] for _, answer in self.log)

    def wait_until(self, condition, *, beats: int = 12) -> None:
        """Wait for this tab's next beats, one by one, until ``condition(log)`` holds."""
        for _ in range(beats):
            if condition(self.log):
                return
            self.page.wait_for_event("response", predicate=is_beat, timeout=5000)
        assert condition(self.log), self.log

    def wait_for_credit(self) -> None:
        self.wait_until(lambda log: any(answer["credited"] > 0 for _, answer in log))


def credited(learner, lesson) -> float:
    return LessonProgress.objects.get(user=learner, lesson=lesson).credited_seconds


def play(page) -> None:
    # Muted playback may start without a gesture in headless Chromium.
    page.locator("#lesson-video").evaluate("v => { v.muted = true; return v.play(); }")


def test_watching_a_lesson_credits_the_time_and_completes_it(
    signed_in, live_server, lesson, learner, fast_beats, shoot
):
    page = signed_in
    page.goto(lesson_url(live_server, lesson))
    expect(page.get_by_role("heading", name="课时1 知识产权管理体系认证流程")).to_be_visible()
    expect(page.locator("#player-completed")).to_be_hidden()
    assert_accessible_basics(page)
    play(page)
    expect(page.locator("#player-completed")).to_be_visible(timeout=CLIP_SECONDS * 1000 + 8000)
    expect(page.locator("#current-lesson-state")).to_have_text("已完成")
    shoot(page, "lesson-completed")
    page.set_viewport_size(PHONE)
    shoot(page, "lesson-completed-phone")
    row = LessonProgress.objects.get(user=learner, lesson=lesson)
    assert row.completed_at is not None
    assert 0.8 * CLIP_SECONDS <= row.credited_seconds <= CLIP_SECONDS
    assert StudyDay.objects.get(user=learner).seconds == pytest.approx(row.credited_seconds)


def test_jumping_the_scrubber_forward_is_refused(signed_in, live_server, lesson, learner):
    page = signed_in
    page.goto(lesson_url(live_server, lesson))
    video = page.locator("#lesson-video")
    video.evaluate(
        "v => new Promise(r => v.readyState >= 1 ? r() : v.addEventListener('loadedmetadata', r))"
    )
    video.evaluate("v => { v.currentTime = 5; }")
    expect(page.locator("#player-notice")).to_have_text("只能拖动到已经观看过的位置。")
    assert video.evaluate("v => v.currentTime") < 1.5
    # A forged beat claiming the far position gets nothing either.
    view = page.locator("#lesson-player").get_attribute("data-view-id")
    token = page.locator("#lesson-player").get_attribute("data-csrf-token")
    url = reverse("learning:heartbeat", args=[lesson.pk])
    answer = page.evaluate(
        """([url, view, token]) => fetch(url, {method: "POST", headers: {
              "Content-Type": "application/json", "X-CSRFToken": token},
              body: JSON.stringify({view, seq: 1000, position: 5.5, playing: true,
                                    visible: true})}).then(r => r.json())""",
        [url, view, token],
    )
    assert answer["seek_refused"] and answer["credited"] == 0
    assert LessonProgress.objects.get(user=learner, lesson=lesson).furthest_position < 1.5


def test_pressing_play_in_a_second_tab_pauses_the_first(
    signed_in, live_server, lesson, learner, fast_beats
):
    first = signed_in
    first_beats = Beats(first)
    first.goto(lesson_url(live_server, lesson))
    second = first.context.new_page()
    second_beats = Beats(second)
    second.goto(lesson_url(live_server, lesson))
    # Both tabs are "visible" to the browser here (headless pages are never hidden).
    play(first)
    first_beats.wait_for_credit()
    play(second)
    expect(first.locator("#player-notice")).to_contain_text(
        "您正在其他窗口或设备学习，本窗口暂停计时", timeout=5000
    )
    assert first.locator("#lesson-video").evaluate("v => v.paused")
    second_beats.wait_for_credit()
    # The first tab told the server it paused; then the second pauses too, so no beat
    # is on its way when the database is read.
    first_beats.wait_until(lambda log: not log[-1][0]["playing"])
    with second.expect_response(lambda r: is_beat(r) and not r.request.post_data_json["playing"]):
        second.locator("#lesson-video").evaluate("v => v.pause()")

    # The beat that found the lease gone was the first tab's last credited one: from it
    # on, the first tab earned nothing, while the second did.
    lost = next(i for i, (_, answer) in enumerate(first_beats.log) if answer["paused_other_view"])
    assert all(answer["credited"] == 0 for _, answer in first_beats.log[lost:])
    assert first_beats.credited() > 0 and second_beats.credited() > 0
    # Every credited second belongs to exactly one beat of one tab.
    assert credited(learner, lesson) == pytest.approx(
        first_beats.credited() + second_beats.credited(), abs=0.05
    )
    assert AccrualLease.objects.get(user=learner).view_id is None
    assert not PlaybackView.objects.filter(user=learner, accruing=True).exists()


def test_a_hidden_tab_accrues_nothing(signed_in, live_server, lesson, learner, fast_beats):
    """Headless pages are never hidden by the browser, so the test hides this one."""
    page = signed_in
    beats = Beats(page)
    page.goto(lesson_url(live_server, lesson))
    play(page)
    beats.wait_for_credit()
    # Hiding pauses the player, which reports it at once.
    with page.expect_response(lambda r: is_beat(r) and not r.request.post_data_json["playing"]):
        page.evaluate(
            """() => {
              Object.defineProperty(document, "visibilityState", {value: "hidden",
                                                                   configurable: true});
              Object.defineProperty(document, "hidden", {value: true, configurable: true});
              document.dispatchEvent(new Event("visibilitychange"));
            }"""
        )
    video = page.locator("#lesson-video")
    assert video.evaluate("v => v.paused"), "the player pauses when the page is hidden"
    before = credited(learner, lesson)
    assert before > 0
    assert before == pytest.approx(beats.credited(), abs=0.05)

    # Forced to keep playing while hidden, its beats say so and earn nothing.
    shown = len(beats.log)
    video.evaluate("v => { v.muted = true; return v.play(); }")

    def hidden_playing(log):
        return [
            answer
            for body, answer in log[shown:]
            if body["playing"] and not body["visible"] and not body["start"]
        ]

    beats.wait_until(lambda log: len(hidden_playing(log)) >= 2)
    assert all(answer["credited"] == 0 for answer in hidden_playing(beats.log))
    assert credited(learner, lesson) == before
