"""The reports' maintained day sums (book format 10): per contract and day, per day of the whole book, and per
contract and year (format 11).

The reports (models/reports.py) add up the live ledger (R12) per period, freelancer or contract, within a date
range and for some contracts (status, freelancer, policy). A book of 100,000 contracts has a million entries:
no report reads them. They read these tables instead:

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
  - `contract_year` (book format 11): each contract's `contract_day` rows added up per year, with the same
    columns, so that a report over whole years (the year so far, a past year) reads a row per contract and year
    (a book of a million contracts has three million day rows in a year, and 400,000 rows of that year). Kept
    with the contract's days: derived anew from them after them, in the same transaction. With the contract's
    budget (book format 14), given anew when the budget is edited (`budget_changed`).
  - `freelancer_year` (book format 13): the `contract_year` rows of each freelancer, year and currency added up
    (the spend sums, their sizes and days), with the count of contract years each adds up: what a page of
    freelancers sorted in the home currency walks largest first, and a report by freelancer over whole years
    reads. Kept as a delta, as `report_day` is: the contract's old years taken out before they are derived anew
    and its new ones added after; a row whose count falls to 0 goes.
  - `contract_life` (book format 15): each contract's `contract_year` rows added up, a row per contract (its sums
    over all dates, their days' sizes and how many days): what a page of contracts over all dates, sorted in the
    home currency, walks largest first (by currency and size: models/book.py LIFE_SIZE_INDEX) instead of each
    year's. Kept with the contract's years: derived anew from them after them, in the same transaction.
  - `freelancer_life` (book format 16): the `contract_life` rows of each freelancer and currency added up (the
    spend sums, their sizes and days), with how many contracts: what a page of freelancers over all dates walks.
    Kept as a delta, as `freelancer_year` is: the contract's old row taken out before it is derived anew and its
    new one added after; a row whose count falls to 0 goes.

`problems()` (called by `escrowbook check`) derives both afresh, `contract_day` from the ledger and `report_day`
from `contract_day`, and names in words every contract and every day whose kept sums differ; `derive_fresh()` adds
up the days per contract and year and each contract's years, once, and then `year_problems()` names every contract
whose `contract_year` rows differ, `freelancer_year_problems()` every freelancer whose `freelancer_year` rows differ
from their contracts' years, `life_problems()` every contract whose `contract_life` row differs from its years added
up, and `freelancer_life_problems()` every freelancer whose `freelancer_life` rows differ from their contracts' (on a
book file, only when the kept sums' fingerprints do not vouch for them: models/kept_sums.py).
"""

from __future__ import annotations

from collections.abc import Callable

from . import pgtext
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
SIZED = ("paid", "fees", "refunded")  # the sums whose days' sizes contract_year adds up (the spend's)
YEAR_SUMS = (*SUMS, *(f"{s}_size" for s in SIZED), "days")  # contract_year's whole numbers, added up from the days
# (the contract's budget last, book format 14: as it was when the row was derived, as its DIMENSIONS are)
CONTRACT_YEAR_COLUMNS = ("contract_id", "year", *DIMENSIONS, *YEAR_SUMS, "budget")
FREELANCER_YEAR_KEY = ("year", "freelancer_id", "currency")
FREELANCER_YEAR_COLUMNS = (*FREELANCER_YEAR_KEY, *SIZED, *(f"{s}_size" for s in SIZED), "days", "contracts")
CONTRACT_LIFE_COLUMNS = ("contract_id", *DIMENSIONS, *YEAR_SUMS)  # (book format 15: no year, no budget)
FREELANCER_LIFE_KEY = ("freelancer_id", "currency")
FREELANCER_LIFE_COLUMNS = (*FREELANCER_LIFE_KEY, *FREELANCER_YEAR_COLUMNS[3:])  # (book format 16: no year)
TABLES = ("contract_day", "report_day", "contract_year", "freelancer_year", "contract_life", "freelancer_life")


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
# PostgreSQL groups by the contract too (its columns are then the group's) and reads no names from the SELECT in
# HAVING (models/pgtext.py).
pgtext.rewrite(
    " GROUP BY e.contract_id, e.date HAVING " + " OR ".join(f"{s} != 0" for s in SUMS),
    " GROUP BY e.contract_id, e.date, c.id HAVING " + " OR ".join(f"{_column_sql(s)} != 0" for s in SUMS),
)

