"""Measures the main window's layout on the screen this process was given, and prints it as JSON.

The offscreen platform takes its screen size from QT_QPA_PLATFORM=offscreen:configfile=<json> and the scale from
QT_SCALE_FACTOR, both read once when the QApplication starts: one screen per process. test_layout.py runs this
script once per screen, in a process of its own; run it by hand to look (--grab DIR saves PNGs, --dark):

    QT_QPA_PLATFORM=offscreen:configfile=/tmp/screens.json python -m tests.desktop.window.layout_probe --grab /tmp/x
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, date, datetime, time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TODAY = date(2026, 3, 10)
LONG_TITLE = ("Website rebuild with a very long title, as some clients write them: " * 4)[:200]
ARABIC_NAME = "ليلى عبد الرحمن"
TABS = ("milestones", "ledger", "escrow_panel", "closeout_tab", "feedback_tab", "statement_tab")


def fill(book_path: Path) -> int:
    """A book of twelve contracts, the first with a 200-character title and a freelancer with an Arabic name."""
    from models import ops
    from models.book import open_book

    book = open_book(book_path)
    layla = ops.create_freelancer(ARABIC_NAME, agency="وكالة النور")
    bo = ops.create_freelancer("Bo Lindqvist")
    long = ops.create_contract(LONG_TITLE, layla, external_id="UP-77001234", started_on=date(2026, 2, 1), today=TODAY)
    for n in range(1, 4):
        m = ops.add_milestone(long, f"Part {n}", 1_185_000)
        ops.fund_milestone(m, today=date(2026, 2, 2))
    ops.release_payment(m, today=date(2026, 2, 20))
    for n in range(11):
        c = ops.create_contract(f"Contract {n + 1:02d}", bo, started_on=date(2026, 3, 1), today=TODAY)
        ops.fund_milestone(ops.add_milestone(c, "All of it", 50_000 + n), today=date(2026, 3, 2))
    book.close()
    return long.id


def visible_rows(table) -> int:
    """Whole rows the contracts table shows."""
    return table.viewport().height() // table.rowHeight(0)


def measure(window, app) -> dict:
    screen = window.screen().availableGeometry()
    frame = window.frameGeometry()
    return {
        "screen": [screen.x(), screen.y(), screen.width(), screen.height()],
        "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
        "minimum": [window.minimumSizeHint().width(), window.minimumSizeHint().height()],
        "rows": visible_rows(window.table),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grab", type=Path, help="save PNGs of the window into this folder")
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--settings", type=Path, help="an INI file of settings (default: a new one)")
    args = parser.parse_args()

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from desktop.widgets import appearance
    from desktop.window.main_window import MainWindow
    from models.book import open_book

    app = QApplication(sys.argv[:1])
    appearance.apply(app, "dark" if args.dark else "light")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ESCROWBOOK_BACKUPS"] = str(Path(tmp) / "backups")
        os.environ["ESCROWBOOK_ANCHORS"] = str(Path(tmp) / "anchors")
        long_id = fill(Path(tmp) / "probe.book")
        settings = QSettings(str(args.settings or Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        book = open_book(Path(tmp) / "probe.book", create=False)
        now = datetime.combine(TODAY, time(12, 0), tzinfo=UTC)
        window = MainWindow(book, today=TODAY, now=lambda: now, settings=settings)
        window.show()
        for _ in range(5):
            app.processEvents()
        window.select_contract(long_id)
        app.processEvents()
        out: dict = {"opened": measure(window, app), "tabs": {}}
        page = window.page
        subtitle = page.subtitle
        out["subtitle"] = {
            "text": subtitle.text(),
            "direction": "rtl" if subtitle.layoutDirection() == subtitle.layoutDirection().RightToLeft else "ltr",
            "ink_left": ink_left(subtitle),
        }
        out["title"] = {"text": page.title.text(), "tooltip": page.title.toolTip(), "width": page.title.width()}
        for attr in TABS:
            page.tabs.setCurrentWidget(getattr(page, attr))
            for _ in range(3):
                app.processEvents()
            out["tabs"][attr] = measure(window, app)
            if args.grab:
                grab(window, args.grab / f"tab-{attr}{'-dark' if args.dark else ''}.png")
                grab(page, args.grab / f"page-{attr}{'-dark' if args.dark else ''}.png")  # the whole page, unscrolled
        page.tabs.setCurrentIndex(0)
        window.attention_dock.toggleViewAction().trigger()  # View → Needs Attention Panel (F9)
        for _ in range(5):
            app.processEvents()
        out["attention"] = measure(window, app)
        if args.grab:
            grab(window, args.grab / f"attention{'-dark' if args.dark else ''}.png")
        window.close()
        out["saved"] = {k: bool(settings.value(k)) for k in ("window/geometry", "window/splitter")}
    print(json.dumps(out))


def ink_left(label) -> int | None:
    """The leftmost column of the label's first text line that is not background (None: no ink)."""
    image = label.grab().toImage()
    background = image.pixelColor(image.width() - 1, image.height() - 1)
    line = label.fontMetrics().height()
    for x in range(image.width()):
        for y in range(min(line, image.height())):
            if image.pixelColor(x, y) != background:
                return x
    return None


def grab(window, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(path))


if __name__ == "__main__":
    main()
