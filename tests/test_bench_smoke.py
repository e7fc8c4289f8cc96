"""`make bench` end to end at a tiny size: seed, gunicorn, every phase, the results files.

About a minute: a 300-learner SQLite data set, one gunicorn worker, two samples per
page, a 40-row import. No figure is asserted (timings depend on the machine), only that
every measurement was made and reported.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.bench


def _python_m(args: list[str], *, env: dict, timeout: int) -> subprocess.CompletedProcess:
    """``python -m <args>`` in the project's root, its output captured."""
    return subprocess.run(  # noqa: S603 - our own modules, fixed arguments
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_bench_runs_end_to_end_at_a_tiny_size(tmp_path):
    out = tmp_path / "results"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    result = _python_m(
        [
            "bench",
            "--only",
            "sqlite",
            "--sqlite-learners",
            "300",
            "--sqlite-path",
            str(tmp_path / "bench.sqlite3"),
            "--seconds",
            "1",
            "--learners",
            "4",
            "--threads",
            "2",
            "--workers",
            "1",
            "--samples",
            "2",
            "--min-samples",
            "1",
            "--import-rows",
            "40",
            "--out",
            str(out),
        ],
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    (sqlite,) = data["results"]
    assert sqlite["label"] == "SQLite"
    throughput = sqlite["throughput"]
    assert throughput["noop"]["requests"] > 0
    assert throughput["heartbeat"]["requests"] > 0
    assert throughput["heartbeat"]["credited"] > 0  # real beats that earned time
    assert throughput["noop"]["errors"] == throughput["heartbeat"]["errors"] == 0
    pages = sqlite["pages"]["pages"]
    assert len(pages) == 24  # 12 pages for each of the two enterprises
    for page in pages:
        assert page["n"] >= 1 and not page["errors"], page
        assert page["p50_ms"] > 0
        assert page["queries"]  # the header came back
    assert sqlite["pages"]["noop"]["n"] > 0
    export = sqlite["export"]
    assert "error" not in export, export
    assert export["rows"] == sqlite["summary"]["export"]["members"]
    assert export["bytes"] > 0 and export["server_s"] > 0
    imported = sqlite["import"]
    assert "error" not in imported, imported
    assert imported["ok_rows"] == imported["invited"] == 40
    table = (out / "latest.md").read_text(encoding="utf-8")
    assert "Heartbeat vs authenticated no-op" in table
    assert "学习管理 搜索手机" in table
    assert list(out.glob("results-*.md"))
    # The bench removed the rows it added; the seeded data is still there. The import
    # admin stays: the append-only audit log records the imports it ran.
    with sqlite3.connect(tmp_path / "bench.sqlite3") as db:
        count = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        assert count("SELECT phone FROM accounts_user WHERE phone LIKE '199%'") == "19920000001"
        assert count("SELECT count(*) FROM accounts_user WHERE phone LIKE '199%'") == 1
        assert count("SELECT count(*) FROM learning_course WHERE title LIKE '性能测试%'") == 0
        assert count("SELECT count(*) FROM enterprises_enterprise WHERE name LIKE '性能测试%'") == 0
        assert count("SELECT count(*) FROM django_session") == 0
        users = count("SELECT count(*) FROM accounts_user WHERE phone NOT LIKE '199%'")
        assert users == sqlite["summary"]["users"]
    # bench.profile (docs/performance.md, "Heartbeat") on the same data set.
    profiled = _python_m(
        [
            "bench.profile",
            "--database-url",
            f"sqlite:///{tmp_path / 'bench.sqlite3'}",
            "--requests",
            "20",
            "--learners",
            "2",
        ],
        env=env,
        timeout=300,
    )
    assert profiled.returncode == 0, profiled.stderr[-3000:]
    assert "## heartbeat:" in profiled.stdout
    assert "progress: write" in profiled.stdout


@pytest.mark.skipif(
    not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")),
    reason="the worker run needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)",
)
def test_the_heavy_part_runs_with_a_celery_worker_on_postgresql(tmp_path):
    """On PostgreSQL + Redis the export and the import run twice: eager, then queued for a
    Celery worker (bench.harness.Worker), as production runs them."""
    import psycopg
    from psycopg import sql

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"ipms_bench_smoke_{os.getpid()}"
    out = tmp_path / "results"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.update(
        BENCH_DATABASE_URL=f"{base}/{name}",
        BENCH_REDIS_URL=os.environ["REDIS_URL"],
    )
    try:
        result = _python_m(
            [
                "bench",
                "--only",
                "postgresql",
                "--parts",
                "heavy",
                "--pg-learners",
                "300",
                "--import-rows",
                "30",
                "--out",
                str(out),
            ],
            env=env,
            timeout=600,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        (target,) = json.loads((out / "latest.json").read_text(encoding="utf-8"))["results"]
        assert target["label"] == "PostgreSQL+Redis"
        for kind in ("export", "export_worker"):
            assert "error" not in target[kind], target[kind]
            assert target[kind]["rows"] == target["summary"]["export"]["members"]
            assert target[kind]["bytes"] > 0
        assert target["export_worker"]["polls"] >= 0
        for kind in ("import", "import_worker"):
            assert "error" not in target[kind], target[kind]
            assert target[kind]["invited"] == 30
        table = (out / "latest.md").read_text(encoding="utf-8")
        assert "| PostgreSQL+Redis | worker |" in table
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
