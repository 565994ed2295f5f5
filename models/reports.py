"""Reports: what was spent, on what, and what is still held, as queries over the ledger that return plain rows
(a view, a chart or a CSV shows them; nothing here writes).

The reports (each a function returning a `Report`):
  - `spend_by_period` (month, quarter or year), `spend_by_freelancer`, `spend_by_contract`: paid to the
    freelancer (releases and dispute releases), fees (less initiation fees returned), refunds of payments, and
    the spend: paid + fees - refunded (the net cost of `queries.Balances`);
  - `fees_by_period`: the fees and the spend of each period (`fee_share` gives the fees' share of the spend);
  - `escrow_by_month_end`: the escrow held at the end of each month (all the funding up to that day, less all
    the payments and escrow refunds: R12's escrow, as a balance, not a flow);
  - `refunds_by_period`: refunds of payments and escrow refunds (escrow back to the client, from a request or
    a dispute's outcome);
  - `budget_vs_actual`: per contract with a budget, the budget, what was paid less refunds (the actual), what
    is left of the budget, and a flag: over budget, under budget or on budget (decided in the contract's own
    currency, never from a converted figure).
A row is one group (a period, a freelancer, a contract) in one currency: figures in different currencies are
never added (R1). `Report.totals` holds one row per currency.

Which entries count: the live ledger (R12: neither a reversal nor reversed), each on its own date (the day
the event happened, R16), between `first` and `last` inclusive (either may be left out). Filters (`Filters`):
the contract's status, its freelancer, its policy (key, "upwork" or "direct").

The home currency (models/rates.py). When the book has one (or `home=` names one), every group also gets a
`HomeRow`: each of its figures converted into the home currency. The entries are first added up per
currency, day and column (in SQL), and each such day-sum is converted at the rate of its day (the rates
module's choice: that day's, the look-back's, or the month's) with ONE rounding, half to even, to the home
currency's minor unit. A home figure is the sum of its converted day-sums: one rounding per (column,
currency, day) of the group, so it is within half a minor unit per day-sum of the exact value, and a
group's home figure does not depend on how many entries a day had. A balance (escrow at a month end) is
converted once, at the rate of that month-end day. A budget is converted at the rate of the contract's
start. Each home figure (`HomeAmount`) keeps its conversions: the rates and days it used (`rates_used`,
`describe`), and the amounts no rate converts (`missing`): such an amount is left out of the home figure,
which then says it is incomplete (`complete` False) -- a rate is never guessed.

`entries_behind` is the drill-down: the ledger entries behind any figure (ids, dates, kinds, amounts as they
count in it), a page at a time.

Speed (benchmarks/reports.py: each within 300 ms on a book of 100,000 contracts): no report reads the ledger.
The period reports add up the book's day sums (report_day, models/report_totals.py); a report by contract or
by freelancer reads each contract's kept totals (whole life) or adds up its kept day sums (contract_day) in
SQL, one GROUP BY, its totals from the book's day sums; a range that is whole years as far as the book's days
go (the year so far) reads each contract's kept yearly sums instead (contract_year: one row per contract in a
year, nothing to group; `_years`); budget against actual, and unfiltered reports by contract or by freelancer
over another range, read the kept monthly sums (contract_month) for the months a range covers whole (fewer rows
to sort into contracts than every day's). Their order and pages are SQL's, and a row
is made once from a tuple, with the collector of cyclic garbage paused (`many_objects`). In the home currency
only a page's groups are converted, each (column, currency, day) sum once, kept in the converters' memo that
reports converting together share (the year-end pack's).
"""

from __future__ import annotations

import calendar
import contextlib
import functools
import gc
import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import NamedTuple

from . import report_totals
from .entities import LedgerEntry, database
from .queries import in_chunks
from .rates import Conversion, Converter, Missing, factors_of, home_currency

E = LedgerEntry

# The one place that says which kinds make which column, and with which sign (as models/summary.BUCKETS).
COLUMN_KINDS: dict[str, dict[str, int]] = {
    "funded": {E.FUND: 1},
    "paid": {E.RELEASE: 1, E.DISPUTE_RELEASE: 1},
    "fees": {E.FEE: 1, E.FEE_REFUND: -1},
    "refunded": {E.REFUND: 1},
    "escrow_refunded": {E.ESCROW_REFUND: 1, E.DISPUTE_REFUND: 1},
}
# Columns made of others (signs): spend = paid + fees - refunded; escrow = funded - paid - escrow refunded.
DERIVED: dict[str, dict[str, int]] = {
    "spend": {"paid": 1, "fees": 1, "refunded": -1},
    "escrow": {"funded": 1, "paid": -1, "escrow_refunded": -1},
    "actual": {"paid": 1, "refunded": -1},
}
PERIODS = ("month", "quarter", "year")
SPEND_COLUMNS = ("paid", "fees", "refunded", "spend")
FEES_COLUMNS = ("fees", "spend")
REFUND_COLUMNS = ("refunded", "escrow_refunded")
ESCROW_COLUMNS = ("funded", "paid", "escrow_refunded", "escrow")
BUDGET_COLUMNS = ("budget", "paid", "refunded", "actual", "left")
OVER, UNDER, ON, NO_BUDGET = "over budget", "under budget", "on budget", "no budget"


# ------------------------------------------------------------------ arguments
@dataclass(frozen=True)
class Filters:
    """Which contracts count: None means any."""

    status: str | None = None  # Contract.ACTIVE or Contract.ENDED
    freelancer_id: int | None = None
    policy: str | None = None  # a policy's key: "upwork", "direct"

    def sql(self) -> tuple[str, list]:
        """SQL conditions on contract `c` (" AND ..."), and their arguments."""
        where, args = "", []
        if self.status is not None:
            where += " AND c.status = ?"
            args.append(self.status)
        if self.freelancer_id is not None:
            where += " AND c.freelancer_id = ?"
            args.append(int(self.freelancer_id))
        if self.policy is not None:
            where += " AND c.policy_id IN (SELECT id FROM policy WHERE key = ?)"
            args.append(self.policy)
        return where, args

    @property
    def any(self) -> bool:
        return self.status is not None or self.freelancer_id is not None or self.policy is not None


NO_FILTERS = Filters()


# ------------------------------------------------------------------ results
class HomeAmount(NamedTuple):
    """A figure converted into the home currency: the sum of its converted day-sums (see the module's text). (A
    named tuple, not a frozen dataclass, as Row: the year-end pack makes hundreds of thousands of them.)"""

    amount: int  # minor units of `currency`; the parts that have no rate are left out (then `complete` is False)
    currency: str
    parts: tuple[Conversion, ...] = ()  # one per (currency, day) sum, by currency then day

    @property
    def missing(self) -> tuple[Missing, ...]:
        return tuple(p for p in self.parts if p.missing)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def rates_used(self) -> tuple[tuple[str, str, str], ...]:
        """(currency, the rate's day or month, the rate as quoted) of each rate used, once each, in order."""
        seen: dict[tuple[str, str, str], None] = {}
        for p in self.parts:
            if not p.missing and p.period is not None:
                seen[(p.from_currency, p.period, p.quoted)] = None
        return tuple(seen)

    def describe(self) -> str:
        """In words: the rates it used (and what has no rate)."""
        words = []
        used = self.rates_used
        if len(used) == 1:
            cur, period, quoted = used[0]
            words.append(f"at 1 {cur} = {quoted} {self.currency} ({period})")
        elif used:
            periods = sorted(p for _, p, _ in used)
            words.append(f"at {len(used)} rates, {periods[0]} to {periods[-1]}")
        missing = self.missing
        if missing:
            days = sorted(m.on_day for m in missing)
            words.append(
                f"incomplete: {len(missing)} amount{'s' if len(missing) != 1 else ''} without a rate "
                f"({days[0].isoformat()}" + (f" to {days[-1].isoformat()})" if len(days) > 1 else ")")
            )
        return "; ".join(words)


_new = tuple.__new__  # (a named tuple from its values at once, without the keyword handling of Row(...))


class Row(NamedTuple):
    """One group in one currency: its figures in minor units of `currency`. (A named tuple, not a dataclass: a
    report by contract makes 100,000 of them, and a tuple is made in a third of a frozen dataclass's time.)"""

    key: str  # "2026-03", "2026-Q1", "2026"; a freelancer's or a contract's id; "" for a total
    label: str
    currency: str
    figures: dict[str, int]
    flag: str = ""  # budget against actual: OVER, UNDER, ON or NO_BUDGET


class HomeRow(NamedTuple):
    """One group with all its currencies converted into the home currency. (A named tuple, as Row.)"""

    key: str
    label: str
    currency: str  # the home currency
    figures: dict[str, HomeAmount]

    @property
    def complete(self) -> bool:
        return all(f.complete for f in self.figures.values())


@dataclass(frozen=True)
class Report:
    name: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]  # by group, then currency
    totals: tuple[Row, ...]  # one per currency
    home: str | None = None
    home_rows: tuple[HomeRow, ...] = ()  # one per group (of the page, for paged reports)
    home_total: HomeRow | None = None
    first: date | None = None
    last: date | None = None
    filters: Filters = field(default_factory=Filters)
    groups: int = 0  # how many groups in all (a paged report returns some of them)
    counted: bool = True  # False: a page read without counting (count=False): `groups` is what it read, +1 if more


def fee_share(fees: int, spend: int) -> Fraction | None:
    """The fees' share of the spend, exact (None when nothing was spent)."""
    return Fraction(fees, spend) if spend else None


