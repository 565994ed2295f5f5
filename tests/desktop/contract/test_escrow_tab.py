"""The "Escrow refund" panel walked through every R8 path: approved, no answer, disputed, answer, outcome (R14)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QTextBrowser

from desktop.contract.escrow_tab import NO_REQUEST, EscrowPanel
from desktop.dialogs.dispute_outcome import DisputeOutcomeDialog
from desktop.dialogs.event_date import EventDateDialog
from models import ops, queries
from models.check import check_book
from models.entities import Dispute, EscrowRefundRequest, LedgerEntry
from tests.ui import beside, child, in_calendar, ok_enabled, press, record_on

ENDED = date(2026, 3, 20)  # a Friday: the request's reply is due 27 March (7 days)
REPLY_DUE = date(2026, 3, 27)


@pytest.fixture
def ended(contract):
    """A $200.00 milestone funded, then the contract ended on 20 March with an escrow refund request."""
    m = ops.add_milestone(contract, "Final logo", 20_000)
    ops.fund_milestone(m, today=date(2026, 3, 2))
    request = ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=ENDED)
    assert request.amount == 20_000 and request.reply_due == REPLY_DUE
    return contract, request


class Day:
    """The panel's `today`: a date the test sets (the clock is never patched)."""

    def __init__(self, d: date):
        self.value = d

    def __call__(self) -> date:
        return self.value


@pytest.fixture
def panel(qtbot, prompts):
    """An EscrowPanel on 22 March whose confirmations say yes and whose warnings are collected."""
    day = Day(date(2026, 3, 22))
    p = EscrowPanel(today=day)
    p.day = day
    p.asked = prompts.asked
    p.warnings = prompts.warnings
    p.prompts = prompts
    p.emitted = []
    p.changed.connect(p.emitted.append)
    qtbot.addWidget(p)
    p.resize(900, 420)
    p.show()
    return p


def on(panel, d: date, contract) -> None:
    panel.day.value = d
    panel.show_contract(contract)


def seen(panel) -> str:
    """The request view as the user reads it."""
    return " ".join(panel.view.toPlainText().split())


def request_of(contract) -> EscrowRefundRequest:
    return EscrowRefundRequest.get(EscrowRefundRequest.contract == contract)


def asked_on(panel, button) -> EventDateDialog:
    """Press a button that records an event: the "On:" dialog opens (today by default)."""
    press(button)
    dialog = panel.date_dialog
    assert isinstance(dialog, EventDateDialog) and dialog.isVisible()
    return dialog


def answer(qtbot, panel, button, day: date | None = None) -> EventDateDialog:
    """Press `button`, choose `day` (None: today) and OK."""
    dialog = asked_on(panel, button)
    record_on(qtbot, dialog, day)
    return dialog


def open_dispute(panel, contract) -> Dispute:
    on(panel, REPLY_DUE, contract)
    dialog = asked_on(panel, panel.disputed_button)
    dialog.ok_button.click()
    return Dispute.get(Dispute.contract == contract)


def open_outcome_dialog(panel) -> DisputeOutcomeDialog:
    press(panel.outcome_button)
    dialog = panel.dialog
    assert isinstance(dialog, DisputeOutcomeDialog) and dialog.isVisible()
    assert dialog.objectName() == "disputeOutcomeDialog"
    return dialog


# ------------------------------------------------------------------ showing


def test_without_a_request_the_panel_says_how_one_comes(panel, contract):
    panel.show_contract(contract)
    assert NO_REQUEST in seen(panel)
    assert panel.status_line.text() == NO_REQUEST
    assert not panel.reply_buttons.isVisible() and not panel.dispute_buttons.isVisible()
    panel.show_contract(None)
    assert "No contract selected" in seen(panel)
    assert not panel.approved_button.isEnabled() and not panel.outcome_button.isEnabled()


def test_r8_pending_request_shows_amount_dates_and_status_in_words(panel, ended):
    contract, _ = ended
    panel.show_contract(contract.id)  # an id works as well as the contract
    text = seen(panel)
    assert "Escrow refund request: $200.00" in text
    assert "Requested on 20 Mar 2026" in text
    assert "Reply due 27 Mar 2026 (in 5 days)" in text
    assert "Status Waiting for the freelancer" in text
    assert "In escrow on this contract now: $200.00" in text
    assert "until 27 Mar 2026" in panel.status_line.text()
    assert panel.reply_buttons.isVisible() and not panel.dispute_buttons.isVisible()
    assert panel.no_reply_button.text().replace("&", "") == "No answer in 7 days…"


# ------------------------------------------------------------------ approved


