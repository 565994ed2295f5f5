"""File → Reconcile Statement…: the marketplace's statement against the books (models/reconcile.py).

`import_with_progress` reads a statement into the book with a progress window that can cancel (nothing is
recorded then). `ReconcileView` shows what the reconciliation found: a summary, the counts of each kind of
row (filters), the totals per currency and kind (statement, books, difference), and the rows themselves,
paged through SQL. Its buttons record what is on the statement only (one operation of `models.ops` per
row, through `record_missing`), or assign a row to the contract the client picks (`choose_contract`; the
picker is a dialog handed in as a callable). The same view, for one contract, is the contract page's
"Statement" tab. `ReconcileDialog` holds the view for the whole statement.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QProgressDialog,
    QSizePolicy,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop import formatting
from desktop.widgets import prompts
from desktop.widgets.fields import button
from desktop.widgets.screen_fit import available_area, keep_on_screen
from desktop.widgets.statement_rows import (
    COLUMN_KEYS,
    CONTRACT_COLUMN,
    DESCRIPTION_COLUMN,
    WIDTHS,
    StatementRowsModel,
    cell_text,
    plural,
)
from desktop.widgets.tables import item, table
from models import reconcile as rc
from models.errors import RuleError

# The view's filters: (key, label, the statuses it shows; None: every one).
FILTERS = [
    ("differences", "Differences", rc.DIFFERENCES),
    ("matched", "Matched", (rc.MATCHED,)),
    ("not_kept", "Not kept", (rc.NOT_KEPT,)),
    ("all", "All", None),
]
CHOOSABLE = (rc.CHOOSE, rc.NO_CONTRACT)
RESULTS_HINT = (
    "Select rows that are on the statement only and choose Record it, or Record all missing: each is recorded "
    "through its normal operation, dated and in the amount the statement says, and every rule of the books still "
    "applies. A row that fits several contracts is settled with Choose contract…; rows like it follow."
)
NO_STATEMENT = "No statement imported yet."
NO_STATEMENT_HINT = (
    "File → Reconcile Statement… reads the transaction history you download from the marketplace (CSV) and "
    "compares it with these books, row by row."
)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class ReconcileView(QWidget):
    """What the reconciliation found, for the whole statement (`contract` None) or one contract; and the
    buttons that settle it. Says `changed(contract ids)` after it recorded or assigned something."""

    changed = Signal(list)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] = date.today,
        pick_contract: Callable[[QWidget, rc.Row], int | None] | None = None,
        scoped: bool = False,
    ):
        """`scoped`: the view of one contract (`show_contract`); else of the whole statement. `pick_contract`
        (parent, row) -> a contract id or None: the picker for rows whose contract the client chooses."""
        super().__init__(parent)
        self.setObjectName("reconcileView")
        self.today = today
        self.pick_contract = pick_contract
        self.scoped = scoped
        self.contract: int | None = None
        self.counts: dict[str, int] = {}
        self.filter = "differences"

        self.summary = QLabel()
        self.summary.setObjectName("reconcileSummary")
        self.summary.setAccessibleName("Reconciliation summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        font = self.summary.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.summary.setFont(font)
        self.detail = QLabel()
        self.detail.setObjectName("reconcileDetail")
        self.detail.setAccessibleName("What the reconciliation found")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)

        self.filter_group = QButtonGroup(self)
        self.filter_buttons: dict[str, QToolButton] = {}
        filters = QHBoxLayout()
        filters.setSpacing(2)
        shown = QLabel("Show:")
        filters.addWidget(shown)
        for key, label, _ in FILTERS:
            b = QToolButton()
            b.setText(label)
            b.setObjectName(f"statementFilter_{key}")
            b.setAccessibleName(f"Show {label.lower()}" if key != "all" else "Show all rows")
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, k=key: self.set_filter(k))
            self.filter_group.addButton(b)
            self.filter_buttons[key] = b
            filters.addWidget(b)
        filters.addStretch(1)

        self.model = StatementRowsModel(self)
        self.table = QTableView()
        self.table.setObjectName("statementRows")
        self.table.setAccessibleName("Statement rows")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        for col, key in enumerate(COLUMN_KEYS):
            if key in WIDTHS:
                self.table.setColumnWidth(col, WIDTHS[key])
        header.setSectionResizeMode(DESCRIPTION_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        self.table.setColumnHidden(CONTRACT_COLUMN, scoped)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.totals = table("statementTotals", ["Currency", "Kind", "Statement", "Books", "Difference"], {2, 3, 4})
        self.totals.setAccessibleName("Totals per currency: statement and books")
        self.totals.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.totals.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.totals.horizontalHeader().setStretchLastSection(False)
        self.totals.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.totals.setColumnHidden(0, scoped)  # one contract, one currency (said in the amounts)
        self.totals.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.results = QListWidget()
        self.results.setObjectName("reconcileResults")
        self.results.setAccessibleName("What was recorded")
        self.results.setWordWrap(True)

        self.record_button = button(
            "recordItButton", "&Record it", self.record_selected,
            tip="Record the selected rows that are on the statement only, dated and in the amount the statement says",
        )  # fmt: skip
        self.record_all_button = button(
            "recordAllMissingButton", "Record &all missing…", self.record_all,
            tip="Record every row that is on the statement only, each through its normal operation",
        )  # fmt: skip
        self.choose_button = button(
            "chooseContractButton", "C&hoose contract…", self.choose_contract,
            tip="Say which contract the selected row belongs to; rows like it are assigned with it, now and later",
        )  # fmt: skip
        self.choose_button.setVisible(not scoped)
        filters.addWidget(self.record_button)
        filters.addWidget(self.record_all_button)
        filters.addWidget(self.choose_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if scoped:
            self._scoped_layout(layout, filters)
        else:
            self._whole_layout(layout, filters)
        self._update_buttons()

    def _scoped_layout(self, layout: QVBoxLayout, filters: QHBoxLayout) -> None:
        """One contract (a tab of its page, short): its few totals beside the summary, the rows under both, what
        was done under them once something was."""
        self.totals.setMaximumHeight(self.totals.verticalHeader().defaultSectionSize() * 4 + 6)
        self.totals.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        words = QVBoxLayout()
        words.setSpacing(4)
        words.addWidget(self.summary)
        words.addWidget(self.detail)
        words.addStretch(1)
        top = QHBoxLayout()
        top.addLayout(words, 1)
        top.addWidget(self.totals, 0, Qt.AlignmentFlag.AlignTop)
        self.results.setMaximumHeight(self.fontMetrics().height() * 4 + 12)
        self.results.setVisible(False)
        self.results_hint = None
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.results)

    def _whole_layout(self, layout: QVBoxLayout, filters: QHBoxLayout) -> None:
        """The whole statement (a dialog): the rows; under them the totals of every currency and kind, and
        what was done."""
        self.totals.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.totals.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        self.totals.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.results_hint = QLabel(RESULTS_HINT)
        self.results_hint.setObjectName("resultsHint")
        self.results_hint.setWordWrap(True)
        self.results_hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.results.setVisible(False)
        bottom = QWidget()
        grid = QGridLayout(bottom)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        grid.addWidget(_heading("Totals per currency (those that differ first)"), 0, 0)
        grid.addWidget(_heading("What was done"), 0, 1)
        grid.addWidget(self.totals, 1, 0)
        grid.addWidget(self.results, 1, 1)
        grid.addWidget(self.results_hint, 1, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(1, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("reconcileSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout.addLayout(filters)
        layout.insertWidget(0, self.detail)
        layout.insertWidget(0, self.summary)
        layout.addWidget(self.splitter, 1)
        self._split = False

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self.scoped and not self._split:  # the rows get three fifths of the height at first
            self._split = True
            self.splitter.setSizes([3 * self.splitter.height() // 5, 2 * self.splitter.height() // 5])

    # ------------------------------------------------------------ showing
    def show_contract(self, contract_id: int | None) -> None:
        """The view of one contract (the contract page's tab); None shows nothing."""
        self.contract = contract_id
        self.results.clear()
        self.results.setVisible(False)
        self.refresh(default_filter=True)

    def refresh(self, *, default_filter: bool = False) -> None:
        """Read everything again from the book: summary, counts, totals and the rows of the filter shown.
        `default_filter`: the differences when there are any, else every row."""
        if self.scoped and self.contract is None:
            self.counts = {}
            self.model.clear()
            self.totals.setRowCount(0)
            self.summary.setText("No contract selected")
            self.detail.clear()
            self._show_counts()
            return
        self.counts = rc.counts(self.contract)
        differences = sum(self.counts[s] for s in rc.DIFFERENCES)
        if default_filter:
            self.filter = "differences" if differences else "all"
        self._show_summary(differences)
        self._show_counts()
        self._show_totals()
        self._reload_rows()

    def _show_summary(self, differences: int) -> None:
        statements = rc.statements()
        rows = sum(self.counts.values())
        matched = self.counts[rc.MATCHED]
        not_kept = self.counts[rc.NOT_KEPT]
        if not statements:
            self.summary.setText(NO_STATEMENT)
            self.detail.setText(NO_STATEMENT_HINT)
            return
        who = "This contract and the statement" if self.scoped else "The statement and the books"
        if self.scoped and rows == 0:
            self.summary.setText("No row of the statement is about this contract.")
            self.detail.setText(self._period_text(statements))
            return
        if differences:
            self.summary.setText(f"{who} differ: {plural(differences, 'difference')}.")
            parts = [f"{rc.STATUS_WORDS[s]}: {self.counts[s]:,}" for s in rc.DIFFERENCES if self.counts[s]]
            parts.append(f"{plural(matched, 'row')} matched")
        else:
            self.summary.setText(f"{who} agree: {plural(matched, 'row')} matched.")
            parts = []
        if not_kept:
            parts.append(f"{plural(not_kept, 'row')} not kept in these books (hourly work, Connects, …)")
        lines = [" · ".join(parts)] if parts else []
        lines.append(self._period_text(statements))
        self.detail.setText("\n".join(lines))

    def _period_text(self, statements) -> str:
        first = min(s.first_day for s in statements)
        last = max(s.last_day for s in statements)
        names = ", ".join(f"“{s.name}”" for s in statements[:3]) + (" and more" if len(statements) > 3 else "")
        which = "statement" if len(statements) == 1 else "statements"
        return f"From {formatting.day(first)} to {formatting.day(last)}, the {which} {names}."

    def _show_counts(self) -> None:
        for key, label, statuses in FILTERS:
            n = sum(self.counts.get(s, 0) for s in (statuses or rc.STATUSES))
            b = self.filter_buttons[key]
            b.setText(f"{label} ({n:,})" if self.counts else label)
            b.setEnabled(bool(self.counts))
        self.filter_buttons[self.filter].setChecked(True)

    def _show_totals(self) -> None:
        """Per currency and kind: the statement's total, the books' and the difference; those that differ first
        (and in bold), so that a long list needs no scrolling to find them."""
        totals = sorted(rc.totals(self.contract), key=lambda t: t.difference == 0)  # (a stable sort)
        t = self.totals
        t.setRowCount(len(totals))
        for r, total in enumerate(totals):
            cur = total.currency
            diff = total.difference
            cells = [
                item(cur),
                item(rc.CLASS_WORDS.get(total.cls, total.cls)),
                item(formatting.money(total.statement, cur), right=True),
                item(formatting.money(total.books, cur), right=True),
                item(formatting.money(diff, cur) if diff else "—", right=True),
            ]
            for col, cell in enumerate(cells):
                if diff:
                    font = cell.font()
                    font.setBold(True)
                    cell.setFont(font)
                cell.setToolTip(
                    "The statement and the books agree." if not diff else "The statement's total less the books' total."
                )
                t.setItem(r, col, cell)
        if self.scoped:  # every row shown (a contract has a few kinds of money at most)
            shown = min(max(len(totals), 1), 6)
            rows = t.verticalHeader().defaultSectionSize() * shown
            t.setFixedHeight(t.horizontalHeader().sizeHint().height() + rows + 2 * t.frameWidth())
            t.resizeColumnsToContents()
            width = sum(t.columnWidth(c) for c in range(1, 5)) + 2 * t.frameWidth()
            t.setFixedWidth(width + (t.verticalScrollBar().sizeHint().width() if len(totals) > shown else 0))

    def set_filter(self, key: str) -> None:
        self.filter = key
        self.filter_buttons[key].setChecked(True)
        self._reload_rows()

    def _reload_rows(self) -> None:
        statuses = dict((k, s) for k, _, s in FILTERS)[self.filter]
        total = sum(self.counts.get(s, 0) for s in (statuses or rc.STATUSES))
        self.model.reload(statuses, self.contract, total)
        self._update_buttons()

    # ------------------------------------------------------------ what is selected
    def selected_rows(self) -> list[rc.Row]:
        return [self.model.rows[i.row()] for i in sorted(self.table.selectionModel().selectedRows())]

    def _update_buttons(self, *_) -> None:
        selected = self.selected_rows()
        missing = sum(1 for r in selected if r.status == rc.STATEMENT_ONLY)
        self.record_button.setEnabled(missing > 0)
        self.record_button.setText(f"&Record {missing:,} rows" if missing > 1 else "&Record it")
        self.record_button.setAccessibleName(self.record_button.text().replace("&", ""))
        all_missing = self.counts.get(rc.STATEMENT_ONLY, 0)
        self.record_all_button.setEnabled(all_missing > 0)
        label = f"Record &all missing ({all_missing:,})…" if all_missing else "Record &all missing…"
        self.record_all_button.setText(label)
        self.choose_button.setEnabled(
            self.pick_contract is not None and len(selected) == 1 and selected[0].status in CHOOSABLE
        )

    # ------------------------------------------------------------ actions
    def record_selected(self) -> None:
        """The selected rows that are on the statement only, recorded (each its own operation)."""
        lines = [r for r in self.selected_rows() if r.status == rc.STATEMENT_ONLY]
        if not lines:
            return
        if len(lines) == 1:
            r = lines[0]
            text = (
                f"Record row {r.row} of the statement in “{r.contract}”: {cell_text(r, 'type').lower()}, "
                f"{formatting.money(r.amount, r.currency)} on {formatting.day(r.day)}?"
            )
            yes = "Record it"
        else:
            text = f"Record the {len(lines):,} selected rows, each dated and in the amount the statement says?"
            yes = f"Record {len(lines):,}"
        if prompts.ask(self, "Record from the statement", text, yes):
            self._record([r.line_id for r in lines])

    def record_all(self) -> None:
        """Every row on the statement only (of this contract, in its tab), after a confirmation."""
        n = self.counts.get(rc.STATEMENT_ONLY, 0)
        if not n:
            return
        text = (
            f"This records {plural(n, 'movement')} of money that the statement has and the books do not, each "
            "through its normal operation, dated and in the amount the statement says. One that cannot be "
            "recorded is left, with the reason."
        )
        if not prompts.ask(self, "Record all missing", text, f"Record {n:,}"):
            return
        if self.contract is None:
            self._record(None)
        else:
            rows = rc.page((rc.STATEMENT_ONLY,), contract=self.contract, limit=max(n, 1))
            self._record([r.line_id for r in rows])

    def _record(self, line_ids: list[int] | None) -> None:
        done = rc.record_missing(line_ids, today=self.today())
        recorded = [d for d in done if d.entry is not None]
        heading = f"Recorded {len(recorded):,} of {plural(len(done), 'row')}."
        self.show_results([heading, *(d.words for d in done)])
        self.refresh()
        self.changed.emit(sorted({d.entry.contract_id for d in recorded}))

    def choose_contract(self) -> None:
        """The contract of a row that fits several contracts (or none), picked by the client."""
        selected = self.selected_rows()
        if len(selected) != 1 or selected[0].status not in CHOOSABLE or self.pick_contract is None:
            return
        row = selected[0]
        chosen = self.pick_contract(self, row)
        if chosen is None:
            return
        try:
            settled = rc.choose_contract(row.line_id, chosen)
        except RuleError as exc:
            prompts.warn(self, "Choose the contract", exc.message)
            return
        from models.entities import Contract

        title = Contract.get_by_id(chosen).title
        others = settled - 1
        also = f", and {plural(others, 'row')} like it," if others > 0 else ""
        self.show_results([f"Row {row.row}{also} now belongs to “{title}”; later statements' rows like it will too."])
        self.refresh()
        self.changed.emit([chosen])

    def show_results(self, lines: list[str]) -> None:
        self.results.clear()
        self.results.addItems(lines)
        self.results.setVisible(True)
        if self.results_hint is not None:
            self.results_hint.setVisible(False)

    def result_texts(self) -> list[str]:
        return [self.results.item(i).text() for i in range(self.results.count())]


class ReconcileDialog(QDialog):
    """The reconciliation of the whole statement, after File → Reconcile Statement… imported one."""

    def __init__(
        self,
        parent: QWidget | None,
        *,
        imported: rc.Imported | None = None,
        today: Callable[[], date] = date.today,
        pick_contract: Callable[[QWidget, rc.Row], int | None] | None = None,
    ):
        super().__init__(parent)
        keep_on_screen(self)  # never larger than the screen
        self.setObjectName("reconcileDialog")
        self.setWindowTitle("Reconcile Statement")
        self.setAccessibleName("Reconcile statement")
        self.note = QLabel(imported.words() if imported is not None else "")
        self.note.setObjectName("importedNote")
        self.note.setAccessibleName("What was read")
        self.note.setWordWrap(True)
        self.note.setVisible(imported is not None)
        self.view = ReconcileView(self, today=today, pick_contract=pick_contract)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("closeButton")
        close.setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 12)
        layout.addWidget(self.note)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.view.refresh(default_filter=True)
        self.view.table.setFocus()  # the rows, where the work is (the filter buttons come first in Tab order)
        screen = available_area(parent if parent is not None else self)
        self.resize(min(1240, screen.width() - 40), min(700, screen.height() - 60))


