"""Undo and Redo (models/undo.py): the compensating operation is recorded (a reversal for money, a correction
for the rest, RULES.md "Corrections"), one transaction each; redo records the operation again; an undo the
rules no longer allow is refused in words and stays listed. Every step leaves a book that passes check."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from models import ops, queries
from models.check import check_book
from models.entities import AccessGrant, CloseoutItem, Contract, Deliverable, LedgerEntry, Milestone
from models.errors import RuleError
from models.undo import History

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
