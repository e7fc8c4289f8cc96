"""The .xlsx writers compared for the 学习管理 export (docs/performance.md).

``python -m bench.writers [ROWS]`` writes ROWS (default 100,000) rows shaped like the
export's (two texts, numbers, short texts) with each writer, every one in a fresh
process so that its peak resident size is its own:

* ``openpyxl`` — write-only mode with the standard library's XML writer (OPENPYXL_LXML=False);
* ``openpyxl+lxml`` — write-only mode with lxml's incremental writer;
* ``xlsxwriter`` — XlsxWriter's ``constant_memory`` mode (rows flushed to a temporary file
  as written), the exports' writer until 2026-12;
* ``rustpy-xlsxwriter`` — what the exports use now: ``ipms.core.excel.xlsx_write``
  (rust_xlsxwriter behind a Python binding, rows streamed from a generator).

It prints wall and CPU seconds (CPU time is steadier on a shared machine) and the peak
resident size (MB, whole process, and growth over the process after its imports).
No database: only the writer's cost is measured.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

WRITERS = ("openpyxl", "openpyxl+lxml", "xlsxwriter", "rustpy-xlsxwriter")
HEADERS = (
    "手机号",
    "姓名",
    "累计学习天数",
    "累计学习时长",
    "已学课程数",
    "考试得分",
    "学分",
    "获得学习证明",
    "获得证书",
)


def _rows(count: int):
    for n in range(count):
        yield (
            f"139{n:08d}",
            f"学员{n}",
            n % 40,
            f"{n % 30}小时{n % 60}分钟",
            f"{n % 16}/15",
            "—",
            n % 7,
            "是" if n % 3 else "否",
            "否",
        )


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _write_openpyxl(path: str, count: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("学习管理")
    sheet.append(HEADERS)
    for row in _rows(count):
        sheet.append(row)
    workbook.save(path)


def _write_xlsxwriter(path: str, count: int) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet("学习管理")
    sheet.write_row(0, 0, HEADERS)
    for index, row in enumerate(_rows(count), start=1):
        sheet.write_row(index, 0, row)
    workbook.close()


def _write_rustpy(path: str, count: int) -> None:
    from ipms.core.excel import xlsx_write

    xlsx_write(path, title="学习管理", columns=[(h, 12) for h in HEADERS], rows=_rows(count))


_WRITE = {"xlsxwriter": _write_xlsxwriter, "rustpy-xlsxwriter": _write_rustpy}


def child(writer: str, count: int) -> dict:
    if writer == "xlsxwriter":
        import xlsxwriter  # noqa: F401 - imported before the baseline is taken
    elif writer == "rustpy-xlsxwriter":
        import ipms.core.excel  # noqa: F401 - imported before the baseline is taken
    else:
        import openpyxl
        from openpyxl.xml import LXML

        if (writer == "openpyxl+lxml") != LXML:
            raise RuntimeError(f"{writer}: openpyxl {openpyxl.__version__} LXML={LXML}")
    base = _peak_kb()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "out.xlsx")
        started, cpu = time.perf_counter(), time.process_time()
        _WRITE.get(writer, _write_openpyxl)(path, count)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        size = os.path.getsize(path)
    peak = _peak_kb()
    return {
        "writer": writer,
        "rows": count,
        "seconds": round(seconds, 2),
        "cpu_s": round(cpu, 2),
        "peak_mb": round(peak / 1024, 1),
        "growth_mb": round((peak - base) / 1024, 1),
        "file_mb": round(size / 1024 / 1024, 2),
    }


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--child":
        print(json.dumps(child(argv[1], int(argv[2]))))
        return
    count = int(argv[0]) if argv else 100_000
    heads = ("rows", 9), ("s", 8), ("cpu s", 8), ("peak MB", 10), ("growth MB", 11), ("file MB", 9)
    print(f"{'writer':<18}" + "".join(f"{text:>{width}}" for text, width in heads))
    for writer in WRITERS:
        env = {**os.environ, "OPENPYXL_LXML": "True" if writer == "openpyxl+lxml" else "False"}
        out = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bench.writers", "--child", writer, str(count)],
            env=env,
            capture_output=True,
            text=True,
        )
        if out.returncode:  # e.g. lxml is not installed (it is no dependency)
            print(f"{writer:<18}failed: {out.stderr.strip().splitlines()[-1]}")
            continue
        r = json.loads(out.stdout)
        print(
            f"{r['writer']:<18}{r['rows']:>9}{r['seconds']:>8}{r['cpu_s']:>8}{r['peak_mb']:>10}"
            f"{r['growth_mb']:>11}{r['file_mb']:>9}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
