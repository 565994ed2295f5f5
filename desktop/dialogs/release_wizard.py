"""Release a payment: the article's "release a final payment" as a wizard (R2, R3, R4, R5, R7, R14).

1. Milestone: an active milestone, or a new one (for escrow that is not part of
   an active milestone; where the remaining escrow is short, a deposit with its
   fees is shown).
2. Amount: all of it, or part of it; what stays in escrow afterwards.
3. Review: every figure in plain words, the day of the payment ("On:", today by
   default, R16), and "Pay now", the only button that writes, calling one
   operation in one transaction.
4. Done: "End the contract now…" (the end-contract confirmation, when the wizard was given a way to open
   it), or "Keep it open".

Cancel or close on any page before "Pay now" leaves the book exactly as it was. The pages write the
client's choices into one `ReleaseChoice` (desktop/dialogs/release_plan.py); every figure shown and the
payment itself are computed there from that choice alone, without Qt.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop import formatting
from desktop.dialogs import release_plan
from desktop.dialogs.release_plan import NEW, ReleaseChoice
from desktop.widgets.fields import FieldError, event_date_edit, left, named_by_text
from desktop.widgets.follow import follow_contract
from desktop.widgets.money_edit import MoneyEdit
from desktop.widgets.screen_fit import keep_on_screen
from models import queries
from models.entities import Contract, Milestone
from models.errors import RuleError


def _label(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    if name:
        label.setObjectName(name)
        label.setAccessibleName(name)
    return label


class ReleaseWizard(QWizard):
    """Construct, then `exec()`; `released` holds the payment entry once "Pay now" succeeded."""

    contract_changed = Signal(int)

    def __init__(
        self,
        contract: Contract,
        parent=None,
        *,
        today: date | None = None,
        milestone_id: int | None = None,
        open_end_contract: Callable[[QWidget, Contract], QDialog] | None,
    ):
        """`open_end_contract(parent, contract)` makes the end-contract confirmation that "End the contract now…"
        opens (it has `ended`, `go_to_closeout` and a `contract_changed` signal). Without it (the wizard was
        opened from that confirmation) the last page offers to go back to it instead."""
        super().__init__(parent)
        keep_on_screen(self)  # never larger than the screen
        self.setObjectName("releaseWizard")
        self.setWindowTitle(f"Release a payment — {contract.title}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Pay now")
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Keep it open")
        for which in (QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton,
                      QWizard.WizardButton.CommitButton, QWizard.WizardButton.FinishButton,
                      QWizard.WizardButton.CancelButton):  # fmt: skip
            named_by_text(self.button(which))
        self.contract = contract
        self.today = today or date.today()
        self._open_end_contract = open_end_contract
        self.offer_end = open_end_contract is not None
        self.choice = ReleaseChoice()  # what the pages decided (they write it; release_plan reads it)
        self.released = None
        self.ended = False
        self.go_to_closeout = False
        self.end_dialog = None
        self.choose = ChoosePage(self, milestone_id)
        self.amount = AmountPage(self)
        self.review = ReviewPage(self)
        self.done_page = DonePage(self)
        for page in (self.choose, self.amount, self.review, self.done_page):
            self.addPage(page)
        self.resize(620, 480)
        self.watch = follow_contract(self, contract.id)  # the contract ends elsewhere: the wizard closes

    # What the pages decided, in minor units of the contract's currency.
    def money(self, minor: int) -> str:
        return formatting.money(minor, self.contract.currency)

    def available(self) -> int:
        """How much can be released: the chosen milestone's escrow, or the new milestone's amount."""
        return release_plan.available(self.contract, self.choice)

    def release_amount(self) -> int | None:
        return release_plan.release_amount(self.contract, self.choice)

    def plan(self) -> dict:
        """For a new milestone: how it is funded (from remaining escrow, deposit, fees)."""
        return release_plan.funding(self.contract, self.choice)

    def escrow_after(self) -> int:
        return release_plan.escrow_after(self.contract, self.choice)

    def pay(self) -> bool:
        """The only write: one operation, all or nothing (R14)."""
        try:
            with self.watch.own():
                self.released = release_plan.pay(self.contract, self.choice, today=self.today)
        except RuleError as exc:
            (self.review.date_error if exc.field == "date" else self.review.error).setMessage(exc.message)
            return False
        self.contract_changed.emit(self.contract.id)
        return True

    def end_contract(self) -> bool:
        """Open the end-contract confirmation (R7); when the contract ended there, the wizard is done."""
        if self._open_end_contract is None:
            return False
        dialog = self._open_end_contract(self, Contract.get_by_id(self.contract.id))
        dialog.contract_changed.connect(self.contract_changed)
        self.end_dialog = dialog  # tests reach the open confirmation here
        with self.watch.own():
            dialog.exec()
        self.end_dialog = None
        self.ended = dialog.ended
        self.go_to_closeout = dialog.go_to_closeout
        if self.ended:
            self.accept()
        return self.ended


class ChoosePage(QWizardPage):
    def __init__(self, wizard: ReleaseWizard, milestone_id: int | None):
        super().__init__()
        self.w = wizard
        c = wizard.contract
        self.setTitle("Which milestone?")
        self.setSubTitle("Payments are released from an active milestone.")
        balances = queries.balances(c)
        self.loose = max(queries.unassigned_escrow(c), 0)
        summary = _label(
            f"In escrow on this contract: <b>{html.escape(wizard.money(balances.escrow))}</b>"
            + (
                f", of which {html.escape(wizard.money(self.loose))} is not part of an active milestone"
                f" (left over after a partial release)."
                if self.loose
                else "."
            ),
            "escrowSummary",
        )
        self.group = QButtonGroup(self)
        self.active = queries.active_milestones(c)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        for m in self.active:
            b = QRadioButton(f"“{m.title}” — {wizard.money(queries.milestone_escrow(m))} unreleased")
            b.setObjectName(f"milestone_{m.id}")
            b.setAccessibleName(f"Release from {m.title}")
            self.group.addButton(b, m.id)
            layout.addWidget(b)
        self.new_choice = QRadioButton("Add a new milestone and release it")
        self.new_choice.setObjectName("newMilestoneChoice")
        self.new_choice.setAccessibleName("Add a new milestone")
        self.group.addButton(self.new_choice, NEW)
        layout.addWidget(self.new_choice)

        self.new_box = QWidget()
        form = QFormLayout(self.new_box)
        form.setContentsMargins(24, 0, 0, 0)
        self.new_title = QLineEdit()
        self.new_title.setObjectName("newTitleEdit")
        self.new_title.setAccessibleName("New milestone title")
        self.new_title.setPlaceholderText("e.g. Final payment")
        self.new_details = QPlainTextEdit()
        self.new_details.setObjectName("newDetailsEdit")
        self.new_details.setAccessibleName("New milestone details")
        self.new_details.setTabChangesFocus(True)
        self.new_details.setFixedHeight(54)
        self.new_amount = MoneyEdit(c.currency)
        self.new_amount.setObjectName("newAmountEdit")
        self.new_amount.setAccessibleName("New milestone amount")
        self.new_error = FieldError(name="newAmountError", accessible_name="New milestone amount message")
        self.new_error.reserve()  # its room kept: nothing moves while the user types
        self.funding_note = _label(name="fundingNote")
        form.addRow("&Title:", self.new_title)
        form.addRow("&Details:", self.new_details)
        form.addRow(f"&Amount ({c.currency}):", self.new_amount)
        form.addRow("", self.new_error)
        form.addRow("", self.funding_note)
        layout.addWidget(self.new_box)
        layout.addStretch(1)

        self.group.idToggled.connect(lambda *_: self._changed())
        self.new_title.textChanged.connect(self._changed)
        self.new_details.textChanged.connect(self.write_choice)  # the details change no figure
        self.new_amount.textChanged.connect(self._changed)
        chosen = self.group.button(milestone_id) if milestone_id is not None else None
        (chosen or (self.group.buttons()[0] if self.active else self.new_choice)).setChecked(True)
        self._changed()

    def initializePage(self) -> None:
        """The focus on the first thing to do: the milestone chosen, or the new one's title when that is the only
        choice (typing goes where the user looks)."""
        QTimer.singleShot(0, self, self._focus_first)  # after QWizard has given the page its own focus

    def _focus_first(self) -> None:
        if self.choice() == NEW and not self.active:
            self.new_title.setFocus(Qt.FocusReason.OtherFocusReason)

    def choice(self) -> int | None:
        return self.group.checkedId() if self.group.checkedButton() else None

    def milestone(self) -> Milestone | None:
        return release_plan.milestone(self.w.choice)

    def new_problem(self) -> str | None:
        """R2: a new milestone has a title and at least the policy minimum."""
        return release_plan.new_milestone_problem(self.w.contract, self.w.choice)

    def write_choice(self) -> None:
        """What this page holds, into the wizard's ReleaseChoice."""
        c = self.w.choice
        c.milestone_id = self.choice()
        c.new_title = self.new_title.text()
        c.new_details = self.new_details.toPlainText()
        c.new_amount = self.new_amount.value()
        c.new_amount_error = self.new_amount.error()

    def _changed(self) -> None:
        self.write_choice()
        new = self.choice() == NEW
        self.new_box.setVisible(new)
        problem = self.new_problem() if new else None
        touched = bool(self.new_amount.text() or self.new_title.text())
        self.new_error.setMessage(problem if touched else None)
        note = ""
        if new and problem is None:
            funding = self.w.plan()
            if funding["deposit"]:
                fees = funding["fee"] + funding["initiation_fee"]
                lead = f"Remaining escrow is {self.w.money(self.loose)}: a deposit" if self.loose else "A deposit"
                note = f"{lead} of <b>{self.w.money(funding['deposit'])}</b> will be funded" + (
                    f", with fees of {self.w.money(fees)}." if fees else "."
                )
            else:
                note = f"Paid from the remaining escrow ({self.w.money(self.loose)}); no new deposit, no fee."
        self.funding_note.setText(note)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return release_plan.choice_problem(self.w.contract, self.w.choice) is None


