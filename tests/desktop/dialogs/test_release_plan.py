"""The release wizard's decisions without a window (desktop/dialogs/release_plan.py): from the client's
choices (a ReleaseChoice) to what is released, what is funded and what stays in escrow (R2, R3, R4, R5).

No Qt here: no qtbot, no widget; the module itself is checked to import no Qt in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from desktop.dialogs import release_plan as plan
from desktop.dialogs.release_plan import NEW, ReleaseChoice
from models import queries
from models.entities import LedgerEntry, Milestone
from models.errors import RuleError

ROOT = Path(__file__).resolve().parents[3]
TODAY = date(2026, 3, 10)


def new(title="Final payment", amount=None, **kw) -> ReleaseChoice:
    return ReleaseChoice(milestone_id=NEW, new_title=title, new_amount=amount, **kw)


def test_the_plan_imports_no_qt():
    code = (
        "import sys; import desktop.dialogs.release_plan; "
        "loaded = sorted(m for m in sys.modules if m.startswith('PySide6')); "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_r5_all_of_an_active_milestone(funded):
    contract, final = funded
    choice = ReleaseChoice(milestone_id=final.id)
    assert plan.milestone(choice).id == final.id
    assert plan.available(contract, choice) == 25_000
    assert plan.release_amount(contract, choice) == 25_000
    assert plan.funding(contract, choice) == plan.NO_FUNDING
    assert plan.escrow_after(contract, choice) == 4_000  # the $40.00 left over stays
    assert plan.choice_problem(contract, choice) is None and plan.amount_problem(contract, choice) is None


def test_r5_part_of_it_and_one_cent_more_than_there_is(funded):
    contract, final = funded
    choice = ReleaseChoice(milestone_id=final.id, full=False, part=10_000)
    assert plan.release_amount(contract, choice) == 10_000
    assert plan.escrow_after(contract, choice) == 19_000
    assert plan.amount_problem(contract, choice) is None
    choice.part = 25_000
    assert plan.amount_problem(contract, choice) is None
    choice.part = 25_001
    assert plan.amount_problem(contract, choice) == "You can release at most $250.00."


def test_r5_an_amount_still_being_typed_says_what_is_wrong(funded):
    contract, final = funded
    choice = ReleaseChoice(milestone_id=final.id, full=False, part=None)
    assert plan.amount_problem(contract, choice) == "Enter an amount."
    assert plan.release_amount(contract, choice) is None
    choice.part_error = "Type digits only."
    assert plan.amount_problem(contract, choice) == "Type digits only."


def test_nothing_chosen_cannot_go_on(funded):
    contract, _ = funded
    assert plan.choice_problem(contract, ReleaseChoice()) == "Choose a milestone."
    assert plan.available(contract, ReleaseChoice()) == 0


def test_r4_a_new_milestone_paid_from_the_remaining_escrow(funded):
    contract, _ = funded
    choice = new(amount=500)
    assert plan.available(contract, choice) == 500
    assert plan.funding(contract, choice) == {"from_escrow": 500, "deposit": 0, "fee": 0, "initiation_fee": 0}
    assert plan.escrow_after(contract, choice) == 29_000 - 500


def test_r3_a_new_milestone_larger_than_the_remaining_escrow_needs_a_deposit_with_its_fee(funded):
    contract, _ = funded
    choice = new(amount=6_000)
    assert plan.funding(contract, choice) == {"from_escrow": 4_000, "deposit": 2_000, "fee": 100, "initiation_fee": 0}
    assert plan.escrow_after(contract, choice) == 29_000 + 2_000 - 6_000


def test_r2_a_new_milestone_needs_a_title_and_the_minimum(funded):
    contract, _ = funded
    assert plan.new_milestone_problem(contract, new(title="  ", amount=500)) == "Enter a title for the new milestone."
    assert plan.new_milestone_problem(contract, new(amount=None)) == "Enter an amount."
    assert plan.new_milestone_problem(contract, new(amount=None, new_amount_error="Too many decimals.")) == (
        "Too many decimals."
    )
    assert plan.new_milestone_problem(contract, new(amount=499)) == "A milestone must be at least $5.00."
    assert plan.choice_problem(contract, new(amount=499)) == "A milestone must be at least $5.00."
    assert plan.new_milestone_problem(contract, new(amount=500)) is None


def test_r2_a_direct_contract_has_no_minimum(direct_contract):
    assert plan.new_milestone_problem(direct_contract, new(amount=1)) is None


def test_r5_pay_releases_what_the_choice_says_from_the_milestone(funded):
    contract, final = funded
    entry = plan.pay(contract, ReleaseChoice(milestone_id=final.id, full=False, part=10_000), today=TODAY)
    assert (entry.kind, entry.amount, entry.milestone_id, entry.date) == (LedgerEntry.RELEASE, 10_000, final.id, TODAY)
    assert queries.balances(contract).escrow == 19_000


def test_r4_pay_adds_funds_and_releases_the_new_milestone(funded):
    contract, _ = funded
    entry = plan.pay(contract, new(title="Extra", amount=6_000, new_details="the last pages"), today=TODAY)
    m = Milestone.get(Milestone.title == "Extra")
    assert (entry.amount, entry.milestone_id, m.description) == (6_000, m.id, "the last pages")
    kinds = sorted((e.kind, e.amount) for e in LedgerEntry.select().where(LedgerEntry.milestone == m))
    assert kinds == [("fee", 100), ("fund", 2_000), ("fund_from_escrow", 4_000), ("release", 6_000)]


def test_r14_a_refused_payment_changes_nothing(funded, unchanged):
    contract, final = funded
    with unchanged(), pytest.raises(RuleError, match="before"):
        plan.pay(contract, ReleaseChoice(milestone_id=final.id), today=date(2026, 3, 1))


def test_r16_pay_is_dated_the_day_chosen(funded):
    contract, final = funded
    entry = plan.pay(contract, ReleaseChoice(milestone_id=final.id, on=date(2026, 3, 4)), today=TODAY)
    assert entry.date == date(2026, 3, 4)
    m = plan.pay(contract, new(title="Extra", amount=500, on=date(2026, 3, 5)), today=TODAY).milestone
    assert {e.date for e in LedgerEntry.select().where(LedgerEntry.milestone == m)} == {date(2026, 3, 5)}


def test_r16_a_day_before_the_funding_is_refused_naming_it(funded, unchanged):
    contract, final = funded
    with unchanged(), pytest.raises(RuleError) as refused:
        plan.pay(contract, ReleaseChoice(milestone_id=final.id, on=date(2026, 3, 1)), today=TODAY)
    assert refused.value.field == "date"
    assert refused.value.message == (
        "1 Mar 2026 is before the funding of $250.00 for “Final delivery” on 2 Mar 2026. Choose 2 Mar 2026 or later."
    )
