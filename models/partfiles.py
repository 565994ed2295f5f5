"""Temporary files the app writes beside a file before moving it into place, and what a killed run left.

A temporary is named `.escrowbook-<random>.<kind>.part` and, while it is being written, holds a lock
(`flock`, where the system has it): a run killed part-way leaves its temporary unlocked, and the next
run that writes into that folder removes it (`remove_leftovers`). A temporary another run is still
writing is locked, and left alone. Where there are no such locks (Windows), a temporary is a leftover
once it is an hour old. Nothing else is ever removed: only names of this exact pattern.

Also here: `whole_book`, the check that a copy of a book (a backup, a restored book, a saved copy) is
complete before it replaces anything.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

PREFIX = ".escrowbook-"
_PATTERN = re.compile(r"^\.escrowbook-[A-Za-z0-9_]{6,}\.[a-z]+\.part$")
STALE_AFTER_S = 3600  # without locks: a temporary this old is a leftover
LOW_SPACE = 1 << 20  # under this much free space, an incomplete file is put down to a full disk


@contextlib.contextmanager
def temporary_beside(path: str | os.PathLike, kind: str) -> Iterator[Path]:
    """A new, empty, locked temporary file (mode 0600) in the folder of `path`; removed on the way out
    unless it was moved into place. `kind` is a word for the file's type ("pdf", "book")."""
    folder = Path(path).parent
    fd, name = tempfile.mkstemp(prefix=PREFIX, suffix=f".{kind}.part", dir=folder)
    part = Path(name)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield part
    finally:
        part.unlink(missing_ok=True)
        os.close(fd)


def remove_leftovers(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporaries a killed run left in `folder` (only names of our pattern, only unlocked ones)."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for p in entries:
        if not _PATTERN.match(p.name) or not p.is_file() or p.is_symlink():
            continue
        if _abandoned(p):
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


def _abandoned(p: Path) -> bool:
    if fcntl is None:  # pragma: no cover - Windows
        try:
            return time.time() - p.stat().st_mtime > STALE_AFTER_S
        except OSError:
            return False
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # another run is writing it
    else:
        return True
    finally:
        os.close(fd)


def sync(path: Path) -> None:
    """Push the file's bytes to the disk (where a full disk may only now say so)."""
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def disk_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < LOW_SPACE
    except OSError:
        return False


def incomplete(path: Path, what: str) -> OSError:
    """The error for a file that came out incomplete: the disk is full, or the writing failed."""
    if disk_full(path):
        return OSError(errno.ENOSPC, "the disk is full", str(path))
    return OSError(errno.EIO, f"the {what} came out incomplete", str(path))


SQLITE_MAGIC = b"SQLite format 3\x00"


def whole_book(path: Path) -> bool:
    """Whether the SQLite file at `path` is as long as its header says (a copy cut short is not)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            header = f.read(100)
    except OSError:
        return False
    if len(header) < 100 or header[:16] != SQLITE_MAGIC:
        return False
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if page_size < 512 or size == 0 or size % page_size:
        return False
    counted = header[24:28] == header[92:96]  # else the page count in the header is not kept up to date
    return size == pages * page_size if counted else True
