"""Edit → Undo / Redo (Ctrl+Z, Ctrl+Shift+Z) and Contract → Correct a Record, driven as a user would: the
menu names what would be undone, the ledger keeps both the entry and its reversal, a correction asks why and
keeps the reason, and a refusal is said in words with nothing changed."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.window.main_window import MainWindow
from models import ops, queries
from models.entities import AuditLog, Contract, Feedback, LedgerEntry, Milestone
from tests.conftest import snapshot
from tests.desktop.conftest import TODAY
from tests.models.test_undo import KINDS as UNDO_KINDS
from tests.models.test_undo import TODAY as UNDO_TODAY


def press(qtbot, window, keys: str) -> None:
    modifiers = Qt.KeyboardModifier.ControlModifier
    if "Shift" in keys:
        modifiers |= Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_Z, modifiers)


def live(kind, contract):
    rows = LedgerEntry.select().where((LedgerEntry.contract == contract) & (LedgerEntry.kind == kind))
    return [e for e in rows if queries.is_live(e)]


def open_logo(window, filled):
    window.select_contract(filled["logo"].id)
    return Milestone.get(Milestone.title == "Sketches")


def test_undo_and_redo_are_in_the_edit_menu_disabled_until_something_was_done(window):
    edit = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    texts = [a.text() for a in edit.actions() if not a.isSeparator()]
    assert texts[:2] == ["&Undo", "&Redo"]
    assert not window.act_undo.isEnabled() and not window.act_redo.isEnabled()
    assert window.act_undo.shortcut().toString() == "Ctrl+Z"
    assert window.act_redo.shortcut().toString() == "Ctrl+Shift+Z"


def test_ctrl_z_undoes_a_release_with_a_reversal_and_ctrl_shift_z_records_it_again(window, filled, qtbot):
    m = open_logo(window, filled)
    ops.release_payment(m, 20_000, today=TODAY)
    assert window.act_undo.text() == "&Undo Release $200.00"
    press(qtbot, window, "Ctrl+Z")
    assert live("release", filled["logo"]) == []
    reversal = LedgerEntry.get(LedgerEntry.kind == "reversal")
    assert (reversal.amount, reversal.memo) == (20_000, "Undone (Edit, Undo)")
    assert window.act_undo.text() == "&Undo" and not window.act_undo.isEnabled()
    assert window.act_redo.text() == "&Redo Release $200.00"
    assert window.page.milestones.milestone_table.item(0, 0) is not None  # the page shows the contract again
    press(qtbot, window, "Ctrl+Shift+Z")
    assert [e.amount for e in live("release", filled["logo"])] == [20_000]
    assert window.act_undo.text() == "&Undo Release $200.00"
    assert window.statusBar().currentMessage() == "Redo: Release $200.00"


def test_ctrl_z_undoes_an_ending_by_reopening_the_contract(window, filled, qtbot):
    open_logo(window, filled)
    ops.end_contract(filled["logo"], agreed=True, request_escrow_refund=True, today=TODAY)
    assert window.act_undo.text() == "&Undo End the contract"
    press(qtbot, window, "Ctrl+Z")
    assert Contract.get_by_id(filled["logo"].id).status == Contract.ACTIVE
    assert AuditLog.select().order_by(AuditLog.id.desc()).first().action == "ending recorded in error"
    assert window.model.rows[[r.id for r in window.model.rows].index(filled["logo"].id)].status == "active"


def test_an_undo_the_rules_no_longer_allow_is_refused_in_words(window, filled, qtbot, prompts):
    m = open_logo(window, filled)
    payment = ops.release_payment(m, 20_000, today=TODAY)
    ops.record_refund(payment, 1_000, today=TODAY)
    window.history.done.pop()  # the refund stays: the payment can no longer be reversed
    window.update_undo_actions()
    before = snapshot()
    press(qtbot, window, "Ctrl+Z")
    assert prompts.warned == [
        ("Undo Release $200.00", "“Release $200.00” cannot be undone: That payment has refunds: reverse them first.")
    ]
    assert snapshot() == before
    assert window.act_undo.text() == "&Undo Release $200.00"


def test_opening_another_book_forgets_what_could_be_undone(window, filled, tmp_path):
    m = open_logo(window, filled)
    ops.release_payment(m, 20_000, today=TODAY)
    assert window.act_undo.isEnabled()
    window.switch_to(tmp_path / "other.book", create=True)
    assert not window.act_undo.isEnabled()


# ------------------------------------------------------------ Contract → Correct a Record


def corrections(window) -> list[str]:
    window.fill_corrections_menu(window.corrections_menu)
    return [a.text() for a in window.corrections_menu.actions()]


def trigger(window, name: str) -> None:
    window.fill_corrections_menu(window.corrections_menu)
    next(a for a in window.corrections_menu.actions() if a.objectName() == name).trigger()


def test_the_corrections_menu_lists_what_can_be_withdrawn(window, filled):
    m = open_logo(window, filled)
    assert corrections(window) == ["Nothing to correct"]
    ops.submit_work(m, today=date(2026, 3, 4))
    assert corrections(window) == ["Work submitted on “Sketches” (4 Mar 2026)…"]
    window.select_contract(filled["old"].id)
    assert corrections(window) == ["Contract ended on 3 Mar 2026: reopen it…"]


def test_withdrawing_work_submitted_asks_why_and_keeps_the_reason(window, filled, prompts):
    m = open_logo(window, filled)
    ops.submit_work(m, today=date(2026, 3, 4))
    prompts.reason = "It was the other milestone"
    trigger(window, "actionCorrect_submission")
    assert prompts.reasons_asked == ["Withdraw: Work submitted on “Sketches” (4 Mar 2026)"]
    assert Milestone.get_by_id(m.id).state == Milestone.ACTIVE
    last = AuditLog.select().order_by(AuditLog.id.desc()).first()
    assert last.detail.endswith("Why: It was the other milestone")
    assert window.page.milestones.milestone_table.item(0, 0) is not None


def test_reopening_an_ended_contract_from_the_menu(window, filled, prompts):
    window.select_contract(filled["old"].id)
    trigger(window, "actionCorrect_ending")
    assert Contract.get_by_id(filled["old"].id).status == Contract.ACTIVE
    assert window.statusBar().currentMessage().startswith("Withdrawn as recorded in error: Contract ended on")


@pytest.mark.parametrize("reason", [None, "   "], ids=["cancel", "blank"])
def test_a_correction_cancelled_or_without_a_reason_changes_nothing(window, filled, prompts, reason):
    window.select_contract(filled["old"].id)
    prompts.reason = reason
    before = snapshot()
    trigger(window, "actionCorrect_ending")
    assert snapshot() == before
    assert prompts.warnings == ([] if reason is None else ["Enter a reason."])


def test_a_correction_can_itself_be_refused_in_words(window, filled, prompts):
    old = filled["old"]
    window.select_contract(old.id)
    ops.submit_feedback(old, dict.fromkeys(Feedback.CATEGORIES, 5), now=datetime(2026, 3, 5, 9))
    before = snapshot()
    trigger(window, "actionCorrect_ending")
    assert snapshot() == before
    assert prompts.warnings == [
        "Your feedback on this contract is submitted and sealed, so its ending can no longer be withdrawn."
    ]


# ------------------------------------------------------------ every kind of operation, by keyboard


@pytest.mark.parametrize("setup", UNDO_KINDS, ids=[k.__name__.strip("_") for k in UNDO_KINDS])
def test_ctrl_z_and_ctrl_shift_z_for_each_kind_of_operation(qtbot, book, contract, settings, prompts, setup):
    do, name, done = setup(contract)
    w = MainWindow(book, today=UNDO_TODAY, settings=settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.status_attention.text() != "")  # the book is on screen
    qtbot.wait(50)
    if getattr(w, "overdue_dialog", None) is not None:  # "Not now": the automatic events stay to record
        w.overdue_dialog.reject()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    do()
    assert w.act_undo.text() == f"&Undo {name}"
    press(qtbot, w, "Ctrl+Z")
    assert not done()
    assert w.act_redo.text() == f"&Redo {name}"
    press(qtbot, w, "Ctrl+Shift+Z")
    assert done()
    assert w.act_undo.text() == f"&Undo {name}"
    assert prompts.warnings == []


def test_r8_v2_a_step_of_mediation_is_withdrawn_from_the_menu_dated_the_windows_today(
    qtbot, book, freelancer, settings, prompts
):
    from models import mediation
    from models.entities import Dispute

    c = ops.create_contract("Brand book", freelancer, started_on=date(2026, 12, 1), today=date(2026, 12, 1))
    ops.add_milestone(c, "Guide", 50_000)
    ops.fund_milestone(Milestone.get(Milestone.title == "Guide"), today=date(2027, 1, 4))
    r = ops.end_contract(c, agreed=True, request_escrow_refund=True, today=date(2027, 1, 4))
    d = ops.record_escrow_refund_reply(r, "disputed", today=date(2027, 1, 6))
    ops.record_dispute_answer(d, today=date(2027, 1, 8))
    mediation.record_evidence_sent(d, today=date(2027, 1, 12))
    mediation.record_mediation_proposal(d, to_freelancer=30_000, to_client=20_000, today=date(2027, 1, 14))
    w = MainWindow(book, today=date(2027, 1, 20), settings=settings)
    qtbot.addWidget(w)
    w.select_contract(c.id)
    assert corrections(w)[-1] == "The mediator's proposal (14 Jan 2027)…"
    prompts.reason = "The mediator's email was about another dispute"
    trigger(w, "actionCorrect_mediation_step")
    assert prompts.reasons_asked == ["Withdraw: The mediator's proposal (14 Jan 2027)"]
    assert prompts.warnings == []
    assert Dispute.get_by_id(d.id).proposed_on is None
    last = AuditLog.select().order_by(AuditLog.id.desc()).first()
    assert (last.action, last.detail) == (
        "mediator's proposal recorded in error",
        "proposed on 2027-01-14: $300.00 to the freelancer, $200.00 to you, to be accepted by 2027-01-16. "
        "Why: The mediator's email was about another dispute",
    )
    assert corrections(w)[-1] == "The evidence sent by both sides (12 Jan 2027)…"
