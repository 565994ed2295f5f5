"""Crash safety (R14 All or nothing, issue 9): operations survive SIGKILL whole or not at all.

A child process (`crash_workload.py`) performs the plan of real operations on one book, in a loop, and
prints `done N` after each commit. The parent kills it with SIGKILL at a random moment (seeded; the seed is
printed, and `ESCROWBOOK_CRASH_SEED=N` replays one), then checks what a user would find on starting again:
the book opens, `check_book` finds nothing wrong, and the book holds exactly the operations the child
reported, or one more (the one in flight, whose report the kill swallowed), whole. "Exactly" means row for
row: the parent replays the same plan on a reference book that is never killed and compares every table
(leaving out only the real-clock stamps). Then the child is started again on the same book, which grows
across the kills.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from models.book import open_book
from models.check import check_book
from models.entities import Contract
from models.errors import BookError

from ..conftest import snapshot
from . import crash_workload as workload
from .figures import CRASH

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() == "true"
KILLS = 30 if IN_CI else 100
CREATION_KILLS = 10 if IN_CI else 25
MAX_DELAY = 0.15  # seconds after the child has opened the book: up to about 60 operations
EARLY = 0.1  # the share of kills sent without waiting for the child to open the book
# Stamped with the real clock (not the plan's today/now), so they differ between the two books; an
# entry's hash covers its created_at, so it differs too (`check`, run after every kill, verifies the chain).
REAL_CLOCK = {"ledger_entry": {"created_at", "hash"}, "audit_log": {"at"}, "book_info": {"value"}}
WAIT = 60  # seconds to wait for a child that should be up at once (a guard, not a measurement)


def crash_seed() -> int:
    given = os.environ.get("ESCROWBOOK_CRASH_SEED")
    return int(given) if given else random.SystemRandom().randrange(2**32)


class Child:
    """A Python child whose output lines are collected as they come (only whole lines count)."""

    def __init__(self, args: list[str]):
        self.proc = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            if not line.endswith("\n"):
                break  # cut short by the kill: never reported
            self.lines.append(line.rstrip("\n"))
            if line == "ready\n":
                self.ready.set()
        self.ready.set()  # the child is gone

    def kill(self) -> str:
        """SIGKILL, then everything it managed to print; returns its stderr."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=WAIT)
        self.reader.join(timeout=WAIT)
        err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return err


class Reference:
    """The same plan replayed on a second book that is never killed: what the book holds after n operations."""

    def __init__(self, path: Path):
        self.path = path
        self.count = 0
        self.snaps: dict[int, dict] = {}

    def around(self, n: int) -> tuple[dict, dict]:
        """The book after n operations and after n + 1 (n never goes back: the plan only moves on)."""
        wanted = (n, n + 1)
        if any(k not in self.snaps for k in wanted):
            with open_book(self.path):
                for k in wanted:
                    if k in self.snaps:
                        continue
                    assert k >= self.count, "the reference cannot go back in the plan"
                    while self.count < k:
                        workload.run_step(self.count)
                        self.count += 1
                    self.snaps[k] = snapshot(REAL_CLOCK)
        for k in [k for k in self.snaps if k < n]:
            del self.snaps[k]
        return self.snaps[n], self.snaps[n + 1]


def differences(actual: dict, expected: dict) -> str:
    tables = [t for t in expected if actual.get(t) != expected[t]]
    return ", ".join(f"{t} ({len(actual.get(t, []))} rows, expected {len(expected[t])})" for t in tables)


@pytest.mark.timeout(600)  # 100 kills take about 30 s here; a machine busy with other work may need longer
def test_r14_every_operation_survives_sigkill_whole_or_not_at_all(tmp_path):
    seed = crash_seed()
    rng = random.Random(seed)
    print(f"crash test: seed {seed} (ESCROWBOOK_CRASH_SEED={seed} replays it), {KILLS} kills")
    figures = CRASH
    figures.clear()
    figures.update(seed=seed, planned=KILLS, kills=0, inside=0, between=0, opening=0, damaged=0)
    figures.update(half_applied=0, lost_reports=0, steps=0, seconds=0.0)
    book = tmp_path / "crash.book"
    reference = Reference(tmp_path / "reference.book")
    present = 0  # operations 0 .. present - 1 of the plan are in the book
    started = time.perf_counter()
    try:
        for kill in range(1, KILLS + 1):
            child = Child(["-m", "tests.reliability.crash_workload", str(book), str(present)])
            if rng.random() < EARLY:
                time.sleep(rng.uniform(0, 0.15))  # counted from the start: often while it opens the book
            else:
                assert child.ready.wait(WAIT) and "ready" in child.lines, child.kill()
                time.sleep(rng.uniform(0, MAX_DELAY))
            stderr = child.kill()
            where = f"kill {kill} of {KILLS} (seed {seed}), operations before it: {present}"
            assert child.proc.returncode == -signal.SIGKILL, f"{where}: the child stopped by itself:\n{stderr}"
            done = [int(line.split()[1]) for line in child.lines if line.startswith("done ")]
            begun = [int(line.split()[1]) for line in child.lines if line.startswith("begin ")]
            reported = done[-1] + 1 if done else present
            in_flight = bool(begun) and begun[-1] == reported  # its "begin" was printed, its "done" was not
            if "ready" not in child.lines:
                figures["opening"] += 1
            elif in_flight:
                figures["inside"] += 1
            else:
                figures["between"] += 1

            if not book.exists():  # killed while creating it: no book at all is a whole "not yet"
                assert present == 0 and not done, f"{where}: the book is gone"
                figures["kills"] += 1
                continue
            try:
                with open_book(book, create=False) as b:
                    problems = check_book(str(b.path))
                    actual = snapshot(REAL_CLOCK)
            except BookError as exc:
                figures["damaged"] += 1
                pytest.fail(f"{where}: the book cannot be opened after the kill: {exc}")
            if problems:
                figures["damaged"] += 1
                pytest.fail(f"{where}: check_book found: {problems}")

            expected, one_more = reference.around(reported)
            if actual == expected:
                present = reported
            elif in_flight and actual == one_more:
                present = reported + 1  # committed, but killed before it could say so
                figures["lost_reports"] += 1
            else:
                figures["half_applied"] += 1
                pytest.fail(
                    f"{where}: the child reported {reported} operations; the book matches neither that nor "
                    f"one more ({workload.step_name(reported)}). Differs from {reported}: "
                    f"{differences(actual, expected)}; from {reported + 1}: {differences(actual, one_more)}"
                )
            figures["kills"] += 1
            figures["steps"] = present
    finally:
        figures["seconds"] = time.perf_counter() - started
    assert figures["kills"] == KILLS
    assert figures["damaged"] == figures["half_applied"] == 0
    assert figures["inside"] > KILLS // 2, "most kills should land inside an operation"
    assert present > KILLS, "the book should grow across the kills"


