"""The Monday catch-up (R16): a week of events typed in on the following Monday, through the window, with the
days they happened typed into the "On:" fields, gives the same deadlines as the same week recorded day by day.

Two books, one contract each, built the same way (the contract, its two milestones, the access given and the
work to receive back are registered first, in both). Then the week:

    Mon 1 Mar 2027   “Design” ($300.00) and “Build” ($500.00) funded
    Tue 2 Mar        the freelancer submitted work on “Design”
    Wed 3 Mar        “Design” released in full (the release wizard)
    Thu 4 Mar        the contract ended, $500.00 left in escrow: an escrow refund requested
    Fri 5 Mar        the freelancer disputed the refund
    Sat 6 Mar        the GitHub access revoked
    Sun 7 Mar        the source files received back

Book one records each on its day (the operations with today= that day). Book two records all of it on
Monday 8 March through the window. On that Monday both show the same deadlines: the attention panel, the
contract page's deadlines, and `queries.contract_clocks`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWizard

from desktop.dialogs.end_contract import EndContractDialog
from desktop.dialogs.release_wizard import ReleaseWizard
from desktop.window.main_window import MainWindow
from models import ops, queries
from models.book import open_book
from models.check import check_book
from models.entities import AccessGrant, Contract, Deliverable, EscrowRefundRequest, LedgerEntry, Milestone
from tests.ui import press, record_on, type_date

pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py

MON, TUE, WED, THU, FRI, SAT, SUN = (date(2027, 3, 1) + timedelta(days=n) for n in range(7))
NEXT_MONDAY = date(2027, 3, 8)
NOON = datetime.combine(NEXT_MONDAY, time(12, 0), tzinfo=UTC)


def registered(today: date) -> Contract:
    """What both books hold before the week: the contract, its milestones, the access given, the work to get."""
    ana = ops.create_freelancer("Ana Ruiz", email="ana@example.com")
    c = ops.create_contract("Shop redesign", ana, started_on=MON, today=today)
    ops.add_milestone(c, "Design", 30_000)
    ops.add_milestone(c, "Build", 50_000)
    ops.add_access(c, "GitHub org: write access", where="github.com/shop", given_on=MON, today=today)
    ops.add_deliverable(c, "Source files", kind=Deliverable.WORK)
    return c


def milestone(title: str) -> Milestone:
    return Milestone.get(Milestone.title == title)


def day_by_day(path: Path) -> None:
    with open_book(path):
        c = registered(MON)
        ops.fund_milestone(milestone("Design"), today=MON)
        ops.fund_milestone(milestone("Build"), today=MON)
        ops.submit_work(milestone("Design"), today=TUE)
        ops.release_payment(milestone("Design"), today=WED)
        request = ops.end_contract(c, agreed=True, request_escrow_refund=True, today=THU)
        ops.record_escrow_refund_reply(request, "disputed", today=FRI)
        ops.revoke_access(AccessGrant.get(), today=SAT)
        ops.mark_received(Deliverable.get(), today=SUN)
        assert check_book() == []


def window_on(path: Path, qtbot, settings) -> MainWindow:
    """The window on Monday 8 March, showing the book's one contract."""
    w = MainWindow(open_book(path, create=False), today=NEXT_MONDAY, now=lambda: NOON, settings=settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.select_contract(Contract.get().id)
    return w


def when_modal(kind: type, act) -> list:
    """Run `act(dialog)` on the modal dialog of `kind` the next action runs (it blocks in exec()). Returns what
    was done: the dialog, or what `act` raised (the dialog is then closed, so the test fails instead of
    waiting forever)."""
    done = []

    def later():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(20, later)
            return
        try:
            act(dialog)
        except BaseException as exc:  # (a test's assertion, raised inside the dialog's own event loop)
            done.append(exc)
            dialog.reject()
            return
        done.append(dialog)

    QTimer.singleShot(0, later)
    return done


def finished(done: list) -> None:
    assert done, "the dialog never opened"
    if isinstance(done[0], BaseException):
        raise done[0]


def on_monday_through_the_window(path: Path, qtbot, settings) -> None:
    with open_book(path):
        registered(NEXT_MONDAY)
    w = window_on(path, qtbot, settings)
    page = w.page
    tab = page.milestones

    for title in ("Design", "Build"):  # Monday 1 March: funded
        tab.select_milestone(milestone(title).id)
        press(tab.fund_button)
        record_on(qtbot, tab.date_dialog, MON, typed=True)

    tab.select_milestone(milestone("Design").id)  # Tuesday: work submitted on “Design”
    press(tab.submit_button)
    record_on(qtbot, tab.date_dialog, TUE, typed=True)

    def pay_on_wednesday(wizard: ReleaseWizard) -> None:
        press(wizard.button(QWizard.WizardButton.NextButton))  # “Design”, selected in the table
        press(wizard.button(QWizard.WizardButton.NextButton))  # all of it
        type_date(qtbot, wizard.review.date_edit, WED)
        press(wizard.button(QWizard.WizardButton.CommitButton))  # Pay now
        press(wizard.button(QWizard.WizardButton.FinishButton))  # Keep it open

    done = when_modal(ReleaseWizard, pay_on_wednesday)
    tab.select_milestone(milestone("Design").id)
    press(tab.release_button)
    finished(done)

    def end_on_thursday(dialog: EndContractDialog) -> None:
        dialog.agreed.setChecked(True)
        type_date(qtbot, dialog.date_edit, THU)
        dialog.refund_choice.setChecked(True)
        press(dialog.end_button)
        press(dialog.close_button)

    done = when_modal(EndContractDialog, end_on_thursday)
    w.act_end.trigger()
    finished(done)

    page.tabs.setCurrentWidget(page.escrow_panel)  # Friday: the freelancer disputed
    press(page.escrow_panel.disputed_button)
    record_on(qtbot, page.escrow_panel.date_dialog, FRI, typed=True)

    closeout = page.closeout_tab
    page.tabs.setCurrentWidget(closeout)
    closeout._select(closeout.access_table, AccessGrant.get().id)  # Saturday: the access revoked
    press(closeout.revoke_button)
    record_on(qtbot, closeout.date_dialog, SAT, typed=True)
    closeout.select_deliverable(Deliverable.get().id)  # Sunday: the source files came back
    press(closeout.received_button)
    record_on(qtbot, closeout.date_dialog, SUN, typed=True)

    assert check_book() == []
    w.close()  # (closes the book)


def deadlines(path: Path, qtbot, settings) -> dict:
    """What Monday 8 March shows of the book at `path`: the attention panel, the page's deadlines, the clocks."""
    w = window_on(path, qtbot, settings)
    w.attention_dock.show()
    w.attention.refresh()
    c = Contract.get()
    shown = {
        "attention": w.attention.lines(),
        "page": w.page.clocks.text(),
        "clocks": [(k.kind, k.due, k.ref, k.warn_from, k.lapses) for k in queries.contract_clocks(c)],
        # and what "needs attention" will list on each of the weeks to come
        "to come": [queries.attention(NEXT_MONDAY + timedelta(days=n)) for n in range(60)],
        "dates": {
            "ended": c.ended_on,
            "entries": [(e.kind, e.amount, e.date) for e in LedgerEntry.select().order_by(LedgerEntry.id)],
            "request": [(r.requested_on, r.reply_due, r.status, r.answered_on) for r in EscrowRefundRequest.select()],
            "revoked": AccessGrant.get().revoked_on,
            "received": Deliverable.get().received_on,
            "submitted": milestone("Design").submitted_on,
        },
    }
    w.close()
    return shown


def test_r16_the_monday_catch_up_gives_the_same_deadlines_as_the_week_day_by_day(qtbot, tmp_path, settings, prompts):
    day_by_day(tmp_path / "day-by-day.book")
    on_monday_through_the_window(tmp_path / "monday.book", qtbot, settings)
    assert prompts.warned == []

    expected = deadlines(tmp_path / "day-by-day.book", qtbot, settings)
    typed_in = deadlines(tmp_path / "monday.book", qtbot, settings)
    assert typed_in == expected

    # The deadlines are the week's, not Monday's: what a book typed in without the days would get wrong.
    clocks = {(kind, due) for kind, due, *_ in expected["clocks"]}
    assert {
        ("dispute_answer", date(2027, 3, 12)),  # opened Friday 5 March + 5 business days
        # (No 30-day mediation clock: this contract is under the marketplace's second version, whose mediation
        # steps start once both sides have sent their evidence, tests/models/test_r08_mediation_steps.py.)
        ("feedback", date(2027, 3, 18)),  # 14 days from the ending on Thursday
        ("closeout", THU + timedelta(days=7)),  # open items a week after the ending (the grace)
        ("refund_window", date(2027, 8, 30)),  # 180 days from the payment on Wednesday
    } <= clocks
    assert expected["dates"]["ended"] == THU and expected["dates"]["submitted"] == TUE
    assert expected["dates"]["request"] == [(THU, date(2027, 3, 11), "disputed", FRI)]
    assert (expected["dates"]["revoked"], expected["dates"]["received"]) == (SAT, SUN)
    # On Monday the closeout is within its week of grace after Thursday's ending (R11): nothing needs attention.
    assert expected["attention"] == ["Nothing needs attention."]
    assert "12 Mar 2027 · Dispute: your answer due" in expected["page"] and "18 Mar 2027" in expected["page"]
    assert ("dispute_answer", date(2027, 3, 12)) in {(a.kind, a.due) for a in expected["to come"][2]}  # Wednesday
