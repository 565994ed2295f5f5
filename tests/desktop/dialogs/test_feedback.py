"""The feedback dialogs (R10), driven as a user would: stars by keyboard, Submit, a confirmation, the seal.

Time comes in as `now=` (aware UTC datetimes); refusals are wrapped in `unchanged` (R14); after each flow the
whole book still passes `check_book`. Set FEEDBACK_SHOTS=/tmp/feedback to keep the screenshots.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QAbstractButton, QLabel

from desktop.contract.feedback_tab import FeedbackTab
from desktop.dialogs.feedback import FeedbackDialog, FreelancerFeedbackDialog
from desktop.widgets.star_rating import StarRating
from models import ops, queries
from models.check import check_book
from models.entities import Contract, Feedback
from tests.desktop.feedback import (
    ENDED,
    ENDED_AT_NOON,
    GOOD,
    LAST_SECOND,
    MIDNIGHT_AFTER,
    THEIRS,
    leave_feedback_at,
    rate,
    submit,
)
from tests.ui import beside, shown_date, type_date

pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py


@pytest.fixture
def ended(contract) -> Contract:
    ops.end_contract(contract, agreed=True, today=ENDED)
    return Contract.get_by_id(contract.id)


@pytest.fixture
def dialog_for(qtbot, prompts):
    """Open a feedback dialog whose confirmations answer `answer`; `dialog.asked` is what was asked since."""

    def make(contract, *, now, answer=True, kind=FeedbackDialog):
        dialog = kind(contract, now=now)
        prompts.answer = answer
        prompts.asked.clear()
        dialog.asked = prompts.asked
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    return make


def test_feedback_submitted_on_the_day_the_contract_ended_is_accepted(qtbot, ended, dialog_for):
    dialog = leave_feedback_at(qtbot, dialog_for, ended, ENDED_AT_NOON)
    fb = queries.client_feedback(ended)
    assert fb is not None and dialog.feedback == fb
    assert {c: getattr(fb, c) for c in Feedback.CATEGORIES} == GOOD
    assert fb.comment == "Clear, on time, great logo."
    assert len(dialog.asked) == 1 and "sealed" in dialog.asked[0]
    assert dialog.result() == FeedbackDialog.DialogCode.Accepted
    assert check_book() == []


def test_feedback_submitted_at_the_last_second_of_day_14_is_accepted(qtbot, ended, dialog_for):
    dialog = dialog_for(ended, now=LAST_SECOND)
    assert "until 24 Mar 2026, 23:59 UTC" in dialog.blind_note.text()
    assert "once they have left theirs or the window closes" in dialog.blind_note.text()
    rate(qtbot, dialog, GOOD)
    dialog.recommend_spin.setValue(9)
    dialog.private_reason_edit.setText("Work delivered")
    submit(qtbot, dialog)
    fb = queries.client_feedback(ended)
    assert fb is not None and fb.recommend == 9 and fb.private_reason == "Work delivered"
    assert fb.submitted_at == datetime(2026, 3, 24, 23, 59, 59)
    assert check_book() == []


def test_feedback_at_midnight_utc_after_day_14_is_refused_and_changes_nothing(qtbot, ended, unchanged, dialog_for):
    dialog = dialog_for(ended, now=MIDNIGHT_AFTER)
    assert "closed" in dialog.blind_note.text()
    rate(qtbot, dialog, GOOD)
    with unchanged():
        submit(qtbot, dialog)
    assert dialog.general_error.isVisible()
    assert dialog.general_error.message() == "The feedback window closed at 24 Mar 2026 23:59:59 UTC."
    assert dialog.isVisible() and dialog.feedback is None
    assert queries.client_feedback(ended) is None
    assert check_book() == []


def test_declining_the_confirmation_writes_nothing(qtbot, ended, unchanged, dialog_for):
    dialog = dialog_for(ended, now=ENDED_AT_NOON, answer=False)
    rate(qtbot, dialog, GOOD)
    with unchanged():
        submit(qtbot, dialog)
    assert len(dialog.asked) == 1 and dialog.isVisible()


def test_submit_is_disabled_until_every_category_is_rated(qtbot, ended, dialog_for):
    dialog = dialog_for(ended, now=ENDED_AT_NOON)
    submit_button = dialog.findChild(QAbstractButton, "submitButton")
    assert not submit_button.isEnabled()
    rate(qtbot, dialog, {c: v for c, v in GOOD.items() if c != "cooperation"})
    assert not submit_button.isEnabled()
    rate(qtbot, dialog, {"cooperation": 2})
    assert submit_button.isEnabled()


def test_overall_score_updates_as_stars_change(qtbot, ended, dialog_for):
    dialog = dialog_for(ended, now=ENDED_AT_NOON)
    overall = dialog.findChild(type(dialog.overall_label), "overallLabel")
    assert "0 of 6" in overall.text()
    rate(qtbot, dialog, GOOD)  # 5, 4, 4, 5, 3, 5
    assert overall.text() == "Overall: 4.3 of 5"
    rate(qtbot, dialog, {"communication": 5})
    assert overall.text() == "Overall: 4.7 of 5"
    rate(qtbot, dialog, {c: 1 for c in Feedback.CATEGORIES})
    assert overall.text() == "Overall: 1.0 of 5"


def test_sealed_dialog_is_read_only(qtbot, ended, unchanged, dialog_for):
    leave_feedback_at(qtbot, dialog_for, ended, ENDED_AT_NOON)
    with unchanged():
        dialog = dialog_for(ended, now=ENDED_AT_NOON)
        assert dialog.sealed and dialog.sealed_note.isVisible() and "Sealed" in dialog.sealed_note.text()
        assert not dialog.findChild(QAbstractButton, "submitButton").isVisible()
        for cat, value in GOOD.items():
            stars = dialog.findChild(StarRating, f"stars_{cat}")
            assert stars.value() == value and stars.isReadOnly()
        for w in (dialog.comment_edit, dialog.private_reason_edit, dialog.recommend_spin):
            assert w.isReadOnly()
        assert dialog.comment_edit.toPlainText() == "Clear, on time, great logo."
        dialog.accept()  # even called directly, nothing is submitted
        assert dialog.asked == []
    assert check_book() == []


def test_freelancer_feedback_dialog_records_it(qtbot, ended, dialog_for):
    dialog = dialog_for(ended, now=ENDED_AT_NOON, kind=FreelancerFeedbackDialog)
    rate(qtbot, dialog, THEIRS)
    dialog.comment_edit.setPlainText("Great client.")
    submit(qtbot, dialog)
    fb = queries.freelancer_feedback(ended)
    assert fb is not None and fb.comment == "Great client." and fb.skills == 4
    assert check_book() == []


def test_r16_the_freelancers_feedback_is_dated_the_day_they_left_it(qtbot, ended, dialog_for):
    """Typed in on 20 March (UTC), what the freelancer left on 12 March."""
    dialog = dialog_for(ended, now=datetime(2026, 3, 20, 9, 30, tzinfo=UTC), kind=FreelancerFeedbackDialog)
    assert dialog.findChild(QLabel, "dateLabel").text() == "&On:"
    assert shown_date(dialog.date_edit) == date(2026, 3, 20)
    assert dialog.date_edit.maximumDate() == QDate(2026, 3, 20)  # never later than today
    rate(qtbot, dialog, THEIRS)
    type_date(qtbot, dialog.date_edit, date(2026, 3, 12))
    submit(qtbot, dialog)
    assert "left on 12 Mar 2026" in dialog.asked[0]
    fb = queries.freelancer_feedback(ended)
    assert fb.submitted_at == datetime(2026, 3, 12, 0, 0)  # the start of that day (UTC): its time is not known
    assert check_book() == []


def test_r16_the_freelancers_feedback_dated_before_the_ending_is_refused_under_the_date(
    qtbot, ended, dialog_for, unchanged
):
    dialog = dialog_for(ended, now=datetime(2026, 3, 20, 9, 30, tzinfo=UTC), kind=FreelancerFeedbackDialog)
    rate(qtbot, dialog, THEIRS)
    dialog.date_edit.setDate(QDate(2026, 3, 9))
    with unchanged():
        submit(qtbot, dialog)
    assert beside(dialog, "dateError") == (
        "9 Mar 2026 is before the end of the contract on 10 Mar 2026. Choose 10 Mar 2026 or later."
    )
    assert dialog.isVisible() and queries.freelancer_feedback(ended) is None


def test_r16_the_latest_day_is_the_clients_today_and_never_past_the_utc_date(qtbot, ended, dialog_for):
    """At 23:30 UTC on 20 March it is already 21 March in Tokyo, but the operation counts in UTC: 20 March.
    At 01:00 UTC on 21 March it is still 20 March in New York: the client's own today, 20 March."""
    tokyo = FreelancerFeedbackDialog(ended, now=datetime(2026, 3, 20, 23, 30, tzinfo=UTC), today=date(2026, 3, 21))
    qtbot.addWidget(tokyo)
    assert tokyo.date_edit.maximumDate() == QDate(2026, 3, 20)
    new_york = FreelancerFeedbackDialog(ended, now=datetime(2026, 3, 21, 1, 0, tzinfo=UTC), today=date(2026, 3, 20))
    qtbot.addWidget(new_york)
    assert new_york.date_edit.maximumDate() == QDate(2026, 3, 20)


def test_screenshots(qtbot, ended, tmp_path, dialog_for):
    out = Path(os.environ.get("FEEDBACK_SHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    empty = dialog_for(ended, now=ENDED_AT_NOON)
    assert empty.grab().save(str(out / "empty.png"))
    filled = dialog_for(ended, now=ENDED_AT_NOON)
    rate(qtbot, filled, GOOD)
    filled.comment_edit.setPlainText("Clear, on time, great logo.")
    filled.recommend_spin.setValue(9)
    assert filled.grab().save(str(out / "filled.png"))
    submit(qtbot, filled)
    ops.record_freelancer_feedback(ended, THEIRS, comment="Great client, quick answers.", now=ENDED_AT_NOON)
    sealed = dialog_for(ended, now=ENDED_AT_NOON)
    assert sealed.grab().save(str(out / "sealed.png"))
    tab = FeedbackTab(now=lambda: ENDED_AT_NOON)
    qtbot.addWidget(tab)
    tab.resize(900, 520)
    tab.show()
    tab.show_contract(ended)
    assert tab.freelancer_feedback_shown()
    assert tab.grab().save(str(out / "tab_revealed.png"))
