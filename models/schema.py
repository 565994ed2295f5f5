"""A book's schema, compared with the one the app's own migrations make (a book is untrusted input).

`structure(run)` describes a database's schema as SQLite reports it, independent of how it was made: each
table's columns (name, declared type, not-null, default, primary key; in any order, since a column added by
a migration comes last while a new book has it where the model declares it), its foreign keys and its
indexes (unique, partial, their columns); each view's and virtual table's SQL; every trigger. models/book.py
builds the same description of a new book made in memory by the migrations (`MIGRATIONS`) and refuses a
book whose description differs (`differences`), and `check` reports it.

Only the standard library: models/bookfile.py runs before peewee is imported.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

Structure = dict[tuple[str, str], object]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def structure(run: Callable) -> Structure:
    """{(kind, name): what SQLite says of it} for every object of the schema."""
    out: Structure = {}
    objects = run("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    for kind, name, table, sql in objects:
        if kind == "table" and sql and sql.upper().startswith("CREATE VIRTUAL TABLE"):
            out[("virtual table", name)] = _sql(sql)
        elif kind == "table":
            q = _quote(name)
            columns = sorted(tuple(r[1:]) for r in run(f"PRAGMA table_xinfo({q})").fetchall())
            keys = sorted(tuple(r[2:]) for r in run(f"PRAGMA foreign_key_list({q})").fetchall())
            out[("table", name)] = (tuple(columns), tuple(keys))
        elif kind == "index":
            q = _quote(name)
            parts = tuple(tuple(r[1:]) for r in run(f"PRAGMA index_xinfo({q})").fetchall())
            listed = {r[1]: tuple(r[2:]) for r in run(f"PRAGMA index_list({_quote(table)})").fetchall()}
            out[("index", name)] = (table, listed.get(name), parts)
        else:  # views and triggers: what they say is what they do
            out[(kind, name)] = (table, _sql(sql))
    return out


def digest(found: Structure) -> str:
    """A fingerprint of a structure: equal structures, and only those (SHA-256), have the same one."""
    return hashlib.sha256(repr(sorted(found.items())).encode()).hexdigest()


def differences(actual: Structure, expected: Structure, limit: int = 8) -> list[str]:
    """What `actual` has that `expected` does not, and the reverse, in words."""
    out = []
    for kind, name in sorted(set(actual) | set(expected)):
        if (kind, name) not in expected:
            what = "runs its own commands whenever the book is changed" if kind == "trigger" else "was added"
            out.append(f"a {kind} “{name}” {what}")
        elif (kind, name) not in actual:
            out.append(f"the {kind} “{name}” is missing")
        elif actual[(kind, name)] != expected[(kind, name)]:
            out.append(f"the {kind} “{name}” was changed")
    return out[:limit]
