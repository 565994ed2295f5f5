"""What the Reports window and the charts need beside the reports themselves (models/reports.py), without Qt:
the list of reports as the client reads it, each column's name, what a figure's drill-down asks for, and the
plain data a chart is painted from (`ChartData`: categories, series of integer minor units, one currency).

Nothing here writes; the queries are the reports' own (a chart by freelancer runs the period report once per
freelancer of the top few, and once for the whole, so that "others" is the rest exactly).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from . import report_pages, reports
from .entities import database
from .reports import Filters, HomeAmount, Report

# (key of reports.REPORTS, the name in the menu and the chooser, takes a period?, drill-down group)
CATALOGUE = (
    ("spend_by_period", "Spend by period", True, "period"),
    ("spend_by_freelancer", "Spend by freelancer", False, "freelancer"),
    ("spend_by_contract", "Spend by contract", False, "contract"),
    ("fees_by_period", "Fees and their share", True, "period"),
    ("escrow_by_month_end", "Escrow held at month end", False, "period"),
    ("refunds_by_period", "Refunds and escrow refunds", True, "period"),
    ("budget_vs_actual", "Budget against actual", False, "contract"),
)
TITLES = {key: title for key, title, _, _ in CATALOGUE}
TAKES_PERIOD = {key for key, _, takes, _ in CATALOGUE if takes}
GROUP = {key: group for key, _, _, group in CATALOGUE}
KEYED = {"spend_by_freelancer", "spend_by_contract", "budget_vs_actual"}  # one row per freelancer or contract
SORTABLE_BY_QUERY = {"spend_by_freelancer", "spend_by_contract", "budget_vs_actual"}  # take `sort` (largest first)
SORTED_BY_CURRENCY = {"spend_by_contract", "budget_vs_actual"}  # take `by_currency` (by currency first: a row a group)
SORTED_IN_HOME = {"spend_by_freelancer", "spend_by_contract"}  # sorted by their figures converted (home)

COLUMN_TITLES = {
    "paid": "Paid to freelancers",
    "fees": "Fees",
    "refunded": "Refunds received",
    "spend": "Spend",
    "funded": "Deposited",
    "escrow_refunded": "Escrow refunded",
    "escrow": "Held in escrow",
    "budget": "Budget",
    "actual": "Actual",
    "left": "Left of budget",
    "share": "Fees' share",
}
GROUP_TITLES = {"period": "Period", "freelancer": "Freelancer", "contract": "Contract"}
PERIOD_TITLES = {"month": "Month", "quarter": "Quarter", "year": "Year"}
FLAG_WORDS = {reports.OVER: "Over budget", reports.UNDER: "Under budget", reports.ON: "On budget"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def period_words(key: str) -> str:
    """ "2026-03" -> "Mar 2026", "2026-Q1" -> "Q1 2026", "2026" -> "2026"."""
    if len(key) == 7 and key[4] == "-" and key[5:].isdigit():
        return f"{MONTHS[int(key[5:]) - 1]} {key[:4]}"
    if len(key) == 7 and key[5] == "Q":
        return f"{key[5:]} {key[:4]}"
    return key


def run(
    key: str,
    *,
    period: str = "month",
    first: date | None = None,
    last: date | None = None,
    filters: Filters = reports.NO_FILTERS,
    home: str | bool | None = False,
    offset: int = 0,
    limit: int | None = None,
    sort: str | None = None,
    by_currency: bool = False,
    after: str | None = None,
    count: bool = True,
    ordered: reports.Ordered | None = None,
    through: Callable | None = None,
) -> Report:
    """One report of the catalogue with the arguments it takes (a period only where it applies; a page only for
    the reports of many rows, and for them `after` (the last group read) and `count` (False: a page in the book's
    order is not counted: models/report_pages.py); `by_currency`: sorted by currency first, by contract only;
    `ordered`: a sorted page's order read already, on a worker thread (reports.ordered_page)); `through`: read
    through a connection's `execute` (the rest of a report of many rows, as recorded, on a worker thread)."""
    fn = reports.REPORTS[key]
    kw: dict = {"first": first, "last": last, "filters": filters, "home": home}
    if through is not None:  # (the rest of a report of many rows, read on a worker thread)
        if key not in KEYED or limit is not None:
            raise ValueError("only the rest of a report of many rows is read through another connection")
        kw["run"] = through
    if key in KEYED and sort is None and limit is not None and (not count or after is not None):
        page = report_pages.page(key, **kw, after=after, offset=offset, limit=limit)  # (the book's order, walked)
        if count and not page.counted:
            groups, totals = report_pages.count(key, database.execute_sql, first=first, last=last, filters=filters)
            page = replace(page, groups=groups, counted=True, totals=page.totals if totals is None else totals)
        return page
    if key in TAKES_PERIOD:
        return fn(period, **kw)
    if key in KEYED:
        kw.update(offset=offset, limit=limit)
        if key in SORTABLE_BY_QUERY:
            kw["sort"] = sort
            if ordered is not None:
                kw["ordered"] = ordered
        if key in SORTED_BY_CURRENCY:
            kw["by_currency"] = by_currency
    return fn(**kw)


# ------------------------------------------------------------------ drill-down
@dataclass(frozen=True)
class Drill:
    """What `reports.entries_behind` is asked for one figure, and the figure in words."""

    column: str
    kwargs: dict
    note: str = ""  # said above the entries (a budget is not a ledger figure...)


def drill(report_key: str, report: Report, row_key: str, column: str, currency: str | None) -> Drill | None:
    """The entries behind a figure of `report` (a row's key, "" for a total; `currency` None: every currency, as
    a home-currency figure adds them). None when no ledger entry is behind the column (a budget, a share)."""
    if why_no_entries(report_key, row_key, column):
        return None
    note = ""
    if column == "left":
        column, note = (
            "actual",
            "What is left of the budget is the budget less the actual: these are behind the actual.",
        )
    group = GROUP[report_key] if row_key else None
    kw: dict = {"currency": currency, "first": report.first, "last": report.last, "filters": report.filters}
    if report_key == "escrow_by_month_end" and column == "escrow":
        # A balance at a month end counts everything up to that day.
        end = report.last if not row_key else reports.period_days(row_key)[1]
        if report.last is not None and end is not None:
            end = min(end, report.last)
        kw.update(first=None, last=end)
        note = "Escrow held at a month end counts every deposit, payment and escrow refund up to that day."
        return Drill(column, kw, note)
    if group is not None:
        kw.update(group=group, key=row_key)
    return Drill(column, kw, note)


def why_no_entries(report_key: str, row_key: str, column: str) -> str:
    """Why no ledger entries are listed behind a figure ("" when they are)."""
    if column == "budget":
        return "A budget is set on the contract, not recorded in the ledger: no entry is behind it."
    if column == "share":
        return "A share is the fees divided by the spend: the entries are behind each of them."
    if report_key == "budget_vs_actual" and not row_key:
        return "The totals count the contracts with a budget only: choose a contract's figure to list its entries."
    return ""


# ------------------------------------------------------------------ charts
@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int, ...]  # minor units of the chart's currency, one per category (negative: below the axis)


