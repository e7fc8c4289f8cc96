"""Settings for `make bench`: the platform's own settings plus what measuring needs.

* a no-op view to compare with (ROOT_URLCONF = bench.urls), so it never ships with the
  platform;
* ``bench.middleware.BenchTimingMiddleware`` first in the chain: server time, database
  time and query count of every request in response headers (and memory on request);
* limits that would refuse a load test's traffic raised out of the way (the per-learner
  heartbeat rate, the uploads per admin, the daily invitation and SMS budgets), so the
  cost of checking them is measured, not their refusals.

Everything else — middleware, sessions, CSRF, database options, cache — is exactly what
config.settings gives for the environment the bench sets (docs/performance.md).
"""

from config.settings import *  # noqa: F403 - this module extends the real settings

ROOT_URLCONF = "bench.urls"
BENCH_MODE = True
MIDDLEWARE = ["bench.middleware.BenchTimingMiddleware", *MIDDLEWARE]  # noqa: F405
LEARNING_HEARTBEAT_RATE = "100000000/m"
MEMBER_IMPORT_UPLOAD_RATE = "100000/h"
MEMBER_INVITE_DAILY_LIMIT = 10_000_000
SMS_DAILY_BUDGET = 10_000_000
SMS_DAILY_HARD_LIMIT = 0
# The console SMS backend logs every text at INFO: 5,000 import invitations would be
# 10,000 log lines measured as part of the confirm.
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
