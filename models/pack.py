"""The year-end pack for the accountant, arranged without Qt: each report of models/reports.py for one year as a
table (the cells as the PDF shows them, and the rows as the CSV files hold them), each freelancer's contracts
and totals, the exchange rates used and the rates missing, in words. desktop/pack_pdf.py lays
it out on paper; `write_csvs` writes the CSV files (formula-safe, as the exports are: models/csv_io.py).

What a year's pack holds (`build_pack`):
  - spend by month and by quarter, by freelancer, by contract; fees by month with their share of the spend;
    the escrow held at each month end; refunds of payments and escrow refunds by month: each report as
    models/reports.py gives it for 1 January to 31 December;
  - budget against actual: the contracts that were active at some time in the year (started on or before its
    last day, not ended before its first), each budget against everything paid on it up to the year's last
    day (a budget is for a contract's whole life: a contract begun the year before is not "under budget"
    because part of it was paid then);
  - a part per freelancer paid, charged fees on or refunded in the year, or with a contract active in it: each
    of their contracts listed once with all its figures (its spend in the year from spend by contract, its budget
    against actual), then their totals of the year (from spend by freelancer).
Each contract is listed once in the PDF: spend by contract and budget against actual show there only their totals
(and how many contracts are over or under budget), and say that each contract is on its freelancer's page; their
CSV files hold every contract's row.
Each figure is in the contract's own currency (never added across currencies, R1); with a home currency, each
group's figures are also converted into it, in columns of their own beside them ("Paid in EUR"), on the group's
first row (a group in several currencies is converted as a whole). In the CSV files each group's converted
figures are a row of their own ("into EUR"). A converted figure missing a rate says so in its cell ("rate
missing"), and the pack lists, per currency, the days that had no rate and every rate it used.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from itertools import chain, repeat
from operator import attrgetter, itemgetter
from pathlib import Path

from . import reports
from .csv_io import plain_amount, write_rows
from .entities import database
from .labels import day_text
from .money import CURRENCY_EXPONENT, format_money
from .rates import Together, converting_together, home_currency
from .reports import HomeAmount, HomeRow, Report, Row

RATE_MISSING = "rate missing"
COLUMN_TITLES = {
    "paid": "Paid",
    "fees": "Fees",
    "refunded": "Refunded",
    "spend": "Spend",
    "funded": "Funded",
    "escrow_refunded": "Escrow refunded",
    "escrow": "Escrow held",
    "budget": "Budget",
    "actual": "Actual",
    "left": "Left of budget",
}
# Row kinds, for the PDF's styling: a group's row in one currency, a total, a freelancer's name (their rows
# follow).
ROW, TOTAL, GROUP = "row", "total", "group"


@dataclass(frozen=True)
class Table:
    """One report as a table: `rows` as the PDF shows them (each a tuple of cell texts; a cell may hold lines
    separated by "\\n"), `kinds` the kind of each row; `csv_headers`/`csv_rows` as the CSV file holds it."""

    key: str  # the file name's stem and the chart's key: "spend-by-month"
    title: str
    intro: str
    headers: tuple[str, ...]
    numeric: frozenset[int]
    rows: list[tuple[str, ...]]
    kinds: list[str]
    csv_headers: tuple[str, ...]
    csv_rows: list[tuple]
    report: Report | None = None  # the report it shows (what a chart of it draws)
    empty: str = "Nothing in this year."
    keys: list[str] = field(default_factory=list)  # each row's group (a total's: "")
    summary: bool = False  # the PDF shows only its totals: its rows are on the freelancers' pages


@dataclass(frozen=True)
class FreelancerPage:
    freelancer_id: int
    name: str
    agency: str
    table: Table


@dataclass(frozen=True)
class Pack:
    year: int
    home: str | None
    tables: list[Table]
    freelancers: list[FreelancerPage]
    rates_used: list[tuple[str, str, str]]  # (currency, day or month, the rate as quoted), sorted
    missing: list[str] = field(default_factory=list)  # per currency, the days without a rate, in words

    @property
    def first(self) -> date:
        return date(self.year, 1, 1)

    @property
    def last(self) -> date:
        return date(self.year, 12, 31)


class PackCancelled(Exception):
    """The pack was stopped before its end (nothing is written)."""


# ------------------------------------------------------------------ cells
# A pack formats hundreds of thousands of amounts, and the same ones come back often (budgets, $0.00): each is
# formatted once per pack (build_pack empties these when it ends).
@functools.cache
def money(minor: int, currency: str) -> str:
    return format_money(minor, currency)


_plain = functools.lru_cache(maxsize=None)(plain_amount)
_MISSING = attrgetter("missing")
_PARTS = attrgetter("parts")
_AMOUNT = attrgetter("amount")


# While a pack is arranged whose reports had a rate for every amount they converted (as most have): no figure of
# theirs misses one, and `complete` need not look through each one's parts (a freelancer's or a month's are
# hundreds).
_all_priced = False


def complete(figure: HomeAmount) -> bool:
    """Whether every part of a converted figure had a rate (HomeAmount.complete, without making its tuple of
    missing parts: a pack asks it of every converted figure)."""
    return _all_priced or not any(map(_MISSING, figure.parts))


def home_cell(figure: HomeAmount | None) -> str:
    """A converted figure as shown: the amount; with "rate missing" when a part of it had no rate."""
    if figure is None:
        return ""
    if complete(figure):
        return money(figure.amount, figure.currency)
    if all(map(_MISSING, figure.parts)):
        return RATE_MISSING
    return f"{money(figure.amount, figure.currency)}\n+ {RATE_MISSING}"


def missing_words(figure: HomeAmount | None) -> str:
    """For a CSV cell: what of a converted figure had no rate ("" when nothing)."""
    if figure is None or complete(figure):
        return ""
    return figure.describe().split("; ")[-1]


def percent(share: Fraction | None) -> str:
    """An exact share as a percentage with one decimal, rounded half to even ("4.8%"); "" for no share."""
    if share is None:
        return ""
    value = (Decimal(share.numerator) * 100 / Decimal(share.denominator)).quantize(Decimal("0.1"), ROUND_HALF_EVEN)
    return f"{value}%"


# ------------------------------------------------------------------ a report as a table
def _home_columns(report: Report) -> list[str]:
    """The report's columns that have a converted figure (the escrow report converts only its balance)."""
    if report.home is None:
        return []
    homes = [*report.home_rows, *([report.home_total] if report.home_total else [])]
    return [c for c in report.columns if any(c in h.figures for h in homes)]


