"""What the release wizard's tests share: a contract with escrow in a milestone and escrow left over."""

from __future__ import annotations

from datetime import date

import pytest

from models import ops


@pytest.fixture
def funded(contract):
    """$250.00 funded in “Final delivery” (and $40.00 left over from a partial release of “Sketches”)."""
    final = ops.add_milestone(contract, "Final delivery", 25_000)
    ops.fund_milestone(final, today=date(2026, 3, 2))
    sketches = ops.add_milestone(contract, "Sketches", 10_000)
    ops.fund_milestone(sketches, today=date(2026, 3, 2))
    ops.release_payment(sketches, 6_000, today=date(2026, 3, 3))
    return contract, final
