"""What every benchmark script shares: one figure of its JSON line (DESIGN.md's format)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
    return window


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
