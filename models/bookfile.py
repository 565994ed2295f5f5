"""The book file itself, below peewee: check it, open it in SQLite and lock it, or refuse it untouched.

models/book.py opens every book through here, then puts peewee over the same
connection (and migrates it). This module needs only the standard library, so the
window can show the contracts table before peewee and the models are imported
(desktop/app.py `start`): on a large book that is most of the time to the first paint.

What it checks, in order (DESIGN.md, "Opening a book"):
1. that it is a regular file (not a folder, a device or a pipe, which would hang SQLite), then its
   header, read as bytes before SQLite touches it: empty, not SQLite, not a book, from a newer version or
   with a format number no version wrote, cut short (`probe`);
2. that the owner may write it and its folder (`check_writable`);
3. the files SQLite would read beside it (`companions`): a rollback journal beside a book kept with a
   write-ahead log never belongs to it (SQLite would play it back first, over the book), and a
   write-ahead log that does not belong to this copy of the book (models/anchor.py) would be merged into
   it for good: either is moved aside to a dated name, and the move reported, never used. A log that
   belongs is read through SQLite's quick check on a read-only connection before anything folds it
   into the book;
4. in SQLite, with `trusted_schema` off: an exclusive lock (a book open elsewhere is refused), then the
   header again through the write-ahead log, every table present and nothing in the schema the app
   does not make: no trigger, no other view, no other table (`connect`; models/book.py then compares
   the whole schema with the one its migrations make).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from .errors import BookError
from .resources import user_data

APPLICATION_ID = 0x45424B31  # "EBK1" in the SQLite header: this file is an Escrowbook book
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
LOCK_WAIT_MS = 300
SCHEMA_VERSION = 16  # the book format this version writes: len(models.book.MIGRATIONS) (a test holds them equal)
TABLES = frozenset(  # every table of the current format (models.entities.ALL_TABLES; a test holds them equal)
    {
        "access_grant",
        "attention_day",
        "audit_log",
        "book_month",
        "book_total",
        "book_info",
        "clock",
        "closeout_item",
        "contract",
        "contract_day",
        "contract_life",
        "contract_month",
        "contract_totals",
        "contract_year",
        "deliverable",
        "dispute",
        "escrow_refund_request",
        "exchange_rate",
        "feedback",
        "freelancer",
        "freelancer_life",
        "freelancer_year",
        "ledger_entry",
        "milestone",
        "policy",
        "report_day",
        "statement",
        "statement_choice",
        "statement_line",
        "statement_match",
        "support_case",
    }
)
WAL_MAGIC = (0x377F0682, 0x377F0683)
VIEWS = frozenset({"live_entry"})
SEARCH = "contract_search"  # the FTS5 table; SQLite keeps its index in contract_search_* tables
SEARCH_PARTS = frozenset(f"{SEARCH}_{part}" for part in ("data", "idx", "content", "docsize", "config"))
STAMP = "%Y%m%dT%H%M%SZ"


def default_book_path() -> Path:
    """The book a double-click opens: escrowbook.book in the user's data folder."""

    return user_data("escrowbook.book")


def refuse(path: Path, why: str, reason: str) -> BookError:
    return BookError(f"“{path.name}” cannot be opened: {why}", reason=reason)


