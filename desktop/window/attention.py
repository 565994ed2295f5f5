"""What needs attention: the book's running clocks, and what the marketplace did while the book was closed.

AttentionPanel lists queries.attention(today), soonest first, one line per clock in the client's words
("Feedback for “Logo redesign” closes in 2 days — 28 Nov 2026, 23:59 UTC"). An overdue line carries the
"overdue" icon and says so in words ("was due 3 days ago"), never by colour alone. Activating a line
(double click or Enter) asks the window to open what it is about: open_requested(kind, contract_id, ref).
The panel only reads. What the marketplace did meanwhile is offered by desktop/dialogs/overdue_events.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import formatting
from desktop.icons import icon
from models import queries
from models.clock import end_of_day
from models.entities import Clock

LIMIT = 200  # the panel shows at most this many lines, then "…and N more"
EMPTY = "Nothing needs attention."
ITEM_ROLE = Qt.ItemDataRole.UserRole  # on each clock's line: (kind, contract_id, ref)


def _ahead(days: int) -> str:
    if days == 0:
        return "today"
    return "tomorrow" if days == 1 else f"in {days} days"


def _ago(days: int) -> str:
    return "yesterday" if days == 1 else f"{days} days ago"


def attention_text(item: queries.AttentionItem, today: date) -> str:
    """One attention line in the client's words, with the date it is counted to."""
    title = f"“{item.contract_title}”"
    days = (item.due - today).days
    late = days < 0
    on = formatting.day(item.due)
    when = _ago(-days) if late else _ahead(days)
    kind = item.kind
    if kind == Clock.REVIEW:
        verb = "ended" if late else "ends"
        return f"Review period of {title} {verb} {when} (automatic release) — {on}"
    if kind == Clock.ESCROW_REPLY:
        return f"Escrow refund reply for {title} {'was' if late else 'is'} due {when} — {on}"
    if kind == Clock.DISPUTE_ANSWER:
        return f"Your answer to the dispute on {title} {'was' if late else 'is'} due {when} — {on}"
    if kind == Clock.MEDIATION:
        return f"Mediation of the dispute on {title} {'ended' if late else 'ends'} {when} — {on}"
    if kind == Clock.DISPUTE_PROPOSAL:
        return f"The mediator's proposal on the dispute on {title} {'was' if late else 'is'} due {when} — {on}"
    if kind == Clock.DISPUTE_ACCEPTANCE:
        if late:
            return f"The proposal on the dispute on {title} was to be accepted by {on}: record the arbitration"
        return f"Accepting the mediator's proposal on {title} is due {when} — {on}"
    if kind in (Clock.REFUND_WINDOW, Clock.SUPPORT_REFUND):
        payment = "a payment"
        if item.payment is not None:
            amount, currency, paid_on = item.payment
            payment = f"the payment of {formatting.money(amount, currency)} on {formatting.day(paid_on)}"
        if kind == Clock.REFUND_WINDOW:
            return f"Refund window for {payment} on {title} {'closed' if late else 'closes'} {when} — {on}"
        verb = "ended" if late else "end"
        return f"Refunds through the marketplace's support for {payment} on {title} {verb} {when} — {on}"
    if kind == Clock.FEEDBACK:
        closes = end_of_day(item.due)  # the marketplace counts this window in UTC (R10)
        return f"Feedback for {title} {'closed' if late else 'closes'} {when} — {on}, {closes:%H:%M} UTC"
    if kind == Clock.CLOSEOUT:
        return f"Closeout of {title} still has open items — the contract ended {on}"
    if kind == Clock.DORMANT:
        return dormant_text(item, today)
    return f"{item.label}: {title} — {on}"


def dormant_text(item: queries.AttentionItem, today: date) -> str:
    """A dormant contract's line: "Dormant since 30 May 2027: nothing recorded on “Logo” for 90 days"."""
    title = f"“{item.contract_title}”"
    since = formatting.day(item.due)
    if item.due > today:  # (the panel lists it from that day on; the contract page shows it ahead)
        return f"{title} becomes dormant {_ahead((item.due - today).days)} if nothing is recorded — {since}"
    quiet = f" for {item.dormant_after_days + (today - item.due).days} days" if item.dormant_after_days else ""
    return f"Dormant since {since}: nothing recorded on {title}{quiet}"