def test_r8_freelancer_approved_returns_the_escrow(panel, ended, qtbot):
    contract, request = ended
    panel.show_contract(contract)
    dialog = asked_on(panel, panel.approved_button)
    assert "approved the escrow refund of $200.00" in child(dialog, "eventSentence").text()
    assert dialog.ok_button.text() == "&Record approval"
    record_on(qtbot, dialog, date(2026, 3, 21))
    assert queries.balances(contract).escrow == 0
    assert queries.balances(contract).escrow_refunded == 20_000
    assert request_of(contract).status == EscrowRefundRequest.APPROVED
    refund = LedgerEntry.get((LedgerEntry.contract == contract) & (LedgerEntry.kind == LedgerEntry.ESCROW_REFUND))
    assert refund.date == date(2026, 3, 21)  # the day they approved, not the day it was typed in
    assert "Status Approved on 21 Mar 2026. The refund reaches your payment method" in seen(panel)
    assert "In escrow on this contract now: $0.00" in seen(panel)
    assert panel.emitted == [contract.id]
    assert not panel.reply_buttons.isVisible()
    assert panel.asked == []  # one question: the day (no confirmation besides)
    assert check_book() == []


def test_r14_cancel_records_nothing(panel, ended, qtbot, unchanged):
    contract, _ = ended
    panel.show_contract(contract)
    with unchanged():
        for button in (panel.approved_button, panel.disputed_button):
            dialog = asked_on(panel, button)
            qtbot.mouseClick(child(dialog, "cancelButton"), Qt.MouseButton.LeftButton)
            QApplication.processEvents()
    assert panel.emitted == [] and panel.warnings == [] and panel.date_dialog is None
    assert "Waiting for the freelancer" in seen(panel)


def test_r16_r14_a_reply_dated_before_the_request_is_refused_under_the_date(panel, ended, qtbot, unchanged):
    contract, _ = ended
    panel.show_contract(contract)
    with unchanged():
        dialog = answer(qtbot, panel, panel.approved_button, date(2026, 3, 19))
    assert beside(dialog, "dateError") == (
        "19 Mar 2026 is before the escrow refund request on 20 Mar 2026. Choose 20 Mar 2026 or later."
    )
    assert dialog.isVisible() and not ok_enabled(dialog)
    assert panel.emitted == [] and panel.warnings == []
    assert check_book() == []


# ------------------------------------------------------------------ no answer


def test_r8_no_answer_is_disabled_and_refused_on_the_reply_date(panel, ended, qtbot, unchanged):
    contract, _ = ended
    on(panel, REPLY_DUE, contract)
    assert not panel.no_reply_button.isEnabled()
    assert "From 28 Mar 2026" in panel.no_reply_button.toolTip()
    assert "from 28 Mar 2026" in panel.status_line.text()
    panel.record_no_reply()  # what the button would do: the operation refuses it
    dialog = panel.date_dialog
    with unchanged():
        record_on(qtbot, dialog)
    assert beside(dialog, "generalError") == (
        "The freelancer has until 27 Mar 2026 to answer; silence counts as approval only after that."
    )
    assert panel.emitted == [] and panel.warnings == []
    assert request_of(contract).status == EscrowRefundRequest.PENDING
    assert check_book() == []


def test_r8_no_answer_is_accepted_the_day_after_the_reply_date(panel, ended, qtbot):
    contract, _ = ended
    on(panel, date(2026, 3, 30), contract)
    assert panel.no_reply_button.isEnabled()
    dialog = asked_on(panel, panel.no_reply_button)
    assert child(dialog, "eventSentence").text().endswith("comes back to you, dated 28 Mar 2026.")
    record_on(qtbot, dialog)
    assert request_of(contract).status == EscrowRefundRequest.NO_REPLY
    assert queries.balances(contract).escrow == 0
    refund = LedgerEntry.get((LedgerEntry.contract == contract) & (LedgerEntry.kind == LedgerEntry.ESCROW_REFUND))
    assert refund.amount == 20_000 and refund.date == date(2026, 3, 28)
    assert "Status No answer: approved on 30 Mar 2026" in seen(panel)
    assert panel.emitted == [contract.id]
    assert check_book() == []


# ------------------------------------------------------------------ disputed


