"""Per-request measurements for `make bench`, reported in response headers.

Only ``bench.settings`` installs this middleware (first, so that it wraps every other
middleware, the session save included); the platform never ships it. Each response says

* ``Server-Timing: app;dur=<ms>, db;dur=<ms>`` — the wall time the server spent on the
  request (from entering the first middleware to leaving it) and the part of it spent in
  database calls (``connection.execute_wrapper``);
* ``X-Bench-Queries: <n>`` — the number of SQL statements the request ran;
* with the request header ``X-Bench-Memory: 1`` also ``X-Bench-Rss-Kb`` (the worker's
  resident size before the request), ``X-Bench-Peak-Before-Kb`` and ``X-Bench-Peak-Kb``
  (its peak resident size before and after, ``getrusage``): when the request raised the
  peak, ``Peak-Kb - Rss-Kb`` is how much memory it needed at most.

A streamed body (``FileResponse``) is produced before this middleware returns for the
export (the workbook is built in a temporary file first), so its time is included.
"""

from __future__ import annotations

import os
import resource
import time

from django.db import connection

_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _rss_kb() -> int:
    with open("/proc/self/statm", "rb") as handle:
        return int(handle.read().split()[1]) * _PAGE_KB


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux


class BenchTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        memory = request.headers.get("X-Bench-Memory") == "1"
        if memory:
            rss, peak_before = _rss_kb(), _peak_kb()
        count = 0
        db_seconds = 0.0

        def measured(execute, sql, params, many, context):
            nonlocal count, db_seconds
            count += 1
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                db_seconds += time.perf_counter() - started

        started = time.perf_counter()
        with connection.execute_wrapper(measured):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        response["Server-Timing"] = f"app;dur={elapsed * 1000:.2f}, db;dur={db_seconds * 1000:.2f}"
        response["X-Bench-Queries"] = str(count)
        if memory:
            response["X-Bench-Rss-Kb"] = str(rss)
            response["X-Bench-Peak-Before-Kb"] = str(peak_before)
            response["X-Bench-Peak-Kb"] = str(_peak_kb())
        return response
