"""Benchmark: `escrowbook demo` and `escrowbook check` of the big book (100,000 contracts).

Runs both commands as a user would (separate processes, from the source tree),
and, in the same run, two baselines (DESIGN.md's budgets are ratios to them): plain
sqlite3 writing as many rows as the demo book holds, in one transaction
(`executemany`), which the demo must stay within 25x of; and SQLite's own
`PRAGMA integrity_check` of the same book in a plain process, which `check` must
stay within 1.2x of (issue 20): each runs RUNS times, one after the other, and
their medians are compared.
The check's peak memory is its process's maximum resident set (os.wait4's rusage
of that one child). Prints one JSON object on its last line and exits 0 even when
a figure is over budget (its "ok" says so).

    python benchmarks/demo_and_check.py [--contracts 100000] [--book PATH (checked as it is: no demo)] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (  # benchmarks/common.py: these scripts run from this folder
    add_runs,
    alternated,
    contracts_in,
    each_ratio,
    figure,
    median,
)

ROOT = Path(__file__).resolve().parents[1]
DEMO_VS_ROWS_BUDGET = 25.0  # the demo's time over SQLite writing as many rows in one transaction (DESIGN.md)
CHECK_VS_INTEGRITY_BUDGET = 1.2  # check's time over SQLite's integrity_check's, measured in the same run
CHECK_RSS_BUDGET_MIB = 300.0  # at any size of book (issue 20: memory that does not grow with the book)

# Peak memory: the child's own high-water mark (/proc/self/status VmHWM, read as it exits), plus that of the
# largest process it started itself and waited for (the check verifies a big book's hash chain in a process of
# its own). A fork's ru_maxrss would count this process's memory too (Linux keeps it across exec).
PEAK = (
    "import atexit, resource, sys; atexit.register(lambda: print('VmHWM', int([l.split()[1] for l in "
    "open('/proc/self/status') if l.startswith('VmHWM')][0]) + resource.getrusage(resource.RUSAGE_CHILDREN)"
    ".ru_maxrss, file=sys.stderr)); "
)
INTEGRITY = (
    PEAK
    + "import sqlite3; c = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True); "
    + ("print(c.execute('PRAGMA integrity_check').fetchall()[:3])")
)
CHECK = PEAK + "from desktop.cli import main; sys.exit(main(sys.argv[1:]))"


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def measured(argv: list[str]) -> tuple[float, float, str, float]:
    """Run a process to its end; its wall time (s), its peak resident memory (MiB, when it tells it: PEAK), its
    output and its processor time (s, user and system, with the processes it started and waited for: on two
    cores, a check that takes the same time as integrity_check may use up to twice its processor time)."""
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    peak = [int(line.split()[1]) / 1024 for line in done.stderr.splitlines() if line.startswith("VmHWM")]
    return took, (peak or [0.0])[0], done.stdout, _children_cpu() - cpu


def said(run: tuple, before: str = "") -> tuple:
    """A run of `measured`, its output's last line told on stderr."""
    print(before + (run[2].strip().splitlines() or [""])[-1], file=sys.stderr)
    return run


def timed(args: list[str]) -> float:
    took, _, out, _ = measured([sys.executable, "-m", "desktop", *args])
    print(out.strip(), file=sys.stderr)
    return took


def rows_in(book: Path) -> int:
    """Every row of every table of the book (SQLite's own tables and the search index's shadow tables aside)."""
    conn = sqlite3.connect(f"file:{book.absolute()}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND sql NOT LIKE 'CREATE VIRTUAL%'"
            )
        ]
        shadow = [t for t in tables if any(t.startswith(v + "_") for v in _virtual(conn))]
        return sum(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables if t not in shadow)
    finally:
        conn.close()


def _virtual(conn: sqlite3.Connection) -> list[str]:
    return [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%'")]


def baseline(folder: Path, count: int) -> float:
    """Seconds for plain sqlite3 to write `count` rows of four columns in one transaction."""
    conn = sqlite3.connect(folder / "baseline.db")
    conn.execute("CREATE TABLE t (a INTEGER, b INTEGER, c TEXT, d TEXT)")
    rows = ((i, i * 7, "2026-03-01", "fund") for i in range(count))
    started = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    took = time.perf_counter() - started
    conn.close()
    (folder / "baseline.db").unlink()
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--book", type=Path, help="check this book (not written to) instead of a new demo book")
    add_runs(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="escrowbook-bench-") as tmp:
        folder = Path(tmp)
        demo = None
        book = args.book
        if book is None:
            book = folder / "big.book"
            demo = timed(["demo", str(book), "--contracts", str(args.contracts)])
        rows = rows_in(book)
        base = baseline(folder, rows) if demo is not None else None  # the demo's baseline: no demo, none
        contracts = contracts_in(book)
        size = book.stat().st_size
        load = os.getloadavg()[0]
        integrities, checks = alternated(  # each run: (seconds, peak MiB, output, processor seconds)
            args.runs,
            lambda: said(measured([sys.executable, "-c", INTEGRITY, str(book.absolute())]), "integrity_check: "),
            lambda: said(measured([sys.executable, "-c", CHECK, "check", str(book)])),
        )
    # Each figure is the median of its runs (the peaks: the highest); the ratios are the medians' (common.RUNS).
    integrity, check, integrity_cpu, check_cpu = (median(r, i) for i in (0, 3) for r in (integrities, checks))
    integrity_mib, check_mib = (max(r[1] for r in results) for results in (integrities, checks))
    result = {
        "contracts": {"value": contracts, "unit": "contracts"},
        "runs": {"value": args.runs, "unit": "runs of each, one after the other"},
        "check_s": figure(check, None, "s"),
        "integrity_check_s": figure(integrity, None, "s"),
        "check_vs_integrity_check": figure(check / integrity, CHECK_VS_INTEGRITY_BUDGET, "x"),
        "each_run_check_vs_integrity_check": each_ratio(integrities, checks, "x"),
        "check_peak_rss_mib": figure(check_mib, CHECK_RSS_BUDGET_MIB, "MiB"),
        "integrity_check_peak_rss_mib": figure(integrity_mib, None, "MiB"),
        "check_cpu_s": figure(check_cpu, None, "s"),
        "integrity_check_cpu_s": figure(integrity_cpu, None, "s"),
        "check_cpu_vs_integrity_check_cpu": figure(check_cpu / integrity_cpu, None, "x"),
        "load_before": figure(load, None, "runnable processes (1-minute load average)"),
        "book_mb": figure(size / 2**20, None, "MiB"),
        "book_rows": {"value": rows, "unit": "rows"},
    }
    if demo is not None:
        result["baseline_write_rows_s"] = figure(base, None, "s")
        result["demo_s"] = figure(demo, None, "s")
        result["demo_vs_writing_rows"] = figure(demo / base, DEMO_VS_ROWS_BUDGET, "x")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
