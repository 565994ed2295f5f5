"""Benchmark: each report of models/reports.py on the big book (budget <= 300 ms each, issue 21).

Works on a copy of the book (--book PATH is copied, never written; a book of another format is migrated in the
copy). The copy gets a home currency (EUR) and a rate per month for each of its other currencies, so that the
reports convert. Figures: each report's milliseconds (the best of REPEAT runs, since other programs share the
machine), whole life and for the book's last year, with and without the home currency; and, as the baseline
measured in the same run, one pass summing every ledger entry (`ledger_pass_ms`), with each report's ratio to it.
Prints one JSON object on its last line and exits 0 even when over budget ("ok" says so).

    python benchmarks/reports.py [--contracts 100000] [--book PATH]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from common import figure, given_or_demo  # benchmarks/common.py: these scripts run from this folder

BUDGET_MS = 300
REPEAT = 3


def best_ms(action) -> float:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def measure(book: Path) -> dict:
    from models import rates, reports
    from models.book import open_book
    from models.entities import database

    opened = open_book(book, create=False)
    run = database.execute_sql
    currencies = [c for (c,) in run("SELECT DISTINCT currency FROM contract") if c != "EUR"]
    low, high = run("SELECT MIN(date), MAX(date) FROM ledger_entry").fetchone()
    last = date.fromisoformat(str(high))
    today = max(last, date.today())
    rates.set_home_currency("EUR")
    months = reports._months(date.fromisoformat(str(low)), last)
    with database.atomic():
        for cur in currencies:
            for m in months:
                rates.record_rate(cur, m, "0.5" if cur != "JPY" else "0.006", today=today)
    year = date(last.year, 1, 1), date(last.year, 12, 31)
    contract_id = run("SELECT contract_id FROM ledger_entry WHERE date >= ? LIMIT 1", (year[0].isoformat(),)).fetchone()
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
        "budget_vs_actual_page_home": lambda: reports.budget_vs_actual(limit=100),
        "budget_vs_actual_year": lambda: reports.budget_vs_actual(first=year[0], last=year[1], home=False),
        "drill_down_month_page": lambda: reports.entries_behind(
            "spend", group="period", key=f"{last.year}-{last.month:02d}", limit=100
        ),
        "drill_down_contract": lambda: reports.entries_behind("spend", group="contract", key=str(contract_id[0])),
    }
    baseline = best_ms(lambda: run("SELECT kind, SUM(amount) FROM ledger_entry GROUP BY kind").fetchall())
    timings = {name: best_ms(job) for name, job in jobs.items()}
    entries = run("SELECT COUNT(*) FROM ledger_entry").fetchone()[0]
    contracts = run("SELECT COUNT(*) FROM contract").fetchone()[0]
    opened.close()
    return {"baseline": baseline, "timings": timings, "entries": entries, "contracts": contracts}


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
        name: figure(ms, BUDGET_MS, "ms", ratio_to_ledger_pass=round(ms / base, 2))
        for name, ms in measured["timings"].items()
    }
    worst = max(measured["timings"], key=measured["timings"].get)
    result["worst_report_ms"] = figure(measured["timings"][worst], BUDGET_MS, "ms", worst=worst)
    result["ledger_pass_ms"] = figure(base, None, "ms", entries=measured["entries"])
    result["contracts"] = {"value": measured["contracts"], "unit": "contracts"}
    print(json.dumps(measured), file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
