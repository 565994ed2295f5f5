"""What the client reads for each stored code: one wording for the window, the PDF summary and the CSV notes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from .entities import Deliverable, EscrowRefundRequest, Feedback, LedgerEntry, Milestone

ENTRY_KINDS = {
    LedgerEntry.FUND: "Deposit into escrow",
    LedgerEntry.FUND_FROM_ESCROW: "Funded from remaining escrow",
    LedgerEntry.FEE: "Fee",
    LedgerEntry.FEE_REFUND: "Fee returned",
    LedgerEntry.RELEASE: "Payment released",
    LedgerEntry.ESCROW_REFUND: "Escrow refunded",
    LedgerEntry.REFUND: "Refund received",
    LedgerEntry.DISPUTE_RELEASE: "Dispute: released to freelancer",
    LedgerEntry.DISPUTE_REFUND: "Dispute: refunded to you",
    LedgerEntry.REVERSAL: "Reversal",
}

# Where each kind of entry moves the money, as the client reads it (a reversal moves it back).
ENTRY_DIRECTIONS = {
    LedgerEntry.FUND: ("You", "escrow"),
    LedgerEntry.FUND_FROM_ESCROW: ("Escrow", "milestone"),
    LedgerEntry.FEE: ("You", "marketplace"),
    LedgerEntry.FEE_REFUND: ("Marketplace", "you"),
    LedgerEntry.RELEASE: ("Escrow", "freelancer"),
    LedgerEntry.ESCROW_REFUND: ("Escrow", "you"),
    LedgerEntry.REFUND: ("Freelancer", "you"),
    LedgerEntry.DISPUTE_RELEASE: ("Escrow", "freelancer"),
    LedgerEntry.DISPUTE_REFUND: ("Escrow", "you"),
}


def direction(kind: str, reversed_kind: str | None = None) -> str:
    """ "You → escrow"; for a reversal, its original's the other way round ("Escrow → you")."""
    if kind == LedgerEntry.REVERSAL:
        if reversed_kind not in ENTRY_DIRECTIONS:
            return ""
        source, target = ENTRY_DIRECTIONS[reversed_kind]
        return f"{target.capitalize()} → {source.lower()}"
    source, target = ENTRY_DIRECTIONS.get(kind, ("", ""))
    return f"{source} → {target}" if source else ""


MILESTONE_STATES = {
    Milestone.UNFUNDED: "Not funded",
    Milestone.ACTIVE: "Funded",
    Milestone.SUBMITTED: "Work submitted",
    Milestone.PAID: "Paid",
    Milestone.CLOSED: "Closed",
}

REQUEST_STATUSES = {
    EscrowRefundRequest.PENDING: "Waiting for the freelancer",
    EscrowRefundRequest.APPROVED: "Approved",
    EscrowRefundRequest.NO_REPLY: "No answer: approved",
    EscrowRefundRequest.DISPUTED: "Disputed",
}

DISPUTE_OUTCOMES = {
    LedgerEntry.DISPUTE_RELEASE: "Released to the freelancer",
    LedgerEntry.DISPUTE_REFUND: "Refunded to you",
}

FEEDBACK_CATEGORIES = {
    "skills": "Skills",
    "quality": "Quality of work",
    "availability": "Availability",
    "schedule": "Adherence to schedule",
    "communication": "Communication",
    "cooperation": "Cooperation",
}
assert tuple(FEEDBACK_CATEGORIES) == Feedback.CATEGORIES

DELIVERABLE_KINDS = {Deliverable.WORK: "work", Deliverable.MATERIAL: "material", Deliverable.EQUIPMENT: "equipment"}


def day_text(day: date) -> str:
    """A date as the client reads it: "5 Mar 2026" (the one definition models/ uses in its messages)."""
    return f"{day.day} {day:%b %Y}"


def submissions(m: Milestone, day: Callable[[date], str] = day_text) -> str:
    """R6: the milestone's submissions as the client reads them (both dates when work was submitted again):
    "Submitted 1 Dec 2026, again 13 Dec 2026; released automatically on 27 Dec 2026"; "" when none is
    running. `day` writes a date (the window uses the user's locale)."""
    first, latest = m.first_submitted_on, m.submitted_on
    if m.state == Milestone.SUBMITTED and latest is not None:
        text = f"Submitted {day(first or latest)}"
        if first is not None and first != latest:
            text += f", again {day(latest)}"
        if m.auto_release_on is not None:
            text += f"; released automatically on {day(m.auto_release_on)}"
        return text
    if m.state == Milestone.ACTIVE and first is not None:
        return f"Submitted {day(first)}; changes asked for"
    return ""


def through_support(reference: str | None) -> str:
    """R9 (v2): what is said beside a refund made through the marketplace's support."""
    return "" if not reference else f"through the marketplace's support, case {reference}"
