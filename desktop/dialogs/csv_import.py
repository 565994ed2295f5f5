"""File → Export CSV… and File → Import CSV…

Import shows a preview first: what the three files hold, checked in full (a dry run of the import,
so even a ledger that would break R12 is caught), or every problem with its file and row. Import
is enabled only when there is none, and then adds everything in one transaction (models.ops).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.fields import FieldError
from desktop.widgets.screen_fit import keep_on_screen
from models import ops
from models.csv_io import FILES, ImportPlan, ImportRefused, read_folder

PREVIEW_ROWS = 200


class ImportDialog(QDialog):
    """The preview of a CSV import, and the one button that imports it."""

    def __init__(self, parent: QWidget | None, folder: Path):
        super().__init__(parent)
        keep_on_screen(self)  # never larger than the screen
        self.setObjectName("importDialog")
        self.setWindowTitle("Import CSV")
        self.setAccessibleName("Import CSV")
        self.resize(760, 480)
        self.folder = Path(folder)
        self.imported = False

        self.heading = QLabel()
        self.heading.setObjectName("importHeading")
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.note = QLabel()
        self.note.setObjectName("importNote")
        self.note.setWordWrap(True)

        self.preview = QTableWidget(0, 6)
        self.preview.setObjectName("importPreview")
        self.preview.setAccessibleName("Contracts to import")
        self.preview.setHorizontalHeaderLabels(["#", "Title", "Freelancer", "Currency", "Status", "Ledger entries"])
        self.preview.verticalHeader().setVisible(False)
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.problems = QListWidget()
        self.problems.setObjectName("importProblems")
        self.problems.setAccessibleName("Problems found")
        self.problems.setWordWrap(True)
        self.error = FieldError(self, name="importError", accessible_name="Problem importing")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = buttons.addButton("&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("importButton")
        self.import_button.setAccessibleName("Import")
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("cancelButton")
        cancel.setAccessibleName("Cancel")
        self.import_button.clicked.connect(self.run_import)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.addWidget(self.heading)
        layout.addWidget(self.note)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.plan = self.check()

    def check(self) -> ImportPlan:
        """Read the files and rehearse the import; show what it would add, or why it cannot."""
        plan = read_folder(self.folder)
        problems = list(plan.problems)
        if not problems:
            try:
                ops.import_records(plan, dry_run=True)
            except ImportRefused as exc:
                problems = exc.problems
        self.problems.clear()
        self.problems.addItems(problems)
        ok = not problems
        self.problems.setVisible(not ok)
        self.preview.setVisible(ok)
        self.import_button.setEnabled(ok)
        self.import_button.setDefault(ok)
        n = plan.counts
        if ok:
            self.heading.setText(
                f"{n['contracts']:,} contracts, {n['milestones']:,} milestones and {n['entries']:,} ledger entries "
                f"are ready to import from {self.folder}."
            )
            self.note.setText(
                "Every row was checked, and the ledger of each contract keeps every rule of the books. Import adds "
                "them to this book in one step; it is not undone by itself, so keep a copy first (File → Save a Copy)."
            )
            self._fill(plan)
        else:
            n_problems = len(problems)
            self.heading.setText(f"Nothing can be imported: {n_problems:,} problem{'s' if n_problems != 1 else ''}.")
            self.note.setText(f"Correct {', '.join(FILES)} in {self.folder} and choose Import CSV… again.")
        return plan

    def _fill(self, plan: ImportPlan) -> None:
        entries: dict[int, int] = {}
        for e in plan.entries:
            entries[e.contract] = entries.get(e.contract, 0) + 1
        shown = plan.contracts[:PREVIEW_ROWS]
        self.preview.setRowCount(len(shown))
        for r, c in enumerate(shown):
            cells = [str(c.number), c.title, c.freelancer[0], c.currency, c.status, str(entries.get(c.number, 0))]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (0, 5):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.preview.setItem(r, col, item)
        self.preview.resizeColumnsToContents()
        self.preview.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        if len(plan.contracts) > PREVIEW_ROWS:
            self.note.setText(self.note.text() + f" The first {PREVIEW_ROWS} contracts are shown.")

    def run_import(self) -> None:
        try:
            ops.import_records(self.plan)
        except ImportRefused as exc:  # the book changed since the preview
            self.error.setMessage(str(exc))
            return
        self.imported = True
        self.accept()
