"""The maintained summaries: `contract_totals`, `clock` and `contract_search`, derived from the records.

Balances and deadlines are facts derived from the ledger and the contract's
records (R12). To sort and filter 100,000 contracts fast they are also kept in
two summary tables, rebuilt here by SQL for one contract inside every
operation's transaction (and for all contracts by the demo generator).
`escrowbook check` recomputes them from scratch and compares.
"""

from __future__ import annotations

import peewee as pw

from . import book_totals, pgtext, report_totals
from .entities import LedgerEntry as E


def kinds(*groups: tuple[str, ...] | str) -> str:
    """SQL list of ledger kinds: kinds(E.PAYMENT_KINDS) -> "('release', 'dispute_release')"."""
    names = [k for g in groups for k in ((g,) if isinstance(g, str) else g)]
    return "(" + ", ".join(f"'{k}'" for k in names) + ")"


def total(kinds_sql: str, alias: str = "e") -> str:
    """SQL: the sum of the amounts of these kinds (0 when none)."""
    return f"COALESCE(SUM(CASE WHEN {alias}.kind IN {kinds_sql} THEN {alias}.amount END), 0)"


# The one place that says which kinds make which per-contract total (R12).
BUCKETS = {
    "funded": kinds(E.FUND),  # money in from the client (not what was moved from remaining escrow)
    "released": kinds(E.PAYMENT_KINDS),
    "escrow_refunded": kinds(E.ESCROW_REFUND_KINDS),
    "refunded": kinds(E.REFUND),
    "fees": kinds(E.FEE),
}
# What a bucket's total is lowered by: fees less the initiation fees returned (R3 v2).
LESS = {"fees": kinds(E.FEE_REFUND)}


def bucket_sum(name: str, alias: str = "e") -> str:
    """SQL: the total of one bucket (its kinds' amounts, less those of LESS)."""
    less = LESS.get(name)
    return total(BUCKETS[name], alias) + (f" - {total(less, alias)}" if less else "")


BUCKET_SUMS = ",\n           ".join(f"{bucket_sum(name)} AS {name}" for name in BUCKETS)

# Entries that still count: neither a reversal nor reversed by one (R12).
LIVE_VIEW = """
CREATE VIEW IF NOT EXISTS live_entry AS
SELECT e.* FROM ledger_entry e
WHERE e.kind != 'reversal'
  AND NOT EXISTS (SELECT 1 FROM ledger_entry r WHERE r.reverses_id = e.id)
"""

# Per contract sums of the live ledger (R12): funded is money in from the client.
_TOTALS_SELECT = """
SELECT c.id AS contract_id, c.currency AS currency,
       COALESCE(s.funded, 0) AS funded, COALESCE(s.released, 0) AS released,
       COALESCE(s.escrow_refunded, 0) AS escrow_refunded, COALESCE(s.refunded, 0) AS refunded,
       COALESCE(s.fees, 0) AS fees,
       COALESCE(s.funded, 0) - COALESCE(s.released, 0) - COALESCE(s.escrow_refunded, 0) AS escrow,
       substr(n.next, 1, 10) AS next_due, COALESCE(substr(n.next, 12), '') AS next_kind, c.status AS status
FROM contract c
LEFT JOIN (
    SELECT e.contract_id,
           {bucket_sums}
    FROM live_entry e WHERE 1 {where_e}
    GROUP BY e.contract_id
) s ON s.contract_id = c.id
LEFT JOIN (
    -- the soonest deadline that asks something of the client, as "YYYY-MM-DD kind"
    SELECT k.contract_id, MIN(k.due || ' ' || k.kind) AS next
    FROM {clock} k WHERE k.kind NOT IN ('refund_window', 'support_refund') {where_k}
    GROUP BY k.contract_id
) n ON n.contract_id = c.id
WHERE 1 {where_c}
"""

TOTALS_COLUMNS = (
    "contract_id, currency, funded, released, escrow_refunded, refunded, fees, escrow, next_due, next_kind, status"
)

