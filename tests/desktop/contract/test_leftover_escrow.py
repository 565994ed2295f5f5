"""R4 escrow left after a partial release, as the client sees it: a "Not in a milestone" row on the milestones
tab with its amount, a "Release via a new milestone…" button that opens the wizard on a new milestone, the
ledger's direction and escrow-after columns, and the money summary explaining "Net cost"."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.contract.page import ContractPage
from desktop.dialogs.release_plan import NEW
from models import ops

pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py

TODAY = date(2026, 3, 10)


@pytest.fixture
def page(qtbot, contract):
    p = ContractPage(today=lambda: TODAY)
    qtbot.addWidget(p)
    p.resize(1100, 600)
    p.show()
    return p


def rows(table) -> list[list[str]]:
    """What the table shows: each row's cells in its visible columns (in a book file: no "Recorded by")."""
    shown = [c for c in range(table.columnCount()) if not table.isColumnHidden(c)]
    return [[table.item(r, c).text() for c in shown] for r in range(table.rowCount())]


def test_r4_escrow_left_after_a_partial_release_shows_as_not_in_a_milestone(page, contract):
    m = ops.add_milestone(contract, "Sketches", 30_000)
    ops.fund_milestone(m, today=date(2026, 3, 2))
    ops.release_payment(m, 20_000, today=date(2026, 3, 3))
    page.show_contract(contract.id)
    assert rows(page.milestones.milestone_table)[-1] == [
        "—",
        "Not in a milestone",
        "",
        "$100.00",
        "",
        "Left after a partial release",
    ]
    assert page.milestones.leftover_button.isVisible()
    assert page.milestones.leftover_button.text() == "Release via a new milestone…"


def test_r4_no_leftover_row_when_all_escrow_is_in_milestones(page, contract):
    m = ops.add_milestone(contract, "Sketches", 30_000)
    ops.fund_milestone(m, today=date(2026, 3, 2))
    page.show_contract(contract.id)
    assert [r[1] for r in rows(page.milestones.milestone_table)] == ["Sketches"]
    assert not page.milestones.leftover_button.isVisible()


def test_r4_the_leftover_button_opens_the_wizard_on_a_new_milestone(page, contract, monkeypatch):
    m = ops.add_milestone(contract, "Sketches", 30_000)
    ops.fund_milestone(m, today=date(2026, 3, 2))
    ops.release_payment(m, 20_000, today=date(2026, 3, 3))
    page.show_contract(contract.id)
    opened = {}

    def fake(contract, parent, **kwargs):
        opened.update(kwargs)
        return None

    monkeypatch.setattr("desktop.contract.flows.release_or_explain", fake)
    page.milestones.leftover_button.click()
    assert opened["milestone_id"] == NEW


def test_the_ledger_shows_where_each_entry_moved_the_money_and_the_escrow_after_it(page, contract):
    m = ops.add_milestone(contract, "Sketches", 30_000)
    ops.fund_milestone(m, today=date(2026, 3, 2))
    ops.release_payment(m, 20_000, today=date(2026, 3, 3))
    page.show_contract(contract.id)
    table = rows(page.ledger.ledger_table)
    assert [r[2:6] for r in table] == [
        ["Payment released", "Escrow → freelancer", "$200.00", "$100.00"],
        ["Fee", "You → marketplace", "$0.99", "$300.00"],
        ["Fee", "You → marketplace", "$15.00", "$300.00"],
        ["Deposit into escrow", "You → escrow", "$300.00", "$300.00"],
    ]


def test_a_reversal_moves_the_money_back(page, contract):
    m = ops.add_milestone(contract, "Sketches", 30_000)
    ops.fund_milestone(m, today=date(2026, 3, 2))
    payment = ops.release_payment(m, today=date(2026, 3, 3))
    ops.reverse_entry(payment, memo="Wrong milestone", today=date(2026, 3, 4))
    page.show_contract(contract.id)
    newest = rows(page.ledger.ledger_table)[0]
    assert newest[2:6] == [f"Reversal of #{payment.id}", "Freelancer → escrow", "$300.00", "$300.00"]


def test_net_cost_is_explained_in_a_tooltip(page, contract):
    m = ops.add_milestone(contract, "Sketches", 30_000)
    ops.fund_milestone(m, today=date(2026, 3, 2))
    ops.release_payment(m, 20_000, today=date(2026, 3, 3))
    page.show_contract(contract.id)
    tip = page.money.toolTip()
    assert tip.startswith("Net cost: what the work has cost you so far")
    assert "($200.00 + $15.99 − $0.00)" in tip
