"""The main window: the contracts table over the whole book, the contract's page,
menus, toolbar, status bar, and the welcome page of an empty book.

The window shows and asks; every change goes through one operation of
models.ops (in the dialogs and the contract page). After an operation only the
contract's row, its page and the status bar are refreshed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QItemSelectionModel, QObject, QSettings, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop import formatting, qt_values
from desktop.icons import icon
from desktop.version import APP_NAME
from desktop.widgets import appearance, prompts
from desktop.widgets.elided_label import ElidedLabel
from desktop.widgets.screen_fit import available_area
from desktop.window.actions import FILTER_CHOICES, build_actions, refresh_icons
from desktop.window.contracts_model import COLUMNS, ID_ROLE, ContractsModel, ContractsTable
from desktop.window.edit_menu import EditMenu
from desktop.window.file_menu import FileMenu
from models.bookfile import BookFile
from models.browse import MIN_SEARCH
from models.errors import BookError

if TYPE_CHECKING:
    from desktop.contract.page import ContractPage
    from desktop.window.attention import AttentionPanel
    from desktop.window.welcome import WelcomePage
    from models.book import Book


SEARCH_DELAY_MS = 200  # debounce: search when typing pauses
# What the search box finds, in plain words (its tooltip; models.browse: prefix below MIN_SEARCH, else anywhere).
SEARCH_HINT = (
    "One or two characters find the titles, freelancer names and contract ids that start with them; "
    f"{MIN_SEARCH} or more find them anywhere in a title, a name or an id. Capital letters or not, either way."
)
COUNTING = "counting…"
OTHERS_MS = 500  # how often a window on a shared book looks whether others changed it (a look costs no query)
SHARED_BACKUP = (
    "A shared book is kept by its database server, and backed up with the database's own tools: "
    "escrowbook backup, or your server's backups."
)  # the count label while the matches are counted (after the first page is shown)


# Sensible first widths, one per column of the table; the user's own are kept in QSettings.
DEFAULT_WIDTHS = [160, 125, 140, 60, 100, 96, 100, 84, 88, 88, 200]
MONEY_COLUMNS = ("budget", "escrow", "paid", "refunded")
DATE_COLUMNS = ("started", "ended")
MIN_ROWS = 5  # whole rows the contracts table always shows
FIRST_SIZE = (1280, 800)  # the window's size on first start, where the screen has room for it
FIT_ROWS = 60  # the rows measured before the table knows which are in view
SELECT_READS_AHEAD = 2_000  # rows the table reads at most to find a contract to keep selected (about 40 ms)
FOCUS_MARGIN = 2  # Fusion's focus frame margin at 96 dpi, beside a cell's text (_fit_columns)
STATUS_CURRENCIES = 2  # at most, per figure in the status bar (fewer if they do not fit); the tooltip has them all


def book_name(opened) -> str:
    """A book's name as the window shows it: its file's name, or its database's (a book still opening is a file)."""
    return opened.path.name if getattr(opened, "path", None) is not None else opened.name


def status_figure(values: dict[str, dict], key: str, *, cap: int | None = None) -> str:
    """One status bar total per currency (never added across currencies), at most `cap` of them."""
    shown = [formatting.money(t[key], cur) for cur, t in values.items() if t[key]]
    if not shown:
        return "nothing"
    if cap == 0 and len(shown) > 1:
        return f"{len(shown)} currencies"
    if cap is not None and len(shown) > cap:
        return " · ".join(shown[:cap]) + f" · +{len(shown) - cap} more"
    return " · ".join(shown)


class AfterFirstPaint(QObject):
    """Calls each of `then`, once, right after `widget` is next painted: what can wait does not delay the
    window's first appearance on screen. A window that is never shown never needs them."""

    def __init__(self, widget: QWidget, *then):
        super().__init__(widget)
        self.then = then
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            for fn in self.then:
                QTimer.singleShot(0, fn)
            self.deleteLater()
        return False