# The book's day sums, from the contracts' ({where}: one contract, or every one).
_REPORT_DAYS = (
    "SELECT day, currency, status, policy_id, "
    + ", ".join(f"{{sign}} * SUM({s}) AS {s}" for s in SUMS)
    + ", {sign} * COUNT(*) AS contracts FROM contract_day WHERE 1 {where} GROUP BY day, currency, status, policy_id"
)


# A contract's years (book format 11), from its day sums ({days}: contract_day, or the days derived from the
# ledger): a row per contract and year with days, with the contract's currency, freelancer, status and policy as
# its day rows name them (the same on every row of a contract: derived together), the sizes of its days' spend sums
# added up, how many days, and the contract's budget (book format 14: what budget against actual over a whole year
# walks, models/book.py BUDGET_LEFT_INDEX). (A year whose sums add up to 0, a fee returned the next day, keeps its
# row: its sizes bound what its days convert to.)
_YEAR_KEY = "contract_id, substr(day, 1, 4), " + ", ".join(DIMENSIONS)
_CONTRACT_YEARS = (
    f"SELECT contract_id, substr(day, 1, 4) AS year, {', '.join(DIMENSIONS)}, "
    f"{', '.join(f'SUM({s}) AS {s}' for s in SUMS)}, {', '.join(f'SUM(abs({s})) AS {s}_size' for s in SIZED)}, "
    "COUNT(*) AS days, (SELECT b.budget FROM contract b WHERE b.id = contract_id) AS budget "
    f"FROM {{days}} WHERE 1 {{where}} GROUP BY {_YEAR_KEY}"
)


# The freelancers' years (book format 13), from their contracts' ({years}: contract_year, or a SELECT of its rows;
# {where}: one contract's, or every one): each freelancer, year and currency's spend sums, sizes and days added up,
# and how many contract years ({sign}: -1 to take them out).
_FREELANCER_YEARS = (
    "SELECT year, freelancer_id, currency, "
    + ", ".join(f"{{sign}} * SUM({c})" for c in FREELANCER_YEAR_COLUMNS[3:-1])
    + ", {sign} * COUNT(*) FROM {years} WHERE 1 {where} GROUP BY year, freelancer_id, currency"
)


def freelancer_years_sql(contract_id: int | None = None, sign: int = 1, years: str = "contract_year") -> str:
    """SQL: the `freelancer_year` rows one contract's years make (or every contract's: the table's rows, in the
    order of its key), from `years` (the kept contract years, or a SELECT of them), times `sign`."""
    if contract_id is None:
        return _FREELANCER_YEARS.format(sign=int(sign), years=years, where="") + " ORDER BY 1, 2, 3"
    return _FREELANCER_YEARS.format(sign=int(sign), years=years, where=f"AND contract_id = {int(contract_id)}")


# A contract's whole life (book format 15), from its years ({years}: contract_year, or a SELECT of its rows; {where}:
# one contract's, or every one): its sums, sizes and days added up, a row per contract, with the currency,
# freelancer, status and policy its years name (the same on each: derived together; the most of them, should a
# changed book's years differ, which check names).
_CONTRACT_LIFE = (
    f"SELECT contract_id, {', '.join(f'MAX({d}) AS {d}' for d in DIMENSIONS)}, "
    + ", ".join(f"SUM({c}) AS {c}" for c in YEAR_SUMS)
    + " FROM {years} WHERE 1 {where} GROUP BY contract_id"
)


def contract_life_sql(contract_id: int | None = None, years: str = "contract_year") -> str:
    """SQL: the `contract_life` row of one contract (or of every contract, in the order of their ids), added up
    from its years (`years`: the kept ones, or a SELECT of them)."""
    if contract_id is None:
        return _CONTRACT_LIFE.format(years=years, where="") + " ORDER BY 1"
    return _CONTRACT_LIFE.format(years=years, where=f"AND contract_id = {int(contract_id)}")


