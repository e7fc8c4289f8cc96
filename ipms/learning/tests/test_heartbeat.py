"""Every rule of the heartbeat engine (issue 4 point 3), with a controllable clock.

``Tab`` plays the part of one open lesson page: it holds the view id issued when the
page rendered, numbers its beats and moves the clock and the video position the way a
player would. Tests pass ``now`` explicitly, so no test sleeps.
"""

from __future__ import annotations

import datetime
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipms.accounts.tests.factories import UserFactory
from ipms.core.errors import DomainError
from ipms.learning import progress
from ipms.learning.models import (
    AccrualLease,
    Enrollment,
    LessonProgress,
    PlaybackView,
    StudyDay,
)
from ipms.learning.tests.factories import CourseFactory, LessonFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


class Tab:
    """One lesson page in one browser tab, driven by the test's clock."""

    def __init__(self, user, lesson, *, at: datetime.datetime = T0) -> None:
        self.user = user
        self.lesson = lesson
        self.now = at
        self.view = progress.lesson_open(user=user, lesson=lesson, now=at).view
        self.seq = 0
        self.position = self.view.last_position

    def beat(
        self,
        *,
        after: float = 0,
        moved: float | None = None,
        position: float | None = None,
        playing: bool = True,
        visible: bool = True,
        start: bool = False,
        interacted: bool = False,
        seq: int | None = None,
    ) -> progress.HeartbeatResult:
        """A beat ``after`` seconds later; the video moved ``moved`` seconds (default: as
        far as the clock did while playing, not at all otherwise)."""
        self.now += datetime.timedelta(seconds=after)
        if position is None:
            if moved is None:
                moved = after if playing else 0
            position = self.position + moved
        self.seq = seq if seq is not None else self.seq + 1
        result = progress.heartbeat_record(
            user=self.user,
            view_id=self.view.pk,
            lesson_id=self.lesson.pk,
            seq=self.seq,
            position=position,
            playing=playing,
            visible=visible,
            interacted=interacted,
            start=start,
            now=self.now,
        )
        if result.accepted and not result.seek_refused:
            self.position = position
        return result

    def press_play(self, *, after: float = 0) -> progress.HeartbeatResult:
        return self.beat(after=after, moved=0, start=True, interacted=True)

    def at(self, moment: datetime.datetime) -> Tab:
        self.now = moment
        return self


@pytest.fixture
def lesson(db):
    return LessonFactory(duration=600)


def credited(user, lesson) -> float:
    return LessonProgress.objects.get(user=user, lesson=lesson).credited_seconds


# --- opening a lesson ------------------------------------------------------------------


def test_lesson_open_enrols_once_and_issues_a_new_view_each_time(learner, lesson):
    first = progress.lesson_open(user=learner, lesson=lesson, now=T0)
    second = progress.lesson_open(user=learner, lesson=lesson, now=T0)
    assert first.view.pk != second.view.pk
    assert Enrollment.objects.filter(user=learner, course=lesson.course).count() == 1
    assert LessonProgress.objects.filter(user=learner, lesson=lesson).count() == 1
    assert AccrualLease.objects.filter(user=learner).count() == 1
    enrollment = Enrollment.objects.get(user=learner)
    assert enrollment.last_lesson == lesson and enrollment.enrolled_at == T0
    other = LessonFactory(course=lesson.course, duration=60)
    progress.lesson_open(user=learner, lesson=other, now=T0 + datetime.timedelta(hours=1))
    enrollment.refresh_from_db()
    assert enrollment.last_lesson == other
    assert enrollment.enrolled_at == T0


def test_operators_cannot_open_lessons_or_beat(lesson):
    operator = UserFactory(is_staff=True)
    with pytest.raises(DomainError):
        progress.lesson_open(user=operator, lesson=lesson, now=T0)
    tab = Tab(UserFactory(), lesson)
    with pytest.raises(DomainError):
        progress.heartbeat_record(
            user=operator,
            view_id=tab.view.pk,
            lesson_id=lesson.pk,
            seq=1,
            position=0,
            playing=True,
            visible=True,
        )


