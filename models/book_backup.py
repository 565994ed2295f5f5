"""`escrowbook backup BOOK --out FILE`: a backup of a book made with its store's own tools (issue 22).

- A book in a file: SQLite's backup API, as the app's daily backups (models/backup.py): a whole, consistent
  copy of the book, itself a book, written under a temporary name and moved into place.
- A shared book (PostgreSQL): `pg_dump`, PostgreSQL's own tool, in its custom format (compressed; one file),
  never a copy of the server's files. It is a consistent snapshot while others go on writing (pg_dump reads in
  one transaction). It is restored with `pg_restore` into a new, empty database (README: "Sharing a book with a
  team"), then checked with `escrowbook check`. The dump is written under a temporary name, read back whole
  (`pg_restore --list`) and only then moved into place: a dump cut short replaces nothing.

The database's password never reaches a command line other processes could read: pg_dump is given the address
without it, and the password in its environment (PGPASSWORD).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import pgstore
from .errors import BookError
from .partfiles import remove_leftovers, sync, temporary_beside

TOOL_DIRS = "/usr/lib/postgresql/*/bin"  # where Debian and Ubuntu put the server's programs, by version
TIMEOUT_S = 6 * 3600  # a dump of a very big book over a slow link; a stuck one is stopped in the end


def pg_tool(name: str) -> str:
    """The path of one of PostgreSQL's programs (pg_dump, pg_restore): on the PATH, or the newest of Debian's."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        glob.glob(f"{TOOL_DIRS}/{name}"), key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0
    )
    if versions:
        return versions[-1]
    raise BookError(
        f"PostgreSQL's {name} is not installed here: install PostgreSQL's client programs (on Debian and Ubuntu, "
        "the package postgresql-client), then try again.",
        reason="no_pg_tools",
    )


def _without_password(url: str) -> tuple[str, dict[str, str]]:
    """The address as pg_dump may show it, and the environment that gives it the password."""
    password = urlsplit(url).password
    env = {**os.environ}
    if password is not None:
        env["PGPASSWORD"] = unquote(password)
    return pgstore.shown(url), env


def _refuse_target(target: Path) -> None:
    if target.exists():
        raise BookError(f"“{target}” already exists: a backup is written to a new file only.", reason="target_exists")
    if not target.parent.is_dir():
        raise BookError(f"The folder “{target.parent}” does not exist.", reason="no_folder")


def back_up(book: str, target: str | os.PathLike) -> Path:
    """A backup of the book at `book` (a file's path or a shared book's address) in the new file `target`.
    Raises BookError in words."""
    target = Path(target).expanduser().absolute()
    _refuse_target(target)
    if pgstore.is_address(book):
        return _dump(book, target)
    from .backup import copy_book
    from .book import open_to_check

    # Opened as `check` opens it: read-only, refused in words when it is open in the app or untrusted, and locked
    # meanwhile (nobody writes it during the copy); the book itself is not changed, not even its session. A book
    # in an older format is backed up in this version's format (a migrated private copy: the book is not touched).
    with open_to_check(book) as opened:
        copy_book(opened.conn, target)
    return target


def _dump(url: str, target: Path) -> Path:
    pg_dump, pg_restore = pg_tool("pg_dump"), pg_tool("pg_restore")
    address, env = _without_password(url)
    from .book import open_to_check  # (a database that is no book is refused before anything is written)

    open_to_check(url).close()
    remove_leftovers(target.parent)
    with temporary_beside(target, "dump") as part:
        done = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={part}", f"--dbname={address}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            raise BookError(f"pg_dump could not back up {pgstore.shown(url)}: {_last_line(done.stderr)}", reason="dump")
        listed = subprocess.run(
            [pg_restore, "--list", str(part)], capture_output=True, text=True, timeout=600, check=False
        )
        if listed.returncode != 0 or "TABLE DATA" not in listed.stdout:
            raise BookError(
                f"The backup of {pgstore.shown(url)} could not be read back whole ({_last_line(listed.stderr)}); "
                "nothing was kept.",
                reason="dump_unreadable",
            )
        sync(part)
        os.chmod(part, 0o600)
        os.replace(part, target)
    return target


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "no reason given"
