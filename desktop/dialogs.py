"""The dialogs that create and edit freelancers, contracts and milestones.

Built in code. Each validates inline as the user types: a message under the
field it is about (shown once that field has been touched), OK disabled until
every field is valid. Nothing is written until OK, and OK calls exactly one
operation in `models.ops`; when the operation refuses, its message is shown
under the field it names (or at the top) and the dialog stays open with the
book unchanged (R14).

The messages come from the models: the same field checks the operations run
(`models.fields`: one field at a time, with the value typed) are run here on each keystroke,
and `money.parse_amount` through `MoneyEdit`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from itertools import pairwise

import peewee as pw
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from models import fields, ops, queries
from models.clock import utc_today
from models.entities import Contract, Freelancer, LedgerEntry, Milestone, Policy
from models.errors import RuleError
from models.money import CURRENCY_EXPONENT

from .money_edit import FieldError, MoneyEdit

DIALOG_WIDTH = 480
NOTES_HEIGHT = 72  # about three lines


def _default(fn: Callable, name: str, fallback: str) -> str:
    """The operation's own default for a parameter, so the dialog preselects what the models would choose."""
    try:
        return inspect.signature(fn).parameters[name].default
    except (KeyError, TypeError, ValueError):  # pragma: no cover - only if the operation's signature changes
        return fallback


DEFAULT_POLICY = _default(ops.create_contract, "policy", "upwork")
DEFAULT_CURRENCY = _default(ops.create_contract, "currency", "USD")


def rule_message(check: Callable, *args, **kwargs) -> str | None:
    """Run one of the models' checks; its refusal in the client's words, or None when it passes."""
    try:
        check(*args, **kwargs)
    except RuleError as exc:
        return exc.message
    return None


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def _notes_edit(name: str, accessible: str) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setTabChangesFocus(True)  # Tab moves on, as in every other field
    edit.setFixedHeight(NOTES_HEIGHT)
    return edit