# --- wall-clock time between accepted beats --------------------------------------------


def test_the_first_beat_only_starts_the_clock(learner, lesson):
    tab = Tab(learner, lesson)
    result = tab.press_play(after=40)  # 40 s after the page rendered
    assert result.accepted and result.credited == 0
    assert credited(learner, lesson) == 0


def test_credits_the_time_between_accepted_beats_while_playing(learner, lesson):
    tab = Tab(learner, lesson)
    tab.press_play()
    assert tab.beat(after=15).credited == 15
    assert tab.beat(after=14.5).credited == 14.5
    result = tab.beat(after=15)
    assert result.credited == 15 and result.credited_total == 44.5
    assert credited(learner, lesson) == pytest.approx(44.5)


def test_one_interval_credits_at_most_the_cap(learner, lesson, settings):
    tab = Tab(learner, lesson)
    tab.press_play()
    result = tab.beat(after=100)  # the tab was frozen, the network gone, …
    assert result.credited == 30
    settings.LEARNING_HEARTBEAT_CAP = 20
    assert tab.beat(after=100).credited == 20


def test_credit_never_exceeds_how_far_the_video_moved(learner, lesson):
    tab = Tab(learner, lesson)
    tab.press_play()
    assert tab.beat(after=15, moved=5).credited == 5  # buffering
    assert tab.beat(after=15, moved=0).credited == 0  # “playing” but stuck


def test_nothing_is_credited_while_paused(learner, lesson):
    tab = Tab(learner, lesson)
    tab.press_play()
    assert tab.beat(after=10, playing=False, moved=10).credited == 10  # played until now
    assert tab.beat(after=60, playing=False).credited == 0  # paused for a minute
    assert tab.press_play(after=30).credited == 0
    assert tab.beat(after=15).credited == 15
    assert credited(learner, lesson) == 25


def test_nothing_is_credited_while_the_page_is_hidden(learner, lesson):
    tab = Tab(learner, lesson)
    tab.press_play()
    # The beat sent when the page is hidden closes a visible interval: it counts. The
    # player pauses the video there.
    assert tab.beat(after=15, visible=False, playing=False, moved=15).credited == 15
    # Five minutes in the background: nothing.
    assert tab.beat(after=300, visible=False, playing=False).credited == 0
    # Back on the page, the player resumes (a start beat); the next interval counts.
    assert tab.press_play(after=1).credited == 0
    assert tab.beat(after=15).credited == 15
    assert credited(learner, lesson) == 30


def test_a_player_that_keeps_playing_while_hidden_gains_nothing(learner, lesson):
    tab = Tab(learner, lesson)
    tab.press_play()
    assert tab.beat(after=15, visible=False).credited == 15  # visible until now
    # A modified player keeps the video running in the background and keeps beating.
    hidden = [tab.beat(after=15, visible=False) for _ in range(4)]
    assert all(result.credited == 0 for result in hidden)
    # What played unseen is not “watched”: the position it reached is refused as a seek.
    assert hidden[-1].seek_refused
    back = tab.beat(after=15, position=90)
    assert back.credited == 0 and back.seek_refused and back.furthest == 15
    assert credited(learner, lesson) == 15


def test_total_never_exceeds_the_lesson_length(learner):
    lesson = LessonFactory(duration=40)
    tab = Tab(learner, lesson)
    tab.press_play()
    credits = [tab.beat(after=15).credited for _ in range(5)]
    assert credits == [15, 15, 10, 0, 0]
    assert credited(learner, lesson) == 40


def test_a_lesson_without_a_known_length_credits_nothing(learner):
    lesson = LessonFactory(duration=0)
    tab = Tab(learner, lesson)
    tab.press_play()
    result = tab.beat(after=15)
    assert result.credited == 0 and not result.completed


