"""Reconciling the books with the marketplace's statement (its transaction history).

`import_statement` reads a statement (models/statements.py), keeps its rows in the book (`StatementLine`, by
their reference: importing the same file again, or an overlapping period, adds nothing), finds each row's
contract, and reconciles. `reconcile` rebuilds `StatementMatch` from the rows, the live ledger (R12: a reversed
entry and its reversal are not there) and the client's choices, so the result never drifts from the books:

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
import itertools
import multiprocessing
import os
import re
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from . import ops
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
from .money import format_money

# What each statement kind and each ledger kind is, for matching (a dispute's outcome is a release or an
# escrow refund on the statement; a fund from remaining escrow never leaves the marketplace: no statement row).
KIND_CLASS = {
    st.FUND: "fund", st.FEE: "fee", st.INITIATION_FEE: "fee", st.RELEASE: "paid", st.REFUND: "refund",
    st.ESCROW_REFUND: "back", st.FEE_REFUND: "fee_refund",
}  # fmt: skip
ENTRY_CLASS = {
    LedgerEntry.FUND: "fund", LedgerEntry.FEE: "fee", LedgerEntry.RELEASE: "paid",
    LedgerEntry.DISPUTE_RELEASE: "paid", LedgerEntry.REFUND: "refund", LedgerEntry.ESCROW_REFUND: "back",
    LedgerEntry.DISPUTE_REFUND: "back", LedgerEntry.FEE_REFUND: "fee_refund",
}  # fmt: skip
CLASS_WORDS = {
    "fund": "Escrow funded", "fee": "Fees", "paid": "Payments released", "refund": "Refunds of payments",
    "back": "Escrow refunded", "fee_refund": "Initiation fees returned",
}  # fmt: skip

MATCHED = "matched"
AMOUNT_DIFFERS = "amount_differs"
DATE_DIFFERS = "date_differs"
STATEMENT_ONLY = "statement_only"
BOOKS_ONLY = "books_only"
NO_CONTRACT = "no_contract"
CHOOSE = "choose_contract"
NOT_KEPT = "not_kept"
STATUSES = (AMOUNT_DIFFERS, DATE_DIFFERS, STATEMENT_ONLY, BOOKS_ONLY, CHOOSE, NO_CONTRACT, MATCHED, NOT_KEPT)
DIFFERENCES = (AMOUNT_DIFFERS, DATE_DIFFERS, STATEMENT_ONLY, BOOKS_ONLY, CHOOSE, NO_CONTRACT)
STATUS_WORDS = {
    MATCHED: "Matched",
    AMOUNT_DIFFERS: "Amounts differ",
    DATE_DIFFERS: "Dates differ",
    STATEMENT_ONLY: "On the statement only",
    BOOKS_ONLY: "In the books only",
    NO_CONTRACT: "No contract found",
    CHOOSE: "Choose the contract",
    NOT_KEPT: "Not kept in these books",
}
NEAR_DAYS = 45  # a row and an entry this many days apart can still be the same event with its date wrong
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]*[A-Za-z0-9]")
_BATCH = 20_000
READ_APART_FROM = 16 * 1024 * 1024  # bytes: a statement this big is read in a second process
BIG_CACHE_KIB = 256 * 1024  # SQLite's page cache while a statement is stored and reconciled


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
    contracts, by a milestone or contract title the description names), else the client's remembered choice."""

    def __init__(self):
        self.by_ref: dict[str, list[int]] = defaultdict(list)
        self.by_name: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for cid, ref, name, currency in database.execute_sql(
            "SELECT c.id, c.external_id, f.name, c.currency FROM contract c JOIN freelancer f ON f.id = c.freelancer_id"
        ):
            ref = ref.strip()
            if ref:
                for form in {ref, ref.casefold(), ref.upper()}:
                    self.by_ref[form].append(cid)
            self.by_name[" ".join(name.casefold().split())].append((cid, currency))
        self.choices = dict(database.execute_sql("SELECT key, contract_id FROM statement_choice").fetchall())
        self.titles: dict[int, list[str]] = {}

    def find(self, description: str, freelancer: str, currency: str) -> tuple[int | None, int, str]:
        """(contract id or None, how many contracts fit, the key a client's choice is remembered by)."""
        for token in reversed(_TOKEN.findall(description)):  # (a reference is written last, as a rule)
            found = self.by_ref.get(token) or self.by_ref.get(token.casefold())
            if found and len(found) == 1:
                return found[0], 1, ""
        key = choice_key(freelancer, description)
        name = " ".join(freelancer.casefold().split())
        fits = [cid for cid, cur in self.by_name.get(name, ()) if cur == currency] if name else []
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


