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

Speed: each report is one or two aggregate queries over `ledger_entry` (its date index for a range); the
reversed entries (found through the unique partial index on `reverses_id`) are subtracted by a second query
instead of a NOT EXISTS per entry.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from .entities import LedgerEntry, database
from .queries import in_chunks
from .rates import Conversion, Converter, Missing, home_currency

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
@dataclass(frozen=True)
class HomeAmount:
    """A figure converted into the home currency: the sum of its converted day-sums (see the module's text)."""

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


@dataclass(frozen=True)
class Row:
    """One group in one currency: its figures in minor units of `currency`."""

    key: str  # "2026-03", "2026-Q1", "2026"; a freelancer's or a contract's id; "" for a total
    label: str
    currency: str
    figures: dict[str, int]
    flag: str = ""  # budget against actual: OVER, UNDER, ON or NO_BUDGET


@dataclass(frozen=True)
class HomeRow:
    """One group with all its currencies converted into the home currency."""

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


def _kinds_of(columns: Iterable[str]) -> list[str]:
    return sorted({k for c in columns for k in COLUMN_KINDS[c]})


def _base_columns(columns: Iterable[str]) -> list[str]:
    out: dict[str, None] = {}
    for c in columns:
        for b in DERIVED.get(c, {c: 1}):
            if b in COLUMN_KINDS:
                out[b] = None
    return list(out)


def _sums(
    group: str | None,
    base: list[str],
    first: date | None,
    last: date | None,
    filters: Filters,
    *,
    by_day: bool,
    keys: list | None = None,
) -> list[tuple]:
    """Live-ledger sums: rows (group, currency, day or None, kind, amount). `group`: SQL over e and c (None: one
    group, ""). Reversed entries are summed by a second query and subtracted (their amounts negated)."""
    kinds = _kinds_of(base)
    where = f" AND e.kind IN ({', '.join('?' for _ in kinds)})"
    args: list = list(kinds)
    if first is not None:
        where += " AND e.date >= ?"
        args.append(first.isoformat())
    if last is not None:
        where += " AND e.date <= ?"
        args.append(last.isoformat())
    cond, cargs = filters.sql()
    where += cond
    args += cargs
    needs_contract = filters.any or (group is not None and "c." in group)
    join = " JOIN contract c ON c.id = e.contract_id" if needs_contract else ""
    g = group if group is not None else "''"
    day = "e.date" if by_day else "NULL"
    select = f"SELECT {g}, e.currency, {day}, e.kind, SUM(e.amount) FROM ledger_entry e{join}"
    group_by = f" GROUP BY 1, 2{', 3' if by_day else ''}, 4"
    run = database.execute_sql
    reversed_where = " AND e.id IN (SELECT r.reverses_id FROM ledger_entry r WHERE r.reverses_id IS NOT NULL)"
    sums: dict[tuple, int] = {}
    for chunk in [None] if keys is None else in_chunks(list(keys)):  # (some groups: a few IN lists)
        some = "" if chunk is None else f" AND {group} IN ({', '.join('?' for _ in chunk)})"
        bound = args if chunk is None else [*args, *chunk]
        sums.update({tuple(r[:4]): r[4] for r in run(select + " WHERE 1" + where + some + group_by, bound)})
        for *k, amount in run(select + " WHERE 1" + reversed_where + where + some + group_by, bound):
            k = tuple(k)
            sums[k] = sums[k] - amount
    return [(*k, v) for k, v in sums.items() if v]


# The maintained per-contract totals (models/summary.py, verified against the ledger by `escrowbook check`), as
# the ledger kinds they sum (fees there are already less the initiation fees returned).
_KEPT = {
    E.FUND: "funded",
    E.RELEASE: "released",
    E.FEE: "fees",
    E.REFUND: "refunded",
    E.ESCROW_REFUND: "escrow_refunded",
}


def _kept_sums(group: str, filters: Filters) -> list[tuple]:
    """Whole-life sums per (group, currency) from `contract_totals` (no date range): rows as `_sums`'s. `group`
    is SQL over contract `c`. One pass over 100k small rows instead of a million ledger entries."""
    cond, args = filters.sql()
    columns = ", ".join(f"SUM(t.{c})" for c in _KEPT.values())
    sql = (
        f"SELECT {group}, t.currency, {columns} FROM contract_totals t JOIN contract c ON c.id = t.contract_id "
        f"WHERE 1{cond} GROUP BY 1, 2"
    )
    out = []
    for g, cur, *values in database.execute_sql(sql, args):
        out += [(g, cur, None, kind, v) for kind, v in zip(_KEPT, values, strict=True) if v]
    return out


