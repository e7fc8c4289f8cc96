"""Proof generation time: what one 生成学习证明 costs beyond its database rows.

Per proof: the snapshot, its hash, the signed VC-JWT (Ed25519), the PNG and the PDF, as
``ipms.credentials.services`` makes them (``credential_render`` draws exactly these two
from the snapshot). The first proof of a process is reported apart: it loads the CJK font
for Pillow and parses the TrueType font for reportlab. Runs without a database.

    python -m bench.credentials [--proofs 20]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_MS = 300


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault(
        "CREDENTIAL_SIGNING_KEY_FILE",
        str(Path(tempfile.gettempdir()) / "ipms-bench-signing-key.pem"),
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(proofs: int) -> dict:
    from django.utils import timezone

    from ipms.credentials import documents, rendering, signing

    def one(serial: int) -> dict:
        cpu_started = time.process_time()
        started = time.perf_counter()
        snapshot = documents.build_snapshot(
            kind="proof",
            number=f"CNIPA-2026E{serial:07d}",
            name="欧阳明远",
            id_number_masked="110105********002X",
            enterprise="苏州工业园区某某知识产权科技有限公司",
            course="知识产权管理人员课程",
            credits=30,
            exam_score=86,
            issued_on=timezone.localdate(),
        )
        digest = documents.content_hash(snapshot)
        signing.sign(
            documents.credential_payload(
                snapshot=snapshot,
                digest=digest,
                issued_at=datetime.datetime.now(tz=datetime.UTC),
                course_id=1,
            )
        )
        signed = time.perf_counter()
        png = rendering.render_png(snapshot)
        drawn_png = time.perf_counter()
        pdf = rendering.render_pdf(snapshot)
        done = time.perf_counter()
        cpu = time.process_time() - cpu_started
        return {
            # CPU time of this process: what the proof costs when other work shares the
            # CPUs (wall time then includes waiting for a CPU).
            "cpu_ms": cpu * 1000,
            "sign_ms": (signed - started) * 1000,
            "png_ms": (drawn_png - signed) * 1000,
            "pdf_ms": (done - drawn_png) * 1000,
            "total_ms": (done - started) * 1000,
            "png_kb": len(png) / 1024,
            "pdf_kb": len(pdf) / 1024,
        }

    first = one(1)
    rest = [one(serial) for serial in range(2, proofs + 2)]
    summary = {"proofs": proofs, "first": first, "goal_ms": GOAL_MS}
    for key in ("sign_ms", "png_ms", "pdf_ms", "total_ms", "cpu_ms", "png_kb", "pdf_kb"):
        values = [row[key] for row in rest]
        summary[key] = {
            "p50": statistics.median(values),
            "p95": _percentile(values, 0.95),
            "max": max(values),
        }
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proofs", type=int, default=20)
    args = parser.parse_args(argv)
    _django()
    print(json.dumps(measure(args.proofs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
