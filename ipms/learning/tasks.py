"""Background work of the learning app.

* ``report_export_task``: the 学习管理 export (``exports``).
* ``figures_recompute_task``: recomputes a course's stored figures (ipms.learning.figures)
  after the operator changed its credit rules or published/unpublished one of its
  lessons. Inline in the embedded mode (``CELERY_TASK_ALWAYS_EAGER``).

Both are safe to run twice (``acks_late``: a worker lost mid-task gets it again): the
export is idempotent (``exports.report_export_run``), the recompute derives every figure
from the records.
"""

from __future__ import annotations

import logging

from celery import shared_task

from ipms.learning import exports

logger = logging.getLogger("ipms.learning.tasks")


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def report_export_task(export_id: int) -> str:
    """Make one 导出Excel file; safe to run twice (``exports.report_export_run``)."""
    return exports.report_export_run(export_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def figures_recompute_task(*, course_id: int) -> int:
    from ipms.learning.figures import figures_recompute
    from ipms.learning.models import Course

    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        return 0
    count = figures_recompute(course=course)
    logger.info("learning figures recomputed: course=%s enrollments=%s", course_id, count)
    return count
