"""The contract page's Milestones tab: fund, work submitted and ask for changes each ask the day it happened
(R16) in the "On:" dialog, then call one operation with it (R3, R6, R14)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate

from desktop.contract.milestones import MilestonesTab
from desktop.dialogs.event_date import EventDateDialog
from models import ops
from models.check import check_book
from models.entities import LedgerEntry, Milestone
from tests.ui import beside, child, ok_enabled, press, record_on, shown_date, type_date

pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py

TODAY = date(2026, 3, 20)


@pytest.fixture
def tab(qtbot, contract, prompts):
    t = MilestonesTab(today=lambda: TODAY)
    qtbot.addWidget(t)
    t.resize(900, 400)
    t.show()
    t.show_contract(contract.id)
    t.emitted = []
    t.changed.connect(t.emitted.append)
    t.prompts = prompts
    return t


def selected(tab: MilestonesTab, m: Milestone) -> MilestonesTab:
    tab.show_contract(tab.contract.id)
    tab.select_milestone(m.id)
    return tab


def asked_on(tab: MilestonesTab, button) -> EventDateDialog:
    press(button)
    dialog = tab.date_dialog
    assert isinstance(dialog, EventDateDialog) and dialog.isVisible()
    assert shown_date(dialog.date_edit) == TODAY  # today by default
    assert dialog.date_edit.maximumDate() == QDate(2026, 3, 20)  # and never later
    return dialog


def test_r3_r16_funded_on_a_past_day_with_its_fees_said_once(qtbot, tab, contract):
    m = ops.add_milestone(contract, "Design", 30_000)
    dialog = asked_on(selected(tab, m), tab.fund_button)
    assert child(dialog, "eventSentence").text() == (
        "Deposit $300.00 into escrow for “Design”.\n\nRecorded beside it: a marketplace fee of $15.00 and the "
        "contract initiation fee of $0.99."
    )
    record_on(qtbot, dialog, date(2026, 3, 4), typed=True)
    entries = LedgerEntry.select().where(LedgerEntry.milestone == m)
    assert {(e.kind, e.date) for e in entries} == {("fund", date(2026, 3, 4)), ("fee", date(2026, 3, 4))}
    assert tab.prompts.asked == []  # the fees are in the one dialog: no second question
    assert tab.emitted == [contract.id] and tab.selected_milestone_id() == m.id
    assert check_book() == []


def test_r16_funding_cannot_be_dated_before_the_contract_started(qtbot, tab, contract, unchanged):
    m = ops.add_milestone(contract, "Design", 30_000)
    dialog = asked_on(selected(tab, m), tab.fund_button)
    assert dialog.date_edit.minimumDate() == QDate(2026, 3, 1)
    with unchanged():
        type_date(qtbot, dialog.date_edit, date(2026, 2, 27))
        assert beside(dialog, "dateError") == (
            "27 Feb 2026 is before the start of the contract on 1 Mar 2026. Choose 1 Mar 2026 or later."
        )
        assert not ok_enabled(dialog)
    assert tab.emitted == []


def test_r6_r16_work_submitted_on_a_past_day_starts_the_review_that_day(qtbot, tab, contract):
    m = ops.add_milestone(contract, "Design", 30_000)
    ops.fund_milestone(m, on=date(2026, 3, 4), today=TODAY)
    dialog = asked_on(selected(tab, m), tab.submit_button)
    assert child(dialog, "eventSentence").text().startswith("Record that the freelancer submitted work on “Design”.")
    assert "within 14 days" in child(dialog, "eventSentence").text()
    record_on(qtbot, dialog, date(2026, 3, 6))
    m = Milestone.get_by_id(m.id)
    assert (m.submitted_on, m.auto_release_on) == (date(2026, 3, 6), date(2026, 3, 20))
    assert tab.emitted == [contract.id]
    assert check_book() == []


def test_r16_work_submitted_before_the_funding_is_refused_under_the_date(qtbot, tab, contract, unchanged):
    m = ops.add_milestone(contract, "Design", 30_000)
    ops.fund_milestone(m, on=date(2026, 3, 4), today=TODAY)
    dialog = asked_on(selected(tab, m), tab.submit_button)
    with unchanged():
        record_on(qtbot, dialog, date(2026, 3, 3))
    assert beside(dialog, "dateError") == (
        "3 Mar 2026 is before the funding of $300.00 for “Design” on 4 Mar 2026. Choose 4 Mar 2026 or later."
    )
    assert dialog.isVisible() and tab.emitted == [] and tab.prompts.warned == []


def test_r6_r16_changes_asked_on_a_past_day(qtbot, tab, contract):
    m = ops.add_milestone(contract, "Design", 30_000)
    ops.fund_milestone(m, on=date(2026, 3, 4), today=TODAY)
    ops.submit_work(m, on=date(2026, 3, 6), today=TODAY)
    dialog = asked_on(selected(tab, m), tab.changes_button)
    record_on(qtbot, dialog, date(2026, 3, 8))
    assert Milestone.get_by_id(m.id).state == Milestone.ACTIVE
    assert tab.emitted == [contract.id]
    assert check_book() == []


def test_r16_changes_asked_before_the_work_was_submitted_are_refused_under_the_date(qtbot, tab, contract, unchanged):
    m = ops.add_milestone(contract, "Design", 30_000)
    ops.fund_milestone(m, on=date(2026, 3, 4), today=TODAY)
    ops.submit_work(m, on=date(2026, 3, 6), today=TODAY)
    dialog = asked_on(selected(tab, m), tab.changes_button)
    with unchanged():
        record_on(qtbot, dialog, date(2026, 3, 5))
    assert beside(dialog, "dateError") == (
        "5 Mar 2026 is before the work submitted for “Design” on 6 Mar 2026. Choose 6 Mar 2026 or later."
    )
    assert tab.emitted == []


def test_r6_the_milestone_shows_both_submission_dates(qtbot, tab, contract):
    m = ops.add_milestone(contract, "Draft", 10_000)
    ops.fund_milestone(m, today=date(2026, 3, 1))
    ops.submit_work(m, today=date(2026, 3, 1))
    ops.request_changes(m, today=date(2026, 3, 10))
    ops.submit_work(m, today=date(2026, 3, 13))  # again on day 13: released automatically 14 days later
    tab.show_contract(contract.id)
    state = tab.milestone_table.item(0, 5).text()
    assert state == "Submitted 1 Mar 2026, again 13 Mar 2026; released automatically on 27 Mar 2026"
    Path("/tmp/shots-v2-r9").mkdir(parents=True, exist_ok=True)
    tab.milestone_table.resizeColumnsToContents()
    tab.resize(1100, 300)
    assert tab.grab().save("/tmp/shots-v2-r9/milestones-resubmitted.png")


def test_r3_v2_the_fund_dialog_names_the_contracts_own_initiation_fee(qtbot, freelancer, prompts):
    """Under the marketplace's second version the initiation fee is the contract's own ($7.50 here)."""
    today = date(2026, 12, 10)
    c = ops.create_contract("Brand book", freelancer, started_on=date(2026, 12, 1), today=today, initiation_fee=750)
    m = ops.add_milestone(c, "Guidelines", 30_000)
    t = MilestonesTab(today=lambda: today)
    qtbot.addWidget(t)
    t.show()
    t.show_contract(c.id)
    t.select_milestone(m.id)
    press(t.fund_button)
    assert child(t.date_dialog, "eventSentence").text() == (
        "Deposit $300.00 into escrow for “Guidelines”.\n\nRecorded beside it: a marketplace fee of $15.00 and the "
        "contract initiation fee of $7.50."
    )
    t.date_dialog.reject()
