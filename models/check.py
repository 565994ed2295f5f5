"""R12 invariants, checked for one contract (inside every operation) or the whole book.

Per contract: escrow = funded - released - escrow-refunded >= 0, and the
escrow held by active milestones is part of it. Per milestone: released +
refunded <= funded. Per payment: refunds <= payment. Every entry's currency
is its contract's, every amount > 0, every reversal names a live original, and
every entry is in the order of events R16 requires (models/order.py).
`escrowbook check` adds SQLite's integrity check, the links no foreign key
holds (an imported statement's rows name their statement and their contract),
and compares the maintained summaries with a fresh derivation from the ledger.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import urllib.parse

import peewee as pw

from . import anchor, book_totals, consistency
from .bookfile import new_connection
from .chain import chain_problems
from .entities import LedgerEntry as E
from .entities import database
from .money import format_money
from .order import order_problems
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
    total,
    totals_sql,
)

# Per milestone: released + escrow-refunded <= funded (R12). One pass over the ledger, grouped by milestone;
# only the milestones that break it are looked up.
_MILESTONE_OVERDRAWN = """
SELECT m.id, m.contract_id, m.title, c.currency, s.funded, s.released + s.refunded
FROM (
    SELECT e.milestone_id AS id, {funded} AS funded, {released} AS released, {refunded} AS refunded
    FROM live_entry e WHERE e.milestone_id IS NOT NULL {where_e}
    GROUP BY e.milestone_id
) s JOIN milestone m ON m.id = s.id JOIN contract c ON c.id = m.contract_id
WHERE s.released + s.refunded > s.funded
"""

# What the active milestones of each contract hold (R4): only they are looked at.
_HELD = """
SELECT m.contract_id, c.currency, {funded} - {released} - {refunded}
FROM milestone m JOIN live_entry e ON e.milestone_id = m.id JOIN contract c ON c.id = m.contract_id
WHERE m.state IN ('active', 'submitted') {where_m}
GROUP BY m.contract_id
"""


MMAP_BYTES = 1 << 30


def _main_connection(sql: str, params=()):
    return database.execute_sql(sql, params)


def ledger_problems(contract_id: int | None = None, run=_main_connection) -> tuple[list[str], dict[int, tuple]]:
    """The invariants that need only the ledger (R1, R3-R5, R9, R12), and what active milestones hold per contract.

    `run(sql)` executes a query: the open book's connection, or a second read-only one.
    """
    w = contract_filters(contract_id)
    out: list[str] = []
    held: dict[int, tuple[int, str]] = {}
    sums = {
        "funded": total(kinds(E.FUNDING_KINDS)),
        "released": total(kinds(E.PAYMENT_KINDS)),
        "refunded": total(kinds(E.ESCROW_REFUND_KINDS)),
    }
    for mid, cid, title, cur, funded, out_of_it in run(_MILESTONE_OVERDRAWN.format(**sums, **w)):
        out.append(
            f"milestone #{mid} “{title}” of contract #{cid}: released and refunded "
            f"{format_money(out_of_it, cur)} of {format_money(funded, cur)} funded."
        )
    for cid, cur, amount in run(_HELD.format(**sums, **w)):
        held[cid] = (amount, cur)
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
    known = kinds(E.KINDS)
    entries = (
        "SELECT e.id, e.contract_id, e.currency, c.currency, e.amount, e.kind FROM ledger_entry e "
        "JOIN contract c ON c.id = e.contract_id WHERE (e.currency != c.currency OR e.amount <= 0 "
        f"OR typeof(e.amount) != 'integer' OR e.kind NOT IN {known}) {w['where_e']}"
    )
    for eid, cid, cur, contract_cur, amount, kind in run(entries):
        if cur != contract_cur:
            out.append(f"entry #{eid} of contract #{cid} is in {cur}, but the contract is in {contract_cur}.")
        if not isinstance(amount, int) or amount <= 0:
            out.append(
                f"entry #{eid} of contract #{cid} has an amount of {amount!r}, not a positive whole number of cents."
            )
        if kind not in E.KINDS:
            out.append(f"entry #{eid} of contract #{cid} has an unknown kind “{kind}”.")
    reversals = (
        "SELECT e.id, e.contract_id FROM ledger_entry e LEFT JOIN ledger_entry o ON o.id = e.reverses_id "
        f"WHERE e.kind = 'reversal' {w['where_e']} AND (o.id IS NULL OR o.kind = 'reversal' "
        "OR o.amount != e.amount OR o.contract_id != e.contract_id)"
    )
    for eid, cid in run(reversals):
        out.append(f"reversal #{eid} of contract #{cid} does not match the entry it reverses.")
    out += consistency.problems(contract_id, run=run)  # links, dates and states no operation leaves
    return out, held


def escrow_problems(held: dict[int, tuple], contract_id: int | None = None, totals: str | None = None) -> list[str]:
    """R12 escrow >= 0 per contract, and R4: active milestones hold no more than the escrow."""
    out: list[str] = []
    source = totals or f"({totals_sql(contract_id)})"
    sums = (
        f"SELECT t.contract_id, c.title, c.currency, t.escrow FROM {source} t JOIN contract c ON c.id = t.contract_id"
    )
    for cid, title, cur, esc in database.execute_sql(sums):
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
    ledger, held = ledger_problems(contract_id)
    return (escrow_problems(held, contract_id) + ledger + order_problems(contract_id))[:limit]


@contextlib.contextmanager
def _writes_allowed():
    """A book opened to be checked refuses every write (`PRAGMA query_only`, models.book.open_to_check); the
    check's own scratch tables live in SQLite's temporary database, never in the book, and its search-index
    check is rolled back: for those, and only those, writing is allowed."""
    read_only = database.execute_sql("PRAGMA query_only").fetchone()[0]
    database.execute_sql("PRAGMA query_only = OFF")
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA query_only = {int(read_only)}")


def _fresh_summaries() -> None:
    """temp.fresh_clock and temp.fresh_totals: the summaries derived anew from the ledger."""
    with _writes_allowed():
        _make_fresh()


def _make_fresh() -> None:
    _drop_fresh()
    fresh = clocks_sql(None, closeout_grace(database))
    database.execute_sql(f"CREATE TEMP TABLE fresh_clock AS SELECT * FROM ({fresh})")
    # The totals' next deadline reads the stored clocks, which summary_problems verifies separately.
    database.execute_sql(f"CREATE TEMP TABLE fresh_totals AS SELECT * FROM ({totals_sql()})")
    database.execute_sql(f"CREATE TEMP TABLE fresh_search AS SELECT * FROM ({search_sql()})")
    database.execute_sql(f"CREATE TEMP TABLE fresh_month AS SELECT * FROM ({months_sql()})")
    database.execute_sql(
        "CREATE TEMP VIEW contract_search_rows AS SELECT rowid AS contract_id, title, freelancer, external_id "
        "FROM main.contract_search"
    )


def _drop_fresh() -> None:
    with _writes_allowed():
        _drop_fresh_tables()


def _drop_fresh_tables() -> None:
    for name in ("fresh_clock", "fresh_totals", "fresh_search", "fresh_month"):
        database.execute_sql(f"DROP TABLE IF EXISTS temp.{name}")
    database.execute_sql("DROP VIEW IF EXISTS temp.contract_search_rows")


def summary_problems(limit: int = 20) -> list[str]:
    """Compare the maintained summaries (clock, contract_totals) with temp.fresh_*."""
    out: list[str] = []
    pairs = (
        (CLOCK_COLUMNS, "main.clock", "temp.fresh_clock", "deadlines differ from its records"),
        (TOTALS_COLUMNS, "main.contract_totals", "temp.fresh_totals", "totals differ from its ledger"),
        (MONTH_COLUMNS, "main.contract_month", "temp.fresh_month", "monthly payments differ from its ledger"),
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


def integrity_problems(conn: sqlite3.Connection | None = None) -> list[str]:
    """SQLite's own integrity check (on `conn`, or the open book's connection)."""
    try:
        cursor = conn.execute("PRAGMA integrity_check") if conn else database.execute_sql("PRAGMA integrity_check")
        rows = [r[0] for r in cursor]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    if rows == ["ok"]:
        return []
    return [f"SQLite integrity check: {r}" for r in rows[:20]]


def foreign_key_problems(limit: int = 20, run=_main_connection) -> list[str]:
    rows = run("PRAGMA foreign_key_check").fetchall()
    return [f"table {t} row {rowid} points at a missing {parent} row." for t, rowid, parent, _ in rows[:limit]]


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


def search_index_problems() -> list[str]:
    """SQLite's own check of the search index against the contracts it indexes (FTS5 'integrity-check').

    It is asked for as a write, so it runs inside a savepoint that is rolled back: nothing is written (and on
    a book opened read-only, or on read-only media, where it cannot run, the search rows are still compared
    with the contracts by `summary_problems`)."""
    try:
        with _writes_allowed():
            database.execute_sql("SAVEPOINT search_check")
            try:
                database.execute_sql("INSERT INTO contract_search (contract_search) VALUES ('integrity-check')")
            finally:
                database.execute_sql("ROLLBACK TO search_check")
                database.execute_sql("RELEASE search_check")
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


def trust_problems(path: str | None = None) -> list[str]:
    """A schema the app's migrations do not make, and a ledger that no longer extends the head noted outside
    the book when this computer last had it (models/anchor.py)."""
    from .book import schema_problems  # (book.py opens books; check only reads them)

    run = database.execute_sql
    out = [f"this book contains a change Escrowbook did not make: {p}." for p in schema_problems(run)]
    out += policy_problems(run)
    if path is None:  # (the open book's own connection only: no file to look its notes up by)
        return out
    book_id = anchor.state(run)[0]
    return out + anchor.extends(run, anchor.read(book_id, path))


def check_book(path: str | None = None) -> list[str]:
    """Everything `escrowbook check` verifies; an empty list means the book is sound.

    With the open book's `path`, two more read-only connections to the fully
    checkpointed file (the open book keeps it locked against writers) share the
    work with this one: one runs SQLite's integrity check and the foreign keys,
    one verifies the ledger's hash chain (models/chain.py) and the ledger's
    invariants, while this connection derives the summaries afresh and compares
    them. What is found on a file that fails the integrity check is not trusted:
    only the integrity check's findings are reported then.
    """
    found: dict[str, list] = {}

    def integrity(conn) -> None:
        try:
            found["integrity"] = integrity_problems(conn=conn)
            if not found["integrity"]:
                found["fk"] = foreign_key_problems(run=conn.execute) + statement_problems(run=conn.execute)
        except sqlite3.DatabaseError as exc:
            found["integrity"] = [f"SQLite integrity check: {exc}"]
        finally:
            conn.close()

    def ledger(conn) -> None:
        try:
            found["chain"] = chain_problems(run=conn.execute)
            found["ledger"] = ledger_problems(run=conn.execute)
            found["order"] = order_problems(run=conn.execute)
        except sqlite3.DatabaseError:
            pass  # a damaged file: the integrity check says why
        finally:
            conn.close()

    workers = []
    if path is not None:
        if not database.execute_sql("PRAGMA query_only").fetchone()[0]:  # (a book opened to be checked has no log)
            database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro&immutable=1"
        for target, name in ((integrity, "check-integrity"), (ledger, "check-ledger")):
            conn = new_connection(uri, uri=True)  # (trusted_schema off, as on every connection to a book)
            conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")  # read-only: mapped pages read with no copying
            workers.append(threading.Thread(target=target, args=(conn,), name=name))
            workers[-1].start()
    problems: list[str] = []
    try:
        trust = trust_problems(path)
        _fresh_summaries()
        summary = summary_problems() + search_index_problems()
        summary += book_totals.problems()  # the book's kept totals (models/book_totals.py)
        if not workers:  # no path: everything on the open book's connection
            found["integrity"] = integrity_problems()
            if not found["integrity"]:
                found["fk"] = foreign_key_problems() + statement_problems()
                found["chain"] = chain_problems(run=_main_connection)
                found["ledger"] = ledger_problems()
                found["order"] = order_problems()
        else:
            for worker in workers:
                worker.join()
        if found.get("integrity"):
            return found["integrity"]
        if "ledger" not in found:
            return ["the book could not be read through (its ledger could not be read)."]
        ledger_found, held = found["ledger"]
        problems = found["fk"] + escrow_problems(held, totals="temp.fresh_totals") + ledger_found + found["order"]
        problems = trust + problems + found["chain"] + summary
    except (sqlite3.DatabaseError, pw.DatabaseError) as exc:  # a damaged file fails any query: integrity says why
        for worker in workers:
            worker.join()
        problems = found.get("integrity") or [f"the book could not be read through ({exc})."]
    finally:
        with contextlib.suppress(Exception):
            _drop_fresh()
    return problems
