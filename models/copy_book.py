"""`escrowbook copy-book SOURCE TARGET`: a whole book copied from one store to the other, and proved the same.

A team moves its book from a file into PostgreSQL (models/pgstore.py), or takes a shared book back into a file,
with the same operations on either side (issue 22). The copy:

- refuses a target that already holds something (a file that exists, a database with a book or other tables in
  it) and a source that `check` finds problems in: a copy of a damaged book would only move the damage;
- makes the target as a new book of the current format (a source in an older format is read through a migrated
  copy, as `check` reads it) and, in one transaction, puts every row of every table into it as the source has
  it, ids, days, amounts and each ledger entry's link of the hash chain included; the contracts' search index
  is made afresh from them (it is SQLite's FTS5 in a file, trigram indexes in PostgreSQL);
- keeps the target's own identity: its format and what says it is an Escrowbook book, and a file's id and
  session (models/anchor.py: the note kept beside a book on this computer must not take the copy for the
  original);
- then `check`s the target and compares what the two books hold: the rows of each table, the book's totals
  (R12: per currency, never added across currencies) and the head of the ledger's hash chain. Any difference is
  refused in words, and a target that does not hold the whole book is not left behind as if it did: a file
  made by the copy is removed, a database emptied again.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import anchor, chain, pgstore
from .entities import ALL_TABLES, database
from .errors import BookError

# book_info rows that belong to the book where they are, not to what it holds (see the module's docstring).
OWN_KEYS = (pgstore.FORMAT_KEY, pgstore.APPLICATION_KEY, anchor.ID_KEY, anchor.SESSION_KEY)
ROWS_PER_BATCH = 2_000  # rows handed to the target at a time (executemany)
# What a new book made in an empty database (_target_is_free), as DROP statements' objects: views and tables,
# then the functions (with the operators made on them) that are not an extension's.
UNDO_SQL = (
    "SELECT 'VIEW IF EXISTS ' || quote_ident(table_name) FROM information_schema.views "
    "WHERE table_schema = current_schema()",
    "SELECT 'TABLE IF EXISTS ' || quote_ident(table_name) FROM information_schema.tables "
    "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    "SELECT 'FUNCTION IF EXISTS ' || p.oid::regprocedure::text FROM pg_proc p "
    "WHERE p.pronamespace = current_schema()::regnamespace "
    "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')",
)


@dataclass(frozen=True)
class Copied:
    source: str  # as the user may see them (an address without its password)
    target: str
    rows: dict[str, int]  # {table: rows copied}
    contracts: int
    head: str | None  # the ledger's hash chain head, the same on both sides


def _shown(where: str) -> str:
    return pgstore.shown(where) if pgstore.is_address(where) else str(where)


def _refuse(why: str, reason: str) -> BookError:
    return BookError(why, reason=reason)


def _target_is_free(target: str) -> None:
    """Refuse a target that holds anything: the copy makes a new book, it never writes over one."""
    if pgstore.is_address(target):
        db = pgstore.connect(target)
        try:
            tables = db.execute_sql(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
            ).fetchone()[0]
        finally:
            db.close()
        if tables:
            raise _refuse(
                f"{_shown(target)} is not empty: the copy goes into an empty database only (it holds {tables} "
                "table(s)). Make a new database for it.",
                "target_not_empty",
            )
        return
    path = Path(target).expanduser()
    if path.exists():
        raise _refuse(f"“{path}” already exists: the copy makes a new book file only.", "target_exists")
    if not path.parent.is_dir():
        raise _refuse(f"The folder “{path.parent}” does not exist.", "no_folder")


def _columns(run: Callable, table: str) -> list[str]:
    cursor = run(f"SELECT * FROM {table} LIMIT 0")
    return [d[0] for d in cursor.description]


def fingerprint(run: Callable) -> dict:
    """What a book holds, to compare two copies of it: each table's rows, the book's totals per currency and
    the ledger's hash chain head."""
    rows = {
        m._meta.table_name: run(f"SELECT count(*) FROM {m._meta.table_name}{_keep_own(m)}").fetchone()[0]
        for m in ALL_TABLES
    }
    totals = sorted(tuple(r) for r in run("SELECT * FROM book_total ORDER BY 1").fetchall())
    head = run("SELECT value FROM book_info WHERE key = ?", (chain.HEAD_KEY,)).fetchone()
    return {"rows": rows, "totals": totals, "head": head[0] if head else None}


