"""What needs attention: the book's running clocks, and what the marketplace did while the book was closed.

AttentionPanel lists queries.attention(today), soonest first, one line per clock in the client's words, each
naming what it is about ("Refund window for the payment of $100.00 on 10 Mar 2026 on “Logo” closes in 5 days
— 6 Sep 2026"), grouped by kind and by contract with counts. Overdue, due today and coming up each have an icon
of their own shape and a colour of their own, and say so in words, never by colour alone. Activating a line
(double click or Enter) asks the window to open what it is about: open_requested(kind, contract_id, ref).
The panel only reads. What the marketplace did meanwhile is offered by desktop/dialogs/overdue_events.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import formatting
from desktop.icons import icon
from desktop.widgets import appearance
from models import queries
from models.clock import end_of_day
from models.entities import Clock

LIMIT = 200  # the panel shows at most this many lines, then "…and N more"
EMPTY = "Nothing needs attention."
ITEM_ROLE = Qt.ItemDataRole.UserRole  # on each clock's line: (kind, contract_id, ref)
STATE_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # on each clock's line: formatting.OVERDUE, DUE_TODAY or SOON


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
        of = f"“{item.milestone}” on {title}" if item.milestone else title
        return f"Review period of {of} {verb} {when} (automatic release) — {on}"
    if kind == Clock.ESCROW_REPLY:
        request = ""
        if item.request is not None:
            amount, currency, asked_on = item.request
            request = f" of {formatting.money(amount, currency)} (asked {formatting.day(asked_on)})"
        return f"Escrow refund reply{request} for {title} {'was' if late else 'is'} due {when} — {on}"
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
            paid_for = f" for “{item.milestone}”" if item.milestone else ""
            payment = f"the payment of {formatting.money(amount, currency)}{paid_for} on {formatting.day(paid_on)}"
        if kind == Clock.REFUND_WINDOW:
            return f"Refund window for {payment} on {title} {'closed' if late else 'closes'} {when} — {on}"
        verb = "ended" if late else "end"
        return f"Refunds through the marketplace's support for {payment} on {title} {verb} {when} — {on}"
    if kind == Clock.FEEDBACK:
        closes = end_of_day(item.due)  # the marketplace counts this window in UTC (R10)
        return f"Feedback for {title} {'closed' if late else 'closes'} {when} — {on}, {closes:%H:%M} UTC"
    if kind == Clock.CLOSEOUT:
        return f"Closeout of {title} {'was' if late else 'is'} due {when} — {on}: {_open_items(item)}"
    if kind == Clock.DORMANT:
        return dormant_text(item, today)
    return f"{item.label}: {title} — {on}"


def _open_items(item: queries.AttentionItem) -> str:
    """ "1 item open: Leave feedback", "3 items open: Leave feedback and 2 more" (the tooltip lists them all)"""
    n = len(item.open_items)
    if n == 0:
        return "items open"
    if n == 1:
        return f"1 item open: {item.open_items[0]}"
    return f"{n} items open: {item.open_items[0]} and {n - 1} more"


def dormant_text(item: queries.AttentionItem, today: date) -> str:
    """A dormant contract's line: "Dormant since 30 May 2027: nothing recorded on “Logo” for 90 days"."""
    title = f"“{item.contract_title}”"
    since = formatting.day(item.due)
    if item.due > today:  # (the panel lists it from that day on; the contract page shows it ahead)
        return f"{title} becomes dormant {_ahead((item.due - today).days)} if nothing is recorded — {since}"
    quiet = f" for {item.dormant_after_days + (today - item.due).days} days" if item.dormant_after_days else ""
    return f"Dormant since {since}: nothing recorded on {title}{quiet}"


def is_overdue(item: queries.AttentionItem, today: date) -> bool:
    """A deadline that passed (closeout: the last day of its grace after the ending, R11). A dormant contract is
    a state that lasts until something is recorded, not a deadline missed."""
    return formatting.deadline_state(item.due, item.kind, today) == formatting.OVERDUE