# The freelancers' whole lives (book format 16), from their contracts' ({lives}: contract_life, or a SELECT of its
# rows; {where}: one contract's, or every one): each freelancer and currency's spend sums, sizes and days added up,
# and how many contracts ({sign}: -1 to take them out).
_FREELANCER_LIFE = (
    "SELECT freelancer_id, currency, "
    + ", ".join(f"{{sign}} * SUM({c})" for c in FREELANCER_LIFE_COLUMNS[2:-1])
    + ", {sign} * COUNT(*) FROM {lives} WHERE 1 {where} GROUP BY freelancer_id, currency"
)


def freelancer_life_sql(contract_id: int | None = None, sign: int = 1, lives: str = "contract_life") -> str:
    """SQL: the `freelancer_life` rows one contract's whole life makes (or every contract's: the table's rows, in
    the order of its key), from `lives` (the kept contract lives, or a SELECT of them), times `sign`."""
    if contract_id is None:
        return _FREELANCER_LIFE.format(sign=int(sign), lives=lives, where="") + " ORDER BY 1, 2"
    return _FREELANCER_LIFE.format(sign=int(sign), lives=lives, where=f"AND contract_id = {int(contract_id)}")


def add_life(run: Callable, contract_id: int, sign: int) -> None:
    """Add (sign 1) or take out (sign -1) one contract's `contract_life` row from its freelancer's
    `freelancer_life`."""
    mine = "freelancer_id IN (SELECT freelancer_id FROM contract_life WHERE contract_id = ?)"
    rows = freelancer_life_sql(contract_id, sign)
    keys = len(FREELANCER_LIFE_KEY)
    _moved(run, "freelancer_life", FREELANCER_LIFE_COLUMNS, keys, rows, mine, contract_id, sign)


def add_years(run: Callable, contract_id: int, sign: int) -> None:
    """Add (sign 1) or take out (sign -1) one contract's `contract_year` rows from its freelancer's
    `freelancer_year`."""
    mine = "freelancer_id IN (SELECT freelancer_id FROM contract_year WHERE contract_id = ?)"
    rows = freelancer_years_sql(contract_id, sign)
    _moved(run, "freelancer_year", FREELANCER_YEAR_COLUMNS, len(FREELANCER_YEAR_KEY), rows, mine, contract_id, sign)


def _moved(run: Callable, table: str, columns: tuple, keys: int, rows: str, mine: str, contract_id: int, sign: int):
    """One contract's `rows` (SQL, the first `keys` of `columns` their key) added to the kept `table`'s, each to the
    row of its key; taken out (sign -1), a row they leave counting no contract goes (`mine`: SQL of the rows the
    contract's may be, its argument the contract)."""
    update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns[keys:])
    run(
        f"INSERT INTO {table} ({', '.join(columns)}) {rows} "
        f"ON CONFLICT ({', '.join(columns[:keys])}) DO UPDATE SET {update}"
    )
    if sign < 0:
        run(f"DELETE FROM {table} WHERE contracts = 0 AND {mine}", (int(contract_id),))


def contract_years_sql(contract_id: int | None = None, days: str = "contract_day") -> str:
    """SQL: the `contract_year` rows of one contract (or of every contract, by year then contract: the table's
    order), added up from its day sums (`days`: the kept ones, or a SELECT of them)."""
    if contract_id is None:
        return _CONTRACT_YEARS.format(days=days, where="") + " ORDER BY 2, 1"
    return _CONTRACT_YEARS.format(days=days, where=f"AND contract_id = {int(contract_id)}")


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
    mine = "day IN (SELECT day FROM contract_day WHERE contract_id = ?)"
    _moved(run, "report_day", REPORT_DAY_COLUMNS, 4, _report_days(contract_id, sign), mine, contract_id, sign)


def refresh_contract(run: Callable, contract_id: int) -> None:
    """One contract's day sums derived anew from its ledger, and the book's moved with them (each operation,
    inside its transaction: models/summary.py; an edit that gives the contract another freelancer)."""
    add(run, contract_id, -1)
    run("DELETE FROM contract_day WHERE contract_id = ?", (int(contract_id),))
    run(f"INSERT INTO contract_day ({', '.join(CONTRACT_DAY_COLUMNS)}) {contract_days_sql(contract_id)}")
    add(run, contract_id, 1)
    add_years(run, contract_id, -1)
    run("DELETE FROM contract_year WHERE contract_id = ?", (int(contract_id),))
    run(f"INSERT INTO contract_year ({', '.join(CONTRACT_YEAR_COLUMNS)}) {contract_years_sql(contract_id)}")
    add_years(run, contract_id, 1)
    add_life(run, contract_id, -1)
    run("DELETE FROM contract_life WHERE contract_id = ?", (int(contract_id),))
    run(f"INSERT INTO contract_life ({', '.join(CONTRACT_LIFE_COLUMNS)}) {contract_life_sql(contract_id)}")
    add_life(run, contract_id, 1)


