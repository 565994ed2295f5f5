"""Record a refund the freelancer gave against one payment (R9).

The client picks the payment from a table that shows, for each payment, its date,
amount, what has already been refunded and how much of its refund window is left
on the date the refund was received. Payments that cannot be refunded on that date
(outside the window, refunded in full, or paid later) are shown disabled with the
reason; a note says the marketplace's support may still help with older payments.
Under a policy with a support tier (the second marketplace version), a note under
the table says which tier applies to the chosen payment on the chosen day
(self-service until a date; through the marketplace's support until a date; no
longer refundable), and a "Support case" field appears in the support tier.

Full or part: a part refund is never above what is left of the payment (inline
message, OK disabled). OK calls `ops.record_refund` once; a refusal is shown at the
top and the dialog stays open with the book unchanged (R14). After OK, `.refund`
holds the refund entry.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.formatting import day, money
from desktop.widgets.fields import event_date_edit, left
from desktop.widgets.follow import ledger
from desktop.widgets.form_dialog import FormDialog, rule_message
from desktop.widgets.money_edit import MoneyEdit
from desktop.widgets.why import with_why
from models import fields, ops, queries
from models.clock import utc_today
from models.entities import Contract, LedgerEntry
from models.errors import RuleError

REFUND_DIALOG_WIDTH = 680
COLUMNS = ("Paid on", "Milestone", "Amount", "Refunded", "Refund window")
PAYMENT_ROLE = Qt.ItemDataRole.UserRole


def window_text(p: queries.Payment, on: date) -> tuple[str, bool]:
    """(what the "Refund window" column says for payment `p` on date `on`, can it be refunded then?)."""
    end = p.refund_window_ends
    if p.refundable <= 0:
        return "Refunded in full", False
    if on < p.entry.date:
        return f"Paid after {day(on)}", False
    if end is None:
        return "No time limit", True
    tier = p.tier(on)
    if tier.kind == queries.THROUGH_SUPPORT:  # R9 (v2): day 181 to 365
        return f"Via support until {day(tier.until)}", True
    if tier.kind == queries.CLOSED:
        if p.support_ends is not None:
            return f"Support ended {day(p.support_ends)}", False
        return f"Window closed on {day(end)}", False
    left = (end - on).days
    if left == 0:
        return f"Last day (until {day(end)})", True
    return f"{left} day{'s' if left != 1 else ''} left (until {day(end)})", True


def tier_text(p: queries.Payment, on: date, currency: str) -> str:
    """R9: which tier applies to payment `p` on `on`, in words, for a policy with a support tier ("" otherwise)."""
    if p.support_ends is None or p.refund_window_ends is None or on < p.entry.date:
        return ""
    paid = f"The payment of {money(p.entry.amount, currency)} on {day(p.entry.date)}"
    tier = p.tier(on)
    if tier.kind == queries.SELF_SERVICE:
        return (
            f"{paid}: you can record its refund yourself until {day(p.refund_window_ends)}; after that, "
            f"only through the marketplace's support, until {day(p.support_ends)}."
        )
    if tier.kind == queries.THROUGH_SUPPORT:
        return (
            f"{paid} can be refunded only through the marketplace's support until {day(p.support_ends)} "
            f"(self-service ended on {day(p.refund_window_ends)}): enter the support case's reference."
        )
    return f"{paid} is no longer refundable: refunds through the marketplace's support ended on {day(p.support_ends)}."


class RefundDialog(FormDialog):
    """Record a refund against one payment of `contract` (ops.record_refund); `.refund` after OK."""

    def __init__(self, contract: Contract, parent: QWidget | None = None, *, today: date | None = None):
        super().__init__(parent, name="refundDialog", title="Record a refund", ok_text="&Record refund")
        self.setMinimumWidth(REFUND_DIALOG_WIDTH)
        self.contract = Contract.get_by_id(contract.id if isinstance(contract, Contract) else contract)
        self.today = utc_today(today)
        self.refund: LedgerEntry | None = None
        self._payments: list[queries.Payment] = []
        currency = self.contract.currency
        self.window_days = self.contract.policy.refund_window_days
        self.support_days = self.contract.policy.support_refund_days  # R9 (v2): None without a support tier

        intro = QLabel(
            f"A refund from {self.contract.freelancer.name} against one payment of “{self.contract.title}”, "
            "on the day you received it."
            + (
                f" Refunds can be recorded within {self.window_days} days of a payment"
                + (
                    f", and from day {self.window_days + 1} to day {self.support_days} only through the "
                    "marketplace's support."
                    if self.support_days is not None
                    else "."
                )
                if self.window_days is not None
                else " This contract's policy has no time limit for refunds."
            )
        )
        intro.setObjectName("introLabel")
        intro.setTextFormat(Qt.TextFormat.PlainText)  # names and titles as typed
        intro.setWordWrap(True)
        self.content.insertWidget(1, with_why(intro, "refunds", "how long a payment can be refunded"))

        # -- the payments
        self.payment_list = QTableWidget(0, len(COLUMNS))
        self.payment_list.setObjectName("paymentList")
        self.payment_list.setAccessibleName("Payments")
        self.payment_list.setHorizontalHeaderLabels(COLUMNS)
        self.payment_list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.payment_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.payment_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.payment_list.setTabKeyNavigation(False)
        self.payment_list.setWordWrap(False)
        self.payment_list.setAlternatingRowColors(True)
        self.payment_list.verticalHeader().setVisible(False)
        header = self.payment_list.horizontalHeader()
        header.setHighlightSections(False)
        for col in range(len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.payment_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.window_note = QLabel()
        self.window_note.setObjectName("windowNote")
        self.window_note.setWordWrap(True)
        self.window_note.setVisible(False)
        payment_box = QWidget()
        payment_column = QVBoxLayout(payment_box)
        payment_column.setContentsMargins(0, 0, 0, 0)
        payment_column.setSpacing(4)
        payment_column.addWidget(self.payment_list)
        payment_column.addWidget(self.window_note)
        self.tier_note = QLabel()  # R9 (v2): which tier applies to the chosen payment on the chosen day
        self.tier_note.setObjectName("tierNote")
        self.tier_note.setAccessibleName("How this payment can be refunded")
        self.tier_note.setWordWrap(True)
        self.tier_note.setVisible(False)
        payment_column.addWidget(self.tier_note)
        payment_column.addStretch(1)

        # -- full or part, and the amount
        self.full_radio = QRadioButton("&Full")
        self.full_radio.setObjectName("fullRadio")
        self.full_radio.setAccessibleName("Full refund of what is left")
        self.part_radio = QRadioButton("&Part")
        self.part_radio.setObjectName("partRadio")
        self.part_radio.setAccessibleName("Part refund")
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.full_radio)
        self.kind_group.addButton(self.part_radio)
        self.full_radio.setChecked(True)
        self.amount_edit = MoneyEdit(currency)
        self.amount_edit.setObjectName("amountEdit")
        self.amount_edit.setAccessibleName(f"Refund amount in {currency}")
        self.amount_edit.setMaximumWidth(180)
        self.left_label = QLabel()
        self.left_label.setObjectName("leftLabel")
        amount_row = QHBoxLayout()
        amount_row.setSpacing(12)
        amount_row.addWidget(self.full_radio)
        amount_row.addWidget(self.part_radio)
        amount_row.addSpacing(8)
        amount_row.addWidget(self.amount_edit)
        amount_row.addWidget(self.left_label)
        amount_row.addStretch(1)

        # -- the day it was received (R16) and memo
        self.received_on_edit = event_date_edit(
            "receivedOnEdit", "Date the refund was received", self.contract.started_on, self.today
        )
        self.memo_edit = QLineEdit()
        self.memo_edit.setObjectName("memoEdit")
        self.memo_edit.setAccessibleName("Memo")
        self.memo_edit.setPlaceholderText("Optional, e.g. why the freelancer refunded")
        self.support_case_edit = QLineEdit()  # R9 (v2): shown only for a refund through the marketplace's support
        self.support_case_edit.setObjectName("supportCaseEdit")
        self.support_case_edit.setAccessibleName("Support case")
        self.support_case_edit.setPlaceholderText("The reference of the marketplace's support case, e.g. ABC-123")

        self.add_row("payment", "Pa&yment:", payment_box, buddy=self.payment_list)
        caption = self.findChild(QLabel, "paymentLabel")
        if caption is not None:  # line the caption up with the table's header, not the table's middle
            caption.setContentsMargins(0, self.payment_list.frameWidth() + 3, 0, 0)
        self.add_row(
            "amount",
            f"&Amount ({currency}):",
            amount_row,
            buddy=self.amount_edit,
            focusable=[self.full_radio, self.part_radio, self.amount_edit],
        )
        self.add_row(
            "date", "&On:", left(self.received_on_edit, "the day you received it"), buddy=self.received_on_edit
        )
        self.add_row("support_case", "Support &case:", self.support_case_edit)
        self.add_row("memo", "&Memo:", self.memo_edit)

        self.load_payments()
        self.payment_list.itemSelectionChanged.connect(self._payment_chosen)
        self.kind_group.buttonToggled.connect(self._kind_chosen)
        self.received_on_edit.dateChanged.connect(self._date_chosen)
        self.watch("payment", self.payment_list.itemSelectionChanged)
        self.watch("amount", self.kind_group.buttonToggled)
        self.watch("amount", self.amount_edit.textChanged)
        self.watch("date", self.received_on_edit.dateChanged)
        self.watch("memo", self.memo_edit.textChanged)
        self.watch("support_case", self.support_case_edit.textChanged)
        self._kind_chosen()
        self.finish()
        contract_id = self.contract.id
        # A payment refunded or reversed elsewhere, or the contract ended (refunds go on after it): the list
        # shows the book as it is now, what was typed stays.
        self.follow(contract_id, shows=lambda: ledger(contract_id), refresh=self._book_changed)
        self.resize(REFUND_DIALOG_WIDTH, self.sizeHint().height())

    # ------------------------------------------------------------ payments

    def received_on(self) -> date:
        return self.received_on_edit.day()

    def _book_changed(self) -> None:
        self.load_payments()
        self.refresh()

    def load_payments(self) -> None:
        """Read the payments from the book and show each as refundable on the date received, or why not."""
        keep = self.selected_payment()
        keep_id = keep.entry.id if keep is not None else None
        self._payments = queries.payments(self.contract)
        on = self.received_on()
        table = self.payment_list
        table.blockSignals(True)
        table.clearSelection()
        table.setRowCount(len(self._payments))
        currency = self.contract.currency
        selectable_rows = []
        out_of_window = False
        for row, p in enumerate(self._payments):
            status, ok = window_text(p, on)
            if not ok and p.refundable > 0 and p.refund_window_ends is not None and p.tier(on).kind == queries.CLOSED:
                out_of_window = True
            milestone = p.entry.milestone.title if p.entry.milestone_id else ""
            cells = (
                day(p.entry.date),
                milestone,
                money(p.entry.amount, currency),
                money(p.refunded, currency) if p.refunded else "—",
                status,
            )
            tip = f"{money(p.refundable, currency)} left to refund" if p.refundable > 0 else status
            if not ok:
                tip = f"Cannot be refunded on {day(on)}: {status}"
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(PAYMENT_ROLE, p.entry.id)
                item.setToolTip(tip)
                if col in (2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                item.setFlags(flags if ok else Qt.ItemFlag.NoItemFlags)
                table.setItem(row, col, item)
            if ok:
                selectable_rows.append(row)
        target = next((r for r in selectable_rows if self._payments[r].entry.id == keep_id), None)
        if target is None and len(selectable_rows) == 1:
            target = selectable_rows[0]
        if target is not None:
            table.selectRow(target)
            table.setCurrentCell(target, 0)
        table.blockSignals(False)
        if out_of_window:
            self.window_note.setText(
                f"Payments older than {self.support_days} days can no longer be refunded."
                if self.support_days is not None
                else f"Payments older than {self.window_days} days cannot be refunded here. "
                "The marketplace's support may still help with those."
            )
        elif not self._payments:
            self.window_note.setText("This contract has no payments to refund yet.")
        self.window_note.setVisible(out_of_window or not self._payments)
        visible_rows = max(1, min(len(self._payments), 6))
        table.setFixedHeight(
            table.horizontalHeader().sizeHint().height()
            + visible_rows * table.verticalHeader().defaultSectionSize()
            + 2 * table.frameWidth()
        )
        self._payment_chosen()

    def selected_payment(self) -> queries.Payment | None:
        if not hasattr(self, "payment_list"):
            return None
        rows = {i.row() for i in self.payment_list.selectedItems()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        return self._payments[row] if 0 <= row < len(self._payments) else None

    def _payment_chosen(self) -> None:
        p = self.selected_payment()
        currency = self.contract.currency
        self.left_label.setText(f"of {money(p.refundable, currency)} left" if p is not None else "")
        self._show_tier()
        if self.full_radio.isChecked():
            self.amount_edit.setValue(p.refundable if p is not None else None)

    def through_support(self) -> bool:
        """R9 (v2): the chosen payment can be refunded on the chosen day only through the marketplace's support."""
        p = self.selected_payment()
        return p is not None and p.tier(self.received_on()).kind == queries.THROUGH_SUPPORT

    def _show_tier(self) -> None:
        """Say which tier applies to the chosen payment; the "Support case" field only in the support tier."""
        if not hasattr(self, "support_case_edit"):
            return
        p = self.selected_payment()
        text = tier_text(p, self.received_on(), self.contract.currency) if p is not None else ""
        self.tier_note.setText(text)
        self.tier_note.setVisible(bool(text))
        row = self.findChild(QWidget, "supportCaseRow")
        if row is not None:
            self.form.setRowVisible(row, self.through_support())

    def _kind_chosen(self, *_args) -> None:
        full = self.full_radio.isChecked()
        self.amount_edit.setReadOnly(full)
        self.amount_edit.setEnabled(not full)
        if full:
            p = self.selected_payment()
            self.amount_edit.setValue(p.refundable if p is not None else None)
        else:
            self.amount_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            self.amount_edit.selectAll()

    def _date_chosen(self, *_args) -> None:
        self.load_payments()

    # ---------------------------------------------------------- validation

    def problems(self) -> dict[str, str]:
        out: dict[str, str] = {}
        p = self.selected_payment()
        currency = self.contract.currency
        if p is None:
            out["payment"] = (
                "Choose the payment the freelancer refunded."
                if any(window_text(x, self.received_on())[1] for x in self._payments)
                else "No payment can be refunded on this date."
            )
        if self.amount_edit.error():
            out["amount"] = self.amount_edit.error()
        elif p is not None and self.amount_edit.value() > p.refundable:
            out["amount"] = (
                f"At most {money(p.refundable, currency)} of that {money(p.entry.amount, currency)} "
                "payment is left to refund."
            )
        received = self.received_on_edit.problem()
        if received:
            out["date"] = received
        memo = rule_message(fields.check_memo, self.memo_edit.text())
        if memo:
            out["memo"] = memo
        if p is not None and self.through_support():
            case = rule_message(fields.check_support_case, self.support_case_edit.text(), p.entry, self.received_on())
            if case:
                out["support_case"] = case
        return out

    def submit(self) -> None:
        p = self.selected_payment()
        try:
            self.refund = ops.record_refund(
                p.entry,
                self.amount_edit.value(),
                memo=self.memo_edit.text(),
                on=self.received_on(),
                today=self.today,
                support_case=self.support_case_edit.text() if self.through_support() else None,
            )
        except RuleError as exc:
            # The table is read again so it shows the book as it is now. A refusal about the day is shown under
            # the date; any other at the top (the payment or its amount may have changed meanwhile).
            self.load_payments()
            field = exc.field if exc.field in ("date", "support_case") else None
            raise RuleError(exc.message, rule=exc.rule, field=field) from exc