# Each kind's group in the panel, in the client's words.
GROUPS = {
    Clock.REVIEW: "Review periods ending",
    Clock.ESCROW_REPLY: "Escrow refund replies due",
    Clock.DISPUTE_ANSWER: "Dispute answers due",
    Clock.MEDIATION: "Mediations ending",
    Clock.DISPUTE_PROPOSAL: "Mediators' proposals due",
    Clock.DISPUTE_ACCEPTANCE: "Proposals to accept",
    Clock.REFUND_WINDOW: "Refund windows closing",
    Clock.SUPPORT_REFUND: "Refunds through support ending",
    Clock.FEEDBACK: "Feedback windows closing",
    Clock.CLOSEOUT: "Closeouts due",
    Clock.DORMANT: "Dormant contracts",
}


def _counted(text: str, n: int, overdue: int = 0) -> str:
    """ "Refund windows closing — 12, 2 overdue" """
    return f"{text} — {n}" + (f", {overdue} overdue" if overdue else "")


def _tooltip(item: queries.AttentionItem, text: str, overdue: bool) -> str:
    lines = [("Overdue: " if overdue else "") + text]
    if item.kind == Clock.FEEDBACK:
        lines.append(f"Your time: {formatting.local_time(end_of_day(item.due))}")
    lines += [f"• {label}" for label in item.open_items]
    lines.append("Double-click or press Enter to open the contract.")
    return "\n".join(lines)


class _Wrapping(QStyledItemDelegate):
    """Each line as tall as its sentence wrapped to the panel's width (a tree view measures rows unwrapped)."""

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        view = self.parent()
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        depth, parent = 0, index.parent()
        while parent.isValid():
            depth, parent = depth + 1, parent.parent()
        width = view.header().sectionSize(0) - view.indentation() * (depth + 1)
        opt.rect = QRect(0, 0, max(width, 80), 10_000)  # (a style wraps only in a valid rectangle)
        opt.features |= QStyleOptionViewItem.ViewItemFeature.WrapText
        return view.style().sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, opt, QSize(), view)


def _unselectable(text: str, *, bold: bool = False, italic: bool = False) -> QTreeWidgetItem:
    item = QTreeWidgetItem([text])
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
    font = item.font(0)
    font.setBold(bold)
    font.setItalic(italic)
    item.setFont(0, font)
    return item


WIDTH_CHARS = 60  # the panel's width when it first opens, in average characters


