"""R2 Currencies and milestone minimum: unfunded milestones can be edited, moved and deleted."""

from __future__ import annotations

from datetime import date

from models import ops, queries
from models.entities import Milestone
from tests.models.rules import end, fresh, funded, refused

from ..conftest import START


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
