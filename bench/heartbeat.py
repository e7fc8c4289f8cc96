"""Throughput: real heartbeats against an authenticated no-op, on the same server.

``bench.data prepare`` gives K learners of the bench's own and a course with one long
lesson. Each learner opens the lesson page once (which issues the playback view id and
the CSRF token, as a browser would); then threads holding keep-alive connections drive,
in a closed loop, alternating rounds of

* POST /bench/noop/ — an authenticated no-op behind the same middleware and CSRF check
  (bench/urls.py; it exists only under bench.settings), and
* POST /courses/lessons/<id>/heartbeat/ — real heartbeats: every learner's video keeps
  playing, so each beat goes through the whole crediting path (view, lease, progress and
  study-day writes).

Requests per second of both and their ratio are the figure (goal: the heartbeat reaches
at least half of the no-op's throughput).
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from bench.data import THROUGHPUT_LESSON_SECONDS
from bench.harness import percentile


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
        position = min(now - self.started, THROUGHPUT_LESSON_SECONDS)
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
    server_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    credited: int = 0

    def merge(self, other: Phase) -> None:
        self.latencies += other.latencies
        self.server_ms += other.server_ms
        self.seconds += other.seconds
        self.errors += other.errors
        self.credited += other.credited

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        return {
            "requests": len(self.latencies),
            "rps": self.rps,
            "client_p50_ms": percentile(self.latencies, 0.5) * 1000,
            "client_p99_ms": percentile(self.latencies, 0.99) * 1000,
            "server_p50_ms": percentile(self.server_ms, 0.5),
            "errors": self.errors,
            "credited": self.credited,
        }


_SERVER_TIME = re.compile(r"app;dur=([0-9.]+)")


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
            timing = _SERVER_TIME.search(response.headers.get("Server-Timing", ""))
            if timing:
                phase.server_ms.append(float(timing.group(1)))
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


def measure(port: int, prepared: dict, *, seconds: float, threads: int) -> dict:
    """No-op and heartbeat throughput, alternating so drift on a shared machine hits both."""
    course, lesson = prepared["course"], prepared["lesson"]
    learners = [Learner(session=key) for key in prepared["sessions"]]
    for learner in learners:
        open_lesson(port, learner, f"/courses/{course}/lessons/{lesson}/")
    threads = min(threads, len(learners))
    noop_path = "/bench/noop/"
    beat_path = f"/courses/lessons/{lesson}/heartbeat/"
    # Warm-up: every worker loads sessions into its cache; every learner presses play.
    drive(port, learners, "noop", noop_path, 1.5, threads)
    drive(port, learners, "heartbeat", beat_path, 1.5, threads)
    noop, beat = Phase("noop"), Phase("heartbeat")
    half = seconds / 2
    for _ in range(2):
        noop.merge(drive(port, learners, "noop", noop_path, half, threads))
        beat.merge(drive(port, learners, "heartbeat", beat_path, half, threads))
    ratio = beat.rps / noop.rps if noop.rps else 0.0
    return {
        "noop": noop.summary(),
        "heartbeat": beat.summary(),
        "ratio": ratio,
        "threads": threads,
        "learners": len(learners),
    }