def test_r8_disputed_on_the_reply_date_opens_a_dispute_with_its_clocks(panel, ended):
    contract, _ = ended
    on(panel, REPLY_DUE, contract)
    assert panel.disputed_button.isEnabled()
    dispute = open_dispute(panel, contract)
    assert dispute.amount == 20_000
    assert dispute.answer_due == date(2026, 4, 3)  # Friday + 5 business days = next Friday
    assert dispute.mediation_ends == date(2026, 4, 26)
    text = seen(panel)
    assert "Status Disputed on 27 Mar 2026" in text
    assert "Dispute over $200.00" in text
    assert "Opened on 27 Mar 2026" in text
    assert "Your answer due 3 Apr 2026 (5 business days, Monday to Friday; in 7 days)" in text
    assert "Mediation ends 26 Apr 2026 (in 30 days)" in text
    assert "Answered on not recorded yet" in text
    assert "Outcome Mediation under way" in text
    assert "by 3 Apr 2026" in panel.status_line.text()
    assert panel.dispute_buttons.isVisible() and not panel.reply_buttons.isVisible()
    assert panel.answered_button.isEnabled() and panel.outcome_button.isEnabled()
    assert panel.emitted == [contract.id]
    assert check_book() == []


def test_r16_a_dispute_typed_in_after_the_reply_date_is_dated_the_day_it_came(panel, ended, qtbot, unchanged):
    contract, _ = ended
    on(panel, date(2026, 3, 30), contract)  # Monday: the freelancer disputed on Thursday, 26 March
    assert panel.disputed_button.isEnabled()
    assert "could dispute until 27 Mar 2026" in panel.disputed_button.toolTip()
    dialog = asked_on(panel, panel.disputed_button)
    with unchanged():
        record_on(qtbot, dialog)  # today, after the reply date: refused
    assert beside(dialog, "generalError") == (
        "The freelancer could dispute until 27 Mar 2026; after that silence counts as approval."
    )
    assert panel.emitted == [] and panel.warnings == []
    record_on(qtbot, dialog, date(2026, 3, 26))
    dispute = Dispute.get(Dispute.contract == contract)
    assert dispute.opened_on == date(2026, 3, 26) and dispute.answer_due == date(2026, 4, 2)
    assert panel.emitted == [contract.id]
    assert check_book() == []


def test_r8_record_the_dispute_answer(panel, ended, qtbot):
    contract, _ = ended
    dispute = open_dispute(panel, contract)
    on(panel, date(2026, 3, 30), contract)
    answer(qtbot, panel, panel.answered_button)
    assert Dispute.get_by_id(dispute.id).answered_on == date(2026, 3, 30)
    assert "Answered on 30 Mar 2026" in seen(panel)
    assert "You answered on 30 Mar 2026" in panel.status_line.text()
    assert not panel.answered_button.isEnabled()
    assert "30 Mar 2026" in panel.answered_button.toolTip()
    assert panel.outcome_button.isEnabled()
    assert panel.emitted == [contract.id, contract.id]
    assert check_book() == []


def test_r16_an_answer_dated_before_the_dispute_opened_is_refused_under_the_date(panel, ended, qtbot, unchanged):
    contract, _ = ended
    dispute = open_dispute(panel, contract)  # opened on 27 March
    on(panel, date(2026, 3, 30), contract)
    dialog = asked_on(panel, panel.answered_button)
    with unchanged():
        record_on(qtbot, dialog, date(2026, 3, 26))
    assert beside(dialog, "dateError") == (
        "26 Mar 2026 is before the opening of the dispute on 27 Mar 2026. Choose 27 Mar 2026 or later."
    )
    assert dialog.date_edit.maximumDate() == QDate(2026, 3, 30)  # never later than today
    assert Dispute.get_by_id(dispute.id).answered_on is None


def test_r16_r14_an_answer_after_its_due_date_is_refused_and_one_on_time_is_recorded(panel, ended, qtbot, unchanged):
    contract, _ = ended
    dispute = open_dispute(panel, contract)
    on(panel, date(2026, 4, 6), contract)
    assert panel.answered_button.isEnabled()  # answered in time, typed in later
    assert "record the day you answered" in panel.answered_button.toolTip()
    dialog = asked_on(panel, panel.answered_button)
    with unchanged():
        record_on(qtbot, dialog)
    assert beside(dialog, "generalError") == "Your answer was due by 03 Apr 2026. Record the dispute's outcome instead."
    assert panel.emitted == [contract.id]  # only the dispute itself
    record_on(qtbot, dialog, date(2026, 4, 2))
    assert Dispute.get_by_id(dispute.id).answered_on == date(2026, 4, 2)


# ------------------------------------------------------------------ the outcome