class AttentionPanel(QWidget):
    """The book's "needs attention" list, grouped by kind and, within a kind, by contract (when a contract has
    more than one line of that kind), each group header with its count; groups collapse (Left/Right or a
    click on the arrow). Reads only; `refresh()` after any change to the book."""

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

        self.list = QTreeWidget()
        self.list.setObjectName("attentionList")
        self.list.setAccessibleName("Needs attention")
        self.list.setAccessibleDescription("Deadlines grouped by kind and contract; Enter opens the contract")
        self.list.setHeaderHidden(True)
        self.list.setColumnCount(1)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setAlternatingRowColors(True)
        self.list.setUniformRowHeights(False)
        self.list.setWordWrap(True)  # whole sentences: rows grow to their wrapped text, laid out again on a resize
        self.list.setItemDelegate(_Wrapping(self.list))
        self.list.header().sectionResized.connect(lambda *_: self.list.scheduleDelayedItemsLayout())
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

    def sizeHint(self) -> QSize:
        """Wide enough for a line of about 60 characters (the dock opens at this width; the user can narrow it
        down to its minimum)."""
        return QSize(self.fontMetrics().averageCharWidth() * WIDTH_CHARS, super().sizeHint().height())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self.refresh()

    def today(self) -> date:
        return self._today() if self._today is not None else date.today()

    def refresh(self) -> None:
        today = self.today()
        self.items = queries.attention(today, limit=LIMIT)
        counts = queries.attention_counts(today) if len(self.items) >= LIMIT else {}
        if not counts:
            for item in self.items:
                counts[item.kind] = counts.get(item.kind, 0) + 1
        self.total = sum(counts.values())
        self.list.clear()
        # kind -> contract -> its lines, each in the order of its soonest line
        grouped: dict[str, dict[int, list[queries.AttentionItem]]] = {}
        for item in self.items:
            grouped.setdefault(item.kind, {}).setdefault(item.contract_id, []).append(item)
        overdue_total = 0
        for kind, contracts in grouped.items():
            lines = [item for per in contracts.values() for item in per]
            overdue = sum(is_overdue(item, today) for item in lines)
            overdue_total += overdue
            complete = len(lines) == counts.get(kind, len(lines))
            group = self._group(_counted(GROUPS.get(kind, kind), counts.get(kind, len(lines)), overdue * complete))
            self.list.addTopLevelItem(group)
            for per in contracts.values():
                parent = group
                if len(per) > 1:
                    late = sum(is_overdue(item, today) for item in per)
                    parent = self._group(_counted(f"“{per[0].contract_title}”", len(per), late))
                    group.addChild(parent)
                for item in per:
                    parent.addChild(self._line(item, today))
            if not complete:
                group.addChild(self._note(f"…and {counts[kind] - len(lines)} more"))
        for kind, n in counts.items():  # kinds none of whose lines are among the first shown
            if kind not in grouped:
                group = self._group(_counted(GROUPS.get(kind, kind), n))
                group.addChild(self._note(f"…and {n} more"))
                self.list.addTopLevelItem(group)
        more = self.total - len(self.items)  # (each group says how many more of its kind)
        if not self.items and not self.total:
            self.list.addTopLevelItem(self._note(EMPTY))
        self.list.expandAll()
        self.header.setText(self._header_text(overdue_total, complete=more <= 0 or overdue_total < len(self.items)))
        first = self.line_items()
        if first:
            self.list.setCurrentItem(first[0])

    def _header_text(self, overdue: int, *, complete: bool) -> str:
        if self.total == 0:
            return "Needs attention"
        text = f"{self.total} thing{'s need' if self.total != 1 else ' needs'} attention"
        if overdue and complete:
            text += f", {overdue} overdue"
        return text

    def _line(self, item: queries.AttentionItem, today: date) -> QTreeWidgetItem:
        text = attention_text(item, today)
        state = formatting.deadline_state(item.due, item.kind, today)
        icon_name, colour, words = formatting.STATES[state]
        line = QTreeWidgetItem([text])
        line.setIcon(0, icon(icon_name, appearance.colour(colour)))
        line.setForeground(0, QBrush(QColor(appearance.colour(colour))))
        line.setData(0, ITEM_ROLE, (item.kind, item.contract_id, item.ref))
        line.setData(0, STATE_ROLE, state)
        line.setToolTip(0, _tooltip(item, text, state == formatting.OVERDUE))
        line.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"{words}: {text}")
        return line

    def _group(self, text: str) -> QTreeWidgetItem:
        """A group's header: its name and count; not selectable, so arrows walk the lines and Left collapses."""
        group = _unselectable(text, bold=True)
        group.setData(0, Qt.ItemDataRole.AccessibleTextRole, text.replace(" — ", ": "))
        return group

    def _note(self, text: str) -> QTreeWidgetItem:
        """A line that is not a clock: not selectable, opens nothing."""
        return _unselectable(text, italic=True)

    def _activated(self, line: QTreeWidgetItem, _column: int = 0) -> None:
        data = line.data(0, ITEM_ROLE)
        if data:
            kind, contract_id, ref = data
            self.open_requested.emit(kind, contract_id, ref)

    def _walk(self) -> list[QTreeWidgetItem]:
        out: list[QTreeWidgetItem] = []

        def visit(node: QTreeWidgetItem) -> None:
            out.append(node)
            for i in range(node.childCount()):
                visit(node.child(i))

        for i in range(self.list.topLevelItemCount()):
            visit(self.list.topLevelItem(i))
        return out

    def line_items(self) -> list[QTreeWidgetItem]:
        """The clocks' lines (not the group headers nor the notes), in the order shown."""
        return [node for node in self._walk() if node.data(0, ITEM_ROLE)]

    def lines(self) -> list[str]:
        """Every line as shown, the notes included, without the group headers."""
        return [node.text(0) for node in self._walk() if node.childCount() == 0]

    def groups(self) -> list[str]:
        """Every group header as shown (kinds, and contracts within a kind), in order."""
        return [node.text(0) for node in self._walk() if node.childCount() > 0]
