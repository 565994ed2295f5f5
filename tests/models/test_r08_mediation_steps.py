"""R8, second marketplace version: after the client declines a dispute, once both sides have sent their
evidence the mediator proposes a split within 2 days; each side has 2 days from the proposal to accept; a
proposal not accepted by both goes to arbitration, whose outcome is recorded when it comes. Every step is a
deadline in "needs attention". Version 1's mediation (at most 30 days) is unchanged."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import corrections, mediation, ops, queries
from models.check import check_book
from models.entities import AuditLog, Clock, Dispute, LedgerEntry

from .rules import ended_with_escrow, entries, refused

V2_START = date(2026, 12, 1)
ENDED = date(2027, 1, 4)  # a Monday
DISPUTED = date(2027, 1, 6)
ANSWERED = date(2027, 1, 8)
EVIDENCE = date(2027, 1, 12)
PROPOSED = date(2027, 1, 14)  # the last day of the 2 days after the evidence


@pytest.fixture
def v2(book, freelancer):
    return ops.create_contract("Brand book", freelancer, started_on=V2_START, today=V2_START)


@pytest.fixture
def declined(v2):
    """A dispute over $500.00 on a version 2 contract, which the client answered (declined)."""
    request = ended_with_escrow(v2, 50_000, today=ENDED)
    d = ops.record_escrow_refund_reply(request, "disputed", today=DISPUTED)
    return ops.record_dispute_answer(d, today=ANSWERED)


def clocks(dispute, kind):
    return [k.due for k in Clock.select().where((Clock.ref == dispute.id) & (Clock.kind == kind))]


def lines(today, kind):
    return [i for i in queries.attention(today) if i.kind == kind]


def proposed(declined, release=30_000, refund=20_000):
    mediation.record_evidence_sent(declined, today=EVIDENCE)
    return mediation.record_mediation_proposal(declined, to_freelancer=release, to_client=refund, today=PROPOSED)


def test_r8_v2_the_proposal_is_due_2_days_after_the_evidence(declined):
    assert mediation.has_steps(declined)
    assert declined.mediation_ends is None  # no 30-day mediation under version 2
    d = mediation.record_evidence_sent(declined, on=EVIDENCE, today=EVIDENCE + timedelta(days=1))
    assert d.proposal_due == EVIDENCE + timedelta(days=2) == date(2027, 1, 14)
    assert clocks(d, Clock.DISPUTE_PROPOSAL) == [date(2027, 1, 14)]
    (line,) = lines(date(2027, 1, 14), Clock.DISPUTE_PROPOSAL)  # due that day
    assert line.label == "Dispute: mediator's proposal due"
    assert lines(date(2027, 1, 15), Clock.DISPUTE_PROPOSAL)  # a day late: still there, overdue
    assert check_book() == []


def test_r8_v2_acceptance_is_due_2_days_after_the_proposal(declined):
    d = proposed(declined)
    assert clocks(d, Clock.DISPUTE_PROPOSAL) == []
    assert (d.proposal_release, d.proposal_refund, d.acceptance_due) == (30_000, 20_000, date(2027, 1, 16))
    assert clocks(d, Clock.DISPUTE_ACCEPTANCE) == [date(2027, 1, 16)]
    assert lines(date(2027, 1, 16), Clock.DISPUTE_ACCEPTANCE)


def test_r8_v2_accepted_by_both_on_the_last_day_the_proposal_is_the_outcome(declined):
    d = proposed(declined)
    last = d.acceptance_due
    mediation.record_proposal_acceptance(d, "freelancer", today=PROPOSED)
    d = mediation.record_proposal_acceptance(d, "client", today=last)
    assert (d.status, d.resolved_on) == (Dispute.RESOLVED, last)
    outcome = entries(d.contract, LedgerEntry.DISPUTE_RELEASE) + entries(d.contract, LedgerEntry.DISPUTE_REFUND)
    assert [(e.kind, e.amount, e.date) for e in outcome] == [
        ("dispute_release", 30_000, last),
        ("dispute_refund", 20_000, last),
    ]
    assert sum(e.amount for e in outcome) == d.amount
    assert clocks(d, Clock.DISPUTE_ACCEPTANCE) == []
    assert check_book() == []


def test_r8_v2_accepting_the_day_after_the_2_days_is_refused(declined):
    d = proposed(declined)
    day = d.acceptance_due + timedelta(days=1)
    with refused(
        "The proposal could be accepted until 16 Jan 2027. Not accepted by both by then, the dispute goes to "
        "arbitration: record that instead."
    ):
        mediation.record_proposal_acceptance(d, "client", today=day)


def test_r8_v2_not_accepted_by_both_goes_to_arbitration_whose_outcome_is_recorded_when_it_comes(declined):
    d = proposed(declined)
    mediation.record_proposal_acceptance(d, "client", today=PROPOSED)
    late = d.acceptance_due + timedelta(days=1)
    (line,) = lines(late, Clock.DISPUTE_ACCEPTANCE)  # overdue: it asks for the arbitration to be recorded
    d = mediation.record_arbitration(d, today=late)
    assert d.arbitration_on == late and clocks(d, Clock.DISPUTE_ACCEPTANCE) == []
    with refused("The dispute went to arbitration on 17 Jan 2027."):
        mediation.record_proposal_acceptance(d, "freelancer", today=late)
    with refused("16 Jan 2027 is before the move to arbitration on 17 Jan 2027. Choose 17 Jan 2027 or later."):
        ops.resolve_dispute(d, to_freelancer=0, to_client=50_000, on=date(2027, 1, 16), today=date(2027, 2, 20))
    d = ops.resolve_dispute(d, to_freelancer=10_000, to_client=40_000, today=date(2027, 2, 20))
    assert d.status == Dispute.RESOLVED
    assert check_book() == []


def test_r8_v2_each_step_follows_the_one_before(declined):
    with refused("The mediator proposes once both sides have sent their evidence: record that first."):
        mediation.record_mediation_proposal(declined, to_freelancer=50_000, to_client=0, today=EVIDENCE)
    with refused("7 Jan 2027 is before your answer to the dispute on 8 Jan 2027. Choose 8 Jan 2027 or later."):
        mediation.record_evidence_sent(declined, on=date(2027, 1, 7), today=EVIDENCE)
    mediation.record_evidence_sent(declined, today=EVIDENCE)
    with refused("11 Jan 2027 is before the evidence sent by both sides on 12 Jan 2027. Choose 12 Jan 2027 or later."):
        mediation.record_mediation_proposal(declined, to_freelancer=50_000, to_client=0, on=date(2027, 1, 11),
                                            today=PROPOSED)  # fmt: skip
    with refused("A dispute goes to arbitration when the mediator's proposal is not accepted."):
        mediation.record_arbitration(declined, today=PROPOSED)
    with refused("The steps of mediation came after your answer: withdraw them first, the latest first."):
        corrections.withdraw_dispute_answer(declined, reason="Typed in error")


def test_r8_v2_the_proposal_splits_exactly_the_disputed_amount(declined):
    mediation.record_evidence_sent(declined, today=EVIDENCE)
    with refused("The split must add up to exactly $500.00: it adds up to $499.99."):
        mediation.record_mediation_proposal(declined, to_freelancer=29_999, to_client=20_000, today=PROPOSED)


def test_r8_v2_evidence_before_the_client_answered_is_refused(v2):
    request = ended_with_escrow(v2, 50_000, today=ENDED)
    d = ops.record_escrow_refund_reply(request, "disputed", today=DISPUTED)
    with refused("Record your answer to the dispute first: mediation starts when you decline it."):
        mediation.record_evidence_sent(d, today=EVIDENCE)


def test_r8_version_1_disputes_have_no_steps_and_keep_30_days_of_mediation(contract):
    from ..conftest import START

    request = ended_with_escrow(contract, 50_000, today=START)
    d = ops.record_escrow_refund_reply(request, "disputed", today=START)
    d = ops.record_dispute_answer(d, today=START)
    assert not mediation.has_steps(d)
    assert d.mediation_ends == START + timedelta(days=30)
    with refused(
        "Mediation under this contract's policy has no proposal to accept: record the dispute's outcome when "
        "mediation ends."
    ):
        mediation.record_evidence_sent(d, today=START)
    assert {k.kind for k in Clock.select().where(Clock.ref == d.id)} == {Clock.MEDIATION}


# ------------------------------------------------------------ corrections: each step withdrawn as recorded in error

WHY = "Typed on the wrong dispute"
LATER = date(2027, 1, 20)


def last_audit(dispute) -> tuple[str, str]:
    a = AuditLog.select().where(AuditLog.contract == dispute.contract_id).order_by(AuditLog.id.desc()).first()
    return a.action, a.detail


def offered(dispute) -> list[str]:
    """What Contract, Correct a Record lists for the dispute's contract."""
    return [c.label for c in corrections.available(dispute.contract_id)]


