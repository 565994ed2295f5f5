"""Benchmark: the year-end pack (models/pack.py, desktop/pack_pdf.py) of the big book's last year, with a home
currency (budget: the whole pack <= 30 s, issue 21).

Works on a copy of the book (--book PATH is copied, never written), given a home currency (EUR) and a rate per
month for each other currency, as benchmarks/reports.py does. Figures: the whole pack (reading the reports,
arranging them, the PDF and the CSV files written), and inside it the reports of models/reports.py alone (the
baseline measured in the same run: `pack_over_reports` is what the pack adds to them), the PDF and CSVs written,
and the pack's pages and rows. Prints one JSON object on its last line; exits 0 even when over budget.

    python benchmarks/pack.py [--contracts 100000] [--book PATH] [--no-home]

Figures: `arrange_s` (the reports' results made into the pack's tables and pages), `write_s` (the PDF and
the CSV files written, with `cpu_s`, this process's CPU time, which the machine's load does not stretch) and
`arrange_and_write_s`, the pack's own part, against its 12 s share of the 30 s.

Measured on 5 Dec 2026 on the shared 2-core machine (load average 6-7: other runs and a whole test suite beside
it), the 100,000-contract demo book's 2026 with EUR: 453 s in all, the reports alone 216 s, arranging 3 s, the
PDF (7,282 pages, 374,186 table rows) and CSVs 235 s: far over the budget.

On 6 Dec 2026, the reports' results computed once and reused (the same input for both), load average 2-4: the
earlier layout (a converted row under each group; each contract in spend by contract, budget against actual and
on its freelancer's page) wrote in 57.6 s and 63.7 s (CPU 52.7 s and 59.9 s): 7,282 pages, 374,186 rows,
47.9 MB. This layout (converted figures in columns; each contract once, on its freelancer's page; denser rows;
text drawn at its baseline) in 25.6 s and 29.8 s (CPU 25.4 s and 29.3 s, load 1.4-1.9): 2,121 pages, 121,065
rows, 20.8 MB, the CSV files unchanged (257,225 rows: every report's full rows, one more: budget against
actual's converted totals). Arranging took 7.4-8.2 s in both. So the pack's own part is 33-38 s against its
12 s share: still over. What is left is volume: 70,000 contracts active in 2026 (each a row of
up to 11 figures, 30,000 of them with no money moved in the year but a budget to compare), at about 13 µs a
drawText and 2-5 ms a page in QPdfWriter here; and arranging, mostly formatting 670,000 figures for the PDF
and 1.2 million for the CSVs.

On 6 Dec 2026 (branch pack2), profiled and measured A/B in one process each (the reports read and arranged, then
written), alternated, at nice 19 on the shared machine (load average 4-6), processor time: building 27.4 s and 27.4
s before, 21.3 s and 22.0 s after (the reports 18.8-21.7 s before, 16.2-17.8 s after: their Converters share rates
and conversions, `rates.converting_together`, so that budget against actual and spend by freelancer do not convert
again a day sum spend by contract converted: 913,506 conversions asked, 521,571 made; the pack's own arranging about
1.5 s less: no figure's hundreds of parts looked through for a missing rate when every conversion had one, the rates
used gathered at C speed); writing unchanged (14-18 s: 1,063,862 drawText calls, each about 9 us in QPdfWriter and
2.7 us more of the page's compression in newPage, measured apart; a glyph run drawn instead costs the same). The
PDF's text, its pages (compared as images) and the CSV files are the same as before. Where the rest goes: the
reports' conversion into the home currency, above all budget against actual (7-8 s of its 8-9 s, for 100,000
contracts of which the pack keeps the 70,000 active in the year), and the PDF engine's per-text cost.

On 6 Dec 2026 (branch pack3), before and after in turn on the shared machine at nice 19 (load 0.8 before, then
3.9-6.5 from other sessions): before, 29.5 s wall and 29.4 s CPU at load 0.8 (the reports 13.6 s CPU), 72.8 s
and 33.8 s at load 5.3 (reports 15.9 s CPU); after, 60.1 s and 24.7 s at load 5.3 (reports 5.9 s CPU), 32.4 s
and 24.2 s at load 3.9. The reports: the collector of cyclic garbage paused while they and the pack make their
objects (its collections took two fifths of the reports' time), budget against actual converting only the
contracts active in the year (`active_from`), each conversion kept once in a memo the reports share, named
tuples for the converted figures. The CSV files are byte for byte the same and the PDF's text the same but for
the time it was generated. Left: the PDF engine (about 7.5 us a drawText, 1.06 million of them, and 1.4 ms a
page in newPage: 9.8 s CPU for the freelancers' pages) and arranging (4.4 s CPU).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from common import figure, given_or_demo  # benchmarks/common.py: these scripts run from this folder

BUDGET_S = 30
ARRANGE_AND_WRITE_S = 12  # of those 30 s: the pack's own part, the reports' results arranged and written
REPORTS = (
    "spend_by_period",
    "spend_by_freelancer",
    "spend_by_contract",
    "fees_by_period",
    "escrow_by_month_end",
    "refunds_by_period",
    "budget_vs_actual",
)  # what build_pack reads (models/reports.py)


def prepare(book: Path) -> int:
    """Home currency EUR and a monthly rate for every other currency; returns the book's last year."""
    from models import rates, reports
    from models.book import open_book
    from models.entities import database

    opened = open_book(book, create=False)
    run = database.execute_sql
    low, high = run("SELECT MIN(date), MAX(date) FROM ledger_entry").fetchone()
    last = date.fromisoformat(str(high))
    rates.set_home_currency("EUR")
    with database.atomic():
        for (cur,) in run("SELECT DISTINCT currency FROM contract").fetchall():
            if cur != "EUR":
                for m in reports._months(date.fromisoformat(str(low)), last):
                    rates.record_rate(cur, m, "0.5" if cur != "JPY" else "0.006", today=max(last, date.today()))
    opened.close()
    return last.year


