"""R3 Funding and fees: funding moves the amount into escrow; the fees beside it are cost."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import ops, queries
from models.entities import LedgerEntry, Milestone
from tests.models.rules import end, entries, fresh, funded, refused

from ..conftest import START


def test_r3_first_funding_records_deposit_fee_and_initiation_fee(contract):
    m = ops.add_milestone(contract, "Draft", 10_000)
    entry = ops.fund_milestone(m, today=START)

    assert (entry.kind, entry.amount, entry.date, entry.milestone_id) == (LedgerEntry.FUND, 10_000, START, m.id)
    rows = [(e.kind, e.amount, e.memo, e.funding_id, e.milestone_id) for e in entries(contract)]
    assert rows == [
        (LedgerEntry.FUND, 10_000, "Deposit into escrow", None, m.id),
        (LedgerEntry.FEE, 500, "Marketplace fee", entry.id, m.id),
        (LedgerEntry.FEE, 99, "Contract initiation fee", entry.id, m.id),
    ]
    assert fresh(m).state == Milestone.ACTIVE


def test_r3_initiation_fee_only_on_the_first_funding_of_the_contract(contract):
    funded(contract, "Draft", 10_000)
    m2 = ops.add_milestone(contract, "Final", 20_000)
    second = ops.fund_milestone(m2, today=START + timedelta(days=3))

    fees = [(e.amount, e.memo) for e in entries(contract, LedgerEntry.FEE) if e.funding_id == second.id]
    assert fees == [(1_000, "Marketplace fee")]
    assert [e.memo for e in entries(contract, LedgerEntry.FEE)].count("Contract initiation fee") == 1


def test_r3_initiation_fee_is_per_contract(book, freelancer, contract):
    funded(contract, "Draft", 10_000)
    other = ops.create_contract("Icons", freelancer, currency="USD", started_on=START, today=START)
    funded(other, "Set", 10_000)
    assert queries.balances(other).fees == 500 + 99


def test_r3_balances_after_fundings_are_right_to_the_cent(contract):
    funded(contract, "Draft", 12_345)  # fee 617.25 -> 617
    funded(contract, "Final", 530)  # fee 26.5 -> 27
    b = queries.balances(contract)
    assert (b.funded, b.fees, b.escrow, b.released) == (12_875, 617 + 99 + 27, 12_875, 0)
    assert b.net_cost == 617 + 99 + 27
    assert b.currency == "USD"


def test_r3_fees_are_cost_not_escrow(contract):
    m = funded(contract, "Draft", 10_000)
    assert queries.balances(contract).escrow == 10_000
    assert queries.milestone_escrow(m) == 10_000
    assert queries.unassigned_escrow(contract) == 0


def test_r3_direct_contract_funding_has_no_fees(direct_contract):
    m = ops.add_milestone(direct_contract, "Chapter 1", 10_000)
    ops.fund_milestone(m, today=START)
    assert [(e.kind, e.amount, e.currency) for e in entries(direct_contract)] == [(LedgerEntry.FUND, 10_000, "EUR")]
    b = queries.balances(direct_contract)
    assert (b.funded, b.fees, b.escrow) == (10_000, 0, 10_000)


def test_r3_funding_an_already_funded_milestone_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    with unchanged(), refused("“Draft” is already funded.") as info:
        ops.fund_milestone(m, today=START)
    assert info.value.rule == "R3"


def test_r3_funding_a_paid_milestone_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, today=START)
    with unchanged(), refused("“Draft” is already funded."):
        ops.fund_milestone(m, today=START)


def test_r3_funding_on_an_ended_contract_is_refused(contract, unchanged):
    m = ops.add_milestone(contract, "Draft", 10_000)
    end(contract)
    with unchanged(), refused("“Logo redesign” has ended: you can no longer fund milestones."):
        ops.fund_milestone(m, today=START + timedelta(days=1))


def test_r3_funding_dated_before_the_contract_started_is_refused(contract, unchanged):
    m = ops.add_milestone(contract, "Draft", 10_000)
    with (
        unchanged(),
        refused("28 Feb 2026 is before the start of the contract on 1 Mar 2026. Choose 1 Mar 2026 or later."),
    ):
        ops.fund_milestone(m, today=START - timedelta(days=1))


def test_r3_funding_preview_of_the_first_funding(contract):
    assert ops.funding_preview(contract, 10_000, from_escrow=False) == {
        "from_escrow": 0,
        "deposit": 10_000,
        "fee": 500,
        "initiation_fee": 99,
    }


@pytest.mark.parametrize("amounts", [[10_000], [10_000, 20_000], [530, 12_345, 509]])
def test_r3_funding_preview_matches_what_fund_milestone_records(contract, amounts):
    for i, amount in enumerate(amounts):
        preview = ops.funding_preview(contract, amount, from_escrow=False)
        m = ops.add_milestone(contract, f"M{i}", amount)
        entry = ops.fund_milestone(m, today=START)
        fees = {e.memo: e.amount for e in entries(contract, LedgerEntry.FEE) if e.funding_id == entry.id}
        assert preview == {
            "from_escrow": 0,
            "deposit": entry.amount,
            "fee": fees.get("Marketplace fee", 0),
            "initiation_fee": fees.get("Contract initiation fee", 0),
        }


def test_r3_funding_preview_from_escrow_matches_release_from_remaining_escrow(contract):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, 7_000, today=START)  # $30.00 left, outside any milestone
    preview = ops.funding_preview(contract, 5_000, from_escrow=True)
    assert preview == {"from_escrow": 3_000, "deposit": 2_000, "fee": 100, "initiation_fee": 0}
    before = len(entries(contract))
    ops.release_from_remaining_escrow(contract, "Final", 5_000, today=START)
    new = [(e.kind, e.amount) for e in entries(contract)[before:]]
    assert new == [
        (LedgerEntry.FUND_FROM_ESCROW, 3_000),
        (LedgerEntry.FUND, 2_000),
        (LedgerEntry.FEE, 100),
        (LedgerEntry.RELEASE, 5_000),
    ]


def test_r3_funding_preview_on_direct_has_no_fees(direct_contract):
    assert ops.funding_preview(direct_contract, 10_000, from_escrow=False) == {
        "from_escrow": 0,
        "deposit": 10_000,
        "fee": 0,
        "initiation_fee": 0,
    }


def test_r3_funding_preview_writes_nothing(contract, unchanged):
    with unchanged():
        ops.funding_preview(contract, 10_000, from_escrow=False)
        ops.funding_preview(contract, 10_000, from_escrow=True)


def test_r3_initiation_fee_goes_with_the_first_funding_that_still_stands(contract):
    first = ops.add_milestone(contract, "Draft", 10_000)
    entry = ops.fund_milestone(first, today=START)
    ops.reverse_entry(entry, memo="Funded the wrong milestone", today=START)
    second = ops.add_milestone(contract, "Final", 20_000)
    ops.fund_milestone(second, today=START)
    live = [e for e in entries(contract, LedgerEntry.FEE) if queries.is_live(e)]
    assert sorted((e.memo, e.amount) for e in live) == [("Contract initiation fee", 99), ("Marketplace fee", 1_000)]
    assert ops.funding_preview(contract, 5_000, from_escrow=False)["initiation_fee"] == 0
    assert queries.balances(contract).fees == 1_099


def test_r3_the_preview_shows_the_initiation_fee_again_after_the_only_funding_was_reversed(contract):
    entry = ops.fund_milestone(ops.add_milestone(contract, "Draft", 10_000), today=START)
    assert ops.funding_preview(contract, 5_000, from_escrow=False)["initiation_fee"] == 0
    ops.reverse_entry(entry, today=START)
    assert ops.funding_preview(contract, 5_000, from_escrow=False)["initiation_fee"] == 99
