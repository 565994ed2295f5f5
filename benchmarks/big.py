"""`make bench-big`: every benchmark on a demo book of 1,000,000 contracts, beside the same on 100,000.

The two demo books are written once and kept in a cache folder ($ESCROWBOOK_BENCH_CACHE, else
~/.cache/escrowbook-bench), each named by its size, the book format and a digest of the demo's code and the
policies, so a new format or a changed demo writes them again; older ones are removed. Writing them is timed,
as a user would run it (`escrowbook demo`, a separate process): the demo stays linear, 1,000,000 contracts in
at most 10.5× the time of 100,000 (the two written in the same run; from the cache, the ratio measured when they
were written is repeated, and says so). The smaller book is written BASELINE_RUNS times and its best time kept:
a run of a minute or so on a shared machine is easily slowed by a quarter, and the ratio would say so instead of
the demo's growth (the big one, minutes long, evens such moments out).

Then each benchmark script runs on each book (`--book`), one after another, and its JSON line is kept. Prints
one JSON object on its last line: {"demo_ratio": …, "100000": {"table": {…}, …}, "1000000": {…},
"over_budget": ["1000000 table search_keystroke_ms_max", …]}; exits 0 even when a figure is over budget.

    python benchmarks/big.py [--contracts 1000000] [--baseline 100000] [--only table,pages]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, figure

SCRIPTS = ("table", "pages", "export", "reconcile", "reports", "demo_and_check")  # each takes --book and --contracts
BASELINE_RUNS = 3  # the smaller book is written this many times, its best time kept


def cache_folder() -> Path:
    folder = Path(os.environ.get("ESCROWBOOK_BENCH_CACHE") or Path.home() / ".cache" / "escrowbook-bench")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def code_digest() -> str:
    """The book format and a digest of the demo's own code, the policies and the schema: a new one means new books.
    (Other changes to models/ that alter what a book holds come with a new book format.)"""
    sys.path.insert(0, str(ROOT))
    from models.book import SCHEMA_DIGEST
    from models.bookfile import SCHEMA_VERSION

    digest = hashlib.sha256((ROOT / "models" / "demo.py").read_bytes())
    digest.update(SCHEMA_DIGEST.encode())
    for path in sorted((ROOT / "resources" / "policies").glob("*.toml")):
        digest.update(path.read_bytes())
    return f"f{SCHEMA_VERSION}-{digest.hexdigest()[:12]}"


def demo(path: Path, contracts: int) -> float:
    """Write the demo book as a user would; its time in seconds."""
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "desktop", "demo", str(path), "--contracts", str(contracts)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def books(sizes: tuple[int, ...]) -> tuple[dict[int, Path], dict]:
    """The cached demo book of each size (written when missing, in this run) and the demo's timings."""
    folder = cache_folder()
    version = code_digest()
    timings_file = folder / f"demo-{version}.json"
    timings = json.loads(timings_file.read_text()) if timings_file.exists() else {}
    paths = {n: folder / f"demo-{n}-{version}.book" for n in sizes}
    missing = [n for n in sizes if not paths[n].exists() or str(n) not in timings]
    if missing:
        for old in folder.glob("demo-*"):  # books and timings of another version
            if version not in old.name:
                old.unlink()
        timings = {}
        for n in sizes:  # both written in this run, so their ratio compares like with like
            runs = BASELINE_RUNS if n == min(sizes) else 1
            timings[str(n)] = min(demo(paths[n], n) for _ in range(runs))
        timings["written"] = time.strftime("%Y-%m-%d %H:%M")
        timings_file.write_text(json.dumps(timings))
        timings["cached"] = False
    else:
        timings["cached"] = True
    return paths, timings


def run(script: str, book: Path, contracts: int) -> dict:
    """One benchmark script on one book: its last JSON line (or what went wrong, in words)."""
    runs = ["--runs", "1"] if script in ("demo_and_check", "reconcile") and contracts >= 1_000_000 else []  # (RUNS)
    done = subprocess.run(
        [sys.executable, f"{script}.py", "--book", str(book), "--contracts", str(contracts), *runs],
        cwd=ROOT / "benchmarks",
        capture_output=True,
        text=True,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=100_000)
    parser.add_argument("--only", default=",".join(SCRIPTS), help="which benchmarks, comma-separated")
    args = parser.parse_args()
    scripts = [s for s in args.only.split(",") if s]
    unknown = sorted(set(scripts) - set(SCRIPTS))
    if unknown:
        sys.exit(f"--only takes some of: {', '.join(SCRIPTS)} (not {', '.join(unknown)})")
    sizes = (args.baseline, args.contracts)
    paths, timings = books(sizes)
    result: dict = {
        "demo_ratio": figure(
            timings[str(args.contracts)] / timings[str(args.baseline)],
            args.contracts / args.baseline * 1.05,
            "x",
            big_s=round(timings[str(args.contracts)], 1),
            baseline_s=round(timings[str(args.baseline)], 1),
            measured=timings.get("written"),
            baseline_best_of=BASELINE_RUNS,
            from_cache=timings["cached"],
        )
    }
    for n in sizes:
        result[str(n)] = {script: run(script, paths[n], n) for script in scripts}
    over = [
        f"{n} {script} {key}"
        for n in sizes
        for script, figures in result[str(n)].items()
        for key, value in figures.items()
        if isinstance(value, dict) and value.get("ok") is False
    ]
    failed = [f"{n} {script}" for n in sizes for script, figures in result[str(n)].items() if "error" in figures]
    result["over_budget"] = ([] if result["demo_ratio"]["ok"] else ["demo_ratio"]) + over
    result["failed"] = failed
    print(json.dumps(result))


if __name__ == "__main__":
    main()
