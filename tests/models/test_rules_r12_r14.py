"""R12 append-only ledger and `escrowbook check`, R13 policies as data, R14 all or nothing."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from models import ops, queries
from models.check import check_book, contract_problems
from models.entities import LedgerEntry, Milestone, Policy, database
from models.errors import RuleError
from models.policy import load_policy_files, sync_policies

from ..conftest import START


@pytest.fixture
def paid(contract):
    """A contract with one $500.00 milestone funded and released on 1 March."""
    m = ops.add_milestone(contract, "Draft", 50_000)
    ops.fund_milestone(m, today=START)
    payment = ops.release_payment(m, today=START)
    return contract, m, payment


# ------------------------------------------------------------------ R12


def test_r12_reversal_names_the_original_and_restores_the_balance(contract):
    m = ops.add_milestone(contract, "Draft", 50_000)
    fund = ops.fund_milestone(m, today=START)
    assert queries.balances(contract).fees == 2_500 + 99
    reversal = ops.reverse_entry(fund, memo="Funded the wrong milestone", today=START)
    assert reversal.kind == LedgerEntry.REVERSAL and reversal.reverses_id == fund.id
    b = queries.balances(contract)
    assert (b.funded, b.fees, b.escrow) == (0, 0, 0)  # the fees recorded with it are reversed too
    assert Milestone.get_by_id(m.id).state == Milestone.UNFUNDED
    # The original entry is still there, unchanged: entries are never edited or deleted.
    assert LedgerEntry.get_by_id(fund.id).amount == 50_000
    assert check_book() == []


def test_r12_an_entry_cannot_be_reversed_twice_nor_a_reversal_reversed(paid, unchanged):
    contract, m, payment = paid
    reversal = ops.reverse_entry(payment, today=START)
    with unchanged(), pytest.raises(RuleError, match="already been reversed"):
        ops.reverse_entry(payment, today=START)
    with unchanged(), pytest.raises(RuleError, match="A reversal cannot itself be reversed"):
        ops.reverse_entry(reversal, today=START)


def test_r12_reversing_a_release_reopens_the_milestone(paid):
    contract, m, payment = paid
    ops.reverse_entry(payment, today=START)
    assert Milestone.get_by_id(m.id).state == Milestone.ACTIVE
    assert queries.milestone_escrow(Milestone.get_by_id(m.id)) == 50_000
    assert queries.balances(contract).escrow == 50_000


def test_r12_funding_with_payments_cannot_be_reversed_first(paid, unchanged):
    contract, m, payment = paid
    fund = LedgerEntry.get((LedgerEntry.milestone == m) & (LedgerEntry.kind == LedgerEntry.FUND))
    with unchanged(), pytest.raises(RuleError, match="reverse them first"):
        ops.reverse_entry(fund, today=START)


def test_r12_a_payment_with_refunds_cannot_be_reversed(paid, unchanged):
    contract, m, payment = paid
    ops.record_refund(payment, 1_000, today=START)
    with unchanged(), pytest.raises(RuleError, match="has refunds"):
        ops.reverse_entry(payment, today=START)


def test_r12_check_passes_on_a_sound_book(paid):
    assert check_book() == []
    assert contract_problems(paid[0].id) == []


def test_r12_check_names_an_entry_edited_outside_the_app(paid):
    contract, m, payment = paid
    database.execute_sql("UPDATE ledger_entry SET amount = 60000 WHERE id = ?", (payment.id,))
    problems = check_book()
    assert any(f"milestone #{m.id}" in p and "released and refunded $600.00 of $500.00" in p for p in problems)
    assert any("escrow is −$100.00, below zero" in p for p in problems)
    assert any("stored totals differ" in p for p in problems)


def test_r12_check_names_an_entry_in_the_wrong_currency(paid):
    contract, m, payment = paid
    database.execute_sql("UPDATE ledger_entry SET currency = 'EUR' WHERE id = ?", (payment.id,))
    assert any(f"entry #{payment.id}" in p and "is in EUR, but the contract is in USD" in p for p in check_book())


def test_r12_check_names_refunds_that_exceed_their_payment(paid):
    contract, m, payment = paid
    refund = ops.record_refund(payment, 10_000, today=START)
    database.execute_sql("UPDATE ledger_entry SET amount = 70000 WHERE id = ?", (refund.id,))
    assert any(f"payment #{payment.id}" in p and "exceed the payment" in p for p in check_book())


def test_r12_check_names_a_deleted_entry_through_the_summaries(paid):
    contract, m, payment = paid
    database.execute_sql("DELETE FROM ledger_entry WHERE id = ?", (payment.id,))
    problems = check_book()
    assert any(f"contract #{contract.id}: its stored totals differ" in p for p in problems)


def test_r12_check_reports_a_damaged_file(tmp_path):
    """A corrupted page is reported by SQLite's integrity check, on the command's path."""
    from models.book import open_book

    path = tmp_path / "hurt.book"
    with open_book(path):
        f = ops.create_freelancer("Ana")
        for i in range(200):
            c = ops.create_contract(f"Contract {i} " + "x" * 150, f, today=START)
            ops.add_milestone(c, "Work", 10_000)
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'contract_title'").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    data[start + 8 : start + page_size] = b"\xff" * (page_size - 8)
    path.write_bytes(bytes(data))
    book = open_book(path, create=False)
    try:
        problems = check_book(str(path))
    finally:
        book.close()
    assert problems and problems[0].startswith("SQLite integrity check")


# ------------------------------------------------------------------ R13


def test_r13_policies_are_read_from_toml_files():
    files = {p.key: p for p in load_policy_files()}
    assert files["upwork"].fields["milestone_minimum"] == "5.00"
    assert files["upwork"].fields["fee_rate"] == "0.05"
    assert files["upwork"].fields["refund_window_days"] == 180
    assert files["direct"].fields["milestone_minimum"] is None
    assert files["direct"].fields["review_days"] is None


def test_r13_a_contract_names_its_policy_version(contract, direct_contract):
    assert contract.policy.key == "upwork" and contract.policy.effective_from == date(2026, 1, 1)
    assert direct_contract.policy.key == "direct"


def test_r13_a_later_policy_never_rewrites_earlier_contracts(book, freelancer):
    old = ops.create_contract("Old terms", freelancer, started_on=START, today=START)
    newer = Policy.get(Policy.key == "upwork")
    Policy.create(
        key="upwork",
        name="Marketplace 2027",
        effective_from=date(2027, 1, 1),
        milestone_minimum="10.00",
        fee_rate="0.08",
        initiation_fee="0",
        review_days=newer.review_days,
        escrow_refund_reply_days=7,
        dispute_answer_business_days=5,
        mediation_days=30,
        refund_window_days=180,
        feedback_window_days=14,
        source="test",
    )
    new = ops.create_contract("New terms", freelancer, started_on=date(2027, 2, 1), today=date(2027, 2, 1))
    assert new.policy.milestone_minimum == "10.00"
    with pytest.raises(RuleError, match=r"at least \$10\.00"):
        ops.add_milestone(new, "Small", 900)
    m = ops.add_milestone(old, "Small", 900)  # the old contract keeps its $5.00 minimum and 5% fee
    ops.fund_milestone(m, today=date(2027, 2, 1))
    assert queries.balances(old).fees == 45 + 99
    sync_policies()  # reading the files again changes nothing already recorded
    assert Policy.select().where(Policy.key == "upwork").count() == 2


def test_r13_unknown_policy_is_refused(book, freelancer, unchanged):
    with unchanged(), pytest.raises(RuleError, match="no policy called"):
        ops.create_contract("Mystery", freelancer, policy="fiverr", today=START)


# ------------------------------------------------------------------ R14


def test_r14_a_release_that_fails_halfway_leaves_nothing(contract, unchanged):
    """release_from_remaining_escrow adds, funds and releases: a refusal at the last step undoes all three."""
    m = ops.add_milestone(contract, "Draft", 50_000)
    ops.fund_milestone(m, today=START)
    ops.release_payment(m, 40_000, today=START)  # $100.00 left in escrow
    with unchanged(), pytest.raises(RuleError, match=r"at most \$50\.00"):
        ops.release_from_remaining_escrow(contract, "Final", 5_000, release=5_001, today=START)
    assert Milestone.select().where(Milestone.contract == contract).count() == 1


def test_r14_ending_with_escrow_never_ends_without_its_refund_request(contract, unchanged):
    m = ops.add_milestone(contract, "Draft", 50_000)
    ops.fund_milestone(m, today=START)
    with unchanged(), pytest.raises(RuleError, match=r"\$500\.00 is still in escrow"):
        ops.end_contract(contract, agreed=True, today=START)


def test_r14_an_error_inside_an_operation_rolls_everything_back(contract, unchanged, monkeypatch):
    """Not only rule refusals: any failure mid-operation leaves the book as it was."""
    m = ops.add_milestone(contract, "Draft", 50_000)

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(ops, "_settle", explode)
    with unchanged(), pytest.raises(OSError):
        ops.fund_milestone(m, today=START)


def test_r12_book_totals_per_currency_include_net_cost(contract, direct_contract):
    m = ops.add_milestone(contract, "Draft", 10_000)
    ops.fund_milestone(m, today=START)
    payment = ops.release_payment(m, today=START)
    ops.record_refund(payment, 2_000, today=START)
    e = ops.add_milestone(direct_contract, "Text", 7_000)
    ops.fund_milestone(e, today=START)
    totals = queries.book_totals()
    assert set(totals) == {"EUR", "USD"}  # R1: never added across currencies
    assert totals["USD"]["net_cost"] == 10_000 + 500 + 99 - 2_000
    assert totals["EUR"]["escrow"] == 7_000 and totals["EUR"]["net_cost"] == 0


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
