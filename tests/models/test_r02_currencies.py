"""R2 Currencies per policy version: the marketplace's version 2 (from 1 Dec 2026) takes US dollars only, with a
minimum of $5.00; version 1 takes any currency, with a minimum of 5.00 in the contract's currency; "Direct"
takes any currency, with no minimum. A contract keeps the version in force on its start date (R13)."""

from __future__ import annotations

from datetime import date

import pytest

from models import fields, ops, queries
from models.check import check_book
from models.entities import Contract, Policy, database
from models.money import CURRENCY_EXPONENT
from models.policy import policy_for, terms
from tests.models.rules import refused

LAST_V1_DAY = date(2026, 11, 30)
V2_DAY = date(2026, 12, 1)
TODAY = date(2026, 12, 5)

V2_ONLY_USD = (
    "Contracts under “Marketplace (Upwork fixed-price)” that start from 1 Dec 2026 are in US dollars only: "
    "choose USD, or the policy “Direct (no marketplace)” for a contract in {}."
)


def marketplace(freelancer, currency: str, started_on: date) -> Contract:
    return ops.create_contract("Site", freelancer, currency=currency, started_on=started_on, today=TODAY)


# ------------------------------------------------------------------ version 2: US dollars only


@pytest.mark.parametrize("currency, words", [("EUR", "euros"), ("JPY", "Japanese yen")])
def test_r2_version_2_refuses_any_currency_but_us_dollars_in_words(book, freelancer, unchanged, currency, words):
    with unchanged(), refused(V2_ONLY_USD.format(words)) as info:
        marketplace(freelancer, currency, V2_DAY)
    assert (info.value.rule, info.value.field) == ("R2", "currency")
    assert info.value.message == V2_ONLY_USD.format(words)


def test_r2_version_2_takes_us_dollars_with_a_minimum_of_5_dollars(book, freelancer, unchanged):
    c = marketplace(freelancer, "USD", V2_DAY)
    assert (c.policy.key, c.policy.effective_from, c.currency) == ("upwork", V2_DAY, "USD")
    assert queries.milestone_minimum(c) == 500
    assert ops.add_milestone(c, "Draft", 500).amount == 500
    with unchanged(), refused("A milestone must be at least $5.00.") as info:
        ops.add_milestone(c, "Sketch", 499)
    assert (info.value.rule, info.value.field) == ("R2", "amount")


def test_r2_version_2_terms_list_us_dollars_and_their_minimum(book):
    v2 = policy_for("upwork", V2_DAY)
    assert (terms(v2).allows("USD"), terms(v2).allows("EUR"), terms(v2).minimum("USD")) == (True, False, "5.00")
    assert fields.allowed_currencies(v2) == ["USD"]
    assert fields.currency_note(v2, V2_DAY) == (
        "Contracts under “Marketplace (Upwork fixed-price)” that start from 1 Dec 2026 are in US dollars only. "
        "For another currency, choose the policy “Direct (no marketplace)”."
    )


# ------------------------------------------------------------------ version 1: any currency, 5.00 in it


def test_r2_version_1_still_takes_euros_with_a_minimum_of_5_euros(book, freelancer, unchanged):
    c = marketplace(freelancer, "EUR", LAST_V1_DAY)
    assert (c.policy.effective_from, c.currency) == (date(2026, 1, 1), "EUR")
    assert ops.add_milestone(c, "Draft", 500).amount == 500
    with unchanged(), refused("A milestone must be at least €5.00."):
        ops.add_milestone(c, "Sketch", 499)


def test_r2_version_1_takes_yen_with_a_minimum_of_5_yen(book, freelancer, unchanged):
    c = marketplace(freelancer, "JPY", LAST_V1_DAY)
    assert queries.milestone_minimum(c) == 5
    assert ops.add_milestone(c, "Draft", 5).amount == 5
    with unchanged(), refused("A milestone must be at least ¥5."):
        ops.add_milestone(c, "Sketch", 4)