def _home_share(figures: dict) -> str:
    fees, spend = figures.get("fees"), figures.get("spend")
    if fees is None or spend is None or not (complete(fees) and complete(spend)):
        return ""
    return percent(reports.fee_share(fees.amount, spend.amount))


def _report_table(
    report: Report,
    key: str,
    title: str,
    intro: str,
    group_header: str,
    *,
    share: bool = False,
    flags: bool = False,
    summary: bool = False,
) -> Table:
    """The report as the PDF shows it: each group's row per currency, its figures converted into the home currency
    in columns of their own on the group's first row (the whole group converted: all its currencies together),
    then the totals. With `summary` the PDF's rows are only the totals (each contract is listed once in the
    PDF: on its freelancer's page). The CSV rows hold everything: each row per currency, then each group's
    converted row, then the totals and their converted row."""
    columns = report.columns
    # A summary (a few rows of totals) says its converted totals in words under its intro: as columns they
    # would not fit beside its figures.
    home_cols = [] if summary else _home_columns(report)
    home = report.home
    shown_flags = flags and not summary  # (a summary says how many are over or under in its first column)
    headers = (group_header, "Currency", *(COLUMN_TITLES[c] for c in columns))
    if share:
        headers += ("Fees' share",)
    if shown_flags:
        headers += ("Over or under",)
    headers += tuple(f"{COLUMN_TITLES[c]}\nin {home}" for c in home_cols)
    if share and home_cols:
        headers += (f"Share\nin {home}",)
    n_native = 2 + len(columns) + (1 if share else 0)
    numeric = frozenset([*range(2, n_native), *range(n_native + (1 if shown_flags else 0), len(headers))])
    csv_headers = ("group", "label", "currency", *columns, *(("fee_share",) if share else ()),
                   *(("flag",) if flags else ()), "converted", "without_a_rate")  # fmt: skip
    home_of = {h.key: h for h in report.home_rows}
    rows: list[tuple[str, ...]] = []
    kinds: list[str] = []
    keys: list[str] = []
    csv_rows: list[tuple] = []
    blank_home = ("",) * (len(home_cols) + (1 if share and home_cols else 0))
    figures_of = _getter(columns)

    def extras_of(r: Row) -> list[str]:
        extras = []
        if share:
            extras.append(percent(reports.fee_share(r.figures["fees"], r.figures["spend"])))
        if flags:
            extras.append(r.flag)
        return extras

    def home_cells(h: HomeRow | None) -> tuple[str, ...]:
        if h is None:
            return blank_home
        cells = tuple(home_cell(h.figures.get(c)) for c in home_cols)
        return (*cells, _home_share(h.figures)) if share and home_cols else cells

    def add_row(r: Row, shown_label: str, kind: str, h: HomeRow | None, *, shown: bool = True) -> None:
        extras = extras_of(r) if share or flags else ()
        figures, cur = figures_of(r.figures), repeat(r.currency)
        if shown:
            rows.append((shown_label, r.currency, *map(money, figures, cur),
                         *(extras if shown_flags or not flags else extras[:-1]), *home_cells(h)))  # fmt: skip
            kinds.append(kind)
            keys.append(r.key)
        csv_rows.append((r.key, r.label, r.currency, *map(_plain, figures, cur), *extras, "", ""))

    def add_home_csv(h: HomeRow) -> None:
        figures = list(map(h.figures.get, columns))
        extras = []
        if share:
            extras.append(_home_share(h.figures))
        if flags:
            extras.append("")
        given = [f for f in figures if f is not None]
        without = ""
        if not _all_priced and any(map(_MISSING, chain.from_iterable(map(_PARTS, given)))):  # (one look at all)
            without = "; ".join(sorted({w for f in given if (w := missing_words(f))}))
        amounts = ["" if f is None else _plain(f.amount, f.currency) for f in figures]
        csv_rows.append((h.key, h.label, h.currency, *amounts, *extras, f"into {h.currency}", without))

    last_key = None
    for r in report.rows:
        if last_key is not None and r.key != last_key and last_key in home_of:
            add_home_csv(home_of[last_key])
        first_of_group = r.key != last_key
        add_row(r, r.label if first_of_group else "", ROW, home_of.get(r.key) if first_of_group else None,
                shown=not summary)  # fmt: skip
        last_key = r.key
    if last_key is not None and last_key in home_of:
        add_home_csv(home_of[last_key])
    if summary and flags:
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for r in report.rows:
            counts[r.currency][r.flag] += 1
    for n, t in enumerate(report.totals):
        h = report.home_total if n == 0 and report.totals else None
        label = "" if n else "Total"
        if summary and flags:
            c = counts[t.currency]
            label = (f"{label}: " if label else "") + ", ".join(
                f"{c[flag]:,} {flag}" for flag in (reports.OVER, reports.UNDER, reports.ON) if c[flag]
            )
        add_row(t, label, TOTAL, h)
    if report.home_total is not None and report.totals:
        add_home_csv(report.home_total)
    if summary and report.home_total is not None and report.totals:
        figures = report.home_total.figures
        intro += f" All currencies together, converted into {home}: " + "; ".join(
            f"{COLUMN_TITLES[c].lower()} {home_cell(figures[c]).replace(chr(10), ' ')}"
            for c in columns if c in figures
        ) + "."  # fmt: skip
    return Table(key, title, intro, headers, numeric, rows, kinds, csv_headers, csv_rows, report, keys=keys,
                 summary=summary)  # fmt: skip


