"""Benchmark: reconciling the marketplace's statement against the big book (100,000 contracts).

Writes the demo book's own statement (one row per movement of money, about 1.1 million rows; a book given
with --book is copied first and never written to), then, in the same run and as a user would (separate
processes, from the source tree):
- `escrowbook check` of the book: the baseline (DESIGN.md: reconciliation within 3× of it); it and the
  reconciliation below each run RUNS times, one after the other, and their medians are compared;
- `escrowbook reconcile` of the whole statement against a copy of the book (import, matching, report), with its
  peak resident memory (issue 20: it must not grow with the book);
- a 1,000-row statement (the statement's last thousand rows) against another copy, timed in this process from
  the call to the end of the matching (budget: 1 s).
Prints one JSON object on its last line and exits 0 even when a figure is over budget (its "ok" says so).

    python benchmarks/reconcile.py [--contracts 100000] [--book PATH] [--runs 3]
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import (  # benchmarks/common.py: these scripts run from this folder
    ROOT,
    add_runs,
    alternated,
    copied,
    each_ratio,
    escrowbook,
    figure,
    given_or_demo,
    median,
)

RATIO_BUDGET = 3.0
SMALL_BUDGET_S = 1.0
SMALL_ROWS = 1000


def write_statement(book: Path, out: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from models.book import open_to_check
    from models.statement_writer import write_statement as write

    opened = open_to_check(book)  # read-only
    try:
        return write(out)
    finally:
        opened.close()


def last_rows(statement: Path, out: Path, n: int) -> None:
    """The statement's header and its last `n` rows (read through once, never whole in memory)."""
    with open(statement, encoding="utf-8-sig", newline="") as fh:
        header = next(fh)
        tail = collections.deque(fh, maxlen=n)
    out.write_text(header + "".join(tail), encoding="utf-8-sig", newline="")


def small_import(book: Path, statement: Path) -> tuple[float, dict]:
    from models import reconcile
    from models.book import open_book

    opened = open_book(book)
    try:
        started = time.perf_counter()
        reconcile.import_statement(statement)
        took = time.perf_counter() - started
        return took, reconcile.counts()
    finally:
        opened.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--book", type=Path, help="a demo book already written (it is copied, never changed)")
    add_runs(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="escrowbook-bench-") as tmp:
        folder = Path(tmp)
        # (a book given is copied first: never written to, nor locked while another program has it open)
        book = copied(args.book, folder) if args.book else given_or_demo(None, folder, args.contracts)
        statement = folder / "statement.csv"
        rows = write_statement(book, statement)
        print(f"statement: {rows:,} rows, {statement.stat().st_size / 1e6:.0f} MB", file=sys.stderr)

        def reconciled() -> tuple[float, float, str]:
            big = folder / "reconciled.book"
            shutil.copyfile(book, big)
            try:
                return escrowbook(["reconcile", "--book", str(big), "--statement", str(statement), "--json"], ok=(0, 1))
            finally:
                big.unlink()

        checks, reconciles = alternated(args.runs, lambda: escrowbook(["check", str(book)]), reconciled)
        # The medians of the runs (the peaks: the highest), as benchmarks/demo_and_check.py compares its own.
        check, whole = median(checks), median(reconciles)
        check_rss, whole_rss = (max(r[1] for r in results) for results in (checks, reconciles))
        small_statement = folder / "small.csv"
        last_rows(statement, small_statement, SMALL_ROWS)
        small_book = folder / "small.book"
        shutil.copyfile(book, small_book)
        small, counts = small_import(small_book, small_statement)
        print(f"check {check:.1f} s, reconcile {whole:.1f} s, 1,000 rows {small * 1000:.0f} ms", file=sys.stderr)
        print(
            json.dumps(
                {
                    "statement_rows": figure(rows, None, "rows"),
                    "check_s": figure(check, None, "s", peak_rss_mib=round(check_rss)),
                    "reconcile_s": figure(whole, None, "s", peak_rss_mib=round(whole_rss)),
                    "reconcile_vs_check": figure(whole / check, RATIO_BUDGET, "×"),
                    "each_run_reconcile_vs_check": each_ratio(checks, reconciles, "×"),
                    "small_statement_s": figure(small, SMALL_BUDGET_S, "s", rows=SMALL_ROWS, matched=counts["matched"]),
                }
            )
        )


if __name__ == "__main__":
    main()
