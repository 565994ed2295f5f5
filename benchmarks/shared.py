"""Benchmark: a shared book (PostgreSQL) against the same book in a file (SQLite), in one run (issue 22).

The 100,000-contract demo book (or --book) is copied into a throw-away PostgreSQL cluster on this machine (a
local socket; the cluster of the tests, tests/pgcluster.py) with `escrowbook copy-book`, checked on both sides.
Then, for each store, in the same run:
- start: process start to the main window painted with the book (median of five children each; as
  benchmarks/table.py starts it);
- sort: each column's heading clicked, both orders, to the rows updated (maximum and median);
- search: each keystroke of table.py's searches, to the rows updated (maximum and median);
- one operation's latency: adding a milestone to a contract and funding it (two operations), timed on the
  window's own connection, alone on the file; and on the shared book while 4 other processes make conflicting
  operations on it for the same time (each on the same few contracts, models/ops: SERIALIZABLE, retried),
  median and 95th percentile; with how many of the writers' operations were made, and how many refused after
  their retries (in words).
DESIGN.md gives a shared book no budget of its own: the figures are ratios to the file's, measured in the same
run ("ok" is not given). The cluster runs with fsync off, as the tests' does: its commits cost less than a
server's that keeps them on disk, so the latency figures are a lower bound for a real server.

With --pg-url, the shared book is the one at that address (a copy of the same book, made before with
`escrowbook copy-book`: its contracts have the same ids), not a new copy: the run skips the cluster and the copy
(3 minutes and more at 100,000 contracts). The run writes to it (the operations timed, the writers'), as to the
copy it makes otherwise: give it a book made for the benchmark.

    python benchmarks/shared.py [--contracts 100000] [--book PATH] [--seconds 20] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, copied, escrowbook, figure, given_or_demo, settled_window, timed_ms

WRITERS = 4
SHARED_CONTRACTS = 8  # the contracts every writer works on: their operations conflict
SEARCHES = ("Logo redesign", "Ana Ruiz", "UP-10012345", "pipeline #4242")

WRITER = r"""
import json, random, sys, time
from models import ops
from models.book import open_book
from models.entities import Contract
from models.errors import RuleError
url, seconds, seed, ids = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
rng = random.Random(seed)
made = refused = 0
latencies = []
with open_book(url, create=False):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        started = time.perf_counter()
        try:
            m = ops.add_milestone(Contract.get_by_id(rng.choice(ids)), "Writer's milestone", rng.randint(1, 50) * 100)
            ops.fund_milestone(m)
            made += 2
        except RuleError:
            refused += 1
        latencies.append((time.perf_counter() - started) * 1000)