def _getter(columns: tuple[str, ...]) -> Callable[[dict], tuple]:
    """A row's figures of `columns`, in their order, as a tuple."""
    get = itemgetter(*columns)
    return get if len(columns) > 1 else lambda figures: (get(figures),)


def _budget_totals(report: Report, kept: set[str]) -> Report:
    """The budget report with only the kept contracts, and its per-currency totals of those."""
    rows = tuple(r for r in report.rows if r.key in kept)
    sums: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(report.columns, 0))
    for r in rows:
        for c in report.columns:
            sums[r.currency][c] += r.figures[c]
    totals = tuple(Row("", "Total", cur, sums[cur]) for cur in sorted(sums))
    home_rows = tuple(h for h in report.home_rows if h.key in kept)
    home_total = None
    if report.home is not None and home_rows:
        # Each converted figure's sum over the kept contracts (each converted on its own). The total keeps, of
        # their parts, those without a rate (to say it is incomplete) and one with a rate (so that it is shown as
        # a figure "+ rate missing", not as missing altogether); the rates used are listed from the rows.
        figures = {}
        for c in report.columns:
            column = [h.figures[c] for h in home_rows]
            amount, kept_parts, priced = sum(map(_AMOUNT, column)), [], None
            if _all_priced:  # (nothing to keep but the first part)
                priced = next(chain.from_iterable(map(_PARTS, column)), None)
            else:
                for p in chain.from_iterable(map(_PARTS, column)):
                    if p.missing:
                        kept_parts.append(p)
                    elif priced is None:
                        priced = p
            figures[c] = HomeAmount(amount, report.home, (*((priced,) if priced else ()), *kept_parts))
        home_total = HomeRow("", "Total", report.home, figures)
    return Report(report.name, report.columns, rows, totals, report.home, home_rows, home_total, report.first,
                  report.last, report.filters, len(rows))  # fmt: skip


