"""The errors of storage and of the system, said in words: what every command boundary (each CLI
subcommand, each action in the window) shows instead of a traceback.

These are not bugs of the app but facts of the machine: a full disk, a damaged or locked book, a file
that cannot be read or written, text that is not valid in its encoding. `in_words` turns one into a
sentence a client understands; any other error is a bug, and gets none (the crash dialog reports it).
peewee's DatabaseError is not a subclass of sqlite3's, so both are named.
"""

from __future__ import annotations

import errno
import sqlite3
import sys

_OS_WORDS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "your disk quota is used up",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "you do not have permission",
    errno.EPERM: "the system does not allow it",
    errno.ENOENT: "there is no such file or folder",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "it is a folder",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EFBIG: "the file would be too large",
    errno.EIO: "the disk reported an error",
    errno.EEXIST: "a file of that name is already there",
}


def storage_errors() -> tuple[type[BaseException], ...]:
    """The error types refused in words. peewee's is named only once peewee is loaded (before that none of its
    errors can happen): the window's start-up path does not import it (tests/desktop/test_startup.py)."""
    pw = sys.modules.get("peewee")
    return (sqlite3.Error, OSError, UnicodeError, *((pw.DatabaseError,) if pw else ()))


def reason(exc: OSError) -> str:
    """Why the system refused, in a few lower-case words ("the disk is full")."""
    why = _OS_WORDS.get(exc.errno) or (exc.strerror or str(exc) or "the system refused it").rstrip(".")
    return why[0].lower() + why[1:] if why else why


def in_words(exc: BaseException) -> str | None:
    """A sentence for a storage, system or encoding error (None for anything else: that is a bug)."""
    if isinstance(exc, UnicodeError):
        return (
            "Some text could not be read or written: it is not valid in its encoding "
            f"({type(exc).__name__}). Nothing was changed because of it."
        )
    if isinstance(exc, OSError):
        where = exc.filename or ""
        return f"A file could not be read or written{f' ({where})' if where else ''}: {reason(exc)}."
    if isinstance(exc, storage_errors()) and is_denied(exc):  # a shared book's server (models/people.py)
        return (
            "The server keeping the shared book refused it: your login's role in the book does not allow it. "
            "Nothing was changed; ask the book's owner if you need to do more."
        )
    if isinstance(exc, storage_errors()):  # sqlite3's errors, or peewee's
        text = str(exc)
        low = text.lower()
        if "full" in low:
            return "The book could not be written: the disk is full. Free some space, then try again."
        if "locked" in low or "busy" in low:
            return "The book is in use by another program right now: nothing was changed. Try again in a moment."
        if "readonly" in low or "read-only" in low:
            return "The book could not be written: its file or disk is read-only. Nothing was changed."
        if "i/o" in low or "disk i/o" in low:
            return "The book could not be read or written: the disk reported an error. Nothing was changed."
        return (
            f"The book could not be read ({text or type(exc).__name__}): the file may be damaged. "
            "Nothing was changed; if it happens again, restore the book's latest backup (File, Restore from Backup)."
        )
    return None


def is_denied(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) is PostgreSQL refusing the login what its role in a shared book does not
    allow ("insufficient privilege": models/people.py)."""
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(seen, "sqlstate", None) == "42501":
            return True
        seen = seen.__cause__ or seen.__context__
    return False
