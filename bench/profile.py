"""Where one request's time goes: ``python -m bench.profile`` (docs/performance.md).

In one process, with ``bench.settings`` and the target's ``DATABASE_URL`` / ``REDIS_URL``
(the same environment ``make bench`` gives gunicorn), it sends real heartbeats and
authenticated no-ops through Django's WSGI handler — the whole middleware chain, the
session, the user, the CSRF check — and times every piece:

* each middleware's own share (a probe between every two middleware: the share of one is
  its time minus the time of everything inside it);
* session load and save, the user load (``auth.get_user``, the user query and the session
  hash check), the CSRF check, the heartbeat's rate-limit hit, its JSON parsing, the
  progress module's load and write, transaction commits;
* every SQL statement (count and time, by its first words) and every cache call (count
  and time: Redis round trips when REDIS_URL is set).

The figures are means per request over ``--requests`` requests of each kind, after a
warm-up. They are measured with the probes in place, so the totals are a little above
what gunicorn sees; compare the shares, not the milliseconds, with ``make bench``.

    DATABASE_URL=postgres://…/ipms_scale_x REDIS_URL=redis://…/4 python -m bench.profile
    python -m bench.profile --database-url sqlite:///var/bench/scale-5000.sqlite3

It adds one bench learner and course (removed at the end, as ``make bench`` does).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import json
import os
import pstats
import re
import sys
import time
from contextlib import contextmanager

from bench.harness import ROOT, environment

Totals = collections.defaultdict


class Recorder:
    """Accumulated seconds and counts per label, for the request kind being measured."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = collections.defaultdict(float)
        self.counts: dict[str, int] = collections.defaultdict(int)
        self.enabled = False

    def add(self, label: str, seconds: float) -> None:
        if self.enabled:
            self.seconds[label] += seconds
            self.counts[label] += 1

    def reset(self) -> None:
        self.seconds.clear()
        self.counts.clear()


RECORD = Recorder()
_PROBE_STARTS: list[float] = []


def timed(label: str, function):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            RECORD.add(label, time.perf_counter() - started)

    wrapper.__wrapped__ = function
    return wrapper


def patch(owner, name: str, label: str) -> None:
    setattr(owner, name, timed(label, getattr(owner, name)))


# --- probes between middleware -------------------------------------------------------------


def _probe(index: int):
    class Probe:
        def __init__(self, get_response):
            self.get_response = get_response

        def __call__(self, request):
            started = time.perf_counter()
            try:
                return self.get_response(request)
            finally:
                RECORD.add(f"probe:{index}", time.perf_counter() - started)

    Probe.__name__ = f"Probe{index}"
    return Probe


def __getattr__(name: str):  # bench.profile.Probe3 for the MIDDLEWARE setting
    match = re.fullmatch(r"Probe(\d+)", name)
    if match:
        return _probe(int(match.group(1)))
    raise AttributeError(name)


def _instrument(settings) -> list[str]:
    """Probes around every middleware; timers on the pieces; returns the middleware."""
    middleware = list(settings.MIDDLEWARE)
    chain = []
    for index, path in enumerate(middleware):
        chain += [f"bench.profile.Probe{index}", path]
    chain.append(f"bench.profile.Probe{len(middleware)}")
    settings.MIDDLEWARE = chain

    from django.contrib import auth
    from django.contrib.auth import backends
    from django.contrib.sessions.backends import cached_db, db
    from django.middleware.csrf import CsrfViewMiddleware

    from ipms.core import ratelimit
    from ipms.learning import progress, views

    patch(cached_db.SessionStore, "load", "session load")
    patch(cached_db.SessionStore, "save", "session save")
    patch(db.SessionStore, "save", "session save: database")
    patch(auth, "get_user", "auth.get_user (user load, session hash)")
    patch(backends.ModelBackend, "get_user", "ModelBackend.get_user (the user query)")
    patch(CsrfViewMiddleware, "process_view", "CSRF check")
    patch(ratelimit, "hit", "rate limit: heartbeat_user")
    patch(views, "_parse_beat", "JSON parse of the beat")
    patch(views, "_json", "JSON answer")
    patch(progress, "heartbeat_record", "progress.heartbeat_record (figures' write path)")
    patch(progress, "_load", "progress: load (1 query)")
    patch(progress, "_write", "progress: write (transaction)")
    patch(views, "heartbeat", "heartbeat view")
    return middleware


@contextmanager
def _measure_sql_and_cache():
    from django.core.cache import caches
    from django.db import connection

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            words = " ".join(sql.split()[:3])
            if words.startswith("SELECT"):
                table = re.search(r'FROM\s+"?([\w]+)"?', sql)
                words = f"read of {table.group(1) if table else '?'}"
            elif words.startswith("WITH"):
                words = "WITH v AS (UPDATE playbackview …) (the beat's write)"
            RECORD.add(f"sql: {words}", time.perf_counter() - started)

    cache = caches["default"]
    originals = {}
    for name in ("get", "set", "add", "incr", "delete", "get_many", "touch"):
        originals[name] = getattr(cache, name)
        setattr(cache, name, timed(f"cache.{name}", originals[name]))
    commit = connection.commit
    connection.commit = timed("transaction commit", commit)
    try:
        with connection.execute_wrapper(wrapper):
            yield
    finally:
        for name, original in originals.items():
            setattr(cache, name, original)
        connection.commit = commit