def _figures(base: dict[str, int], columns: Iterable[str]) -> dict[str, int]:
    out = {}
    for c in columns:
        if c in DERIVED:
            out[c] = sum(sign * base.get(b, 0) for b, sign in DERIVED[c].items())
        else:
            out[c] = base.get(c, 0)
    return out


def _add(target: dict[str, int], kind: str, amount: int, base: list[str]) -> None:
    for column in base:
        sign = COLUMN_KINDS[column].get(kind)
        if sign:
            target[column] = target.get(column, 0) + sign * amount


class _Home:
    """Adds up day-sums per (group, column, currency, day), then converts each sum once."""

    def __init__(self, converter: Converter):
        self.converter = converter
        self.sums: dict[str, dict[str, dict[tuple[str, str], int]]] = defaultdict(lambda: defaultdict(dict))

    def add(self, key: str, kind: str, currency: str, day: str, amount: int, base: list[str]) -> None:
        columns = self.sums[key]
        for column in base:
            sign = COLUMN_KINDS[column].get(kind)
            if sign:
                cell = columns[column]
                cell[(currency, day)] = cell.get((currency, day), 0) + sign * amount

    def amount(self, day_sums: dict[tuple[str, str], int]) -> HomeAmount:
        parts = []
        total = 0
        for (currency, day), value in sorted(day_sums.items()):
            if value == 0:
                continue
            conv = self.converter.convert(value, currency, date.fromisoformat(day))
            parts.append(conv)
            if not conv.missing:
                total += conv.amount
        return HomeAmount(total, self.converter.home, tuple(parts))

    def row(self, key: str, label: str, columns: Iterable[str]) -> HomeRow:
        cells = self.sums.get(key, {})
        base = {c: self.amount(cells.get(c, {})) for c in COLUMN_KINDS if c in cells}
        figures = {}
        for c in columns:
            if c in DERIVED:
                parts = tuple(p for b in DERIVED[c] if b in base for p in base[b].parts)
                total = sum(sign * base[b].amount for b, sign in DERIVED[c].items() if b in base)
                figures[c] = HomeAmount(total, self.converter.home, parts)
            else:
                figures[c] = base.get(c, HomeAmount(0, self.converter.home))
        return HomeRow(key, label, self.converter.home, figures)


def _home(home: str | bool | None) -> str | None:
    if home is False:
        return None
    if home is None or home is True:
        return home_currency()
    return home


def _labels(kind: str, keys: Iterable) -> dict[str, str]:
    keys = list(keys)
    if not keys:
        return {}
    table = "freelancer f" if kind == "freelancer" else "contract f"
    column = "name" if kind == "freelancer" else "title"
    out = {}
    for chunk in in_chunks(keys):
        sql = f"SELECT f.id, f.{column} FROM {table} WHERE f.id IN ({', '.join('?' for _ in chunk)})"
        out.update({str(i_): label for i_, label in database.execute_sql(sql, [int(k) for k in chunk])})
    return out


