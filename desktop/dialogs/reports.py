"""Reports → …: one window for every report of models/reports.py, with its dates, period and filters, a sortable
table, the ledger entries behind any figure (Enter or a double-click on it), and a chart where one helps.

Amounts are shown in each currency as recorded, or, once the book has a home currency, added up in it: each
converted figure says which rates and days it used (its tooltip, and the line under the table), and one that
lacks a rate says so in words, naming the currency and the day.

Each report runs on the window's thread, with a busy cursor: the reports are single aggregate queries over the
book's one connection (within 300 ms each on a book of 100,000 contracts, benchmarks/reports.py), and running
them beside the daily backup would share that connection. A report of many rows (by contract, by freelancer,
budget against actual, on a big book) reads a page at a time as the table scrolls, in the book's order: its first
page (and its totals, but for budget against actual) without counting its rows, each next page from after the last
row read; then a worker thread counts the rows (and adds up budget against actual's totals) as the contracts
table counts its own, "counting…" meanwhile (models/report_pages.py; a statement the window runs meanwhile stops
the count, which starts again after). A click on a figure's heading has the report sort its pages (largest first;
by currency first when amounts are as recorded), or, where it cannot, reads the rest (on the worker thread,
`_RestRead`) and sorts them here. A page
sorted by a figure adds up every contract or freelancer of the dates before it can place the first (seconds on a
book of a million contracts, where the other pages take milliseconds), so that read runs on the worker thread too,
in the count's place, for the first page and each next one (models/reports.ordered_page): the window stays usable,
its rows stay as they are meanwhile, and the line above the table says that they are being sorted. The charts that
show a few of many rows (by freelancer; budget against actual) find them on the worker thread too, the chart saying
so meanwhile (`_ChartRanking`).
"""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from typing import NamedTuple

from PySide6.QtCore import QAbstractListModel, QDate, QEvent, QModelIndex, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop import formatting
from desktop.widgets.appearance import colour
from desktop.widgets.charts import ChartWidget
from desktop.widgets.counter import Counter
from desktop.widgets.fields import DATE_FORMAT, named, qdate
from desktop.widgets.flow_layout import FlowLayout
from desktop.widgets.report_models import KEY_ROLE, EntriesModel, ReportModel, conversion_words
from desktop.widgets.screen_fit import keep_on_screen
from models import queries, rates, report_pages, report_views, reports
from models.entities import database
from models.report_views import CATALOGUE, COLUMN_TITLES, GROUP_TITLES, KEYED, PERIOD_TITLES, TAKES_PERIOD
from models.reports import Filters, HomeAmount

TITLE = "Reports"
PAGE = 500  # contracts or freelancers of a report read at a time
SORTED_AHEAD = 20  # pages read at once when sorted by a figure (each read adds up every row: scrolling reads none)
HOME_SORTED_AHEAD = 5  # ... in the home currency (a read converts the groups that may be on its pages: the fewer, the
# quicker; 500 freelancers in 0.8 s on a book of 100,000 contracts, 2,000 in 1.4 s)
HOME_PAGE = 100  # ... in the home currency (each converted day by day: a freelancer's page takes 5 times a contract's)
RANGES = (
    ("this_year", "This year"),
    ("last_year", "Last year"),
    ("this_quarter", "This quarter"),
    ("last_12", "Last 12 months"),
    ("all", "All dates"),
    ("custom", "Chosen dates"),
)
STATUSES = (("", "Any status"), ("active", "Active"), ("ended", "Ended"))
POLICIES = (("", "Any policy"), ("upwork", "Marketplace"), ("direct", "Direct"))
CHARTED = {"spend_by_period", "spend_by_freelancer", "escrow_by_month_end", "budget_vs_actual"}
DRILL_HINT = "Press Enter on a figure, or double-click it, to list the ledger entries behind it."
NO_HOME = "To add every currency up in one, choose a home currency: Tools → Home Currency and Exchange Rates…"
LOW_LINES = 32  # a window lower than this many lines of text folds its filters behind "More choices"


def date_range(choice: str, today: date) -> tuple[date | None, date | None]:
    """The first and last day of a range choice (None: no limit); "custom" is the edits' own."""
    if choice == "this_year":
        return date(today.year, 1, 1), today
    if choice == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if choice == "this_quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    if choice == "last_12":
        start = date(today.year - 1, today.month, 1) + timedelta(days=31)
        return start.replace(day=1), today
    return None, None


class _Choices(QAbstractListModel):
    """A combo box's choices (data, text) as one list: a big book's 125,000 freelancers are read in a tenth of a
    second, where an item each took two seconds."""

    def __init__(self, choices: list[tuple], parent=None):
        super().__init__(parent)
        self.choices = choices

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.choices)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.EditRole):
            return self.choices[index.row()][1]
        if role == Qt.ItemDataRole.UserRole:
            return self.choices[index.row()][0]
        return None


class _ReportCount:
    """How many rows a report has (and budget against actual's totals), as the Counter reads it: on its worker
    thread, through the book's connection (models/report_pages.count)."""

    def __init__(self, conn, key: str, first: date | None, last: date | None, filters: Filters):
        self.conn, self.key, self.first, self.last, self.filters = conn, key, first, last, filters

    def count(self, *, cancelled=None) -> tuple[int, tuple | None]:
        return report_pages.count(self.key, self.conn.execute, first=self.first, last=self.last, filters=self.filters)