def choice_key(freelancer: str, description: str) -> str:
    """What a client's choice of contract for a row is remembered by: the freelancer and the description."""
    return (" ".join(freelancer.casefold().split()) + "|" + " ".join(description.casefold().split()))[:500]


_INSERT_LINE = """INSERT INTO statement_line (statement_id, row, reference, day, kind, amount, sign, currency,
  type, description, freelancer, known, contract_id, candidates, choice_key, chosen)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)"""
_LOOKUP = 900  # references looked up in the book at a time (SQLite takes at most 999 parameters in older builds)
# A stored row, as `_rows` makes it: the columns of _INSERT_LINE in their order.
_REF, _DAY, _KIND, _AMOUNT, _SIGN, _CURRENCY = 2, 3, 4, 5, 6, 7


def _fields(line: st.Line) -> tuple:
    """A line as it travels from the reading process: the columns of _INSERT_LINE from `row` to `known`."""
    return (line.row, line.reference, line.day.isoformat(), line.kind, line.amount, line.sign, line.currency,
            line.type, line.description, line.freelancer, line.known)  # fmt: skip


def _rows(batch: list[tuple], contracts: _Contracts, statement_id: int) -> list[tuple]:
    """Lines (as `_fields` gives them) with their statement and contract: rows of _INSERT_LINE."""
    find, not_kept, out = contracts.find, st.NOT_KEPT, []
    for f in batch:
        found = find(f[8], f[9], f[6]) if f[3] != not_kept else (None, 0, "")
        out.append((statement_id, *f, *found))
    return out


class _Storer:
    """Puts rows into the book in batches: a reference seen before (in the book, or earlier in this file) is not
    stored again; with other figures it is a problem of the statement's."""

    def __init__(self, conn, statement: Statement):
        self.conn, self.statement = conn, statement
        self.new = self.already = 0
        self.first, self.last = "9999-12-31", "0000-01-01"
        self.repeated: list[str] = []
        self.problems: list[str] = []

    def store(self, rows: list[tuple]) -> None:
        if not rows:
            return
        self.first = min(self.first, min(r[_DAY] for r in rows))
        self.last = max(self.last, max(r[_DAY] for r in rows))
        # Quick when no reference is in the book yet (a new statement, a new period): the unique index says so.
        self.conn.execute("SAVEPOINT statement_rows")
        try:
            self.conn.executemany(_INSERT_LINE, rows)
        except sqlite3.IntegrityError:
            self.conn.execute("ROLLBACK TO statement_rows")
            self.conn.execute("RELEASE statement_rows")
            self._store_known(rows)
        else:
            self.conn.execute("RELEASE statement_rows")
            self.new += len(rows)

    def _store_known(self, rows: list[tuple]) -> None:
        """A batch with a reference seen before: each row is looked up, and only new ones stored."""
        refs = list({r[_REF] for r in rows})
        known: dict[str, tuple] = {}
        for i in range(0, len(refs), _LOOKUP):
            chunk = refs[i : i + _LOOKUP]
            for ref, *rest in self.conn.execute(
                "SELECT reference, statement_id, row, day, kind, amount, sign, currency FROM statement_line "
                f"WHERE reference IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                known[ref] = tuple(rest)
        out = []
        for r in rows:
            figures = (r[_DAY], r[_KIND], r[_AMOUNT], r[_SIGN], r[_CURRENCY])
            prior = known.get(r[_REF])
            if prior is not None:
                self._seen(r, prior, figures)
                continue
            known[r[_REF]] = (self.statement.id, r[1], *figures)
            out.append(r)
        self.conn.executemany(_INSERT_LINE, out)
        self.new += len(out)

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
    indexes), given back after: the window's own memory stays as it was."""
    conn = database.connection()
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {-BIG_CACHE_KIB}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {before}")


