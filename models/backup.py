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

How: SQLite's backup API on the book's own connection (`bookfile.copy_into_place`): an open book holds an
exclusive lock, so no second connection could read it. Each backup is written under a temporary
name and renamed, so a backup in the folder is always whole. File names carry the UTC time:
`20260310T121500Z.book`, `20260310T121500Z-format1-before-upgrade.book`.

Restore (`restore`): a copy of a backup into a NEW file the user picks, never over the open book
(or the backup itself); an existing file only when the caller says the user confirmed replacing
it. Written under a temporary name and renamed, mode 0600.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

import peewee as pw
import platformdirs

from .bookfile import copy_into_place, probe
from .clock import utc_now
from .errors import BookError, RuleError


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
    return platformdirs.user_data_path("Escrowbook", appauthor=False) / "backups"


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
    except sqlite3.Error:
        return None
    try:
        return conn.execute("SELECT COUNT(*) FROM contract").fetchone()[0]
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def backup_if_due(
    book: OpenBook, *, now: datetime | None = None, keep: int = DEFAULT_KEEP, root: Path | None = None
) -> Path | None:
    """Back the open book up if its newest daily backup is a day old or more; keep the newest `keep`.

    Returns the new backup's path, or None when none was due.
    """
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise RuleError("Keep at least one backup (the number of backups to keep must be 1 or more).", field="keep")
    now = utc_now(now)
    dailies = [b for b in backups_of(book.path, root) if b.before_upgrade_from is None]
    if dailies and dailies[0].taken_at <= now < dailies[0].taken_at + DUE_AFTER:
        return None
    made = _make(book.db, book.path, now, "", root)
    _prune(made.parent, keep)
    return made


def before_upgrade(
    db: pw.SqliteDatabase, book_path: Path, version: int, *, now: datetime | None = None, root: Path | None = None
) -> Path:
    """The backup taken before a schema migration (the book is at format `version`). Kept always."""
    return _make(db, book_path, utc_now(now), f"-format{version}-before-upgrade", root)


def _make(db: pw.SqliteDatabase, book_path: Path, now: datetime, suffix: str, root: Path | None) -> Path:
    folder = folder_for(book_path, root)
    target = folder / f"{now.strftime(STAMP)}{suffix}.book"
    try:
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        copy_into_place(db.connection(), target)
    except (OSError, sqlite3.Error) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise BookError(
            f"“{Path(book_path).name}” could not be backed up to {folder} ({why}).", reason="backup"
        ) from None
    return target


def _prune(folder: Path, keep: int) -> None:
    """Delete the daily backups beyond the newest `keep`, and any temporary file an interrupted backup left."""
    for p in folder.glob(".*.part"):
        p.unlink(missing_ok=True)
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
    part = target.with_name(f".{target.name}.part")
    try:
        part.unlink(missing_ok=True)
        fd = os.open(part, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        # A replaced book's leftover journal or write-ahead log must not be applied to the restored one.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(part, target)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise BookError(
            f"The backup could not be restored to “{target}” ({exc.strerror}).", reason="unwritable"
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
