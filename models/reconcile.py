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

import itertools
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
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
            if ref.strip():
                self.by_ref[ref.strip().casefold()].append(cid)
            self.by_name[" ".join(name.casefold().split())].append((cid, currency))
        self.choices = dict(database.execute_sql("SELECT key, contract_id FROM statement_choice").fetchall())
        self.titles: dict[int, list[str]] = {}

    def find(self, line: st.Line) -> tuple[int | None, int, str]:
        """(contract id or None, how many contracts fit, the key a client's choice is remembered by)."""
        for token in _TOKEN.findall(line.description):
            found = self.by_ref.get(token.casefold())
            if found and len(found) == 1:
                return found[0], 1, ""
        key = choice_key(line.freelancer, line.description)
        name = " ".join(line.freelancer.casefold().split())
        fits = [cid for cid, currency in self.by_name.get(name, ()) if currency == line.currency] if name else []
        if len(fits) > 1:
            text = line.description.casefold()
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


_STAGE = """CREATE TEMP TABLE IF NOT EXISTS statement_stage (
  row INTEGER, reference TEXT, day TEXT, kind TEXT, amount INTEGER, sign INTEGER, currency TEXT, type TEXT,
  description TEXT, freelancer TEXT, known INTEGER, contract_id INTEGER, candidates INTEGER, choice_key TEXT)"""


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
    contracts = _Contracts()
    conn = database.connection()
    conn.execute(_STAGE)
    conn.execute("DELETE FROM temp.statement_stage")
    batch: list[tuple] = []
    rows = 0

    def flush():
        conn.executemany("INSERT INTO temp.statement_stage VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
        batch.clear()

    read = opened.lines((lambda n: progress("read", n)) if progress else None)
    for line in read:
        rows += 1
        cid, candidates, key = contracts.find(line) if line.kind != st.NOT_KEPT else (None, 0, "")
        batch.append(
            (line.row, line.reference, line.day.isoformat(), line.kind, line.amount, line.sign, line.currency,
             line.type, line.description, line.freelancer, line.known, cid, candidates, key)
        )  # fmt: skip
        if len(batch) >= _BATCH:
            flush()
    flush()
    conn.execute("CREATE INDEX IF NOT EXISTS temp.statement_stage_reference ON statement_stage (reference)")
    if opened.problems:
        raise st.StatementRefused(opened.problems)
    problems, repeated = _conflicts(conn)
    if problems:
        raise st.StatementRefused(problems)
    first, last = conn.execute("SELECT MIN(day), MAX(day) FROM temp.statement_stage").fetchone()
    statement = Statement.create(
        name=path.name[:200], format_key=opened.format.key, format_name=opened.format.name,
        imported_at=ops._now(now), first_day=first or "1900-01-01", last_day=last or "1900-01-01", rows=rows,
        new_lines=0,
    )  # fmt: skip
    # A reference imported before (or earlier in this file, with the same figures) is left as it is.
    new = conn.execute(
        """INSERT OR IGNORE INTO statement_line (statement_id, row, reference, day, kind, amount, sign, currency,
             type, description, freelancer, known, contract_id, candidates, choice_key, chosen)
           SELECT ?, row, reference, day, kind, amount, sign, currency, type, description, freelancer, known,
             contract_id, candidates, choice_key, 0
           FROM temp.statement_stage ORDER BY rowid""",
        (statement.id,),
    ).rowcount
    conn.execute("DROP TABLE temp.statement_stage")
    if not new:
        statement.delete_instance()  # nothing new: the book is left as it was
        statement = None
    else:
        Statement.update(new_lines=new).where(Statement.id == statement.id).execute()
        ops._audit(None, "statement imported", f"{path.name}: {new:,} new rows ({opened.format.name})", now)
        if progress:
            progress("match", rows)
        reconcile()
    return Imported(statement, opened.format.name, rows, new, rows - new - len(repeated), repeated)


_FIGURES = ("day", "kind", "amount", "sign", "currency")


def _conflicts(conn) -> tuple[list[str], list[str]]:
    """Rows whose reference another row of this file, or a row imported before, has with other figures
    (refused); and rows listed twice in the file with the same figures (kept once)."""
    same = " AND ".join(f"a.{c} = b.{c}" for c in _FIGURES)
    problems, repeated = [], []
    twice = conn.execute(
        f"""WITH dup AS (SELECT reference, MIN(rowid) AS first FROM temp.statement_stage GROUP BY reference
                         HAVING COUNT(*) > 1)
            SELECT b.row, a.row, {same} FROM dup JOIN temp.statement_stage a ON a.rowid = dup.first
            JOIN temp.statement_stage b ON b.reference = dup.reference AND b.rowid > a.rowid
            ORDER BY b.row LIMIT 200"""
    ).fetchall()
    for row, first, alike in twice:
        if alike:
            repeated.append(f"row {row} repeats row {first} (the same reference): it was kept once.")
        else:
            problems.append(f"row {row}: it has the reference of row {first} with other figures.")
    before = conn.execute(
        f"""SELECT a.row, a.reference, b.day, b.amount, b.currency FROM temp.statement_stage a
            JOIN statement_line b ON b.reference = a.reference WHERE NOT ({same}) ORDER BY a.row LIMIT 50"""
    ).fetchall()
    for row, ref, day, amount, currency in before:
        problems.append(
            f"row {row}: the reference “{st._shown(ref)}” was imported before with other figures "
            f"({format_money(amount, currency)} on {day_text(date.fromisoformat(day))})."
        )
    return problems, repeated


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
    kinds = tuple(ENTRY_CLASS)
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
        first, last = period
        near_from = (date.fromisoformat(first) - timedelta(days=NEAR_DAYS)).isoformat()
        near_to = (date.fromisoformat(last) + timedelta(days=NEAR_DAYS)).isoformat()
        entries = conn.execute(
            f"""SELECT e.contract_id, e.id, e.kind, e.currency, e.amount, e.date, e.funding_id FROM live_entry e
                WHERE e.kind IN ({",".join("?" * len(kinds))}) AND e.date BETWEEN ? AND ?{where_e}
                ORDER BY e.contract_id, e.date, e.id""",
            (*kinds, near_from, near_to, *args),
        )
        lines = database.connection().execute(
            f"""SELECT contract_id, id, kind, currency, amount, day FROM statement_line
                WHERE contract_id IS NOT NULL AND kind != ?{where_l} ORDER BY contract_id, day, row""",
            (st.NOT_KEPT, *args),
        )
        _merge(conn, entries, lines, first, last)
    for _, sql in indexes:
        conn.execute(sql)


def _merge(conn, entries, lines, first: str, last: str) -> None:
    """Walk the entries and the rows, both in contract order, matching each contract's."""
    out: list[tuple] = []
    by_contract_e = itertools.groupby(entries, key=lambda r: r[0])
    by_contract_l = itertools.groupby(lines, key=lambda r: r[0])
    ce = next(by_contract_e, None)
    cl = next(by_contract_l, None)
    while ce is not None or cl is not None:
        if cl is None or (ce is not None and ce[0] < cl[0]):
            cid, es, ls = ce[0], list(ce[1]), []
            ce = next(by_contract_e, None)
        elif ce is None or cl[0] < ce[0]:
            cid, es, ls = cl[0], [], list(cl[1])
            cl = next(by_contract_l, None)
        else:
            cid, es, ls = ce[0], list(ce[1]), list(cl[1])
            ce, cl = next(by_contract_e, None), next(by_contract_l, None)
        _match(cid, ls, es, first, last, out)
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
    """Match one contract's rows (contract, id, kind, currency, amount, day) with its live entries (contract,
    id, kind, currency, amount, date, funding), appending StatementMatch rows to `out`."""
    L = [(lid, KIND_CLASS[kind], cur, amount, day) for _, lid, kind, cur, amount, day in lines]
    E = {eid: (ENTRY_CLASS[kind], cur, amount, day, funding) for _, eid, kind, cur, amount, day, funding in entries}
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
        StatementLine.update(contract=c, chosen=True)
        .where((StatementLine.choice_key == ln.choice_key) & (StatementLine.contract.is_null() | StatementLine.chosen))
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
    status = StatementMatch.get_or_none((StatementMatch.line == ln.id) & StatementMatch.lead)
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
