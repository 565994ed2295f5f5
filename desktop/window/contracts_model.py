"""The contracts table: a QAbstractTableModel that pages through SQL.

Sorting, filtering and searching happen in SQL (models.browse) with indexes;
the model holds only the rows fetched so far (500 at a time, more as the view
scrolls: canFetchMore/fetchMore). Never a QSortFilterProxyModel over the book.

How many contracts match is not read before the first page is shown: unless the
first page holds them all, a worker thread counts them (Counter), starting once
the view has painted the page (COUNT_AFTER_MS), and `counted` tells the window;
a newer filter or search drops an older count (interrupted if it is reading, never
started if it is still waiting).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QTimer
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QTableView

from desktop import formatting, qt_values
from desktop.widgets import appearance
from desktop.widgets.counter import Counter
from models.browse import ContractQuery, ContractRow, contract_row

PAGE = 500  # rows fetched each time the view scrolls near the end of what it has
FIRST_PAGE = 100  # rows read on (re)loading: a few screens' worth, so the table shows at once
# A count starts this long after its first page is read: once the view has painted it (a count started at once
# ran beside the paint, on a busy machine of two cores a keystroke's update then took up to twice as long); a
# newer keystroke, filter or sort before then means it never starts.
COUNT_AFTER_MS = 40
NO_PARENT = QModelIndex()  # the root: a table has no children
ID_ROLE = qt_values.USER_ROLE + 1  # the contract id of a row

# (key in models.browse.SORTS, header, right-aligned?)
COLUMNS = [
    ("title", "Title", False),
    ("freelancer", "Freelancer", False),
    ("status", "Status", False),
    ("currency", "Currency", False),
    ("budget", "Budget", True),
    ("escrow", "In escrow", True),
    ("paid", "Paid", True),
    ("refunded", "Refunded", True),
    ("started", "Started", False),
    ("ended", "Ended", False),
    ("next", "Next deadline", False),
]
COLUMN_KEYS = [c[0] for c in COLUMNS]
NEXT = COLUMN_KEYS.index("next")
# The roles data() answers, as the plain numbers Qt passes (data() runs for every cell the view paints; and the
# window's first paint makes no use of `Qt` itself: desktop/qt_values.py).
DISPLAY = qt_values.DISPLAY_ROLE
ACCESSIBLE = qt_values.ACCESSIBLE_TEXT_ROLE
ALIGNMENT = qt_values.TEXT_ALIGNMENT_ROLE
FOREGROUND = qt_values.FOREGROUND_ROLE
DECORATION = qt_values.DECORATION_ROLE
TOOLTIP = qt_values.TOOLTIP_ROLE
RIGHT = qt_values.ALIGN_RIGHT | qt_values.ALIGN_VCENTER
LEFT = qt_values.ALIGN_LEFT | qt_values.ALIGN_VCENTER


def header_model(parent) -> QStandardItemModel:
    """The column titles, kept by Qt itself, for the table's header (ContractsTable)."""
    header = QStandardItemModel(0, len(COLUMNS), parent)
    for column, (_key, title, right) in enumerate(COLUMNS):
        item = QStandardItem(title)
        if right:
            item.setData(RIGHT, ALIGNMENT)
        header.setHorizontalHeaderItem(column, item)
    return header