class MainWindow(FileMenu, EditMenu, QMainWindow):
    def __init__(
        self,
        book: Book | BookFile,
        *,
        today: date | None = None,
        now: Callable[[], datetime] | None = None,
        settings: QSettings | None = None,
    ):
        """`book` is an open Book, or a BookFile that desktop.app.start opened and locked without peewee: the
        window then shows the table at once and finishes opening the book right after its first paint, or
        before any action that needs it, should one come first (`finish_opening`, `_with_book`). A shared book
        comes open whole, and only its contract's page and attention panel wait for the first paint so.

        `today` (the local date) and `now` (the current UTC time, for the feedback window and the client's own
        feedback) are the real clock unless given (tests, screenshots)."""
        super().__init__()
        # Exactly one of these is set: the book, or the file still to finish opening.
        self.book: Book | None = None if isinstance(book, BookFile) else book
        self._opening: BookFile | None = book if isinstance(book, BookFile) else None
        self.page: ContractPage | None = None  # the contract's page and the attention panel: with the book
        self.attention: AttentionPanel | None = None
        self._attention_sized = False  # the panel given its first width (or restored with the window state)
        self._widgets_finished = False  # _finish_widgets done
        self._others = None  # on a shared book: what others record (models.pgstore.ChangeListener), and its timer
        self._others_timer: QTimer | None = None
        self._today = today
        self._now = now
        self.settings = settings or QSettings()
        self.setObjectName("mainWindow")
        self.setWindowIcon(icon("app"))

        self.model = ContractsModel(lambda: (self.book or self._opening).conn, self, today=today)
        self.model.on_counted = self._update_count
        self.table = ContractsTable()
        self.table.setObjectName("contractsTable")
        self.table.setAccessibleName("Contracts")
        self.table.setModel(self.model)
        self.model.modelReset.connect(self._fit_columns)  # widened to the amounts and dates just read
        self.table.verticalScrollBar().valueChanged.connect(self._fit_columns)  # the rows coming into view
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (arrows move between its cells)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.horizontalHeader().setSectionsMovable(True)
        self.table.horizontalHeader().setHighlightSections(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate(DEFAULT_WIDTHS):
            self.table.setColumnWidth(col, width)
        self.table.setProperty("contextMenuPolicy", qt_values.CUSTOM_CONTEXT_MENU)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().currentRowChanged.connect(self._selection_changed)

        self.search = QLineEdit()
        self.search.setObjectName("searchBox")
        self.search.setAccessibleName("Search contracts")
        self.search.setPlaceholderText("Search title, freelancer or contract id (Ctrl+F)")
        self.search.setToolTip(SEARCH_HINT)
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        for b in self.search.findChildren(QToolButton):  # the line edit's own buttons: clear, and the search icon
            clear = b.defaultAction() is not None and b.defaultAction().objectName() == "_q_qlineeditclearaction"
            b.setAccessibleName("Clear search" if clear else "Search")
        self.search.setMinimumWidth(self.search.fontMetrics().horizontalAdvance("Search title") + 48)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_search)

        self.filter_group = QButtonGroup(self)
        self.filter_buttons: dict[str, QToolButton] = {}
        filters = QHBoxLayout()
        filters.setSpacing(2)
        for key, label in FILTER_CHOICES:
            b = QToolButton()
            b.setText(label)
            b.setObjectName(f"filter_{key}")
            b.setAccessibleName(f"Show {label.lower()} contracts")
            b.setCheckable(True)
            b.setAutoRaise(False)
            self.filter_group.addButton(b)
            self.filter_buttons[key] = b
            b.clicked.connect(lambda _=False, k=key: self.set_filter(k))
            filters.addWidget(b)
        self.filter_buttons["all"].setChecked(True)
        self.filter_buttons["attention"].setIcon(icon("attention"))
        self.filter_buttons["attention"].setProperty("toolButtonStyle", qt_values.TEXT_BESIDE_ICON)
        self._style_filters()
        self.count_label = ElidedLabel()  # "12 contracts starting with “lo”": cut before widening the window
        self.count_label.setObjectName("countLabel")
        self.count_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        top = QHBoxLayout()
        top.addLayout(filters)
        top.addSpacing(12)
        top.addWidget(self.count_label, 1)
        top.addWidget(self.search, 1)
        table_box = self.table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addLayout(top)
        table_layout.addWidget(self.table)
        self._keep_rows_visible()

        self.splitter = QSplitter()
        self.splitter.setProperty("orientation", qt_values.VERTICAL)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(table_box)
        self.splitter.addWidget(QWidget())  # the contract's page, once the book is open
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        self._welcome: WelcomePage | None = None  # built the first time a book is empty
        self.stack = QStackedWidget()
        self.stack.addWidget(self.splitter)
        self.setCentralWidget(self.stack)

        self.attention_dock = QDockWidget("Needs attention", self)  # its panel comes with the book
        self.attention_dock.setObjectName("attentionDock")
        self.attention_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.attention_dock.hide()  # View → Needs Attention Panel (F9) shows it (docked in _finish_widgets)
        for keys, step in (("F6", 1), ("Shift+F6", -1)):
            QShortcut(QKeySequence(keys), self, lambda step=step: self.cycle_panes(step))

        self.status_money = QLabel()
        self.status_money.setObjectName("statusTotals")
        self.status_money.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # _fit_status
        self.status_attention = QLabel()
        self.status_attention.setObjectName("statusAttention")
        self.statusBar().addWidget(self.status_money, 1)
        self.statusBar().addPermanentWidget(self.status_attention)

        # A shared book is opened whole (and its schema checked) before the window is made; its page and panel
        # still come right after the first paint, as a book file's do (finish_opening).
        if self.book is not None and self.book.store != "postgresql":
            self._build_book_parts()
        build_actions(self)
        for more in self.findChildren(QToolButton, "qt_toolbar_ext_button"):  # a narrow window's »: the rest
            more.setAccessibleName("More toolbar buttons")
        appearance.changed().connect(self._appearance_changed)
        self.update_undo_actions()
        self._restore_settings()
        if self.page is not None:  # (a book still to finish opening finishes them with it, after the first paint)
            self._finish_widgets()
        self.load_book()

    def _finish_widgets(self) -> None:
        """What the window's first paint can do without, and which uses Qt's own enums (qt_values.py says why):
        the table sorts by a click on a column's title, by its title A to Z first; the attention panel's dock
        goes to the right, unless the window's saved state has placed it already."""
        if self._widgets_finished:
            return
        self._widgets_finished = True
        from PySide6.QtCore import Qt

        appearance.settle(QApplication.instance())
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)  # (shows the indicator; the model has this order already)
        if self.dockWidgetArea(self.attention_dock) == Qt.DockWidgetArea.NoDockWidgetArea:
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.attention_dock)
            self.attention_dock.hide()

    @property
    def welcome(self) -> WelcomePage:
        """The page an empty book shows instead of the table."""
        if self._welcome is None:
            from desktop.window.welcome import WelcomePage  # here: most books are not empty

            self._welcome = WelcomePage(self)
            self._welcome.new_button.clicked.connect(self._with_book(self.new_contract))
            self._welcome.demo_button.clicked.connect(self._with_book(self.open_demo_book))
            self.stack.addWidget(self._welcome)
        return self._welcome

    def _build_book_parts(self) -> None:
        """The contract's page and the attention panel: the parts that need peewee and the tables."""
        from desktop.contract.page import ContractPage
        from desktop.window.attention import AttentionPanel

        self.page = ContractPage(self, today=self.today, now=self._now)
        self.make_history()
        self.page.changed.connect(self.contract_changed)
        self.page.milestones.milestone_table.itemSelectionChanged.connect(self._update_actions)
        # The page scrolls inside its part of the window: however tall a tab is, the table keeps its rows, and a
        # small screen (1024×600, or 1366×768 at scale 2) reaches every control of the page.
        self.page_area = QScrollArea()
        self.page_area.setObjectName("contractPageArea")
        self.page_area.setWidgetResizable(True)
        self.page_area.setFrameShape(QFrame.Shape.NoFrame)
        self.page_area.setWidget(self.page)
        self.splitter.replaceWidget(1, self.page_area).deleteLater()
        self.splitter.setStretchFactor(1, 2)  # (a stretch factor is the widget's own: the page takes it over)
        self.attention = AttentionPanel(self, today=self.today)
        self.attention.open_requested.connect(self.open_attention_item)
        self.attention.setMinimumWidth(self.fontMetrics().averageCharWidth() * 30)
        self.attention.list.setWordWrap(True)  # whole sentences, not cut at the dock's edge
        self.attention_dock.setWidget(self.attention)
        self.attention_dock.visibilityChanged.connect(self._size_attention_dock)

    def _with_book(self, slot):
        """`slot` for an action or button: run once the book has finished opening (should the user act in the
        moment between the window's first paint and `finish_opening`, it finishes first)."""

        def run(*_):
            if self.finish_opening():
                slot()

        return run

    def finish_opening(self) -> bool:
        """Put peewee over the book the window was started with (models.book.adopt), then build the contract's
        page showing the selected contract (a shared book, open already: only the page). Does nothing once done;
        False if the book was refused after all (the window then says why and closes)."""
        if self._opening is None:
            if self.book is not None and self.page is None:  # a shared book: only its page and panel were to come
                self._finish_widgets()
                self._build_book_parts()
                self.page.show_contract(None)
                self._selection_changed(self.table.currentIndex(), None)
            return self.book is not None
        opening, self._opening = self._opening, None
        self._finish_widgets()
        self.model.stop_counting()  # adopt puts peewee over the connection: no count reads it meanwhile
        from models.book import adopt

        try:
            self.book = adopt(opening)
        except BookError as exc:
            opening.conn.close()  # (adopt closed it already; the lock is released either way)
            from PySide6.QtWidgets import QMessageBox  # (here: PySide sets a type up on its first use)

            QMessageBox.critical(self, APP_NAME, str(exc))
            self.close()
            return False
        except BaseException:  # unexpected: no half-open window; the crash dialog has the details
            opening.conn.close()
            self.close()
            raise
        self._build_book_parts()
        self.page.show_contract(None)
        self._selection_changed(self.table.currentIndex(), None)
        return True

    # ------------------------------------------------------------ basics
    def today(self) -> date:
        """The day it is where the client is (the local date): events are recorded up to it."""
        return self._today or date.today()

    def warn(self, title: str, text: str) -> None:
        prompts.warn(self, title, text)

    # ------------------------------------------------------------ the book
    def load_book(self) -> None:
        """Show the open book: welcome page when empty, else the table from its first page."""
        opened = self.book or self._opening
        shared = self.book is not None and self.book.store == "postgresql"
        self.setWindowTitle(f"{book_name(opened)}{' (shared)' if shared else ''} — {APP_NAME}")
        if self.history is not None:  # what this session did belongs to the book it did it in
            self.history.clear()
        if not shared:  # (an address may hold a password: it is not kept in the settings)
            self._remember_recent(opened.path)
        # A shared book is kept by its server: it is backed up with its own tools (`escrowbook backup`), not
        # copied or restored as a file.
        for action in (self.act_copy, self.act_restore):
            action.setEnabled(not shared)
            action.setToolTip(SHARED_BACKUP if shared else action.statusTip())
        self.model.reload()
        empty = not self.model.rows and self.model.filter == "all" and not self.model.search
        self.stack.setCurrentWidget(self.welcome if empty else self.splitter)
        if self.page is not None:
            self.page.show_contract(None)
        if not empty:
            self.table.selectRow(0)
        self._update_actions()
        self._update_count()
        # The status bar's totals follow right after the book is on screen (they need only its connection),
        # then the rest of the book finishes opening, anything the marketplace did by itself while the book was
        # closed (R6, R8) is offered for recording on one confirmation, and the daily backup is scheduled.
        opening = [self.finish_opening] if self._opening is not None or self.page is None else []
        after = [self.update_status, *opening, self.tell_what_opening_found, self.offer_overdue_events]
        if not shared:
            after.append(self.schedule_backup)
        self._follow_others()
        if not self.isVisible():  # starting: the window's own first paint (the table's comes with it)
            shown = self
        else:  # another book in a window on screen: what now shows it
            shown = self.table.viewport() if self.stack.currentWidget() is self.splitter else self.welcome
        AfterFirstPaint(shown, *after)

    # ------------------------------------------------------------ table
    def set_filter(self, key: str) -> None:
        self.filter_buttons[key].setChecked(True)
        for a in self.filter_actions.actions():
            a.setChecked(a.objectName() == f"actionFilter_{key}")
        keep = self.selected_contract_id()
        self.model.set_filter(key)
        self._after_reload(keep)

    def _panes(self) -> list[tuple[QWidget, QWidget]]:
        """The main panes F6 goes through, each with the widget that takes the focus: the contracts table,
        the contract's page (its current tab) and the attention panel when it is shown."""
        panes: list[tuple[QWidget, QWidget]] = [(self.table_box, self.table)]
        if self.page is not None and self.page.isVisible():
            panes.append((self.page, self.page.tabs.currentWidget() or self.page.tabs))
        if self.attention is not None and self.attention_dock.isVisible():
            panes.append((self.attention_dock, self.attention.list))
        return panes

    def cycle_panes(self, step: int = 1) -> None:
        """F6 (step 1) / Shift+F6 (step -1): the focus to the next / previous main pane."""
        if not self.table.isVisible():  # the welcome page: one pane only
            return
        panes = self._panes()
        focus = QApplication.focusWidget()
        here = next((i for i, (root, _) in enumerate(panes) if focus is root or root.isAncestorOf(focus)), -1)
        if here < 0 and step < 0:
            here = 0
        _, target = panes[(here + step) % len(panes)]
        from PySide6.QtCore import Qt

        if target.focusPolicy() & Qt.FocusPolicy.TabFocus:
            target.setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:  # a tab's page: its first control that takes the focus
            target.nextInFocusChain().setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_search(self) -> None:
        self.stack.setCurrentWidget(self.splitter)
        self.search.setFocus()
        self.search.selectAll()

    def apply_search(self) -> None:
        self._search_timer.stop()
        text = self.search.text().strip()
        if text == self.model.search:
            self._update_count()
            return
        keep = self.selected_contract_id()
        self.model.set_search(text)
        self._after_reload(keep, reads_ahead=0)  # a keystroke keeps it selected if it is on the first page

    def _after_reload(self, keep: int | None, reads_ahead: int = SELECT_READS_AHEAD) -> None:
        self._update_count()
        if keep is not None:
            self.select_contract(keep, reads_ahead)
        elif self.model.rowCount():  # back from a search that matched nothing: the first contract, as on opening
            self.table.selectRow(0)
        if self.page is not None and not self.model.rowCount():  # nothing matches: no stale contract on the page
            self.page.show_nothing(*self._no_match_words())
        self._update_actions()

    def _no_match_words(self) -> tuple[str, str]:
        """What the page says when the search and the filter match no contract."""
        shown = {"active": "active ", "ended": "ended ", "attention": ""}.get(self.model.filter, "")
        where = " among those that need attention" if self.model.filter == "attention" else ""
        if self.model.search:
            title = f"No {shown}contract matches “{self.model.search}”{where}."
            return title, "Check the spelling, or search for part of a title, a freelancer's name or a contract id."
        return f"No {shown}contracts{where}.", "Choose All to see every contract in the book."

    def _update_count(self) -> None:
        """The count label: "12 contracts", or "counting…" until the worker has counted the matches."""
        total = self.model.total()
        text = COUNTING if total is None else f"{total:,} contract{'s' if total != 1 else ''}"
        if total is not None and 0 < len(self.model.search) < MIN_SEARCH:
            text += f" starting with “{self.model.search}”"
        self.count_label.setText(text)

    def selected_contract_id(self) -> int | None:
        if self.page is None:
            return None
        return self.page.contract.id if self.page.contract is not None else None

    def select_contract(self, contract_id: int, reads_ahead: int = SELECT_READS_AHEAD) -> bool:
        """Select a contract's row (selection survives a refresh when the row is still there), reading further
        pages while the row is not among those read yet, up to `reads_ahead` rows."""
        row = self.model.row_of(contract_id)
        if row is None and (
            self.model.rowCount() >= reads_ahead
            or self.model.query is None
            or not self.model.query.includes(contract_id)
        ):
            return False  # not in this filter or search (or not to be read on to)
        while row is None and self.model.rowCount() < reads_ahead and self.model.canFetchMore():
            self.model.fetchMore()
            row = self.model.row_of(contract_id)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.scrollTo(index)
        return True

    def _selection_changed(self, current, _previous) -> None:
        cid = self.model.data(current, ID_ROLE) if current.isValid() else None
        if self.page is not None and cid != self.selected_contract_id():
            self.page.show_contract(cid)
        self._update_actions()

    def _context_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        if index.isValid():
            self.table.selectRow(index.row())
        menu = QMenu(self)
        for a in (
            self.act_new_contract,
            self.act_edit_contract,
            self.act_new_milestone,
            self.act_release,
            self.act_end,
            None,
            self.act_export_pdf,
            self.act_print,
        ):
            menu.addSeparator() if a is None else menu.addAction(a)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def _update_actions(self) -> None:
        if self.page is None:  # the book is still opening: nothing is selected yet
            for a in (self.act_edit_contract, self.act_new_milestone, self.act_fund, self.act_submit, self.act_release,
                      self.act_end, self.act_refund, self.act_print, self.act_delete):  # fmt: skip
                a.setEnabled(False)
            return
        c = self.page.contract
        self.act_edit_contract.setEnabled(c is not None)
        self.act_new_milestone.setEnabled(c is not None and c.status == c.ACTIVE)
        self.act_fund.setEnabled(self.page.milestones.fund_button.isEnabled())
        self.act_submit.setEnabled(self.page.milestones.submit_button.isEnabled())
        self.act_release.setEnabled(self.page.milestones.release_button.isEnabled())
        self.act_end.setEnabled(c is not None and c.status == c.ACTIVE)
        self.act_refund.setEnabled(c is not None)
        self.act_print.setEnabled(c is not None)
        self.act_delete.setEnabled(self.page.milestones.delete_button.isEnabled())

    # ------------------------------------------------------------ after an operation
    def contract_changed(self, contract_id: int) -> None:
        """One contract changed: its row, the page and the status bar; not the whole table."""
        self.model.contract_changed(contract_id)
        self._update_count()
        if self.stack.currentWidget() is not self.splitter:  # the welcome page
            self.stack.setCurrentWidget(self.splitter)
        if self.sender() is not self.page:  # the page refreshed itself before announcing the change
            self.page.show_contract(contract_id)
        self.select_contract(contract_id)
        self._update_actions()
        self.update_status()

    def _follow_others(self) -> None:
        """On a shared book, what the others who have it open record shows here too, within OTHERS_MS: each of
        their operations is announced by the server when it commits (models.pgstore.ChangeListener), and the
        window then reads the table, the contract's page and the status bar again (its own are shown already)."""
        self.stop_following()
        if self.book is None or self.book.store != "postgresql":
            return
        from models import pgstore

        self._others = pgstore.ChangeListener(self.book.url)
        own = frozenset({pgstore.backend_pid(self.book.db)})
        self._others_timer = QTimer(self)
        self._others_timer.setInterval(OTHERS_MS)
        self._others_timer.timeout.connect(lambda: self._others.heard(own) and self.refresh_all())
        self._others_timer.start()

    def stop_following(self) -> None:
        if self._others_timer is not None:
            self._others_timer.stop()
            self._others_timer.deleteLater()
            self._others_timer = None
        if self._others is not None:
            self._others.close()
            self._others = None

    def refresh_all(self) -> None:
        keep = self.selected_contract_id()
        self.model.reload()
        self._after_reload(keep)
        if keep is not None:
            self.page.show_contract(keep)
        self.update_status()

    def update_status(self) -> None:
        """Book totals per currency (never added across currencies) and what needs attention, from the totals the
        book keeps (models/book_totals.py: a few rows): read through the book's own SQLite connection while it
        finishes opening, so that the status bar is filled right after the first paint, as the table is."""
        from models import book_totals as kept

        if self.book is not None:
            if self.book.db.is_closed():
                return
            run = self.book.db.execute_sql
        elif self._opening is not None:
            run = self._opening.conn.execute
        else:
            return
        year = self.today().year
        try:
            totals, this_year = kept.currencies(run), kept.year(run, year)
            count = kept.attention(run, self.today().isoformat())
        except sqlite3.DatabaseError:
            if self.book is not None:
                raise
            # Not yet a book finished opening: it says in words what is wrong with the file (and the window
            # closes), or, opened, its totals are read again right after.
            QTimer.singleShot(0, self.update_status)
            return
        labels = [("In escrow", totals, "escrow"), (f"Paid in {year}", this_year, "paid")]
        if any(t["refunded"] for t in this_year.values()):
            labels.append((f"Refunds in {year}", this_year, "refunded"))
        self.status_money.setToolTip("\n".join(f"{name}: {status_figure(v, k)}" for name, v, k in labels))
        self.status_attention.setText(f"⚠ {count:,} need attention" if count else "Nothing needs attention")
        self._status_totals = labels
        self._fit_status()
        self.filter_buttons["attention"].setText(f"Needs attention ({count:,})" if count else "Needs attention")
        if self.attention is not None and self.attention_dock.isVisible():
            self.attention.refresh()

    def _fit_status(self) -> None:
        """The totals in as many currencies as fit beside the attention count, never cut off."""
        labels = getattr(self, "_status_totals", None)
        if not labels:
            return
        room = self.statusBar().width() - self.status_attention.sizeHint().width() - 32
        metrics = self.status_money.fontMetrics()
        # Fewer currencies first, then fewer figures (a narrow window: the first ones; the tooltip has them all).
        for shown in range(len(labels), 0, -1):
            for cap in range(STATUS_CURRENCIES, -1, -1):
                text = "     ".join(f"{name}: {status_figure(v, k, cap=cap)}" for name, v, k in labels[:shown])
                if metrics.horizontalAdvance(text) <= room:
                    self.status_money.setText(text)
                    return
        self.status_money.setText(text)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_status()

    def tell_what_opening_found(self) -> None:
        """Files set aside beside the book, or a ledger shorter than when this computer last had it
        (models/bookfile.py, models/anchor.py): said once, when the book has opened."""
        if self.book is None or not self.book.notices:
            return
        self.warn(f"{self.book.name} — {APP_NAME}", "\n\n".join(self.book.notices))

    # ------------------------------------------------------------ what needs attention
    def offer_overdue_events(self) -> None:
        from desktop.dialogs.overdue_events import overdue_events_dialog

        if self.book is None or self.book.db.is_closed():
            return
        dialog = overdue_events_dialog(self, self.today())
        if dialog is None:
            return
        self.overdue_dialog = dialog  # tests reach it here
        dialog.accepted.connect(self.refresh_all)
        dialog.open()

    def open_attention_item(self, kind: str, contract_id: int, ref) -> None:
        """Open the contract an attention line is about, on the tab or dialog that deals with it."""
        self.stack.setCurrentWidget(self.splitter)
        if not self.select_contract(contract_id):
            self.page.show_contract(contract_id)
            self._update_actions()
        page = self.page
        if kind == "review":
            page.tabs.setCurrentIndex(0)
            if ref is not None:
                page.milestones.select_milestone(ref)
        elif kind in ("escrow_reply", "dispute_answer", "mediation", "dispute_proposal", "dispute_acceptance"):
            page.tabs.setCurrentWidget(page.escrow_panel)
        elif kind == "closeout":
            page.tabs.setCurrentWidget(page.closeout_tab)
        elif kind == "feedback":
            page.tabs.setCurrentWidget(page.feedback_tab)
        elif kind in ("refund_window", "support_refund"):
            page.ledger.record_refund()

    # ------------------------------------------------------------ contracts
    def new_contract(self) -> None:
        from desktop.dialogs.contract import ContractDialog
        from desktop.dialogs.freelancer import FreelancerDialog

        dialog = ContractDialog(self, today=self.today(), new_freelancer=FreelancerDialog)
        if dialog.exec() and dialog.contract is not None:
            self.stack.setCurrentWidget(self.splitter)
            self.contract_changed(dialog.contract.id)  # shows its row and its page

    def edit_contract(self) -> None:
        from desktop.dialogs.contract import ContractDialog
        from desktop.dialogs.freelancer import FreelancerDialog

        c = self.page.contract
        if c is None:
            return
        dialog = ContractDialog(self, contract=c, today=self.today(), new_freelancer=FreelancerDialog)
        if dialog.exec():
            self.contract_changed(c.id)  # its row and its page

    def end_contract(self) -> None:
        """The end-contract confirmation (R7, R8): one operation when the client confirms."""
        from desktop.contract.flows import end_contract_dialog

        c = self.page.contract
        if c is None:
            return
        c = type(c).get_by_id(c.id)
        if c.status != c.ACTIVE:
            self.warn("End contract", f"“{c.title}” has already ended.")
            return
        dialog = end_contract_dialog(c, self, today=self.today())
        dialog.contract_changed.connect(self.contract_changed)
        self.end_dialog = dialog  # tests reach the open confirmation here
        dialog.exec()
        self.end_dialog = None
        # contract_changed (from the dialog's signal) already refreshed the row and the page.
        if dialog.ended and dialog.go_to_closeout:
            self.page.tabs.setCurrentWidget(self.page.closeout_tab)

    # ------------------------------------------------------------ help
    def show_help(self, page: str = "index.html") -> None:
        from desktop.widgets.help_browser import HelpDialog

        actions = {"release": self.page.milestones.release_payment, "end": self.end_contract}
        self.help_dialog = HelpDialog(self, page, actions=actions)
        self.help_dialog.show()

    def show_about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from desktop.version import app_version

        QMessageBox.about(
            self,
            "About Escrowbook",
            f"<b>Escrowbook {app_version()}</b><p>Your own offline books of fixed-price contracts.</p>"
            f"<p>This book: {self.book.address}</p>",
        )

    # ------------------------------------------------------------ layout
    def _keep_rows_visible(self) -> None:
        """The contracts table never shows fewer than MIN_ROWS whole rows: the splitter gives the page less
        (it scrolls) and the window is never made smaller than that."""
        rows = self.table.verticalHeader().defaultSectionSize() * MIN_ROWS
        header = self.table.horizontalHeader().sizeHint().height()
        scrollbar = self.table.horizontalScrollBar().sizeHint().height()
        self.table.setMinimumHeight(rows + header + scrollbar + 2 * self.table.frameWidth())

    def _size_attention_dock(self, visible: bool) -> None:
        """The first time the panel opens (its width not restored from the settings), at its own width of about
        60 characters, but never more than a third of the window."""
        if not visible or self._attention_sized or self.attention is None:
            return
        self._attention_sized = True
        from PySide6.QtCore import Qt

        width = min(self.attention.sizeHint().width(), self.width() // 3)
        self.resizeDocks([self.attention_dock], [max(width, self.attention.minimumWidth())], Qt.Orientation.Horizontal)

    def _fit_columns(self, *_) -> None:
        """Amounts and dates fit their columns in the current font ("11,850.00 CAD" whole, not "11,850.00 C…"):
        a column narrower than the widest of the rows in view or than its title is widened (wider ones, the
        user's own, are kept). Run when rows are read and when the table scrolls (about a millisecond)."""
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        # A cell's text has the focus frame's margins and a little air either side (the app's style is always
        # Fusion: its margin is 2 pixels at 96 dpi; asking the style would set up PySide's style type before the
        # first paint); a title, what the header itself says it needs (its margins and the sort arrow).
        cell_pad = 2 * (round(FOCUS_MARGIN * self.logicalDpiX() / 96) + 1) + metrics.averageCharWidth()
        model = self.table.model()
        top = max(self.table.rowAt(0), 0)
        # (The viewport's height from the table: asking for the viewport itself would make PySide set up every
        # kind of widget it might be, on start-up.)
        bottom = self.table.rowAt(self.table.maximumViewportSize().height() - 1)
        rows = range(top, min(model.rowCount(), (bottom if bottom >= 0 else top + FIT_ROWS) + 1))
        for col, (key, _title, _) in enumerate(COLUMNS):
            if key not in MONEY_COLUMNS and key not in DATE_COLUMNS:
                continue
            shown = (model.data(model.index(row, col)) or "" for row in rows)
            widest = max((metrics.horizontalAdvance(t) for t in shown), default=0)
            needed = max(widest + cell_pad, header.sectionSizeHint(col))
            if self.table.columnWidth(col) < needed:
                self.table.setColumnWidth(col, needed)

    def _fit_to_screen(self, restored: bool) -> None:
        """Within the screen's available area: the size restored from the settings, or a first size that leaves
        room for the window's frame, moved onto the screen if it was off it (a screen since unplugged)."""
        screen = available_area(self)
        if restored:
            width, height = min(self.width(), screen.width()), min(self.height(), screen.height())
        else:
            width = min(FIRST_SIZE[0], screen.width() * 19 // 20)
            height = min(FIRST_SIZE[1], screen.height() * 9 // 10)
        width = max(width, min(self.minimumSizeHint().width(), screen.width()))
        height = max(height, min(self.minimumSizeHint().height(), screen.height()))
        self.resize(width, height)
        if restored and screen.contains(self.geometry()):
            return
        x = screen.x() + (screen.width() - width) // 2
        y = screen.y() + (screen.height() - height) // 2
        self.move(x, y)

    # ------------------------------------------------------------ settings
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry", type=QByteArray)
        restored = bool(geometry) and self.restoreGeometry(geometry)
        self._fit_to_screen(restored)
        splitter = self.settings.value("window/splitter", type=QByteArray)
        if not (splitter and self.splitter.restoreState(splitter)):
            self.splitter.setSizes([400, 400])
        state = self.settings.value("window/state", type=QByteArray)
        if state:
            self._attention_sized = self.restoreState(state)  # the panel's width too, as the user left it
        header = self.settings.value("window/header", type=QByteArray)
        if header:
            self.table.horizontalHeader().restoreState(header)
            self.table.horizontalHeader().setSortIndicatorShown(False)  # the table's order: _finish_widgets
        self._fit_columns()

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("window/header", self.table.horizontalHeader().saveState())
        self.settings.setValue("window/state", self.saveState())  # docks: the attention panel
        self.settings.sync()

    # ------------------------------------------------------------ appearance
    def set_appearance(self, mode: str) -> None:
        """View → Appearance: System, Light or Dark, saved and applied at once."""
        appearance.choose(QApplication.instance(), self.settings, mode)

    def _style_filters(self) -> None:
        style = appearance.checked_button_style()
        for b in self.filter_buttons.values():
            b.setStyleSheet(style)

    def _appearance_changed(self) -> None:
        """Light or dark: the app's own colours and the icons follow."""
        from desktop import icons

        icons.clear_cache()
        self._style_filters()
        self.filter_buttons["attention"].setIcon(icon("attention"))
        refresh_icons(self)
        self.table.viewport().update()
        if self.book is not None and not self.book.db.is_closed():  # the page's deadlines, the panel's icons
            self.refresh_all()

    def closeEvent(self, event) -> None:
        self.save_settings()
        self.stop_following()
        self.model.stop_counting()
        if self.book is not None:
            self.book.close()
        elif self._opening is not None:  # closed before the book finished opening: release its lock
            self._opening.conn.close()
            self._opening = None
        super().closeEvent(event)