# ------------------------------------------------------------------ SQL
def period_of(day: date, period: str) -> str:
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year:04d}-Q{(day.month + 2) // 3}"
    if period == "year":
        return f"{day.year:04d}"
    raise ValueError(f"period is one of {PERIODS}, not {period!r}")


def _by_period(period: str):
    """The key of a day's group for a period report; refuses an unknown period."""
    if period not in PERIODS:
        raise ValueError(f"period is one of {PERIODS}, not {period!r}")
    return lambda day: period_of(day, period)


def period_days(key: str) -> tuple[date, date]:
    """The first and last day of a period key ("2026-03", "2026-Q1", "2026")."""
    year = int(key[:4])
    if len(key) == 4:
        return date(year, 1, 1), date(year, 12, 31)
    if key[5] == "Q":
        q = int(key[6])
        first = date(year, 3 * q - 2, 1)
        return first, _month_end(date(year, 3 * q, 1))
    first = date(year, int(key[5:7]), 1)
    return first, _month_end(first)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _base_columns(columns: Iterable[str]) -> list[str]:
    out: dict[str, None] = {}
    for c in columns:
        for b in DERIVED.get(c, {c: 1}):
            if b in COLUMN_KINDS:
                out[b] = None
    return list(out)


# The kept day sums (models/report_totals.py, verified against the ledger by `escrowbook check`): their columns, in
# the order every query below returns them after its group, currency and day.
SUMS = report_totals.SUMS
_AT = {column: i for i, column in enumerate(SUMS)}
_POLICY = " IN (SELECT id FROM policy WHERE key = ?)"


def _where(filters: Filters, alias: str, *, first: date | None = None, last: date | None = None) -> tuple[str, list]:
    """SQL conditions (" AND ...") on a kept table's own columns (`alias`: contract_day or report_day; the
    freelancer only on contract_day, through the contracts' index), and their arguments."""
    where, args = "", []
    if first is not None:
        where += f" AND {alias}.day >= ?"
        args.append(first.isoformat())
    if last is not None:
        where += f" AND {alias}.day <= ?"
        args.append(last.isoformat())
    if filters.status is not None:
        where += f" AND {alias}.status = ?"
        args.append(filters.status)
    if filters.freelancer_id is not None:
        where += f" AND {alias}.contract_id IN (SELECT id FROM contract WHERE freelancer_id = ?)"
        where += f" AND {alias}.freelancer_id = ?"
        args += [int(filters.freelancer_id)] * 2
    if filters.policy is not None:
        where += f" AND {alias}.policy_id{_POLICY}"
        args.append(filters.policy)
    return where, args


def _years(run: Callable, first: date | None, last: date | None) -> tuple[str | None, str | None] | None:
    """The years ("YYYY"; None: no bound) that first..last is, as far as the book's kept day sums go: whole years,
    but for days before its first day in that year and after its last day in that year that have no sums at all
    (the year so far, to today: nothing is dated later, R16); all dates are every year, (None, None). Then a report
    by contract or by freelancer may add up each contract's kept yearly sums (contract_year,
    models/report_totals.py), a row per contract and year, for its rows per contract and day (over all dates the
    reports read each contract's kept totals, a row per contract, but for the bounds of a page sorted in the home
    currency, which need the yearly sums' sizes: `_narrowed`). None: a range of days with sums outside it in its
    years (a quarter, say)."""
    gaps = []
    if first is not None and (first.month, first.day) != (1, 1):
        gaps.append((date(first.year, 1, 1), first - timedelta(days=1)))
    if last is not None and (last.month, last.day) != (12, 31):
        gaps.append((last + timedelta(days=1), date(last.year, 12, 31)))
    for a, b in gaps:
        if run("SELECT 1 FROM report_day WHERE day >= ? AND day <= ? LIMIT 1", (str(a), str(b))).fetchone():
            return None
    return (None if first is None else f"{first.year:04d}", None if last is None else f"{last.year:04d}")


def _year_where(filters: Filters, alias: str, years: tuple[str | None, str | None]) -> tuple[str, list]:
    """SQL conditions (" AND ...") on `contract_year` (`alias`): its years (`_years`) and the filters; and their
    arguments."""
    first, last = years
    where, args = "", []
    if first is not None and first == last:
        where, args = f" AND {alias}.year = ?", [first]
    else:
        if first is not None:
            where, args = f" AND {alias}.year >= ?", [first]
        if last is not None:
            where, args = where + f" AND {alias}.year <= ?", [*args, last]
    rest, rest_args = _where(filters, alias)
    return where + rest, [*args, *rest_args]


def _freelancers_kept(filters: Filters) -> bool:
    """Whether the freelancers' own kept years (`freelancer_year`, book format 13) give a report by freelancer over
    whole years: when no filter leaves out some of their contracts (they add up every contract of the freelancer;
    with a filter, their contracts' kept years are added up instead)."""
    return not filters.any


def _one_year(years: tuple[str | None, str | None]) -> bool:
    """Whether `years` is one year: a row per contract then, none to add up."""
    return years[0] is not None and years[0] == years[1]


def _contract_years(
    years: tuple[str | None, str | None], filters: Filters, columns: tuple[str, ...]
) -> tuple[str, list]:
    """SQL of each contract's kept yearly sums over `years` (`_years`), one row per contract that `filters` keeps
    whose `columns` are not all 0: (id, currency, *columns), as kept over one year, added up over several; and its
    arguments."""
    where, args = _year_where(filters, "d", years)
    some = "(" + " OR ".join(f"d.{c} != 0" for c in columns) + ")"
    if _one_year(years):
        shown = ", ".join(f"d.{c} AS {c}" for c in columns)
        return (
            f"SELECT d.contract_id AS id, d.currency AS currency, {shown} FROM contract_year d WHERE {some}{where}",
            args,
        )
    summed = ", ".join(f"SUM(d.{c}) AS {c}" for c in columns)
    nonzero = " OR ".join(f"SUM(d.{c}) != 0" for c in columns)
    return (
        f"SELECT d.contract_id AS id, d.currency AS currency, {summed} FROM contract_year d WHERE {some}{where} "
        f"GROUP BY d.contract_id HAVING {nonzero}",
        args,
    )


_SUMMED = ", ".join(f"SUM({{a}}.{s})" for s in SUMS)


def _day_rows(first: date | None, last: date | None, filters: Filters) -> list[tuple]:
    """The live ledger's sums per (currency, day) of the contracts `filters` keeps, dated first..last: rows
    (currency, day, *SUMS). From the book's kept day sums (a few rows a day), or, for one freelancer, from
    their contracts' own."""
    table = "contract_day d" if filters.freelancer_id is not None else "report_day d"
    where, args = _where(filters, "d", first=first, last=last)
    sql = f"SELECT d.currency, d.day, {_SUMMED.format(a='d')} FROM {table} WHERE 1{where} GROUP BY d.day, d.currency"
    return database.execute_sql(sql, args).fetchall()


_GROUP = {"contract": "d.contract_id", "freelancer": "d.freelancer_id"}


def _home_day_rows(
    by: str,
    first: date | None,
    last: date | None,
    filters: Filters,
    base: Iterable[str],
    keys: list | None = None,
    contracts: tuple[str, list] = ("", []),
    run: Callable | None = None,
) -> list[tuple]:
    """The kept day sums of the contracts `filters` keeps, dated first..last, as `_Home.add` takes them: rows
    (group, currency, day, *sums of `base`, in its order), one per contract and day that has some (a
    freelancer's contracts of one day are added up by `_Home`: no sort here). `by`: "contract" or "freelancer";
    `keys`: only these groups; `contracts`: only the contracts `c` that these SQL conditions (" AND ...") and
    arguments keep; `run`: a connection's `execute` (else the book's)."""
    run = run or database.execute_sql
    base = list(base)
    where, args = _where(filters, "d", first=first, last=last)
    if contracts[0]:  # (looked up as the day sums are read in their order: not each contract's through an index)
        where += f" AND +d.contract_id IN (SELECT c.id FROM contract c WHERE 1{contracts[0]})"
        args += contracts[1]
    sums = ", ".join(f"d.{b}" for b in base)
    some = " OR ".join(f"d.{b} != 0" for b in base)
    head = f"SELECT {_GROUP[by]}, d.currency, d.day, {sums} FROM contract_day d WHERE ({some}){where}"
    if keys is None:
        return run(head, args).fetchall()
    rows = []
    for chunk in in_chunks([int(k) for k in keys]):  # (some groups: a few IN lists, each through an index)
        marks = ", ".join("?" for _ in chunk)
        if by == "contract":
            rows += run(f"{head} AND d.contract_id IN ({marks})", [*args, *chunk]).fetchall()
        else:
            sql = (
                f"{head} AND d.contract_id IN (SELECT id FROM contract WHERE freelancer_id IN ({marks})) "
                f"AND d.freelancer_id IN ({marks})"
            )
            rows += run(sql, [*args, *chunk, *chunk]).fetchall()
    return rows


def _figures(base: dict[str, int], columns: Iterable[str]) -> dict[str, int]:
    out = {}
    for c in columns:
        if c in DERIVED:
            out[c] = sum(sign * base.get(b, 0) for b, sign in DERIVED[c].items())
        else:
            out[c] = base.get(c, 0)
    return out


def _add(target: dict[str, int], sums: tuple, base: list[str]) -> None:
    """Add a row's sums (in SUMS order) into `target`'s base columns."""
    for column in base:
        value = sums[_AT[column]]
        if value:
            target[column] = target.get(column, 0) + value


_DAYS: dict[str, date] = {}  # ISO day -> date, read once (a report names each of a book's days many times)


class _Home:
    """Adds up day-sums per (group, currency, day), then converts each column's sum once. A group's day-sums are
    kept as SQL gave them (its row: the sums of `base`, in its order, from its place `offset`; a contract's day is
    one row), added up only when a group has several rows of a day (a freelancer's contracts, a period's
    statuses). Its conversions are kept in the converter's `memo`, by (currency, ISO day) then amount, which every
    report converting together shares (a period's day-sum is its total's too)."""

    def __init__(self, converter: Converter, base: Iterable[str] = SUMS, *, offset: int = 0):
        self.converter = converter
        self.home = converter.home
        self.offset = offset
        self.at = {c: offset + i for i, c in enumerate(base)}
        self.memo = converter.memo
        self.sums: dict[str, dict[tuple[str, str], Sequence[int]]] = {}
        self.nothing = HomeAmount(0, converter.home)  # (a column with no amount; one for all: it cannot change)

    def add(self, key: str, currency: str, day: str, row: Sequence) -> None:
        """A row holding day-sums (never changed here) of group `key`."""
        cells = self.sums.get(key)
        at = (currency, day)
        if cells is None:
            self.sums[key] = {at: row}
            return
        was = cells.get(at)
        if was is None:
            cells[at] = row
        else:
            off = self.offset
            cells[at] = [*row[:off], *(a + b for a, b in zip(was[off:], row[off:], strict=True))]

    def add_rows(self, rows: Iterable[tuple]) -> None:
        """Rows (group, currency, day, *sums) as `_home_day_rows` gives them (`offset` 3), each `add`ed."""
        sums, add = self.sums, self.add
        for row in rows:
            key, at = str(row[0]), (row[1], row[2])
            cells = sums.get(key)
            if cells is None:
                sums[key] = {at: row}
            elif at not in cells:
                cells[at] = row
            else:
                add(key, row[1], row[2], row)

    def _convert(self, at: tuple[str, str], value: int):
        currency, day = at
        on_day = _DAYS.get(day) or _DAYS.setdefault(day, date.fromisoformat(day))
        conv = self.memo[at][value] = self.converter.convert_once(value, currency, on_day)
        return conv

    def amount(self, ordered: list[tuple[tuple[str, str], Sequence[int]]], at_column: int) -> HomeAmount:
        """One column (its place in a row) of a group's day-sums, `ordered` by currency then day, converted."""
        parts = []
        total = 0
        memo = self.memo
        for at, sums in ordered:
            value = sums[at_column]
            if not value:
                continue
            sub = memo.get(at)
            if sub is None:
                sub = memo[at] = {}
            conv = sub.get(value)
            if conv is None:
                conv = self._convert(at, value)
            parts.append(conv)
            amount = conv.amount  # (None when it has no rate)
            if amount is not None:
                total += amount
        return _new(HomeAmount, (total, self.home, tuple(parts))) if parts else self.nothing

    def row(self, key: str, label: str, columns: tuple[str, ...]) -> HomeRow:
        cells = self.sums.get(key)
        home = self.home
        base: dict[str, HomeAmount] = {}
        if cells is not None:
            ordered = sorted(cells.items())  # (by currency, then day)
            at = self.at
            for c in _bases_of(columns):
                base[c] = self.amount(ordered, at[c])
        figures = {}
        for c in columns:
            signs = DERIVED.get(c)
            if signs is None:
                figures[c] = base.get(c, self.nothing)
                continue
            parts: list = []
            total = 0
            for b, sign in signs.items():
                amount = base.get(b)
                if amount is not None:
                    parts += amount.parts
                    total += sign * amount.amount
            figures[c] = _new(HomeAmount, (total, home, tuple(parts)))
        return _new(HomeRow, (key, label, home, figures))


@functools.cache
def _bases_of(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The kept sums (base columns) that `columns` are made of."""
    return tuple(_base_columns(columns))


def _home(home: str | bool | None) -> str | None:
    if home is False:
        return None
    if home is None or home is True:
        return home_currency()
    return home


def _labels(kind: str, keys: Iterable, run: Callable | None = None) -> dict[str, str]:
    """The names of the freelancers or the titles of the contracts (`kind`) of these ids, by id as text (`run`: a
    connection's `execute`, else the book's)."""
    keys = list(keys)
    if not keys:
        return {}
    run = run or database.execute_sql
    table = "freelancer f" if kind == "freelancer" else "contract f"
    column = "name" if kind == "freelancer" else "title"
    out = {}
    for chunk in in_chunks(keys):
        sql = f"SELECT f.id, f.{column} FROM {table} WHERE f.id IN ({', '.join('?' for _ in chunk)})"
        out.update({str(i_): label for i_, label in run(sql, [int(k) for k in chunk])})
    return out


def _grouped(
    name: str,
    columns: tuple[str, ...],
    first: date | None,
    last: date | None,
    filters: Filters,
    home: str | bool | None,
    *,
    key_of_day,
) -> Report:
    """A report of flows (sums of entries) per period and currency, and per period in the home currency: the
    book's day-sums read once and grouped in Python (`key_of_day`: a day's period)."""
    base = _base_columns(columns)
    home = _home(home)
    converter = Converter(home) if home else None
    per: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    home_sums = _Home(converter) if converter else None
    total_home = _Home(converter) if converter else None
    keys_of: dict[str, str] = {}
    for cur, day, *sums in _day_rows(first, last, filters):
        key = keys_of.get(day)
        if key is None:
            key = keys_of[day] = key_of_day(date.fromisoformat(day))
        _add(per[(key, cur)], sums, base)
        if home_sums is not None:
            home_sums.add(key, cur, day, sums)
            total_home.add("", cur, day, sums)
    per = {k: v for k, v in per.items() if any(v.values())}
    page = sorted({k for k, _ in per})
    groups = len(page)
    currencies: dict[str, list[str]] = defaultdict(list)
    for k, cur in sorted(per):
        currencies[k].append(cur)
    rows = tuple(Row(k, k, cur, _figures(per[(k, cur)], columns)) for k in page for cur in currencies[k])
    totals_base: dict[str, dict[str, int]] = defaultdict(dict)
    for (_, cur), v in per.items():
        t = totals_base[cur]
        for c, amount in v.items():
            t[c] = t.get(c, 0) + amount
    totals = tuple(Row("", "Total", cur, _figures(totals_base[cur], columns)) for cur in sorted(totals_base))
    home_rows: tuple[HomeRow, ...] = ()
    home_total = None
    if converter is not None:
        home_rows = tuple(home_sums.row(k, k, columns) for k in page)
        home_total = total_home.row("", "Total", columns)
    return Report(name, columns, rows, totals, home, home_rows, home_total, first, last, filters, groups)


# ------------------------------------------------------------------ by freelancer, by contract
# A report by freelancer or by contract has a row per group: on a big book tens of thousands of them, each made
# once from one tuple of SQL (no model instance), with the collector of cyclic garbage paused meanwhile (none of
# these objects is in a cycle, and each of its collections would walk all of them again). Its totals per currency
# are the book's day sums (a few thousand rows), not its rows added up again; its order and its page are SQL's.
SPEND_SUMS = ("paid", "fees", "refunded")  # the base columns of SPEND_COLUMNS (spend = paid + fees - refunded)


@contextlib.contextmanager
def many_objects():
    """The collector of cyclic garbage paused while a report makes its rows, or a year-end pack its tables (back as
    it was after). A collection walks every object made since the last, all of them at times: with hundreds of
    thousands of rows and conversions made, that was two fifths of the year-end pack's reports' time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _spend_rows(found: Iterable[tuple], labels: Callable[[int], str] | None = None) -> list[Row]:
    """A `Row` of SPEND_COLUMNS for each (group, currency, paid, fees, refunded) found, labelled by `labels`, or
    for each (group, label, currency, paid, fees, refunded) when `labels` is None."""
    rows: list[Row] = []
    append = rows.append
    with many_objects():
        if labels is not None:
            found = ((g, labels(g), cur, p, f, r) for g, cur, p, f, r in found)
        for g, label, cur, p, f, r in found:
            append(_new(Row, (str(g), label, cur, {"paid": p, "fees": f, "refunded": r, "spend": p + f - r}, "")))
    return rows


def _book_sums(
    first: date | None, last: date | None, filters: Filters, base: Iterable[str], run: Callable | None = None
) -> dict[str, list[int]]:
    """Per currency, the sums of the `base` columns over the contracts `filters` keeps, dated first..last: from the
    book's day sums (for one freelancer, their contracts'), as `_day_rows`, added up per currency in SQL. `run`: a
    connection's `execute` (else the book's)."""
    table = "contract_day d" if filters.freelancer_id is not None else "report_day d"
    where, args = _where(filters, "d", first=first, last=last)
    sums = ", ".join(f"SUM(d.{b})" for b in base)
    sql = f"SELECT d.currency, {sums} FROM {table} WHERE 1{where} GROUP BY d.currency"
    found = (run or database.execute_sql)(sql, args)
    return {cur: sums for cur, *sums in found}


def _spend_totals(
    first: date | None, last: date | None, filters: Filters, run: Callable | None = None
) -> tuple[Row, ...]:
    """The totals per currency of a report by freelancer or by contract: the book's sums of the range and filters.
    They are what the report's rows add up to (a contract whose sums are all 0 adds nothing); a currency whose
    sums are all 0 has no total, as in the period reports."""
    return tuple(
        Row("", "Total", cur, {"paid": p, "fees": f, "refunded": r, "spend": p + f - r})
        for cur, (p, f, r) in sorted(_book_sums(first, last, filters, SPEND_SUMS, run).items())
        if p or f or r
    )


_SOME = "(d.paid != 0 OR d.fees != 0 OR d.refunded != 0)"  # (a day of deposits only: nothing to add up, or sort)


def _nonzero(a: str, paid: str = "paid") -> str:
    """SQL: some of the group's sums (of table `a`) is other than 0 (a group none of whose sums is: no row). (The
    sums spelt out: in HAVING a bare name is the table's column of one of the group's rows, not the sum.)"""
    return f"(SUM({a}.{paid}) != 0 OR SUM({a}.fees) != 0 OR SUM({a}.refunded) != 0)"


def _order(sort: str | None, key: str, *, by_currency: bool = False) -> str:
    """SQL of the order of the groups: by `key`, or by a column largest first (below 0 ranks as 0), then by key;
    `by_currency`: by currency first (amounts in different currencies never compared), Z to A, as the Reports
    window's table sorted largest first orders them."""
    if sort is None:
        return key
    if sort not in SPEND_COLUMNS:
        raise ValueError(f"sort is one of {SPEND_COLUMNS}, not {sort!r}")
    figure = " + ".join(f"({sign}) * {b}" for b, sign in DERIVED.get(sort, {sort: 1}).items())
    return f"{'currency DESC, ' if by_currency else ''}max({figure}, 0) DESC, {key}"


def _freelancer_sums(run: Callable, first: date | None, last: date | None, filters: Filters) -> tuple[str, list]:
    """SQL of one row per (freelancer, currency) of the contracts `filters` keeps, whose sums are not all 0:
    (g, currency, paid, fees, refunded), by freelancer and currency; and its arguments. A whole life is summed from
    each contract's kept totals (the contracts read in their own order, each with its totals: through the
    freelancers' index only for one freelancer), whole years from the kept yearly sums (`_years`: the freelancers'
    own when no filter leaves out some of their contracts, else their contracts'), another range from the kept day
    sums."""
    if first is None and last is None:
        cond, args = filters.sql()
        sql = (
            "SELECT c.freelancer_id AS g, t.currency AS currency, SUM(t.released) AS paid, SUM(t.fees) AS fees, "
            f"SUM(t.refunded) AS refunded FROM contract c{_every_contract(cond)} CROSS JOIN contract_totals t ON "
            "t.contract_id = c.id "
            f"WHERE 1{cond} GROUP BY 1, 2 HAVING {_nonzero('t', 'released')}"
        )
    elif (years := _years(run, first, last)) is not None:
        where, args = _year_where(filters, "d", years)
        source = "freelancer_year d WHERE 1" if _freelancers_kept(filters) else f"contract_year d WHERE {_SOME}"
        sql = (
            "SELECT d.freelancer_id AS g, d.currency AS currency, SUM(d.paid) AS paid, SUM(d.fees) AS fees, "
            f"SUM(d.refunded) AS refunded FROM {source}{where} GROUP BY 1, 2 HAVING {_nonzero('d')}"
        )
    elif not filters.any:  # (each contract's sums of the range, then its freelancer's: fewer rows to sort)
        flows, args = _paid_per_contract(run, first, last, fees=True)
        sql = (
            "SELECT c.freelancer_id AS g, c.currency AS currency, SUM(s.paid) AS paid, SUM(s.fees) AS fees, "
            f"SUM(s.refunded) AS refunded FROM ({flows}) s CROSS JOIN contract c ON c.id = s.contract_id "
            f"GROUP BY 1, 2 HAVING {_nonzero('s')}"
        )
    else:
        where, args = _where(filters, "d", first=first, last=last)
        sql = (
            "SELECT d.freelancer_id AS g, d.currency AS currency, SUM(d.paid) AS paid, SUM(d.fees) AS fees, "
            f"SUM(d.refunded) AS refunded FROM contract_day d WHERE {_SOME}{where} GROUP BY 1, 2 HAVING {_nonzero('d')}"
        )
    return f"{sql} ORDER BY 1, 2", args


class Ordered(NamedTuple):
    """What a sorted page of a report by contract or by freelancer costs: the page's groups' sums, (group,
    currency, paid, fees, refunded) in the page's order, and how many groups the whole report has. Every group of
    the range is added up before the first can be placed, so on a big book this is read apart, on the Reports
    window's worker thread (`ordered_page`); the report is then made of it (`ordered=`) in a page's time."""

    rows: list[tuple]
    groups: int
    key: str  # "spend_by_contract" or "spend_by_freelancer"
    sort: str
    by_currency: bool
    home: str | None  # the figures compared as converted into it (else as recorded)
    offset: int
    limit: int
    totals: tuple = ()  # budget against actual: (currency, contracts, budget, paid, refunded) of every contract

    def covers(self, offset: int, limit: int) -> bool:
        """Whether the page of `limit` groups from `offset` is within what was read (every group after the first
        read, to the last, counts: a window asks for several pages at once and shows them one by one)."""
        return self.offset <= offset and (offset + limit <= self.offset + self.limit or self.offset + self.limit
                                          >= self.groups)  # fmt: skip

    def page(self, offset: int, limit: int) -> Ordered:
        """The page of `limit` groups from `offset` (within what was read: `covers`), as `ordered_page` reads it."""
        keys = list(dict.fromkeys(row[0] for row in self.rows))[offset - self.offset : offset - self.offset + limit]
        wanted = set(keys)
        rows = [row for row in self.rows if row[0] in wanted]
        return self._replace(rows=rows, offset=offset, limit=limit)


def ordered_page(
    key: str,
    run: Callable,
    *,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = NO_FILTERS,
    sort: str,
    by_currency: bool = False,
    home: str | None = None,
    offset: int = 0,
    limit: int,
) -> Ordered:
    """The groups of a page of the report `key` (spend_by_contract or spend_by_freelancer) sorted by the column
    `sort`, largest first (by currency first with `by_currency`, by contract only; else, with `home`, the figures
    compared as converted into it), and how many groups there are: the part of
    `spend_by_contract`/`spend_by_freelancer(sort=…, limit=…)` that adds up every group. Budget against actual
    (`budget_vs_actual`) sorts by currency first, always (its figures are compared as recorded), and reads its
    totals with its order. `run`: a connection's `execute` (the Reports window's worker thread has no peewee
    connection of its own)."""
    totals: tuple = ()
    if key == "spend_by_contract":
        rows, groups = _contract_order(run, first, last, filters, sort, by_currency, offset, limit, home)
    elif key == "spend_by_freelancer":
        rows, groups = _freelancer_order(run, first, last, filters, sort, offset, limit, home)
    elif key == "budget_vs_actual":
        _budget_sort(sort, by_currency)
        rows, groups, totals = _budget_order(run, first, last, filters, sort, offset, limit)
    else:
        raise ValueError(f"no sorted page of {key!r}")
    return Ordered(rows, groups, key, sort, by_currency, home, offset, limit, tuple(totals))


def _freelancer_order(
    run: Callable,
    first,
    last,
    filters: Filters,
    sort: str | None,
    offset: int,
    limit: int | None,
    home: str | None = None,
) -> tuple[list[tuple], int]:
    """The rows (g, currency, paid, fees, refunded) of a page of freelancers in the report's order (by id, or
    largest first by `sort`: by the largest of their currencies, or with `home` by the figure converted into it,
    all their currencies added up), and how many freelancers have rows."""
    _order(sort, "g")  # (refuses a column the report does not have)
    if home is not None and sort is not None:
        fit, ranges = _factors_table(run, home, first, last)
        top = None if limit is None else offset + limit
        groups = None if top is None else _narrowed(run, "freelancer", first, last, filters, sort, top, ranges)
        if groups is not None:  # (only the freelancers that may be on the page or before it converted)
            values, ids = _converted_in_turn(run, home, first, last, filters, sort, fit, top)
            keys = sorted(ids, key=lambda g: (-max(values.get(g, 0), 0), g))[offset:top]
            return _freelancer_rows(run, first, last, filters, keys), groups
    sql, args = _freelancer_sums(run, first, last, filters)
    found = run(sql, args).fetchall()  # by freelancer, then currency
    if sort is None:
        keys = list(dict.fromkeys(g for g, *_ in found))
    elif home is not None:
        values = _freelancer_home_values(run, home, first, last, filters, sort, fit)
        keys = sorted(dict.fromkeys(g for g, *_ in found), key=lambda g: (-max(values.get(g, 0), 0), g))
    else:
        at = None if sort == "spend" else 2 + SPEND_SUMS.index(sort)  # (its place in a row found)
        best: dict[int, int] = {}
        for row in found:
            value = row[2] + row[3] - row[4] if at is None else row[at]
            best[row[0]] = max(best.get(row[0], 0), value)
        keys = sorted(best, key=lambda g: (-best[g], g))
    groups = len(keys)
    if (limit is None and not offset) and sort is None:
        return found, groups
    page = keys[offset : None if limit is None else offset + limit]
    place = {g: i for i, g in enumerate(page)}
    return sorted((row for row in found if row[0] in place), key=lambda row: place[row[0]]), groups  # (stable)


def _through(run: Callable | None, home: str | None) -> None:
    """Refuses a report in the home currency read through another connection (`run`): its conversions read the
    book's rates through the book's own."""
    if run is not None and home:
        raise ValueError("a report read through another connection is as recorded, not in the home currency")


def _checked(ordered: Ordered, key: str, sort, by_currency: bool, home, offset: int, limit) -> Ordered:
    """`ordered`, when it was read for this very page (else a ValueError: a page of another order or place)."""
    if (ordered.key, ordered.sort, ordered.by_currency, ordered.home, ordered.offset, ordered.limit) != (
        key, sort, by_currency, home, offset, limit
    ):  # fmt: skip
        raise ValueError("the sorted page read is of another page of the report")
    return ordered


def _by_freelancer(
    first: date | None,
    last: date | None,
    filters: Filters,
    home: str | bool | None,
    *,
    offset: int = 0,
    limit: int | None = None,
    sort: str | None = None,
    ordered: Ordered | None = None,
    run: Callable | None = None,
) -> Report:
    """The freelancer report: SQL sums one row per (freelancer, currency); the freelancers are ordered (by id, or
    largest first by `sort`: by the largest of their currencies, or in the home currency by the figure converted)
    and only the page's become rows, with their names (`ordered`: the page's rows in order, read already; `run`:
    read through a connection's `execute`, as recorded only)."""
    columns = SPEND_COLUMNS
    home = _home(home)
    _through(run, home)
    run = run or database.execute_sql
    if ordered is not None:
        found, groups = _checked(ordered, "spend_by_freelancer", sort, False, home, offset, limit)[:2]
    else:
        found, groups = _freelancer_order(run, first, last, filters, sort, offset, limit, home)
    page = list(dict.fromkeys(g for g, *_ in found))
    if len(page) > 1_000:  # (most of the freelancers: read every name at once)
        names = dict(run("SELECT id, name FROM freelancer").fetchall())
    else:
        names = {int(k): v for k, v in _labels("freelancer", page, run).items()}
    rows = _spend_rows(found, lambda g: names.get(g, str(g)))
    totals = _spend_totals(first, last, filters, run)
    home_rows: tuple[HomeRow, ...] = ()
    home_total = None
    if home:
        converter = Converter(home)
        home_sums = _Home(converter, SPEND_SUMS, offset=3)
        keys_ = None if len(page) == groups else page
        home_sums.add_rows(_home_day_rows("freelancer", first, last, filters, SPEND_SUMS, keys_))
        home_rows = tuple(home_sums.row(str(g), names.get(g, str(g)), columns) for g in page)
        if limit is None:  # (a page's home total is the period report's of the same range and filters)
            home_total = _home_total(converter, first, last, filters, columns)
    return Report("spend by freelancer", columns, tuple(rows), totals, home, home_rows, home_total, first, last,
                  filters, groups)  # fmt: skip


def _home_total(converter: Converter, first, last, filters: Filters, columns) -> HomeRow:
    """A report's total in the home currency: the book's day sums of its range and filters, each converted."""
    total_home = _Home(converter)
    for cur, day, *sums in _day_rows(first, last, filters):
        total_home.add("", cur, day, sums)
    return total_home.row("", "Total", columns)


def _contract_sums(
    run: Callable, first: date | None, last: date | None, filters: Filters, *, titles: bool
) -> tuple[str, list]:
    """SQL of one row per contract that `filters` keeps, whose sums are not all 0: (id[, title], currency, paid,
    fees, refunded), over its whole life (its kept totals: the contracts read in their own order, each with its
    totals) or first..last (its kept yearly sums for whole years, `_years`: a row per contract in one year; else
    its kept day sums, added up per contract: a contract has one currency, R1, fixed when it is made); and its
    arguments. The caller orders it (ORDER BY ... id)."""
    title = "c.title AS title, " if titles else ""
    if first is None and last is None:
        cond, args = filters.sql()
        if not filters.any and not titles:  # (the kept totals alone: no contract to read)
            head, source = "SELECT t.contract_id AS id, ", " FROM contract_totals t WHERE 1"
        else:
            head = f"SELECT c.id AS id, {title}"
            source = f" FROM contract c CROSS JOIN contract_totals t ON t.contract_id = c.id WHERE 1{cond}"
        return (
            f"{head}t.currency AS currency, t.released AS paid, t.fees AS fees, t.refunded AS refunded{source} "
            "AND (t.released != 0 OR t.fees != 0 OR t.refunded != 0)",
            args,
        )
    if (years := _years(run, first, last)) is not None:
        sums, args = _contract_years(years, filters, SPEND_SUMS)
    elif titles and not filters.any:  # (each contract's sums of the range as budget against actual's: fewer to sort)
        flows, args = _paid_per_contract(run, first, last, fees=True)
        return (
            "SELECT s.contract_id AS id, c.title AS title, c.currency AS currency, s.paid AS paid, s.fees AS fees, "
            f"s.refunded AS refunded FROM ({flows}) s CROSS JOIN contract c ON c.id = s.contract_id "
            "WHERE s.paid != 0 OR s.fees != 0 OR s.refunded != 0",
            args,
        )
    else:
        where, args = _where(filters, "d", first=first, last=last)
        sums = (
            "SELECT d.contract_id AS id, d.currency AS currency, SUM(d.paid) AS paid, SUM(d.fees) AS fees, "
            f"SUM(d.refunded) AS refunded FROM contract_day d WHERE {_SOME}{where} GROUP BY +d.contract_id "
            f"HAVING {_nonzero('d')}"
        )
    if not titles:
        return sums, args
    return (
        "SELECT s.id AS id, c.title AS title, s.currency AS currency, s.paid AS paid, s.fees AS fees, "
        f"s.refunded AS refunded FROM ({sums}) s CROSS JOIN contract c ON c.id = s.id",
        args,
    )


# ------------------------------------------------------------------ the order in the home currency
# A report by contract or by freelancer sorted by a figure in the home currency is ordered by the figure as it is
# shown: each day's sum converted at that day's rate and rounded (half to even), as `_Home` converts them, the
# conversions added up. Amounts in different currencies are never compared as recorded (¥100,000 is not more than
# €1,000). SQL converts every day's sum with the factors of its currency and day (amount x n / d, exactly, in
# whole numbers: rates.factors_of), so that only the page is converted again in Python. Every day of the dates with
# a look-up and a conversion would take twice the time of the same order as recorded: so the groups that cannot be
# on the page or before it are left out first (`_narrowed`), and only the others' days converted (the Reports
# window reads it on its worker thread).
_FIT = 2**62  # |amount| x a factor stays below this: SQL's 64-bit whole numbers never overflow into floats


def _factors_table(run: Callable, home: str, first: date | None, last: date | None) -> tuple[int, dict]:
    """The temporary table `report_factor(currency, day, n, d)` filled with the factors that convert into `home`
    each currency and day of the book's day sums dated first..last (n = 0: no rate, the amount is left out, as the
    figures leave it out); the largest amount they may all multiply in SQL (a larger one, or a day with no
    factors, and the caller converts in Python); and the least and the most n / d of each currency (`_narrowed`).
    A table, not a list in the statement: looked up by its key."""
    converter = Converter(home, run=run)
    where, args = _where(NO_FILTERS, "r", first=first, last=last)
    values, largest = [], 1
    ranges: dict[str, tuple[float, float]] = {}
    for currency, day in run(f"SELECT DISTINCT r.currency, r.day FROM report_day r WHERE 1{where}", args).fetchall():
        try:
            n, d = factors_of(converter, str(currency), date.fromisoformat(str(day)))
        except (KeyError, ValueError):  # (a currency or day the book should not hold: left to Python's conversion)
            continue
        largest = max(largest, n, d)
        lo, hi = ranges.get(str(currency), (n / d, n / d))
        ranges[str(currency)] = (min(lo, n / d), max(hi, n / d))
        values.append(f"({_quoted(currency)}, {_quoted(day)}, {int(n)}, {int(d)}, {int(d) // 2}, {1 - int(d) % 2})")
    run(
        "CREATE TEMP TABLE IF NOT EXISTS report_factor (currency TEXT NOT NULL, day TEXT NOT NULL, n BIGINT NOT "
        "NULL, d BIGINT NOT NULL, h BIGINT NOT NULL, e INTEGER NOT NULL, PRIMARY KEY (currency, day))"
    )
    run("DELETE FROM report_factor")
    for chunk in range(0, len(values), 5_000):
        rows = ", ".join(values[chunk : chunk + 5_000])
        run(f"INSERT INTO report_factor (currency, day, n, d, h, e) VALUES {rows}")
    return _FIT // (2 * largest), ranges


# A sorted page in the home currency needs the exact figure of only the groups that may be on it or before it. One
# pass over the day sums, as recorded, bounds each group's figure. Of each day, the figure adds up its sums x, each
# with its sign s (spend: paid + fees - refunds), converted: s x n / d rounded. With lo <= n / d <= hi, the least and
# the most factor of the currency over the dates, s x converted lies between s x lo and s x hi when s x >= 0 (between
# s x hi and s x lo when below), give or take half a unit of rounding. So with a = the sum of the s x above 0 and
# b = the sum of those below, a group's figure lies between a lo + b hi and a hi + b lo, give or take half a unit
# for each day and sum (a + b is the figure as recorded, a - b the sums' sizes added up). A group whose most is
# below the `top`-th largest least cannot be among the first `top`: only the others are converted exactly
# (`_converted_sql`), through the index on their contract. (Floats widened by far more than their error: only
# which groups are converted depends on them.) Over whole years (`_years`), and over all dates, the pass reads each
# contract's kept years instead of its days: their sums, the sizes of their days' sums added up, and how many days;
# by contract, it reads only the largest of them, walked through their index by size (`_walked`).
_WIDE = 1e-9  # bounds widened by this share
_CANDIDATES_CONTRACTS = "SELECT c.id FROM contract c WHERE c.freelancer_id IN (SELECT id FROM report_candidate)"


def _narrowed(run: Callable, by: str, first, last, filters: Filters, sort: str, top: int, ranges: dict) -> int | None:
    """The temporary table `report_candidate(id)` filled with the groups (contracts, freelancers) that may be among
    the first `top` by the figure `sort` converted (`_factors_table`'s `ranges`), and how many groups the report
    has; or None when that leaves most groups (the top reaches the groups at 0, or there are fewer): every group is
    then converted. Contracts over whole years or all dates are walked largest first (`_walked`), and freelancers
    too when no filter leaves out some of their contracts; the others are each bounded in one pass."""
    if not ranges:
        return None
    run("CREATE TEMP TABLE IF NOT EXISTS report_range (currency TEXT PRIMARY KEY, lo DOUBLE PRECISION NOT NULL, "
        "hi DOUBLE PRECISION NOT NULL)")  # fmt: skip
    run("DELETE FROM report_range")
    for currency, (lo, hi) in ranges.items():
        run(
            "INSERT INTO report_range (currency, lo, hi) VALUES (?, ?, ?)",
            (currency, lo * (1 - _WIDE), hi * (1 + _WIDE)),
        )
    years = _years(run, first, last)
    if years is not None and (by == "contract" or _freelancers_kept(filters)):
        return _walked(run, by, first, last, filters, sort, top, ranges, years)
    per, args = _bounds_sql(by, first, last, filters, sort, years)
    # In SQL, every group's bounds made once: the top-th largest least, the groups whose most reaches it (or whose
    # currency has no rate), and how many groups there are (only the few candidates come back).
    found = run(
        f"WITH k AS MATERIALIZED (SELECT g, up, low, unknown FROM ({per}) p WHERE shown = 1), "
        "t AS (SELECT low FROM k ORDER BY low DESC LIMIT 1 OFFSET ?) "
        "SELECT 0, g, NULL FROM k WHERE unknown != 0 OR up >= (SELECT low FROM t) "
        "UNION ALL SELECT 1, COUNT(*), (SELECT low FROM t) FROM k",
        [*args, top - 1],
    ).fetchall()
    groups, least_on_top = next((row[1], row[2]) for row in found if row[0] == 1)
    if groups <= top or least_on_top is None or least_on_top <= 0:
        return None
    return _kept_candidates(run, [int(row[1]) for row in found if row[0] == 0], groups)


def _kept_candidates(run: Callable, ids: list[int], groups: int) -> int | None:
    """`report_candidate` holding `ids` and how many groups there are (`groups`), or None when most groups may be
    on the page: every one is then converted."""
    if 2 * len(ids) > groups:
        return None
    _candidates(run, ids)
    return groups


def _bounds_sql(
    by: str, first, last, filters: Filters, sort: str, years: tuple | None, *, seen: bool = False
) -> tuple[str, list]:
    """SQL of each group's bounds (`_narrowed`): (g, shown, up, low, unknown), from each contract's kept years over
    whole years or all dates (`years`, `_years`), or each freelancer's (`freelancer_year`) when no filter leaves out
    some of their contracts, else its days; `seen`: only the groups of `report_seen` (through the index on the
    contract or the freelancer); and its arguments (`report_range` holds the currencies' rates)."""
    signs = DERIVED.get(sort, {sort: 1})
    key = _GROUP[by]
    life = _life(by, years, filters)
    one_row = by == "contract" and years is not None and (life or _one_year(years))  # (a row per contract)

    def added(x: str) -> str:
        return x if one_row else f"SUM({x})"

    recorded = " + ".join(f"({sign}) * {added(f'd.{b}')}" for b, sign in signs.items())  # (a + b)
    shown = " OR ".join(f"{added(f'd.{b}')} != 0" for b in SPEND_SUMS)
    if years is not None:  # (whole years: each contract's kept years, with its days' sizes and how many days)
        where, args = _year_where(filters, "d", years)
        kept_years = "freelancer_year" if by == "freelancer" and _freelancers_kept(filters) else "contract_year"
        table = _LIVES[by] if life else kept_years
        size, days, source = " + ".join(f"d.{b}_size" for b in signs), added("d.days"), f"{table} d WHERE 1"
        grouped = key if by == "contract" else f"{key}, d.currency"  # (by contract: in the order of the key)
    else:
        where, args = _where(filters, "d", first=first, last=last)
        size = " + ".join(f"abs(d.{b})" for b in signs)  # (a - b: each sum's size)
        days, source = "COUNT(*)", f"contract_day d WHERE {_SOME}"
        grouped = f"+{key}" if by == "contract" else f"+{key}, d.currency"
    if seen:
        where += f" AND {key} IN (SELECT id FROM report_seen)"
    inner = (
        f"SELECT {key} AS g, d.currency AS currency, CASE WHEN {shown} THEN 1 ELSE 0 END AS shown, {recorded} AS f, "
        f"{added(size)} AS m, {days} * {len(signs)} + 2 AS n FROM {source}{where}"
    ) + ("" if one_row else f" GROUP BY {grouped}")
    # a = (f + m) / 2, b = (f - m) / 2: a hi + b lo = (f (hi + lo) + m (hi - lo)) / 2, a lo + b hi likewise
    slack = "(n + m * r.hi * ?)"  # (half a unit a sum and day, and the floats' error: halved with the rest)
    bounded = (
        f"SELECT i.g AS g, i.shown AS shown, (f * (r.hi + r.lo) + m * (r.hi - r.lo) + {slack}) / 2 AS up, "
        f"(f * (r.hi + r.lo) - m * (r.hi - r.lo) - {slack}) / 2 AS low, r.hi AS hi FROM ({inner}) i "
        "LEFT JOIN report_range r ON r.currency = i.currency"
    )
    per = (
        f"SELECT g, shown, up, COALESCE(low, 0) AS low, CASE WHEN hi IS NULL THEN 1 ELSE 0 END AS unknown "
        f"FROM ({bounded}) w"
        if by == "contract"
        else f"SELECT g, MAX(shown) AS shown, SUM(up) AS up, CASE WHEN COUNT(*) = COUNT(hi) THEN SUM(low) ELSE 0 END "
        f"AS low, COUNT(*) - COUNT(hi) AS unknown FROM ({bounded}) w GROUP BY g"  # (a figure's least is 0 at worst)
    )
    return per, [_WIDE, _WIDE, *args]


# Over whole years or all dates, a page of contracts in the home currency walks each year's contracts of each
# currency largest first, by the size of their kept year's spend sums added up (book format 12: the index
# contract_year_size, models/book.py), a batch at a time, and bounds only the contracts it meets. A contract not
# met yet has, in each year it was not met in, at most the size of the last one met there: its figure converted is
# at most those sizes added up times the currency's most factor, plus half a unit for each sum and day (at most 366
# days a year). Once that is below the `top`-th largest least of the contracts met, in every currency, no contract
# left can be on the page or before it: the contracts met whose most reaches that least are the candidates.
# A page of freelancers walks their kept years the same way (book format 13: freelancer_year, its index
# freelancer_year_size), each year and currency's freelancers largest first by their contracts' sizes added up. A
# freelancer may have contracts in several currencies: one not met yet may come to the most of every currency added
# up (a contract, to its own currency's). Their figure converts each day's sums of their contracts added up: still
# half a unit for each sum and day, at most 366 days a year and currency, whatever the contracts.
# Over all dates, a page of contracts walks each currency's contracts largest first by their whole life's sizes
# instead (book format 15: contract_life, its index contract_life_size), one walk per currency, a contract not met
# yet at most the size of the last one met, plus half a unit for each sum and day of the book's span; a page of
# freelancers walks theirs (book format 16: freelancer_life, its index freelancer_life_size) the same way.
SIZE_SQL = "(d.paid_size + d.fees_size + d.refunded_size)"  # (as the indexes *_size spell it, on `d`)
_WALK_STEP = 256  # the first batch of each year and currency (at least twice `top`), doubled each round
_WALKED = {"contract": ("contract_year", "d.contract_id"), "freelancer": ("freelancer_year", "d.freelancer_id")}


def _life(by: str, years: tuple | None, filters: Filters) -> bool:
    """Whether a page of `by` over `years` reads each contract's whole life (`contract_life`: contracts over all
    dates), or each freelancer's (`freelancer_life`: freelancers over all dates, when no filter leaves out some of
    their contracts)."""
    return years == (None, None) and (by == "contract" or _freelancers_kept(filters))


_LIVES = {"contract": "contract_life", "freelancer": "freelancer_life"}


def _walked(
    run: Callable, by: str, first, last, filters: Filters, sort: str, top: int, ranges: dict, years
) -> int | None:
    """`_narrowed` of contracts or freelancers (`by`) over whole years or all dates (`years`), largest first through
    the index by year, currency and size: `report_candidate` filled, and how many groups the report has (None: every
    group is converted)."""
    where, args = _where(NO_FILTERS, "r", first=first, last=last)
    currencies = {str(c) for (c,) in run(f"SELECT DISTINCT r.currency FROM report_day r WHERE 1{where}", args)}
    span = run(f"SELECT MIN(r.day), MAX(r.day) FROM report_day r WHERE 1{where}", args).fetchone()
    if span[0] is None or not currencies <= set(ranges):  # (no day; a currency with no factor: all bounded at once)
        return None
    first_year, last_year = (years[0] or str(span[0])[:4]), (years[1] or str(span[1])[:4])
    signs = DERIVED.get(sort, {sort: 1})
    table, key = _WALKED[by]
    rest, rest_args = _year_where(filters, "d", (None, None))
    life = _life(by, years, filters)
    if life:  # (a walk per currency, its days at most the book's span)
        table = _LIVES[by]
        walk_days = (date.fromisoformat(str(span[1])) - date.fromisoformat(str(span[0]))).days + 1
        walks = {(None, c): [0, 0, False] for c in currencies}
    else:
        walk_days = 366
        walks = {(f"{y:04d}", c): [0, 0, False] for y in range(int(first_year), int(last_year) + 1) for c in currencies}
    # The currencies a group's rows may be in: a contract's own; a freelancer's, any.
    pools = [(c,) for c in sorted(currencies)] if by == "contract" else [tuple(sorted(currencies))]
    pool_of = {c: pool for pool in pools for c in pool}
    factor = {c: ranges[c][1] * (1 + _WIDE) ** 2 for c in currencies}
    bounds: dict[int, tuple[int, float, float, int]] = {}  # group -> (shown, up, low, unknown)
    step = max(_WALK_STEP, 2 * top)
    per, per_args = _bounds_sql(by, first, last, filters, sort, years, seen=True)
    ahead = set(walks)  # (the walks to read on: at first all)
    known: dict[int, dict[tuple, int]] = {}  # a group met but not bounded: the sizes of its rows read, by walk
    least_on_top = None
    while True:
        met: dict[int, str] = {}  # (group -> a currency it was met in)
        for (year, currency), walk in walks.items():  # walk: [rows read, the last one's size, all read]
            if walk[2] or (year, currency) not in ahead:
                continue
            at = [currency] if life else [year, currency]
            rows = run(
                _largest_first(table, key, f"{key}, {SIZE_SQL}", rest), [*at, *rest_args, step, walk[0]]
            ).fetchall()
            walk[0] += len(rows)
            walk[1] = rows[-1][1] if rows else 0
            walk[2] = len(rows) < step
            for g, size in rows:
                if (g := int(g)) not in bounds:
                    known.setdefault(g, {})[(year, currency)] = int(size)
                    met[g] = currency
        # Bounded (a look-up of each of its rows) only a group met that may reach the page: at most its rows read so
        # far, and in each other year and currency of its pool the last size read there (none once that walk is
        # done).
        level = {w: 0 if walk[2] else walk[1] for w, walk in walks.items()}
        most = {pool: _most_left(walks, pool, factor, len(signs), walk_days, every_year=True) for pool in pools}
        closer = [
            g
            for g, c in met.items()
            if least_on_top is None
            or most[pool_of[c]] + sum((size - level[w]) * factor[w[1]] for w, size in known[g].items()) >= least_on_top
        ]
        if closer:
            _candidates(run, sorted(closer), "report_seen")
            bounds.update((int(g), (shown, up, low, unknown)) for g, shown, up, low, unknown in run(per, per_args))
            for g in closer:
                known.pop(g, None)
        lows = sorted((b[2] for b in bounds.values() if b[0] == 1), reverse=True)
        least_on_top = lows[top - 1] if len(lows) >= top else None
        if least_on_top is not None and least_on_top <= 0:
            return None  # (the top reaches the groups at 0)
        if all(walk[2] for walk in walks.values()):
            break
        step *= 2  # (the next batch of each walk read on)
        if least_on_top is None:
            ahead = set(walks)
            continue
        # (read on only the pools whose groups left may still reach the page, and of their walks those whose last
        # size is at least their share of what the page's least allows; else all their walks)
        reaching = [pool for pool in pools if _most_left(walks, pool, factor, len(signs), walk_days) >= least_on_top]
        if not reaching:
            break  # (no group left can reach the page)
        ahead = set()
        for pool in reaching:
            left = [w for w, walk in walks.items() if w[1] in pool and not walk[2]]
            share = least_on_top / len(left)
            ahead.update([w for w in left if walks[w][1] * factor[w[1]] >= share] or left)
    if least_on_top is None:  # (as few groups as the top, or fewer)
        return None
    ids = [g for g, (shown, up, _, unknown) in bounds.items() if shown == 1 and (unknown or up >= least_on_top)]
    if by == "contract":
        sql, count_args = _contract_sums(run, first, last, filters, titles=False)
        groups = run(f"SELECT COUNT(*) FROM ({sql}) s", count_args).fetchone()[0]
    else:
        groups = _freelancer_count(run, years)
    return _kept_candidates(run, ids, groups)


def _largest_first(table: str, key: str, columns: str, rest: str = "") -> str:
    """SQL of a batch of a walk through `table`'s kept years (contract_year, freelancer_year) of one year and
    currency (the arguments: year, currency, those of `rest`'s conditions, how many, from which), largest first by
    size through their index (*_year_size), then by `key`, largest first: one order, so no row is read twice."""
    year = "" if table in _LIVES.values() else "d.year = ? AND "  # (a whole life: no year)
    return (
        f"SELECT {columns} FROM {table} d WHERE {year}d.currency = ?{rest} "
        f"ORDER BY {SIZE_SQL} DESC, {key} DESC LIMIT ? OFFSET ?"
    )


def _freelancer_count(run: Callable, years: tuple[str | None, str | None]) -> int:
    """How many freelancers have some spend over whole years or all dates (`years`), from their kept years
    (`freelancer_year`): as many as a report by freelancer has rows of them. One year has a row per freelancer and
    currency: the freelancers with a row of some spend, each counted once. Over several, a freelancer all of whose
    rows have sums of 0 or more, some above 0, has some spend in each of their currencies: only the others (a fee
    returned in a later year, a year of nothing but funding: found in one pass over the table) are added up per
    currency, through the index on the freelancer; the rest are counted from that index alone. All dates have a row
    per freelancer and currency too (book format 16: `freelancer_life`), counted as one year's."""
    where, args = _year_where(NO_FILTERS, "d", years)
    some = " OR ".join(f"d.{c} != 0" for c in SPEND_SUMS)
    life = _life("freelancer", years, NO_FILTERS)
    if _one_year(years) or life:
        table = _LIVES["freelancer"] if life else "freelancer_year"
        sql = f"SELECT COUNT(DISTINCT d.freelancer_id) FROM {table} d WHERE ({some}){where}"
        return int(run(sql, args).fetchone()[0])
    sure = " AND ".join(f"d.{c} >= 0" for c in SPEND_SUMS) + f" AND ({some})"
    summed = " OR ".join(f"SUM(e.{c}) != 0" for c in SPEND_SUMS)
    shown = (
        f"SELECT 1 FROM freelancer_year e WHERE e.freelancer_id = x.g{where.replace('d.', 'e.')} "
        f"GROUP BY e.currency HAVING {summed}"
    )
    sql = (
        f"SELECT (SELECT COUNT(*) FROM (SELECT DISTINCT d.freelancer_id FROM freelancer_year d WHERE 1{where}) a) - "
        f"(SELECT COUNT(*) FROM (SELECT DISTINCT +d.freelancer_id AS g FROM freelancer_year d WHERE NOT ({sure})"
        f"{where}) x WHERE NOT EXISTS ({shown}))"
    )
    return int(run(sql, [*args, *args, *args]).fetchone()[0])


def _most_left(
    walks: dict, pool: tuple, factor: dict, sums: int, days: int = 366, *, every_year: bool = False
) -> float:
    """The most a group whose rows are in the currencies `pool` and not met yet by the `walks` may come to converted
    (`_walked`): the last sizes read of its years and currencies added up, each at its currency's most `factor`,
    and half a unit a sum and day of each (at most `days` days a walk: a year's, or the book's span for a contract's
    whole life). `every_year`: with half a unit a sum and day of each of its years, the walks done too (for a group
    met in some of them)."""
    most = 0.0
    for currency in pool:
        left = [walk for (_, c), walk in walks.items() if c == currency and not walk[2]]
        if not left and not every_year:  # (every one of its groups met)
            continue
        years = sum(1 for _, c in walks if c == currency) if every_year else len(left)
        most += sum(walk[1] for walk in left) * factor[currency]  # (its sizes at the most factor, widened)
        most += (days * years * sums + 2) / 2 + 1
    return most


def _candidates(run: Callable, ids: Iterable[int], table: str = "report_candidate") -> None:
    """The temporary table `table(id)` (`report_candidate`, or `_walked`'s `report_seen`) holding `ids` (and nothing
    else)."""
    run(f"CREATE TEMP TABLE IF NOT EXISTS {table} (id BIGINT PRIMARY KEY)")
    run(f"DELETE FROM {table}")
    for chunk in in_chunks(list(ids)):
        run(f"INSERT INTO {table} (id) VALUES {', '.join('(?)' for _ in chunk)}", chunk)


def _quoted(text) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _converted_sql(column: str) -> str:
    """SQL: `column` (a day's sum) converted with the factors of table `f`, rounded half to even, as
    rates.Converter.convert_once rounds (of the amount's size, then its sign: half to even is symmetric). With
    h = d // 2, (x n + h) / d rounds x n / d half up; an exact half (d even, nothing left over) whose quotient is
    odd is one too many. No rate (n = 0): h / d, nothing."""

    def size(x: str) -> str:
        t = f"({x} * f.n + f.h)"
        return f"(CASE WHEN f.e = 1 AND {t} % f.d = 0 AND ({t} / f.d) % 2 = 1 THEN {t} / f.d - 1 ELSE {t} / f.d END)"

    return f"(CASE WHEN {column} > 0 THEN {size(column)} WHEN {column} < 0 THEN -{size(f'(-{column})')} ELSE 0 END)"


def _too_big_sql(columns: Iterable[str], fit: int) -> str:
    """SQL: 1 when a day has no factors or an amount too large to convert in SQL, else 0."""
    big = " OR ".join(f"abs({c}) > {int(fit)}" for c in columns)
    return f"(CASE WHEN f.n IS NULL OR {big} THEN 1 ELSE 0 END)"


def _freelancer_home_values(
    run: Callable, home: str, first, last, filters: Filters, sort: str, fit: int, *, narrowed: bool = False
) -> dict[int, int]:
    """Each freelancer's figure `sort` in `home`, converted with `report_factor` (`_factors_table`, whose `fit`), as
    their row in the home currency shows it, for every freelancer with day sums dated first..last that `filters`
    keeps (`narrowed`: those of `report_candidate` only): their contracts' sums of a day added up first, then
    converted (as `_Home` adds them). Converted in SQL; in Python when SQL cannot convert every amount exactly."""
    where, args = _where(filters, "d", first=first, last=last)
    if narrowed:  # (their contracts' day sums read through the index on the contract)
        where += f" AND d.contract_id IN ({_CANDIDATES_CONTRACTS})"
    days = (
        "SELECT d.freelancer_id AS g, d.currency AS currency, d.day AS day, SUM(d.paid) AS paid, "
        f"SUM(d.fees) AS fees, SUM(d.refunded) AS refunded FROM contract_day d WHERE {_SOME}{where} "
        "GROUP BY +d.freelancer_id, d.currency, d.day"
    )
    join = "LEFT JOIN report_factor f ON f.currency = d.currency AND f.day = d.day"
    signs = DERIVED.get(sort, {sort: 1})  # (only the sums the figure is made of are converted)
    figure = " + ".join(f"({sign}) * SUM({_converted_sql(f'd.{b}')})" for b, sign in signs.items())
    too_big = _too_big_sql([f"d.{b}" for b in signs], fit)
    found = run(f"SELECT d.g, {figure}, MAX({too_big}) FROM ({days}) d {join} GROUP BY d.g", args).fetchall()
    if not any(row[2] for row in found):
        return {int(row[0]): int(row[1]) for row in found}
    return _home_values_in_python("freelancer", run, home, first, last, filters, sort)


_FIRST_TURN = 1.2  # (`_converted_in_turn`: the share of the page's places whose most reaching candidates go first)


def _converted_in_turn(
    run: Callable, home: str, first, last, filters: Filters, sort: str, fit: int, top: int
) -> tuple[dict[int, int], list[int]]:
    """The figures converted (`_freelancer_home_values`) of the freelancers of `report_candidate` (`_narrowed`)
    that may be among the first `top`, and which they are. Over whole years or all dates with no filter (their kept
    years, `freelancer_year`: each bounded again by a look-up), those whose most reaches furthest go first (_FIRST_TURN
    times `top` of them); then the `top`-th largest of their figures and of the others' least leaves out the
    others whose most is below it, which cannot be on the page or before it (on the book of 1,000,000 contracts,
    about half of the candidates: the least of a figure is much lower than the figure). Else all at once."""
    ids = [int(g) for (g,) in run("SELECT id FROM report_candidate").fetchall()]
    years = _years(run, first, last) if _freelancers_kept(filters) else None
    turn = int(top * _FIRST_TURN) + 1
    if years is None or len(ids) <= turn:
        return _freelancer_home_values(run, home, first, last, filters, sort, fit, narrowed=True), ids
    _candidates(run, ids, "report_seen")
    per, args = _bounds_sql("freelancer", first, last, filters, sort, years, seen=True)
    # (a freelancer with a currency of no rate: its most is unknown, so it goes first)
    most = {int(g): (math.inf if unknown or up is None else up, low) for g, _, up, low, unknown in run(per, args)}
    ids.sort(key=lambda g: (-most.get(g, (math.inf, 0))[0], g))
    head, rest = ids[:turn], ids[turn:]
    _candidates(run, head)
    values = _freelancer_home_values(run, home, first, last, filters, sort, fit, narrowed=True)
    if len(values) > len(head):  # (converted in Python: every freelancer's figure, exactly)
        return values, ids
    known = sorted([values.get(g, 0) for g in head] + [most.get(g, (0, 0))[1] for g in rest], reverse=True)
    least = known[top - 1]
    more = [g for g in rest if least <= 0 or most.get(g, (math.inf, 0))[0] >= least]
    if more:
        _candidates(run, more)
        values.update(_freelancer_home_values(run, home, first, last, filters, sort, fit, narrowed=True))
    return values, head + more


def _freelancer_rows(run: Callable, first, last, filters: Filters, keys: list[int]) -> list[tuple]:
    """The rows (g, currency, paid, fees, refunded) of the freelancers `keys`, in their order: their contracts' day
    sums dated first..last that `filters` keeps, added up per currency (a whole life's equal its kept totals); over
    whole years or all dates with no filter, their kept years added up (`freelancer_year`, a row per year and
    currency)."""
    _candidates(run, keys)
    years = _years(run, first, last) if _freelancers_kept(filters) else None
    if years is not None:
        where, args = _year_where(NO_FILTERS, "d", years)
        source = f"freelancer_year d WHERE d.freelancer_id IN (SELECT id FROM report_candidate){where}"
    else:
        where, args = _where(filters, "d", first=first, last=last)
        source = f"contract_day d WHERE {_SOME}{where} AND d.contract_id IN ({_CANDIDATES_CONTRACTS})"
    found = run(
        "SELECT d.freelancer_id AS g, d.currency AS currency, SUM(d.paid) AS paid, SUM(d.fees) AS fees, "
        f"SUM(d.refunded) AS refunded FROM {source} GROUP BY 1, 2 HAVING {_nonzero('d')} ORDER BY 1, 2",
        args,
    ).fetchall()
    place = {g: i for i, g in enumerate(keys)}
    return sorted(found, key=lambda row: place[row[0]])  # (stable: each freelancer's currencies in order)


def _home_values_in_python(by: str, run: Callable, home: str, first, last, filters: Filters, sort: str) -> dict:
    """Each group's (contract's, freelancer's) figure `sort` in `home`, each day's sum converted in Python
    (`_Home`): exactly, whatever the amounts; slower than in SQL."""
    sums = _Home(Converter(home, run=run), SPEND_SUMS, offset=3)
    sums.add_rows(_home_day_rows(by, first, last, filters, SPEND_SUMS, run=run))
    return {int(g): sums.row(g, "", (sort,)).figures[sort].amount for g in sums.sums}


def _contract_home_order(
    run: Callable, home: str, first, last, filters: Filters, sort: str, offset: int, limit: int | None
) -> tuple[list[tuple], int]:
    """`_contract_order` by a figure in the home currency: each contract's day sums dated first..last, as recorded
    and converted (`_converted_sql`), added up in one statement, then the page in the order of the converted
    figure and how many contracts there are (only those that may be on the page or before it converted, when
    that leaves out most: `_narrowed`)."""
    fit, ranges = _factors_table(run, home, first, last)
    top = None if limit is None else offset + limit
    groups = None if top is None else _narrowed(run, "contract", first, last, filters, sort, top, ranges)
    where, args = _where(filters, "d", first=first, last=last)
    if groups is not None:  # (each through the index on its contract)
        where += " AND d.contract_id IN (SELECT id FROM report_candidate)"
    signs = DERIVED.get(sort, {sort: 1})  # (only the sums the figure is made of are converted)
    converted = ", ".join(f"SUM({_converted_sql(f'd.{b}')}) AS h_{b}" for b in signs)
    figure = " + ".join(f"({sign}) * h_{b}" for b, sign in signs.items())
    too_big = _too_big_sql([f"d.{b}" for b in signs], fit)
    sums = (
        "SELECT d.contract_id AS id, d.currency AS currency, SUM(d.paid) AS paid, SUM(d.fees) AS fees, "
        f"SUM(d.refunded) AS refunded, {converted}, MAX({too_big}) AS big FROM contract_day d LEFT JOIN "
        f"report_factor f ON f.currency = d.currency AND f.day = d.day WHERE {_SOME}{where} GROUP BY +d.contract_id "
        f"HAVING {_nonzero('d')}"
    )
    page, counted, big = _page_and_count(run, sums, args, f"max({figure}, 0) DESC, id", offset, limit, "MAX(big)")
    if not big:
        return page, counted if groups is None else groups
    # (an amount SQL cannot convert exactly: every contract's figure converted in Python, then sorted here)
    values = _home_values_in_python("contract", run, home, first, last, filters, sort)
    sql, args = _contract_sums(run, first, last, filters, titles=False)
    rows = sorted(run(sql, args).fetchall(), key=lambda row: (-max(values.get(row[0], 0), 0), row[0]))
    return rows[offset : None if limit is None else offset + limit], len(rows)


def _contract_order(
    run: Callable,
    first,
    last,
    filters: Filters,
    sort: str | None,
    by_currency: bool,
    offset: int,
    limit: int | None,
    home: str | None = None,
) -> tuple[list[tuple], int]:
    """The rows (id, currency, paid, fees, refunded) of a page of contracts in the report's order, and how many
    contracts have rows: one statement, the contracts' sums made once, then the page and how many there are both
    read from them. With `home` (and not `by_currency`), a figure is compared as converted into it."""
    if home is not None and sort is not None and not by_currency:
        _order(sort, "id")  # (refuses a column the report does not have)
        return _contract_home_order(run, home, first, last, filters, sort, offset, limit)
    order = _order(sort, "id", by_currency=by_currency)
    sql, args = _contract_sums(run, first, last, filters, titles=False)
    return _page_and_count(run, sql, args, order, offset, limit)[:2]


_ALL = 2**62  # a LIMIT argument for no limit (PostgreSQL refuses SQLite's -1 as an argument)


def _page_and_count(
    run: Callable, sql: str, args: list, order: str, offset: int, limit: int | None, more: str = "NULL"
) -> tuple[list[tuple], int, object]:
    """One statement: the contracts' sums (`sql`: id, currency, paid, fees, refunded, ...) made once, then the page
    in `order` and how many there are both read from them; and `more`, an aggregate of them (or nothing)."""
    found = run(
        f"WITH k AS MATERIALIZED ({sql}) SELECT * FROM (SELECT 0, id, currency, paid, fees, refunded FROM k "
        f"ORDER BY {order} LIMIT ? OFFSET ?) UNION ALL SELECT 1, COUNT(*), NULL, {more}, NULL, NULL FROM k",
        [*args, _ALL if limit is None else int(limit), int(offset)],
    ).fetchall()
    groups, extra = next((row[1], row[3]) for row in found if row[0] == 1)
    return [row[1:] for row in found if row[0] == 0], groups, extra


def _by_contract(
    first: date | None,
    last: date | None,
    filters: Filters,
    home: str | bool | None,
    *,
    offset: int = 0,
    limit: int | None = None,
    sort: str | None = None,
    by_currency: bool = False,
    ordered: Ordered | None = None,
    run: Callable | None = None,
) -> Report:
    """The contract report: a contract has one currency, so its figures, its order (by id, or largest first by
    `sort`) and its page are SQL over one row per contract. The whole report is one statement with the titles; a
    page is the contracts' sums cut in SQL with their count (`ordered`: read already), then the titles of the
    page's contracts. `run`: read through a connection's `execute`, as recorded only."""
    columns = SPEND_COLUMNS
    home = _home(home)
    _through(run, home)
    run = run or database.execute_sql
    order = _order(sort, "id", by_currency=by_currency)
    if limit is None and not offset and ordered is None and (sort is None or by_currency or home is None):
        sql, args = _contract_sums(run, first, last, filters, titles=True)
        rows = _spend_rows(run(f"{sql} ORDER BY {order}", args))
        groups = len(rows)
    else:
        if ordered is not None:
            page, groups = _checked(ordered, "spend_by_contract", sort, by_currency, home, offset, limit)[:2]
        else:
            page, groups = _contract_order(run, first, last, filters, sort, by_currency, offset, limit, home)
        titles = {int(k): v for k, v in _labels("contract", [row[0] for row in page], run).items()}
        rows = _spend_rows(page, titles.__getitem__)
    totals = _spend_totals(first, last, filters, run)
    home_rows: tuple[HomeRow, ...] = ()
    home_total = None
    if home:
        converter = Converter(home)
        home_sums = _Home(converter, SPEND_SUMS, offset=3)
        keys = None if len(rows) == groups else [r.key for r in rows]
        home_sums.add_rows(_home_day_rows("contract", first, last, filters, SPEND_SUMS, keys))
        home_rows = tuple(home_sums.row(r.key, r.label, columns) for r in rows)
        if limit is None:
            home_total = _home_total(converter, first, last, filters, columns)
    return Report("spend by contract", columns, tuple(rows), totals, home, home_rows, home_total, first, last,
                  filters, groups)  # fmt: skip


# ------------------------------------------------------------------ the reports
def spend_by_period(
    period: str = "month",
    *,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = NO_FILTERS,
    home: str | bool | None = None,
) -> Report:
    """Paid, fees, refunded and spend per month, quarter or year (the entries' own dates)."""
    return _grouped(
        f"spend by {period}",
        SPEND_COLUMNS,
        first,
        last,
        filters,
        home,
        key_of_day=_by_period(period),
    )


@many_objects()  # (its home currency's conversions too)
def spend_by_freelancer(
    *,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = NO_FILTERS,
    home: str | bool | None = None,
    offset: int = 0,
    limit: int | None = None,
    sort: str | None = None,
    ordered: Ordered | None = None,
    run: Callable | None = None,
) -> Report:
    """Paid, fees, refunded and spend per freelancer (key: the freelancer's id; label: their name). `sort` (a
    column) orders the freelancers by it, largest first by the largest of their currencies (else by id);
    `offset`/`limit` give a page, as by contract; `ordered`: that page's order, read already (`ordered_page`);
    `run`: read through a connection's `execute` (on a worker thread), as recorded only."""
    return _by_freelancer(first, last, filters, home, offset=offset, limit=limit, sort=sort, ordered=ordered,
                          run=run)  # fmt: skip


@many_objects()  # (its home currency's conversions too)
def spend_by_contract(
    *,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = NO_FILTERS,
    home: str | bool | None = None,
    offset: int = 0,
    limit: int | None = None,
    sort: str | None = None,
    by_currency: bool = False,
    ordered: Ordered | None = None,
    run: Callable | None = None,
) -> Report:
    """Paid, fees, refunded and spend per contract (key: the contract's id; label: its title). `sort` (a
    column) orders the contracts by it, largest first (else by id), by currency first with `by_currency`;
    `offset`/`limit` give a page: the home currency is converted for the page's contracts only (the home total
    is the whole report's); `ordered`: that page's order, read already (`ordered_page`); `run`: read through a
    connection's `execute` (on a worker thread), as recorded only."""
    return _by_contract(first, last, filters, home, offset=offset, limit=limit, sort=sort, by_currency=by_currency,
                        ordered=ordered, run=run)  # fmt: skip


def fees_by_period(
    period: str = "month",
    *,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = NO_FILTERS,
    home: str | bool | None = None,
) -> Report:
    """Fees (less initiation fees returned) and the spend per period; `fee_share(fees, spend)` is their share."""
    return _grouped(
        f"fees by {period}",
        FEES_COLUMNS,
        first,
        last,
        filters,
        home,
        key_of_day=_by_period(period),
    )


def refunds_by_period(
    period: str = "month",
    *,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = NO_FILTERS,
    home: str | bool | None = None,
) -> Report:
    """Refunds of payments and escrow refunds (from a request or a dispute's outcome) per period."""
    return _grouped(
        f"refunds by {period}",
        REFUND_COLUMNS,
        first,
        last,
        filters,
        home,
        key_of_day=_by_period(period),
    )


def _months(first: date, last: date) -> list[str]:
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def escrow_by_month_end(
    *,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = NO_FILTERS,
    home: str | bool | None = None,
) -> Report:
    """The escrow held at the end of each month from `first`'s month to `last`'s (the last one at `last` when
    it is not a month end), per currency, with the month's funding, payments and escrow refunds. A balance
    counts every entry up to its day (before `first` too). In the home currency each month's balance is
    converted once, at the rate of its day."""
    columns = ESCROW_COLUMNS
    base = _base_columns(columns)
    home = _home(home)
    converter = Converter(home) if home else None
    monthly: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    run = _day_rows(None, last, filters)
    days = [d for _, d, *_ in run]
    if first is None and days:
        first = date.fromisoformat(min(days))
    if last is None and days:
        last = date.fromisoformat(max(days))
    rows: list[Row] = []
    home_rows: list[HomeRow] = []
    if first is None or last is None or first > last:
        return Report("escrow by month end", columns, (), (), home, (), None, first, last, filters, 0)
    opening: dict[str, dict[str, int]] = defaultdict(dict)
    start = first.isoformat()
    for cur, d, *sums in run:
        if d < start:
            _add(opening[cur], sums, base)
        else:
            _add(monthly[(d[:7], cur)], sums, base)
    currencies = sorted({cur for cur, *_ in run})
    held = {cur: _figures(opening[cur], ("escrow",))["escrow"] for cur in currencies}
    months = _months(first, last)
    in_range: dict[str, dict[str, int]] = defaultdict(dict)
    for month in months:
        end = min(_month_end(date.fromisoformat(month + "-01")), last)
        parts = []
        total = 0
        for cur in currencies:
            flows = monthly.get((month, cur), {})
            for c, v in flows.items():
                in_range[cur][c] = in_range[cur].get(c, 0) + v
            held[cur] += _figures(flows, ("escrow",))["escrow"]
            if not flows and not held[cur]:
                continue
            figures = _figures(flows, ("funded", "paid", "escrow_refunded"))
            figures["escrow"] = held[cur]
            rows.append(Row(month, month, cur, figures))
            if converter is not None and held[cur]:
                conv = converter.convert(held[cur], cur, end)
                parts.append(conv)
                total += 0 if conv.missing else conv.amount
        if converter is not None:
            home_rows.append(HomeRow(month, month, home, {"escrow": HomeAmount(total, home, tuple(parts))}))
    totals = tuple(
        Row("", "Total", cur, {**_figures(in_range[cur], ("funded", "paid", "escrow_refunded")), "escrow": held[cur]})
        for cur in currencies
    )
    home_total = home_rows[-1] if home_rows else None
    return Report(
        "escrow by month end", columns, tuple(rows), totals, home, tuple(home_rows), home_total, first, last,
        filters, len(months),
    )  # fmt: skip


def _every_contract(cond: str) -> str:
    """How `contract c` is read under conditions (`cond`: Filters.sql()'s) that keep most contracts: in its own order
    (NOT INDEXED: else SQLite may read an index and look up every contract in it at random; with budgets, since a
    partial index names `budget IS NOT NULL`, CURRENCY_BUDGET_INDEX), but one freelancer's, through their index."""
    return "" if "c.freelancer_id" in cond else " NOT INDEXED"


def _budget_flows(run: Callable, first: date | None, last: date | None, scan: str = "") -> tuple[str, list]:
    """SQL of `contract c` (`scan`: how it is read, `_every_contract`) joined with its payments and refunds (`paid`,
    `refunded`, 0 when none): over its whole life (its kept totals) or first..last (`_paid_per_contract`); and its
    arguments."""
    if first is None and last is None:
        return (
            f"contract c{scan} LEFT JOIN (SELECT t.contract_id, t.released AS paid, t.refunded AS refunded FROM "
            "contract_totals t) f ON f.contract_id = c.id",
            [],
        )
    sql, args = _paid_per_contract(run, first, last)
    return f"contract c{scan} LEFT JOIN ({sql}) f ON f.contract_id = c.id", args


def _paid_per_contract(run: Callable, first: date | None, last: date | None, *, fees: bool = False) -> tuple[str, list]:
    """SQL of each contract's payments and refunds dated first..last (either may be None), one row per contract
    that has some: (contract_id, paid, refunded), or with `fees` (contract_id, paid, fees, refunded); and its
    arguments. Whole years (`_years`) are read from the kept yearly sums (a row per contract in one year). Else
    the months the range covers whole are read from the kept monthly sums (models/summary.py's
    contract_month: payments and refunds per contract and month, a row a month where contract_day has one a day;
    read whole, its index by month would look up each row), their fees from the kept day sums of the days that
    have some, the days of a month it covers in part from the kept day sums. (Fewer rows to sort into contracts
    than every day's.)"""
    years = _years(run, first, last)
    if years is not None:
        columns = ("paid", "fees", "refunded") if fees else ("paid", "refunded")
        sql, args = _contract_years(years, NO_FILTERS, columns)
        return f"SELECT y.id AS contract_id, {', '.join(f'y.{c}' for c in columns)} FROM ({sql}) y", args
    after = first if first is None or first.day == 1 else _month_end(first) + timedelta(days=1)
    before = last if last is None or last == _month_end(last) else last.replace(day=1) - timedelta(days=1)
    parts, args = [], []
    no_fees = ", 0 AS fees" if fees else ""
    if after is not None and before is not None and after > before:  # (no month whole: the days alone)
        after = before = None
        days = [(first, last)]
    else:
        days = [(first, None if after is None else after - timedelta(days=1))] if after != first else []
        if before != last:
            days.append((None if before is None else before + timedelta(days=1), last))
        where = ""
        if after is not None:
            where += " AND m.month >= ?"
            args.append(after.isoformat()[:7])
        if before is not None:
            where += " AND m.month <= ?"
            args.append(before.isoformat()[:7])
        parts.append(
            f"SELECT m.contract_id, m.paid{no_fees}, m.refunded FROM contract_month m NOT INDEXED WHERE 1{where}"
        )
        if fees:  # (the whole months' fees)
            where, day_args = _where(NO_FILTERS, "d", first=after, last=before)
            parts.append(f"SELECT d.contract_id, 0, d.fees, 0 FROM contract_day d WHERE d.fees != 0{where}")
            args += day_args
    for a, b in days:
        where, day_args = _where(NO_FILTERS, "d", first=a, last=b)
        parts.append(f"SELECT d.contract_id, d.paid{', d.fees' if fees else ''}, d.refunded FROM contract_day d "
                     f"WHERE 1{where}")  # fmt: skip
        args += day_args
    union = " UNION ALL ".join(parts)
    summed = "SUM(paid) AS paid, SUM(fees) AS fees" if fees else "SUM(paid) AS paid"
    return f"SELECT contract_id, {summed}, SUM(refunded) AS refunded FROM ({union}) GROUP BY contract_id", args


def _budget_in_range(
    first: date | None, last: date | None, cond: str, args: list, run: Callable
) -> tuple[Iterable[tuple], dict]:
    """Every contract with a budget that the filters keep (`cond`: filters.sql()), by id: (id, title, currency,
    budget); and each one's payments and refunds first..last (id -> (paid, refunded), those with some): added up
    apart (`_paid_per_contract`), to be matched with the contracts as they are read (a join in SQL would index
    the sums first, in a temporary index: a fifth of the whole report's time on a book of 100,000 contracts)."""
    sql, flow_args = _paid_per_contract(run, first, last)
    flows = {cid: (p, r) for cid, p, r in run(sql, flow_args)}
    found = run(
        f"SELECT c.id, c.title, c.currency, c.budget FROM contract c{_every_contract(cond)} WHERE c.budget IS NOT NULL"
        f"{cond} ORDER BY c.id",
        args,
    )
    return found, flows


BUDGET_SUMS = ("paid", "refunded")  # the kept sums behind budget against actual (actual = paid - refunded)


def _budget_rows(
    found: Iterable[tuple], sums: dict[str, list[int]] | None = None, flows: dict | None = None, over_only=False
) -> list[Row]:
    """A `Row` of BUDGET_COLUMNS, flagged, for each (id, title, currency, budget, paid, refunded) found, or each
    (id, title, currency, budget) with its (paid, refunded) in `flows` (none there: 0); `over_only`: only those
    over budget. Into `sums` if given, their budgets, payments and refunds added up per currency."""
    rows: list[Row] = []
    append = rows.append
    none = (0, 0)
    with many_objects():
        for row in found:
            if flows is None:
                cid, title, cur, budget, p, r = row
            else:
                cid, title, cur, budget = row
                p, r = flows.get(cid, none)
            left = budget - p + r
            if over_only and left >= 0:
                continue
            figures = {"budget": budget, "paid": p, "refunded": r, "actual": p - r, "left": left}
            append(_new(Row, (str(cid), title, cur, figures, OVER if left < 0 else ON if left == 0 else UNDER)))
            if sums is not None:
                s = sums.get(cur)
                if s is None:
                    sums[cur] = [budget, p, r]
                else:
                    s[0] += budget
                    s[1] += p
                    s[2] += r
    return rows


def _budget_total(cur: str, budget: int, p: int, r: int) -> Row:
    return Row("", "Total", cur, {"budget": budget, "paid": p, "refunded": r, "actual": p - r, "left": budget - p + r})


@many_objects()  # (its home currency's conversions too)
def budget_vs_actual(
    *,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = NO_FILTERS,
    home: str | bool | None = None,
    offset: int = 0,
    limit: int | None = None,
    over_only: bool = False,
    after: int | str | None = None,
    count: bool = True,
    active_from: date | None = None,
    sort: str | None = None,
    by_currency: bool = False,
    ordered: Ordered | None = None,
    run: Callable | None = None,
) -> Report:
    """Per contract with a budget (key: its id; label: its title): the budget, paid, refunded, the actual (paid
    less refunded) and what is left of the budget (negative: over), flagged OVER, UNDER or ON budget in the
    contract's own currency. The range limits the payments and refunds counted. `over_only`: only the
    contracts over budget. In the home currency the budget is converted at the rate of the contract's start.
    `active_from` (the whole report only): only the contracts active at some time from that day to `last`
    (started on or before `last`, not ended before `active_from`), as the year-end pack lists them.

    The whole report is one statement over the contracts with their kept totals (no range) or day sums, its
    totals added up as its rows are made. A page (by id) reads its contracts, then their sums; its totals per
    currency are the budgets' (one pass over the contracts) and the book's day sums less those of the contracts
    without a budget. A page of the contracts over budget makes each contract's figures once in SQL, and cuts
    the page and adds up the totals from them. A page by id may start `after` a contract's id (the last one read);
    `count=False`: neither counted nor added up (no totals: models/report_pages.count gives both).

    `sort` (a column, with `by_currency`): the contracts by currency (Z to A), then largest first by that figure as
    recorded, then by id, as the Reports window's table sorted largest first orders them; one statement makes
    every contract's figures once, then cuts the page and adds up the totals from them (`ordered`: read already,
    on the window's worker thread: `ordered_page`). `run`: read through a connection's `execute`, as recorded
    only."""
    columns = BUDGET_COLUMNS
    home = _home(home)
    _through(run, home)
    run = run or database.execute_sql
    if sort is not None:
        _budget_sort(sort, by_currency)
        if over_only or active_from is not None or after is not None:
            raise ValueError("a sorted budget report is of every contract with a budget, from an offset")
    cond, args = filters.sql()
    active = ("", [])
    if active_from is not None:
        if limit is not None or offset or after is not None:
            raise ValueError("active_from is for the whole report, not a page")
        active = (" AND (c.ended_on IS NULL OR c.ended_on >= ?)", [active_from.isoformat()])
        if last is not None:
            active = (f" AND c.started_on <= ?{active[0]}", [last.isoformat(), *active[1]])
        cond, args = cond + active[0], [*args, *active[1]]
    source, source_args = _budget_figures(run, first, last, cond, args, titles=True)
    if over_only:
        source = f"SELECT * FROM ({source}) WHERE budget - paid + refunded < 0"
    totals: list[Row] = []
    counted = True
    if sort is not None:  # largest first: every contract's figures made once, the page cut and totals added up
        if ordered is not None:
            ordered = _checked(ordered, "budget_vs_actual", sort, by_currency, home, offset, limit)
            page, groups, found = ordered.rows, ordered.groups, ordered.totals
        else:
            page, groups, found = _budget_order(run, first, last, filters, sort, offset, limit)
        titles = {int(k): v for k, v in _labels("contract", [row[0] for row in page], run).items()}
        rows = _budget_rows((cid, titles[cid], cur, b, p, r) for cid, cur, b, p, r in page)
        totals = [_budget_total(cur, b, p, r) for cur, _, b, p, r in found]
    elif limit is None and not offset and after is None:  # every contract (over budget): its rows, its totals
        sums: dict[str, list[int]] = {}
        if first is None and last is None:
            rows = _budget_rows(run(source + " ORDER BY id", source_args), sums)
        else:
            found, paid = _budget_in_range(first, last, cond, args, run)
            rows = _budget_rows(found, sums, paid, over_only)
        groups = len(rows)
        totals = [_budget_total(cur, *s) for cur, s in sorted(sums.items())]
    elif over_only:  # one statement: each contract's figures made once, then the page and the totals from them
        page, groups, found = _budget_cut(run, source, source_args, "id", offset, limit, titles=True)
        rows = _budget_rows(page)
        totals = [_budget_total(cur, b, p, r) for cur, _, b, p, r in found]
    else:  # a page of every contract with a budget
        rows, groups, totals, counted = _budget_page(first, last, filters, offset, limit, after, count, run)
    home_rows: list[HomeRow] = []
    if home:
        converter = Converter(home)
        keys = [r.key for r in rows]
        started_on: dict[str, str] = {}
        if len(keys) > 1_000:  # (most of the contracts: every start at once)
            found = run(f"SELECT c.id, c.started_on FROM contract c{_every_contract('')} WHERE c.budget IS NOT NULL")
            started_on.update((str(cid), str(started)) for cid, started in found)
        else:
            for chunk in in_chunks([int(k) for k in keys]):
                marks = ", ".join("?" for _ in chunk)
                found = run(f"SELECT id, started_on FROM contract WHERE id IN ({marks})", chunk)
                started_on.update((str(cid), str(started)) for cid, started in found)
        day_sums = _Home(converter, BUDGET_SUMS, offset=3)
        every = limit is None and not offset and not over_only and after is None  # (every contract the filters keep)
        day_sums.add_rows(
            _home_day_rows("contract", first, last, filters, BUDGET_SUMS, None if every else keys, active)
        )
        days = _DAYS
        for r in rows:
            hr = day_sums.row(r.key, r.label, ("paid", "refunded", "actual"))
            started = started_on[r.key]
            on_day = days.get(started) or days.setdefault(started, date.fromisoformat(started))
            b = converter.convert(r.figures["budget"], r.currency, on_day)
            budget = HomeAmount(0 if b.missing else b.amount, home, (b,))
            actual = hr.figures["actual"]
            left = HomeAmount(budget.amount - actual.amount, home, budget.parts + actual.parts)
            home_rows.append(HomeRow(r.key, r.label, home, {"budget": budget, **hr.figures, "left": left}))
    return Report(
        "budget against actual", columns, tuple(rows), tuple(totals), home, tuple(home_rows), None, first, last,
        filters, groups, counted,
    )  # fmt: skip


# SQL of each column of BUDGET_COLUMNS, to sort by
BUDGET_ORDER = {"budget": "budget", "paid": "paid", "refunded": "refunded", "actual": "paid - refunded",
                "left": "budget - paid + refunded"}  # fmt: skip


def _budget_sort(sort: str, by_currency: bool) -> None:
    """Refuses a sort budget against actual cannot make (a column it does not have; not by currency first)."""
    if sort not in BUDGET_ORDER:
        raise ValueError(f"sort is one of {BUDGET_COLUMNS}, not {sort!r}")
    if not by_currency:
        raise ValueError("budget against actual is sorted by currency first: its figures are compared as recorded")


def _budget_figures(
    run: Callable, first: date | None, last: date | None, cond: str, args: list, *, titles: bool = False
) -> tuple[str, list]:
    """SQL of (id[, title], currency, budget, paid, refunded) of every contract with a budget that the conditions
    on `c` keep (`cond`, `args`: Filters.sql()'s), its payments and refunds those of first..last; and its
    arguments."""
    flows, flow_args = _budget_flows(run, first, last, _every_contract(cond))
    title = " c.title AS title," if titles else ""
    return (
        f"SELECT c.id AS id,{title} c.currency AS currency, c.budget AS budget, COALESCE(f.paid, 0) AS paid, "
        f"COALESCE(f.refunded, 0) AS refunded FROM {flows} WHERE c.budget IS NOT NULL{cond}",
        [*flow_args, *args],
    )


def _budget_cut(
    run: Callable, source: str, args: list, order: str, offset: int, limit: int | None, *, titles: bool = False
) -> tuple[list[tuple], int, list[tuple]]:
    """One statement: every contract's figures (`source`, `_budget_figures`) made once, then the page in `order`
    and the totals per currency both read from them. The page's rows (id[, title], currency, budget, paid,
    refunded), how many contracts there are, and the totals (currency, contracts, budget, paid, refunded)."""
    head, blank = ("id, title, currency", "NULL, ") if titles else ("id, currency", "")
    found = run(
        f"WITH k AS MATERIALIZED ({source}) SELECT * FROM (SELECT 0, {head}, budget, paid, refunded FROM k ORDER BY "
        f"{order} LIMIT ? OFFSET ?) UNION ALL SELECT 1, COUNT(*), {blank}currency, SUM(budget), SUM(paid), "
        "SUM(refunded) FROM k GROUP BY currency",
        [*args, _ALL if limit is None else int(limit), int(offset)],
    ).fetchall()
    totals = sorted((row[-4], row[1], *row[-3:]) for row in found if row[0] == 1)
    return [row[1:] for row in found if row[0] == 0], sum(n for _, n, *_ in totals), totals


def _budget_order(
    run: Callable, first: date | None, last: date | None, filters: Filters, sort: str, offset: int, limit: int | None
) -> tuple[list[tuple], int, list[tuple]]:
    """A page of budget against actual sorted by `sort`, largest first in each currency (Z to A), then by id: its
    rows (id, currency, budget, paid, refunded), how many contracts have a budget, and their totals per currency,
    (currency, contracts, budget, paid, refunded): one statement, every contract's figures made once, then the
    page and the totals both read from them (over one whole year with no filter, by what is left or by the budget:
    only the page's own rows read, `_budget_walked`)."""
    walks = sort in _BUDGET_WALKS and limit is not None and offset + limit <= _BUDGET_WALK_MOST
    year = _budget_year(run, first, last, filters) if walks else None
    if year is not None:
        return _budget_walked(run, year, sort, offset, limit)
    source, args = _budget_figures(run, first, last, *filters.sql())
    return _budget_cut(run, source, args, f"currency DESC, {BUDGET_ORDER[sort]} DESC, id", offset, limit)


_BUDGET_WALKS = ("left", "budget")  # the figures a page of budget against actual over a year walks its indexes by
# The rows a walk reads at most (a page further down: every contract's figures made at once instead, which takes as
# long at a million contracts as walking about 500,000 rows in order).
_BUDGET_WALK_MOST = 500_000
# What is left of a budget after the year's payments and refunds, as BUDGET_LEFT_INDEX (models/book.py) keeps it.
_LEFT_SQL = "(y.budget - y.paid + y.refunded)"


def _budget_year(run: Callable, first: date | None, last: date | None, filters: Filters) -> str | None:
    """The year ("YYYY") whose kept years (`contract_year`, with their contracts' budgets: book format 14) give
    budget against actual over first..last in the order of its indexes: one whole year (`_years`) with no filter;
    else None."""
    if filters.any:
        return None
    years = _years(run, first, last)
    return years[0] if years is not None and _one_year(years) else None


def _budget_year_totals(run: Callable, year: str) -> list[tuple]:
    """Budget against actual's totals over `year` with no filter, per currency: (currency, contracts, budget,
    paid, refunded) of every contract with a budget. Each read from its index alone (CURRENCY_BUDGET_INDEX, the
    budgets; BUDGET_LEFT_INDEX, the year's payments and refunds), no contract looked up."""
    budgets = _budgets(run)
    flows = {
        str(cur): (int(p), int(r))
        for cur, p, r in run(
            "SELECT y.currency, SUM(y.paid), SUM(y.refunded) FROM contract_year y WHERE y.year = ? AND y.budget IS "
            "NOT NULL GROUP BY y.currency",
            [year],
        )
    }
    return sorted((cur, n, b, *flows.get(cur, (0, 0))) for cur, n, b in budgets)


def _budgets(run: Callable) -> list[tuple[str, int, int]]:
    """(currency, contracts, budget) of every contract with a budget, per currency, from CURRENCY_BUDGET_INDEX."""
    found = run(
        "SELECT c.currency, COUNT(*), SUM(c.budget) FROM contract c WHERE c.budget IS NOT NULL GROUP BY c.currency"
    )
    return [(str(cur), int(n), int(b)) for cur, n, b in found]


def _year_flows(run: Callable, year: str, ids: list[int]) -> dict[int, tuple[int, int]]:
    """The payments and refunds of `year` of each contract of `ids` that has some (id -> (paid, refunded))."""
    flows: dict[int, tuple[int, int]] = {}
    for chunk in in_chunks(ids):
        marks = ", ".join("?" for _ in chunk)
        found = run(
            f"SELECT y.contract_id, y.paid, y.refunded FROM contract_year y WHERE y.year = ? AND y.contract_id IN "
            f"({marks})",
            [year, *chunk],
        )
        flows.update((int(cid), (int(p), int(r))) for cid, p, r in found)
    return flows


def _by_budget(run: Callable, currency: str, n: int, rest: str = "", args: Sequence = ()) -> list[tuple[int, int]]:
    """The first `n` contracts with a budget in `currency` (and `rest`, conditions on `c`), largest budget first,
    then by id, through CURRENCY_BUDGET_INDEX: (id, budget)."""
    found = run(
        f"SELECT c.id, c.budget FROM contract c WHERE c.currency = ? AND c.budget IS NOT NULL{rest} "
        "ORDER BY c.budget DESC, c.id LIMIT ?",
        [currency, *args, int(n)],
    )
    return [(int(cid), int(budget)) for cid, budget in found]


def _budget_firsts(run: Callable, year: str, currency: str, sort: str, n: int) -> list[tuple]:
    """The first `n` rows (id, currency, budget, paid, refunded) of budget against actual over `year` in `currency`,
    sorted by `sort` (what is left, or the budget) largest first, then by id.

    By the budget: the contracts in the order of their index, and their year's payments looked up. By what is left:
    two lists in that order merged, the year's rows with a budget in the order of theirs (BUDGET_LEFT_INDEX), and
    the contracts with no payment nor refund in the year, whose budget is all left, largest first (only those that
    may come before the first list's last: a budget at least what is left on it)."""
    if sort == "budget":
        firsts = _by_budget(run, currency, n)
        flows = _year_flows(run, year, [cid for cid, _ in firsts])
        return [(cid, currency, budget, *flows.get(cid, (0, 0))) for cid, budget in firsts]
    kept = [
        (int(cid), currency, int(b), int(p), int(r))
        for cid, b, p, r in run(
            f"SELECT y.contract_id, y.budget, y.paid, y.refunded FROM contract_year y WHERE y.year = ? AND "
            f"y.currency = ? AND y.budget IS NOT NULL ORDER BY {_LEFT_SQL} DESC, y.contract_id LIMIT ?",
            [year, currency, int(n)],
        )
    ]
    rest, args = " AND NOT EXISTS (SELECT 1 FROM contract_year y WHERE y.year = ? AND y.contract_id = c.id)", [year]
    if len(kept) == n:  # (a contract none of whose budget went may come before the last of them, no later)
        rest, args = f"{rest} AND c.budget >= ?", [*args, kept[-1][2] - kept[-1][3] + kept[-1][4]]
    untouched = [(cid, currency, budget, 0, 0) for cid, budget in _by_budget(run, currency, n, rest, args)]
    return list(heapq.merge(kept, untouched, key=lambda row: (row[3] - row[2] - row[4], row[0])))[:n]


def _budget_walked(
    run: Callable, year: str, sort: str, offset: int, limit: int
) -> tuple[list[tuple], int, list[tuple]]:
    """`_budget_order` over one whole `year` with no filter, sorted by what is left or by the budget: each
    currency's (Z to A) first rows read in order (`_budget_firsts`) until the page is full, the currencies before
    it skipped by their counts; the totals from the indexes (`_budget_year_totals`)."""
    totals = _budget_year_totals(run, year)
    page: list[tuple] = []
    skip, want = int(offset), int(limit)
    for currency, contracts, *_ in sorted(totals, reverse=True):
        if want <= 0:
            break
        if skip >= contracts:
            skip -= contracts
            continue
        rows = _budget_firsts(run, year, currency, sort, skip + want)[skip:]
        page += rows
        want -= len(rows)
        skip = 0
    return page, sum(n for _, n, *_ in totals), totals


def _budget_page(
    first: date | None,
    last: date | None,
    filters: Filters,
    offset: int,
    limit: int | None,
    after: int | str | None = None,
    count: bool = True,
    run: Callable | None = None,
) -> tuple[list[Row], int, list[Row], bool]:
    """A page of budget against actual (every contract with a budget, by id, after `after`): its rows, how many
    contracts there are, the totals per currency of them all, and whether they were counted (`count`: else the
    contracts read, +1 if more follow, and no totals unless the page holds them all)."""
    run = run or database.execute_sql
    cond, args = filters.sql()
    start, start_args = ("", []) if after is None else (" AND c.id > ?", [int(after)])
    page = run(
        f"SELECT c.id, c.title, c.currency, c.budget FROM contract c WHERE c.budget IS NOT NULL{start}{cond} "
        "ORDER BY c.id LIMIT ? OFFSET ?",
        [*start_args, *args, _ALL if limit is None else int(limit) + (not count), int(offset)],
    ).fetchall()
    more = not count and limit is not None and len(page) > limit
    page = page[:limit]
    flows: dict[int, tuple[int, int]] = {}
    where, range_args = _where(NO_FILTERS, "d", first=first, last=last)
    for chunk in in_chunks([cid for cid, *_ in page]):
        marks = ", ".join("?" for _ in chunk)
        if first is None and last is None:
            sql = f"SELECT contract_id, released, refunded FROM contract_totals WHERE contract_id IN ({marks})"
            found = run(sql, chunk)
        else:
            sql = (
                f"SELECT d.contract_id, SUM(d.paid), SUM(d.refunded) FROM contract_day d WHERE d.contract_id IN "
                f"({marks}){where} GROUP BY d.contract_id"
            )
            found = run(sql, [*chunk, *range_args])
        flows.update((cid, (p, r)) for cid, p, r in found)
    sums: dict[str, list[int]] = {}
    rows = _budget_rows(((cid, title, cur, budget, *flows.get(cid, (0, 0))) for cid, title, cur, budget in page), sums)
    if not count:
        if more or after is not None or offset:  # (the page is not the whole report: counted apart)
            return rows, offset + len(page) + more, [], False
        return rows, len(rows), [_budget_total(cur, *s) for cur, s in sorted(sums.items())], True
    groups, totals = _budget_totals(first, last, filters, run)
    return rows, groups, totals, True


def _budget_totals(
    first: date | None, last: date | None, filters: Filters, run: Callable | None = None
) -> tuple[int, list[Row]]:
    """How many contracts budget against actual has, and its totals per currency: the budgets and how many (one
    pass over the contracts), and what was paid and refunded: the book's day sums of the range and filters, less
    those of the contracts without a budget (none, or a few, mostly). `run`: a connection's `execute`."""
    run = run or database.execute_sql
    cond, args = filters.sql()
    where, range_args = _where(NO_FILTERS, "d", first=first, last=last)
    budgets = run(
        f"SELECT c.currency, COUNT(*), SUM(c.budget) FROM contract c WHERE c.budget IS NOT NULL{cond} "
        "GROUP BY +c.currency",
        args,
    ).fetchall()
    paid = _book_sums(first, last, filters, ("paid", "refunded"), run)
    unbudgeted = run(
        f"SELECT d.currency, SUM(d.paid), SUM(d.refunded) FROM contract_day d WHERE d.contract_id IN (SELECT c.id "
        f"FROM contract c WHERE c.budget IS NULL{cond}){where} GROUP BY d.currency",
        [*args, *range_args],
    )
    for cur, p, r in unbudgeted:
        kept = paid.setdefault(cur, [0, 0])
        kept[0] -= p
        kept[1] -= r
    totals = [_budget_total(cur, budget, *paid.get(cur, (0, 0))) for cur, _, budget in sorted(budgets)]
    return sum(n for _, n, _ in budgets), totals


# ------------------------------------------------------------------ a chart's few rows
class Top(NamedTuple):
    """What a chart shows of a report of a row per freelancer or contract, read apart (on the Reports window's
    worker thread: every row of the dates is made before the first few are known, seconds on a big book): the
    first few rows of each currency, in the chart's order, and how many rows each currency has in the report."""

    key: str  # "spend_by_freelancer" or "budget_vs_actual"
    rows: tuple[Row, ...]  # by currency, each currency's in the chart's order
    counts: dict[str, int]

    def of(self, currency: str) -> list[Row]:
        return [r for r in self.rows if r.currency == currency]


# The chart's order of each report, in SQL and of the rows read (in Python, to put the currencies' few together):
# by freelancer, the most spend first (none spent: not shown); budget against actual, the contracts over budget
# first, then the largest budgets. Ties: by id.
_TOP_ORDER: dict[str, tuple[str, str, Callable[[tuple], tuple]]] = {
    "spend_by_freelancer": (
        "paid + fees - refunded != 0",
        "paid + fees - refunded DESC, g",
        lambda row: (row[1], -(row[2] + row[3] - row[4]), row[0]),  # (g, currency, paid, fees, refunded)
    ),
    "budget_vs_actual": (
        "budget IS NOT NULL",  # (every one)
        "(budget - paid + refunded >= 0), budget DESC, id",
        lambda row: (row[1], row[2] - row[3] + row[4] >= 0, -row[2], row[0]),  # (id, currency, budget, paid, ...)
    ),
}


def top_rows(
    key: str,
    run: Callable,
    *,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = NO_FILTERS,
    top: int,
) -> Top:
    """The `top` rows of each currency of the report `key` (spend_by_freelancer, as recorded; budget_vs_actual)
    that its chart shows, and how many rows each currency has: one statement makes every row once, reads the first
    few of each of the book's currencies (each a LIMIT: a window function ranking every row took twice as long),
    then counts them (by freelancer over one whole year with no filter, from their kept years: walked largest
    first instead, `_top_freelancers_walked`; budget against actual over one whole year with no filter: read from
    its indexes, `_top_budgets_walked`). `run`: a connection's `execute`."""
    if key == "spend_by_freelancer":
        years = _years(run, first, last) if _freelancers_kept(filters) else None
        if years is not None and _one_year(years):
            return _top_freelancers_walked(run, years[0], top)
        sql, args = _freelancer_sums(run, first, last, filters)
        columns, kind = "g, currency, paid, fees, refunded", "freelancer"
    elif key == "budget_vs_actual":
        year = _budget_year(run, first, last, filters)
        if year is not None:
            return _top_budgets_walked(run, year, top)
        sql, args = _budget_figures(run, first, last, *filters.sql())
        columns, kind = "id, currency, budget, paid, refunded", "contract"
    else:
        raise ValueError(f"no chart's rows of {key!r}")
    shown, order, in_order = _TOP_ORDER[key]
    currencies = [c for (c,) in run("SELECT currency FROM book_total ORDER BY currency")]  # (the book's: kept)
    few = "".join(f"SELECT * FROM (SELECT 0, {columns} FROM k WHERE currency = ? AND {shown} ORDER BY {order} LIMIT "
                  f"?) t{i} UNION ALL " for i in range(len(currencies)))  # fmt: skip
    found = run(
        f"WITH k AS MATERIALIZED ({sql}) {few}SELECT 1, COUNT(*), currency, NULL, NULL, NULL FROM k GROUP BY currency",
        [*args, *(x for c in currencies for x in (c, int(top)))],
    ).fetchall()
    counts = {row[2]: row[1] for row in found if row[0] == 1}
    ranked = sorted((row[1:] for row in found if row[0] == 0), key=in_order)
    labels = {int(k): v for k, v in _labels(kind, [row[0] for row in ranked], run).items()}
    if key == "spend_by_freelancer":
        rows = _spend_rows(ranked, labels.__getitem__)
    else:
        rows = _budget_rows((cid, labels[cid], cur, b, p, r) for cid, cur, b, p, r in ranked)
    return Top(key, tuple(rows), counts)


def _top_freelancers_walked(run: Callable, year: str, top: int) -> Top:
    """`top_rows` of spend by freelancer over one whole year with no filter, from the freelancers' kept years
    (`freelancer_year`: a row per freelancer and currency, as the report's): each currency's rows walked largest
    first by size through their index (`freelancer_year_size`), a batch at a time, until the `top`-th spend found is
    above the size of the last row read, which no row left can reach (a spend, paid + fees - refunds, is at most
    its sums' sizes added up); then each currency's rows counted in one pass over the year."""
    in_order = _TOP_ORDER["spend_by_freelancer"][2]
    nonzero = " OR ".join(f"d.{c} != 0" for c in SPEND_SUMS)
    counts = {
        str(c): int(n)
        for c, n in run(
            f"SELECT d.currency, COUNT(*) FROM freelancer_year d WHERE d.year = ? AND ({nonzero}) "
            "GROUP BY +d.currency",  # (the year's rows read in their own order, then sorted: not each looked up)
            [year],
        )
    }
    found: list[tuple] = []
    step = max(_WALK_STEP, 2 * top)
    for currency in sorted(counts):
        best: list[tuple] = []  # (the currency's rows shown so far, in the chart's order: the first `top` kept)
        read = 0
        while True:
            columns = f"d.freelancer_id, d.currency, d.paid, d.fees, d.refunded, {SIZE_SQL}"
            rows = run(
                _largest_first("freelancer_year", "d.freelancer_id", columns), [year, currency, step, read]
            ).fetchall()
            read += len(rows)
            spent = [(int(g), str(c), int(p), int(f), int(r)) for g, c, p, f, r, _ in rows if p + f - r != 0]
            best = sorted(best + spent, key=in_order)[:top]
            if len(rows) < step or (len(best) == top and best[-1][2] + best[-1][3] - best[-1][4] > rows[-1][5]):
                break  # (every row read, or none left can reach the chart: a tie may, on its id)
            step *= 2
        found += best
    labels = {int(k): v for k, v in _labels("freelancer", [row[0] for row in found], run).items()}
    return Top("spend_by_freelancer", tuple(_spend_rows(found, labels.__getitem__)), counts)


def _top_budgets_walked(run: Callable, year: str, top: int) -> Top:
    """`top_rows` of budget against actual over one whole `year` with no filter, from its indexes: in each currency
    the contracts over budget in the year (the kept years whose budget left is below zero, BUDGET_LEFT_INDEX), the
    largest budgets first, then the largest budgets of the rest (CURRENCY_BUDGET_INDEX: the `top` largest, less
    those shown already), with their year's payments and refunds; counted from the budgets' index."""
    in_order = _TOP_ORDER["budget_vs_actual"][2]
    counts = {currency: n for currency, n, _ in _budgets(run)}
    found: list[tuple] = []
    for currency in sorted(counts):
        over = [
            (int(cid), currency, int(b), int(p), int(r))
            for cid, b, p, r in run(
                f"SELECT y.contract_id, y.budget, y.paid, y.refunded FROM contract_year y WHERE y.year = ? AND "
                f"y.currency = ? AND y.budget IS NOT NULL AND {_LEFT_SQL} < 0 ORDER BY y.budget DESC, y.contract_id "
                "LIMIT ?",
                [year, currency, int(top)],
            )
        ]
        shown = {row[0] for row in over}
        largest = [row for row in _by_budget(run, currency, top) if row[0] not in shown][: top - len(over)]
        flows = _year_flows(run, year, [cid for cid, _ in largest])
        found += over + [(cid, currency, budget, *flows.get(cid, (0, 0))) for cid, budget in largest]
    ranked = sorted(found, key=in_order)
    labels = {int(k): v for k, v in _labels("contract", [row[0] for row in ranked], run).items()}
    return Top("budget_vs_actual", tuple(_budget_rows((cid, labels[cid], *rest) for cid, *rest in ranked)), counts)


# ------------------------------------------------------------------ drill-down
@dataclass(frozen=True)
class EntryLine:
    """A ledger entry behind a figure: `amount` as it counts in the figure (negative when it lowers it)."""

    id: int
    date: date
    kind: str
    amount: int
    currency: str
    contract_id: int
    contract: str


GROUPS = {"period": None, "freelancer": "c.freelancer_id", "contract": "e.contract_id"}


def entries_behind(
    column: str,
    *,
    group: str | None = None,
    key: str | None = None,
    currency: str | None = None,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = NO_FILTERS,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[EntryLine], int]:
    """The live ledger entries behind a figure, by date then id, a page at a time, and how many there are.

    `column`: a report's column ("paid", "fees", "spend", "escrow"...); `group`: "period" (key "2026-03",
    "2026-Q1" or "2026"), "freelancer" or "contract" (key: the id), or None (the report's total); `currency`:
    the row's currency (None: every currency); `first`/`last`/`filters`: the report's. For an escrow balance
    at a month end, pass the month as `last`'s month and no `first` (a balance counts everything before)."""
    signs: dict[str, int] = {}
    for b, sign in DERIVED.get(column, {column: 1}).items():
        for kind, s in COLUMN_KINDS[b].items():
            signs[kind] = signs.get(kind, 0) + sign * s
    signs = {k: s for k, s in signs.items() if s}
    where = f" AND e.kind IN ({', '.join('?' for _ in signs)})"
    args: list = list(signs)
    if group == "period" and key is not None:
        a, b = period_days(key)
        first = max(first, a) if first else a
        last = min(last, b) if last else b
    elif group is not None:
        where += f" AND {GROUPS[group]} = ?"
        args.append(int(key))
    if currency is not None:
        where += " AND e.currency = ?"
        args.append(currency)
    if first is not None:
        where += " AND e.date >= ?"
        args.append(first.isoformat())
    if last is not None:
        where += " AND e.date <= ?"
        args.append(last.isoformat())
    cond, cargs = filters.sql()
    where += cond
    args += cargs
    sql = "FROM live_entry e JOIN contract c ON c.id = e.contract_id WHERE 1" + where
    count = database.execute_sql("SELECT COUNT(*) " + sql, args).fetchone()[0]
    rows = database.execute_sql(
        "SELECT e.id, e.date, e.kind, e.amount, e.currency, e.contract_id, c.title "
        + sql
        + " ORDER BY e.date, e.id LIMIT ? OFFSET ?",
        [*args, int(limit), int(offset)],
    )
    lines = [
        EntryLine(i, date.fromisoformat(str(d)), kind, signs[kind] * amount, cur, cid, title)
        for i, d, kind, amount, cur, cid, title in rows
    ]
    return lines, count


REPORTS = {
    "spend_by_period": spend_by_period,
    "spend_by_freelancer": spend_by_freelancer,
    "spend_by_contract": spend_by_contract,
    "fees_by_period": fees_by_period,
    "refunds_by_period": refunds_by_period,
    "escrow_by_month_end": escrow_by_month_end,
    "budget_vs_actual": budget_vs_actual,
}

__all__ = [
    "EntryLine",
    "Filters",
    "HomeAmount",
    "HomeRow",
    "Ordered",
    "Report",
    "Row",
    "budget_vs_actual",
    "entries_behind",
    "escrow_by_month_end",
    "fee_share",
    "fees_by_period",
    "ordered_page",
    "refunds_by_period",
    "spend_by_contract",
    "spend_by_freelancer",
    "spend_by_period",
]
