"""Dialogs that show one contract follow it (issue 19): when the contract ends elsewhere, or the record the dialog
shows changes there (a payment refunded, feedback recorded, the milestone edited), the dialog closes and the
status bar says why, instead of offering what no longer holds. Their own writes, and other contracts', keep
them open."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QApplication

from desktop.dialogs.feedback import FeedbackDialog
from desktop.dialogs.milestone import MilestoneDialog
from desktop.dialogs.refund import RefundDialog
from models import ops
from models.entities import Contract, Feedback, LedgerEntry, Milestone
from tests.desktop.conftest import NOW, TODAY
from tests.desktop.every_dialog import open_dialog


def payment_of(contract) -> LedgerEntry:
    return LedgerEntry.get((LedgerEntry.contract == contract) & (LedgerEntry.kind == LedgerEntry.RELEASE))


def refundable(dialog) -> str:
    return dialog.payment_list.item(0, 4).text()


def test_the_refund_dialog_shows_a_refund_recorded_elsewhere(window, qtbot, filled):
    site = Contract.get_by_id(filled["site"].id)
    dialog = open_dialog(qtbot, RefundDialog(site, window, today=TODAY))
    dialog.payment_list.selectRow(0)
    dialog.memo_edit.setText("Overpaid")
    before = refundable(dialog)
    ops.add_milestone(filled["logo"], "Other work", 10_000)  # another contract: nothing changes
    QApplication.processEvents()
    assert refundable(dialog) == before and window.statusBar().currentMessage() == ""
    ops.record_refund(payment_of(site), 80_000, today=TODAY)  # refunded in full, elsewhere
    QApplication.processEvents()
    assert dialog.isVisible() and refundable(dialog) != before  # the list is the book as it is now
    assert dialog.memo_edit.text() == "Overpaid"  # what was typed stays
    assert not dialog.ok_button.isEnabled()
    assert window.statusBar().currentMessage() == (
        "“Website” changed elsewhere: “Record a refund” shows it as it is now."
    )


def test_the_refund_dialog_follows_its_contract_ending_elsewhere(window, qtbot, filled):
    site = Contract.get_by_id(filled["site"].id)
    dialog = open_dialog(qtbot, RefundDialog(site, window, today=TODAY))
    ops.end_contract(site, agreed=True, today=TODAY)  # refunds go on after the end: it stays, and says so
    QApplication.processEvents()
    assert dialog.isVisible()
    assert "“Website” changed elsewhere" in window.statusBar().currentMessage()


def test_the_refund_dialogs_own_refund_keeps_the_status_bar_quiet(window, qtbot, filled):
    site = Contract.get_by_id(filled["site"].id)
    dialog = open_dialog(qtbot, RefundDialog(site, window, today=TODAY))
    dialog.payment_list.selectRow(0)
    dialog.amount_edit.setText("10.00")
    dialog.ok_button.click()
    QApplication.processEvents()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert (
        LedgerEntry.select().where((LedgerEntry.contract == site) & (LedgerEntry.kind == LedgerEntry.REFUND)).count()
        == 1
    )
    assert window.statusBar().currentMessage() == ""


def test_the_feedback_dialog_closes_when_feedback_is_submitted_elsewhere(window, qtbot, filled):
    old = Contract.get_by_id(filled["old"].id)
    dialog = open_dialog(qtbot, FeedbackDialog(old, window, now=NOW))
    assert dialog.isVisible() and not dialog.sealed
    ops.submit_feedback(old, dict.fromkeys(Feedback.CATEGORIES, 5), now=NOW)  # sealed now: the form no longer applies
    QApplication.processEvents()
    assert not dialog.isVisible()
    assert window.statusBar().currentMessage() == (
        "“Annual report” changed elsewhere, so “Feedback on “Annual report”” was closed."
    )


def test_the_milestone_dialog_closes_when_its_milestone_is_edited_elsewhere(window, qtbot, filled):
    logo = Contract.get_by_id(filled["logo"].id)
    m = ops.add_milestone(logo, "Final files", 20_000)
    dialog = open_dialog(qtbot, MilestoneDialog(logo, window, Milestone.get_by_id(m.id)))
    ops.add_milestone(logo, "Bonus", 5_000)  # another milestone of the same contract: it stays
    QApplication.processEvents()
    assert dialog.isVisible()
    ops.edit_milestone(Milestone.get_by_id(m.id), "Final files and fonts", 25_000)
    QApplication.processEvents()
    assert not dialog.isVisible()
    assert "changed elsewhere" in window.statusBar().currentMessage()


def test_a_date_question_closes_when_its_contract_ends_elsewhere(window, qtbot, filled):
    logo = Contract.get_by_id(filled["logo"].id)
    window.select_contract(logo.id)
    tab = window.page.milestones
    window.page.tabs.setCurrentWidget(tab)
    tab.select_milestone(Milestone.get(Milestone.contract == logo).id)
    dialog = tab.submit_work()
    assert dialog is not None and dialog.isVisible()
    ops.end_contract(logo, agreed=True, request_escrow_refund=True, today=date(2026, 3, 10))
    QApplication.processEvents()
    assert window.page.milestones.date_dialog is None  # closed (and gone)
    assert "“Logo redesign” has ended" in window.statusBar().currentMessage()
