"""Undo and Redo: the last operations of a session, undone by recording their compensating operation.

Nothing is ever deleted (R12 and the corrections of RULES.md): undoing money records a reversal, undoing any
other record withdraws it as recorded in error (models/corrections.py), each in one transaction (R14), and
the ledger and the audit log show both. Redo records the operation again. An undo the rules no longer allow
(a later record depends on it, the contract has ended) is refused in words by the operation itself, and
stays on the list. Operations that cannot be undone (your sealed feedback, a reversal, a new contract) are
not listed; they clear what could be redone.

`History` is Qt-free: the window owns one, registers it with `ops.listen` and shows `undo_text()` in its
Edit menu.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from . import corrections, mediation, ops
from . import queries as q
from .entities import Contract, Dispute, LedgerEntry, Milestone, database
from .errors import RuleError
from .money import format_money

UNDONE = "Undone (Edit, Undo)"


@dataclass
class Step:
    """One operation that can be undone: its name in the menu, how to undo it, and how to do it again."""

    name: str
    undo: Callable[[], object]
    op: Callable
    args: tuple
    kwargs: dict = field(default_factory=dict)
    contract_id: int | None = None  # the contract it changed (the window shows it after undo or redo)


def _money(entry: LedgerEntry) -> str:
    return format_money(entry.amount, entry.currency)


@ops.operation
def _reverse(entries: list[LedgerEntry], today: date) -> None:
    """Reverse each entry still standing, latest first (a release before the funding it paid from)."""
    for e in sorted(entries, key=lambda e: e.id, reverse=True):
        e = LedgerEntry.get_by_id(e.id)
        if q.is_live(e):
            ops.reverse_entry(e, memo=UNDONE, today=today)


def _fundings(milestone_id: int) -> list[LedgerEntry]:
    return list(
        LedgerEntry.select().where(
            (LedgerEntry.milestone == milestone_id) & LedgerEntry.kind.in_(LedgerEntry.FUNDING_KINDS)
        )
    )


def _steps(today: Callable[[], date]) -> dict[str, Callable]:
    """Operation name -> (args, kwargs, result) -> (name, undo)."""

    def money(verb):
        return lambda a, k, e: (f"{verb} {_money(e)}", lambda: _reverse([e], today()))

    def fund(a, k, e):
        m = Milestone.get_by_id(e.milestone_id)
        return f"Fund {format_money(m.amount, e.currency)}", lambda: _reverse(_fundings(m.id), today())

    def from_escrow(a, k, e):
        return f"Release {_money(e)}", lambda: _reverse([e, *_fundings(e.milestone_id)], today())

    def reply(a, k, result):
        if isinstance(result, Dispute):
            return "Record the dispute", lambda: corrections.withdraw_dispute(result.request_id, reason=UNDONE)
        return f"Escrow refund {_money(result)}", lambda: _reverse([result], today())

    def outcome(a, k, d):
        def undo():  # reversing one part of the outcome reverses the other and opens the dispute again
            entries = [e for e in LedgerEntry.select().where(LedgerEntry.dispute == d.id) if q.is_live(e)]
            _reverse(entries[:1], today())

        return "Record the dispute's outcome", undo

    def step(name, column):  # R8 v2: a step of mediation, undone by its withdrawal (refused if not the latest)
        return lambda a, k, d: (
            name,
            lambda: corrections.withdraw_mediation_step(d.id, UNDONE, step=column, today=today()),
        )

    def accepted(a, k, d):
        side = k.get("side", a[1] if len(a) > 1 else "")
        name = "Record the freelancer's acceptance" if side == mediation.FREELANCER else "Record your acceptance"
        if d.status != Dispute.RESOLVED:
            return step(name, f"{side}_accepted_on")(a, k, d)
        other = mediation.CLIENT if side == mediation.FREELANCER else mediation.FREELANCER
        first = getattr(d, f"{other}_accepted_on")

        def undo():  # its outcome reversed (which clears both acceptances), the acceptance before it recorded again
            if Dispute.get_by_id(d.id).status != Dispute.RESOLVED:
                raise RuleError("The proposal accepted by both is no longer the dispute's outcome.", rule="R8")
            outcome(a, k, d)[1]()
            if first is not None:
                mediation.record_proposal_acceptance(d.id, other, on=first, today=today())

        return name, undo

    def titled(verb, undo):
        return lambda a, k, r: (f"{verb} “{_title(r)}”", lambda: undo(r, reason=UNDONE))

    def changes(a, k, m):
        was = getattr(m, "was_submitted_on", None)
        if was is None:
            return None
        return f"Ask for changes on “{m.title}”", lambda: corrections.withdraw_change_request(
            m, submitted_on=was, reason=UNDONE, today=today()
        )

    return {
        "fund_milestone": fund,
        "release_payment": money("Release"),
        "record_automatic_release": money("Automatic release"),
        "release_from_remaining_escrow": from_escrow,
        "record_refund": money("Refund"),
        "record_escrow_refund_reply": reply,
        "resolve_dispute": outcome,
        "record_dispute_answer": lambda a, k, d: (
            "Answer the dispute",
            lambda: corrections.withdraw_dispute_answer(d, reason=UNDONE),
        ),
        "record_evidence_sent": step("Record the evidence sent", "evidence_sent_on"),
        "record_mediation_proposal": step("Record the mediator's proposal", "proposed_on"),
        "record_proposal_acceptance": accepted,
        "record_arbitration": step("Record the move to arbitration", "arbitration_on"),
        "submit_work": titled("Work submitted on", corrections.withdraw_submission),
        "request_changes": changes,
        "end_contract": lambda a, k, r: (
            "End the contract",
            lambda: corrections.withdraw_ending(a[0], reason=UNDONE, today=today()),
        ),
        "complete_closeout_item": titled("Tick", corrections.untick_closeout_item),
        "revoke_access": titled("Revoke", corrections.undo_revocation),
        "mark_received": titled("Receive", corrections.undo_receipt),
        "record_freelancer_feedback": lambda a, k, fb: (
            "Record the freelancer's feedback",
            lambda: corrections.withdraw_freelancer_feedback(fb.contract_id, reason=UNDONE),
        ),
        "add_milestone": lambda a, k, m: (f"Add milestone “{m.title}”", lambda: ops.delete_milestone(m)),
    }


# Operations whose first argument is the contract (a Contract or its id).
_ON_CONTRACT = ("end_contract", "release_from_remaining_escrow", "add_milestone", "record_freelancer_feedback")


def _contract_of(op, args: tuple, result) -> int | None:
    """The contract an operation changed: its result's, or its first argument's."""
    if op.__name__ in _ON_CONTRACT and args and isinstance(args[0], int):
        return args[0]
    for thing in (result, *args[:1]):
        if isinstance(thing, Contract):
            return thing.id
        cid = getattr(thing, "contract_id", None)
        if cid is not None:
            return cid
    return None


def _title(record) -> str:
    return getattr(record, "title", None) or getattr(record, "label", "")


class History:
    """The operations of this session that can be undone, and those undone that can be done again."""

    def __init__(self, today: Callable[[], date], limit: int = 100, on_change: Callable[[], None] | None = None):
        self.today = today
        self.limit = limit
        self.on_change = on_change or (lambda: None)  # after each change of the lists (the menu's texts)
        self.done: list[Step] = []
        self.undone: list[Step] = []
        self._replaying = False
        self._steps = _steps(today)
        ops.listen(self.record)

    def close(self) -> None:
        """Stop recording (its window has gone)."""
        ops.unlisten(self.record)
        self.on_change = lambda: None

    def record(self, op, args, kwargs, result) -> None:
        """Called by `models.ops` after each operation that completed."""
        if self._replaying:
            return
        step = self._step(op, args, kwargs, result)
        self.undone.clear()  # a new action: what was undone can no longer be done again
        if step is not None:
            self.done.append(step)
            del self.done[: -self.limit]
        self.on_change()

    def _step(self, op, args, kwargs, result) -> Step | None:
        build = self._steps.get(op.__name__)
        made = build(args, kwargs, result) if build is not None else None
        if made is None:
            return None
        name, undo = made
        return Step(name, undo, op, args, dict(kwargs), _contract_of(op, args, result))

    def clear(self) -> None:
        self.done.clear()
        self.undone.clear()
        self.on_change()

    def undo_text(self) -> str | None:
        return self.done[-1].name if self.done else None

    def redo_text(self) -> str | None:
        return self.undone[-1].name if self.undone else None

    def undo(self) -> Step:
        """Record the compensating operation of the last step; a refusal (RuleError) leaves it listed."""
        step = self.done[-1]
        self._replaying = True
        try:
            with database.atomic():
                step.undo()
        finally:
            self._replaying = False
        self.undone.append(self.done.pop())
        self.on_change()
        return step

    def redo(self) -> Step:
        """Record the last undone operation again (a refusal leaves it listed)."""
        step = self.undone[-1]
        self._replaying = True
        try:
            result = step.op(*step.args, **step.kwargs)
        finally:
            self._replaying = False
        self.undone.pop()
        again = self._step(step.op, step.args, step.kwargs, result)
        if again is not None:
            self.done.append(again)
        self.on_change()
        return step
