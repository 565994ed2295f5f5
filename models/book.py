"""Book files: open or create one SQLite file safely, or refuse it untouched.

Opening a book (DESIGN.md): WAL, foreign keys, synchronous=FULL, a busy
timeout, file mode 0600, an exclusive lock held while it is open (a second
process is refused), and the migration chain, with a backup of the file taken
before any migration (kept in the book's backups folder, models/backup.py). A
file that is not a book, is damaged, or comes from a newer version is refused
with a clear message before SQLite writes a byte. Those checks and the lock are
in models/bookfile.py, which needs no peewee; this module puts peewee over the
connection it opened (`adopt`), migrates the book and binds the models to it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import peewee as pw

from . import bookfile, chain
from .entities import ALL_TABLES, BookInfo, database
from .errors import BookError
from .policy import sync_policies
from .summary import LIVE_VIEW, SEARCH_TABLE

APPLICATION_ID = bookfile.APPLICATION_ID  # (re-exported: the tests and backups read it from here)
BUSY_TIMEOUT_MS = bookfile.BUSY_TIMEOUT_MS


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


def _withdrawable_feedback(db: pw.Database) -> None:
    """Book format 3: the freelancer's recorded feedback can be withdrawn as recorded in error."""
    columns = {row[1] for row in db.execute_sql("PRAGMA table_info(feedback)")}
    if "withdrawn_on" not in columns:  # a new book has it from _create_schema already
        db.execute_sql("ALTER TABLE feedback ADD COLUMN withdrawn_on DATE")


# MIGRATIONS[n] upgrades a book from schema version n to n + 1. Each runs in one transaction; an
# existing book is backed up first (models/backup.py: kept in its backups folder, never pruned).
MIGRATIONS: list[Callable[[pw.Database], None]] = [_create_schema, _chain_ledger, _withdrawable_feedback]


def schema_version() -> int:
    return len(MIGRATIONS)


default_book_path = bookfile.default_book_path


_refuse = bookfile.refuse


def probe(path: Path) -> int:
    """The file's header checked as bytes (models/bookfile.py); its schema version."""
    return bookfile.probe(path, schema_version())


class Book:
    """An open book. Close it (or use it as a context manager) to release the lock.

    `db` is peewee's database, to which the models are bound; `conn` is the SQLite
    connection under it (the contracts table reads through it: models/browse.py)."""

    def __init__(self, path: Path, db: pw.SqliteDatabase, conn: sqlite3.Connection):
        self.path = path
        self.db = db
        self.conn = conn

    def close(self) -> None:
        if not self.db.is_closed():
            self.db.close()
        if database.obj is self.db:
            database.initialize(None)

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _BookDatabase(pw.SqliteDatabase):
    """peewee over the connection models/bookfile.py opened and locked: its first connect adopts that one."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        super().__init__(str(path), check_same_thread=False, thread_safe=False, timeout=BUSY_TIMEOUT_MS / 1000)
        self._adopt = conn

    def _connect(self):
        conn, self._adopt = self._adopt, None
        if conn is None:
            return super()._connect()
        self._add_conn_hooks(conn)
        return conn


def open_book(path: str | os.PathLike, *, create: bool = True) -> Book:
    """Open (or create) the book at `path` and bind the models to it."""
    path = Path(path).expanduser().absolute()
    if not path.exists():
        if not create:
            raise _refuse(path, "there is no such file.", "missing")
        _create(path)
    return adopt(bookfile.connect(path, schema_version()))


def adopt(opened: bookfile.BookFile) -> Book:
    """Bind the models to a book models/bookfile.py has opened and locked; migrate it to this version's
    format and copy in the policies it lacks. On failure the connection is closed (the lock released)."""
    path, conn, version = opened.path, opened.conn, opened.version
    db = _BookDatabase(path, conn)
    try:
        db.connect()
        database.initialize(db)
        _migrate(db, path, version, is_new=False)
        with db.atomic():
            sync_policies()
    except BaseException:
        if not db.is_closed():
            db.close()
        conn.close()
        if database.obj is db:
            database.initialize(None)
        raise
    return Book(path, db, conn)


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
    file, checked whole and moved into place, mode 0600. Never over the open book itself, nor over a
    book open in another window or program; a copy the disk cannot hold is refused, `target` intact."""
    from .backup import copy_book  # backup.py builds on this module

    target = Path(target).expanduser().absolute()
    if target == book.path or (target.exists() and target.samefile(book.path)):
        raise BookError("A copy cannot be saved over the open book itself: choose another file.", reason="same_file")
    try:
        copy_book(book.db.connection(), target)
    except (OSError, sqlite3.Error) as exc:
        full = "full" in str(exc).lower() or getattr(exc, "errno", None) == errno.ENOSPC
        why = "the disk is full" if full else (getattr(exc, "strerror", None) or str(exc))
        raise BookError(
            f"The copy could not be saved to “{target}” ({why}). Nothing was replaced.", reason="unwritable"
        ) from None
    return target


def _remove_quietly(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
