"""The outcome of a dispute (R8): how mediation split the disputed amount between the freelancer and you, and
the day it was decided (R16)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop import formatting
from desktop.widgets.fields import FieldError, event_date_edit, left
from desktop.widgets.follow import record
from desktop.widgets.form_dialog import FormDialog
from desktop.widgets.money_edit import MoneyEdit
from desktop.widgets.why import with_why
from models import mediation, ops
from models.clock import utc_today
from models.entities import Contract, Dispute


def _resolve_today(today: Callable[[], date] | date | None) -> date:
    if callable(today):
        return today()
    return utc_today(today)


class DisputeOutcomeDialog(FormDialog):
    """Record how mediation split a disputed amount: one call of ops.resolve_dispute on OK.

    The rule for the two parts: each is an amount typed in the contract's currency,
    or ticked "Nothing" (zero). An empty field is not zero: it is an unfinished
    form, so OK stays disabled. The two parts must add up to exactly the disputed
    amount (R8); the line under them says how far off they are as the user types.
    After OK, `.dispute` holds the dispute as written (resolved).
    """

    PARTS = (
        ("to_freelancer", "toFreelancer", "Released to the &freelancer:", "Released to the freelancer"),
        ("to_client", "toClient", "Refunded to &you:", "Refunded to you"),
    )

    def __init__(
        self,
        dispute: Dispute,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] | date | None = None,
        proposal: bool = False,
    ):
        self.dispute = Dispute.get_by_id(dispute.id if isinstance(dispute, Dispute) else dispute)
        self.contract: Contract = self.dispute.contract
        self.currency = self.contract.currency
        self.today = _resolve_today(today)
        self.proposal = proposal  # the mediator's proposal of a split (R8, second version), not the outcome
        amount = self._money(self.dispute.amount)
        super().__init__(
            parent,
            name="mediatorProposalDialog" if proposal else "disputeOutcomeDialog",
            title=f"Mediator's proposal on the dispute over {amount}"
            if proposal
            else f"Outcome of the dispute over {amount}",
            ok_text="&Record proposal" if proposal else "&Record outcome",
        )
        intro = QLabel(
            f"The mediator proposed how to split the disputed {amount} on “{self.contract.title}”. Enter both "
            f"parts as proposed: together they must make exactly {amount}. Tick “Nothing” for a part that is "
            "zero, and give the day of the proposal. Each side then has its days to accept it."
            if proposal
            else f"Mediation on “{self.contract.title}” split the disputed {amount}. Enter both parts "
            f"as the marketplace decided them: together they must make exactly {amount}. "
            "Tick “Nothing” for a part that is zero, and give the day the outcome was decided."
        )
        intro.setObjectName("outcomeIntro")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        # under the general message, above the form
        self.content.insertWidget(1, with_why(intro, "escrow-refund", "disputes"))

        self.edits: dict[str, MoneyEdit] = {}
        self.nothing: dict[str, QCheckBox] = {}
        for key, name, label, accessible in self.PARTS:
            edit = MoneyEdit(self.currency)
            edit.setObjectName(f"{name}Edit")
            edit.setAccessibleName(f"{accessible}, in {self.currency}")
            edit.setMaximumWidth(200)
            check = QCheckBox("Nothing")
            check.setObjectName(f"{name}NothingCheck")
            check.setAccessibleName(f"Nothing {accessible[0].lower()}{accessible[1:]}")
            check.toggled.connect(lambda on, e=edit: self._nothing_toggled(e, on))
            row = QHBoxLayout()
            row.setSpacing(10)
            row.addWidget(edit)
            row.addWidget(check)
            row.addStretch(1)
            self.add_row(key, label, row, buddy=edit, focusable=[edit, check])
            self.watch(key, edit.textChanged)
            self.watch(key, check.toggled)
            self.edits[key] = edit
            self.nothing[key] = check
        what = "Date of the proposal" if proposal else "Date of the outcome"
        self.date_edit = event_date_edit("outcomeDateEdit", what, self.contract.started_on, self.today)
        self.date_row = left(
            self.date_edit, "when proposed" if proposal else "the day it was decided"
        )  # added under the sum, below
        self.to_freelancer_edit = self.edits["to_freelancer"]
        self.to_client_edit = self.edits["to_client"]

        self.sum_line = QLabel()
        self.sum_line.setObjectName("sumLine")
        self.sum_line.setAccessibleName("Sum of the two parts")
        self.sum_line.setTextFormat(Qt.TextFormat.PlainText)
        self.sum_error = FieldError(self, name="sumError", accessible_name="Sum of the two parts error")
        self.sum_error.reserve(2)  # two lines (the sum, what is off), kept: nothing moves while typing
        total = QVBoxLayout()
        total.setContentsMargins(0, 0, 0, 0)
        total.setSpacing(3)
        total.addWidget(self.sum_line)
        total.addWidget(self.sum_error)
        self.form.addRow("", total)
        self.add_row("date", "&On:", self.date_row, buddy=self.date_edit)
        self.watch("date", self.date_edit.dateChanged)
        self.finish()
        self.follow(self.contract.id, shows=lambda d=self.dispute.id: record(Dispute, d))  # settled elsewhere

    def _money(self, minor: int) -> str:
        return formatting.money(minor, self.currency)

    def _nothing_toggled(self, edit: MoneyEdit, on: bool) -> None:
        edit.setEnabled(not on)
        if on:
            edit.clear()
        else:
            edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # ---------------------------------------------------------- the rule

    def part(self, key: str) -> int | None:
        """A part in minor units: 0 when "Nothing" is ticked, None while the field is empty or wrong."""
        if self.nothing[key].isChecked():
            return 0
        return self.edits[key].value() if self.edits[key].isValid() else None

    def split(self) -> tuple[int | None, int | None]:
        return self.part("to_freelancer"), self.part("to_client")

    def sum_problem(self) -> str | None:
        """Why the two parts do not make the disputed amount (None when they do, or a part is missing)."""
        parts = self.split()
        total, disputed = sum(p for p in parts if p is not None), self.dispute.amount
        if total == disputed or (None in parts and total < disputed):
            return None  # still being typed: only a sum already too large is worth saying
        gap = disputed - total
        off = f"{self._money(gap)} is still to split" if gap > 0 else f"{self._money(-gap)} too much"
        return f"The two parts must add up to exactly {self._money(disputed)}: {off}."

    def problems(self) -> dict[str, str]:
        out = {}
        for key, *_ in self.PARTS:
            edit = self.edits[key]
            if self.nothing[key].isChecked() or edit.isValid():
                continue
            if not edit.text().strip():
                out[key] = "Enter an amount, or tick “Nothing”."
            elif "more than zero" in edit.error():
                out[key] = f"{edit.error()} Tick “Nothing” for a part that is zero."
            else:
                out[key] = edit.error()
        problem = self.sum_problem()
        if problem:
            out["sum"] = problem
        problem = self.date_edit.problem()
        if problem:
            out["date"] = problem
        return out

    def refresh(self) -> bool:
        parts = self.split()
        known = sum(p for p in parts if p is not None)
        text = f"Adds up to {self._money(known)} of {self._money(self.dispute.amount)} disputed"
        if known == self.dispute.amount and parts.count(None) == 1:
            text += " — tick “Nothing” for the other part"
        self.sum_line.setText(text)
        problem = self.sum_problem()
        self.sum_error.setMessage(problem)
        self.sum_line.setAccessibleDescription(problem or "")
        return super().refresh()

    def submit(self) -> None:
        to_freelancer, to_client = self.split()
        if self.proposal:
            self.dispute = mediation.record_mediation_proposal(
                self.dispute,
                to_freelancer=to_freelancer,
                to_client=to_client,
                on=self.date_edit.day(),
                today=self.today,
            )
            return
        self.dispute = ops.resolve_dispute(
            self.dispute,
            to_freelancer=to_freelancer,
            to_client=to_client,
            on=self.date_edit.day(),
            today=self.today,
        )
