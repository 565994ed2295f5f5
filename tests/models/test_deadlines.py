"""Deadlines that read well: the closeout grace (R11), and the contracts table's Next deadline and its
"Needs attention" filter agreeing by construction (one condition, models.browse)."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta

import pytest

from models import mediation, ops, queries, summary
from models.browse import ContractQuery
from models.check import check_book
from models.entities import Clock, Contract, Policy, database
from models.policy import terms
from models.resources import resource

from ..conftest import START
from .rules import ended_on, ended_with_escrow, funded_milestone

ENDED = date(2026, 3, 2)  # a Monday


def closeout_lines(today):
    return [i for i in queries.attention(today) if i.kind == Clock.CLOSEOUT]


@pytest.mark.parametrize("name", ["upwork.toml", "upwork-v2.toml"])
def test_r11_the_grace_is_a_number_of_each_marketplace_policy_with_its_help_page(name):
    text = resource("policies", name).read_text(encoding="utf-8")
    assert tomllib.loads(text)["clocks"]["closeout_grace_days"] == 7
    line = text.splitlines()[text.splitlines().index("closeout_grace_days = 7") - 1]
    assert "closeout" in line and "“End a fixed-price contract”" in line.replace('"', "“", 1).replace('"', "”", 1)


def test_r11_closeout_is_not_overdue_on_the_7th_day_after_the_ending_and_is_on_the_8th(contract):
    ended_on(contract, today=ENDED)
    assert terms(Contract.get_by_id(contract.id).policy).closeout_grace_days == 7
    assert closeout_lines(ENDED) == []
    assert closeout_lines(ENDED + timedelta(days=6)) == []  # within the grace: nothing to say yet
    (day7,) = closeout_lines(ENDED + timedelta(days=7))  # the last day of the grace: due today
    assert day7.due == date(2026, 3, 9)
    assert not day7.overdue(ENDED + timedelta(days=7))
    (day8,) = closeout_lines(ENDED + timedelta(days=8))
    assert day8.overdue(ENDED + timedelta(days=8))
    assert day8.open_items and "Leave feedback" in day8.open_items
    assert check_book() == []


def test_r11_a_version_that_does_not_name_the_grace_gets_a_week_and_one_that_does_gets_its_own(contract):
    policy = Contract.get_by_id(contract.id).policy
    Policy.update(source=policy.source.replace("closeout_grace_days = 7", "")).where(Policy.id == policy.id).execute()
    ended_on(contract, today=ENDED)
    assert [i.due for i in closeout_lines(ENDED + timedelta(days=7))] == [date(2026, 3, 9)]
    with database.atomic():
        Policy.update(source=policy.source.replace("closeout_grace_days = 7", "closeout_grace_days = 10")).where(
            Policy.id == policy.id
        ).execute()
        summary.refresh(database, contract.id)
    assert closeout_lines(ENDED + timedelta(days=9)) == []
    assert [i.due for i in closeout_lines(ENDED + timedelta(days=10))] == [date(2026, 3, 12)]
    assert check_book() == []


V2_START = date(2026, 12, 1)


@pytest.fixture
def every_clock(book, contract, freelancer):
    """A book with every kind of clock: review, refund window and support refunds (v2), escrow reply, dispute
    answer and mediation, feedback, closeout, dormant (v2)."""
    review = funded_milestone(contract, title="Sketches", today=START)
    ops.submit_work(review, today=date(2026, 3, 5))
    paid = funded_milestone(contract, title="Logo", today=START)
    ops.release_payment(paid, today=date(2026, 3, 10))

    replying = ops.create_contract("Website", freelancer, started_on=START, today=START)
    ended_with_escrow(replying, today=date(2026, 3, 6))

    disputed = ops.create_contract("Brochure", freelancer, started_on=START, today=START)
    request = ended_with_escrow(disputed, today=date(2026, 3, 2))
    dispute = ops.record_escrow_refund_reply(request, "disputed", today=date(2026, 3, 4))

    mediated = ops.create_contract("Flyer", freelancer, started_on=START, today=START)
    request = ended_with_escrow(mediated, today=date(2026, 3, 3))
    dispute = ops.record_escrow_refund_reply(request, "disputed", today=date(2026, 3, 5))
    ops.record_dispute_answer(dispute, today=date(2026, 3, 6))

    closing = ops.create_contract("Poster", freelancer, started_on=START, today=START)
    ended_on(closing, today=date(2026, 3, 1))

    v2 = ops.create_contract("Brand book", freelancer, started_on=V2_START, today=V2_START)
    m = funded_milestone(v2, title="Guide", today=V2_START)
    ops.release_payment(m, today=V2_START)
    quiet = ops.create_contract("Mascot", freelancer, started_on=V2_START, today=V2_START)
    for title, proposal in (("Leaflet", False), ("Banner", True)):  # v2 mediation: a proposal due, one to accept
        c = ops.create_contract(title, freelancer, started_on=V2_START, today=V2_START)
        request = ended_with_escrow(c, 50_000, today=date(2027, 1, 4))
        d = ops.record_escrow_refund_reply(request, "disputed", today=date(2027, 1, 6))
        d = ops.record_dispute_answer(d, today=date(2027, 1, 8))
        mediation.record_evidence_sent(d, today=date(2027, 1, 12))
        if proposal:
            mediation.record_mediation_proposal(d, to_freelancer=30_000, to_client=20_000, today=date(2027, 1, 14))
    return book, quiet


def test_the_next_deadline_and_the_needs_attention_filter_agree_on_every_day(every_clock):
    book, quiet = every_clock
    kinds = {k for (k,) in database.execute_sql("SELECT DISTINCT kind FROM clock")}
    assert kinds == set(queries.CLOCK_LABELS)  # every kind of clock is in this book
    seen_attention, listed = set(), set()
    day = date(2026, 2, 25)
    while day <= date(2027, 12, 31):
        rows = ContractQuery(book.conn, today=day).page(limit=-1)
        filtered = set(ContractQuery(book.conn, filter_="attention", today=day).ids())
        shown = {r.id for r in rows if r.next_attention}
        # Every contract the filter includes shows a Next deadline, and shows it as needing attention; every
        # contract whose Next deadline is shown as needing attention is in the filter.
        assert filtered <= {r.id for r in rows if r.next_due is not None}, day
        assert shown == filtered, day
        # The filter sorted by Next deadline lists them by the date each shows, soonest first.
        ordered = ContractQuery(book.conn, filter_="attention", today=day).page(sort="next", limit=-1)
        assert [r.next_due for r in ordered] == sorted(r.next_due for r in ordered), day
        # And the panel lists exactly these contracts.
        assert {i.contract_id for i in queries.attention(day)} == filtered, day
        seen_attention |= {r.next_kind for r in rows if r.next_attention}
        listed |= {i.kind for i in queries.attention(day)}
        day += timedelta(days=1)
    assert listed == set(queries.CLOCK_LABELS)  # every kind needed attention on some day
    assert {"review", "closeout", "dormant", "escrow_reply"} <= seen_attention
    # A dormant contract (R15) shows its day, from then on in the filter.
    (row,) = [r for r in ContractQuery(book.conn, today=date(2027, 3, 5)).page(limit=-1) if r.id == quiet.id]
    assert (row.next_due, row.next_kind, row.next_attention) == (V2_START + timedelta(days=90), "dormant", True)


def test_a_refund_window_that_needs_attention_is_the_next_deadline_of_a_contract_with_no_other(contract, book):
    m = funded_milestone(contract, title="Logo", today=START)
    ops.release_payment(m, today=date(2026, 3, 10))  # its refund window closes 6 Sep 2026
    (far,) = ContractQuery(book.conn, today=date(2026, 6, 1)).page(limit=-1)
    assert far.next_due is None  # a refund window months away is no deadline to show yet
    near = ContractQuery(book.conn, today=date(2026, 9, 1)).page(limit=-1)[0]
    assert (near.next_due, near.next_kind, near.next_attention) == (date(2026, 9, 6), "refund_window", True)
    assert ContractQuery(book.conn, filter_="attention", today=date(2026, 9, 1)).ids() == [contract.id]
    lapsed = ContractQuery(book.conn, today=date(2026, 9, 7)).page(limit=-1)[0]
    assert lapsed.next_due is None and ContractQuery(book.conn, filter_="attention", today=date(2026, 9, 7)).ids() == []


def test_the_needs_attention_filter_sorts_by_the_next_deadline_it_shows(contract, book, freelancer):
    """A refund window closing tomorrow (needs attention) is shown before a review due in two days, even though
    the contract's soonest running deadline, which the whole table sorts by, is a review ten days away."""
    today = date(2026, 9, 1)
    paid = funded_milestone(contract, title="Logo", today=START)
    ops.release_payment(paid, today=today + timedelta(days=1) - timedelta(days=180))
    ops.submit_work(funded_milestone(contract, title="Icons", today=START), today=today - timedelta(days=4))
    other = ops.create_contract("Website", freelancer, started_on=START, today=START)
    ops.submit_work(funded_milestone(other, title="Home page", today=START), today=today - timedelta(days=12))
    rows = ContractQuery(book.conn, filter_="attention", today=today).page(sort="next", limit=-1)
    assert [(r.title, r.next_due, r.next_kind) for r in rows] == [
        ("Logo redesign", today + timedelta(days=1), "refund_window"),
        ("Website", today + timedelta(days=2), "review"),
    ]
    newest_first = ContractQuery(book.conn, filter_="attention", today=today).page(sort="next", descending=True)
    assert [r.title for r in newest_first] == ["Website", "Logo redesign"]