def test_r8_a_split_that_does_not_sum_is_refused_with_ok_disabled(panel, ended, qtbot, unchanged):
    contract, _ = ended
    dispute = open_dispute(panel, contract)
    dialog = open_outcome_dialog(panel)
    assert not dialog.ok_button.isEnabled()
    assert dialog.sum_line.text() == "Adds up to $0.00 of $200.00 disputed"
    with unchanged():
        qtbot.keyClicks(dialog.to_freelancer_edit, "120")
        qtbot.keyClicks(dialog.to_client_edit, "50")
        assert dialog.sum_line.text() == "Adds up to $170.00 of $200.00 disputed"
        assert dialog.sum_error.isVisible()
        assert dialog.sum_error.message() == "The two parts must add up to exactly $200.00: $30.00 is still to split."
        assert not dialog.ok_button.isEnabled()
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        dialog.accept()  # even forced, OK does not call the operation while the sum is wrong
        assert dialog.isVisible()
        dialog.to_client_edit.setText("100")
        assert dialog.sum_line.text() == "Adds up to $220.00 of $200.00 disputed"
        assert dialog.sum_error.message() == "The two parts must add up to exactly $200.00: $20.00 too much."
        assert not dialog.ok_button.isEnabled()
    assert Dispute.get_by_id(dispute.id).status == Dispute.OPEN
    assert panel.emitted == [contract.id]
    dialog.reject()
    QApplication.processEvents()
    assert panel.dialog is None and panel.outcome_button.isEnabled()


def test_r8_a_split_of_120_and_80_is_recorded_and_shown(panel, ended, qtbot):
    contract, _ = ended
    dispute = open_dispute(panel, contract)
    on(panel, date(2026, 4, 10), contract)
    dialog = open_outcome_dialog(panel)
    qtbot.keyClicks(dialog.to_freelancer_edit, "120")
    qtbot.keyClicks(dialog.to_client_edit, "80")
    assert dialog.sum_line.text() == "Adds up to $200.00 of $200.00 disputed"
    assert dialog.sum_error.isHidden()
    assert dialog.ok_button.isEnabled()
    assert dialog.date_edit.date() == QDate(2026, 4, 10)  # today by default
    record_on(qtbot, dialog, date(2026, 4, 8))
    QApplication.processEvents()
    assert panel.dialog is None
    resolved = Dispute.get_by_id(dispute.id)
    assert resolved.status == Dispute.RESOLVED and resolved.resolved_on == date(2026, 4, 8)
    b = queries.balances(contract)
    assert b.escrow == 0
    assert b.released == 12_000 and b.escrow_refunded == 8_000
    text = seen(panel)
    assert "Resolved on 8 Apr 2026" in text
    assert "Released to the freelancer: $120.00" in text
    assert "Refunded to you: $80.00" in text
    assert "In escrow on this contract now: $0.00" in text
    assert not panel.dispute_buttons.isVisible()
    assert "settled" in panel.status_line.text()
    assert panel.emitted == [contract.id, contract.id]
    assert check_book() == []


def test_r8_a_zero_part_is_ticked_nothing_never_typed_or_left_empty(panel, ended, qtbot):
    contract, _ = ended
    open_dispute(panel, contract)
    dialog = open_outcome_dialog(panel)
    qtbot.keyClicks(dialog.to_freelancer_edit, "200")
    assert "tick “Nothing” for the other part" in dialog.sum_line.text()
    assert not dialog.ok_button.isEnabled()  # an empty field is not zero
    qtbot.keyClicks(dialog.to_client_edit, "0")
    assert dialog.error_text("to_client") == "An amount must be more than zero. Tick “Nothing” for a part that is zero."
    assert not dialog.ok_button.isEnabled()
    dialog.nothing["to_client"].setChecked(True)
    assert not dialog.to_client_edit.isEnabled() and dialog.to_client_edit.text() == ""
    assert dialog.split() == (20_000, 0)
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert queries.balances(contract).released == 20_000 and queries.balances(contract).escrow == 0
    text = seen(panel)
    assert "Released to the freelancer: $200.00" in text and "Refunded to you: $0.00" in text
    assert check_book() == []


def test_r16_r14_an_outcome_dated_before_the_dispute_is_refused_under_the_date(panel, ended, qtbot, unchanged):
    contract, _ = ended
    dispute = open_dispute(panel, contract)
    on(panel, date(2026, 4, 10), contract)
    dialog = open_outcome_dialog(panel)
    qtbot.keyClicks(dialog.to_freelancer_edit, "120")
    qtbot.keyClicks(dialog.to_client_edit, "80")
    with unchanged():
        record_on(qtbot, dialog, date(2026, 3, 26))
    assert dialog.isVisible()
    assert dialog.error_text("date") == (
        "26 Mar 2026 is before the opening of the dispute on 27 Mar 2026. Choose 27 Mar 2026 or later."
    )
    assert not dialog.ok_button.isEnabled()
    assert Dispute.get_by_id(dispute.id).status == Dispute.OPEN
    assert panel.emitted == [contract.id]
    assert check_book() == []
    dialog.reject()


