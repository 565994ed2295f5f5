"""The end-contract dialog on every path (R7, R8, R11, R14)."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs

import pytest
from PySide6.QtCore import QDate, Qt, QTimer, QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
    QWizard,
)

from desktop.contract.flows import end_contract_dialog
from desktop.dialogs.end_contract import REASONS, EndContractDialog, mailto_url
from desktop.dialogs.release_wizard import ReleaseWizard
from models import ops, queries
from models.check import check_book
from models.entities import Contract, EscrowRefundRequest, LedgerEntry, Milestone
from tests.ui import beside, in_calendar, press, shown_date, type_date

TODAY = date(2026, 3, 10)


@pytest.fixture
def funded(contract):  # here, not the wizard tests' one (tests/desktop/dialogs/conftest.py)
    """$250.00 in escrow, all of it in the active milestone “Final delivery”."""
    final = ops.add_milestone(contract, "Final delivery", 25_000)
    ops.fund_milestone(final, today=date(2026, 3, 2))
    return contract


def open_dialog(qtbot, contract) -> EndContractDialog:
    d = end_contract_dialog(Contract.get_by_id(contract.id), today=TODAY)
    qtbot.addWidget(d)
    d.show()
    return d


def seen(label) -> str:
    """A rich-text label as the user reads it (no markup)."""
    doc = QTextDocument()
    doc.setHtml(label.text())
    return " ".join(doc.toPlainText().split())


def emitted(d: EndContractDialog) -> list[int]:
    ids: list[int] = []
    d.contract_changed.connect(ids.append)
    return ids


def in_wizard(act) -> list:
    """Run `act(wizard)` on the release wizard once it runs modally (the dialog itself is modal too)."""
    done = []

    def later():
        w = QApplication.activeModalWidget()
        if not isinstance(w, ReleaseWizard):
            QTimer.singleShot(20, later)
            return
        act(w)
        done.append(w)

    QTimer.singleShot(0, later)
    return done


def release_all(w: ReleaseWizard) -> None:
    """Release all of the first active milestone and stop at the done page."""
    press(w.button(QWizard.WizardButton.NextButton))
    assert w.amount.full.isChecked()
    press(w.button(QWizard.WizardButton.NextButton))
    press(w.button(QWizard.WizardButton.CommitButton))  # Pay now
    assert w.currentPage() is w.done_page


# ------------------------------------------------------------------ endings


def test_r7_ending_with_no_escrow(qtbot, contract):
    d = open_dialog(qtbot, contract)
    ids = emitted(d)
    assert not d.choices.isVisible() and "Nothing is left in escrow" in seen(d.escrow_text)
    assert d.end_hint.text() == "To end the contract, tick that you agreed the ending."
    d.agreed.setChecked(True)
    d.note.setPlainText("Paid on time; would hire again.")
    press(d.end_button)
    c = Contract.get_by_id(contract.id)
    assert c.status == Contract.ENDED and c.ended_on == TODAY
    assert c.end_reason == "Work completed" and c.end_note == "Paid on time; would hire again."
    assert d.ended and d.request is None and ids == [contract.id]
    assert d.stack.currentWidget() is d.after_page and d.isVisible()
    assert "“Logo redesign” has ended on 10 Mar 2026." in seen(d.ended_text)
    assert seen(d.request_text) == "No escrow was left, so no escrow refund was requested."
    assert EscrowRefundRequest.select().count() == 0
    press(d.close_button)
    assert d.result() == QDialog.DialogCode.Accepted and not d.go_to_closeout
    assert check_book() == []


def test_r8_ending_with_escrow_requests_an_escrow_refund(qtbot, funded):
    d = open_dialog(qtbot, funded)
    ids = emitted(d)
    assert d.choices.isVisible()
    assert "$250.00 is still in escrow" in seen(d.escrow_text)
    assert d.refund_choice.text().replace("&", "") == "End and request an escrow refund of $250.00"
    assert "7 days to approve or dispute it (until 17 Mar 2026)" in seen(d.refund_note)
    assert "counts as approval" in seen(d.refund_note)
    assert not d.release_choice.isChecked() and not d.refund_choice.isChecked()  # an explicit choice
    d.agreed.setChecked(True)
    d.refund_choice.setChecked(True)
    d.reason.setCurrentText("Project cancelled")
    press(d.end_button)
    c = Contract.get_by_id(funded.id)
    assert c.status == Contract.ENDED and c.end_reason == "Project cancelled"
    [request] = list(c.escrow_refund_requests)
    assert request.amount == 25_000 and request.requested_on == TODAY
    assert request.reply_due == TODAY + timedelta(days=7)
    assert d.request is not None and d.request.id == request.id and ids == [funded.id]
    text = seen(d.request_text)
    assert "An escrow refund of $250.00 was requested from Ana Ruiz." in text
    assert "They have until 17 Mar 2026 to approve or dispute it" in text
    assert check_book() == []


def test_r7_release_it_first_through_the_wizard_then_end_without_a_request(qtbot, funded):
    d = open_dialog(qtbot, funded)
    ids = emitted(d)
    assert not d.release_button.isEnabled()  # only once "Release it first" is chosen
    d.release_choice.setChecked(True)
    d.agreed.setChecked(True)
    assert not d.end_button.isEnabled()
    assert "release the escrow first" in d.end_hint.text()

    def pay_and_keep_open(w):
        release_all(w)
        press(w.button(QWizard.WizardButton.FinishButton))  # Keep it open

    done = in_wizard(pay_and_keep_open)
    press(d.release_button)
    assert done
    assert queries.balances(funded).escrow == 0 and ids == [funded.id]
    assert not d.choices.isVisible() and "Nothing is left in escrow" in seen(d.escrow_text)
    assert Contract.get_by_id(funded.id).status == Contract.ACTIVE
    assert d.end_button.isEnabled()
    press(d.end_button)
    c = Contract.get_by_id(funded.id)
    assert c.status == Contract.ENDED and d.request is None
    assert EscrowRefundRequest.select().count() == 0
    assert queries.balances(c).released == 25_000 and ids == [funded.id, funded.id]
    assert check_book() == []


def test_r7_a_partial_release_leaves_the_choices_with_the_new_amount(qtbot, funded):
    d = open_dialog(qtbot, funded)
    d.release_choice.setChecked(True)

    def pay_part(w):
        press(w.button(QWizard.WizardButton.NextButton))
        w.amount.partial.setChecked(True)
        qtbot.keyClicks(w.amount.part, "200.00")
        press(w.button(QWizard.WizardButton.NextButton))
        press(w.button(QWizard.WizardButton.CommitButton))
        press(w.button(QWizard.WizardButton.FinishButton))

    done = in_wizard(pay_part)
    press(d.release_button)
    assert done and d.escrow == 5_000 and d.choices.isVisible()
    assert d.refund_choice.text().replace("&", "") == "End and request an escrow refund of $50.00"
    d.agreed.setChecked(True)
    d.refund_choice.setChecked(True)
    press(d.end_button)
    assert d.request.amount == 5_000
    assert check_book() == []


def test_r7_the_wizard_opened_from_here_returns_here_to_end(qtbot, funded):
    """Released from "Release it first", the wizard does not offer a second ending: Finish comes back here."""
    d = open_dialog(qtbot, funded)
    d.release_choice.setChecked(True)

    def pay_and_return(w):
        release_all(w)
        assert not w.done_page.end_button.isVisible()
        assert w.button(QWizard.WizardButton.FinishButton).text() == "&Back to ending the contract"
        press(w.button(QWizard.WizardButton.FinishButton))

    done = in_wizard(pay_and_return)
    press(d.release_button)
    assert done and Contract.get_by_id(funded.id).status == Contract.ACTIVE
    assert not d.ended and d.stack.currentWidget() is d.before_page
    assert check_book() == []


# ------------------------------------------------------------ gating, cancel


def test_r7_end_button_waits_for_the_agreement_and_the_escrow_choice(qtbot, funded):
    d = open_dialog(qtbot, funded)
    assert not d.end_button.isEnabled()
    d.refund_choice.setChecked(True)
    assert not d.end_button.isEnabled()  # the ending is not agreed yet
    assert d.end_hint.text() == "To end the contract, tick that you agreed the ending."
    d.agreed.setChecked(True)
    assert d.end_button.isEnabled() and not d.end_hint.isVisible()
    d.release_choice.setChecked(True)
    assert not d.end_button.isEnabled()  # the escrow is still there
    d.refund_choice.setChecked(True)
    d.agreed.setChecked(False)
    assert not d.end_button.isEnabled()


def test_r7_agreement_gates_end_with_no_escrow(qtbot, contract, unchanged):
    d = open_dialog(qtbot, contract)
    with unchanged():
        assert not d.end_button.isEnabled()
        d.end_contract()  # even called directly, nothing is written before the box is ticked
        assert not d.ended
    qtbot.mouseClick(d.agreed, Qt.MouseButton.LeftButton)
    assert d.agreed.isChecked() and d.end_button.isEnabled()


def test_r14_cancel_changes_nothing(qtbot, funded, unchanged):
    with unchanged():
        d = open_dialog(qtbot, funded)
        d.agreed.setChecked(True)
        d.refund_choice.setChecked(True)
        d.reason.setCurrentText("Budget changed")
        d.note.setPlainText("Never mind.")
        press(d.cancel_button)
        assert d.result() == QDialog.DialogCode.Rejected and not d.isVisible() and not d.ended
    assert Contract.get_by_id(funded.id).status == Contract.ACTIVE


def test_r14_escape_cancels(qtbot, contract, unchanged):
    with unchanged():
        d = open_dialog(qtbot, contract)
        d.agreed.setChecked(True)
        qtbot.keyClick(d.note, Qt.Key.Key_Escape)
        assert d.result() == QDialog.DialogCode.Rejected and not d.isVisible()


def test_other_reason_needs_its_text(qtbot, contract):
    d = open_dialog(qtbot, contract)
    assert [d.reason.itemText(i) for i in range(d.reason.count())] == list(REASONS)
    assert not d.reason_other.isVisible()
    d.agreed.setChecked(True)
    assert d.end_button.isEnabled()
    d.reason.setCurrentText("Other…")
    assert d.reason_other.isVisible() and d.reason_other.isEnabled()
    assert not d.end_button.isEnabled() and d.end_hint.text() == "To end the contract, say why you are ending it."
    qtbot.keyClicks(d.reason_other, "   ")
    assert not d.end_button.isEnabled()
    d.reason_other.clear()
    qtbot.keyClicks(d.reason_other, "Moved the work in-house")
    assert d.end_button.isEnabled()
    press(d.end_button)
    assert Contract.get_by_id(contract.id).end_reason == "Moved the work in-house"
    assert check_book() == []


# ------------------------------------------------------------- after the end


def ended_with_request(qtbot, funded) -> EndContractDialog:
    d = open_dialog(qtbot, funded)
    d.agreed.setChecked(True)
    d.refund_choice.setChecked(True)
    press(d.end_button)
    assert d.ended and check_book() == []
    return d


def test_r8_mailto_link_carries_title_amount_and_name(qtbot, funded):
    d = ended_with_request(qtbot, funded)
    opened: list[QUrl] = []
    d.open_url = lambda url: opened.append(url) or True
    press(d.email_button)
    [url] = opened
    assert url == mailto_url(funded)
    assert url.scheme() == "mailto" and url.path() == "ana@example.com"
    encoded = url.toString(QUrl.ComponentFormattingOption.FullyEncoded)
    assert " " not in encoded and "\n" not in encoded and "“" not in encoded  # percent-encoded
    query = parse_qs(url.query(QUrl.ComponentFormattingOption.FullyEncoded), strict_parsing=True)
    [subject], [body] = query["subject"], query["body"]
    assert subject == "Ending our contract “Logo redesign”"
    assert body.startswith("Hello Ana Ruiz,\r\n")
    assert "“Logo redesign”" in body and "$250.00 was left in escrow" in body
    assert "Please approve it by 17 March 2026." in body
    assert body.replace("\r\n", "\n") == queries.escrow_refund_email(funded)[1]


def test_mailto_keeps_plus_and_ampersand_in_a_title(qtbot, freelancer):
    c = ops.create_contract("R&D + QA", freelancer, currency="USD", started_on=date(2026, 3, 1), today=TODAY)
    ops.end_contract(c, agreed=True, today=TODAY)
    query = parse_qs(mailto_url(c).query(QUrl.ComponentFormattingOption.FullyEncoded))
    assert query["subject"] == ["Ending our contract “R&D + QA”"]


def test_email_app_missing_points_to_copy(qtbot, funded):
    d = ended_with_request(qtbot, funded)
    d.open_url = lambda url: False
    press(d.email_button)
    assert d.email_status.isVisible() and "Copy email" in d.email_status.text()


def test_copy_email_puts_subject_and_body_on_the_clipboard(qtbot, funded):
    d = ended_with_request(qtbot, funded)
    QApplication.clipboard().clear()
    press(d.copy_button)
    subject, body = queries.escrow_refund_email(funded)
    assert QApplication.clipboard().text() == f"Subject: {subject}\n\n{body}"
    assert d.email_status.text() == "The email is on the clipboard."


def test_r11_closeout_button_asks_for_the_checklist(qtbot, funded):
    d = ended_with_request(qtbot, funded)
    assert not d.go_to_closeout
    press(d.closeout_button)
    assert d.go_to_closeout and d.result() == QDialog.DialogCode.Accepted and not d.isVisible()


def test_escape_after_the_end_closes_as_accepted(qtbot, funded):
    d = ended_with_request(qtbot, funded)
    qtbot.keyClick(d.close_button, Qt.Key.Key_Escape)
    assert d.result() == QDialog.DialogCode.Accepted and not d.isVisible()


# ------------------------------------------------------------- the day it ended (R16)


def test_r16_ended_on_a_past_day_typed_in(qtbot, funded):
    d = open_dialog(qtbot, funded)
    assert shown_date(d.date_edit) == TODAY and d.findChild(QLabel, "dateLabel").text() == "&On:"
    type_date(qtbot, d.date_edit, date(2026, 3, 6))
    assert "(until 13 Mar 2026)" in seen(d.refund_note)  # 7 days from the day it ended
    d.agreed.setChecked(True)
    d.refund_choice.setChecked(True)
    press(d.end_button)
    c = Contract.get_by_id(funded.id)
    assert c.ended_on == date(2026, 3, 6)
    [request] = list(c.escrow_refund_requests)
    assert (request.requested_on, request.reply_due) == (date(2026, 3, 6), date(2026, 3, 13))
    assert "has ended on 6 Mar 2026" in seen(d.ended_text)
    assert check_book() == []


def test_r16_an_ending_before_the_latest_entry_is_refused_under_the_date(qtbot, funded, unchanged):
    d = open_dialog(qtbot, funded)
    d.date_edit.setDate(QDate(2026, 3, 1))
    d.agreed.setChecked(True)
    d.refund_choice.setChecked(True)
    with unchanged():
        press(d.end_button)
    assert beside(d, "dateError") == (
        "1 Mar 2026 is before the fee of $0.99 for “Final delivery” on 2 Mar 2026. Choose 2 Mar 2026 or later."
    )
    assert not d.error.isVisible() and not d.ended and d.stack.currentWidget() is d.before_page
    d.date_edit.setDate(QDate(2026, 3, 2))  # the same day is allowed
    assert beside(d, "dateError") is None
    press(d.end_button)
    assert Contract.get_by_id(funded.id).ended_on == date(2026, 3, 2)


def test_r16_the_day_it_ended_is_never_later_than_today(qtbot, funded):
    d = open_dialog(qtbot, funded)
    d.date_edit.setDate(QDate(2026, 3, 11))
    assert shown_date(d.date_edit) == TODAY and d.date_edit.maximumDate() == QDate(2026, 3, 10)
    type_date(qtbot, d.date_edit, date(2026, 3, 12))
    d.agreed.setChecked(True)
    d.refund_choice.setChecked(True)
    assert beside(d, "dateError") == (
        "12 Mar 2026 is later than today (10 Mar 2026): record an event on the day it happened."
    )
    assert not d.end_button.isEnabled() and "choose a day it could have ended on" in d.end_hint.text()


def test_r7_r16_the_automatic_releases_by_the_day_chosen_are_shown_and_recorded_first(qtbot, funded):
    """“Design”, submitted on 2 March, is released by the marketplace on 16 March (14 days)."""
    design = ops.add_milestone(funded, "Design", 30_000)
    ops.fund_milestone(design, today=date(2026, 3, 2))
    ops.submit_work(design, today=date(2026, 3, 2))  # the marketplace releases it on 16 March
    d = open_dialog(qtbot, funded)  # on 10 March: not released yet
    assert d.automatic_text.isHidden()
    assert "$550.00 is still in escrow" in seen(d.escrow_text)
    d.reject()
    d = end_contract_dialog(Contract.get_by_id(funded.id), today=date(2026, 3, 20))
    qtbot.addWidget(d)
    d.show()
    assert d.automatic_text.text() == (
        "The marketplace released $300.00 of “Design” automatically on 16 Mar 2026; it is recorded first."
    )
    assert "$250.00 is still in escrow" in seen(d.escrow_text)
    assert d.refund_choice.text().replace("&", "") == "End and request an escrow refund of $250.00"
    d.date_edit.setDate(QDate(2026, 3, 15))  # a day before it: nothing automatic yet, all of it to ask back
    assert d.automatic_text.isHidden() and "$550.00 is still in escrow" in seen(d.escrow_text)
    d.date_edit.setDate(QDate(2026, 3, 18))
    d.agreed.setChecked(True)
    d.refund_choice.setChecked(True)
    press(d.end_button)
    c = Contract.get_by_id(funded.id)
    assert c.ended_on == date(2026, 3, 18) and [r.amount for r in c.escrow_refund_requests] == [25_000]
    release = LedgerEntry.get((LedgerEntry.milestone == design) & (LedgerEntry.kind == LedgerEntry.RELEASE))
    assert (release.amount, release.date) == (30_000, date(2026, 3, 16))
    assert check_book() == []


# ----------------------------------------------------------------- refusals


def test_r14_refusal_when_the_contract_ended_elsewhere_is_shown_at_the_top(qtbot, contract, unchanged):
    d = open_dialog(qtbot, contract)
    ids = emitted(d)
    ops.unlisten(d.watch.after_operation)  # a write the dialog is not told of (told, it closes: test_follow)
    ops.end_contract(contract, agreed=True, today=TODAY)  # another window got there first
    d.agreed.setChecked(True)
    with unchanged():
        press(d.end_button)
    assert d.error.isVisible() and d.error.message() == "“Logo redesign” has already ended."
    assert d.error.geometry().top() < d.stack.geometry().top()  # at the top
    assert d.isVisible() and d.stack.currentWidget() is d.before_page
    assert not d.ended and d.request is None and ids == []


def test_r14_escrow_that_appeared_meanwhile_is_refused_and_then_offered(qtbot, contract, unchanged):
    d = open_dialog(qtbot, contract)
    assert not d.choices.isVisible()
    m = ops.add_milestone(contract, "Late extra", 1_000)
    ops.fund_milestone(m, today=TODAY)  # funded in another window
    d.agreed.setChecked(True)
    with unchanged():
        press(d.end_button)
    assert d.error.message() == (
        "$10.00 is still in escrow. Release it first, or end the contract and request an escrow refund."
    )
    assert d.choices.isVisible() and not d.end_button.isEnabled() and not d.ended
    d.refund_choice.setChecked(True)
    press(d.end_button)
    assert d.request.amount == 1_000 and not d.error.isVisible()
    assert Milestone.get_by_id(m.id).state == Milestone.CLOSED
    assert check_book() == []


def test_release_first_on_an_ended_contract_says_why(qtbot, funded, unchanged):
    d = open_dialog(qtbot, funded)
    ops.unlisten(d.watch.after_operation)  # a write the dialog is not told of (told, it closes: test_follow)
    ops.end_contract(funded, agreed=True, request_escrow_refund=True, today=TODAY)
    d.release_choice.setChecked(True)
    with unchanged():
        press(d.release_button)  # no wizard opens: it would dead-end
    assert d.error.message() == "“Logo redesign” has ended: payments can no longer be released."


# -------------------------------------------------------------- accessibility


def test_every_interactive_widget_is_named(qtbot, funded):
    d = open_dialog(qtbot, funded)
    d.agreed.setChecked(True)
    d.refund_choice.setChecked(True)
    press(d.end_button)
    widgets = [*d.before_page.findChildren(QWidget), *d.after_page.findChildren(QWidget)]
    kinds = (QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit, QAbstractSpinBox)
    interactive = [w for w in widgets if isinstance(w, kinds)]
    # a combo box's or a date edit's own parts, and its calendar
    interactive = [w for w in interactive if not isinstance(w.parent(), (QComboBox, QAbstractSpinBox))]
    interactive = [w for w in interactive if not in_calendar(w)]
    assert len(interactive) == 16  # with the two "Why?" links
    for w in interactive:
        assert w.objectName() and w.accessibleName(), w
    names = {w.objectName() for w in interactive}
    assert names >= {
        "agreedCheck",
        "endDateEdit",
        "releaseFirstChoice",
        "releaseFirstButton",
        "refundChoice",
        "reasonCombo",
        "reasonOtherEdit",
        "noteEdit",
        "endButton",
        "cancelButton",
        "emailButton",
        "copyEmailButton",
        "why_ending",
        "why_escrow_refund",
        "closeoutButton",
        "closeButton",
    }


def tab_through(qtbot, d, start, count) -> list[str]:
    """The widgets Tab reaches from `start`, each once (Tab goes through a date's day, month and year first)."""
    d.activateWindow()
    start.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start)
    reached = [start.objectName()]
    while len(reached) < count:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        name = QApplication.focusWidget().objectName()
        if name != reached[-1]:
            reached.append(name)
    return reached