def copy_book(source: str, target: str, progress: Callable[[str], None] | None = None) -> Copied:
    """Copy the book at `source` (a file's path or a PostgreSQL address) to `target` (the other kind, or the
    same kind elsewhere), check the copy and compare it with the source. Raises BookError in words."""
    from .book import open_book, open_to_check
    from .check import check_book
    from .summary import refresh_search

    tell = progress or (lambda what: None)
    source, target = str(source), str(target)
    _target_is_free(target)
    tell("checking the book to copy")
    src = open_to_check(source)
    try:
        problems = check_book(str(src.path) if src.path else None)
        if problems:
            raise _refuse(
                f"{_shown(source)} has {len(problems)} problem(s) (`escrowbook check` lists them): it is not "
                "copied. " + problems[0],
                "source_problems",
            )
        before = fingerprint(src.conn.execute)
        made = False
        try:
            dst = open_book(target, create=True)  # (the models are bound to the new book now)
            made = True
            try:
                copied = _copy_rows(src.conn.execute, dst, tell)
                refresh_search(dst.db)
                if dst.store == "postgresql":  # its planner's statistics of the tables just filled: without them
                    dst.db.execute_sql("ANALYZE")  # it plans the check's joins as if they were empty (minutes at 10k)
            finally:
                dst.close()
            tell("checking the copy")
            _verify(target, before)
        except BaseException:
            if made:
                _undo(target)
            raise
    finally:
        database.initialize(src.db)  # (so that closing it lets go of the models too)
        src.close()
    return Copied(_shown(source), _shown(target), copied, before["rows"]["contract"], before["head"])


def _copy_rows(read: Callable, dst, tell) -> dict[str, int]:
    """Every table's rows into the new book `dst`, in one transaction: the tables in the order their links
    need (models.entities.ALL_TABLES), each in the order of its ids."""
    shared = pgstore.is_address(dst.address) if dst.store == "postgresql" else False
    counts: dict[str, int] = {}
    with dst.db.atomic():
        for model in reversed(ALL_TABLES):  # a new book's own rows (its policies) out, the last-linked first
            dst.db.execute_sql(f"DELETE FROM {model._meta.table_name}" + _keep_own(model))
        for model in ALL_TABLES:
            table = model._meta.table_name
            tell(f"copying {table}")
            wanted = set(_columns(dst.db.execute_sql, table))
            columns = [c for c in _columns(read, table) if c in wanted]
            flags = pgstore.boolean_columns().get(table, set())  # (left bare: PostgreSQL's text is cast by name)
            names = ", ".join(c if c in flags else f'"{c}"' for c in columns)
            order = " ORDER BY id" if "id" in columns else ""
            where = _keep_own(model)
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
            cursor = read(f"SELECT {names} FROM {table}{where}{order}")
            counts[table] = 0
            while batch := cursor.fetchmany(ROWS_PER_BATCH):
                _insert(dst, sql, batch, shared)
                counts[table] += len(batch)
        if shared:
            for model in ALL_TABLES:  # the next id each table gives: after the copied ones
                table = model._meta.table_name
                if "id" in model._meta.fields and model._meta.primary_key.name == "id":
                    dst.db.execute_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table}), 1), (SELECT MAX(id) FROM {table}) IS NOT NULL)"
                    )
    return counts


def _keep_own(model) -> str:
    if model._meta.table_name != "book_info":
        return ""
    return " WHERE key NOT IN (" + ", ".join(f"'{k}'" for k in OWN_KEYS) + ")"


def _insert(dst, sql: str, rows: list, shared: bool) -> None:
    if shared:
        with dst.db.cursor() as cursor:
            cursor.executemany(pgstore.translate(sql), [tuple(r) for r in rows])
    else:
        dst.conn.executemany(sql, rows)


def _verify(target: str, before: dict) -> None:
    from .book import open_to_check
    from .check import check_book

    dst = open_to_check(target)
    try:
        problems = check_book(str(dst.path) if dst.path else None)
        after = fingerprint(dst.conn.execute)
    finally:
        dst.close()
    if problems:
        raise _refuse(
            f"The copy at {_shown(target)} did not pass the check ({problems[0]}); it was removed.", "copy_problems"
        )
    if after != before:
        differ = [f"the rows of {t}" for t in before["rows"] if before["rows"][t] != after["rows"].get(t)]
        differ += [
            what
            for key, what in (("totals", "the totals"), ("head", "the ledger's chain"))
            if before[key] != after[key]
        ]
        raise _refuse(
            f"The copy at {_shown(target)} does not hold the same book ({', '.join(differ)} differ); it was removed.",
            "copy_differs",
        )


def _undo(target: str) -> None:
    """A target the copy made but could not finish: a file removed, a database emptied again."""
    if pgstore.is_address(target):
        with contextlib.suppress(Exception):
            db = pgstore.connect(target)
            try:
                with db.atomic():
                    for sql in UNDO_SQL:
                        for (name,) in db.execute_sql(sql).fetchall():
                            db.execute_sql(f"DROP {name} CASCADE")
            finally:
                db.close()
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            os.remove(f"{Path(target).expanduser()}{suffix}")
