"""Concurrent heartbeats on PostgreSQL: nothing is credited twice (ASVS 11.1.6).

Each thread uses its own database connection and really commits, so these tests need
``transaction=True`` and a server database. SQLite serialises every writer on one file
lock, so a race cannot even be staged there; they are skipped.
"""

from __future__ import annotations

import datetime

import pytest

from ipms.accounts.tests.factories import UserFactory
from ipms.core.testing import run_together, skip_unless_postgresql
from ipms.learning import progress
from ipms.learning.models import LessonProgress, PlaybackView, StudyDay
from ipms.learning.tests.factories import LessonFactory

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
THREADS = 8


@pytest.fixture(autouse=True)
def _postgresql_only():
    skip_unless_postgresql()


def beat(user, view, *, seq, at, position, start=False):
    return lambda: progress.heartbeat_record(
        user=user,
        view_id=view.pk,
        lesson_id=view.progress.lesson_id,
        seq=seq,
        position=position,
        playing=True,
        visible=True,
        start=start,
        now=at,
    )


def seconds(n: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=n)


def test_the_same_beat_posted_concurrently_is_credited_once():
    user, lesson = UserFactory(), LessonFactory(duration=600)
    view = progress.lesson_open(user=user, lesson=lesson, now=T0).view
    beat(user, view, seq=1, at=T0, position=0, start=True)()

    outcomes = run_together([beat(user, view, seq=2, at=seconds(15), position=15)] * THREADS)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    accepted = [o for o in outcomes if o.accepted]
    assert len(accepted) == 1, outcomes
    assert accepted[0].credited == 15
    row = LessonProgress.objects.get(user=user, lesson=lesson)
    assert row.credited_seconds == 15
    assert PlaybackView.objects.get(pk=view.pk).last_seq == 2
    assert StudyDay.objects.get(user=user).seconds == 15


def test_different_seqs_racing_credit_one_interval_once():
    """A replayed burst: beats 2..9 at the same moment. Each is newer than the last one
    read, but only one can move ``last_seq`` from the value it read."""
    user, lesson = UserFactory(), LessonFactory(duration=600)
    view = progress.lesson_open(user=user, lesson=lesson, now=T0).view
    beat(user, view, seq=1, at=T0, position=0, start=True)()

    calls = [beat(user, view, seq=2 + i, at=seconds(15), position=15) for i in range(THREADS)]
    outcomes = run_together(calls)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o.credited for o in outcomes) == 15
    assert LessonProgress.objects.get(user=user, lesson=lesson).credited_seconds == 15


def test_two_views_pressing_play_together_then_beating_together_accrue_once():
    user, lesson = UserFactory(), LessonFactory(duration=600)
    views = [progress.lesson_open(user=user, lesson=lesson, now=T0).view for _ in range(4)]

    run_together([beat(user, v, seq=1, at=T0, position=0, start=True) for v in views])
    for step in range(1, 5):
        at = seconds(15 * step)
        outcomes = run_together(
            [beat(user, v, seq=1 + step, at=at, position=15 * step) for v in views]
        )
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        assert sum(1 for o in outcomes if o.credited) == 1, outcomes
    # 60 seconds passed; four tabs played all along; 60 seconds are credited.
    assert LessonProgress.objects.get(user=user, lesson=lesson).credited_seconds == 60


def test_two_lessons_in_two_tabs_racing_accrue_once():
    user = UserFactory()
    first, second = LessonFactory(duration=600), LessonFactory(duration=600)
    views = [
        progress.lesson_open(user=user, lesson=first, now=T0).view,
        progress.lesson_open(user=user, lesson=second, now=T0).view,
    ]
    run_together([beat(user, v, seq=1, at=T0, position=0, start=True) for v in views])
    for step in range(1, 5):
        run_together(
            [beat(user, v, seq=1 + step, at=seconds(15 * step), position=15 * step) for v in views]
        )
    total = sum(LessonProgress.objects.filter(user=user).values_list("credited_seconds", flat=True))
    assert total == 60