def test_r8_v2_each_step_is_withdrawn_in_turn_latest_first_with_its_reason(declined):
    d = proposed(declined)
    mediation.record_proposal_acceptance(d, "freelancer", today=date(2027, 1, 15))
    d = mediation.record_arbitration(d, today=date(2027, 1, 17))
    assert "The move to arbitration (17 Jan 2027)…" in offered(d)

    d = corrections.withdraw_mediation_step(d, WHY, today=LATER)
    assert d.arbitration_on is None and d.freelancer_accepted_on == date(2027, 1, 15)
    assert last_audit(d) == ("move to arbitration recorded in error", f"went to arbitration on 2027-01-17. Why: {WHY}")
    assert clocks(d, Clock.DISPUTE_ACCEPTANCE) == [date(2027, 1, 16)]  # its clock runs again (overdue)
    assert check_book() == []
    assert "The freelancer's acceptance of the proposal (15 Jan 2027)…" in offered(d)

    d = corrections.withdraw_mediation_step(d, WHY, today=LATER)
    assert d.freelancer_accepted_on is None
    assert last_audit(d) == (
        "freelancer's acceptance of the proposal recorded in error",
        f"accepted by the freelancer on 2027-01-15. Why: {WHY}",
    )
    assert check_book() == []
    assert "The mediator's proposal (14 Jan 2027)…" in offered(d)

    d = corrections.withdraw_mediation_step(d, WHY, today=LATER)
    assert (d.proposed_on, d.proposal_release, d.proposal_refund, d.acceptance_due) == (None, None, None, None)
    assert last_audit(d) == (
        "mediator's proposal recorded in error",
        f"proposed on 2027-01-14: $300.00 to the freelancer, $200.00 to you, to be accepted by 2027-01-16. Why: {WHY}",
    )
    assert clocks(d, Clock.DISPUTE_ACCEPTANCE) == []
    assert clocks(d, Clock.DISPUTE_PROPOSAL) == [date(2027, 1, 14)]  # the proposal is due again
    assert check_book() == []
    assert "The evidence sent by both sides (12 Jan 2027)…" in offered(d)

    d = corrections.withdraw_mediation_step(d, WHY, today=LATER)
    assert (d.evidence_sent_on, d.proposal_due) == (None, None)
    assert last_audit(d) == (
        "evidence sent by both sides recorded in error",
        f"sent by both sides on 2027-01-12, the mediator's proposal due by 2027-01-14. Why: {WHY}",
    )
    assert clocks(d, Clock.DISPUTE_PROPOSAL) == []
    assert check_book() == []
    assert not [label for label in offered(d) if "evidence" in label]

    with refused("No step of mediation is recorded on this dispute."):
        corrections.withdraw_mediation_step(d, WHY, today=LATER)
    d = corrections.withdraw_dispute_answer(d, reason=WHY)  # the answer can be withdrawn again
    assert d.answered_on is None
    assert check_book() == []


