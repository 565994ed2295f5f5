"""Benchmark: the frozen app's start-up against the same app from source, and the installers' sizes.

Figures:
- start_ratio: process start to the main window shown on a demo book, the frozen app
  (dist/escrowbook/escrowbook) over the same from source (python -m desktop), measured in the same
  run, interleaved, median of each (budget <= 1.1x);
- bundle_mb: the frozen app on disk, dist/escrowbook/ (budget <= 130 MB);
- deb_mb: the .deb (no budget; 36 MB was measured for such a package when the issue was written).
Both apps are started offscreen with `--book BOOK --quit-when-shown`, with their own empty home folders,
and timed until they print "shown". Needs `make dist` first.
Prints one JSON object on its last line; exits 0 even when over budget ("ok" says so).

    python benchmarks/startup.py [--runs 11] [--contracts 2000]
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
import tomllib
from pathlib import Path

from common import demo_book, figure  # benchmarks/common.py: these scripts run from this folder

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "dist" / "escrowbook"


def shown_after(command: list[str], env: dict[str, str]) -> float:
    """Seconds from starting `command` to its "shown" line."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    took = None
    for line in child.stdout:
        if line.strip() == "shown":
            took = time.perf_counter() - started
            break
    _, err = child.communicate(timeout=120)
    if took is None or child.returncode != 0:
        sys.exit(f"{' '.join(command)} did not show its window (exit {child.returncode}):\n{err}")
    return took


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11, help="starts of each app (after one warm-up each)")
    parser.add_argument("--contracts", type=int, default=2000, help="contracts in the demo book both apps open")
    args = parser.parse_args()
    frozen_exe = BUNDLE / "escrowbook"
    if not frozen_exe.is_file():
        sys.exit(f"no frozen app at {frozen_exe}: run `make dist` first")
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    deb = ROOT / "dist" / f"escrowbook_{version}_{arch}.deb"

    with tempfile.TemporaryDirectory(prefix="escrowbook-startup-") as tmp:
        folder = Path(tmp)
        book = folder / "demo.book"
        demo_book(book, args.contracts)
        home = folder / "home"
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
        }
        commands = {
            "frozen": [str(frozen_exe), "--book", str(book), "--quit-when-shown"],
            "source": [sys.executable, "-m", "desktop", "--book", str(book), "--quit-when-shown"],
        }
        for command in commands.values():  # warm-up: both read from the file cache from here on
            shown_after(command, env)
        times: dict[str, list[float]] = {"frozen": [], "source": []}
        for run in range(args.runs):  # interleaved, each first in turn, so a noisy moment hits both alike
            order = ("frozen", "source") if run % 2 == 0 else ("source", "frozen")
            for name in order:
                times[name].append(shown_after(commands[name], env))

    frozen_s, source_s = statistics.median(times["frozen"]), statistics.median(times["source"])
    result = {
        "start_ratio": figure(
            frozen_s / source_s, 1.1, "x", frozen_s=round(frozen_s, 3), source_s=round(source_s, 3), runs=args.runs
        ),
        "bundle_mb": figure(folder_mb(BUNDLE), 130, "MB"),
        "deb_mb": figure(deb.stat().st_size / 1e6, None, "MB") if deb.is_file() else {"value": None, "unit": "MB"},
    }
    print(json.dumps({name: [round(t, 3) for t in ts] for name, ts in times.items()}), file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
