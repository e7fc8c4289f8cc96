"""Chat servers for tests and the bench: real daphne processes on a database of their own.

pytest-django's ``live_server`` speaks WSGI only, and its in-memory SQLite cannot be
shared with another process. ``ChatSite`` prepares a SQLite file (migrated, with one
operator), then ``start()`` runs ``daphne config.asgi:application`` on it, as many times
as a test wants: several processes share the file (WAL) and, when ``REDIS_URL`` is set,
the Redis channel layer, which is how production runs.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPERATOR_PHONE = "13900000001"
OPERATOR_PASSWORD = "Console2026ops"  # noqa: S105 - the test servers' own operator
DAPHNE = (sys.executable, "-m", "daphne", "-b", "127.0.0.1")
# The ports this project's tests may use first (the machine is shared).
PORTS = range(int(os.environ.get("SUPPORT_TEST_PORT", "8161")), 8170)


def free_port() -> int:
    for port in [*PORTS, 0]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port")


def _ready(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class ChatServer:
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class ChatSite:
    """One database (and, with Redis, one channel-layer prefix) for several servers."""

    folder: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    servers: list[ChatServer] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tag = uuid.uuid4().hex[:8]
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST", "DJANGO_SETTINGS"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "IPMS_MODE": "embedded",
                "DATABASE_URL": f"sqlite:///{self.folder / 'chat.sqlite3'}",
                "MEDIA_ROOT": str(self.folder / "media"),
                "PRIVATE_MEDIA_ROOT": str(self.folder / "private"),
                "SMS_BACKEND": "ipms.core.sms.backends.filebased.SmsBackend",
                "SMS_FILE_PATH": str(self.folder / "sms"),
                "CACHE_KEY_PREFIX": f"chat-{tag}",
                "CHANNEL_PREFIX": f"chat-{tag}",
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        self.env = env
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage(
            "createoperator",
            "--phone",
            OPERATOR_PHONE,
            "--password",
            OPERATOR_PASSWORD,
            "--name",
            "小林",
        )

    def manage(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start(self, timeout: float = 120) -> ChatServer:
        port = free_port()
        log = open(self.folder / f"daphne-{port}.log", "w")  # noqa: SIM115 - kept for the process
        process = subprocess.Popen(  # noqa: S603 - daphne on our own application
            [*DAPHNE, "-p", str(port), "config.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = ChatServer(port, process)
        self.servers.append(server)
        deadline = time.monotonic() + timeout
        while not _ready(port):
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                output = (self.folder / f"daphne-{port}.log").read_text(errors="replace")
                raise RuntimeError(f"daphne did not start on {port}:\n{output[-3000:]}")
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)
        return server

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        self.servers.clear()
