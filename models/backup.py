"""Backups of a book, and restoring one into a new file.

Where: one folder per book, `backups/<book name>-<8 hex digits of its full path>` in the user data
folder (platformdirs; the environment variable ESCROWBOOK_BACKUPS names another folder, and every
function here takes `root=` too). Folders are mode 0700, backups 0600.

When:
- `backup_if_due`: when a book is opened (the window runs it once it is shown), if its newest
  daily backup is a day old or more (or there is none). The newest `keep` daily backups are kept
  (a setting, default 10); older ones are deleted.
- `before_upgrade`: before every schema migration of an existing book (`book._migrate`). These
  are kept always, outside the rolling rule: each is the only copy of the book in its old format,
  and there is one per upgrade, so they stay few.

How: SQLite's backup API on the book's own connection (`copy_book`): an open book holds an
exclusive lock, so no second connection could read it. Each backup is written under a temporary
name and renamed, so a backup in the folder is always whole. File names carry the UTC time:
`20260310T121500Z.book`, `20260310T121500Z-format1-before-upgrade.book`. Each is checked whole before it is
renamed into place (a full disk is refused in words, never a short file in the folder); the daily backup is
copied in steps with the window's events handled between them (`between`), so it never blocks the window.

Restore (`restore`): a copy of a backup into a NEW file the user picks, never over the open book
(or the backup itself); an existing file only when the caller says the user confirmed replacing
it. Written under a temporary name, checked whole, and renamed, mode 0600. A target that is a book open
in another window or program is refused (`refuse_if_open`): its live write-ahead log is never deleted.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

import peewee as pw

from . import anchor
from .bookfile import mark_copy, probe
from .clock import utc_now
from .errors import BookError, RuleError
from .partfiles import incomplete, remove_leftovers, sync, temporary_beside, whole_book
from .resources import user_data


class OpenBook(Protocol):
    """What a backup needs of an open book (models.book.Book, which imports this module)."""

    path: Path
    db: pw.SqliteDatabase


ROOT_ENV = "ESCROWBOOK_BACKUPS"
DEFAULT_KEEP = 10
DUE_AFTER = timedelta(days=1)
STAMP = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"^(?P<stamp>\d{8}T\d{6}Z)(?:-format(?P<version>\d+)-before-upgrade)?\.book$")


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: datetime  # naive, meaning UTC
    size: int  # bytes
    before_upgrade_from: int | None = None  # the book format it was taken in, for a backup before an upgrade

    @property
    def kind(self) -> str:
        if self.before_upgrade_from is None:
            return "Daily"
        return f"Before upgrade (book format {self.before_upgrade_from})"


def backups_root() -> Path:
    named = os.environ.get(ROOT_ENV)
    if named:
        return Path(named).expanduser()
    return user_data("backups")


def folder_for(book_path: str | os.PathLike, root: Path | None = None) -> Path:
    """The backups folder of the book at `book_path` (whether or not it exists yet)."""
    path = Path(book_path).expanduser().resolve()
    tag = hashlib.sha256(str(path).encode()).hexdigest()[:8]
    return Path(root or backups_root()) / f"{path.stem}-{tag}"


def backups_of(book_path: str | os.PathLike, root: Path | None = None) -> list[Backup]:
    """The backups of a book, newest first."""
    folder = folder_for(book_path, root)
    found = []
    try:
        entries = list(folder.iterdir())
    except OSError:  # no backups yet (or no folder where one should be: backing up says why)
        return []
    for p in entries:
        m = _NAME.match(p.name)
        if not m or not p.is_file():
            continue
        version = m.group("version")
        found.append(
            Backup(
                path=p,
                taken_at=datetime.strptime(m.group("stamp"), STAMP),
                size=p.stat().st_size,
                before_upgrade_from=None if version is None else int(version),
            )
        )
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def contracts_in(backup: Backup | str | os.PathLike) -> int | None:
    """How many contracts a backup holds (read-only; None when it cannot be read)."""
    path = backup.path if isinstance(backup, Backup) else Path(backup)
    try:
        conn = sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?mode=ro&immutable=1", uri=True)
        conn.execute("PRAGMA trusted_schema = OFF")
    except sqlite3.Error:
        return None
    try:
        return conn.execute("SELECT COUNT(*) FROM contract").fetchone()[0]
    except sqlite3.Error:
        return None
    finally:
        conn.close()


STEP_PAGES = 256  # pages (4 KiB each) copied per step of a backup: about a megabyte, a few milliseconds

# Called between two steps of a copy with (pages left, pages in all): the window handles its events there, so
# a backup of a large book never blocks it for longer than one step. It may raise to stop the copy.
Between = Callable[[int, int], None]


def backup_if_due(
    book: OpenBook,
    *,
    now: datetime | None = None,
    keep: int = DEFAULT_KEEP,
    root: Path | None = None,
    between: Between | None = None,
) -> Path | None:
    """Back the open book up if its newest daily backup is a day old or more; keep the newest `keep`.

    Returns the new backup's path, or None when none was due. With `between`, the copy is made in steps of
    STEP_PAGES pages and `between` is called after each (see `Between`).
    """
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise RuleError("Keep at least one backup (the number of backups to keep must be 1 or more).", field="keep")
    now = utc_now(now)
    if not backup_due(book, now=now, root=root):
        return None
    made = _make(book.db, book.path, now, "", root, between)
    _prune(made.parent, keep)
    # The ledger's head, noted outside the book at each daily backup too (models/anchor.py).
    anchor.note(Path(book.path), anchor.state(book.db.execute_sql), closed=False)
    return made


def backup_due(book: OpenBook, *, now: datetime | None = None, root: Path | None = None) -> bool:
    """Whether the book's newest daily backup is a day old or more (or there is none)."""
    now = utc_now(now)
    dailies = [b for b in backups_of(book.path, root) if b.before_upgrade_from is None]
    return not (dailies and dailies[0].taken_at <= now < dailies[0].taken_at + DUE_AFTER)