def test_r14_a_book_killed_while_being_created_is_a_whole_book_or_no_file(tmp_path):
    """Starting the app for the first time creates the book; a kill then must not leave a file the app refuses."""
    seed = crash_seed()
    rng = random.Random(seed)
    create = (
        "import sys, time\n"
        "from models.book import open_book\n"
        "print('ready', flush=True)\n"
        "t = time.perf_counter()\n"
        "open_book(sys.argv[1]).close()\n"
        "print(f'created {time.perf_counter() - t}', flush=True)\n"
    )
    # How long creating a book takes here: the kills are spread over that.
    timing = Child(["-c", create, str(tmp_path / "timing.book")])
    timing.proc.wait(timeout=WAIT)
    timing.reader.join(timeout=WAIT)
    took = float(next(line.split()[1] for line in timing.lines if line.startswith("created")))
    made = damaged = 0
    for i in range(CREATION_KILLS):
        path = tmp_path / f"new-{i}.book"
        child = Child(["-c", create, str(path)])
        assert child.ready.wait(WAIT), child.kill()
        time.sleep(rng.uniform(0, took * 1.2))
        child.kill()
        where = f"kill {i + 1} (seed {seed})"
        if path.exists():
            try:
                with open_book(path, create=False) as b:
                    assert check_book(str(b.path)) == []
                    assert Contract.select().count() == 0
                made += 1
            except BookError as exc:
                damaged += 1
                CRASH.update(creation_kills=i + 1, creation_made=made, creation_damaged=damaged)
                pytest.fail(f"{where}: the new book was left unopenable: {exc}")
        with open_book(path) as b:  # either way the user can start again
            assert check_book(str(b.path)) == []
    CRASH.update(creation_kills=CREATION_KILLS, creation_made=made, creation_damaged=damaged)


def test_r14_a_book_killed_in_the_middle_of_a_checkpoint_opens_whole(tmp_path, anchors_folder):
    """A kill while SQLite folds the write-ahead log into the book (a checkpoint) leaves the file's first page
    new and the rest old: SQLite writes the pages in order, page 1 first, and the file reaches its new length
    only with its last page. The log still holds every page, so the book is whole; it must open as such.

    A random kill rarely lands in those few milliseconds, so this test makes that moment itself: the book and
    its log as they are when the checkpoint starts, with page 1 as the checkpoint writes it."""
    book = tmp_path / "checkpoint.book"
    with open_book(book):
        for n in range(200):
            workload.run_step(n)
    before, after, cut = tmp_path / "before", tmp_path / "after", tmp_path / "cut"
    with open_book(book, create=False) as b:
        b.db.execute_sql("PRAGMA wal_autocheckpoint = 0")  # the log grows; the book file stays as it was
        for n in range(200, 600):
            workload.run_step(n)
        expected = snapshot(REAL_CLOCK)
        for folder in (before, after, cut):
            folder.mkdir()
            for suffix in ("", "-wal"):
                (folder / f"b.book{suffix}").write_bytes(Path(f"{book}{suffix}").read_bytes())
        # What the app noted outside the book while it was open (models/anchor.py): as a kill would leave it.
        killed_notes = {p: p.read_bytes() for p in anchors_folder.iterdir()}
    for p, data in killed_notes.items():
        p.write_bytes(data)
    with open_book(after / "b.book", create=False) as b:  # the checkpoint done, for its page 1
        b.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    for p, data in killed_notes.items():
        p.write_bytes(data)
    page_size = int.from_bytes((before / "b.book").read_bytes()[16:18], "big")
    killed = before / "b.book"
    new_first_page = (after / "b.book").read_bytes()[:page_size]
    assert (after / "b.book").stat().st_size > killed.stat().st_size, "the checkpoint should grow the file"
    with open(killed, "r+b") as f:
        f.write(new_first_page)

    with open_book(killed, create=False) as b:
        assert check_book(str(b.path)) == []
        assert snapshot(REAL_CLOCK) == expected

    # A book really cut short is still refused, log or not, and left as it was.
    data = (cut / "b.book").read_bytes()
    (cut / "b.book").write_bytes(data[: len(data) // 2 // page_size * page_size])
    files = {p.name: p.read_bytes() for p in cut.iterdir()}
    with pytest.raises(BookError, match="the file is damaged"):
        open_book(cut / "b.book", create=False)
    assert {p.name: p.read_bytes() for p in cut.iterdir()} == files
