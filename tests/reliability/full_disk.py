"""A book on a full disk, for test_bad_input.py: operations until the disk refuses one.

On a small tmpfs the test fills the disk itself and calls `until_refused` in its own process. Where mounting
is impossible it runs this module as a child instead, which limits the size of the files it may write
(RLIMIT_FSIZE, the kernel's answer to a write past it being the same refusal a full disk gives) and prints
what happened as JSON:

    python -m tests.reliability.full_disk BOOK
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
from pathlib import Path

from models import ops
from models.book import open_book
from models.check import check_book
from models.entities import Contract, Milestone
from models.errors import RuleError

from ..conftest import START, snapshot

NOTES = "Notes on the drafts. " * 900  # about 19,000 characters: each milestone takes a few pages
ATTEMPTS = 2_000


def fill(disk: Path, leave: int = 0) -> Path:
    """Take every free byte of the disk but `leave` with one file (what another program's download would do)."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        for chunk in (b"\0" * 65536, b"\0" * 4096, b"\0"):
            try:
                while os.write(fd, chunk):
                    pass
            except OSError:
                pass  # this size no longer fits: a smaller one may
    finally:
        os.close(fd)
    if leave:
        os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


def new_book(path: Path) -> Contract:
    """The book: one contract to add milestones to."""
    freelancer = ops.create_freelancer("Ana Ruiz")
    return ops.create_contract("Logo redesign", freelancer, started_on=START, today=START)


def until_refused(contract: Contract) -> tuple[RuleError, bool, int]:
    """Add milestones until one is refused; (the refusal, whether the book was left exactly as before it,
    how many were added before it)."""
    for i in range(ATTEMPTS):
        before = snapshot()
        try:
            ops.add_milestone(contract, f"Milestone {i}", 10_000, description=NOTES)
        except RuleError as exc:
            return exc, snapshot() == before, i
    raise AssertionError(f"{ATTEMPTS} milestones and the disk never filled")


def main(path: Path) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing us
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    with open_book(path) as book:
        contract = new_book(path)
        largest = max(p.stat().st_size for p in path.parent.iterdir() if p.name.startswith(path.name))
        resource.setrlimit(resource.RLIMIT_FSIZE, (largest + 256 * 1024, hard))
        refusal, unchanged, added = until_refused(contract)
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # room again
        ops.add_milestone(contract, "After making room", 10_000, description=NOTES)
        problems = check_book(str(book.path))
    with open_book(path, create=False):
        reopened = Milestone.select().count()
    print(
        json.dumps(
            {
                "message": refusal.message,
                "rule": refusal.rule,
                "unchanged": unchanged,
                "added": added,
                "problems": problems,
                "reopened": reopened,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