# How many days ahead each clock starts to need attention. Overdue clocks always
# do, except those that simply lapse (a refund window or a feedback window that closed).
WARN_DAYS = {
    "review": 3,  # R6
    "escrow_reply": 2,  # R8
    "dispute_answer": 2,  # R8
    "mediation": 5,  # R8
    "dispute_proposal": 2,  # R8 v2
    "dispute_acceptance": 2,  # R8 v2
    "refund_window": 14,  # R9
    "support_refund": 14,  # R9 (v2)
    "feedback": 3,  # R10
    "closeout": 0,  # R11: due is the last day of the grace after the ending; overdue the day after
    "dormant": 0,  # R15: from the day it became dormant, until something new is recorded
}
LAPSING = ("refund_window", "support_refund", "feedback")
_WARN_CASE = "CASE kind " + " ".join(f"WHEN '{k}' THEN {d}" for k, d in WARN_DAYS.items()) + " END"

CLOCK_COLUMNS = "contract_id, kind, due, ref, warn_from, lapses"

# R15: the last day anything was recorded on a contract, as 'YYYY-MM-DD': its start, every entry that stands
# (a reversal and what it reverses were a mistake, not activity), work submitted, the escrow refund requests
# and disputes with their answers and steps, the freelancer's and the client's feedback, closeout ticks, access
# given and revoked, items received. Records withdrawn as recorded in error do not count. Each part reads one
# contract's rows through an index on its contract; only active contracts under a policy with dormancy are
# asked (SQLite's max() of several values is NULL when one is: hence the COALESCEs).
LAST_ACTIVITY = """max(c.started_on,
    COALESCE((SELECT MAX(e.date) FROM live_entry e WHERE e.contract_id = c.id), ''),
    COALESCE((SELECT MAX(m.submitted_on) FROM milestone m WHERE m.contract_id = c.id), ''),
    COALESCE((SELECT MAX(max(r.requested_on, COALESCE(r.answered_on, ''))) FROM escrow_refund_request r
               WHERE r.contract_id = c.id AND r.status != 'withdrawn'), ''),
    COALESCE((SELECT MAX(max(d.opened_on, COALESCE(d.answered_on, ''), COALESCE(d.resolved_on, ''),
                             COALESCE(d.evidence_sent_on, ''), COALESCE(d.proposed_on, ''),
                             COALESCE(d.freelancer_accepted_on, ''), COALESCE(d.client_accepted_on, ''),
                             COALESCE(d.arbitration_on, '')))
                FROM dispute d WHERE d.contract_id = c.id AND d.status != 'withdrawn'), ''),
    COALESCE((SELECT MAX(substr(f.submitted_at, 1, 10)) FROM feedback f
               WHERE f.contract_id = c.id AND f.withdrawn_on IS NULL), ''),
    COALESCE((SELECT MAX(i.done_on) FROM closeout_item i WHERE i.contract_id = c.id), ''),
    COALESCE((SELECT MAX(max(g.given_on, COALESCE(g.revoked_on, ''))) FROM access_grant g
               WHERE g.contract_id = c.id), ''),
    COALESCE((SELECT MAX(v.received_on) FROM deliverable v WHERE v.contract_id = c.id), ''))"""

