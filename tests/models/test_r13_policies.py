"""R13 Policies as data: each contract names its policy version; a later one never rewrites it."""

from __future__ import annotations

from datetime import date

import pytest

from models import ops, queries
from models.entities import Policy
from models.errors import RuleError
from models.policy import load_policy_files, sync_policies

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
    assert Policy.select().where(Policy.key == "upwork").count() == 3  # versions 1 and 2, and this one


def test_r13_unknown_policy_is_refused(book, freelancer, unchanged):
    with unchanged(), pytest.raises(RuleError, match="no policy called"):
        ops.create_contract("Mystery", freelancer, policy="fiverr", today=START)
