"""`make bench`: heartbeat throughput against an authenticated no-op, on SQLite and PostgreSQL.

For each database it prepares a course, a lesson and K learners (sessions written
server-side: the login form's slider, lockout and Argon2 are not what is measured),
starts gunicorn on 127.0.0.1 with N workers, opens the lesson page once per learner (which
issues the playback view id and the CSRF token, as a browser would), and then drives, from
threads holding keep-alive connections, alternating rounds of

* POST /bench/noop/ — an authenticated no-op behind the same middleware and CSRF check
  (bench/urls.py; it exists only under bench.settings), and
* POST /courses/lessons/<id>/heartbeat/ — real heartbeats: every learner's video keeps
  playing, so each beat goes through the whole crediting path (view, lease, progress and
  study-day UPDATEs).

It prints requests per second and p50/p99 latency for both, and their ratio (issue 4's
goal: the heartbeat reaches at least half of the no-op's throughput).

SQLite always runs (a temporary file, WAL mode as in the embedded mode). PostgreSQL runs
when BENCH_DATABASE_URL is set and reachable (the database is created if it does not
exist; use a dedicated one: the bench adds and removes its own rows only, learners with
phones 1990000xxxx and the course “性能测试课程(bench)”). BENCH_REDIS_URL, if set, gives
the PostgreSQL run the production cache and sessions (Redis).

    python bench/heartbeat.py [--seconds 8] [--learners 50] [--workers 4] [--threads 8]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHONE_PREFIX = "1990000"
COURSE_TITLE = "性能测试课程(bench)"
LESSON_SECONDS = 10 * 3600  # long enough that no learner finishes during a run


# --- inside the Django process: prepare and clean up -----------------------------------


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _cleanup_rows() -> None:
    from ipms.accounts.models import User
    from ipms.learning.models import Course

    User.objects.filter(phone__startswith=PHONE_PREFIX).delete()
    Course.objects.filter(title=COURSE_TITLE).delete()


def prepare(learners: int) -> None:
    _django()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from ipms.accounts.middleware import session_mark_login
    from ipms.accounts.models import User
    from ipms.learning.models import Course, Lesson

    call_command("migrate", verbosity=0, interactive=False)
    _cleanup_rows()
    course = Course.objects.create(
        title=COURSE_TITLE, summary="性能测试", audience="性能测试", is_published=True
    )
    lesson = Lesson.objects.create(
        course=course, number=1, title="性能测试课时", duration=LESSON_SECONDS
    )
    sessions = []
    for index in range(learners):
        user = User.objects.create_user(phone=f"{PHONE_PREFIX}{index:04d}", name=f"学员{index}")
        # The database store: each worker's cache starts empty and reads it from there,
        # as after a deploy; config.settings' cached_db engine then caches it.
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session_mark_login(session)
        session.create()
        sessions.append(session.session_key)
    print(json.dumps({"course": course.pk, "lesson": lesson.pk, "sessions": sessions}))


def cleanup() -> None:
    _django()
    _cleanup_rows()


# --- the load generator ----------------------------------------------------------------


@dataclass
class Learner:
    session: str
    csrf_cookie: str = ""
    csrf_token: str = ""
    view: str = ""
    seq: int = 0
    started: float = 0.0

    def headers(self) -> dict:
        return {
            "Cookie": f"sessionid={self.session}; csrftoken={self.csrf_cookie}",
            "X-CSRFToken": self.csrf_token,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def beat(self) -> bytes:
        now = time.monotonic()
        if not self.seq:
            self.started = now
        self.seq += 1
        # The video plays on: the position follows the wall clock, as in a real player.
        position = min(now - self.started, LESSON_SECONDS)
        return json.dumps(
            {
                "view": self.view,
                "seq": self.seq,
                "position": round(position, 3),
                "playing": True,
                "visible": True,
                "interacted": self.seq == 1,
                "start": self.seq == 1,
            }
        ).encode()


@dataclass
class Phase:
    kind: str
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    credited: int = 0

    def merge(self, other: Phase) -> None:
        self.latencies += other.latencies
        self.seconds += other.seconds
        self.errors += other.errors
        self.credited += other.credited

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def open_lesson(port: int, learner: Learner, lesson_path: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", lesson_path, headers={"Cookie": f"sessionid={learner.session}"})
    response = connection.getresponse()
    html = response.read().decode()
    if response.status != 200:
        raise RuntimeError(f"lesson page answered {response.status}")
    cookies = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    learner.csrf_cookie = cookies["csrftoken"].value
    learner.view = re.search(r'data-view-id="([^"]+)"', html).group(1)
    learner.csrf_token = re.search(r'data-csrf-token="([^"]+)"', html).group(1)
    connection.close()


def drive(port: int, learners: list[Learner], kind: str, path: str, seconds: float, threads: int):
    """Closed loop: each thread sends its next request as soon as the last one returns."""
    phases = [Phase(kind) for _ in range(threads)]
    barrier = threading.Barrier(threads + 1)

    def worker(index: int) -> None:
        mine = learners[index::threads]
        phase = phases[index]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        barrier.wait()
        deadline = time.perf_counter() + seconds
        turn = 0
        while True:
            now = time.perf_counter()
            if now >= deadline:
                break
            learner = mine[turn % len(mine)]
            turn += 1
            body = learner.beat() if kind == "heartbeat" else b"{}"
            try:
                connection.request("POST", path, body=body, headers=learner.headers())
                response = connection.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException):
                phase.errors += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            elapsed = time.perf_counter() - now
            if response.status != 200:
                phase.errors += 1
                continue
            phase.latencies.append(elapsed)
            if kind == "heartbeat" and json.loads(payload).get("credited"):
                phase.credited += 1
        connection.close()

    workers = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in workers:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in workers:
        thread.join()
    total = Phase(kind)
    for phase in phases:
        total.merge(phase)
    total.seconds = time.perf_counter() - started
    return total


# --- orchestration ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(port: int, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/courses/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def environment(database_url: str, redis_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        IPMS_MODE="embedded",
        DJANGO_DEBUG="false",
        PYTHONPATH=str(ROOT),
    )
    return env


def postgres_ready(url: str) -> str | None:
    """None when usable (creating the database if needed), else why not."""
    try:
        import psycopg
        from psycopg import sql
    except ImportError:
        return "psycopg is not installed"
    from urllib.parse import urlparse

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    try:
        psycopg.connect(url, connect_timeout=3).close()
        return None
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            return str(error).strip().splitlines()[0]
    try:
        admin = parsed._replace(path="/postgres").geturl()
        with psycopg.connect(admin, connect_timeout=3, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return None
    except psycopg.Error as error:
        return f"cannot create database {name}: {str(error).strip().splitlines()[0]}"


def run_target(label: str, database_url: str, redis_url: str, args) -> dict:
    env = environment(database_url, redis_url)
    script = str(Path(__file__).resolve())
    prepared = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, script, "--prepare", "--learners", str(args.learners)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if prepared.returncode:
        raise RuntimeError(f"prepare failed:\n{prepared.stderr[-2000:]}")
    data = json.loads(prepared.stdout.strip().splitlines()[-1])
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own app server, fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            "1",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        wait_ready(port, server)
        lesson_path = f"/courses/{data['course']}/lessons/{data['lesson']}/"
        learners = [Learner(session=key) for key in data["sessions"]]
        for learner in learners:
            open_lesson(port, learner, lesson_path)
        threads = min(args.threads, len(learners))
        noop_path = "/bench/noop/"
        beat_path = f"/courses/lessons/{data['lesson']}/heartbeat/"
        # Warm-up: every worker loads sessions into its cache; every learner presses play.
        drive(port, learners, "noop", noop_path, 1.5, threads)
        drive(port, learners, "heartbeat", beat_path, 1.5, threads)
        noop, beat = Phase("noop"), Phase("heartbeat")
        half = args.seconds / 2
        for _ in range(2):  # alternate, so drift on a shared machine hits both alike
            noop.merge(drive(port, learners, "noop", noop_path, half, threads))
            beat.merge(drive(port, learners, "heartbeat", beat_path, half, threads))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        subprocess.run(  # noqa: S603 - our own script, fixed arguments
            [sys.executable, script, "--cleanup"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            timeout=120,
            check=False,
        )
    return {"label": label, "noop": noop, "heartbeat": beat}


def print_table(results: list[dict], args) -> None:
    print()
    print(
        f"heartbeat vs authenticated no-op — gunicorn gthread, {args.workers} workers, "
        f"{args.threads} keep-alive clients, {args.learners} learners, "
        f"{args.seconds:g} s per view, {os.cpu_count()} CPUs"
    )
    header = f"{'database':<22}{'view':<11}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
    print(header + f"{'errors':>8}")
    print("-" * (len(header) + 8))
    for result in results:
        for kind in ("noop", "heartbeat"):
            phase = result[kind]
            print(
                f"{result['label']:<22}{kind:<11}{len(phase.latencies):>9}{phase.rps:>9.0f}"
                f"{phase.percentile(0.5):>9.1f}{phase.percentile(0.99):>9.1f}{phase.errors:>8}"
            )
        ratio = result["heartbeat"].rps / result["noop"].rps if result["noop"].rps else 0
        verdict = "ok" if ratio >= 0.5 else "BELOW GOAL"
        credited = result["heartbeat"].credited
        print(
            f"{'':<22}ratio heartbeat/no-op {ratio:.2f} (goal >= 0.50: {verdict}); "
            f"{credited} beats credited time"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cleanup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 8)))
    parser.add_argument("--learners", type=int, default=int(os.environ.get("BENCH_LEARNERS", 50)))
    default_workers = int(os.environ.get("BENCH_WORKERS", 2 * (os.cpu_count() or 1)))
    parser.add_argument("--workers", type=int, default=default_workers)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", 8)))
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if args.prepare:
        prepare(args.learners)
        return 0
    if args.cleanup:
        cleanup()
        return 0

    results = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ipms-bench-") as tmp:
        if args.only in (None, "sqlite"):
            url = f"sqlite:///{tmp}/bench.sqlite3"
            print("SQLite (WAL, embedded mode) …", flush=True)
            results.append(run_target("SQLite", url, "", args))
    pg_url = os.environ.get("BENCH_DATABASE_URL", "")
    redis_url = os.environ.get("BENCH_REDIS_URL", "")
    if args.only in (None, "postgresql"):
        if not pg_url:
            print("PostgreSQL: skipped (set BENCH_DATABASE_URL)")
        elif problem := postgres_ready(pg_url):
            print(f"PostgreSQL: skipped ({problem})")
        else:
            label = "PostgreSQL+Redis" if redis_url else "PostgreSQL"
            print(f"{label} …", flush=True)
            results.append(run_target(label, pg_url, redis_url, args))
    print_table(results, args)
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
