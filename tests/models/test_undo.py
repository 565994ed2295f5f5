"""Undo and Redo (models/undo.py): the compensating operation is recorded (a reversal for money, a correction
for the rest, RULES.md "Corrections"), one transaction each; redo records the operation again; an undo the
rules no longer allow is refused in words and stays listed. Every step leaves a book that passes check."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from models import corrections, mediation, ops, queries
from models.check import check_book
from models.entities import (
    AccessGrant,
    AuditLog,
    CloseoutItem,
    Contract,
    Deliverable,
    Dispute,
    LedgerEntry,
    Milestone,
)
from models.errors import RuleError
from models.undo import UNDONE, History

from ..conftest import START
from .rules import STARS, exact, fresh, funded_milestone, item, reload

TODAY = date(2026, 3, 20)


@pytest.fixture
def history(book):
    return History(lambda: TODAY)


def live(contract, kind):
    rows = LedgerEntry.select().where((LedgerEntry.contract == contract) & (LedgerEntry.kind == kind))
    return [e for e in rows if queries.is_live(e)]


def ended(contract):
    ops.end_contract(contract, agreed=True, today=date(2026, 3, 5))
    return reload(contract)


# Each case: (set-up outside the history, the operation, its name in the menu, what shows it is done).
def _fund(c):
    m = ops.add_milestone(c, "Draft", 10_000)
    return lambda: ops.fund_milestone(m, today=START), "Fund $100.00", lambda: fresh(m).state == Milestone.ACTIVE


def _release(c):
    m = funded_milestone(c, 20_000)
    return lambda: ops.release_payment(m, today=START), "Release $200.00", lambda: bool(live(c, "release"))


def _automatic(c):
    m = funded_milestone(c, 20_000)
    ops.submit_work(m, today=START)
    return (
        lambda: ops.record_automatic_release(m, today=TODAY),
        "Automatic release $200.00",
        lambda: bool(live(c, "release")),
    )


def _from_escrow(c):
    m = funded_milestone(c, 20_000)
    ops.release_payment(m, 5_000, today=START)
    return (
        lambda: ops.release_from_remaining_escrow(c, "Rest", 15_000, today=START),
        "Release $150.00",
        lambda: queries.balances(c).escrow == 0,
    )


def _refund(c):
    m = funded_milestone(c, 20_000)
    p = ops.release_payment(m, today=START)
    return lambda: ops.record_refund(p, 5_000, today=TODAY), "Refund $50.00", lambda: bool(live(c, "refund"))


def _submit(c):
    m = funded_milestone(c, 20_000)
    return (
        lambda: ops.submit_work(m, today=START),
        "Work submitted on “Draft”",
        lambda: fresh(m).state == Milestone.SUBMITTED,
    )


def _changes(c):
    m = funded_milestone(c, 20_000)
    ops.submit_work(m, today=START)
    return (
        lambda: ops.request_changes(m, today=date(2026, 3, 3)),
        "Ask for changes on “Draft”",
        lambda: fresh(m).state == Milestone.ACTIVE,
    )


def _end(c):
    funded_milestone(c, 20_000)
    return (
        lambda: ops.end_contract(c, agreed=True, request_escrow_refund=True, today=date(2026, 3, 5)),
        "End the contract",
        lambda: reload(c).status == Contract.ENDED,
    )


def _approved(c):
    funded_milestone(c, 20_000)
    r = ops.end_contract(c, agreed=True, request_escrow_refund=True, today=date(2026, 3, 5))
    return (
        lambda: ops.record_escrow_refund_reply(r, "approved", today=date(2026, 3, 6)),
        "Escrow refund $200.00",
        lambda: bool(live(c, "escrow_refund")),
    )


def _disputed(c):
    funded_milestone(c, 20_000)
    r = ops.end_contract(c, agreed=True, request_escrow_refund=True, today=date(2026, 3, 5))
    return (
        lambda: ops.record_escrow_refund_reply(r, "disputed", today=date(2026, 3, 6)),
        "Record the dispute",
        lambda: r.__class__.get_by_id(r.id).status == "disputed",
    )


def _answer(c):
    funded_milestone(c, 20_000)
    r = ops.end_contract(c, agreed=True, request_escrow_refund=True, today=date(2026, 3, 5))
    d = ops.record_escrow_refund_reply(r, "disputed", today=date(2026, 3, 6))
    return (
        lambda: ops.record_dispute_answer(d, today=date(2026, 3, 9)),
        "Answer the dispute",
        lambda: d.__class__.get_by_id(d.id).answered_on is not None,
    )


def _outcome(c):
    funded_milestone(c, 20_000)
    r = ops.end_contract(c, agreed=True, request_escrow_refund=True, today=date(2026, 3, 5))
    d = ops.record_escrow_refund_reply(r, "disputed", today=date(2026, 3, 6))
    return (
        lambda: ops.resolve_dispute(d, to_freelancer=5_000, to_client=15_000, today=date(2026, 3, 9)),
        "Record the dispute's outcome",
        lambda: bool(live(c, "dispute_refund")),
    )


def _tick(c):
    c = ended(c)
    i = item(c, CloseoutItem.REMIND_PROPERTY)
    return (
        lambda: ops.complete_closeout_item(i, today=TODAY),
        "Tick “Remind the freelancer to remove your property from their equipment”",
        lambda: CloseoutItem.get_by_id(i.id).done_on is not None,
    )


def _revoke(c):
    g = ops.add_access(c, "VPN", today=START)
    return lambda: ops.revoke_access(g, today=TODAY), "Revoke “VPN”", lambda: AccessGrant.get_by_id(g.id).revoked_on


def _receive(c):
    d = ops.add_deliverable(c, "Laptop", kind="equipment")
    received = lambda: Deliverable.get_by_id(d.id).received_on  # noqa: E731
    return lambda: ops.mark_received(d, today=TODAY), "Receive “Laptop”", received


def _their_feedback(c):
    c = ended(c)
    return (
        lambda: ops.record_freelancer_feedback(c, STARS, now=datetime(2026, 3, 6, 9)),
        "Record the freelancer's feedback",
        lambda: queries.freelancer_feedback(c) is not None,
    )


def _milestone(c):
    return (
        lambda: ops.add_milestone(c, "Extra", 10_000),
        "Add milestone “Extra”",
        lambda: Milestone.select().where(Milestone.title == "Extra").exists(),
    )


KINDS = [
    _fund,
    _release,
    _automatic,
    _from_escrow,
    _refund,
    _submit,
    _changes,
    _end,
    _approved,
    _disputed,
    _answer,
    _outcome,
    _tick,
    _revoke,
    _receive,
    _their_feedback,
    _milestone,
]


@pytest.mark.parametrize("setup", KINDS, ids=[k.__name__.strip("_") for k in KINDS])
def test_undo_records_the_compensation_and_redo_records_it_again(contract, setup):
    do, name, done = setup(contract)
    history = History(lambda: TODAY)
    do()
    assert history.undo_text() == name
    assert done()
    ledger_before = LedgerEntry.select().count()
    history.undo()
    assert not done()
    assert LedgerEntry.select().count() >= ledger_before  # a reversal is added, nothing is deleted
    assert check_book() == []
    assert (history.undo_text(), history.redo_text()) == (None, name)
    history.redo()
    assert done()
    assert (history.undo_text(), history.redo_text()) == (name, None)
    assert check_book() == []
    history.undo()  # and the step recorded by redo undoes too
    assert not done()
    assert check_book() == []


def test_undo_that_the_rules_no_longer_allow_is_refused_and_stays_listed(contract, history):
    m = funded_milestone(contract, 20_000)
    payment = ops.release_payment(m, today=START)
    ops.record_refund(payment, 1_000, today=START)
    history.done.pop()  # leave the refund standing: it depends on the payment
    with pytest.raises(RuleError, match=exact("That payment has refunds: reverse them first.")):
        history.undo()
    assert history.undo_text() == "Release $200.00"
    assert queries.is_live(payment)


def test_undo_of_money_shows_both_entries_in_the_ledger(contract, history):
    m = funded_milestone(contract, 20_000)
    payment = ops.release_payment(m, today=START)
    history.undo()
    reversal = LedgerEntry.get(LedgerEntry.reverses == payment.id)
    assert (reversal.amount, reversal.date, reversal.memo) == (20_000, TODAY, "Undone (Edit, Undo)")
    assert fresh(m).state == Milestone.ACTIVE


def test_a_new_operation_clears_what_could_be_redone(contract, history):
    m = funded_milestone(contract, 20_000)
    ops.release_payment(m, 5_000, today=START)
    history.undo()
    assert history.redo_text() == "Release $50.00"
    ops.add_milestone(contract, "Next", 10_000)
    assert history.redo_text() is None


def test_operations_inside_another_are_one_step(contract):
    m = funded_milestone(contract, 20_000)
    history = History(lambda: TODAY)
    ops.submit_work(m, today=START)
    ops.end_contract(contract, agreed=True, today=TODAY)  # records the automatic release first
    assert [s.name for s in history.done] == ["Work submitted on “Draft”", "End the contract"]


def test_a_sealed_feedback_is_not_offered_for_undo(contract):
    history = History(lambda: TODAY)
    ended(contract)
    ops.submit_feedback(contract, STARS, now=datetime(2026, 3, 6, 9))
    assert history.undo_text() == "End the contract"


def test_each_step_names_the_contract_it_changed(contract, history):
    m = funded_milestone(contract, 20_000)
    ops.release_payment(m, today=START)
    ops.end_contract(contract.id, agreed=True, today=TODAY)
    assert [s.contract_id for s in history.done[-2:]] == [contract.id, contract.id]


# R8, second marketplace version: each step of mediation is undone by its withdrawal (recorded in error).
V2_START, V2_TODAY = date(2026, 12, 1), date(2027, 1, 20)
EVIDENCE, PROPOSED = date(2027, 1, 12), date(2027, 1, 14)


def _declined(book, freelancer):
    """A dispute over $500.00 on a version 2 contract, answered (declined) by the client."""
    c = ops.create_contract("Brand book", freelancer, started_on=V2_START, today=V2_START)
    funded_milestone(c, 50_000, today=date(2027, 1, 4))
    r = ops.end_contract(c, agreed=True, request_escrow_refund=True, today=date(2027, 1, 4))
    d = ops.record_escrow_refund_reply(r, "disputed", today=date(2027, 1, 6))
    return ops.record_dispute_answer(d, today=date(2027, 1, 8))


def _dispute(d):
    return Dispute.get_by_id(d.id)


def _propose(d):
    mediation.record_evidence_sent(d, today=EVIDENCE)
    return mediation.record_mediation_proposal(d, to_freelancer=30_000, to_client=20_000, today=PROPOSED)


def _evidence(d):
    return (
        lambda: mediation.record_evidence_sent(d, today=EVIDENCE),
        "Record the evidence sent",
        lambda: _dispute(d).evidence_sent_on == EVIDENCE,
    )


def _proposal(d):
    mediation.record_evidence_sent(d, today=EVIDENCE)
    return (
        lambda: mediation.record_mediation_proposal(d, to_freelancer=30_000, to_client=20_000, today=PROPOSED),
        "Record the mediator's proposal",
        lambda: _dispute(d).proposal_release == 30_000,
    )


def _freelancers_acceptance(d):
    _propose(d)
    return (
        lambda: mediation.record_proposal_acceptance(d, "freelancer", today=PROPOSED),
        "Record the freelancer's acceptance",
        lambda: _dispute(d).freelancer_accepted_on == PROPOSED,
    )


def _your_acceptance(d):
    _propose(d)
    return (
        lambda: mediation.record_proposal_acceptance(d, "client", today=PROPOSED),
        "Record your acceptance",
        lambda: _dispute(d).client_accepted_on == PROPOSED,
    )


def _arbitration(d):
    _propose(d)
    return (
        lambda: mediation.record_arbitration(d, today=V2_TODAY),
        "Record the move to arbitration",
        lambda: _dispute(d).arbitration_on == V2_TODAY,
    )


STEPS = [_evidence, _proposal, _freelancers_acceptance, _your_acceptance, _arbitration]


@pytest.mark.parametrize("setup", STEPS, ids=[k.__name__.strip("_") for k in STEPS])
def test_r8_v2_each_step_of_mediation_is_undone_by_its_withdrawal_and_redone(book, freelancer, setup):
    d = _declined(book, freelancer)
    do, name, done = setup(d)
    history = History(lambda: V2_TODAY)
    do()
    assert history.undo_text() == name
    assert done()
    history.undo()
    assert not done()
    assert AuditLog.select().order_by(AuditLog.id.desc()).first().detail.endswith("Why: Undone (Edit, Undo)")
    assert check_book() == []
    assert (history.undo_text(), history.redo_text()) == (None, name)
    history.redo()
    assert done()
    assert (history.undo_text(), history.redo_text()) == (name, None)
    assert check_book() == []
    history.undo()
    assert not done()
    assert check_book() == []


def test_r8_v2_the_steps_undo_latest_first_back_to_the_answer(book, freelancer):
    d = _declined(book, freelancer)
    history = History(lambda: V2_TODAY)
    _propose(d)
    mediation.record_proposal_acceptance(d, "client", today=PROPOSED)
    mediation.record_arbitration(d, today=V2_TODAY)
    names = []
    while history.undo_text() is not None:
        names.append(history.undo().name)
    assert names == [
        "Record the move to arbitration",
        "Record your acceptance",
        "Record the mediator's proposal",
        "Record the evidence sent",
    ]
    d = _dispute(d)
    assert (d.evidence_sent_on, d.proposed_on, d.client_accepted_on, d.arbitration_on) == (None, None, None, None)
    assert d.answered_on == date(2027, 1, 8)
    assert check_book() == []


def test_r8_v2_undoing_the_acceptance_that_resolved_the_dispute_reverses_its_outcome(book, freelancer):
    d = _declined(book, freelancer)
    _propose(d)
    mediation.record_proposal_acceptance(d, "freelancer", today=date(2027, 1, 15))
    history = History(lambda: V2_TODAY)
    mediation.record_proposal_acceptance(d, "client", today=date(2027, 1, 16))
    assert history.undo_text() == "Record your acceptance"
    history.undo()
    d = _dispute(d)
    assert (d.status, d.resolved_on) == (Dispute.OPEN, None)
    assert (d.freelancer_accepted_on, d.client_accepted_on) == (date(2027, 1, 15), None)  # the first one stands
    reversals = [e for e in LedgerEntry.select().where(LedgerEntry.kind == "reversal") if e.memo == UNDONE]
    assert not live(d.contract, "dispute_release") and not live(d.contract, "dispute_refund")
    assert reversals[0].date == V2_TODAY
    assert check_book() == []
    history.redo()
    d = _dispute(d)
    assert (d.status, d.resolved_on, d.client_accepted_on) == (Dispute.RESOLVED, date(2027, 1, 16), date(2027, 1, 16))
    assert [e.amount for e in live(d.contract, "dispute_release")] == [30_000]
    assert check_book() == []
    history.undo()  # the acceptance done again undoes too
    assert _dispute(d).status == Dispute.OPEN
    assert check_book() == []


def test_r8_v2_undoing_a_step_withdrawn_meanwhile_is_refused_and_stays_listed(book, freelancer):
    d = _declined(book, freelancer)
    history = History(lambda: V2_TODAY)
    _propose(d)
    corrections.withdraw_mediation_step(d, "Not this dispute", today=V2_TODAY)  # Contract, Correct a Record
    assert history.undo_text() == "Record the mediator's proposal"
    with pytest.raises(RuleError, match=exact("The mediator's proposal is not recorded on this dispute.")):
        history.undo()
    assert history.undo_text() == "Record the mediator's proposal"
    assert _dispute(d).evidence_sent_on == EVIDENCE  # the evidence stands