def _import(path: Path, opened: st.Opened, now, progress) -> Imported:
    contracts = _Contracts()
    conn = database.connection()
    statement = Statement.create(
        name=path.name[:200], format_key=opened.format.key, format_name=opened.format.name,
        imported_at=ops._now(now), first_day=date.max, last_day=date.min, rows=0, new_lines=0,
    )  # fmt: skip
    store = _Storer(conn, statement)
    rows = 0
    for batch in _read(opened, progress):
        rows += len(batch)
        store.store(_rows(batch, contracts, statement.id))
        if len(store.problems) >= st.MAX_PROBLEMS:
            break
    problems = opened.problems + store.problems
    if problems:
        raise st.StatementRefused(sorted(problems, key=_row_of))
    if not store.new:
        statement.delete_instance()  # nothing new: the book is left as it was
        return Imported(None, opened.format.name, rows, 0, store.already, store.repeated)
    Statement.update(first_day=store.first, last_day=store.last, rows=rows, new_lines=store.new).where(
        Statement.id == statement.id
    ).execute()
    ops._audit(None, "statement imported", f"{path.name}: {store.new:,} new rows ({opened.format.name})", now)
    if progress:
        progress("match", rows)
    reconcile()
    return Imported(statement, opened.format.name, rows, store.new, store.already, store.repeated)


def _read(opened: st.Opened, progress) -> Iterator[list[tuple]]:
    """Batches of lines (as `_fields` gives them): read here, or for a big file in a second process (reading is
    Python work on one core; storing is SQLite's on the other). Problems end up in `opened.problems` either way."""
    if opened.path.stat().st_size < READ_APART_FROM:
        rows = map(_fields, opened.lines())
        n = 0
        while batch := list(itertools.islice(rows, _BATCH)):
            n += len(batch)
            if progress:
                progress("read", n)
            yield batch
        return
    ctx = multiprocessing.get_context("spawn")  # never fork: this process has the book and the window open
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_read_apart, args=(opened, send), daemon=True)
    child.start()
    send.close()
    try:
        n = 0
        while True:
            try:
                batch = receive.recv()
            except EOFError:
                raise RuleError("Reading the statement stopped unexpectedly; nothing was recorded.") from None
            if isinstance(batch, tuple):  # ("done", problems)
                opened.problems.extend(batch[1])
                return
            n += len(batch)
            if progress:
                progress("read", n)
            yield batch
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=10)
        receive.close()


def _read_apart(opened: st.Opened, send) -> None:
    """The second process: reads the lines and sends them in batches, then ("done", problems)."""
    try:
        rows = map(_fields, opened.lines())
        while batch := list(itertools.islice(rows, 5000)):
            send.send(batch)
        send.send(("done", opened.problems))
    except (EOFError, BrokenPipeError):
        return  # the reading process is gone
    except Exception as exc:  # said in words by the other process
        with contextlib.suppress(OSError):
            send.send(("done", [f"row 1: the statement could not be read ({exc})."]))
    finally:
        send.close()


def _row_of(problem: str) -> int:
    m = re.match(r"row (\d+)", problem)
    return int(m.group(1)) if m else 0


# ------------------------------------------------------------------ reconcile
def _period() -> tuple[str, str] | None:
    first, last = database.execute_sql("SELECT MIN(first_day), MAX(last_day) FROM statement").fetchone()
    return (first, last) if first else None