@dataclass(frozen=True)
class ChartData:
    """A chart as plain data. kind: "stacked" (bars per category, series stacked; negatives below zero),
    "area" (one or more lines over the categories, the first filled), "budget" (per category two bars: the first
    series (budget) and the second (actual), with `flags` in words)."""

    kind: str
    title: str
    currency: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    flags: tuple[str, ...] = ()  # "budget": per category, e.g. "Over budget"
    note: str = ""  # said under the chart: what is left out (an incomplete conversion, the rows not shown)
    axis: str = ""  # what the values are ("Spend", "Held in escrow")
    totals: tuple[int, ...] = field(default=())  # "stacked": each category's total (spend), labelled


def _value(figure: int | HomeAmount) -> int:
    return figure.amount if isinstance(figure, HomeAmount) else figure


def _rows_in(report: Report, currency: str) -> tuple[list, bool]:
    """The report's rows in `currency`: its home rows when it is the report's home currency, else the rows in
    that currency. And whether every home figure is complete."""
    if report.home is not None and currency == report.home and report.home_rows:
        return list(report.home_rows), all(r.complete for r in report.home_rows)
    return [r for r in report.rows if r.currency == currency], True


def currencies(report: Report | reports.Top) -> list[str]:
    """The currencies a chart of `report` can be drawn in: the home currency first (when converted), then each
    currency of its rows, most rows first."""
    if isinstance(report, reports.Top):
        return sorted(report.counts, key=lambda c: (-report.counts[c], c))
    count: dict[str, int] = {}
    for r in report.rows:
        count[r.currency] = count.get(r.currency, 0) + 1
    out = sorted(count, key=lambda c: (-count[c], c))
    if report.home is not None and report.home_rows:
        out = [report.home, *[c for c in out if c != report.home]]
    return out


