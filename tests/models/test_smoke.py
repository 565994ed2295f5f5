from models import ops, queries

from ..conftest import START


def test_fund_and_release_a_milestone(contract):
    m = ops.add_milestone(contract, "Draft", 50_000)
    ops.fund_milestone(m, today=START)
    ops.release_payment(m, today=START)
    b = queries.balances(contract)
    assert (b.funded, b.released, b.escrow) == (50_000, 50_000, 0)