def test_tab_order_follows_the_page(qtbot, funded):
    d = open_dialog(qtbot, funded)
    d.agreed.setChecked(True)
    d.release_choice.setChecked(True)
    d.reason.setCurrentText("Other…")
    assert tab_through(qtbot, d, d.agreed, 8) == [
        "agreedCheck",
        "endDateEdit",
        "releaseFirstChoice",
        "releaseFirstButton",
        "reasonCombo",
        "reasonOtherEdit",
        "noteEdit",
        "cancelButton",  # End is disabled while the escrow is there
    ]
    d.refund_choice.setChecked(True)
    qtbot.keyClicks(d.reason_other, "Moved in-house")
    assert tab_through(qtbot, d, d.agreed, 8) == [
        "agreedCheck",
        "endDateEdit",
        "refundChoice",  # the chosen one of the two choices
        "reasonCombo",
        "reasonOtherEdit",
        "noteEdit",
        "endButton",
        "cancelButton",
    ]


def test_reminders_are_in_our_words(qtbot, contract):
    d = open_dialog(qtbot, contract)
    text = seen(d.findChild(QWidget, "remindersText"))
    assert "Agree the ending with Ana Ruiz first" in text
    assert "circumvention" in text and "marketplace's terms" in text
    assert "refund payments made within the past 180 days" in text
    assert d.width() >= 540