def test_r8_v2_the_withdrawn_steps_can_be_recorded_again(declined):
    d = proposed(declined)
    corrections.withdraw_mediation_step(d, WHY, today=PROPOSED)
    d = mediation.record_mediation_proposal(d, to_freelancer=10_000, to_client=40_000, today=date(2027, 1, 13))
    assert (d.proposal_release, d.proposal_refund, d.acceptance_due) == (10_000, 40_000, date(2027, 1, 15))
    assert check_book() == []


def test_r8_v2_a_withdrawal_needs_a_reason_and_is_not_dated_before_the_step(declined, unchanged):
    d = proposed(declined)
    with unchanged(), refused("Enter a reason."):
        corrections.withdraw_mediation_step(d, "  ", today=LATER)
    with (
        unchanged(),
        refused("13 Jan 2027 is before the mediator's proposal on 14 Jan 2027. Choose 14 Jan 2027 or later."),
    ):
        corrections.withdraw_mediation_step(d, WHY, on=date(2027, 1, 13), today=LATER)
    corrections.withdraw_mediation_step(d, WHY, on=PROPOSED, today=LATER)  # the day of the step itself


def test_r8_v2_the_acceptance_that_resolved_the_dispute_is_corrected_by_reversing_the_outcome(declined, unchanged):
    d = proposed(declined)
    mediation.record_proposal_acceptance(d, "freelancer", today=date(2027, 1, 15))
    d = mediation.record_proposal_acceptance(d, "client", today=date(2027, 1, 16))
    assert not [label for label in offered(d) if "proposal" in label]  # an outcome: nothing to withdraw here
    with (
        unchanged(),
        refused(
            "The proposal accepted by both on 16 Jan 2027 is the dispute's outcome: to correct it, reverse the "
            "outcome's entries in the ledger. The dispute then opens again, the proposal standing, and each "
            "acceptance can be recorded again."
        ),
    ):
        corrections.withdraw_mediation_step(d, WHY, today=LATER)


