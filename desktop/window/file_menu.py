"""The File menu's commands, for the main window: books (open, new, a copy, a backup restored, the recent
ones), contract summaries (PDF, print), CSV files, and the marketplace's statement reconciled.

`FileMenu` is a part of `MainWindow` (a mixin): its methods use the window's book, table model, settings,
status bar and `warn`. Each command that changes the book goes through one function of `models`.
"""

from __future__ import annotations

from pathlib import Path

from desktop.version import APP_NAME
from desktop.widgets import prompts
from desktop.window.actions import FILTER_CHOICES
from models.errors import BookError
from models.refusals import in_words, storage_errors


def _file_dialog():
    """QFileDialog, imported when a file is first asked for (PySide sets a type up on its first use: not on
    start-up)."""
    from PySide6.QtWidgets import QFileDialog

    return QFileDialog


MAX_RECENT = 8


class FileMenu:
    """File → Open, New, Save a Copy, Restore from Backup, Open Recent, Export, Print, Export/Import CSV,
    Reconcile Statement."""

    reconcile_dialog = None  # File → Reconcile Statement…'s dialogs while open (tests reach them here)
    mapping_dialog = None

    # ------------------------------------------------------------ books
    def schedule_backup(self) -> None:
        """The daily backup, a few seconds after the book is shown (desktop/dialogs/backup.py)."""
        if self.book is None:  # refused as it finished opening
            return
        from desktop.dialogs.backup import schedule_backup

        schedule_backup(self)

    def restore_from_backup(self):
        from desktop.dialogs.backup import restore_from_backup

        return restore_from_backup(self)

    def switch_to(self, path: Path | str, *, create: bool = False) -> bool:
        """Open another book (a file, or a shared book's address); on refusal keep the current one open and say
        why."""
        path = str(path) if _is_shared(path) else Path(path)
        if not self.finish_opening():
            return False
        current = self.book.url if self.book.store == "postgresql" else self.book.path
        files = isinstance(path, Path) and isinstance(current, Path)
        if path == current or (files and path.resolve() == current.resolve()):
            return True
        from models.book import open_book

        self.stop_following()
        self.model.stop_counting()  # no count reads the book being closed
        self.book.close()
        try:
            self.book = open_book(path, create=create)
        except (BookError, *storage_errors()) as exc:
            keep = self.selected_contract_id()
            self.book = open_book(current, create=False)
            self.model.reload()  # through the book's new connection
            self._after_reload(keep)
            self._follow_others()
            self.warn(APP_NAME, str(exc) if isinstance(exc, BookError) else in_words(exc))
            return False
        self.load_book()
        return True

    def _folder(self) -> Path:
        """Where the file dialogs start: the open book's folder (a shared book has none: the home folder)."""
        return self.book.path.parent if self.book.path is not None else Path.home()

    def open_shared_book(self) -> None:
        """File → Open Shared Book…: a book kept in PostgreSQL, by its address (an empty database gets a new book)."""
        from PySide6.QtWidgets import QInputDialog

        address, ok = QInputDialog.getText(
            self,
            "Open Shared Book",
            "The shared book's address, as your database's administrator gave it,\n"
            "such as postgresql://your-name@server/book-name\n\n"
            "The server asks for your password its own way (a password file,\n"
            "or PGPASSWORD): Escrowbook never stores it. An empty database gets a new book.",
        )
        address = address.strip()
        if not ok or not address:
            return
        if not _is_shared(address):
            self.warn(APP_NAME, "A shared book's address starts with postgresql:// (a book file opens with Open Book).")
            return
        self.switch_to(address, create=True)

    def choose_book(self) -> None:
        path, _ = _file_dialog().getOpenFileName(
            self, "Open Book", str(self._folder()), "Escrowbook books (*.book);;All files (*)"
        )
        if path:
            self.switch_to(Path(path))

    def new_book(self) -> None:
        path, _ = _file_dialog().getSaveFileName(
            self, "New Book", str(self._folder() / "new.book"), "Escrowbook books (*.book)"
        )
        if not path:
            return
        path = Path(path) if path.endswith(".book") else Path(path + ".book")
        if path.exists():
            self.warn(APP_NAME, f"“{path.name}” already exists: choose a new name, or open it with Open Book.")
            return
        self.switch_to(path, create=True)

    def save_copy(self) -> None:
        path, _ = _file_dialog().getSaveFileName(
            self,
            "Save a Copy",
            str(self.book.path.with_name(self.book.path.stem + " copy.book")),
            "Escrowbook books (*.book)",
        )
        if path:
            self.save_copy_to(Path(path))

    # ------------------------------------------------------------ summaries on paper, CSV
    def export_dialog(self):
        """The export dialog for the selected contract, the contracts the table shows, or every one."""
        from desktop.dialogs.export import Choice, ExportDialog
        from models.entities import Contract
        from models.report import select_contracts

        choices = []
        cid = self.selected_contract_id()
        if cid is not None:
            title = self.page.contract.title
            choices.append(Choice("selected", f"The selected contract, “{title}”", 1, lambda: [cid]))
        model = self.model
        shown = model.total()
        what = dict(FILTER_CHOICES)[model.filter].lower()
        if model.search:
            what += f", matching “{model.search}”"
        choices.append(
            Choice(
                "shown",
                f"The {shown:,} contract{'s' if shown != 1 else ''} the table shows ({what})",
                shown,
                lambda: model.query.ids(sort=model.sort_key, descending=model.descending),
            )
        )
        everything = Contract.select().count()
        choices.append(Choice("all", f"Every contract in the book ({everything:,})", everything, select_contracts))
        folder = Path(self.settings.value("exportFolder", str(Path.home())))
        return ExportDialog(self, choices=choices, book_name=self.book.name, folder=folder)

    def export_pdf(self) -> None:
        dialog = self.export_dialog()
        if dialog.exec():
            self.after_export(dialog)

    def after_export(self, dialog) -> None:
        self.settings.setValue("exportFolder", str(dialog.folder))
        n = len(dialog.written)
        where = dialog.written[0] if n == 1 else dialog.folder
        self.statusBar().showMessage(f"Exported {n:,} contract summar{'ies' if n != 1 else 'y'} to {where}", 10000)

    year_end_dialog = None  # File → Year-end Pack…'s dialog while open (tests reach it here)

    def year_end_pack(self):
        """File → Year-end Pack…: a year's reports as one PDF and a CSV file each, for the accountant, written on a
        worker thread with progress and Cancel (desktop/dialogs/year_end.py). Returns the dialog, opened.

        The worker reads through the book's one connection while the window-modal dialog is open: the count of
        the contracts table is stopped first (and started again once the dialog closes)."""
        from desktop.dialogs.year_end import YearEndDialog
        from models.entities import database
        from models.rates import home_currency

        low = database.execute_sql("SELECT MIN(date) FROM ledger_entry").fetchone()[0]
        this = self.today().year
        first = min(int(str(low)[:4]), this) if low else this
        years = list(range(first, this + 1))
        counting = self.model.counting()
        if counting:
            self.model.stop_counting()
        dialog = YearEndDialog(
            self,
            book_name=self.book.name,
            years=years,
            year=this - 1 if this - 1 >= first else this,  # the year that ended last, once the book has it
            home=home_currency(),
            folder=Path(self.settings.value("exportFolder", str(Path.home()))),
            interrupt=self.book.conn.interrupt,
        )
        _delete_on_close(dialog)
        dialog.accepted.connect(lambda: self._after_pack(dialog.folder, dialog.written))
        if counting:
            dialog.finished.connect(lambda _: self.refresh_all())
        self.year_end_dialog = dialog
        dialog.open()
        return dialog

    def _after_pack(self, folder: Path, written: list[Path]) -> None:
        self.settings.setValue("exportFolder", str(folder))
        if written:
            self.statusBar().showMessage(
                f"Wrote {written[0].name} and {len(written) - 1} CSV files into {folder}", 10000
            )

    def export_csv(self) -> None:
        folder = _file_dialog().getExistingDirectory(
            self, "Export CSV Into Folder", self.settings.value("exportFolder", "")
        )
        if folder:
            self.export_csv_to(Path(folder))

    def export_csv_to(self, folder: Path) -> bool:
        from models.csv_io import FILES, export_csv

        there = [name for name in FILES if (folder / name).exists()]
        if there and not prompts.ask(
            self, "Export CSV", f"{', '.join(there)} already in {folder} will be replaced.", "Replace"
        ):
            return False
        try:
            counts = export_csv(folder)
        except OSError as exc:
            from models.refusals import reason

            self.warn("Export CSV", f"The CSV files could not be written into {folder}: {reason(exc)}.")
            return False
        self.settings.setValue("exportFolder", str(folder))
        rows = ", ".join(f"{n:,} rows in {name}" for name, n in counts.items())
        self.statusBar().showMessage(f"Exported {rows} to {folder}", 10000)
        return True

    def import_csv(self) -> None:
        folder = _file_dialog().getExistingDirectory(
            self, "Import CSV From Folder", self.settings.value("exportFolder", "")
        )
        if folder:
            dialog = self.import_dialog(Path(folder))
            if dialog.exec():
                self.after_import(dialog)

    def import_dialog(self, folder: Path):
        from desktop.dialogs.csv_import import ImportDialog

        return ImportDialog(self, folder)

    def after_import(self, dialog) -> None:
        n = dialog.plan.counts
        self.refresh_all()
        self.stack.setCurrentWidget(self.splitter)
        self.statusBar().showMessage(
            f"Imported {n['contracts']:,} contracts, {n['milestones']:,} milestones and {n['entries']:,} ledger "
            f"entries from {dialog.folder}",
            10000,
        )

    # ------------------------------------------------------------ the marketplace's statement
    check_dialog = None  # Tools → Check Book…'s dialog while open (tests reach it here)

    def check_book_dialog(self):
        """Tools → Check Book…: the whole book verified, as `escrowbook check` does, in a worker thread with
        a progress bar and Cancel (desktop/dialogs/check_book.py). Returns the dialog, opened."""
        from desktop.dialogs.check_book import CheckBookDialog

        self.check_dialog = CheckBookDialog(self, self.book.path)  # (None: a shared book, checked on the server)
        self.check_dialog.open()
        self.check_dialog.start()
        return self.check_dialog

    def rates_dialog(self):
        """Tools → Home Currency and Exchange Rates…: the home currency, and the rates into it typed or imported
        (desktop/dialogs/rates.py). Returns the dialog, opened."""
        from desktop.dialogs.rates import RatesDialog

        dialog = RatesDialog(self, today=self.today())
        _delete_on_close(dialog)
        dialog.open()
        return dialog

    def reports_dialog(self, report: str = "spend_by_period"):
        """Reports → …: the Reports window on `report` (a key of models.report_views.CATALOGUE), with its dates,
        filters, table, drill-down and chart (desktop/dialogs/reports.py). Returns the dialog, opened."""
        from desktop.dialogs.reports import ReportsDialog

        dialog = ReportsDialog(self, report=report, today=self.today())
        _delete_on_close(dialog)
        dialog.open()
        self.reports_window = dialog  # tests and screenshots reach it here
        return dialog

    def reconcile_statement(self) -> None:
        """File → Reconcile Statement…: a CSV chosen, read into the book, and the reconciliation shown."""
        path = self.choose_statement_file()
        if path:
            self.reconcile_file(Path(path))

    def choose_statement_file(self) -> str:
        """The statement to read ("" when cancelled); replaced in tests, which cannot click a native dialog."""
        folder = self.settings.value("statementFolder", str(Path.home()))
        path, _ = _file_dialog().getOpenFileName(
            self, "Reconcile Statement", folder, "Statements (*.csv *.txt);;All files (*)"
        )
        return path

    def reconcile_file(self, path: Path, fmt=None):
        """Read the statement at `path` (in format `fmt`, or the one its header row names) with a progress
        window that can cancel, then show the reconciliation. A statement that cannot be read is explained,
        row by row, and nothing is recorded; one whose columns no format knows opens the mapping step, which
        saves a format and reads it again. Returns the dialog opened (the reconciliation or the mapping), or
        None."""
        from desktop.dialogs.reconcile import import_with_progress
        from models.errors import RuleError
        from models.refusals import in_words
        from models.statements import UnknownFormat
        from models.user_formats import statement_formats_folder

        folder = statement_formats_folder()
        try:
            imported = import_with_progress(self, path, fmt=fmt, folder=folder)
        except UnknownFormat as exc:
            return self.map_statement(path, exc, folder)
        except RuleError as exc:  # a statement refused (its problems by row), or the book could not take it
            self.warn("Reconcile Statement", exc.message)
            return None
        except storage_errors() as exc:
            self.warn("Reconcile Statement", f"Nothing was recorded from “{path.name}”. {in_words(exc)}")
            return None
        if imported is None:
            self.statusBar().showMessage(f"Reading “{path.name}” was cancelled: nothing was recorded.", 10000)
            return None
        self.settings.setValue("statementFolder", str(path.parent))
        if imported.new_lines:
            self.refresh_all()  # the open contract's Statement and Ledger tabs show the rows just read
        self.statusBar().showMessage(imported.words(), 10000)
        return self.show_reconciliation(imported)

    def map_statement(self, path: Path, unknown, folder: Path):
        """The mapping step for a header row no format knows; once saved, the statement is read with it."""
        from desktop.dialogs.statement_mapping import StatementMappingDialog

        dialog = StatementMappingDialog(self, path=path, unknown=unknown, folder=folder)
        self.mapping_dialog = dialog
        _delete_on_close(dialog)
        dialog.accepted.connect(lambda: self.reconcile_file(path, dialog.format))
        dialog.open()
        return dialog

    def show_reconciliation(self, imported=None):
        """The reconciliation of the whole statement, window-modal; the window refreshes after it recorded."""
        from desktop.dialogs.contract_picker import pick_contract
        from desktop.dialogs.reconcile import ReconcileDialog

        dialog = ReconcileDialog(self, imported=imported, today=self.today, pick_contract=pick_contract)
        dialog.view.changed.connect(lambda _ids: self.refresh_all())
        self.reconcile_dialog = dialog
        _delete_on_close(dialog)
        dialog.open()
        return dialog

    def print_summary(self) -> None:
        from desktop.dialogs.export import print_preview

        cid = self.selected_contract_id()
        if cid is None:
            return
        dialog = print_preview(self, cid, book_name=self.book.name)
        dialog.exec()

    def save_copy_to(self, path: Path) -> bool:
        from models.book import save_copy

        try:
            save_copy(self.book, path)
        except BookError as exc:
            self.warn("Save a Copy", str(exc))
            return False
        self.statusBar().showMessage(f"Saved a copy of the book to {path}", 8000)
        return True

    def open_demo_book(self) -> None:
        from models.book import default_book_path
        from models.demo import generate

        path = default_book_path().with_name("demo.book")
        if not path.exists():
            generate(path, 300)
        self.switch_to(path)

    def _remember_recent(self, path: Path) -> None:
        stored = self.settings.value("recentBooks", [], type=list)
        recent = [str(path)] + [p for p in stored if p != str(path)]
        if recent[:MAX_RECENT] != stored:  # the same book as last time: no write (and no disk sync) at start
            self.settings.setValue("recentBooks", recent[:MAX_RECENT])
        self.recent_menu.clear()
        for p in recent[:MAX_RECENT]:
            a = self.recent_menu.addAction(p)
            a.triggered.connect(lambda _=False, p=p: self.switch_to(Path(p)))
        self.recent_menu.setEnabled(bool(recent))


def _delete_on_close(dialog) -> None:
    """A dialog the window keeps no reference to: gone once closed."""
    from PySide6.QtCore import Qt  # (here: this module is on the way to the window's first paint, qt_values.py)

    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)


def _is_shared(where) -> bool:
    return isinstance(where, str) and where.startswith(("postgresql://", "postgres://"))