_FREE_ROWS = """INSERT INTO statement_match (line_id, entry_id, contract_id, status, day, difference, lead)
SELECT id, NULL, NULL, CASE WHEN kind = ? THEN ? WHEN candidates > 1 THEN ? ELSE ? END, day, 0, 1
FROM statement_line WHERE (contract_id IS NULL OR kind = ?)"""


@ops.operation
def reconcile(contracts: Iterable[int] | None = None) -> None:
    """Rebuild the reconciliation (`StatementMatch`) from the imported rows, the live ledger and the client's
    choices: of the whole book, or of some contracts only (after a row was recorded or assigned). Deterministic:
    run again on the same book, it writes the same rows."""
    conn = database.connection()
    period = _period()
    if contracts is None:
        # Rebuilt whole: the indexes are dropped and made again after (quicker than keeping them row by row).
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = 'statement_match' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute("DELETE FROM statement_match")
        conn.execute(_FREE_ROWS, (st.NOT_KEPT, NOT_KEPT, CHOOSE, NO_CONTRACT, st.NOT_KEPT))
        where_e, where_l, args = "", "", ()
    else:
        ids = sorted(set(contracts))
        if not ids:
            return
        marks = ",".join("?" * len(ids))
        conn.execute(
            f"DELETE FROM statement_match WHERE contract_id IN ({marks}) OR line_id IN "
            f"(SELECT id FROM statement_line WHERE contract_id IN ({marks}))",
            (*ids, *ids),
        )
        where_e, where_l, args = f" AND e.contract_id IN ({marks})", f" AND contract_id IN ({marks})", tuple(ids)
        indexes = []
    if period is not None:
        _match_all(conn, period, where_e, where_l, args)
    for _, sql in indexes:
        conn.execute(sql)


def _match_all(conn, period: tuple[str, str], where_e: str, where_l: str, args: tuple) -> None:
    """Walk the rows and the entries day by day, pairing those of the same contract, kind, currency and amount
    (the n-th row with the n-th entry); what is left, contract by contract, goes to `_match`."""
    first, last = period
    near_from = (date.fromisoformat(first) - timedelta(days=NEAR_DAYS)).isoformat()
    near_to = (date.fromisoformat(last) + timedelta(days=NEAR_DAYS)).isoformat()
    kinds = tuple(ENTRY_CLASS)
    entries = conn.execute(
        f"""SELECT e.date, e.contract_id, e.id, e.kind, e.currency, e.amount, e.funding_id FROM live_entry e
            WHERE e.date BETWEEN ? AND ? AND e.kind IN ({",".join("?" * len(kinds))}){where_e}
            ORDER BY e.date, e.id""",
        (near_from, near_to, *kinds, *args),
    )
    lines = database.connection().execute(
        f"""SELECT day, contract_id, id, kind, currency, amount FROM statement_line
            WHERE contract_id IS NOT NULL AND kind != ?{where_l} ORDER BY day, row""",
        (st.NOT_KEPT, *args),
    )
    left_l: dict[int, list] = defaultdict(list)
    left_e: dict[int, list] = defaultdict(list)
    out: list[tuple] = []
    days_e = itertools.groupby(entries, key=lambda r: r[0])
    days_l = itertools.groupby(lines, key=lambda r: r[0])
    de, dl = next(days_e, None), next(days_l, None)
    while de is not None or dl is not None:
        if dl is None or (de is not None and de[0] < dl[0]):
            day, es, ls = de[0], list(de[1]), ()
            de = next(days_e, None)
        elif de is None or dl[0] < de[0]:
            day, es, ls = dl[0], (), list(dl[1])
            dl = next(days_l, None)
        else:
            day, es, ls = de[0], list(de[1]), list(dl[1])
            de, dl = next(days_e, None), next(days_l, None)
        same: dict[tuple, list] = {}
        for _, cid, eid, kind, cur, amount, funding in es:
            same.setdefault((cid, ENTRY_CLASS[kind], cur, amount), []).append(
                (cid, eid, ENTRY_CLASS[kind], cur, amount, day, funding)
            )
        for _, cid, lid, kind, cur, amount in ls:
            cls = KIND_CLASS[kind]
            found = same.get((cid, cls, cur, amount))
            if found:
                out.append((lid, found.pop(0)[1], cid, MATCHED, day, 0, True))
            else:
                left_l[cid].append((cid, lid, cls, cur, amount, day))
        for waiting in same.values():
            for e in waiting:
                left_e[e[0]].append(e)
        if len(out) >= _BATCH:
            _write(conn, out)
    for cid in sorted(left_l.keys() | left_e.keys()):
        _match(cid, left_l.get(cid, ()), sorted(left_e.get(cid, ()), key=lambda e: (e[5], e[1])), first, last, out)
        if len(out) >= _BATCH:
            _write(conn, out)
    _write(conn, out)


