"""Benchmark: each report of models/reports.py on the big book (budget <= 300 ms each, issue 21).

Works on a copy of the book (--book PATH is copied, never written; a book of another format is migrated in the
copy). The copy gets a home currency (EUR) and a rate per month for each of its other currencies, moving up to 12%
either way from month to month as rates do, so that the reports convert (and a page sorted in the home currency
cannot rank its groups by one rate a currency). Figures: each report's milliseconds (the best of REPEAT runs, since
other programs share the machine), whole life, for the book's last year, a quarter and a custom range, unfiltered
and filtered (status, freelancer, policy), with and without the home currency; and, as the baseline measured in the
same run, one pass summing every ledger entry (`ledger_pass_ms`), with each report's ratio to it, the budget's ratio
to it, and how many reports are over budget. A book of an older format is migrated in the copy: `migration_ms` times
it.

The whole reports (no page) are what a CSV export and the year-end pack read. The Reports window reads what the
`window_*` figures time: a report of many rows opens on its first page (desktop/dialogs/reports.py's PAGE as
recorded, HOME_PAGE in the home currency) with its totals (but budget against actual's), for the year so far, in
the book's order, without counting its rows (models/report_pages.py); a next page from after a row half-way
through the book; a figure's heading asks the report for its pages sorted (the window reads them on its worker
thread, but the client waits for them: they keep the budget; the `*_page_home` sorted ones order by the figures
converted: each group's figure bounded by its currency's rates over the dates, then only the groups that may be
on the page or before it converted day by day); in the home currency the window's total is the period report's of the
same range, read beside the page. The count a worker thread reads after the first page is shown (`count_*`: no
budget, the window waits for none of it) is timed apart.
Prints one JSON object on its last line and exits 0 even when over budget ("ok" says so).

    python benchmarks/reports.py [--contracts 100000] [--book PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from common import figure, given_or_demo  # benchmarks/common.py: these scripts run from this folder

BUDGET_MS = 300
REPEAT = 3


CPU: dict[str, float] = {}  # each job's processor time in its fastest run, ms (a loaded machine: wall >> cpu)


def best_ms(action, name: str = "") -> float:
    times = []
    for _ in range(REPEAT):
        started, cpu = time.perf_counter(), time.process_time()
        action()
        times.append(((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000))
    wall, CPU[name] = min(times)
    return wall


def measure(book: Path) -> dict:
    import os

    os.environ["ESCROWBOOK_BACKUPS"] = str(book.parent / "backups")  # (a migrated copy's backup: not the user's)
    from desktop.dialogs.reports import HOME_PAGE, HOME_SORTED_AHEAD, PAGE  # (the Reports window's pages)
    from models import rates, report_pages, report_views, reports
    from models.book import open_book, schema_version
    from models.bookfile import probe
    from models.entities import database

    older = probe(book) < schema_version()
    started = time.perf_counter()
    opened = open_book(book, create=False)  # (a book of an older format is migrated here: timed)
    opening_ms = (time.perf_counter() - started) * 1000
    run = database.execute_sql
    currencies = [c for (c,) in run("SELECT DISTINCT currency FROM contract") if c != "EUR"]
    low, high = run("SELECT MIN(date), MAX(date) FROM ledger_entry").fetchone()
    last = date.fromisoformat(str(high))
    today = max(last, date.today())
    rates.set_home_currency("EUR")
    months = reports._months(date.fromisoformat(str(low)), last)
    with database.atomic():
        for j, cur in enumerate(currencies):
            for i, m in enumerate(months):  # (up to 12% either way, month by month, as rates move)
                rate = (0.006 if cur == "JPY" else 0.5) * (1 + 0.12 * math.sin(i / 5 + j))
                rates.record_rate(cur, m, f"{rate:.6g}", today=today)
    year = date(last.year, 1, 1), date(last.year, 12, 31)
    quarter = date(last.year, 4, 1), date(last.year, 6, 30)
    custom = date(last.year - 1, 11, 15), date(last.year, 2, 14)  # (mid-month to mid-month, across a year end)
    contract_id = run("SELECT contract_id FROM ledger_entry WHERE date >= ? LIMIT 1", (year[0].isoformat(),)).fetchone()
    (busiest,) = run(
        "SELECT freelancer_id FROM contract GROUP BY freelancer_id ORDER BY COUNT(*) DESC, freelancer_id LIMIT 1"
    ).fetchone()
    so_far = {"first": date(last.year, 1, 1), "last": last}  # (the window's default: this year, to the book's last day)
    (middle,) = run("SELECT id FROM contract ORDER BY id LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM contract)").fetchone()
    (half_way,) = run("SELECT freelancer_id FROM contract WHERE id = ?", (middle,)).fetchone()

    def window(key: str, **kw):  # (a page as the Reports window reads it: in the book's order, not counted)
        return report_views.run(key, **so_far, count=False, **kw)

    one = reports.Filters(freelancer_id=busiest)
    direct = reports.Filters(policy="direct")
    ended = reports.Filters(status="ended")
    jobs = {
        "spend_by_month": lambda: reports.spend_by_period("month", home=False),
        "spend_by_month_home": lambda: reports.spend_by_period("month"),
        "spend_by_quarter_year_home": lambda: reports.spend_by_period("quarter", first=year[0], last=year[1]),
        "spend_by_year_active": lambda: reports.spend_by_period("year", filters=reports.Filters(status="active")),
        "spend_by_freelancer": lambda: reports.spend_by_freelancer(home=False),
        "spend_by_freelancer_page_home": lambda: reports.spend_by_freelancer(limit=100, sort="spend"),
        "spend_by_freelancer_year": lambda: reports.spend_by_freelancer(first=year[0], last=year[1], home=False),
        "spend_by_contract": lambda: reports.spend_by_contract(home=False),
        "spend_by_contract_page_home": lambda: reports.spend_by_contract(limit=100, sort="spend"),
        "spend_by_contract_year": lambda: reports.spend_by_contract(first=year[0], last=year[1], home=False),
        "fees_by_month_home": lambda: reports.fees_by_period("month"),
        "refunds_by_month_home": lambda: reports.refunds_by_period("month"),
        "escrow_by_month_end_home": lambda: reports.escrow_by_month_end(),
        "budget_vs_actual": lambda: reports.budget_vs_actual(home=False),
        # (a page in the book's order, as the Reports window reads it: not counted; a sorted page counts its rows)
        "budget_vs_actual_page_home": lambda: report_views.run("budget_vs_actual", home=None, limit=100, count=False),
        "budget_vs_actual_year": lambda: reports.budget_vs_actual(first=year[0], last=year[1], home=False),
        # The filters and ranges a user picks (status, freelancer, policy; a quarter, a custom range).
        "spend_by_month_freelancer_home": lambda: reports.spend_by_period("month", filters=one),
        "spend_by_month_direct_quarter_home": lambda: reports.spend_by_period(
            "month", first=quarter[0], last=quarter[1], filters=direct
        ),
        "spend_by_month_custom_range_ended_home": lambda: reports.spend_by_period(
            "month", first=custom[0], last=custom[1], filters=ended
        ),
        "fees_by_quarter_custom_range_home": lambda: reports.fees_by_period("quarter", first=custom[0], last=custom[1]),
        "refunds_by_year_freelancer_home": lambda: reports.refunds_by_period("year", filters=one),
        "escrow_by_month_end_freelancer_home": lambda: reports.escrow_by_month_end(filters=one),
        "escrow_by_month_end_direct_year_home": lambda: reports.escrow_by_month_end(
            first=year[0], last=year[1], filters=direct
        ),
        "spend_by_freelancer_quarter_page_home": lambda: reports.spend_by_freelancer(
            first=quarter[0], last=quarter[1], limit=100, sort="spend"
        ),
        "spend_by_freelancer_ended_page_home": lambda: report_views.run(
            "spend_by_freelancer", filters=ended, home=None, limit=100, count=False
        ),
        "spend_by_contract_year_page_home": lambda: reports.spend_by_contract(
            first=year[0], last=year[1], limit=100, sort="spend"
        ),
        "spend_by_contract_custom_range_direct_page_home": lambda: reports.spend_by_contract(
            first=custom[0], last=custom[1], filters=direct, limit=100, sort="fees"
        ),
        "spend_by_contract_freelancer_home": lambda: reports.spend_by_contract(filters=one),
        "budget_vs_actual_year_page_home": lambda: report_views.run(
            "budget_vs_actual", first=year[0], last=year[1], home=None, limit=100, count=False
        ),
        "budget_vs_actual_over_only_page_home": lambda: reports.budget_vs_actual(over_only=True, limit=100),
        "budget_vs_actual_ended_quarter_page_home": lambda: report_views.run(
            "budget_vs_actual", first=quarter[0], last=quarter[1], filters=ended, home=None, limit=100, count=False
        ),
        "drill_down_month_page": lambda: reports.entries_behind(
            "spend", group="period", key=f"{last.year}-{last.month:02d}", limit=100
        ),
        "drill_down_contract": lambda: reports.entries_behind("spend", group="contract", key=str(contract_id[0])),
        # What the Reports window reads (its first page of a report of many rows, for the year so far).
        "window_contract_page": lambda: window("spend_by_contract", home=False, limit=PAGE),
        "window_contract_page_sorted": lambda: reports.spend_by_contract(
            **so_far, home=False, limit=PAGE, sort="spend", by_currency=True
        ),
        "window_budget_page_sorted": lambda: reports.budget_vs_actual(
            **so_far, home=False, limit=PAGE, sort="left", by_currency=True
        ),
        # (what a figure's heading reads in the home currency: HOME_SORTED_AHEAD pages at once, on the worker thread)
        "window_contract_sorted_home": lambda: reports.ordered_page(
            "spend_by_contract", run, **so_far, sort="spend", home="EUR", limit=HOME_PAGE * HOME_SORTED_AHEAD
        ),
        "window_freelancer_sorted_home": lambda: reports.ordered_page(
            "spend_by_freelancer", run, **so_far, sort="spend", home="EUR", limit=HOME_PAGE * HOME_SORTED_AHEAD
        ),
        # (the few a chart shows, read on the worker thread: the chart waits for them)
        "chart_top_budget": lambda: report_views.chart_top("budget_vs_actual", run, **so_far),
        "chart_top_freelancer": lambda: report_views.chart_top("spend_by_freelancer", run, **so_far),
        "window_freelancer_page": lambda: window("spend_by_freelancer", home=False, limit=PAGE),
        "window_budget_page": lambda: window("budget_vs_actual", home=False, limit=PAGE),
        "window_contract_page_home": lambda: (
            window("spend_by_contract", home=None, limit=HOME_PAGE),
            reports.spend_by_period("year", **so_far),  # (the window's total in the home currency)
        ),
        "window_freelancer_page_home": lambda: (
            window("spend_by_freelancer", home=None, limit=HOME_PAGE),
            reports.spend_by_period("year", **so_far),
        ),
        "window_budget_page_home": lambda: window("budget_vs_actual", home=None, limit=HOME_PAGE),
        "window_contract_page_all_dates": lambda: report_views.run(
            "spend_by_contract", home=False, limit=PAGE, count=False
        ),
        "window_contract_next_page": lambda: window("spend_by_contract", home=False, limit=PAGE, after=middle),
        "window_freelancer_next_page": lambda: window("spend_by_freelancer", home=False, limit=PAGE, after=half_way),
        "window_budget_next_page": lambda: window("budget_vs_actual", home=False, limit=PAGE, after=middle),
    }
    counts = {  # (read by the window's worker thread after the first page is shown)
        f"count_{key}": (lambda key=key: report_pages.count(key, run, **so_far))
        for key in ("spend_by_contract", "spend_by_freelancer", "budget_vs_actual")
    }
    baseline = best_ms(lambda: run("SELECT kind, SUM(amount) FROM ledger_entry GROUP BY kind").fetchall())
    timings = {name: best_ms(job, name) for name, job in jobs.items()}
    count_timings = {name: best_ms(job, name) for name, job in counts.items()}
    entries = run("SELECT COUNT(*) FROM ledger_entry").fetchone()[0]
    contracts = run("SELECT COUNT(*) FROM contract").fetchone()[0]
    opened.close()
    return {
        "baseline": baseline,
        "timings": timings,
        "count_timings": count_timings,
        "entries": entries,
        "contracts": contracts,
        "migration_ms": opening_ms if older else None,
        "cpu": dict(CPU),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--book", type=Path, help="an existing big book, copied (else one is generated)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="escrowbook-reports-") as tmp:
        if args.book is not None:
            book = Path(tmp) / "copy.book"
            shutil.copyfile(args.book, book)
        else:
            book = given_or_demo(None, Path(tmp), args.contracts)
        measured = measure(book)
    base = measured["baseline"]
    result = {
        name: figure(
            ms, BUDGET_MS, "ms", ratio_to_ledger_pass=round(ms / base, 2), cpu_ms=round(measured["cpu"][name], 1)
        )
        for name, ms in measured["timings"].items()
    }
    worst = max(measured["timings"], key=measured["timings"].get)
    result["worst_report_ms"] = figure(
        measured["timings"][worst],
        BUDGET_MS,
        "ms",
        worst=worst,
        ratio_to_ledger_pass=round(measured["timings"][worst] / base, 2),
    )
    result["over_budget"] = {"value": sum(ms > BUDGET_MS for ms in measured["timings"].values()), "unit": "reports",
                             "of": len(measured["timings"]), "budget": 0,
                             "ok": all(ms <= BUDGET_MS for ms in measured["timings"].values())}  # fmt: skip
    for name, ms in measured["count_timings"].items():  # (off the window's thread: no budget)
        result[name] = figure(ms, None, "ms", cpu_ms=round(measured["cpu"][name], 1), thread="worker")
    result["budget_ratio_to_ledger_pass"] = {"value": round(BUDGET_MS / base, 2), "unit": "ratio"}
    result["ledger_pass_ms"] = figure(base, None, "ms", entries=measured["entries"])
    if measured["migration_ms"] is not None:  # (the book given was of an older format: its copy was migrated)
        result["migration_ms"] = figure(
            measured["migration_ms"], None, "ms", ratio_to_ledger_pass=round(measured["migration_ms"] / base, 2)
        )
    result["contracts"] = {"value": measured["contracts"], "unit": "contracts"}
    print(json.dumps(measured), file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
