"""R12 The kept sums of the ledger, verified by `escrowbook check` without deriving them afresh (SQLite books).

Three summaries are sums of the live ledger's amounts (neither a reversal nor reversed): per contract and day
(`contract_day`, models/report_totals.py), per contract and month (`contract_month`) and per contract
(`contract_totals`, models/summary.py); a fourth, per contract and year (`contract_year`), adds up the first.
Deriving them afresh means grouping a million entries three ways: three sorts of the ledger; and the book's day sums
(`report_day`) are those of `contract_day` per day, currency, status and policy, one more sort. A sum can be
verified without grouping:

    for random weights w(contract, day) and m(column),
    sum over the stored rows of w(key) * m(column) * value  ==  sum over the entries of w(key) * m(column) * amount

(modulo the prime P). Both sides are one pass over their table with no sort and no memory that grows with the
book. When a stored row differs from its derivation, the two sides differ by a nonzero polynomial of degree 3
in the weights, so they agree by chance with probability at most 3 / P (one in 700 million), whatever the
difference and however it was made: the weights are drawn afresh for every check (SQLite's random(), seeded by
the operating system; the columns' multipliers from Python's `secrets`), and never stored. A weight per contract
times a weight per day (or month) is as good as one per pair (the difference is then a bilinear form in the
two); `report_day` is weighted by its day times its currency, status and policy, and counted, in the same pass
over `contract_day`; `contract_year` by its contract times its year, as each day's row is by its year in the
same pass again; `freelancer_year` by its freelancer times its year times its currency, and counted, as each
`contract_year` row is by its contract's freelancer and currency and its year in the pass over that table; and
`contract_life` by its contract alone, as each `contract_year` row is in that pass again; and `freelancer_life` by
its freelancer times its currency, and counted, as each `contract_life` row is by its contract's in the pass over
that table.

What is not a sum is compared exactly, in the same passes: each stored row's currency, freelancer, status and
policy (and each year's budget) against its contract's, the totals' escrow (funded - released - escrow refunded),
next deadline and status, a row for every contract in `contract_totals`, no day or month row that adds up to
nothing, whole numbers only. Anything these passes cannot vouch for (an entry or a row naming a contract the book
does not have, a contract id beyond P) and any difference at all leave the verdict to the exact derivation, which
names the contracts (models/check.py, models/report_totals.py).

A book kept in PostgreSQL is verified by the exact derivation (its server hashes the rows instead of sorting).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from . import report_totals
from .entities import REVERSED_IDS_SQL

P = 2_147_483_647  # 2**31 - 1, a prime: a product of two residues fits SQLite's 64-bit integers
TEMP_CACHE_KIB = 16 * 1024  # the weights' page cache: 4 MiB a 100,000 contracts (a temporary file beyond)
_DRAW = f"((random() & 2147483647) % {P - 1} + 1)"  # a weight from 1 to P - 1, from SQLite's own randomness
# The live entries (R12) are every entry of a kind summed (check_wk) but those a reversal names: their sums are
# those of every entry less those of the reversed ones, read through the index of the reversals (a few, where a
# look-up per entry for a reversal naming it would cost a fifth of the pass).
_REVERSED = f"e.id IN ({REVERSED_IDS_SQL})"

# The totals' columns, each with the day sums' column of the same kinds and sign (models/summary.py BUCKETS and
# LESS, models/report_totals.py COLUMN_KINDS: tests/models/test_kept_sums.py holds them equal).
_TOTALS_AS_DAYS = {
    "funded": "funded",
    "released": "paid",
    "escrow_refunded": "escrow_refunded",
    "refunded": "refunded",
    "fees": "fees",
}
_MONTHS = {"paid": "paid", "refunded": "refunded"}  # contract_month's columns, as the day sums'


@dataclass
class Verdict:
    """Which kept summaries the fingerprints vouch for (each True: agrees with its derivation from the ledger)."""

    days: bool
    months: bool
    totals: bool
    book_days: bool  # report_day against contract_day (meaningful when `days`: models/report_totals.py problems)
    years: bool  # contract_year against contract_day (meaningful when `days`: year_problems)
    freelancer_years: bool  # freelancer_year against contract_year (meaningful when `years`: freelancer_year_problems)
    life: bool  # contract_life against contract_year (meaningful when `years`: models/report_totals.py life_problems)
    freelancer_life: bool  # freelancer_life against contract_life (meaningful when `life`: freelancer_life_problems)


def _row_factor(multipliers: dict[str, int], alias: str) -> str:
    """SQL: a stored row's columns, each times its multiplier, added up (modulo P)."""
    return "((" + " + ".join(f"{alias}.{c} % {P} * {m} % {P}" for c, m in multipliers.items()) + f") % {P})"


