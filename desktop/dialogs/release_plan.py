"""What the release wizard decides, without Qt: the client's choices (`ReleaseChoice`) and the arithmetic
that turns them into what is released and what stays in escrow (R2, R3, R4, R5).

The wizard's pages write what the client picked and typed into one `ReleaseChoice`; every figure the
wizard shows, every message it gives and the one operation "Pay now" calls are computed here from that
choice and the book alone, so they are tested without a window (tests/desktop/dialogs/test_release_plan.py).
This module imports no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models import fields, ops, queries
from models.entities import Contract, LedgerEntry, Milestone
from models.errors import RuleError
from models.money import format_money

NEW = 0  # the "add a new milestone" choice (milestone ids start at 1)


@dataclass
class ReleaseChoice:
    """The client's choices, as the pages last wrote them. Amounts in minor units of the contract's currency;
    an amount is None while its field is empty or wrong, and its `_error` then says why (the field's words)."""

    milestone_id: int | None = None  # an active milestone's id, NEW for a new milestone, None before a choice
    new_title: str = ""
    new_details: str = ""
    new_amount: int | None = None
    new_amount_error: str | None = None
    full: bool = True  # release all that is available, or only `part`
    part: int | None = None
    part_error: str | None = None
    on: date | None = None  # the day of the payment (R16); None: today

    @property
    def is_new(self) -> bool:
        return self.milestone_id == NEW


NO_FUNDING = {"from_escrow": 0, "deposit": 0, "fee": 0, "initiation_fee": 0}


def milestone(choice: ReleaseChoice) -> Milestone | None:
    """The chosen active milestone (None for a new one, or before a choice)."""
    if choice.milestone_id in (None, NEW):
        return None
    return Milestone.get_or_none(Milestone.id == choice.milestone_id)


def available(contract: Contract, choice: ReleaseChoice) -> int:
    """How much can be released (R5): the chosen milestone's escrow, or the new milestone's amount."""
    if choice.is_new:
        return choice.new_amount or 0
    m = milestone(choice)
    return queries.milestone_escrow(m) if m else 0


def release_amount(contract: Contract, choice: ReleaseChoice) -> int | None:
    """What "Pay now" releases: all that is available, or the part typed (None while it is not valid)."""
    return available(contract, choice) if choice.full else choice.part


def funding(contract: Contract, choice: ReleaseChoice) -> dict:
    """For a new milestone (R4, R3): how much comes from the remaining escrow, the deposit and its fees."""
    if not choice.is_new:
        return dict(NO_FUNDING)
    return ops.funding_preview(contract, choice.new_amount or 0, from_escrow=True)


def escrow_after(contract: Contract, choice: ReleaseChoice) -> int:
    """What stays in escrow on the contract once the payment is released."""
    deposit = funding(contract, choice)["deposit"]
    return queries.balances(contract).escrow + deposit - (release_amount(contract, choice) or 0)


def new_milestone_problem(contract: Contract, choice: ReleaseChoice) -> str | None:
    """R2: a new milestone has a title and at least the policy minimum (the models' own check and words)."""
    if not choice.new_title.strip():
        return "Enter a title for the new milestone."
    if choice.new_amount is None:
        return choice.new_amount_error or "Enter an amount."
    try:
        fields.check_milestone_amount(contract, choice.new_amount)
    except RuleError as exc:
        return exc.message
    return None


def choice_problem(contract: Contract, choice: ReleaseChoice) -> str | None:
    """Why the first page cannot go on (None when it can)."""
    if choice.milestone_id is None:
        return "Choose a milestone."
    return new_milestone_problem(contract, choice) if choice.is_new else None


def amount_problem(contract: Contract, choice: ReleaseChoice) -> str | None:
    """R5: 0 < amount <= what is available."""
    if choice.full:
        return None
    if choice.part is None:
        return choice.part_error or "Enter an amount."
    most = available(contract, choice)
    if choice.part > most:
        return f"You can release at most {format_money(most, contract.currency)}."
    return None


def pay(contract: Contract, choice: ReleaseChoice, *, today: date | None = None) -> LedgerEntry:
    """The only write: one operation, all or nothing (R14), dated the day chosen (`choice.on`; R16). Raises
    RuleError with the client's words."""
    amount = release_amount(contract, choice)
    if choice.is_new:
        return ops.release_from_remaining_escrow(
            contract,
            choice.new_title,
            choice.new_amount,
            release=amount,
            description=choice.new_details,
            on=choice.on,
            today=today,
        )
    return ops.release_payment(milestone(choice), amount, on=choice.on, today=today)
