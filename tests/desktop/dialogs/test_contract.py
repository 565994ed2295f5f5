"""The contract dialog, driven as a user would: type, choose, read the messages, click OK; a refusal lands
beside the field it names.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QDialog,
)

from desktop.dialogs.contract import ContractDialog
from desktop.dialogs.freelancer import FreelancerDialog
from models import ops
from models.entities import Contract
from models.errors import RuleError
from tests.conftest import START
from tests.ui import beside, child, click_ok, ok_enabled, retype

pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py


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


# ------------------------------------------------------------------ R2: currencies per policy version


def offered(dialog) -> list[str]:
    combo = child(dialog, "currencyCombo")
    return [combo.itemText(i) for i in range(combo.count())]


def hint(dialog) -> str | None:
    label = child(dialog, "currencyHint")
    return label.text() if label.isVisible() else None


V2_HINT = (
    "Contracts under “Marketplace (Upwork fixed-price)” that start from 1 Dec 2026 are in US dollars only. "
    "For another currency, choose the policy “Direct (no marketplace)”."
)


def test_r2_a_marketplace_contract_starting_1_december_is_offered_us_dollars_only(qtbot, show, freelancer):
    dialog = show(ContractDialog(today=date(2026, 12, 5), new_freelancer=FreelancerDialog))
    assert child(dialog, "policyCombo").currentText() == "Marketplace (Upwork fixed-price)"
    assert offered(dialog) == ["USD"]
    assert hint(dialog) == V2_HINT
    qtbot.keyClicks(child(dialog, "titleEdit"), "Website copy")
    assert ok_enabled(dialog)
    click_ok(qtbot, dialog)
    assert (dialog.contract.currency, dialog.contract.policy.effective_from) == ("USD", date(2026, 12, 1))


def test_r2_the_currency_list_follows_the_start_date_and_the_policy(qtbot, show, freelancer):
    dialog = show(ContractDialog(today=date(2026, 12, 5), new_freelancer=FreelancerDialog))
    started = child(dialog, "startedOnEdit")
    started.setDate(QDate(2026, 11, 30))  # version 1: any currency
    assert "EUR" in offered(dialog) and len(offered(dialog)) > 20
    assert hint(dialog) is None
    currency = child(dialog, "currencyCombo")
    currency.setCurrentIndex(currency.findText("EUR"))
    started.setDate(QDate(2026, 12, 1))  # version 2: US dollars only, and the budget follows
    assert (offered(dialog), currency.currentText(), hint(dialog)) == (["USD"], "USD", V2_HINT)
    assert dialog.form.labelForField(child(dialog, "budgetRow")).text() == "&Budget (USD):"
    policy = child(dialog, "policyCombo")
    policy.setCurrentIndex(policy.findText("Direct (no marketplace)"))  # any currency again: the euro comes back
    assert (currency.currentText(), hint(dialog)) == ("EUR", None)
    assert "JPY" in offered(dialog)
    qtbot.wait(10)  # the form laid out again without the note
    qtbot.keyClicks(child(dialog, "titleEdit"), "Translation")
    click_ok(qtbot, dialog)
    assert (dialog.contract.policy.key, dialog.contract.currency) == ("direct", "EUR")


def test_r2_editing_an_old_euro_contract_shows_its_currency(qtbot, show, freelancer):
    c = ops.create_contract("Old", freelancer, currency="EUR", started_on=START, today=date(2026, 12, 5))
    dialog = show(ContractDialog(contract=c, today=date(2026, 12, 5), new_freelancer=FreelancerDialog))
    assert child(dialog, "currencyCombo").currentText() == "EUR"
    assert hint(dialog) is None


V2_START, V2_TODAY = date(2026, 12, 1), date(2026, 12, 5)  # version 2 of the marketplace preset from 1 Dec 2026


def test_r3_v2_the_initiation_fee_row_shows_the_range_and_refuses_what_is_outside_it(qtbot, show, freelancer):
    dialog = show(ContractDialog(today=V2_TODAY, new_freelancer=FreelancerDialog))
    qtbot.keyClicks(child(dialog, "titleEdit"), "Landing page")
    fee = child(dialog, "initiationFeeEdit")
    assert fee.isVisible()
    assert dialog.form.labelForField(child(dialog, "initiationFeeRow")).text() == "Contract initiation f&ee:"
    assert child(dialog, "initiationFeeHint").text() == "between $0.99 and $14.99, as the marketplace showed it"
    assert fee.value() == 99  # the lowest, until the client types what the marketplace showed
    retype(qtbot, fee, "15.00")
    assert beside(dialog, "initiationFeeError") == (
        "The contract initiation fee must be between $0.99 and $14.99: $15.00 is more than the marketplace charges."
    )
    assert not ok_enabled(dialog)
    retype(qtbot, fee, "0.98")
    assert "$0.98 is less" in beside(dialog, "initiationFeeError")
    retype(qtbot, fee, "14.99")
    assert beside(dialog, "initiationFeeError") is None
    click_ok(qtbot, dialog)
    assert dialog.contract.initiation_fee == 1_499


def test_r3_the_initiation_fee_row_is_hidden_for_a_first_version_or_direct_contract(qtbot, show, freelancer):
    dialog = show(ContractDialog(today=V2_TODAY, new_freelancer=FreelancerDialog))
    assert child(dialog, "initiationFeeEdit").isVisible()
    child(dialog, "startedOnEdit").setDate(QDate(2026, 11, 30))  # under the first version: a fixed $0.99
    assert not child(dialog, "initiationFeeEdit").isVisible()
    child(dialog, "startedOnEdit").setDate(QDate(2026, 12, 1))
    assert child(dialog, "initiationFeeEdit").isVisible()
    policy = child(dialog, "policyCombo")
    policy.setCurrentIndex(policy.findText("Direct (no marketplace)"))
    assert not child(dialog, "initiationFeeEdit").isVisible()
    qtbot.keyClicks(child(dialog, "titleEdit"), "Translation")
    click_ok(qtbot, dialog)
    assert dialog.contract.initiation_fee is None


def test_r3_v2_editing_the_fee_is_possible_only_until_a_funding_stands(qtbot, show, freelancer):
    c = ops.create_contract("Landing page", freelancer, started_on=V2_START, today=V2_TODAY, initiation_fee=499)
    dialog = show(ContractDialog(contract=c, today=V2_TODAY, new_freelancer=FreelancerDialog))
    fee = child(dialog, "initiationFeeEdit")
    assert (fee.isEnabled(), fee.value()) == (True, 499)
    retype(qtbot, fee, "7.50")
    click_ok(qtbot, dialog)
    assert Contract.get_by_id(c.id).initiation_fee == 750
    m = ops.add_milestone(c, "Design", 10_000)
    ops.fund_milestone(m, on=V2_START, today=V2_TODAY)
    dialog = show(ContractDialog(contract=Contract.get_by_id(c.id), today=V2_TODAY, new_freelancer=FreelancerDialog))
    fee = child(dialog, "initiationFeeEdit")
    assert (fee.isEnabled(), fee.value()) == (False, 750)
    assert fee.toolTip() == "Charged with the first funding: it can no longer change."
