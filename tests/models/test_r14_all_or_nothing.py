"""R14 All or nothing: an operation completes and is recorded, or fails and changes nothing."""

from __future__ import annotations

import pytest

from models import ops
from models.entities import Milestone
from models.errors import RuleError

from ..conftest import START


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
