"""The contract page's "Closeout" tab (R11): the checklist, the access register, the things to receive back.

The checklist exists once the contract has ended; the access register and the things to receive back can
be kept from the start. Each button calls exactly one operation of `models.ops`; a refusal (RuleError) is
shown in the client's words and the book is unchanged (R14). After every operation the tab reloads itself
and emits `changed(contract_id)`. Every event asks the day it happened (R16): a tick in CloseoutItemDialog
(with its note), a revocation or a receipt in the "On:" dialog (`record_on`). The small dialogs are opened
with `open()` (never a blocking `exec()`) and kept in `self.dialog` (`self.date_dialog` for "On:").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
)

from desktop import formatting
from desktop.contract.base import ContractTab
from desktop.dialogs.closeout_item import AccessDialog, CloseoutItemDialog, DeliverableDialog
from desktop.widgets import tables
from desktop.widgets.fields import button
from models import ops, queries
from models.entities import AccessGrant, CloseoutItem, Contract, Deliverable
from models.labels import DELIVERABLE_KINDS as KIND_LABELS

BEFORE_END = (
    "The checklist starts when the contract ends; the access register and the things to receive back "
    "can be kept from the start."
)


CLOSED_OUT = "Closed out"


def progress_text(contract: Contract | None) -> str:
    """The tab's progress line: what the client reads first (words, never colour alone)."""
    if contract is None:
        return "No contract selected."
    if contract.status != Contract.ENDED:
        return BEFORE_END
    if queries.is_closed_out(contract):
        return CLOSED_OUT
    total = contract.closeout.count()
    return f"{total - queries.closeout_open(contract)} of {total} done"


