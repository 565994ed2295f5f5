"""R16 Order of events: every record on the day it happened, never later than today, in an order that could
have happened; the same day allowed, the day before refused, naming the record and its date. Clocks count from
the recorded dates, so a back-dated record gives the deadlines of one recorded on the day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from models import ops, queries
from models.check import check_book, contract_problems
from models.entities import Clock, Contract, Feedback, LedgerEntry, Milestone
from models.errors import RuleError

from ..conftest import START
from .rules import STARS, entries, exact, fresh, funded_milestone, paid, reload

D = timedelta(days=1)
TODAY = date(2026, 6, 1)


def refused_r16(message: str):
    return pytest.raises(RuleError, match=exact(message))


# ------------------------------------------------------------ never later than today


def test_r16_an_event_dated_later_than_today_is_refused(contract, unchanged):
    m = ops.add_milestone(contract, "Draft", 10_000)
    with (
        unchanged(),
        refused_r16("2 Jun 2026 is later than today (1 Jun 2026): record an event on the day it happened."),
    ):
        ops.fund_milestone(m, on=TODAY + D, today=TODAY)


def test_r16_an_event_dated_today_is_recorded(contract):
    m = ops.add_milestone(contract, "Draft", 10_000)
    assert ops.fund_milestone(m, on=TODAY, today=TODAY).date == TODAY


# ------------------------------------------------------------ each pair, at its edge


def test_r16_nothing_before_the_start_of_the_contract(contract, unchanged):
    m = ops.add_milestone(contract, "Draft", 10_000)
    with (
        unchanged(),
        refused_r16("28 Feb 2026 is before the start of the contract on 1 Mar 2026. Choose 1 Mar 2026 or later."),
    ):
        ops.fund_milestone(m, on=START - D, today=TODAY)
    assert ops.fund_milestone(m, on=START, today=TODAY).date == START


def test_r16_a_release_not_before_the_funding_it_pays_from(contract, unchanged):
    m = funded_milestone(contract, 10_000, today=date(2026, 3, 10))
    message = "9 Mar 2026 is before the funding of $100.00 for “Draft” on 10 Mar 2026. Choose 10 Mar 2026 or later."
    with unchanged(), refused_r16(message) as e:
        ops.release_payment(m, on=date(2026, 3, 9), today=TODAY)
    assert e.value.rule == "R16"
    assert ops.release_payment(m, on=date(2026, 3, 10), today=TODAY).date == date(2026, 3, 10)


def test_r16_a_refund_not_before_its_payment(contract, unchanged):
    payment = paid(contract, 10_000, today=date(2026, 3, 10))
    message = "9 Mar 2026 is before the payment of $100.00 for “Draft” on 10 Mar 2026. Choose 10 Mar 2026 or later."
    with unchanged(), refused_r16(message):
        ops.record_refund(payment, 1_000, on=date(2026, 3, 9), today=TODAY)
    assert ops.record_refund(payment, 1_000, on=date(2026, 3, 10), today=TODAY).date == date(2026, 3, 10)


def test_r16_an_ending_not_before_the_latest_entry(contract, unchanged):
    paid(contract, 10_000, today=date(2026, 3, 10))
    message = "9 Mar 2026 is before the payment of $100.00 for “Draft” on 10 Mar 2026. Choose 10 Mar 2026 or later."
    with unchanged(), refused_r16(message):
        ops.end_contract(contract, agreed=True, on=date(2026, 3, 9), today=TODAY)
    ops.end_contract(contract, agreed=True, on=date(2026, 3, 10), today=TODAY)
    assert reload(contract).ended_on == date(2026, 3, 10)


def test_r16_an_ending_not_before_work_submitted(contract, unchanged):
    m = funded_milestone(contract, 10_000, today=date(2026, 3, 2))
    ops.submit_work(m, on=date(2026, 3, 10), today=TODAY)
    message = "9 Mar 2026 is before the work submitted for “Draft” on 10 Mar 2026. Choose 10 Mar 2026 or later."
    with unchanged(), refused_r16(message):
        ops.end_contract(contract, agreed=True, request_escrow_refund=True, on=date(2026, 3, 9), today=TODAY)
    ops.end_contract(contract, agreed=True, request_escrow_refund=True, on=date(2026, 3, 10), today=TODAY)


def test_r16_feedback_not_before_the_ending(contract, unchanged):
    ops.end_contract(contract, agreed=True, on=date(2026, 3, 10), today=TODAY)
    now = datetime(2026, 3, 12, 9, 30)
    message = "9 Mar 2026 is before the end of the contract on 10 Mar 2026. Choose 10 Mar 2026 or later."
    with unchanged(), refused_r16(message):
        ops.record_freelancer_feedback(contract, STARS, on=date(2026, 3, 9), now=now)
    fb = ops.record_freelancer_feedback(contract, STARS, on=date(2026, 3, 10), now=now)
    assert fb.submitted_at == datetime(2026, 3, 10)


def test_r16_the_freelancers_feedback_left_today_gets_the_current_time(contract):
    ops.end_contract(contract, agreed=True, on=date(2026, 3, 10), today=TODAY)
    now = datetime(2026, 3, 12, 9, 30, 5)
    assert ops.record_freelancer_feedback(contract, STARS, now=now).submitted_at == now


def test_r16_the_clients_feedback_is_stamped_with_the_real_time_given(contract):
    ops.end_contract(contract, agreed=True, on=date(2026, 3, 10), today=TODAY)
    now = datetime(2026, 3, 11, 17, 42, 9)
    fb = ops.submit_feedback(contract, STARS, now=now)
    assert Feedback.get_by_id(fb.id).submitted_at == now


def test_r16_an_answer_not_before_the_escrow_refund_request(contract, unchanged):
    funded_milestone(contract, 10_000, today=START)
    request = ops.end_contract(contract, agreed=True, request_escrow_refund=True, on=date(2026, 3, 10), today=TODAY)
    message = "9 Mar 2026 is before the escrow refund request on 10 Mar 2026. Choose 10 Mar 2026 or later."
    with unchanged(), refused_r16(message):
        ops.record_escrow_refund_reply(request, "approved", on=date(2026, 3, 9), today=TODAY)
    assert ops.record_escrow_refund_reply(request, "approved", on=date(2026, 3, 10), today=TODAY).date == date(
        2026, 3, 10
    )


def test_r16_a_closeout_tick_not_before_the_ending(contract, unchanged):
    ops.end_contract(contract, agreed=True, on=date(2026, 3, 10), today=TODAY)
    item = next(i for i in reload(contract).closeout if i.kind == "remind_property")
    with (
        unchanged(),
        refused_r16("9 Mar 2026 is before the end of the contract on 10 Mar 2026. Choose 10 Mar 2026 or later."),
    ):
        ops.complete_closeout_item(item, on=date(2026, 3, 9), today=TODAY)
    assert ops.complete_closeout_item(item, on=date(2026, 3, 10), today=TODAY).done_on == date(2026, 3, 10)


# ------------------------------------------------------------ clocks count from the recorded dates


def test_r16_back_dated_work_submitted_counts_the_review_period_from_that_day(contract):
    m = funded_milestone(contract, 10_000, today=START)
    ops.submit_work(m, on=date(2026, 3, 1), today=date(2026, 3, 9))
    assert fresh(m).auto_release_on == date(2026, 3, 15)
    assert [(c.kind, c.due) for c in Clock.select().where(Clock.kind == Clock.REVIEW)] == [
        ("review", date(2026, 3, 15))
    ]


def test_r16_a_resubmission_restarts_the_review_period_from_the_latest_submission(contract):
    m = funded_milestone(contract, 10_000, today=START)
    ops.submit_work(m, on=date(2026, 3, 1), today=TODAY)
    ops.request_changes(m, on=date(2026, 3, 5), today=TODAY)
    ops.submit_work(m, on=date(2026, 3, 13), today=TODAY)
    assert (fresh(m).submitted_on, fresh(m).auto_release_on) == (date(2026, 3, 13), date(2026, 3, 27))


def test_r16_back_dated_ending_counts_the_reply_and_feedback_windows_from_that_day(contract):
    funded_milestone(contract, 10_000, today=START)
    request = ops.end_contract(
        contract, agreed=True, request_escrow_refund=True, on=date(2026, 3, 2), today=date(2026, 3, 9)
    )
    assert request.reply_due == date(2026, 3, 9)
    assert reload(contract).feedback_closes_at == datetime(2026, 3, 16, 23, 59, 59)


def test_r16_back_dated_payment_counts_the_refund_window_from_that_day(contract):
    payment = paid(contract, 10_000, today=date(2026, 3, 1))
    assert queries.payments(contract)[0].refund_window_ends == date(2026, 8, 28)
    with pytest.raises(RuleError, match="refunds can be recorded only within 180 days"):
        ops.record_refund(payment, 100, on=date(2026, 8, 29), today=date(2026, 9, 30))
    ops.record_refund(payment, 100, on=date(2026, 8, 28), today=date(2026, 9, 30))


# ------------------------------------------------------------ check verifies the order


def test_r16_check_finds_an_entry_dated_before_its_funding(contract, book):
    m = funded_milestone(contract, 10_000, today=date(2026, 3, 10))
    payment = ops.release_payment(m, on=date(2026, 3, 10), today=TODAY)
    LedgerEntry.update(date=date(2026, 3, 9)).where(LedgerEntry.id == payment.id).execute()
    assert any("dated before its milestone was funded" in p for p in contract_problems(contract.id))
    assert any("dated before its milestone was funded" in p for p in check_book())


def test_r16_check_finds_an_ending_dated_before_a_payment(contract):
    paid(contract, 10_000, today=date(2026, 3, 10))
    ops.end_contract(contract, agreed=True, on=date(2026, 3, 10), today=TODAY)
    Contract.update(ended_on=date(2026, 3, 9)).where(Contract.id == contract.id).execute()
    assert any("dated after the contract ended" in p for p in check_book())


def test_r16_a_book_recorded_in_order_passes_check(contract):
    m = funded_milestone(contract, 10_000, today=START)
    ops.submit_work(m, on=date(2026, 3, 2), today=TODAY)
    ops.release_payment(m, on=date(2026, 3, 3), today=TODAY)
    ops.end_contract(contract, agreed=True, on=date(2026, 3, 3), today=TODAY)
    assert check_book() == []
    assert [e.date for e in entries(contract)][-1] == date(2026, 3, 3)
    assert Milestone.get_by_id(m.id).state == Milestone.PAID