# --- requests ------------------------------------------------------------------------------


def _request(handler, method: str, path: str, *, cookies: str, body: bytes = b"", **headers):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        "HTTP_COOKIE": cookies,
        "HTTP_ACCEPT": "application/json",
    }
    environ.update({f"HTTP_{key.upper()}": value for key, value in headers.items()})
    status = []
    chunks = handler(environ, lambda s, h, exc_info=None: status.append((s, h)))
    content = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    headers = {}
    for name, value in status[0][1]:  # a page may set several cookies: keep them all
        headers[name] = f"{headers[name]}\n{value}" if name in headers else value
    return int(status[0][0].split()[0]), headers, content


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--requests", type=int, default=400, help="of each kind")
    parser.add_argument("--learners", type=int, default=8)
    parser.add_argument("--cprofile", type=int, default=0, help="print the top N functions")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url or DATABASE_URL")
    os.environ.update(environment(args.database_url, args.redis_url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    middleware = _instrument(settings)
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    from bench import data
    from bench.data import THROUGHPUT_LESSON_SECONDS

    handler = get_wsgi_application()
    sessions: list[str] = []
    prepared = data._throughput(args.learners, sessions)
    try:
        learners = []
        for key in prepared["sessions"]:
            status, headers, html = _request(
                handler,
                "GET",
                f"/courses/{prepared['course']}/lessons/{prepared['lesson']}/",
                cookies=f"sessionid={key}",
            )
            if status != 200:
                raise RuntimeError(f"lesson page answered {status}")
            text = html.decode()
            learners.append(
                {
                    "session": key,
                    "csrf_cookie": re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1),
                    "csrf": re.search(r'data-csrf-token="([^"]+)"', text).group(1),
                    "view": re.search(r'data-view-id="([^"]+)"', text).group(1),
                    "seq": 0,
                    "started": time.monotonic(),
                }
            )
        beat_path = f"/courses/lessons/{prepared['lesson']}/heartbeat/"

        def send(kind: str, learner: dict) -> int:
            cookies = f"sessionid={learner['session']}; csrftoken={learner['csrf_cookie']}"
            if kind == "noop":
                body, path = b"{}", "/bench/noop/"
            else:
                learner["seq"] += 1
                position = min(time.monotonic() - learner["started"], THROUGHPUT_LESSON_SECONDS)
                body = json.dumps(
                    {
                        "view": learner["view"],
                        "seq": learner["seq"],
                        "position": round(position, 3),
                        "playing": True,
                        "visible": True,
                        "interacted": learner["seq"] == 1,
                        "start": learner["seq"] == 1,
                    }
                ).encode()
                path = beat_path
            status, _, _ = _request(
                handler, "POST", path, cookies=cookies, body=body, X_CSRFTOKEN=learner["csrf"]
            )
            if status != 200:
                raise RuntimeError(f"{kind} answered {status}")
            return status

        reports = {}
        with _measure_sql_and_cache():
            for kind in ("noop", "heartbeat"):
                for index in range(40):  # warm-up: caches, connections, code paths
                    send(kind, learners[index % len(learners)])
                RECORD.reset()
                RECORD.enabled = True
                profiler = cProfile.Profile() if args.cprofile else None
                started = time.perf_counter()
                if profiler:
                    profiler.enable()
                for index in range(args.requests):
                    send(kind, learners[index % len(learners)])
                if profiler:
                    profiler.disable()
                wall = time.perf_counter() - started
                RECORD.enabled = False
                reports[kind] = (wall, dict(RECORD.seconds), dict(RECORD.counts), profiler)
        print(_report(reports, middleware, args, connection.vendor))
    finally:
        data._throughput_cleanup()
        from django.contrib.sessions.models import Session

        Session.objects.filter(session_key__in=sessions).delete()
    return 0


def _report(reports: dict, middleware: list[str], args, vendor: str) -> str:
    n = args.requests
    lines = [
        f"# One request, {vendor}{' + Redis' if args.redis_url else ''}: "
        f"mean ms per request over {n} (probes in place)",
        "",
    ]
    for kind, (wall, seconds, counts, profiler) in reports.items():
        lines += [f"## {kind}: {wall / n * 1000:.3f} ms per request (wall, in process)", ""]
        lines += ["| piece | ms / request | calls / request |", "|---|---:|---:|"]
        probes = [seconds.get(f"probe:{i}", 0.0) for i in range(len(middleware) + 1)]
        lines.append(f"| WSGI handler outside the chain | {(wall - probes[0]) / n * 1000:.3f} | |")
        for index, path in enumerate(middleware):
            own = probes[index] - probes[index + 1]
            lines.append(f"| middleware {path.rsplit('.', 1)[-1]} (own) | {own / n * 1000:.3f} | |")
        lines.append(
            f"| inside the chain: URL, process_view (CSRF), view | {probes[-1] / n * 1000:.3f} | |"
        )
        for label in sorted(k for k in seconds if not k.startswith("probe:")):
            lines.append(f"| {label} | {seconds[label] / n * 1000:.3f} | {counts[label] / n:.2f} |")
        lines.append("")
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.cprofile)
            lines += ["```", out.getvalue().strip()[-6000:], "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    # The probes are imported by name (bench.profile.ProbeN): run that module, not __main__,
    # so that they and main() share one recorder.
    from bench import profile

    sys.exit(profile.main())