def _write(conn, out: list[tuple]) -> None:
    conn.executemany(
        "INSERT INTO statement_match (line_id, entry_id, contract_id, status, day, difference, lead) "
        "VALUES (?,?,?,?,?,?,?)",
        out,
    )
    out.clear()


def _days(a: str, b: str) -> int:
    return (date.fromisoformat(a) - date.fromisoformat(b)).days


def _match(cid: int, lines: list, entries: list, first: str, last: str, out: list) -> None:
    """Match one contract's rows (contract, id, class, currency, amount, day) with its live entries (contract,
    id, class, currency, amount, date, funding), appending StatementMatch rows to `out`."""
    L = [(lid, cls, cur, amount, day) for _, lid, cls, cur, amount, day in lines]
    E = {eid: (cls, cur, amount, day, funding) for _, eid, cls, cur, amount, day, funding in entries}
    open_l = dict.fromkeys(lid for lid, *_ in L)  # ordered: by day, then row
    open_e = dict.fromkeys(E)  # ordered: by date, then id
    line = {lid: rest for lid, *rest in L}

    def take(lid, eids, status=MATCHED, difference=0):
        open_l.pop(lid, None)
        for n, eid in enumerate(eids):
            open_e.pop(eid, None)
            out.append((lid, eid, cid, status, line[lid][3], difference, n == 0))

    # 1. The same kind, amount and day.
    exact = defaultdict(list)
    for eid in open_e:
        cls, cur, amount, day, _ = E[eid]
        exact[(cls, cur, amount, day)].append(eid)
    for lid in list(open_l):
        found = exact.get(tuple(line[lid]))
        if found:
            take(lid, [found.pop(0)])
    if open_l:
        # 2. One row for several entries: a funding with its fees, or a funding's fee and initiation fee.
        groups = defaultdict(list)
        for eid in open_e:
            cls, cur, amount, day, funding = E[eid]
            if cls == "fee" and funding is not None:
                groups[funding].append(eid)
        for lid in list(open_l):
            cls, cur, amount, day = line[lid]
            if cls not in ("fund", "fee"):
                continue
            for fid, fees in groups.items():
                fees = [f for f in fees if f in open_e and E[f][3] == day]
                members = ([fid] if cls == "fund" and fid in open_e and E[fid][3] == day else []) + fees
                if (cls == "fund" and members[:1] != [fid]) or len(members) < 2:
                    continue
                if all(E[m][1] == cur for m in members) and sum(E[m][2] for m in members) == amount:
                    take(lid, members)
                    break
        # 3. Several rows for one entry (the same kind and day, adding up to it).
        same_day = defaultdict(list)
        for lid in open_l:
            cls, cur, amount, day = line[lid]
            same_day[(cls, cur, day)].append(lid)
        for eid in list(open_e):
            cls, cur, amount, day, _ = E[eid]
            lids = [lid for lid in same_day.get((cls, cur, day), ()) if lid in open_l]
            if len(lids) >= 2 and sum(line[lid][2] for lid in lids) == amount:
                for lid in lids:
                    open_l.pop(lid)
                    out.append((lid, eid, cid, MATCHED, line[lid][3], 0, True))
                open_e.pop(eid)
        # 4. The same amount on another day; 5. the same day with another amount.
        for lid in list(open_l):
            cls, cur, amount, day = line[lid]
            near = [e for e in open_e if E[e][0] == cls and E[e][1] == cur and E[e][2] == amount]
            near = [e for e in near if abs(_days(day, E[e][3])) <= NEAR_DAYS]
            if near:
                eid = min(near, key=lambda e: abs(_days(day, E[e][3])))
                take(lid, [eid], DATE_DIFFERS, _days(day, E[eid][3]))
        for lid in list(open_l):
            cls, cur, amount, day = line[lid]
            near = [e for e in open_e if E[e][0] == cls and E[e][1] == cur and E[e][3] == day]
            if near:
                eid = min(near, key=lambda e: abs(E[e][2] - amount))
                take(lid, [eid], AMOUNT_DIFFERS, amount - E[eid][2])
        for lid in open_l:
            out.append((lid, None, cid, STATEMENT_ONLY, line[lid][3], 0, True))
    for eid in open_e:
        day = E[eid][3]
        if first <= day <= last:
            out.append((None, eid, cid, BOOKS_ONLY, day, 0, True))


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
    touched = set()
    for lid in list(lines):
        ln = StatementLine.get_or_none(StatementLine.id == lid)
        if ln is None:
            continue
        try:
            entry = _record_line(ln, today=today)
            touched.add(ln.contract_id)
            done.append(Recorded(lid, ln.row, entry, f"Row {ln.row}: recorded ({_line_words(ln)})."))
        except RuleError as exc:
            done.append(Recorded(lid, ln.row, None, f"Row {ln.row}: not recorded. {exc.message}"))
    reconcile(touched)
    return done