class AmountPage(QWizardPage):
    def __init__(self, wizard: ReleaseWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("How much?")
        self.setSubTitle("Release all of it, or part of it. A partial release closes the milestone.")
        self.group = QButtonGroup(self)
        self.full = QRadioButton()
        self.full.setObjectName("fullRelease")
        self.full.setAccessibleName("Release all of it")
        self.partial = QRadioButton("Release &part of it:")
        self.partial.setObjectName("partialRelease")
        self.partial.setAccessibleName("Release part of it")
        self.group.addButton(self.full)
        self.group.addButton(self.partial)
        self.part = MoneyEdit(wizard.contract.currency)
        self.part.setObjectName("partialAmountEdit")
        self.part.setAccessibleName("Amount to release")
        self.part.setMaximumWidth(200)
        self.error = FieldError(name="amountError", accessible_name="Amount message")
        self.error.reserve()  # its room kept: nothing moves while the user types
        self.after = _label(name="escrowAfter")
        layout = QVBoxLayout(self)
        layout.addWidget(self.full)
        layout.addWidget(self.partial)
        row = QFormLayout()
        row.setContentsMargins(24, 0, 0, 0)
        row.addRow(self.part)
        row.addRow(self.error)
        layout.addLayout(row)
        layout.addSpacing(12)
        layout.addWidget(self.after)
        layout.addStretch(1)
        self.full.toggled.connect(self._changed)
        self.part.textChanged.connect(self._changed)

    def initializePage(self) -> None:
        self.full.setText(f"Release &all of it: {self.w.money(self.w.available())}")
        self.full.setChecked(True)
        self._changed()

    def problem(self) -> str | None:
        """R5: 0 < amount <= what is available."""
        return release_plan.amount_problem(self.w.contract, self.w.choice)

    def write_choice(self) -> None:
        """What this page holds, into the wizard's ReleaseChoice."""
        c = self.w.choice
        c.full = self.full.isChecked()
        c.part = self.part.value()
        c.part_error = self.part.error()

    def _changed(self, *_) -> None:
        self.write_choice()
        self.part.setEnabled(self.partial.isChecked())
        problem = self.problem()
        self.error.setMessage(problem if (self.partial.isChecked() and self.part.text()) else None)
        if problem is None:
            self.after.setText(f"Afterwards <b>{self.w.money(self.w.escrow_after())}</b> stays in escrow.")
        else:
            self.after.setText("")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.problem() is None


class ReviewPage(QWizardPage):
    def __init__(self, wizard: ReleaseWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("Review and approve")
        self.setSubTitle("Nothing is recorded until you choose Pay now.")
        self.setCommitPage(True)
        self.text = _label(name="reviewText")
        self.date_edit = event_date_edit(
            "releaseDateEdit", "Date of the payment", wizard.contract.started_on, wizard.today
        )
        self.date_error = FieldError(name="dateError", accessible_name="Date of the payment message")
        self.date_error.reserve()  # its room kept: nothing moves while the user types
        on_label = QLabel("&On:")
        on_label.setObjectName("dateLabel")
        on_label.setBuddy(self.date_edit)
        column = QVBoxLayout()
        column.setSpacing(3)
        column.addLayout(left(self.date_edit, "the day you released it"))
        column.addWidget(self.date_error)
        form = QFormLayout()
        form.setContentsMargins(0, 4, 0, 0)
        form.addRow(on_label, column)
        self.error = FieldError(name="reviewError", accessible_name="Payment message")
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.date_edit.dateChanged.connect(self._date_chosen)
        self._date_chosen()

    def _date_chosen(self, *_) -> None:
        """The day of the payment, into the wizard's ReleaseChoice; a day outside the range is said under it."""
        self.w.choice.on = self.date_edit.day()
        self.date_error.setMessage(self.date_edit.problem())
        self.error.clear()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.date_edit.problem() is None

    def initializePage(self) -> None:
        w = self.w
        c = w.contract
        amount = w.release_amount() or 0
        who = html.escape(c.freelancer.name)
        lines = []
        if w.choice.is_new:
            title = html.escape(w.choice.new_title.strip())
            plan = w.plan()
            new_amount = w.choice.new_amount or 0
            funding = []
            if plan["from_escrow"]:
                funding.append(f"{w.money(plan['from_escrow'])} from the remaining escrow")
            if plan["deposit"]:
                funding.append(f"a deposit of {w.money(plan['deposit'])}")
            lines.append(f"Add the milestone “{title}” of {w.money(new_amount)}, funded with {' and '.join(funding)}.")
            fees = plan["fee"] + plan["initiation_fee"]
            if fees:
                lines.append(f"Fees recorded with the deposit: {w.money(fees)}.")
        else:
            title = html.escape(w.choose.milestone().title)
        lines.append(
            f"<b>Release {w.money(amount)} to {who} from “{title}”.</b> {w.money(w.escrow_after())} stays in escrow."
        )
        self.text.setText("".join(f"<p>{line}</p>" for line in lines))
        self.error.clear()
        self.date_error.setMessage(self.date_edit.problem())

    def validatePage(self) -> bool:
        return self.w.pay()


class DonePage(QWizardPage):
    """After paying: "End the contract now…" (the end-contract confirmation, R7) or "Keep it open" (Finish)."""

    def __init__(self, wizard: ReleaseWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("Payment released")
        self.setFinalPage(True)
        self.text = _label(name="doneText")
        self.end_button = QPushButton("&End the contract now…")
        self.end_button.setObjectName("endNowButton")
        self.end_button.setAccessibleName("End the contract now")
        self.end_button.setAutoDefault(False)
        self.end_note = _label(name="endNote")
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addSpacing(8)
        row = QHBoxLayout()
        row.addWidget(self.end_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.end_note)
        layout.addStretch(1)
        layout.addWidget(_label("Or choose <b>Keep it open</b> to finish here."))
        self.end_button.clicked.connect(self.w.end_contract)

    def initializePage(self) -> None:
        w = self.w
        entry = w.released
        self.text.setText(
            f"<p>{w.money(entry.amount)} was released to {html.escape(w.contract.freelancer.name)} on "
            f"{formatting.day(entry.date)}. The freelancer can refund it within the refund window if needed.</p>"
        )
        escrow = queries.balances(w.contract).escrow
        self.end_button.setVisible(w.offer_end)
        if not w.offer_end:
            w.setButtonText(QWizard.WizardButton.FinishButton, "&Back to ending the contract")
            self.end_note.setText(f"{w.money(escrow)} is left in escrow. Finish to go back to ending the contract.")
            return
        self.end_note.setText(
            "Ending asks you to confirm you agreed it with the freelancer"
            + (f", and what to do with the {w.money(escrow)} still in escrow." if escrow else ".")
        )


def release_or_explain(
    contract: Contract, parent=None, *, today=None, milestone_id=None, warn=None, open_end_contract
) -> ReleaseWizard | None:
    """Open the wizard, or say why no payment can be released (instead of a wizard that dead-ends)."""
    reason = queries.release_blocker(contract)
    if reason:
        if warn:
            warn("Release a payment", reason)
        return None
    return ReleaseWizard(contract, parent, today=today, milestone_id=milestone_id, open_end_contract=open_end_contract)
