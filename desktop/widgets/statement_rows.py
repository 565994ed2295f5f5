"""The rows of a reconciliation (models/reconcile.py) as a table model that pages through SQL, and how each
cell reads: the reconcile dialog and the contract page's Statement tab show it."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from desktop import formatting
from models import reconcile as rc
from models.labels import ENTRY_KINDS

FIRST_PAGE = 200  # rows read when the view is filled again
PAGE = 500  # more as the table scrolls near the end of what it has
NO_PARENT = QModelIndex()
DISPLAY = int(Qt.ItemDataRole.DisplayRole)
ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

# (key, header, right-aligned?)
COLUMNS = [
    ("status", "Status", False),
    ("day", "Date", False),
    ("type", "Type", False),
    ("description", "Description", False),
    ("contract", "Contract", False),
    ("amount", "Amount", True),
    ("books_day", "Books date", False),
    ("books_amount", "Books amount", True),
    ("difference", "Difference", True),
]
COLUMN_KEYS = [c[0] for c in COLUMNS]
CONTRACT_COLUMN = COLUMN_KEYS.index("contract")
DESCRIPTION_COLUMN = COLUMN_KEYS.index("description")
WIDTHS = {"status": 150, "day": 96, "type": 130, "contract": 170, "amount": 104, "books_day": 96,
          "books_amount": 110, "difference": 110}  # fmt: skip


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def difference_text(row: rc.Row) -> str:
    """The difference column: money for amounts, days for dates."""
    if row.status == rc.AMOUNT_DIFFERS:
        return formatting.money(row.difference, row.currency)
    if row.status == rc.DATE_DIFFERS and row.difference:
        n = abs(row.difference)
        return f"{plural(n, 'day')} {'later' if row.difference > 0 else 'earlier'}"
    return ""


def cell_text(row: rc.Row, key: str) -> str:
    if key == "status":
        return rc.STATUS_WORDS.get(row.status, row.status)
    if key == "day":
        return formatting.day(row.day)
    if key == "type":
        return row.type or ENTRY_KINDS.get(row.kind, "")  # in the books only: the entry's kind
    if key == "description":
        return " ".join(row.description.split())
    if key == "contract":
        return row.contract
    if key == "amount":
        return formatting.money(row.amount, row.currency)
    if key == "books_day":
        return formatting.day(row.books_day)
    if key == "books_amount":
        return formatting.money(row.books_amount, row.currency)
    return difference_text(row)


class StatementRowsModel(QAbstractTableModel):
    """The reconciliation's rows of some statuses (and of one contract, or all), paged through SQL
    (models.reconcile.page): the first page on `reload`, more as the view scrolls (canFetchMore/fetchMore)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[rc.Row] = []
        self.statuses: tuple[str, ...] | None = rc.DIFFERENCES
        self.contract: int | None = None
        self.total = 0

    def reload(self, statuses: tuple[str, ...] | None, contract: int | None, total: int) -> None:
        """Read the first page again; `total` is how many rows these statuses have (from models.reconcile.counts)."""
        self.beginResetModel()
        self.statuses, self.contract, self.total = statuses, contract, total
        self.rows = rc.page(statuses, contract=contract, limit=FIRST_PAGE) if total else []
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self.rows, self.total = [], 0
        self.endResetModel()

    def rowCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=DISPLAY):
        if orientation == Qt.Orientation.Horizontal:
            if role == DISPLAY:
                return COLUMNS[section][1]
            if role == ALIGNMENT:
                return RIGHT if COLUMNS[section][2] else LEFT
        return None

    def canFetchMore(self, parent=NO_PARENT) -> bool:
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent=NO_PARENT) -> None:
        if parent.isValid():
            return
        more = rc.page(self.statuses, contract=self.contract, offset=len(self.rows), limit=PAGE)
        if not more:
            self.total = len(self.rows)
            return
        self.beginInsertRows(NO_PARENT, len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()

    def data(self, index: QModelIndex, role=DISPLAY):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = COLUMN_KEYS[index.column()]
        if role in (DISPLAY, ACCESSIBLE):
            return cell_text(row, key)
        if role == ALIGNMENT:
            return RIGHT if COLUMNS[index.column()][2] else LEFT
        if role == TOOLTIP:
            if index.column() == DESCRIPTION_COLUMN and row.description.strip():
                return f"{' '.join(row.description.split())}\n\n{row.words()}"
            return row.words()
        return None