class Clock:
    """Marks of wall and CPU time (this process's: what the machine's load does not stretch), by name."""

    def __init__(self):
        self.marks: dict[str, tuple[float, float]] = {}

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, (time.perf_counter(), time.process_time()))

    def between(self, start: str, end: str) -> tuple[float, float]:
        (w0, c0), (w1, c1) = self.marks[start], self.marks[end]
        return w1 - w0, c1 - c0


def part_pages(pdf: Path) -> dict[str, int]:
    """Where the PDF's parts start, from its contents page: the first report, the rates, the freelancers."""
    text = subprocess.run(["pdftotext", "-layout", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    starts = {}
    for line in text.splitlines():
        words = line.split()
        if not words or not words[-1].isdigit():
            continue
        for name, title in (("reports", "Spend by month"), ("rates", "Exchange rates used"),
                            ("freelancers", "Freelancers and their contracts")):  # fmt: skip
            if line.strip().startswith(title):
                starts.setdefault(name, int(words[-1]))
    return starts


def measure(book: Path, year: int, home: bool, out: Path, profile: Path | None = None) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from desktop import pack_pdf
    from desktop.widgets.appearance import light_palette
    from desktop.widgets.charts import pack_charts
    from models import reports
    from models.book import open_book
    from models.pack import build_pack

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - fonts need it
    opened = open_book(book, create=False)
    clock = Clock()
    pages: dict[int, tuple[float, float]] = {}
    csv = [0.0, 0.0]
    write_csv_file = pack_pdf.write_csv_file

    def timed_csv(*args):
        w, c = time.perf_counter(), time.process_time()
        try:
            return write_csv_file(*args)
        finally:
            csv[0] += time.perf_counter() - w
            csv[1] += time.process_time() - c

    pack_pdf.write_csv_file = timed_csv  # (how long the CSV files take, inside write_pack)
    # The reports' own time, apart from the pack's arranging of their results (build_pack does both in turn).
    inside = [0.0, 0.0]
    originals = {name: getattr(reports, name) for name in REPORTS}

    def timed_report(report):
        def run(*args, **kwargs):
            w, c = time.perf_counter(), time.process_time()
            try:
                return report(*args, **kwargs)
            finally:
                inside[0] += time.perf_counter() - w
                inside[1] += time.process_time() - c

        return run

    for name, report in originals.items():
        setattr(reports, name, timed_report(report))
    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    clock.mark("start")
    pack = build_pack(year, home=None if home else False)
    clock.mark("built")
    files = pack_pdf.write_pack(pack, out, book_name=book.name, generated_at=datetime.now(UTC), charts=pack_charts(),
                                palette=light_palette(),
                                progress=lambda done, total: pages.setdefault(done, (time.perf_counter(),
                                                                                     time.process_time())))  # fmt: skip
    clock.mark("done")
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    pack_pdf.write_csv_file = write_csv_file
    for name, report in originals.items():
        setattr(reports, name, report)
    opened.close()
    info = subprocess.run(["pdfinfo", str(files[0])], capture_output=True, text=True).stdout
    n = next((int(line.split()[1]) for line in info.splitlines() if line.startswith("Pages:")), 0)
    starts = part_pages(files[0])
    # The PDF's parts: from the end of building (the measuring pass and the contents page come first) to the page
    # before each part's first, then the last page to the end of the CSV files and the moves into place.
    bounds = [("pdf_measure_and_contents", starts.get("reports", 2) - 1), ("pdf_reports", starts.get("rates",
              starts.get("freelancers", n + 1)) - 1), ("pdf_rates", starts.get("freelancers", n + 1) - 1),
              ("pdf_freelancers", n)]  # fmt: skip
    built = clock.between("start", "built")
    stages = {"reports": (inside[0], inside[1]), "arrange": (built[0] - inside[0], built[1] - inside[1])}
    previous = clock.marks["built"]
    for name, last_page in bounds:
        if last_page in pages:
            stages[name] = (pages[last_page][0] - previous[0], pages[last_page][1] - previous[1])
            previous = pages[last_page]
    stages["csv"] = (csv[0], csv[1])
    end = clock.marks["done"]
    stages["pdf_close_and_moves"] = (end[0] - previous[0] - csv[0], end[1] - previous[1] - csv[1])
    return {
        "pack_s": clock.between("start", "done")[0],
        "pack_cpu_s": clock.between("start", "done")[1],
        "stages": {k: {"s": round(w, 2), "cpu_s": round(c, 2)} for k, (w, c) in stages.items()},
        "pages": n,
        "rows": sum(len(t.rows) for t in pack.tables) + sum(len(f.table.rows) + 1 for f in pack.freelancers),
        "csv_rows": sum(len(t.csv_rows) for t in pack.tables),
        "freelancers": len(pack.freelancers),
        "pdf_mb": files[0].stat().st_size / 1e6,
        "year": year,
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--book", type=Path, help="an existing big book, copied (else one is generated)")
    parser.add_argument("--no-home", action="store_true", help="no home currency: nothing converted")
    parser.add_argument("--profile", type=Path, metavar="PATH", help="write cProfile's statistics of the pack here")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write the pack into DIR (kept), to look at")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="escrowbook-pack-") as tmp:
        if args.book is not None:
            book = Path(tmp) / "copy.book"
            shutil.copyfile(args.book, book)
        else:
            book = given_or_demo(None, Path(tmp), args.contracts)
        year = prepare(book)
        m = measure(book, year, not args.no_home, args.keep or Path(tmp) / "pack", args.profile)
    print(json.dumps(m), file=sys.stderr)
    stages = m["stages"]
    own = sum(v["s"] for k, v in stages.items() if k != "reports")
    result = {
        "pack_s": figure(
            m["pack_s"],
            BUDGET_S,
            "s",
            cpu_s=round(m["pack_cpu_s"], 1),
            load=round(m["load"], 1),
            pack_over_reports=round(m["pack_s"] / stages["reports"]["s"], 2),
        ),
        "reports_s": figure(stages["reports"]["s"], None, "s", cpu_s=stages["reports"]["cpu_s"]),
        "arrange_and_write_s": figure(
            own,
            ARRANGE_AND_WRITE_S,
            "s",
            cpu_s=round(sum(v["cpu_s"] for k, v in stages.items() if k != "reports"), 1),
            stages={k: v for k, v in stages.items() if k != "reports"},
        ),
        "pdf": {"pages": m["pages"], "rows": m["rows"], "mb": round(m["pdf_mb"], 1)},
        "csv_rows": {"value": m["csv_rows"], "unit": "rows"},
        "freelancers": {"value": m["freelancers"], "unit": "freelancers"},
        "year": {"value": m["year"], "unit": "year"},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
