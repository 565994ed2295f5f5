"""R8, second marketplace version: after the client declines a dispute, once both sides have sent their
evidence the mediator proposes a split within 2 days; each side has 2 days from the proposal to accept; a
proposal not accepted by both goes to arbitration, whose outcome is recorded when it comes. Every step is a
deadline in "needs attention". Version 1's mediation (at most 30 days) is unchanged."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import corrections, mediation, ops, queries
from models.check import check_book
from models.entities import Clock, Dispute, LedgerEntry

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
    with refused("The steps of mediation came after your answer: it can no longer be withdrawn."):
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