class CloseoutTab(ContractTab):
    """R11 for one contract. `show_contract(contract or id or None)`; `changed(contract_id)` after each operation."""

    def __init__(self, parent=None, today: Callable[[], date] | None = None):
        super().__init__(parent, today)
        self.setObjectName("closeoutTab")
        self.setAccessibleName("Closeout")
        self.dialog: AccessDialog | DeliverableDialog | CloseoutItemDialog | None = None  # the open dialog

        self.progress = QLabel()
        self.progress.setObjectName("closeoutProgress")
        self.progress.setAccessibleName("Closeout progress")
        self.progress.setWordWrap(True)
        self.progress.setTextFormat(Qt.TextFormat.PlainText)
        font = self.progress.font()
        font.setBold(True)
        self.progress.setFont(font)

        # The checklist.
        self.checklist_table = self._table(
            "checklistTable", "Closeout checklist", ["Item", "Done on", "Note"], stretch=2
        )
        self.mark_done_button = button(
            "markDoneButton",
            "Mark &done…",
            self.mark_done,
            tip="Tick the selected item on the day it was done, with an optional note",
        )
        self.checklist_table.itemDoubleClicked.connect(lambda *_: self.mark_done())

        # The access register.
        self.access_table = self._table(
            "accessTable", "Access register", ["Access", "Where", "Given on", "Revoked on"], stretch=0
        )
        self.add_access_button = button(
            "addAccessButton", "&Add access…", self.add_access, tip="Register access given to the freelancer (a label)"
        )
        self.revoke_button = button(
            "revokeButton",
            "&Revoke…",
            self.revoke,
            tip="Record the day the selected access was changed or revoked",
        )

        # The things to receive back.
        self.deliverables_table = self._table(
            "deliverablesTable", "Things to receive back", ["What", "Kind", "Received on"], stretch=0
        )
        self.add_deliverable_button = button(
            "addDeliverableButton", "Add…", self.add_deliverable, tip="Work, material or equipment to receive back"
        )
        self.add_deliverable_button.setAccessibleName("Add a thing to receive back")
        self.received_button = button(
            "receivedButton",
            "Mark rece&ived…",
            self.mark_received,
            tip="Record the day the selected thing came back",
        )

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(self.progress)
        layout.addSpacing(4)
        layout.addLayout(self._section("Checklist", self.checklist_table, [self.mark_done_button]))
        layout.addWidget(self.checklist_table)
        lower = QHBoxLayout()
        lower.setSpacing(16)
        access = QVBoxLayout()
        access.setSpacing(8)
        access.addLayout(
            self._section("Access register", self.access_table, [self.add_access_button, self.revoke_button])
        )
        access.addWidget(self.access_table, 1)
        things = QVBoxLayout()
        things.setSpacing(8)
        things.addLayout(
            self._section(
                "Things to receive back", self.deliverables_table, [self.add_deliverable_button, self.received_button]
            )
        )
        things.addWidget(self.deliverables_table, 1)
        lower.addLayout(access, 3)
        lower.addLayout(things, 2)
        layout.addLayout(lower, 1)

        for table in (self.checklist_table, self.access_table, self.deliverables_table):
            table.itemSelectionChanged.connect(self._update_buttons)
        self.show_contract(None)

    # ------------------------------------------------------------ building

    @staticmethod
    def _table(name: str, accessible: str, headers: list[str], *, stretch: int) -> QTableWidget:
        t = tables.table(name, headers, right=set())
        t.setAccessibleName(accessible)
        header = t.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        t.setWordWrap(False)
        t.setTextElideMode(Qt.TextElideMode.ElideRight)
        return t

    @staticmethod
    def _section(title: str, table: QTableWidget, buttons: list[QPushButton]) -> QHBoxLayout:
        heading = QLabel(f"<b>{title}</b>")
        heading.setObjectName(f"{table.objectName()}Heading")
        heading.setBuddy(table)
        row = QHBoxLayout()
        row.addWidget(heading)
        row.addStretch(1)
        for b in buttons:
            row.addWidget(b)
        return row

    # ------------------------------------------------------------ showing
    def show_contract(self, contract: Contract | int | None) -> None:
        """Show a contract (or its id), read afresh from the book; None shows nothing."""
        cid = contract.id if isinstance(contract, Contract) else contract
        self.contract = None if cid is None else Contract.get_or_none(Contract.id == cid)
        c = self.contract
        self.setEnabled(c is not None)
        self.progress.setText(progress_text(c))
        self._show_checklist(c)
        self._show_access(c)
        self._show_deliverables(c)
        self._update_buttons()

    @staticmethod
    def _fill(table: QTableWidget, rows: list[tuple[int | None, list[str]]], *, dimmed: bool = False) -> None:
        keep = CloseoutTab._selected_id(table)
        make = tables.item
        table.clearSelection()
        table.setRowCount(len(rows))
        for r, (row_id, texts) in enumerate(rows):
            for col, text in enumerate(texts):
                item = make(text, data=row_id if col == 0 else None)
                item.setToolTip(text)
                if dimmed:  # shown, not selectable, in the palette's disabled text colour
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    item.setForeground(table.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
                table.setItem(r, col, item)
            if row_id is not None and row_id == keep:
                table.selectRow(r)
        if dimmed:
            table.setCurrentCell(-1, -1)  # nothing to act on: no focus frame on a greyed row

    def _show_checklist(self, c: Contract | None) -> None:
        if c is None:
            self._fill(self.checklist_table, [])
        elif c.status != Contract.ENDED:
            # What the checklist will hold, greyed: its items are created when the contract ends.
            rows = [(None, [CloseoutItem.LABELS[k], "after the end", ""]) for k in CloseoutItem.STANDARD]
            self._fill(self.checklist_table, rows, dimmed=True)
        else:
            items = CloseoutItem.select().where(CloseoutItem.contract == c).order_by(CloseoutItem.id)
            rows = [
                (i.id, [i.label, formatting.day(i.done_on) if i.done_on else "not done yet", i.note]) for i in items
            ]
            self._fill(self.checklist_table, rows)
        self._fit_height(self.checklist_table)

    def _show_access(self, c: Contract | None) -> None:
        grants = (
            []
            if c is None
            else AccessGrant.select().where(AccessGrant.contract == c).order_by(AccessGrant.given_on, AccessGrant.id)
        )
        rows = [
            (
                g.id,
                [
                    g.label,
                    g.where,
                    formatting.day(g.given_on),
                    formatting.day(g.revoked_on) if g.revoked_on else "not revoked yet",
                ],
            )
            for g in grants
        ]
        self._fill(self.access_table, rows)

    def _show_deliverables(self, c: Contract | None) -> None:
        things = [] if c is None else Deliverable.select().where(Deliverable.contract == c).order_by(Deliverable.id)
        rows = [
            (
                d.id,
                [
                    d.label,
                    KIND_LABELS.get(d.kind, d.kind),
                    formatting.day(d.received_on) if d.received_on else "not received yet",
                ],
            )
            for d in things
        ]
        self._fill(self.deliverables_table, rows)

    @staticmethod
    def _fit_height(table: QTableWidget) -> None:
        """Tall enough for every checklist row (four), so it never scrolls."""
        rows = max(table.rowCount(), len(CloseoutItem.STANDARD))
        height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
        height += rows * table.verticalHeader().defaultSectionSize()
        table.setFixedHeight(height)

    # ------------------------------------------------------------ selection
    @staticmethod
    def _selected_id(table: QTableWidget) -> int | None:
        model = table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        if not rows:
            return None
        item = table.item(rows[0].row(), 0)
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def selected_item(self) -> CloseoutItem | None:
        iid = self._selected_id(self.checklist_table)
        return None if iid is None else CloseoutItem.get_or_none(CloseoutItem.id == iid)

    def selected_grant(self) -> AccessGrant | None:
        gid = self._selected_id(self.access_table)
        return None if gid is None else AccessGrant.get_or_none(AccessGrant.id == gid)

    def selected_deliverable(self) -> Deliverable | None:
        did = self._selected_id(self.deliverables_table)
        return None if did is None else Deliverable.get_or_none(Deliverable.id == did)

    @staticmethod
    def _select(table: QTableWidget, row_id: int) -> None:
        for r in range(table.rowCount()):
            if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == row_id:
                table.selectRow(r)
                return

    def select_item(self, item_id: int) -> None:
        self._select(self.checklist_table, item_id)

    def select_deliverable(self, deliverable_id: int) -> None:
        self._select(self.deliverables_table, deliverable_id)

    def _update_buttons(self) -> None:
        c = self.contract
        ended = c is not None and c.status == Contract.ENDED
        item = self.selected_item() if ended else None
        grant = self.selected_grant() if c is not None else None
        thing = self.selected_deliverable() if c is not None else None
        self.mark_done_button.setEnabled(item is not None and item.done_on is None)
        self.add_access_button.setEnabled(c is not None)
        self.revoke_button.setEnabled(grant is not None and grant.revoked_on is None)
        self.add_deliverable_button.setEnabled(c is not None)
        self.received_button.setEnabled(thing is not None and thing.received_on is None)

    # ------------------------------------------------------------ actions (one operation each)
    def _done(self, *_args) -> None:
        self.changed_here(self.contract.id)

    def mark_done(self) -> CloseoutItemDialog | None:
        """Tick the selected item: the day it was done and an optional note (CloseoutItemDialog)."""
        item = self.selected_item()
        if item is None or item.done_on is not None or not self.mark_done_button.isEnabled():
            return None
        dialog = CloseoutItemDialog(item, self, today=self.today())
        dialog.accepted.connect(lambda: self.select_item(item.id))
        self._open(dialog)
        return dialog

    def revoke(self):
        """R11: the day the selected access was changed or revoked."""
        grant = self.selected_grant()
        if grant is None or grant.revoked_on is not None:
            return None
        where = f" ({grant.where})" if grant.where else ""
        text = f"Record that you changed or revoked “{grant.label}”{where}."
        return self.record_on("Revoke access", text, ops.revoke_access, grant)

    def mark_received(self):
        """R11: the day the selected thing came back."""
        thing = self.selected_deliverable()
        if thing is None or thing.received_on is not None:
            return None
        text = f"Record that you received “{thing.label}” back."
        return self.record_on(
            "Mark received", text, ops.mark_received, thing, then=lambda _: self.select_deliverable(thing.id)
        )

    def _open(self, dialog: AccessDialog | DeliverableDialog | CloseoutItemDialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(self._done)
        dialog.finished.connect(lambda *_: setattr(self, "dialog", None))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def add_access(self) -> None:
        if self.contract is not None:
            self._open(AccessDialog(self.contract, self, today=self.today()))

    def add_deliverable(self) -> None:
        if self.contract is not None:
            self._open(DeliverableDialog(self.contract, self))