def test_r8_v2_an_outcome_after_arbitration_is_reversed_before_its_steps_are_withdrawn(declined):
    d = proposed(declined)
    d = mediation.record_arbitration(d, today=date(2027, 1, 17))
    ops.resolve_dispute(d, to_freelancer=0, to_client=50_000, today=LATER)
    with refused("The dispute has an outcome: reverse the outcome first."):
        corrections.withdraw_mediation_step(d, WHY, today=LATER)
    (refund,) = entries(d.contract, LedgerEntry.DISPUTE_REFUND)
    ops.reverse_entry(refund, today=LATER)
    d = Dispute.get_by_id(d.id)
    assert (d.status, d.arbitration_on) == (Dispute.OPEN, date(2027, 1, 17))  # the arbitration stands
    corrections.withdraw_mediation_step(d, WHY, today=LATER)
    assert check_book() == []


def test_r8_v2_reversing_the_outcome_of_an_accepted_proposal_clears_both_acceptances(declined):
    """The proposal stands: RULES.md counts each side's days to accept from the proposal, so its deadline stays
    (here already past: the dispute goes to arbitration, recorded when it does)."""
    d = proposed(declined)
    mediation.record_proposal_acceptance(d, "freelancer", today=date(2027, 1, 15))
    d = mediation.record_proposal_acceptance(d, "client", today=date(2027, 1, 16))
    (release,) = entries(d.contract, LedgerEntry.DISPUTE_RELEASE)
    ops.reverse_entry(release, today=LATER)
    d = Dispute.get_by_id(d.id)
    assert (d.status, d.resolved_on, d.freelancer_accepted_on, d.client_accepted_on) == (Dispute.OPEN, None, None, None)
    assert (d.proposed_on, d.proposal_release, d.proposal_refund) == (PROPOSED, 30_000, 20_000)
    assert d.acceptance_due == date(2027, 1, 16)
    assert clocks(d, Clock.DISPUTE_ACCEPTANCE) == [date(2027, 1, 16)]
    assert last_audit(d)[1].endswith(
        "; the proposal's acceptances (the freelancer's on 2027-01-15, yours on 2027-01-16) cleared: the proposal "
        "stands, to be accepted by 2027-01-16"
    )
    assert check_book() == []
    # Each side may accept again, on the days they did, within the proposal's 2 days...
    mediation.record_proposal_acceptance(d, "client", on=date(2027, 1, 16), today=LATER)
    d = mediation.record_proposal_acceptance(d, "freelancer", on=date(2027, 1, 16), today=LATER)
    assert d.status == Dispute.RESOLVED
    assert check_book() == []


def test_r8_v2_reversed_outcome_of_an_accepted_proposal_past_its_days_goes_to_arbitration(declined):
    d = proposed(declined)
    mediation.record_proposal_acceptance(d, "freelancer", today=date(2027, 1, 15))
    d = mediation.record_proposal_acceptance(d, "client", today=date(2027, 1, 15))
    (refund,) = entries(d.contract, LedgerEntry.DISPUTE_REFUND)
    ops.reverse_entry(refund, today=LATER)
    with refused(
        "The proposal could be accepted until 16 Jan 2027. Not accepted by both by then, the dispute goes to "
        "arbitration: record that instead."
    ):
        mediation.record_proposal_acceptance(d, "client", today=LATER)
    d = mediation.record_arbitration(d, today=LATER)
    assert d.arbitration_on == LATER and check_book() == []


def test_r8_version_1_outcome_reversed_opens_the_dispute_as_before(contract):
    from ..conftest import START

    request = ended_with_escrow(contract, 50_000, today=START)
    d = ops.record_escrow_refund_reply(request, "disputed", today=START)
    d = ops.record_dispute_answer(d, today=START)
    d = ops.resolve_dispute(d, to_freelancer=50_000, to_client=0, today=START)
    (release,) = entries(d.contract, LedgerEntry.DISPUTE_RELEASE)
    ops.reverse_entry(release, today=START)
    d = Dispute.get_by_id(d.id)
    assert (d.status, d.answered_on, d.mediation_ends) == (Dispute.OPEN, START, START + timedelta(days=30))
    assert last_audit(d) == ("entry reversed", f"#{release.id} dispute_release $500.00")
    with refused("No step of mediation is recorded on this dispute."):
        corrections.withdraw_mediation_step(d, WHY, today=START)
    assert [c.kind for c in corrections.available(d.contract_id)] == ["ending", "dispute", "dispute_answer"]
