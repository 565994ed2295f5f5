"""Helpers and constants shared by the rule tests (tests/models/test_rNN_*.py)."""

from __future__ import annotations

import re

import pytest

from models import ops
from models.entities import CloseoutItem, Contract, EscrowRefundRequest, Feedback, LedgerEntry, Milestone
from models.errors import RuleError

from ..conftest import START


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


STARS = dict.fromkeys(Feedback.CATEGORIES, 4)


def exact(message: str) -> str:
    """A pattern that matches exactly this message (no regex surprises from $ . ( ) )."""
    return "^" + re.escape(message) + "$"


def reload(contract: Contract) -> Contract:
    return Contract.get_by_id(contract.id)


def funded_milestone(contract, amount=50_000, title="Draft", today=START) -> Milestone:
    m = ops.add_milestone(contract, title, amount)
    ops.fund_milestone(m, today=today)
    return Milestone.get_by_id(m.id)


def ended_with_escrow(contract, amount=50_000, today=START) -> EscrowRefundRequest:
    """A contract ended on `today` with `amount` left in escrow and its refund requested."""
    funded_milestone(contract, amount, today=today)
    return ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=today)


def paid(contract, amount=50_000, today=START) -> LedgerEntry:
    """A payment of `amount` released on `today`."""
    m = funded_milestone(contract, amount, today=today)
    return ops.release_payment(m, today=today)


def ended_on(contract, today=START) -> Contract:
    ops.end_contract(contract, agreed=True, today=today)
    return reload(contract)


def item(contract, kind) -> CloseoutItem:
    return CloseoutItem.get((CloseoutItem.contract == contract.id) & (CloseoutItem.kind == kind))