def budget_changed(run: Callable, contract_id: int) -> None:
    """The contract's years given its budget as it now is (an edit of the budget: models/ops.py edit_contract)."""
    run(
        "UPDATE contract_year SET budget = (SELECT c.budget FROM contract c WHERE c.id = contract_year.contract_id) "
        "WHERE contract_id = ?",
        (int(contract_id),),
    )


def rebuild(run: Callable) -> None:
    """Both tables derived anew from the whole ledger (a migrated book, the demo)."""
    run("DELETE FROM contract_day")
    run(f"INSERT INTO contract_day ({', '.join(CONTRACT_DAY_COLUMNS)}) {contract_days_sql()}")
    run("DELETE FROM report_day")
    run(f"INSERT INTO report_day ({', '.join(REPORT_DAY_COLUMNS)}) {_report_days(None)}")
    if _has(run, "contract_year"):  # (book format 11 on: not while format 10's migration fills the days)
        rebuild_years(run)


def rebuild_years(run: Callable) -> None:
    """`contract_year` added up anew from the kept day sums, and `freelancer_year` from it (a migrated book, the
    demo)."""
    run("DELETE FROM contract_year")
    run(f"INSERT INTO contract_year ({', '.join(CONTRACT_YEAR_COLUMNS)}) {contract_years_sql()}")
    if _has(run, "freelancer_year"):  # (book format 13 on)
        rebuild_freelancer_years(run)
    if _has(run, "contract_life"):  # (book format 15 on)
        rebuild_life(run)


def rebuild_freelancer_years(run: Callable) -> None:
    """`freelancer_year` added up anew from the kept contract years (a migrated book, the demo)."""
    run("DELETE FROM freelancer_year")
    run(f"INSERT INTO freelancer_year ({', '.join(FREELANCER_YEAR_COLUMNS)}) {freelancer_years_sql()}")


def rebuild_life(run: Callable) -> None:
    """`contract_life` added up anew from the kept contract years (a migrated book, the demo)."""
    run("DELETE FROM contract_life")
    run(f"INSERT INTO contract_life ({', '.join(CONTRACT_LIFE_COLUMNS)}) {contract_life_sql()}")
    if _has(run, "freelancer_life"):  # (book format 16 on)
        rebuild_freelancer_life(run)


def rebuild_freelancer_life(run: Callable) -> None:
    """`freelancer_life` added up anew from the kept contract lives (a migrated book, the demo)."""
    run("DELETE FROM freelancer_life")
    run(f"INSERT INTO freelancer_life ({', '.join(FREELANCER_LIFE_COLUMNS)}) {freelancer_life_sql()}")


def present(run: Callable) -> bool:
    """Whether the book has these tables yet (not while an older format is being migrated)."""
    return _has(run, "report_day")