class ContractsTable(QTableView):
    """The contracts table, its column titles read from `header_model` rather than from the ContractsModel.

    A header asks its model for each title with Qt's orientation, and a model of ours would take that as a `Qt`
    value: the window's first paint would make Qt's namespace (desktop/qt_values.py). So the header has
    a model of its own, which Qt answers without Python; the rows, the order and the selection are the
    ContractsModel's. (ContractsModel.headerData gives the same titles to whoever asks the table's model, such
    as a screen reader.) `setModel` is QTableView's, less what a table of merged cells needs."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._titles = header_model(self)

    def setModel(self, model) -> None:
        self.verticalHeader().setModel(model)
        self.horizontalHeader().setModel(self._titles)
        QAbstractItemView.setModel(self, model)

    def setSelectionModel(self, selection) -> None:
        self.verticalHeader().setSelectionModel(selection)  # (the titles' header has its own: a column is
        QAbstractItemView.setSelectionModel(self, selection)  # not selected by its title here, rows are)


def status_text(row: ContractRow, today: date | None = None) -> str:
    if row.status == "active":
        if row.dormant_on is not None and today is not None and row.dormant_on <= today:
            return f"Dormant since {formatting.day(row.dormant_on)}"  # R15: active, nothing recorded for long
        return "Active"
    if row.closeout_open:
        return f"Ended · {row.closeout_open} to close out"
    return "Ended · closed out"


class ContractsModel(QAbstractTableModel):
    def __init__(self, connection: Callable[[], sqlite3.Connection], parent=None, today: date | None = None):
        super().__init__(parent)
        self._today = today
        self.connection = connection  # the open book's connection, asked for at each reload (books change)
        self.rows: list[ContractRow] = []
        self.sort_key = "title"
        self.descending = False
        self.filter = "all"
        self.search = ""
        self.query: ContractQuery | None = None
        self._total: int | None = 0  # None: being counted
        self.first_page = FIRST_PAGE
        self.counter = Counter(self._counted)
        self._count_soon = QTimer(self)  # starts the count of the first page just read (COUNT_AFTER_MS)
        self._count_soon.setSingleShot(True)
        self._count_soon.setInterval(COUNT_AFTER_MS)
        self._count_soon.timeout.connect(self._start_count)
        self.on_counted: Callable[[], None] | None = None  # the window's: the count arrived

    # -- what is shown
    @property
    def today(self) -> date:
        return self._today or date.today()  # the local date, as the window's

    def total(self) -> int | None:
        """How many contracts match the filter and search (not only those fetched); None while counting."""
        return self._total

    def reload(self, narrows: ContractQuery | None = None) -> None:
        """Run the query again from the first page (after a filter, search or sort change); count its matches
        after (once the page is painted), on a worker thread, unless the first page holds them all. `narrows`:
        the query before a search typed on (its first contract shown is where the new one's walk may start)."""
        conn = self.connection()
        self._count_soon.stop()
        self.counter.cancel(conn)
        self.beginResetModel()
        try:
            query = ContractQuery(conn, filter_=self.filter, search=self.search, today=self.today, narrows=narrows)
            self.query = query
            self.rows = query.page(sort=self.sort_key, descending=self.descending, limit=self.first_page)
            self._total = len(self.rows) if len(self.rows) < self.first_page else query.kept_count()
        except BaseException:  # the book could not be read: show nothing rather than rows of another query
            self.query, self._total, self.rows = None, 0, []
            raise
        finally:
            self.endResetModel()
        if self._total is None:
            self._count_soon.start()

    def _start_count(self) -> None:
        if self.query is not None and self._total is None:
            self.counter.start(self.query)

    def counting(self) -> bool:
        return self._total is None

    def stop_counting(self) -> None:
        """Before the book is closed: no count reads it any more (nor starts)."""
        self._count_soon.stop()
        self.counter.cancel(self.query.conn if self.query is not None else None)

    def _counted(self, generation: int, count: int) -> None:
        if generation != self.counter.generation or self._total is not None:
            return  # a newer filter or search came since
        self._total = max(count, len(self.rows))
        if self.on_counted is not None:
            self.on_counted()

    def set_filter(self, filter_: str) -> None:
        self.filter = filter_
        self.reload()

    def set_search(self, text: str) -> None:
        self.search = text
        self.reload(narrows=self.query)

    # -- Qt's model interface
    def rowCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=DISPLAY):
        """The titles of header_model, for whoever asks the model itself (a screen reader's view of the table)."""
        from PySide6.QtCore import Qt

        if orientation == Qt.Orientation.Horizontal:
            if role == DISPLAY:
                return COLUMNS[section][1]
            if role == ALIGNMENT and COLUMNS[section][2]:
                return RIGHT
        return None

    def canFetchMore(self, parent=NO_PARENT) -> bool:
        return not parent.isValid() and (self._total is None or len(self.rows) < self._total)

    def fetchMore(self, parent=NO_PARENT) -> None:
        if parent.isValid() or self.query is None:
            return
        more = self.query.page(sort=self.sort_key, descending=self.descending, offset=len(self.rows), limit=PAGE)
        if len(more) < PAGE:  # the last page: all are read, whatever the count says
            self._count_soon.stop()
            self.counter.cancel(self.query.conn)
            self._total = len(self.rows) + len(more)
            if self.on_counted is not None:
                self.on_counted()
        if not more:
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()

    def sort(self, column: int, order=None) -> None:
        from PySide6.QtCore import Qt  # (here: the view sorts only once it has been painted)

        key, descending = COLUMN_KEYS[column], order == Qt.SortOrder.DescendingOrder
        if self.query is not None and (key, descending) == (self.sort_key, self.descending):
            return  # the view asks again for the order it has
        self.sort_key, self.descending = key, descending
        if self.query is not None:  # before the first load the view is only setting its indicator
            self.reload()

    def data(self, index: QModelIndex, role=DISPLAY):
        if not index.isValid():
            return None
        column = index.column()
        if role in (DISPLAY, ACCESSIBLE):
            return self._text(self.rows[index.row()], COLUMN_KEYS[column])
        if role == ALIGNMENT:
            return RIGHT if COLUMNS[column][2] else LEFT
        if role == ID_ROLE:
            return self.rows[index.row()].id
        if column != NEXT:
            return None
        row = self.rows[index.row()]
        if role == TOOLTIP and row.next_kind:
            text = formatting.deadline(row.next_due, row.next_kind, self.today)[0]
            state = deadline_state(row, self.today)
            return f"{formatting.STATES[state][2]}: {text}" if state else text
        if role in (FOREGROUND, DECORATION):
            # Needs attention: colour *and* an icon of its own shape for overdue, due today and coming up, and
            # the words ("overdue since", "today"), never colour alone.
            state = deadline_state(row, self.today)
            if state is None:
                return None
            icon_name, colour, _words = formatting.STATES[state]
            if role == FOREGROUND:  # (a colour, which Qt paints the text with as with a brush: the first QBrush
                # made in a process costs PySide6 about 50 ms of setting up, here on the window's first paint)
                return QColor(appearance.colour(colour))
            from desktop.icons import icon

            return icon(icon_name, appearance.colour(colour))
        return None

    def _text(self, row: ContractRow, key: str) -> str:
        if key == "title":
            return row.title
        if key == "freelancer":
            return row.freelancer
        if key == "status":
            return status_text(row, self.today)
        if key == "currency":
            return row.currency
        if key in ("budget", "escrow", "paid", "refunded"):
            return formatting.money(getattr(row, key), row.currency)
        if key == "started":
            return formatting.day(row.started_on)
        if key == "ended":
            return formatting.day(row.ended_on)
        if key == "next":
            return formatting.deadline(row.next_due, row.next_kind, self.today, short=True)[0]
        return ""

    # -- after an operation: one row, not the whole table
    def row_of(self, contract_id: int) -> int | None:
        for i, row in enumerate(self.rows):
            if row.id == contract_id:
                return i
        return None

    def contract_changed(self, contract_id: int) -> None:
        """Update, insert or remove one contract's row after an operation changed it."""
        i = self.row_of(contract_id)
        belongs = self.query is not None and self.query.includes(contract_id)
        fresh = contract_row(self.query.conn, contract_id, self.today) if belongs else None
        if i is not None and fresh is not None:
            self.rows[i] = fresh
            self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))
        elif i is not None:
            self.beginRemoveRows(QModelIndex(), i, i)
            del self.rows[i]
            if self._total is not None:
                self._total -= 1
            self.endRemoveRows()
        elif fresh is not None:
            # A new contract: shown at the top until the next sort puts it in its place.
            self.beginInsertRows(QModelIndex(), 0, 0)
            self.rows.insert(0, fresh)
            if self._total is not None:
                self._total += 1
            self.endInsertRows()


def deadline_state(row: ContractRow, today: date | None = None) -> str | None:
    """How the row's Next deadline stands (formatting.STATES), when it needs attention (the filter's condition,
    read with the row: models.browse.NEXT_DEADLINE)."""
    return formatting.deadline_state(row.next_due, row.next_kind, today or date.today(), row.next_attention)


def overdue_colour() -> QColor:
    """Red that reads on a light or a dark window."""
    return QColor(appearance.colour("overdue"))
