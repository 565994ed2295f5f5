"""The table models of the Reports window: a report's rows (`ReportModel`) and the ledger entries behind a figure
(`EntriesModel`). Neither builds a widget per row; both read more rows as the view scrolls when the rows come a
page at a time.

A report is already added up (a few hundred rows at most, except by contract or by freelancer on a big book), so
`ReportModel` sorts the rows it holds in Python; the totals stay at the bottom whatever the order. When the rows
come a page at a time (a report by contract or freelancer on a big book), sorting is asked of the report itself
(`sort_pages`), which orders them largest first; or, where it cannot, the rest of its rows are read first.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from desktop import formatting
from desktop.widgets.appearance import colour
from models import reports
from models.labels import ENTRY_KINDS
from models.report_views import COLUMN_TITLES, FLAG_WORDS, period_words
from models.reports import HomeAmount, HomeRow, Row

DISPLAY = Qt.ItemDataRole.DisplayRole
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # the value a column sorts by
KEY_ROLE = int(Qt.ItemDataRole.UserRole) + 2  # (row key, column key, currency or None) of a cell
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
NO_PARENT = QModelIndex()
MISSING = "rate missing"


def amount_text(figure: int | HomeAmount, currency: str) -> str:
    """A figure as shown: its money; a converted one that lacks a rate says so in words."""
    if isinstance(figure, HomeAmount):
        text = formatting.money(figure.amount, figure.currency)
        return text if figure.complete else f"⚠ {text}, {MISSING}"
    return formatting.money(figure, currency)


def conversion_words(figure: HomeAmount) -> str:
    """How a converted figure was reached: the rates and days it used, and each amount that had no rate."""
    lines = []
    used = figure.rates_used
    for cur, period, quoted in used[:6]:
        lines.append(f"1 {cur} = {quoted} {figure.currency} (rate of {period})")
    if len(used) > 6:
        lines.append(f"…and {len(used) - 6:,} more rates, {sorted(p for _, p, _ in used)[0]} to "
                     f"{sorted(p for _, p, _ in used)[-1]}")  # fmt: skip
    if not used and figure.parts:
        lines.append(f"Recorded in {figure.currency}: no rate needed.")
    missing = figure.missing
    for m in missing[:6]:
        lines.append(f"⚠ Left out, {formatting.money(m.from_amount, m.from_currency)}: {m.reason}.")
    if len(missing) > 6:
        lines.append(f"⚠ …and {len(missing) - 6:,} more amounts without a rate.")
    return "\n".join(lines)


def share_text(fees: int | HomeAmount, spend: int | HomeAmount) -> str:
    f = fees.amount if isinstance(fees, HomeAmount) else fees
    s = spend.amount if isinstance(spend, HomeAmount) else spend
    share = reports.fee_share(f, s)
    return "—" if share is None else f"{float(share) * 100:.1f}%"


def _sort_value(figure) -> int:
    return figure.amount if isinstance(figure, HomeAmount) else figure


def _groups_in(rows: list) -> int:
    """How many groups the rows are of (a group's rows, one per currency, come together)."""
    return len(dict.fromkeys(r.key for r in rows))


class ReportModel(QAbstractTableModel):
    """A report's rows (`Row`s per currency, or `HomeRow`s in the home currency) and its totals last."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[Row | HomeRow] = []
        self.totals: list[Row | HomeRow] = []
        self.columns: list[str] = []
        self.group_title = ""
        self.groups = 0  # how many rows the report has in all; while paging, how many groups (more than read)
        self.read = 0  # while paging, how many groups (contracts, freelancers) `rows` holds
        # paging: the next page (or all the rest) from a group; None when it is read apart (add_rows, when it comes)
        self.more: Callable[[int, bool], list | None] | None = None
        self.waiting = False  # rows are being read on a worker thread: no other page is asked for meanwhile
        self.sort_pages: Callable[[str | None], bool] | None = None  # paging: the report orders its pages (True)
        self.sort_when_read: tuple[int, Qt.SortOrder] | None = None  # the rest being read apart: then sorted so
        self.periods = False  # the rows' keys are periods ("2026-03")
        self.flag_rows: dict[str, Row] = {}  # budget in the home currency: each contract's row in its own currency
        self.home: str | None = None  # the rows are in the home currency (the headings name it)

    # ------------------------------------------------------------ filling
    def set_rows(self, columns, group_title, rows, totals, *, periods=False, groups=None, more=None) -> None:
        self.beginResetModel()
        self.columns = ["label", "currency", *columns]
        self.group_title = group_title
        self.rows = list(rows)
        self.totals = list(totals)
        self.periods = periods
        self.home = self.rows[0].currency if self.rows and isinstance(self.rows[0], HomeRow) else None
        self.groups = len(self.rows) if groups is None else groups
        self.read = _groups_in(self.rows)
        self.more = more
        self.waiting = False
        self.sort_when_read = None
        self.endResetModel()

    def set_count(self, groups: int) -> None:
        """How many rows the report has, counted after its first page (never fewer than those read)."""
        self.groups = max(groups, self.read)

    def set_totals(self, totals) -> None:
        """The totals, added up after the first page (in place of those shown)."""
        at = len(self.rows)
        if self.totals:
            self.beginRemoveRows(NO_PARENT, at, at + len(self.totals) - 1)
            self.totals = []
            self.endRemoveRows()
        if totals:
            self.beginInsertRows(NO_PARENT, at, at + len(totals) - 1)
            self.totals = list(totals)
            self.endInsertRows()

    def canFetchMore(self, parent=NO_PARENT) -> bool:
        return not parent.isValid() and self.more is not None and self.read < self.groups and not self.waiting

    def fetchMore(self, parent=NO_PARENT, *, rest: bool = False) -> None:
        """The next page of rows (`rest`: all of them still unread), or, when `more` reads it apart, nothing yet:
        `add_rows` adds it when it comes."""
        if self.waiting:
            return
        self.waiting = True
        try:
            rows = self.more(self.read, rest) if self.more else []
        except BaseException:
            self.waiting = False  # (nothing is being read after all)
            raise
        if rows is not None:
            self.add_rows(rows)

    def add_rows(self, rows: list, *, every: bool = False) -> None:
        """The page read (none: every row is read; `every`: the rows are all the rest), then sorted if a heading
        asked for it meanwhile (`sort_when_read`)."""
        self.waiting = False
        if rows:
            at = len(self.rows)
            self.beginInsertRows(NO_PARENT, at, at + len(rows) - 1)
            self.rows.extend(rows)
            self.read += _groups_in(rows)
            self.endInsertRows()
        if every or not rows:
            self.groups = self.read
        if self.sort_when_read is not None and not self.canFetchMore():
            column, order = self.sort_when_read
            self.sort_when_read = None
            self.sort(column, order)

    # ------------------------------------------------------------ reading
    def rowCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.rows) + len(self.totals)

    def columnCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def row_at(self, i: int) -> Row | HomeRow:
        return self.rows[i] if i < len(self.rows) else self.totals[i - len(self.rows)]

    def is_total(self, i: int) -> bool:
        return i >= len(self.rows)

    def title(self, column: str, home: str | None = None) -> str:
        if column == "label":
            return self.group_title
        if column == "currency":
            return "Currency"
        if self.home is not None and column not in ("flag", "share"):
            return f"{COLUMN_TITLES.get(column, column)} ({self.home})"
        if column == "flag":
            return "Against budget"
        return COLUMN_TITLES.get(column, column)

    def headerData(self, section, orientation, role=DISPLAY):
        if orientation == Qt.Orientation.Horizontal and role in (DISPLAY, Qt.ItemDataRole.AccessibleTextRole):
            return self.title(self.columns[section])
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if self.columns[section] not in ("label", "currency", "flag") else LEFT
        return None

    def figure(self, row, column: str):
        if column == "share":
            return None
        return row.figures.get(column)

    def label(self, row) -> str:
        if not row.key:
            return "Total" if isinstance(row, Row) else f"Total in {row.currency}"
        return period_words(row.label) if self.periods else row.label

    def currency_text(self, row) -> str:
        return row.currency

    def converted_from(self, row) -> str:
        """ "Converted from USD, GBP into EUR" for a row in the home currency ("" for one as recorded)."""
        if not isinstance(row, HomeRow):
            return ""
        seen = [c for c in dict.fromkeys(p.from_currency for f in row.figures.values() for p in f.parts)]
        others = [c for c in seen if c != row.currency]
        if not others:
            return f"Recorded in {row.currency}" if seen else ""
        return f"Converted into {row.currency} from {', '.join(others)}" + (
            f", with amounts recorded in {row.currency}" if row.currency in seen else ""
        )

    def text(self, row, column: str) -> str:
        if column == "label":
            return self.label(row)
        if column == "currency":
            return self.currency_text(row)
        if column == "flag":
            return self.flag_text(row)
        if column == "share":
            return share_text(row.figures["fees"], row.figures["spend"])
        figure = self.figure(row, column)
        return "" if figure is None else amount_text(figure, row.currency)

    def flag_of(self, row) -> str:
        if isinstance(row, HomeRow):
            own = self.flag_rows.get(row.key)
            return own.flag if own is not None else ""
        return row.flag

    def flag_text(self, row) -> str:
        """Over, under or on budget, in words (decided in the contract's own currency)."""
        if isinstance(row, HomeRow):
            row = self.flag_rows.get(row.key, row)
        flag = getattr(row, "flag", "")
        if flag == reports.OVER:
            return f"⚠ Over budget by {formatting.money(-row.figures['left'], row.currency)}"
        return FLAG_WORDS.get(flag, "")

    def data(self, index, role=DISPLAY):
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        column = self.columns[index.column()]
        if role == DISPLAY or role == Qt.ItemDataRole.AccessibleTextRole:
            return self.text(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if column in ("label", "currency", "flag") else RIGHT
        if role == Qt.ItemDataRole.FontRole and self.is_total(index.row()):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            figure = self.figure(row, column) if column not in ("label", "currency", "flag") else None
            over = column == "flag" and self.flag_of(row) == reports.OVER
            if over or (isinstance(figure, HomeAmount) and not figure.complete):
                return QColor(colour("warning"))  # (the words say it too: "⚠ Over budget", "rate missing")
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "label":
                return "\n".join(t for t in (self.label(row), self.converted_from(row)) if t)
            if column == "currency":
                return self.converted_from(row) or None
            figure = self.figure(row, column) if column not in ("currency", "flag") else None
            if isinstance(figure, HomeAmount):
                return conversion_words(figure)
            return None
        if role == SORT_ROLE:
            return self.sort_key(row, column)
        if role == KEY_ROLE:
            return row.key, column, row.currency if isinstance(row, Row) else None
        return None

    # ------------------------------------------------------------ sorting
    def sort_key(self, row, column: str):
        if column == "label":
            return (row.key if self.periods else self.label(row).casefold(), row.currency)
        if column == "currency":
            return (self.currency_text(row), row.key)
        if column == "flag":
            return (self.flag_of(row), _sort_value(row.figures.get("left", 0)))
        if column == "share":
            share = reports.fee_share(_sort_value(row.figures["fees"]), _sort_value(row.figures["spend"]))
            return (share is not None, share or 0)
        figure = self.figure(row, column)
        return (row.currency if isinstance(row, Row) and not isinstance(figure, HomeAmount) else "",
                _sort_value(figure) if figure is not None else 0)  # fmt: skip

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        key = self.columns[column] if 0 <= column < len(self.columns) else "label"
        if self.waiting and self.sort_when_read is not None:  # (every row being read already: then in this order)
            self.sort_when_read = (column, order)
            return
        if self.sort_pages is not None and (self.waiting or self.canFetchMore()):
            if self.sort_pages(key if key not in ("label", "currency", "flag", "share") else None):
                return  # (the report orders its pages, or keeps its order)
            self.fetchMore(rest=True)  # every row read, then sorted here
            if self.waiting:  # (read apart, on a worker thread: sorted when they come, `add_rows`)
                self.sort_when_read = (column, order)
                return
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(key=lambda r: self.sort_key(r, key), reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()


class EntriesModel(QAbstractTableModel):
    """The ledger entries behind a figure, by date, a page at a time (models.reports.entries_behind)."""

    HEADERS = ("Date", "Contract", "What", "Amount")
    PAGE = 100

    def __init__(self, parent=None):
        super().__init__(parent)
        self.lines: list = []
        self.count = 0
        self.fetch: Callable[[int, int], tuple[list, int]] | None = None

    def load(self, fetch: Callable[[int, int], tuple[list, int]] | None) -> None:
        self.beginResetModel()
        self.fetch = fetch
        self.lines, self.count = fetch(0, self.PAGE) if fetch else ([], 0)
        self.endResetModel()

    def canFetchMore(self, parent=NO_PARENT) -> bool:
        return not parent.isValid() and self.fetch is not None and len(self.lines) < self.count

    def fetchMore(self, parent=NO_PARENT) -> None:
        more, _ = self.fetch(len(self.lines), self.PAGE)
        if not more:
            self.count = len(self.lines)
            return
        self.beginInsertRows(NO_PARENT, len(self.lines), len(self.lines) + len(more) - 1)
        self.lines.extend(more)
        self.endInsertRows()

    def rowCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=DISPLAY):
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY:
            return self.HEADERS[section]
        return None

    def data(self, index, role=DISPLAY):
        if not index.isValid():
            return None
        e = self.lines[index.row()]
        col = index.column()
        if role in (DISPLAY, Qt.ItemDataRole.AccessibleTextRole):
            return (formatting.day(e.date), e.contract, ENTRY_KINDS.get(e.kind, e.kind),
                    formatting.money(e.amount, e.currency))[col]  # fmt: skip
        if role == Qt.ItemDataRole.ToolTipRole and col == 1:
            return e.contract
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if col == 3 else LEFT
        return None
