"""The contract page's "Milestones" tab (R2 to R6): add, edit, reorder, delete, fund, work submitted, ask
for changes, and release (the wizard). In a shared book, a column says who recorded each milestone (its maker's
name, models.people.makers, as the Ledger tab says who recorded each entry).

Each button calls one operation of `models.ops` (imported where an action needs it, not on start-up); a
refusal is shown in the client's words and changes nothing (R14). After a change the tab says
`changed(contract_id)` and the page reads the contract again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop import formatting
from desktop.contract.base import ContractTab
from desktop.widgets import prompts
from desktop.widgets.fields import button
from desktop.widgets.flow_layout import FlowLayout
from desktop.widgets.tables import item, person_cell, person_column, table
from models import labels, people, queries
from models.entities import Contract, Milestone
from models.labels import MILESTONE_STATES as STATE_LABELS

MADE_BY_COLUMN = 6  # who recorded the milestone: shown in a shared book (a book file has one user)


class MilestonesTab(ContractTab):
    def __init__(self, parent: QWidget | None = None, today: Callable[[], date] | None = None):
        super().__init__(parent, today)
        self.setObjectName("milestonesTab")
        self.wizard = None  # the release wizard while it is open (tests reach it here)
        self.leftover = 0  # escrow not in any milestone (R4), in minor units
        self.milestone_table = table(
            "milestoneTable", ["#", "Milestone", "Amount", "In escrow", "Due", "State", "Recorded by"], right={2, 3}
        )
        person_column(self.milestone_table, MADE_BY_COLUMN)
        self.milestone_table.itemSelectionChanged.connect(self._update_buttons)
        self.milestone_table.itemDoubleClicked.connect(lambda *_: self.edit_milestone())
        self.add_button = button("addMilestoneButton", "&Add…", self.add_milestone, "new-milestone")
        self.edit_button = button("editMilestoneButton", "Ed&it…", self.edit_milestone, "edit")
        self.up_button = button("moveUpButton", "Move u&p", lambda: self.move_milestone(-1))
        self.down_button = button("moveDownButton", "Move do&wn", lambda: self.move_milestone(1))
        self.delete_button = button("deleteMilestoneButton", "&Delete…", self.delete_milestone, "delete")
        self.fund_button = button(
            "fundButton",
            "Fu&nd…",
            self.fund_milestone,
            "fund",
            "Deposit the amount into escrow, with its fees, on the day you funded it",
        )
        self.changes_button = button(
            "requestChangesButton",
            "Ask for chan&ges…",
            self.request_changes,
            tip="You asked the freelancer for changes: the review clock stops until work is submitted again",
        )
        self.release_button = button(
            "releaseButton",
            "&Release…",
            self.release_payment,
            "release",
            "Release a payment to the freelancer from an active milestone, in full or in part",
        )
        self.leftover_button = button(
            "releaseLeftoverButton",
            "Release via a new milestone…",
            lambda: self.release_payment(new_milestone=True),
            "release",
            "Escrow left after a partial release is not in any milestone: add a milestone funded from it, "
            "then release that",
        )
        self.submit_button = button(
            "submitWorkButton",
            "W&ork submitted…",
            self.submit_work,
            "submit-work",
            "The freelancer submitted work: the review period starts on the day they did",
        )
        buttons = FlowLayout()  # a narrow window: the buttons wrap onto a second line
        for b in (
            self.add_button,
            self.edit_button,
            self.up_button,
            self.down_button,
            self.delete_button,
            self.fund_button,
            self.submit_button,
            self.changes_button,
            self.release_button,
            self.leftover_button,
        ):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.milestone_table)

    # ------------------------------------------------------------ showing
    def show_contract(self, contract: Contract | int | None) -> None:
        if not isinstance(contract, Contract):  # the page hands over the contract it has just read
            contract = None if contract is None else Contract.get_or_none(Contract.id == contract)
        self.contract = contract
        if self.contract is None:
            self.milestone_table.setRowCount(0)
            self.leftover = 0
        else:
            self._show(self.contract)
        self._update_buttons()

    def _show(self, c: Contract) -> None:
        t = self.milestone_table
        keep = self.selected_milestone_id()
        milestones = list(Milestone.select().where(Milestone.contract == c).order_by(Milestone.position))
        made = people.makers("milestone", [m.id for m in milestones])  # ({} in a book file)
        t.setColumnHidden(MADE_BY_COLUMN, not made)
        # R4: escrow left after a partial release belongs to no milestone: a row of its own says how much.
        self.leftover = queries.unassigned_escrow(c) if c.status == Contract.ACTIVE else 0
        t.setRowCount(len(milestones) + (1 if self.leftover > 0 else 0))
        if self.leftover > 0:
            tip = (
                "Left in escrow after a partial release. It is still yours; release it through a new "
                "milestone funded from it (Release via a new milestone…), or ask for it back when you end "
                "the contract."
            )
            cells = [
                item("—", data=None),
                item("Not in a milestone"),
                item(""),
                item(formatting.money(self.leftover, c.currency), right=True),
                item(""),
                item("Left after a partial release"),
                item(""),
            ]
            for col, cell in enumerate(cells):
                cell.setToolTip(tip)
                t.setItem(len(milestones), col, cell)
        for r, m in enumerate(milestones):
            state = STATE_LABELS.get(m.state, m.state)
            review = labels.submissions(m, formatting.day)  # R6: both dates when work was submitted again
            if review:  # "Submitted 1 Mar 2026, again 13 Mar 2026; released automatically on 27 Mar 2026"
                state = review if m.state == Milestone.SUBMITTED else f"{state} · {review}"
            values = [
                item(str(m.position), data=m.id),
                item(m.title),
                item(formatting.money(m.amount, c.currency), right=True),
                item(formatting.money(queries.milestone_escrow(m), c.currency), right=True),
                item(formatting.day(m.due_on)),
                item(state),
                person_cell(made.get(m.id, "")),
            ]
            for col, cell in enumerate(values):
                t.setItem(r, col, cell)
            if m.id == keep:
                t.selectRow(r)

    # ------------------------------------------------------------ selection
    def selected_milestone_id(self) -> int | None:
        rows = self.milestone_table.selectionModel().selectedRows() if self.milestone_table.selectionModel() else []
        if not rows:
            return None
        return self.milestone_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def selected_milestone(self) -> Milestone | None:
        mid = self.selected_milestone_id()
        return None if mid is None else Milestone.get_or_none(Milestone.id == mid)

    def select_milestone(self, milestone_id: int) -> None:
        for r in range(self.milestone_table.rowCount()):
            if self.milestone_table.item(r, 0).data(Qt.ItemDataRole.UserRole) == milestone_id:
                self.milestone_table.selectRow(r)
                return

    def _update_buttons(self) -> None:
        c = self.contract
        active = c is not None and c.status == Contract.ACTIVE
        m = self.selected_milestone() if c is not None else None
        unfunded = m is not None and m.state == Milestone.UNFUNDED and active
        self.add_button.setEnabled(active)
        for b in (self.edit_button, self.up_button, self.down_button, self.delete_button, self.fund_button):
            b.setEnabled(unfunded)
        self.submit_button.setEnabled(m is not None and active and m.state == Milestone.ACTIVE)
        self.changes_button.setEnabled(m is not None and active and m.state == Milestone.SUBMITTED)
        self.release_button.setEnabled(active)
        self.leftover_button.setVisible(active and self.leftover > 0)

    # ------------------------------------------------------------ actions (one operation each)
    def add_milestone(self) -> None:
        from desktop.dialogs.milestone import MilestoneDialog

        if self.contract is None:
            return
        dialog = MilestoneDialog(self.contract, self)
        if dialog.exec() and dialog.milestone is not None:
            self.show_contract(self.contract.id)
            self.select_milestone(dialog.milestone.id)
            self.changed.emit(self.contract.id)

    def edit_milestone(self) -> None:
        from desktop.dialogs.milestone import MilestoneDialog

        m = self.selected_milestone()
        if m is None or m.state != Milestone.UNFUNDED:
            return
        dialog = MilestoneDialog(self.contract, self, milestone=m)
        if dialog.exec():
            self.show_contract(self.contract.id)
            self.select_milestone(m.id)
            self.changed.emit(self.contract.id)

    def move_milestone(self, offset: int) -> None:
        from models import ops

        m = self.selected_milestone()
        if m is not None and self.run("Move milestone", ops.move_milestone, m, offset) is not None:
            self.select_milestone(m.id)

    def delete_milestone(self) -> None:
        from models import ops

        m = self.selected_milestone()
        if m is None:
            return
        text = f"Delete the milestone “{m.title}” ({formatting.money(m.amount, self.contract.currency)})?"
        if prompts.ask(self, "Delete milestone", text, "Delete"):
            self.run("Delete milestone", ops.delete_milestone, m)

    def fund_milestone(self):
        """R3: the day the milestone was funded, with its fees said in the same sentence; then one operation."""
        from models import ops

        m = self.selected_milestone()
        if m is None:
            return None
        c = self.contract
        preview = ops.funding_preview(c, m.amount, from_escrow=False)
        text = f"Deposit {formatting.money(m.amount, c.currency)} into escrow for “{m.title}”."
        if preview["fee"] + preview["initiation_fee"]:
            parts = [f"a marketplace fee of {formatting.money(preview['fee'], c.currency)}"]
            if preview["initiation_fee"]:
                parts.append(
                    f"the contract initiation fee of {formatting.money(preview['initiation_fee'], c.currency)}"
                )
            text += "\n\nRecorded beside it: " + " and ".join(parts) + "."
        return self.record_on(
            "Fund milestone", text, ops.fund_milestone, m, ok_text="&Fund", then=lambda _: self.select_milestone(m.id)
        )

    def submit_work(self):
        """R6: the day the freelancer submitted work; the review period counts from it."""
        from models import ops

        m = self.selected_milestone()
        if m is None:
            return None
        days = self.contract.policy.review_days
        text = f"Record that the freelancer submitted work on “{m.title}”."
        if days:
            text += (
                f"\n\nThe review period starts that day: unless you approve or ask for changes within {days} days, "
                "the marketplace releases the payment automatically."
            )
        return self.record_on("Work submitted", text, ops.submit_work, m, then=lambda _: self.select_milestone(m.id))

    def request_changes(self):
        """R6: the day the client asked for changes; the review clock stops until work is submitted again."""
        from models import ops

        m = self.selected_milestone()
        if m is None:
            return None
        text = (
            f"Record that you asked the freelancer for changes to “{m.title}”.\n\n"
            "The review period stops until the work is submitted again."
        )
        return self.record_on(
            "Ask for changes", text, ops.request_changes, m, then=lambda _: self.select_milestone(m.id)
        )

    def release_payment(self, new_milestone: bool = False) -> None:
        """Open the release wizard on the selected milestone, or on a new milestone funded from the escrow left
        outside any milestone (or say why a payment cannot be released)."""
        from desktop.contract.flows import release_or_explain
        from desktop.dialogs.release_plan import NEW

        if self.contract is None:
            return
        m = self.selected_milestone()
        wizard = release_or_explain(
            self.contract,
            self,
            today=self.today(),
            milestone_id=NEW
            if new_milestone
            else (m.id if m is not None and m.state in Milestone.OPEN_STATES else None),
            warn=lambda title, text: prompts.warn(self, title, text),
        )
        if wizard is None:
            return
        self.wizard = wizard  # tests reach the open wizard here
        wizard.contract_changed.connect(self.changed_here)
        wizard.exec()
        self.wizard = None
