"""R12 invariants, checked for one contract (inside every operation) or the whole book.

Per contract: escrow = funded - released - escrow-refunded >= 0, and the
escrow held by active milestones is part of it. Per milestone: released +
refunded <= funded. Per payment: refunds <= payment. Every entry's currency
is its contract's, every amount > 0, every reversal names a live original.
`escrowbook check` adds SQLite's integrity check and compares the maintained
summaries with a fresh derivation from the ledger.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import urllib.parse

from .entities import LedgerEntry as E
from .entities import database
from .money import format_money
from .summary import CLOCK_COLUMNS, TOTALS_COLUMNS, clocks_sql, kinds, search_sql, total, totals_sql

_MILESTONE_SUMS = """
SELECT m.id, m.contract_id, m.title, m.state,
       {funded} AS funded, {released} AS released, {refunded} AS refunded
FROM milestone m JOIN live_entry e ON e.milestone_id = m.id
WHERE 1 {where_m}
GROUP BY m.id
"""


def _where(contract_id: int | None) -> dict[str, str]:
    if contract_id is None:
        return {"where_c": "", "where_m": "", "where_e": ""}
    cid = int(contract_id)
    return {
        "where_c": f"AND c.id = {cid}",
        "where_m": f"AND m.contract_id = {cid}",
        "where_e": f"AND e.contract_id = {cid}",
    }


def contract_problems(contract_id: int | None = None, limit: int = 50, totals: str | None = None) -> list[str]:
    """Every R12 invariant broken in one contract (or the whole book), in words.

    `totals` names a table already holding fresh totals (the whole-book check
    computes them once); otherwise they are derived from the ledger here.
    """
    w = _where(contract_id)
    out: list[str] = []
    currency = {}
    escrow = {}
    source = totals or f"({totals_sql(contract_id)})"
    sums = (
        f"SELECT t.contract_id, c.title, c.currency, t.escrow FROM {source} t JOIN contract c ON c.id = t.contract_id"
    )
    for cid, title, cur, esc in database.execute_sql(sums):
        currency[cid] = cur
        escrow[cid] = esc
        if esc < 0:
            out.append(f"contract #{cid} “{title}”: escrow is {format_money(esc, cur)}, below zero (R12).")
    held: dict[int, int] = {}
    milestone_sums = _MILESTONE_SUMS.format(
        funded=total(kinds(E.FUNDING_KINDS)),
        released=total(kinds(E.PAYMENT_KINDS)),
        refunded=total(kinds(E.ESCROW_REFUND_KINDS)),
        **w,
    )
    for mid, cid, title, state, funded, released, refunded in database.execute_sql(milestone_sums):
        if released + refunded > funded:
            out.append(
                f"milestone #{mid} “{title}” of contract #{cid}: released and refunded "
                f"{format_money(released + refunded, currency[cid])} of {format_money(funded, currency[cid])} "
                "funded (R12)."
            )
        if state in ("active", "submitted"):
            held[cid] = held.get(cid, 0) + funded - released - refunded
    for cid, amount in held.items():
        if amount > escrow[cid]:
            out.append(
                f"contract #{cid}: its active milestones hold {format_money(amount, currency[cid])} "
                f"but its escrow is {format_money(escrow[cid], currency[cid])} (R4, R12)."
            )
    sqls = [
        (
            "SELECT p.id, p.contract_id, p.amount, SUM(f.amount), p.currency FROM live_entry f "
            "JOIN ledger_entry p ON p.id = f.payment_id WHERE f.kind = 'refund' {where_f} "
            "GROUP BY p.id HAVING SUM(f.amount) > p.amount",
            lambda r: (
                f"payment #{r[0]} of contract #{r[1]}: refunds of {format_money(r[3], r[4])} exceed the "
                f"payment of {format_money(r[2], r[4])} (R9, R12)."
            ),
        ),
        (
            "SELECT e.id, e.contract_id, e.currency, c.currency FROM ledger_entry e "
            "JOIN contract c ON c.id = e.contract_id WHERE e.currency != c.currency {where_e}",
            lambda r: f"entry #{r[0]} of contract #{r[1]} is in {r[2]}, but the contract is in {r[3]} (R1, R12).",
        ),
        (
            "SELECT e.id, e.contract_id, e.amount FROM ledger_entry e WHERE "
            "(e.amount <= 0 OR typeof(e.amount) != 'integer') {where_e}",
            lambda r: (
                f"entry #{r[0]} of contract #{r[1]} has an amount of {r[2]!r}, not a positive whole "
                "number of cents (R1)."
            ),
        ),
        (
            "SELECT e.id, e.contract_id FROM ledger_entry e LEFT JOIN ledger_entry o ON o.id = e.reverses_id "
            "WHERE e.kind = 'reversal' {where_e} AND (o.id IS NULL OR o.kind = 'reversal' "
            "OR o.amount != e.amount OR o.contract_id != e.contract_id)",
            lambda r: f"reversal #{r[0]} of contract #{r[1]} does not match the entry it reverses (R12).",
        ),
        (
            f"SELECT e.id, e.contract_id, e.kind FROM ledger_entry e WHERE e.kind NOT IN {kinds(E.KINDS)} {{where_e}}",
            lambda r: f"entry #{r[0]} of contract #{r[1]} has an unknown kind “{r[2]}” (R12).",
        ),
    ]
    for sql, say in sqls:
        where_f = w["where_e"].replace("e.contract_id", "f.contract_id")
        for row in database.execute_sql(sql.format(where_e=w["where_e"], where_f=where_f)):
            out.append(say(row))
    return out[:limit]


def _fresh_summaries() -> None:
    """temp.fresh_clock and temp.fresh_totals: the summaries derived anew from the ledger."""
    _drop_fresh()
    database.execute_sql(f"CREATE TEMP TABLE fresh_clock AS SELECT * FROM ({clocks_sql()})")
    # The totals' next deadline reads the stored clocks, which summary_problems verifies separately.
    database.execute_sql(f"CREATE TEMP TABLE fresh_totals AS SELECT * FROM ({totals_sql()})")
    database.execute_sql(f"CREATE TEMP TABLE fresh_search AS SELECT * FROM ({search_sql()})")
    database.execute_sql(
        "CREATE TEMP VIEW contract_search_rows AS SELECT rowid AS contract_id, title, freelancer, external_id "
        "FROM main.contract_search"
    )


def _drop_fresh() -> None:
    for name in ("fresh_clock", "fresh_totals", "fresh_search"):
        database.execute_sql(f"DROP TABLE IF EXISTS temp.{name}")
    database.execute_sql("DROP VIEW IF EXISTS temp.contract_search_rows")


def summary_problems(limit: int = 20) -> list[str]:
    """Compare the maintained summaries (clock, contract_totals) with temp.fresh_*."""
    out: list[str] = []
    pairs = (
        (CLOCK_COLUMNS, "main.clock", "temp.fresh_clock", "deadlines differ from its records"),
        (TOTALS_COLUMNS, "main.contract_totals", "temp.fresh_totals", "totals differ from its ledger"),
        (
            "contract_id, title, freelancer, external_id",
            "temp.contract_search_rows",
            "temp.fresh_search",
            "search entry is out of date",
        ),
    )
    for cols, stored, fresh, what in pairs:
        stale = database.execute_sql(
            f"SELECT contract_id FROM (SELECT {cols} FROM {fresh} EXCEPT SELECT {cols} FROM {stored}) "
            f"UNION SELECT contract_id FROM (SELECT {cols} FROM {stored} EXCEPT SELECT {cols} FROM {fresh}) "
            f"LIMIT {limit}"
        ).fetchall()
        out += [f"contract #{cid}: its stored {what} (summary out of date)." for (cid,) in stale]
    return out


def integrity_problems(path: str | None = None) -> list[str]:
    """SQLite's own integrity check, on a second read-only connection when a path is given."""
    if path is None:
        rows = [r[0] for r in database.execute_sql("PRAGMA integrity_check")]
    else:
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro&immutable=1"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as exc:
            rows = [str(exc)]
        finally:
            conn.close()
    if rows == ["ok"]:
        return []
    return [f"SQLite integrity check: {r}" for r in rows[:20]]


def foreign_key_problems(limit: int = 20) -> list[str]:
    rows = database.execute_sql("PRAGMA foreign_key_check").fetchall()
    return [f"table {t} row {rowid} points at a missing {parent} row." for t, rowid, parent, _ in rows[:limit]]


def check_book(path: str | None = None) -> list[str]:
    """Everything `escrowbook check` verifies; an empty list means the book is sound.

    With the open book's `path`, SQLite's integrity check runs on a second core
    (a read-only connection to the fully checkpointed file, which the open book
    keeps locked against writers) while the invariants are checked here.
    """
    integrity: list[str] = []
    worker = None
    if path is not None:
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")

        def run():
            integrity.extend(integrity_problems(path))

        worker = threading.Thread(target=run, name="integrity-check")
        worker.start()
    else:
        integrity = integrity_problems()
    try:
        problems = foreign_key_problems()
        _fresh_summaries()
        problems += contract_problems(totals="temp.fresh_totals") + summary_problems()
    except Exception as exc:  # a damaged file can fail any query; the integrity check says why
        problems = [f"the book could not be read through ({exc})."]
    finally:
        with contextlib.suppress(Exception):
            _drop_fresh()
        if worker is not None:
            worker.join()
    return integrity + problems if integrity else problems