_BOOK_KEY = "currency, status, policy_id"  # report_day's key besides the day


def _same_key(a: str, b: str) -> str:
    """SQL: the same currency, status and policy, compared as they are stored (no conversion)."""
    return " AND ".join(f"{a}.{k} = +{b}.{k}" for k in _BOOK_KEY.split(", "))


def _whole(alias: str, columns) -> str:
    return " OR ".join(f"typeof({alias}.{c}) != 'integer'" for c in columns)


def _weights(run: Callable, kinds: list[tuple[str, int, int]]) -> None:
    """The weights of this check, in the connection's temporary database: one per currency, status and policy
    (check_wg), per contract (check_wc, beside the contract's currency, freelancer, status and policy and its
    check_wg weight, read here in one pass), per day (check_wd, with its month's) and per month (check_wm), for
    every key either side names; and each kind's multipliers (check_wk: only the kinds summed have one)."""
    drop(run)
    run(
        "CREATE TEMP TABLE check_wg (currency, status, policy_id, w INTEGER NOT NULL, PRIMARY KEY (currency, status, "
        "policy_id)) WITHOUT ROWID"
    )
    run(f"INSERT INTO temp.check_wg SELECT *, {_DRAW} FROM (SELECT DISTINCT {_BOOK_KEY} FROM contract)")
    run(f"INSERT OR IGNORE INTO temp.check_wg SELECT *, {_DRAW} FROM (SELECT DISTINCT {_BOOK_KEY} FROM report_day)")
    # (a freelancer's weight and a currency's, for the freelancers' years: each contract's beside it)
    run("CREATE TEMP TABLE check_wf (freelancer_id PRIMARY KEY, w INTEGER NOT NULL) WITHOUT ROWID")
    run("CREATE TEMP TABLE check_wu (currency PRIMARY KEY, w INTEGER NOT NULL) WITHOUT ROWID")
    for table, column in (("check_wf", "freelancer_id"), ("check_wu", "currency")):
        for source in ("contract", "freelancer_year", "freelancer_life"):
            distinct = f"SELECT DISTINCT {column} FROM {source}"
            run(f"INSERT OR IGNORE INTO temp.{table} SELECT {column}, {_DRAW} FROM ({distinct})")
    run(
        "CREATE TEMP TABLE check_wc (id INTEGER PRIMARY KEY, w INTEGER NOT NULL, currency, freelancer_id, status, "
        "policy_id, g INTEGER, f INTEGER, budget)"
    )
    run(
        f"INSERT INTO temp.check_wc SELECT c.id, {_DRAW}, {', '.join(f'c.{d}' for d in report_totals.DIMENSIONS)}, "
        f"g.w, wf.w * wu.w % {P}, c.budget FROM contract c LEFT JOIN temp.check_wg g ON {_same_key('g', 'c')} "
        "LEFT JOIN temp.check_wf wf ON wf.freelancer_id = +c.freelancer_id "
        "LEFT JOIN temp.check_wu wu ON wu.currency = +c.currency"
    )
    run("CREATE TEMP TABLE check_wd (day PRIMARY KEY, w INTEGER NOT NULL, wm INTEGER, wy INTEGER) WITHOUT ROWID")
    run(f"INSERT INTO temp.check_wd (day, w) SELECT date, {_DRAW} FROM (SELECT DISTINCT date FROM ledger_entry)")
    run(
        f"INSERT OR IGNORE INTO temp.check_wd (day, w) SELECT day, {_DRAW} FROM (SELECT DISTINCT day FROM contract_day)"
    )
    run("CREATE TEMP TABLE check_wm (month PRIMARY KEY, w INTEGER NOT NULL) WITHOUT ROWID")
    run(f"INSERT OR IGNORE INTO temp.check_wm SELECT substr(day, 1, 7), {_DRAW} FROM temp.check_wd")
    run(f"INSERT OR IGNORE INTO temp.check_wm SELECT month, {_DRAW} FROM (SELECT DISTINCT month FROM contract_month)")
    run("UPDATE temp.check_wd SET wm = (SELECT m.w FROM temp.check_wm m WHERE m.month = substr(check_wd.day, 1, 7))")
    run("CREATE TEMP TABLE check_wy (year PRIMARY KEY, w INTEGER NOT NULL) WITHOUT ROWID")
    run(f"INSERT OR IGNORE INTO temp.check_wy SELECT substr(day, 1, 4), {_DRAW} FROM temp.check_wd")
    run(f"INSERT OR IGNORE INTO temp.check_wy SELECT year, {_DRAW} FROM (SELECT DISTINCT year FROM contract_year)")
    run(f"INSERT OR IGNORE INTO temp.check_wy SELECT year, {_DRAW} FROM (SELECT DISTINCT year FROM freelancer_year)")
    run("UPDATE temp.check_wd SET wy = (SELECT y.w FROM temp.check_wy y WHERE y.year = substr(check_wd.day, 1, 4))")
    run("CREATE TEMP TABLE check_wk (kind TEXT PRIMARY KEY, d INTEGER NOT NULL, m INTEGER NOT NULL) WITHOUT ROWID")
    for row in kinds:
        run("INSERT INTO temp.check_wk VALUES (?, ?, ?)", row)