TOP = 5  # freelancers of a chart by freelancer (the rest are "Others")
BUDGET_TOP = 12  # contracts of the chart of budget against actual
RANKED = 50  # freelancers converted into the home currency to find the top few of a chart by freelancer
INCOMPLETE = "Some amounts have no exchange rate and are left out of the figures in {home}."


def spend_chart(report: Report, currency: str) -> ChartData:
    """Spend per period stacked by kind: paid and fees above the axis, refunds received below it."""
    rows, complete = _rows_in(report, currency)
    cats = tuple(period_words(r.key) for r in rows)
    series = (
        Series(COLUMN_TITLES["paid"], tuple(_value(r.figures["paid"]) for r in rows)),
        Series(COLUMN_TITLES["fees"], tuple(_value(r.figures["fees"]) for r in rows)),
        Series(COLUMN_TITLES["refunded"], tuple(-_value(r.figures["refunded"]) for r in rows)),
    )
    totals = tuple(_value(r.figures["spend"]) for r in rows)
    note = "" if complete else INCOMPLETE.format(home=currency)
    return ChartData("stacked", f"Spend by {_period_of(rows)}, by kind", currency, cats, series, (), note, "Spend",
                     totals)  # fmt: skip


def _period_of(rows) -> str:
    key = rows[0].key if rows else ""
    return "year" if len(key) == 4 else "quarter" if "Q" in key else "month"


def spend_by_freelancer_chart(
    period: str,
    currency: str,
    *,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = reports.NO_FILTERS,
    home: str | None = None,
    top: int = TOP,
    ranked: reports.Ordered | reports.Top | None = None,
) -> ChartData:
    """Spend per period stacked by freelancer: the `top` who cost the most over the range (in `currency`), and
    "Others" for everyone else (the whole less theirs, so the stack adds up to the period's spend exactly).
    `ranked`: the freelancers' order read already (on a worker thread): in the home currency (`ranking`), or in
    each currency as recorded (`chart_top`)."""
    converting = home is not None and currency == home
    h = home if converting else False
    whole = run("spend_by_period", period=period, first=first, last=last, filters=filters, home=h)
    rows, complete = _rows_in(whole, currency)
    keys = [r.key for r in rows]
    if converting:  # (converted for the few who spent the most in any one currency, not for everyone)
        by_people = run("spend_by_freelancer", first=first, last=last, filters=filters, home=h, limit=RANKED,
                        sort="spend", ordered=ranked)  # fmt: skip
        ranked = sorted(by_people.home_rows, key=lambda r: -r.figures["spend"].amount)
        everyone = by_people.groups
    elif isinstance(ranked, reports.Top):  # (each currency's few read already)
        everyone = ranked.counts.get(currency, 0)
        ranked = ranked.of(currency)
    else:
        by_people = run("spend_by_freelancer", first=first, last=last, filters=filters, home=False)
        ranked = sorted((r for r in by_people.rows if r.currency == currency), key=lambda r: -r.figures["spend"])
        everyone = len(ranked)
    ranked = [r for r in ranked if _value(r.figures["spend"])]
    ranked = ranked[:top]
    series = []
    rest = {r.key: _value(r.figures["spend"]) for r in rows}
    for person in ranked:
        theirs_only = replace(filters, freelancer_id=int(person.key))
        one = run("spend_by_period", period=period, first=first, last=last, filters=theirs_only, home=h)
        theirs, done = _rows_in(one, currency)
        complete = complete and done
        values = {r.key: _value(r.figures["spend"]) for r in theirs}
        series.append(Series(person.label, tuple(values.get(k, 0) for k in keys)))
        for k, v in values.items():
            rest[k] = rest.get(k, 0) - v
    if everyone > len(ranked) or any(rest.values()):
        series.append(Series("Others", tuple(rest.get(k, 0) for k in keys)))
    note = "" if complete else INCOMPLETE.format(home=currency)
    totals = tuple(_value(r.figures["spend"]) for r in rows)
    return ChartData("stacked", f"Spend by {period}, by freelancer", currency, tuple(period_words(k) for k in keys),
                     tuple(series), (), note, "Spend", totals)  # fmt: skip


