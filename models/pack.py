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
  - a part per freelancer paid, charged fees on or refunded in the year: their contracts of the year (from
    spend by contract) and their totals (from spend by freelancer).
Each figure is in the contract's own currency (never added across currencies, R1); with a home currency, each
group also has a row converted into it. A converted figure missing a rate says so in its cell ("rate
missing"), and the pack lists, per currency, the days that had no rate and every rate it used.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path

from . import reports
from .csv_io import plain_amount, safe_cell
from .entities import database
from .labels import day_text
from .money import CURRENCY_EXPONENT, format_money
from .partfiles import incomplete
from .rates import home_currency
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
# Row kinds, for the PDF's styling: a group's row in one currency, its row in the home currency, a total.
ROW, HOME, TOTAL, HOME_TOTAL = "row", "home", "total", "home total"


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
def money(minor: int, currency: str) -> str:
    return format_money(minor, currency)


def home_cell(figure: HomeAmount | None) -> str:
    """A converted figure as shown: the amount; with "rate missing" when a part of it had no rate."""
    if figure is None:
        return ""
    if figure.complete:
        return money(figure.amount, figure.currency)
    if all(p.missing for p in figure.parts):
        return RATE_MISSING
    return f"{money(figure.amount, figure.currency)}\n+ {RATE_MISSING}"


def missing_words(figure: HomeAmount | None) -> str:
    """For a CSV cell: what of a converted figure had no rate ("" when nothing)."""
    if figure is None or figure.complete:
        return ""
    return figure.describe().split("; ")[-1]


def percent(share: Fraction | None) -> str:
    """An exact share as a percentage with one decimal, rounded half to even ("4.8%"); "" for no share."""
    if share is None:
        return ""
    value = (Decimal(share.numerator) * 100 / Decimal(share.denominator)).quantize(Decimal("0.1"), ROUND_HALF_EVEN)
    return f"{value}%"


# ------------------------------------------------------------------ a report as a table
def _report_table(
    report: Report,
    key: str,
    title: str,
    intro: str,
    group_header: str,
    *,
    share: bool = False,
    flags: bool = False,
) -> Table:
    """The report's rows per group (each currency, then the group in the home currency), then its totals."""
    columns = report.columns
    headers = (group_header, "Currency", *(COLUMN_TITLES[c] for c in columns))
    extra: tuple[str, ...] = ()
    if share:
        extra += ("Fees' share",)
    if flags:
        extra += ("Over or under",)
    headers += extra
    numeric = frozenset(range(2, 2 + len(columns) + (1 if share else 0)))
    csv_headers = ("group", "label", "currency", *columns, *(("fee_share",) if share else ()),
                   *(("flag",) if flags else ()), "converted", "without_a_rate")  # fmt: skip
    home_of = {h.key: h for h in report.home_rows}
    rows: list[tuple[str, ...]] = []
    kinds: list[str] = []
    keys: list[str] = []
    csv_rows: list[tuple] = []

    def share_of(figures: dict, home: bool = False) -> str:
        if home:
            fees, spend = figures.get("fees"), figures.get("spend")
            if fees is None or spend is None or not (fees.complete and spend.complete):
                return ""
            return percent(reports.fee_share(fees.amount, spend.amount))
        return percent(reports.fee_share(figures["fees"], figures["spend"]))

    def add_row(r: Row, shown_label: str, kind: str) -> None:
        cells = [shown_label, r.currency, *(money(r.figures[c], r.currency) for c in columns)]
        extras = []
        if share:
            extras.append(share_of(r.figures))
        if flags:
            extras.append(r.flag)
        rows.append((*cells, *extras))
        kinds.append(kind)
        keys.append(r.key)
        csv_rows.append((r.key, r.label, r.currency, *(plain_amount(r.figures[c], r.currency) for c in columns),
                         *extras, "", ""))  # fmt: skip

    def add_home(h: HomeRow, shown_label: str, kind: str) -> None:
        figures = [h.figures.get(c) for c in columns]
        cells = [shown_label, f"in {h.currency}", *(home_cell(f) for f in figures)]
        extras = []
        if share:
            extras.append(share_of(h.figures, home=True))
        if flags:
            extras.append("")
        rows.append((*cells, *extras))
        kinds.append(kind)
        keys.append(h.key)
        without = "; ".join(sorted({w for f in figures if (w := missing_words(f))}))
        csv_rows.append((h.key, h.label, h.currency,
                         *("" if f is None else plain_amount(f.amount, f.currency) for f in figures),
                         *extras, f"into {h.currency}", without))  # fmt: skip

    last_key = None
    for r in report.rows:
        if last_key is not None and r.key != last_key and last_key in home_of:
            add_home(home_of[last_key], "", HOME)
        add_row(r, r.label if r.key != last_key else "", ROW)
        last_key = r.key
    if last_key is not None and last_key in home_of:
        add_home(home_of[last_key], "", HOME)
    for n, t in enumerate(report.totals):
        add_row(t, "" if n else "Total", TOTAL)
    if report.home_total is not None and report.totals:
        add_home(report.home_total, "Total", HOME_TOTAL)
    return Table(key, title, intro, headers, numeric, rows, kinds, csv_headers, csv_rows, report, keys=keys)


def _budget_totals(report: Report, kept: set[str]) -> Report:
    """The budget report with only the kept contracts, and its per-currency totals of those."""
    rows = tuple(r for r in report.rows if r.key in kept)
    sums: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(report.columns, 0))
    for r in rows:
        for c in report.columns:
            sums[r.currency][c] += r.figures[c]
    totals = tuple(Row("", "Total", cur, sums[cur]) for cur in sorted(sums))
    home_rows = tuple(h for h in report.home_rows if h.key in kept)
    return Report(report.name, report.columns, rows, totals, report.home, home_rows, None, report.first,
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

    tables: list[Table] = []
    tell("spend by month")
    r = reports.spend_by_period("month", **span)
    tables.append(_report_table(r, "spend-by-month", "Spend by month",
                                "What was paid to freelancers, the fees, and the refunds of payments, each on its own "
                                "date; the spend is paid plus fees less refunds.", "Month"))  # fmt: skip
    tell("spend by quarter")
    r = reports.spend_by_period("quarter", **span)
    tables.append(_report_table(r, "spend-by-quarter", "Spend by quarter", "The same, by quarter.", "Quarter"))
    tell("spend by freelancer")
    by_freelancer = reports.spend_by_freelancer(**span)
    tables.append(_report_table(by_freelancer, "spend-by-freelancer", "Spend by freelancer",
                                "Each freelancer's payments, fees and refunds in the year.", "Freelancer"))  # fmt: skip
    tell("spend by contract")
    by_contract = reports.spend_by_contract(**span)
    tables.append(_report_table(by_contract, "spend-by-contract", "Spend by contract",
                                "Each contract's payments, fees and refunds in the year.", "Contract"))  # fmt: skip
    tell("fees")
    r = reports.fees_by_period("month", **span)
    tables.append(_report_table(r, "fees-by-month", "Fees and their share",
                                "Marketplace and contract-initiation fees (less initiation fees returned), and their "
                                "share of the spend.", "Month", share=True))  # fmt: skip
    tell("escrow held")
    r = reports.escrow_by_month_end(**span)
    tables.append(_report_table(r, "escrow-by-month-end", "Escrow held at each month end",
                                "The escrow held at the end of each month (a balance: everything funded up to that "
                                "day, less payments and escrow refunds), with the month's movements. Converted, only "
                                "the balance, at the rate of the month's last day.", "Month"))  # fmt: skip
    tell("refunds")
    r = reports.refunds_by_period("month", **span)
    tables.append(_report_table(r, "refunds-by-month", "Refunds and escrow refunds",
                                "Refunds of payments from freelancers, and escrow returned to you (from an escrow "
                                "refund request or a dispute's outcome).", "Month"))  # fmt: skip
    tell("budget against actual")
    contracts = _contracts()
    active = {cid for cid, (_, _, started, ended) in contracts.items()
              if started <= last.isoformat() and (ended is None or ended >= first.isoformat())}  # fmt: skip
    r = _budget_totals(reports.budget_vs_actual(last=last, home=home or False), active)
    tables.append(_report_table(r, "budget-against-actual", "Budget against actual",
                                f"The contracts active at some time in {year}, each budget against everything paid "
                                f"on it up to {day_text(last)} (the actual: paid less refunds). Over or under budget "
                                "is decided in the contract's own currency. Converted, the budget is at the rate "
                                "of the contract's start.", "Contract", flags=True))  # fmt: skip
    tell("freelancers' pages")
    pages = _freelancer_pages(tables[2], tables[3], contracts)
    tell("exchange rates")
    used, missing = _rates(tables, pages)
    progress(STEPS, STEPS, "done")
    return Pack(year, home, tables, pages, used, missing)


def _contracts() -> dict[str, tuple[int, str, str, str | None]]:
    """Each contract's id -> (freelancer id, status, started on, ended on) (ISO dates)."""
    sql = "SELECT id, freelancer_id, status, started_on, ended_on FROM contract"
    return {
        str(cid): (fid, status, str(started), None if ended is None else str(ended))
        for cid, fid, status, started, ended in database.execute_sql(sql)
    }


def _freelancer_pages(by_freelancer: Table, by_contract: Table, contracts: dict) -> list[FreelancerPage]:
    """Each freelancer's contracts (the rows of spend by contract, as shown there) and totals (their rows of
    spend by freelancer, named "Total")."""
    names = {
        str(fid): (name, agency or "") for fid, name, agency in database.execute_sql(
            "SELECT id, name, agency FROM freelancer"
        )
    }  # fmt: skip
    theirs: dict[str, list[int]] = defaultdict(list)
    for i, (key, kind) in enumerate(zip(by_contract.keys, by_contract.kinds, strict=True)):
        if kind in (ROW, HOME):
            theirs[str(contracts[key][0])].append(i)
    totals: dict[str, list[int]] = defaultdict(list)
    for i, (key, kind) in enumerate(zip(by_freelancer.keys, by_freelancer.kinds, strict=True)):
        if kind in (ROW, HOME):
            totals[key].append(i)
    pages = []
    for fid in sorted(totals, key=lambda k: (names.get(k, ("", ""))[0].casefold(), int(k))):
        name, agency = names.get(fid, (f"Freelancer #{fid}", ""))
        rows = [by_contract.rows[i] for i in theirs[fid]]
        kinds = [by_contract.kinds[i] for i in theirs[fid]]
        for n, i in enumerate(totals[fid]):
            rows.append(("Total" if n == 0 else "", *by_freelancer.rows[i][1:]))
            kinds.append(TOTAL if by_freelancer.kinds[i] == ROW else HOME_TOTAL)
        table = Table(f"freelancer-{fid}", name, "", by_contract.headers, by_contract.numeric, rows, kinds, (), [])
        pages.append(FreelancerPage(int(fid), name, agency, table))
    return pages


def _rates(tables: list[Table], pages: list[FreelancerPage]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Every rate the pack's converted figures used, and per currency the days that had none, in words."""
    used: set[tuple[str, str, str]] = set()
    missing: dict[str, set[date]] = defaultdict(set)
    home = None
    for t in tables:
        rep = t.report
        if rep is None or rep.home is None:
            continue
        home = rep.home
        rows = [*rep.home_rows, *([rep.home_total] if rep.home_total else [])]
        for h in rows:
            for f in h.figures.values():
                for p in f.parts:
                    if p.missing:
                        missing[p.from_currency].add(p.on_day)
                    elif p.period is not None:
                        used.add((p.from_currency, p.period, p.quoted))
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
    """One CSV file as the exports write theirs (UTF-8 with a byte order mark, CRLF, each cell formula-safe),
    at `path` itself (a temporary the caller moves into place), pushed to the disk and checked whole."""
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(headers)
        for row in rows:
            w.writerow([safe_cell(v) for v in row])
            n += 1
        f.flush()
        written = f.tell()
        os.fsync(f.fileno())
    if Path(path).stat().st_size != written:
        raise incomplete(Path(path), "CSV file")
    return n


def generated_words(pack: Pack, book_name: str, at: datetime) -> list[str]:
    """The lines under the pack's title: which book, when, and in which currencies."""
    home = (
        f"Each figure is in its contract's own currency; each group is also converted into {pack.home} at the rates "
        "listed at the end (a figure without a rate says so)."
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