def _line_words(ln: StatementLine) -> str:
    return f"{st.KIND_WORDS[ln.kind]}, {format_money(ln.amount, ln.currency)} on {day_text(ln.day)}"


def _named(candidates: list[Milestone], description: str) -> list[Milestone]:
    text = description.casefold()
    named = [m for m in candidates if m.title.strip() and m.title.casefold() in text]
    return named or candidates


def _fees_on(c: Contract, amount: int) -> int:
    plan = ops.funding_preview(c, amount, from_escrow=False)
    return plan["fee"] + plan["initiation_fee"]


def _record_line(ln: StatementLine, *, today: date | None) -> LedgerEntry:
    status = StatementMatch.get_or_none((StatementMatch.line_id == ln.id) & StatementMatch.lead)
    if status is None or status.status != STATEMENT_ONLY or ln.contract_id is None:
        raise RuleError("It is not on the statement only: there is nothing to record for it.")
    c = Contract.get_by_id(ln.contract_id)
    on = ln.day
    if ln.kind == st.FUND:
        unfunded = [m for m in c.milestones.order_by(Milestone.position) if m.state == Milestone.UNFUNDED]
        fits = [m for m in unfunded if ln.amount in (m.amount, m.amount + _fees_on(c, m.amount))]
        fits = _named(fits, ln.description)
        if len(fits) != 1:
            why = "no" if not fits else "more than one"
            raise RuleError(
                f"“{c.title}” has {why} milestone waiting to be funded with {format_money(ln.amount, ln.currency)}: "
                "add the milestone (or fund it) on the contract first."
            )
        return ops.fund_milestone(fits[0], on=on, today=today)
    if ln.kind == st.RELEASE:
        open_ms = [m for m in c.milestones.order_by(Milestone.position) if m.state in Milestone.OPEN_STATES]
        fits = _named(open_ms, ln.description)
        if len(fits) != 1:
            why = "no milestone with escrow" if not fits else "several milestones with escrow"
            raise RuleError(f"“{c.title}” has {why} to release it from: release it on the contract.")
        return ops.release_payment(fits[0], ln.amount, on=on, today=today)
    if ln.kind == st.REFUND:
        from .queries import payment_refunded

        payments = [
            p for p in c.ledger.where(LedgerEntry.kind.in_(LedgerEntry.PAYMENT_KINDS)).order_by(LedgerEntry.date.desc())
            if p.amount - payment_refunded(p) >= ln.amount and p.date <= on
        ]  # fmt: skip
        live = [p for p in payments if not LedgerEntry.select().where(LedgerEntry.reverses == p.id).exists()]
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