class _SortedRead:
    """A page of a report by contract or by freelancer sorted by a figure, as the Counter reads it on its worker
    thread: every contract or freelancer of the dates is added up before the first can be placed (seconds on a book
    of a million contracts), through the book's connection (models/reports.ordered_page). The window stays usable
    meanwhile and makes the page's rows of it when it comes (`run(ordered=…)`, `ReportModel.add_rows`)."""

    def __init__(self, conn, key: str, first: date | None, last: date | None, filters: Filters, sort: str, *,
                 by_currency: bool, home: str | None, offset: int, limit: int):  # fmt: skip
        self.conn, self.key, self.first, self.last, self.filters = conn, key, first, last, filters
        self.sort, self.by_currency, self.home, self.offset, self.limit = sort, by_currency, home, offset, limit

    def count(self, *, cancelled=None) -> reports.Ordered:
        return reports.ordered_page(self.key, self.conn.execute, first=self.first, last=self.last,
                                    filters=self.filters, sort=self.sort, by_currency=self.by_currency,
                                    home=self.home, offset=self.offset, limit=self.limit)  # fmt: skip


class _RestRead:
    """The rows of a report not read yet (every one after the first `offset` groups), as the Counter reads them on
    its worker thread, to be sorted here by a heading the report cannot sort its pages by (any heading of the
    freelancers as recorded, whose rows in several currencies each go to their own place; a heading of words): a
    million rows on a big book. Read through the book's connection (report_views.run(through=…)), as recorded."""

    def __init__(self, conn, key: str, first: date | None, last: date | None, filters: Filters, kw: dict,
                 offset: int):  # fmt: skip
        self.conn, self.key, self.first, self.last, self.filters = conn, key, first, last, filters
        self.kw, self.offset = kw, offset

    def count(self, *, cancelled=None) -> reports.Report:
        return report_views.run(self.key, first=self.first, last=self.last, filters=self.filters, offset=self.offset,
                                through=self.conn.execute, **self.kw)  # fmt: skip


class _ChartRanking:
    """The few freelancers or contracts a chart shows, as the Counter reads them on its worker thread (every row of
    the dates is made before the first few are known: seconds on a big book). `kind`: "home", the freelancers
    ranked by their spend in the home currency (models/report_views.ranking: every freelancer's spend converted);
    "freelancer", the few who spent the most in each currency as recorded; "budget", the contracts over budget and
    with the largest budgets in each currency (models/report_views.chart_top). `made_for`: the dates, filters and
    home currency it was read for (the window's `_ranking_for`)."""

    def __init__(self, conn, kind: str, made_for: tuple, first: date | None, last: date | None, filters: Filters,
                 home: str | None):  # fmt: skip
        self.conn, self.kind, self.made_for = conn, kind, made_for
        self.first, self.last, self.filters, self.home = first, last, filters, home

    def count(self, *, cancelled=None) -> reports.Ordered | reports.Top:
        if self.kind == "home":
            return report_views.ranking(self.conn.execute, first=self.first, last=self.last, filters=self.filters,
                                        home=self.home)  # fmt: skip
        key = "budget_vs_actual" if self.kind == "budget" else "spend_by_freelancer"
        return report_views.chart_top(key, self.conn.execute, first=self.first, last=self.last, filters=self.filters)


class _Ranking(NamedTuple):
    """chart_data: the chart waits for its few rows, `kind` (_ChartRanking), read on the worker thread."""

    kind: str


RANKING_WORDS = {  # said in the chart's place meanwhile
    "home": "Finding the {top} freelancers who cost the most in {home}: everyone's spend is converted day by day "
    "first.",
    "freelancer": "Finding the {top} freelancers who cost the most in each currency: everyone's spend is added up "
    "first.",
    "budget": "Finding the contracts over budget and those with the largest budgets: every contract's figures are "
    "added up first.",
}


def _combo(name: str, accessible: str, items, chars: int = 10) -> QComboBox:
    combo = named(QComboBox(), name, accessible)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    for key, text in items:
        combo.addItem(text, key)
    return combo