def _grouped(
    name: str,
    group: str | None,
    columns: tuple[str, ...],
    first: date | None,
    last: date | None,
    filters: Filters,
    home: str | bool | None,
    *,
    label_kind: str | None = None,
    key_of_day=None,
    offset: int = 0,
    limit: int | None = None,
    sort: str | None = None,
) -> Report:
    """A report of flows (sums of entries) per group and currency, and per group in the home currency.

    Period reports (`key_of_day`) read day-sums once and group them in Python; the others read per (group,
    currency) and, for the home currency, read day-sums of the groups of the page only."""
    base = _base_columns(columns)
    home = _home(home)
    converter = Converter(home) if home else None
    per: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    home_sums = _Home(converter) if converter else None
    total_home = _Home(converter) if converter else None
    if key_of_day is not None:
        for _, cur, day, kind, amount in _sums(None, base, first, last, filters, by_day=True):
            key = key_of_day(date.fromisoformat(day))
            _add(per[(key, cur)], kind, amount, base)
            if home_sums is not None:
                home_sums.add(key, kind, cur, day, amount, base)
                total_home.add("", kind, cur, day, amount, base)
    else:
        if first is None and last is None:  # the whole life of each contract: the maintained totals answer
            sums = _kept_sums(group.replace("e.contract_id", "c.id"), filters)
        else:
            sums = _sums(group, base, first, last, filters, by_day=False)
        for g, cur, _, kind, amount in sums:
            _add(per[(str(g), cur)], kind, amount, base)
    per = {k: v for k, v in per.items() if any(v.values())}
    keys = sorted({k for k, _ in per}, key=lambda k: (len(k), k) if label_kind else k)
    if sort is not None:
        best = {}
        for (k, _), v in per.items():
            best[k] = max(best.get(k, 0), _figures(v, columns)[sort])
        keys.sort(key=lambda k: -best[k])
    groups = len(keys)
    page = keys[offset : None if limit is None else offset + limit]
    labels = _labels(label_kind, page) if label_kind else {k: k for k in page}
    currencies: dict[str, list[str]] = defaultdict(list)
    for k, cur in sorted(per):
        currencies[k].append(cur)
    rows = tuple(Row(k, labels.get(k, k), cur, _figures(per[(k, cur)], columns)) for k in page for cur in currencies[k])
    totals_base: dict[str, dict[str, int]] = defaultdict(dict)
    for (_, cur), v in per.items():
        t = totals_base[cur]
        for c, amount in v.items():
            t[c] = t.get(c, 0) + amount
    totals = tuple(Row("", "Total", cur, _figures(totals_base[cur], columns)) for cur in sorted(totals_base))
    home_rows: tuple[HomeRow, ...] = ()
    home_total = None
    if converter is not None:
        if key_of_day is None:
            keys = None if len(page) == groups else page  # (every group: no list of them to bind)
            for g, cur, day, kind, amount in _sums(group, base, first, last, filters, by_day=True, keys=keys):
                home_sums.add(str(g), kind, cur, day, amount, base)
            if limit is None:  # (a page's home total is the period report's of the same range and filters)
                for _, cur, day, kind, amount in _sums(None, base, first, last, filters, by_day=True):
                    total_home.add("", kind, cur, day, amount, base)
        home_rows = tuple(home_sums.row(k, labels.get(k, k), columns) for k in page)
        home_total = total_home.row("", "Total", columns) if key_of_day is not None or limit is None else None
    return Report(name, columns, rows, totals, home, home_rows, home_total, first, last, filters, groups)


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
        None,
        SPEND_COLUMNS,
        first,
        last,
        filters,
        home,
        key_of_day=_by_period(period),
    )


def spend_by_freelancer(
    *,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = NO_FILTERS,
    home: str | bool | None = None,
    offset: int = 0,
    limit: int | None = None,
    sort: str | None = None,
) -> Report:
    """Paid, fees, refunded and spend per freelancer (key: the freelancer's id; label: their name)."""
    return _grouped(
        "spend by freelancer",
        "c.freelancer_id",
        SPEND_COLUMNS,
        first,
        last,
        filters,
        home,
        label_kind="freelancer",
        offset=offset,
        limit=limit,
        sort=sort,
    )


def spend_by_contract(
    *,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = NO_FILTERS,
    home: str | bool | None = None,
    offset: int = 0,
    limit: int | None = None,
    sort: str | None = None,
) -> Report:
    """Paid, fees, refunded and spend per contract (key: the contract's id; label: its title). `sort` (a
    column) orders the contracts by it, largest first (else by id); `offset`/`limit` give a page: the home
    currency is converted for the page's contracts only (the home total is the whole report's)."""
    return _grouped(
        "spend by contract",
        "e.contract_id",
        SPEND_COLUMNS,
        first,
        last,
        filters,
        home,
        label_kind="contract",
        offset=offset,
        limit=limit,
        sort=sort,
    )


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
        None,
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
        None,
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
    run = _sums(None, base, None, last, filters, by_day=True)
    days = [date.fromisoformat(d) for _, _, d, _, _ in run]
    if first is None and days:
        first = min(days)
    if last is None and days:
        last = max(days)
    rows: list[Row] = []
    home_rows: list[HomeRow] = []
    if first is None or last is None or first > last:
        return Report("escrow by month end", columns, (), (), home, (), None, first, last, filters, 0)
    opening: dict[str, dict[str, int]] = defaultdict(dict)
    for _, cur, d, kind, amount in run:
        month = d[:7]
        if d < first.isoformat():
            _add(opening[cur], kind, amount, base)
        else:
            _add(monthly[(month, cur)], kind, amount, base)
    currencies = sorted({cur for _, cur, _, _, _ in run})
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


