"""Rules R7 to R11: ending a contract, escrow refunds and disputes, refunds of payments,
feedback and the closeout checklist (see /work/shared/RULES.md).

Every clock is driven by an explicit `today`/`now`; every refused operation is wrapped
in `unchanged()` and checked for the message a client would see.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from models import ops, queries
from models.entities import (
    AccessGrant,
    CloseoutItem,
    Contract,
    Dispute,
    EscrowRefundRequest,
    Feedback,
    LedgerEntry,
    Milestone,
)
from models.errors import RuleError

from ..conftest import START

FRIDAY = date(2026, 3, 6)  # START is a Sunday
STARS = dict.fromkeys(Feedback.CATEGORIES, 4)


def exact(message: str) -> str:
    """A pattern that matches exactly this message (no regex surprises from $ . ( ) )."""
    return "^" + re.escape(message) + "$"


def reload(contract: Contract) -> Contract:
    return Contract.get_by_id(contract.id)


def funded_milestone(contract, amount=50_000, title="Draft", today=START) -> Milestone:
    m = ops.add_milestone(contract, title, amount)
    ops.fund_milestone(m, today=today)
    return Milestone.get_by_id(m.id)


def ended_with_escrow(contract, amount=50_000, today=START) -> EscrowRefundRequest:
    """A contract ended on `today` with `amount` left in escrow and its refund requested."""
    funded_milestone(contract, amount, today=today)
    return ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=today)


def paid(contract, amount=50_000, today=START) -> LedgerEntry:
    """A payment of `amount` released on `today`."""
    m = funded_milestone(contract, amount, today=today)
    return ops.release_payment(m, today=today)


def ended_on(contract, today=START) -> Contract:
    ops.end_contract(contract, agreed=True, today=today)
    return reload(contract)


def item(contract, kind) -> CloseoutItem:
    return CloseoutItem.get((CloseoutItem.contract == contract.id) & (CloseoutItem.kind == kind))


def disputed(contract, amount=50_000, on=FRIDAY) -> Dispute:
    request = ended_with_escrow(contract, amount)
    return ops.record_escrow_refund_reply(request, "disputed", today=on)


# =================================================================== R7 Ending


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
    with unchanged(), pytest.raises(RuleError, match=r"before the contract started \(01 Mar 2026\)"):
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


# ================================================= R8 Escrow refund request


def test_r8_no_reply_on_the_reply_day_is_refused(contract, unchanged):
    request = ended_with_escrow(contract)
    message = "The freelancer has until 08 Mar 2026 to answer; silence counts as approval only after that."
    with unchanged(), pytest.raises(RuleError, match=exact(message)) as e:
        ops.record_escrow_refund_reply(request, "no_reply", today=date(2026, 3, 8))
    assert e.value.rule == "R8"
    assert EscrowRefundRequest.get_by_id(request.id).status == EscrowRefundRequest.PENDING


def test_r8_no_reply_the_day_after_the_reply_day_refunds_the_escrow(contract):
    request = ended_with_escrow(contract)
    assert queries.balances(contract).escrow == 50_000
    entry = ops.record_escrow_refund_reply(request, "no_reply", today=date(2026, 3, 9))
    assert entry.kind == LedgerEntry.ESCROW_REFUND
    assert entry.amount == 50_000
    assert entry.currency == "USD"
    assert entry.date == date(2026, 3, 9)
    b = queries.balances(contract)
    assert b.escrow == 0
    assert b.escrow_refunded == 50_000
    r = EscrowRefundRequest.get_by_id(request.id)
    assert r.status == EscrowRefundRequest.NO_REPLY
    assert r.answered_on == date(2026, 3, 9)
    assert "escrow_reply" not in [k.kind for k in queries.contract_clocks(contract)]


def test_r8_no_reply_recorded_late_is_dated_the_day_after_the_reply_day(contract):
    request = ended_with_escrow(contract)
    entry = ops.record_escrow_refund_reply(request, "no_reply", today=date(2026, 4, 20))
    assert entry.date == date(2026, 3, 9)
    assert queries.balances(contract).escrow == 0


def test_r8_no_reply_is_refused_where_the_policy_has_no_reply_deadline(direct_contract, unchanged):
    m = ops.add_milestone(direct_contract, "Chapter 1", 300)
    ops.fund_milestone(m, today=START)
    request = ops.end_contract(direct_contract, agreed=True, request_escrow_refund=True, today=START)
    with unchanged(), pytest.raises(RuleError, match="This policy has no reply deadline"):
        ops.record_escrow_refund_reply(request, "no_reply", today=date(2027, 1, 1))


@pytest.mark.parametrize("day", [date(2026, 3, 1), date(2026, 3, 8), date(2026, 3, 9), date(2026, 5, 1)])
def test_r8_approved_is_accepted_any_day_from_the_request(contract, day):
    request = ended_with_escrow(contract)
    entry = ops.record_escrow_refund_reply(request, "approved", today=day)
    assert entry.kind == LedgerEntry.ESCROW_REFUND
    assert entry.amount == 50_000
    assert entry.date == day
    assert queries.balances(contract).escrow == 0
    assert EscrowRefundRequest.get_by_id(request.id).status == EscrowRefundRequest.APPROVED


def test_r8_reply_before_the_request_is_refused(contract, unchanged):
    request = ended_with_escrow(contract, today=date(2026, 3, 5))
    with unchanged(), pytest.raises(RuleError, match=r"before the refund was requested \(05 Mar 2026\)"):
        ops.record_escrow_refund_reply(request, "approved", today=date(2026, 3, 4))


def test_r8_answering_a_request_twice_is_refused(contract, unchanged):
    request = ended_with_escrow(contract)
    ops.record_escrow_refund_reply(request, "approved", today=START)
    with unchanged(), pytest.raises(RuleError, match=exact("That escrow refund request has already been answered.")):
        ops.record_escrow_refund_reply(request, "disputed", today=START)
    with unchanged(), pytest.raises(RuleError, match="already been answered"):
        ops.record_escrow_refund_reply(request, "approved", today=START)


def test_r8_unknown_answer_is_refused(contract, unchanged):
    request = ended_with_escrow(contract)
    with unchanged(), pytest.raises(RuleError, match=exact("Unknown answer “maybe”.")) as e:
        ops.record_escrow_refund_reply(request, "maybe", today=START)
    assert e.value.field == "outcome"


def test_r8_disputed_on_the_reply_day_opens_a_dispute(contract):
    request = ended_with_escrow(contract)
    dispute = ops.record_escrow_refund_reply(request, "disputed", today=date(2026, 3, 8))
    assert isinstance(dispute, Dispute)
    d = Dispute.get_by_id(dispute.id)
    assert d.amount == 50_000
    assert d.opened_on == date(2026, 3, 8)
    assert d.status == Dispute.OPEN
    assert d.request_id == request.id
    assert EscrowRefundRequest.get_by_id(request.id).status == EscrowRefundRequest.DISPUTED
    assert queries.balances(contract).escrow == 50_000  # still held until the outcome


def test_r8_disputed_after_the_reply_day_is_refused(contract, unchanged):
    request = ended_with_escrow(contract)
    message = "The freelancer could dispute until 08 Mar 2026; after that silence counts as approval."
    with unchanged(), pytest.raises(RuleError, match=exact(message)) as e:
        ops.record_escrow_refund_reply(request, "disputed", today=date(2026, 3, 9))
    assert e.value.rule == "R8"
    assert Dispute.select().count() == 0


def test_r8_dispute_opened_on_a_friday_is_answered_by_the_next_friday(contract):
    assert FRIDAY.weekday() == 4
    d = disputed(contract, on=FRIDAY)
    assert d.answer_due == date(2026, 3, 13)
    assert d.answer_due.weekday() == 4
    assert d.mediation_ends == FRIDAY + timedelta(days=30) == date(2026, 4, 5)
    clocks = {(k.kind, k.due) for k in queries.contract_clocks(contract)}
    assert ("dispute_answer", date(2026, 3, 13)) in clocks
    assert ("mediation", date(2026, 4, 5)) in clocks


def test_r8_dispute_opened_on_a_sunday_is_answered_by_the_friday(contract):
    d = disputed(contract, on=START)
    assert d.answer_due == date(2026, 3, 6)
    assert d.mediation_ends == date(2026, 3, 31)


def test_r8_dispute_answer_on_the_due_day_is_accepted(contract):
    d = disputed(contract)
    answered = ops.record_dispute_answer(d, today=date(2026, 3, 13))
    assert answered.answered_on == date(2026, 3, 13)
    assert "dispute_answer" not in [k.kind for k in queries.contract_clocks(contract)]


def test_r8_dispute_answer_after_the_due_day_is_refused(contract, unchanged):
    d = disputed(contract)
    message = "Your answer was due by 13 Mar 2026. Record the dispute's outcome instead."
    with unchanged(), pytest.raises(RuleError, match=exact(message)) as e:
        ops.record_dispute_answer(d, today=date(2026, 3, 14))
    assert e.value.rule == "R8"


def test_r8_dispute_answer_twice_is_refused(contract, unchanged):
    d = disputed(contract)
    ops.record_dispute_answer(d, today=date(2026, 3, 9))
    with unchanged(), pytest.raises(RuleError, match=exact("Your answer to that dispute is already recorded.")):
        ops.record_dispute_answer(d, today=date(2026, 3, 10))


def test_r8_resolve_dispute_split_summing_to_the_amount_empties_escrow(contract):
    d = disputed(contract)
    ops.resolve_dispute(d, to_freelancer=30_000, to_client=20_000, today=date(2026, 3, 20))
    d = Dispute.get_by_id(d.id)
    assert d.status == Dispute.RESOLVED
    assert d.resolved_on == date(2026, 3, 20)
    b = queries.balances(contract)
    assert b.escrow == 0
    assert b.released == 30_000
    assert b.escrow_refunded == 20_000
    kinds = sorted((e.kind, e.amount) for e in LedgerEntry.select().where(LedgerEntry.dispute == d.id))
    assert kinds == [(LedgerEntry.DISPUTE_REFUND, 20_000), (LedgerEntry.DISPUTE_RELEASE, 30_000)]
    remaining = {k.kind for k in queries.contract_clocks(contract)}
    assert "mediation" not in remaining
    assert "dispute_answer" not in remaining


@pytest.mark.parametrize(("to_freelancer", "to_client"), [(40_000, 0), (60_000, 0), (10_000, 10_000), (50_000, 1)])
def test_r8_resolve_dispute_split_not_summing_to_the_amount_is_refused(contract, unchanged, to_freelancer, to_client):
    d = disputed(contract)
    total = f"${(to_freelancer + to_client) // 100:,}.{(to_freelancer + to_client) % 100:02d}"
    message = f"The split must add up to exactly $500.00: it adds up to {total}."
    with unchanged(), pytest.raises(RuleError, match=exact(message)) as e:
        ops.resolve_dispute(d, to_freelancer=to_freelancer, to_client=to_client, today=date(2026, 3, 20))
    assert e.value.rule == "R8"
    assert Dispute.get_by_id(d.id).status == Dispute.OPEN


def test_r8_resolve_dispute_all_to_the_client_is_allowed(contract):
    d = disputed(contract)
    ops.resolve_dispute(d, to_freelancer=0, to_client=50_000, today=date(2026, 3, 20))
    b = queries.balances(contract)
    assert (b.escrow, b.released, b.escrow_refunded) == (0, 0, 50_000)
    assert queries.payments(contract) == []


def test_r8_resolve_dispute_all_to_the_freelancer_is_allowed(contract):
    d = disputed(contract)
    ops.resolve_dispute(d, to_freelancer=50_000, to_client=0, today=date(2026, 3, 20))
    b = queries.balances(contract)
    assert (b.escrow, b.released, b.escrow_refunded) == (0, 50_000, 0)


@pytest.mark.parametrize(
    ("to_freelancer", "to_client", "field"), [(-1, 50_001, "to_freelancer"), (50_001, -1, "to_client")]
)
def test_r8_resolve_dispute_negative_part_is_refused(contract, unchanged, to_freelancer, to_client, field):
    d = disputed(contract)
    with (
        unchanged(),
        pytest.raises(RuleError, match=exact("Each part of the split is zero or more, in whole cents.")) as e,
    ):
        ops.resolve_dispute(d, to_freelancer=to_freelancer, to_client=to_client, today=date(2026, 3, 20))
    assert e.value.field == field


def test_r8_resolve_dispute_fractional_part_is_refused(contract, unchanged):
    d = disputed(contract)
    with unchanged(), pytest.raises(RuleError, match="zero or more, in whole cents"):
        ops.resolve_dispute(d, to_freelancer=25_000.5, to_client=24_999.5, today=date(2026, 3, 20))


def test_r8_resolving_a_dispute_twice_is_refused(contract, unchanged):
    d = disputed(contract)
    ops.resolve_dispute(d, to_freelancer=25_000, to_client=25_000, today=date(2026, 3, 20))
    with unchanged(), pytest.raises(RuleError, match=exact("That dispute is already resolved.")):
        ops.resolve_dispute(d, to_freelancer=25_000, to_client=25_000, today=date(2026, 3, 21))
    with unchanged(), pytest.raises(RuleError, match=exact("That dispute is already resolved.")):
        ops.record_dispute_answer(d, today=date(2026, 3, 9))


def test_r8_resolve_dispute_before_it_was_opened_is_refused(contract, unchanged):
    d = disputed(contract)
    with unchanged(), pytest.raises(RuleError, match=r"before the dispute was opened \(06 Mar 2026\)"):
        ops.resolve_dispute(d, to_freelancer=25_000, to_client=25_000, today=date(2026, 3, 5))


def test_r8_dispute_release_part_is_a_payment_that_can_be_refunded(contract):
    d = disputed(contract)
    ops.resolve_dispute(d, to_freelancer=30_000, to_client=20_000, today=date(2026, 3, 20))
    [payment] = queries.payments(contract)
    assert payment.entry.kind == LedgerEntry.DISPUTE_RELEASE
    assert payment.entry.amount == 30_000
    assert payment.refund_window_ends == date(2026, 3, 20) + timedelta(days=180)
    refund = ops.record_refund(payment.entry, 10_000, today=date(2026, 4, 1))
    assert refund.kind == LedgerEntry.REFUND
    assert refund.payment_id == payment.entry.id
    [payment] = queries.payments(contract)
    assert (payment.refunded, payment.refundable) == (10_000, 20_000)
    assert queries.balances(contract).refunded == 10_000


# ======================================================== R9 Refunds of payments


def test_r9_refund_on_day_180_is_accepted(contract):
    payment = paid(contract)
    assert date(2026, 8, 28) - START == timedelta(days=180)
    refund = ops.record_refund(payment, 50_000, memo="Unused hours", today=date(2026, 8, 28))
    assert refund.kind == LedgerEntry.REFUND
    assert refund.amount == 50_000
    assert refund.date == date(2026, 8, 28)
    assert refund.payment_id == payment.id
    assert refund.memo == "Unused hours"
    assert queries.balances(contract).refunded == 50_000


def test_r9_refund_on_day_181_is_refused(contract, unchanged):
    payment = paid(contract)
    message = (
        "That payment was made on 01 Mar 2026: refunds can be recorded only within 180 days of a payment "
        "(up to 28 Aug 2026). The marketplace's support may still help."
    )
    with unchanged(), pytest.raises(RuleError, match=exact(message)) as e:
        ops.record_refund(payment, 1_000, today=date(2026, 8, 29))
    assert e.value.rule == "R9"
    assert e.value.field == "date"


def test_r9_refund_on_the_payment_day_is_accepted(contract):
    payment = paid(contract)
    refund = ops.record_refund(payment, 1, today=START)
    assert refund.date == START


def test_r9_partial_refund_then_a_second_up_to_the_payment(contract):
    payment = paid(contract, 50_000)
    ops.record_refund(payment, 20_000, today=date(2026, 3, 5))
    ops.record_refund(payment, 30_000, today=date(2026, 3, 6))
    [p] = queries.payments(contract)
    assert (p.refunded, p.refundable) == (50_000, 0)
    assert queries.balances(contract).refunded == 50_000


def test_r9_second_refund_beyond_the_payment_is_refused(contract, unchanged):
    payment = paid(contract, 50_000)
    ops.record_refund(payment, 20_000, today=date(2026, 3, 5))
    message = "At most $300.00 of that $500.00 payment is left to refund."
    with unchanged(), pytest.raises(RuleError, match=exact(message)) as e:
        ops.record_refund(payment, 30_001, today=date(2026, 3, 6))
    assert e.value.rule == "R9"
    assert e.value.field == "amount"


def test_r9_single_refund_beyond_the_payment_is_refused(contract, unchanged):
    payment = paid(contract, 50_000)
    with (
        unchanged(),
        pytest.raises(RuleError, match=exact("At most $500.00 of that $500.00 payment is left to refund.")),
    ):
        ops.record_refund(payment, 50_001, today=START)


def test_r9_refund_of_a_fully_refunded_payment_is_refused(contract, unchanged):
    payment = paid(contract, 50_000)
    ops.record_refund(payment, 50_000, today=START)
    with unchanged(), pytest.raises(RuleError, match=exact("That payment has already been refunded in full.")):
        ops.record_refund(payment, 1, today=START)


@pytest.mark.parametrize("amount", [0, -100])
def test_r9_refund_of_zero_or_less_is_refused(contract, unchanged, amount):
    payment = paid(contract)
    with unchanged(), pytest.raises(RuleError, match=exact("An amount must be more than zero.")):
        ops.record_refund(payment, amount, today=START)


def test_r9_refund_dated_before_the_payment_is_refused(contract, unchanged):
    payment = paid(contract, today=date(2026, 3, 10))
    message = "A refund cannot come before the payment it refunds (10 Mar 2026)."
    with unchanged(), pytest.raises(RuleError, match=exact(message)) as e:
        ops.record_refund(payment, 1_000, today=date(2026, 3, 9))
    assert e.value.rule == "R9"


def test_r9_refund_of_a_reversed_payment_is_refused(contract, unchanged):
    payment = paid(contract)
    ops.reverse_entry(payment, memo="Released by mistake", today=START)
    with (
        unchanged(),
        pytest.raises(RuleError, match=exact("Refunds are recorded against a payment to the freelancer.")),
    ):
        ops.record_refund(payment, 1_000, today=date(2026, 3, 2))
    assert queries.payments(contract) == []


def test_r9_refund_against_an_entry_that_is_not_a_payment_is_refused(contract, unchanged):
    m = funded_milestone(contract)
    fund = LedgerEntry.get((LedgerEntry.milestone == m) & (LedgerEntry.kind == LedgerEntry.FUND))
    with (
        unchanged(),
        pytest.raises(RuleError, match=exact("Refunds are recorded against a payment to the freelancer.")),
    ):
        ops.record_refund(fund, 1_000, today=START)


def test_r9_refund_is_allowed_on_an_ended_contract(contract):
    payment = paid(contract)
    ended_on(contract, today=date(2026, 3, 2))
    refund = ops.record_refund(payment, 5_000, today=date(2026, 6, 1))
    assert refund.amount == 5_000
    assert queries.balances(contract).refunded == 5_000


def test_r9_refund_window_still_applies_on_an_ended_contract(contract, unchanged):
    payment = paid(contract)
    ended_on(contract, today=date(2026, 3, 2))
    with unchanged(), pytest.raises(RuleError, match="only within 180 days"):
        ops.record_refund(payment, 5_000, today=date(2026, 8, 29))


def test_r9_direct_policy_has_no_refund_window(direct_contract):
    m = ops.add_milestone(direct_contract, "Chapter 1", 300)
    ops.fund_milestone(m, today=START)
    payment = ops.release_payment(m, today=START)
    [p] = queries.payments(direct_contract)
    assert p.refund_window_ends is None
    refund = ops.record_refund(payment, 100, today=date(2028, 3, 1))
    assert refund.amount == 100
    assert refund.currency == "EUR"


def test_r9_payments_show_refunded_refundable_and_window_end(contract):
    first = paid(contract, 50_000, today=START)
    second = paid(contract, 20_000, today=date(2026, 3, 10))
    ops.record_refund(first, 12_500, today=date(2026, 3, 11))
    rows = queries.payments(contract)
    assert [r.entry.id for r in rows] == [first.id, second.id]
    assert (rows[0].refunded, rows[0].refundable, rows[0].refund_window_ends) == (12_500, 37_500, date(2026, 8, 28))
    assert (rows[1].refunded, rows[1].refundable, rows[1].refund_window_ends) == (0, 20_000, date(2026, 9, 6))


def test_r9_refund_window_is_a_clock_until_fully_refunded(contract):
    payment = paid(contract)
    assert ("refund_window", date(2026, 8, 28)) in {(k.kind, k.due) for k in queries.contract_clocks(contract)}
    ops.record_refund(payment, 50_000, today=START)
    assert "refund_window" not in {k.kind for k in queries.contract_clocks(contract)}


# ================================================================ R10 Feedback


def test_r10_feedback_at_the_last_second_of_day_14_utc_is_accepted(contract):
    ended_on(contract)
    fb = ops.submit_feedback(contract, STARS, comment="Great", now=datetime(2026, 3, 15, 23, 59, 59, tzinfo=UTC))
    assert fb.author == Feedback.CLIENT
    assert fb.submitted_at == datetime(2026, 3, 15, 23, 59, 59)
    assert queries.client_feedback(contract).id == fb.id


def test_r10_feedback_at_midnight_after_day_14_utc_is_refused(contract, unchanged):
    ended_on(contract)
    with (
        unchanged(),
        pytest.raises(RuleError, match=exact("The feedback window closed at 15 Mar 2026 23:59:59 UTC.")) as e,
    ):
        ops.submit_feedback(contract, STARS, now=datetime(2026, 3, 16, 0, 0, 0, tzinfo=UTC))
    assert e.value.rule == "R10"
    assert queries.client_feedback(contract) is None


def test_r10_feedback_window_counts_in_utc_not_local_time_ahead(contract):
    """16 Mar 01:30 in UTC+2 is still 15 Mar 23:30 UTC: accepted."""
    ended_on(contract)
    local = datetime(2026, 3, 16, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    fb = ops.submit_feedback(contract, STARS, now=local)
    assert fb.submitted_at == datetime(2026, 3, 15, 23, 30)


def test_r10_feedback_window_counts_in_utc_not_local_time_behind(contract, unchanged):
    """15 Mar 20:00 in UTC-5 is already 16 Mar 01:00 UTC: refused."""
    ended_on(contract)
    local = datetime(2026, 3, 15, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    with unchanged(), pytest.raises(RuleError, match=exact("The feedback window closed at 15 Mar 2026 23:59:59 UTC.")):
        ops.submit_feedback(contract, STARS, now=local)


def test_r10_feedback_window_open_query_edges(contract):
    c = ended_on(contract)
    assert queries.feedback_window_open(c, datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    assert queries.feedback_window_open(c, datetime(2026, 3, 15, 23, 59, 59, tzinfo=UTC))
    assert not queries.feedback_window_open(c, datetime(2026, 3, 16, 0, 0, 0, tzinfo=UTC))
    assert not queries.feedback_window_open(c, datetime(2026, 3, 15, 19, 0, 1, tzinfo=timezone(timedelta(hours=-5))))


def test_r10_feedback_before_the_contract_ends_is_refused(contract, unchanged):
    with unchanged(), pytest.raises(RuleError, match=exact("Feedback opens when the contract ends.")) as e:
        ops.submit_feedback(contract, STARS, now=datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    assert e.value.rule == "R10"


def test_r10_second_submission_is_refused_as_sealed(contract, unchanged):
    ended_on(contract)
    ops.submit_feedback(contract, STARS, comment="First", now=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    with (
        unchanged(),
        pytest.raises(RuleError, match=exact("Your feedback on this contract is already submitted and sealed.")) as e,
    ):
        ops.submit_feedback(
            contract, dict.fromkeys(Feedback.CATEGORIES, 1), comment="Second", now=datetime(2026, 3, 3, tzinfo=UTC)
        )
    assert e.value.rule == "R10"
    assert queries.client_feedback(contract).comment == "First"


@pytest.mark.parametrize("stars", [0, 6, -1])
@pytest.mark.parametrize("category", ["skills", "cooperation"])
def test_r10_stars_outside_1_to_5_are_refused(contract, unchanged, stars, category):
    ended_on(contract)
    ratings = {**STARS, category: stars}
    with unchanged(), pytest.raises(RuleError, match=exact(f"Give 1 to 5 stars for {category}.")) as e:
        ops.submit_feedback(contract, ratings, now=datetime(2026, 3, 2, tzinfo=UTC))
    assert e.value.field == category


def test_r10_missing_category_is_refused(contract, unchanged):
    ended_on(contract)
    ratings = {k: v for k, v in STARS.items() if k != "schedule"}
    with unchanged(), pytest.raises(RuleError, match=exact("Give 1 to 5 stars for schedule.")):
        ops.submit_feedback(contract, ratings, now=datetime(2026, 3, 2, tzinfo=UTC))


def test_r10_stars_of_1_and_5_are_accepted(contract):
    ended_on(contract)
    ratings = {"skills": 1, "quality": 5, "availability": 1, "schedule": 5, "communication": 1, "cooperation": 5}
    fb = ops.submit_feedback(contract, ratings, now=datetime(2026, 3, 2, tzinfo=UTC))
    assert (fb.skills, fb.quality) == (1, 5)


@pytest.mark.parametrize("recommend", [-1, 11, 100])
def test_r10_recommend_outside_0_to_10_is_refused(contract, unchanged, recommend):
    ended_on(contract)
    with (
        unchanged(),
        pytest.raises(RuleError, match=exact("How likely you are to recommend is a number from 0 to 10.")) as e,
    ):
        ops.submit_feedback(contract, STARS, recommend=recommend, now=datetime(2026, 3, 2, tzinfo=UTC))
    assert e.value.field == "recommend"


@pytest.mark.parametrize("recommend", [0, 10])
def test_r10_recommend_of_0_and_10_is_accepted(contract, recommend):
    ended_on(contract)
    fb = ops.submit_feedback(
        contract, STARS, recommend=recommend, private_reason="Budget", now=datetime(2026, 3, 2, tzinfo=UTC)
    )
    fb = Feedback.get_by_id(fb.id)
    assert fb.recommend == recommend
    assert fb.private_reason == "Budget"


def test_r10_freelancer_feedback_is_hidden_until_the_client_submits(contract):
    c = ended_on(contract)
    ops.record_freelancer_feedback(contract, STARS, comment="Clear briefs", now=datetime(2026, 3, 2, tzinfo=UTC))
    assert not queries.freelancer_feedback_visible(c, datetime(2026, 3, 3, tzinfo=UTC))
    ops.submit_feedback(contract, STARS, now=datetime(2026, 3, 4, tzinfo=UTC))
    assert queries.freelancer_feedback_visible(c, datetime(2026, 3, 4, 0, 0, 1, tzinfo=UTC))


def test_r10_freelancer_feedback_is_visible_once_the_window_closed_without_client_feedback(contract):
    c = ended_on(contract)
    ops.record_freelancer_feedback(contract, STARS, now=datetime(2026, 3, 2, tzinfo=UTC))
    assert not queries.freelancer_feedback_visible(c, datetime(2026, 3, 15, 23, 59, 59, tzinfo=UTC))
    assert queries.freelancer_feedback_visible(c, datetime(2026, 3, 16, 0, 0, 0, tzinfo=UTC))
    assert queries.freelancer_feedback_visible(c, datetime(2026, 6, 1, tzinfo=UTC))


def test_r10_freelancer_feedback_visibility_counts_in_utc(contract):
    c = ended_on(contract)
    ops.record_freelancer_feedback(contract, STARS, now=datetime(2026, 3, 2, tzinfo=UTC))
    # 16 Mar 01:00 in UTC+2 is 15 Mar 23:00 UTC: still hidden
    assert not queries.freelancer_feedback_visible(c, datetime(2026, 3, 16, 1, 0, tzinfo=timezone(timedelta(hours=2))))
    # 15 Mar 20:00 in UTC-5 is 16 Mar 01:00 UTC: visible
    assert queries.freelancer_feedback_visible(c, datetime(2026, 3, 15, 20, 0, tzinfo=timezone(timedelta(hours=-5))))


def test_r10_freelancer_feedback_stays_hidden_while_the_client_can_still_submit(contract):
    """Double-blind: half a second before midnight the window is still open, so the freelancer's
    feedback must still be hidden (else the client could read it and then submit theirs)."""
    c = ended_on(contract)
    ops.record_freelancer_feedback(contract, STARS, now=datetime(2026, 3, 2, tzinfo=UTC))
    instant = datetime(2026, 3, 15, 23, 59, 59, 500_000, tzinfo=UTC)
    assert queries.feedback_window_open(c, instant)
    assert not queries.freelancer_feedback_visible(c, instant)
    ops.submit_feedback(contract, STARS, now=instant)  # the client can indeed still submit at that instant
    assert queries.client_feedback(contract) is not None


def test_r10_freelancer_feedback_is_hidden_while_the_contract_is_active(contract):
    assert not queries.freelancer_feedback_visible(contract, datetime(2027, 1, 1, tzinfo=UTC))


def test_r10_freelancer_feedback_before_the_contract_ends_is_refused(contract, unchanged):
    with unchanged(), pytest.raises(RuleError, match=exact("Feedback opens when the contract ends.")):
        ops.record_freelancer_feedback(contract, STARS, now=datetime(2026, 3, 2, tzinfo=UTC))


def test_r10_freelancer_feedback_recorded_twice_is_refused(contract, unchanged):
    ended_on(contract)
    ops.record_freelancer_feedback(contract, STARS, now=datetime(2026, 3, 2, tzinfo=UTC))
    with unchanged(), pytest.raises(RuleError, match=exact("The freelancer's feedback is already recorded.")):
        ops.record_freelancer_feedback(contract, STARS, now=datetime(2026, 3, 3, tzinfo=UTC))


def test_r10_overall_score_is_the_mean_as_a_decimal(contract):
    ended_on(contract)
    ratings = {"skills": 5, "quality": 4, "availability": 5, "schedule": 4, "communication": 5, "cooperation": 4}
    fb = ops.submit_feedback(contract, ratings, now=datetime(2026, 3, 2, tzinfo=UTC))
    score = queries.overall_score(fb)
    assert isinstance(score, Decimal)
    assert score == Decimal("4.5")


def test_r10_overall_score_of_a_repeating_mean_is_rounded_to_two_decimals(contract):
    ended_on(contract)
    ratings = {"skills": 5, "quality": 4, "availability": 4, "schedule": 5, "communication": 3, "cooperation": 4}
    fb = ops.submit_feedback(contract, ratings, now=datetime(2026, 3, 2, tzinfo=UTC))
    score = queries.overall_score(fb)
    assert isinstance(score, Decimal)
    assert score == Decimal("4.17")  # 25 / 6


def test_r10_submitting_feedback_ticks_the_leave_feedback_item(contract):
    ended_on(contract)
    ops.submit_feedback(contract, STARS, now=datetime(2026, 3, 5, 22, 0, tzinfo=UTC))
    assert item(contract, CloseoutItem.LEAVE_FEEDBACK).done_on == date(2026, 3, 5)
    assert item(contract, CloseoutItem.RECEIVE_WORK).done_on is None
    assert "feedback" not in {k.kind for k in queries.contract_clocks(contract)}


def test_r10_feedback_window_is_a_clock_until_feedback_is_left(contract):
    ended_on(contract)
    assert ("feedback", date(2026, 3, 15)) in {(k.kind, k.due) for k in queries.contract_clocks(contract)}


# ========================================================= R11 Closeout checklist


def test_r11_add_and_revoke_access(contract):
    grant = ops.add_access(contract, "GitHub org: write access", where="github.com/acme", today=START)
    assert grant.given_on == START
    assert grant.revoked_on is None
    ended_on(contract, today=date(2026, 3, 2))
    revoked = ops.revoke_access(grant, today=date(2026, 3, 3))
    assert revoked.revoked_on == date(2026, 3, 3)
    assert AccessGrant.get_by_id(grant.id).revoked_on == date(2026, 3, 3)


def test_r11_add_access_needs_a_label(contract, unchanged):
    with unchanged(), pytest.raises(RuleError, match=exact("Enter a label.")) as e:
        ops.add_access(contract, "   ", today=START)
    assert e.value.field == "label"


def test_r11_add_access_in_the_future_is_refused(contract, unchanged):
    with unchanged(), pytest.raises(RuleError, match=exact("Access cannot be given in the future.")) as e:
        ops.add_access(contract, "VPN", given_on=date(2026, 3, 2), today=START)
    assert e.value.field == "given_on"


def test_r11_revoking_twice_is_refused(contract, unchanged):
    grant = ops.add_access(contract, "GitHub org: write access", today=START)
    ops.revoke_access(grant, today=date(2026, 3, 2))
    with (
        unchanged(),
        pytest.raises(RuleError, match=exact("“GitHub org: write access” was already revoked on 02 Mar 2026.")) as e,
    ):
        ops.revoke_access(grant, today=date(2026, 3, 3))
    assert e.value.rule == "R11"


def test_r11_revoking_before_access_was_given_is_refused(contract, unchanged):
    grant = ops.add_access(contract, "VPN", given_on=date(2026, 3, 5), today=date(2026, 3, 5))
    with unchanged(), pytest.raises(RuleError, match=r"before the access was given \(05 Mar 2026\)"):
        ops.revoke_access(grant, today=date(2026, 3, 4))


def test_r11_revoke_access_item_is_refused_while_an_entry_is_unrevoked(contract, unchanged):
    grant = ops.add_access(contract, "GitHub org: write access", today=START)
    ended_on(contract)
    revoke_item = item(contract, CloseoutItem.REVOKE_ACCESS)
    with unchanged(), pytest.raises(RuleError, match=exact("Revoke the 1 open access entry first.")) as e:
        ops.complete_closeout_item(revoke_item, today=date(2026, 3, 2))
    assert e.value.rule == "R11"
    ops.revoke_access(grant, today=date(2026, 3, 2))
    done = ops.complete_closeout_item(revoke_item, note="Removed from org", today=date(2026, 3, 2))
    assert done.done_on == date(2026, 3, 2)
    assert item(contract, CloseoutItem.REVOKE_ACCESS).note == "Removed from org"


def test_r11_revoke_access_item_counts_every_open_entry(contract, unchanged):
    first = ops.add_access(contract, "GitHub org: write access", today=START)
    ops.add_access(contract, "Figma editor seat", today=START)
    ops.add_access(contract, "Staging server SSH", today=START)
    ended_on(contract)
    ops.revoke_access(first, today=date(2026, 3, 2))
    with unchanged(), pytest.raises(RuleError, match=exact("Revoke the 2 open access entries first.")):
        ops.complete_closeout_item(item(contract, CloseoutItem.REVOKE_ACCESS), today=date(2026, 3, 2))


def test_r11_revoke_access_item_ignores_other_contracts_access(contract, freelancer):
    other = ops.create_contract("Website", freelancer, started_on=START, today=START)
    ops.add_access(other, "Other repo", today=START)
    ended_on(contract)
    done = ops.complete_closeout_item(item(contract, CloseoutItem.REVOKE_ACCESS), today=START)
    assert done.done_on == START


def test_r11_revoke_access_item_with_an_empty_register_is_accepted(contract):
    ended_on(contract)
    done = ops.complete_closeout_item(item(contract, CloseoutItem.REVOKE_ACCESS), today=START)
    assert done.done_on == START


def test_r11_leave_feedback_item_is_refused_while_the_window_is_open(contract, unchanged):
    ended_on(contract)
    leave = item(contract, CloseoutItem.LEAVE_FEEDBACK)
    message = "Leave your feedback first: the window is open until 15 Mar 2026 23:59 UTC."
    with unchanged(), pytest.raises(RuleError, match=exact(message)) as e:
        ops.complete_closeout_item(leave, today=date(2026, 3, 15))
    assert e.value.rule == "R11"
    with unchanged(), pytest.raises(RuleError, match=exact(message)):
        ops.complete_closeout_item(leave, today=date(2026, 3, 15), now=datetime(2026, 3, 15, 23, 59, 59, tzinfo=UTC))


def test_r11_leave_feedback_item_is_accepted_after_the_window_closed(contract):
    ended_on(contract)
    leave = item(contract, CloseoutItem.LEAVE_FEEDBACK)
    done = ops.complete_closeout_item(
        leave, note="Did not leave any", today=date(2026, 3, 16), now=datetime(2026, 3, 16, 0, 0, tzinfo=UTC)
    )
    assert done.done_on == date(2026, 3, 16)


def test_r11_leave_feedback_item_is_accepted_the_day_after_the_window(contract):
    ended_on(contract)
    done = ops.complete_closeout_item(item(contract, CloseoutItem.LEAVE_FEEDBACK), today=date(2026, 3, 16))
    assert done.done_on == date(2026, 3, 16)


def test_r11_leave_feedback_item_completed_with_only_now_is_dated_by_now(contract):
    """`now` is the operation's clock: 15 Mar 20:00 in UTC-5 is 16 Mar 01:00 UTC, after the window."""
    ended_on(contract)
    now = datetime(2026, 3, 15, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    done = ops.complete_closeout_item(item(contract, CloseoutItem.LEAVE_FEEDBACK), now=now)
    assert done.done_on == date(2026, 3, 16)


def test_r11_completing_an_item_twice_is_refused(contract, unchanged):
    ended_on(contract)
    receive = item(contract, CloseoutItem.RECEIVE_WORK)
    ops.complete_closeout_item(receive, today=date(2026, 3, 2))
    message = "“Receive all work, materials and equipment lent” is already done."
    with unchanged(), pytest.raises(RuleError, match=exact(message)):
        ops.complete_closeout_item(receive, today=date(2026, 3, 3))


def test_r11_completing_the_feedback_item_after_feedback_was_left_is_refused(contract, unchanged):
    ended_on(contract)
    ops.submit_feedback(contract, STARS, now=datetime(2026, 3, 2, tzinfo=UTC))
    with unchanged(), pytest.raises(RuleError, match=exact("“Leave feedback” is already done.")):
        ops.complete_closeout_item(item(contract, CloseoutItem.LEAVE_FEEDBACK), today=date(2026, 3, 3))


def test_r11_completing_an_item_before_the_contract_ended_is_refused(contract, unchanged):
    ended_on(contract, today=date(2026, 3, 10))
    with unchanged(), pytest.raises(RuleError, match=r"before the contract ended \(10 Mar 2026\)"):
        ops.complete_closeout_item(item(contract, CloseoutItem.RECEIVE_WORK), today=date(2026, 3, 9))


def test_r11_closed_out_only_when_every_item_is_done(contract):
    grant = ops.add_access(contract, "GitHub org: write access", today=START)
    c = ended_on(contract)
    assert not queries.is_closed_out(c)

    ops.complete_closeout_item(item(c, CloseoutItem.RECEIVE_WORK), today=date(2026, 3, 2))
    assert not queries.is_closed_out(c)
    ops.complete_closeout_item(item(c, CloseoutItem.REMIND_PROPERTY), today=date(2026, 3, 2))
    assert not queries.is_closed_out(c)
    ops.revoke_access(grant, today=date(2026, 3, 2))
    assert not queries.is_closed_out(c)
    ops.complete_closeout_item(item(c, CloseoutItem.REVOKE_ACCESS), today=date(2026, 3, 2))
    assert not queries.is_closed_out(c)
    assert queries.closeout_open(c) == 1
    ops.submit_feedback(c, STARS, now=datetime(2026, 3, 3, tzinfo=UTC))
    assert queries.closeout_open(c) == 0
    assert queries.is_closed_out(c)
    assert "closeout" not in {k.kind for k in queries.contract_clocks(c)}


def test_r11_active_contract_is_not_closed_out(contract):
    assert not queries.is_closed_out(contract)


def test_r11_open_closeout_items_are_a_clock(contract):
    ended_on(contract, today=date(2026, 3, 4))
    assert ("closeout", date(2026, 3, 4)) in {(k.kind, k.due) for k in queries.contract_clocks(contract)}
