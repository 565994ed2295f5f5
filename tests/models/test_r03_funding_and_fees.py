"""R3 Funding and fees: funding moves the amount into escrow; the fees beside it are cost."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest

from models import corrections, ops, queries
from models.book import open_book
from models.check import check_book
from models.csv_io import HEADERS, export_csv, import_folder
from models.entities import AuditLog, Contract, EscrowRefundRequest, LedgerEntry, Milestone
from models.errors import ImportRefused
from models.labels import ENTRY_KINDS, direction
from models.undo import History
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


# ------------------------------------------------------------ second version: a fee set per contract (R3 v2)

V2_START = date(2026, 12, 1)  # version 2 of the marketplace preset is in force from this day
V2_TODAY = date(2026, 12, 5)


def v2_contract(freelancer, fee=None, **kwargs):
    extra = {} if fee is None else {"initiation_fee": fee}
    return ops.create_contract("Landing page", freelancer, started_on=V2_START, today=V2_TODAY, **extra, **kwargs)


@pytest.mark.parametrize("fee", [98, 1_500])
def test_r3_v2_an_initiation_fee_outside_the_range_is_refused(book, freelancer, fee, unchanged):
    shown = {98: "$0.98 is less", 1_500: "$15.00 is more"}[fee]
    with (
        unchanged(),
        refused(f"The contract initiation fee must be between $0.99 and $14.99: {shown} than the marketplace charges."),
    ):
        v2_contract(freelancer, fee)


@pytest.mark.parametrize("fee", [99, 1_499])
def test_r3_v2_an_initiation_fee_at_either_end_of_the_range_is_kept(book, freelancer, fee):
    c = v2_contract(freelancer, fee)
    assert Contract.get_by_id(c.id).initiation_fee == fee
    assert ops.funding_preview(c, 10_000, from_escrow=False)["initiation_fee"] == fee


def test_r3_v2_an_initiation_fee_left_out_is_the_lowest_of_the_range(book, freelancer):
    assert Contract.get_by_id(v2_contract(freelancer).id).initiation_fee == 99


def test_r3_v1_and_direct_refuse_an_initiation_fee_set_per_contract(book, freelancer, unchanged):
    message = "This contract's policy has a fixed contract initiation fee (or none): it cannot be set per contract."
    with unchanged(), refused(message):
        ops.create_contract("Logo", freelancer, started_on=START, today=START, initiation_fee=499)
    with unchanged(), refused(message):
        ops.create_contract(
            "Logo", freelancer, policy="direct", started_on=V2_START, today=V2_TODAY, initiation_fee=499
        )
    v1 = ops.create_contract("Logo", freelancer, started_on=START, today=START)
    assert v1.initiation_fee is None
    assert ops.funding_preview(v1, 10_000, from_escrow=False)["initiation_fee"] == 99  # the fixed $0.99


def test_r3_v2_the_contracts_own_fee_goes_with_the_first_funding_that_stands(book, freelancer):
    c = v2_contract(freelancer, 499)
    m = ops.add_milestone(c, "Design", 10_000)
    first = ops.fund_milestone(m, on=date(2026, 12, 2), today=V2_TODAY)
    fees = [(e.amount, e.memo, e.funding_id) for e in entries(c, LedgerEntry.FEE)]
    assert fees == [(500, "Marketplace fee", first.id), (499, "Contract initiation fee", first.id)]
    ops.reverse_entry(first, memo="Typed twice", today=V2_TODAY)
    assert queries.balances(c).fees == 0
    assert ops.funding_preview(c, 10_000, from_escrow=False)["initiation_fee"] == 499  # shown again
    again = ops.fund_milestone(m, today=V2_TODAY)
    live = [(e.amount, e.memo) for e in entries(c, LedgerEntry.FEE) if e.funding_id == again.id]
    assert live == [(500, "Marketplace fee"), (499, "Contract initiation fee")]
    assert queries.balances(c).fees == 999
    assert check_book() == []


def label_of(entry: LedgerEntry) -> tuple[str, str]:
    """What the ledger tab, the PDF and the CSV notes call an entry, and where it moves the money."""
    return ENTRY_KINDS[entry.kind], direction(entry.kind)


def ended_v2(freelancer, fee=499, *, release=0):
    """A v2 contract funded with $100.00 on 2 Dec (releasing `release` of it on 3 Dec), ended on 4 Dec."""
    c = v2_contract(freelancer, fee)
    m = ops.add_milestone(c, "Design", 10_000)
    ops.fund_milestone(m, on=date(2026, 12, 2), today=V2_TODAY)
    if release:
        ops.release_payment(m, release, on=date(2026, 12, 3), today=V2_TODAY)
    ops.end_contract(c, agreed=True, request_escrow_refund=True, on=date(2026, 12, 4), today=V2_TODAY)
    return Contract.get_by_id(c.id)


def test_r3_v2_the_initiation_fee_is_returned_when_the_contract_ends_with_nothing_released(book, freelancer):
    c = v2_contract(freelancer, 499)
    m = ops.add_milestone(c, "Design", 10_000)
    ops.fund_milestone(m, on=date(2026, 12, 2), today=V2_TODAY)
    assert ops.ending_preview(c, on=date(2026, 12, 4))["fee_returned"] == 499
    ops.end_contract(c, agreed=True, request_escrow_refund=True, on=date(2026, 12, 4), today=V2_TODAY)

    fee = next(e for e in entries(c, LedgerEntry.FEE) if e.memo == "Contract initiation fee")
    [returned] = entries(c, LedgerEntry.FEE_REFUND)
    assert (returned.amount, returned.date, returned.payment_id, returned.memo) == (
        499,
        date(2026, 12, 4),
        fee.id,
        "Contract initiation fee returned",
    )
    b = queries.balances(c)
    assert (b.fees, b.net_cost) == (500, 500)  # the 5% fee stays; the initiation fee came back
    assert label_of(returned) == ("Fee returned", "Marketplace → you")
    assert check_book() == []


def test_r3_v2_the_initiation_fee_is_kept_when_something_was_released(book, freelancer):
    c = ended_v2(freelancer, release=2_000)
    assert entries(c, LedgerEntry.FEE_REFUND) == []
    assert queries.balances(c).fees == 999
    assert check_book() == []


def test_r3_v2_a_release_reversed_before_the_ending_counts_as_nothing_released(book, freelancer):
    c = v2_contract(freelancer, 499)
    m = ops.add_milestone(c, "Design", 10_000)
    ops.fund_milestone(m, on=date(2026, 12, 2), today=V2_TODAY)
    payment = ops.release_payment(m, on=date(2026, 12, 3), today=V2_TODAY)
    ops.reverse_entry(payment, memo="Released by mistake", on=date(2026, 12, 3), today=V2_TODAY)
    ops.end_contract(c, agreed=True, request_escrow_refund=True, on=date(2026, 12, 4), today=V2_TODAY)
    assert [e.amount for e in entries(c, LedgerEntry.FEE_REFUND)] == [499]


def test_r3_v2_an_automatic_release_by_the_ending_day_keeps_the_fee(book, freelancer):
    c = v2_contract(freelancer, 499)
    m = ops.add_milestone(c, "Design", 10_000)
    ops.fund_milestone(m, on=date(2026, 12, 1), today=V2_TODAY)
    ops.submit_work(m, on=date(2026, 12, 1), today=V2_TODAY)  # released automatically on 15 Dec
    assert ops.ending_preview(c, on=date(2026, 12, 14))["fee_returned"] == 499
    assert ops.ending_preview(c, on=date(2026, 12, 15))["fee_returned"] == 0
    ops.end_contract(c, agreed=True, on=date(2026, 12, 15), today=date(2026, 12, 15))
    assert entries(c, LedgerEntry.FEE_REFUND) == []


def test_r3_v1_the_initiation_fee_is_never_returned(contract):
    funded(contract, "Draft", 10_000)
    end(contract)
    assert entries(contract, LedgerEntry.FEE_REFUND) == []
    assert queries.balances(contract).fees == 599
    assert ops.ending_preview(contract, on=START)["fee_returned"] == 0


def test_r3_v2_nothing_is_returned_when_nothing_was_charged(book, freelancer):
    c = v2_contract(freelancer, 499)
    ops.end_contract(c, agreed=True, on=date(2026, 12, 4), today=V2_TODAY)
    assert entries(c, LedgerEntry.FEE_REFUND) == []


def test_r3_v2_withdrawing_the_ending_charges_the_returned_fee_again(book, freelancer):
    c = ended_v2(freelancer)
    [returned] = entries(c, LedgerEntry.FEE_REFUND)
    corrections.withdraw_ending(c, reason="Ended the wrong contract", today=V2_TODAY)
    [reversal] = [e for e in entries(c, LedgerEntry.REVERSAL) if e.reverses_id == returned.id]
    assert (reversal.amount, reversal.date) == (499, V2_TODAY)
    assert queries.balances(c).fees == 999
    assert (
        "the initiation fee of $4.99 returned with it charged again" in c.audit.order_by(AuditLog.id.desc())[0].detail
    )
    assert check_book() == []
    ops.end_contract(c, agreed=True, request_escrow_refund=True, today=V2_TODAY)  # ended again: returned again
    assert [e.date for e in entries(c, LedgerEntry.FEE_REFUND) if queries.is_live(e)] == [V2_TODAY]
    assert queries.balances(c).fees == 500
    assert check_book() == []


def test_r3_v2_undoing_the_ending_charges_the_returned_fee_again(book, freelancer):
    history = History(lambda: V2_TODAY)
    try:
        c = ended_v2(freelancer)
        assert history.undo_text() == "End the contract"
        history.undo()
        assert queries.fee_returned(c) is None
        assert Contract.get_by_id(c.id).status == Contract.ACTIVE
        history.redo()
        assert queries.fee_returned(c).amount == 499
        assert check_book() == []
    finally:
        history.close()


def test_r3_v2_the_returned_fee_is_corrected_only_by_withdrawing_the_ending(book, freelancer, unchanged):
    c = ended_v2(freelancer)
    returned = queries.fee_returned(c)
    message = (
        "The contract initiation fee was returned when the contract ended: withdraw the ending "
        "(recorded in error) instead."
    )
    for entry in (returned, LedgerEntry.get_by_id(returned.payment_id)):
        with unchanged(), refused(message):
            ops.reverse_entry(entry, today=V2_TODAY)


def test_r3_v2_the_fee_can_change_only_while_no_funding_stands(book, freelancer, unchanged):
    c = v2_contract(freelancer, 499)
    assert ops.edit_contract(c, initiation_fee=1_499).initiation_fee == 1_499
    with (
        unchanged(),
        refused(
            "The contract initiation fee must be between $0.99 and $14.99: $15.00 is more than the marketplace charges."
        ),
    ):
        ops.edit_contract(c, initiation_fee=1_500)
    m = ops.add_milestone(c, "Design", 10_000)
    ops.fund_milestone(m, on=date(2026, 12, 2), today=V2_TODAY)
    with (
        unchanged(),
        refused(
            "The contract initiation fee was charged with the funding of $100.00 for “Design” on 2 Dec 2026: "
            "it can no longer change."
        ),
    ):
        ops.edit_contract(c, initiation_fee=499)


def test_r3_v2_the_csv_carries_the_contracts_fee_and_its_return(book, freelancer, tmp_path):
    ended_v2(freelancer)
    v2_contract(freelancer, 1_499)  # not funded yet: its fee is only in contracts.csv
    export_csv(tmp_path)
    rows = list(csv.reader((tmp_path / "contracts.csv").open(encoding="utf-8-sig")))
    assert rows[0][-1] == "initiation_fee"
    assert [r[-1] for r in rows[1:]] == ["4.99", "14.99"]
    ledger = list(csv.reader((tmp_path / "ledger.csv").open(encoding="utf-8-sig")))
    returned = next(r for r in ledger if r[3] == "fee_refund")
    fee = next(r for r in ledger if r[10] == "Contract initiation fee")
    assert (returned[4], returned[7]) == ("4.99", fee[0])  # it names the fee it returns

    book.close()
    with open_book(tmp_path / "other.book"):
        import_folder(tmp_path, today=V2_TODAY)
        first, second = Contract.select().order_by(Contract.id)
        assert (first.initiation_fee, second.initiation_fee) == (499, 1_499)
        assert (first.status, queries.balances(first).fees, queries.fee_returned(first).amount) == ("ended", 500, 499)
        assert check_book() == []


def test_r3_a_book_without_second_version_contracts_exports_the_fixed_columns(contract, tmp_path):
    funded(contract, "Draft", 10_000)
    export_csv(tmp_path)
    rows = list(csv.reader((tmp_path / "contracts.csv").open(encoding="utf-8-sig")))
    assert tuple(rows[0]) == HEADERS["contracts.csv"]
    assert len(rows[1]) == len(HEADERS["contracts.csv"])


def test_r3_import_refuses_a_returned_fee_the_policy_never_returns(book, tmp_path):
    head = list(HEADERS["contracts.csv"])
    contract_row = ["1", "", "Logo", "Ana Ruiz", "", "", "upwork", "2026-01-01", "USD", "", "ended", "2026-03-01",
                    "2026-03-04", "", ""]  # fmt: skip
    ledger_rows = [
        ["1", "1", "2026-03-02", "fund", "100.00", "USD", "1", "", "", "", "Deposit into escrow"],
        ["2", "1", "2026-03-02", "fee", "0.99", "USD", "1", "", "1", "", "Contract initiation fee"],
        ["3", "1", "2026-03-04", "escrow_refund", "100.00", "USD", "", "", "", "", ""],
        ["4", "1", "2026-03-04", "fee_refund", "0.99", "USD", "", "2", "", "", ""],
    ]
    files = {
        "contracts.csv": [head, contract_row],
        "milestones.csv": [
            list(HEADERS["milestones.csv"]),
            ["1", "1", "Draft", "", "100.00", "USD", "", "closed", "", ""],
        ],
        "ledger.csv": [list(HEADERS["ledger.csv"]), *ledger_rows],
    }
    for name, rows in files.items():
        with open(tmp_path / name, "w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows(rows)
    with pytest.raises(ImportRefused) as refusal:
        import_folder(tmp_path, today=V2_TODAY)
    assert (
        "ledger.csv row 5: this entry is a returned initiation fee, but this contract's policy does not return it."
        in refusal.value.problems
    )
    assert Contract.select().count() == 0


def test_r3_v2_a_dispute_that_pays_the_freelancer_after_all_takes_the_returned_fee_back(book, freelancer):
    """The fee was returned at the ending because nothing was released; the freelancer then disputed the escrow
    refund and the outcome released money to them: the return is reversed in the same operation (nothing
    released is no longer true), and `check` holds the two to the same rule."""
    c = ended_v2(freelancer, 499)
    assert [e.amount for e in entries(c, LedgerEntry.FEE_REFUND)] == [499]
    request = EscrowRefundRequest.get(EscrowRefundRequest.contract == c)
    dispute = ops.record_escrow_refund_reply(request, "disputed", on=date(2026, 12, 5), today=date(2026, 12, 7))
    ops.resolve_dispute(dispute, to_freelancer=3_000, to_client=7_000, on=date(2026, 12, 7), today=date(2026, 12, 7))
    [returned] = entries(c, LedgerEntry.FEE_REFUND)
    [undone] = LedgerEntry.select().where(LedgerEntry.reverses == returned)
    assert (undone.date, undone.memo) == (
        date(2026, 12, 7),
        "Contract initiation fee not returned: the dispute released money to the freelancer",
    )
    assert queries.balances(Contract.get_by_id(c.id)).fees == 500 + 499
    assert check_book() == []


def test_r3_v2_a_dispute_refunded_whole_to_you_keeps_the_fee_returned(book, freelancer):
    c = ended_v2(freelancer, 499)
    request = EscrowRefundRequest.get(EscrowRefundRequest.contract == c)
    dispute = ops.record_escrow_refund_reply(request, "disputed", on=date(2026, 12, 5), today=date(2026, 12, 7))
    ops.resolve_dispute(dispute, to_freelancer=0, to_client=10_000, on=date(2026, 12, 7), today=date(2026, 12, 7))
    assert queries.balances(Contract.get_by_id(c.id)).fees == 500
    assert check_book() == []
