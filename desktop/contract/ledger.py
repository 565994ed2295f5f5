"""The contract page's "Ledger" tab (R9, R12): every entry, newest first, with the reference of the marketplace's
statement row matched with it (once a statement has been imported) and, in a shared book, who recorded it
(models/people.py, through models.report.ledger_lines); refunds and reversals.

Entries are never edited or deleted: a mistake is corrected by a reversal that names it (R12). Each button
calls one operation of `models.ops` (imported where an action needs it); after a change the tab says
`changed(contract_id)` and the page reads the contract again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop import formatting
from desktop.contract.base import ContractTab
from desktop.widgets.fields import button
from desktop.widgets.tables import item, person_cell, person_column, table
from models.entities import Contract, LedgerEntry
from models.labels import ENTRY_KINDS as KIND_LABELS
from models.reconciled import references
from models.report import ledger_lines

STATEMENT_COLUMN = 8  # the statement's reference, shown once a statement has been imported
MADE_BY_COLUMN = 9  # who recorded the entry: shown in a shared book (a book file has one user)


class LedgerTab(ContractTab):
    def __init__(self, parent: QWidget | None = None, today: Callable[[], date] | None = None):
        super().__init__(parent, today)
        self.setObjectName("ledgerTab")
        self.refund_dialog = None  # the refund dialog while it is open (tests reach it here)
        self.ledger_table = table(
            "ledgerTable",
            ["#", "Date", "Entry", "Direction", "Amount", "Escrow after", "Milestone", "Memo", "On the statement",
             "Recorded by"],
            right={4, 5},
        )  # fmt: skip
        person_column(self.ledger_table, MADE_BY_COLUMN)
        self.ledger_table.itemSelectionChanged.connect(self._update_buttons)
        self.reverse_button = button(
            "reverseButton",
            "&Reverse entry…",
            self.reverse_entry,
            tip="Correct a mistake with a reversal entry; the original stays",
        )
        note = QLabel("Entries are never edited or deleted: a mistake is corrected by a reversal that names it.")
        note.setWordWrap(True)
        self.refund_button = button(
            "recordRefundButton",
            "Record refun&d…",
            self.record_refund,
            tip="A refund from the freelancer against a payment of the past 180 days",
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.refund_button)
        buttons.addWidget(self.reverse_button)
        buttons.addWidget(note, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.ledger_table)

    # ------------------------------------------------------------ showing
    def show_contract(self, contract: Contract | int | None) -> None:
        if not isinstance(contract, Contract):  # the page hands over the contract it has just read
            contract = None if contract is None else Contract.get_or_none(Contract.id == contract)
        self.contract = contract
        if self.contract is None:
            self.ledger_table.setRowCount(0)
        else:
            self._show(self.contract)
        self._update_buttons()

    def _show(self, c: Contract) -> None:
        """Newest first: each entry with where it moved the money and the contract's escrow after it."""
        t = self.ledger_table
        lines = ledger_lines(c)[::-1]
        on_statement = references(c.id)  # the marketplace's reference of the statement row matched with each
        t.setColumnHidden(STATEMENT_COLUMN, not on_statement)
        t.setColumnHidden(MADE_BY_COLUMN, not any(e.made_by for e in lines))  # (a book file's: none)
        t.setRowCount(len(lines))
        for r, e in enumerate(lines):
            values = [
                item(str(e.id), data=e.id),
                item(formatting.day(e.date)),
                item(e.entry),
                item(e.direction),
                item(formatting.money(e.amount, c.currency), right=True),
                item(formatting.money(e.escrow_after, c.currency), right=True),
                item(e.milestone),
                item(e.memo),
                item(on_statement.get(e.id, "")),
                person_cell(e.made_by),
            ]
            for col, cell in enumerate(values):
                t.setItem(r, col, cell)

    def selected_entry(self) -> LedgerEntry | None:
        rows = self.ledger_table.selectionModel().selectedRows()
        if not rows:
            return None
        return LedgerEntry.get_or_none(
            LedgerEntry.id == self.ledger_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        )

    def _update_buttons(self) -> None:
        self.reverse_button.setEnabled(self.contract is not None and self.selected_entry() is not None)
        self.refund_button.setEnabled(self.contract is not None)

    # ------------------------------------------------------------ actions (one operation each)
    def record_refund(self) -> None:
        """R9: the refund dialog; one operation when the client confirms it."""
        from desktop.dialogs.refund import RefundDialog

        if self.contract is None:
            return
        dialog = RefundDialog(self.contract, self, today=self.today())
        self.refund_dialog = dialog  # tests reach the open dialog here
        if dialog.exec() and dialog.refund is not None:
            self.changed_here(self.contract.id)
        self.refund_dialog = None

    def reverse_entry(self):
        """R12: a reversal entry naming the selected one, on the day the mistake was corrected."""
        from models import ops

        e = self.selected_entry()
        if e is None:
            return None
        label = KIND_LABELS.get(e.kind, e.kind)
        text = (
            f"Reverse entry #{e.id}, “{label}” of {formatting.money(e.amount, e.currency)} on "
            f"{formatting.day(e.date)}.\n\nA reversal entry naming it is added to the ledger; the original stays."
        )
        return self.record_on("Reverse entry", text, ops.reverse_entry, e, ok_text="&Reverse")
