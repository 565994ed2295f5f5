"""Corrections: a record that is not money, withdrawn as "recorded in error", with a reason.

Money is corrected only by reversal (R12, `ops.reverse_entry`). Every other record can be withdrawn here: an
ending (R7: the contract reopens and its escrow refund request is withdrawn with it), work submitted (R6), a
request for changes (R6), the freelancer's answer to an escrow refund request, a dispute answer and the steps
of a second-version mediation (R8), a closeout tick (R11), a revocation and a receipt (R11), and the
freelancer's recorded feedback (R10). Each keeps the original in the audit log with the reason; nothing is
deleted. The client's own submitted feedback stays sealed. Each function is one operation (R14): all of it,
or nothing and a refusal in words.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from . import order
from . import queries as q
from .entities import (
    AccessGrant,
    CloseoutItem,
    Contract,
    Deliverable,
    Dispute,
    EscrowRefundRequest,
    Feedback,
    LedgerEntry,
    Milestone,
)
from .errors import RuleError
from .fields import check_feedback, check_text
from .ops import (
    _audit,
    _fresh,
    _money,
    _now,
    _post,
    _settle,
    _today,
    _when,
    operation,
    reopen_closeout_item,
)
from .ops import _left_at as left_at

IN_ERROR = "recorded in error"


def _reason(reason: str) -> str:
    """Why the record is withdrawn: required, kept in the audit log."""
    return check_text(reason, "reason", "reason")


def _d(day: date | None) -> str:
    return "no date" if day is None else f"{day:%Y-%m-%d}"


# ------------------------------------------------------------------- R7 ending


@operation
def withdraw_ending(contract, *, reason: str, now: datetime | None = None, today: date | None = None) -> Contract:
    """R7: the ending was recorded in error. The contract reopens; its escrow refund request is withdrawn, and
    the initiation fee it returned (R3 v2) is charged again: its fee refund is reversed, dated `today` (the
    day of `now` by default).

    Refused while something recorded after the ending depends on it: an answered escrow refund request, a
    dispute, the client's sealed feedback, the freelancer's feedback, or a closeout item done.
    """
    now = _now(now)
    reason = _reason(reason)
    c = _fresh(Contract, contract, "contract")
    if c.status != Contract.ENDED:
        raise RuleError(f"“{c.title}” has not ended.", rule="R7")
    requests = list(c.escrow_refund_requests.where(EscrowRefundRequest.status != EscrowRefundRequest.WITHDRAWN))
    for r in requests:
        if r.status != EscrowRefundRequest.PENDING:
            raise RuleError(
                f"The freelancer's answer to the escrow refund request of {_money(c, r.amount)} is recorded: "
                "withdraw that answer first (reverse the escrow refund, or withdraw the dispute).",
                rule="R7",
            )
    if q.client_feedback(c) is not None:
        raise RuleError(
            "Your feedback on this contract is submitted and sealed, so its ending can no longer be withdrawn.",
            rule="R10",
        )
    if q.freelancer_feedback(c) is not None:
        raise RuleError("The freelancer's feedback is recorded: withdraw it first.", rule="R10")
    done = [i.label for i in c.closeout if i.done_on is not None]
    if done:
        raise RuleError(f"“{done[0]}” is ticked as done: untick the closeout items first.", rule="R11")
    ended_on, old_reason = c.ended_on, c.end_reason
    returned = q.fee_returned(c)
    if returned is not None:
        day = _today(today if today is not None else now.date())
        order.reversal_after_entry(returned, day)
        _post(
            c, LedgerEntry.REVERSAL, returned.amount, day, reverses=returned, memo="Ending withdrawn: fee charged again"
        )
    for r in requests:
        r.status = EscrowRefundRequest.WITHDRAWN
        r.save()
    # Milestones that held escrow when the contract ended hold it again, under review if work was submitted.
    for m in Milestone.select().where((Milestone.contract == c) & (Milestone.state == Milestone.CLOSED)):
        m.state = Milestone.SUBMITTED if m.submitted_on is not None else Milestone.ACTIVE
        m.save()
    c.status = Contract.ACTIVE
    c.ended_on = None
    c.feedback_closes_at = None
    c.end_reason = ""
    c.save()
    withdrawn = "; its escrow refund request withdrawn" if requests else ""
    if returned is not None:
        withdrawn += f"; the initiation fee of {_money(c, returned.amount)} returned with it charged again"
    _audit(
        c,
        f"ending {IN_ERROR}",
        f"ended on {_d(ended_on)} ({old_reason or 'no reason given'}){withdrawn}. Why: {reason}",
        now,
    )
    _settle(c)
    return c


# --------------------------------------------------------------- R6 submitted work


@operation
def withdraw_submission(milestone, *, reason: str, now: datetime | None = None) -> Milestone:
    """R6: "work submitted" was recorded in error; the milestone waits for work again, with no review clock."""
    now = _now(now)
    reason = _reason(reason)
    m = _fresh(Milestone, milestone, "milestone")
    if m.contract.status != Contract.ACTIVE:
        raise RuleError(f"“{m.contract.title}” has ended: reopen it first.", rule="R6")
    if m.state != Milestone.SUBMITTED:
        raise RuleError(f"No submitted work is recorded on “{m.title}”.", rule="R6")
    submitted, auto = m.submitted_on, m.auto_release_on
    m.state = Milestone.ACTIVE
    if m.first_submitted_on is not None and m.first_submitted_on >= submitted:
        m.first_submitted_on = None  # the only submission was the one recorded in error
    m.submitted_on = m.auto_release_on = None
    m.save()
    _audit(
        m.contract,
        f"work submitted {IN_ERROR}",
        f"{m.title}: submitted on {_d(submitted)}, automatic release on {_d(auto)}. Why: {reason}",
        now,
    )
    _settle(m.contract)
    return m


@operation
def withdraw_change_request(
    milestone, *, submitted_on: date, reason: str, today: date | None = None, now: datetime | None = None
) -> Milestone:
    """R6: the request for changes was recorded in error; the work submitted on `submitted_on` is under review
    again, its automatic release counted from that day (it may already have come: record it then)."""
    now = _now(now)
    today = _today(today)
    reason = _reason(reason)
    m = _fresh(Milestone, milestone, "milestone")
    if m.contract.status != Contract.ACTIVE:
        raise RuleError(f"“{m.contract.title}” has ended: reopen it first.", rule="R6")
    if m.state != Milestone.ACTIVE:
        raise RuleError(f"“{m.title}” is not waiting for work: nothing to withdraw.", rule="R6")
    order.happened_on(submitted_on, today)
    order.after_start(m.contract, submitted_on)
    order.release_after_funding(m, submitted_on)
    days = m.contract.policy.review_days
    m.state = Milestone.SUBMITTED
    m.submitted_on = submitted_on
    if m.first_submitted_on is None or m.first_submitted_on > submitted_on:
        m.first_submitted_on = submitted_on
    m.auto_release_on = None if days is None else submitted_on + timedelta(days=days)
    m.save()
    _audit(m.contract, f"request for changes {IN_ERROR}", f"{m.title}. Why: {reason}", now)
    _settle(m.contract)
    return m


# ------------------------------------------------------------ R8 answers


@operation
def withdraw_dispute(request, *, reason: str, now: datetime | None = None) -> EscrowRefundRequest:
    """R8: the freelancer's dispute was recorded in error; the escrow refund request waits for an answer again.

    Refused once the dispute has an outcome (reverse it first)."""
    now = _now(now)
    reason = _reason(reason)
    r = _fresh(EscrowRefundRequest, request, "escrow refund request")
    d = Dispute.get_or_none(Dispute.request == r)
    if r.status != EscrowRefundRequest.DISPUTED or d is None or d.status == Dispute.WITHDRAWN:
        raise RuleError("No dispute is recorded on that escrow refund request.", rule="R8")
    if d.status != Dispute.OPEN:
        raise RuleError("The dispute has an outcome: reverse the outcome first.", rule="R8")
    d.status = Dispute.WITHDRAWN
    d.save()
    r.status = EscrowRefundRequest.PENDING
    r.answered_on = None
    r.save()
    _audit(r.contract, f"dispute {IN_ERROR}", f"opened on {_d(d.opened_on)}. Why: {reason}", now)
    _settle(r.contract)
    return r


@operation
def withdraw_dispute_answer(dispute, *, reason: str, now: datetime | None = None) -> Dispute:
    """R8: your answer to the dispute was recorded in error; its deadline runs again."""
    now = _now(now)
    reason = _reason(reason)
    d = _fresh(Dispute, dispute, "dispute")
    if d.status != Dispute.OPEN or d.answered_on is None:
        raise RuleError("No answer to an open dispute is recorded.", rule="R8")
    if d.evidence_sent_on is not None:  # R8 v2, R16: the steps of mediation came after the answer
        raise RuleError(
            "The steps of mediation came after your answer: withdraw them first, the latest first.", rule="R8"
        )
    answered = d.answered_on
    d.answered_on = None
    d.save()
    _audit(d.contract, f"dispute answer {IN_ERROR}", f"answered on {_d(answered)}. Why: {reason}", now)
    _settle(d.contract)
    return d


# The steps of a second-version mediation (R8 v2), latest first: the dispute's columns each clears, in the
# words of models/order.py.
_STEP_WORDS = dict(order.DISPUTE_STEPS)
_STEP_COLUMNS = {
    "arbitration_on": ("arbitration_on",),
    "client_accepted_on": ("client_accepted_on",),
    "freelancer_accepted_on": ("freelancer_accepted_on",),
    "proposed_on": ("proposed_on", "proposal_release", "proposal_refund", "acceptance_due"),
    "evidence_sent_on": ("evidence_sent_on", "proposal_due"),
}


def latest_mediation_step(dispute: Dispute) -> str | None:
    """R8 v2: the latest step recorded on the dispute's mediation (the column that dates it), None if none:
    the move to arbitration, else the later acceptance of the proposal, else the proposal, else the evidence."""
    if dispute.arbitration_on is not None:
        return "arbitration_on"
    accepted = [f for f in ("freelancer_accepted_on", "client_accepted_on") if getattr(dispute, f) is not None]
    if accepted:
        return max(accepted, key=lambda f: (getattr(dispute, f), f == "client_accepted_on"))
    for step in ("proposed_on", "evidence_sent_on"):
        if getattr(dispute, step) is not None:
            return step
    return None


def _step_detail(d: Dispute, step: str) -> str:
    """The step as it was recorded, for the audit log."""
    c = d.contract
    if step == "evidence_sent_on":
        return f"sent by both sides on {_d(d.evidence_sent_on)}, the mediator's proposal due by {_d(d.proposal_due)}"
    if step == "proposed_on":
        return (
            f"proposed on {_d(d.proposed_on)}: {_money(c, d.proposal_release)} to the freelancer, "
            f"{_money(c, d.proposal_refund)} to you, to be accepted by {_d(d.acceptance_due)}"
        )
    if step == "arbitration_on":
        return f"went to arbitration on {_d(d.arbitration_on)}"
    who = "the freelancer" if step == "freelancer_accepted_on" else "you"
    return f"accepted by {who} on {_d(getattr(d, step))}"


@operation
def withdraw_mediation_step(
    dispute,
    reason: str,
    *,
    step: str | None = None,
    on: date | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> Dispute:
    """R8 v2: the latest step of the dispute's mediation was recorded in error (the move to arbitration, an
    acceptance of the proposal that did not resolve the dispute, the mediator's proposal with its split and
    acceptance deadline, or the evidence sent with the proposal's deadline); the step before it stands and
    its clock runs again. The withdrawal is dated `on` (today, the day of `now` by default), not before the
    step; the reason is kept in the audit log. `step` (a column of `order.DISPUTE_STEPS`), when given, is the
    step meant: refused if it is not the latest (Undo names the step it undoes).

    Refused when no step is recorded, and once the dispute has an outcome: an outcome that came from the
    proposal accepted by both is corrected by reversing its entries (the dispute opens again, the proposal
    standing, to be accepted again)."""
    now = _now(now)
    day = _when(on, today if today is not None else now.date())
    reason = _reason(reason)
    d = _fresh(Dispute, dispute, "dispute")
    latest = latest_mediation_step(d) if d.status != Dispute.WITHDRAWN else None
    if latest is None:
        raise RuleError("No step of mediation is recorded on this dispute.", rule="R8")
    if d.status == Dispute.RESOLVED:
        if latest in ("freelancer_accepted_on", "client_accepted_on"):
            raise RuleError(
                f"The proposal accepted by both on {order.day_text(getattr(d, latest))} is the dispute's outcome: "
                "to correct it, reverse the outcome's entries in the ledger. The dispute then opens again, "
                "the proposal standing, and each acceptance can be recorded again.",
                rule="R8",
            )
        raise RuleError("The dispute has an outcome: reverse the outcome first.", rule="R8")
    if step is not None and step != latest:
        words = _STEP_WORDS[step]
        if getattr(d, step) is None:
            raise RuleError(f"{words[0].upper()}{words[1:]} is not recorded on this dispute.", rule="R8")
        raise RuleError(
            f"{words[0].upper()}{words[1:]} is not the latest step of the dispute's mediation: "
            f"{_STEP_WORDS[latest]} came after it. Withdraw that first.",
            rule="R8",
        )
    order.not_before(day, getattr(d, latest), _STEP_WORDS[latest])
    detail = _step_detail(d, latest)
    for column in _STEP_COLUMNS[latest]:
        setattr(d, column, None)
    d.save()
    words = _STEP_WORDS[latest].removeprefix("the ")
    _audit(d.contract, f"{words} {IN_ERROR}", f"{detail}. Why: {reason}", now)
    _settle(d.contract)
    return d


# ------------------------------------------------------------ R11 closeout


@operation
def untick_closeout_item(item, *, reason: str, now: datetime | None = None) -> CloseoutItem:
    """R11: a closeout item ticked in error is open again. "Leave feedback" stays done once yours is sealed."""
    now = _now(now)
    reason = _reason(reason)
    i = _fresh(CloseoutItem, item, "closeout item")
    if i.done_on is None:
        raise RuleError(f"“{i.label}” is not ticked.", rule="R11")
    if i.kind == CloseoutItem.LEAVE_FEEDBACK and q.client_feedback(i.contract) is not None:
        raise RuleError("Your feedback is submitted and sealed: that item stays done.", rule="R10")
    done_on, note = i.done_on, i.note
    i.done_on = None
    i.note = ""
    i.save()
    detail = f"{i.label}: done on {_d(done_on)}" + (f" ({note})" if note else "")
    _audit(i.contract, f"closeout tick {IN_ERROR}", f"{detail}. Why: {reason}", now)
    _settle(i.contract)
    return i


def _undo_day(record, field: str, *, what: str, done: str, is_not: str, kind: str, still: str, reason, now) -> None:
    """R11: a day recorded in error on an access entry or a thing to receive is cleared; its closeout item is
    open again; the audit log keeps the day and the reason."""
    day = getattr(record, field)
    if day is None:
        raise RuleError(f"“{record.label}” is not {is_not}.", rule="R11")
    setattr(record, field, None)
    record.save()
    _audit(record.contract, f"{what} {IN_ERROR}", f"{record.label}: {done} on {_d(day)}. Why: {reason}", now)
    reopen_closeout_item(record.contract, kind, f"“{record.label}” {still}", now)
    _settle(record.contract)


@operation
def undo_revocation(grant, *, reason: str, now: datetime | None = None) -> AccessGrant:
    """R11: the revocation was recorded in error; the access is open again (and so is its closeout item)."""
    now, reason = _now(now), _reason(reason)
    g = _fresh(AccessGrant, grant, "access entry")
    _undo_day(
        g, "revoked_on", what="revocation", done="revoked", is_not="revoked",
        kind=CloseoutItem.REVOKE_ACCESS, still="is open again", reason=reason, now=now,
    )  # fmt: skip
    return g


@operation
def undo_receipt(deliverable, *, reason: str, now: datetime | None = None) -> Deliverable:
    """R11: the receipt was recorded in error; the item is still to receive (and its closeout item is open)."""
    now, reason = _now(now), _reason(reason)
    d = _fresh(Deliverable, deliverable, "item")
    _undo_day(
        d, "received_on", what="receipt", done="received", is_not="marked received",
        kind=CloseoutItem.RECEIVE_WORK, still="is still to receive", reason=reason, now=now,
    )  # fmt: skip
    return d


# ------------------------------------------------------------ R10 the freelancer's feedback


def _freelancers(contract) -> tuple[Contract, Feedback]:
    c = _fresh(Contract, contract, "contract")
    fb = q.freelancer_feedback(c)
    if fb is None:
        raise RuleError("No feedback from the freelancer is recorded on this contract.", rule="R10")
    return c, fb


def _stars(fb: Feedback) -> str:
    if fb.rating is not None:
        return f"rating {fb.rating}"
    return ", ".join(f"{cat} {getattr(fb, cat)}" for cat in Feedback.CATEGORIES)


@operation
def correct_freelancer_feedback(
    contract, ratings: dict, *, comment="", on: date | None = None, reason: str, now: datetime | None = None
) -> Feedback:
    """R10: the freelancer's feedback was typed wrong; the corrected one replaces it, the original is kept in
    the audit log. (The client's own feedback is sealed and cannot be corrected.) `ratings` is in the form of
    the contract's policy version (`fields.check_feedback`), as when it was recorded."""
    now = _now(now)
    reason = _reason(reason)
    c, fb = _freelancers(contract)
    before = f"left on {fb.submitted_at:%Y-%m-%d}: {_stars(fb)}; comment: {fb.comment!r}"
    form = check_feedback(q.feedback_form(c), ratings, comment=comment)
    fb.submitted_at = left_at(c, on if on is not None else fb.submitted_at.date(), now)
    for column, value in form.items():
        setattr(fb, column, value)
    fb.save()
    _audit(c, f"freelancer's feedback {IN_ERROR}: corrected", f"was {before}. Why: {reason}", now)
    _settle(c)
    return fb


@operation
def withdraw_freelancer_feedback(contract, *, reason: str, now: datetime | None = None) -> Feedback:
    """R10: the freelancer's feedback was recorded in error (it was not theirs, or not left at all)."""
    now = _now(now)
    reason = _reason(reason)
    c, fb = _freelancers(contract)
    fb.withdrawn_on = now.date()
    fb.save()
    _audit(
        c,
        f"freelancer's feedback {IN_ERROR}",
        f"left on {fb.submitted_at:%Y-%m-%d}: {_stars(fb)}; comment: {fb.comment!r}. Why: {reason}",
        now,
    )
    _settle(c)
    return fb


# ------------------------------------------------------------ what can be corrected now


@dataclass(frozen=True)
class Correction:
    """One record of a contract that can be withdrawn now: what the menu says, and the operation (which
    takes `reason=`, and `today=` when `dated`)."""

    label: str
    withdraw: Callable[..., object]
    kind: str  # "ending", "submission", "dispute", "dispute_answer", "mediation_step", "closeout", "revocation",
    # "receipt", "their_feedback"
    dated: bool = False  # the operation also takes `today=`, the day the withdrawal is recorded


def available(contract: Contract | int) -> list[Correction]:
    """Every record of the contract that can be withdrawn as recorded in error now, in the order they happen
    (the operation may still refuse, saying why, when a later record depends on it)."""
    c = _fresh(Contract, contract, "contract")
    out: list[Correction] = []
    for m in Milestone.select().where((Milestone.contract == c) & (Milestone.state == Milestone.SUBMITTED)):
        out.append(
            Correction(
                f"Work submitted on “{m.title}” ({order.day_text(m.submitted_on)})…",
                functools.partial(withdraw_submission, m.id),
                "submission",
            )
        )
    if c.status == Contract.ENDED:
        out.append(
            Correction(
                f"Contract ended on {order.day_text(c.ended_on)}: reopen it…",
                functools.partial(withdraw_ending, c.id),
                "ending",
            )
        )
    for r in c.escrow_refund_requests.where(EscrowRefundRequest.status == EscrowRefundRequest.DISPUTED):
        d = Dispute.get_or_none(Dispute.request == r)
        if d is not None and d.status == Dispute.OPEN:
            out.append(
                Correction(
                    f"The freelancer's dispute ({order.day_text(d.opened_on)})…",
                    functools.partial(withdraw_dispute, r.id),
                    "dispute",
                )
            )
            if d.answered_on is not None:
                out.append(
                    Correction(
                        f"Your answer to the dispute ({order.day_text(d.answered_on)})…",
                        functools.partial(withdraw_dispute_answer, d.id),
                        "dispute_answer",
                    )
                )
            step = latest_mediation_step(d)
            if step is not None:
                words = _STEP_WORDS[step]
                out.append(
                    Correction(
                        f"{words[0].upper()}{words[1:]} ({order.day_text(getattr(d, step))})…",
                        functools.partial(withdraw_mediation_step, d.id),
                        "mediation_step",
                        dated=True,
                    )
                )
    for g in AccessGrant.select().where((AccessGrant.contract == c) & AccessGrant.revoked_on.is_null(False)):
        out.append(
            Correction(
                f"“{g.label}” revoked on {order.day_text(g.revoked_on)}…",
                functools.partial(undo_revocation, g.id),
                "revocation",
            )
        )
    for d in Deliverable.select().where((Deliverable.contract == c) & Deliverable.received_on.is_null(False)):
        out.append(
            Correction(
                f"“{d.label}” received on {order.day_text(d.received_on)}…",
                functools.partial(undo_receipt, d.id),
                "receipt",
            )
        )
    sealed = q.client_feedback(c) is not None
    for i in c.closeout.order_by(CloseoutItem.id):
        if i.done_on is not None and not (sealed and i.kind == CloseoutItem.LEAVE_FEEDBACK):
            out.append(
                Correction(
                    f"“{i.label}” done on {order.day_text(i.done_on)}…",
                    functools.partial(untick_closeout_item, i.id),
                    "closeout",
                )
            )
    fb = q.freelancer_feedback(c)
    if fb is not None:
        out.append(
            Correction(
                f"The freelancer's feedback ({order.day_text(fb.submitted_at)})…",
                functools.partial(withdraw_freelancer_feedback, c.id),
                "their_feedback",
            )
        )
    return out