# Every clock of RULES.md, one row per deadline (R6, R8, R9 with its v2 support tier, R10, R11, R15). Both of a
# payment's clocks (R9: its refund window and, v2, the support tier's) come from one pass over the payments,
# each payment read once and its refunds summed once, beside the two kinds (`w`, always the inner loop). Requests
# and disputes are read through their contract (the unary + keeps SQLite off their status indexes, which would
# read every open one of the book for each slice of contracts: models/summary.py refresh).
_CLOCKS_SELECT = """
SELECT contract_id, kind, due, ref,
       date(due, '-' || {warn_case} || ' days') AS warn_from, kind IN {lapsing} AS lapses
FROM (
SELECT m.contract_id AS contract_id, 'review' AS kind, m.auto_release_on AS due, m.id AS ref
  FROM milestone m JOIN contract c ON c.id = m.contract_id
 WHERE m.state = 'submitted' AND m.auto_release_on IS NOT NULL AND c.status = 'active' {where_m}
UNION ALL
SELECT r.contract_id, 'escrow_reply', r.reply_due, r.id
  FROM escrow_refund_request r WHERE +r.status = 'pending' AND r.reply_due IS NOT NULL {where_r}
UNION ALL
SELECT d.contract_id, 'dispute_answer', d.answer_due, d.id
  FROM dispute d WHERE +d.status = 'open' AND d.answered_on IS NULL AND d.answer_due IS NOT NULL {where_d}
UNION ALL
SELECT d.contract_id, 'mediation', d.mediation_ends, d.id
  FROM dispute d WHERE +d.status = 'open' AND d.mediation_ends IS NOT NULL {where_d}
UNION ALL
SELECT d.contract_id, 'dispute_proposal', d.proposal_due, d.id
  FROM dispute d WHERE +d.status = 'open' AND d.proposal_due IS NOT NULL AND d.proposed_on IS NULL {where_d}
UNION ALL
SELECT d.contract_id, 'dispute_acceptance', d.acceptance_due, d.id
  FROM dispute d WHERE +d.status = 'open' AND d.acceptance_due IS NOT NULL AND d.arbitration_on IS NULL {where_d}
UNION ALL
SELECT e.contract_id, w.kind, date(e.date, '+' || {payment_days} || ' days'), e.id
  FROM live_entry e JOIN contract c ON c.id = e.contract_id JOIN policy p ON p.id = c.policy_id
  CROSS JOIN (SELECT 'refund_window' AS kind UNION ALL SELECT 'support_refund') w
 WHERE e.kind IN {payment_kinds} AND {payment_days} IS NOT NULL {where_e}
   AND e.amount > (SELECT COALESCE(SUM(f.amount), 0) FROM live_entry f
                    WHERE f.payment_id = e.id AND f.kind = 'refund')
UNION ALL
SELECT c.id, 'feedback', date(c.feedback_closes_at), NULL
  FROM contract c
 WHERE c.status = 'ended' AND c.feedback_closes_at IS NOT NULL {where_c}
   AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.contract_id = c.id AND f.author = 'client')
UNION ALL
SELECT c.id, 'closeout', date(c.ended_on, '+' || {closeout_grace} || ' days'), NULL
  FROM contract c
 WHERE c.status = 'ended' {where_c}
   AND EXISTS (SELECT 1 FROM closeout_item i WHERE i.contract_id = c.id AND i.done_on IS NULL)
UNION ALL
SELECT c.id, 'dormant', date({last_activity}, '+' || p.dormant_after_days || ' days'), NULL
  FROM contract c JOIN policy p ON p.id = c.policy_id
 WHERE c.status = 'active' AND p.dormant_after_days IS NOT NULL {where_c}
) AS clocks
"""

# Payments and refunds per contract and month (R5, R9), for the book's figures of a year.
MONTH_COLUMNS = "contract_id, month, currency, paid, refunded"
_MONTHS_SELECT = """
SELECT e.contract_id AS contract_id, substr(e.date, 1, 7) AS month, e.currency AS currency,
       {paid} AS paid, {refunded} AS refunded
FROM live_entry e
WHERE e.kind IN {kinds} {where_e}
GROUP BY e.contract_id, substr(e.date, 1, 7)
"""
# (PostgreSQL asks that the currency be grouped by too: a contract's entries are all in its currency.)
pgtext.rewrite(
    "GROUP BY e.contract_id, substr(e.date, 1, 7)\n", "GROUP BY e.contract_id, substr(e.date, 1, 7), e.currency\n"
)

# The search index of the contracts table: title, freelancer and external id (FTS5 trigrams).
SEARCH_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS contract_search USING fts5(title, freelancer, external_id, tokenize='trigram')"
)
_SEARCH_SELECT = """
SELECT c.id AS contract_id, c.title AS title, f.name AS freelancer, c.external_id AS external_id
FROM contract c JOIN freelancer f ON f.id = c.freelancer_id
WHERE 1 {where_c}
"""
SEARCH_COLUMNS = "rowid, title, freelancer, external_id"