class ReportsDialog(QDialog):
    """The Reports window: chooser, dates, period, filters, amounts; a table (and the entries behind a figure),
    and a chart."""

    def __init__(self, parent: QWidget | None = None, *, report: str = "spend_by_period", today: date | None = None):
        super().__init__(parent)
        self.setObjectName("reportsDialog")
        self.setWindowTitle(TITLE)
        self.setAccessibleName(TITLE)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        keep_on_screen(self)
        self.today = today or date.today()
        self.home = rates.home_currency()
        self.report: reports.Report | None = None
        self.page_sort: str | None = None
        self._sorted: reports.Ordered | None = None  # the pages sorted by `page_sort` read (SORTED_AHEAD at a time)
        self._pending = QTimer(self, singleShot=True, interval=0)
        self._pending.timeout.connect(self.run)
        self.counter = Counter(self._counted)
        # the rows of the report shown being counted, or a sorted page of it being read, or the freelancers ranked
        # for the chart (on the worker thread)
        self.counting: _ReportCount | _SortedRead | _RestRead | _ChartRanking | None = None
        # ... given way to the chart's ranking: started after
        self._resume: _ReportCount | _SortedRead | _RestRead | None = None
        # the chart's few rows read (_ChartRanking), by kind: what they were read for, and them
        self._ranked: dict[str, tuple[tuple, reports.Ordered | reports.Top]] = {}
        self._count_next: _ReportCount | None = None  # ... once it is shown
        self._notes: list[str] = []  # said above the table
        self._paging_at: int | None = None  # which of them says how the rows are read (and how many)
        self.finished.connect(self._stop_counting)

        self.report_combo = _combo("reportCombo", "Report", [(k, t) for k, t, _, _ in CATALOGUE], 25)
        self.period_combo = _combo("periodCombo", "Period", [(k, t) for k, t in PERIOD_TITLES.items()], 7)
        self.range_combo = _combo("rangeCombo", "Dates", RANGES, 14)
        self.from_edit = self._date_edit("fromEdit", "From")
        self.to_edit = self._date_edit("toEdit", "To")
        self.status_combo = _combo("statusCombo", "Contract status", STATUSES)
        self.freelancer_combo = _combo("freelancerCombo", "Freelancer", [])
        self.freelancers = _Choices([(None, "Any freelancer"), *queries.freelancer_choices()], self)
        self.freelancer_combo.setModel(self.freelancers)  # (a book's every freelancer: a list, not an item each)
        self.freelancer_combo.view().setUniformItemSizes(True)
        self.freelancer_combo.setMaximumWidth(220)
        self.policy_combo = _combo("policyCombo", "Policy", POLICIES)
        amounts = [("each", "In each currency")]
        if self.home:
            amounts.append(("home", f"In {self.home}, the home currency"))
        self.amounts_combo = _combo("amountsCombo", "Amounts", amounts)
        self.amounts_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.amounts_combo.setToolTip(NO_HOME if not self.home else "Each figure converted at the rate of its day")
        if self.home:
            self.amounts_combo.setCurrentIndex(1)

        # On a low window (a small screen at 200%) the filters and the amounts fold behind one button, so that the
        # report's table keeps some rows; the button says which of them are set meanwhile.
        self.more_button = named(QToolButton(), "moreChoicesButton", "More choices")
        self.more_button.setCheckable(True)
        self.more_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.more_button.setToolTip("Status, freelancer, policy and amounts: shown or put away to leave the table room")
        self.more_button.toggled.connect(lambda *_: self._fit_choices())
        self._more_pairs: list[QWidget] = []
        self._more_keys: list[QShortcut] = []

        # The choices, each label with its field, wrapping onto another line where the screen is narrow.
        choices = FlowLayout()
        for cells in (
            (("&Report:", self.report_combo),), (("&Period:", self.period_combo),), (("&Dates:", self.range_combo),),
            (("&From", self.from_edit), ("&to", self.to_edit)), (("&Status:", self.status_combo),),
            (("Free&lancer:", self.freelancer_combo),), (("Polic&y:", self.policy_combo),),
            (("&Amounts:", self.amounts_combo),),
        ):  # fmt: skip
            pair = QWidget()  # (a label with its field, or the two dates, stay on one line together)
            pair.setObjectName(f"{cells[0][1].objectName()}Pair")
            row = QHBoxLayout(pair)
            row.setContentsMargins(0, 0, 6, 0)
            row.setSpacing(4)
            for text, widget in cells:
                label = QLabel(text)
                label.setObjectName(f"{widget.objectName()}Label")
                label.setBuddy(widget)
                row.addWidget(label)
                row.addWidget(widget)
            if cells[0][1] is self.status_combo:
                choices.addWidget(self.more_button)  # (after the dates: hidden but on a low window)
            if cells[0][1] in (self.status_combo, self.freelancer_combo, self.policy_combo, self.amounts_combo):
                self._more_pairs.append(pair)
                key = QKeySequence(QKeySequence.mnemonic(cells[0][0]))  # (its label's Alt key, while it is folded)
                shortcut = QShortcut(key, self, enabled=False)
                shortcut.activated.connect(lambda widget=cells[0][1]: self._unfold_to(widget))
                self._more_keys.append(shortcut)
            choices.addWidget(pair)

        self.note = QLabel()  # what the figures leave out (rates missing), or how the rows are sorted when paged
        self.note.setObjectName("reportNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.hide()

        self.model = ReportModel(self)
        self.table = named(QTableView(), "reportTable", "Report")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)  # periods in order, names A-Z
        self.table.activated.connect(self.drill_down)
        self.table.selectionModel().currentChanged.connect(self._current_changed)
        self.details = QLabel(DRILL_HINT)
        self.details.setObjectName("figureDetails")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.entries_title = QLabel("Entries behind a figure")
        self.entries_title.setObjectName("entriesTitle")
        self.entries_title.setWordWrap(True)
        self.entries = EntriesModel(self)
        self.entries_table = named(QTableView(), "entriesTable", "Ledger entries behind the figure")
        self.entries_table.setModel(self.entries)
        self.entries_table.verticalHeader().setVisible(False)
        self.entries_table.setTabKeyNavigation(False)
        self.entries_table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.entries_table.setWordWrap(False)
        self.entries_table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.entries_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 4, 0, 0)
        lower_layout.addWidget(self.entries_title)
        lower_layout.addWidget(self.entries_table, 1)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addWidget(self.details)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("reportSplitter")
        self.splitter.addWidget(upper)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setCollapsible(1, True)  # (on a low window the entries fold away until some are asked for)
        self.splitter.installEventFilter(self)
        self._drilled = False  # the entries behind a figure were asked for (since the report was read)

        self.chart = ChartWidget()
        self.stack_combo = _combo("stackCombo", "Stack the spend by", [("kind", "Kind"), ("freelancer", "Freelancer")])
        self.chart_currency = _combo("chartCurrencyCombo", "Currency of the chart", [])
        chart_page = QWidget()
        chart_layout = QVBoxLayout(chart_page)
        options = QHBoxLayout()
        for text, widget in (("Stac&k by:", self.stack_combo), ("C&urrency:", self.chart_currency)):
            label = QLabel(text)
            label.setObjectName(f"{widget.objectName()}Label")
            label.setBuddy(widget)
            options.addWidget(label)
            options.addWidget(widget)
        options.addStretch(1)
        chart_layout.addLayout(options)
        chart_layout.addWidget(self.chart, 1)
        self.tabs = named(QTabWidget(), "reportTabs", "Table or chart")
        self.tabs.tabBar().setAccessibleName("Table or chart")
        self.tabs.addTab(self.splitter, "Ta&ble")
        self.tabs.addTab(chart_page, "C&hart")
        self.tabs.currentChanged.connect(lambda *_: self.draw_chart())

        self.summary = QLabel()
        self.summary.setObjectName("reportSummary")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = named(buttons.button(QDialogButtonBox.StandardButton.Close), "closeButton", "Close")
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        layout.addLayout(choices)
        layout.addWidget(self.note)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

        self.report_combo.setCurrentIndex(max(self.report_combo.findData(report), 0))
        self._set_range("this_year")
        for combo in (self.report_combo, self.period_combo, self.status_combo, self.freelancer_combo,
                      self.policy_combo, self.amounts_combo):  # fmt: skip
            combo.currentIndexChanged.connect(self._changed)
        self.range_combo.currentIndexChanged.connect(lambda *_: self._set_range(self.range_combo.currentData()))
        for edit in (self.from_edit, self.to_edit):
            edit.dateChanged.connect(self._dates_typed)
        self.stack_combo.currentIndexChanged.connect(lambda *_: self.draw_chart())
        self.chart_currency.currentIndexChanged.connect(lambda *_: self.draw_chart())
        self.resize(1000, 640)
        self.run()
        self.report_combo.setFocus(Qt.FocusReason.OtherFocusReason)

    def _date_edit(self, name: str, accessible: str) -> QDateEdit:
        edit = named(QDateEdit(), name, accessible)
        edit.setDisplayFormat(DATE_FORMAT)
        edit.setCalendarPopup(True)
        edit.setMaximumDate(qdate(self.today))
        return edit

    # ------------------------------------------------------------ choices
    def key(self) -> str:
        return self.report_combo.currentData()

    def in_home(self) -> bool:
        return self.home is not None and self.amounts_combo.currentData() == "home"

    def filters(self) -> Filters:
        return Filters(
            status=self.status_combo.currentData() or None,
            freelancer_id=self.freelancer_combo.currentData(),
            policy=self.policy_combo.currentData() or None,
        )

    def dates(self) -> tuple[date | None, date | None]:
        if self.range_combo.currentData() == "all":
            return None, None
        first, last = self.from_edit.date().toPython(), self.to_edit.date().toPython()
        return (first, last) if first <= last else (last, first)

    def _set_range(self, choice: str) -> None:
        if choice != "custom":
            first, last = date_range(choice, self.today)
            for edit, day in ((self.from_edit, first), (self.to_edit, last)):
                edit.blockSignals(True)
                edit.setDate(qdate(day) if day else QDate())
                edit.blockSignals(False)
        everything = choice == "all"
        self.from_edit.setEnabled(not everything)
        self.to_edit.setEnabled(not everything)
        self._changed()

    def _dates_typed(self, *_) -> None:
        self.range_combo.blockSignals(True)
        self.range_combo.setCurrentIndex(self.range_combo.findData("custom"))
        self.range_combo.blockSignals(False)
        self._changed()

    def _changed(self, *_) -> None:
        self.page_sort = None
        self._fit_choices()
        self._pending.start()  # several changes at once (a range sets both dates): one run

    # ------------------------------------------------------------ the report
    def _run(self, key: str, **kw) -> reports.Report:
        first, last = self.dates()
        kw.setdefault("period", self.period_combo.currentData())
        return report_views.run(key, first=first, last=last, filters=self.filters(), **kw)

    def run(self, ordered: reports.Ordered | None = None) -> None:
        """The chosen report, read again with the choices made (a busy cursor meanwhile). Sorted by a figure a page
        at a time, its first page is read on the worker thread (`_read_sorted`), then shown (`ordered`)."""
        self._pending.stop()
        self._stop_counting()
        self._resume = None
        key = self.key()
        self.period_combo.setEnabled(key in TAKES_PERIOD)
        if ordered is None:
            self._sorted = None
            if key in KEYED and self.page_sort is not None:
                self._read_sorted(key, 0)
                return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self._fill(key, ordered)
            header = self.table.horizontalHeader()
            if not self.model.canFetchMore():  # every row read: in the order the table's heading shows
                self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
            else:  # a page at a time: the report's own order (largest first), else the book's (no heading)
                header.blockSignals(True)  # (shown, not asked of the model again)
                if self.page_sort is not None:
                    header.setSortIndicator(self.model.columns.index(self.page_sort), Qt.SortOrder.DescendingOrder)
                else:
                    header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
                header.blockSignals(False)
                header.viewport().update()
        finally:
            QApplication.restoreOverrideCursor()
        self.entries.load(None)
        self._drilled = False
        self._fit_entries()
        self.entries_title.setText("Entries behind a figure")
        self.details.setText(DRILL_HINT)
        self.draw_chart()
        count, self._count_next = self._count_next, None
        if count is not None and isinstance(self.counting, _ChartRanking):
            self._resume = count  # (counted once the chart's freelancers are ranked)
        elif count is not None:
            self.counting = count
            self.counter.start(count)

    # ------------------------------------------------------------ counting
    def _stop_counting(self, *_) -> None:
        if self.counting is not None:
            self.counter.cancel(self.counting.conn)
            self.counting = None

    @contextlib.contextmanager
    def _reading(self):
        """A statement on the window's thread while the rows are counted: the count stops first (else the
        statement would wait for it on the one connection) and starts again after."""
        paused = self.counting
        if paused is not None:
            self.counter.cancel(paused.conn)
        try:
            yield
        finally:
            if paused is not None and self.counting is paused:
                self.counter.start(paused)

    def _read_sorted(self, key: str, offset: int) -> None:
        """Pages sorted by `page_sort` read on the worker thread (SORTED_AHEAD of them, HOME_SORTED_AHEAD in the home
        currency): from the first (the rows shown stay as they are until they come, no more of them read meanwhile)
        or from `offset`."""
        kw = self._page_kw()
        ahead = HOME_SORTED_AHEAD if kw["home"] else SORTED_AHEAD
        first, last = self.dates()
        self.counting = _SortedRead(database.connection(), key, first, last, self.filters(), self.page_sort,
                                    by_currency=kw["by_currency"] and key in report_views.SORTED_BY_CURRENCY,
                                    home=kw["home"] or None, offset=offset,
                                    limit=kw["limit"] * ahead)  # fmt: skip
        self.model.waiting = True
        if offset == 0:
            header = self.table.horizontalHeader()
            if self.page_sort in self.model.columns:  # (the heading clicked: shown at once)
                header.blockSignals(True)
                header.setSortIndicator(self.model.columns.index(self.page_sort), Qt.SortOrder.DescendingOrder)
                header.blockSignals(False)
                header.viewport().update()
            if self._paging_at is None:
                self._paging_at = len(self._notes)
                self._notes.append("")
            self._notes[self._paging_at] = self._sorting_note(key)
            self._show_notes()
        self.counter.start(self.counting)

    def _sorting_note(self, key: str) -> str:
        what = "contracts" if report_views.GROUP[key] == "contract" else "freelancers"
        order = COLUMN_TITLES[self.page_sort].lower()
        each = "" if self.in_home() else " in each currency"
        return f"Sorting all the {what} by {order}, largest first{each}…"

    def _counted(self, generation: int, found) -> None:
        if generation != self.counter.generation or self.counting is None:
            return  # (another report or other choices since)
        job, self.counting = self.counting, None
        if isinstance(job, _ChartRanking):  # the chart's few rows, read: drawn, then what they made wait goes on
            self._ranked[job.kind] = (job.made_for, found)
            self.draw_chart()
            resume, self._resume = self._resume, None
            if resume is not None and self.counting is None:
                self.counting = resume
                self.counter.start(resume)
            return
        if isinstance(job, _RestRead):  # every row read: shown, then sorted as the heading asked (`sort_when_read`)
            if self._paging_at is not None:
                del self._notes[self._paging_at]
                self._paging_at = None
                self._show_notes()
            self.model.add_rows(list(found.rows), every=True)
            self._summarise(self.model.groups)
            return
        if isinstance(found, reports.Ordered):  # sorted pages, read
            self._sorted = found
            limit = self._page_kw()["limit"]
            if found.offset == 0:
                self.run(ordered=found.page(0, limit))
            else:
                self.model.add_rows(self._sorted_page(found.offset))
            return
        groups, totals = found
        self.model.set_count(groups)
        if totals is not None and not self.in_home():  # budget against actual: its totals, counted with it
            self.model.set_totals(totals)
            if not self.home and len({t.currency for t in totals}) > 1 and NO_HOME not in self._notes:
                self._notes.append(NO_HOME)
        if self._paging_at is not None:
            if self.model.canFetchMore():
                self._notes[self._paging_at] = self._paging_note(self.key(), self.model.groups)
            else:  # (every row read meanwhile)
                del self._notes[self._paging_at]
                self._paging_at = None
        self._show_notes()
        self._summarise(self.model.groups)

    def _show_notes(self) -> None:
        self.note.setText("\n".join(self._notes))
        self.note.setVisible(bool(self._notes))

    def _fill(self, key: str, ordered: reports.Ordered | None = None) -> None:
        group = report_views.GROUP[key]
        title = PERIOD_TITLES[self.period_combo.currentData()] if key in TAKES_PERIOD else GROUP_TITLES[group]
        if key == "escrow_by_month_end":
            title = "Month end"
        periods = group == "period"
        extra = ["share"] if key == "fees_by_period" else []
        first = ["flag"] if key == "budget_vs_actual" else []  # (over or under budget: beside the contract's name)
        self.model.flag_rows = {}
        self.model.sort_pages = None
        notes = []
        self._paging_at = None
        if key in KEYED:  # many rows on a big book: a page at a time
            kw = self._page_kw()
            report = self._run(key, **kw, ordered=ordered)
            more = self._more_rows if report.groups > kw["limit"] else None
            if not report.counted:  # (counted after the page is shown, on a worker thread)
                self._count_next = _ReportCount(database.connection(), key, *self.dates(), self.filters())
            if more is not None:
                self._paging_at = len(notes)
                notes.append(self._paging_note(key, report.groups if report.counted else None))
            if self.in_home():
                self.model.flag_rows = {r.key: r for r in report.rows}
                totals = []
                if key != "budget_vs_actual":
                    whole = self._run("spend_by_period", home=self.home, period="year")
                    if whole.home_total is not None:
                        totals = [whole.home_total]
                columns = [c for c in report.columns if not report.home_rows or c in report.home_rows[0].figures]
                rows = report.home_rows
            else:
                columns, rows, totals = list(report.columns), report.rows, report.totals
            self.model.set_rows([*first, *columns, *extra], title, rows, totals, periods=periods, groups=report.groups,
                                more=more)  # fmt: skip
            self.model.sort_pages = self._sort_pages
        elif not self.in_home():
            report = self._run(key, home=False)
            self.model.set_rows([*first, *report.columns, *extra], title, report.rows, report.totals, periods=periods)
        else:
            report = self._run(key, home=self.home)
            columns = [c for c in report.columns if not report.home_rows or c in report.home_rows[0].figures]
            totals = [report.home_total] if report.home_total is not None and key != "escrow_by_month_end" else []
            self.model.set_rows([*first, *columns, *extra], title, report.home_rows, totals, periods=periods)
        if not self.in_home() and not self.home and len({r.currency for r in report.totals}) > 1:
            notes.append(NO_HOME)
        self.report = report
        self.table.setColumnHidden(1, self.in_home())  # (in the home currency every row is in it: headings say so)
        missing = self._missing()
        if missing:
            notes.insert(0, missing)
            self._paging_at = None if self._paging_at is None else self._paging_at + 1
        self._notes = notes
        self._show_notes()
        self.note.setStyleSheet(f"color: {colour('warning')};" if missing else "")
        self._size_columns()
        self._summarise(report.groups if report.counted else None)

    def _page_kw(self) -> dict:
        """A page of the report (its arguments): converted or as recorded, in the order chosen (in the book's
        order, not counted: the count comes after)."""
        home = self.home if self.in_home() else False
        return {"home": home, "limit": HOME_PAGE if home else PAGE, "sort": self.page_sort, "by_currency": not home,
                "count": self.page_sort is not None}  # fmt: skip

    def _paging_note(self, key: str, groups: int | None) -> str:
        what = "contracts" if report_views.GROUP[key] == "contract" else "freelancers"
        where = f" in {self.home}" if self.in_home() else ""
        order = COLUMN_TITLES.get(self.page_sort or "", "").lower()
        if order:
            how = f"largest {order} first" + ("" if self.in_home() else " in each currency") + "."
        elif self._sorts_pages(key):
            how = "in the book's order; click a figure's heading to see the largest first."
        elif self.in_home():
            how = "in the book's order."
        else:
            how = "in the book's order; a click on a heading reads them all to sort them."
        many = f"{groups:,} {what}" if groups is not None else f"{what.capitalize()} (counting…)"
        return f"{many}{where}: read {self._page_kw()['limit']:,} at a time as you scroll, {how}"

    def _sorts_pages(self, key: str) -> bool:
        """Whether the report sorts its own pages by a figure: by contract, and budget against actual, as recorded
        (by currency first); by contract and by freelancer in the home currency (a freelancer's rows in several
        currencies are one converted row)."""
        if self.in_home():
            return key in report_views.SORTED_IN_HOME
        return key in report_views.SORTED_BY_CURRENCY

    def _more_rows(self, offset: int, rest: bool = False) -> list | None:
        """The next page of rows (`rest`: all the rest), or None when it is read on the worker thread (a page sorted
        by a figure: `_counted` adds it)."""
        kw = self._page_kw()
        if rest:  # (all the rest: from the report read whole, by the offset of what was read)
            kw.update(limit=None, count=True)
            if not self.in_home():  # (read on the worker thread: a million rows on a big book)
                self._stop_counting()
                first, last = self.dates()
                self.counting = _RestRead(database.connection(), self.key(), first, last, self.filters(), kw, offset)
                what = "contracts" if report_views.GROUP[self.key()] == "contract" else "freelancers"
                if self._paging_at is None:
                    self._paging_at = len(self._notes)
                    self._notes.append("")
                self._notes[self._paging_at] = f"Reading all the {what} to sort them…"
                self._show_notes()
                self.counter.start(self.counting)
                return None
        elif self.page_sort is not None:
            if self._sorted is not None and self._sorted.covers(offset, kw["limit"]):
                return self._sorted_page(offset)  # (read with the pages before it)
            self._stop_counting()
            self._read_sorted(self.key(), offset)
            return None
        with self._reading():
            if not kw["count"] and self.model.rows:  # the next page in the book's order: after the last row read
                page = self._run(self.key(), after=self.model.rows[-1].key, **kw)
            else:
                page = self._run(self.key(), offset=offset, **kw)
        return self._page_rows(page)

    def _sorted_page(self, offset: int) -> list:
        """The rows of the sorted page from `offset`, from the pages read (`_sorted`, which covers it)."""
        kw = self._page_kw()
        return self._page_rows(self._run(self.key(), ordered=self._sorted.page(offset, kw["limit"]), offset=offset,
                                         **kw))  # fmt: skip

    def _page_rows(self, page: reports.Report) -> list:
        """A next page's rows, as the table shows them (as recorded, or converted)."""
        if not page.counted:  # (not counted yet: at least what is read, and one more when more follow)
            self.model.groups = max(self.model.groups, self.model.read + page.groups)
        if not self.in_home():
            return list(page.rows)
        self.model.flag_rows.update({r.key: r for r in page.rows})
        return list(page.home_rows)

    def _sort_pages(self, column: str | None) -> bool:
        """A heading clicked while the rows come a page at a time: True when the report orders its pages (or, in
        the home currency, keeps its order: every page converted would take long); False to read the rest and
        sort them here."""
        if column is not None and self._sorts_pages(self.key()):
            if column != self.page_sort:
                self.page_sort = column
                self.run()
            return True
        if self.model.waiting and not self.in_home():  # (a sorted page being read: given up for the book's order)
            self.page_sort = None
            self.run()
        return self.in_home()

    def _missing(self) -> str:
        """The amounts no rate converts, in words (which currency, into which, which day), if any."""
        if not self.in_home():
            return ""
        found = {}
        for row in [*self.model.rows, *self.model.totals]:
            for figure in row.figures.values():
                if isinstance(figure, HomeAmount):
                    for m in figure.missing:
                        found.setdefault((m.from_currency, m.on_day), m)
        if not found:
            return ""
        first = found[min(found)]
        n = len(found)
        more = f" (and {n - 1:,} more days or currencies)" if n > 1 else ""
        return (f"⚠ Rate missing: some amounts are left out of the {self.home} figures, which are marked "
                f"“{'rate missing'}”. {first.reason[:1].upper()}{first.reason[1:]}{more}. Record the rates with "
                "Tools → Home Currency and Exchange Rates…")  # fmt: skip

    def _summarise(self, groups: int | None) -> None:
        """The report, how many rows (`groups`; None: being counted) and its dates, under the table."""
        first, last = self.dates()
        span = "all dates" if first is None else f"{formatting.day(first)} to {formatting.day(last)}"
        group = report_views.GROUP[self.key()]
        n = groups if self.key() in KEYED else self.model.groups
        what = {"contract": "contract", "freelancer": "freelancer"}.get(group, "row") + ("" if n == 1 else "s")
        many = f"{n:,} {what}" if n is not None else f"counting {what}…"
        self.summary.setText(f"{report_views.TITLES[self.key()]}: {many}, {span}.")

    def _size_columns(self) -> None:
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        bold_font = self.table.font()
        bold_font.setBold(True)
        bold = QFontMetrics(bold_font)  # the totals
        m = self.model
        rows = [*range(min(len(m.rows), 200)), *range(len(m.rows), m.rowCount())]
        for col in range(m.columnCount()):
            widest = max([metrics.horizontalAdvance(m.headerData(col, Qt.Orientation.Horizontal) or "")]
                         + [(bold if m.is_total(r) else metrics).horizontalAdvance(m.data(m.index(r, col)) or "")
                            for r in rows])  # fmt: skip
            limit = 280 if self.model.columns[col] == "label" else 230
            header.resizeSection(col, min(widest + 24, limit))

    # ------------------------------------------------------------ a figure
    def _current_changed(self, current, _previous) -> None:
        if not current.isValid():
            self.details.setText(DRILL_HINT)
            return
        row = self.model.row_at(current.row())
        column = self.model.columns[current.column()]
        figure = row.figures.get(column) if column in row.figures else None
        words = f"{self.model.label(row)} · {self.model.title(column)}: {self.model.text(row, column)}"
        if isinstance(figure, HomeAmount):
            words += f" ({self.model.converted_from(row)})" if self.model.converted_from(row) else ""
            how = conversion_words(figure).replace("\n", "; ")
            words += f"\n{how}" if how else ""
        self.details.setText(words + "\n" + DRILL_HINT)

    def drill_down(self, index) -> None:
        """The ledger entries behind the figure at `index` (on the group's label or currency: its last figure)."""
        if not index.isValid() or self.report is None:
            return
        row_key, column, currency = self.model.data(index, KEY_ROLE)
        if column in ("label", "currency", "flag", "share"):  # the row's own figure: its spend, fees, escrow...
            column = {"budget_vs_actual": "actual", "fees_by_period": "fees"}.get(self.key(), self.report.columns[-1])
        drill = report_views.drill(self.key(), self.report, row_key, column, currency)
        row = self.model.row_at(index.row())
        self._drilled = True
        if drill is None:
            self.entries.load(None)
            self.entries_title.setText(report_views.why_no_entries(self.key(), row_key, column))
            self._open_entries()
            return

        def entries(offset: int, limit: int):
            with self._reading():
                return reports.entries_behind(drill.column, **drill.kwargs, offset=offset, limit=limit)

        self.entries.load(entries)
        n = self.entries.count
        where = currency or "every currency"
        text = (f"{self.model.title(column)}, {self.model.label(row)}, {where}: {n:,} "
                f"entr{'y' if n == 1 else 'ies'} behind it.")  # fmt: skip
        if drill.note:
            text += " " + drill.note
        self.entries_title.setText(text)
        self._open_entries()

    def _open_entries(self) -> None:
        """Room for the entries behind a figure, once they are asked for."""
        total = sum(self.splitter.sizes())
        if self.splitter.sizes()[1] < total * 2 // 5:
            self.splitter.setSizes([total * 3 // 5, total * 2 // 5])

    def _fit_entries(self) -> None:
        """On a low window (a small screen, or one at 200%) the report's table takes all the room below the choices
        until a figure's entries are asked for: the entries behind a figure fold away (and open again on a taller
        window)."""
        if self._drilled:
            return
        total = sum(self.splitter.sizes())
        low = self.splitter.height() < 12 * self.table.verticalHeader().defaultSectionSize()
        if low and self.splitter.sizes()[1] > 0:
            self.splitter.setSizes([total, 0])
        elif not low and self.splitter.sizes()[1] == 0 and total > 0:
            self.splitter.setSizes([total * 3 // 4, total // 4])

    def _choices_set(self) -> list[str]:
        """The choices behind "More choices" that differ from a new window's, as they read (a long name cut)."""
        amounts = "home" if self.home else "each"
        defaults = ((self.status_combo, None), (self.freelancer_combo, None), (self.policy_combo, None),
                    (self.amounts_combo, amounts))  # fmt: skip
        metrics = self.more_button.fontMetrics()
        return [  # (each in a direction of its own: an Arabic name and the English after it keep their order)
            formatting.person(
                metrics.elidedText(combo.currentText(), Qt.TextElideMode.ElideRight, 14 * metrics.averageCharWidth())
            )
            for combo, default in defaults
            if (combo.currentData() or None) != default
        ]

    def _fit_choices(self) -> None:
        """On a low window the filters and the amounts fold behind "More choices" (unless it is pressed), which
        says what of them is set; on a taller one they are all shown and the button is not. Folded, each one's
        Alt key opens them and goes to it."""
        low = self.height() < LOW_LINES * self.fontMetrics().height()
        folded = low and not self.more_button.isChecked()
        if folded:
            chosen = ", ".join(self._choices_set()).replace("&", "&&")  # (a name's "&" is not a mnemonic)
            text = "Mor&e choices" + (f": {chosen}" if chosen else "")
        else:
            text = "F&ewer choices"
        self.more_button.setText(text)
        self.more_button.setAccessibleName(formatting.spoken(text))  # (what is set, read out too)
        self.more_button.setVisible(low)
        for pair in self._more_pairs:
            pair.setVisible(not folded)
        for shortcut in self._more_keys:
            shortcut.setEnabled(folded)

    def _unfold_to(self, widget: QWidget) -> None:
        """The folded choices shown, and `widget` (one of them) given the keyboard."""
        self.more_button.setChecked(True)
        widget.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def resizeEvent(self, event) -> None:  # (Qt's name)
        super().resizeEvent(event)
        self._fit_choices()

    def eventFilter(self, watched, event) -> bool:  # (Qt's name)
        if watched is self.splitter and event.type() == QEvent.Type.Resize:
            self._fit_entries()
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------ the chart
    def draw_chart(self) -> None:
        key = self.key()
        has_chart = key in CHARTED
        self.tabs.setTabEnabled(1, has_chart)
        self.tabs.setTabToolTip(1, "" if has_chart else "This report has no chart: its table says it all.")
        self.stack_combo.setEnabled(key == "spend_by_period")
        if not has_chart or self.tabs.currentIndex() != 1 or self.report is None or self._pending.isActive():
            return  # (a choice just made: the report is read again first, then drawn)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            with self._reading():
                data = self.chart_data(key)
        finally:
            QApplication.restoreOverrideCursor()
        if not isinstance(data, _Ranking):
            self.chart.set_data(data)
            return
        top = report_views.BUDGET_TOP if data.kind == "budget" else report_views.TOP
        self.chart.set_message(RANKING_WORDS[data.kind].format(top=top, home=self.home))
        if isinstance(self.counting, _ChartRanking):
            return  # (being read: drawn when it comes, this one read then if it is still wanted)
        self._resume = self._resume or self.counting  # (a count or a sort under way: started again after)
        if self.counting is not None:
            self.counter.cancel(self.counting.conn)
        first, last = self.dates()
        home = self.home if data.kind == "home" else None
        self.counting = _ChartRanking(database.connection(), data.kind, self._ranking_for(data.kind), first, last,
                                      self.filters(), home)  # fmt: skip
        self.counter.start(self.counting)

    def _ranking_for(self, kind: str) -> tuple:
        """What the chart's few rows of `kind` depend on: the dates, the filters (and the home currency)."""
        return (*self.dates(), self.filters(), self.home if kind == "home" else None)

    def _ranked_read(self, kind: str) -> reports.Ordered | reports.Top | None:
        """The chart's few rows of `kind`, when they were read for the dates and filters chosen."""
        found = self._ranked.get(kind)
        return found[1] if found is not None and found[0] == self._ranking_for(kind) else None

    def chart_data(self, key: str):
        """The chart of the report `key` as the choices have it; or, while its few rows are read on the worker
        thread (by freelancer, budget against actual: every row of the dates is made first), what is read."""
        home = self.home if self.in_home() else None
        first, last = self.dates()
        source = None
        if key == "budget_vs_actual":  # (in each contract's currency: the few the chart shows in each)
            source = self._ranked_read("budget")
            if source is None:
                return _Ranking("budget")
        if key == "spend_by_freelancer":
            source = self._run("spend_by_period", home=home or False)
        report = self.report if source is None else source
        choices = report_views.currencies(report)
        chosen = self.chart_currency.currentData()
        self.chart_currency.blockSignals(True)
        self.chart_currency.clear()
        for c in choices:
            self.chart_currency.addItem(c, c)
        self.chart_currency.setCurrentIndex(max(self.chart_currency.findData(chosen), 0))
        self.chart_currency.blockSignals(False)
        currency = self.chart_currency.currentData()
        if currency is None:
            return None
        if key == "escrow_by_month_end":
            return report_views.escrow_chart(report, currency)
        if key == "budget_vs_actual":
            return report_views.budget_chart(report, currency)
        if key == "spend_by_freelancer" or self.stack_combo.currentData() == "freelancer":
            period = self.period_combo.currentData() if key in TAKES_PERIOD else "month"
            kind = "home" if home is not None and currency == home else "freelancer"  # (ranked converted or not)
            ranked = self._ranked_read(kind)
            if ranked is None:
                return _Ranking(kind)
            return report_views.spend_by_freelancer_chart(period, currency, first=first, last=last,
                                                          filters=self.filters(), home=home,
                                                          ranked=ranked)  # fmt: skip
        return report_views.spend_chart(report, currency)