def before_upgrade(
    db: pw.SqliteDatabase, book_path: Path, version: int, *, now: datetime | None = None, root: Path | None = None
) -> Path:
    """The backup taken before a schema migration (the book is at format `version`). Kept always."""
    return _make(db, book_path, utc_now(now), f"-format{version}-before-upgrade", root)


def _make(
    db: pw.SqliteDatabase,
    book_path: Path,
    now: datetime,
    suffix: str,
    root: Path | None,
    between: Between | None = None,
) -> Path:
    folder = folder_for(book_path, root)
    target = folder / f"{now.strftime(STAMP)}{suffix}.book"
    try:
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        copy_book(db.connection(), target, between=between)
    except (OSError, sqlite3.Error) as exc:
        raise BookError(
            f"“{Path(book_path).name}” could not be backed up to {folder} ({_why(exc)}).", reason="backup"
        ) from None
    return target


def copy_book(
    conn: sqlite3.Connection, target: Path, *, between: Between | None = None, new_book: bool = False
) -> None:
    """A consistent copy of the open book on `conn` (SQLite's backup API) at `target`, mode 0600.

    Written to a temporary file beside `target` (a killed copy's is removed by the next), checked whole,
    then moved into place: `target` is never half written, and a copy the disk could not hold replaces
    nothing. A `target` that is a book open elsewhere is refused (`refuse_if_open`). Raises OSError or
    sqlite3.Error (BookError for a target in use).
    """
    target = Path(target)
    remove_leftovers(target.parent)
    with temporary_beside(target, "book") as part:
        dest = sqlite3.connect(str(part))
        try:
            if between is not None:
                # Its last step would wait for the disk on the window's thread: pushed to the disk below instead.
                dest.execute("PRAGMA synchronous = OFF")
            if between is None:
                conn.backup(dest)
            else:
                conn.backup(dest, pages=STEP_PAGES, progress=lambda _status, left, total: between(left, total))
        finally:
            dest.close()
        for suffix in ("-wal", "-shm", "-journal"):  # (a copy has none: closing `dest` folded them in)
            Path(f"{part}{suffix}").unlink(missing_ok=True)
        mark_copy(part, new_book=new_book)  # never taken for the open book (a crashed session's log)
        if between is None:
            sync(part)
        else:  # pushing a large copy to the disk takes a while: the window keeps handling its events meanwhile
            _while_waiting(lambda: sync(part), lambda: between(0, 0))
        if not whole_book(part):
            raise incomplete(part, "copy")
        _replace(part, target)


