"""R1 Money: whole minor units in the contract's currency, no floats, never negative; totals per currency."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from models import ops, queries
from models.entities import LedgerEntry
from models.errors import RuleError
from models.money import fee_on, format_money, parse_amount
from tests.models.rules import entries, funded, refused

from ..conftest import START

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


@pytest.mark.parametrize("text", ["1,2,3", ",123", "1234,567.8", "12,34"])
def test_r1_digit_groups_must_be_threes(text):
    with pytest.raises(RuleError, match="grouped in threes"):
        parse_amount(text, "USD")
