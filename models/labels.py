"""What the client reads for each stored code: one wording for the window, the PDF summary and the CSV notes."""

from __future__ import annotations

from .entities import Deliverable, EscrowRefundRequest, Feedback, LedgerEntry, Milestone

ENTRY_KINDS = {
    LedgerEntry.FUND: "Deposit into escrow",
    LedgerEntry.FUND_FROM_ESCROW: "Funded from remaining escrow",
    LedgerEntry.FEE: "Fee",
    LedgerEntry.RELEASE: "Payment released",
    LedgerEntry.ESCROW_REFUND: "Escrow refunded",
    LedgerEntry.REFUND: "Refund received",
    LedgerEntry.DISPUTE_RELEASE: "Dispute: released to freelancer",
    LedgerEntry.DISPUTE_REFUND: "Dispute: refunded to you",
    LedgerEntry.REVERSAL: "Reversal",
}

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