def _while_waiting(work: Callable[[], None], between: Callable[[], None], every_s: float = 0.01) -> None:
    """Do `work` (which waits on the disk, not on Python) in a thread; call `between` every `every_s` meanwhile.
    What `work` raised is raised here."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the caller below
            failed.append(exc)

    thread = threading.Thread(target=run, name="escrowbook-sync", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(every_s)
        if thread.is_alive():
            between()
    if failed:
        raise failed[0]


def refuse_if_open(target: Path) -> None:
    """Refuse (BookError) a `target` that is a book open in a window or another program: its lock is held.

    Asked by taking the lock itself for a moment, with a short wait (an open book holds an exclusive lock
    for as long as it is open). A file that is not a book, or none, is not open anywhere."""
    if not target.is_file():
        return
    try:
        conn = sqlite3.connect(str(target), timeout=0.2, isolation_level=None)
        conn.execute("PRAGMA trusted_schema = OFF")
    except sqlite3.Error:
        return
    try:
        conn.execute("PRAGMA busy_timeout = 200")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BookError(
                f"“{target.name}” is open in another Escrowbook window or program: it is not replaced while "
                "it is in use. Close it there first, or choose another file.",
                reason="locked",
            ) from None
    except sqlite3.DatabaseError:
        pass  # not a database: nobody holds it open as one
    finally:
        conn.close()


def _replace(part: Path, target: Path) -> None:
    """Move the finished `part` over `target`, after refusing a `target` open elsewhere; a replaced book's
    leftover journal or write-ahead log must not be applied to the new file."""
    refuse_if_open(target)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(part, target)


def _why(exc: BaseException) -> str:
    if isinstance(exc, sqlite3.Error) and "full" in str(exc).lower():
        return "the disk is full"
    if isinstance(exc, OSError):
        from .refusals import reason

        return reason(exc)
    return str(exc)


def _prune(folder: Path, keep: int) -> None:
    """Delete the daily backups beyond the newest `keep`, and any temporary file an interrupted backup left."""
    remove_leftovers(folder)
    found = sorted(
        (p for p in folder.iterdir() if (m := _NAME.match(p.name)) and m.group("version") is None),
        key=lambda p: p.name,
        reverse=True,
    )
    for old in found[keep:]:
        old.unlink(missing_ok=True)


def restore(
    backup: Backup | str | os.PathLike,
    target: str | os.PathLike,
    *,
    open_book: str | os.PathLike | None = None,
    replace: bool = False,
) -> Path:
    """Copy a backup into a new book file at `target`; returns `target`.

    Refused with BookError, nothing written: a backup that is not a whole book, `target` being the
    open book or the backup itself, and an existing `target` unless `replace` (the user confirmed
    replacing that file). Written to a temporary file beside `target` and renamed, mode 0600.
    """
    source = backup.path if isinstance(backup, Backup) else Path(backup)
    target = Path(target).expanduser().absolute()
    probe(source)  # not a book, damaged or truncated: refused with its own message
    if open_book is not None and _same(target, Path(open_book)):
        raise BookError(
            f"“{target.name}” is the open book: a backup is never restored over it. Choose a new file; "
            "you can open it afterwards.",
            reason="same_file",
        )
    if _same(target, source):
        raise BookError("That is the backup itself: choose a new file to restore it into.", reason="same_file")
    if target.exists() and not replace:
        raise BookError(f"“{target.name}” already exists: choose a new name, or confirm replacing it.", reason="exists")
    if target.exists() and not target.is_file():
        raise BookError(f"“{target.name}” is a folder: choose a file name.", reason="exists")
    try:
        remove_leftovers(target.parent)
        with temporary_beside(target, "book") as part:
            with open(source, "rb") as src, open(part, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
                dst.flush()
                os.fsync(dst.fileno())
            if part.stat().st_size != source.stat().st_size or not whole_book(part):
                raise incomplete(part, "copy")
            mark_copy(part, new_book=True)  # a book of its own from now on (models/anchor.py)
            _replace(part, target)
    except (OSError, sqlite3.Error) as exc:
        raise BookError(
            f"The backup could not be restored to “{target}” ({_why(exc)}). Nothing was replaced.",
            reason="unwritable",
        ) from None
    return target


def _same(a: Path, b: Path) -> bool:
    a, b = Path(a).expanduser().absolute(), Path(b).expanduser().absolute()
    if a == b:
        return True
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False