def _has(run: Callable, table: str) -> bool:
    return run("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is not None


# The check's quick look (problems()): every contract's day sums derived from the live ledger in one pass (the table
# in the order of its ids, whatever the order its entries were recorded in, then one sort of each entry's contract,
# day, kind and amount: no index order is read, so no entry is looked for at random), each derived row looked up in
# `contract_day` by its key (day, contract), and as many rows stored as derived. The derived rows are distinct,
# so then the stored ones are those, each once. A day derived as anything but text is left to the exact walk.
_DERIVED_DAYS = f"""
SELECT e.contract_id AS contract_id, e.date AS day, {", ".join(f"{_column_sql(s)} AS {s}" for s in SUMS)}
FROM ledger_entry e NOT INDEXED
WHERE e.kind IN ({", ".join(f"'{k}'" for k in KINDS)})
  AND NOT EXISTS (SELECT 1 FROM ledger_entry r WHERE r.reverses_id = e.id)
GROUP BY e.contract_id, e.date HAVING {" OR ".join(f"{s} != 0" for s in SUMS)}
"""  # (live: neither a reversal nor reversed, R12)
_AGREE = f"""
SELECT COUNT(*),
       COALESCE(SUM(typeof(d.day) != 'text' OR NOT EXISTS (
           SELECT 1 FROM contract_day s WHERE s.day = CAST(d.day AS TEXT) AND s.contract_id = d.contract_id
           AND {" AND ".join(f"s.{c} IS d.{c}" for c in CONTRACT_DAY_COLUMNS[2:])})), 0),
       (SELECT COUNT(*) FROM contract_day)
FROM (SELECT d.contract_id, d.day, c.currency, c.freelancer_id, c.status, c.policy_id,
             {", ".join(f"d.{s}" for s in SUMS)}
      FROM ({_DERIVED_DAYS}) d JOIN contract c ON c.id = d.contract_id) d
"""


def contract_days_agree(run: Callable) -> bool:
    """Whether `contract_day` holds exactly the rows derived from the live ledger (a quick look: when it does not,
    problems() names the contracts)."""
    derived, missing, stored = run(_AGREE).fetchone()
    return missing == 0 and derived == stored


def _book_days(kept: dict[tuple, list], book: dict[tuple, list], limit: int) -> list[str]:
    wrong = sorted({key[:2] for key in book.keys() | kept.keys() if book.get(key) != kept.get(key)})
    return [
        f"the reports' sums of {day} in {currency} differ from what its contracts add up to (kept total out of date)."
        for day, currency in wrong[:limit]
    ]


def _kept_book_days(run: Callable) -> dict[tuple, list]:
    return {tuple(row[:4]): list(row[4:]) for row in run(f"SELECT {', '.join(REPORT_DAY_COLUMNS)} FROM report_day")}


# The quick look at the book's days: each day of `report_day`, its contracts' rows added up (the day's rows only,
# read in the order of the table's key) beside its kept rows, both as one text (SQLite's quote() of each value:
# the same text only for the same values, of the same types), and every contract row on one of those days.
_ROW_TEXT = " || ',' || ".join(f"quote({c})" for c in REPORT_DAY_COLUMNS[1:])
_BY = "currency, status, policy_id"
_BOOK_DAYS_AGREE = f"""
SELECT COALESCE(SUM(added IS NOT kept), 0), (SELECT COALESCE(SUM(contracts), 0) FROM report_day),
       (SELECT COUNT(*) FROM contract_day)
FROM (SELECT (SELECT group_concat(x, ';') FROM (
                 SELECT {_ROW_TEXT} AS x
                 FROM (SELECT {_BY}, {", ".join(f"SUM({s}) AS {s}" for s in SUMS)}, COUNT(*) AS contracts
                       FROM contract_day s WHERE s.day = d.day GROUP BY {_BY} ORDER BY {_BY}))) AS added,
             (SELECT group_concat(x, ';') FROM (
                 SELECT {_ROW_TEXT} AS x FROM report_day k WHERE k.day = d.day ORDER BY {_BY})) AS kept
      FROM (SELECT DISTINCT day FROM report_day) d)
"""


def book_day_problems(run: Callable, limit: int = 20) -> list[str]:
    """Each day (and currency) whose `report_day` sums differ from what the stored `contract_day` rows add up to
    (a few rows a day: the memory grows with the days, not the contracts). The quick look first, a day at a time
    (_BOOK_DAYS_AGREE); any doubt, and the whole table is added up to name the days."""
    differ, kept, stored = run(_BOOK_DAYS_AGREE).fetchone()
    if differ == 0 and kept == stored:
        return []
    book = {tuple(row[:4]): list(row[4:]) for row in run(_report_days(None))}
    return _book_days(_kept_book_days(run), book, limit)


def _in_order(value) -> tuple:
    """A value as SQLite orders it (NULL, then numbers, then text, then blobs): a day changed outside Escrowbook
    into a number still has its place in the walk."""
    rank = 0 if value is None else 1 if isinstance(value, int | float) else 2 if isinstance(value, str) else 3
    return (rank, value if rank else 0)


def problems(
    run: Callable | None = None, limit: int = 20, agree: bool | None = None, book_days: list[str] | None = None
) -> list[str]:
    """Where the kept day sums differ from their derivation, in words: each contract whose `contract_day` rows
    differ from its ledger, and each day (and currency) whose book sums differ from its contracts' rows.

    The quick look first (contract_days_agree; `agree`: its answer, when the caller has it already), and when
    `contract_day` agrees, the book's days added up from it (book_day_problems; `book_days`: its findings, when
    the caller has them). Otherwise one ordered walk names the contracts: the rows derived from the ledger beside
    the stored ones, both in the table's own order (day, then contract: the stored side is read without a sort),
    while the stored rows are added up per day, currency, status and policy for `report_day`."""
    if run is None:
        from .entities import database

        run = database.execute_sql
    if contract_days_agree(run) if agree is None else agree:
        return (book_day_problems(run, limit) if book_days is None else book_days)[:limit]
    fresh = iter(run(contract_days_sql()))
    stored = iter(run(f"SELECT {', '.join(CONTRACT_DAY_COLUMNS)} FROM contract_day ORDER BY day, contract_id"))
    stale: set[int] = set()
    book: dict[tuple, list[int]] = {}
    width = len(SUMS)

    def add(row: tuple) -> None:
        sums = book.setdefault((row[1], row[2], row[4], row[5]), [0] * (width + 1))  # day, currency, status, policy
        for i, value in enumerate(row[6:]):
            number = isinstance(value, int | float) and isinstance(sums[i], int | float)
            sums[i] = sums[i] + value if number else None  # (a sum changed into text: that day differs)
        sums[width] += 1

    f, s = next(fresh, None), next(stored, None)
    while f is not None or s is not None:
        f_key = None if f is None else (_in_order(f[1]), _in_order(f[0]))
        s_key = None if s is None else (_in_order(s[1]), _in_order(s[0]))
        if s is not None and (f_key is None or s_key <= f_key):
            add(s)  # each stored row once, as the walk passes it
        if f_key == s_key:
            if f != s:
                stale.add(f[0])
            f, s = next(fresh, None), next(stored, None)
        elif s_key is None or (f_key is not None and f_key < s_key):
            stale.add(f[0])  # a day the ledger has and the table lacks
            f = next(fresh, None)
        else:
            stale.add(s[0])  # a day the table has and the ledger does not
            s = next(stored, None)
    out = [
        f"contract #{cid}: its stored day sums for the reports differ from its ledger (summary out of date)."
        for cid in sorted(stale)[:limit]
    ]
    out += _book_days(_kept_book_days(run), book, limit)
    return out[:limit]


# The contracts' years and whole lives derived afresh once, in scratch tables (SQLite's temporary database, or the
# session's in PostgreSQL), when the kept sums' fingerprints do not vouch for them (`escrowbook check`): the four
# comparisons below read them there, instead of each deriving them again, twice (a book of 1,000,000 contracts: each
# derivation from the ledger takes half a minute).
FRESH_YEARS = "temp.fresh_years"
FRESH_LIVES = "temp.fresh_lives"


def derive_fresh(run: Callable, days_agree: bool) -> None:
    """FRESH_YEARS and FRESH_LIVES filled: the contracts' years added up from the kept day sums when they agree with
    the ledger (`days_agree`), else from the days derived from the ledger afresh, and their lives from those years.
    The caller allows the writes (a book opened to be checked refuses them) and drops both (`drop_fresh`)."""
    drop_fresh(run)
    years = contract_years_sql(days=_days_to_add_up(days_agree))
    run(f"CREATE TEMP TABLE fresh_years AS SELECT {', '.join(CONTRACT_YEAR_COLUMNS)} FROM ({years}) AS y")
    lives = contract_life_sql(years=FRESH_YEARS)
    run(f"CREATE TEMP TABLE fresh_lives AS SELECT {', '.join(CONTRACT_LIFE_COLUMNS)} FROM ({lives}) AS l")


def drop_fresh(run: Callable) -> None:
    for table in (FRESH_YEARS, FRESH_LIVES):
        run(f"DROP TABLE IF EXISTS {table}")


def year_problems(run: Callable | None = None, limit: int = 20) -> list[str]:
    """Each contract whose `contract_year` rows differ from its day sums added up per year, in words: the years
    `derive_fresh` left in FRESH_YEARS (called first). Both sides in SQL, each row looked for among the other side's
    (the rows of either side that the other lacks)."""
    derived = f"SELECT {', '.join(CONTRACT_YEAR_COLUMNS)} FROM {FRESH_YEARS}"
    return [
        f"contract #{cid}: its stored yearly sums for the reports differ from its ledger (summary out of date)."
        for cid in _kept_differing(run, "contract_id", "contract_year", CONTRACT_YEAR_COLUMNS, derived, limit)
    ]


def _days_to_add_up(days_agree: bool) -> str:
    """The day sums a check adds up: the kept ones when they agree with the ledger, else those derived afresh."""
    return "contract_day" if days_agree else f"({_CONTRACT_DAYS.format(where='')}) AS derived"


def _kept_differing(
    run: Callable | None, key: str, table: str, columns: tuple[str, ...], derived: str, limit: int
) -> list:
    """The `key` (contract, freelancer) of each row of the kept `table` (its `columns`) or of `derived` (a SELECT of
    the same columns) that the other lacks, the first `limit` of them (`run`: the open book's, if None)."""
    if run is None:
        from .entities import database

        run = database.execute_sql
    return _differing(run, key, f"SELECT {', '.join(columns)} FROM {table}", derived, limit)


def _differing(run: Callable, key: str, stored: str, derived: str, limit: int) -> list:
    """The `key` (contract, freelancer) of each row of either SELECT (`stored`, `derived`: the same columns) that the
    other lacks, the first `limit` of them."""
    wrong = run(
        f"SELECT DISTINCT {key} FROM (SELECT * FROM ({stored} EXCEPT {derived}) AS a UNION ALL "
        f"SELECT * FROM ({derived} EXCEPT {stored}) AS b) AS w ORDER BY 1 LIMIT ?",
        (int(limit),),
    ).fetchall()
    return [row[0] for row in wrong]


def freelancer_year_problems(run: Callable | None = None, limit: int = 20) -> list[str]:
    """Each freelancer whose `freelancer_year` rows differ from their contracts' years, in words: added up from the
    contracts' years derived afresh (FRESH_YEARS, `derive_fresh`), so that a freelancer's rows are judged against the
    ledger even when the contracts' kept years are wrong too. Both sides in SQL, as year_problems compares them."""
    derived = f"SELECT * FROM ({freelancer_years_sql(years=FRESH_YEARS)}) AS f"
    return [
        f"freelancer #{fid}: the stored yearly sums of their contracts for the reports differ from the ledger "
        "(summary out of date)."
        for fid in _kept_differing(run, "freelancer_id", "freelancer_year", FREELANCER_YEAR_COLUMNS, derived, limit)
    ]


def life_problems(run: Callable | None = None, limit: int = 20) -> list[str]:
    """Each contract whose `contract_life` row differs from its years added up, in words: from its years derived
    afresh (FRESH_LIVES, `derive_fresh`), so that a contract's row is judged against the ledger even when its kept
    years are wrong too."""
    derived = f"SELECT {', '.join(CONTRACT_LIFE_COLUMNS)} FROM {FRESH_LIVES}"
    return [
        f"contract #{cid}: its stored sums over all dates for the reports differ from its ledger (summary out of date)."
        for cid in _kept_differing(run, "contract_id", "contract_life", CONTRACT_LIFE_COLUMNS, derived, limit)
    ]


def freelancer_life_problems(run: Callable | None = None, limit: int = 20) -> list[str]:
    """Each freelancer whose `freelancer_life` rows differ from their contracts' whole lives, in words: added up from
    the contracts' lives derived afresh (FRESH_LIVES, `derive_fresh`)."""
    derived = f"SELECT * FROM ({freelancer_life_sql(lives=FRESH_LIVES)}) AS f"
    return [
        f"freelancer #{fid}: the stored sums of their contracts over all dates for the reports differ from the ledger "
        "(summary out of date)."
        for fid in _kept_differing(run, "freelancer_id", "freelancer_life", FREELANCER_LIFE_COLUMNS, derived, limit)
    ]
