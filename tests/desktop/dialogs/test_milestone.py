"""The milestone dialog (R2), driven as a user would: the minimum in the contract's currency, beside the amount."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QDialog,
)

from desktop.dialogs.milestone import MilestoneDialog
from models import ops
from models.entities import Milestone
from tests.conftest import START
from tests.ui import beside, child, click_ok, ok_enabled, retype

pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py


def test_r2_milestone_below_the_minimum_shows_the_minimum_and_ok_stays_disabled(qtbot, show, contract, unchanged):
    with unchanged():
        dialog = show(MilestoneDialog(contract, today=START))
        qtbot.keyClicks(child(dialog, "titleEdit"), "Sketches")
        amount = child(dialog, "amountEdit")
        qtbot.keyClicks(amount, "4.99")
        assert amount.value() == 499
        assert beside(dialog, "amountError") == "A milestone must be at least $5.00."
        assert not ok_enabled(dialog)
        click_ok(qtbot, dialog)
        qtbot.keyClick(amount, Qt.Key.Key_Return)
        assert dialog.isVisible()
        assert dialog.milestone is None


def test_r2_milestone_of_the_minimum_is_accepted_and_written(qtbot, show, contract):
    dialog = show(MilestoneDialog(contract, today=START))
    qtbot.keyClicks(child(dialog, "titleEdit"), "Sketches")
    qtbot.keyClicks(child(dialog, "amountEdit"), "5.00")
    assert beside(dialog, "amountError") is None
    assert ok_enabled(dialog)
    click_ok(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    m = Milestone.get(Milestone.contract == contract)
    assert (m.title, m.amount, m.due_on, m.state) == ("Sketches", 500, None, Milestone.UNFUNDED)
    assert dialog.milestone.id == m.id


def test_r2_direct_contract_has_no_minimum(qtbot, show, direct_contract):
    dialog = show(MilestoneDialog(direct_contract, today=START))
    assert dialog.form.labelForField(child(dialog, "amountRow")).text() == "&Amount (EUR):"
    qtbot.keyClicks(child(dialog, "titleEdit"), "One page")
    qtbot.keyClicks(child(dialog, "amountEdit"), "0.01")
    assert beside(dialog, "amountError") is None
    click_ok(qtbot, dialog)
    assert Milestone.get(Milestone.contract == direct_contract).amount == 1


def test_milestone_title_and_amount_are_required(qtbot, show, contract):
    dialog = show(MilestoneDialog(contract, today=START))
    amount = child(dialog, "amountEdit")
    qtbot.keyClicks(amount, "7")
    retype(qtbot, amount, "")
    assert beside(dialog, "amountError") == "Enter an amount."
    title = child(dialog, "titleEdit")
    qtbot.keyClicks(title, "x")
    retype(qtbot, title, "")
    assert beside(dialog, "titleError") == "Enter a milestone title."
    assert not ok_enabled(dialog)


def test_milestone_due_date_is_optional(qtbot, show, contract):
    dialog = show(MilestoneDialog(contract, today=START))
    assert not child(dialog, "dueDateEdit").isEnabled()
    qtbot.keyClicks(child(dialog, "titleEdit"), "Final files")
    qtbot.keyClicks(child(dialog, "amountEdit"), "250")
    qtbot.mouseClick(child(dialog, "dueCheck"), Qt.MouseButton.LeftButton)
    assert child(dialog, "dueDateEdit").isEnabled()
    child(dialog, "dueDateEdit").setDate(QDate(2026, 4, 15))
    qtbot.keyClicks(child(dialog, "descriptionEdit"), "All source files.")
    click_ok(qtbot, dialog)
    m = dialog.milestone
    assert (m.amount, m.due_on, m.description) == (25000, date(2026, 4, 15), "All source files.")


def test_editing_a_milestone_shows_its_amount_and_saves_the_new_one(qtbot, show, contract):
    m = ops.add_milestone(contract, "Draft", 123450, due_on=date(2026, 3, 20))
    dialog = show(MilestoneDialog(contract, milestone=m, today=START))
    amount = child(dialog, "amountEdit")
    assert amount.text() == "1,234.50"
    assert child(dialog, "dueCheck").isChecked()
    retype(qtbot, amount, "1,300")
    click_ok(qtbot, dialog)
    assert Milestone.get_by_id(m.id).amount == 130000
    assert Milestone.get_by_id(m.id).due_on == date(2026, 3, 20)


def test_editing_a_funded_milestone_is_refused_at_the_top(qtbot, show, contract, unchanged):
    m = ops.add_milestone(contract, "Draft", 50000)
    ops.fund_milestone(m, today=START)
    dialog = show(MilestoneDialog(contract, milestone=Milestone.get_by_id(m.id), today=START))
    qtbot.keyClicks(child(dialog, "titleEdit"), " v2")
    with unchanged():
        click_ok(qtbot, dialog)
    assert dialog.isVisible()
    assert beside(dialog, "generalError") == "“Draft” is funded: it can no longer be edited."
