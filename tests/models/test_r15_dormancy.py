"""R15 Dormancy (policy version 2): no recorded activity for 90 days makes an active contract dormant on the
90th day; the contracts table and "needs attention" show it with that date; any new record ends it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import corrections, ops, queries
from models.browse import contract_row
from models.check import check_book
from models.entities import Clock, Contract

from ..conftest import START
from .rules import funded_milestone

V2_START = date(2026, 12, 1)  # the second marketplace version is in force from this day
LAST = date(2027, 3, 1)  # the last activity in most tests: dormant on 30 May 2027, not 29 May
DORMANT_ON = date(2027, 5, 30)


@pytest.fixture
def v2(book, freelancer):
    return ops.create_contract("Brand book", freelancer, currency="USD", started_on=V2_START, today=V2_START)


def dormancy(contract) -> date | None:
    k = Clock.get_or_none((Clock.contract == contract) & (Clock.kind == Clock.DORMANT))
    return None if k is None else k.due


def dormant_lines(today):
    return [i for i in queries.attention(today) if i.kind == Clock.DORMANT]


def test_r15_last_activity_on_1_march_is_dormant_on_30_may_not_29_may(v2):
    m = funded_milestone(v2, today=V2_START)
    ops.submit_work(m, on=LAST, today=LAST)
    assert dormancy(v2) == DORMANT_ON == LAST + timedelta(days=90)
    assert dormant_lines(DORMANT_ON - timedelta(days=1)) == []  # day 89: not yet
    (line,) = dormant_lines(DORMANT_ON)  # day 90
    assert (line.due, line.contract_title, line.dormant_after_days) == (DORMANT_ON, "Brand book", 90)
    assert queries.attention_count(DORMANT_ON) >= 1


def test_r15_a_contract_with_nothing_after_its_start_is_dormant_90_days_after_it(v2):
    assert dormancy(v2) == V2_START + timedelta(days=90)


def test_r15_a_new_record_ends_dormancy(v2):
    m = funded_milestone(v2, today=V2_START)
    dormant = V2_START + timedelta(days=90)
    assert [i.contract_id for i in dormant_lines(dormant)] == [v2.id]
    later = dormant + timedelta(days=5)
    ops.submit_work(m, on=later, today=later)  # typed on the day, or days later: the same dates
    assert dormant_lines(later) == []
    assert dormancy(v2) == later + timedelta(days=90)


@pytest.mark.parametrize("record", ["access", "revocation", "receipt", "release", "reversal"])
def test_r15_every_kind_of_record_is_activity(v2, record):
    m = funded_milestone(v2, today=V2_START)
    grant = ops.add_access(v2, "GitHub org: write access", given_on=V2_START, today=V2_START)
    thing = ops.add_deliverable(v2, "Source files")
    day = date(2027, 1, 10)
    if record == "access":
        ops.add_access(v2, "Figma: editor", given_on=day, today=day)
    elif record == "revocation":
        ops.revoke_access(grant, on=day, today=day)
    elif record == "receipt":
        ops.mark_received(thing, on=day, today=day)
    elif record == "release":
        ops.release_payment(m, 10_000, on=day, today=day)
    else:
        entry = ops.release_payment(m, 10_000, on=V2_START, today=V2_START)
        ops.reverse_entry(entry, memo="Typed twice", on=day, today=day)
    expected = day if record != "reversal" else V2_START  # a mistake and its correction are not activity
    assert dormancy(v2) == expected + timedelta(days=90)


def test_r15_a_record_withdrawn_as_in_error_no_longer_counts(v2):
    m = funded_milestone(v2, today=V2_START)
    ops.submit_work(m, on=LAST, today=LAST)
    corrections.withdraw_submission(m, reason="Wrong milestone")
    assert dormancy(v2) == V2_START + timedelta(days=90)


def test_r15_an_ended_contract_is_never_dormant(v2):
    ops.end_contract(v2, agreed=True, today=V2_START)
    assert dormancy(v2) is None
    assert dormant_lines(date(2028, 1, 1)) == []
    corrections.withdraw_ending(v2, reason="Ended the wrong contract")  # active again: its clock runs again
    assert dormancy(v2) == V2_START + timedelta(days=90)


def test_r15_version_1_contracts_are_never_dormant(contract):
    assert Contract.get_by_id(contract.id).policy.dormant_after_days is None
    funded_milestone(contract, today=START)
    assert dormancy(contract) is None
    assert dormant_lines(START + timedelta(days=400)) == []


def test_r15_the_contracts_row_carries_the_day_it_became_dormant(book, v2):
    row = contract_row(book.conn, v2.id)
    assert row.dormant_on == V2_START + timedelta(days=90)
    assert (row.next_due, row.next_kind) == (V2_START + timedelta(days=90), "dormant")


def test_r15_check_derives_the_same_dormancy_dates_and_finds_one_changed(book, v2):
    m = funded_milestone(v2, today=V2_START)
    ops.submit_work(m, on=LAST, today=LAST)
    assert check_book() == []
    Clock.update(due=DORMANT_ON + timedelta(days=1)).where(Clock.kind == Clock.DORMANT).execute()
    assert any("deadlines differ" in p for p in check_book())