# The table aliases the summary and check SQL use, and the column that names the contract in each.
_ALIASES = {"m": "m.contract_id", "r": "r.contract_id", "d": "d.contract_id", "e": "e.contract_id",
            "f": "f.contract_id", "c": "c.id"}  # fmt: skip


Contracts = int | tuple[int, int] | None  # one contract, the contracts of ids lo to hi (a slice), or every one


def contract_filters(contract_id: Contracts) -> dict[str, str]:
    """{where_m: "AND m.contract_id = 7", ...}: one contract (an int, inlined), the slice of contracts whose ids
    are from lo to hi (a pair: "AND m.contract_id BETWEEN lo AND hi"), or "" for the whole book."""
    if contract_id is None:
        return {f"where_{a}": "" for a in _ALIASES}
    if isinstance(contract_id, tuple):
        lo, hi = (int(v) for v in contract_id)
        return {f"where_{a}": f"AND {column} BETWEEN {lo} AND {hi}" for a, column in _ALIASES.items()}
    cid = int(contract_id)
    return {f"where_{a}": f"AND {column} = {cid}" for a, column in _ALIASES.items()}


def closeout_grace(db: pw.Database) -> str:
    """SQL: the closeout grace in days of contract `c`'s policy version (R11), read from each version's text the
    book keeps (policy.Terms.closeout_grace_days), as `CASE c.policy_id WHEN 1 THEN 7 ... END`."""
    from .policy import stored_terms

    rows = db.execute_sql("SELECT id, source, milestone_minimum FROM policy ORDER BY id").fetchall()
    default = stored_terms("").closeout_grace_days
    whens = " ".join(f"WHEN {int(pid)} THEN {int(stored_terms(src, m).closeout_grace_days)}" for pid, src, m in rows)
    return f"(CASE c.policy_id {whens} ELSE {int(default)} END)" if whens else str(int(default))


def clocks_sql(contract_id: Contracts = None, closeout_grace: str = "7") -> str:
    """Every clock (of one contract); `closeout_grace`: SQL of the grace in days of `c`'s policy (closeout_grace)."""
    return _CLOCKS_SELECT.format(
        closeout_grace=closeout_grace,
        payment_kinds=kinds(E.PAYMENT_KINDS),
        warn_case=_WARN_CASE,
        lapsing=kinds(LAPSING),
        last_activity=LAST_ACTIVITY,
        payment_days="CASE w.kind WHEN 'refund_window' THEN p.refund_window_days ELSE p.support_refund_days END",
        **contract_filters(contract_id),
    )


def months_sql(contract_id: Contracts = None) -> str:
    return _MONTHS_SELECT.format(
        paid=total(BUCKETS["released"]),
        refunded=total(BUCKETS["refunded"]),
        kinds=kinds(E.PAYMENT_KINDS, E.REFUND),
        where_e=contract_filters(contract_id)["where_e"],
    )


def search_sql(contract_id: Contracts = None) -> str:
    return _SEARCH_SELECT.format(where_c=contract_filters(contract_id)["where_c"])


def totals_sql(contract_id: Contracts = None, clock_table: str = "clock") -> str:
    f = contract_filters(contract_id)
    where_k = f["where_c"].replace("c.id", "k.contract_id")
    return _TOTALS_SELECT.format(
        clock=clock_table, bucket_sums=BUCKET_SUMS, where_e=f["where_e"], where_c=f["where_c"], where_k=where_k
    )


SUMMARIES = ("clock", "contract_totals", "contract_month", "contract_search", "contract_day")
SLICE = 10_000  # contracts derived together when every contract's summaries are rebuilt