print(json.dumps({"made": made, "refused": refused, "latencies": latencies}))
"""


def start_child(where: str, settings: Path) -> float:
    """Seconds from process start to the window painted with the book (benchmarks/table.py's child)."""
    from table import APP, child

    painted, _, _, _ = child(APP, where, str(settings))
    return painted


def in_window(where: str, settings: Path, ids: list[int], others) -> dict:
    """Sorts, search keystrokes and the operation's latency in one window on `where`; `others()` starts the
    writers (or nothing) and returns a function that waits for them and returns what they say."""
    from PySide6.QtCore import Qt

    from desktop.window.contracts_model import COLUMN_KEYS
    from models import ops
    from models.entities import Contract

    window = settled_window(where, settings)
    sorts = []
    for column in range(len(COLUMN_KEYS)):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            sorts.append(timed_ms(lambda c=column, o=order: window.table.sortByColumn(c, o)))
    window.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    keystrokes = []
    for term in SEARCHES:
        window.search.clear()
        window.apply_search()
        for n in range(1, len(term) + 1):

            def keystroke(t=term[:n]):
                window.search.setText(t)
                window.apply_search()

            keystrokes.append(timed_ms(keystroke))
    window.search.clear()
    window.apply_search()
    window.stop_following()  # (the writers' changes would reload the window between the operations timed)
    wait = others()
    from models.errors import RuleError

    latencies, refused = [], 0
    end = time.perf_counter() + ARGS.seconds
    while time.perf_counter() < end:
        started = time.perf_counter()
        try:
            m = ops.add_milestone(Contract.get_by_id(ids[len(latencies) % len(ids)]), "Timed milestone", 10_000)
            ops.fund_milestone(m)
        except RuleError:  # (another writer won every try: refused in words, nothing recorded)
            refused += 1
        latencies.append((time.perf_counter() - started) * 1000)
    writers = wait()
    window.close()
    return {"sorts": sorts, "keystrokes": keystrokes, "latencies": latencies, "refused": refused, "writers": writers}


def spread(values: list[float]) -> tuple[float, float, float]:
    values = sorted(values)
    return statistics.median(values), values[int(0.95 * (len(values) - 1))], max(values)


def active_contracts(where: str) -> list[int]:
    """A few active contracts, the same on both copies of the book (their ids are the same)."""
    from models.book import open_book

    with open_book(where, create=False) as book:
        rows = book.conn.execute(
            "SELECT id FROM contract WHERE status = 'active' ORDER BY id LIMIT ?", (SHARED_CONTRACTS,)
        ).fetchall()
    return [r[0] for r in rows]


def main() -> None:
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--book", type=Path, help="an existing big book (else one is generated)")
    parser.add_argument("--seconds", type=float, default=20, help="how long the operations are timed, per store")
    parser.add_argument("--pg-url", help="an existing shared book, a copy of the same book (written to), instead of "
                        "copying it into a throw-away cluster")  # fmt: skip
    ARGS = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests import pgcluster

    cluster = None
    if ARGS.pg_url is None:
        if pgcluster.binaries() is None:
            sys.exit("PostgreSQL's server programs are not installed (Debian: apt-get install postgresql)")
        cluster = pgcluster.Cluster(pgcluster.binaries())
        admin = cluster.start()
    copy_s = copy_mib = None
    try:
        with tempfile.TemporaryDirectory(prefix="escrowbook-shared-") as tmp:
            folder = Path(tmp)
            given = given_or_demo(ARGS.book, folder, ARGS.contracts)
            # A copy: the window writes to it, and a book given with --book is never written to (`escrowbook backup`
            # opens the book it copies, which records a session in it).
            book = copied(given, folder)
            if cluster is not None:
                import psycopg

                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute("CREATE DATABASE shared_book")
                url = cluster.url("shared_book")
                copy_s, copy_mib, _ = escrowbook(["copy-book", str(book), url])
            else:
                url = ARGS.pg_url
            ids = active_contracts(str(book))
            starts: dict[str, list[float]] = {"file": [], "shared": []}
            for _ in range(5):  # interleaved, so that a noisy moment hits both alike
                starts["file"].append(start_child(str(book), folder / "file.ini"))
                starts["shared"].append(start_child(url, folder / "shared.ini"))
            found = {
                "file": in_window(str(book), folder / "file.ini", ids, lambda: lambda: None),
                "shared": in_window(url, folder / "shared.ini", ids, lambda: writers(url, ids)),
            }
    finally:
        if cluster is not None:
            cluster.stop()
    out = {"contracts": ARGS.contracts}
    if copy_s is not None:
        out["copy_book_s"] = figure(copy_s, None, "s", peak_mib=round(copy_mib))
    start = {k: statistics.median(v) for k, v in starts.items()}
    out["start_ratio"] = figure(start["shared"] / start["file"], None, "x", file_s=round(start["file"], 3),
                                shared_s=round(start["shared"], 3))  # fmt: skip
    for what, unit in (("sorts", "sort"), ("keystrokes", "search_keystroke")):
        for store in ("file", "shared"):
            median, p95, top = spread(found[store][what])
            out[f"{unit}_ms_{store}"] = figure(top, None, "ms", median=round(median, 1), p95=round(p95, 1))
        out[f"{unit}_max_ratio"] = figure(
            out[f"{unit}_ms_shared"]["value"] / out[f"{unit}_ms_file"]["value"], None, "x"
        )
    for store in ("file", "shared"):
        median, p95, top = spread(found[store]["latencies"])
        out[f"operation_ms_{store}"] = figure(median, None, "ms", p95=round(p95, 1), max=round(top, 1),
                                              timed=len(found[store]["latencies"]),
                                              refused_after_retries=found[store]["refused"])  # fmt: skip
    out["operation_median_ratio"] = figure(
        out["operation_ms_shared"]["value"] / out["operation_ms_file"]["value"], None, "x"
    )
    w = found["shared"]["writers"]
    out["concurrent_writers"] = {
        "writers": WRITERS,
        "operations_made": sum(x["made"] for x in w),
        "refused_after_retries": sum(x["refused"] for x in w),
        "their_median_ms": round(statistics.median([v for x in w for v in x["latencies"]] or [0]), 1),
    }
    print(json.dumps(out, indent=1))
    print(json.dumps(out))


def writers(url: str, ids: list[int]):
    """Start the writers on the shared book; returns a function that waits for them and returns their reports."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(ARGS.seconds), str(seed), json.dumps(ids)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(WRITERS)
    ]
    time.sleep(1.0)  # (they open the book first)

    def wait() -> list[dict]:
        reports = []
        for p in procs:
            out, err = p.communicate(timeout=ARGS.seconds + 120)
            if p.returncode != 0:
                sys.exit(f"a writer failed:\n{err[-2000:]}")
            reports.append(json.loads(out.strip().splitlines()[-1]))
        return reports

    return wait


ARGS: argparse.Namespace


if __name__ == "__main__":
    main()
