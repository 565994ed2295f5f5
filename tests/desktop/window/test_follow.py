"""Dialogs that follow the book: a contract that ends elsewhere closes the wizard and the end-contract
confirmation open on it, and the status bar says why; the dialogs' own writes and other contracts' do not."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from desktop.contract.flows import end_contract_dialog, release_wizard
from models import ops
from models.entities import Contract
from tests.desktop.conftest import TODAY


def opened(qtbot, dialog):
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def test_the_release_wizard_closes_when_its_contract_ends_elsewhere(window, qtbot, filled):
    logo = filled["logo"]
    wizard = opened(qtbot, release_wizard(Contract.get_by_id(logo.id), window, today=TODAY))
    ops.add_milestone(filled["site"], "Other work", 10_000)  # another contract: the wizard stays
    ops.add_milestone(logo, "More sketches", 10_000)  # the same contract, still active: it stays too
    assert wizard.isVisible()
    ops.end_contract(Contract.get_by_id(logo.id), agreed=True, request_escrow_refund=True, today=TODAY)
    QApplication.processEvents()
    assert not wizard.isVisible()
    assert window.statusBar().currentMessage() == (
        "“Logo redesign” has ended, so “Release a payment — Logo redesign” was closed."
    )


def test_the_end_contract_confirmation_closes_when_its_contract_ends_elsewhere(window, qtbot, filled):
    site = filled["site"]
    dialog = opened(qtbot, end_contract_dialog(Contract.get_by_id(site.id), window, today=TODAY))
    ops.end_contract(Contract.get_by_id(site.id), agreed=True, today=TODAY)
    QApplication.processEvents()
    assert not dialog.isVisible() and not dialog.ended
    assert "“Website” has ended" in window.statusBar().currentMessage()


def test_the_confirmations_own_ending_keeps_it_open_on_what_happened(window, qtbot, filled):
    site = filled["site"]
    dialog = opened(qtbot, end_contract_dialog(Contract.get_by_id(site.id), window, today=TODAY))
    dialog.agreed.setChecked(True)
    dialog.end_button.click()
    QApplication.processEvents()
    assert dialog.isVisible() and dialog.ended
    assert dialog.stack.currentWidget() is dialog.after_page
    assert window.statusBar().currentMessage() == ""


def focused_on_open(qtbot, dialog):
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and dialog.isAncestorOf(QApplication.focusWidget()))
    return QApplication.focusWidget()


def test_the_wizard_opens_with_the_focus_on_its_first_field(window, qtbot, filled):
    logo = Contract.get_by_id(filled["logo"].id)
    wizard = release_wizard(logo, window, today=TODAY)
    assert focused_on_open(qtbot, wizard) is wizard.choose.group.checkedButton()  # the milestone to release


def test_with_no_active_milestone_the_wizard_opens_in_the_title_field(window, qtbot, filled):
    site = Contract.get_by_id(filled["site"].id)  # its one milestone is paid: a new one is the only choice
    wizard = release_wizard(site, window, today=TODAY)
    focused_on_open(qtbot, wizard)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is wizard.choose.new_title, timeout=1000)
    qtbot.keyClicks(QApplication.focusWidget(), "Bonus")
    assert wizard.choice.new_title == "Bonus"  # typing is not lost


def test_the_end_contract_confirmation_opens_with_the_focus_on_its_first_field(window, qtbot, filled):
    dialog = end_contract_dialog(Contract.get_by_id(filled["site"].id), window, today=TODAY)
    assert focused_on_open(qtbot, dialog) is dialog.agreed


def test_the_contract_ended_dialog_shows_its_whole_text_when_no_mail_program_opens(window, qtbot, filled):
    dialog = end_contract_dialog(Contract.get_by_id(filled["site"].id), window, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    dialog.agreed.setChecked(True)
    dialog.end_button.click()
    dialog.open_url = lambda url: False  # no mail program
    dialog.email_button.click()
    QApplication.processEvents()
    label = dialog.email_status
    assert label.isVisible() and label.wordWrap()
    assert label.text().startswith("No email app opened.")
    assert label.height() >= label.heightForWidth(label.width())  # every wrapped line fits
    for part in (dialog.ended_text, dialog.request_text, dialog.next_text):
        assert part.height() >= part.heightForWidth(part.width())
    assert dialog.height() >= dialog.heightForWidth(dialog.width())
