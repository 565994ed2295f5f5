"""R12 invariants, checked for one contract (inside every operation) or the whole book.

Per contract: escrow = funded - released - escrow-refunded >= 0, and the
escrow held by active milestones is part of it. Per milestone: released +
refunded <= funded. Per payment: refunds <= payment. Every entry's currency
is its contract's, every amount > 0, every reversal names a live original, and
every entry is in the order of events R16 requires (models/order.py).
`escrowbook check` adds SQLite's quick check of the file, the links no foreign key
holds (an imported statement's rows name their statement and their contract),
and compares the maintained summaries with a fresh derivation from the ledger.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import re
import sqlite3
import threading
import urllib.parse
from collections.abc import Callable
from fractions import Fraction

import peewee as pw

from . import anchor, book_totals, chain, consistency, kept_sums, order, report_totals
from .bookfile import new_connection
from .chain import chain_problems
from .entities import LedgerEntry as E
from .entities import database
from .money import CURRENCY_EXPONENT, format_money
from .queries import in_chunks
from .summary import (
    CLOCK_COLUMNS,
    MONTH_COLUMNS,
    TOTALS_COLUMNS,
    clocks_sql,
    closeout_grace,
    contract_filters,
    kinds,
    months_sql,
    search_sql,
    totals_sql,
)

# Two passes read what the ledger's invariants need, each table once, in the order of its ids.
# Over the milestones, each with its entries (the ledger's milestone index) and whether each was reversed (`r`):
# R12 per milestone (released + escrow-refunded <= funded), what the active milestones of each contract hold (R4),
# each milestone's state beside its live entries (models/consistency.py), R6's first submission and R16's
# releases against the milestone's first funding (models/order.py). Only the milestones with something to say
# come back: a problem, or escrow held by an active one. {where_e}: the entries of one contract only.
_LIVE = "r.id IS NULL"  # (the live_entry view's condition, beside `r`, for kinds other than 'reversal': R12)


def _live_sum(kinds_sql: str) -> str:
    """SQL: the sum of a milestone's live entries of these kinds, NULL when it has none. (FILTER: the other entries
    are not handed to the sum at all, where a CASE gave it a NULL for each.)"""
    return f"SUM(e.amount) FILTER (WHERE {_LIVE} AND e.kind IN {kinds_sql})"


# Each sum is NULL when the milestone has no live entry of its kinds: a funding stands when `funded` is not NULL,
# a release when `paid` is not (consistency.MILESTONE_STATES). The first release's id and contract, which R16's
# finding names, are read for the few milestones out of order only.
_PAID = kinds((E.RELEASE,))
_OTHER_PAYMENTS = kinds(tuple(k for k in E.PAYMENT_KINDS if k != E.RELEASE))
_STATES = (  # (read outside the grouping, as `m`)
    consistency.MILESTONE_STATES.replace("s.n_funded", "(funded IS NOT NULL)")
    .replace("s.n_released", "(paid IS NOT NULL)")
    .replace("c.status", "m.status")
)
_MILESTONE_PASS = f"""
SELECT id, contract_id, title, state, known, status, currency,
       IFNULL(funded, 0), IFNULL(paid, 0) + IFNULL(paid_otherwise, 0), IFNULL(refunded, 0),
       funded IS NOT NULL, paid IS NOT NULL, funded_on, released_on, first_submitted_on, submitted_on,
       known AND ({_STATES}), ({consistency.SUBMISSION_WRONG})
FROM (
    SELECT m.id, m.contract_id, m.title, m.state, c.id IS NOT NULL AS known, c.status, c.currency,
           {_live_sum(kinds(E.FUNDING_KINDS))} AS funded, {_live_sum(_PAID)} AS paid,
           {_live_sum(_OTHER_PAYMENTS)} AS paid_otherwise, {_live_sum(kinds(E.ESCROW_REFUND_KINDS))} AS refunded,
           {order.MILESTONE_ORDER_DATES},
           m.first_submitted_on, m.submitted_on
    FROM milestone m LEFT JOIN contract c ON c.id = m.contract_id
    LEFT JOIN ledger_entry e ON e.milestone_id = m.id {{where_e}}
    LEFT JOIN ledger_entry r ON r.reverses_id = e.id
    WHERE 1 {{where_m}}
    GROUP BY m.id
) m
WHERE (known AND (IFNULL(paid, 0) + IFNULL(paid_otherwise, 0) + IFNULL(refunded, 0) > IFNULL(funded, 0)
                  OR (state IN ('active', 'submitted')
                      AND IFNULL(funded, 0) - IFNULL(paid, 0) - IFNULL(paid_otherwise, 0) - IFNULL(refunded, 0) != 0)))
   OR (known AND ({_STATES})) OR {order.MILESTONE_ORDER} OR ({consistency.SUBMISSION_WRONG})
