"""Backups in the window: the automatic daily backup, and File → Restore from Backup….

The automatic backup runs a few seconds after a book is shown (`schedule_backup`, called once by
the main window for every book it opens), so it never delays the window's start, and is copied in
steps with the window's events handled between them, so it never blocks the window; it is made only
when the newest daily backup is a day old or more (models/backup.py), keeping the newest
"backups/keep" of them (a setting, default 10).

Restore lists the open book's backups (when, what kind, size, contracts) and restores the chosen
one into a NEW file the user picks: never over the open book (refused), an existing file only
after the user confirms replacing it. Then it offers to open the restored book.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.formatting import local_time
from desktop.widgets import prompts
from desktop.widgets.fields import FieldError
from desktop.widgets.screen_fit import keep_on_screen
from models.backup import DEFAULT_KEEP, Backup, backup_if_due, backups_of, contracts_in, folder_for, restore
from models.errors import BookError, RuleError

BACKUP_DELAY_MS = 3000  # after the window is shown: its start-up is not slowed
KEEP_SETTING = "backups/keep"
COLUMNS = ("Taken", "Kind", "Size", "Contracts")


def schedule_backup(window) -> None:
    """Back the window's book up a few seconds after it is shown, if a backup is due."""
    QTimer.singleShot(BACKUP_DELAY_MS, window, lambda: backup_when_due(window))


class _Stopped(Exception):
    """The book was closed (or another opened) while its backup was being copied."""


def backup_when_due(window) -> Path | None:
    """The automatic daily backup of `window.book` (nothing when one was made in the past day).

    Copied in steps of a megabyte or so, the window's events handled between them: the window stays usable
    while a large book is backed up (models/backup.py, `between`). Work done meanwhile goes into the copy
    too (SQLite's backup API follows the book's own connection). Closing the book stops the backup."""
    book = window.book
    if book is None or book.db.is_closed():  # (a book refused as it finished opening: nothing to back up)
        return None
    if getattr(window, "backing_up", False):
        return None
    keep = window.settings.value(KEEP_SETTING, DEFAULT_KEEP, type=int)

    def between(left: int, total: int) -> None:
        QApplication.processEvents()
        if window.book is not book or book.db.is_closed():
            raise _Stopped

    window.statusBar().showMessage("Backing up the book…")
    window.backing_up = True
    try:
        made = backup_if_due(book, keep=keep, between=between)
    except _Stopped:
        return None
    except (BookError, RuleError) as exc:
        window.statusBar().clearMessage()
        window.warn("Backup", str(exc))
        return None
    finally:
        window.backing_up = False
    if made is None:
        window.statusBar().clearMessage()
    else:
        window.statusBar().showMessage(f"Backed up the book to {made}", 8000)
    return made


def size_text(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):,.1f} MB"


class RestoreBackupDialog(QDialog):
    """Lists the backups of the book at `book_path`; restores the chosen one into a new file.

    After a restore `.restored` is the new file, and `.open_restored` says whether the user wants it
    opened. `ask_target(suggested)` and `confirm(title, text)` are replaced by tests.
    """

    def __init__(self, book_path: Path, parent: QWidget | None = None, *, root: Path | None = None):
        super().__init__(parent)
        keep_on_screen(self)  # never larger than the screen
        self.setObjectName("restoreBackupDialog")
        self.setWindowTitle("Restore from Backup")
        self.setAccessibleName("Restore from Backup")
        self.setModal(True)
        self.setMinimumWidth(620)
        self.book_path = Path(book_path)
        self.root = root
        self.restored: Path | None = None
        self.open_restored = False
        self.ask_target = self._ask_target
        self.backups: list[Backup] = backups_of(self.book_path, root)

        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Backups of “{self.book_path.name}”, newest first, kept in {folder_for(self.book_path, root)}. "
            "A backup is restored into a new file that you choose: your open book is not changed."
        )
        intro.setObjectName("restoreIntro")
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(intro)

        self.table = QTableWidget(len(self.backups), len(COLUMNS))
        self.table.setObjectName("backupsTable")
        self.table.setAccessibleName("Backups")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, b in enumerate(self.backups):
            count = contracts_in(b)
            cells = (
                local_time(b.taken_at),
                b.kind,
                size_text(b.size),
                "unreadable" if count is None else f"{count:,}",
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(0, self.table.columnWidth(0) + 16)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _: self.restore_selected())
        layout.addWidget(self.table)

        self.empty = QLabel(
            "No backups of this book yet. The first is made a few seconds after the book is opened, "
            "then one a day while you use it."
        )
        self.empty.setObjectName("noBackups")
        self.empty.setWordWrap(True)
        self.empty.setVisible(not self.backups)
        self.table.setVisible(bool(self.backups))
        layout.addWidget(self.empty)

        self.message = FieldError(self, name="restoreMessage", accessible_name="Problem restoring the backup")
        layout.addWidget(self.message)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.restore_button = self.buttons.addButton("&Restore to…", QDialogButtonBox.ButtonRole.ActionRole)
        self.restore_button.setObjectName("restoreButton")
        self.restore_button.setAccessibleName("Restore to a new file")
        self.restore_button.clicked.connect(self.restore_selected)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("closeButton")
        close.setAccessibleName("Close")
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if self.backups:
            self.table.selectRow(0)
        self._update_buttons()

    def selected(self) -> Backup | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(self.selected() is not None)

    def _ask_target(self, suggested: Path) -> str:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Restore the Backup to a New Book",
            str(suggested),
            "Escrowbook books (*.book)",
            options=QFileDialog.Option.DontConfirmOverwrite,  # replacing is confirmed here, after the checks
        )
        return path

    def restore_selected(self) -> None:
        backup = self.selected()
        if backup is None:
            return
        stamp = backup.taken_at.strftime("%Y-%m-%d %H%M")
        chosen = self.ask_target(self.book_path.with_name(f"{self.book_path.stem} restored {stamp}.book"))
        if not chosen:
            return
        target = Path(chosen) if chosen.endswith(".book") else Path(chosen + ".book")
        try:
            try:
                restore(backup, target, open_book=self.book_path)
            except BookError as exc:
                if exc.reason != "exists" or not prompts.ask(
                    self,
                    "Replace the file?",
                    f"“{target.name}” already exists. Replace it with the backup of {local_time(backup.taken_at)}? "
                    "What it holds now will be lost.",
                    "Replace",
                ):
                    raise
                restore(backup, target, open_book=self.book_path, replace=True)
        except BookError as exc:
            self.message.setMessage(None if exc.reason == "exists" else str(exc))
            return
        self.message.setMessage(None)
        self.restored = target
        self.open_restored = prompts.ask(
            self,
            "Backup restored",
            f"The backup of {local_time(backup.taken_at)} was restored to “{target}”. Open it now?",
            "Open it",
            "Not now",
        )
        self.accept()


def restore_from_backup(window) -> RestoreBackupDialog:
    """File → Restore from Backup…: the dialog, then the restored book opened if the user wants it."""
    dialog = RestoreBackupDialog(window.book.path, window)
    window.restore_dialog = dialog  # tests reach it here
    if dialog.exec() and dialog.restored is not None and dialog.open_restored:
        window.switch_to(dialog.restored)
    return dialog
