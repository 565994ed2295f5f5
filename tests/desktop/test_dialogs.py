"""The freelancer, contract and milestone dialogs, driven as a user would: type, read the messages, click OK."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from desktop.dialogs.contract import ContractDialog
from desktop.dialogs.freelancer import FreelancerDialog
from desktop.dialogs.milestone import MilestoneDialog
from models import ops
from models.entities import Contract, Freelancer, Milestone
from models.errors import RuleError
from tests.conftest import START
from tests.ui import beside, child

INTERACTIVE = (QLineEdit, QComboBox, QAbstractButton, QAbstractSpinBox, QPlainTextEdit)


pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py


@pytest.fixture
def show(qtbot):
    """Open a dialog the way the app does (open(), never a blocking exec())."""

    def opened(dialog: QDialog) -> QDialog:
        qtbot.addWidget(dialog)
        dialog.open()
        qtbot.waitExposed(dialog)
        return dialog

    return opened


def click_ok(qtbot, dialog: QDialog) -> None:
    qtbot.mouseClick(child(dialog, "okButton"), Qt.MouseButton.LeftButton)


def ok_enabled(dialog: QDialog) -> bool:
    return child(dialog, "okButton").isEnabled()


def retype(qtbot, widget: QLineEdit, text: str) -> None:
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Backspace)
    if text:
        qtbot.keyClicks(widget, text)


def tab_chain(dialog: QDialog, names: list[str]) -> list[str]:
    """The order in which Tab visits the named widgets."""
    seen = []
    widget = child(dialog, names[0])
    for _ in range(500):
        if widget.objectName() in names and widget.objectName() not in seen:
            seen.append(widget.objectName())
        widget = widget.nextInFocusChain()
        if widget.objectName() == names[0]:
            break
    return seen


def assert_named_and_accessible(dialog: QDialog) -> None:
    for widget in dialog.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE):
            continue
        if isinstance(widget.parentWidget(), (QAbstractSpinBox, QComboBox)):
            continue  # the line edit inside a date edit or a combo box is part of it
        assert widget.objectName(), f"{widget!r} has no objectName"
        assert widget.accessibleName(), f"{widget.objectName()} has no accessibleName"


# ------------------------------------------------------------------ freelancer


def test_freelancer_dialog_shows_messages_beside_fields_and_ok_waits(qtbot, show, book, unchanged):
    with unchanged():
        dialog = show(FreelancerDialog())
        assert not ok_enabled(dialog)
        assert beside(dialog, "nameError") is None  # nothing red before the user has typed
        name = child(dialog, "nameEdit")
        qtbot.keyClicks(name, "A")
        retype(qtbot, name, "")
        assert beside(dialog, "nameError") == "Enter a freelancer's name."
        qtbot.keyClicks(child(dialog, "emailEdit"), "ana@example")
        assert beside(dialog, "emailError") == "That email address does not look right (name@example.com)."
        qtbot.keyClicks(name, "Ana Ruiz")
        assert beside(dialog, "nameError") is None
        assert not ok_enabled(dialog)
        click_ok(qtbot, dialog)  # disabled: nothing happens
        assert dialog.isVisible()
    qtbot.keyClicks(child(dialog, "emailEdit"), ".com")
    assert beside(dialog, "emailError") is None
    qtbot.keyClicks(child(dialog, "agencyEdit"), "Northwind Studio")
    qtbot.keyClicks(child(dialog, "profileUrlEdit"), "https://example.com/ana")
    qtbot.keyClicks(child(dialog, "notesEdit"), "Prefers email.")
    assert ok_enabled(dialog)
    click_ok(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    f = Freelancer.get(Freelancer.name == "Ana Ruiz")
    assert (f.agency, f.email, f.profile_url, f.notes) == (
        "Northwind Studio",
        "ana@example.com",
        "https://example.com/ana",
        "Prefers email.",
    )
    assert dialog.freelancer.id == f.id


def test_freelancer_dialog_edits_an_existing_freelancer(qtbot, show, freelancer):
    dialog = show(FreelancerDialog(freelancer=freelancer))
    assert child(dialog, "nameEdit").text() == "Ana Ruiz"
    assert child(dialog, "emailEdit").text() == "ana@example.com"
    assert ok_enabled(dialog)
    retype(qtbot, child(dialog, "agencyEdit"), "Ruiz Design")
    click_ok(qtbot, dialog)
    assert Freelancer.get_by_id(freelancer.id).agency == "Ruiz Design"
    assert Freelancer.select().count() == 1


def test_escape_cancels_and_writes_nothing(qtbot, show, book, unchanged):
    with unchanged():
        dialog = show(FreelancerDialog())
        qtbot.keyClicks(child(dialog, "nameEdit"), "Ana Ruiz")
        assert ok_enabled(dialog)
        qtbot.keyClick(child(dialog, "nameEdit"), Qt.Key.Key_Escape)
        assert not dialog.isVisible()
        assert dialog.result() == QDialog.DialogCode.Rejected
        assert dialog.freelancer is None


def test_every_field_has_an_object_name_and_an_accessible_name(qtbot, show, contract):
    for dialog in (
        FreelancerDialog(),
        ContractDialog(today=START, new_freelancer=FreelancerDialog),
        MilestoneDialog(contract, today=START),
    ):
        show(dialog)
        assert_named_and_accessible(dialog)


def test_tab_order_follows_the_form(qtbot, show, contract):
    names = [
        "titleEdit",
        "freelancerCombo",
        "newFreelancerButton",
        "policyCombo",
        "currencyCombo",
        "budgetEdit",
        "externalIdEdit",
        "startedOnEdit",
        "notesEdit",
        "okButton",
        "cancelButton",
    ]
    assert tab_chain(show(ContractDialog(today=START, new_freelancer=FreelancerDialog)), names) == names
    names = ["titleEdit", "amountEdit", "dueCheck", "dueDateEdit", "descriptionEdit", "okButton", "cancelButton"]
    assert tab_chain(show(MilestoneDialog(contract, today=START)), names) == names


# -------------------------------------------------------------------- contract


def test_contract_dialog_offers_freelancers_by_name_policies_and_currencies(qtbot, show, book):
    for name in ("carla Diaz", "Bea Lind", "Ana Ruiz"):
        ops.create_freelancer(name)
    dialog = show(ContractDialog(today=START, new_freelancer=FreelancerDialog))
    combo = child(dialog, "freelancerCombo")
    assert [combo.itemText(i) for i in range(combo.count())] == ["Ana Ruiz", "Bea Lind", "carla Diaz"]
    policy = child(dialog, "policyCombo")
    assert [policy.itemText(i) for i in range(policy.count())] == [
        "Marketplace (Upwork fixed-price)",
        "Direct (no marketplace)",
    ]
    assert child(dialog, "currencyCombo").currentText() == "USD"
    assert child(dialog, "startedOnEdit").date() == QDate(2026, 3, 1)
    assert child(dialog, "startedOnEdit").calendarPopup()
    assert not ok_enabled(dialog)  # no title yet


def test_create_contract_with_a_new_freelancer_inline(qtbot, show, book):
    dialog = show(ContractDialog(today=START, new_freelancer=FreelancerDialog))
    assert child(dialog, "freelancerCombo").count() == 0
    qtbot.keyClicks(child(dialog, "titleEdit"), "Website copy")
    assert not ok_enabled(dialog)  # no freelancer chosen
    qtbot.mouseClick(child(dialog, "newFreelancerButton"), Qt.MouseButton.LeftButton)
    inner = dialog.new_freelancer_dialog
    qtbot.waitExposed(inner)
    assert inner.isVisible()
    qtbot.keyClicks(child(inner, "nameEdit"), "Bea Lind")
    click_ok(qtbot, inner)
    assert not inner.isVisible()
    combo = child(dialog, "freelancerCombo")
    assert combo.currentText() == "Bea Lind"
    policy = child(dialog, "policyCombo")
    policy.setCurrentIndex(policy.findText("Direct (no marketplace)"))
    currency = child(dialog, "currencyCombo")
    currency.setCurrentIndex(currency.findText("EUR"))
    assert dialog.form.labelForField(child(dialog, "budgetRow")).text() == "&Budget (EUR):"
    qtbot.keyClicks(child(dialog, "budgetEdit"), "1,500.00")
    qtbot.keyClicks(child(dialog, "externalIdEdit"), "C-42")
    child(dialog, "startedOnEdit").setDate(QDate(2026, 3, 2))
    assert ok_enabled(dialog)
    click_ok(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    c = Contract.get(Contract.title == "Website copy")
    assert c.freelancer.name == "Bea Lind"
    assert (c.policy.key, c.currency, c.budget, c.external_id, c.started_on) == (
        "direct",
        "EUR",
        150000,
        "C-42",
        date(2026, 3, 2),
    )
    assert dialog.contract.id == c.id


def test_contract_title_is_required(qtbot, show, freelancer):
    dialog = show(ContractDialog(today=START, new_freelancer=FreelancerDialog))
    title = child(dialog, "titleEdit")
    qtbot.keyClicks(title, "L")
    assert ok_enabled(dialog)
    retype(qtbot, title, "   ")
    assert beside(dialog, "titleError") == "Enter a contract title."
    assert not ok_enabled(dialog)


def test_budget_follows_the_chosen_currency(qtbot, show, freelancer):
    dialog = show(ContractDialog(today=START, new_freelancer=FreelancerDialog))
    qtbot.keyClicks(child(dialog, "titleEdit"), "Logo")
    budget = child(dialog, "budgetEdit")
    qtbot.keyClicks(budget, "12.50")
    assert ok_enabled(dialog)
    currency = child(dialog, "currencyCombo")
    currency.setCurrentIndex(currency.findText("JPY"))
    assert budget.currency() == "JPY"
    assert beside(dialog, "budgetError") == "Amounts in JPY take no decimals."
    assert not ok_enabled(dialog)
    retype(qtbot, budget, "1250")
    assert budget.text() == "1250"
    assert beside(dialog, "budgetError") is None
    click_ok(qtbot, dialog)
    assert (dialog.contract.currency, dialog.contract.budget) == ("JPY", 1250)


def test_editing_a_contract_changes_its_title(qtbot, show, contract):
    dialog = show(ContractDialog(contract=contract, today=START, new_freelancer=FreelancerDialog))
    assert child(dialog, "titleEdit").text() == "Logo redesign"
    for name in ("policyCombo", "currencyCombo", "startedOnEdit"):
        assert not child(dialog, name).isEnabled()
    assert child(dialog, "fixedNote").isVisible()
    retype(qtbot, child(dialog, "titleEdit"), "Logo and icons")
    click_ok(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert Contract.get_by_id(contract.id).title == "Logo and icons"
    assert Contract.get_by_id(contract.id).currency == "USD"


def test_a_contract_with_ledger_entries_says_why_policy_and_currency_are_fixed(qtbot, show, contract):
    m = ops.add_milestone(contract, "Draft", 50000)
    ops.fund_milestone(m, today=START)
    dialog = show(ContractDialog(contract=contract, today=START, new_freelancer=FreelancerDialog))
    assert "entries in the ledger" in child(dialog, "fixedNote").text()
    for name in ("policyCombo", "currencyCombo", "startedOnEdit"):
        assert not child(dialog, name).isEnabled()


def test_a_refusal_is_shown_beside_the_field_it_names_and_the_dialog_stays_open(
    qtbot, show, freelancer, monkeypatch, unchanged
):
    def refuse(*args, **kwargs):
        raise RuleError("There is already a contract called “Logo”.", field="title")

    monkeypatch.setattr(ops, "create_contract", refuse)
    dialog = show(ContractDialog(today=START, new_freelancer=FreelancerDialog))
    qtbot.keyClicks(child(dialog, "titleEdit"), "Logo")
    with unchanged():
        click_ok(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.contract is None
    assert beside(dialog, "titleError") == "There is already a contract called “Logo”."
    assert beside(dialog, "generalError") is None
    assert not ok_enabled(dialog)  # until the title changes
    qtbot.keyClicks(child(dialog, "titleEdit"), " 2")
    assert beside(dialog, "titleError") is None
    assert ok_enabled(dialog)


def test_a_refusal_without_a_field_is_shown_at_the_top(qtbot, show, freelancer, monkeypatch, unchanged):
    def refuse(*args, **kwargs):
        raise RuleError("That freelancer is no longer in the book.")

    monkeypatch.setattr(ops, "create_contract", refuse)
    dialog = show(ContractDialog(today=START, new_freelancer=FreelancerDialog))
    qtbot.keyClicks(child(dialog, "titleEdit"), "Logo")
    with unchanged():
        click_ok(qtbot, dialog)
    assert dialog.isVisible()
    assert beside(dialog, "generalError") == "That freelancer is no longer in the book."
    assert beside(dialog, "titleError") is None


def test_the_operations_own_refusal_lands_beside_the_start_date(qtbot, show, freelancer, unchanged):
    dialog = show(ContractDialog(today=START, new_freelancer=FreelancerDialog))
    qtbot.keyClicks(child(dialog, "titleEdit"), "Next year's logo")
    child(dialog, "startedOnEdit").setDate(QDate(2027, 6, 1))
    with unchanged():
        click_ok(qtbot, dialog)
    assert dialog.isVisible()
    assert beside(dialog, "startedOnError") == "The start date is more than a year ahead."
    child(dialog, "startedOnEdit").setDate(QDate(2026, 3, 8))
    assert beside(dialog, "startedOnError") is None
    click_ok(qtbot, dialog)
    assert dialog.contract.started_on == START + timedelta(days=7)


# ------------------------------------------------------------------- milestone


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
