"""R4 Active milestone: payments come from active milestones; leftover escrow through a new one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import ops, queries
from models.entities import LedgerEntry, Milestone
from models.errors import RuleError
from tests.models.rules import entries, fresh, funded, refused

from ..conftest import START


def test_r4_partial_release_leaves_the_rest_outside_any_active_milestone(contract):
    m = funded(contract, "Draft", 10_000)
    entry = ops.release_payment(m, 6_000, today=START)
    assert entry.amount == 6_000
    m = fresh(m)
    assert m.state == Milestone.PAID
    assert queries.milestone_escrow(m) == 0
    assert queries.active_milestones(contract) == []
    assert queries.unassigned_escrow(contract) == 4_000
    b = queries.balances(contract)
    assert (b.funded, b.released, b.escrow) == (10_000, 6_000, 4_000)


def test_r4_unassigned_escrow_excludes_other_active_milestones(contract):
    a = funded(contract, "A", 10_000)
    b = funded(contract, "B", 3_000)
    ops.release_payment(a, 2_500, today=START)
    assert [m.id for m in queries.active_milestones(contract)] == [b.id]
    assert queries.milestone_escrow(fresh(b)) == 3_000
    assert queries.balances(contract).escrow == 10_500
    assert queries.unassigned_escrow(contract) == 7_500


def test_r4_release_from_a_milestone_paid_in_part_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, 6_000, today=START)
    with unchanged(), refused("“Draft” is no longer active: payments are released from active milestones.") as info:
        ops.release_payment(m, 4_000, today=START)
    assert info.value.rule == "R4"


def test_r4_release_from_a_paid_milestone_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, today=START)
    with unchanged(), refused("“Draft” is no longer active: payments are released from active milestones."):
        ops.release_payment(m, today=START)


def test_r4_release_from_an_unfunded_milestone_is_refused(contract, unchanged):
    m = ops.add_milestone(contract, "Draft", 10_000)
    with unchanged(), refused("“Draft” is not funded: payments are released from active milestones.") as info:
        ops.release_payment(m, 5_000, today=START)
    assert info.value.rule == "R4"


def test_r4_full_release_from_an_unfunded_milestone_is_refused(contract, unchanged):
    m = ops.add_milestone(contract, "Draft", 10_000)
    with unchanged(), refused("“Draft” is not funded: payments are released from active milestones."):
        ops.release_payment(m, today=START)


def test_r4_release_from_remaining_escrow_with_a_5_dollar_milestone(contract):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, 6_000, today=START)
    before = len(entries(contract))

    entry = ops.release_from_remaining_escrow(contract, "Final", 500, today=START + timedelta(days=1))

    new = entries(contract)[before:]
    assert [(e.kind, e.amount) for e in new] == [(LedgerEntry.FUND_FROM_ESCROW, 500), (LedgerEntry.RELEASE, 500)]
    assert (entry.kind, entry.amount, entry.date) == (LedgerEntry.RELEASE, 500, START + timedelta(days=1))
    final = Milestone.get_by_id(entry.milestone_id)
    assert (final.title, final.amount, final.state, final.position) == ("Final", 500, Milestone.PAID, 2)
    b = queries.balances(contract)
    assert (b.funded, b.fees, b.released, b.escrow) == (10_000, 599, 6_500, 3_500)
    assert queries.unassigned_escrow(contract) == 3_500


def test_r4_release_from_remaining_escrow_of_exactly_all_that_is_left(contract):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, 6_000, today=START)
    ops.release_from_remaining_escrow(contract, "Final", 4_000, today=START)
    b = queries.balances(contract)
    assert (b.funded, b.fees, b.released, b.escrow) == (10_000, 599, 10_000, 0)
    assert queries.unassigned_escrow(contract) == 0
    assert entries(contract, LedgerEntry.FUND)[-1].milestone_id == m.id  # no new deposit


def test_r4_release_from_remaining_escrow_deposits_the_shortfall_with_its_fee(contract):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, 7_000, today=START)  # $30.00 left
    before = len(entries(contract))

    entry = ops.release_from_remaining_escrow(contract, "Final", 5_000, today=START)

    new = entries(contract)[before:]
    assert [(e.kind, e.amount, e.memo) for e in new] == [
        (LedgerEntry.FUND_FROM_ESCROW, 3_000, "Funded from remaining escrow"),
        (LedgerEntry.FUND, 2_000, "Deposit into escrow"),
        (LedgerEntry.FEE, 100, "Marketplace fee"),
        (LedgerEntry.RELEASE, 5_000, "Final payment"),
    ]
    assert new[2].funding_id == new[1].id
    assert entry.amount == 5_000
    b = queries.balances(contract)
    assert (b.funded, b.fees, b.released, b.escrow) == (12_000, 599 + 100, 12_000, 0)
    assert queries.unassigned_escrow(contract) == 0


def test_r4_release_from_remaining_escrow_with_no_leftover_is_a_fresh_funding(contract):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, today=START)
    ops.release_from_remaining_escrow(contract, "Bonus", 1_000, today=START)
    b = queries.balances(contract)
    assert (b.funded, b.fees, b.released, b.escrow) == (11_000, 599 + 50, 11_000, 0)
    assert entries(contract, LedgerEntry.FUND_FROM_ESCROW) == []


def test_r4_release_from_remaining_escrow_does_not_take_an_active_milestones_escrow(contract):
    a = funded(contract, "A", 10_000)
    b = funded(contract, "B", 5_000)
    ops.release_payment(a, 9_000, today=START)  # $10.00 unassigned; B still holds $50.00
    ops.release_from_remaining_escrow(contract, "Final", 1_500, today=START)
    new = entries(contract)[-4:]
    assert [(e.kind, e.amount) for e in new] == [
        (LedgerEntry.FUND_FROM_ESCROW, 1_000),
        (LedgerEntry.FUND, 500),
        (LedgerEntry.FEE, 25),
        (LedgerEntry.RELEASE, 1_500),
    ]
    assert queries.milestone_escrow(fresh(b)) == 5_000
    assert queries.balances(contract).escrow == 5_000


def test_r4_release_from_remaining_escrow_of_4_99_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, 6_000, today=START)
    with unchanged(), refused("A milestone must be at least $5.00.") as info:
        ops.release_from_remaining_escrow(contract, "Final", 499, today=START)
    assert (info.value.rule, info.value.field) == ("R2", "amount")


def test_r4_release_from_remaining_escrow_releasing_more_than_the_milestone_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, 6_000, today=START)
    with unchanged(), refused("You can release at most $5.00 from “Final”.") as info:
        ops.release_from_remaining_escrow(contract, "Final", 500, release=501, today=START)
    assert (info.value.rule, info.value.field) == ("R5", "amount")


def test_r4_release_from_remaining_escrow_dated_before_the_contract_started_is_refused(contract, unchanged):
    with (
        unchanged(),
        refused("1 Feb 2026 is before the start of the contract on 1 Mar 2026. Choose 1 Mar 2026 or later."),
    ):
        ops.release_from_remaining_escrow(contract, "Final", 500, today=date(2026, 2, 1))


def test_r4_release_from_remaining_escrow_dated_before_the_escrow_was_left_over_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, 6_000, today=date(2026, 3, 10))  # the $40.00 is left over from 10 March
    with unchanged(), pytest.raises(RuleError, match="is before"):
        ops.release_from_remaining_escrow(contract, "Final", 500, today=date(2026, 3, 5))