def test_keyboard_only_space_arrows_and_tab(qtbot, funded):
    d = open_dialog(qtbot, funded)
    d.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is d.agreed)  # focus starts on the agreement

    def key(k):
        qtbot.keyClick(QApplication.focusWidget(), k)

    key(Qt.Key.Key_Space)
    assert d.agreed.isChecked()
    key(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is d.date_edit  # the day it ended: today, unless typed
    for _ in range(3):  # its day, month and year
        key(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is d.release_choice
    key(Qt.Key.Key_Down)
    assert QApplication.focusWidget() is d.refund_choice
    key(Qt.Key.Key_Space)
    assert d.refund_choice.isChecked() and d.end_button.isEnabled()
    for _ in range(3):  # reason, note, End
        key(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is d.end_button
    key(Qt.Key.Key_Space)
    assert d.ended and d.request.amount == 25_000
    assert QApplication.focusWidget() is d.close_button
    assert check_book() == []


def test_r3_v2_the_dialog_says_the_initiation_fee_is_returned_when_nothing_was_released(qtbot, freelancer):
    c = ops.create_contract(
        "Landing page", freelancer, started_on=date(2026, 12, 1), today=date(2026, 12, 5), initiation_fee=499
    )
    m = ops.add_milestone(c, "Design", 10_000)
    ops.fund_milestone(m, on=date(2026, 12, 2), today=date(2026, 12, 5))
    d = end_contract_dialog(Contract.get_by_id(c.id), today=date(2026, 12, 5))
    qtbot.addWidget(d)
    d.show()
    fee = d.findChild(QLabel, "feeReturnedText")
    assert fee.isVisible()
    assert fee.text() == "The contract initiation fee of $4.99 is returned to you, as nothing was released."
    d.agreed.setChecked(True)
    d.refund_choice.setChecked(True)
    assert d.end_contract()
    assert "The contract initiation fee of $4.99 was returned to you." in seen(d.ended_text)
    assert queries.fee_returned(c).amount == 499
    d.grab().save("/tmp/shots-v2-r3/end-contract-after-fee-returned.png")
    assert check_book() == []


def test_r3_v1_the_dialog_says_nothing_of_a_returned_fee(qtbot, funded):
    d = open_dialog(qtbot, funded)
    assert not d.findChild(QLabel, "feeReturnedText").isVisible()
