"""Pages, one request at a time: server time (p50/p95) and query count per page.

Each page is requested by one client holding the session of the account that opens it
(the enterprise's learner or admin), sequentially so that requests do not queue behind
each other: the figures are the server's own time per request, read from the
``Server-Timing`` header of ``bench.middleware``, not the client clock. The no-op is
measured the same way first; every page's p50 is also given as a multiple of it.

A page gets one warm-up request, then ``samples`` measured ones, fewer when it is slow:
at least ``min_samples``, and no more once ``budget`` seconds have gone into it.
"""

from __future__ import annotations

import time

from bench.harness import Client, Samples


def _measure(client: Client, method: str, path: str, *, samples, min_samples, budget, **kw):
    result = Samples()
    warm = _send(client, method, path, **kw)
    if warm.status != 200:
        result.errors.append(f"{warm.status} {path}")
        return result
    started = time.monotonic()
    while len(result.server_ms) < samples:
        if len(result.server_ms) >= min_samples and time.monotonic() - started > budget:
            break
        answer = _send(client, method, path, **kw)
        if answer.status != 200:
            result.errors.append(f"{answer.status} {path}")
            break
        result.add(answer)
    return result


def _send(client: Client, method: str, path: str, **kw):
    if method == "POST":
        return client.request("POST", path, body=b"{}", headers=kw["headers"])
    return client.get(path)


def measure(port: int, prepared: dict, *, samples: int, min_samples: int, budget: float) -> dict:
    clients: dict[str, Client] = {}

    def client_for(session: str) -> Client:
        if session not in clients:
            clients[session] = Client(port, session)
        return clients[session]

    try:
        noop_client = client_for(prepared["noop_session"])
        noop_client.get("/courses/")  # the CSRF cookie
        token = noop_client.cookies.get("csrftoken", "")
        headers = {"X-CSRFToken": token, "Content-Type": "application/json"}
        noop = _measure(
            noop_client,
            "POST",
            "/bench/noop/",
            samples=max(samples, 50),
            min_samples=min_samples,
            budget=budget,
            headers=headers,
        ).summary()
        rows = []
        for page in prepared["pages"]:
            summary = _measure(
                client_for(page["session"]),
                "GET",
                page["path"],
                samples=samples,
                min_samples=min_samples,
                budget=budget,
            ).summary()
            summary.update({k: page[k] for k in ("enterprise", "page", "path", "kind")})
            summary["ratio"] = summary["p50_ms"] / noop["p50_ms"] if noop["p50_ms"] else None
            rows.append(summary)
    finally:
        for client in clients.values():
            client.close()
    return {"noop": noop, "pages": rows}