"""
_FIRST_RELEASE = (
    "SELECT MIN(CASE WHEN e.kind = 'release' THEN e.id END), MIN(e.contract_id) FROM ledger_entry e "
    "WHERE e.milestone_id = ? {where_e}"
)

# Over the entries, each beside its contract and the entries and milestone it names (by primary key): R1's
# currencies and amounts, R12's reversals, the links no operation leaves (models/consistency.py) and R16's order
# of events (models/order.py); and whether an entry names a milestone missing or of another contract (`stray`:
# R16's releases are then read as models/order.py reads them alone). Each condition is false where what it
# needs is missing, as a join would leave the entry out.
_ORDER_FLAGS = [f"({condition}) AS order_{i}" for i, (_, condition, _) in enumerate(order.ENTRY_ORDER)]
# An entry naming a record the book does not have (`dangling`: what the ledger's foreign keys hold, read from the
# same look-ups): only then does check_book ask SQLite's own foreign key check over the ledger, which would look
# each of them up once more.
_DANGLING = """(c.id IS NULL OR (e.milestone_id IS NOT NULL AND m.id IS NULL)
        OR (e.payment_id IS NOT NULL AND p.id IS NULL) OR (e.funding_id IS NOT NULL AND f.id IS NULL)
        OR (e.reverses_id IS NOT NULL AND o.id IS NULL)
        OR (e.dispute_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dispute d WHERE d.id = e.dispute_id)))"""
_ENTRY_PASS = f"""
SELECT {consistency.ENTRY_COLUMNS}, e.currency, c.currency, e.amount,
       c.id IS NOT NULL AND (e.currency != c.currency OR e.amount <= 0 OR typeof(e.amount) != 'integer'
                             OR e.kind NOT IN {kinds(E.KINDS)}) AS money,
       e.kind = 'reversal' AND (o.id IS NULL OR o.kind = 'reversal' OR o.amount != e.amount
                                OR o.contract_id != e.contract_id) AS reversal,
       c.id IS NOT NULL AND ({consistency.ENTRY_WRONG}) AS unlinked,
       {", ".join(_ORDER_FLAGS)},
       e.milestone_id IS NOT NULL AND (m.id IS NULL OR m.contract_id != e.contract_id) AS stray,
       {_DANGLING} AS dangling
FROM ledger_entry e LEFT JOIN contract c ON c.id = e.contract_id
{consistency.ENTRY_LINKS}
LEFT JOIN ledger_entry o ON o.id = e.reverses_id
WHERE (money OR reversal OR unlinked OR {" OR ".join(f"order_{i}" for i in range(len(order.ENTRY_ORDER)))} OR stray
       OR dangling)
  {{where_e}}
