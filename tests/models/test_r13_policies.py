"""R13 Policies as data: each contract names its policy version; a later one never rewrites it."""

from __future__ import annotations

from datetime import date

import pytest

from models import ops, queries
from models.entities import Policy
from models.errors import RuleError
from models.policy import load_policy_files, sync_policies, terms

from ..conftest import START


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
        source='key = "upwork"\nname = "Marketplace 2027"\neffective_from = 2027-01-01\n',
    )
    new = ops.create_contract("New terms", freelancer, started_on=date(2027, 2, 1), today=date(2027, 2, 1))
    assert new.policy.milestone_minimum == "10.00"
    with pytest.raises(RuleError, match=r"at least \$10\.00"):
        ops.add_milestone(new, "Small", 900)
    m = ops.add_milestone(old, "Small", 900)  # the old contract keeps its $5.00 minimum and 5% fee
    ops.fund_milestone(m, today=date(2027, 2, 1))
    assert queries.balances(old).fees == 45 + 99
    sync_policies()  # reading the files again changes nothing already recorded
    assert Policy.select().where(Policy.key == "upwork").count() == 3  # the two shipped versions and 2027's


def test_r13_a_contract_keeps_the_version_in_force_on_its_start_date(book, freelancer):
    """Version 2 of the marketplace preset is in force from 1 Dec 2026, beside version 1, in one book."""
    before = ops.create_contract("Started 30 Nov", freelancer, started_on=date(2026, 11, 30), today=date(2026, 12, 5))
    after = ops.create_contract("Started 1 Dec", freelancer, started_on=date(2026, 12, 1), today=date(2026, 12, 5))
    assert before.policy.effective_from == date(2026, 1, 1)
    assert after.policy.effective_from == date(2026, 12, 1)
    v1, v2 = terms(before.policy), terms(after.policy)
    assert (v1.currencies, v1.minimum("EUR"), v1.feedback_form, v1.support_refund_days) == (
        None,
        "5.00",
        "categories",
        None,
    )
    assert (v2.currencies, v2.minimum("USD"), v2.feedback_form, v2.support_refund_days) == (
        ("USD",),
        "5.00",
        "rating",
        365,
    )
    assert v2.initiation_fee_range == ("0.99", "14.99") and v2.initiation_fee_returned
    assert (v2.dormant_after_days, v2.mediation_proposal_days, v2.mediation_acceptance_days) == (90, 2, 2)


def test_r13_each_number_of_the_second_version_names_its_help_page():
    from models.resources import resource

    text = resource("policies").joinpath("upwork-v2.toml").read_text(encoding="utf-8")
    for title in (
        "Fixed-price milestones",
        "Marketplace fee",
        "Contract initiation fee",
        "Fixed-price payment protection",
        "End a fixed-price contract",
        "Respond to an escrow dispute",
        "Streamlined dispute experience for fixed-price contracts",
        "Request a refund",
        "Feedback",
        "Inactive contracts",
    ):
        assert f'"{title}"' in text, title


def test_r13_unknown_policy_is_refused(book, freelancer, unchanged):
    with unchanged(), pytest.raises(RuleError, match="no policy called"):
        ops.create_contract("Mystery", freelancer, policy="fiverr", today=START)


def test_r13_check_names_a_policy_number_edited_away_from_its_text(book, freelancer):
    """The support tier's 365 days and dormancy's 90 are copied from the policy's text for the deadlines' SQL:
    a copy edited outside the app would move every deadline of its contracts, and `check` says so."""
    from models.check import check_book
    from models.entities import database

    assert check_book() == []
    database.execute_sql("UPDATE policy SET dormant_after_days = 30 WHERE effective_from = '2026-12-01'")
    assert check_book() == [
        "the policy “Marketplace (Upwork fixed-price)” in force from 2026-12-01 has 30 where its text says a "
        "contract becomes dormant after 90 days."
    ]
