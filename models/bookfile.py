"""The book file itself, below peewee: check it, open it in SQLite and lock it, or refuse it untouched.

models/book.py opens every book through here, then puts peewee over the same
connection (and migrates it). This module needs only the standard library, so the
window can show the contracts table before peewee and the models are imported
(desktop/app.py `start`): on a large book that is most of the time to the first paint.

What it checks, in order (DESIGN.md, "Opening a book"):
1. the file's header, read as bytes before SQLite touches it: empty, not SQLite,
   not a book, from a newer version, cut short (`probe`);
2. that the owner may write it and its folder (`check_writable`);
3. in SQLite: an exclusive lock (a book open elsewhere is refused), then the
   header again through the write-ahead log, and every table present (`connect`).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import NamedTuple

from .errors import BookError

APPLICATION_ID = 0x45424B31  # "EBK1" in the SQLite header: this file is an Escrowbook book
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
LOCK_WAIT_MS = 300
SCHEMA_VERSION = 3  # the book format this version writes: len(models.book.MIGRATIONS) (a test holds them equal)
TABLES = frozenset(  # every table of the current format (models.entities.ALL_TABLES; a test holds them equal)
    {
        "access_grant",
        "audit_log",
        "book_info",
        "clock",
        "closeout_item",
        "contract",
        "contract_month",
        "contract_totals",
        "deliverable",
        "dispute",
        "escrow_refund_request",
        "feedback",
        "freelancer",
        "ledger_entry",
        "milestone",
        "policy",
    }
)
WAL_MAGIC = (0x377F0682, 0x377F0683)


def default_book_path() -> Path:
    """The book a double-click opens: escrowbook.book in the user's data folder."""
    import platformdirs  # only here: a book given by name never needs it

    return platformdirs.user_data_path("Escrowbook", appauthor=False) / "escrowbook.book"


def refuse(path: Path, why: str, reason: str) -> BookError:
    return BookError(f"“{path.name}” cannot be opened: {why}", reason=reason)


