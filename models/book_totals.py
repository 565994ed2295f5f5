"""The book's maintained totals (book format 7): per currency, per month and currency, and per day of attention.

The status bar, the filter buttons and the contracts count read a few rows of these tables instead of every
contract: `book_total` (each currency's contracts, active and ended, and its money), `book_month` (payments
and refunds per month and currency) and `attention_day` (how many clocks start needing attention on each day,
and how many lapsing ones stop after it). They are kept by `models.summary.refresh`, inside every operation's
transaction, as a delta: the contract's old summary rows are taken out before they are rebuilt and its new
ones added after. `problems()` (called by `escrowbook check`) compares them with their sums over the
per-contract summaries (which check compares with the records themselves).

What needs attention on a day is not stored (it would go stale as the days pass): it is the clocks that
started needing it up to that day less the lapsing ones whose last day came before it.
"""

from __future__ import annotations

from collections.abc import Callable

MONEY = ("funded", "released", "escrow_refunded", "refunded", "fees", "escrow")
TOTAL_COLUMNS = ("currency", "contracts", "active", "ended", *MONEY)
MONTH_COLUMNS = ("month", "currency", "paid", "refunded", "contracts")
DAY_COLUMNS = ("day", "kind", "starts", "ends")
TABLES = ("book_total", "book_month", "attention_day")

# Each table's rows summed from the per-contract summaries ({where}: one contract, or every one).
_TOTAL_ROWS = (
    "SELECT currency, {sign} * COUNT(*), {sign} * COALESCE(SUM(status = 'active'), 0), "
    "{sign} * COALESCE(SUM(status = 'ended'), 0), "
    + ", ".join(f"{{sign}} * SUM({m})" for m in MONEY)
    + " FROM contract_totals WHERE 1 {where} GROUP BY currency"
)
_MONTH_ROWS = (
    "SELECT month, currency, {sign} * SUM(paid), {sign} * SUM(refunded), {sign} * COUNT(*) "
    "FROM contract_month WHERE 1 {where} GROUP BY month, currency"
)
_DAY_ROWS = (
    "SELECT day, kind, {sign} * SUM(starts), {sign} * SUM(ends) FROM ("
    "SELECT warn_from AS day, kind, COUNT(*) AS starts, 0 AS ends FROM clock WHERE 1 {where} GROUP BY 1, 2 "
    "UNION ALL SELECT due, kind, 0, COUNT(*) FROM clock WHERE +lapses = 1 {where} GROUP BY 1, 2"
    ") GROUP BY day, kind"
)
_SOURCES = {
    "book_total": (TOTAL_COLUMNS, 1, _TOTAL_ROWS, "contracts = 0"),
    "book_month": (MONTH_COLUMNS, 2, _MONTH_ROWS, "contracts = 0"),
    "attention_day": (DAY_COLUMNS, 2, _DAY_ROWS, "starts = 0 AND ends = 0"),
}


def _rows(table: str, contract_id: int | tuple[int, int] | None, sign: int = 1) -> str:
    _, _, sql, _ = _SOURCES[table]
    if contract_id is None:
        where = ""
    elif isinstance(contract_id, tuple):
        where = f"AND contract_id BETWEEN {int(contract_id[0])} AND {int(contract_id[1])}"
    else:
        where = f"AND contract_id = {int(contract_id)}"
    return sql.format(sign=int(sign), where=where)


def add(run: Callable, contract_id: int | tuple[int, int], sign: int) -> None:
    """Add (sign 1) or take out (sign -1) one contract's summary rows from the book's totals (or a slice of
    contracts': the ids from lo to hi, a pair, as models/summary.py rebuilds every contract's)."""
    for table, (columns, keys, _, empty) in _SOURCES.items():
        values = columns[keys:]
        update = ", ".join(f"{c} = {c} + excluded.{c}" for c in values)
        run(
            f"INSERT INTO {table} ({', '.join(columns)}) {_rows(table, contract_id, sign)} "
            f"ON CONFLICT ({', '.join(columns[:keys])}) DO UPDATE SET {update}"
        )
        if sign < 0:
            continue
        run(f"DELETE FROM {table} WHERE {empty}")  # (a few rows: per currency, month or day)


