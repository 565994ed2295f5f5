"""R6 Review period: submitted work is released automatically when the review period ends."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from models import corrections, labels, ops, queries, report
from models.check import check_book
from models.entities import Clock, LedgerEntry, Milestone
from models.errors import RuleError
from tests.models.rules import end, fresh, funded, refused

from ..conftest import START

MARCH_14 = date(2026, 3, 14)
MARCH_15 = date(2026, 3, 15)


def test_r6_submit_work_fixes_the_automatic_release_14_days_later(contract):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    m = fresh(m)
    assert (m.state, m.submitted_on, m.auto_release_on) == (Milestone.SUBMITTED, START, MARCH_15)


def test_r6_automatic_release_on_the_day_before_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    with (
        unchanged(),
        refused(
            "The review period of “Draft” runs until 15 Mar 2026: you can still approve or ask for changes."
        ) as info,
    ):
        ops.record_automatic_release(m, today=MARCH_14)
    assert info.value.rule == "R6"


def test_r6_automatic_release_on_the_release_day_is_recorded_on_that_day(contract):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    entry = ops.record_automatic_release(m, today=MARCH_15)
    assert (entry.kind, entry.amount, entry.date, entry.milestone_id) == (LedgerEntry.RELEASE, 10_000, MARCH_15, m.id)
    assert fresh(m).state == Milestone.PAID
    assert queries.balances(contract).escrow == 0


def test_r6_automatic_release_recorded_later_is_dated_on_the_release_day(contract):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    entry = ops.record_automatic_release(m, today=date(2026, 4, 2))
    assert entry.date == MARCH_15


def test_r6_automatic_release_after_a_partial_release_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    ops.release_payment(m, 4_000, today=START + timedelta(days=1))
    with unchanged(), refused("“Draft” has no review period running."):
        ops.record_automatic_release(m, today=MARCH_15)


def test_r6_automatic_release_without_submitted_work_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    with unchanged(), refused("“Draft” has no review period running.") as info:
        ops.record_automatic_release(m, today=MARCH_15)
    assert info.value.rule == "R6"


def test_r6_request_changes_clears_the_clock(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    ops.request_changes(m, today=START + timedelta(days=3))
    m = fresh(m)
    assert (m.state, m.submitted_on, m.auto_release_on) == (Milestone.ACTIVE, None, None)
    assert [k for k in queries.contract_clocks(contract) if k.kind == Clock.REVIEW] == []
    assert queries.attention(today=MARCH_15) == []
    with unchanged(), refused("“Draft” has no review period running."):
        ops.record_automatic_release(m, today=MARCH_15)


def test_r6_resubmitted_work_starts_a_new_review_period(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    ops.request_changes(m, today=date(2026, 3, 5))
    ops.submit_work(m, today=date(2026, 3, 10))
    assert fresh(m).auto_release_on == date(2026, 3, 24)
    with (
        unchanged(),
        refused("The review period of “Draft” runs until 24 Mar 2026: you can still approve or ask for changes."),
    ):
        ops.record_automatic_release(m, today=MARCH_15)


def test_r6_request_changes_without_submitted_work_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    with unchanged(), refused("No work is waiting for review on “Draft”.") as info:
        ops.request_changes(m, today=START)
    assert info.value.rule == "R6"


def test_r6_submit_work_on_an_unfunded_milestone_is_refused(contract, unchanged):
    m = ops.add_milestone(contract, "Draft", 10_000)
    with unchanged(), refused("“Draft” is not funded yet.") as info:
        ops.submit_work(m, today=START)
    assert info.value.rule == "R6"


def test_r6_submit_work_twice_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    with unchanged(), refused("“Draft” is not waiting for work."):
        ops.submit_work(m, today=START + timedelta(days=1))


def test_r6_submit_work_on_an_ended_contract_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    end(contract)
    with unchanged(), refused("“Logo redesign” has ended: you can no longer record submitted work."):
        ops.submit_work(m, today=START + timedelta(days=1))


def test_r6_direct_policy_has_no_automatic_release(direct_contract, unchanged):
    m = funded(direct_contract, "Chapter 1", 2_500)
    ops.submit_work(m, today=START)
    m = fresh(m)
    assert (m.state, m.submitted_on, m.auto_release_on) == (Milestone.SUBMITTED, START, None)
    assert queries.contract_clocks(direct_contract) == []
    assert queries.attention(today=date(2026, 12, 31)) == []
    with unchanged(), refused("“Chapter 1” has no review period running."):
        ops.record_automatic_release(m, today=date(2026, 12, 31))


def test_r6_review_clock_appears_in_the_contract_clocks(contract):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    clocks = [(k.kind, k.due, k.ref) for k in queries.contract_clocks(contract)]
    assert clocks == [(Clock.REVIEW, MARCH_15, m.id)]


def test_r6_review_clock_needs_attention_within_its_warning_period(contract):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    assert queries.WARN_DAYS[Clock.REVIEW] == 3
    assert queries.attention(today=date(2026, 3, 11)) == []
    items = queries.attention(today=date(2026, 3, 12))
    assert [(i.kind, i.due, i.contract_id, i.contract_title, i.ref) for i in items] == [
        (Clock.REVIEW, MARCH_15, contract.id, "Logo redesign", m.id)
    ]
    assert items[0].label == "Review period ends (automatic release)"
    assert not items[0].overdue(date(2026, 3, 12))


def test_r6_overdue_review_clock_still_needs_attention(contract):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    items = queries.attention(today=date(2026, 3, 20))
    assert [(i.kind, i.ref) for i in items] == [(Clock.REVIEW, m.id)]
    assert items[0].overdue(date(2026, 3, 20))
    assert not items[0].overdue(MARCH_15)


def test_r6_review_clock_stops_after_the_automatic_release(contract):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    ops.record_automatic_release(m, today=MARCH_15)
    assert [k.kind for k in queries.contract_clocks(contract)] == [Clock.REFUND_WINDOW]
    assert [i.kind for i in queries.attention(today=MARCH_15)] == []


def test_r6_review_clocks_of_several_milestones_sorted_by_due_date(contract):
    a = funded(contract, "A", 1_000)
    b = funded(contract, "B", 1_000)
    ops.submit_work(b, today=START)
    ops.submit_work(a, today=START + timedelta(days=2))
    clocks = [(k.due, k.ref) for k in queries.contract_clocks(contract)]
    assert clocks == [(MARCH_15, b.id), (date(2026, 3, 17), a.id)]
    assert [i.ref for i in queries.attention(today=date(2026, 3, 14))] == [b.id, a.id]


def test_r6_request_changes_on_the_last_day_of_the_review_period(contract):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    ops.request_changes(m, today=MARCH_14)
    assert fresh(m).auto_release_on is None


def test_r6_request_changes_after_the_automatic_release_date_is_refused(contract, unchanged):
    # After 15 March the marketplace has released the milestone: asking for changes then could not have happened.
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    with unchanged(), pytest.raises(RuleError, match="15 Mar 2026") as info:
        ops.request_changes(m, today=date(2026, 3, 20))
    assert info.value.rule == "R6"


def test_r6_submit_work_dated_before_the_milestone_was_funded_is_refused(contract, unchanged):
    # Otherwise the automatic release date can fall before the funding and can never be recorded.
    m = funded(contract, "Draft", 10_000, today=date(2026, 3, 20))
    with unchanged(), pytest.raises(RuleError, match=re.escape("before the funding of $100.00 for “Draft” on 20 Mar")):
        ops.submit_work(m, today=START)


def test_r6_r8_overdue_automatic_events_are_listed_and_recorded_in_one_go(contract, book, freelancer):
    m = ops.add_milestone(contract, "Draft", 10_000)
    ops.fund_milestone(m, today=START)
    ops.submit_work(m, today=date(2026, 3, 2))  # released automatically on 16 March
    other = ops.create_contract("Website", freelancer, started_on=START, today=START)
    w = ops.add_milestone(other, "Pages", 20_000)
    ops.fund_milestone(w, today=START)
    request = ops.end_contract(other, agreed=True, request_escrow_refund=True, today=date(2026, 3, 5))  # reply by 12th
    assert queries.overdue_automatic_events(date(2026, 3, 12)) == []
    events = queries.overdue_automatic_events(date(2026, 3, 20))
    assert [(e.kind, e.on) for e in events] == [
        ("escrow_no_reply", date(2026, 3, 13)),
        ("auto_release", date(2026, 3, 16)),
    ]
    assert "released automatically on 16 Mar 2026" in events[1].text
    assert ops.record_automatic_events(today=date(2026, 3, 20)) == 2
    assert Milestone.get_by_id(m.id).state == Milestone.PAID
    assert request.__class__.get_by_id(request.id).status == "no_reply"
    assert queries.overdue_automatic_events(date(2026, 3, 20)) == []
    assert check_book() == []


def test_r6_resubmission_on_day_13_moves_the_release_and_both_dates_are_shown(contract):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    ops.request_changes(m, today=date(2026, 3, 13))
    assert fresh(m).first_submitted_on == START  # kept while the client waits for the changes
    assert labels.submissions(fresh(m)) == "Submitted 1 Mar 2026; changes asked for"
    ops.submit_work(m, today=date(2026, 3, 13))  # day 13 after the first submission
    m = fresh(m)
    assert (m.first_submitted_on, m.submitted_on, m.auto_release_on) == (START, date(2026, 3, 13), date(2026, 3, 27))
    assert labels.submissions(m) == "Submitted 1 Mar 2026, again 13 Mar 2026; released automatically on 27 Mar 2026"
    [line] = report.contract_summary(contract.id).milestones
    assert line.submissions == labels.submissions(m)
    assert ("review", date(2026, 3, 27)) in {(k.kind, k.due) for k in queries.contract_clocks(contract)}
    assert check_book() == []


def test_r6_a_single_submission_shows_one_date(contract):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    assert labels.submissions(fresh(m)) == "Submitted 1 Mar 2026; released automatically on 15 Mar 2026"


def test_r6_withdrawing_the_only_submission_forgets_its_first_date(contract):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    corrections.withdraw_submission(m, reason="Typed on the wrong milestone")
    assert (fresh(m).first_submitted_on, labels.submissions(fresh(m))) == (None, "")
    assert check_book() == []


def test_r6_check_names_a_first_submission_after_the_latest(contract, book):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=date(2026, 3, 2))
    book.db.execute_sql("UPDATE milestone SET first_submitted_on = '2026-03-05' WHERE id = ?", (m.id,))
    assert any("first submitted on 2026-03-05, after it was last submitted (2026-03-02)" in p for p in check_book())