# ------------------------------------------------------------------ what the reconciliation found
class Row(NamedTuple):
    """One row of the reconciliation as the view and the report show it."""

    status: str
    line_id: int | None
    entry_id: int | None
    contract_id: int | None
    contract: str  # the contract's title ("" when none)
    row: int | None  # the statement's row
    reference: str
    day: date | None  # on the statement
    kind: str  # the statement's kind (models/statements.py KINDS), or the entry's class when in the books only
    type: str  # the transaction type as the statement says it
    description: str
    amount: int | None  # on the statement, minor units
    currency: str
    books_day: date | None
    books_amount: int | None  # the entry's (for a row covering several entries: their sum)
    difference: int  # statement minus books: minor units (amounts), or days (dates)
    lead: bool

    def words(self) -> str:
        """What this row says, in a client's words (the report and the view's tooltip)."""
        cur = self.currency
        if self.status == AMOUNT_DIFFERS:
            return (
                f"The statement says {format_money(self.amount, cur)}, the books {format_money(self.books_amount, cur)}"
                f" (a difference of {format_money(self.difference, cur)})."
            )
        if self.status == DATE_DIFFERS:
            n = abs(self.difference)
            return (
                f"The statement dates it {day_text(self.day)}, the books {day_text(self.books_day)} "
                f"({n} day{'s' if n != 1 else ''} {'later' if self.difference > 0 else 'earlier'} on the statement)."
            )
        if self.status == STATEMENT_ONLY:
            return "It is on the statement, not in the books."
        if self.status == BOOKS_ONLY:
            return "It is in the books, not on the statement."
        if self.status == NO_CONTRACT:
            return "No contract of the books fits it: choose its contract, or add the contract."
        if self.status == CHOOSE:
            return "Several contracts fit it: choose which one it belongs to."
        if self.status == NOT_KEPT:
            return "Not kept in these books (not a fixed-price movement of money)."
        return "The statement and the books agree."


_ROW_SELECT = """
SELECT m.status, m.line_id, m.entry_id, m.contract_id, COALESCE(c.title, ''), l.row, COALESCE(l.reference, ''),
       l.day, COALESCE(l.kind, e.kind), COALESCE(l.type, ''), COALESCE(l.description, e.memo, ''), l.amount,
       COALESCE(l.currency, e.currency, c.currency, ''), e.date,
       CASE WHEN m.line_id IS NULL THEN e.amount
            ELSE (SELECT SUM(x.amount) FROM statement_match o JOIN ledger_entry x ON x.id = o.entry_id
                  WHERE o.line_id = m.line_id AND o.contract_id IS m.contract_id) END,
       m.difference, m.lead
FROM statement_match m
LEFT JOIN statement_line l ON l.id = m.line_id
LEFT JOIN ledger_entry e ON e.id = m.entry_id
LEFT JOIN contract c ON c.id = m.contract_id
"""


def _as_row(r: tuple) -> Row:
    day = date.fromisoformat(r[7]) if r[7] else None
    books_day = date.fromisoformat(r[13]) if r[13] else None
    return Row(*r[:7], day, *r[8:13], books_day, r[14], r[15], bool(r[16]))


def _where(statuses: Iterable[str] | None, contract: int | None) -> tuple[str, tuple]:
    clauses, args = ["m.lead"], []
    if statuses is not None:
        statuses = tuple(statuses)
        clauses.append(f"m.status IN ({','.join('?' * len(statuses))})")
        args += statuses
    if contract is not None:
        clauses.append("m.contract_id = ?")
        args.append(contract)
    return " AND ".join(clauses), tuple(args)


