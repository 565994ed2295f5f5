"""R12 Append-only ledger: reversals name the original entry; `escrowbook check` names what is wrong."""

from __future__ import annotations

import re
import sqlite3

import pytest

from models import ops, queries
from models.check import check_book, contract_problems
from models.entities import LedgerEntry, Milestone, database
from models.errors import RuleError

from ..conftest import START


@pytest.fixture
def paid(contract):
    """A contract with one $500.00 milestone funded and released on 1 March."""
    m = ops.add_milestone(contract, "Draft", 50_000)
    ops.fund_milestone(m, today=START)
    payment = ops.release_payment(m, today=START)
    return contract, m, payment


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
    assert not [p for p in problems if re.search(r"\bR\d{1,2}\b", p)]  # in a client's words: no rule numbers


def test_r12_check_names_an_entry_in_the_wrong_currency(paid):
    contract, m, payment = paid
    database.execute_sql("UPDATE ledger_entry SET currency = 'EUR' WHERE id = ?", (payment.id,))
    problems = check_book()
    assert any(f"entry #{payment.id}" in p and "is in EUR, but the contract is in USD" in p for p in problems)
    assert not [p for p in problems if re.search(r"\bR\d{1,2}\b", p)]


def test_r12_check_names_refunds_that_exceed_their_payment(paid):
    contract, m, payment = paid
    refund = ops.record_refund(payment, 10_000, today=START)
    database.execute_sql("UPDATE ledger_entry SET amount = 70000 WHERE id = ?", (refund.id,))
    problems = check_book()
    assert any(f"payment #{payment.id}" in p and "exceed the payment" in p for p in problems)
    assert not [p for p in problems if re.search(r"\bR\d{1,2}\b", p)]


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