def test_positions_past_the_end_are_clamped(learner):
    lesson = LessonFactory(duration=20)
    tab = Tab(learner, lesson)
    tab.press_play()
    result = tab.beat(after=15, position=18)
    result = tab.beat(after=15, position=99)  # a player rounding up at the end
    assert result.furthest == 20
    assert LessonProgress.objects.get(user=learner, lesson=lesson).last_position == 20


# --- completion ------------------------------------------------------------------------


def test_a_lesson_completes_at_95_percent_of_its_length(learner):
    lesson = LessonFactory(duration=100)
    tab = Tab(learner, lesson)
    tab.press_play()
    for _ in range(6):
        tab.beat(after=15)  # 90 s
    result = tab.beat(after=4)  # 94 s
    assert not result.completed
    assert LessonProgress.objects.get(user=learner, lesson=lesson).completed_at is None
    result = tab.beat(after=1)  # 95 s
    assert result.completed
    done = LessonProgress.objects.get(user=learner, lesson=lesson).completed_at
    assert done == tab.now
    tab.beat(after=5)
    assert LessonProgress.objects.get(user=learner, lesson=lesson).completed_at == done


def test_the_completion_share_is_a_setting(learner, settings):
    settings.LESSON_COMPLETION_SHARE = 0.5
    lesson = LessonFactory(duration=60)
    tab = Tab(learner, lesson)
    tab.press_play()
    assert not tab.beat(after=15).completed
    assert tab.beat(after=15).completed


# --- seeking ---------------------------------------------------------------------------


def test_a_forward_seek_past_the_furthest_point_is_refused(learner, lesson):
    tab = Tab(learner, lesson)
    tab.press_play()
    tab.beat(after=15)
    tab.beat(after=15)  # furthest 30
    result = tab.beat(after=15, position=400)
    assert result.accepted and result.seek_refused
    assert result.credited == 0 and result.furthest == 30
    row = LessonProgress.objects.get(user=learner, lesson=lesson)
    assert row.furthest_position == 30 and row.last_position == 30
    assert row.credited_seconds == 30
    # The interval after a refused jump does not count either, until play is pressed.
    assert tab.beat(after=15, position=45).credited == 0
    tab.press_play()
    assert tab.beat(after=15).credited == 15


def test_seeking_back_is_allowed_and_credits_the_time_watched(learner, lesson):
    tab = Tab(learner, lesson)
    tab.press_play()
    for _ in range(4):
        tab.beat(after=15)  # furthest 60
    result = tab.beat(after=15, position=25)  # went back to 10, watched 15 s
    assert not result.seek_refused and result.credited == 15
    assert result.furthest == 60
    row = LessonProgress.objects.get(user=learner, lesson=lesson)
    assert row.furthest_position == 60 and row.last_position == 25
    # … and forward again up to the furthest point, and past it as playback goes on.
    assert not tab.beat(after=15, position=62).seek_refused


def test_playback_up_to_twice_the_speed_is_not_a_seek(learner, lesson):
    tab = Tab(learner, lesson)
    tab.press_play()
    result = tab.beat(after=15, moved=30)
    assert not result.seek_refused
    assert result.credited == 15  # wall-clock time, not video time
    assert result.furthest == 30


def test_a_paused_view_cannot_creep_forward(learner, lesson):
    tab = Tab(learner, lesson)
    tab.press_play()
    tab.beat(after=15, playing=False)  # furthest 15, paused
    # Ten minutes later, still paused, the position is 200: no playback covered that.
    assert tab.beat(after=600, position=200, playing=False).seek_refused


# --- replays, duplicates, forgeries ----------------------------------------------------


def test_replayed_duplicated_and_out_of_order_beats_credit_nothing(learner, lesson):
    tab = Tab(learner, lesson)
    tab.press_play()
    tab.beat(after=15)
    tab.beat(after=15)
    assert credited(learner, lesson) == 30
    with CaptureQueriesContext(connection) as captured:
        replay = tab.beat(after=15, seq=3)  # the same seq again
    assert not replay.accepted and replay.credited == 0
    assert [q["sql"].split()[0] for q in captured.captured_queries] == ["SELECT"]
    assert not tab.beat(after=15, seq=2).accepted  # an older one
    assert not tab.beat(after=15, seq=1).accepted
    assert credited(learner, lesson) == 30
    # The next genuine beat is measured from the last *accepted* one (45 s ago: capped).
    assert tab.beat(after=0, seq=4, moved=45).credited == 30


