"""File → Year-end Pack…: a year's reports for the accountant, as one PDF and a CSV file per report, into a folder.

The client chooses the year, the home currency the figures are also converted into (the book's, by default;
or none) and the folder. The pack is read and written on a worker thread (models/pack.py, desktop/pack_pdf.py),
so the window stays responsive; a bar shows how far it is, and Cancel (or Escape, or closing the dialog) stops
it within moments, interrupting a report being read. Nothing of a cancelled or failed pack is left in the
folder: its files appear all together, once all of them are whole.

The book's one connection: the worker reads the reports through it while the dialog is open, window-modal, so
the window records nothing meanwhile; the window's count of its contracts is stopped before the pack starts
(desktop/window/contracts_model.py Counter does the same reading from its own thread). Cancel interrupts the
statement under way on that connection (`interrupt`), as a newer count interrupts an older one.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import peewee as pw
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.pack_pdf import write_pack
from desktop.widgets import prompts
from desktop.widgets.appearance import light_palette
from desktop.widgets.charts import pack_charts
from desktop.widgets.elided_label import ElidedLabel
from desktop.widgets.fields import FieldError, named
from desktop.widgets.screen_fit import keep_on_screen
from models.money import CURRENCY_EXPONENT, CURRENCY_NAME
from models.pack import PackCancelled, build_pack
from models.refusals import in_words

NO_HOME = "none"
WHAT = (
    "One PDF (contents, each report of the year as a table, each freelancer's contracts and totals, the "
    "exchange rates used) and each report as a CSV file for a spreadsheet."
)
CANCELLED = "The pack was cancelled: nothing was written."


class YearEndDialog(QDialog):
    """Year, home currency, folder; then the pack, written with a progress bar and Cancel."""

    progressed = Signal(int, int, str)
    ended = Signal(object)  # the files written (a list), or the exception that stopped the pack

    def __init__(
        self,
        parent: QWidget | None,
        *,
        book_name: str,
        years: list[int],
        year: int,
        home: str | None,
        folder: Path,
        interrupt: Callable[[], None] = lambda: None,
        charts: Mapping[str, Callable] | None = None,
        palette=None,
    ):
        super().__init__(parent)
        keep_on_screen(self)
        self.setObjectName("yearEndDialog")
        self.setWindowTitle("Year-end Pack")
        self.setAccessibleName("Year-end pack")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(520)
        self.book_name = book_name
        self.folder = folder
        self.interrupt = interrupt
        self.charts = pack_charts() if charts is None else charts  # (in the light palette: paper is white)
        self.palette_for_charts = light_palette() if palette is None else palette
        self.cancel = threading.Event()
        self.worker: threading.Thread | None = None
        self.written: list[Path] = []
        self.outcome: object = None
        # Replaced in tests, which cannot click a native file dialog.
        self.choose_folder = lambda: QFileDialog.getExistingDirectory(self, "Write the Pack Into", str(self.folder))

        about = QLabel(WHAT)
        about.setWordWrap(True)
        about.setObjectName("packAbout")
        self.year = QComboBox()
        named(self.year, "packYear", "Year")
        for y in sorted(set(years), reverse=True):
            self.year.addItem(str(y), y)
        self.year.setCurrentIndex(max(0, self.year.findData(year)))
        self.home = QComboBox()
        named(self.home, "packHome", "Home currency")
        self.home.addItem("None: each figure in its own currency only", NO_HOME)
        for code in sorted(CURRENCY_EXPONENT):
            self.home.addItem(f"{code} ({CURRENCY_NAME.get(code, code)})", code)
        self.home.setCurrentIndex(max(0, self.home.findData(home or NO_HOME)))
        self.folder_label = ElidedLabel(str(folder))
        self.folder_label.setObjectName("packFolder")
        self.folder_label.setAccessibleName("Folder")
        self.folder_button = QPushButton("C&hoose…")
        named(self.folder_button, "packFolderButton", "Choose the folder")
        self.folder_button.clicked.connect(self._choose)
        where = QHBoxLayout()
        where.addWidget(self.folder_label, 1)
        where.addWidget(self.folder_button)
        form = QFormLayout()
        form.addRow("&Year:", self.year)
        form.addRow("&Convert into:", self.home)
        form.addRow("Folder:", where)

        self.status = QLabel("")
        self.status.setObjectName("packStatus")
        self.status.setAccessibleName("What the pack is doing")
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        named(self.bar, "packProgress", "Progress of the pack")
        self.bar.hide()
        self.error = FieldError(self, name="packError", accessible_name="Problem writing the pack")

        self.buttons = QDialogButtonBox()
        self.write_button = self.buttons.addButton("&Write Pack", QDialogButtonBox.ButtonRole.AcceptRole)
        named(self.write_button, "packWrite", "Write the pack")
        self.write_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        named(self.cancel_button, "packCancel", "Cancel")
        self.write_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._cancel_clicked)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(about)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.progressed.connect(self._show_progress)
        self.ended.connect(self._finished)

    # ------------------------------------------------------------ choices
    def _choose(self) -> None:
        chosen = self.choose_folder()
        if chosen:
            self.folder = Path(chosen)
            self.folder_label.setText(str(self.folder))

    def chosen_year(self) -> int:
        return int(self.year.currentData())

    def chosen_home(self) -> str | bool:
        code = self.home.currentData()
        return False if code == NO_HOME else code

    # ------------------------------------------------------------ the pack
    def running(self) -> bool:
        return self.worker is not None and self.worker.is_alive()

    def start(self) -> None:
        """Write the pack on a worker thread (after asking before replacing an earlier pack of that year)."""
        if self.running():
            return
        year = self.chosen_year()
        earlier = self.folder / f"{year} year-end pack.pdf"
        if earlier.exists() and not prompts.ask(
            self, "Year-end Pack", f"The {year} pack already in {self.folder} will be replaced.", "Replace"
        ):
            return
        self.error.setMessage("")
        self.cancel.clear()
        for w in (self.year, self.home, self.folder_button, self.write_button):
            w.setEnabled(False)
        self.bar.setRange(0, 0)
        self.bar.show()
        self.status.setText(f"Reading the {year} reports…")
        home = self.chosen_home()
        self.worker = threading.Thread(target=self._run, args=(year, home), name="year-end-pack", daemon=True)
        self.worker.start()

    def _run(self, year: int, home) -> None:
        try:
            pack = build_pack(
                year,
                home=home,
                progress=lambda done, total, what: self._tell(done, total, f"Reading {what}…"),
                cancelled=self.cancel.is_set,
            )
            outcome = write_pack(
                pack, self.folder, book_name=self.book_name, generated_at=datetime.now(UTC), charts=self.charts,
                palette=self.palette_for_charts, cancelled=self.cancel.is_set,
                progress=lambda done, total: self._tell(done, total, f"Writing page {done:,} of {total:,}…"),
            )  # fmt: skip
        except Exception as exc:  # cancelled, interrupted, or the folder could not take it: said in words
            outcome = exc
        with contextlib.suppress(RuntimeError):  # (the dialog is gone)
            self.ended.emit(outcome)

    def _tell(self, done: int, total: int, what: str) -> None:
        if self.cancel.is_set():
            raise PackCancelled
        with contextlib.suppress(RuntimeError):
            self.progressed.emit(done, total, what)

    def stop(self) -> None:
        """Cancel: the pack stops within moments (a report being read is interrupted) and leaves nothing."""
        if not self.running():
            return
        self.cancel.set()
        self.interrupt()
        self.cancel_button.setEnabled(False)
        self.status.setText("Stopping the pack…")

    def _cancel_clicked(self) -> None:
        """While the pack is being written, Cancel stops it (the dialog stays, saying so); else it closes."""
        if self.running():
            self.stop()
        else:
            self.reject()

    def _show_progress(self, done: int, total: int, what: str) -> None:
        if self.cancel.is_set():
            return
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.status.setText(what)

    def _finished(self, outcome) -> None:
        if self.worker is not None:
            self.worker.join()
        self.outcome = outcome
        if not self.isVisible():  # (closed while it ran: stopped, nothing to say)
            return
        self.bar.hide()
        self.cancel_button.setEnabled(True)
        for w in (self.year, self.home, self.folder_button, self.write_button):
            w.setEnabled(True)
        stopped = isinstance(outcome, PackCancelled) or (
            self.cancel.is_set() and isinstance(outcome, sqlite3.Error | pw.DatabaseError)
        )
        if stopped:
            self.status.setText("")
            self.error.setMessage(CANCELLED)
            return
        if isinstance(outcome, Exception):
            self.status.setText("")
            why = in_words(outcome) or str(outcome)
            self.error.setMessage(f"The pack could not be written: {why} Nothing of it was left in the folder.")
            return
        self.written = list(outcome)
        self.status.setText(f"Wrote {self.written[0].name} and {len(self.written) - 1} CSV files into {self.folder}.")
        self.accept()

    def done(self, result: int) -> None:
        """Escape, Cancel or closing the window: a pack under way is stopped first (and leaves nothing)."""
        if self.running():
            self.stop()
            self.worker.join(timeout=30)
        super().done(result)
