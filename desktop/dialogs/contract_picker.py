"""Which contract a statement row belongs to, when several fit it (or none): the client picks one.

The contracts offered are those in the row's currency, the row's freelancer's first, searched by title,
freelancer or reference in SQL (never a whole book in a list). The choice is handed back; the reconcile
view records it (models.reconcile.choose_contract).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import formatting
from desktop.widgets.fields import action_and_cancel
from desktop.widgets.screen_fit import keep_on_screen

SHOWN = 200  # contracts listed at most; typing narrows them
SEARCH_DELAY_MS = 150


def find_contracts(currency: str, text: str = "", freelancer: str = "", limit: int = SHOWN) -> list[tuple]:
    """(id, title, freelancer, reference, started) of contracts in `currency` whose title, freelancer or
    reference holds `text`; the row's `freelancer`'s first, then by title."""
    from models.entities import database

    like = "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return database.execute_sql(
        """SELECT c.id, c.title, f.name, c.external_id, c.started_on FROM contract c
           JOIN freelancer f ON f.id = c.freelancer_id
           WHERE c.currency = ? AND (c.title LIKE ? ESCAPE '\\' OR f.name LIKE ? ESCAPE '\\'
                                     OR c.external_id LIKE ? ESCAPE '\\')
           ORDER BY lower(f.name) = lower(?) DESC, c.title, c.id LIMIT ?""",
        (currency, like, like, like, freelancer.strip(), limit),
    ).fetchall()


class ContractPickerDialog(QDialog):
    """A search box and the contracts it finds; `chosen` is the contract picked (None: none)."""

    def __init__(self, parent: QWidget | None, *, currency: str, freelancer: str = "", what: str = ""):
        super().__init__(parent)
        keep_on_screen(self)  # never larger than the screen
        self.setObjectName("contractPickerDialog")
        self.setWindowTitle("Choose the Contract")
        self.setAccessibleName("Choose the contract")
        self.currency = currency
        self.freelancer = freelancer
        self.chosen: int | None = None

        intro = QLabel(what or f"Which contract in {currency} does this row belong to?")
        intro.setObjectName("pickerIntro")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.search = QLineEdit()
        self.search.setObjectName("contractSearch")
        self.search.setAccessibleName("Search contracts")
        self.search.setPlaceholderText("Search title, freelancer or contract id")
        self.search.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.fill)
        self.search.textChanged.connect(lambda _: self._timer.start())
        self.list = QListWidget()
        self.list.setObjectName("contractList")
        self.list.setAccessibleName("Contracts")
        self.list.itemSelectionChanged.connect(self._update)
        self.list.itemDoubleClicked.connect(lambda _: self.pick())
        self.more = QLabel()
        self.more.setObjectName("pickerMore")

        buttons, self.ok_button = action_and_cancel(self, "&Choose", "chooseButton", "Choose this contract", self.pick)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.more)
        layout.addWidget(buttons)
        self.resize(520, 420)
        self.fill()

    def fill(self) -> None:
        self._timer.stop()
        self.list.clear()
        found = find_contracts(self.currency, self.search.text(), self.freelancer, SHOWN + 1)
        for cid, title, who, ref, started in found[:SHOWN]:
            since = formatting.day(date.fromisoformat(str(started)[:10])) if started else ""
            line = QListWidgetItem(f"{title} — {who}" + (f" · {ref}" if ref else "") + f" · from {since}")
            line.setData(Qt.ItemDataRole.UserRole, cid)
            self.list.addItem(line)
        self.more.setText(f"The first {SHOWN} are shown: type to narrow them." if len(found) > SHOWN else "")
        if self.list.count():
            self.list.setCurrentRow(0)
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.list.selectedItems()))

    def pick(self) -> None:
        chosen = self.list.selectedItems()
        if chosen:
            self.chosen = chosen[0].data(Qt.ItemDataRole.UserRole)
            self.accept()


def pick_contract(parent: QWidget | None, row) -> int | None:
    """The picker for one reconciliation row (models.reconcile.Row): the contract chosen, or None."""
    from models.entities import StatementLine

    line = StatementLine.get_or_none(StatementLine.id == row.line_id)
    freelancer = line.freelancer if line is not None else ""
    what = (
        f"Row {row.row} of the statement, {formatting.money(row.amount, row.currency)} on {formatting.day(row.day)}"
        f" (“{' '.join(row.description.split())[:120]}”): which contract in {row.currency} does it belong to?"
    )
    dialog = ContractPickerDialog(parent, currency=row.currency, freelancer=freelancer, what=what)
    try:
        return dialog.chosen if dialog.exec() else None
    finally:
        dialog.deleteLater()