@pytest.mark.parametrize("reason", ["unknown", "malformed", "other_user", "other_lesson"])
def test_forged_view_ids_are_refused(learner, lesson, reason):
    tab = Tab(learner, lesson)
    tab.press_play()
    view_id, lesson_id, user = tab.view.pk, lesson.pk, learner
    if reason == "unknown":
        view_id = uuid.uuid4()
    elif reason == "malformed":
        view_id = "1 OR 1=1"
    elif reason == "other_user":
        user = UserFactory()
    elif reason == "other_lesson":
        lesson_id = LessonFactory(course=lesson.course).pk
    with pytest.raises(progress.InvalidView) as info:
        progress.heartbeat_record(
            user=user,
            view_id=view_id,
            lesson_id=lesson_id,
            seq=2,
            position=15,
            playing=True,
            visible=True,
            now=T0 + datetime.timedelta(seconds=15),
        )
    assert "刷新页面" in info.value.message
    assert credited(learner, lesson) == 0


def test_an_expired_view_is_refused(learner, lesson, settings):
    settings.PLAYBACK_VIEW_MAX_AGE = 3600
    tab = Tab(learner, lesson)
    tab.press_play()
    assert tab.beat(after=15).credited == 15
    with pytest.raises(progress.InvalidView) as info:
        tab.beat(after=3600)
    assert info.value.reason == "expired"


def test_a_lesson_unpublished_meanwhile_stops_accruing(learner, lesson):
    tab = Tab(learner, lesson)
    tab.press_play()
    type(lesson).objects.filter(pk=lesson.pk).update(is_published=False)
    with pytest.raises(progress.InvalidView):
        tab.beat(after=15)


# --- one view accrues per learner ------------------------------------------------------


def test_pressing_play_in_a_second_tab_moves_accrual_there(learner, lesson):
    first = Tab(learner, lesson)
    second = Tab(learner, lesson)
    first.press_play()
    assert first.beat(after=15).credited == 15
    second.at(first.now).press_play(after=5)  # t = 20
    result = first.beat(after=10)  # t = 25: the first tab lost the lease at t = 20
    assert result.credited == 0 and result.paused_other_view
    assert second.beat(after=10).credited == 10  # t = 30
    assert credited(learner, lesson) == 25  # 0–15 in the first tab, 20–30 in the second


def test_two_tabs_playing_together_never_count_twice(learner, lesson):
    """Both tabs keep playing and beating (a modified player ignores the pause): over
    ten minutes the learner gains at most the ten minutes that passed."""
    first, second = Tab(learner, lesson), Tab(learner, lesson)
    first.press_play()
    second.press_play(after=1)
    first.now = second.now
    for _ in range(40):
        first.beat(after=7.5, position=(first.now - T0).total_seconds() + 7.5)
        second.now = first.now
        second.beat(after=7.5, position=(second.now - T0).total_seconds() + 7.5)
        first.now = second.now
    elapsed = (second.now - T0).total_seconds()
    assert credited(learner, lesson) <= elapsed
    # All of it went to the second tab (it pressed play last), minus its start beat.
    assert credited(learner, lesson) == pytest.approx(elapsed - 1, abs=15)


def test_two_tabs_on_different_lessons_never_count_twice(learner, lesson):
    other = LessonFactory(course=lesson.course, duration=600)
    first, second = Tab(learner, lesson), Tab(learner, other)
    first.press_play()
    second.press_play()
    for _ in range(10):
        first.beat(after=15)
        second.beat(after=15)
    total = credited(learner, lesson) + credited(learner, other)
    assert total == 150  # only the second tab, which pressed play last


