"""Shared pieces of `make bench`: the environment, gunicorn, an HTTP client, statistics.

Nothing here imports Django: the orchestrator drives several databases one after the
other, each through subprocesses (``python -m bench.data …``, gunicorn) that get their
own environment.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
TIMING_RE = re.compile(r"(\w+);dur=([0-9.]+)")


# --- environment and databases -----------------------------------------------------------


def environment(database_url: str, redis_url: str = "") -> dict:
    """The environment of every process of one target: bench settings, embedded mode."""
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


def django_step(env: dict, *args: str, timeout: float = 3600, echo: bool = False) -> dict:
    """Run ``python -m bench.data <args>`` for one target; returns its JSON answer.

    ``echo`` passes the step's progress lines (stderr) through, for the long seed.
    """
    result = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "bench.data", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=None if echo else subprocess.PIPE,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"bench.data {' '.join(args)} failed:\n{(result.stderr or '')[-3000:]}")
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


# --- gunicorn --------------------------------------------------------------------------


def stop(process: subprocess.Popen | None, *, timeout: float) -> None:
    """End a process started in a session of its own, with its children: SIGTERM, then
    SIGKILL after ``timeout`` seconds."""
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn (gthread, one thread per worker) on 127.0.0.1 for one target."""

    def __init__(self, env: dict, *, workers: int, port: int = 0) -> None:
        self.env = env
        self.workers = workers
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(  # noqa: S603 - our own app server, fixed arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "gthread",
                "--threads",
                "1",
                "--keep-alive",
                "30",
                # The 100,000-row export takes tens of seconds inside one request.
                "--timeout",
                "600",
                "--log-level",
                "warning",
            ],
            env=self.env,
            cwd=ROOT,
            start_new_session=True,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited during start-up")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/courses/")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time")

    def __exit__(self, *exc) -> None:
        stop(self.process, timeout=15)
        self.process = None


class Worker:
    """A Celery worker (one process, ``--pool solo``) for a target whose environment
    queues tasks (``CELERY_TASK_ALWAYS_EAGER=false``, Redis as the broker), as production
    runs them. The queue is purged first: nothing of an earlier run is left to run."""

    READY = "ready."

    def __init__(self, env: dict, log: Path) -> None:
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    def _celery(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "celery", "-A", "config", *args]

    def __enter__(self) -> Worker:
        subprocess.run(  # noqa: S603 - our own app, fixed arguments
            self._celery("purge", "-f"), env=self.env, cwd=ROOT, capture_output=True, check=True
        )
        with self.log.open("w") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own app, fixed arguments
                self._celery(
                    "worker",
                    "--pool",
                    "solo",
                    "--loglevel",
                    "info",
                    "--without-gossip",
                    "--without-mingle",
                    "--hostname",
                    f"bench-{uuid.uuid4().hex[:8]}@%h",
                ),
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while self.READY not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"celery worker did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.2)
        return self

    def memory_kb(self) -> dict:
        """The worker's resident size now and its peak so far (/proc, Linux)."""
        fields = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0])
        return {"rss": fields["VmRSS"], "peak": fields["VmHWM"]}

    def __exit__(self, *exc) -> None:
        stop(self.process, timeout=30)
        self.process = None


# --- an HTTP client with a session ------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes
    headers: http.client.HTTPMessage
    client_ms: float

    @property
    def server_ms(self) -> float:
        return self.timing("app")

    @property
    def db_ms(self) -> float:
        return self.timing("db")

    def timing(self, name: str) -> float:
        for key, value in TIMING_RE.findall(self.headers.get("Server-Timing", "")):
            if key == name:
                return float(value)
        return float("nan")

    @property
    def queries(self) -> int:
        return int(self.headers.get("X-Bench-Queries", "-1"))

    def header_int(self, name: str) -> int:
        return int(self.headers.get(name, "0"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """One keep-alive connection holding one signed-in session (gunicorn serves a
    keep-alive connection from one worker, so cache-held state such as an import
    preview stays visible to the requests that follow)."""

    def __init__(self, port: int, session_key: str = "", *, timeout: float = 600) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies = {"sessionid": session_key} if session_key else {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def close(self) -> None:
        self.connection.close()

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None
    ) -> Answer:
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items() if v)}
        sent.update(headers or {})
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.connection.request(method, path, body=body, headers=sent)
                response = self.connection.getresponse()
                payload = response.read()
                break
            except (OSError, http.client.HTTPException):
                # The server closes a keep-alive connection idle for 30 s (while other
                # pages were measured): reconnect once, to the same or another worker.
                self.connection.close()
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=self.timeout
                )
                if attempt == 2:
                    raise
        elapsed = (time.perf_counter() - started) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return Answer(response.status, payload, response.headers, elapsed)

    def get(self, path: str, **headers) -> Answer:
        return self.request("GET", path, headers=headers)

    def csrf_token(self, html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if match:
            return match.group(1)
        return self.cookies.get("csrftoken", "")

    def post_form(self, path: str, fields: dict, *, token: str) -> Answer:
        body = "&".join(
            f"{k}={v}" for k, v in {"csrfmiddlewaretoken": token, **fields}.items()
        ).encode()
        return self.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": token},
        )

    def post_file(self, path: str, *, field_name: str, filename: str, content: bytes, token: str):
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{token}\r\n".encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; '
            f'filename="{filename}"\r\nContent-Type: application/vnd.openxmlformats-'
            "officedocument.spreadsheetml.sheet\r\n\r\n".encode(),
            content,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
        return self.request(
            "POST",
            path,
            body=b"".join(parts),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "X-CSRFToken": token,
            },
        )


# --- statistics --------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` 0.95 → p95); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


@dataclass
class Samples:
    """Repeated measurements of one request."""

    server_ms: list[float] = field(default_factory=list)
    client_ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, answer: Answer) -> None:
        self.server_ms.append(answer.server_ms)
        self.client_ms.append(answer.client_ms)
        self.db_ms.append(answer.db_ms)
        self.queries.append(answer.queries)

    def summary(self) -> dict:
        queries = sorted(set(self.queries))
        return {
            "n": len(self.server_ms),
            "p50_ms": percentile(self.server_ms, 0.5),
            "p95_ms": percentile(self.server_ms, 0.95),
            "db_p50_ms": percentile(self.db_ms, 0.5),
            "client_p50_ms": percentile(self.client_ms, 0.5),
            "queries": queries[0] if len(queries) == 1 else queries,
            "errors": self.errors[:3],
        }
