"""The "On:" field every event dialog uses (desktop/widgets/fields.py `event_date_edit`): the day an event
happened (R16), from the contract's start to today, typed or picked."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtWidgets import QApplication

from desktop.widgets.fields import event_date_edit
from tests.ui import shown_date, type_date

pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py

START = date(2026, 2, 1)
TODAY = date(2026, 3, 10)


@pytest.fixture
def edit(qtbot):
    e = event_date_edit("onEdit", "Date it happened", START, TODAY)
    qtbot.addWidget(e)
    e.show()
    qtbot.waitExposed(e)
    return e


def test_today_by_default_within_the_contracts_start_and_today(edit):
    assert shown_date(edit) == TODAY and edit.text() == "10 Mar 2026"
    assert (edit.minimumDate(), edit.maximumDate()) == (QDate(2026, 2, 1), QDate(2026, 3, 10))
    assert edit.objectName() == "onEdit" and edit.accessibleName() == "Date it happened"
    assert edit.problem() is None


@pytest.mark.parametrize(
    "typed",
    [date(2026, 3, 9), date(2026, 2, 28), date(2026, 2, 15), date(2026, 3, 1), date(2026, 2, 1), date(2026, 3, 10)],
)
def test_r16_a_typed_date_is_taken_even_across_a_month(qtbot, edit, typed):
    """ "28 Feb 2026" typed on 10 March: Qt alone refuses the 28 (28 March is past today) before the month comes."""
    type_date(qtbot, edit, typed)
    assert shown_date(edit) == typed and edit.problem() is None
    assert edit.maximumDate() == QDate(2026, 3, 10)  # the range is back once typing ends


@pytest.mark.parametrize("typed", [date(2026, 3, 31), date(2026, 1, 31), date(2026, 3, 30)])
def test_r16_the_31st_can_be_typed_while_a_shorter_month_shows(qtbot, typed):
    """On 10 April (30 days) "31 Mar" is typed; on 10 February, "31 Jan" or "30 Mar"... of the year before."""
    for today in (date(2026, 4, 10), date(2026, 2, 10)):
        if typed > today:
            continue
        e = event_date_edit("onEdit", "Date it happened", date(2025, 6, 1), today)
        qtbot.addWidget(e)
        type_date(qtbot, e, typed)
        assert shown_date(e) == typed and e.problem() is None


def test_r16_a_typed_day_later_than_today_is_shown_with_why_it_cannot_be_used(qtbot, edit):
    type_date(qtbot, edit, date(2026, 3, 12))
    assert edit.problem() == "12 Mar 2026 is later than today (10 Mar 2026): record an event on the day it happened."
    edit.setDate(QDate(2026, 3, 5))  # chosen again, from the calendar or code: back within the range
    assert edit.problem() is None and edit.maximumDate() == QDate(2026, 3, 10)


def test_r16_a_typed_day_before_the_contract_started_is_shown_with_why(qtbot, edit):
    type_date(qtbot, edit, date(2026, 1, 31))
    assert edit.problem() == (
        "31 Jan 2026 is before the start of the contract on 1 Feb 2026. Choose 1 Feb 2026 or later."
    )


def test_r16_the_arrows_and_code_keep_to_the_range(edit):
    edit.setDate(QDate(2026, 4, 1))
    assert shown_date(edit) == TODAY
    assert not edit.stepEnabled() & edit.StepEnabledFlag.StepUpEnabled
    edit.stepBy(1)
    assert shown_date(edit) == TODAY
    edit.setDate(QDate(2026, 1, 1))
    assert shown_date(edit) == START
    edit.stepBy(-1)
    assert shown_date(edit) == START


def test_r16_the_calendar_offers_the_range_only(qtbot, edit):
    edit.setFocus()
    qtbot.keyClicks(edit, "9")  # typing widens the edit's own range while it lasts
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton, pos=QPoint(edit.width() - 6, edit.height() // 2))
    calendar = edit.calendarWidget()
    qtbot.waitUntil(calendar.isVisible)
    assert (calendar.minimumDate(), calendar.maximumDate()) == (QDate(2026, 2, 1), QDate(2026, 3, 10))
    calendar.window().hide()
    QApplication.processEvents()


def test_a_contract_starting_later_than_today_allows_only_today(qtbot):
    e = event_date_edit("onEdit", "Date it happened", date(2026, 4, 1), TODAY)
    qtbot.addWidget(e)
    assert (e.minimumDate(), e.maximumDate()) == (QDate(2026, 3, 10), QDate(2026, 3, 10))