# ------------------------------------------------------------ reading a statement in
class Cancelled(Exception):
    """The client cancelled the import: raised from the progress callback, so nothing is recorded."""


def import_with_progress(
    parent: QWidget | None, path: Path, *, fmt=None, folder: Path | None = None
) -> rc.Imported | None:
    """models.reconcile.import_statement with a progress window that can cancel (returns None then: nothing
    was recorded). StatementRefused and UnknownFormat are the caller's to show."""
    progress = QProgressDialog(f"Reading “{path.name}”…", "Cancel", 0, 0, parent)
    progress.setObjectName("statementProgress")
    progress.setAccessibleName("Reading the statement")
    progress.setWindowTitle("Reconcile Statement")
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(400)  # a short statement never flashes a progress window
    progress.setValue(0)

    def step(stage: str, rows: int) -> None:
        if stage == "match":
            progress.setLabelText(f"Comparing {plural(rows, 'row')} with the books…")
        else:
            progress.setLabelText(f"Reading “{path.name}”… {plural(rows, 'row')}")
        QApplication.processEvents()
        if progress.wasCanceled():
            raise Cancelled

    try:
        return rc.import_statement(path, fmt, folder=folder, progress=step)
    except Cancelled:
        return None
    finally:
        progress.close()
        progress.deleteLater()
