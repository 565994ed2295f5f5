"""The reports' maintained day sums (book format 10): per contract and day, and per day of the whole book.

The reports (models/reports.py) add up the live ledger (R12) per period, freelancer or contract, within a date
range and for some contracts (status, freelancer, policy). A book of 100,000 contracts has a million entries:
no report reads them. They read these two tables instead:

  - `contract_day`: one row per contract and day with live entries, the day's sums per column of the reports
    (funded, paid, fees less initiation fees returned, refunds of payments, escrow refunds) and the contract's
    currency, freelancer, status and policy as they were when the row was derived (so a row can be taken back
    out of the book's sums after the contract changed). Kept by `models.summary.refresh` inside every
    operation's transaction, as the other per-contract summaries are: one contract's rows derived anew from
    its ledger. Clustered by day: a date range reads only its days.
  - `report_day`: the same sums per day, currency, status and policy for the whole book (a few rows a day),
    with the count of contract rows each sums. Kept as a delta, as the book's totals are (models/book_totals.py):
    the contract's old `contract_day` rows are taken out before they are derived anew and its new ones added
    after; a row whose count falls to 0 goes.

`problems()` (called by `escrowbook check`) derives both afresh, `contract_day` from the ledger and `report_day`
from `contract_day`, and names in words every contract and every day whose kept sums differ.
"""

from __future__ import annotations

from collections.abc import Callable

from .entities import LedgerEntry as E

# The one place that says which kinds make which column, and with which sign (as models/reports.COLUMN_KINDS).
COLUMN_KINDS: dict[str, dict[str, int]] = {
    "funded": {E.FUND: 1},
    "paid": {E.RELEASE: 1, E.DISPUTE_RELEASE: 1},
    "fees": {E.FEE: 1, E.FEE_REFUND: -1},
    "refunded": {E.REFUND: 1},
    "escrow_refunded": {E.ESCROW_REFUND: 1, E.DISPUTE_REFUND: 1},
}
SUMS = tuple(COLUMN_KINDS)
KINDS = tuple(sorted({k for kinds in COLUMN_KINDS.values() for k in kinds}))
DIMENSIONS = ("currency", "freelancer_id", "status", "policy_id")  # the contract's, when the row was derived
CONTRACT_DAY_COLUMNS = ("contract_id", "day", *DIMENSIONS, *SUMS)
REPORT_DAY_COLUMNS = ("day", "currency", "status", "policy_id", *SUMS, "contracts")
TABLES = ("contract_day", "report_day")


def _column_sql(column: str) -> str:
    whens = " ".join(
        f"WHEN '{kind}' THEN {'' if sign > 0 else '-'}e.amount" for kind, sign in COLUMN_KINDS[column].items()
    )
    return f"COALESCE(SUM(CASE e.kind {whens} END), 0)"


# One contract's (or every contract's) day sums, from the live ledger (neither a reversal nor reversed, R12).
# A day whose entries add up to nothing in every column (an initiation fee returned on the day it was charged)
# has no row.
_CONTRACT_DAYS = (
    "SELECT e.contract_id AS contract_id, e.date AS day, c.currency AS currency, c.freelancer_id AS freelancer_id, "
    "c.status AS status, c.policy_id AS policy_id, "
    + ", ".join(f"{_column_sql(s)} AS {s}" for s in SUMS)
    + " FROM live_entry e JOIN contract c ON c.id = e.contract_id"
    " WHERE e.kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ") {where}"
    " GROUP BY e.contract_id, e.date HAVING " + " OR ".join(f"{s} != 0" for s in SUMS)
)

# The book's day sums, from the contracts' ({where}: one contract, or every one).
_REPORT_DAYS = (
    "SELECT day, currency, status, policy_id, "
    + ", ".join(f"{{sign}} * SUM({s}) AS {s}" for s in SUMS)
    + ", {sign} * COUNT(*) AS contracts FROM contract_day WHERE 1 {where} GROUP BY day, currency, status, policy_id"
)


