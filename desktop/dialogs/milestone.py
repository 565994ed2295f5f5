"""Add a milestone, or edit an unfunded one (R2): the amount in the contract's currency, at least the
policy's minimum, checked as the user types (`models.fields`)."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QWidget,
)

from desktop.widgets.fields import line_edit, notes_edit, qdate
from desktop.widgets.follow import record
from desktop.widgets.form_dialog import FormDialog, rule_message
from desktop.widgets.money_edit import MoneyEdit
from models import fields, ops, queries
from models.clock import utc_today
from models.entities import Contract, Milestone


class MilestoneDialog(FormDialog):
    """Add a milestone (ops.add_milestone) or edit an unfunded one (ops.edit_milestone).

    The amount is in the contract's currency; under it, as the user types, the R2
    minimum of the contract's policy. After OK, `.milestone` holds the milestone as written.
    """

    def __init__(
        self,
        contract: Contract,
        parent: QWidget | None = None,
        milestone: Milestone | None = None,
        *,
        today: date | None = None,
    ):
        super().__init__(
            parent,
            name="milestoneDialog",
            title=f"Edit milestone of “{contract.title}”"
            if milestone is not None
            else f"New milestone for “{contract.title}”",
            ok_text="Save" if milestone is not None else "Add milestone",
        )
        self.contract = contract
        self.milestone: Milestone | None = milestone
        self._editing = milestone
        self.minimum = queries.milestone_minimum(contract)

        self.title_edit = line_edit("titleEdit", "Milestone title", "Required")
        self.amount_edit = MoneyEdit(contract.currency)
        self.amount_edit.setObjectName("amountEdit")
        self.amount_edit.setAccessibleName(f"Amount in {contract.currency}")
        self.amount_edit.setMaximumWidth(200)
        if self.minimum is not None:
            self.amount_edit.setPlaceholderText(f"at least {self.amount_edit.format(self.minimum)}")

        self.due_check = QCheckBox("Set a date")
        self.due_check.setObjectName("dueCheck")
        self.due_check.setAccessibleName("Has a due date")
        self.due_date_edit = QDateEdit()
        self.due_date_edit.setObjectName("dueDateEdit")
        self.due_date_edit.setAccessibleName("Due date")
        self.due_date_edit.setCalendarPopup(True)
        self.due_date_edit.setDisplayFormat("d MMM yyyy")
        self.due_date_edit.setMinimumWidth(140)
        self.due_date_edit.setDate(qdate(utc_today(today)))
        self.due_date_edit.setEnabled(False)
        self.due_check.toggled.connect(self.due_date_edit.setEnabled)
        due_row = QHBoxLayout()
        due_row.setSpacing(8)
        due_row.addWidget(self.due_check)
        due_row.addWidget(self.due_date_edit)
        due_row.addStretch(1)

        self.description_edit = notes_edit("descriptionEdit", "Description")

        self.add_row("title", "&Title:", self.title_edit)
        self.add_row("amount", f"&Amount ({contract.currency}):", self.amount_edit)
        self.add_row(
            "due_on", "D&ue date:", due_row, buddy=self.due_check, focusable=[self.due_check, self.due_date_edit]
        )
        self.add_row("description", "&Description:", self.description_edit)

        if milestone is not None:
            self.title_edit.setText(milestone.title)
            self.amount_edit.setValue(milestone.amount)
            if milestone.due_on is not None:
                self.due_check.setChecked(True)
                self.due_date_edit.setDate(qdate(milestone.due_on))
            self.description_edit.setPlainText(milestone.description)

        self.watch("title", self.title_edit.textChanged)
        self.watch("amount", self.amount_edit.textChanged)
        self.watch("due_on", self.due_check.toggled)
        self.watch("due_on", self.due_date_edit.dateChanged)
        self.watch("description", self.description_edit.textChanged)
        self.finish()
        shows = None if milestone is None else (lambda m=milestone.id: record(Milestone, m))
        self.follow(contract.id, shows=shows)  # the contract ends, or the milestone changes, elsewhere

    def due_on(self) -> date | None:
        return self.due_date_edit.date().toPython() if self.due_check.isChecked() else None

    def problems(self) -> dict[str, str]:
        out = {}
        if self.amount_edit.error():
            out["amount"] = self.amount_edit.error()
        values = {
            "title": self.title_edit.text(),
            "due_on": self.due_on(),
            "description": self.description_edit.toPlainText(),
        }
        if not self.amount_edit.error():
            values["amount"] = self.amount_edit.value()  # R2: at least the policy's minimum, in its words
        for key, value in values.items():
            message = rule_message(fields.milestone_field, self.contract, key, value)
            if message:
                out[key] = message
        return out

    def submit(self) -> None:
        args = (self.title_edit.text(), self.amount_edit.value())
        kwargs = {"due_on": self.due_on(), "description": self.description_edit.toPlainText()}
        if self._editing is None:
            self.milestone = ops.add_milestone(self.contract, *args, **kwargs)
        else:
            self.milestone = ops.edit_milestone(self._editing, *args, **kwargs)
