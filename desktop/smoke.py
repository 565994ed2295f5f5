"""`escrowbook --smoke-test`: does this copy of the app work, frozen or from source?

It writes a demo book into a temporary folder with the demo generator, opens it offscreen in the real
main window, searches it, opens the help, exports one contract's PDF summary, and closes; every step
says what it saw. Exit 0 when all went well; otherwise exit 1, naming the step that failed and why.
Nothing outside the temporary folder is read or written (not the user's books, not their settings).

What a step checks is what a broken bundle gets wrong: policies, help and icons missing from resources/,
the SVG or platform plugins trimmed away, SQLite without FTS5, a module missing from the bundle.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

SMOKE_CONTRACTS = 60
"""Small enough to be generated in this process (no helper process) in a fraction of a second."""

TIME_LIMIT_S = 120
"""A step that hangs (a modal dialog waiting for a click nobody gives) ends the test with a failure."""


STEPS = (
    ("demo book", "demo_book"),
    ("main window", "main_window"),
    ("search", "search"),
    ("help", "help"),
    ("PDF summary", "pdf_summary"),
    ("close", "close"),
)
"""The steps, in order: what each reports as, and the method of `SmokeTest` that does it."""


class SmokeTestError(Exception):
    """A step saw something wrong; the message says what a user would have seen."""


def expect(condition: object, message: str) -> None:
    if not condition:
        raise SmokeTestError(message)


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Let Qt process events until `condition()` holds or `seconds` pass; the last value of `condition()`."""
    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    return condition()


class SmokeTest:
    """The steps, in order; `run()` reports each and stops at the first failure."""

    def __init__(self, folder: Path, out=None):
        self.folder = folder
        self.out = out or sys.stdout
        self.step = "start"
        self.window = None
        self.contract_id: int | None = None

    def say(self, detail: str) -> None:
        print(f"ok  {self.step}: {detail}", file=self.out, flush=True)

    def run(self) -> None:
        for step, method in STEPS:
            self.step = step
            getattr(self, method)()

    def demo_book(self) -> None:
        from models.book import open_book
        from models.check import check_book
        from models.demo import generate

        self.book_path = self.folder / "demo.book"
        counts = generate(self.book_path, SMOKE_CONTRACTS, seed=1)
        expect(counts["contract"] == SMOKE_CONTRACTS, f"the demo book has {counts['contract']} contracts")
        with open_book(self.book_path, create=False) as book:
            problems = check_book(str(book.path))
        expect(not problems, "the demo book fails its check: " + "; ".join(problems[:3]))
        self.say(f"{counts['contract']} contracts, {counts['ledger_entry']} ledger entries, check passed")

    def main_window(self) -> None:
        from PySide6.QtCore import QSettings

        from desktop.app import make_app, start

        make_app()
        settings = QSettings(str(self.folder / "settings.ini"), QSettings.Format.IniFormat)
        self.window = window = start(self.book_path, create=False, settings=settings)  # as a double-click does
        window.resize(1100, 700)
        window.show()
        shown = wait_for(lambda: window.windowHandle() is not None and window.windowHandle().isExposed())
        expect(shown and window.isVisible(), "the main window did not appear")
        opened = wait_for(lambda: window.page is not None and window.page.contract is not None)
        expect(opened and window.book is not None, "the book did not finish opening after the window appeared")
        expect(not window.windowIcon().isNull(), "the window has no icon (resources/icons or the SVG plugin)")
        expect(window.model.total() == SMOKE_CONTRACTS, f"the table lists {window.model.total()} contracts")
        self.contract_id = window.selected_contract_id()
        expect(self.contract_id is not None, "no contract is selected in the table")
        expect(window.grab().width() > 0, "the window could not be drawn")
        self.say(f"“{window.windowTitle()}” shows {window.model.total()} contracts; contract #{self.contract_id}")

    def search(self) -> None:
        from models.entities import Contract

        window = self.window
        title = Contract.get_by_id(self.contract_id).title
        window.search.setText(title)
        window.apply_search()
        found = window.model.total()
        expect(0 < found < SMOKE_CONTRACTS, f"searching for “{title}” found {found} of {SMOKE_CONTRACTS} contracts")
        window.search.clear()
        window.apply_search()
        self.say(f"“{title}” finds {found} of {SMOKE_CONTRACTS} contracts")

    def help(self) -> None:
        from desktop.widgets.help_browser import HelpDialog

        dialog = HelpDialog(self.window)
        dialog.show()
        text = dialog.browser.toPlainText().strip()
        expect(len(text) > 200, "the help page is empty (resources/help is missing)")
        dialog.close()
        self.say(f"the help page has {len(text)} characters")

    def pdf_summary(self) -> None:
        from desktop.summary_pdf import export_summaries
        from models.entities import Contract

        title = Contract.get_by_id(self.contract_id).title
        now = datetime.now(UTC)
        out = self.folder / "summaries"
        written = export_summaries([self.contract_id], out, book_name=self.book_path.name, now=now)
        expect(len(written) == 1, "no PDF summary was written")
        data = written[0].read_bytes()
        expect(data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:], "the PDF summary is not a whole PDF file")
        expect(b"/FontFile" in data, "the PDF summary embeds no font")
        expect(list(out.iterdir()) == written, "the export left a temporary file behind")
        self.say(f"“{title}” written to {written[0].name} ({len(data):,} bytes, fonts embedded)")

    def close(self) -> None:
        window, self.window = self.window, None
        book = window.book
        window.close()
        expect(book.db.is_closed(), "closing the window did not close the book")
        self.say("the window closed and the book with it")

    def tear_down(self) -> None:
        """After a failure: close whatever is open, so the temporary folder can go."""
        from PySide6.QtWidgets import QApplication

        if self.window is not None:
            self.window.close()
        for widget in QApplication.topLevelWidgets() if QApplication.instance() else []:
            widget.close()


def run_smoke_test(out=None, err=None) -> int:
    """The `--smoke-test` command: 0 when every step passed, 1 (with the reason) when one did not."""
    from desktop.version import app_version

    out, err = out or sys.stdout, err or sys.stderr
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no display needed, none touched
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="escrowbook-smoke-") as tmp:
        test = SmokeTest(Path(tmp), out)
        # The demo book's ledger head is noted in the temporary folder too (models/anchor.py), not the user's.
        os.environ["ESCROWBOOK_ANCHORS"] = str(Path(tmp) / "anchors")

        def too_slow() -> None:
            message = f"escrowbook --smoke-test: FAILED at {test.step}: no answer after {TIME_LIMIT_S} s"
            print(message, file=err, flush=True)  # (a windowed app on Windows has no stderr: exit code only)
            os._exit(1)

        watchdog = threading.Timer(TIME_LIMIT_S, too_slow)
        watchdog.daemon = True
        watchdog.start()
        try:
            test.run()
        except Exception as exc:
            reason = str(exc)
            if not isinstance(exc, SmokeTestError):  # unexpected: the details too
                traceback.print_exc(file=err)
                reason = f"{type(exc).__name__}: {exc}"
            print(f"escrowbook --smoke-test: FAILED at {test.step}: {reason}", file=err, flush=True)
            test.tear_down()
            return 1
        finally:
            watchdog.cancel()
    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    took = time.perf_counter() - started
    print(f"Smoke test passed: Escrowbook {app_version()} ({frozen}) in {took:.1f} s.", file=out, flush=True)
    return 0
