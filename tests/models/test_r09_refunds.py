"""R9 Refunds of payments: against one payment, never more than it, within the policy's window."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import ops, queries
from models.entities import LedgerEntry
from models.errors import RuleError
from tests.models.rules import ended_on, exact, funded_milestone, paid

from ..conftest import START


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
    message = "9 Mar 2026 is before the payment of $500.00 for “Draft” on 10 Mar 2026. Choose 10 Mar 2026 or later."
    with unchanged(), pytest.raises(RuleError, match=exact(message)) as e:
        ops.record_refund(payment, 1_000, today=date(2026, 3, 9))
    assert e.value.rule == "R16"


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