def test_r2_version_1_allows_every_currency_and_says_nothing_about_them(book):
    v1 = policy_for("upwork", LAST_V1_DAY)
    assert fields.allowed_currencies(v1) == list(CURRENCY_EXPONENT)
    assert fields.currency_note(v1) is None


# ------------------------------------------------------------------ Direct: any currency, no minimum


@pytest.mark.parametrize("currency", list(CURRENCY_EXPONENT))
def test_r2_direct_takes_any_currency_with_no_minimum(book, freelancer, currency):
    c = ops.create_contract(
        "Kept aside", freelancer, policy="direct", currency=currency, started_on=V2_DAY, today=TODAY
    )
    assert (c.currency, queries.milestone_minimum(c)) == (currency, None)
    assert ops.add_milestone(c, "Tiny", 1).amount == 1


def test_r2_a_currency_escrowbook_does_not_know_is_refused_under_any_policy(book, freelancer, unchanged):
    with unchanged(), refused("“XYZ” is not a currency Escrowbook knows."):
        ops.create_contract("Odd", freelancer, policy="direct", currency="XYZ", started_on=V2_DAY, today=TODAY)


# ------------------------------------------------------------------ both versions in one book


def test_r2_30_november_is_version_1_and_1_december_version_2_in_one_book(book, freelancer, unchanged):
    before = marketplace(freelancer, "EUR", LAST_V1_DAY)
    with unchanged(), refused(V2_ONLY_USD.format("euros")):
        marketplace(freelancer, "EUR", V2_DAY)
    after = marketplace(freelancer, "USD", V2_DAY)
    assert (before.policy.effective_from, after.policy.effective_from) == (date(2026, 1, 1), V2_DAY)
    for c in (before, after):
        ops.fund_milestone(ops.add_milestone(c, "Draft", 500), today=TODAY)
    assert check_book() == []


def test_r2_an_old_book_with_euro_contracts_under_version_1_passes_check(book, freelancer):
    for started, currency in ((date(2026, 3, 1), "EUR"), (date(2026, 6, 1), "JPY"), (LAST_V1_DAY, "GBP")):
        c = marketplace(freelancer, currency, started)
        m = ops.add_milestone(c, "Draft", queries.milestone_minimum(c) * 10)
        ops.fund_milestone(m, today=TODAY)
        ops.release_payment(m, m.amount, today=TODAY)
    assert check_book() == []


def test_r2_check_reports_a_version_2_contract_in_euros_in_words(book, freelancer):
    c = marketplace(freelancer, "USD", V2_DAY)
    database.execute_sql("UPDATE contract SET currency = 'EUR' WHERE id = ?", (c.id,))  # no operation writes this
    assert (
        f"contract #{c.id} is in EUR, but its policy “Marketplace (Upwork fixed-price)” (the version in force from "
        "2026-12-01) allows US dollars only."
    ) in check_book()
    assert Policy.select().where(Policy.key == "upwork").count() == 2


# ------------------------------------------------------------------ the demo book under both versions


def test_r2_demo_contracts_take_the_version_of_their_start_date_and_version_2_is_in_us_dollars(tmp_path):
    from models import demo
    from models.book import open_book

    path = tmp_path / "demo.book"
    demo.generate(path, 600, seed=3, today=date(2027, 6, 1))  # start dates from early 2025 to June 2027
    with open_book(path, create=False) as book:
        rows = book.db.execute_sql(
            "SELECT p.effective_from, c.started_on, c.currency FROM contract c JOIN policy p ON p.id = c.policy_id "
            "WHERE p.key = 'upwork'"
        ).fetchall()
        assert check_book(str(path)) == []
    v1 = [(started, currency) for since, started, currency in rows if since == "2026-01-01"]
    v2 = [(started, currency) for since, started, currency in rows if since == "2026-12-01"]
    assert v1 and v2
    assert all(started < "2026-12-01" for started, _ in v1) and {c for _, c in v1} > {"USD", "EUR"}
    assert all(started >= "2026-12-01" and currency == "USD" for started, currency in v2)