def budget_vs_actual(
    *,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = NO_FILTERS,
    home: str | bool | None = None,
    offset: int = 0,
    limit: int | None = None,
    over_only: bool = False,
) -> Report:
    """Per contract with a budget (key: its id; label: its title): the budget, paid, refunded, the actual (paid
    less refunded) and what is left of the budget (negative: over), flagged OVER, UNDER or ON budget in the
    contract's own currency. The range limits the payments and refunds counted. `over_only`: only the
    contracts over budget. In the home currency the budget is converted at the rate of the contract's start."""
    columns = BUDGET_COLUMNS
    base = ["paid", "refunded"]
    home = _home(home)
    converter = Converter(home) if home else None
    cond, cargs = filters.sql()
    contracts = {
        str(cid): (title, cur, budget, started)
        for cid, title, cur, budget, started in database.execute_sql(
            "SELECT c.id, c.title, c.currency, c.budget, c.started_on FROM contract c WHERE c.budget IS NOT NULL"
            + cond
            + " ORDER BY c.id",
            cargs,
        )
    }
    flows: dict[str, dict[str, int]] = defaultdict(dict)
    if first is None and last is None:
        sums = _kept_sums("CASE WHEN c.budget IS NULL THEN NULL ELSE c.id END", filters)
    else:
        sums = _sums(
            "CASE WHEN c.budget IS NULL THEN NULL ELSE e.contract_id END", base, first, last, filters, by_day=False
        )
    for g, _, _, kind, amount in sums:
        if g is not None:
            _add(flows[str(g)], kind, amount, base)
    rows_all = []
    for cid, (title, cur, budget, _) in contracts.items():
        figures = _figures(flows.get(cid, {}), ("paid", "refunded", "actual"))
        figures = {"budget": budget, **figures, "left": budget - figures["actual"]}
        flag = OVER if figures["left"] < 0 else ON if figures["left"] == 0 else UNDER
        if over_only and flag != OVER:
            continue
        rows_all.append(Row(cid, title, cur, figures, flag))
    page = rows_all[offset : None if limit is None else offset + limit]
    sums: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(columns, 0))
    for r in rows_all:
        for c in columns:
            sums[r.currency][c] += r.figures[c]
    totals = tuple(Row("", "Total", cur, sums[cur]) for cur in sorted(sums))
    home_rows: list[HomeRow] = []
    home_total = None
    if converter is not None:
        keys = [r.key for r in page]
        day_sums = _Home(converter)
        for g, cur, day, kind, amount in _sums("e.contract_id", base, first, last, filters, by_day=True, keys=keys):
            day_sums.add(str(g), kind, cur, day, amount, base)
        for r in page:
            hr = day_sums.row(r.key, r.label, ("paid", "refunded", "actual"))
            started = date.fromisoformat(str(contracts[r.key][3]))
            b = converter.convert(r.figures["budget"], r.currency, started)
            budget = HomeAmount(0 if b.missing else b.amount, home, (b,))
            actual = hr.figures["actual"]
            left = HomeAmount(budget.amount - actual.amount, home, budget.parts + actual.parts)
            home_rows.append(HomeRow(r.key, r.label, home, {"budget": budget, **hr.figures, "left": left}))
    return Report(
        "budget against actual", columns, tuple(page), totals, home, tuple(home_rows), home_total, first, last,
        filters, len(rows_all),
    )  # fmt: skip


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
    "Report",
    "Row",
    "budget_vs_actual",
    "entries_behind",
    "escrow_by_month_end",
    "fee_share",
    "fees_by_period",
    "refunds_by_period",
    "spend_by_contract",
    "spend_by_freelancer",
    "spend_by_period",
]
