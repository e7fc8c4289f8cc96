"""The two heavy requests: the 学习管理 export and the 5,000-row 批量导入.

They run on a server of their own with ONE fresh worker, so that

* the export's memory is the growth of that worker's peak resident size during the
  request (``X-Bench-Peak-Kb`` minus ``X-Bench-Rss-Kb``, see ``bench.middleware``),
  not hidden under a peak some earlier page left behind;
* the import's preview, held in the cache between upload and 确认导入, is seen by the
  request that confirms it even with the embedded mode's per-process cache.

Export: one warm-up request of the 学习管理 page, then one GET of the export (the whole
course's rows for the export enterprise: 100,000 at full size). Import: the 批量导入
form, the upload of the bench's 5,000-row file (parsing and checking every row), the
preview page, 确认导入 (the invitations and their SMS, in the request) and the result.
"""

from __future__ import annotations

import re
from pathlib import Path

from bench.harness import Answer, Client


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


def export(port: int, prepared: dict) -> dict:
    info = prepared["export"]
    client = Client(port, info["session"])
    try:
        warm = client.get(info["warm"])
        if warm.status != 200:
            return {"error": f"学习管理 answered {warm.status}"}
        answer = client.get(info["path"], **{"X-Bench-Memory": "1"})
    finally:
        client.close()
    if answer.status != 200 or not answer.body.startswith(b"PK"):
        return {"error": f"export answered {answer.status}"}
    return {
        "rows": info["rows"],
        "server_s": answer.server_ms / 1000,
        "db_s": answer.db_ms / 1000,
        "client_s": answer.client_ms / 1000,
        "queries": answer.queries,
        "bytes": len(answer.body),
        **_memory(answer),
    }


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
        "confirm_queries": confirm.queries,
        "ok_rows": int(ok.group(1)),
        "invited": int(invited.group(1)) if invited else None,
    }


def _message(answer: Answer) -> str:
    found = re.search(r'class="invalid-feedback[^"]*"[^>]*>([^<]+)<', answer.text)
    return found.group(1).strip() if found else ""