def page(
    statuses: Iterable[str] | None = None, *, contract: int | None = None, offset: int = 0, limit: int = 200
) -> list[Row]:
    """One page of the reconciliation (its differences, or any statuses), by date, from the indexes."""
    where, args = _where(statuses, contract)
    sql = f"{_ROW_SELECT} WHERE {where} ORDER BY m.day, m.id LIMIT ? OFFSET ?"
    return [_as_row(r) for r in database.execute_sql(sql, (*args, limit, offset))]


def counts(contract: int | None = None) -> dict[str, int]:
    """How many rows of each status (a line covering several entries counts once)."""
    where, args = _where(None, contract)
    found = dict(
        database.execute_sql(f"SELECT m.status, COUNT(*) FROM statement_match m WHERE {where} GROUP BY m.status", args)
    )
    return {s: found.get(s, 0) for s in STATUSES}


def agrees(contract: int | None = None) -> bool:
    """True when every kept row of the statements is matched and nothing is in the books only."""
    where, args = _where(DIFFERENCES, contract)
    return database.execute_sql(f"SELECT 1 FROM statement_match m WHERE {where} LIMIT 1", args).fetchone() is None


class Total(NamedTuple):
    currency: str
    cls: str  # KIND_CLASS value
    statement: int
    books: int

    @property
    def difference(self) -> int:
        return self.statement - self.books


def totals(contract: int | None = None) -> list[Total]:
    """Per currency and kind: the statements' total against the books' total over the statements' period
    (the books' live entries dated within it; a contract's own when `contract` is given)."""
    period = _period()
    if period is None:
        return []
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in KIND_CLASS.items())
    ecases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in ENTRY_CLASS.items())
    where_l, where_e, args = "", "", ()
    if contract is not None:
        where_l, where_e, args = " AND contract_id = ?", " AND e.contract_id = ?", (contract,)
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for cur, cls, total in database.execute_sql(
        f"SELECT currency, CASE kind {cases} END AS cls, SUM(amount) FROM statement_line "
        f"WHERE kind != '{st.NOT_KEPT}'{where_l} GROUP BY currency, cls",
        args,
    ):
        sums[(cur, cls)][0] = total
    for cur, cls, total in database.execute_sql(
        f"SELECT e.currency, CASE e.kind {ecases} END AS cls, SUM(e.amount) FROM live_entry e "
        f"WHERE e.kind IN ({','.join(repr(k) for k in ENTRY_CLASS)}) AND e.date BETWEEN ? AND ?{where_e} "
        "GROUP BY e.currency, cls",
        (*period, *args),
    ):
        sums[(cur, cls)][1] = total
    order = list(CLASS_WORDS)
    return [
        Total(cur, cls, s, b)
        for (cur, cls), (s, b) in sorted(sums.items(), key=lambda kv: (kv[0][0], order.index(kv[0][1])))
    ]


def statements() -> list[Statement]:
    """The statements imported, newest first."""
    return list(Statement.select().order_by(Statement.imported_at.desc(), Statement.id.desc()))


def report(*, limit: int = 1000) -> dict:
    """The whole reconciliation as plain data (`escrowbook reconcile --json`): counts, totals per currency and
    kind, and the differences (the first `limit`, by date)."""
    period = _period()
    differences = page(DIFFERENCES, limit=limit)
    return {
        "agrees": agrees(),
        "period": {"from": period[0], "to": period[1]} if period else None,
        "counts": counts(),
        "totals": [
            {
                "currency": t.currency,
                "kind": t.cls,
                "statement": t.statement,
                "books": t.books,
                "difference": t.difference,
            }
            for t in totals()
        ],
        "differences": [
            {
                "status": r.status,
                "row": r.row,
                "reference": r.reference,
                "contract": r.contract,
                "contract_id": r.contract_id,
                "date": r.day.isoformat() if r.day else None,
                "amount": r.amount,
                "currency": r.currency,
                "entry": r.entry_id,
                "books_date": r.books_day.isoformat() if r.books_day else None,
                "books_amount": r.books_amount,
                "difference": r.difference,
                "words": r.words(),
            }
            for r in differences
        ],
    }