def test_a_tab_that_did_not_press_play_cannot_take_a_live_lease(learner, lesson):
    holder, other = Tab(learner, lesson), Tab(learner, lesson)
    holder.press_play()
    other.beat(moved=0)  # playing, visible, but never pressed play (e.g. autoplay)
    for _ in range(3):
        holder.beat(after=15)
        result = other.at(holder.now).beat()
        assert result.paused_other_view and result.credited == 0
    assert credited(learner, lesson) == 45


def test_hiding_the_holder_frees_the_lease_for_the_other_tab(learner, lesson):
    holder, other = Tab(learner, lesson), Tab(learner, lesson)
    holder.press_play()
    other.beat()  # waiting, not accruing
    holder.beat(after=15, visible=False)  # holder hidden: credits 15, releases
    other.at(holder.now).beat()  # takes the free lease without pressing play
    assert other.beat(after=15).credited == 15
    assert credited(learner, lesson) == 30


def test_a_silent_holder_loses_the_lease_after_the_cap(learner, lesson):
    holder, other = Tab(learner, lesson), Tab(learner, lesson)
    holder.press_play()
    holder.beat(after=15)  # t = 15, then the holder's device goes to sleep
    waiting = other.at(holder.now + datetime.timedelta(seconds=20)).beat()
    assert waiting.paused_other_view  # 20 s of silence: still the holder's
    taken = other.beat(after=11)  # 31 s of silence: more than the 30 s cap
    assert not taken.paused_other_view and taken.credited == 0
    assert other.beat(after=15).credited == 15
    woke = holder.beat(after=60)
    assert woke.credited == 0 and woke.paused_other_view
    assert credited(learner, lesson) == 30


# --- “您还在学习吗?” -------------------------------------------------------------------


def test_idle_prompt_pauses_accrual_until_answered(learner, lesson, settings):
    settings.IDLE_PROMPT_MINUTES = 1
    tab = Tab(learner, lesson)
    tab.press_play()  # an interaction at t = 0
    for _ in range(4):
        result = tab.beat(after=15)
        assert result.credited == 15 and not result.idle_prompt  # up to t = 60
    result = tab.beat(after=15)  # t = 75: no interaction for more than a minute
    assert result.idle_prompt and result.credited == 0
    assert tab.beat(after=15).credited == 0  # still unanswered
    tab.press_play()  # “继续学习”: an interaction and play
    assert tab.beat(after=15).credited == 15
    # Moving the mouse now and then keeps it going.
    for _ in range(8):
        assert tab.beat(after=15, interacted=True).credited == 15


def test_idle_prompt_is_off_by_default(learner, lesson):
    tab = Tab(learner, lesson)
    tab.press_play()
    for _ in range(20):
        result = tab.beat(after=15)
        assert not result.idle_prompt and result.credited == 15


# --- study days ------------------------------------------------------------------------


def test_study_days_are_the_distinct_shanghai_days_with_credited_time(learner, lesson):
    late = datetime.datetime(2026, 3, 2, 23, 59, 40, tzinfo=SHANGHAI)  # 15:59 UTC
    tab = Tab(learner, lesson, at=late)
    tab.press_play()
    tab.beat(after=15)  # 23:59:55 on the 2nd
    tab.beat(after=15)  # 00:00:10 on the 3rd (still the 2nd in UTC)
    tab.beat(after=15, playing=False, moved=15)  # paused at 00:00:25
    # A later day with only uncredited beats is no study day.
    later = Tab(learner, lesson, at=late + datetime.timedelta(days=2))
    later.beat()
    later.beat(after=15, playing=False)
    days = dict(
        StudyDay.objects.filter(user=learner, course=lesson.course).values_list("day", "seconds")
    )
    assert days == {datetime.date(2026, 3, 2): 15, datetime.date(2026, 3, 3): 30}
    assert sum(days.values()) == credited(learner, lesson)


def test_study_days_are_per_course(learner, lesson):
    other = LessonFactory(course=CourseFactory(), duration=600)
    tab = Tab(learner, lesson)
    tab.press_play()
    tab.beat(after=15)
    elsewhere = Tab(learner, other, at=tab.now)
    elsewhere.press_play()
    elsewhere.beat(after=15)
    assert StudyDay.objects.filter(user=learner).count() == 2


