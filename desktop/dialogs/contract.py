"""Create or edit a contract.

Built on `FormDialog`: each field is checked as the user types, with the same field checks the
operations run (`models.fields`, one field at a time, with the value typed), and amounts through
`MoneyEdit`. OK calls exactly one operation; a refusal is shown under the field it names and the
dialog stays open with the book unchanged (R14).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date

import peewee as pw
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.fields import left, line_edit, notes_edit, qdate
from desktop.widgets.follow import record
from desktop.widgets.form_dialog import FormDialog, rule_message
from desktop.widgets.money_edit import MoneyEdit
from desktop.widgets.why import with_why
from models import fields, ops, order
from models.clock import utc_today
from models.entities import Contract, Freelancer, LedgerEntry, Policy
from models.errors import RuleError
from models.money import CURRENCY_EXPONENT
from models.policy import policy_for


def _default(fn: Callable, name: str, fallback: str) -> str:
    """The operation's own default for a parameter, so the dialog preselects what the models would choose."""
    try:
        return inspect.signature(fn).parameters[name].default
    except (KeyError, TypeError, ValueError):  # pragma: no cover - only if the operation's signature changes
        return fallback


DEFAULT_POLICY = _default(ops.create_contract, "policy", "upwork")
DEFAULT_CURRENCY = _default(ops.create_contract, "currency", "USD")


