"""R7 Ending: an agreed ending of an active contract; escrow left is released or its refund requested."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from models import ops, queries
from models.entities import CloseoutItem, Contract, EscrowRefundRequest, Milestone
from models.errors import RuleError
from tests.models.rules import ended_on, ended_with_escrow, exact, funded_milestone, paid, reload

from ..conftest import START


def test_r7_end_contract_with_no_escrow_ends_it(contract):
    paid(contract)
    result = ops.end_contract(contract, agreed=True, reason="Work completed", today=date(2026, 3, 10))
    assert result is None
    c = reload(contract)
    assert c.status == Contract.ENDED
    assert c.ended_on == date(2026, 3, 10)
    assert c.end_reason == "Work completed"
    assert EscrowRefundRequest.select().where(EscrowRefundRequest.contract == c).count() == 0


def test_r7_end_contract_with_no_escrow_and_refund_requested_creates_no_request(contract):
    result = ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=START)
    assert result is None
    assert reload(contract).status == Contract.ENDED
    assert EscrowRefundRequest.select().count() == 0


def test_r7_end_contract_without_agreement_is_refused(contract, unchanged):
    with (
        unchanged(),
        pytest.raises(RuleError, match=exact("Confirm that you agreed the ending with the freelancer.")) as e,
    ):
        ops.end_contract(contract, agreed=False, today=START)
    assert e.value.rule == "R7"
    assert e.value.field == "agreed"
    assert reload(contract).status == Contract.ACTIVE


def test_r7_end_contract_without_agreement_is_refused_even_with_refund_request(contract, unchanged):
    funded_milestone(contract)
    with unchanged(), pytest.raises(RuleError, match="Confirm that you agreed") as e:
        ops.end_contract(contract, agreed=False, request_escrow_refund=True, today=START)
    assert e.value.field == "agreed"


def test_r7_end_contract_with_escrow_and_no_refund_request_is_refused_naming_the_amount(contract, unchanged):
    funded_milestone(contract, 50_000)
    message = "$500.00 is still in escrow. Release it first, or end the contract and request an escrow refund."
    with unchanged(), pytest.raises(RuleError, match=exact(message)) as e:
        ops.end_contract(contract, agreed=True, today=START)
    assert e.value.rule == "R7"
    assert reload(contract).status == Contract.ACTIVE


def test_r7_end_contract_with_escrow_left_after_partial_release_names_the_remainder(contract, unchanged):
    m = funded_milestone(contract, 50_000)
    ops.release_payment(m, 30_000, today=START)
    with unchanged(), pytest.raises(RuleError, match=r"^\$200\.00 is still in escrow\."):
        ops.end_contract(contract, agreed=True, today=START)


def test_r7_end_contract_with_refund_request_creates_request_of_exactly_the_escrow(contract):
    m = funded_milestone(contract, 50_000)
    ops.release_payment(m, 12_345, today=START)
    request = ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=START)
    assert isinstance(request, EscrowRefundRequest)
    request = EscrowRefundRequest.get_by_id(request.id)
    assert request.amount == 50_000 - 12_345
    assert request.amount == queries.balances(contract).escrow
    assert request.requested_on == START
    assert request.reply_due == date(2026, 3, 8)
    assert request.status == EscrowRefundRequest.PENDING
    assert EscrowRefundRequest.select().count() == 1
    assert reload(contract).status == Contract.ENDED


def test_r7_escrow_refund_request_reply_due_is_seven_days_later(contract):
    request = ended_with_escrow(contract, today=date(2026, 3, 28))
    assert request.reply_due == date(2026, 4, 4)


def test_r7_escrow_refund_request_shows_a_reply_clock(contract):
    request = ended_with_escrow(contract)
    clocks = [(k.kind, k.due, k.ref) for k in queries.contract_clocks(contract)]
    assert ("escrow_reply", date(2026, 3, 8), request.id) in clocks


def test_r7_ending_an_ended_contract_is_refused(contract, unchanged):
    ended_on(contract)
    with unchanged(), pytest.raises(RuleError, match=exact("“Logo redesign” has already ended.")) as e:
        ops.end_contract(contract, agreed=True, today=date(2026, 3, 2))
    assert e.value.rule == "R7"


def test_r7_end_contract_before_it_started_is_refused(contract, unchanged):
    with unchanged(), pytest.raises(RuleError, match=r"before the start of the contract on 1 Mar 2026\."):
        ops.end_contract(contract, agreed=True, today=date(2026, 2, 28))


def test_r7_end_contract_creates_the_four_closeout_items(contract):
    c = ended_on(contract)
    items = {i.kind: i for i in CloseoutItem.select().where(CloseoutItem.contract == c)}
    assert set(items) == {
        CloseoutItem.REVOKE_ACCESS,
        CloseoutItem.RECEIVE_WORK,
        CloseoutItem.REMIND_PROPERTY,
        CloseoutItem.LEAVE_FEEDBACK,
    }
    assert len(items) == 4
    assert all(i.done_on is None for i in items.values())
    assert items[CloseoutItem.LEAVE_FEEDBACK].label == "Leave feedback"
    assert queries.closeout_open(c) == 4
    assert not queries.is_closed_out(c)


def test_r7_refused_end_creates_no_closeout_items(contract, unchanged):
    with unchanged(), pytest.raises(RuleError):
        ops.end_contract(contract, agreed=False, today=START)
    assert CloseoutItem.select().count() == 0


def test_r7_end_contract_closes_open_milestones_and_keeps_the_others(contract):
    unfunded = ops.add_milestone(contract, "Later", 10_000)
    active = funded_milestone(contract, 20_000, title="Active")
    submitted = funded_milestone(contract, 30_000, title="Submitted")
    ops.submit_work(submitted, today=START)
    paid_m = funded_milestone(contract, 40_000, title="Paid")
    ops.release_payment(paid_m, today=START)

    request = ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=START)

    assert Milestone.get_by_id(active.id).state == Milestone.CLOSED
    assert Milestone.get_by_id(submitted.id).state == Milestone.CLOSED
    assert Milestone.get_by_id(unfunded.id).state == Milestone.UNFUNDED
    assert Milestone.get_by_id(paid_m.id).state == Milestone.PAID
    assert request.amount == 50_000
    assert queries.active_milestones(contract) == []


def test_r7_end_contract_sets_the_feedback_window(contract):
    c = ended_on(contract)
    assert c.feedback_closes_at == datetime(2026, 3, 15, 23, 59, 59)


def test_r7_direct_contract_with_escrow_gets_a_request_without_reply_date(direct_contract):
    m = ops.add_milestone(direct_contract, "Chapter 1", 300)
    ops.fund_milestone(m, today=START)
    request = ops.end_contract(direct_contract, agreed=True, request_escrow_refund=True, today=START)
    assert request.amount == 300
    assert request.reply_due is None
    assert reload(direct_contract).feedback_closes_at is None


def test_r7_release_is_refused_after_the_contract_ended(contract, unchanged):
    m = ops.add_milestone(contract, "Draft", 10_000)
    ended_on(contract)
    with (
        unchanged(),
        pytest.raises(RuleError, match=exact("“Logo redesign” has ended: you can no longer add milestones.")),
    ):
        ops.add_milestone(contract, "More", 10_000)
    with unchanged(), pytest.raises(RuleError, match=re.escape("has ended: you can no longer fund milestones.")):
        ops.fund_milestone(m, today=START)


# ------------------------------------------------- automatic events before the ending


def test_r7_ending_after_an_unrecorded_automatic_release_asks_nothing_back_for_the_released_money(contract):
    """Work submitted on 1 March is released by the marketplace on 15 March; ending on 20 March records that
    release first (dated 15 March), so no escrow refund is requested for money already paid."""
    m = funded_milestone(contract, 50_000, today=START)
    ops.submit_work(m, today=date(2026, 3, 1))
    request = ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=date(2026, 3, 20))
    assert request is None
    releases = [e for e in contract.ledger if e.kind == "release"]
    assert [(e.amount, e.date, e.memo) for e in releases] == [
        (50_000, date(2026, 3, 15), "Released automatically after the review period")
    ]
    assert queries.balances(contract).escrow == 0
    assert reload(contract).status == Contract.ENDED
    from models.check import check_book

    assert check_book() == []


def test_r7_ending_asks_back_only_the_escrow_left_after_the_automatic_releases(contract):
    submitted = funded_milestone(contract, 30_000, title="Design", today=START)
    funded_milestone(contract, 20_000, title="Build", today=START)
    ops.submit_work(submitted, today=date(2026, 3, 1))
    preview = ops.ending_preview(contract, on=date(2026, 3, 20))
    assert [(m.title, amount, day) for m, amount, day in preview["automatic"]] == [
        ("Design", 30_000, date(2026, 3, 15))
    ]
    assert preview["escrow"] == 20_000
    request = ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=date(2026, 3, 20))
    assert request.amount == 20_000


def test_r7_ending_the_day_before_the_automatic_release_asks_back_the_whole_escrow(contract):
    m = funded_milestone(contract, 50_000, today=START)
    ops.submit_work(m, today=date(2026, 3, 1))
    assert ops.ending_preview(contract, on=date(2026, 3, 14))["automatic"] == []
    request = ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=date(2026, 3, 14))
    assert request.amount == 50_000


def test_r7_ending_on_the_automatic_release_day_records_the_release_first(contract):
    m = funded_milestone(contract, 50_000, today=START)
    ops.submit_work(m, today=date(2026, 3, 1))
    assert ops.end_contract(contract, agreed=True, today=date(2026, 3, 15)) is None
    assert queries.balances(contract).released == 50_000