def regular_file(path: Path) -> None:
    """Refuse anything but a regular file, before anything opens it: a pipe would hang every reader, a
    device such as /dev/full reads as empty or endless, a folder is not a book."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise refuse(path, "there is no such file.", "missing") from None
    except OSError as exc:
        raise refuse(path, f"it could not be read ({exc.strerror}).", "unreadable") from None
    if stat.S_ISDIR(mode):
        raise refuse(path, "it is a folder, not a book file.", "not_a_book")
    if not stat.S_ISREG(mode):
        raise refuse(path, "it is not a file but a device, a pipe or a socket, so it cannot be a book.", "not_a_book")


def probe(path: Path, current: int = SCHEMA_VERSION) -> int:
    """Read the SQLite header without opening the file in SQLite; return its schema version.

    Raises BookError for an empty file, a file that is not SQLite, a SQLite
    file that is not a book, a book newer than `current`, or a truncated book.
    """
    regular_file(path)
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
    if version < 1:
        raise refuse(path, f"the file is damaged (its book format, {version}, is not one Escrowbook wrote).", "damaged")
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


def new_connection(path: Path | str, *, uri: bool = False) -> sqlite3.Connection:
    """A SQLite connection as peewee makes them: autocommit (peewee issues BEGIN itself), any thread; with
    `trusted_schema` off, so that nothing a book's schema names (a view, a trigger) runs a function with
    side effects."""
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False, uri=uri
    )
    conn.execute("PRAGMA trusted_schema = OFF")
    return conn


def read_only_uri(path: Path, *, immutable: bool = False) -> str:
    import urllib.parse

    return f"file:{urllib.parse.quote(str(path))}?mode=ro" + ("&immutable=1" if immutable else "")


def companions(path: Path) -> list[str]:
    """Move aside the files beside a book that SQLite would apply to it but that do not belong to it;
    return what was moved, in words. A write-ahead log that belongs is checked by SQLite's quick check on a
    read-only connection (which never folds it into the book): a damaged one refuses the book untouched."""
    notices = []
    with open(path, "rb") as f:
        header = f.read(20)
    wal_book = header[18:20] == b"\x02\x02"
    journal = Path(f"{path}-journal")
    if journal.exists() and journal.stat().st_size > 0:
        if not wal_book:  # a book never keeps a rollback journal; which file is wrong cannot be told
            raise refuse(
                path,
                f"a file “{journal.name}” lies beside it, which Escrowbook did not write. Move that file away, "
                "then open the book again.",
                "stray_journal",
            )
        notices.append(_set_aside(journal, "a rollback journal, which a book never keeps"))
    log = Path(f"{path}-wal")
    if log.exists() and log.stat().st_size > 0:
        why = wal_foreign(path, log)
        if why:
            notices.append(_set_aside(log, why))
            shm = Path(f"{path}-shm")
            if shm.exists():
                _set_aside(shm, why)
        else:
            _quick_check(path)
    return notices


def _set_aside(stray: Path, why: str) -> str:
    stamp = datetime.now(UTC).strftime(STAMP)
    target = stray.with_name(f"{stray.name}.set-aside-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = stray.with_name(f"{stray.name}.set-aside-{stamp}-{n}")
    try:
        os.rename(stray, target)
    except OSError as exc:
        book = stray.with_name(stray.name.rsplit("-", 1)[0])
        raise refuse(
            book,
            f"the file “{stray.name}” beside it does not belong to it ({why}) and could not be moved "
            f"aside ({exc.strerror}). Move it away, then open the book again.",
            "stray_file",
        ) from None
    return (
        f"“{stray.name}” lay beside the book but did not belong to it ({why}). It was not used: it was "
        f"moved aside to “{target.name}”."
    )


def wal_foreign(path: Path, log: Path) -> str | None:
    """Why the write-ahead log beside a book does not belong to it, or None when it may.

    A log belongs to the copy of the book it was written on top of. The app writes a new random session
    value into the book and folds it into the file each time it opens it, and notes it outside the book
    (models/anchor.py); a log left by a crash beside a file holding another session's value (an older copy
    copied over the book, say) or beside a book that was closed properly, or a log for another page size
    or another database, does not belong."""
    try:
        with open(log, "rb") as f:
            head = f.read(32)
            frame = f.read(24)
            first_page = f.read(100)
    except OSError:
        return "it could not be read"
    if len(head) < 32 or int.from_bytes(head[:4], "big") not in WAL_MAGIC:
        return "it is not a SQLite log"
    with open(path, "rb") as f:
        header = f.read(100)
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if int.from_bytes(head[8:12], "big") != page_size:
        return "it was written for another database"
    first = int.from_bytes(frame[:4], "big") == 1 and first_page[:16] == SQLITE_MAGIC
    if first and int.from_bytes(first_page[68:72], "big") != APPLICATION_ID:
        return "it was written for another database"
    try:
        ids = _file_ids(path)
    except sqlite3.Error:
        return None  # the book itself is checked next
    if ids is None:
        return None
    book_id, session = ids
    from . import anchor  # (here: only a log beside the book needs it, and it costs the window's first paint)

    known = anchor.read(book_id, path)
    if known is None:
        return None  # a book never opened here on this computer: nothing to compare the log with
    if not session:
        return None  # its session could not be noted when it was opened (models/book.py): nothing to go by
    if known.closed:
        return "the book was closed properly since, so the log is from another copy of it"
    if session != known.session:
        return "it was written on top of another copy of the book"
    return None


def _file_ids(path: Path) -> tuple[str, str] | None:
    """The book id and session value stored in the file itself (its write-ahead log ignored)."""
    from . import anchor

    conn = new_connection(read_only_uri(path, immutable=True), uri=True)
    try:
        rows = dict(
            conn.execute(
                "SELECT key, value FROM book_info WHERE key IN (?, ?)", (anchor.ID_KEY, anchor.SESSION_KEY)
            ).fetchall()
        )
    finally:
        conn.close()
    if anchor.ID_KEY not in rows:
        return None
    return str(rows[anchor.ID_KEY]), str(rows.get(anchor.SESSION_KEY, ""))


def _quick_check(path: Path) -> None:
    """SQLite's quick check through the write-ahead log, on a read-only connection that never checkpoints:
    a log a crash left damaged is never folded into the book. (The wal-index it needs is removed after.)"""
    shm = Path(f"{path}-shm")
    had_shm = shm.exists()
    try:
        conn = new_connection(read_only_uri(path), uri=True)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise refuse(
                path, "it is already open in another Escrowbook window or program. Close it there first.", "locked"
            ) from None
        rows = [str(exc)]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    finally:
        if not had_shm:
            shm.unlink(missing_ok=True)
    if rows != ["ok"]:
        raise refuse(path, f"the file is damaged ({rows[0]}). It was left as it is.", "damaged")


class BookFile(NamedTuple):
    """A book `connect` opened and locked, before peewee is put over it (models.book.adopt)."""

    path: Path
    conn: sqlite3.Connection  # holds the book's exclusive lock until closed
    version: int  # its format: older than this version's only until models.book migrates it
    notices: tuple[str, ...] = ()  # files moved aside before opening it (`companions`), in words


def connect(path: Path, current: int = SCHEMA_VERSION) -> BookFile:
    """Open a book that exists: the checks above, the lock, then WAL, synchronous=FULL, foreign keys and the
    busy timeout. Its format may be older than `current` (models.book then migrates it). Nothing is written
    to a book that is refused."""
    probe(path, current)
    check_writable(path)
    notices = companions(path)
    conn = new_connection(path)
    try:
        _lock(conn, path)
        version = _check_readable(conn, path, current)
        _make_private(path)
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
    except BaseException:
        conn.close()
        raise
    return BookFile(path, conn, version, tuple(notices))


def _make_private(path: Path) -> None:
    """A book someone sent arrives readable by everyone (0644): make it, and its log, its owner's only."""
    for p in (path, Path(f"{path}-wal")):
        try:
            if p.exists() and p.stat().st_mode & 0o077:
                os.chmod(p, 0o600)
        except OSError:
            pass  # not ours to change: it stays as it was


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
        schema = conn.execute("SELECT type, name FROM sqlite_master").fetchall()
    except sqlite3.DatabaseError as exc:
        raise refuse(path, f"the file is damaged ({exc}).", "damaged") from None
    names = {name for kind, name in schema if kind == "table"}
    if app_id != APPLICATION_ID:
        raise refuse(path, "it is a database, but not an Escrowbook book.", "not_a_book")
    if version > current:
        raise refuse(path, f"it was written by a newer version of Escrowbook (book format {version}).", "newer")
    if version < 1:
        raise refuse(path, f"the file is damaged (its book format, {version}, is not one Escrowbook wrote).", "damaged")
    if version == current and TABLES - names:
        raise refuse(path, "the file is damaged (parts of the book are missing).", "damaged")
    foreign = foreign_objects(schema)
    if foreign:
        raise untrusted(path, foreign)
    return version