def slices(run, size: int = SLICE) -> list[tuple[int, int]]:
    """The whole book as slices of contract ids, in order, each of `size` ids (the first and the last open-ended,
    so that a row naming any contract id at all is in one)."""
    lo, hi = run("SELECT MIN(id), MAX(id) FROM contract").fetchone()
    if lo is None:
        return [(-(2**63), 2**63 - 1)]
    starts = list(range(int(lo), int(hi) + 1, size))
    ends = [start - 1 for start in starts[1:]] + [2**63 - 1]
    return [(-(2**63) if i == 0 else start, end) for i, (start, end) in enumerate(zip(starts, ends, strict=True))]


def refresh(db: pw.Database, contract_id: int | None = None, *, only: tuple[str, ...] = SUMMARIES) -> None:
    """Rebuild the summaries of one contract (or of every contract) from its records.

    The clock goes first: the totals' "next deadline" is read from it. The book's totals (models/book_totals.py)
    follow: one contract's old rows are taken out of them first and its new ones added last. The reports' day
    sums (models/report_totals.py) move the same way, the contract's old days out and its new ones in. Every
    contract's summaries are rebuilt a slice of contracts at a time (`slices`), in the order of their ids: each
    step reads and sorts a slice's rows only, through the indexes on their contract, so the time grows as the book
    does (the clock's index on its contract must be there: the totals read each slice's clocks through it); the
    reports' day sums then in one pass of their own (`report_totals.rebuild`).
    """
    run = db.execute_sql
    day_sums = "contract_day" in only and report_totals.present(run)  # (book format 10 on)
    if contract_id is not None:
        book_totals.add(run, contract_id, -1)
        _derive(db, contract_id, only)
        if day_sums:
            report_totals.refresh_contract(run, contract_id)
        book_totals.add(run, contract_id, 1)
        return
    for table in SUMMARIES:
        if table in only and table not in ("contract_search", "contract_day"):
            db.execute_sql(f"DELETE FROM {table}")
    totals = book_totals.present(run)
    if totals:
        book_totals.clear(run)
    if "contract_search" in only:
        refresh_search(db)
    for part in slices(run):
        _derive(db, part, only, whole=True)
        if totals:
            book_totals.add(run, part, 1)
    if day_sums:
        report_totals.rebuild(run)


def _derive(db: pw.Database, contracts: Contracts, only: tuple[str, ...], whole: bool = False) -> None:
    """Derive the clock, totals and monthly rows of one contract or of a slice of them (`whole`: their old rows
    are gone already)."""
    derive = {
        "clock": (CLOCK_COLUMNS, clocks_sql),
        "contract_totals": (TOTALS_COLUMNS, totals_sql),
        "contract_month": (MONTH_COLUMNS, months_sql),
    }
    for table in SUMMARIES:
        if table not in only or table == "contract_day":  # the reports' day sums: `refresh` moves them
            continue
        if table == "contract_search":
            if not whole:
                refresh_search(db, contracts)
            continue
        if not whole:
            db.execute_sql(f"DELETE FROM {table} WHERE contract_id = ?", (contracts,))
        columns, sql = derive[table]
        text = clocks_sql(contracts, closeout_grace(db)) if table == "clock" else sql(contracts)
        if table == "contract_totals" and whole and not _has_status(db):  # before format 7
            columns, text = columns.removesuffix(", status"), f"SELECT {columns.removesuffix(', status')} FROM ({text})"
        db.execute_sql(f"INSERT INTO {table} ({columns}) " + text)


def _has_status(db: pw.Database) -> bool:
    """Whether contract_totals has its status column (book format 7; not while older migrations run)."""
    return any(row[1] == "status" for row in db.execute_sql("PRAGMA table_info(contract_totals)"))


def refresh_search(db: pw.Database, contract_id: int | None = None) -> None:
    """Rebuild the search row of one contract (or of all) from its title, freelancer and external id."""
    if contract_id is None:
        db.execute_sql("DELETE FROM contract_search")
    else:
        db.execute_sql("DELETE FROM contract_search WHERE rowid = ?", (contract_id,))
    db.execute_sql(f"INSERT INTO contract_search ({SEARCH_COLUMNS}) " + search_sql(contract_id))
