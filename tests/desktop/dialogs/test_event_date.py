"""The "On:" dialog (desktop/dialogs/event_date.py): the day an event happened (R16), one operation on OK."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLabel

from desktop.dialogs.event_date import EventDateDialog
from models import ops
from models.check import check_book
from models.entities import Milestone
from tests.ui import assert_named_and_accessible, beside, child, ok_enabled, record_on, shown_date, type_date

pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py

TODAY = date(2026, 3, 10)


@pytest.fixture
def funded(contract):
    """“Design”, $300.00, funded on 4 March."""
    m = ops.add_milestone(contract, "Design", 30_000)
    ops.fund_milestone(m, on=date(2026, 3, 4), today=date(2026, 3, 4))
    return m


def work_submitted(show, m: Milestone) -> EventDateDialog:
    return show(
        EventDateDialog(
            None,
            title="Work submitted",
            text=f"Record that the freelancer submitted work on “{m.title}”.",
            operation=ops.submit_work,
            args=(m,),
            earliest=m.contract.started_on,
            today=TODAY,
        )
    )


def test_it_says_what_is_recorded_and_offers_today(show, funded):
    d = work_submitted(show, funded)
    assert child(d, "eventSentence").text() == "Record that the freelancer submitted work on “Design”."
    assert d.windowTitle() == "Work submitted"
    assert d.ok_button.text() == "&Record" and ok_enabled(d)
    assert shown_date(d.date_edit) == TODAY
    assert d.findChild(QLabel, "dateLabel").text() == "&On:"
    assert d.date_edit.displayFormat() == "d MMM yyyy" and d.date_edit.calendarPopup()
    assert (d.date_edit.minimumDate(), d.date_edit.maximumDate()) == (QDate(2026, 3, 1), QDate(2026, 3, 10))
    assert_named_and_accessible(d)


def test_r16_a_past_day_typed_in_records_the_event_on_that_day(qtbot, show, funded):
    d = work_submitted(show, funded)
    record_on(qtbot, d, date(2026, 3, 6), typed=True)
    m = Milestone.get_by_id(funded.id)
    assert m.submitted_on == date(2026, 3, 6) and m.auto_release_on == date(2026, 3, 20)  # 14 days from that day
    assert d.recorded.id == funded.id and not d.isVisible()
    assert check_book() == []


def test_r16_a_day_before_the_funding_is_refused_under_the_date_and_writes_nothing(qtbot, show, funded, unchanged):
    d = work_submitted(show, funded)
    with unchanged():
        record_on(qtbot, d, date(2026, 3, 3))
    assert beside(d, "dateError") == (
        "3 Mar 2026 is before the funding of $300.00 for “Design” on 4 Mar 2026. Choose 4 Mar 2026 or later."
    )
    assert d.isVisible() and not ok_enabled(d) and d.recorded is None
    d.date_edit.setDate(QDate(2026, 3, 4))  # the same day is allowed
    assert beside(d, "dateError") is None and ok_enabled(d)
    record_on(qtbot, d)
    assert Milestone.get_by_id(funded.id).submitted_on == date(2026, 3, 4)


def test_r16_the_field_never_goes_later_than_today(qtbot, show, funded, unchanged):
    d = work_submitted(show, funded)
    d.date_edit.setDate(QDate(2026, 3, 11))
    assert shown_date(d.date_edit) == TODAY
    d.date_edit.stepBy(1)  # the up arrow
    assert shown_date(d.date_edit) == TODAY
    with unchanged():
        type_date(qtbot, d.date_edit, date(2026, 3, 12))  # typed, it shows what was typed, and why it cannot be
        assert beside(d, "dateError") == (
            "12 Mar 2026 is later than today (10 Mar 2026): record an event on the day it happened."
        )
        assert not ok_enabled(d)
        d.accept()  # even forced, OK calls nothing
    assert d.isVisible()


def test_a_refusal_not_about_the_date_is_shown_at_the_top(qtbot, show, funded, unchanged):
    d = work_submitted(show, funded)
    ops.submit_work(funded, today=TODAY)  # recorded elsewhere meanwhile
    with unchanged():
        record_on(qtbot, d)
    assert beside(d, "generalError") == "“Design” is not waiting for work."
    assert beside(d, "dateError") is None and d.isVisible()


def test_cancel_writes_nothing(qtbot, show, funded, unchanged):
    with unchanged():
        d = work_submitted(show, funded)
        d.date_edit.setDate(QDate(2026, 3, 5))
        qtbot.mouseClick(child(d, "cancelButton"), Qt.MouseButton.LeftButton)
    assert not d.isVisible() and d.recorded is None
