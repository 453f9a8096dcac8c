"""Upload-check benchmark (not a test): the dashboard's check of the largest study its limits allow.

Builds, in a temporary folder, a zip upload of the bundled study whose as-is floors are grid
paper at the largest allowed size (``MAX_GRID_CELLS`` cells per floor, a wall round the edge
and the study's points), and times :func:`dashboards.data.check_uploaded_study` on it — the
same call the Scenario lab makes — next to two refusals that must be immediate: one stray cell
at ALL1000 (a 19 KB workbook) and a study of 10^12 residents a day. Target: each under a
second on one core.

    .venv/bin/python bench/bench_upload.py
"""

from __future__ import annotations

import io
import math
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openpyxl

from dashboards.data import MAX_UPLOAD_MB, check_uploaded_study
from journeys.paths import SAMPLE_DIR
from simulation.limits import MAX_GRID_CELLS

__all__ = ["largest_upload", "main"]


def _grid_workbook(side: int, stray: str | None = None) -> bytes:
    """Grid paper of ``side`` × ``side`` cells per as-is floor: walls round the edge and the
    sample's floor sheets' labels copied in place."""
    sample = openpyxl.load_workbook(SAMPLE_DIR / "floors.xlsx")
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for source in sample.worksheets:
        ws = book.create_sheet(source.title)
        for row in source.iter_rows():
            for cell in row:
                if cell.value is not None:
                    ws.cell(row=cell.row, column=cell.column, value=cell.value)
        for i in range(2, side + 1):
            for r, c in ((1, i), (side, i), (i, 1), (i, side)):
                if ws.cell(row=r, column=c).value is None:
                    ws.cell(row=r, column=c, value="#")
        if stray:
            ws[stray] = "#"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def largest_upload(stray: str | None = None) -> bytes:
    """The zip a visiting municipality would upload: study.toml + floors.xlsx."""
    side = math.isqrt(MAX_GRID_CELLS)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("study.toml", (SAMPLE_DIR / "study.toml").read_bytes())
        archive.writestr("floors.xlsx", _grid_workbook(side, stray))
    return buffer.getvalue()


def _timed(name: str, content: bytes) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    check = check_uploaded_study(name, content, lang="en")
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    outcome = "ok" if check.study is not None else f"refused: {check.errors[0][-60:]}"
    print(f"{name:<30} {len(content) / 1e3:8.1f} KB {seconds:7.3f} s {cpu_s:7.3f} s  {outcome}")
    return cpu_s


def main() -> int:
    """Print the check time of the largest allowed upload and of two instant refusals."""
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-upload-"):
        big = largest_upload()
        assert len(big) <= MAX_UPLOAD_MB * 1024 * 1024, "the largest grid no longer fits"
        stray = io.BytesIO()
        book = openpyxl.Workbook()
        ws = book.active
        assert ws is not None
        ws.title = "as_is_1F"
        ws["A1"] = "cell_m=0.5"
        ws["ALL1000"] = "#"
        book.save(stray)
        with zipfile.ZipFile(buf := io.BytesIO(), "w") as archive:
            archive.writestr("study.toml", (SAMPLE_DIR / "study.toml").read_bytes())
            archive.writestr("floors.xlsx", stray.getvalue())
        text = (SAMPLE_DIR / "study.toml").read_text("utf-8")
        huge = text.replace("residents_per_day = 650.0", "residents_per_day = 1e12")
        print(f"{'upload':<30} {'size':>11} {'wall':>9} {'CPU':>9}")
        times = [
            _timed(f"largest grid ({math.isqrt(MAX_GRID_CELLS)}²).zip", big),
            _timed("stray cell at ALL1000.zip", buf.getvalue()),
            _timed("residents 1e12.toml", huge.encode("utf-8")),
        ]
    load = os.getloadavg()[0]
    print(f"slowest check: {max(times):.3f} s CPU (target < 1 s; load average {load:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