def ranking(run, *, first: date | None = None, last: date | None = None, filters: Filters = reports.NO_FILTERS,
            home: str) -> reports.Ordered:  # fmt: skip
    """The order `spend_by_freelancer_chart` ranks the freelancers in, in the home currency (every freelancer's
    spend converted first: seconds on a big book), through `run`, a connection's `execute`."""
    return reports.ordered_page("spend_by_freelancer", run, first=first, last=last, filters=filters, sort="spend",
                                home=home, limit=RANKED)  # fmt: skip


def chart_top(key: str, run, *, first: date | None = None, last: date | None = None,
              filters: Filters = reports.NO_FILTERS) -> reports.Top:  # fmt: skip
    """The rows the chart of `key` (spend_by_freelancer as recorded, stacked by freelancer; budget_vs_actual)
    shows in each of its currencies, read through `run`, a connection's `execute` (on a worker thread: every row
    of the report is made first)."""
    return reports.top_rows(key, run, first=first, last=last, filters=filters,
                            top=BUDGET_TOP if key == "budget_vs_actual" else TOP)  # fmt: skip


def escrow_chart(report: Report, currency: str) -> ChartData:
    """The escrow held at each month end, as a line over the months (filled below)."""
    if report.home is not None and currency == report.home and report.home_rows:
        rows = list(report.home_rows)
        complete = all(r.complete for r in rows)
        cats = tuple(period_words(r.key) for r in rows)
        values = tuple(r.figures["escrow"].amount for r in rows)
    else:
        complete = True
        held = {r.key: r.figures["escrow"] for r in report.rows if r.currency == currency}
        months = sorted({r.key for r in report.rows})
        cats = tuple(period_words(m) for m in months)
        values, last = [], 0
        for m in months:  # (a month with nothing held in this currency has no row: the balance then is 0)
            last = held.get(m, 0)
            values.append(last)
        values = tuple(values)
    note = "" if complete else INCOMPLETE.format(home=currency)
    series = (Series(COLUMN_TITLES["escrow"], values),)
    return ChartData("area", "Escrow held at each month end", currency, cats, series, (), note, "Held in escrow")


def budget_chart(report: Report | reports.Top, currency: str, top: int = BUDGET_TOP) -> ChartData:
    """Budget against actual per contract: the `top` largest budgets (those over budget first); of the whole
    report, or of its few read already (`chart_top`)."""
    if isinstance(report, reports.Top):
        shown, everyone = report.of(currency)[:top], report.counts.get(currency, 0)
    else:
        rows = [r for r in report.rows if r.currency == currency]
        rows.sort(key=lambda r: (r.flag != reports.OVER, -r.figures["budget"]))
        shown, everyone = rows[:top], len(rows)
    series = (
        Series(COLUMN_TITLES["budget"], tuple(r.figures["budget"] for r in shown)),
        Series(COLUMN_TITLES["actual"], tuple(r.figures["actual"] for r in shown)),
    )
    flags = tuple(FLAG_WORDS.get(r.flag, "") for r in shown)
    note = ""
    if everyone > len(shown):
        note = f"The {len(shown)} contracts over budget or with the largest budgets, of {everyone:,} in {currency}."
    return ChartData("budget", "Budget against actual", currency, tuple(r.label for r in shown), series, flags, note,
                     "Amount")  # fmt: skip
