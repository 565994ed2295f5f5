"""The release wizard walked on every path (R2, R3, R4, R5, R7, R14)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QWizard

from desktop.contract.flows import release_or_explain, release_wizard
from desktop.dialogs.release_wizard import NEW, ReleaseWizard
from models import ops, queries
from models.entities import Contract, LedgerEntry, Milestone, database
from tests.ui import beside, shown_date, type_date

TODAY = date(2026, 3, 10)


def books_money_and_milestones():
    """The ledger and the milestones, row for row: what Cancel must leave exactly as it was."""
    return (
        database.execute_sql("SELECT * FROM ledger_entry ORDER BY id").fetchall(),
        database.execute_sql("SELECT * FROM milestone ORDER BY id").fetchall(),
        database.execute_sql("SELECT * FROM contract ORDER BY id").fetchall(),
    )


def open_wizard(qtbot, contract, **kwargs) -> ReleaseWizard:
    w = release_wizard(Contract.get_by_id(contract.id), today=TODAY, **kwargs)
    qtbot.addWidget(w)
    w.show()
    return w


def seen(label) -> str:
    """A rich-text label as the user reads it (no markup)."""
    doc = QTextDocument()
    doc.setHtml(label.text())
    return " ".join(doc.toPlainText().split())


def next_button(w):
    return w.button(QWizard.WizardButton.NextButton)


def pay(w):
    assert w.button(QWizard.WizardButton.CommitButton).text() == "&Pay now"
    qtbot_click(w.button(QWizard.WizardButton.CommitButton))


def qtbot_click(button):
    assert button.isEnabled() and button.isVisible()
    button.click()
    QApplication.processEvents()


def test_r5_full_release_of_an_active_milestone(qtbot, funded):
    contract, final = funded
    w = open_wizard(qtbot, contract, milestone_id=final.id)
    assert w.choose.choice() == final.id
    assert "“Final delivery” — $250.00 unreleased" in w.choose.group.button(final.id).text()
    assert "In escrow on this contract: $290.00, of which $40.00 is not part of an active milestone" in seen(
        w.choose.findChild(type(w.choose.funding_note), "escrowSummary")
    )
    qtbot_click(next_button(w))
    assert w.amount.full.isChecked() and w.amount.full.text() == "Release &all of it: $250.00"
    assert "$40.00 stays in escrow" in seen(w.amount.after)
    qtbot_click(next_button(w))
    assert "Release $250.00 to Ana Ruiz from “Final delivery”." in seen(w.review.text)
    assert "$40.00 stays in escrow." in seen(w.review.text)
    pay(w)
    assert w.currentPage() is w.done_page
    assert Milestone.get_by_id(final.id).state == Milestone.PAID
    assert queries.balances(contract).released == 6_000 + 25_000
    qtbot_click(w.button(QWizard.WizardButton.FinishButton))  # "Keep it open"
    assert Contract.get_by_id(contract.id).status == Contract.ACTIVE


def test_r5_partial_release_leaves_escrow_outside_any_active_milestone(qtbot, funded):
    contract, final = funded
    w = open_wizard(qtbot, contract, milestone_id=final.id)
    qtbot_click(next_button(w))
    w.amount.partial.setChecked(True)
    qtbot.keyClicks(w.amount.part, "100.00")
    assert "$190.00 stays in escrow" in seen(w.amount.after)
    qtbot_click(next_button(w))
    assert "Release $100.00 to Ana Ruiz from “Final delivery”. $190.00 stays in escrow." in seen(w.review.text)
    pay(w)
    assert queries.unassigned_escrow(Contract.get_by_id(contract.id)) == 4_000 + 15_000  # R4


def test_r5_one_cent_more_than_available_is_refused(qtbot, funded):
    contract, final = funded
    w = open_wizard(qtbot, contract, milestone_id=final.id)
    qtbot_click(next_button(w))
    w.amount.partial.setChecked(True)
    qtbot.keyClicks(w.amount.part, "250.01")
    assert w.amount.error.message() == "You can release at most $250.00."
    assert not next_button(w).isEnabled()
    w.amount.part.clear()
    qtbot.keyClicks(w.amount.part, "250.00")
    assert w.amount.error.message() is None and next_button(w).isEnabled()


def test_r4_new_5_dollar_milestone_from_remaining_escrow_released_in_full(qtbot, funded):
    contract, _ = funded
    w = open_wizard(qtbot, contract)
    w.choose.new_choice.setChecked(True)
    qtbot.keyClicks(w.choose.new_title, "Final payment")
    qtbot.keyClicks(w.choose.new_amount, "5.00")
    assert seen(w.choose.funding_note) == "Paid from the remaining escrow ($40.00); no new deposit, no fee."
    qtbot_click(next_button(w))
    qtbot_click(next_button(w))
    text = seen(w.review.text)
    assert "Add the milestone “Final payment” of $5.00, funded with $5.00 from the remaining escrow." in text
    assert "Release $5.00 to Ana Ruiz from “Final payment”. $285.00 stays in escrow." in text
    fees_before = queries.balances(contract).fees
    pay(w)
    b = queries.balances(contract)
    assert b.fees == fees_before and b.escrow == 28_500 and queries.unassigned_escrow(contract) == 3_500


def test_r3_new_milestone_needing_a_deposit_shows_and_records_its_fee(qtbot, funded):
    contract, _ = funded
    w = open_wizard(qtbot, contract)
    w.choose.new_choice.setChecked(True)
    qtbot.keyClicks(w.choose.new_title, "Extra")
    qtbot.keyClicks(w.choose.new_amount, "60.00")
    assert seen(w.choose.funding_note).startswith("Remaining escrow is $40.00: a deposit of $20.00 will be funded")
    assert "with fees of $1.00." in seen(w.choose.funding_note)
    qtbot_click(next_button(w))
    qtbot_click(next_button(w))
    assert "Fees recorded with the deposit: $1.00." in seen(w.review.text)
    pay(w)
    m = Milestone.get(Milestone.title == "Extra")
    kinds = sorted((e.kind, e.amount) for e in LedgerEntry.select().where(LedgerEntry.milestone == m))
    assert kinds == [("fee", 100), ("fund", 2_000), ("fund_from_escrow", 4_000), ("release", 6_000)]


def test_r2_new_milestone_of_4_99_is_refused_with_the_minimum_named(qtbot, funded):
    contract, _ = funded
    before = books_money_and_milestones()
    w = open_wizard(qtbot, contract)
    w.choose.new_choice.setChecked(True)
    qtbot.keyClicks(w.choose.new_title, "Tip")
    qtbot.keyClicks(w.choose.new_amount, "4.99")
    assert w.choose.new_error.message() == "A milestone must be at least $5.00."
    assert not next_button(w).isEnabled()
    w.reject()
    assert books_money_and_milestones() == before


@pytest.mark.parametrize("page", [0, 1, 2])
def test_r14_cancel_on_each_page_leaves_the_book_as_it_was(qtbot, funded, page):
    contract, _ = funded
    before = books_money_and_milestones()
    w = open_wizard(qtbot, contract)
    w.choose.new_choice.setChecked(True)
    qtbot.keyClicks(w.choose.new_title, "Final payment")
    qtbot.keyClicks(w.choose.new_amount, "60.00")
    for _ in range(page):
        qtbot_click(next_button(w))
    assert w.currentId() == page
    qtbot_click(w.button(QWizard.WizardButton.CancelButton))
    assert not w.isVisible() and w.released is None
    assert books_money_and_milestones() == before


def test_r14_closing_the_window_before_pay_now_changes_nothing(qtbot, funded):
    contract, final = funded
    before = books_money_and_milestones()
    w = open_wizard(qtbot, contract, milestone_id=final.id)
    qtbot_click(next_button(w))
    qtbot_click(next_button(w))
    w.close()
    assert books_money_and_milestones() == before


def test_r7_end_the_contract_now_opens_the_confirmation_and_requests_the_escrow_refund(qtbot, funded):
    contract, final = funded
    w = open_wizard(qtbot, contract, milestone_id=final.id)
    qtbot_click(next_button(w))
    qtbot_click(next_button(w))
    pay(w)
    page = w.done_page
    assert "and what to do with the $40.00 still in escrow" in seen(page.end_note)

    def confirm():
        dialog = w.end_dialog
        assert not dialog.end_button.isEnabled()  # the ending must be agreed first (R7)
        dialog.agreed.setChecked(True)
        dialog.refund_choice.setChecked(True)
        dialog.end_button.click()
        dialog.close_button.click()

    QTimer.singleShot(0, confirm)
    qtbot_click(page.end_button)
    c = Contract.get_by_id(contract.id)
    assert c.status == Contract.ENDED and c.ended_on == TODAY
    assert [r.amount for r in c.escrow_refund_requests] == [4_000]
    assert w.ended and not w.isVisible()


def test_r7_cancelling_the_confirmation_keeps_the_wizard_and_the_contract_open(qtbot, funded):
    contract, final = funded
    w = open_wizard(qtbot, contract, milestone_id=final.id)
    for _ in range(3):
        QApplication.processEvents()
        (w.button(QWizard.WizardButton.CommitButton) if w.currentPage() is w.review else next_button(w)).click()
    QTimer.singleShot(0, lambda: w.end_dialog.cancel_button.click())
    qtbot_click(w.done_page.end_button)
    assert Contract.get_by_id(contract.id).status == Contract.ACTIVE
    assert w.isVisible() and w.currentPage() is w.done_page


def test_r16_paid_on_a_past_day_typed_in(qtbot, funded):
    contract, final = funded
    w = open_wizard(qtbot, contract, milestone_id=final.id)
    qtbot_click(next_button(w))
    qtbot_click(next_button(w))
    review = w.review
    assert review.findChild(QLabel, "dateLabel").text() == "&On:"
    assert shown_date(review.date_edit) == TODAY
    assert review.date_edit.maximumDate() == QDate(2026, 3, 10)
    type_date(qtbot, review.date_edit, date(2026, 3, 6))
    pay(w)
    entry = LedgerEntry.get((LedgerEntry.milestone == final) & (LedgerEntry.kind == LedgerEntry.RELEASE))
    assert entry.date == date(2026, 3, 6)
    assert "was released to Ana Ruiz on 6 Mar 2026" in seen(w.done_page.text)


def test_r16_a_day_before_the_funding_is_refused_under_the_date_and_pays_nothing(qtbot, funded):
    contract, final = funded
    before = books_money_and_milestones()
    w = open_wizard(qtbot, contract, milestone_id=final.id)
    qtbot_click(next_button(w))
    qtbot_click(next_button(w))
    w.review.date_edit.setDate(QDate(2026, 3, 1))
    pay(w)
    assert w.currentPage() is w.review and w.released is None
    assert beside(w.review, "dateError") == (
        "1 Mar 2026 is before the funding of $250.00 for “Final delivery” on 2 Mar 2026. Choose 2 Mar 2026 or later."
    )
    assert books_money_and_milestones() == before
    w.review.date_edit.setDate(QDate(2026, 3, 2))  # the same day is allowed
    assert beside(w.review, "dateError") is None
    pay(w)
    assert w.currentPage() is w.done_page and w.released.date == date(2026, 3, 2)


def test_r16_the_day_of_the_payment_is_never_later_than_today(qtbot, funded):
    contract, final = funded
    w = open_wizard(qtbot, contract, milestone_id=final.id)
    qtbot_click(next_button(w))
    qtbot_click(next_button(w))
    w.review.date_edit.setDate(QDate(2026, 3, 11))
    assert shown_date(w.review.date_edit) == TODAY
    type_date(qtbot, w.review.date_edit, date(2026, 3, 12))
    assert beside(w.review, "dateError") == (
        "12 Mar 2026 is later than today (10 Mar 2026): record an event on the day it happened."
    )
    assert not w.button(QWizard.WizardButton.CommitButton).isEnabled()


def test_r5_an_ended_contract_gets_a_message_not_a_wizard(contract):
    ops.end_contract(contract, agreed=True, today=TODAY)
    said = []
    assert release_or_explain(Contract.get_by_id(contract.id), warn=lambda t, text: said.append(text)) is None
    assert said == ["“Logo redesign” has ended: payments can no longer be released."]


def test_no_active_milestone_starts_on_a_new_milestone(qtbot, contract):
    w = open_wizard(qtbot, contract)
    assert w.choose.choice() == NEW and w.choose.new_box.isVisibleTo(w.choose)


def test_keyboard_only_tab_space_and_enter(qtbot, contract):
    """A new $5.00 milestone (deposit and fee), paid, and the contract ended: keys only."""
    w = open_wizard(qtbot, contract)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)

    def key(k, times=1):
        for _ in range(times):
            qtbot.keyClick(QApplication.focusWidget(), k)

    def tab_to(widget, limit=20):
        for _ in range(limit):
            if QApplication.focusWidget() is widget:
                return
            key(Qt.Key.Key_Tab)
        raise AssertionError(f"Tab never reached {widget.objectName()}")

    tab_to(w.choose.new_title)
    qtbot.keyClicks(w.choose.new_title, "Final payment")
    tab_to(w.choose.new_amount)
    qtbot.keyClicks(w.choose.new_amount, "5.00")
    key(Qt.Key.Key_Return)  # Next
    assert w.currentPage() is w.amount
    key(Qt.Key.Key_Return)  # Next, releasing all of it
    assert w.currentPage() is w.review
    key(Qt.Key.Key_Return)  # Pay now
    assert w.currentPage() is w.done_page
    tab_to(w.done_page.end_button)
    confirmed = []

    def confirm_with_keys():
        dialog = w.end_dialog
        dialog.activateWindow()
        QApplication.processEvents()
        tab_to(dialog.agreed)
        key(Qt.Key.Key_Space)
        tab_to(dialog.end_button)
        key(Qt.Key.Key_Space)  # End contract
        tab_to(dialog.close_button)
        key(Qt.Key.Key_Space)
        confirmed.append(True)

    QTimer.singleShot(0, confirm_with_keys)
    key(Qt.Key.Key_Space)  # End the contract now…
    assert confirmed
    c = Contract.get_by_id(contract.id)
    assert c.status == Contract.ENDED and not w.isVisible()
    assert queries.balances(c).released == 500 and queries.balances(c).fees == 25 + 99