# ------------------------------------------------------------------ accessibility


def test_every_interactive_widget_has_an_object_name_and_accessible_name(panel, ended):
    contract, _ = ended
    open_dispute(panel, contract)
    dialog = open_outcome_dialog(panel)
    for root in (panel, dialog):
        widgets = root.findChildren(QAbstractButton) + root.findChildren(QLineEdit) + root.findChildren(QTextBrowser)
        assert widgets
        for w in widgets:
            if w.parent() is not None and w.parent().inherits("QAbstractSpinBox"):
                continue
            if in_calendar(w):
                continue
            assert w.objectName(), w
            assert w.accessibleName(), w.objectName()
    names = {w.objectName() for w in dialog.findChildren(QLineEdit)}
    assert {"toFreelancerEdit", "toClientEdit"} <= names
    assert dialog.findChild(QAbstractButton, "okButton") is dialog.ok_button
    dialog.reject()


# ------------------------------------------------------------------ mediation steps (second policy version)


def test_r8_v2_each_mediation_step_is_a_button_with_its_deadline(panel, book, freelancer, qtbot):
    import os

    from models import mediation

    v2 = ops.create_contract("Brand book", freelancer, started_on=date(2026, 12, 1), today=date(2026, 12, 1))
    m = ops.add_milestone(v2, "Guidelines", 50_000)
    ops.fund_milestone(m, today=date(2026, 12, 1))
    request = ops.end_contract(v2, agreed=True, request_escrow_refund=True, today=date(2027, 1, 4))
    d = ops.record_escrow_refund_reply(request, "disputed", today=date(2027, 1, 6))
    ops.record_dispute_answer(d, today=date(2027, 1, 8))
    on(panel, date(2027, 1, 12), v2)
    assert panel.step_buttons.isVisible() and panel.evidence_button.isEnabled()
    assert not panel.proposal_button.isEnabled()
    assert "Record when both sides have sent their evidence" in panel.status_line.text()

    asked_on(panel, panel.evidence_button).ok_button.click()
    assert "Evidence sent 12 Jan 2027 Proposal due 14 Jan 2027 (in 2 days)" in seen(panel)
    assert panel.status_line.text().endswith("The mediator's proposal is due by 14 Jan 2027.")

    on(panel, date(2027, 1, 14), v2)
    press(panel.proposal_button)
    dialog = panel.dialog
    assert dialog.objectName() == "mediatorProposalDialog"
    assert dialog.windowTitle() == "Mediator's proposal on the dispute over $500.00"
    qtbot.keyClicks(dialog.to_freelancer_edit, "300")
    qtbot.keyClicks(dialog.to_client_edit, "200")
    os.makedirs("/tmp/shots-v2-r15", exist_ok=True)
    assert dialog.grab().save("/tmp/shots-v2-r15/mediator-proposal-dialog.png")
    record_on(qtbot, dialog)
    d = Dispute.get_by_id(d.id)
    assert (d.proposal_release, d.proposal_refund, d.acceptance_due) == (30_000, 20_000, date(2027, 1, 16))
    assert "Proposed on 14 Jan 2027: $300.00 to the freelancer, $200.00 to you" in seen(panel)
    assert "Accept by 16 Jan 2027 (in 2 days)" in seen(panel)
    assert panel.freelancer_accepted_button.isEnabled() and panel.client_accepted_button.isEnabled()

    asked_on(panel, panel.freelancer_accepted_button).ok_button.click()
    assert not panel.freelancer_accepted_button.isEnabled()
    panel.resize(1000, 560)
    QApplication.processEvents()
    assert panel.grab().save("/tmp/shots-v2-r15/escrow-tab-mediation.png")
    on(panel, date(2027, 1, 17), v2)  # the day after the 2 days: the client did not accept
    assert panel.status_line.text().endswith("record that it went to arbitration.")
    asked_on(panel, panel.arbitration_button).ok_button.click()
    assert Dispute.get_by_id(d.id).arbitration_on == date(2027, 1, 17)
    assert "Arbitration since 17 Jan 2027" in seen(panel)
    assert not panel.arbitration_button.isEnabled() and not panel.client_accepted_button.isEnabled()
    assert mediation.has_steps(d)
    assert check_book() == []


def test_r8_version_1_disputes_show_no_mediation_steps(panel, ended):
    contract, _ = ended
    open_dispute(panel, contract)
    assert not panel.step_buttons.isVisible()
    assert "Record the outcome when mediation ends (by" in panel.status_line.text()
