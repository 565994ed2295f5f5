"""Tools → Check Book…: everything `escrowbook check` verifies, run on the open book from the app.

The check runs in a worker thread on read-only connections of its own (models/check.py, `own_connection`):
the window stays responsive, and its progress shows in a bar with what is being verified. Cancel (or Escape,
or closing the dialog) stops it within moments. The result is said in plain words: the book is sound, or
what was found wrong, one finding a line.
"""

from __future__ import annotations

import contextlib
import threading

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.check import CheckCancelled, check_book
from models.entities import database
from models.refusals import in_words

SOUND = (
    "The book is sound: every balance, link, date and summary agrees with its ledger, and the ledger is "
    "whole and unchanged since Escrowbook wrote it."
)
STOPPED = "The check was stopped before its end: the book was not checked through."


class CheckBookDialog(QDialog):
    """The check of the open book at `path`, with a progress bar, Cancel, and the result."""

    progressed = Signal(int, int, str)
    ended = Signal(object)  # the findings (a list), or the exception that stopped the check

    def __init__(self, parent: QWidget | None, path) -> None:
        super().__init__(parent)
        self.setObjectName("checkBookDialog")
        self.setWindowTitle("Check Book")
        self.setAccessibleName("Check book")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.path = path
        self.cancel = threading.Event()
        self.worker: threading.Thread | None = None
        self.problems: list[str] | None = None

        self.status = QLabel(f"Checking “{path.name}”…")
        self.status.setObjectName("checkStatus")
        self.status.setAccessibleName("What the check is doing")
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setObjectName("checkProgress")
        self.bar.setAccessibleName("Progress of the check")
        self.bar.setRange(0, 1000)
        self.result = QPlainTextEdit()
        self.result.setObjectName("checkResult")
        self.result.setAccessibleName("What the check found")
        self.result.setReadOnly(True)
        self.result.hide()
        self.buttons = QDialogButtonBox()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("checkCancel")
        self.cancel_button.setAccessibleName("Stop the check")
        self.cancel_button.clicked.connect(self.stop)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("checkClose")
        self.close_button.setAccessibleName("Close")
        self.close_button.clicked.connect(self.accept)
        self.close_button.hide()
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        layout = QVBoxLayout(self)
        for w in (self.status, self.bar, self.result, self.buttons):
            layout.addWidget(w)
        self.resize(560, 160)
        self.progressed.connect(self._show_progress)
        self.ended.connect(self._show_result)

    # ------------------------------------------------------------ the check
    def start(self) -> None:
        """Fold the book's log into its file (here, on the book's own connection), then check the file."""
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        self.worker = threading.Thread(target=self._run, name="check-book", daemon=True)
        self.worker.start()

    def _run(self) -> None:
        try:
            path = None if self.path is None else str(self.path)  # (None: a shared book, on its own connection)
            outcome = check_book(path, progress=self._tell, cancel=self.cancel, own_connection=True)
        except Exception as exc:  # CheckCancelled, or a file that could not be read: said in words
            outcome = exc
        with contextlib.suppress(RuntimeError):  # (the dialog is gone)
            self.ended.emit(outcome)

    def _tell(self, done: int, total: int, what: str) -> None:
        try:
            self.progressed.emit(done, total, what)
        except RuntimeError:  # the dialog is gone: stop
            raise CheckCancelled from None

    def running(self) -> bool:
        return self.worker is not None and self.worker.is_alive() and self.problems is None

    def stop(self) -> None:
        """Cancel: the check stops within moments, and says so."""
        self.cancel.set()
        self.cancel_button.setEnabled(False)
        self.status.setText("Stopping the check…")

    # ------------------------------------------------------------ what it shows
    def _show_progress(self, done: int, total: int, what: str) -> None:
        self.bar.setRange(0, total)
        self.bar.setValue(done)
        if done < total and not self.cancel.is_set():
            self.status.setText(f"Checking {what}…")

    def _show_result(self, outcome) -> None:
        self.cancel_button.hide()
        self.close_button.show()
        self.close_button.setDefault(True)
        self.close_button.setFocus()
        if isinstance(outcome, CheckCancelled):
            self.problems = []
            self.status.setText(STOPPED)
            return
        if isinstance(outcome, Exception):
            self.problems = []
            self.status.setText(f"The book could not be checked. {in_words(outcome) or outcome}")
            return
        self.problems = list(outcome)
        self.bar.setValue(self.bar.maximum())
        if not self.problems:
            self.status.setText(SOUND)
            return
        n = len(self.problems)
        self.status.setText(f"{n} problem{'s were' if n != 1 else ' was'} found in this book:")
        self.result.setPlainText("\n".join(f"• {p}" for p in self.problems))
        self.result.show()
        self.resize(self.width(), 360)

    def done(self, result: int) -> None:
        """Escape, Close or closing the window: a check under way is cancelled first."""
        if self.running():
            self.cancel.set()
        super().done(result)