def foreign_objects(schema: list[tuple[str, str]]) -> list[str]:
    """What a book's schema holds that Escrowbook never makes, in words: any trigger, any view but its own,
    any table but its own (the tables SQLite keeps for itself and for the search index included)."""
    out = []
    for kind, name in sorted(schema):
        if kind == "trigger":
            out.append(f"a trigger “{name}”, which runs its own commands whenever the book is changed")
        elif kind == "view" and name not in VIEWS:
            out.append(f"a view “{name}”")
        elif kind == "table" and name not in TABLES | SEARCH_PARTS | {SEARCH} and not name.startswith("sqlite_"):
            out.append(f"a table “{name}”")
    return out


def untrusted(path: Path, changes: list[str]) -> BookError:
    listed = "; ".join(changes[:5]) + ("; …" if len(changes) > 5 else "")
    return refuse(
        path,
        f"this book contains changes Escrowbook did not make: {listed}. It was left as it is; "
        "open a backup or ask for a clean copy.",
        "untrusted",
    )


def mark_copy(path: Path, *, new_book: bool = False) -> None:
    """A copy of a book (a backup, a restored backup, a saved copy) is not the open book: a write-ahead log
    the open book leaves after a crash must never be taken for the copy's, so the copy's session value says
    it is a copy (models/anchor.py). A copy that becomes a book of its own (saved, restored) gets a new book id,
    so that what this computer noted about the original is never held against it."""
    import uuid

    from . import anchor

    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        foreign = foreign_objects(conn.execute("SELECT type, name FROM sqlite_master").fetchall())
        if foreign:  # (a trigger would run on the change below)
            raise untrusted(path, foreign)
        conn.execute("BEGIN")
        conn.execute(
            "INSERT OR REPLACE INTO book_info (key, value) VALUES (?, ?)", (anchor.SESSION_KEY, anchor.COPY_SESSION)
        )
        if new_book:
            conn.execute(
                "INSERT OR REPLACE INTO book_info (key, value) VALUES (?, ?)", (anchor.ID_KEY, uuid.uuid4().hex)
            )
        conn.execute("COMMIT")
    finally:
        conn.close()


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
