"""在线客服 delivery: many visitor sockets against the embedded server, each sending one
message a second; the latency is from sending a frame to receiving the message back
through the channel layer (stored first, then published to the owner's group, which is
the path a staff console and a visitor's other tabs are reached by).

The server is the embedded mode exactly: one daphne process, SQLite, the in-memory
channel layer (``ipms.support.testing.ChatSite``, a reused file under var/bench/chat/).
The chat rate limits are turned off for the run: 200 visitors from one address would
trip ``support_conversation_ip``, which is what it is for.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import sqlite3
import statistics
import time
import urllib.request
import uuid
from pathlib import Path

from ipms.support.testing import ChatSite


def _cookie(url: str) -> str:
    with urllib.request.urlopen(url + "/support/session/") as response:  # noqa: S310
        return response.headers["Set-Cookie"].split(";", 1)[0]


async def _visitor(server, cookie: str, seconds: float, latencies: list, counts: dict):
    import websockets

    sent: dict[str, float] = {}
    async with websockets.connect(
        server.ws_url + "/ws/support/",
        additional_headers={"Cookie": cookie},
        origin=server.url,
        open_timeout=30,
    ) as socket:

        async def reader():
            async for frame in socket:
                event = json.loads(frame)
                if event["type"] == "message" and event["message"]["sender"] == "visitor":
                    started = sent.pop(event["message"]["body"], None)
                    if started is not None:
                        latencies.append(time.perf_counter() - started)
                elif event["type"] == "error":
                    counts["errors"] += 1

        task = asyncio.create_task(reader())
        await asyncio.sleep(random.random())  # noqa: S311 - spread the clients over a second
        end = time.monotonic() + seconds
        number = 0
        while time.monotonic() < end:
            number += 1
            body = f"bench {id(sent)} {number}"
            sent[body] = time.perf_counter()
            # As the panel sends it: with a client id (the server's dedupe read included).
            frame = {"type": "send", "body": body, "nonce": str(number)}
            frame["client_id"] = str(uuid.uuid4())
            await socket.send(json.dumps(frame))
            counts["sent"] += 1
            await asyncio.sleep(1)
        # Let the last answers arrive.
        deadline = time.monotonic() + 10
        while sent and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        counts["lost"] += len(sent)
        task.cancel()


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stored(database: Path) -> int:
    """Visitor messages in the server's SQLite file (the file is reused between runs)."""
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT count(*) FROM support_message WHERE sender = 'visitor'"
        ).fetchone()[0]


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(*, clients: int, seconds: float, folder: Path) -> dict:
    site = ChatSite(
        folder,
        extra_env={
            "DATABASE_URL": f"sqlite:///{folder / 'chat.sqlite3'}",
            "REDIS_URL": "",
            "CHANNEL_REDIS_URL": "",
            "SUPPORT_MESSAGE_RATE": "",
            "SUPPORT_CONVERSATION_RATE": "",
        },
    )
    server = site.start()
    stored_before = _stored(folder / "chat.sqlite3")
    try:
        cookies = [_cookie(server.url) for _ in range(clients)]
        latencies: list[float] = []
        counts = {"sent": 0, "lost": 0, "errors": 0}

        async def run_all():
            await asyncio.gather(
                *(_visitor(server, cookie, seconds, latencies, counts) for cookie in cookies)
            )

        server_cpu, client_cpu = _process_cpu(server.process.pid), _own_cpu()
        started = time.monotonic()
        asyncio.run(run_all())
        elapsed = time.monotonic() - started
        server_cpu = _process_cpu(server.process.pid) - server_cpu
        # Let the server finish what it has queued (stopping it would drop those frames),
        # then count what it stored.
        drain_end = time.monotonic() + 15
        while (
            _stored(folder / "chat.sqlite3") - stored_before < counts["sent"]
            and time.monotonic() < drain_end
        ):
            time.sleep(0.5)
        drained = time.monotonic() - started - elapsed
        client_cpu = _own_cpu() - client_cpu
        load = os.getloadavg()[0]
    finally:
        site.stop()
    # Every message sent must be stored, however late its delivery ("lost" above counts
    # only those not back within 10 s of the end).
    stored = _stored(folder / "chat.sqlite3") - stored_before
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, math_ceil(p * len(ordered)) - 1)] * 1000

    return {
        "clients": clients,
        "seconds": seconds,
        "sent": counts["sent"],
        "delivered": len(ordered),
        "lost": counts["lost"],
        "stored": stored,
        "drained_s": drained,
        "errors": counts["errors"],
        "elapsed_s": elapsed,
        # Where the machine's time went: the daphne process and this bench client (both on
        # the same machine), in CPU seconds over the run, and the 1-minute load at its end.
        "server_cpu_s": server_cpu,
        "client_cpu_s": client_cpu,
        "load": load,
        "p50_ms": statistics.median(ordered) * 1000 if ordered else None,
        "p99_ms": pct(0.99) if ordered else None,
        "max_ms": ordered[-1] * 1000 if ordered else None,
    }


def math_ceil(value: float) -> int:
    whole = int(value)
    return whole if whole == value else whole + 1


GOAL_P99_MS = 1000


def render(result: dict) -> str:
    if "error" in result:
        return f"\n## 在线客服 delivery\n\nerror: {result['error']}\n"
    p50 = f"{result['p50_ms']:.0f}" if result["p50_ms"] is not None else "—"
    p99 = f"{result['p99_ms']:.0f}" if result["p99_ms"] is not None else "—"
    return (
        "\n## 在线客服 delivery (embedded server: daphne, SQLite, in-memory layer)\n\n"
        f"{result['clients']} visitor sockets, one message a second each for "
        f"{result['seconds']:.0f} s; latency = send → own message back through the layer.\n\n"
        "| sent | stored | delivered | not back in time | errors | p50 ms | p99 ms | max ms |\n"
        "|---|---|---|---|---|---|---|---|\n"
        f"| {result['sent']} | {result.get('stored', '—')} | {result['delivered']} "
        f"| {result['lost']} | {result['errors']} "
        f"| {p50} | {p99} {'✓' if (result['p99_ms'] or 1e9) < GOAL_P99_MS else '✗'} "
        f"| {result['max_ms']:.0f} |\n"
        f"\n{result.get('stored', '—')} of {result['sent']} stored, counted "
        f"{result.get('drained_s', 0):.0f} s after the run ended.\n"
        f"\nCPU over the {result['elapsed_s']:.0f} s run: server (daphne) "
        f"{result.get('server_cpu_s', 0):.1f} s, bench client "
        f"{result.get('client_cpu_s', 0):.1f} s; load average "
        f"{result.get('load', 0):.1f} on {os.cpu_count()} cores.\n"
        f"\nGoal: p99 under {GOAL_P99_MS} ms (the browser journey asks for 2 s end to end).\n"
    )
