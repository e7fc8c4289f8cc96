"""Settings for `make bench`: the platform's own settings plus a no-op view to compare with.

The no-op URL lives only here (ROOT_URLCONF = bench.urls), so it never ships with the
platform. Everything else — middleware, sessions, CSRF, database options — is exactly
what config.settings gives for the environment the bench sets.
"""

from config.settings import *  # noqa: F403 - this module extends the real settings

ROOT_URLCONF = "bench.urls"
BENCH_MODE = True
# Measure the limiter's cost, not its refusals: every simulated learner beats constantly.
LEARNING_HEARTBEAT_RATE = "100000000/m"
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
