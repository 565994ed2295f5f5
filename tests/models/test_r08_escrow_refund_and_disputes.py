"""R8 Escrow refund request and disputes: the reply deadline, disputes and their split."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import ops, queries
from models.entities import Dispute, EscrowRefundRequest, LedgerEntry
from models.errors import RuleError
from tests.models.rules import ended_with_escrow, exact

from ..conftest import START

FRIDAY = date(2026, 3, 6)  # START is a Sunday


def disputed(contract, amount=50_000, on=FRIDAY) -> Dispute:
    request = ended_with_escrow(contract, amount)
    return ops.record_escrow_refund_reply(request, "disputed", today=on)


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
    with unchanged(), pytest.raises(RuleError, match=r"before the escrow refund request on 5 Mar 2026\."):
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
    with unchanged(), pytest.raises(RuleError, match=r"before the opening of the dispute on 6 Mar 2026\."):
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


def _v2_ended_with_escrow(freelancer):
    """A contract under the marketplace's second version (started 1 Dec 2026), ended on 4 Dec 2026 with its
    $500.00 of escrow asked back: the freelancer may dispute until 11 Dec 2026."""
    today = date(2026, 12, 20)
    c = ops.create_contract("Brand book", freelancer, started_on=date(2026, 12, 1), today=today)
    m = ops.add_milestone(c, "Guidelines", 50_000)
    ops.fund_milestone(m, on=date(2026, 12, 1), today=today)
    ops.end_contract(c, agreed=True, request_escrow_refund=True, on=date(2026, 12, 4), today=today)
    return EscrowRefundRequest.get(EscrowRefundRequest.contract == c)


def test_r8_v2_the_freelancer_disputes_on_the_seventh_day_after_the_ending(book, freelancer):
    request = _v2_ended_with_escrow(freelancer)
    dispute = ops.record_escrow_refund_reply(request, "disputed", on=date(2026, 12, 11), today=date(2026, 12, 20))
    assert (dispute.opened_on, dispute.status) == (date(2026, 12, 11), Dispute.OPEN)


def test_r8_v2_a_dispute_on_the_eighth_day_is_refused_and_silence_is_approval(book, freelancer, unchanged):
    request = _v2_ended_with_escrow(freelancer)
    message = "The freelancer could dispute until 11 Dec 2026; after that silence counts as approval."
    with unchanged(), pytest.raises(RuleError, match=exact(message)):
        ops.record_escrow_refund_reply(request, "disputed", on=date(2026, 12, 12), today=date(2026, 12, 20))
    ops.record_escrow_refund_reply(request, "no_reply", on=date(2026, 12, 12), today=date(2026, 12, 20))
    assert EscrowRefundRequest.get_by_id(request.id).status != EscrowRefundRequest.PENDING
