"""`make bench`: the performance record (docs/performance.md explains every figure).

For each database — SQLite always (a reused file under var/bench/, a smaller data set),
PostgreSQL when BENCH_DATABASE_URL answers (a dedicated database, created if missing,
the full data set) — one run:

1. makes sure the scale data set is there (``seed_scale``; the first run only);
2. prepares sessions, the bench's own heartbeat learners and import enterprise;
3. starts gunicorn (gthread, ``--workers``) and measures, on that one server, the
   authenticated no-op against the heartbeat (throughput), then each page one request at
   a time (server time p50/p95, queries, multiple of the no-op) for the 5,000- and the
   50,000-member enterprise;
4. starts a one-worker server for the export (time, memory) and the 5,000-row import
   (upload, preview, confirm);
5. removes what it added.

Once per run, without a database: the time of one learning proof (signature, PNG and
PDF; bench/credentials.py), the part ``proofs``; and in a throw-away SQLite database the
body console's 导出 of 10,000 applications (bench/reviews.py), the part ``reviews``.

It prints one table and writes it to var/bench/results-<time>.md, var/bench/latest.md and
var/bench/latest.json (all figures, raw). No figure is asserted: the goals of issue 10
are printed beside them.

    python -m bench [--only sqlite|postgresql] [--sqlite-learners 5000] [--seconds 8] …
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import chat, heartbeat, heavy, pages
from bench.harness import ROOT, Server, Worker, django_step, environment, postgres_ready

RESULTS = ROOT / "var" / "bench"
GOAL_PAGE_P95_MS = 150
GOAL_EXPORT_S = 15
GOAL_EXPORT_MB = 150
GOAL_IMPORT_CONFIRM_S = 1.5
GOAL_HEARTBEAT_RATIO = 0.5
GOAL_PROOF_MS = 300
GOAL_REVIEW_EXPORT_S = 10.0


PARTS = ("heartbeat", "pages", "heavy", "proofs", "reviews", "chat")
DATABASE_PARTS = {"heartbeat", "pages", "heavy"}


def run_proofs(proofs: int) -> dict:
    """bench.credentials in its own process (the default settings, no database)."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "bench.credentials", "--proofs", str(proofs)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode:
        return {"error": (result.stderr or "")[-500:]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_reviews(applications: int) -> dict:
    """bench.reviews in its own process (its own throw-away SQLite database)."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "bench.reviews", "--applications", str(applications)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode:
        return {"error": (result.stderr or "")[-500:]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def _review_lines(reviews: dict | None) -> list[str]:
    lines = ["", "## 机构后台 导出 (认证审核 list to .xlsx, one process, SQLite)", ""]
    if not reviews:
        return []
    if "error" in reviews:
        return [*lines, f"error: {reviews['error']}", ""]
    ok = reviews["all_s"] < GOAL_REVIEW_EXPORT_S
    return [
        *lines,
        f"{reviews['applications']:,} applications of one body; median of 3 runs of the "
        f"export job's writer. Goal: well under {GOAL_REVIEW_EXPORT_S:.0f} s.",
        "",
        "| list | rows | s | CPU s | file KB |",
        "|---|---:|---:|---:|---:|",
        f"| all states | {reviews['all_rows']:,} | {reviews['all_s']:.2f} {_verdict(ok)} "
        f"| {reviews['all_cpu_s']:.2f} | {reviews['all_kb']:.0f} |",
        f"| 待审核 only | {reviews['state_rows']:,} | {reviews['state_s']:.2f} | | |",
        "",
    ]


def _proof_lines(proofs: dict | None) -> list[str]:
    if not proofs:
        return []
    lines = ["", "## 学习证明 generation (signature + PNG + PDF, one process, no database)", ""]
    if "error" in proofs:
        return [*lines, f"error: {proofs['error']}"]
    total = proofs["total_ms"]
    lines += [
        f"{proofs['proofs']} proofs after a first one (font loading: "
        f"{proofs['first']['total_ms']:.0f} ms). Goal: < {GOAL_PROOF_MS} ms per proof.",
        "",
        "| part | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|",
    ]
    for key, label in (("sign_ms", "snapshot + VC-JWT"), ("png_ms", "PNG"), ("pdf_ms", "PDF")):
        row = proofs[key]
        lines.append(f"| {label} | {_ms(row['p50'])} | {_ms(row['p95'])} | {_ms(row['max'])} |")
    lines.append(
        f"| **total** | {_ms(total['p50'])} {_verdict(total['p50'] < GOAL_PROOF_MS)} "
        f"| {_ms(total['p95'])} | {_ms(total['max'])} |"
    )
    cpu = proofs["cpu_ms"]
    lines.append(
        f"| CPU time of the total | {_ms(cpu['p50'])} {_verdict(cpu['p50'] < GOAL_PROOF_MS)} "
        f"| {_ms(cpu['p95'])} | {_ms(cpu['max'])} |"
    )
    lines += [
        "",
        f"PNG {proofs['png_kb']['p50']:.0f} KB, PDF {proofs['pdf_kb']['p50']:.0f} KB. Wall "
        "time includes waiting for a CPU on a loaded machine (see the load average above); "
        "CPU time is the proof's own cost.",
    ]
    return lines


def _parts(text: str) -> tuple[str, ...]:
    parts = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(set(parts) - set(PARTS))
    if unknown or not parts:
        raise argparse.ArgumentTypeError(f"choose among {', '.join(PARTS)}")
    return parts


def run_target(label: str, env: dict, learners: int, args) -> dict:
    started = time.monotonic()
    print(f"\n{label}: 数据集 …", flush=True)
    ensured = django_step(env, "ensure", "--learners", str(learners), echo=True)
    result = {
        "label": label,
        "summary": ensured["summary"],
        "seeded_seconds": ensured["seeded_seconds"],
    }
    parts = args.parts
    with tempfile.TemporaryDirectory(prefix="ipms-bench-") as tmp:
        state = Path(tmp) / "state.json"
        try:
            prepared = django_step(
                env,
                "prepare",
                "--state",
                str(state),
                "--throughput-learners",
                str(args.learners),
                "--import-rows",
                str(args.import_rows if "heavy" in parts else 0),
            )
            if args.pages:
                prepared["pages"] = [
                    page
                    for page in prepared["pages"]
                    if any(word in page["page"] for word in args.pages)
                ]
            if "heartbeat" in parts or "pages" in parts:
                with Server(env, workers=args.workers, port=args.port) as server:
                    if "heartbeat" in parts:
                        print(f"{label}: 心跳与空请求 …", flush=True)
                        result["throughput"] = heartbeat.measure(
                            server.port,
                            prepared["throughput"],
                            seconds=args.seconds,
                            threads=args.threads,
                        )
                    django_step(env, "drop-throughput")
                    if "pages" in parts:
                        print(f"{label}: 页面 …", flush=True)
                        result["pages"] = pages.measure(
                            server.port,
                            prepared,
                            samples=args.samples,
                            min_samples=args.min_samples,
                            budget=args.page_budget,
                        )
            if "heavy" in parts:
                with Server(env, workers=1, port=args.port and args.port + 1) as server:
                    print(f"{label}: 导出与批量导入 …", flush=True)
                    result["export"] = heavy.export(server.port, prepared)
                    result["import"] = heavy.member_import(server.port, prepared)
                if env.get("REDIS_URL") and args.worker:
                    # Again as production runs them: the tasks queued in Redis and run
                    # by a Celery worker, the SMS leaving the confirm's request.
                    print(f"{label}: 导出与批量导入（Celery worker）…", flush=True)
                    queued = {**env, "CELERY_TASK_ALWAYS_EAGER": "false"}
                    again = django_step(env, "heavy-again", "--state", str(state))
                    prepared = {**prepared, "import": again["import"]}
                    with (
                        Worker(queued, Path(tmp) / "worker.log") as worker,
                        Server(queued, workers=1, port=args.port and args.port + 2) as server,
                    ):
                        result["export_worker"] = heavy.export(server.port, prepared, worker=worker)
                        result["import_worker"] = heavy.member_import(server.port, prepared)
        finally:
            django_step(env, "cleanup", "--state", str(state))
    result["seconds"] = time.monotonic() - started
    return result


# --- the table --------------------------------------------------------------------------


def _ms(value) -> str:
    return (
        "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.1f}"
    )


def _verdict(ok: bool) -> str:
    return "ok" if ok else "**over**"


def render(
    results: list[dict],
    args,
    *,
    when: datetime.datetime,
    skipped: list[str],
    proofs: dict | None = None,
) -> str:
    lines = [
        f"# make bench — {when:%Y-%m-%d %H:%M} UTC",
        "",
        f"{os.cpu_count()} CPUs (load average at start {args.load}), Python "
        f"{platform.python_version()}, gunicorn gthread: {args.workers} workers for the "
        f"pages and the heartbeat, 1 fresh worker for export and import. Server times "
        f"come from the `Server-Timing` header (bench.middleware); see docs/performance.md.",
        "",
    ]
    lines += [f"- {note}" for note in skipped]
    for result in results:
        facts = result["summary"]
        lines.append(
            f"- **{result['label']}** data set: {facts['users']:,} accounts, "
            f"{facts['enterprises']:,} enterprises, {facts['progress_rows']:,} lesson-progress "
            f"rows, {facts['study_days']:,} study days; enterprises of "
            f"{facts['large']['members']:,} and {facts['medium']['members']:,} members"
            + (
                f", export enterprise of {facts['export']['members']:,}"
                if facts.get("export")
                else ""
            )
            + (
                f" (seeded in this run: {result['seeded_seconds']:.0f} s)"
                if result["seeded_seconds"]
                else ""
            )
            + f"; run {result['seconds']:.0f} s."
        )
    measured = [r for r in results if "throughput" in r]
    if measured:
        lines += _throughput_lines(measured, args)
    lines += _page_lines([r for r in results if "pages" in r])
    heavy_results = [r for r in results if "export" in r]
    if heavy_results:
        lines += _heavy_lines(heavy_results)
    lines += _proof_lines(proofs)
    return "\n".join(lines) + "\n"


def _throughput_lines(results: list[dict], args) -> list[str]:
    lines = [
        "",
        "## Heartbeat vs authenticated no-op (throughput, same server)",
        "",
        f"{args.threads} keep-alive clients in a closed loop, {args.learners} learners, "
        f"{args.seconds:g} s per kind in alternating halves.",
        "",
        "| database | no-op req/s | heartbeat req/s | ratio (goal ≥ 0.50) | no-op p50 ms "
        "| heartbeat p50 ms | beats credited | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        t = result["throughput"]
        noop, beat = t["noop"], t["heartbeat"]
        lines.append(
            f"| {result['label']} | {noop['rps']:.0f} | {beat['rps']:.0f} | {t['ratio']:.2f} "
            f"{_verdict(t['ratio'] >= GOAL_HEARTBEAT_RATIO)} | {_ms(noop['client_p50_ms'])} "
            f"| {_ms(beat['client_p50_ms'])} | {beat['credited']} "
            f"| {noop['errors'] + beat['errors']} |"
        )
    return lines


def _page_lines(results: list[dict]) -> list[str]:
    lines = []
    for result in results:
        p = result["pages"]
        noop = p["noop"]
        lines += [
            "",
            f"## Pages — {result['label']} (server time per request, one at a time)",
            "",
            f"No-op: p50 {_ms(noop['p50_ms'])} ms, p95 {_ms(noop['p95_ms'])} ms, "
            f"{noop['queries']} queries (n={noop['n']}). Goal: p95 < {GOAL_PAGE_P95_MS} ms.",
            "",
            "| enterprise | page | n | p50 ms | p95 ms | × no-op | queries | db p50 ms "
            "| p95 goal |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for row in p["pages"]:
            if row["errors"] and not row["n"]:
                lines.append(
                    f"| {row['enterprise']} | {row['page']} | 0 | — | — | — | — | — "
                    f"| error: {row['errors'][0]} |"
                )
                continue
            ratio = f"{row['ratio']:.1f}" if row["ratio"] else "—"
            lines.append(
                f"| {row['enterprise']} | {row['page']} | {row['n']} | {_ms(row['p50_ms'])} "
                f"| {_ms(row['p95_ms'])} | {ratio} | {row['queries']} | {_ms(row['db_p50_ms'])} "
                f"| {_verdict(row['p95_ms'] < GOAL_PAGE_P95_MS)} |"
            )
    return lines


def _heavy_lines(results: list[dict]) -> list[str]:
    lines = [
        "",
        "## 学习管理 export and 批量导入 (one request each, server time)",
        "",
        f"Goals: export of 100,000 rows < {GOAL_EXPORT_S} s and < {GOAL_EXPORT_MB} MB; "
        f"import confirm of 5,000 rows < {GOAL_IMPORT_CONFIRM_S} s.",
        "*eager*: the embedded mode (Celery eager), the export's task inside its POST and "
        "确认导入's invitation SMS tasks inside the confirm. *worker*: as production runs "
        "them, queued in Redis for a Celery worker (export s then includes the queue and "
        "the polling, memory is the worker's; the confirm only queues the SMS).",
        "",
        "| database | tasks | export rows | export s | queries | memory MB | file KB "
        "| import rows | upload s | preview s | confirm s | confirm queries "
        "| invited |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = []
    for result in results:
        rows.append((result["label"], "eager", result["export"], result["import"]))
        if "export_worker" in result:
            rows.append(
                (result["label"], "worker", result["export_worker"], result["import_worker"])
            )
    for label, mode, e, i in rows:
        if "error" in e:
            export_cells = f"error: {e['error']} | | | | |"
        else:
            memory = f"{e['growth_mb']:.0f}" + ("" if e["growth_exact"] else " (≤)")
            export_cells = (
                f"{e['rows']:,} | {e['server_s']:.1f} {_verdict(e['server_s'] < GOAL_EXPORT_S)} "
                f"| {e['queries']} | {memory} {_verdict(e['growth_mb'] < GOAL_EXPORT_MB)} "
                f"| {e['bytes'] / 1024:.0f} |"
            )
        if "error" in i:
            import_cells = f"error: {i['error']} | | | | | |"
        else:
            confirm_ok = i["confirm_s"] < GOAL_IMPORT_CONFIRM_S
            import_cells = (
                f"{i['rows']:,} | {i['upload_s']:.2f} | {i['preview_s']:.2f} "
                f"| {i['confirm_s']:.2f} {_verdict(confirm_ok)} (db {i['confirm_db_s']:.2f}) "
                f"| {i['confirm_queries']} "
                f"| {i['invited']} |"
            )
        lines.append(f"| {label} | {mode} | {export_cells} {import_cells}")
    return lines


def write(
    text: str, results: list[dict], when: datetime.datetime, out: Path, proofs: dict | None = None
) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    stamped = out / f"results-{when:%Y%m%d-%H%M%S}.md"
    stamped.write_text(text, encoding="utf-8")
    (out / "latest.md").write_text(text, encoding="utf-8")
    (out / "latest.json").write_text(
        json.dumps(
            {"when": when.isoformat(), "results": results, "proofs": proofs},
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return stamped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env_int = lambda name, default: int(os.environ.get(name, default))  # noqa: E731
    parser.add_argument("--only", choices=["sqlite", "postgresql", "chat"])
    parser.add_argument("--chat-clients", type=int, default=env_int("BENCH_CHAT_CLIENTS", 200))
    parser.add_argument(
        "--chat-seconds", type=float, default=float(os.environ.get("BENCH_CHAT_SECONDS", 30))
    )
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 8)))
    parser.add_argument("--learners", type=int, default=env_int("BENCH_LEARNERS", 50))
    parser.add_argument(
        "--workers", type=int, default=env_int("BENCH_WORKERS", 2 * (os.cpu_count() or 1))
    )
    parser.add_argument("--threads", type=int, default=env_int("BENCH_THREADS", 8))
    parser.add_argument("--samples", type=int, default=env_int("BENCH_SAMPLES", 15))
    parser.add_argument("--min-samples", type=int, default=3)
    parser.add_argument(
        "--page-budget", type=float, default=10.0, help="seconds per page, past min-samples"
    )
    parser.add_argument(
        "--no-worker",
        dest="worker",
        action="store_false",
        help="with Redis, skip the export and import run by a Celery worker",
    )
    parser.add_argument("--import-rows", type=int, default=env_int("BENCH_IMPORT_ROWS", 5000))
    parser.add_argument(
        "--sqlite-learners", type=int, default=env_int("BENCH_SQLITE_LEARNERS", 5000)
    )
    parser.add_argument("--pg-learners", type=int, default=env_int("BENCH_PG_LEARNERS", 100_000))
    parser.add_argument(
        "--sqlite-path",
        type=Path,
        default=None,
        help="the reused SQLite file (default var/bench/scale-<learners>.sqlite3)",
    )
    parser.add_argument("--proofs", type=int, default=env_int("BENCH_PROOFS", 20))
    parser.add_argument(
        "--review-applications", type=int, default=env_int("BENCH_REVIEW_APPLICATIONS", 10_000)
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--pages",
        type=lambda text: [word for word in text.split(",") if word],
        default=[],
        help="only the pages whose label holds one of these comma-separated words "
        "(e.g. 成员管理,学习管理); with --parts pages, a quick before/after of one list",
    )
    parser.add_argument(
        "--parts",
        type=_parts,
        default=PARTS,
        help="what to measure, comma-separated: heartbeat (with the no-op), pages, heavy "
        "(export and import), proofs (学习证明 generation), reviews (机构后台 导出 of "
        "10,000 applications), chat (在线客服 delivery); "
        "default all",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=env_int("BENCH_PORT", 0),
        help="gunicorn's port (the export/import server takes the next one); default free",
    )
    args = parser.parse_args(argv)
    args.load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    when = datetime.datetime.now(tz=datetime.UTC)
    started = time.monotonic()
    results, skipped = [], []
    databases = bool(DATABASE_PARTS & set(args.parts))
    if databases and args.only in (None, "sqlite"):
        path = args.sqlite_path or RESULTS / f"scale-{args.sqlite_learners}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        env = environment(f"sqlite:///{path}")
        results.append(run_target("SQLite", env, args.sqlite_learners, args))
    if databases and args.only in (None, "postgresql"):
        pg_url = os.environ.get("BENCH_DATABASE_URL", "")
        redis_url = os.environ.get("BENCH_REDIS_URL", "")
        if not pg_url:
            skipped.append("PostgreSQL: skipped (set BENCH_DATABASE_URL)")
        elif problem := postgres_ready(pg_url):
            skipped.append(f"PostgreSQL: skipped ({problem})")
        else:
            label = "PostgreSQL+Redis" if redis_url else "PostgreSQL"
            env = environment(pg_url, redis_url)
            results.append(run_target(label, env, args.pg_learners, args))
    proofs = None
    if "proofs" in args.parts:
        print("\n学习证明: 生成 …", flush=True)
        proofs = run_proofs(args.proofs)
    text = render(results, args, when=when, skipped=skipped, proofs=proofs)
    if "reviews" in args.parts and args.only is None:
        print("\n机构后台: 导出 …", flush=True)
        reviews = run_reviews(args.review_applications)
        results.append({"label": "reviews", "reviews": reviews})
        text += "\n".join(_review_lines(reviews))
    if "chat" in args.parts and args.only in (None, "chat"):
        # 在线客服 delivery on the embedded server (bench/chat.py).
        print("\n在线客服: 投递延迟 …", flush=True)
        try:
            chat_result = chat.measure(
                clients=args.chat_clients, seconds=args.chat_seconds, folder=RESULTS / "chat"
            )
        except Exception as exc:  # reported in the table like the other phases' errors
            chat_result = {"error": str(exc)[:300]}
        results.append({"label": "chat", "chat": chat_result})
        text += chat.render(chat_result)
    stamped = write(text, results, when, args.out, proofs)
    print("\n" + text)
    shown = stamped.relative_to(ROOT) if stamped.is_relative_to(ROOT) else stamped
    print(f"(total {time.monotonic() - started:.0f} s; written to {shown})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
