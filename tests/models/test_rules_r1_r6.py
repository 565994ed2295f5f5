"""RULES.md R1 to R6: money, milestone minimum, funding, active milestones, release, review period.

Every refused operation runs inside `unchanged()` (R14) and checks the message a
client would see, with the rule and field it names. Dates are passed explicitly.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from models import ops, queries
from models.entities import Clock, LedgerEntry, Milestone
from models.errors import RuleError
from models.money import fee_on, format_money, parse_amount

from ..conftest import START

MARCH_14 = date(2026, 3, 14)
MARCH_15 = date(2026, 3, 15)


def refused(message: str):
    """pytest.raises for a RuleError whose whole message is exactly `message`."""
    return pytest.raises(RuleError, match=f"^{re.escape(message)}$")


def entries(contract, kind=None):
    query = LedgerEntry.select().where(LedgerEntry.contract == contract)
    if kind is not None:
        query = query.where(LedgerEntry.kind == kind)
    return list(query.order_by(LedgerEntry.id))


def fresh(milestone):
    return Milestone.get_by_id(milestone.id)


def funded(contract, title, amount, *, today=START):
    m = ops.add_milestone(contract, title, amount)
    ops.fund_milestone(m, today=today)
    return fresh(m)


def end(contract, today=START):
    return ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=today)


# ------------------------------------------------------------------- R1 Money: parsing


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1,234.50", "USD", 123_450),
        ("5", "USD", 500),
        ("5.00", "USD", 500),
        ("0.01", "USD", 1),
        ("  12.5  ", "EUR", 1_250),
        ("1 234.50", "USD", 123_450),
        ("500", "JPY", 500),
        ("12.500", "KWD", 12_500),
        ("999,999,999,999.99", "USD", 99_999_999_999_999),
    ],
)
def test_r1_parse_amount_accepts_plain_and_grouped_amounts(text, currency, minor):
    assert parse_amount(text, currency) == minor


def test_r1_parse_amount_returns_an_int_never_a_float():
    value = parse_amount("1,234.50", "USD")
    assert type(value) is int


@pytest.mark.parametrize(
    ("text", "minor"),
    [("1.234,50", 123_450), ("5", 500), ("0,01", 1), ("1.000.000", 100_000_000)],
)
def test_r1_parse_amount_accepts_locale_separators(text, minor):
    assert parse_amount(text, "EUR", decimal_sep=",", group_sep=".") == minor


def test_r1_parse_amount_with_comma_decimals_refuses_a_dot_decimal():
    with pytest.raises(RuleError, match=re.escape("Use “,” as the decimal separator.")) as info:
        parse_amount("12.50", "EUR", decimal_sep=",", group_sep=" ")
    assert (info.value.rule, info.value.field) == ("R1", "amount")


@pytest.mark.parametrize("text", ["", "   ", None])
def test_r1_parse_amount_refuses_an_empty_field(text):
    with refused("Enter an amount.") as info:
        parse_amount(text, "USD")
    assert (info.value.rule, info.value.field) == ("R1", "amount")


@pytest.mark.parametrize("text", ["abc", "12abc", "$5", "5 USD", "1e3", "1E3", "5..0", "1.2.3", "+5", "５", "٥"])
def test_r1_parse_amount_refuses_letters_symbols_and_exponents(text):
    with pytest.raises(RuleError, match="is not an amount") as info:
        parse_amount(text, "USD")
    assert (info.value.rule, info.value.field) == ("R1", "amount")


@pytest.mark.parametrize("text", ["-5", "-0.01", " -1,234.50"])
def test_r1_parse_amount_refuses_a_negative_amount(text):
    with refused("Amounts are never negative: the kind of entry gives the direction.") as info:
        parse_amount(text, "USD")
    assert (info.value.rule, info.value.field) == ("R1", "amount")


@pytest.mark.parametrize("text", ["0", "0.00", "0,000.00"])
def test_r1_parse_amount_refuses_zero(text):
    with refused("An amount must be more than zero.") as info:
        parse_amount(text, "USD")
    assert (info.value.rule, info.value.field) == ("R1", "amount")


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("5.001", "USD", "Amounts in USD take at most 2 decimals."),
        ("0.005", "EUR", "Amounts in EUR take at most 2 decimals."),
        ("500.5", "JPY", "Amounts in JPY take no decimals."),
        ("0.5", "JPY", "Amounts in JPY take no decimals."),
        ("1.0001", "KWD", "Amounts in KWD take at most 3 decimals."),
    ],
)
def test_r1_parse_amount_refuses_too_many_decimals(text, currency, message):
    with refused(message) as info:
        parse_amount(text, currency)
    assert (info.value.rule, info.value.field) == ("R1", "amount")


@pytest.mark.parametrize("text", ["1000000000000.01", "1,000,000,000,001", "99999999999999999999"])
def test_r1_parse_amount_refuses_amounts_over_10_to_the_12(text):
    with refused("That amount is too large for a contract.") as info:
        parse_amount(text, "USD")
    assert (info.value.rule, info.value.field) == ("R1", "amount")


def test_r1_parse_amount_refuses_an_unknown_currency():
    with refused("“XYZ” is not a currency Escrowbook knows.") as info:
        parse_amount("5", "XYZ")
    assert (info.value.rule, info.value.field) == ("R1", "currency")


# ---------------------------------------------------------------- R1 Money: formatting


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (500, "USD", "$5.00"),
        (1, "USD", "$0.01"),
        (123_450, "EUR", "€1,234.50"),
        (500, "JPY", "¥500"),
        (1_234_567, "JPY", "¥1,234,567"),
        (12_500, "KWD", "12.500 KWD"),
        (99, "CHF", "0.99 CHF"),
        (100_000_000, "GBP", "£1,000,000.00"),
    ],
)
def test_r1_format_money(minor, currency, text):
    assert format_money(minor, currency) == text


@pytest.mark.parametrize(
    ("text", "currency"), [("1,234.50", "USD"), ("5", "EUR"), ("500", "JPY"), ("12.500", "KWD"), ("0.01", "GBP")]
)
def test_r1_format_money_reads_back_to_the_same_amount(text, currency):
    minor = parse_amount(text, currency)
    shown = format_money(minor, currency)
    digits = shown.replace(currency, "").strip().lstrip("$€¥£")
    assert parse_amount(digits, currency) == minor


# ------------------------------------------------------- R1 Money: operations refuse non-ints


@pytest.mark.parametrize("amount", [5.0, 500.0, Decimal("500"), "500", True])
def test_r1_add_milestone_refuses_an_amount_that_is_not_whole_cents(contract, unchanged, amount):
    with unchanged(), refused("Amounts are whole numbers of cents, never fractions.") as info:
        ops.add_milestone(contract, "Draft", amount)
    assert (info.value.rule, info.value.field) == ("R1", "amount")


@pytest.mark.parametrize("amount", [-500, 0])
def test_r1_add_milestone_refuses_a_negative_or_zero_amount(direct_contract, unchanged, amount):
    with unchanged(), refused("An amount must be more than zero.") as info:
        ops.add_milestone(direct_contract, "Draft", amount)
    assert (info.value.rule, info.value.field) == ("R1", "amount")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (50.0, "Amounts are whole numbers of cents, never fractions."),
        (25.5, "Amounts are whole numbers of cents, never fractions."),
        (-100, "An amount must be more than zero."),
        (0, "An amount must be more than zero."),
    ],
)
def test_r1_release_payment_refuses_floats_negative_and_zero(contract, unchanged, amount, message):
    m = funded(contract, "Draft", 10_000)
    with unchanged(), refused(message) as info:
        ops.release_payment(m, amount, today=START)
    assert (info.value.rule, info.value.field) == ("R1", "amount")


def test_r1_edit_milestone_refuses_a_float(contract, unchanged):
    m = ops.add_milestone(contract, "Draft", 10_000)
    with unchanged(), refused("Amounts are whole numbers of cents, never fractions.") as info:
        ops.edit_milestone(m, "Draft", 100.0)
    assert (info.value.rule, info.value.field) == ("R1", "amount")


def test_r1_release_from_remaining_escrow_refuses_a_float(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, 6_000, today=START)
    with unchanged(), refused("Amounts are whole numbers of cents, never fractions.") as info:
        ops.release_from_remaining_escrow(contract, "Final", 500.0, today=START)
    assert (info.value.rule, info.value.field) == ("R1", "amount")


def test_r1_create_contract_refuses_a_float_budget(book, freelancer, unchanged):
    with unchanged(), refused("Amounts are whole numbers of cents, never fractions.") as info:
        ops.create_contract("Site", freelancer, budget=1000.0, started_on=START, today=START)
    assert (info.value.rule, info.value.field) == ("R1", "budget")


def test_r1_ledger_amounts_are_positive_ints_in_the_contract_currency(contract, direct_contract):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, 4_000, today=START)
    d = funded(direct_contract, "Chapter 1", 2_500)
    ops.release_payment(d, today=START)
    for c, currency in ((contract, "USD"), (direct_contract, "EUR")):
        rows = entries(c)
        assert rows
        for e in rows:
            assert type(e.amount) is int and e.amount > 0
            assert e.currency == currency


# ------------------------------------------------------------- R1 Money: fee rounding


@pytest.mark.parametrize(
    ("amount", "rate", "fee"),
    [
        (10_000, "0.05", 500),
        (10, "0.05", 1),  # 0.5 -> 1 (half up)
        (30, "0.05", 2),  # 1.5 -> 2
        (50, "0.05", 3),  # 2.5 -> 3 (half-even would give 2)
        (530, "0.05", 27),  # 26.5 -> 27
        (509, "0.05", 25),  # 25.45 -> 25
        (9, "0.05", 0),  # 0.45 -> 0
        (1, "0.05", 0),
        (500, "0", 0),
        (333, "0.1", 33),  # 33.3 -> 33
        (335, "0.1", 34),  # 33.5 -> 34
        (99_999_999_999_999, "0.05", 5_000_000_000_000),  # exact even for huge amounts
        (1_000, "0.035", 35),
        (1_010, "0.035", 35),  # 35.35 -> 35
        (1_030, "0.035", 36),  # 36.05 -> 36
        (1_100, "0.035", 39),  # 38.5 -> 39
    ],
)
def test_r1_fee_on_rounds_half_up_to_the_minor_unit(amount, rate, fee):
    result = fee_on(amount, rate)
    assert result == fee
    assert type(result) is int


def test_r1_fee_on_a_funding_is_rounded_half_up_in_the_ledger(contract):
    m = ops.add_milestone(contract, "Draft", 530)  # 5% of $5.30 is 26.5 cents
    entry = ops.fund_milestone(m, today=START)
    fees = [e.amount for e in entries(contract, LedgerEntry.FEE) if e.memo == "Marketplace fee"]
    assert fees == [27]
    assert entry.amount == 530


# --------------------------------------------------------- R1 Money: totals per currency


def test_r1_book_totals_are_kept_per_currency_never_added_across(book, freelancer, contract, direct_contract):
    other_usd = ops.create_contract("Icons", freelancer, currency="USD", started_on=START, today=START)
    yen = ops.create_contract("Manga", freelancer, currency="JPY", started_on=START, today=START)
    funded(contract, "Draft", 10_000)
    funded(other_usd, "Set", 20_000)
    funded(direct_contract, "Chapter", 7_500)
    funded(yen, "Page", 5_000)

    totals = queries.book_totals()

    assert set(totals) == {"USD", "EUR", "JPY"}
    assert totals["USD"]["funded"] == 30_000
    assert totals["USD"]["fees"] == 500 + 99 + 1_000 + 99
    assert totals["USD"]["escrow"] == 30_000
    assert totals["USD"]["contracts"] == 2
    assert totals["EUR"] == {
        "funded": 7_500,
        "released": 0,
        "escrow_refunded": 0,
        "refunded": 0,
        "fees": 0,
        "escrow": 7_500,
        "contracts": 1,
        "net_cost": 0,
    }
    assert totals["JPY"]["funded"] == 5_000
    assert totals["JPY"]["fees"] == 250 + 1  # 5% of ¥5,000 and the ¥0.99 initiation fee rounded to ¥1
    assert totals["JPY"]["contracts"] == 1


def test_r1_balances_carry_their_contract_currency(contract, direct_contract):
    assert queries.balances(contract).currency == "USD"
    assert queries.balances(direct_contract).currency == "EUR"


# ----------------------------------------------------------------- R2 Milestone minimum


def test_r2_milestone_of_exactly_5_dollars_is_accepted(contract):
    m = ops.add_milestone(contract, "Draft", 500)
    assert (m.amount, m.state, m.position) == (500, Milestone.UNFUNDED, 1)
    assert fresh(m).amount == 500


def test_r2_milestone_of_4_99_is_refused_with_the_minimum_named(contract, unchanged):
    with unchanged(), refused("A milestone must be at least $5.00.") as info:
        ops.add_milestone(contract, "Draft", 499)
    assert (info.value.rule, info.value.field) == ("R2", "amount")
    assert info.value.message == "A milestone must be at least $5.00."


def test_r2_minimum_is_in_the_contract_currency(book, freelancer, unchanged):
    kwd = ops.create_contract("Audit", freelancer, currency="KWD", started_on=START, today=START)
    ops.add_milestone(kwd, "Report", 5_000)
    with unchanged(), refused("A milestone must be at least 5.000 KWD.") as info:
        ops.add_milestone(kwd, "Summary", 4_999)
    assert (info.value.rule, info.value.field) == ("R2", "amount")


def test_r2_direct_contract_accepts_a_milestone_of_one_cent(direct_contract):
    m = ops.add_milestone(direct_contract, "Tiny", 1)
    assert m.amount == 1
    ops.fund_milestone(m, today=START)
    assert queries.balances(direct_contract).funded == 1


def test_r2_new_milestones_go_to_the_end_of_the_list(contract):
    ms = [ops.add_milestone(contract, t, 1_000) for t in ("A", "B", "C")]
    assert [m.position for m in ms] == [1, 2, 3]


def test_r2_edit_an_unfunded_milestone(contract):
    m = ops.add_milestone(contract, "Draft", 1_000)
    ops.edit_milestone(m, "Final draft", 2_500, due_on=date(2026, 4, 1), description="All pages")
    m = fresh(m)
    assert (m.title, m.amount, m.due_on, m.description) == ("Final draft", 2_500, date(2026, 4, 1), "All pages")


def test_r2_edit_an_unfunded_milestone_to_exactly_the_minimum(contract):
    m = ops.add_milestone(contract, "Draft", 1_000)
    ops.edit_milestone(m, "Draft", 500)
    assert fresh(m).amount == 500


def test_r2_edit_an_unfunded_milestone_below_the_minimum_is_refused(contract, unchanged):
    m = ops.add_milestone(contract, "Draft", 1_000)
    with unchanged(), refused("A milestone must be at least $5.00.") as info:
        ops.edit_milestone(m, "Draft", 499)
    assert (info.value.rule, info.value.field) == ("R2", "amount")


def _positions(contract):
    rows = Milestone.select().where(Milestone.contract == contract).order_by(Milestone.position)
    return [(m.title, m.position) for m in rows]


def test_r2_move_an_unfunded_milestone_up_and_down(contract):
    a, _, c = (ops.add_milestone(contract, t, 1_000) for t in ("A", "B", "C"))
    ops.move_milestone(c, -1)
    assert _positions(contract) == [("A", 1), ("C", 2), ("B", 3)]
    ops.move_milestone(a, +1)
    assert _positions(contract) == [("C", 1), ("A", 2), ("B", 3)]


def test_r2_move_the_first_milestone_up_is_refused(contract, unchanged):
    a = ops.add_milestone(contract, "A", 1_000)
    ops.add_milestone(contract, "B", 1_000)
    with unchanged(), refused("“A” is already first."):
        ops.move_milestone(a, -1)


def test_r2_move_the_last_milestone_down_is_refused(contract, unchanged):
    ops.add_milestone(contract, "A", 1_000)
    b = ops.add_milestone(contract, "B", 1_000)
    with unchanged(), refused("“B” is already last."):
        ops.move_milestone(b, +1)


def test_r2_delete_an_unfunded_milestone(contract):
    m = ops.add_milestone(contract, "Draft", 1_000)
    ops.delete_milestone(m)
    assert Milestone.get_or_none(Milestone.id == m.id) is None


def test_r2_delete_an_unfunded_milestone_renumbers_the_others(contract):
    a = ops.add_milestone(contract, "A", 1_000)
    ops.add_milestone(contract, "B", 1_000)
    ops.add_milestone(contract, "C", 1_000)
    ops.delete_milestone(a)
    assert _positions(contract) == [("B", 1), ("C", 2)]


def test_r2_after_a_delete_new_milestones_still_go_last_and_moves_keep_the_order(contract):
    _, b, c = (ops.add_milestone(contract, t, 1_000) for t in ("A", "B", "C"))
    ops.delete_milestone(b)
    ops.add_milestone(contract, "D", 1_000)
    assert [t for t, _ in _positions(contract)] == ["A", "C", "D"]
    ops.move_milestone(c, -1)
    assert _positions(contract) == [("C", 1), ("A", 2), ("D", 3)]


def test_r2_edit_a_funded_milestone_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 1_000)
    with unchanged(), refused("“Draft” is funded: it can no longer be edited.") as info:
        ops.edit_milestone(m, "Draft", 2_000)
    assert info.value.rule == "R2"


def test_r2_move_a_funded_milestone_is_refused(contract, unchanged):
    ops.add_milestone(contract, "A", 1_000)
    m = funded(contract, "Draft", 1_000)
    with unchanged(), refused("“Draft” is funded: it can no longer be reordered.") as info:
        ops.move_milestone(m, -1)
    assert info.value.rule == "R2"


def test_r2_delete_a_funded_milestone_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 1_000)
    with unchanged(), refused("“Draft” is funded: it can no longer be deleted.") as info:
        ops.delete_milestone(m)
    assert info.value.rule == "R2"


def test_r2_delete_a_paid_milestone_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 1_000)
    ops.release_payment(m, today=START)
    with unchanged(), refused("“Draft” is funded: it can no longer be deleted."):
        ops.delete_milestone(m)


def test_r2_add_milestone_on_an_ended_contract_is_refused(contract, unchanged):
    end(contract)
    with unchanged(), refused("“Logo redesign” has ended: you can no longer add milestones."):
        ops.add_milestone(contract, "Late", 1_000)


# ------------------------------------------------------------------------ R3 Funding


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
    with unchanged(), refused("The date 28 Feb 2026 is before the contract started (01 Mar 2026)."):
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


# ------------------------------------------------------------- R4/R5 Active milestone, release


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
    with unchanged(), refused("The date 05 Mar 2026 is before the milestone was funded (06 Mar 2026)."):
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


# ------------------------------------------------------------------------ R6 Review period


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
    with unchanged(), pytest.raises(RuleError, match=re.escape("is before the milestone was funded (20 Mar 2026)")):
        ops.submit_work(m, today=START)


def test_r4_release_from_remaining_escrow_dated_before_the_contract_started_is_refused(contract, unchanged):
    with unchanged(), refused("The date 01 Feb 2026 is before the contract started (01 Mar 2026)."):
        ops.release_from_remaining_escrow(contract, "Final", 500, today=date(2026, 2, 1))


def test_r4_release_from_remaining_escrow_dated_before_the_escrow_was_left_over_is_refused(contract, unchanged):
    m = funded(contract, "Draft", 10_000)
    ops.release_payment(m, 6_000, today=date(2026, 3, 10))  # the $40.00 is left over from 10 March
    with unchanged(), pytest.raises(RuleError, match="is before"):
        ops.release_from_remaining_escrow(contract, "Final", 500, today=date(2026, 3, 5))


@pytest.mark.parametrize("text", ["1,2,3", ",123", "1234,567.8", "12,34"])
def test_r1_digit_groups_must_be_threes(text):
    with pytest.raises(RuleError, match="grouped in threes"):
        parse_amount(text, "USD")
