"""Benchmark: `escrowbook demo` and `escrowbook check` of the big book (100,000 contracts).

Runs both commands as a user would (separate processes, from the source tree),
and, in the same run, a baseline: plain sqlite3 `executemany` of 600,000 rows,
the reference DESIGN.md quotes (1.3 s on this machine), so a reader can tell a
slow machine from a slow program. Prints one JSON object on its last line and
exits 0 even when a figure is over budget (its "ok" says so).

    python benchmarks/demo_and_check.py [--contracts 100000]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import figure  # benchmarks/common.py: these scripts run from this folder

ROOT = Path(__file__).resolve().parents[1]
DEMO_BUDGET_S = 10.0
CHECK_BUDGET_S = 5.0


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "desktop", *args], cwd=ROOT, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"escrowbook {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    print(done.stdout.strip(), file=sys.stderr)
    return took


def baseline(folder: Path) -> float:
    conn = sqlite3.connect(folder / "baseline.db")
    conn.execute("CREATE TABLE t (a INTEGER, b INTEGER, c TEXT, d TEXT)")
    rows = [(i, i * 7, "2026-03-01", "fund") for i in range(600_000)]
    started = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    took = time.perf_counter() - started
    conn.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="escrowbook-bench-") as tmp:
        folder = Path(tmp)
        base = baseline(folder)
        book = folder / "big.book"
        demo = timed(["demo", str(book), "--contracts", str(args.contracts)])
        size = book.stat().st_size
        check = timed(["check", str(book)])
    result = {
        "contracts": {"value": args.contracts, "unit": "contracts"},
        "demo_s": figure(demo, DEMO_BUDGET_S, "s"),
        "check_s": figure(check, CHECK_BUDGET_S, "s"),
        "book_mb": figure(size / 2**20, None, "MiB"),
        "baseline_executemany_600k_s": figure(base, None, "s"),
        "demo_vs_baseline": figure(demo / base, None, "x"),
        "check_vs_baseline": figure(check / base, None, "x"),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