def probe(path: Path, current: int = SCHEMA_VERSION) -> int:
    """Read the SQLite header without opening the file in SQLite; return its schema version.

    Raises BookError for an empty file, a file that is not SQLite, a SQLite
    file that is not a book, a book newer than `current`, or a truncated book.
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            header = f.read(100)
    except OSError as exc:
        raise refuse(path, f"it could not be read ({exc.strerror}).", "unreadable") from None
    if size == 0:
        raise refuse(path, "it is an empty file, not an Escrowbook book.", "empty")
    if len(header) < 100 or header[:16] != SQLITE_MAGIC:
        raise refuse(path, "it is not an Escrowbook book.", "not_a_book")
    app_id = int.from_bytes(header[68:72], "big")
    version = int.from_bytes(header[60:64], "big", signed=True)
    if app_id != APPLICATION_ID:
        raise refuse(path, "it is a database, but not an Escrowbook book.", "not_a_book")
    if version > current:
        raise refuse(
            path,
            f"it was written by a newer version of Escrowbook (book format {version}; "
            f"this version reads up to {current}). Install the latest Escrowbook to open it.",
            "newer",
        )
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    header_size_valid = header[24:28] == header[92:96]
    if page_size < 512 or size % page_size:
        raise refuse(path, "the file is damaged (it is shorter than the book it holds).", "damaged")
    if header_size_valid and size < pages * page_size and not _log_holds(path, size // page_size + 1, pages):
        raise refuse(path, "the file is damaged (it is shorter than the book it holds).", "damaged")
    return version


def _log_holds(path: Path, first: int, last: int) -> bool:
    """Whether the write-ahead log beside the book holds pages first..last (the frames of its current run).

    A book shorter than its header says is cut off, unless a crash interrupted a checkpoint: SQLite copies
    the log into the file page by page, page 1 (with the new page count) first, so the file has its new
    length only once the last page is written. The pages beyond its end are then still in the log.
    """
    try:
        with open(f"{path}-wal", "rb") as log:
            header = log.read(32)
            if len(header) < 32 or int.from_bytes(header[:4], "big") not in WAL_MAGIC:
                return False
            page_size = int.from_bytes(header[8:12], "big")
            salts = header[16:24]
            found: set[int] = set()
            offset = 32
            while True:
                log.seek(offset)
                frame = log.read(24)
                if len(frame) < 24 or frame[8:16] != salts:
                    break
                found.add(int.from_bytes(frame[:4], "big"))
                offset += 24 + page_size
    except OSError:
        return False
    return all(page in found for page in range(first, last + 1))


def check_writable(path: Path) -> None:
    """Refuse a book its owner marked read-only (root too, who could write it anyway: the mark is the owner's
    wish), one this user may not write, and one in a folder where SQLite cannot put its log beside it."""
    if not path.stat().st_mode & stat.S_IWUSR or not os.access(path, os.W_OK):
        raise refuse(path, "it is read-only. Make the file writable, or open a copy of it.", "read_only")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise refuse(
            path,
            "its folder is read-only, and a book needs to keep a log file beside it while it is open. "
            "Copy it to a folder you can write to.",
            "read_only",
        )


def new_connection(path: Path) -> sqlite3.Connection:
    """A SQLite connection as peewee makes them: autocommit (peewee issues BEGIN itself), any thread."""
    return sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)


class BookFile(NamedTuple):
    """A book `connect` opened and locked, before peewee is put over it (models.book.adopt)."""

    path: Path
    conn: sqlite3.Connection  # holds the book's exclusive lock until closed
    version: int  # its format: older than this version's only until models.book migrates it


def connect(path: Path, current: int = SCHEMA_VERSION) -> BookFile:
    """Open a book that exists: the checks above, the lock, then WAL, synchronous=FULL, foreign keys and the
    busy timeout. Its format may be older than `current` (models.book then migrates it). Nothing is written
    to a book that is refused."""
    probe(path, current)
    check_writable(path)
    conn = new_connection(path)
    try:
        _lock(conn, path)
        version = _check_readable(conn, path, current)
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
    except BaseException:
        conn.close()
        raise
    return BookFile(path, conn, version)


def _lock(conn: sqlite3.Connection, path: Path) -> None:
    """Hold an exclusive lock for as long as the book is open (no shared-memory file either)."""
    conn.execute(f"PRAGMA busy_timeout = {LOCK_WAIT_MS}")
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    try:
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise refuse(
                path, "it is already open in another Escrowbook window or program. Close it there first.", "locked"
            ) from None
        raise refuse(path, f"the file is damaged ({exc}).", "damaged") from None
    except sqlite3.DatabaseError as exc:
        raise refuse(path, f"the file is damaged ({exc}).", "damaged") from None


def _check_readable(conn: sqlite3.Connection, path: Path, current: int) -> int:
    """Read the book through SQLite (a write-ahead log included); return its schema version."""
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise refuse(path, f"the file is damaged ({exc}).", "damaged") from None
    if app_id != APPLICATION_ID:
        raise refuse(path, "it is a database, but not an Escrowbook book.", "not_a_book")
    if version > current:
        raise refuse(path, f"it was written by a newer version of Escrowbook (book format {version}).", "newer")
    if version == current and TABLES - names:
        raise refuse(path, "the file is damaged (parts of the book are missing).", "damaged")
    return version


def copy_into_place(conn: sqlite3.Connection, target: Path) -> None:
    """`_copy` to a temporary name beside `target`, then renamed: `target` is never half written."""
    part = target.with_name(f".{target.name}.part")
    try:
        _copy(conn, part)
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _copy(conn: sqlite3.Connection, target: Path) -> None:
    """A consistent copy of the open book on `conn` (SQLite's backup API), mode 0600."""
    if target.exists():
        target.unlink()
    os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    dest = sqlite3.connect(str(target))
    try:
        conn.backup(dest)
    finally:
        dest.close()