def contract_days_sql(contract_id: int | None = None) -> str:
    """SQL: the `contract_day` rows of one contract (or of every contract, by day then contract: the table's
    order), derived from its ledger."""
    if contract_id is None:
        return _CONTRACT_DAYS.format(where="") + " ORDER BY day, contract_id"
    return _CONTRACT_DAYS.format(where=f"AND e.contract_id = {int(contract_id)}")


def _report_days(contract_id: int | None, sign: int = 1) -> str:
    where = "" if contract_id is None else f"AND contract_id = {int(contract_id)}"
    return _REPORT_DAYS.format(sign=int(sign), where=where)


def add(run: Callable, contract_id: int, sign: int) -> None:
    """Add (sign 1) or take out (sign -1) one contract's `contract_day` rows from the book's `report_day`."""
    keys, values = REPORT_DAY_COLUMNS[:4], REPORT_DAY_COLUMNS[4:]
    update = ", ".join(f"{c} = {c} + excluded.{c}" for c in values)
    run(
        f"INSERT INTO report_day ({', '.join(REPORT_DAY_COLUMNS)}) {_report_days(contract_id, sign)} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {update}"
    )
    if sign < 0:
        days = "SELECT day FROM contract_day WHERE contract_id = ?"
        run(f"DELETE FROM report_day WHERE contracts = 0 AND day IN ({days})", (int(contract_id),))


def refresh_contract(run: Callable, contract_id: int) -> None:
    """One contract's day sums derived anew from its ledger, and the book's moved with them (each operation,
    inside its transaction: models/summary.py; an edit that gives the contract another freelancer)."""
    add(run, contract_id, -1)
    run("DELETE FROM contract_day WHERE contract_id = ?", (int(contract_id),))
    run(f"INSERT INTO contract_day ({', '.join(CONTRACT_DAY_COLUMNS)}) {contract_days_sql(contract_id)}")
    add(run, contract_id, 1)


def rebuild(run: Callable) -> None:
    """Both tables derived anew from the whole ledger (a migrated book, the demo)."""
    run("DELETE FROM contract_day")
    run(f"INSERT INTO contract_day ({', '.join(CONTRACT_DAY_COLUMNS)}) {contract_days_sql()}")
    run("DELETE FROM report_day")
    run(f"INSERT INTO report_day ({', '.join(REPORT_DAY_COLUMNS)}) {_report_days(None)}")


def present(run: Callable) -> bool:
    """Whether the book has these tables yet (not while an older format is being migrated)."""
    return run("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'report_day'").fetchone() is not None


# The rows of a stored table and of its fresh derivation, side by side: each distinct row counted +1 when derived
# and -1 when stored; a count other than 0 is a difference (as models/check.py compares the other summaries).
_DIFFERENT = """
SELECT DISTINCT {key} FROM (
    SELECT {cols} FROM (SELECT {cols}, 1 AS side FROM ({fresh}) UNION ALL SELECT {cols}, -1 FROM {stored})
    GROUP BY {cols} HAVING SUM(side) != 0
) ORDER BY {key} LIMIT {limit}
"""


def problems(run: Callable | None = None, limit: int = 20) -> list[str]:
    """Where the kept day sums differ from their derivation, in words: each contract whose `contract_day` rows
    differ from its ledger, and each day (and currency) whose book sums differ from its contracts' rows."""
    if run is None:
        from .entities import database

        run = database.execute_sql
    out: list[str] = []
    cols = ", ".join(CONTRACT_DAY_COLUMNS)
    stale = run(
        _DIFFERENT.format(
            key="contract_id",
            cols=cols,
            fresh=_CONTRACT_DAYS.format(where=""),
            stored="main.contract_day",
            limit=int(limit),
        )
    ).fetchall()
    out += [
        f"contract #{cid}: its stored day sums for the reports differ from its ledger (summary out of date)."
        for (cid,) in stale
    ]
    cols = ", ".join(REPORT_DAY_COLUMNS)
    stale = run(
        _DIFFERENT.format(
            key="day, currency", cols=cols, fresh=_report_days(None), stored="main.report_day", limit=int(limit)
        )
    ).fetchall()
    out += [
        f"the reports' sums of {day} in {currency} differ from what its contracts add up to (kept total out of date)."
        for day, currency in stale
    ]
    return out[:limit]
