"""The two heavy requests: the 学习管理 export and the 5,000-row 批量导入.

They run on a server of their own with ONE fresh worker, so that

* the export's memory is the growth of that worker's peak resident size during the
  request (``X-Bench-Peak-Kb`` minus ``X-Bench-Rss-Kb``, see ``bench.middleware``),
  not hidden under a peak some earlier page left behind;
* the import's preview, held in the cache between upload and 确认导入, is seen by the
  request that confirms it even with the embedded mode's per-process cache.

Export: one warm-up request of the 学习管理 page, then 导出Excel as the admin does it —
the POST that starts the job (in the embedded mode the task runs inside it), the status
page polled until 已完成, and the download (the whole course's rows for the export
enterprise: 100,000 at full size); measured from enqueue to done. Import: the 批量导入
form, the upload of the bench's 5,000-row file (parsing and checking every row), the
preview page, 确认导入 (the invitations; their SMS are queued as chunked tasks) and the
result.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from bench.harness import Answer, Client

EXPORT_PATH = "/courses/report/export/"
# How often the bench asks for the export's progress while a worker makes it.
POLL_SECONDS = 0.25


def _memory(answer: Answer) -> dict:
    rss = answer.header_int("X-Bench-Rss-Kb")
    before = answer.header_int("X-Bench-Peak-Before-Kb")
    after = answer.header_int("X-Bench-Peak-Kb")
    raised = after > before
    return {
        "rss_before_mb": rss / 1024,
        "peak_mb": after / 1024,
        # Exact when the request raised the worker's peak; else an upper bound.
        "growth_mb": (after - rss) / 1024 if raised else (before - rss) / 1024,
        "growth_exact": raised,
    }


def export(port: int, prepared: dict, *, timeout: float = 600, worker=None) -> dict:
    """导出Excel as the admin does it: press it, watch the progress, download the file.

    ``server_s`` is enqueue→done: from sending the POST until the status page first says
    已完成 (in the embedded mode the task runs inside that POST, so it is about the POST's
    time; with a worker it includes the queue and the polling). The memory is the growth
    of the process that ran the task: the POST's gunicorn worker when it runs inline,
    else the Celery ``worker`` (``bench.harness.Worker``) from before the POST to done.
    """
    info = prepared["export"]
    course = parse_qs(urlsplit(info["path"]).query).get("course", [""])[0]
    client = Client(port, info["session"])
    polls = 0
    try:
        warm = client.get(info["warm"])
        if warm.status != 200:
            return {"error": f"学习管理 answered {warm.status}"}
        token = client.csrf_token(warm.text)
        before = worker.memory_kb() if worker else None
        started = time.perf_counter()
        start = client.request(
            "POST",
            EXPORT_PATH,
            body=urlencode({"csrfmiddlewaretoken": token, "course": course}).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": token,
                "X-Bench-Memory": "1",
            },
        )
        location = start.headers.get("Location", "")
        if start.status != 302 or "/exports/" not in location:
            return {"error": f"export answered {start.status}"}
        status = client.get(location)
        while _export_status(status) not in ("done", "failed"):
            if time.perf_counter() - started > timeout:
                return {"error": f"export not done after {timeout:.0f} s"}
            polls += 1
            time.sleep(POLL_SECONDS)
            status = client.get(location, **{"HX-Request": "true"})
        done_s = time.perf_counter() - started
        after = worker.memory_kb() if worker else None
        if _export_status(status) != "done":
            return {"error": "export failed"}
        link = re.search(r'href="([^"]+/download/)"', status.text)
        if link is None:
            return {"error": "no download link"}
        answer = client.get(link.group(1))
    finally:
        client.close()
    if answer.status != 200 or not answer.body.startswith(b"PK"):
        return {"error": f"download answered {answer.status}"}
    return {
        "rows": info["rows"],
        "server_s": done_s,
        "request_s": start.server_ms / 1000,
        "db_s": start.db_ms / 1000,
        "queries": start.queries,
        "polls": polls,
        "download_s": answer.server_ms / 1000,
        "bytes": len(answer.body),
        **(_memory(start) if worker is None else _worker_memory(before, after)),
    }


def _worker_memory(before: dict, after: dict) -> dict:
    raised = after["peak"] > before["peak"]
    return {
        "rss_before_mb": before["rss"] / 1024,
        "peak_mb": after["peak"] / 1024,
        "growth_mb": (after["peak"] - before["rss"]) / 1024
        if raised
        else (before["peak"] - before["rss"]) / 1024,
        "growth_exact": raised,
    }


def _export_status(answer: Answer) -> str:
    found = re.search(r'data-status="(\w+)"', answer.text)
    return found.group(1) if found else f"answered {answer.status}"


def member_import(port: int, prepared: dict) -> dict:
    info = prepared["import"]
    client = Client(port, info["session"])
    content = Path(info["file"]).read_bytes()
    try:
        form = client.get("/enterprise/members/import/")
        if form.status != 200:
            return {"error": f"批量导入 answered {form.status}"}
        upload = client.post_file(
            "/enterprise/members/import/",
            field_name="file",
            filename="成员导入.xlsx",
            content=content,
            token=client.csrf_token(form.text),
        )
        location = upload.headers.get("Location", "")
        if upload.status != 302 or "/import/" not in location:
            return {"error": f"upload answered {upload.status} {_message(upload)}"}
        preview = client.get(location)
        ok = re.search(r"确认导入 (\d+) 条", preview.text)
        if preview.status != 200 or not ok:
            return {"error": f"preview answered {preview.status}"}
        confirm = client.post_form(location, {}, token=client.csrf_token(preview.text))
        if confirm.status != 302:
            return {"error": f"confirm answered {confirm.status}"}
        result = client.get(confirm.headers.get("Location", ""))
        invited = re.search(r"已添加 (\d+) 位成员", result.text)
    finally:
        client.close()
    return {
        "rows": info["rows"],
        "file_kb": len(content) / 1024,
        "upload_s": upload.server_ms / 1000,
        "upload_queries": upload.queries,
        "preview_s": preview.server_ms / 1000,
        "confirm_s": confirm.server_ms / 1000,
        "confirm_db_s": confirm.db_ms / 1000,
        "confirm_queries": confirm.queries,
        "ok_rows": int(ok.group(1)),
        "invited": int(invited.group(1)) if invited else None,
    }


def _message(answer: Answer) -> str:
    found = re.search(r'class="invalid-feedback[^"]*"[^>]*>([^<]+)<', answer.text)
    return found.group(1).strip() if found else ""