def is_overdue(item: queries.AttentionItem, today: date) -> bool:
    """A deadline that passed. Closeout has no deadline (its date is when the contract ended); a dormant
    contract is a state that lasts until something is recorded, not a deadline missed."""
    return item.kind not in (Clock.CLOSEOUT, Clock.DORMANT) and item.overdue(today)


def _tooltip(item: queries.AttentionItem, text: str, overdue: bool) -> str:
    lines = [("Overdue: " if overdue else "") + text]
    if item.kind == Clock.FEEDBACK:
        lines.append(f"Your time: {formatting.local_time(end_of_day(item.due))}")
    lines.append("Double-click or press Enter to open the contract.")
    return "\n".join(lines)


class AttentionPanel(QWidget):
    """The book's "needs attention" list. Reads only; `refresh()` after any change to the book."""

    open_requested = Signal(str, int, object)  # kind, contract_id, ref (milestone, request, dispute, payment or None)

    def __init__(self, parent: QWidget | None = None, today: Callable[[], date] | None = None):
        super().__init__(parent)
        self.setObjectName("attentionPanel")
        self._today = today
        self.items: list[queries.AttentionItem] = []
        self.total = 0

        self.header = QLabel()
        self.header.setObjectName("attentionHeader")
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)

        self.list = QListWidget()
        self.list.setObjectName("attentionList")
        self.list.setAccessibleName("Needs attention")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(1)
        self.list.setIconSize(QSize(20, 20))
        self.list.itemActivated.connect(self._activated)
        self.header.setBuddy(self.list)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.header)
        layout.addWidget(self.list, 1)
        # Filled when first shown, not when built: the panel starts hidden, and on a big book its
        # list costs more than the whole window's first paint.

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self.refresh()

    def today(self) -> date:
        return self._today() if self._today is not None else date.today()

    def refresh(self) -> None:
        today = self.today()
        self.items = queries.attention(today, limit=LIMIT)
        self.total = len(self.items) if len(self.items) < LIMIT else queries.attention_count(today)
        self.list.clear()
        overdue = 0
        for item in self.items:
            text = attention_text(item, today)
            late = is_overdue(item, today)
            overdue += late
            line = QListWidgetItem(icon("overdue" if late else "attention"), text)
            line.setData(ITEM_ROLE, (item.kind, item.contract_id, item.ref))
            line.setToolTip(_tooltip(item, text, late))
            line.setData(Qt.ItemDataRole.AccessibleTextRole, ("Overdue: " if late else "") + text)
            self.list.addItem(line)
        more = self.total - len(self.items)
        if more > 0:
            self.list.addItem(self._note(f"…and {more} more"))
        if not self.items:
            self.list.addItem(self._note(EMPTY))
        self.header.setText(self._header_text(overdue, complete=more <= 0 or overdue < len(self.items)))
        if self.items:
            self.list.setCurrentRow(0)

    def _header_text(self, overdue: int, *, complete: bool) -> str:
        if self.total == 0:
            return "Needs attention"
        text = f"{self.total} thing{'s need' if self.total != 1 else ' needs'} attention"
        if overdue and complete:
            text += f", {overdue} overdue"
        return text

    def _note(self, text: str) -> QListWidgetItem:
        """A line that is not a clock: not selectable, opens nothing."""
        note = QListWidgetItem(text)
        note.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = note.font()
        font.setItalic(True)
        note.setFont(font)
        return note

    def _activated(self, line: QListWidgetItem) -> None:
        data = line.data(ITEM_ROLE)
        if data:
            kind, contract_id, ref = data
            self.open_requested.emit(kind, contract_id, ref)

    def lines(self) -> list[str]:
        """Every line as shown, the notes included."""
        return [self.list.item(i).text() for i in range(self.list.count())]