"""
_ENTRY_COLUMNS = 15  # consistency.ENTRY_COLUMNS


def _main_connection(sql: str, params=()):
    return database.execute_sql(sql, params)


def milestone_scan(contract_id: int | None = None, run=_main_connection, order_limit: int = 20) -> dict:
    """The pass over the milestones with their entries (_MILESTONE_PASS), as ledger_problems reads it."""
    w = contract_filters(contract_id)
    over: list[str] = []
    held: dict[int, tuple[int, str]] = {}
    states: list[tuple] = []
    submissions: list[tuple] = []
    late: list[tuple] = []  # R16: releases before their milestone's funding
    for row in run(_MILESTONE_PASS.format(**w)):
        (mid, cid, title, state, known, status, cur, funded, released, refunded, n_funded, n_released,
         funded_on, released_on, first, latest, bad_state, bad_submission) = row  # fmt: skip
        if known and released + refunded > funded:
            over.append(
                f"milestone #{mid} “{title}” of contract #{cid}: released and refunded "
                f"{format_money(released + refunded, cur)} of {format_money(funded, cur)} funded."
            )
        if known and state in ("active", "submitted") and funded - released - refunded:
            held[cid] = (held.get(cid, (0, cur))[0] + funded - released - refunded, cur)
        if bad_state:
            states.append((mid, cid, state, status, n_funded, n_released))
        if released_on is not None and funded_on is not None and released_on < funded_on and len(late) < order_limit:
            release_id, e_contract = run(_FIRST_RELEASE.format(**w), (mid,)).fetchone()
            late.append((release_id, e_contract, *order.MILESTONE_ORDER_WORDS))
        if bad_submission:
            submissions.append((mid, cid, first, latest))
    return {"over": over, "held": held, "states": states, "submissions": submissions, "late": late}


def entry_scan(contract_id: int | None = None, run=_main_connection, limit: int = 50, order_limit: int = 20) -> dict:
    """The pass over the entries (_ENTRY_PASS), as ledger_problems reads it."""
    money: list[str] = []
    reversals: list[str] = []
    unlinked: list[tuple] = []
    in_order: list[list[tuple]] = [[] for _ in order.ENTRY_ORDER]
    stray = dangling = False
    n = _ENTRY_COLUMNS
    for row in run(_ENTRY_PASS.format(**contract_filters(contract_id))):
        eid, cid = row[0], row[1]
        cur, contract_cur, amount = row[n : n + 3]
        wrong_money, reversal, wrong, *flags, names_stray, names_missing = row[n + 3 :]
        stray = stray or bool(names_stray)
        dangling = dangling or bool(names_missing)
        if wrong_money:
            kind = row[2]
            if cur != contract_cur:
                money.append(f"entry #{eid} of contract #{cid} is in {cur}, but the contract is in {contract_cur}.")
            if not isinstance(amount, int) or amount <= 0:
                money.append(
                    f"entry #{eid} of contract #{cid} has an amount of {amount!r}, "
                    "not a positive whole number of cents."
                )
            if kind not in E.KINDS:
                money.append(f"entry #{eid} of contract #{cid} has an unknown kind “{kind}”.")
        if reversal:
            reversals.append(f"reversal #{eid} of contract #{cid} does not match the entry it reverses.")
        if wrong and len(unlinked) < limit:
            unlinked.append(row[:n])
        for found, flag, (_, _, words) in zip(in_order, flags, order.ENTRY_ORDER, strict=True):
            if flag and len(found) < order_limit:
                found.append((eid, cid, *words))
    in_order_found = [f for found in in_order for f in found]
    return {
        "money": money,
        "reversals": reversals,
        "unlinked": unlinked,
        "in_order": in_order_found,
        "stray": stray,
        "dangling": dangling,
    }


def ledger_problems(
    contract_id: int | None = None, run=_main_connection, limit: int = 50, order_limit: int = 20, scans=None
) -> tuple[list[str], dict[int, tuple], list[str]]:
    """The invariants that need only the ledger (R1, R3-R5, R9, R12), what active milestones hold per contract,
    and the ledger's order of events (R16, models/order.py), from one pass over the milestones with their entries
    and one over the entries (and a look at the few refunds and fee refunds).

    `run(sql)` executes a query: the open book's connection, or a second read-only one. `scans`: the two passes
    (milestone_scan, entry_scan), when the caller made them already (models/check.py makes them side by side).
    """
    milestones, entries = scans or (
        milestone_scan(contract_id, run, order_limit),
        entry_scan(contract_id, run, limit, order_limit),
    )
    w = contract_filters(contract_id)
    out: list[str] = list(milestones["over"])
    refunds = (
        "SELECT p.id, p.contract_id, p.amount, SUM(f.amount), p.currency FROM live_entry f "
        f"JOIN ledger_entry p ON p.id = f.payment_id WHERE f.kind = 'refund' {w['where_f']} "
        "GROUP BY p.id HAVING SUM(f.amount) > p.amount"
    )
    for pid, cid, amount, refunded, cur in run(refunds):
        out.append(
            f"payment #{pid} of contract #{cid}: refunds of {format_money(refunded, cur)} exceed the "
            f"payment of {format_money(amount, cur)}."
        )
    out += entries["money"] + entries["reversals"]
    out += consistency.problems(
        contract_id,
        run=run,
        limit=limit,
        milestones=milestones["states"],
        entries=entries["unlinked"],
        submissions=milestones["submissions"],
    )
    late = milestones["late"]
    if entries["stray"]:  # an entry names a milestone missing, or another contract's: releases as order.py reads them
        late = order.releases_before_funding(contract_id, run, order_limit)
    found = entries["in_order"] + late[:order_limit]
    return out, milestones["held"], order.order_problems(contract_id, run, order_limit, found=found)


def escrow_problems(
    held: dict[int, tuple], contract_id: int | None = None, totals: str | None = None, run=_main_connection
) -> list[str]:
    """R12 escrow >= 0 per contract, and R4: active milestones hold no more than the escrow. Every contract's
    escrow is read (its id and escrow only: on a whole book this is the check's last step, on one core); the title
    and currency of the few with something to say after."""
    out: list[str] = []
    source = totals or f"({totals_sql(contract_id)})"
    wrong = [
        cid
        for cid, esc in run(f"SELECT t.contract_id, t.escrow FROM {source} t")
        if esc < 0 or (cid in held and held[cid][0] > esc)
    ]
    sums = (
        f"SELECT t.contract_id, c.title, c.currency, t.escrow FROM {source} t JOIN contract c ON c.id = t.contract_id "
        "WHERE t.contract_id IN ({})"
    )
    for chunk in in_chunks(wrong):
        for cid, title, cur, esc in run(sums.format(",".join("?" * len(chunk))), tuple(chunk)):
            if esc < 0:
                out.append(f"contract #{cid} “{title}”: escrow is {format_money(esc, cur)}, below zero.")
            amount = held.get(cid, (0, cur))[0]
            if amount > esc:
                out.append(
                    f"contract #{cid}: its active milestones hold {format_money(amount, cur)} "
                    f"but its escrow is {format_money(esc, cur)}."
                )
    return out


def contract_problems(contract_id: int | None = None, limit: int = 50) -> list[str]:
    """Every R12 invariant broken in one contract (or the whole book), in words."""
    ledger, held, in_order = ledger_problems(contract_id)
    return (escrow_problems(held, contract_id) + ledger + in_order)[:limit]


@contextlib.contextmanager
def _writes_allowed(run=_main_connection):
    """A book opened to be checked refuses every write (`PRAGMA query_only`, models.book.open_to_check); the
    check's own scratch tables live in SQLite's temporary database, never in the book, and its search-index
    check is rolled back: for those, and only those, writing is allowed."""
    read_only = run("PRAGMA query_only").fetchone()[0]
    run("PRAGMA query_only = OFF")
    try:
        yield
    finally:
        run(f"PRAGMA query_only = {int(read_only)}")


class _Runner:
    """`run` as the one method of a database that closeout_grace asks for."""

    def __init__(self, run):
        self.execute_sql = run


def _fresh_summaries(run=_main_connection) -> None:
    """temp.fresh_totals: the contracts' totals derived anew from the ledger (escrow_problems reads them too)."""
    with _writes_allowed(run):
        _make_fresh(run)


def _make_fresh(run=_main_connection) -> None:
    _drop_fresh_tables(run)
    # The totals' next deadline reads the stored clocks, which summary_problems verifies separately.
    run(f"CREATE TEMP TABLE fresh_totals AS SELECT * FROM ({totals_sql()})")


def _drop_fresh(run=_main_connection) -> None:
    with _writes_allowed(run):
        _drop_fresh_tables(run)


def _drop_fresh_tables(run=_main_connection) -> None:
    run("DROP TABLE IF EXISTS temp.fresh_totals")
    report_totals.drop_fresh(run)


def _kept_year_problems(run, found: dict) -> list[str]:
    """The kept years and whole lives of the contracts and freelancers (models/report_totals.py) compared exactly
    with their derivation, each table the fingerprints do not vouch for (`found`: the passes' verdicts); the
    contracts' years and lives derived once for all of them (report_totals.derive_fresh)."""
    days = found["days"]
    years = bool(found.get("years")) and days
    life = bool(found.get("life")) and years
    compared = [
        problems_of
        for problems_of, vouched in (
            (report_totals.year_problems, years),
            (report_totals.freelancer_year_problems, found.get("freelancer_years") and years),
            (report_totals.life_problems, life),
            (report_totals.freelancer_life_problems, found.get("freelancer_life") and life),
        )
        if not vouched
    ]
    if not compared:
        return []
    with _writes_allowed(run):  # (scratch tables: SQLite's temporary database)
        report_totals.derive_fresh(run, days)
    return [problem for problems_of in compared for problem in problems_of(run)]


# The rows of a stored summary and of its fresh derivation, side by side: each distinct row counted +1 for each
# time it is derived and -1 for each time it is stored; a count other than 0 is a difference (one sort of both,
# instead of a scratch table and two EXCEPTs; a row stored twice is a difference too).
_DIFFERENT = """
SELECT DISTINCT contract_id FROM (
    SELECT {cols} FROM (SELECT {cols}, 1 AS side FROM {fresh} UNION ALL SELECT {cols}, -1 FROM {stored})
    GROUP BY {cols} HAVING SUM(side) != 0
) LIMIT {limit}
"""


# The quick look first: each row derived afresh is found among the stored ones, through the stored table's own
# index on its contract (a look-up per row, no sort of both), and the two have as many rows. The derived rows
# are distinct (each names its contract and its record), so then the stored ones are those, each once; any
# doubt (a row not found, a count that differs) and _DIFFERENT names the contracts.
_FOUND = """
SELECT COUNT(*), COALESCE(SUM(NOT EXISTS (SELECT 1 FROM {table} s {indexed} WHERE {match})), 0),
       (SELECT COUNT(*) FROM {table})
FROM {fresh} f
"""


# The index each stored summary is looked up through (for the clock, the one on its contract and due day: SQLite
# would choose a longer one, twice as slow to look up in); named only where the book has it.
_LOOKUP = {"main.clock": "clock_contract_id_due"}


# On PostgreSQL the same comparison as a difference of the two sets of rows (EXCEPT ALL: NULLs equal, each row as
# often as it is there), which it hashes or sorts once: its NOT EXISTS over columns compared with IS NOT DISTINCT
# FROM finds no index to look up through, and compares every row with every other (hours at 100,000 contracts).
# The rows derived afresh are made once (MATERIALIZED): on PostgreSQL that is the slow part.
_DIFFERENCE = """
WITH f AS MATERIALIZED (SELECT {cols} FROM {fresh} x)
SELECT (SELECT COUNT(*) FROM f), (SELECT COUNT(*) FROM (SELECT * FROM f EXCEPT ALL SELECT {cols} FROM {table}) d),
       (SELECT COUNT(*) FROM {table})
"""


def _agrees(cols: str, table: str, fresh: str, run) -> bool:
    if getattr(database.obj, "store", "sqlite") == "postgresql":
        derived, missing, stored = run(_DIFFERENCE.format(table=table, fresh=fresh, cols=cols)).fetchone()
        return missing == 0 and derived == stored
    match = " AND ".join(f"s.{c} IS f.{c}" for c in (c.strip() for c in cols.split(",")))
    index = _LOOKUP.get(table)
    known = index and run("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (index,)).fetchone()
    indexed = f"INDEXED BY {index}" if known else ""
    derived, missing, stored = run(_FOUND.format(table=table, fresh=fresh, match=match, indexed=indexed)).fetchone()
    return missing == 0 and derived == stored


SUMMARIES = ("clock", "totals", "months", "search")  # the maintained summaries summary_problems compares


def summary_problems(limit: int = 20, run=_main_connection, skip: tuple[str, ...] = ()) -> list[str]:
    """Compare the maintained summaries (SUMMARIES: clock, contract_totals, contract_month, the search rows) with
    the same derived afresh from the records (the totals from temp.fresh_totals, the others as they are compared).
    `skip`: those not compared here (found equal to their derivation already by models/kept_sums.py, or compared
    on another connection)."""
    out: list[str] = []
    pairs = {
        "clock": (
            CLOCK_COLUMNS,
            "main.clock",
            f"({clocks_sql(None, closeout_grace(_Runner(run)))})",
            "deadlines differ from its records",
        ),
        "totals": (TOTALS_COLUMNS, "main.contract_totals", "temp.fresh_totals", "totals differ from its ledger"),
        "months": (
            MONTH_COLUMNS,
            "main.contract_month",
            f"({months_sql()})",
            "monthly payments differ from its ledger",
        ),
        "search": (
            "contract_id, title, freelancer, external_id",
            "(SELECT rowid AS contract_id, title, freelancer, external_id FROM main.contract_search)",
            f"({search_sql()})",
            "search entry is out of date",
        ),
    }
    for name, (cols, stored, fresh, what) in pairs.items():
        if name in skip:
            continue
        if stored.startswith("main.") and _agrees(cols, stored, fresh, run):
            continue
        if name == "search" and _search_rows_agree(fresh, run):
            continue
        stale = run(_DIFFERENT.format(cols=cols, fresh=fresh, stored=stored, limit=int(limit))).fetchall()
        out += [f"contract #{cid}: its stored {what} (summary out of date)." for (cid,) in stale]
    return out


def _search_rows_agree(fresh: str, run) -> bool:
    """The quick look of `_agrees` for the search rows of a book file: as the search index keeps them, in its own
    table of what it indexes (SQLite's FTS5 `contract_search_content`: id, c0, c1, c2 in the order of its
    columns), each looked up by its contract. search_index_problems checks the index itself against that table."""
    if getattr(database.obj, "store", "sqlite") == "postgresql":
        return False
    kept = run(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND (name = 'contract_search_content' "
        "OR name = 'contract_search' AND sql LIKE 'CREATE VIRTUAL TABLE % USING fts5(%')"
    ).fetchone()[0]
    if kept != 2:  # (the index and its table, as this version makes them)
        return False
    aliased = f"(SELECT contract_id AS id, title AS c0, freelancer AS c1, external_id AS c2 FROM {fresh})"
    return _agrees("id, c0, c1, c2", "main.contract_search_content", aliased, run)


def integrity_problems(conn: sqlite3.Connection | None = None, run=None, pragma: str = "quick_check") -> list[str]:
    """SQLite's own check of the file (on `conn`, `run`, or the open book's connection): its quick check, every
    page and record of every table and index read and verified (the full `integrity_check` adds the comparison of
    each index with its table, several times slower on a large book; the check's own queries read the tables)."""
    run = run or (conn.execute if conn else _main_connection)
    try:
        rows = [r[0] for r in run(f"PRAGMA {pragma}")]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    if rows == ["ok"]:
        return []
    return [f"SQLite integrity check: {r}" for r in rows[:20]]


def foreign_key_problems(limit: int = 20, run=_main_connection) -> list[str]:
    """SQLite's own foreign key check of every table, in its words (a table kept in the order of its key, such as
    the reports' day sums, has no row number to name)."""
    rows = run("PRAGMA foreign_key_check").fetchall()
    return [
        f"table {t} row {rowid} points at a missing {parent} row."
        if rowid is not None
        else f"a row of table {t} points at a missing {parent} row."
        for t, rowid, parent, _ in rows[:limit]
    ]


# Each imported statement row names its statement, and the contract it was found (or chosen) for: plain numbers,
# not foreign keys (models/entities.py StatementLine), so they are checked here. One scan of the rows, each
# looked up by primary key. (The reconciliation itself, statement_match, is derived and rebuilt: not checked.)
_STATEMENT_LINES = """
SELECT l.row, l.statement_id, s.name, l.contract_id, s.id IS NULL, l.contract_id IS NOT NULL AND c.id IS NULL
FROM statement_line l
LEFT JOIN statement s ON s.id = l.statement_id
LEFT JOIN contract c ON c.id = l.contract_id
WHERE s.id IS NULL OR (l.contract_id IS NOT NULL AND c.id IS NULL)
ORDER BY l.id
LIMIT ?
"""


def statement_problems(limit: int = 20, run=_main_connection) -> list[str]:
    """Statement rows that name a statement, or a contract, the book does not have."""
    out = []
    for row, sid, name, cid, no_statement, no_contract in run(_STATEMENT_LINES, (limit,)).fetchall():
        if no_statement:
            out.append(f"statement row {row} names an imported statement (#{sid}) that is not in the book.")
        if no_contract:
            of = f" of “{name}”" if name is not None else ""
            out.append(f"statement row {row}{of} names a contract (#{cid}) that is not in the book.")
    return out[:limit]


def search_index_problems(run=_main_connection) -> list[str]:
    """SQLite's own check of the search index against the contracts it indexes (FTS5 'integrity-check').

    It is asked for as a write, so it runs inside a savepoint that is rolled back: nothing is written (and on
    a book opened read-only, or on read-only media, where it cannot run, the search rows are still compared
    with the contracts by `summary_problems`)."""
    try:
        with _writes_allowed(run):
            run("SAVEPOINT search_check")
            try:
                run("INSERT INTO contract_search (contract_search) VALUES ('integrity-check')")
            finally:
                run("ROLLBACK TO search_check")
                run("RELEASE search_check")
    except (sqlite3.DatabaseError, pw.DatabaseError) as exc:
        if "readonly" in str(exc) or "read-only" in str(exc):
            return []
        return [f"the search index does not match the contracts ({exc}): searches may miss contracts."]
    return []


def policy_problems(run=_main_connection) -> list[str]:
    """The day counts a policy version's deadlines are computed with (its `Policy` columns) must be what the
    copy of its text the book keeps says (models/policy.py `Terms`): an edited number would move every deadline
    of its contracts silently."""
    from .policy import stored_terms

    out = []
    rows = run(
        "SELECT name, effective_from, source, milestone_minimum, support_refund_days, dormant_after_days FROM policy"
    ).fetchall()
    for name, since, source, minimum, support, dormant in rows:
        said = stored_terms(source, minimum)
        for what, stored, text in (
            ("refunds through the marketplace's support end after", support, said.support_refund_days),
            ("a contract becomes dormant after", dormant, said.dormant_after_days),
        ):
            if stored != text:
                out.append(
                    f"the policy “{name}” in force from {since} has {stored} where its text says {what} {text} days."
                )
    return out


_STORED_RATE = re.compile(r"^[0-9]{1,40}(\.[0-9]{1,40})?$|^[0-9]{1,100}/[0-9]{1,100}$")
_PERIOD = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?$")


def stored_rate(text) -> Fraction | None:
    """An exchange rate as the book keeps it (models/rates.py: a decimal, or a fraction n/d), or None when the
    text is not one (a rate changed outside Escrowbook): more than zero, exact, never a float."""
    if not isinstance(text, str) or not _STORED_RATE.match(text):
        return None
    den = text.partition("/")[2]
    if den and int(den) == 0:
        return None
    value = Fraction(text)
    return value if value > 0 else None


def rate_problems(run=_main_connection, limit: int = 8) -> list[str]:
    """Exchange rates no version of Escrowbook records: an unknown currency, a rate of the home currency into
    itself, a period that is not a day or a month, a rate that is not a positive exact number; and a home
    currency the app does not know."""
    out = []
    home = run("SELECT value FROM book_info WHERE key = 'home_currency'").fetchone()
    if home is not None and home[0] not in CURRENCY_EXPONENT:
        out.append(f"the book's home currency “{home[0]}” is not one Escrowbook knows (changed outside Escrowbook).")
    for rowid, currency, into, period, rate in run(
        "SELECT id, currency, home, period, rate FROM exchange_rate ORDER BY id"
    ).fetchall():
        if len(out) >= limit:
            out.append("…and more exchange rates changed outside Escrowbook.")
            break
        where = f"the exchange rate #{rowid} ({currency} into {into} for {period})"
        if currency not in CURRENCY_EXPONENT or into not in CURRENCY_EXPONENT or currency == into:
            out.append(f"{where} is not between two currencies Escrowbook knows (changed outside Escrowbook).")
        elif not isinstance(period, str) or not _PERIOD.match(period):
            out.append(f"{where} is not for a day or a month (changed outside Escrowbook).")
        elif stored_rate(rate) is None:
            out.append(f"{where} is “{rate}”, not a rate (changed outside Escrowbook).")
    return out


def trust_problems(path: str | None = None, run=_main_connection) -> list[str]:
    """A schema the app's migrations do not make, and a ledger that no longer extends the head noted outside
    the book when this computer last had it (models/anchor.py)."""
    from .book import schema_problems  # (book.py opens books; check only reads them)

    out = [f"this book contains a change Escrowbook did not make: {p}." for p in schema_problems(run)]
    out += policy_problems(run)
    if not out:  # (a schema changed may have no table of rates to read)
        out += rate_problems(run)
    if path is None:  # (the open book's own connection only: no file to look its notes up by)
        return out
    book_id = anchor.state(run)[0]
    return out + anchor.extends(run, anchor.read(book_id, path))


class CheckCancelled(Exception):
    """The check was stopped before its end (its progress callback raised this, or `cancel` was set)."""

    def __init__(self, message: str = "The check was stopped before its end: the book was not checked through."):
        super().__init__(message)


Progress = Callable[[int, int, str], None]  # (done, total, what is being checked), done == total at the end

PROGRESS_TOTAL = 1000
CHECK_CACHE_KIB = 16 * 1024  # each check connection's page cache: memory that does not grow with the book
_HANDLER_STEPS = 20_000  # SQLite virtual machine steps between two looks at `cancel`


class _Tracker:
    """The check's progress, told from any of its threads, in parts of PROGRESS_TOTAL; and its cancellation."""

    def __init__(self, progress: Progress | None, cancel, weights: dict[str, int]):
        self.progress, self.cancel = progress, cancel
        self.stopped = threading.Event()
        scale = PROGRESS_TOTAL / sum(weights.values())
        self.weights = {k: w * scale for k, w in weights.items()}
        self.parts: dict[str, float] = dict.fromkeys(weights, 0.0)
        self.lock = threading.Lock()

    def cancelled(self) -> bool:
        return self.stopped.is_set() or (self.cancel is not None and self.cancel.is_set())

    def tell(self, key: str, fraction: float, what: str) -> None:
        if self.cancelled():
            raise CheckCancelled
        with self.lock:
            self.parts[key] = self.weights[key] * min(max(fraction, 0.0), 1.0)
            done = min(int(sum(self.parts.values())), PROGRESS_TOTAL - 1)
            if self.progress is not None:
                try:
                    self.progress(done, PROGRESS_TOTAL, what)
                except BaseException:  # CheckCancelled, or Ctrl+C as it was told: every part stops
                    self.stopped.set()
                    raise

    def watch(self, conn: sqlite3.Connection) -> None:
        """Stop `conn`'s statement under way when the check is cancelled (SQLite raises 'interrupted')."""
        conn.set_progress_handler(lambda: 1 if self.cancelled() else 0, _HANDLER_STEPS)


# What is checked, with its share of the time (measured at 100,000 contracts). A verifier is `(key, words, weight,
# verify(run, found, tell))`. PASSES read the file side by side through read-only connections of the check's own:
# each connection takes the next pass no other has taken (the longest first after SQLite's own check, so that
# they end close together), and the connection that derives the summaries afresh joins them when it is done.
# CHAIN, the ledger's hash chain, is verified beside them all (on a big book in a process of its own).
# SUMMARY_VERIFIERS run on the connection that derived the summaries afresh (temp.fresh_*: the open book's, or with
# `own_connection` a read-only one of the check's own), after them: append one there to check one more maintained
# summary (`verify(run)` returns its findings, in words, reported after the others'). The reports' day sums and
# the book's kept totals are verified among PASSES; their findings come last.
def _chain(run, found, tell) -> None:
    last = run("SELECT max(id) FROM ledger_entry").fetchone()[0] or 1
    found["chain"] = chain_problems(run=run, step=lambda done: tell(done / last))


CHAIN_APART_FROM = 200_000  # entries: from this many on, the hash chain is verified in a process of its own


def _chain_apart(uri: str, run, found, tell) -> None:
    """The hash chain verified in a second process (models/chain.py problems_apart): its Python work (a hash per
    entry) then holds no lock the other lanes wait for, and runs beside them on a core of its own. Stopped when
    the check is (`tell` raises CheckCancelled), and ended with it."""
    if (run("SELECT max(id) FROM ledger_entry").fetchone()[0] or 0) < CHAIN_APART_FROM:
        return _chain(run, found, tell)
    ctx = multiprocessing.get_context("spawn")  # never fork: this process has the book (and a window) open
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=chain.problems_apart, args=(uri, CHECK_CACHE_KIB, send), daemon=True)
    child.start()
    send.close()
    fraction = 0.0
    try:
        while True:
            if not receive.poll(0.1):
                tell(fraction)  # (raises CheckCancelled when the check is stopped)
                continue
            try:
                what, value = receive.recv()
            except EOFError:
                raise sqlite3.DatabaseError("the ledger's hash chain could not be read through") from None
            if what == "step":
                fraction = value
                tell(fraction)
            elif what == "done":
                found["chain"] = value
                return
            else:
                raise sqlite3.DatabaseError(value)
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=10)
        receive.close()


def _milestones(run, found, tell) -> None:
    found["milestones"] = milestone_scan(run=run)


def _entries(run, found, tell) -> None:
    found["entries"] = entry_scan(run=run)


def _ledger(run, found, tell) -> None:  # (after both passes over the ledger: AFTER)
    found["ledger"] = ledger_problems(run=run, scans=(found["milestones"], found["entries"]))


def _integrity(run, found, tell) -> None:
    found["integrity"] = integrity_problems(run=run)


def _book_totals(run, found, tell) -> None:
    found["totals"] = book_totals.problems(run=run)  # models/book_totals.py: read from the stored summaries only


# The ledger's and the reports' day sums' links are read by their own passes (an entry's `dangling`; every day sum
# found among those the ledger gives, each beside its contract): SQLite's foreign key check asks every other table.
_LINKS_READ_BY_PASSES = ("ledger_entry", "contract_day")


def _links(run, found, tell) -> None:
    tables = run(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
        f"AND name NOT IN {_LINKS_READ_BY_PASSES!r}"
    ).fetchall()
    found["links"] = any(run(f'PRAGMA foreign_key_check("{name}")').fetchone() for (name,) in tables)
    found["statements"] = statement_problems(run=run)


def _days(run, found, tell) -> None:
    found["days"] = report_totals.contract_days_agree(run)  # models/report_totals.py


def _book_days(run, found, tell) -> None:
    found["book_days"] = report_totals.book_day_problems(run)  # (from the stored day sums only)


PASSES = [
    ("integrity", "the file's structure (SQLite's quick check)", 9, _integrity),
    ("days", "the reports' day sums against the ledger", 20, _days),
    ("milestones", "the balances of every contract", 22, _milestones),
    ("entries", "the order of events and the links between entries", 18, _entries),
    ("ledger", "the refunds, fees and feedback against their records", 2, _ledger),
    ("book_days", "the reports' sums of each day", 9, _book_days),
    ("totals", "the book's kept totals", 5, _book_totals),
    ("links", "the links between records", 3, _links),
]
CHAIN = ("chain", "the ledger's hash chain", 30, _chain)
SUMMARY_VERIFIERS: list[tuple[str, str, int, Callable]] = [
    (
        "summaries",
        "the stored summaries against the ledger",
        35,
        lambda run, skip: summary_problems(run=run, skip=skip),
    ),
    ("search", "the search index", 5, lambda run, skip: search_index_problems(run=run)),
]
# On a book file the kept sums per contract and day, month and contract, and the book's per day, are verified in one
# pass over the ledger and one over each (models/kept_sums.py), instead of the "days" and "book_days" passes and
# the totals and months derived afresh; and the deadlines and the search rows, which need no summary derived
# afresh on the connection that derives them, are compared among the PASSES (DEADLINES).
SUMS = ("sums", "the kept sums against the ledger", 25)


def _deadlines(run, found, tell) -> None:
    found["deadlines"] = summary_problems(run=run, skip=("totals", "months"))


DEADLINES = ("deadlines", "the deadlines and the search entries against their records", 12, _deadlines)
AFTER = {"ledger": ("milestones", "entries")}  # a pass that reads what others found is taken after them
FOUND_BY_PASSES = ("integrity", "days", "milestones", "entries", "ledger", "book_days", "totals", "links", "chain")
PASS_CONNECTIONS = 2  # read-only connections besides the one that derives the summaries (and the chain's)


def _read_only(uri: str, tracker: _Tracker) -> sqlite3.Connection:
    conn = new_connection(uri, uri=True)  # (trusted_schema off, as on every connection to a book)
    conn.execute(f"PRAGMA cache_size = -{CHECK_CACHE_KIB}")
    conn.execute("PRAGMA temp_store = FILE")  # (scratch tables and sorts spill to temporary files)
    tracker.watch(conn)
    return conn


def check_book(
    path: str | None = None, progress: Progress | None = None, cancel=None, own_connection: bool = False
) -> list[str]:
    """Everything `escrowbook check` verifies; an empty list means the book is sound.

    With the open book's `path`, more read-only connections to the fully
    checkpointed file (the open book keeps it locked against writers) share the
    work with this one: two take the passes (PASSES: SQLite's quick check, the
    pass over the milestones with their entries, the one over the entries, the
    reports' day sums against the ledger, the book's kept totals, the links) one
    after the other, each the next not yet taken; one verifies the ledger's hash
    chain (models/chain.py; on a big book in a process of its own); and this
    connection derives the summaries afresh and compares them, then takes passes
    too. Each reads its tables in ordered passes, with a bounded page cache and its
    scratch tables and sorts in temporary files, so memory does not grow with the
    book. What is found on a file that fails the quick check is not trusted: only
    its findings are reported then.

    `own_connection`: the summaries too are derived on a read-only connection of
    the check's own, and the open book's connection is not used at all (the app
    checks from a worker thread: it checkpoints the book first, and writes nothing
    meanwhile); the search index's own check, a write, is not run then.

    On a book kept in PostgreSQL there is no file: `path` is not used, and every pass runs on the calling
    thread's own connection to the database (the server's catalogue answers SQLite's foreign key check:
    models/pgstore.py).

    `progress(done, total, what)` is told as it goes, from any of its threads; it
    ends with done == total. Raising CheckCancelled in it, or setting `cancel` (a
    threading.Event), stops the check: CheckCancelled is raised.
    """
    file_sums = getattr(database.obj, "store", "sqlite") != "postgresql"  # (models/kept_sums.py: SUMS)
    apart = file_sums and path is not None  # (connections of its own: DEADLINES among the passes)
    passes = [p for p in PASSES if not (file_sums and p[0] in ("days", "book_days"))]
    if apart:  # (among the longest: taken right after the passes over the ledger)
        passes.insert(next(i for i, p in enumerate(passes) if p[0] == "entries") + 1, DEADLINES)
    weights = {key: weight for key, _, weight, _ in [*passes, CHAIN]}
    weights |= {"fresh": 12, "trust": 1} | {key: weight for key, _, weight, _ in SUMMARY_VERIFIERS}
    if file_sums:
        weights[SUMS[0]] = SUMS[2]
    tracker = _Tracker(progress, cancel, weights)
    found: dict[str, list] = {}
    errors: list[BaseException] = []
    left = list(passes)  # the passes no connection has taken yet
    taking = threading.Lock()

    def take():  # (a connection with none ready stops: the one that ends what a pass waits for takes it)
        with taking:
            ready = [i for i, (key, *_) in enumerate(left) if all(k in found for k in AFTER.get(key, ()))]
            return left.pop(ready[0]) if ready else None

    def run_lane(next_verifier, run) -> None:
        try:
            while (verifier := next_verifier()) is not None:
                key, what, _, verify = verifier
                tracker.tell(key, 0.0, what)
                verify(run, found, lambda fraction, key=key, what=what: tracker.tell(key, fraction, what))
                tracker.tell(key, 1.0, what)
        except (CheckCancelled, KeyboardInterrupt):
            tracker.stopped.set()
        except sqlite3.DatabaseError as exc:
            if not tracker.cancelled():
                errors.append(exc)  # a damaged file: the quick check says why

    def worker(next_verifier, conn) -> None:
        try:
            run_lane(next_verifier, conn.execute)
        finally:
            conn.close()

    workers = []
    if getattr(database.obj, "store", "sqlite") == "postgresql":
        path = None  # (a book kept in PostgreSQL has no file: every pass on this thread's own connection to it)
    if path is not None:
        if not own_connection and not database.execute_sql("PRAGMA query_only").fetchone()[0]:
            database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # (a book opened to be checked has no log)
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro&immutable=1"
        chain = (*CHAIN[:3], functools.partial(_chain_apart, uri))
        lanes = [(functools.partial(next, iter([chain]), None), "check-chain")]
        lanes += [(take, f"check-passes-{i + 1}") for i in range(PASS_CONNECTIONS)]
        for next_verifier, name in lanes:
            workers.append(threading.Thread(target=worker, args=(next_verifier, _read_only(uri, tracker)), name=name))
            workers[-1].start()
    if own_connection and path is not None:
        conn = _read_only(uri, tracker)
        run, close = conn.execute, conn.close
    else:
        main = database.connection()
        tracker.watch(main)
        run, close = _main_connection, lambda: main.set_progress_handler(None, 0)
    problems: list[str] = []
    try:
        tracker.tell("trust", 0.0, "the book's schema and policies")
        trust = trust_problems(path, run=run)
        tracker.tell("trust", 1.0, "the book's schema and policies")
        skip: tuple[str, ...] = ("clock", "search") if apart else ()  # (DEADLINES compares them)
        if file_sums:
            tracker.tell(SUMS[0], 0.0, SUMS[1])
            with _writes_allowed(run):  # (its weights are scratch tables: SQLite's temporary database)
                verdict = kept_sums.verify(run)
            found["days"] = verdict.days
            found["years"] = verdict.years
            found["freelancer_years"] = verdict.freelancer_years
            found["life"] = verdict.life
            found["freelancer_life"] = verdict.freelancer_life
            found["book_days"] = [] if verdict.book_days else report_totals.book_day_problems(run)
            skip += ("totals",) * verdict.totals + ("months",) * verdict.months
            tracker.tell(SUMS[0], 1.0, SUMS[1])
        totals = "main.contract_totals" if "totals" in skip else "temp.fresh_totals"
        tracker.tell("fresh", 0.0, "the contracts' totals, derived afresh from the ledger")
        if totals == "temp.fresh_totals":
            _fresh_summaries(run)
        tracker.tell("fresh", 1.0, "the contracts' totals, derived afresh from the ledger")
        summary: list[str] = []
        for key, what, _, verify in SUMMARY_VERIFIERS:
            tracker.tell(key, 0.0, what)
            summary += verify(run, skip)
            tracker.tell(key, 1.0, what)
        if not workers:  # no path: everything on the open book's connection
            left.append(CHAIN)
        run_lane(take, run)  # (the passes still left, beside the other connections)
        for worker_thread in workers:
            worker_thread.join()
        if tracker.cancelled():
            raise CheckCancelled
        if found.get("integrity"):
            return found["integrity"]
        if any(key not in found for key in (*FOUND_BY_PASSES, *("deadlines",) * apart)):
            return [f"the book could not be read through ({errors[0] if errors else 'its ledger could not be read'})."]
        ledger_found, held, in_order = found["ledger"]
        escrow = escrow_problems(held, totals=totals, run=run)  # (the kept totals, when they agree with the ledger)
        summary += report_totals.problems(run, agree=found["days"], book_days=found["book_days"])
        summary += _kept_year_problems(run, found)
        summary += found.get("deadlines", [])  # (compared among the passes, with connections of its own: DEADLINES)
        summary += found["totals"]  # (the book's kept totals, read from the stored summaries only)
        fk = found["statements"]
        if found["links"] or found["entries"]["dangling"] or not found["days"]:  # (SQLite's words, every table)
            fk = foreign_key_problems(run=run) + fk
        problems = trust + fk + escrow + ledger_found + in_order + found["chain"] + summary
    except (sqlite3.DatabaseError, pw.DatabaseError) as exc:  # a damaged file fails any query: integrity says why
        for worker_thread in workers:
            worker_thread.join()
        if tracker.cancelled():
            raise CheckCancelled from None
        problems = found.get("integrity") or [f"the book could not be read through ({exc})."]
    except CheckCancelled:
        tracker.stopped.set()
        for worker_thread in workers:
            worker_thread.join()
        raise
    finally:
        with contextlib.suppress(Exception):
            _drop_fresh(run)
        close()
    if progress is not None:
        progress(PROGRESS_TOTAL, PROGRESS_TOTAL, "done")
    return problems