def drop(run: Callable) -> None:
    for table in ("check_wc", "check_wg", "check_wf", "check_wu", "check_wm", "check_wy", "check_wd", "check_wk"):
        run(f"DROP TABLE IF EXISTS temp.{table}")


def _draws(columns) -> dict[str, int]:
    return {c: secrets.randbelow(P - 1) + 1 for c in columns}


def verify(run: Callable) -> Verdict:
    """Whether the kept day, month and contract sums agree with the live ledger (see above); the caller allows
    writes to the temporary database (models/check.py) and derives afresh whatever is not vouched for."""
    if (run("SELECT MAX(id) FROM contract").fetchone()[0] or 0) >= P:
        return Verdict(False, False, False, False, False, False, False, False)
    day_m = _draws(report_totals.SUMS)
    month_m = _draws(_MONTHS)

    def signed(m: int, sign: int) -> int:
        return m if sign > 0 else P - m

    kinds = [
        (
            kind,
            next(signed(day_m[c], ks[kind]) for c, ks in report_totals.COLUMN_KINDS.items() if kind in ks),
            next((signed(month_m[c], ks[kind]) for c in _MONTHS if kind in (ks := report_totals.COLUMN_KINDS[c])), 0),
        )
        for kind in report_totals.KINDS
    ]
    cache = run("PRAGMA temp.cache_size").fetchone()[0]
    run(f"PRAGMA temp.cache_size = -{TEMP_CACHE_KIB}")  # (the weights are looked up in random order)
    try:
        _weights(run, kinds)
        return _verify(run, day_m, month_m)
    finally:
        drop(run)
        run(f"PRAGMA temp.cache_size = {int(cache)}")