class ContractDialog(FormDialog):
    """Create a contract (ops.create_contract) or edit one (ops.edit_contract).

    After OK, `.contract` holds the contract as written (None until then when creating).
    "New freelancer…" opens the dialog `new_freelancer(parent)` makes, and selects the freelancer it adds.
    Policy, currency and start date are chosen when a contract is created; ops.edit_contract
    does not change them, so for an existing contract they are shown read-only.
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        contract: Contract | None = None,
        today: date | None = None,
        *,
        new_freelancer: Callable[[QWidget], QDialog] | None,
    ):
        super().__init__(
            parent,
            name="contractDialog",
            title="Edit contract" if contract is not None else "New contract",
            ok_text="Save" if contract is not None else "Create contract",
        )
        self.contract: Contract | None = contract
        self._editing = contract
        self._today = utc_today(today)
        # "New freelancer…" opens the dialog this makes (given by the window: a dialog never imports another);
        # it has `.freelancer` once accepted. Without it, there is no such button.
        self._new_freelancer = new_freelancer
        self.new_freelancer_dialog: QDialog | None = None

        self.title_edit = line_edit("titleEdit", "Contract title", "Required")

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
        self.new_freelancer_button.setVisible(new_freelancer is not None)

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
        # R2: under a policy version that allows only some currencies, the list offers only those, and this
        # says why (and which policy takes another currency).
        self.currency_hint = QLabel()
        self.currency_hint.setObjectName("currencyHint")
        self.currency_hint.setAccessibleName("About the currencies offered")
        self.currency_hint.setWordWrap(True)
        self.currency_hint.setEnabled(False)  # the palette's quieter text colour
        self.currency_hint.setVisible(False)
        currency_row = QVBoxLayout()
        currency_row.setSpacing(3)
        currency_row.addWidget(self.currency_combo)
        currency_row.addWidget(self.currency_hint)

        currency = contract.currency if contract is not None else DEFAULT_CURRENCY
        self.budget_edit = MoneyEdit(currency)
        self.budget_edit.setObjectName("budgetEdit")
        self.budget_edit.setAccessibleName("Budget")
        self.budget_edit.setRequired(False)
        self.budget_edit.setPlaceholderText("Optional")
        self.budget_edit.setMaximumWidth(200)

        self.external_id_edit = line_edit("externalIdEdit", "External contract id", "The marketplace's contract id")

        self.started_on_edit = QDateEdit()
        self.started_on_edit.setObjectName("startedOnEdit")
        self.started_on_edit.setAccessibleName("Start date")
        self.started_on_edit.setCalendarPopup(True)
        self.started_on_edit.setDisplayFormat("d MMM yyyy")
        self.started_on_edit.setMinimumWidth(140)
        self.started_on_edit.setMaximumWidth(200)
        self.started_on_edit.setDate(qdate(self._today))

        self.notes_edit = notes_edit("notesEdit", "Notes")

        # R3 (v2): the initiation fee set for this contract, shown only under a policy version with a range.
        self.initiation_fee_edit = MoneyEdit(currency)
        self.initiation_fee_edit.setObjectName("initiationFeeEdit")
        self.initiation_fee_edit.setAccessibleName("Contract initiation fee")
        self.initiation_fee_edit.setMaximumWidth(120)
        self.initiation_fee_hint = QLabel()  # "between $0.99 and $14.99, as the marketplace showed it"
        self.initiation_fee_hint.setObjectName("initiationFeeHint")
        self.initiation_fee_hint.setWordWrap(True)
        self.initiation_fee_hint.setTextFormat(Qt.TextFormat.PlainText)
        fee_row = QVBoxLayout()
        fee_row.setContentsMargins(0, 0, 0, 0)
        fee_row.setSpacing(2)
        fee_row.addLayout(left(self.initiation_fee_edit))
        fee_row.addWidget(with_why(self.initiation_fee_hint, "fees", "the marketplace's fees"))

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
            focusable=[self.freelancer_combo, self.new_freelancer_button][: 2 if new_freelancer else 1],
        )
        self.add_row("policy", "&Policy:", self.policy_combo)
        self.add_row("currency", "C&urrency:", currency_row, buddy=self.currency_combo)
        self.add_row("budget", "&Budget:", self.budget_edit)
        self.add_row("external_id", "Contract &id:", self.external_id_edit)
        self.add_row("started_on", "&Start date:", self.started_on_edit)
        self.add_row("initiation_fee", "Contract initiation f&ee:", fee_row, buddy=self.initiation_fee_edit)
        self.form.addRow("", self.fixed_note)
        self.add_row("notes", "N&otes:", self.notes_edit)

        self.load_freelancers(contract.freelancer_id if contract is not None else None)
        self.select_policy(contract.policy.key if contract is not None else DEFAULT_POLICY)
        self.currency_combo.setCurrentIndex(max(0, self.currency_combo.findData(currency)))
        self._wanted_currency = currency  # the user's own choice, offered again when a policy allows it
        self.currency_combo.currentIndexChanged.connect(self._currency_picked)
        if contract is None:
            self.policy_combo.currentIndexChanged.connect(self._offer_currencies)
            self.started_on_edit.dateChanged.connect(self._offer_currencies)
            self._offer_currencies()
        self._label_budget()
        if contract is not None:
            self.title_edit.setText(contract.title)
            self.budget_edit.setValue(contract.budget)
            self.external_id_edit.setText(contract.external_id)
            self.started_on_edit.setDate(qdate(contract.started_on))
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
        self._show_initiation_fee(initial=True)
        for signal in (
            self.policy_combo.currentIndexChanged,
            self.currency_combo.currentIndexChanged,
            self.started_on_edit.dateChanged,
        ):
            signal.connect(lambda *_: self._show_initiation_fee())
        self.watch("initiation_fee", self.initiation_fee_edit.textChanged)
        self.finish()
        if contract is not None:  # editing: the contract ends, or is edited, elsewhere
            self.follow(contract.id, shows=lambda c=contract.id: record(Contract, c))

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
        dialog = self._new_freelancer(self)
        self.new_freelancer_dialog = dialog
        dialog.accepted.connect(lambda: self._freelancer_added(dialog))
        dialog.open()

    def _freelancer_added(self, dialog: QDialog) -> None:
        if dialog.freelancer is not None:
            self.load_freelancers(dialog.freelancer.id)
            self.touch("freelancer")
            self.freelancer_combo.setFocus(Qt.FocusReason.OtherFocusReason)

    def _offer_currencies(self) -> None:
        """R2: offer the currencies the policy version in force on the start date allows, the user's own
        choice selected while it is one of them; say why when the list is short."""
        version = self.chosen_policy()
        codes = list(CURRENCY_EXPONENT) if version is None else fields.allowed_currencies(version)
        combo = self.currency_combo
        if [combo.itemData(i) for i in range(combo.count())] != codes:
            before = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for code in codes:
                combo.addItem(code, code)
            for choice in (self._wanted_currency, before, DEFAULT_CURRENCY):
                if choice in codes:
                    combo.setCurrentIndex(codes.index(choice))
                    break
            combo.blockSignals(False)
            if combo.currentData() != before:
                self._currency_chosen()
        on = self.started_on_edit.date().toPython()
        note = None if version is None else fields.currency_note(version, on)
        self.currency_hint.setText(note or "")
        self.currency_hint.setVisible(note is not None)
        self.currency_combo.setToolTip(note or "")

    def _currency_picked(self) -> None:
        """The user chose a currency (the list offered again keeps it while a policy allows it)."""
        self._wanted_currency = self.currency_combo.currentData()
        self._currency_chosen()

    def _currency_chosen(self) -> None:
        self.budget_edit.setCurrency(self.currency_combo.currentData())
        self._label_budget()

    def _label_budget(self) -> None:
        label = self.form.labelForField(self.budget_edit.parentWidget())
        if isinstance(label, QLabel):
            label.setText(f"&Budget ({self.budget_edit.currency()}):")

    # ---------------------------------------------- initiation fee (R3 v2)

    def chosen_policy(self) -> Policy | None:
        """The policy version the contract is (or will be) under: the chosen policy's on the chosen start date."""
        if self._editing is not None:
            return self._editing.policy
        key = self.policy_combo.currentData()
        if key is None:
            return None
        try:
            return policy_for(key, self.started_on_edit.date().toPython())
        except RuleError:
            return None

    def asks_initiation_fee(self) -> bool:
        """Whether the contract's initiation fee is set per contract (a second-version marketplace contract)."""
        policy = self.chosen_policy()
        currency = self.currency_combo.currentData() or DEFAULT_CURRENCY
        return policy is not None and fields.initiation_fee_range(policy, currency) is not None

    def _show_initiation_fee(self, *, initial: bool = False) -> None:
        """Show the initiation fee row only when the contract's policy version sets it per contract, with the
        range as its hint; prefilled with the contract's fee (or, for a new contract, the range's lowest)."""
        shown = self.asks_initiation_fee()
        self.form.setRowVisible(self.initiation_fee_edit.parentWidget(), shown)
        if not shown:
            return
        policy = self.chosen_policy()
        currency = self.currency_combo.currentData() or DEFAULT_CURRENCY
        self.initiation_fee_edit.setCurrency(currency)
        self.initiation_fee_hint.setText(fields.initiation_fee_hint(policy, currency))
        c = self._editing
        if initial or self.initiation_fee_edit.value() is None:
            fee = c.initiation_fee if c is not None and c.initiation_fee is not None else None
            self.initiation_fee_edit.setValue(
                fee if fee is not None else fields.check_initiation_fee(policy, None, currency)
            )
        if c is not None and initial and order.latest_entry(c, (LedgerEntry.FUND,)) is not None:
            self.initiation_fee_edit.setEnabled(False)  # a funding stands: the fee was charged with it
            self.initiation_fee_edit.setToolTip("Charged with the first funding: it can no longer change.")

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
            version = self.chosen_policy()
            if version is not None:
                currency = rule_message(
                    fields.check_policy_currency,
                    version,
                    self.currency_combo.currentData(),
                    self.started_on_edit.date().toPython(),
                )
                if currency:
                    out["currency"] = currency
        if self.asks_initiation_fee() and self.initiation_fee_edit.isEnabled():
            fee = self.initiation_fee_edit.error() or rule_message(
                fields.check_initiation_fee,
                self.chosen_policy(),
                self.initiation_fee_edit.value(),
                self.currency_combo.currentData() or DEFAULT_CURRENCY,
            )
            if fee:
                out["initiation_fee"] = fee
        return out

    def initiation_fee(self) -> int | None:
        """The initiation fee typed, when the contract's policy sets it per contract (else None)."""
        return self.initiation_fee_edit.value() if self.asks_initiation_fee() else None

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
                initiation_fee=self.initiation_fee(),
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
        fee = self.initiation_fee()
        if self.initiation_fee_edit.isEnabled() and fee is not None and fee != c.initiation_fee:
            changes["initiation_fee"] = fee
        self.contract = ops.edit_contract(c, **changes) if changes else c
