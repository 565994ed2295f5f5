"""What the reconciliation found (models/matching.py writes it): its rows a page at a time, counts per status,
totals per currency and kind (statement against books), the statements imported, and the whole report as plain
data for `escrowbook reconcile --json`. Reads only; the view and the report read it through models/reconcile.py.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from . import statements as st
from .entities import REVERSED_IDS_SQL, Statement, database
from .labels import day_text
from .matching import (
    AMOUNT_DIFFERS,
    BOOKS_ONLY,
    CHOOSE,
    CLASS_WORDS,
    DATE_DIFFERS,
    DIFFERENCES,
    ENTRY_CLASS,
    ENTRY_CLASS_SQL,
    KIND_CLASS,
    LINE_CLASS_SQL,
    NO_CONTRACT,
    NOT_KEPT,
    STATEMENT_ONLY,
    STATUSES,
    _period,
    walked_totals,
)
from .money import format_money


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
            ELSE e.amount + COALESCE((SELECT SUM(x.amount) FROM statement_match o
                  JOIN ledger_entry x ON x.id = o.entry_id WHERE o.line_id = m.line_id AND o.lead = 0), 0) END,
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
    clauses, args = ["m.lead = 1"], []  # (as the partial index of days says it)
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
    where_l, where_e, args = "", "", ()
    if contract is not None:
        where_l, where_e, args = " AND contract_id = ?", " AND e.contract_id = ?", (contract,)
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    if contract is None:  # each statement's own totals, kept when it was imported
        for (text,) in database.execute_sql("SELECT totals FROM statement"):
            for cur, kinds in json.loads(text).items():
                for kind, total in kinds.items():
                    sums[(cur, KIND_CLASS[kind])][0] += total
    else:
        for cur, cls, total in database.execute_sql(
            f"SELECT currency, {LINE_CLASS_SQL} AS cls, SUM(amount) FROM statement_line "
            f"WHERE kind != '{st.NOT_KEPT}'{where_l} GROUP BY currency, cls",
            args,
        ):
            sums[(cur, cls)][0] = total
    # The live entries dated within the period: as the last walk of the whole book added them up, while they are
    # still the ledger's (models/matching.py); else all of them read, less those reversed (few, found by their
    # index). A long period is read straight through the table; a short one by the index of dates.
    walked = walked_totals(period) if contract is None else None
    for (cur, cls), total in (walked or {}).items():
        sums[(cur, cls)][1] += total
    wide = (date.fromisoformat(period[1]) - date.fromisoformat(period[0])).days > 92 or contract is not None
    on = "+e.date" if wide else "e.date"
    kinds = ",".join(repr(k) for k in ENTRY_CLASS)
    for sql, sign in () if walked is not None else (
        (f"SELECT e.currency, {ENTRY_CLASS_SQL} AS cls, SUM(e.amount) FROM ledger_entry e "
         f"WHERE e.kind IN ({kinds}) AND {on} BETWEEN ? AND ?{where_e} GROUP BY e.currency, cls", 1),
        (f"SELECT e.currency, {ENTRY_CLASS_SQL} AS cls, SUM(e.amount) FROM ledger_entry e WHERE e.id IN "
         f"({REVERSED_IDS_SQL}) "
         f"AND e.kind IN ({kinds}) AND e.date BETWEEN ? AND ?{where_e} GROUP BY e.currency, cls", -1),
    ):  # fmt: skip
        for cur, cls, total in database.execute_sql(sql, (*period, *args)):
            sums[(cur, cls)][1] += sign * total
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


def references(contract: int) -> dict[int, str]:
    """The statement's references on each of a contract's ledger entries: the rows matched with it (or found to
    differ from it), by their row on the statement. An entry no statement row names is not in it."""
    found: dict[int, list[str]] = defaultdict(list)
    for eid, ref in database.execute_sql(
        "SELECT m.entry_id, l.reference FROM statement_match m JOIN statement_line l ON l.id = m.line_id "
        "WHERE m.contract_id = ? AND m.entry_id IS NOT NULL ORDER BY l.statement_id, l.row",
        (contract,),
    ):
        found[eid].append(ref)
    return {eid: ", ".join(refs) for eid, refs in found.items()}
