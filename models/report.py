"""A contract's summary, assembled for export: everything a PDF (or a printer) needs, and no Qt.

`contract_summary()` reads one contract and returns plain data: texts, dates and integer
minor units with the contract's currency (R1). The desktop lays it out (desktop/summary_pdf.py);
nothing here decides fonts or pages.

Private things (the contract's and the freelancer's notes, the private end note, the private
part of the client's feedback) are included only when `include_private` is set. The freelancer's
feedback appears only when R10 lets the client see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import peewee as pw

from . import people, queries
from .clock import utc_now
from .entities import (
    AccessGrant,
    CloseoutItem,
    Contract,
    Deliverable,
    Dispute,
    EscrowRefundRequest,
    Feedback,
    Freelancer,
    LedgerEntry,
    Milestone,
    Policy,
    database,
)
from .errors import RuleError
from .labels import (
    DELIVERABLE_KINDS,
    DISPUTE_OUTCOMES,
    ENTRY_KINDS,
    FEEDBACK_CATEGORIES,
    MILESTONE_STATES,
    REQUEST_STATUSES,
    direction,
    submissions,
    through_support,
)
from .summary import kinds, total

# How each kind moves the contract's escrow (R12: escrow = deposits - payments - escrow refunds).
# Fees and refunds of payments are outside escrow; moving remaining escrow to a milestone keeps it.
ESCROW_SIGN = {
    LedgerEntry.FUND: 1,
    LedgerEntry.RELEASE: -1,
    LedgerEntry.DISPUTE_RELEASE: -1,
    LedgerEntry.ESCROW_REFUND: -1,
    LedgerEntry.DISPUTE_REFUND: -1,
}


@dataclass(frozen=True)
class MilestoneLine:
    position: int
    title: str
    amount: int
    funded: int  # live deposits and remaining escrow assigned to it
    released: int  # live payments from it
    due_on: date | None
    state: str  # as the client reads it
    submissions: str = ""  # R6: "Submitted 1 Dec 2026, again 13 Dec 2026; released automatically on 27 Dec 2026"


@dataclass(frozen=True)
class LedgerLine:
    id: int
    date: date
    entry: str  # the kind as the client reads it, with "(reversed)" or "Reversal of #n"
    milestone: str
    memo: str
    amount: int
    escrow_after: int  # the contract's escrow once this entry is counted, in date order
    direction: str = ""  # "You → escrow", "Escrow → freelancer", … (labels.direction)
    support: str = ""  # R9 (v2): "through the marketplace's support, case ABC-123" beside such a refund
    made_by: str = ""  # in a shared book, who recorded it, by name (people.makers); "" in a book file (one user)


@dataclass(frozen=True)
class RequestLine:
    amount: int
    requested_on: date
    reply_due: date | None
    status: str
    answered_on: date | None


@dataclass(frozen=True)
class DisputeLine:
    amount: int
    opened_on: date
    answer_due: date | None
    answered_on: date | None
    mediation_ends: date | None
    status: str  # "Open" or "Resolved on …"
    outcome: list[tuple[str, int]]  # (what, amount) of each live dispute entry


@dataclass(frozen=True)
class FeedbackView:
    author: str  # "client" or "freelancer"
    ratings: list[tuple[str, int]]  # (category as read, stars 1-5); the single ("Rating", n) of the v2 form
    score: str  # the mean of the six categories to two decimals, e.g. "4.50"; "" for the single rating (v2)
    comment: str
    submitted_at: datetime
    private: list[tuple[str, str]]  # (what, text), only with include_private


@dataclass(frozen=True)
class ContractSummary:
    contract_id: int
    title: str
    external_id: str
    freelancer: str
    agency: str
    email: str
    policy: str
    currency: str
    status: str  # "Active" or "Ended"
    started_on: date
    ended_on: date | None
    end_reason: str
    money: list[tuple[str, int | None]]  # (what, minor units); the budget may be unset
    milestones: list[MilestoneLine]
    ledger: list[LedgerLine]
    requests: list[RequestLine]
    disputes: list[DisputeLine]
    closeout: list[tuple[str, date | None, str]]  # (item, done on, note)
    access: list[tuple[str, str, date, date | None]]  # (what, where, given on, revoked on)
    deliverables: list[tuple[str, str, date | None, str]]  # (what, kind, received on, note)
    client_feedback: FeedbackView | None
    freelancer_feedback: FeedbackView | None
    freelancer_feedback_note: str  # why it is not shown, when it is not
    private_notes: list[tuple[str, str]] = field(default_factory=list)  # only with include_private
    generated_at: datetime | None = None
    include_private: bool = False


MAX_ROWID = 2**63 - 1


def select_contracts(*, ids: list[int] | None = None, status: str | None = None) -> list[int]:
    """The contracts to export, by number: these `ids` (each must exist), every one with `status`, or all."""
    if ids:
        # A number SQLite cannot hold (beyond 2^63 - 1, or below 1) names no contract: asked for, it is missing.
        possible = [i for i in ids if 1 <= i <= MAX_ROWID]
        found = {c.id for c in Contract.select(Contract.id).where(Contract.id.in_(possible))} if possible else set()
        missing = [i for i in ids if i not in found]
        if missing:
            listed = ", ".join(f"#{i}" for i in missing)
            raise RuleError(f"This book has no contract {listed}: nothing was written.", field="contract")
        return list(dict.fromkeys(ids))
    query = Contract.select(Contract.id).order_by(Contract.id)
    if status:
        query = query.where(Contract.status == status)
    # (read as plain rows, with no model object for each: a million contracts in well under a second, not 7 s)
    return [cid for (cid,) in database.execute_sql(*query.sql())]


_MILESTONE_SUMS = f"""
SELECT e.milestone_id, {total(kinds(LedgerEntry.FUNDING_KINDS))}, {total(kinds(LedgerEntry.PAYMENT_KINDS))}
FROM live_entry e WHERE e.contract_id = ? AND e.milestone_id IS NOT NULL GROUP BY e.milestone_id
"""


def contract_summary(
    contract: Contract | int, *, include_private: bool = False, now: datetime | None = None
) -> ContractSummary:
    """Everything the summary of one contract shows, read in one transaction."""
    now = utc_now(now)
    with database.atomic():
        c = contract if isinstance(contract, Contract) else _contract(contract)
        return _summary(c, include_private, now)


# The summary reads each table with one plain query (Model.raw): peewee builds a query's SQL anew every time it
# runs, which costs more than SQLite answering it, and a summary is written a thousand times in a batch.
def _rows(model: type[pw.Model], table: str, c: Contract, order: str = "id") -> list:
    return list(model.raw(f'SELECT * FROM "{table}" WHERE contract_id = ? ORDER BY {order}', c.id))


def _contract(contract_id: int) -> Contract:
    """The contract with its freelancer and its policy version."""
    c = next(iter(Contract.raw('SELECT * FROM "contract" WHERE id = ?', contract_id)), None)
    if c is None:
        raise Contract.DoesNotExist(f"no contract #{contract_id}")
    c.freelancer = Freelancer.raw('SELECT * FROM "freelancer" WHERE id = ?', c.freelancer_id).get()
    c.policy = Policy.raw('SELECT * FROM "policy" WHERE id = ?', c.policy_id).get()
    return c


def _summary(c: Contract, include_private: bool, now: datetime) -> ContractSummary:
    f = c.freelancer
    b = queries.balances(c)
    money = [
        ("Budget", c.budget),
        ("Funded", b.funded),
        ("Released", b.released),
        ("Escrow left", b.escrow),
        ("Escrow refunded", b.escrow_refunded),
        ("Refunds", b.refunded),
        ("Fees", b.fees),
        ("Net cost", b.net_cost),
    ]
    sums = {mid: (funded, released) for mid, funded, released in database.execute_sql(_MILESTONE_SUMS, (c.id,))}
    milestones = [
        MilestoneLine(
            m.position,
            m.title,
            m.amount,
            *sums.get(m.id, (0, 0)),
            m.due_on,
            MILESTONE_STATES.get(m.state, m.state),
            submissions(m),
        )
        for m in _rows(Milestone, "milestone", c, "position")
    ]
    private = []
    if include_private:
        private = [
            (what, text)
            for what, text in (
                ("Notes on the contract", c.notes),
                ("Private note on ending", c.end_note),
                (f"Notes on {f.name}", f.notes),
            )
            if text.strip()
        ]
    # At most one of each author (a unique index); a withdrawn one is as if none were recorded.
    feedback = {fb.author: fb for fb in _rows(Feedback, "feedback", c)}
    client = feedback.get(Feedback.CLIENT)
    theirs = feedback.get(Feedback.FREELANCER)
    theirs = theirs if theirs is not None and theirs.withdrawn_on is None else None
    visible = theirs is not None and queries.freelancer_feedback_visible(c, now)
    if theirs is None:
        theirs_note = "The freelancer's feedback has not been recorded."
    elif not visible:
        theirs_note = queries.feedback_minimum_note(c) or (
            "The freelancer has left feedback; it stays hidden until you submit yours or the window closes."
        )
    else:
        theirs_note = ""
    return ContractSummary(
        contract_id=c.id,
        title=c.title,
        external_id=c.external_id,
        freelancer=f.name,
        agency=f.agency,
        email=f.email,
        policy=f"{c.policy.name}, in effect from {c.policy.effective_from:%d %b %Y}",
        currency=c.currency,
        status="Active" if c.status == Contract.ACTIVE else "Ended",
        started_on=c.started_on,
        ended_on=c.ended_on,
        end_reason=c.end_reason,
        money=money,
        milestones=milestones,
        ledger=ledger_lines(c),
        requests=[
            RequestLine(r.amount, r.requested_on, r.reply_due, REQUEST_STATUSES.get(r.status, r.status), r.answered_on)
            for r in _rows(EscrowRefundRequest, "escrow_refund_request", c)
        ],
        disputes=[_dispute(d) for d in _rows(Dispute, "dispute", c)],
        closeout=[(i.label, i.done_on, i.note) for i in _rows(CloseoutItem, "closeout_item", c)],
        access=[(a.label, a.where, a.given_on, a.revoked_on) for a in _rows(AccessGrant, "access_grant", c)],
        deliverables=[
            (d.label, DELIVERABLE_KINDS.get(d.kind, d.kind), d.received_on, d.note)
            for d in _rows(Deliverable, "deliverable", c)
        ],
        client_feedback=None if client is None else _feedback(client, include_private),
        freelancer_feedback=_feedback(theirs, False) if visible else None,
        freelancer_feedback_note=theirs_note,
        private_notes=private,
        generated_at=now,
        include_private=include_private,
    )


_LEDGER = """
SELECT e.*, m.title AS milestone_title FROM ledger_entry e LEFT JOIN milestone m ON m.id = e.milestone_id
WHERE e.contract_id = ? ORDER BY e.date, e.id
"""
_SUPPORT_CASES = """
SELECT s.entry_id, s.reference FROM support_case s JOIN ledger_entry e ON e.id = s.entry_id
WHERE e.contract_id = ? AND e.kind = ?
"""


def ledger_lines(c: Contract) -> list[LedgerLine]:
    """Every entry in date order with the escrow after it: a reversal takes back what its original did."""
    entries = list(LedgerEntry.raw(_LEDGER, c.id))
    by_id = {e.id: e for e in entries}
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id}
    cases = {}
    if any(e.kind == LedgerEntry.REFUND for e in entries):
        cases = dict(database.execute_sql(_SUPPORT_CASES, (c.id, LedgerEntry.REFUND)).fetchall())
    made = people.makers("ledger_entry", by_id)  # ({} in a book file: no query)
    escrow = 0
    lines = []
    for e in entries:
        if e.kind == LedgerEntry.REVERSAL:
            original = by_id.get(e.reverses_id)
            escrow -= ESCROW_SIGN.get(original.kind, 0) * original.amount if original else 0
            label = f"Reversal of #{e.reverses_id}"
            way = direction(e.kind, original.kind if original else None)
        else:
            escrow += ESCROW_SIGN.get(e.kind, 0) * e.amount
            label = ENTRY_KINDS.get(e.kind, e.kind) + (" (reversed)" if e.id in reversed_ids else "")
            way = direction(e.kind)
        support = through_support(cases.get(e.id))
        lines.append(
            LedgerLine(
                e.id, e.date, label, e.milestone_title or "", e.memo, e.amount, escrow, way, support, made.get(e.id, "")
            )
        )
    return lines


def _dispute(d: Dispute) -> DisputeLine:
    outcome = [
        (DISPUTE_OUTCOMES[e.kind], e.amount)
        for e in d.entries.where(LedgerEntry.kind.in_(tuple(DISPUTE_OUTCOMES))).order_by(LedgerEntry.id)
        if queries.is_live(e)
    ]
    status = "Open" if d.status == Dispute.OPEN else f"Resolved on {d.resolved_on:%d %b %Y}"
    return DisputeLine(d.amount, d.opened_on, d.answer_due, d.answered_on, d.mediation_ends, status, outcome)


def _feedback(fb: Feedback, include_private: bool) -> FeedbackView:
    """R10: the feedback in its own form: six categories and their mean (v1), or the single rating (v2). The
    private part (reason and recommendation, or the private note) only with `include_private`."""
    private = []
    if include_private and fb.author == Feedback.CLIENT:
        if fb.private_reason:
            private.append(("Private reason for ending", fb.private_reason))
        if fb.recommend is not None:
            private.append(("Would recommend (0-10, private)", str(fb.recommend)))
        if fb.private_note:
            private.append(("Private note on the freelancer", fb.private_note))
    if fb.rating is not None:
        return FeedbackView(fb.author, [("Rating", fb.rating)], "", fb.comment, fb.submitted_at, private)
    ratings = [(FEEDBACK_CATEGORIES[cat], getattr(fb, cat)) for cat in Feedback.CATEGORIES]
    return FeedbackView(fb.author, ratings, str(queries.overall_score(fb)), fb.comment, fb.submitted_at, private)
