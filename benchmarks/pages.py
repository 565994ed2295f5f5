"""Benchmark: the contract page and the attention panel on the big book, offscreen, inside one app.

Figures (a user's click should feel instant; DESIGN.md's interaction budget, 50 ms for a sort or a keystroke, is
for the table: the page is allowed twice that, as it reads one contract's every record):
- page_ms_max / page_ms_median: clicking a row to the contract page shown (its summary, deadlines and the tab
  that is open), for contracts spread over the whole book (budget <= 100 ms);
- tab_ms_max: each tab of the contract with the most ledger entries, opened (budget <= 100 ms);
- attention_panel_ms: View → Needs Attention Panel (F9) to the panel filled, the first time, and
  attention_refresh_ms: filled again after a change (budget <= 100 ms each);
- daily_backup_pause_ms_max: the longest the window kept a user waiting while the daily backup (started a few
  seconds after the window shows) was copied, waited for before anything above is timed (budget <= 50 ms).
Prints one JSON object on its last line and exits 0 even when over budget ("ok" says so).

    python benchmarks/pages.py [--contracts 100000] [--book PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from common import (
    backup_figure,  # benchmarks/common.py: these scripts run from this folder
    contracts_in,
    copied,
    figure,
    given_or_demo,
    settled_window,
    timed_ms,
)

SAMPLES = 25  # contracts spread evenly over the book's ids


def measure(book: Path, settings: Path) -> dict:
    window = settled_window(book, settings)
    opened = window.book
    timed = timed_ms

    conn = opened.conn
    top = conn.execute("SELECT MAX(id) FROM contract").fetchone()[0]
    ids = sorted({max(1, top * i // SAMPLES) for i in range(1, SAMPLES + 1)})
    timed(lambda: window.page.show_contract(ids[0]))  # the page's first build (its widgets), not a click
    pages = [timed(lambda cid=cid: window.page.show_contract(cid)) for cid in ids]
    busiest = conn.execute(
        "SELECT contract_id FROM ledger_entry GROUP BY contract_id ORDER BY COUNT(*) DESC LIMIT 1"
    ).fetchone()[0]
    window.page.show_contract(busiest)
    tabs = window.page.tabs
    tab_times = {
        tabs.tabText(i).replace("&", ""): timed(lambda i=i: tabs.setCurrentIndex(i)) for i in range(tabs.count())
    }
    panel = timed(window.attention_dock.show)
    refresh = timed(window.attention.refresh)
    lines = len(window.attention.items)
    backup = backup_figure(window)
    window.close()
    opened.close()
    return {"pages": pages, "tabs": tab_times, "panel": panel, "refresh": refresh, "lines": lines, "backup": backup}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--book", type=Path, help="an existing big book (else one is generated)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="escrowbook-pages-") as tmp:
        folder = Path(tmp)  # a book given with --book is copied first: the window writes to the book it opens
        book = copied(args.book, folder) if args.book else given_or_demo(None, folder, args.contracts)
        contracts = contracts_in(book)
        timings = measure(book, Path(tmp) / "settings.ini")
    worst_tab = max(timings["tabs"], key=timings["tabs"].get)
    result = {
        "page_ms_max": figure(max(timings["pages"]), 100, "ms", contracts_opened=len(timings["pages"])),
        "page_ms_median": figure(statistics.median(timings["pages"]), 100, "ms"),
        "tab_ms_max": figure(timings["tabs"][worst_tab], 100, "ms", worst=worst_tab),
        "attention_panel_ms": figure(timings["panel"], 100, "ms", lines=timings["lines"]),
        "attention_refresh_ms": figure(timings["refresh"], 100, "ms"),
        "daily_backup_pause_ms_max": timings.pop("backup"),
        "contracts": {"value": contracts, "unit": "contracts"},
    }
    print(json.dumps(timings), file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
