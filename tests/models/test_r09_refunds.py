"""R9 Refunds of payments: against one payment, never more than it, within the policy's window; under the
second policy version, from day 181 to day 365 only through the marketplace's support, with its case."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import ops, queries
from models.chain import backfill
from models.check import check_book
from models.entities import LedgerEntry, SupportCase, database
from models.errors import RuleError
from models.policy import terms
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


# ---------------------------------------------------------------- version 2: the support tier

V2_START = date(2026, 12, 1)  # the marketplace's second policy version is in force from this day
DAY_180 = date(2027, 5, 30)
DAY_181 = date(2027, 5, 31)
DAY_365 = date(2027, 12, 1)
DAY_366 = date(2027, 12, 2)


@pytest.fixture
def v2_contract(book, freelancer):
    """An active USD contract started under the marketplace's second policy version."""
    c = ops.create_contract("Landing page", freelancer, currency="USD", started_on=V2_START, today=V2_START)
    assert terms(c.policy).support_refund_days == 365
    return c


def test_r9_v2_days_are_counted_from_the_payment():
    assert [(day - V2_START).days for day in (DAY_180, DAY_181, DAY_365, DAY_366)] == [180, 181, 365, 366]


def test_r9_v2_refund_on_day_180_is_self_service(v2_contract):
    payment = paid(v2_contract, 30_000, today=V2_START)
    refund = ops.record_refund(payment, 10_000, today=DAY_180)
    assert refund.date == DAY_180
    assert queries.support_case(refund) is None
    assert SupportCase.select().count() == 0


def test_r9_v2_refund_on_day_180_refuses_a_support_case(v2_contract, unchanged):
    payment = paid(v2_contract, 30_000, today=V2_START)
    message = (
        "The payment of $300.00 on 1 Dec 2026 can be refunded without the marketplace's support until 30 May 2027: "
        "a support case is recorded only with refunds made through support. Leave the support case empty."
    )
    with unchanged(), pytest.raises(RuleError, match=exact(message)) as e:
        ops.record_refund(payment, 10_000, today=DAY_180, support_case="ABC-123")
    assert (e.value.rule, e.value.field) == ("R9", "support_case")


@pytest.mark.parametrize("case", [None, "", "   "])
def test_r9_v2_refund_on_day_181_needs_a_support_case(v2_contract, unchanged, case):
    payment = paid(v2_contract, 30_000, today=V2_START)
    message = (
        "The payment of $300.00 on 1 Dec 2026 can be refunded through the marketplace's support until 1 Dec 2027: "
        "enter the reference of the support case."
    )
    with unchanged(), pytest.raises(RuleError, match=exact(message)) as e:
        ops.record_refund(payment, 10_000, today=DAY_181, support_case=case)
    assert (e.value.rule, e.value.field) == ("R9", "support_case")


@pytest.mark.parametrize("day", [DAY_181, DAY_365])
def test_r9_v2_refund_from_day_181_to_365_is_recorded_with_its_support_case(v2_contract, day):
    payment = paid(v2_contract, 30_000, today=V2_START)
    refund = ops.record_refund(payment, 10_000, today=day, support_case="  ABC-123 ")
    assert (refund.kind, refund.amount, refund.date, refund.payment_id) == ("refund", 10_000, day, payment.id)
    assert queries.support_case(refund) == "ABC-123"
    assert SupportCase.get(SupportCase.entry == refund).reference == "ABC-123"
    assert queries.balances(v2_contract).refunded == 10_000
    assert check_book() == []


def test_r9_v2_refund_on_day_366_is_refused(v2_contract, unchanged):
    payment = paid(v2_contract, 30_000, today=V2_START)
    message = (
        "The payment of $300.00 on 1 Dec 2026 could be refunded through the marketplace's support until "
        "1 Dec 2027: on 2 Dec 2027 it can no longer be refunded."
    )
    with unchanged(), pytest.raises(RuleError, match=exact(message)) as e:
        ops.record_refund(payment, 10_000, today=DAY_366, support_case="ABC-123")
    assert (e.value.rule, e.value.field) == ("R9", "date")


def test_r9_v1_has_no_support_tier_even_with_a_support_case(contract, unchanged):
    payment = paid(contract)
    assert terms(contract.policy).support_refund_days is None
    ops.record_refund(payment, 1_000, today=date(2026, 8, 28))  # day 180, as before
    with unchanged(), pytest.raises(RuleError, match="only within 180 days") as e:
        ops.record_refund(payment, 1_000, today=date(2026, 8, 29), support_case="ABC-123")
    assert e.value.field == "date"


