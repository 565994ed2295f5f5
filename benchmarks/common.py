"""What every benchmark script shares: one figure of its JSON line (DESIGN.md's format)."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A figure compared with its baseline (check with integrity_check, reconciliation with check) is the median of this
# many runs of each, one after the other: on a shared machine one run of ten seconds is easily slowed by a tenth,
# and a single pair's ratio would say so instead of the program's (each pair's ratio is printed too). A big book's
# runs, minutes long, even such moments out: benchmarks/big.py runs the 1,000,000-contract book once.
RUNS = 3


def add_runs(parser) -> None:
    def runs(text: str) -> int:
        if not text.isdigit() or int(text) < 1:
            raise argparse.ArgumentTypeError("a whole number of runs, at least 1")
        return int(text)

    parser.add_argument("--runs", type=runs, default=RUNS, help=f"runs of each, one after the other (default {RUNS})")


def alternated(runs: int, baseline: Callable[[], tuple], measured: Callable[[], tuple]) -> tuple[list, list]:
    """`baseline()` and `measured()` run one after the other, `runs` times: the results of each, in order."""
    pairs = [(baseline(), measured()) for _ in range(runs)]
    return [b for b, _ in pairs], [m for _, m in pairs]


def median(results: list[tuple], i: int = 0) -> float:
    """The median of the results' `i`th figures (0: the seconds)."""
    return statistics.median(r[i] for r in results)


def each_ratio(baseline: list[tuple], measured: list[tuple], unit: str) -> dict:
    """Each run's ratio of the measured program's seconds to its baseline's, in the order they ran."""
    return {"value": [round(m[0] / b[0], 3) for b, m in zip(baseline, measured, strict=True)], "unit": unit}


def figure(value: float, budget: float | None, unit: str, **extra) -> dict:
    """{"value": …, "unit": …, "budget": …, "ok": …}; without a budget, no verdict."""
    out = {"value": round(value, 3), "unit": unit, **extra}
    if budget is not None:
        out.update(budget=budget, ok=value <= budget)
    return out


def contracts_in(book: Path) -> int:
    """How many contracts `book` holds (read-only: a book given with --book may be any size)."""
    import sqlite3

    conn = sqlite3.connect(f"{book.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM contract").fetchone()[0]
    finally:
        conn.close()


def demo_book(path: Path, contracts: int) -> Path:
    """Write a demo book with `escrowbook demo`, as a user would (a separate process, from the source tree)."""
    subprocess.run(
        [sys.executable, "-m", "desktop", "demo", str(path), "--contracts", str(contracts)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return path


def given_or_demo(given: Path | None, folder: Path, contracts: int) -> Path:
    """The book given with --book, or else a demo book of `contracts` written into `folder`."""
    return given if given is not None else demo_book(folder / "big.book", contracts)


def settled_window(book: Path, settings: Path):
    """The main window on `book`, offscreen at 1280×800, once it has settled: what it fills in after its first
    paint (the status bar, the offer of the marketplace's overdue events) is done, so that the first timed
    action measures only itself."""
    import os
    import time

    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # The daily backup goes beside the benchmark's settings (a temporary folder), not among the user's backups:
    # it is always due there, so every run waits for it and times the window's pauses while it runs.
    os.environ["ESCROWBOOK_BACKUPS"] = str(Path(settings).parent / "backups")
    from PySide6.QtCore import QSettings

    from desktop.app import make_app
    from desktop.window.main_window import MainWindow
    from models.book import open_book

    app = make_app()
    window = MainWindow(open_book(book, create=False), settings=QSettings(str(settings), QSettings.Format.IniFormat))
    window.resize(1280, 800)
    window.show()
    deadline = time.perf_counter() + 60
    while not window.status_attention.text() and time.perf_counter() < deadline:
        app.processEvents()
    app.processEvents()
    if getattr(window, "overdue_dialog", None) is not None:
        window.overdue_dialog.reject()
    window.daily_backup_pauses_ms = after_daily_backup(app, window)
    return window


def after_daily_backup(app, window) -> list[float]:
    """Wait for the daily backup the window starts a few seconds after it is shown, when one is due (the first
    time a book is opened in a day; at 1,000,000 contracts it copies 3.9 GB, about half a minute), so that no
    action timed afterwards has it run inside (a timed action handles the window's events, and the backup
    timer's turn would come in them). Returns the pauses in the window's event handling meanwhile, in ms (the
    backup is copied in steps, the window's events handled between them: its longest step is the longest a
    user waits for the window while it runs); none when no backup was due."""
    import time

    from PySide6.QtCore import QTimer

    from desktop.dialogs.backup import BACKUP_DELAY_MS
    from models.backup import backup_due

    if window.book.store != "sqlite" or not backup_due(window.book):  # (a shared book: its server backs it up)
        return []
    pauses: list[float] = []
    last = [time.perf_counter()]

    def turn() -> None:
        now = time.perf_counter()
        pauses.append((now - last[0]) * 1000)
        last[0] = now

    ticker = QTimer()
    ticker.timeout.connect(turn)
    ticker.start(0)
    deadline = time.perf_counter() + BACKUP_DELAY_MS / 1000 + 600
    while backup_due(window.book):  # (the whole backup runs inside one of these turns, its timer's)
        if time.perf_counter() > deadline:
            sys.exit("the daily backup did not finish within 10 minutes")
        app.processEvents()
        time.sleep(0.001)
    ticker.stop()
    return pauses


def timed_ms(action) -> float:
    """Milliseconds from `action` to the window painted after it."""
    import time

    from PySide6.QtWidgets import QApplication

    started = time.perf_counter()
    action()
    QApplication.processEvents()  # the view repaints
    return (time.perf_counter() - started) * 1000


def copied(book: Path, folder: Path) -> Path:
    """A copy of `book` in `folder`, to be opened for writing: a book given with --book is never written to
    (opening a book in the app records a session and may migrate it)."""
    import shutil

    copy = folder / f"copy-{book.name}"
    shutil.copyfile(book, copy)
    return copy


# Peak memory of a child process: its own high-water mark (/proc/self/status VmHWM, printed on stderr as it exits).
# A fork's ru_maxrss would count this process's memory too (Linux keeps it across exec).
PEAK = (
    "import atexit, sys; atexit.register(lambda: print('VmHWM', [l.split()[1] for l in open('/proc/self/status') "
    "if l.startswith('VmHWM')][0], file=sys.stderr)); "
)


def escrowbook(args: list[str], ok=(0,)) -> tuple[float, float, str]:
    """Run `escrowbook ARGS` as a user would (a separate process, from the source tree) to its end: its wall
    time (s), its peak resident memory (MiB) and its output. Exits with its words when it fails."""
    import time

    code = PEAK + "from desktop.cli import main; sys.exit(main(sys.argv[1:]))"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode not in ok:
        said = f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        sys.exit(f"escrowbook {' '.join(args)} failed ({done.returncode}):\n{said}")
    peak = [int(line.split()[1]) / 1024 for line in done.stderr.splitlines() if line.startswith("VmHWM")]
    return took, (peak or [0.0])[0], done.stdout


def backup_figure(window) -> dict:
    """The longest the window kept a user waiting while its daily backup ran (budget: a keystroke's, 50 ms)."""
    pauses = window.daily_backup_pauses_ms
    if not pauses:
        return {"value": None, "unit": "ms", "note": "no daily backup was due"}
    return figure(max(pauses), 50, "ms", turns=len(pauses))
