"""R5 Release: pays the freelancer from an active milestone, in full or in part, on an active contract."""

from __future__ import annotations

from datetime import timedelta

from models import ops, queries
from models.entities import Clock, LedgerEntry, Milestone
from tests.models.rules import end, fresh, funded, refused

from ..conftest import START


def test_r5_full_release_pays_the_whole_milestone(contract):
    m = funded(contract, "Draft", 10_000)
    entry = ops.release_payment(m, today=START + timedelta(days=2))
    assert (entry.kind, entry.amount, entry.date, entry.milestone_id) == (
        LedgerEntry.RELEASE,
        10_000,
        START + timedelta(days=2),
        m.id,
    )
    b = queries.balances(contract)
    assert (b.funded, b.released, b.escrow, b.fees) == (10_000, 10_000, 0, 599)
    assert fresh(m).state == Milestone.PAID
    assert queries.unassigned_escrow(contract) == 0
    assert [p.entry.id for p in queries.payments(contract)] == [entry.id]


def test_r5_release_of_exactly_the_milestone_escrow_is_accepted(contract):
    m = funded(contract, "Draft", 10_000)
    entry = ops.release_payment(m, 10_000, today=START)
    assert entry.amount == 10_000
    assert queries.balances(contract).escrow == 0
    assert fresh(m).state == Milestone.PAID


def test_r5_release_of_one_cent_more_than_the_milestone_escrow_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    with unchanged(), refused("You can release at most $100.00 from “Draft”.") as info:
        ops.release_payment(m, 10_001, today=START)
    assert (info.value.rule, info.value.field) == ("R5", "amount")


def test_r5_release_cannot_take_escrow_of_another_milestone(contract, unchanged):
    funded(contract, "First", 10_000)
    m = funded(contract, "Second", 1_000)
    with unchanged(), refused("You can release at most $10.00 from “Second”.") as info:
        ops.release_payment(m, 1_001, today=START)
    assert (info.value.rule, info.value.field) == ("R5", "amount")


def test_r5_release_of_one_cent_is_accepted(contract):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, 1, today=START)
    assert queries.balances(contract).released == 1
    assert queries.unassigned_escrow(contract) == 9_999


def test_r5_release_on_an_ended_contract_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    end(contract)
    with unchanged(), refused("“Logo redesign” has ended: you can no longer release payments.") as info:
        ops.release_payment(m, 1_000, today=START + timedelta(days=1))
    assert info.value.rule == "R5"


def test_r5_release_from_remaining_escrow_on_an_ended_contract_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, 6_000, today=START)
    end(contract)
    with unchanged(), refused("“Logo redesign” has ended: you can no longer release payments.") as info:
        ops.release_from_remaining_escrow(contract, "Final", 500, today=START)
    assert info.value.rule == "R5"


def test_r5_release_dated_before_the_funding_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000, today=START + timedelta(days=5))
    with (
        unchanged(),
        refused("5 Mar 2026 is before the funding of $100.00 for “Draft” on 6 Mar 2026. Choose 6 Mar 2026 or later."),
    ):
        ops.release_payment(m, today=START + timedelta(days=4))


def test_r5_release_on_a_direct_contract(direct_contract):
    m = funded(direct_contract, "Chapter 1", 2_500)
    entry = ops.release_payment(m, 1, today=START)
    assert (entry.amount, entry.currency) == (1, "EUR")
    assert queries.unassigned_escrow(direct_contract) == 2_499


def test_r5_release_of_submitted_work_is_an_approval(contract):
    m = funded(contract, "Draft", 10_000)
    ops.submit_work(m, today=START)
    entry = ops.release_payment(m, today=START + timedelta(days=2))
    assert entry.amount == 10_000
    m = fresh(m)
    assert m.state == Milestone.PAID
    assert [k.kind for k in queries.contract_clocks(contract)] == [Clock.REFUND_WINDOW]
