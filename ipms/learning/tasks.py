"""Background work of the learning app: the 学习管理 export (``exports``)."""

from __future__ import annotations

from celery import shared_task

from ipms.learning import exports


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def report_export_task(export_id: int) -> str:
    """Make one 导出Excel file; safe to run twice (``exports.report_export_run``)."""
    return exports.report_export_run(export_id)