def clear(run: Callable) -> None:
    """Empty every table (before every contract's rows are added again, a slice at a time)."""
    for table in _SOURCES:
        run(f"DELETE FROM {table}")


def rebuild(run: Callable) -> None:
    """Every table summed anew from the per-contract summaries (a new or migrated book, the demo)."""
    for table, (columns, _, _, _) in _SOURCES.items():
        run(f"DELETE FROM {table}")
        run(f"INSERT INTO {table} ({', '.join(columns)}) {_rows(table, None)}")


# What the status bar reads (models/queries.py reads the same through peewee): `run` is any connection's execute,
# so that the window can fill its status bar from the book's own SQLite connection before peewee is imported.


def currencies(run: Callable) -> dict[str, dict[str, int]]:
    """Totals per currency (never added across currencies, R1): a row per currency, whatever the size of the book."""
    keys = ("funded", "released", "escrow_refunded", "refunded", "fees", "escrow", "contracts")
    sql = f"SELECT currency, {', '.join(keys)} FROM book_total ORDER BY currency"
    out = {row[0]: dict(zip(keys, row[1:], strict=True)) for row in run(sql)}
    for t in out.values():
        t["net_cost"] = t["released"] + t["fees"] - t["refunded"]  # as Balances.net_cost, per currency
    return out


def year(run: Callable, year: int) -> dict[str, dict[str, int]]:
    """Payments and refunds dated in `year`, per currency, from the kept monthly totals."""
    sql = (
        "SELECT currency, SUM(paid), SUM(refunded) FROM book_month "
        "WHERE month >= ? AND month <= ? GROUP BY currency ORDER BY currency"
    )
    rows = run(sql, (f"{year:04d}-01", f"{year:04d}-12"))
    return {cur: {"paid": paid, "refunded": refunded} for cur, paid, refunded in rows}


# What needs attention on :today, from the kept days: the clocks that started needing it by then less the lapsing
# ones that stopped before it.
_NEEDING = "SUM(starts) - SUM(CASE WHEN day < :today THEN ends ELSE 0 END)"


def attention(run: Callable, today: str) -> int:
    """How many clocks need attention on `today` (an ISO date)."""
    return run(f"SELECT COALESCE({_NEEDING}, 0) FROM attention_day WHERE day <= :today", {"today": today}).fetchone()[0]


def attention_by_kind(run: Callable, today: str) -> dict[str, int]:
    """As attention(), per kind of clock (the kinds with none left out)."""
    rows = run(f"SELECT kind, {_NEEDING} FROM attention_day WHERE day <= :today GROUP BY kind", {"today": today})
    return {kind: n for kind, n in rows if n}


def present(run: Callable) -> bool:
    """Whether the book has these tables yet (not while an older format is being migrated)."""
    return run("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'book_total'").fetchone() is not None


_WHAT = {
    "book_total": "the book's totals in {0} differ",
    "book_month": "the book's payments and refunds of {0} in {1} differ",
    "attention_day": "the count of what needs attention ({1} clocks on {0}) differs",
}


def problems(run: Callable | None = None, limit: int = 20) -> list[str]:
    """Where the kept totals differ from their sums over the contracts' summaries, in words (each sum is read
    once: a few rows per currency, month or day)."""
    if run is None:
        from .entities import database

        run = database.execute_sql
    out: list[str] = []
    for table, (columns, keys, _, _) in _SOURCES.items():
        stored = {tuple(r[:keys]): tuple(r[keys:]) for r in run(f"SELECT {', '.join(columns)} FROM {table}")}
        fresh = {tuple(r[:keys]): tuple(r[keys:]) for r in run(_rows(table, None))}
        stale = sorted(k for k in stored.keys() | fresh.keys() if stored.get(k) != fresh.get(k))
        out += [f"{_WHAT[table].format(*k)} from what its contracts add up to (kept total out of date)." for k in stale]
    return out[:limit]
