"""Benchmark: contract summaries to PDF, and CSV export of the big book.

Figures (DESIGN.md's budgets):
- one summary: median time to write the PDF of one contract, after the first (budget <= 25 ms), and the CPU
  time it took this process (steadier than the clock on a busy machine: compare two versions by it);
- 1,000 summaries from the demo book, one file each (budget <= 30 s);
- CSV export of the big book (100,000 contracts): contracts, milestones and ledger, with `escrowbook export-csv`
  as a user would (no budget for its time; its peak memory must not grow with the book: it streams).
In the same run, a baseline: a bare one-page QPdfWriter document of the same text length, so a
reader can tell a slow machine from a slow program. Prints one JSON object on its last line and
exits 0 even when over budget ("ok" says so).

    python benchmarks/export.py [--contracts 100000] [--book PATH]

A book given with --book is copied first and never written to.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import copied, escrowbook, figure, given_or_demo  # benchmarks/common.py: these scripts run from this folder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ONE_BUDGET_MS = 25
BATCH_BUDGET_S = 30
BATCH = 1_000
SAMPLE = 60  # single summaries timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--book", type=Path, help="an existing big book (else one is generated)")
    args = parser.parse_args()

    from PySide6.QtGui import QGuiApplication, QPainter, QPdfWriter

    from desktop.summary_pdf import blocks_text, export_summaries, summary_blocks, write_pdf
    from models.book import open_book
    from models.report import contract_summary, select_contracts

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="escrowbook-export-") as tmp:
        folder = Path(tmp)
        book_path = copied(args.book, folder) if args.book else given_or_demo(None, folder, args.contracts)
        book = open_book(book_path, create=False)
        try:
            ids = select_contracts()
            step = max(1, len(ids) // SAMPLE)
            sample = ids[::step][:SAMPLE]

            # One summary at a time, as "Export Summary to PDF…" of the selected contract does.
            write_pdf(folder / "warm.pdf", [contract_summary(ids[0], now=now)], book_name="big.book", generated_at=now)
            one, cpu, base = [], [], []
            for cid in sample:
                started, used = time.perf_counter(), time.process_time()
                s = contract_summary(cid, now=now)
                write_pdf(folder / "one.pdf", [s], book_name="big.book", generated_at=now)
                one.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - used) * 1000)
                text = blocks_text(summary_blocks(s))
                started = time.perf_counter()
                writer = QPdfWriter(str(folder / "bare.pdf"))
                painter = QPainter(writer)
                painter.drawText(100, 100, text[:3000])
                painter.end()
                del writer
                base.append((time.perf_counter() - started) * 1000)

            # A batch of 1,000, one file each, as the export dialog and `export-pdf --all` do.
            batch_ids = ids[:: max(1, len(ids) // BATCH)][:BATCH]
            started = time.perf_counter()
            written = export_summaries(batch_ids, folder / "batch", book_name="big.book", now=now)
            batch_s = time.perf_counter() - started
            pages = sum(1 for _ in written)
        finally:
            book.close()
        csv_s, csv_rss, said = escrowbook(["export-csv", "--book", str(book_path), "--out", str(folder / "csv")])
        csv_mb = sum(p.stat().st_size for p in (folder / "csv").iterdir()) / 1e6
        print(said.strip(), file=sys.stderr)

    result = {
        "summary_ms_median": figure(statistics.median(one), ONE_BUDGET_MS, "ms", max_ms=round(max(one), 1)),
        "summary_cpu_ms_median": figure(statistics.median(cpu), None, "ms"),  # this process's CPU, for A/B runs
        "batch_1000_s": figure(batch_s, BATCH_BUDGET_S, "s", files=pages),
        "csv_export_s": figure(csv_s, None, "s", mb=round(csv_mb, 1)),
        "csv_export_peak_rss_mib": figure(csv_rss, None, "MiB"),
        "baseline_bare_pdf_ms": figure(statistics.median(base), None, "ms"),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