def _line_edit(name: str, accessible: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setPlaceholderText(placeholder)
    edit.setMinimumWidth(240)
    return edit


class FormDialog(QDialog):
    """What the three dialogs share: a form, a message under each field, one general message, OK/Cancel."""

    def __init__(self, parent: QWidget | None, *, name: str, title: str, ok_text: str = "OK"):
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setModal(True)
        self.setMinimumWidth(DIALOG_WIDTH)
        self._errors: dict[str, FieldError] = {}
        self._inputs: dict[str, QWidget] = {}
        self._touched: set[str] = set()
        self._show_all = False
        self._refusal: tuple[str | None, str] | None = None  # (field, message) of the last refused OK
        self._tab_chain: list[QWidget] = []

        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 16, 18, 14)
        outer.setSpacing(10)
        self.general_error = FieldError(self, name="generalError", accessible_name="Problem with this form")
        outer.addWidget(self.general_error)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.form.setFormAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.form.setHorizontalSpacing(12)
        self.form.setVerticalSpacing(8)
        outer.addLayout(self.form)
        outer.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.setObjectName("buttons")
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("okButton")
        self.ok_button.setText(ok_text)
        self.ok_button.setAccessibleName(ok_text.replace("&", ""))
        self.ok_button.setDefault(True)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

    # ------------------------------------------------------------ building

    def add_row(
        self,
        key: str,
        label: str,
        field: QWidget | QLayout,
        *,
        buddy: QWidget | None = None,
        focusable: list[QWidget] | None = None,
    ) -> FieldError:
        """A form row: label on the left; the field with its message under it on the right.

        `key` is the operation's name for the field (RuleError.field), so a refusal lands under it.
        """
        buddy = buddy or field
        error = FieldError(self, name=f"{_camel(key)}Error", accessible_name=f"{buddy.accessibleName()} error".strip())
        box = QWidget()
        box.setObjectName(f"{_camel(key)}Row")
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        if isinstance(field, QLayout):
            column.addLayout(field)
        else:
            column.addWidget(field)
        column.addWidget(error)
        caption = QLabel(label)
        caption.setObjectName(f"{_camel(key)}Label")
        caption.setBuddy(buddy)
        # Line the caption up with the first line of the field, whether or not a message shows under it.
        caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        if isinstance(buddy, QPlainTextEdit):
            top = buddy.frameWidth() + 4
        else:
            top = max(0, (buddy.sizeHint().height() - caption.sizeHint().height()) // 2)
        caption.setContentsMargins(0, top, 0, 0)
        self.form.addRow(caption, box)
        self._errors[key] = error
        self._inputs[key] = buddy
        self._tab_chain.extend(focusable or [buddy])
        return error

    def finish(self) -> None:
        """Tab order as read (each field, then OK, then Cancel), first validation, a width of ~480 px."""
        chain = [*self._tab_chain, self.ok_button, self.cancel_button]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.refresh()
        self.resize(DIALOG_WIDTH, self.sizeHint().height())

    def watch(self, key: str, signal) -> None:
        """Judge the form again whenever `signal` says field `key` changed."""
        signal.connect(lambda *_: self.touch(key))

    # ---------------------------------------------------------- validation

    def problems(self) -> dict[str, str]:
        """Field name -> what is wrong with it now (the models' words). Subclasses say."""
        raise NotImplementedError

    def submit(self):
        """Call the one operation. Subclasses say."""
        raise NotImplementedError

    def touch(self, key: str) -> None:
        self._touched.add(key)
        if self._refusal is not None and (self._refusal[0] == key or self._refusal[0] not in self._errors):
            self._refusal = None
        self.refresh()

    def refresh(self) -> bool:
        """Show each field's message (once it has been touched) and enable OK only when all are valid."""
        problems = self.problems()
        for key, label in self._errors.items():
            message = problems.get(key) if (self._show_all or key in self._touched) else None
            if self._refusal is not None and self._refusal[0] == key:
                message = self._refusal[1]
            label.setMessage(message)
            self._inputs[key].setAccessibleDescription(message or "")
        refused_generally = self._refusal is not None and self._refusal[0] not in self._errors
        self.general_error.setMessage(self._refusal[1] if refused_generally else None)
        valid = not problems and self._refusal is None
        self.ok_button.setEnabled(valid)
        return valid

    def error_text(self, key: str) -> str | None:
        """The message shown under field `key` now (None when there is none)."""
        label = self._errors[key]
        return None if label.isHidden() else label.message()

    def accept(self) -> None:
        """OK: one operation. A refusal is shown and the dialog stays open; nothing was written."""
        self._show_all = True
        if not self.refresh():
            return
        try:
            self.submit()
        except RuleError as exc:
            self._refusal = (exc.field, exc.message)
            self.refresh()
            target = self._inputs.get(exc.field or "")
            if target is not None and target.isEnabled():
                target.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        super().accept()


# ------------------------------------------------------------------ freelancer


class FreelancerDialog(FormDialog):
    """Create a freelancer (ops.create_freelancer) or edit one (ops.edit_freelancer).

    After OK, `.freelancer` holds the freelancer as written (None until then when creating).
    """

    def __init__(self, parent: QWidget | None = None, freelancer: Freelancer | None = None):
        super().__init__(
            parent,
            name="freelancerDialog",
            title="Edit freelancer" if freelancer is not None else "New freelancer",
            ok_text="Save" if freelancer is not None else "Add freelancer",
        )
        self.freelancer: Freelancer | None = freelancer
        self._editing = freelancer

        self.name_edit = _line_edit("nameEdit", "Name", "Required")
        self.agency_edit = _line_edit("agencyEdit", "Agency", "Optional")
        self.email_edit = _line_edit("emailEdit", "Email", "name@example.com")
        self.profile_url_edit = _line_edit("profileUrlEdit", "Profile link", "https://…")
        self.notes_edit = _notes_edit("notesEdit", "Notes")

        self.add_row("name", "&Name:", self.name_edit)
        self.add_row("agency", "&Agency:", self.agency_edit)
        self.add_row("email", "&Email:", self.email_edit)
        self.add_row("profile_url", "&Profile link:", self.profile_url_edit)
        self.add_row("notes", "N&otes:", self.notes_edit)

        if freelancer is not None:
            self.name_edit.setText(freelancer.name)
            self.agency_edit.setText(freelancer.agency)
            self.email_edit.setText(freelancer.email)
            self.profile_url_edit.setText(freelancer.profile_url)
            self.notes_edit.setPlainText(freelancer.notes)
        for key in ("name", "agency", "email", "profile_url"):
            self.watch(key, getattr(self, f"{key}_edit").textChanged)
        self.watch("notes", self.notes_edit.textChanged)
        self.finish()

    def values(self) -> dict[str, str]:
        return {
            "name": self.name_edit.text(),
            "agency": self.agency_edit.text(),
            "email": self.email_edit.text(),
            "profile_url": self.profile_url_edit.text(),
            "notes": self.notes_edit.toPlainText(),
        }

    def problems(self) -> dict[str, str]:
        # The operation's own field checks, one field at a time.
        out = {}
        for key, value in self.values().items():
            message = rule_message(fields.freelancer_field, key, value)
            if message:
                out[key] = message
        return out

    def submit(self) -> None:
        if self._editing is None:
            self.freelancer = ops.create_freelancer(**self.values())
        else:
            self.freelancer = ops.edit_freelancer(self._editing, **self.values())


# -------------------------------------------------------------------- contract


class ContractDialog(FormDialog):
    """Create a contract (ops.create_contract) or edit one (ops.edit_contract).

    After OK, `.contract` holds the contract as written (None until then when creating).
    Policy, currency and start date are chosen when a contract is created; ops.edit_contract
    does not change them, so for an existing contract they are shown read-only.
    """

    def __init__(self, parent: QWidget | None = None, contract: Contract | None = None, today: date | None = None):
        super().__init__(
            parent,
            name="contractDialog",
            title="Edit contract" if contract is not None else "New contract",
            ok_text="Save" if contract is not None else "Create contract",
        )
        self.contract: Contract | None = contract
        self._editing = contract
        self._today = utc_today(today)
        self.new_freelancer_dialog: FreelancerDialog | None = None

        self.title_edit = _line_edit("titleEdit", "Contract title", "Required")

        self.freelancer_combo = QComboBox()
        self.freelancer_combo.setObjectName("freelancerCombo")
        self.freelancer_combo.setAccessibleName("Freelancer")
        self.freelancer_combo.setMinimumWidth(200)
        self.freelancer_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.freelancer_combo.setMaxVisibleItems(15)
        self.new_freelancer_button = QPushButton("New &freelancer…")
        self.new_freelancer_button.setObjectName("newFreelancerButton")
        self.new_freelancer_button.setAccessibleName("New freelancer")
        self.new_freelancer_button.setAutoDefault(False)
        self.new_freelancer_button.clicked.connect(self.add_freelancer)
        freelancer_row = QHBoxLayout()
        freelancer_row.setSpacing(6)
        freelancer_row.addWidget(self.freelancer_combo, 1)
        freelancer_row.addWidget(self.new_freelancer_button)

        self.policy_combo = QComboBox()
        self.policy_combo.setObjectName("policyCombo")
        self.policy_combo.setAccessibleName("Policy")
        for key, name in self.policies():
            self.policy_combo.addItem(name, key)

        self.currency_combo = QComboBox()
        self.currency_combo.setObjectName("currencyCombo")
        self.currency_combo.setAccessibleName("Currency")
        for code in CURRENCY_EXPONENT:
            self.currency_combo.addItem(code, code)

        currency = contract.currency if contract is not None else DEFAULT_CURRENCY
        self.budget_edit = MoneyEdit(currency)
        self.budget_edit.setObjectName("budgetEdit")
        self.budget_edit.setAccessibleName("Budget")
        self.budget_edit.setRequired(False)
        self.budget_edit.setPlaceholderText("Optional")
        self.budget_edit.setMaximumWidth(200)

        self.external_id_edit = _line_edit("externalIdEdit", "External contract id", "The marketplace's contract id")

        self.started_on_edit = QDateEdit()
        self.started_on_edit.setObjectName("startedOnEdit")
        self.started_on_edit.setAccessibleName("Start date")
        self.started_on_edit.setCalendarPopup(True)
        self.started_on_edit.setDisplayFormat("d MMM yyyy")
        self.started_on_edit.setMinimumWidth(140)
        self.started_on_edit.setMaximumWidth(200)
        self.started_on_edit.setDate(_qdate(self._today))

        self.notes_edit = _notes_edit("notesEdit", "Notes")

        self.fixed_note = QLabel()
        self.fixed_note.setObjectName("fixedNote")
        self.fixed_note.setWordWrap(True)
        self.fixed_note.setEnabled(False)  # the palette's quieter text colour
        self.fixed_note.setVisible(False)

        self.add_row("title", "&Title:", self.title_edit)
        self.add_row(
            "freelancer",
            "Free&lancer:",
            freelancer_row,
            buddy=self.freelancer_combo,
            focusable=[self.freelancer_combo, self.new_freelancer_button],
        )
        self.add_row("policy", "&Policy:", self.policy_combo)
        self.add_row("currency", "C&urrency:", self.currency_combo)
        self.add_row("budget", "&Budget:", self.budget_edit)
        self.add_row("external_id", "Contract &id:", self.external_id_edit)
        self.add_row("started_on", "&Start date:", self.started_on_edit)
        self.form.addRow("", self.fixed_note)
        self.add_row("notes", "N&otes:", self.notes_edit)

        self.load_freelancers(contract.freelancer_id if contract is not None else None)
        self.select_policy(contract.policy.key if contract is not None else DEFAULT_POLICY)
        self.currency_combo.setCurrentIndex(max(0, self.currency_combo.findData(currency)))
        self.currency_combo.currentIndexChanged.connect(self._currency_chosen)
        self._label_budget()
        if contract is not None:
            self.title_edit.setText(contract.title)
            self.budget_edit.setValue(contract.budget)
            self.external_id_edit.setText(contract.external_id)
            self.started_on_edit.setDate(_qdate(contract.started_on))
            self.notes_edit.setPlainText(contract.notes)
            for widget in (self.policy_combo, self.currency_combo, self.started_on_edit):
                widget.setEnabled(False)
                widget.setToolTip("Set when the contract was created.")
            has_entries = LedgerEntry.select().where(LedgerEntry.contract == contract).exists()
            self.fixed_note.setText(
                "Policy, currency and start date cannot change: this contract has entries in the ledger."
                if has_entries
                else "Policy, currency and start date are set when a contract is created."
            )
            self.fixed_note.setVisible(True)

        self.watch("title", self.title_edit.textChanged)
        self.watch("freelancer", self.freelancer_combo.currentIndexChanged)
        self.watch("policy", self.policy_combo.currentIndexChanged)
        self.watch("currency", self.currency_combo.currentIndexChanged)
        self.watch("budget", self.budget_edit.textChanged)
        self.watch("external_id", self.external_id_edit.textChanged)
        self.watch("started_on", self.started_on_edit.dateChanged)
        self.watch("notes", self.notes_edit.textChanged)
        self.finish()

    # ------------------------------------------------------------ choices

    @staticmethod
    def policies() -> list[tuple[str, str]]:
        """(key, name) of each distinct policy in the book, the operation's default first."""
        names: dict[str, str] = {}
        for row in Policy.select(Policy.key, Policy.name).order_by(Policy.key, Policy.effective_from.desc()):
            names.setdefault(row.key, row.name)
        return sorted(names.items(), key=lambda item: (item[0] != DEFAULT_POLICY, item[1].lower()))

    def select_policy(self, key: str) -> None:
        self.policy_combo.setCurrentIndex(max(0, self.policy_combo.findData(key)))

    def load_freelancers(self, select_id: int | None = None) -> None:
        """Every freelancer in the book, sorted by name; select one by id."""
        combo = self.freelancer_combo
        combo.blockSignals(True)
        combo.clear()
        rows = Freelancer.select(Freelancer.id, Freelancer.name, Freelancer.agency).order_by(
            pw.fn.lower(Freelancer.name), Freelancer.id
        )
        for f in rows:
            combo.addItem(f"{f.name} ({f.agency})" if f.agency else f.name, f.id)
        combo.setCurrentIndex(combo.findData(select_id) if select_id is not None else (0 if combo.count() else -1))
        if combo.count() == 0:
            combo.setPlaceholderText("No freelancers yet: add one")
        combo.blockSignals(False)

    def add_freelancer(self) -> None:
        """ "New freelancer…": a FreelancerDialog (its own OK writes the freelancer), then select them."""
        dialog = FreelancerDialog(self)
        self.new_freelancer_dialog = dialog
        dialog.accepted.connect(lambda: self._freelancer_added(dialog))
        dialog.open()

    def _freelancer_added(self, dialog: FreelancerDialog) -> None:
        if dialog.freelancer is not None:
            self.load_freelancers(dialog.freelancer.id)
            self.touch("freelancer")
            self.freelancer_combo.setFocus(Qt.FocusReason.OtherFocusReason)

    def _currency_chosen(self) -> None:
        self.budget_edit.setCurrency(self.currency_combo.currentData())
        self._label_budget()

    def _label_budget(self) -> None:
        label = self.form.labelForField(self.budget_edit.parentWidget())
        if isinstance(label, QLabel):
            label.setText(f"&Budget ({self.budget_edit.currency()}):")

    # --------------------------------------------------------- validation

    def problems(self) -> dict[str, str]:
        out = {}
        texts = {
            "title": self.title_edit.text(),
            "external_id": self.external_id_edit.text(),
            "notes": self.notes_edit.toPlainText(),
        }
        for key, value in texts.items():
            message = rule_message(fields.contract_field, key, value)
            if message:
                out[key] = message
        if self.freelancer_combo.currentData() is None:
            out["freelancer"] = "Choose a freelancer, or add a new one."
        if self.budget_edit.error():
            out["budget"] = self.budget_edit.error()
        if self._editing is None:
            started_on = rule_message(fields.check_started_on, self.started_on_edit.date().toPython(), self._today)
            if started_on:
                out["started_on"] = started_on
        return out

    def submit(self) -> None:
        freelancer_id = self.freelancer_combo.currentData()
        if self._editing is None:
            self.contract = ops.create_contract(
                self.title_edit.text(),
                freelancer_id,
                policy=self.policy_combo.currentData(),
                currency=self.currency_combo.currentData(),
                budget=self.budget_edit.value(),
                external_id=self.external_id_edit.text(),
                started_on=self.started_on_edit.date().toPython(),
                notes=self.notes_edit.toPlainText(),
                today=self._today,
            )
            return
        c = self._editing
        changes = {}  # only what changed, so the audit log says what was edited
        if self.title_edit.text() != c.title:
            changes["title"] = self.title_edit.text()
        if freelancer_id != c.freelancer_id:
            changes["freelancer"] = freelancer_id
        if self.budget_edit.value() != c.budget:
            changes["budget"] = self.budget_edit.value()
        if self.external_id_edit.text() != c.external_id:
            changes["external_id"] = self.external_id_edit.text()
        if self.notes_edit.toPlainText() != c.notes:
            changes["notes"] = self.notes_edit.toPlainText()
        self.contract = ops.edit_contract(c, **changes) if changes else c


# ------------------------------------------------------------------- milestone


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

        self.title_edit = _line_edit("titleEdit", "Milestone title", "Required")
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
        self.due_date_edit.setDate(_qdate(utc_today(today)))
        self.due_date_edit.setEnabled(False)
        self.due_check.toggled.connect(self.due_date_edit.setEnabled)
        due_row = QHBoxLayout()
        due_row.setSpacing(8)
        due_row.addWidget(self.due_check)
        due_row.addWidget(self.due_date_edit)
        due_row.addStretch(1)

        self.description_edit = _notes_edit("descriptionEdit", "Description")

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
                self.due_date_edit.setDate(_qdate(milestone.due_on))
            self.description_edit.setPlainText(milestone.description)

        self.watch("title", self.title_edit.textChanged)
        self.watch("amount", self.amount_edit.textChanged)
        self.watch("due_on", self.due_check.toggled)
        self.watch("due_on", self.due_date_edit.dateChanged)
        self.watch("description", self.description_edit.textChanged)
        self.finish()

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
