"""File → Export Summaries to PDF… and File → Print Summary…

The export dialog asks which contracts (the selected one, the ones the table shows, or every one),
whether to write one PDF each into a folder or one PDF with a contents page, and whether to include
private notes. A batch shows its progress and can be cancelled; every file is written under a
temporary name and moved into place (desktop/summary_pdf.py), so nothing half-written is left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QProgressDialog,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.summary_pdf import export_summaries, file_name, paint_summaries, write_pdf
from desktop.widgets.fields import FieldError, named, named_by_text
from desktop.widgets.screen_fit import keep_on_screen
from models.refusals import reason
from models.report import contract_summary

PRIVATE_HINT = "Private notes and private feedback are left out unless you tick this."


@dataclass(frozen=True)
class Choice:
    """One set of contracts the dialog offers: its label and how to list them when asked."""

    key: str
    label: str
    count: int
    ids: Callable[[], list[int]]


class ExportDialog(QDialog):
    """Which contracts, one file each or combined, private notes or not; then where, then the export."""

    def __init__(self, parent: QWidget | None, *, choices: list[Choice], book_name: str, folder: Path):
        super().__init__(parent)
        keep_on_screen(self)  # never larger than the screen
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export Summaries to PDF")
        self.setAccessibleName("Export summaries to PDF")
        self.setMinimumWidth(480)
        self.book_name = book_name
        self.folder = folder
        self.written: list[Path] = []
        self.cancelled = False
        # Replaced in tests, which cannot click a native file dialog.
        self.choose_folder = lambda: QFileDialog.getExistingDirectory(self, "Export Into Folder", str(self.folder))
        self.choose_file = lambda suggested: QFileDialog.getSaveFileName(
            self, "Export Combined PDF", str(self.folder / suggested), "PDF files (*.pdf)"
        )[0]

        which = QGroupBox("Contracts")
        which_layout = QVBoxLayout(which)
        self.which = QButtonGroup(self)
        self.choices: dict[str, Choice] = {}
        self.choice_buttons: dict[str, QRadioButton] = {}
        for choice in choices:
            b = QRadioButton(choice.label)
            b.setObjectName(f"choice_{choice.key}")
            named_by_text(b)
            b.setEnabled(choice.count > 0)
            self.which.addButton(b)
            which_layout.addWidget(b)
            self.choices[choice.key] = choice
            self.choice_buttons[choice.key] = b
        first = next((b for b in self.choice_buttons.values() if b.isEnabled()), None)
        if first is not None:
            first.setChecked(True)

        files = QGroupBox("Files")
        files_layout = QVBoxLayout(files)
        self.separate = QRadioButton("One PDF per contract, into a folder")
        self.separate.setObjectName("separateFiles")
        self.combined = QRadioButton("One PDF with a contents page")
        self.combined.setObjectName("combinedFile")
        named_by_text(self.separate, self.combined)
        self.separate.setChecked(True)
        files_layout.addWidget(self.separate)
        files_layout.addWidget(self.combined)
        self.files = files
        self.which.buttonToggled.connect(lambda *_: self._one_or_many())
        self._one_or_many()

        self.private = QCheckBox("Include private notes")
        self.private.setObjectName("includePrivate")
        self.private.setToolTip(PRIVATE_HINT)
        named_by_text(self.private)
        self.private.setAccessibleDescription(PRIVATE_HINT)
        hint = QLabel(PRIVATE_HINT)
        hint.setWordWrap(True)
        hint.setObjectName("privateHint")

        self.error = FieldError(self, name="exportError", accessible_name="Problem exporting")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("&Export…", QDialogButtonBox.ButtonRole.AcceptRole)
        named(self.export_button, "exportButton", "Export")
        named(buttons.button(QDialogButtonBox.StandardButton.Cancel), "cancelButton", "Cancel")
        self.export_button.setDefault(True)
        self.export_button.setEnabled(first is not None)
        self.export_button.clicked.connect(self.export)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(which)
        layout.addWidget(files)
        layout.addWidget(self.private)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _one_or_many(self) -> None:
        """One contract is always one PDF file: the choice of files is for several."""
        checked = self.which.checkedButton()
        self.files.setEnabled(checked is not None and self.chosen().count > 1)

    def chosen(self) -> Choice:
        return next(self.choices[k] for k, b in self.choice_buttons.items() if b.isChecked())

    def export(self) -> None:
        """Ask where, then write; the dialog closes once the files are there (or stays, saying why not)."""
        ids = self.chosen().ids()
        combined: bool | None
        combine = self.combined.isChecked() and len(ids) > 1
        if combine or len(ids) == 1:
            suggested = "Contract summaries.pdf" if combine else file_name(*_title_of(ids[0]))
            target = self.choose_file(suggested)
            if not target:
                return
            out = Path(target if target.lower().endswith(".pdf") else target + ".pdf")
            combined = True if combine else None  # None: the one summary, to this file
            self.folder = out.parent
        else:
            target = self.choose_folder()
            if not target:
                return
            out = self.folder = Path(target)
            combined = False
        try:
            self.written, self.cancelled = run_export(
                self, ids, out, book_name=self.book_name, combined=combined, include_private=self.private.isChecked()
            )
        except OSError as exc:
            done = getattr(exc, "written", None)
            self.written = list(done or [])
            before = (
                f" {len(self.written):,} of {len(ids):,} files were written before that, each one complete."
                if self.written
                else ""
            )
            self.error.setMessage(
                f"The summaries could not be written: {reason(exc)}.{before} Nothing half-written was left, "
                "and no file was replaced by one."
            )
            return
        if self.cancelled:
            self.error.setMessage(
                f"Export cancelled: {len(self.written)} of {len(ids)} files were written, each one complete."
                if self.written
                else "Export cancelled: nothing was written."
            )
            return
        self.accept()


def _title_of(contract_id: int) -> tuple[int, str]:
    from models.entities import Contract

    return contract_id, Contract.get_by_id(contract_id).title


def run_export(
    parent: QWidget | None,
    ids: list[int],
    out: Path,
    *,
    book_name: str,
    combined: bool | None,
    include_private: bool,
) -> tuple[list[Path], bool]:
    """Write the summaries with a progress dialog that can cancel; (files written, cancelled?).

    `combined` None writes the single contract of `ids` to the file `out`.
    """
    progress = QProgressDialog("Writing contract summaries…", "Cancel", 0, len(ids), parent)
    progress.setObjectName("exportProgress")
    progress.setWindowTitle("Export Summaries to PDF")
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(400)  # a single summary never flashes a progress window

    def step(done: int, total: int) -> None:
        progress.setValue(done)
        progress.setLabelText(f"Writing contract summaries… {done:,} of {total:,}")
        QApplication.processEvents()

    def cancelled() -> bool:
        return progress.wasCanceled()

    now = datetime.now(UTC)
    try:
        if combined is None:
            summary = contract_summary(ids[0], include_private=include_private, now=now)
            written = [out] if write_pdf(out, [summary], book_name=book_name, generated_at=now) else []
        else:
            written = export_summaries(
                ids, out, book_name=book_name, combined=combined, include_private=include_private, now=now,
                progress=step, cancelled=cancelled,
            )  # fmt: skip
        was_cancelled = progress.wasCanceled()
    finally:
        progress.close()
    return written, was_cancelled


def print_preview(parent: QWidget | None, contract_id: int, *, book_name: str, include_private: bool = False):
    """File → Print Summary…: the summary in Qt's print preview, printed from there."""
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

    from desktop.summary_pdf import page_size_for

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(page_size_for())
    printer.setDocName("Contract summary")
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setObjectName("printPreview")
    dialog.setWindowTitle("Print Summary")

    def paint(device) -> None:
        now = datetime.now(UTC)
        summary = contract_summary(contract_id, include_private=include_private, now=now)
        paint_summaries(device, [summary], book_name=book_name, generated_at=now)

    dialog.paintRequested.connect(paint)
    return dialog
