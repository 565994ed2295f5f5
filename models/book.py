"""Book files: open or create one SQLite file safely, or refuse it untouched.

Opening a book (DESIGN.md): WAL, foreign keys, synchronous=FULL, a busy
timeout, file mode 0600, an exclusive lock held while it is open (a second
process is refused), and the migration chain, with a backup of the file taken
before any migration (kept in the book's backups folder, models/backup.py). A
file that is not a book, is damaged, or comes from a newer version is refused
with a clear message before SQLite writes a byte.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import peewee as pw

from . import chain
from .entities import ALL_TABLES, BookInfo, database
from .errors import BookError
from .policy import sync_policies
from .summary import LIVE_VIEW, SEARCH_TABLE

APPLICATION_ID = 0x45424B31  # "EBK1" in the SQLite header: this file is an Escrowbook book
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
LOCK_WAIT_MS = 300


def _create_schema(db: pw.Database) -> None:
    db.create_tables(ALL_TABLES)
    db.execute_sql(LIVE_VIEW)
    db.execute_sql(SEARCH_TABLE)
    # Soonest deadline first, contracts with none last, straight from an index.
    db.execute_sql("CREATE INDEX contract_totals_next ON contract_totals (next_due IS NULL, next_due)")
    BookInfo.insert(key="created_at", value=datetime.now(UTC).isoformat()).execute()


def _chain_ledger(db: pw.Database) -> None:
    """Book format 2: every ledger entry carries a hash chaining it to the one before (models/chain.py)."""
    columns = {row[1] for row in db.execute_sql("PRAGMA table_info(ledger_entry)")}
    if "hash" not in columns:  # a new book has it from _create_schema already
        db.execute_sql("ALTER TABLE ledger_entry ADD COLUMN hash BLOB")
    chain.backfill(db)


# MIGRATIONS[n] upgrades a book from schema version n to n + 1. Each runs in one transaction; an
# existing book is backed up first (models/backup.py: kept in its backups folder, never pruned).
MIGRATIONS: list[Callable[[pw.Database], None]] = [_create_schema, _chain_ledger]


def schema_version() -> int:
    return len(MIGRATIONS)


def default_book_path() -> Path:
    import platformdirs  # only here: not on the way to the window

    return platformdirs.user_data_path("Escrowbook", appauthor=False) / "escrowbook.book"


def _refuse(path: Path, why: str, reason: str) -> BookError:
    return BookError(f"“{path.name}” cannot be opened: {why}", reason=reason)


def probe(path: Path) -> int:
    """Read the SQLite header without opening the file in SQLite; return its schema version.

    Raises BookError for an empty file, a file that is not SQLite, a SQLite
    file that is not a book, a book from a newer version, or a truncated book.
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            header = f.read(100)
    except OSError as exc:
        raise _refuse(path, f"it could not be read ({exc.strerror}).", "unreadable") from None
    if size == 0:
        raise _refuse(path, "it is an empty file, not an Escrowbook book.", "empty")
    if len(header) < 100 or header[:16] != SQLITE_MAGIC:
        raise _refuse(path, "it is not an Escrowbook book.", "not_a_book")
    app_id = int.from_bytes(header[68:72], "big")
    version = int.from_bytes(header[60:64], "big", signed=True)
    if app_id != APPLICATION_ID:
        raise _refuse(path, "it is a database, but not an Escrowbook book.", "not_a_book")
    if version > schema_version():
        raise _refuse(
            path,
            f"it was written by a newer version of Escrowbook (book format {version}; "
            f"this version reads up to {schema_version()}). Install the latest Escrowbook to open it.",
            "newer",
        )
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    header_size_valid = header[24:28] == header[92:96]
    if page_size < 512 or size % page_size:
        raise _refuse(path, "the file is damaged (it is shorter than the book it holds).", "damaged")
    if header_size_valid and size < pages * page_size and not _log_holds(path, size // page_size + 1, pages):
        raise _refuse(path, "the file is damaged (it is shorter than the book it holds).", "damaged")
    return version


WAL_MAGIC = (0x377F0682, 0x377F0683)


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


class Book:
    """An open book. Close it (or use it as a context manager) to release the lock."""

    def __init__(self, path: Path, db: pw.SqliteDatabase):
        self.path = path
        self.db = db

    def close(self) -> None:
        if not self.db.is_closed():
            self.db.close()
        if database.obj is self.db:
            database.initialize(None)

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_book(path: str | os.PathLike, *, create: bool = True) -> Book:
    """Open (or create) the book at `path` and bind the models to it."""
    path = Path(path).expanduser().absolute()
    if not path.exists():
        if not create:
            raise _refuse(path, "there is no such file.", "missing")
        _create(path)
    version = probe(path)
    _check_writable(path)

    db = pw.SqliteDatabase(str(path), check_same_thread=False, thread_safe=False, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        db.connect()
        _lock(db, path)
        version = _check_readable(db, path)
        db.execute_sql("PRAGMA synchronous = FULL")
        db.execute_sql("PRAGMA foreign_keys = ON")
        db.execute_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        database.initialize(db)
        db.execute_sql("PRAGMA journal_mode = WAL")
        _migrate(db, path, version, is_new=False)
        with db.atomic():
            sync_policies()
    except BaseException:
        if not db.is_closed():
            db.close()
        if database.obj is db:
            database.initialize(None)
        raise
    return Book(path, db)


def _check_writable(path: Path) -> None:
    """Refuse a book its owner marked read-only (root too, who could write it anyway: the mark is the owner's
    wish), one this user may not write, and one in a folder where SQLite cannot put its log beside it."""
    if not path.stat().st_mode & stat.S_IWUSR or not os.access(path, os.W_OK):
        raise _refuse(path, "it is read-only. Make the file writable, or open a copy of it.", "read_only")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise _refuse(
            path,
            "its folder is read-only, and a book needs to keep a log file beside it while it is open. "
            "Copy it to a folder you can write to.",
            "read_only",
        )


def _create(path: Path) -> None:
    """A new, empty book at `path`, all or nothing: built beside it under a temporary name, then moved
    into place in one step, so a crash or a kill while creating leaves either no book or a whole one
    (never an empty or half-made file that the next start would refuse)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.creating")
    _remove_quietly(part)  # what a killed creation left behind
    os.close(os.open(part, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    db = pw.SqliteDatabase(str(part), check_same_thread=False, thread_safe=False, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        db.connect()
        db.execute_sql("PRAGMA synchronous = FULL")
        db.execute_sql("PRAGMA foreign_keys = ON")
        with _bound(db):
            # Created with a rollback journal, so the file's own header says "book" from the first commit.
            _migrate(db, part, 0, is_new=True)
            with db.atomic():
                sync_policies()
        db.execute_sql("PRAGMA journal_mode = WAL")
        db.close()  # the last connection: SQLite folds the write-ahead log into the file and removes it
        try:
            os.link(part, path)  # never over a file that appeared meanwhile
        except FileExistsError:
            raise _refuse(path, "another program created a file of that name meanwhile.", "exists") from None
        except OSError:  # a file system without hard links
            if path.exists():
                raise _refuse(path, "another program created a file of that name meanwhile.", "exists") from None
            os.replace(part, path)
        _sync_folder(path.parent)
    finally:
        if not db.is_closed():
            db.close()
        _remove_quietly(part)


@contextlib.contextmanager
def _bound(db: pw.SqliteDatabase):
    """The models bound to `db` for a while (the book being created), then to what they were bound to."""
    previous = database.obj
    database.initialize(db)
    try:
        yield
    finally:
        database.initialize(previous)


def _sync_folder(folder: Path) -> None:
    """Make a new name in `folder` survive a power cut (where the system allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _lock(db: pw.SqliteDatabase, path: Path) -> None:
    """Hold an exclusive lock for as long as the book is open (no shared-memory file either)."""
    db.execute_sql(f"PRAGMA busy_timeout = {LOCK_WAIT_MS}")
    db.execute_sql("PRAGMA locking_mode = EXCLUSIVE")
    try:
        db.execute_sql("BEGIN EXCLUSIVE")
        db.execute_sql("COMMIT")
    except pw.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise _refuse(
                path, "it is already open in another Escrowbook window or program. Close it there first.", "locked"
            ) from None
        raise _refuse(path, f"the file is damaged ({exc}).", "damaged") from None
    except pw.DatabaseError as exc:
        raise _refuse(path, f"the file is damaged ({exc}).", "damaged") from None


def _check_readable(db: pw.SqliteDatabase, path: Path) -> int:
    """Read the book through SQLite (a write-ahead log included); return its schema version."""
    try:
        app_id = db.execute_sql("PRAGMA application_id").fetchone()[0]
        version = db.execute_sql("PRAGMA user_version").fetchone()[0]
        names = {r[0] for r in db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except pw.DatabaseError as exc:
        raise _refuse(path, f"the file is damaged ({exc}).", "damaged") from None
    if app_id != APPLICATION_ID:
        raise _refuse(path, "it is a database, but not an Escrowbook book.", "not_a_book")
    if version > schema_version():
        raise _refuse(path, f"it was written by a newer version of Escrowbook (book format {version}).", "newer")
    if version == schema_version():
        missing = {m._meta.table_name for m in ALL_TABLES} - names
        if missing:
            raise _refuse(path, "the file is damaged (parts of the book are missing).", "damaged")
    return version


def _migrate(db: pw.SqliteDatabase, path: Path, version: int, is_new: bool) -> None:
    target = schema_version()
    if version == target:
        return
    if not is_new:
        from .backup import before_upgrade  # backup.py builds on this module

        backup_path = before_upgrade(db, path, version)
    for step in range(version, target):
        try:
            with db.atomic():
                MIGRATIONS[step](db)
                db.execute_sql(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute_sql(f"PRAGMA user_version = {step + 1}")
        except BookError:
            raise
        except Exception as exc:
            where = "" if is_new else f" Your book is unchanged; a copy was kept at {backup_path}."
            raise _refuse(path, f"upgrading it to book format {step + 1} failed ({exc}).{where}", "upgrade") from exc
    if not is_new:
        # Put the new format into the file's own header now, not at the next checkpoint.
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def save_copy(book: Book, target: str | os.PathLike) -> Path:
    """A consistent copy of the open book at `target` (SQLite's backup API), written to a temporary
    file and moved into place, mode 0600. Never over the open book itself."""
    target = Path(target).expanduser().absolute()
    if target == book.path or (target.exists() and target.samefile(book.path)):
        raise BookError("A copy cannot be saved over the open book itself: choose another file.", reason="same_file")
    try:
        _copy_into_place(book.db, target)
    except OSError as exc:
        raise BookError(f"The copy could not be saved to “{target}” ({exc.strerror}).", reason="unwritable") from None
    return target


def _copy_into_place(db: pw.SqliteDatabase, target: Path) -> None:
    """`_copy` to a temporary name beside `target`, then renamed: `target` is never half written."""
    part = target.with_name(f".{target.name}.part")
    try:
        _copy(db, part)
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _copy(db: pw.SqliteDatabase, target: Path) -> None:
    """A consistent copy of the open book (SQLite's backup API), mode 0600."""
    if target.exists():
        target.unlink()
    os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    dest = sqlite3.connect(str(target))
    try:
        db.connection().backup(dest)
    finally:
        dest.close()


def _remove_quietly(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