# --- the hot path ----------------------------------------------------------------------


def _crediting_beat_queries(learner, lesson) -> list[str]:
    tab = Tab(learner, lesson)
    tab.press_play()
    tab.beat(after=15)  # the day's row exists from here on
    with CaptureQueriesContext(connection) as captured:
        assert tab.beat(after=15).credited == 15
    return [query["sql"] for query in captured.captured_queries]


def test_a_beat_reads_one_row_and_writes_rows_by_key(learner, lesson):
    statements = _crediting_beat_queries(learner, lesson)
    statements = [sql for sql in statements if not sql.startswith(("SAVEPOINT", "RELEASE"))]
    assert statements[0].startswith("SELECT") and "WHERE v.id = " in statements[0]
    writes = statements[1:]
    if connection.vendor == "postgresql":
        # The whole beat is one statement: two round trips in all, no BEGIN/COMMIT.
        assert len(writes) == 1 and writes[0].startswith("WITH s AS (SELECT set_config(")
        sql = writes[0]
    else:
        kinds = [" ".join(sql.split()[:3]) for sql in writes]
        assert kinds == [
            'UPDATE "learning_playbackview" SET',
            'UPDATE "learning_accruallease" SET',
            'UPDATE "learning_lessonprogress" SET',
            'INSERT INTO "learning_studyday"',
            'UPDATE "learning_enrollment" SET',  # the stored figures
        ], writes
        sql = " ".join(writes)
    # Compare-and-set on the seq that was read; counters move inside the database.
    if connection.vendor == "postgresql":
        # Prepared (ipms.core.db.prepared_cursor): the values travel apart from the text.
        assert "AND last_seq = $" in sql
        # The beat's commit does not wait for the WAL flush (ADR 0009).
        assert "set_config('synchronous_commit', 'off', true)" in sql
    else:
        assert "last_seq = 2" in sql
    assert "credited_seconds = MIN(credited_seconds +" in sql or (
        "credited_seconds = LEAST(credited_seconds +" in sql
    )
    assert "ON CONFLICT (user_id, course_id, day)" in sql
    # The enrolment's stored figures: by key, compare-and-set on the figures read.
    assert re.search(
        r"WHERE id = \S+ AND completed_lessons = \S+ AND study_days = \S+ AND credits = ", sql
    )
    assert re.search(r"credited_seconds = credited_seconds \+ \S+", sql)


def test_the_hot_path_does_not_grow_with_history(learner, lesson):
    few = _crediting_beat_queries(learner, lesson)
    # A long history: many lessons, views and study days for this and other learners.
    for day in range(30):
        for other in LessonFactory.create_batch(2, course=lesson.course, duration=60):
            tab = Tab(learner, other, at=T0 + datetime.timedelta(days=day + 1))
            tab.press_play()
            tab.beat(after=15)
    many = _crediting_beat_queries(learner, lesson)
    assert len(many) == len(few)


# --- housekeeping ----------------------------------------------------------------------


def test_old_views_are_purged_and_progress_stays(learner, lesson):
    tab = Tab(learner, lesson)
    tab.press_play()
    tab.beat(after=15)
    Tab(learner, lesson, at=T0 + datetime.timedelta(days=40))
    deleted = progress.playback_views_purge(before=T0 + datetime.timedelta(days=10))
    assert deleted == 1
    assert PlaybackView.objects.count() == 1
    assert credited(learner, lesson) == 15
    assert AccrualLease.objects.get(user=learner).view is None


def test_purge_command_keeps_recent_views(learner, lesson):
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    Tab(learner, lesson, at=timezone.now() - datetime.timedelta(days=31))
    Tab(learner, lesson, at=timezone.now())
    out = StringIO()
    call_command("purge_playback_views", stdout=out)
    assert "已删除 1 条播放记录" in out.getvalue()
    assert PlaybackView.objects.count() == 1
