"""The ledger's head anchored outside the book, in the user's data folder (and in every backup).

The hash chain (models/chain.py) proves that no entry was changed without the hashes after it being
rewritten; its head (`book_info.ledger_head`) lives in the same file, so someone who deletes the last
entries and sets the head to the new last row is not detected by the book alone. The app therefore
writes down, for each book it opens, what the ledger was when it last had it:

    anchors/<book id>-<12 hex digits of the book's full path>.json
        {"book_id", "entries", "head_id", "head", "session", "closed", "path", "at"}

One per book and place: a copy of a book elsewhere (a backup opened as it is, a copy made with the file
manager) has notes of its own, so opening it never changes what is known of the book itself.

- `entries`, `head_id`, `head`: how many ledger entries the book had and the id and hash of the last one;
  written when the book is opened (after it was verified), at each backup and when it is closed.
- `session`: a random value the app writes into the book when it opens it (models/book.py), checkpointed
  into the file before any of the session's changes go to the write-ahead log; `closed` says whether that
  session ended with the book closed properly (no log left beside it).

Where (`root()`): `anchors/` in the user data folder (platformdirs), or the folder the environment variable
ESCROWBOOK_ANCHORS names. Files are mode 0600, the folder 0700. Only the standard library: models/bookfile.py
reads anchors before peewee is imported.

What it detects (`extends`): entries removed, rewritten or reordered since this computer's Escrowbook last
had the book, even when the hash chain inside the book was rebuilt to match; and a write-ahead log left by a
crash beside an older or another copy of the book (`wal_belongs` in models/bookfile.py).
What it does not: a book this computer never opened where it now lies (there is nothing to compare it with:
a book moved or renamed starts afresh), a book whose stored id was changed too (it then looks like another
book), or edits made by someone who can also rewrite the files in the user's data folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from .resources import user_data

ROOT_ENV = "ESCROWBOOK_ANCHORS"
ID_KEY = "book_id"  # book_info keys
SESSION_KEY = "session"
COPY_SESSION = "copy"  # the session value of a backup or a copy: no session of the open book


@dataclass(frozen=True)
class Anchor:
    book_id: str
    entries: int
    head_id: int
    head: str  # hex
    session: str
    closed: bool
    path: str
    at: str  # UTC, ISO


def root() -> Path:
    named = os.environ.get(ROOT_ENV)
    if named:
        return Path(named).expanduser()

    return user_data("anchors")


def _file(book_id: str, path: Path | str, folder: Path | None = None) -> Path | None:
    if not book_id or not all(ch in "0123456789abcdef" for ch in book_id) or len(book_id) > 64:
        return None  # a book id is hex the app made; anything else is never a file name
    place = hashlib.sha256(str(Path(path).absolute()).encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return (folder or root()) / f"{book_id}-{place}.json"


def read(book_id: str | None, path: Path | str, folder: Path | None = None) -> Anchor | None:
    """The anchor of the book at `path`, or None when this computer has none (or it cannot be read)."""
    target = _file(book_id or "", path, folder)
    if target is None:
        return None
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
        return Anchor(
            book_id=str(data["book_id"]),
            entries=int(data["entries"]),
            head_id=int(data["head_id"]),
            head=str(data["head"]),
            session=str(data["session"]),
            closed=bool(data["closed"]),
            path=str(data["path"]),
            at=str(data["at"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write(anchor: Anchor, folder: Path | None = None) -> bool:
    """Replace the anchor of a book (a temporary file renamed, mode 0600); False if it could not be written.
    That is not worth refusing the user's work for: the book itself is safe, only the evidence for later is
    missing (and models/book.py then leaves the book without a session value, so that a log a crash leaves
    is never judged by a note that is out of date)."""
    target = _file(anchor.book_id, anchor.path, folder)
    if target is None:
        return False
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(asdict(anchor), f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def state(run) -> tuple[str | None, str | None, int, int, str]:
    """(book id, session, entry count, head id, head hash hex) of a book, through `run(sql, params)`."""
    info = dict(run("SELECT key, value FROM book_info WHERE key IN (?, ?)", (ID_KEY, SESSION_KEY)).fetchall())
    (last,) = run("SELECT MAX(id) FROM ledger_entry").fetchone()  # (the primary key: no scan, any size)
    count = last or 0  # entries are only ever added, so the last id counts them
    head = ""
    if last is not None:
        (digest,) = run("SELECT hash FROM ledger_entry WHERE id = ?", (last,)).fetchone()
        head = digest.hex() if isinstance(digest, bytes) else ""
    return info.get(ID_KEY), info.get(SESSION_KEY), count, last or 0, head


def note(path: Path, found: tuple, *, closed: bool, keep_head: bool = False) -> bool:
    """Write down a book's `state` as its anchor (after opening, at a backup, when closing). A ledger shorter
    than, or different from, the one anchored (`keep_head`, or found so here) does not replace it: the
    evidence stays, and is reported at every opening and check, until the user restores a backup."""
    book_id, session, count, head_id, head = found
    if not book_id:
        return False
    path = Path(path).absolute()
    known = read(book_id, path)
    if known is not None and (keep_head or _cut_short(known, head_id, head, count)):
        count, head_id, head = known.entries, known.head_id, known.head
    return write(Anchor(book_id, count, head_id, head, session or "", closed, str(path), now()))


def _cut_short(known: Anchor, head_id: int, head: str, count: int) -> bool:
    return head_id < known.head_id or count < known.entries or (head_id == known.head_id and head != known.head)


def extends(run, anchor: Anchor | None) -> list[str]:
    """Problems, in words, when the book's ledger no longer extends the head anchored for it."""
    if anchor is None or anchor.head_id == 0:
        return []
    row = run("SELECT hash FROM ledger_entry WHERE id = ?", (anchor.head_id,)).fetchone()
    stored = row[0].hex() if row and isinstance(row[0], bytes) else None
    # The hash of the entry that was last then covers every entry before it (models/chain.py): if it is
    # there unchanged, and the chain holds (`check` verifies it), nothing up to it was removed or rewritten.
    if stored != anchor.head:
        try:
            day = datetime.fromisoformat(anchor.at).date()
            when = f"{day.day} {day:%b %Y}"
        except ValueError:
            when = "before"
        return [
            f"ledger entries were removed or rewritten since Escrowbook last had this book on this computer "
            f"({when}: it then had {anchor.entries:,} entries; entry #{anchor.head_id} "
            + ("is missing)." if row is None else "is no longer the same).")
        ]
    return []
