"""导出Excel pressed many times at the same moment on PostgreSQL: one export is started,
and every press is shown that one (the partial unique index decides; issue 10 point 5).
SQLite serialises every writer, so the race cannot be staged there; skipped."""

from __future__ import annotations

from unittest import mock

import pytest

from ipms.accounts.tests.factories import UserFactory
from ipms.core.testing import run_together, skip_unless_postgresql
from ipms.enterprises.tests.factories import enterprise_with_admin
from ipms.learning import exports
from ipms.learning.models import ReportExport
from ipms.learning.tests.factories import CourseFactory, LessonFactory

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


@pytest.fixture(autouse=True)
def _postgresql_only():
    skip_unless_postgresql()


def test_presses_at_the_same_moment_start_one_export():
    admin = UserFactory()
    enterprise, _ = enterprise_with_admin(admin)
    course = CourseFactory()
    LessonFactory(course=course)

    def press():
        export, started = exports.report_export_request(
            enterprise=enterprise, course=course, search="", by=admin
        )
        return export.pk, started

    with mock.patch.object(exports, "_queue") as queue:
        outcomes = run_together([press] * THREADS)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len({pk for pk, _ in outcomes}) == 1
    assert sum(started for _, started in outcomes) == 1
    assert ReportExport.objects.count() == 1
    assert queue.call_count == 1