# ------------------------------------------------------------------ the pack
STEPS = 10  # reports read, the freelancers' pages, the rates (for progress)


def build_pack(
    year: int,
    *,
    home: str | bool | None = None,
    progress: Callable[[int, int, str], None] = lambda done, total, what: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Pack:
    """The pack of `year`: every report, the freelancers' pages, the rates. `home`: a currency code, None for
    the book's home currency (if it has one), False for none. Raises PackCancelled when `cancelled()`."""
    global _all_priced
    try:
        # (its reports convert the same day sums: each once; hundreds of thousands of objects made, none in a cycle)
        with converting_together() as together, reports.many_objects():
            return _build_pack(year, home, progress, cancelled, together)
    finally:
        _all_priced = False
        money.cache_clear()
        _plain.cache_clear()


def _build_pack(
    year: int, home, progress: Callable[[int, int, str], None], cancelled: Callable[[], bool], together: Together
) -> Pack:
    global _all_priced
    if home is None or home is True:
        home = home_currency()
    home = home or None
    first, last = date(year, 1, 1), date(year, 12, 31)
    span = dict(first=first, last=last, home=home or False)
    step = 0

    def tell(what: str) -> None:
        nonlocal step
        if cancelled():
            raise PackCancelled
        progress(step, STEPS, what)
        step += 1

    # The reports are read first, then arranged (knowing whether any amount lacked a rate).
    tell("spend by month")
    by_month = reports.spend_by_period("month", **span)
    tell("spend by quarter")
    by_quarter = reports.spend_by_period("quarter", **span)
    tell("spend by freelancer")
    by_freelancer = reports.spend_by_freelancer(**span)
    tell("spend by contract")
    by_contract = reports.spend_by_contract(**span)
    tell("fees")
    fees = reports.fees_by_period("month", **span)
    tell("escrow held")
    escrow = reports.escrow_by_month_end(**span)
    tell("refunds")
    refunds = reports.refunds_by_period("month", **span)
    tell("budget against actual")
    contracts = _contracts()
    active = {cid for cid, (_, _, started, ended) in contracts.items()
              if started <= last.isoformat() and (ended is None or ended >= first.isoformat())}  # fmt: skip
    budget_read = reports.budget_vs_actual(last=last, home=home or False, active_from=first)  # (only the active)
    _all_priced = together.all_priced()  # (every report read: whatever they converted)
    budget = _budget_totals(budget_read, active)
    tables = [
        _report_table(by_month, "spend-by-month", "Spend by month",
                      "What was paid to freelancers, the fees, and the refunds of payments, each on its own date; the "
                      "spend is paid plus fees less refunds.", "Month"),
        _report_table(by_quarter, "spend-by-quarter", "Spend by quarter", "The same, by quarter.", "Quarter"),
        _report_table(by_freelancer, "spend-by-freelancer", "Spend by freelancer",
                      "Each freelancer's payments, fees and refunds in the year.", "Freelancer"),
        _report_table(by_contract, "spend-by-contract", "Spend by contract",
                      f"The totals of the {len(by_contract.rows):,} contracts with payments, fees or refunds in the "
                      "year. Each contract's figures are on its freelancer's page; the CSV file lists every "
                      "contract.", "Contract", summary=True),
        _report_table(fees, "fees-by-month", "Fees and their share",
                      "Marketplace and contract-initiation fees (less initiation fees returned), and their share of "
                      "the spend.", "Month", share=True),
        _report_table(escrow, "escrow-by-month-end", "Escrow held at each month end",
                      "The escrow held at the end of each month (a balance: everything funded up to that day, less "
                      "payments and escrow refunds), with the month's movements. Converted, only the balance, at the "
                      "rate of the month's last day.", "Month"),
        _report_table(refunds, "refunds-by-month", "Refunds and escrow refunds",
                      "Refunds of payments from freelancers, and escrow returned to you (from an escrow refund "
                      "request or a dispute's outcome).", "Month"),
        _report_table(budget, "budget-against-actual", "Budget against actual",
                      f"The {len(budget.rows):,} contracts active at some time in {year}, each budget against "
                      f"everything paid on it up to {day_text(last)} (the actual: paid less refunds): their totals, "
                      "and how many are over, under or on budget. Over or under budget is decided in the contract's "
                      "own currency. Converted, each budget is at the rate of its contract's start. Each contract's "
                      "budget, actual and what is left are on its freelancer's page; the CSV file lists every "
                      "contract with all its figures.", "Contract", flags=True, summary=True),
    ]  # fmt: skip
    tell("freelancers' pages")
    pages = _freelancer_pages(by_freelancer, by_contract, budget, contracts)
    tell("exchange rates")
    used, missing = _rates(tables)
    progress(STEPS, STEPS, "done")
    return Pack(year, home, tables, pages, used, missing)


def _contracts() -> dict[str, tuple[int, str, str, str | None]]:
    """Each contract's id -> (freelancer id, status, started on, ended on) (ISO dates)."""
    sql = "SELECT id, freelancer_id, status, started_on, ended_on FROM contract"
    return {
        str(cid): (fid, status, str(started), None if ended is None else str(ended))
        for cid, fid, status, started, ended in database.execute_sql(sql)
    }


FREELANCER_COLUMNS = ("paid", "fees", "refunded", "spend")
BUDGET_COLUMNS = ("budget", "actual", "left")


def freelancer_headers(home: str | None) -> tuple[tuple[str, ...], frozenset[int]]:
    """The columns of a freelancer's table: a contract's spend in the year (and converted), its budget against
    its actual up to the year's end, and the flag."""
    headers = ("Contract", "Currency", *(COLUMN_TITLES[c] for c in FREELANCER_COLUMNS),
               *((f"Spend\nin {home}",) if home else ()), "Budget", "Actual\nto year end", "Left of\nbudget",
               "Over or\nunder")  # fmt: skip
    return headers, frozenset(range(2, len(headers) - 1))


def _freelancer_pages(
    by_freelancer: Report, by_contract: Report, budget: Report, contracts: dict
) -> list[FreelancerPage]:
    """Each freelancer's contracts of the year, each listed once with all its figures: its spend in the year (from
    spend by contract, and converted), its budget against actual (from budget against actual: the contracts
    active in the year); then the freelancer's totals of the year per currency (spend by freelancer)."""
    names = {
        str(fid): (name, agency or "") for fid, name, agency in database.execute_sql(
            "SELECT id, name, agency FROM freelancer"
        )
    }  # fmt: skip
    home = by_contract.home
    headers, numeric = freelancer_headers(home)
    spend = {r.key: r for r in by_contract.rows}
    spend_home = {h.key: h for h in by_contract.home_rows}
    budgets = {r.key: r for r in budget.rows}
    theirs: dict[str, list[str]] = defaultdict(list)
    for cid in [*spend, *(k for k in budgets if k not in spend)]:
        theirs[str(contracts[cid][0])].append(cid)
    totals: dict[str, list[Row]] = defaultdict(list)
    for r in by_freelancer.rows:
        totals[r.key].append(r)
    totals_home = {h.key: h for h in by_freelancer.home_rows}
    blank = ("",) * len(FREELANCER_COLUMNS)
    spend_of, budget_of = _getter(FREELANCER_COLUMNS), _getter(BUDGET_COLUMNS)
    pages = []
    for fid in sorted({*totals, *theirs}, key=lambda k: (names.get(k, ("", ""))[0].casefold(), int(k))):
        name, agency = names.get(fid, (f"Freelancer #{fid}", ""))
        rows: list[tuple[str, ...]] = []
        kinds: list[str] = []
        keys: list[str] = []
        for cid in theirs[fid]:
            s, b = spend.get(cid), budgets.get(cid)
            cur = (s or b).currency
            label = (s or b).label
            cells = [label, cur, *(map(money, spend_of(s.figures), repeat(cur)) if s else blank)]
            if home:
                h = spend_home.get(cid)
                cells.append(home_cell(h.figures.get("spend")) if h else "")
            if b:
                cells += [*map(money, budget_of(b.figures), repeat(cur)), b.flag]
            else:
                cells += ("", "", "", "")
            rows.append(tuple(cells))
            kinds.append(ROW)
            keys.append(cid)
        for n, t in enumerate(totals[fid]):
            cells = ["Total" if n == 0 else "", t.currency, *map(money, spend_of(t.figures), repeat(t.currency))]
            if home:
                h = totals_home.get(fid) if n == 0 else None
                cells.append(home_cell(h.figures.get("spend")) if h else "")
            rows.append((*cells, "", "", "", ""))
            kinds.append(TOTAL)
            keys.append("")
        table = Table(f"freelancer-{fid}", name, "", headers, numeric, rows, kinds, (), [], keys=keys)
        pages.append(FreelancerPage(int(fid), name, agency, table))
    return pages


def freelancers_table(pack: Pack) -> Table:
    """All the freelancers' pages as one table (as the PDF sets them, one after the other): before each
    freelancer's rows, a row of kind GROUP naming them (its cells: name, "Freelancer #id", agency)."""
    headers, numeric = freelancer_headers(pack.home)
    rows: list[tuple[str, ...]] = []
    kinds: list[str] = []
    keys: list[str] = []
    pad = ("",) * (len(headers) - 3)
    for f in pack.freelancers:
        rows.append((f.name, f"Freelancer #{f.freelancer_id}", f.agency, *pad))
        kinds.append(GROUP)
        keys.append(f"freelancer-{f.freelancer_id}")
        rows += f.table.rows
        kinds += f.table.kinds
        keys += f.table.keys
    return Table("freelancers", "Freelancers and their contracts", "", headers, numeric, rows, kinds, (), [],
                 keys=keys)  # fmt: skip


_RATE_OF = attrgetter("from_currency", "period", "quoted")


def _rates(tables: list[Table]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Every rate the pack's converted figures used, and per currency the days that had none, in words."""
    missing: dict[str, set[date]] = defaultdict(set)
    home = None
    parts = []
    for t in tables:
        rep = t.report
        if rep is None or rep.home is None:
            continue
        home = rep.home
        rows = [*rep.home_rows, *([rep.home_total] if rep.home_total else [])]
        parts += chain.from_iterable(map(_PARTS, chain.from_iterable(h.figures.values() for h in rows)))
    # (Over a million parts, at the speed of C: the missing ones are looked at one by one only when there are any.)
    if any(map(_MISSING, parts)):
        for p in parts:
            if p.missing:
                missing[p.from_currency].add(p.on_day)
        parts = [p for p in parts if not p.missing]
    used = set(map(_RATE_OF, parts))
    used = {u for u in used if u[1] is not None}  # (an amount in the home currency itself needs no rate)
    words = []
    for cur in sorted(missing):
        days = sorted(missing[cur])
        n = len(days)
        words.append(
            f"No rate of {cur} into {home} for {n} day{'s' if n != 1 else ''} ({_ranges(days)}): amounts in {cur} "
            f"of {'those days' if n != 1 else 'that day'} are left out of the {home} figures, which say "
            f"“{RATE_MISSING}”."
        )
    return sorted(used), words


def _ranges(days: list[date]) -> str:
    """Days as runs: "2 Mar 2026 to 5 Mar 2026, 9 Mar 2026"."""
    out = []
    start = prev = days[0]
    for d in [*days[1:], None]:
        if d is not None and (d - prev).days == 1:
            prev = d
            continue
        out.append(day_text(start) if start == prev else f"{day_text(start)} to {day_text(prev)}")
        if d is not None:
            start = prev = d
    return ", ".join(out)


def rates_table(pack: Pack) -> Table:
    """The rates the pack used, as a table (and its CSV)."""
    rows = [(cur, period, f"1 {cur} = {quoted} {pack.home}") for cur, period, quoted in pack.rates_used]
    return Table(
        "rates-used",
        "Exchange rates used",
        f"Every rate a figure in {pack.home} was converted at: one unit of the currency in {pack.home}, for the day "
        "or the month it was recorded for.",
        ("Currency", "Day or month", "Rate"),
        frozenset(),
        rows,
        [ROW] * len(rows),
        ("currency", "period", "rate", "home"),
        [(cur, period, quoted, pack.home) for cur, period, quoted in pack.rates_used],
        empty="No rate was needed: every figure is in the home currency already."
        if not pack.missing
        else "No rate was recorded for these figures.",
    )


# ------------------------------------------------------------------ files
def file_names(pack: Pack) -> dict[str, str]:
    """The file name of each CSV of the pack (by table key) and of the PDF ("pdf")."""
    names = {t.key: f"{pack.year} {t.title.lower()}.csv" for t in pack.tables}
    if pack.home:
        names["rates-used"] = f"{pack.year} exchange rates used.csv"
    names["pdf"] = f"{pack.year} year-end pack.pdf"
    return names


def csv_tables(pack: Pack) -> list[Table]:
    return [*pack.tables, *([rates_table(pack)] if pack.home else [])]


def write_csv_file(path: Path, headers: Iterable[str], rows: Iterable[tuple]) -> int:
    """One of the pack's CSV files, written as the exports write theirs, at `path` itself (a temporary the caller
    moves into place with the rest of the pack)."""
    return write_rows(path, headers, rows)


def generated_words(pack: Pack, book_name: str, at: datetime) -> list[str]:
    """The lines under the pack's title: which book, when, and in which currencies."""
    home = (
        f"Each figure is in its contract's own currency; the columns “in {pack.home}” convert each group (all its "
        f"currencies together, on its first row) at the rates listed after the reports (a figure without a rate "
        "says so)."
        if pack.home
        else "Each figure is in its contract's own currency (no home currency chosen: nothing is converted)."
    )
    return [
        f"{day_text(pack.first)} to {day_text(pack.last)}, from the book “{book_name}”.",
        home,
        "Amounts in different currencies are never added together.",
    ]


def known_currency(code: str) -> str | None:
    code = (code or "").strip().upper()
    return code if code in CURRENCY_EXPONENT else None