def _verify(run: Callable, day_m: dict[str, int], month_m: dict[str, int]) -> Verdict:
    amount = f"(e.amount % {P})"
    # The ledger: each entry of the kinds summed, its amount weighted three ways (by its contract and day, its
    # contract and month, its contract), in one pass in the order of the table; then the same of the reversed
    # entries, taken off (_REVERSED).
    ledger = f"""
        SELECT COALESCE(SUM(wc.w * wd.w % {P} * k.d % {P} * {amount} % {P}), 0),
               COALESCE(SUM(wc.w * wd.wm % {P} * k.m % {P} * {amount} % {P}), 0),
               COALESCE(SUM(wc.w * k.d % {P} * {amount} % {P}), 0),
               COALESCE(SUM(wc.w IS NULL OR wd.w IS NULL), 0)
        FROM ledger_entry e CROSS JOIN temp.check_wk k ON k.kind = e.kind
        LEFT JOIN temp.check_wc wc ON wc.id = e.contract_id LEFT JOIN temp.check_wd wd ON wd.day = +e.date
        """
    every = run(ledger).fetchone()
    if every[3]:  # (an entry naming a contract the book does not have, reversed or not: the exact derivation)
        return Verdict(False, False, False, False, False, False, False, False)
    reversed_ = run(f"{ledger} WHERE {_REVERSED}").fetchone()
    days_sum, months_sum, totals_sum = (e - r for e, r in zip(every[:3], reversed_[:3], strict=True))
    dims = " OR ".join(f"s.{d} IS NOT wc.{d}" for d in report_totals.DIMENSIONS)
    nothing = " AND ".join(f"s.{c} = 0" for c in report_totals.SUMS)
    # contract_day, a day at a time (the order of its key): each day's rows weighted by their contracts, then by
    # the day; each row's contract's currency, freelancer, status and policy as the derivation gives them.
    # Beside it, the same rows weighted by their day and their currency, status and policy (and counted), as the
    # book's day sums (report_day) add them up.
    count_m = _draws(["contracts"])["contracts"]
    # contract_year's sizes and days, as each day's row gives them (its sums' sizes, and 1 day).
    size_m = _draws([*report_totals.SIZED, "days"])
    sizes = " + ".join(f"abs(s.{c}) % {P} * {size_m[c]} % {P}" for c in report_totals.SIZED)
    day_sizes = f"(({_row_factor(day_m, 's')} + {sizes} + {size_m['days']}) % {P})"
    days = run(
        f"""
        SELECT COALESCE(SUM(wd.w * x.sum % {P}), 0) % {P}, COALESCE(SUM(wd.w * x.book % {P}), 0) % {P},
               COALESCE(SUM(x.bad), 0) + COALESCE(SUM(wd.w IS NULL OR wd.wy IS NULL), 0),
               COALESCE(SUM(wd.wy * x.year % {P}), 0) % {P}
        FROM (SELECT s.day AS day, SUM(wc.w * {_row_factor(day_m, "s")} % {P}) % {P} AS sum,
                     SUM(wc.w * {day_sizes} % {P}) % {P} AS year,
                     SUM(wc.g * (({_row_factor(day_m, "s")} + {count_m}) % {P}) % {P}) % {P} AS book,
                     SUM(wc.w IS NULL OR wc.g IS NULL OR {dims} OR ({nothing}) OR {_whole("s", report_totals.SUMS)})
                     AS bad
              FROM contract_day s LEFT JOIN temp.check_wc wc ON wc.id = s.contract_id
              GROUP BY s.day) x
        LEFT JOIN temp.check_wd wd ON wd.day = +x.day
        """
    ).fetchone()
    book = run(
        f"""
        SELECT COALESCE(SUM(wd.w * g.w % {P} * (({_row_factor(day_m, "r")} + r.contracts % {P} * {count_m}) % {P})
                            % {P}), 0) % {P},
               COALESCE(SUM(wd.w IS NULL OR g.w IS NULL OR r.contracts <= 0
                            OR {_whole("r", (*report_totals.SUMS, "contracts"))}), 0)
        FROM report_day r LEFT JOIN temp.check_wd wd ON wd.day = +r.day
        LEFT JOIN temp.check_wg g ON {_same_key("g", "r")}
        """
    ).fetchone()
    # contract_year, in the order of its key: each row weighted by its contract and year, as the day rows are
    # above, each day's by its year (the same sums, added up per contract and year, and their sizes and days), with
    # the same exact checks, and its budget against its contract's (book format 14).
    year_columns = report_totals.YEAR_SUMS
    stored_sizes = " + ".join(f"s.{c}_size % {P} * {size_m[c]} % {P}" for c in report_totals.SIZED)
    year_sizes = f"(({_row_factor(day_m, 's')} + {stored_sizes} + s.days % {P} * {size_m['days']}) % {P})"
    # Beside it, each row weighted by its contract's freelancer and currency and by its year, with its spend sums,
    # sizes and days and counted (free_m), as the freelancers' years (freelancer_year) add them up.
    free_m = _draws(report_totals.FREELANCER_YEAR_COLUMNS[3:])
    counted = f"(({_row_factor({c: m for c, m in free_m.items() if c != 'contracts'}, 's')} + {{count}}) % {P})"
    # And each row weighted by its contract alone, with its sums, sizes and days (life_m), as its contract's whole
    # life (contract_life, book format 15) adds them up.
    life_m = _draws(report_totals.YEAR_SUMS)
    years = run(
        f"""
        SELECT COALESCE(SUM(wc.w * wy.w % {P} * {year_sizes} % {P}), 0) % {P},
               COALESCE(SUM(wc.w IS NULL OR wy.w IS NULL OR wc.f IS NULL OR {dims} OR s.budget IS NOT wc.budget
                            OR s.days <= 0
                            OR typeof(s.year) != 'text' OR {_whole("s", year_columns)}), 0),
               COALESCE(SUM(wc.f * wy.w % {P} * {counted.format(count=free_m["contracts"])} % {P}), 0) % {P},
               COALESCE(SUM(wc.w * {_row_factor(life_m, "s")} % {P}), 0) % {P}
        FROM contract_year s LEFT JOIN temp.check_wc wc ON wc.id = s.contract_id
        LEFT JOIN temp.check_wy wy ON wy.year = +s.year
        """
    ).fetchone()
    # freelancer_year, in the order of its key: each row weighted by its freelancer, currency and year.
    count = f"s.contracts % {P} * {free_m['contracts']} % {P}"
    freelancer_years = run(
        f"""
        SELECT COALESCE(SUM(wf.w * wu.w % {P} * wy.w % {P} * {counted.format(count=count)} % {P}), 0) % {P},
               COALESCE(SUM(wf.w IS NULL OR wu.w IS NULL OR wy.w IS NULL OR s.contracts <= 0 OR s.days <= 0
                            OR typeof(s.year) != 'text'
                            OR {_whole("s", report_totals.FREELANCER_YEAR_COLUMNS[3:])}), 0)
        FROM freelancer_year s LEFT JOIN temp.check_wf wf ON wf.freelancer_id = +s.freelancer_id
        LEFT JOIN temp.check_wu wu ON wu.currency = +s.currency LEFT JOIN temp.check_wy wy ON wy.year = +s.year
        """
    ).fetchone()
    # contract_life, in the order of its contracts: each row weighted by its contract, with the same exact checks as
    # its years (a contract's life has its currency, freelancer, status and policy, and some days); beside it, each
    # row weighted by its contract's freelancer and currency, with its spend sums, sizes and days and counted
    # (lives_m), as the freelancers' lives (freelancer_life, book format 16) add them up.
    lives_m = _draws(report_totals.FREELANCER_LIFE_COLUMNS[2:])
    lived = f"(({_row_factor({c: m for c, m in lives_m.items() if c != 'contracts'}, 's')} + {{count}}) % {P})"
    life = run(
        f"""
        SELECT COALESCE(SUM(wc.w * {_row_factor(life_m, "s")} % {P}), 0) % {P},
               COALESCE(SUM(wc.w IS NULL OR wc.f IS NULL OR {dims} OR s.days <= 0
                            OR {_whole("s", report_totals.YEAR_SUMS)}), 0),
               COALESCE(SUM(wc.f * {lived.format(count=lives_m["contracts"])} % {P}), 0) % {P}
        FROM contract_life s LEFT JOIN temp.check_wc wc ON wc.id = s.contract_id
        """
    ).fetchone()
    # freelancer_life, in the order of its key: each row weighted by its freelancer and currency.
    lives_count = f"s.contracts % {P} * {lives_m['contracts']} % {P}"
    freelancer_life = run(
        f"""
        SELECT COALESCE(SUM(wf.w * wu.w % {P} * {lived.format(count=lives_count)} % {P}), 0) % {P},
               COALESCE(SUM(wf.w IS NULL OR wu.w IS NULL OR s.contracts <= 0 OR s.days <= 0
                            OR {_whole("s", report_totals.FREELANCER_LIFE_COLUMNS[2:])}), 0)
        FROM freelancer_life s LEFT JOIN temp.check_wf wf ON wf.freelancer_id = +s.freelancer_id
        LEFT JOIN temp.check_wu wu ON wu.currency = +s.currency
        """
    ).fetchone()
    months = run(
        f"""
        SELECT COALESCE(SUM(wc.w * wm.w % {P} * {_row_factor(month_m, "s")} % {P}), 0) % {P},
               COALESCE(SUM(wc.w IS NULL OR wm.w IS NULL OR s.currency IS NOT wc.currency
                            OR (s.paid = 0 AND s.refunded = 0) OR {_whole("s", _MONTHS)}), 0)
        FROM contract_month s LEFT JOIN temp.check_wc wc ON wc.id = s.contract_id
        LEFT JOIN temp.check_wm wm ON wm.month = +s.month
        """
    ).fetchone()
    totals_m = {total: day_m[day] for total, day in _TOTALS_AS_DAYS.items()}
    # The soonest deadline that asks something of the client, as the totals derive it (models/summary.py), from
    # the stored clocks (compared with their own derivation separately).
    soonest = (
        "(SELECT MIN(k.due || ' ' || k.kind) FROM clock k "
        "WHERE k.contract_id = s.contract_id AND k.kind NOT IN ('refund_window', 'support_refund'))"
    )
    totals = run(
        f"""
        SELECT COALESCE(SUM(wc.w * {_row_factor(totals_m, "s")} % {P}), 0) % {P},
               COALESCE(SUM(wc.w IS NULL OR s.currency IS NOT wc.currency OR s.status IS NOT wc.status
                            OR s.escrow IS NOT s.funded - s.released - s.escrow_refunded
                            OR {_whole("s", (*_TOTALS_AS_DAYS, "escrow"))}
                            OR s.next_due IS NOT substr({soonest}, 1, 10)
                            OR s.next_kind IS NOT COALESCE(substr({soonest}, 12), '')), 0),
               COUNT(*), (SELECT COUNT(*) FROM contract)
        FROM contract_totals s LEFT JOIN temp.check_wc wc ON wc.id = s.contract_id
        """
    ).fetchone()
    return Verdict(  # (SQLite's remainder of a negative sum is negative: Python's is not)
        days=days[2] == 0 and days[0] % P == days_sum % P,
        book_days=days[2] == 0 and book[1] == 0 and days[1] % P == book[0] % P,
        years=days[2] == 0 and years[1] == 0 and days[3] % P == years[0] % P,
        freelancer_years=years[1] == 0 and freelancer_years[1] == 0 and years[2] % P == freelancer_years[0] % P,
        life=years[1] == 0 and life[1] == 0 and years[3] % P == life[0] % P,
        freelancer_life=life[1] == 0 and freelancer_life[1] == 0 and life[2] % P == freelancer_life[0] % P,
        months=months[1] == 0 and months[0] % P == months_sum % P,
        totals=totals[1] == 0 and totals[2] == totals[3] and totals[0] % P == totals_sum % P,
    )
