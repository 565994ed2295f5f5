"""Reconciling the books with the marketplace's statement (its transaction history).

`import_statement` reads a statement (models/statements.py), keeps its rows in the book (`StatementLine`, by
their reference: importing the same file again, or an overlapping period, adds nothing), finds each row's
contract, and reconciles. `reconcile` rebuilds `StatementMatch` (models/matching.py) from the rows, the live
ledger (R12: a reversed entry and its reversal are not there) and the client's choices, so the result never
drifts from the books; what it found is read through models/reconciled.py (re-exported here):

- a row's contract: the contract whose reference (its marketplace id) the row names; else the one contract of
  the row's freelancer, or of their contracts the one whose milestone or title the description names; else
  the client chooses (`choose_contract`, remembered for later imports by the freelancer and description);
- then, contract by contract, each row against the ledger entries of its kind (`KIND_CLASS`): same day and
  amount; one row for a funding with its fees (or for a fee and the initiation fee); several rows for one
  entry; then the same amount on another day (the date differs) or the same day with another amount (the
  amount differs); what is left is on the statement only, or in the books only (entries dated within the
  statements' period).

`record_missing` records a row that is on the statement only through the normal operation of its kind, so
every rule still applies and a refusal explains itself.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import marshal
import multiprocessing
import operator
import os
import queue
import re
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from . import bookfile, matching, ops, people
from . import statements as st
from .entities import (
    Contract,
    EscrowRefundRequest,
    LedgerEntry,
    Milestone,
    Statement,
    StatementChoice,
    StatementLine,
    StatementMatch,
    database,
)
from .errors import RuleError
from .labels import day_text
from .matching import (  # noqa: F401 - the reconciliation's words and statuses, for the view and the report
    _BATCH,
    AMOUNT_DIFFERS,
    BOOKS_ONLY,
    CHOOSE,
    CLASS_WORDS,
    DATE_DIFFERS,
    DIFFERENCES,
    ENTRY_CLASS,
    KIND_CLASS,
    MATCHED,
    NO_CONTRACT,
    NOT_KEPT,
    STATEMENT_ONLY,
    STATUS_WORDS,
    STATUSES,
    _period,
)  # fmt: skip
from .money import format_money
from .queries import in_chunks
from .reconciled import Row, Total, agrees, counts, page, references, report, statements, totals  # noqa: F401

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]*[A-Za-z0-9]")
_AROUND_REF = "()[]{}.,;:·#"  # what may be written around a reference ending a description
READ_APART_FROM = 16 * 1024 * 1024  # bytes: a statement this big is read in a second process
_AHEAD = 128  # batches of a statement the second process may read ahead of this one (about 100 MB at most)
_AHEAD_BYTES = 128 * 1024 * 1024  # and their bytes at most (a batch of long rows is bigger): one is always let in
BIG_CACHE_KIB = 64 * 1024  # SQLite's page cache (and each sort's memory) while a statement is stored and reconciled


# ------------------------------------------------------------------ import
@dataclass
class Imported:
    statement: Statement | None  # None: nothing new in the file
    format_name: str
    rows: int  # rows read
    new_lines: int
    already: int  # rows imported before (same reference, same figures)
    repeated: list[str] = field(default_factory=list)  # rows listed twice in this file (same reference)

    def words(self) -> str:
        parts = [f"Read {self.rows:,} row{'s' if self.rows != 1 else ''} ({self.format_name})"]
        if self.new_lines:
            parts.append(f"{self.new_lines:,} new")
        if self.already:
            parts.append(f"{self.already:,} imported before, left as they were")
        if self.repeated:
            parts.append(f"{len(self.repeated):,} listed twice in the file, kept once")
        return "; ".join(parts) + "."


class _Contracts:
    """Finds a row's contract: by the contract's reference in the row, else by its freelancer (and, among their
    contracts, by a milestone or contract title the description names), else the client's remembered choice.

    For a big statement every contract is read once (`whole`): quicker than a look-up per row. For a small one,
    only the contracts its rows name are looked up, by the indexes of references and of freelancers, so that a
    few rows are placed in a time that does not grow with the book (both ways find the same contracts)."""

    def __init__(self, whole: bool = True):
        self.whole = whole
        self.by_ref: dict[str, int | list[int]] = {}  # (one contract: its id; several: a list, few)
        # A freelancer's name as compared -> currency -> their contracts in it.
        self.by_name: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        if whole:
            for cid, ref, name, currency in database.execute_sql(
                "SELECT c.id, c.external_id, f.name, c.currency FROM contract c "
                "JOIN freelancer f ON f.id = c.freelancer_id"
            ):
                self._add(cid, ref, name, currency)
        else:
            self.refs_looked: set[str] = set()
            self.odd: list[tuple[int, str]] | None = None  # the references beyond ASCII, when once needed
            self.names: dict[str, list[int]] = defaultdict(list)  # a freelancer's name as compared -> their ids
            for fid, name in database.execute_sql("SELECT id, name FROM freelancer"):
                self.names[" ".join(name.casefold().split())].append(fid)
            self.names_looked: set[str] = set()
        self.choices = dict(database.execute_sql("SELECT key, contract_id FROM statement_choice").fetchall())
        self.titles: dict[int, list[str]] = {}

    def _add(self, cid: int, ref: str, name: str, currency: str) -> None:
        self._add_ref(cid, ref)
        self.by_name[" ".join(name.casefold().split())][currency].append(cid)

    def _add_ref(self, cid: int, ref: str) -> None:
        ref = ref.strip()
        if ref:
            for form in {ref, ref.casefold(), ref.upper()}:
                self._put(form, cid)

    def _put(self, key: str, cid: int) -> None:
        """Add `cid` to the contracts `key` names (a plain id while it is the one: a million lists spared)."""
        had = self.by_ref.get(key)
        if had is None:
            self.by_ref[key] = cid
        elif isinstance(had, int):
            self.by_ref[key] = [had, cid]
        else:
            had.append(cid)

    def _ref(self, key: str) -> list[int] | None:
        """The contracts a reference `key` names (as `by_ref` has them once every contract is read): looked up
        by the references' index of A-to-Z case, in each way of writing `key` that another character's upper
        case or case fold could give (“STRASSE-9” is “Straße-9” in upper case), then compared as `by_ref` does.
        (References are stored stripped: models/fields.check_text.)"""
        if not self.whole and key and key not in self.refs_looked:
            self.refs_looked.add(key)
            written = _written(key)
            found = itertools.chain.from_iterable(
                database.execute_sql("SELECT id, external_id FROM contract WHERE external_id = ? COLLATE NOCASE", (w,))
                for w in written or [key]
            )
            if written is None:  # and every reference beyond ASCII, once
                if self.odd is None:
                    self.odd = database.execute_sql(
                        "SELECT id, external_id FROM contract WHERE external_id GLOB '*[^ -~]*'"
                    ).fetchall()
                found = itertools.chain(found, self.odd)
            for cid, ref in found:
                ref = ref.strip()
                if key in {ref, ref.casefold(), ref.upper()} and cid not in (self._ref_ids(key) or ()):
                    self._put(key, cid)
        return self._ref_ids(key)

    def _ref_ids(self, key: str) -> list[int] | None:
        found = self.by_ref.get(key)
        return [found] if isinstance(found, int) else found

    def _name(self, name: str) -> dict[str, list[int]]:
        """The contracts of the freelancers called `name` (as compared), by currency."""
        if not self.whole and name not in self.names_looked:
            self.names_looked.add(name)
            ids = self.names.get(name, [])
            by_currency = self.by_name[name]
            for chunk in in_chunks(ids):
                for cid, currency in database.execute_sql(
                    f"SELECT id, currency FROM contract WHERE freelancer_id IN ({','.join('?' * len(chunk))}) "
                    "ORDER BY id",
                    chunk,
                ):
                    by_currency[currency].append(cid)
        return self.by_name.get(name, {})

    def find(self, description: str, freelancer: str, currency: str) -> tuple[int | None, int, str]:
        """(contract id or None, how many contracts fit, the key a client's choice is remembered by)."""
        last = description.rsplit(None, 1)[-1].strip(_AROUND_REF) if description else ""
        found = self._ref(last)  # (a reference is written last, as a rule: looked at first)
        if found and len(found) == 1:
            return found[0], 1, ""
        for token in reversed(_TOKEN.findall(description)):
            found = self._ref(token) or self._ref(token.casefold())
            if found and len(found) == 1:
                return found[0], 1, ""
        key = choice_key(freelancer, description)
        name = " ".join(freelancer.casefold().split())
        fits = list(self._name(name).get(currency, ())) if name else []
        if len(fits) > 1:
            text = description.casefold()
            named = [cid for cid in fits if any(t in text for t in self._titles(cid))]
            fits = named or fits
        chosen = self.choices.get(key)
        if chosen is not None:
            return chosen, 1, key
        if len(fits) == 1:
            return fits[0], 1, key
        return None, len(fits), key

    def _titles(self, cid: int) -> list[str]:
        if cid not in self.titles:
            rows = database.execute_sql(
                "SELECT title FROM contract WHERE id = ? UNION SELECT title FROM milestone WHERE contract_id = ?",
                (cid, cid),
            )
            self.titles[cid] = [t.casefold() for (t,) in rows if len(t.strip()) >= 3]
        return self.titles[cid]


@functools.cache
def _cased_from() -> dict[str, str]:
    """Each text that the upper case or the case fold of a character beyond ASCII gives, with those characters
    (“SS”: “ß”, “ẞ”; “k”: the Kelvin sign): what a reference may be stored as where a statement writes the text."""
    found: dict[str, str] = defaultdict(str)
    for code in range(0x80, 0x1F000):  # (no character past these has a case)
        c = chr(code)
        for cased in {c.upper(), c.casefold()} - {c}:
            found[cased] += c
    return dict(found)


# The ASCII characters in what other characters' upper case or case fold gives (“ﬁ”: “FI”, “ſ”: “s”, the Kelvin
# sign: “k”); tests/models/test_reconcile.py checks it against _cased_from.
_ASCII_CASED = frozenset("FILSTfilstk")
_MAX_WRITTEN = 64  # ways of writing a reference looked up one by one at most (beyond: the odd ones read at once)


def _written(key: str) -> list[str] | None:
    """`key`, and each way of writing it with characters whose upper case or case fold gives a part of it (A to
    Z case aside: SQLite's NOCASE finds those); None when there are more than _MAX_WRITTEN."""
    if key.isascii() and not any(c in _ASCII_CASED for c in key):
        return [key]  # (no other character's upper case or case fold gives any of its characters)
    cased = _cased_from()
    ways: list[list[str] | None] = [None] * len(key) + [[""]]  # ways[i]: the ways of writing key[i:]
    for i in range(len(key) - 1, -1, -1):
        here = [key[i] + w for w in ways[i + 1]]
        for n in (1, 2, 3):
            for c in cased.get(key[i : i + n], "") if i + n <= len(key) else "":
                here.extend(c + w for w in ways[i + n])
        if len(here) > _MAX_WRITTEN:
            return None
        ways[i] = here
    return ways[0]


def choice_key(freelancer: str, description: str) -> str:
    """What a client's choice of contract for a row is remembered by: the freelancer and the description."""
    return (" ".join(freelancer.casefold().split()) + "|" + " ".join(description.casefold().split()))[:500]


_INSERT_LINE = """INSERT OR IGNORE INTO statement_line (statement_id, row, reference, day, kind, amount, sign, currency,
  type, description, freelancer, known, contract_id, candidates, choice_key, chosen)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)"""
_LINE_COLUMNS = (
    "statement_id, row, reference, day, kind, amount, sign, currency, type, description, freelancer, known, "
    "contract_id, candidates, choice_key"
)  # (those of _INSERT_LINE but `chosen`)
# A stored row, as `_rows` makes it: the columns of _INSERT_LINE in their order.
_REF, _DAY, _KIND, _AMOUNT, _SIGN, _CURRENCY = 2, 3, 4, 5, 6, 7


class _Tally:
    """A statement's period and its totals per currency and kind (the kinds kept), counted where it is read; and
    whether its rows came in the order of their days (`order`: matching.RISING, matching.FALLING or None)."""

    def __init__(self):
        self.first, self.last = "9999-12-31", "0000-01-01"
        self.totals: dict[str, dict[str, int]] = {}
        self.rising = self.falling = True  # (so far: each row's day no earlier / no later than the one before it)
        self.end: str | None = None  # the day of the last row read

    @property
    def order(self) -> str | None:
        return matching.RISING if self.rising else matching.FALLING if self.falling else None

    def add(self, batch: list[tuple], sign: int = 1) -> None:
        """Count lines as `Opened.rows` gives them (sign -1: take back lines that were not stored after all)."""
        if sign > 0 and batch:
            days = [f[2] for f in batch]
            self.first, self.last = min(self.first, min(days)), max(self.last, max(days))
            if self.end is not None:
                days.insert(0, self.end)
            self.end = days[-1]
            nexts = itertools.islice(days, 1, None)
            self.rising = self.rising and all(map(operator.le, days, nexts))
            nexts = itertools.islice(days, 1, None)
            self.falling = self.falling and all(map(operator.ge, days, nexts))
        for f in batch:
            if f[3] != st.NOT_KEPT:
                kinds = self.totals.setdefault(f[6], {})
                kinds[f[3]] = kinds.get(f[3], 0) + sign * f[4]


def _rows(batch: list[tuple], contracts: _Contracts, statement_id: int) -> list[tuple]:
    """Lines (as `Opened.rows` gives them) with their statement and contract: rows of _INSERT_LINE."""
    find, not_kept, out = contracts.find, st.NOT_KEPT, []
    # Every contract read (a big statement): a row whose last word is the reference of one contract is found
    # here at once, as `find` would find it first.
    by_ref = contracts.by_ref if contracts.whole else {}
    for f in batch:
        if f[3] == not_kept:
            out.append((statement_id, *f, None, 0, ""))
            continue
        cid = by_ref.get(f[8].rsplit(None, 1)[-1].strip(_AROUND_REF)) if f[8] else None
        out.append((statement_id, *f, cid, 1, "") if type(cid) is int else (statement_id, *f, *find(f[8], f[9], f[6])))
    return out


class _Storer:
    """Puts rows into the book in batches: a reference seen before (in the book, or earlier in this file) is not
    stored again; with other figures it is a problem of the statement's."""

    def __init__(self, conn, statement: Statement):
        self.conn, self.statement = conn, statement
        self.new = self.already = 0
        self.repeated: list[str] = []
        self.problems: list[str] = []
        self.skipped: list[tuple] = []  # lines seen before, not stored again
        self.unique_later = False  # True: the references' unique index is made after every row is stored

    def store(self, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.unique_later:
            self.new += self.conn.executemany(_INSERT_LINE, rows).rowcount
            return
        # A reference already in the book (imported before, or earlier in this file) is left as it is by the
        # unique index; when the count says some were, the batch's rows are sorted out by what the book holds.
        inserted = self.conn.executemany(_INSERT_LINE, rows).rowcount
        if inserted == len(rows):
            self.new += inserted
        else:
            self._sort_out(rows)

    def _sort_out(self, rows: list[tuple]) -> None:
        """A batch with references seen before: which rows were stored now, which were there already."""
        refs = list({r[_REF] for r in rows})
        stored: dict[str, tuple] = {}
        for chunk in in_chunks(refs):
            for ref, *rest in self.conn.execute(
                "SELECT reference, statement_id, row, day, kind, amount, sign, currency FROM statement_line "
                f"WHERE reference IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                stored[ref] = tuple(rest)
        new = []
        for r in rows:
            prior = stored.get(r[_REF])
            if prior is None:  # (no constraint but the reference's can leave a row out: never seen)
                raise RuntimeError(f"row {r[1]} of the statement was not stored")
            if prior[0] == self.statement.id and prior[1] == r[1]:
                new.append(r)  # this very row
            else:
                self._seen(r, prior, (r[_DAY], r[_KIND], r[_AMOUNT], r[_SIGN], r[_CURRENCY]))
                self.skipped.append(r[1:12])  # (as `Opened.rows` gives it: not counted in the statement's totals)
        self.new += len(new)

    def make_unique(self, index_sql: str) -> None:
        """Make the references' unique index (`index_sql`) after every row was stored without it: a reference stored
        twice (imported before, or earlier in this file) is sorted out first, as `store` does with the index there:
        each row after the first with its reference is taken out again, in the order of the file."""
        try:
            self.conn.execute(index_sql)
            return
        except sqlite3.IntegrityError:  # (a reference twice: the index is not made, the rest of the transaction stands)
            pass
        twice = self.conn.execute(
            f"SELECT id, {_LINE_COLUMNS} FROM statement_line WHERE reference IN "
            "(SELECT reference FROM statement_line GROUP BY reference HAVING COUNT(*) > 1) "
            "ORDER BY reference, statement_id = ?, row",  # (a row of an earlier import first)
            (self.statement.id,),
        ).fetchall()
        later = []  # (the row stored again, the one stored first with its reference)
        for _, same in itertools.groupby(twice, key=lambda r: r[1 + _REF]):
            first, *again = same
            later += [(r, first) for r in again]
        later.sort(key=lambda pair: pair[0][2])  # (the order of the file)
        for again, first in later:
            r = again[1:]  # (a row of _INSERT_LINE)
            prior = (first[1], first[2], *first[1 + _DAY : 1 + _CURRENCY + 1])
            self._seen(r, prior, (r[_DAY], r[_KIND], r[_AMOUNT], r[_SIGN], r[_CURRENCY]))
            self.skipped.append(r[1:12])  # (as `Opened.rows` gives it: not counted in the statement's totals)
        self.conn.executemany("DELETE FROM statement_line WHERE id = ?", [(again[0],) for again, _ in later])
        self.new -= len(later)
        self.conn.execute(index_sql)

    def _seen(self, r: tuple, prior: tuple, figures: tuple) -> None:
        statement_id, row, *before = prior
        alike = tuple(before) == figures
        if statement_id == self.statement.id:  # earlier in this file
            if alike:
                self.repeated.append(f"row {r[1]} repeats row {row} (the same reference): it was kept once.")
            elif len(self.problems) < st.MAX_PROBLEMS:
                self.problems.append(f"row {r[1]}: it has the reference of row {row} with other figures.")
        elif alike:
            self.already += 1
        elif len(self.problems) < st.MAX_PROBLEMS:
            day, _, amount, _, currency = before
            self.problems.append(
                f"row {r[1]}: the reference “{st._shown(r[_REF])}” was imported before with other "
                f"figures ({format_money(amount, currency)} on {day_text(date.fromisoformat(day))})."
            )


@ops.operation
def import_statement(
    path: str | os.PathLike,
    fmt: st.Format | None = None,
    *,
    folder: Path | None = None,
    now: datetime | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> Imported:
    """Read a statement into the book and reconcile, in one transaction. Refused whole (StatementRefused, with
    row numbers) when any row cannot be read, or has the reference of a row imported before with other
    figures; then nothing is recorded. `progress(stage, rows)` may raise to cancel (nothing is recorded)."""
    path = Path(path)
    opened = st.open_statement(path, fmt, folder=folder)
    with _big_cache():
        return _import(path, opened, now, progress)


@contextlib.contextmanager
def _big_cache():
    """A larger page cache for SQLite while a statement is stored and reconciled (a million rows and their
    indexes), with its sorts (the walk by date, the index builds) in temporary files beyond that much: memory that
    does not grow with the book or the statement (sorts held in memory took gigabytes at 1,000,000 contracts). The
    cache is given back after: the window's own memory stays as it was."""
    conn = database.connection()
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    store = conn.execute("PRAGMA temp_store").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {-BIG_CACHE_KIB}")
    try:  # (SQLite keeps the setting once its temporary storage is in use in this transaction)
        conn.execute("PRAGMA temp_store = FILE")
    except sqlite3.OperationalError:
        store = None
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {before}")
        if store is not None:
            with contextlib.suppress(sqlite3.OperationalError):
                conn.execute(f"PRAGMA temp_store = {store}")


_CONTRACT_INDEX = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'statement_line' "
    "AND sql LIKE '%(\"contract_id\")%'"
)
_REFERENCE_INDEX = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'statement_line' "
    "AND sql LIKE 'CREATE UNIQUE INDEX %(\"reference\")%'"
)


def _import(path: Path, opened: st.Opened, now, progress) -> Imported:
    big = opened.path.stat().st_size >= READ_APART_FROM
    tally = _Tally()
    with _Reader(opened, progress, tally) as reader:
        batches = reader.batches()  # (a big statement's second process reads while the contracts are read here)
        contracts = _Contracts(whole=big)
        rebuild = big and people.owns_tables(database.obj)  # (a shared book's bookkeeper may not: models/people.py)
        conn = database.connection()
        statement = Statement.create(
            name=path.name[:200], format_key=opened.format.key, format_name=opened.format.name,
            imported_at=ops._now(now), first_day=date.max, last_day=date.min, rows=0, new_lines=0,
        )  # fmt: skip
        store = _Storer(conn, statement)
        # The book holds no other statement's rows: when this one's came in the order of their days, the walk reads
        # them back in the order they were stored, without sorting them (matching.rebuild `order`).
        alone = conn.execute("SELECT 1 FROM statement_line LIMIT 1").fetchone() is None
        rows = 0
        # A big statement: its rows' index of contracts is built once at the end, quicker than row by row; on a book
        # file, their references' unique index too (a million references in the order of dates, looked up one by
        # one in an index bigger than the page cache, are most of the time spent storing them). (On PostgreSQL an
        # index refused for a reference twice would end the transaction: there the index stays.)
        indexes = []
        if rebuild:
            indexes = [conn.execute(_CONTRACT_INDEX).fetchone()]
            unique = conn.execute(_REFERENCE_INDEX).fetchone() if _book_file() is not None else None
            if unique is not None:
                indexes.append(unique)
                store.unique_later = True
            for name, _ in indexes:
                conn.execute(f'DROP INDEX "{name}"')
        for batch in batches:
            rows += len(batch)
            store.store(_rows(batch, contracts, statement.id))
            if len(store.problems) >= st.MAX_PROBLEMS:
                break
        # (the statement's period, known once every row is read: the walk's read below depends on it)
        Statement.update(first_day=tally.first, last_day=tally.last).where(Statement.id == statement.id).execute()
        if big and not (opened.problems or store.problems):
            # The walk's read of the ledger, when it is certain already: the second process reads and sorts it
            # while the indexes are built here (ten million entries at 1,000,000 contracts).
            read = matching.whole_walk_read(conn, store.new)
            if read is not None:
                reader.ask_early(*read)
        if indexes:
            with matching.sorting_threads(conn):
                if store.unique_later:
                    store.make_unique(indexes[1][1])
                conn.execute(indexes[0][1])
        problems = opened.problems + store.problems
        if store.unique_later and len(store.problems) >= st.MAX_PROBLEMS:
            problems = store.problems  # (as when storing stops there: the rows read after it are not looked at)
        if problems:
            raise st.StatementRefused(sorted(problems, key=_row_of))
        if not store.new:
            statement.delete_instance()  # nothing new: the book is left as it was
            return Imported(None, opened.format.name, rows, 0, store.already, store.repeated)
        tally.add(store.skipped, -1)
        Statement.update(rows=rows, new_lines=store.new, totals=json.dumps(tally.totals)).where(
            Statement.id == statement.id
        ).execute()
        ops._audit(None, "statement imported", f"{path.name}: {store.new:,} new rows ({opened.format.name})", now)
        if progress:
            progress("match", 0)
        # (the whole book: as `reconcile` does)
        matching.rebuild(None, progress, entries=reader.entries, order=tally.order if alone else None)
    return Imported(statement, opened.format.name, rows, store.new, store.already, store.repeated)


class _Reader:
    """Reads a statement's lines in batches (as `Opened.rows` gives them): here, or for a big file in a second
    process (reading is Python work on one core; storing is SQLite's on the other). That process then reads the
    ledger's entries for the matching walk too (`entries`), on the other core again, while this one reads the
    statement's rows back and pairs them. Problems end up in `opened.problems` either way."""

    def __init__(self, opened: st.Opened, progress, tally: _Tally):
        self.opened, self.progress, self.tally = opened, progress, tally
        self.child = None
        self.ahead: queue.Queue = queue.Queue(maxsize=_AHEAD)
        self.stop = threading.Event()
        self.taker: threading.Thread | None = None
        self.room = threading.Condition()  # told when a batch taken ahead is read
        self.held = 0  # the bytes of the batches taken ahead and not read yet
        self.asked: tuple[str, tuple] | None = None  # the read of the ledger the second process was asked for
        self.sent = False  # True: that process has the request

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if self.child is not None:
            if self.child.is_alive():
                self.child.terminate()
            self.child.join(timeout=10)
            if self.child.is_alive():  # (stuck past its end: the pipe is closed only once nothing reads it)
                self.child.kill()
                self.child.join(timeout=10)
            if self.taker is not None:
                self.taker.join(timeout=10)
            self.receive.close()
            self.ask.close()
            self.child = None

    def batches(self) -> Iterator[list[tuple]]:
        """The lines in batches; a big file's second process starts reading at once (before the first is asked)."""
        if self.opened.path.stat().st_size < READ_APART_FROM:
            return self._here()
        ctx = multiprocessing.get_context("spawn")  # never fork: this process has the book and the window open
        self.receive, send = ctx.Pipe(duplex=False)
        ask, self.ask = ctx.Pipe(duplex=False)
        self.child = ctx.Process(target=_read_apart, args=(self.opened, send, ask), daemon=True)
        self.child.start()
        send.close()
        ask.close()
        self.taker = threading.Thread(target=self._take, name="statement-batches", daemon=True)
        self.taker.start()
        return self._apart()

    def _take(self) -> None:
        """The second process's batches, taken off the pipe as they come into `ahead` (at most _AHEAD of them, and
        _AHEAD_BYTES), on a thread of their own: that process reads on while this one is busy elsewhere (reading the
        contracts first, a batch stored). Ends at the batches' end (an empty message, put last: what follows is read
        by `_next`), when the pipe ends (None, put last) or when the import stops (`stop`)."""
        while not self.stop.is_set():
            try:
                message = self.receive.recv_bytes()
            except Exception:  # (EOFError: the second process is gone; whatever else: this read cannot go on)
                message = None
            size = len(message or b"")
            with self.room:  # (_AHEAD_BYTES: the next batch waits until those ahead of it are read)
                while self.held and self.held + size > _AHEAD_BYTES and not self.stop.is_set():
                    self.room.wait(0.1)
                self.held += size
            while not self.stop.is_set():
                try:
                    self.ahead.put(message, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if not message:
                return

    def _here(self) -> Iterator[list[tuple]]:
        rows, n = self.opened.rows(), 0
        while batch := list(itertools.islice(rows, _BATCH)):
            self.tally.add(batch)
            n += len(batch)
            if self.progress:
                self.progress("read", n)
            yield batch

    def _apart(self) -> Iterator[list[tuple]]:
        n = 0
        stopped = "Reading the statement stopped unexpectedly; nothing was recorded."
        while True:
            message = self.ahead.get()
            with self.room:
                self.held -= len(message or b"")
                self.room.notify()
            if message is None:
                raise RuleError(stopped)
            batch = marshal.loads(message) if message else self._next(stopped)  # (b"": ("done", problems) follows)
            if isinstance(batch, tuple):  # ("done", problems)
                self.opened.problems.extend(batch[1])
                return
            self.tally.add(batch)
            n += len(batch)
            if self.progress:
                self.progress("read", n)
            yield batch

    def entries(self, sql: str, args: tuple) -> Iterator[tuple] | None:
        """The rows of `sql` (a read of the ledger) as the second process reads them from the book file, on a
        read-only connection of its own; None when there is no such process or its view of the ledger is not this
        transaction's (then the caller reads them itself).

        That connection reads the file as it was last checkpointed, without the write-ahead log (models/check.py
        reads it so too): this transaction's rows are not in it, nor those of any transaction since the last
        checkpoint. Entries are only ever added (R12: a correction is a new entry) and each one's hash chains it
        to all before it (models/chain.py), so the ledger read there is this one exactly when its last entry and
        that entry's hash are the same in both."""
        if self.asked is None:
            self.ask_early(sql, args)
        if self.asked != (sql, args) or not self.sent:
            return None  # (asked for another read, or never: the second process is not asked twice)
        self.sent = False  # (its one read: that process ends after it)
        first = self._next(_LEDGER_STOPPED)
        if not isinstance(first, list):  # ("stale",), ("end",) for no entries, or nothing read: read here
            return None
        return self._entries(first)

    def ask_early(self, sql: str, args: tuple) -> None:
        """Ask the second process for the rows of `sql` now, before `entries` wants them: it reads and sorts them
        on its own core while this one has other work (the statement rows' indexes). Asked once: a later
        `entries` for another read reads here."""
        self.asked = (sql, args)
        path = _book_file()
        if self.child is None or path is None or not self.child.is_alive():
            return
        if database.execute_sql("PRAGMA journal_mode").fetchone()[0] != "wal":
            return  # (with a rollback journal, this transaction's pages may be in the file already)
        head = matching.ledger_end(database.connection())
        try:
            self.ask.send((str(path), sql, args, head))
        except OSError:  # (the second process has just ended)
            return
        self.sent = True

    def _entries(self, batch) -> Iterator[tuple]:
        while not isinstance(batch, tuple):
            yield from batch
            batch = self._next(_LEDGER_STOPPED)
        if batch != ("end",):  # ("failed",): the file could not be read to the end
            raise RuleError(_LEDGER_STOPPED)

    def _next(self, words: str):
        try:
            return marshal.loads(self.receive.recv_bytes())
        except EOFError:
            raise RuleError(words) from None


def _send(conn, message) -> None:
    """Send lines, rows of the ledger or a word of the second process (lists and tuples of text and numbers) to the
    first, through `marshal`: quicker than pickle both ways, for what a process of this same program sends."""
    conn.send_bytes(marshal.dumps(message))


_LEDGER_STOPPED = "Reading the books for the reconciliation stopped unexpectedly; nothing was recorded."


def _book_file() -> Path | None:
    """The open book's file (None: a book kept in PostgreSQL, or one in memory)."""
    if getattr(database.obj, "store", "sqlite") == "postgresql":
        return None
    path = Path(str(getattr(database.obj, "database", "") or ""))
    return path if path.name and path.is_file() else None


def _read_apart(opened: st.Opened, send, ask) -> None:
    """The second process: reads the lines and sends them in batches, then ("done", problems); then the ledger's
    entries the other process asks for, if it does (`_Reader.entries`). (That process counts the lines read: this
    one, the longer of the two, only reads.)"""
    try:
        rows = opened.rows()
        while batch := list(itertools.islice(rows, 5000)):
            _send(send, batch)
        send.send_bytes(b"")  # (the batches' end: the other process's thread that takes them stops there)
        _send(send, ("done", opened.problems))
        request = ask.recv()
        if request is not None:
            _entries_apart(*request, send)
    except (EOFError, BrokenPipeError):
        return  # the reading process is gone
    except Exception as exc:  # said in words by the other process
        with contextlib.suppress(OSError):
            _send(send, ("done", [f"row 1: the statement could not be read ({exc})."]))
    finally:
        send.close()
        ask.close()


def _entries_apart(path: str, sql: str, args: tuple, head: tuple | None, send) -> None:
    """Send the rows of `sql` read from the book file at `path` in batches, then ("end",); ("stale",) instead
    when the file's ledger does not end with `head` (or cannot be read); ("failed",) when reading stops midway."""
    sent = False
    try:
        conn = bookfile.new_connection(bookfile.read_only_uri(Path(path), immutable=True), uri=True)
        try:
            if matching.ledger_end(conn) != head:
                _send(send, ("stale",))
                return
            rows = conn.execute(sql, args)
            while batch := rows.fetchmany(_BATCH):
                _send(send, batch)
                sent = True
            _send(send, ("end",))
        finally:
            conn.close()
    except Exception:  # (the file could not be read: here when nothing was sent yet, else the import stops)
        _send(send, ("failed",) if sent else ("stale",))


def _row_of(problem: str) -> int:
    m = re.match(r"row (\d+)", problem)
    return int(m.group(1)) if m else 0


# ------------------------------------------------------------------ reconcile
# ------------------------------------------------------------------ reconcile
@ops.operation
def reconcile(contracts: Iterable[int] | None = None, progress: Callable[[str, int], None] | None = None) -> None:
    """Rebuild the reconciliation of the whole book (or of some contracts) in one transaction: models/matching.py.
    `progress(stage, rows)` may raise to cancel (nothing is written then)."""
    if contracts is not None:
        matching.rebuild(contracts, progress)
        return
    with _big_cache():
        matching.rebuild(contracts, progress)


# ------------------------------------------------------------------ the client's choices
@ops.operation
def choose_contract(line, contract, *, now: datetime | None = None) -> int:
    """The client's choice of contract for a row that fits several (or none): remembered for every row with the
    same freelancer and description, now and in later imports. Returns how many rows it settled."""
    ln = ops._fresh(StatementLine, line, "statement row")
    c = ops._fresh(Contract, contract, "contract")
    if ln.kind == st.NOT_KEPT:
        raise RuleError("That row is not kept in these books: it belongs to no contract.")
    if not ln.choice_key:
        raise RuleError("That row names its contract by the contract's reference: it is already assigned.")
    if c.currency != ln.currency:
        raise RuleError(
            f"That row is in {ln.currency} and “{c.title}” in {c.currency}: choose a contract in {ln.currency}."
        )
    StatementChoice.insert(key=ln.choice_key, contract=c, chosen_at=ops._now(now)).on_conflict(
        conflict_target=[StatementChoice.key],
        update={StatementChoice.contract: c, StatementChoice.chosen_at: ops._now(now)},
    ).execute()
    before = database.execute_sql(
        "SELECT DISTINCT contract_id FROM statement_line WHERE choice_key = ? AND chosen AND contract_id IS NOT NULL",
        (ln.choice_key,),
    ).fetchall()
    settled = (
        StatementLine.update(contract_id=c.id, chosen=True)
        .where(
            (StatementLine.choice_key == ln.choice_key) & (StatementLine.contract_id.is_null() | StatementLine.chosen)
        )
        .execute()
    )
    ops._audit(c, "statement rows assigned", f"{settled} row(s) like row {ln.row} of the statement")
    reconcile([c.id, *(x for (x,) in before)])
    return settled


# ------------------------------------------------------------------ recording what is missing
@dataclass
class Recorded:
    line_id: int
    row: int
    entry: LedgerEntry | None  # None: refused
    words: str  # what was recorded, or why not


def record_missing(lines: Iterable[int] | None = None, *, today: date | None = None) -> list[Recorded]:
    """Record rows that are on the statement only (`lines`, or all of them), each through the normal operation
    of its kind and dated as on the statement. Each is its own operation: one refused leaves the others."""
    if lines is None:
        lines = [
            lid
            for (lid,) in database.execute_sql(
                "SELECT line_id FROM statement_match WHERE status = ? ORDER BY day, line_id", (STATEMENT_ONLY,)
            )
        ]
    done = []
    for lid in list(lines):
        ln = StatementLine.get_or_none(StatementLine.id == lid)
        if ln is None:
            continue
        # Each recording rematches its contract (models/matching.py follow): a fee row is matched by then when
        # the funding it was charged on was recorded from the row before it.
        status = _lead(ln)
        if status is not None and status.status == MATCHED:
            done.append(
                Recorded(lid, ln.row, None, f"Row {ln.row}: now in the books (it came with a row recorded before it).")
            )
            continue
        try:
            entry = _record_line(ln, today=today)
            done.append(Recorded(lid, ln.row, entry, f"Row {ln.row}: recorded ({_line_words(ln)})."))
        except RuleError as exc:
            done.append(Recorded(lid, ln.row, None, f"Row {ln.row}: not recorded. {exc.message}"))
    return done


def _lead(ln: StatementLine) -> StatementMatch | None:
    """A line's own row of the reconciliation (found through its contract's index)."""
    return StatementMatch.get_or_none(
        (StatementMatch.contract_id == ln.contract_id) & (StatementMatch.line_id == ln.id) & StatementMatch.lead
    )


def _line_words(ln: StatementLine) -> str:
    return f"{st.KIND_WORDS[ln.kind]}, {format_money(ln.amount, ln.currency)} on {day_text(ln.day)}"


def _named(candidates: list[Milestone], description: str, contract: Contract) -> list[Milestone]:
    """The candidates the description names; all of them when it names no milestone of the contract at all (a
    description naming another milestone of the contract, one already paid say, leaves none)."""
    text = description.casefold()
    named = [m for m in candidates if m.title.strip() and m.title.casefold() in text]
    if named:
        return named
    if any(m.title.strip() and m.title.casefold() in text for m in contract.milestones):
        return []
    return candidates


def _fees_on(c: Contract, amount: int) -> int:
    plan = ops.funding_preview(c, amount, from_escrow=False)
    return plan["fee"] + plan["initiation_fee"]


def _record_line(ln: StatementLine, *, today: date | None) -> LedgerEntry:
    status = _lead(ln)
    if status is None or status.status != STATEMENT_ONLY or ln.contract_id is None:
        raise RuleError("It is not on the statement only: there is nothing to record for it.")
    c = Contract.get_by_id(ln.contract_id)
    on = ln.day
    if ln.kind == st.FUND:
        unfunded = [m for m in c.milestones.order_by(Milestone.position) if m.state == Milestone.UNFUNDED]
        fits = [m for m in unfunded if ln.amount in (m.amount, m.amount + _fees_on(c, m.amount))]
        fits = _named(fits, ln.description, c)
        if len(fits) != 1:
            why = "no" if not fits else "more than one"
            raise RuleError(
                f"“{c.title}” has {why} milestone waiting to be funded with {format_money(ln.amount, ln.currency)}: "
                "add the milestone (or fund it) on the contract first."
            )
        return ops.fund_milestone(fits[0], on=on, today=today)
    if ln.kind == st.RELEASE:
        open_ms = [m for m in c.milestones.order_by(Milestone.position) if m.state in Milestone.OPEN_STATES]
        fits = _named(open_ms, ln.description, c)
        if len(fits) != 1:
            why = "no milestone with escrow" if not fits else "several milestones with escrow"
            raise RuleError(f"“{c.title}” has {why} to release it from: release it on the contract.")
        return ops.release_payment(fits[0], ln.amount, on=on, today=today)
    if ln.kind == st.REFUND:
        from . import queries as q

        payments = [
            p for p in c.ledger.where(LedgerEntry.kind.in_(LedgerEntry.PAYMENT_KINDS)).order_by(LedgerEntry.date.desc())
            if p.amount - q.payment_refunded(p) >= ln.amount and p.date <= on
        ]  # fmt: skip
        live = [p for p in payments if q.is_live(p)]
        if not live:
            raise RuleError(f"“{c.title}” has no payment with {format_money(ln.amount, ln.currency)} left to refund.")
        return ops.record_refund(live[0], ln.amount, memo="From the marketplace's statement", on=on, today=today)
    if ln.kind == st.ESCROW_REFUND:
        pending = c.escrow_refund_requests.where(EscrowRefundRequest.status == EscrowRefundRequest.PENDING)
        request = next((r for r in pending if r.amount == ln.amount), None)
        if request is None:
            raise RuleError(
                f"“{c.title}” has no escrow refund request for {format_money(ln.amount, ln.currency)} waiting for "
                "an answer: escrow comes back when the contract ends, or through a dispute's outcome."
            )
        return ops.record_escrow_refund_reply(request, "approved", on=on, today=today)
    if ln.kind in (st.FEE, st.INITIATION_FEE):
        raise RuleError("A fee is recorded with the funding it was charged on: record or correct that funding.")
    if ln.kind == st.FEE_REFUND:
        raise RuleError("The initiation fee comes back when the contract is ended with nothing paid: end it there.")
    raise RuleError("That row is not kept in these books.")