def test_r9_v1_and_v2_contracts_side_by_side_in_one_book(contract, v2_contract):
    old = paid(contract, 50_000, today=START)
    new = paid(v2_contract, 30_000, today=V2_START)
    assert [p.support_ends for p in queries.payments(contract)] == [None]
    [p] = queries.payments(v2_contract)
    assert (p.refund_window_ends, p.support_ends) == (DAY_180, DAY_365)
    assert p.tier(DAY_180) == queries.RefundTier(queries.SELF_SERVICE, DAY_180)
    assert p.tier(DAY_181) == queries.RefundTier(queries.THROUGH_SUPPORT, DAY_365)
    assert p.tier(DAY_366) == queries.RefundTier(queries.CLOSED, DAY_365)
    ops.record_refund(old, 1_000, today=date(2026, 8, 28))
    ops.record_refund(new, 1_000, today=DAY_365, support_case="CASE-9")
    assert check_book() == []


def test_r9_v2_payment_has_a_support_refund_deadline_beside_its_refund_window(v2_contract):
    payment = paid(v2_contract, 30_000, today=V2_START)
    clocks = {(k.kind, k.due, k.ref) for k in queries.contract_clocks(v2_contract)}
    assert ("refund_window", DAY_180, payment.id) in clocks
    assert ("support_refund", DAY_365, payment.id) in clocks
    # Each needs attention in its last 14 days, naming its payment; the totals' next deadline ignores both.
    # (The contract, with nothing recorded since, is dormant by then too: that line is not about a payment.)
    [window] = [i for i in queries.attention(date(2027, 5, 20)) if i.payment and i.contract_id == v2_contract.id]
    assert (window.kind, window.payment) == ("refund_window", (30_000, "USD", V2_START))
    [support] = [i for i in queries.attention(date(2027, 11, 20)) if i.payment and i.contract_id == v2_contract.id]
    assert (support.kind, support.due, support.payment) == ("support_refund", DAY_365, (30_000, "USD", V2_START))
    assert [i.kind for i in queries.attention(DAY_366)] == ["dormant"]  # no payment's clock is left
    ops.record_refund(payment, 30_000, today=DAY_181, support_case="ABC-123")
    # Refunded whole: no refund clock is left (only the contract's dormancy, 90 days after that refund).
    assert [(k.kind, k.due) for k in queries.contract_clocks(v2_contract)] == [("dormant", DAY_181 + timedelta(90))]
    assert check_book() == []


def test_r9_v2_a_support_refund_reversed_keeps_its_case_and_check_passes(v2_contract):
    payment = paid(v2_contract, 30_000, today=V2_START)
    refund = ops.record_refund(payment, 30_000, today=DAY_181, support_case="ABC-123")
    ops.reverse_entry(refund, memo="Recorded in error", today=DAY_181)
    assert queries.payments(v2_contract)[0].refunded == 0
    assert queries.support_case(refund) == "ABC-123"  # the audit trail keeps it
    assert {k.kind for k in queries.contract_clocks(v2_contract)} == {"refund_window", "support_refund", "dormant"}
    assert check_book() == []


def test_r9_check_reports_refunds_outside_their_window_written_outside_the_app(v2_contract):
    """What the operations refuse, written with sqlite3 instead: a v2 refund on day 366, one on day 200 without
    its support case, and a support case beside a self-service refund are each named by `check`."""
    p = paid(v2_contract, 30_000, today=V2_START)
    late = ops.record_refund(p, 1_000, today=DAY_365, support_case="CASE-1")
    early = ops.record_refund(p, 1_000, today=DAY_180)
    database.execute_sql("UPDATE ledger_entry SET date = ? WHERE id = ?", (DAY_366.isoformat(), late.id))
    database.execute_sql("INSERT INTO support_case (entry_id, reference) VALUES (?, 'X-2')", (early.id,))
    backfill(database)
    found = check_book()
    late_words = "is a refund 366 days after its payment, when refunds end after day 365."
    assert f"entry #{late.id} of contract #{v2_contract.id} {late_words}" in found
    assert any(
        f"entry #{early.id}" in f and "with a support case, when it was made without support" in f for f in found
    )
