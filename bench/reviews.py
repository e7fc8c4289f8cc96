"""导出 of the body console: the time to write 10,000 applications to .xlsx.

Builds a throw-away SQLite database (migrated), one body, 10,000 enterprises with one
application each (bulk inserts, all states), and times ``reviews.exports.export_workbook``
for the whole list and for one state, as the 导出 button does. Goal: well under 10 s.

    python -m bench.reviews [--applications 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_S = 10.0


def _django(db_path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed(count: int) -> object:
    from django.utils import timezone

    from ipms.accounts.models import User
    from ipms.enterprises.models import Enterprise
    from ipms.reviews.models import Application, ApplicationStatus, CertificationBody, Reviewer

    body = CertificationBody.objects.create(name="华智知识产权认证有限公司")
    reviewer_user = User.objects.create_user(phone="13900009999", password=None, name="王会青")
    Reviewer.objects.create(body=body, user=reviewer_user, name="王会青")
    submitter = User.objects.create_user(phone="18600009999", password=None, name="陈立")
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(name=f"=苏州示范{n}科技有限公司", credit_code=f"B{n:017d}") for n in range(count)
    )
    states = list(ApplicationStatus)
    now = timezone.now()
    Application.objects.bulk_create(
        (
            Application(
                enterprise=enterprise,
                body=body,
                status=states[n % len(states)],
                certificate_number=f"CN2026{n:06d}",
                submitted_by=submitter,
                submitted_at=now,
                reviewed_by=reviewer_user if n % 2 else None,
            )
            for n, enterprise in enumerate(enterprises)
        ),
        batch_size=2000,
    )
    return body


def measure(count: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        _django(Path(folder) / "bench-reviews.sqlite3")
        body = _seed(count)
        from ipms.reviews.exports import export_workbook

        def timed(**filters) -> tuple[float, int, int]:
            started, cpu = time.perf_counter(), time.process_time()
            target, rows = export_workbook(body=body, **filters)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            size = target.seek(0, 2)
            target.close()
            return seconds, rows, size, cpu

        all_runs = [timed() for _ in range(repeat)]
        one_state = [timed(status="review_pending") for _ in range(repeat)]
    return {
        "applications": count,
        "all_s": statistics.median(r[0] for r in all_runs),
        "all_rows": all_runs[0][1],
        "all_kb": all_runs[0][2] / 1024,
        "all_cpu_s": statistics.median(r[3] for r in all_runs),
        "state_s": statistics.median(r[0] for r in one_state),
        "state_rows": one_state[0][1],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.applications, args.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
