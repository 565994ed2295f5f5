"""The closeout tab's small dialogs (R11): register access given to the freelancer (a label, never a secret),
add something to receive back (work, material, equipment), and tick a checklist item on the day it was done
(R16) with an optional note."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.fields import FieldError, event_date_edit, left, line_edit, qdate
from desktop.widgets.follow import record
from desktop.widgets.form_dialog import FormDialog, rule_message
from models import fields, ops
from models.clock import utc_today
from models.entities import AccessGrant, CloseoutItem, Contract, Deliverable
from models.labels import DELIVERABLE_KINDS as KIND_LABELS


class AccessDialog(FormDialog):
    """Register access given to the freelancer (ops.add_access): a label, where, and the day it was given.

    As the user types, a label or place that holds a secret is refused beside the field (R11,
    `fields.check_access_text`); one that only may hold one gets `fields.secret_warning` under it, a warning
    that leaves OK enabled. After OK, `.grant` holds the entry as written.
    """

    def __init__(self, contract: Contract, parent: QWidget | None = None, *, today: date | None = None):
        super().__init__(parent, name="accessDialog", title=f"Access given for “{contract.title}”", ok_text="Add")
        self.contract = contract
        self.today = utc_today(today)
        self.grant: AccessGrant | None = None

        self.label_edit = QLineEdit()
        self.label_edit.setObjectName("accessLabelEdit")
        self.label_edit.setAccessibleName("Access")
        self.label_edit.setPlaceholderText("GitHub org: write access")
        self.label_edit.setMinimumWidth(240)
        self.secret_warning = FieldError(self, name="secretWarning", accessible_name="Warning about the access label")
        self.secret_warning.setColourName("warning")  # amber: a warning, not an error
        label_column = QVBoxLayout()
        label_column.setContentsMargins(0, 0, 0, 0)
        label_column.setSpacing(3)
        label_column.addWidget(self.label_edit)
        label_column.addWidget(self.secret_warning)

        self.where_edit = QLineEdit()
        self.where_edit.setObjectName("accessWhereEdit")
        self.where_edit.setAccessibleName("Where")
        self.where_edit.setPlaceholderText("Optional, e.g. github.com/acme")
        self.given_on_edit = QDateEdit()
        self.given_on_edit.setObjectName("accessGivenOnEdit")
        self.given_on_edit.setAccessibleName("Given on")
        self.given_on_edit.setCalendarPopup(True)
        self.given_on_edit.setDisplayFormat("d MMM yyyy")
        self.given_on_edit.setMinimumWidth(140)
        self.given_on_edit.setMaximumDate(qdate(self.today))  # ops: access cannot be given in the future
        self.given_on_edit.setDate(qdate(self.today))
        given_row = QHBoxLayout()
        given_row.setContentsMargins(0, 0, 0, 0)
        given_row.addWidget(self.given_on_edit)
        given_row.addStretch(1)

        note = QLabel("Name the access, never the password or key itself.")
        note.setObjectName("accessHint")
        note.setWordWrap(True)
        self.content.insertWidget(1, note)

        self.add_row("label", "&Access:", label_column, buddy=self.label_edit)
        self.add_row("where", "&Where:", self.where_edit)
        self.add_row("given_on", "&Given on:", given_row, buddy=self.given_on_edit)
        self.watch("label", self.label_edit.textChanged)
        self.watch("where", self.where_edit.textChanged)
        self.watch("given_on", self.given_on_edit.dateChanged)
        self.finish()
        self.follow(contract.id)

    def given_on(self) -> date:
        return self.given_on_edit.date().toPython()

    def warning(self) -> str | None:
        """The secret warning shown now (None when none is)."""
        return None if self.secret_warning.isHidden() else self.secret_warning.message()

    def problems(self) -> dict[str, str]:
        out = {}
        for key, value in (("label", self.label_edit.text()), ("where", self.where_edit.text())):
            message = rule_message(fields.access_field, key, value)
            if message:
                out[key] = message
        given_on = rule_message(fields.check_given_on, self.given_on(), self.today)
        if given_on:
            out["given_on"] = given_on
        return out

    def refresh(self) -> bool:
        text = self.label_edit.text()
        refused = rule_message(fields.access_field, "label", text) is not None
        self.secret_warning.setMessage(None if refused else fields.secret_warning(text))  # a warning: OK stays enabled
        return super().refresh()

    def submit(self) -> None:
        self.grant = ops.add_access(
            self.contract,
            self.label_edit.text(),
            where=self.where_edit.text(),
            given_on=self.given_on(),
            today=self.today,
        )


class DeliverableDialog(FormDialog):
    """Something to receive back (ops.add_deliverable): a label and its kind. After OK, `.deliverable` holds it."""

    def __init__(self, contract: Contract, parent: QWidget | None = None):
        super().__init__(
            parent, name="deliverableDialog", title=f"To receive back from “{contract.title}”", ok_text="Add"
        )
        self.contract = contract
        self.deliverable: Deliverable | None = None

        self.label_edit = QLineEdit()
        self.label_edit.setObjectName("deliverableLabelEdit")
        self.label_edit.setAccessibleName("What")
        self.label_edit.setPlaceholderText("Source files of the logo")
        self.label_edit.setMinimumWidth(240)
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("deliverableKindCombo")
        self.kind_combo.setAccessibleName("Kind")
        for kind in Deliverable.KINDS:
            self.kind_combo.addItem(KIND_LABELS[kind], kind)
        kind_row = QHBoxLayout()
        kind_row.setContentsMargins(0, 0, 0, 0)
        kind_row.addWidget(self.kind_combo)
        kind_row.addStretch(1)

        self.add_row("label", "&What:", self.label_edit)
        self.add_row("kind", "&Kind:", kind_row, buddy=self.kind_combo)
        self.watch("label", self.label_edit.textChanged)
        self.watch("kind", self.kind_combo.currentIndexChanged)
        self.finish()
        self.follow(contract.id)

    def kind(self) -> str:
        return self.kind_combo.currentData()

    def problems(self) -> dict[str, str]:
        label = rule_message(fields.deliverable_field, "label", self.label_edit.text())
        return {"label": label} if label else {}

    def submit(self) -> None:
        self.deliverable = ops.add_deliverable(self.contract, self.label_edit.text(), kind=self.kind())


class CloseoutItemDialog(FormDialog):
    """Tick one checklist item (ops.complete_closeout_item): the day it was done (R16) and an optional note.

    A refusal (an access entry still open, the feedback window still open, a day before the ending) is shown
    under the date or at the top, and the dialog stays open with nothing written. After OK, `.item` holds the
    item as written.
    """

    def __init__(self, item: CloseoutItem, parent: QWidget | None = None, *, today: date):
        self.item = CloseoutItem.get_by_id(item.id if isinstance(item, CloseoutItem) else item)
        super().__init__(parent, name="closeoutItemDialog", title="Mark done", ok_text="Mark &done")
        self.today = today
        contract = self.item.contract
        sentence = QLabel(f"Record that “{self.item.label}” is done on “{contract.title}”.")
        sentence.setObjectName("itemSentence")
        sentence.setWordWrap(True)
        sentence.setTextFormat(Qt.TextFormat.PlainText)
        self.content.insertWidget(1, sentence)

        self.date_edit = event_date_edit("doneOnEdit", "Date it was done", contract.started_on, today)
        self.note_edit = line_edit("noteEdit", "Note", "Optional, e.g. how it was done")
        self.add_row("date", "&On:", left(self.date_edit, "the day it was done"), buddy=self.date_edit)
        self.add_row("note", "&Note:", self.note_edit)
        self.watch("date", self.date_edit.dateChanged)
        self.watch("note", self.note_edit.textChanged)
        self.finish()
        self.follow(contract.id, shows=lambda i=self.item.id: record(CloseoutItem, i))  # ticked elsewhere
        self.date_edit.setFocus()

    def on(self) -> date:
        return self.date_edit.day()

    def problems(self) -> dict[str, str]:
        out = {}
        problem = self.date_edit.problem()
        if problem:
            out["date"] = problem
        note = rule_message(fields.check_note, self.note_edit.text())
        if note:
            out["note"] = note
        return out

    def submit(self) -> None:
        self.item = ops.complete_closeout_item(self.item, note=self.note_edit.text(), on=self.on(), today=self.today)
