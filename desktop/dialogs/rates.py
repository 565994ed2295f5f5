"""Tools → Home Currency and Exchange Rates…: the book's home currency, the rates recorded into it, a rate typed,
and a rates file imported (models/rates.py holds every check and every write; each button calls one of its
operations).

The home currency is what reports add amounts up in; until it is chosen, reports show each currency on its own.
A rate says what one unit of another currency was worth in the home currency on a day or through a month, and is
checked as it is typed (the models' words under the field, in room kept for them: nothing moves). Importing a
rates file (a bank's whole history takes a couple of seconds) runs on a worker thread while the dialog shows that
it is busy; its result is said in words, and a file whose rates differ from the book's is imported only once the
client agrees to replace them.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import date
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QLocale, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import prompts
from desktop.widgets.fields import FieldError, button, line_edit, named
from desktop.widgets.form_dialog import rule_message
from desktop.widgets.screen_fit import keep_on_screen
from models import rates
from models.errors import RuleError
from models.money import CURRENCY_EXPONENT, CURRENCY_NAME
from models.refusals import in_words, storage_errors

TITLE = "Home Currency and Exchange Rates"
HOME_NOTE = (
    "Reports add up amounts in one currency, the home currency: an amount in any other currency is converted at "
    "the rate recorded for its day or month, and each converted figure names that rate. Until you choose one, "
    "reports show each currency on its own."
)
IMPORT_NOTE = (
    "Rates files: the European Central Bank's eurofxref-hist.csv, or date,currency,rate rows. A file with any "
    "problem imports nothing."
)
NO_HOME = "Choose the home currency first: rates are recorded as what one unit of a currency was worth in it."
SHOWN_DECIMALS = 6  # a rate crossed through the euro is kept as an exact fraction; the table shows it rounded
WIDTH, HEIGHT = 720, 640


def currency_words(code: str) -> str:
    return f"{code} — {CURRENCY_NAME.get(code, code)}"


def rate_words(rate: rates.Rate, sep: str = ".") -> str:
    """“1 USD = 0.9234 EUR” (with the client's decimal separator `sep`); a rate kept as a fraction shows rounded,
    “1 USD ≈ 0.920386 EUR”."""
    if rate.value is None:
        return f"1 {rate.currency} = ? {rate.home} (cannot be read)"
    exact = rate.text
    if "/" not in exact:
        return f"1 {rate.currency} = {exact.replace('.', sep)} {rate.home}"
    shown = rates.exact_text(round(rate.value, SHOWN_DECIMALS))  # (a Fraction rounded to 6 places: a decimal)
    return f"1 {rate.currency} ≈ {shown.replace('.', sep)} {rate.home}"


def source_words(rate: rates.Rate) -> str:
    return "Typed" if rate.source == rates.TYPED else rate.source


def imported_words(done: rates.RatesImported) -> str:
    """What an import did, in words."""
    layout = "the European Central Bank's layout" if done.layout == rates.ECB else "date,currency,rate"
    span = done.first if done.first == done.last else f"{done.first} to {done.last}"
    text = (
        f"Imported “{done.name}” ({layout}, {span}): {done.added:,} rate{'s' if done.added != 1 else ''} added, "
        f"{done.unchanged:,} unchanged, {done.replaced:,} replaced."
    )
    if done.skipped:
        text += f" Left out, as Escrowbook does not know them: {', '.join(done.skipped)}."
    return text


class RatesModel(QAbstractTableModel):
    """The rates recorded into the home currency, most recent first, read from the book a page at a time as the
    table scrolls (a bank's whole history is a hundred thousand rows and more)."""

    HEADERS = ("Currency", "Day or month", "Rate", "From")
    PAGE = 200

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[rates.Rate] = []
        self.total = 0
        self.sep = QLocale().decimalPoint()

    def load(self) -> None:
        self.beginResetModel()
        self.total = rates.count_rates()
        self.rows = rates.recent_rates(limit=self.PAGE)
        self.endResetModel()

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: B008 (Qt's signature)
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: B008
        more = rates.recent_rates(offset=len(self.rows), limit=self.PAGE)
        if more:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
            self.rows.extend(more)
            self.endInsertRows()
        else:
            self.total = len(self.rows)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        rate = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            if col == 0:
                return rate.currency
            if col == 1:
                return rate.period + ("" if not rate.is_month else " (month)")
            if col == 2:
                return rate_words(rate, self.sep)
            return source_words(rate)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 2 and rate.value is not None:
            if "/" in rate.text:
                return f"Exactly {rate.text} {rate.home} per {rate.currency} ({rate.quoted})"
            return None
        return None


class RatesDialog(QDialog):
    """The home currency, the rates recorded into it, a rate typed, a rates file imported."""

    ended = Signal(object)  # an import's outcome (RatesImported), or the exception that refused it

    def __init__(self, parent: QWidget | None = None, *, today: date | None = None, choose_file=None):
        super().__init__(parent)
        self.setObjectName("ratesDialog")
        self.setWindowTitle(TITLE)
        self.setAccessibleName(TITLE)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        keep_on_screen(self)
        self.today = today
        self.decimal_sep = QLocale().decimalPoint()  # a rate is typed as the client types numbers ("0,9234")
        self.choose_file = choose_file or self._choose_file
        self.worker: threading.Thread | None = None
        self.last_import: rates.RatesImported | None = None
        self._touched: set[str] = set()

        # ---- the home currency
        home_box = QGroupBox("Home currency")
        home_box.setObjectName("homeBox")
        note = QLabel(HOME_NOTE)
        note.setObjectName("homeNote")
        note.setWordWrap(True)
        self.home_combo = named(QComboBox(), "homeCombo", "Home currency")
        self.home_combo.setAccessibleDescription(HOME_NOTE)
        for code in sorted(CURRENCY_EXPONENT):
            self.home_combo.addItem(currency_words(code), code)
        home_label = QLabel("&Home currency:")
        home_label.setObjectName("homeLabel")
        home_label.setBuddy(self.home_combo)
        self.home_button = button("homeButton", "&Save Home Currency", self.save_home)
        self.home_button.setAutoDefault(False)
        self.home_combo.currentIndexChanged.connect(self._home_choice_changed)
        self.home_status = QLabel()
        self.home_status.setObjectName("homeStatus")
        self.home_status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(home_label)
        row.addWidget(self.home_combo, 1)
        row.addWidget(self.home_button)
        box = QVBoxLayout(home_box)
        box.addWidget(note)
        box.addLayout(row)
        box.addWidget(self.home_status)

        # ---- the rates recorded
        self.rates_box = QGroupBox()
        self.rates_box.setObjectName("ratesBox")
        self.model = RatesModel(self)
        self.table = named(QTableView(), "ratesTable", "Rates recorded, most recent first")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab moves on to the next field
        self.table.setMinimumHeight(90)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.empty = QLabel()
        self.empty.setObjectName("ratesEmpty")
        self.empty.setWordWrap(True)
        self.listing = QVBoxLayout(self.rates_box)
        self.listing.addWidget(self.empty)
        self.listing.addWidget(self.table, 1)

        # ---- a rate typed
        self.record_box = QGroupBox("Record a rate")
        self.record_box.setObjectName("recordBox")
        self.currency_combo = named(QComboBox(), "rateCurrencyCombo", "Currency of the rate")
        self.period_edit = line_edit("ratePeriodEdit", "Day or month of the rate", "2026-03-05 or 2026-03")
        self.period_edit.setMinimumWidth(self.period_edit.fontMetrics().horizontalAdvance("2026-03-05 or 2026-03") + 24)
        self.rate_edit = line_edit("rateEdit", "Rate", f"0{self.decimal_sep}9234")
        self.rate_edit.setMinimumWidth(130)
        self.rate_edit.setMaximumWidth(200)
        self.one_label = QLabel()
        self.one_label.setObjectName("rateOneLabel")
        self.home_suffix = QLabel()
        self.home_suffix.setObjectName("rateHomeLabel")
        self.period_error = FieldError(self, name="ratePeriodError", accessible_name="Day or month error").reserve()
        self.rate_error = FieldError(self, name="rateError", accessible_name="Rate error").reserve()
        self.record_error = FieldError(self, name="recordError", accessible_name="Problem recording the rate")
        self.record_status = QLabel()  # the rate just recorded, in words
        self.record_status.setObjectName("recordStatus")
        self.record_status.setWordWrap(True)
        self.record_status.hide()
        self.record_button = button("recordButton", "Record R&ate", self.record)
        self.record_button.setAutoDefault(False)
        grid = QGridLayout(self.record_box)
        grid.setVerticalSpacing(4)
        labels = (("C&urrency:", self.currency_combo), ("&Day or month:", self.period_edit), ("&Rate:", None))
        for col, (text, buddy) in enumerate(labels):
            label = QLabel(text)
            label.setObjectName(f"rateCaption{col}")
            label.setBuddy(buddy or self.rate_edit)
            grid.addWidget(label, 0, col)
        rate_row = QHBoxLayout()
        rate_row.setContentsMargins(0, 0, 0, 0)
        rate_row.setSpacing(6)
        rate_row.addWidget(self.one_label)
        rate_row.addWidget(self.rate_edit)
        rate_row.addWidget(self.home_suffix)
        grid.addWidget(self.currency_combo, 1, 0)
        grid.addWidget(self.period_edit, 1, 1)
        grid.addLayout(rate_row, 1, 2)
        grid.addWidget(self.record_button, 1, 3)
        # The hints under the fields, each across the box (a date's message is longer than its field is wide).
        grid.addWidget(self.period_error, 2, 0, 1, 5)
        grid.addWidget(self.rate_error, 3, 0, 1, 5)
        grid.addWidget(self.record_error, 4, 0, 1, 5)
        grid.addWidget(self.record_status, 5, 0, 1, 5)
        grid.setColumnStretch(4, 1)
        self.currency_combo.currentIndexChanged.connect(lambda *_: self._typed("currency"))
        self.period_edit.textChanged.connect(lambda *_: self._typed("period"))
        self.rate_edit.textChanged.connect(lambda *_: self._typed("rate"))
        self.rate_edit.returnPressed.connect(self.record)
        self.period_edit.returnPressed.connect(self.record)

        # ---- a rates file
        self.import_box = QWidget()  # (in the rates' box, above the table: a small screen keeps rows for it)
        self.import_box.setObjectName("importBox")
        self.import_button = button("importRatesButton", "&Import Rates File…", self.import_file)
        self.import_button.setAutoDefault(False)
        self.import_button.setAccessibleDescription(IMPORT_NOTE)
        self.busy = named(QProgressBar(), "importBusy", "Importing the rates file")
        self.busy.setRange(0, 0)  # busy, with no end known
        self.busy.setTextVisible(False)
        policy = self.busy.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.busy.setSizePolicy(policy)
        self.busy.hide()
        self.import_status = QLabel()
        self.import_status.setObjectName("importStatus")
        self.import_status.setWordWrap(True)
        self.import_status.setTextFormat(Qt.TextFormat.PlainText)
        self.import_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.import_status.setText(IMPORT_NOTE)
        self.import_problems = named(QPlainTextEdit(), "importProblems", "Why the file was not imported")
        self.import_problems.setReadOnly(True)
        self.import_problems.setTabChangesFocus(True)
        self.import_problems.setMaximumHeight(110)
        self.import_problems.hide()
        file_row = QHBoxLayout()
        file_row.addWidget(self.import_button)
        file_row.addWidget(self.busy, 1)
        files = QVBoxLayout(self.import_box)
        files.setContentsMargins(0, 0, 0, 0)
        files.addLayout(file_row)
        files.addWidget(self.import_status)
        files.addWidget(self.import_problems)

        self.listing.insertWidget(0, self.import_box)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        named(close, "closeButton", "Close")
        close.setAutoDefault(False)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(home_box)
        layout.addWidget(self.record_box)
        layout.addWidget(self.rates_box, 1)
        layout.addWidget(self.buttons)
        for first, second in (
            (self.home_combo, self.home_button),
            (self.home_button, self.currency_combo),
            (self.currency_combo, self.period_edit),
            (self.period_edit, self.rate_edit),
            (self.rate_edit, self.record_button),
            (self.record_button, self.import_button),
            (self.import_button, self.import_problems),
            (self.import_problems, self.table),
            (self.table, close),
        ):
            QWidget.setTabOrder(first, second)
        self.ended.connect(self._imported)
        self.show_book()
        self.resize(WIDTH, HEIGHT)
        self.home_combo.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------ what the book holds
    def home(self) -> str | None:
        return rates.home_currency()

    def show_book(self) -> None:
        """The home currency, the currencies a rate can be typed for, and the rates recorded, from the book."""
        home = self.home()
        if home is not None:
            self.home_combo.setCurrentIndex(self.home_combo.findData(home))
            self.home_status.setText(f"The home currency is {currency_words(home)}.")
        else:
            self.home_combo.setCurrentIndex(self.home_combo.findData("EUR"))
            self.home_status.setText("No home currency is chosen yet: reports show each currency on its own.")
        chosen = self.currency_combo.currentData()
        self.currency_combo.blockSignals(True)
        self.currency_combo.clear()
        for code in sorted(CURRENCY_EXPONENT):
            if code != home:
                self.currency_combo.addItem(code, code)
                self.currency_combo.setItemData(
                    self.currency_combo.count() - 1, CURRENCY_NAME.get(code, code), Qt.ItemDataRole.ToolTipRole
                )
        at = self.currency_combo.findData(chosen or "USD")
        self.currency_combo.setCurrentIndex(max(at, 0))
        self.currency_combo.blockSignals(False)
        for w in (self.record_box, self.import_box):
            w.setEnabled(home is not None)
        self.home_suffix.setText(home or "")
        self.model.load()
        n = self.model.total
        if home is None:
            self.rates_box.setTitle("Rates recorded")
            self.empty.setText(NO_HOME)
        else:
            self.rates_box.setTitle(f"Rates into {home} recorded: {n:,}")
            self.empty.setText("" if n else f"No rates into {home} are recorded yet: type one, or import a file.")
        self.empty.setVisible(bool(self.empty.text()))
        self._home_choice_changed()
        self._check()

    def _home_choice_changed(self, *_) -> None:
        self.home_button.setEnabled(self.home_combo.currentData() != self.home() and not self.importing())

    # ------------------------------------------------------------ the home currency
    def save_home(self) -> None:
        """One operation: the home currency chosen."""
        code = self.home_combo.currentData()
        try:
            rates.set_home_currency(code)
        except RuleError as exc:
            self.home_status.setText(f"⚠ {exc.message}")
            return
        self.show_book()

    # ------------------------------------------------------------ a rate typed
    def _typed(self, key: str) -> None:
        self._touched.add(key)
        if self.rate_edit.text():
            self.record_status.hide()  # (a new rate is being typed)
        self.record_error.clear()
        self._check()

    def problems(self) -> dict[str, str]:
        """What is wrong with the rate typed now (the models' words), by field."""
        home = self.home()
        if home is None:
            return {"home": NO_HOME}
        currency = self.currency_combo.currentData() or ""
        out = {}
        period = rule_message(rates.check_period, self.period_edit.text(), today=self.today)
        if period:
            out["period"] = period
        rate = rule_message(rates.parse_rate, self.rate_edit.text(), currency, home, decimal_sep=self.decimal_sep)
        if rate:
            out["rate"] = rate
        return out

    def _check(self) -> bool:
        home = self.home() or ""
        currency = self.currency_combo.currentData() or ""
        self.one_label.setText(f"1 {currency} =")
        self.rate_edit.setAccessibleName(f"What 1 {currency} was worth in {home}" if home else "Rate")
        problems = self.problems()
        for key, label, edit in (
            ("period", self.period_error, self.period_edit),
            ("rate", self.rate_error, self.rate_edit),
        ):
            message = problems.get(key) if key in self._touched else None
            label.setMessage(message)
            edit.setAccessibleDescription(message or "")
        ok = not problems and not self.importing()
        self.record_button.setEnabled(ok)
        return ok

    def record(self) -> None:
        """One operation: the rate typed recorded (it then shows in the table)."""
        self._touched |= {"period", "rate"}
        if not self._check():
            return
        try:
            done = rates.record_rate(
                self.currency_combo.currentData(),
                self.period_edit.text(),
                self.rate_edit.text(),
                decimal_sep=self.decimal_sep,
                today=self.today,
            )
        except RuleError as exc:
            self.record_error.setMessage(exc.message)
            return
        self.rate_edit.clear()
        self._touched.discard("rate")
        self.show_book()
        self.record_error.clear()
        self.say("")
        self.record_status.setText(f"Recorded: {rate_words(done, self.decimal_sep)} for {done.period}.")
        self.record_status.show()
        self.select(done.currency, done.period)
        self.rate_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def select(self, currency: str, period: str) -> None:
        """The rate just typed, selected in the table (on its first page, or left unselected)."""
        for i, r in enumerate(self.model.rows):
            if r.currency == currency and r.period == period:
                self.table.selectRow(i)
                self.table.scrollTo(self.model.index(i, 0))
                return

    # ------------------------------------------------------------ a rates file
    def _choose_file(self) -> str:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            self, "Import Rates File", str(Path.home()), "Rates files (*.csv *.txt);;All files (*)"
        )
        return path

    def importing(self) -> bool:
        return self.worker is not None and self.worker.is_alive()

    def import_file(self) -> None:
        path = self.choose_file()
        if path:
            self.start_import(Path(path))

    def start_import(self, path: Path) -> None:
        """The file read and checked on a worker thread (the dialog busy meanwhile), then its rates stored in one
        operation, all or nothing, here on the window's thread (the book's one connection is used by one thread:
        never beside the daily backup or a count)."""
        self.path = path
        home = rates.home_currency()
        if home is None:  # (the import is offered once a home currency is chosen)
            return
        self._busy(True, f"Importing “{path.name}”…")
        self.worker = threading.Thread(target=self._run, args=(path, home), name="read-rates", daemon=True)
        self.worker.start()

    def _run(self, path: Path, home: str) -> None:
        try:
            outcome = rates.read_rates(path, home, today=self.today)  # the file only: nothing of the book is read
        except Exception as exc:  # a file that could not be read
            outcome = exc
        with contextlib.suppress(RuntimeError):  # (the dialog is gone)
            self.ended.emit(outcome)

    def _store(self, plan, *, replace: bool = False):
        """The rates read into the book (an operation); what it did, or the refusal, as an outcome."""
        try:
            return rates.store_rates(plan, replace=replace)
        except (RuleError, *storage_errors()) as exc:  # a file's problems, rates that differ from the book's, the
            return exc  # home currency changed meanwhile; a full disk (nothing stored: one transaction)

    def say(self, text: str) -> None:
        """What the last import did (or is doing), in words; before any, which files can be imported."""
        self.import_status.setText(text or IMPORT_NOTE)

    def _busy(self, busy: bool, text: str = "") -> None:
        for w in (self.home_combo, self.record_box, self.import_box, self.table):
            w.setEnabled(not busy)
        self.busy.setVisible(busy)
        self.import_problems.hide()
        self.say(text)
        if busy:
            self.home_button.setEnabled(False)
            self.record_button.setEnabled(False)

    def _imported(self, outcome) -> None:
        if self.worker is not None:
            self.worker.join()
        plan = outcome if isinstance(outcome, rates.RatesFile) else None
        if plan is not None:
            outcome = self._store(plan)
        self._busy(False)
        self.show_book()
        if isinstance(outcome, rates.RatesDiffer):
            n = len(outcome.problems)
            some = f"{n:,} rate{'s' if n != 1 else ''}"
            question = (
                f"{some} of “{self.path.name}” differ{'s' if n == 1 else ''} from the rates the book has for the same "
                f"day or month. Replace the book's {'rate' if n == 1 else 'rates'} with the file's? (The book's "
                "history keeps the ones replaced.)\n\n" + "\n".join(f"• {c}" for c in outcome.problems[:10])
            )
            if n > 10:
                question += f"\n…and {n - 10:,} more."
            if plan is not None and prompts.ask(self, "Replace Exchange Rates", question, "Replace"):
                self._imported(self._store(plan, replace=True))  # the file as read: not read again
            else:
                self._refused(f"Nothing was imported: {some} of the file differ from the book's.", outcome.problems)
            return
        if isinstance(outcome, RuleError):
            problems = getattr(outcome, "problems", None) or [outcome.message]
            n = len(problems)
            self._refused(
                f"Nothing was imported from “{self.path.name}”: {n:,} problem{'s' if n != 1 else ''} found.", problems
            )
            return
        if isinstance(outcome, Exception):
            self._refused(f"Nothing was imported from “{self.path.name}”. {in_words(outcome) or outcome}", [])
            return
        self.last_import = outcome
        self.say(imported_words(outcome))
        self.import_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _refused(self, text: str, problems: list[str]) -> None:
        self.say(f"⚠ {text}")
        self.import_problems.setPlainText("\n".join(f"• {p}" for p in problems))
        self.import_problems.setVisible(bool(problems))
        self.import_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def done(self, result: int) -> None:
        """Escape or Close: not while a file is being imported (its one write cannot be stopped half way)."""
        if self.importing():
            return
        super().done(result)
