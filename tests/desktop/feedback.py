"""What the feedback tests share (R10): the instants around the 14-day window, two sets of stars, and
rating and submitting as a user does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton

from desktop.dialogs.feedback import FeedbackDialog
from desktop.widgets.star_rating import StarRating
from tests.ui import click

ENDED = date(2026, 3, 10)  # the window then closes at 23:59:59 UTC on 24 March (day 14)
ENDED_AT_NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LAST_SECOND = datetime(2026, 3, 24, 23, 59, 59, tzinfo=UTC)
MIDNIGHT_AFTER = datetime(2026, 3, 25, 0, 0, 0, tzinfo=UTC)
GOOD = {"skills": 5, "quality": 4, "availability": 4, "schedule": 5, "communication": 3, "cooperation": 5}
THEIRS = {"skills": 4, "quality": 4, "availability": 5, "schedule": 4, "communication": 5, "cooperation": 5}


def rate(qtbot, dialog, ratings: dict[str, int]) -> None:
    """Give each category its stars by keyboard: focus it, type the digit."""
    for cat, value in ratings.items():
        stars = dialog.findChild(StarRating, f"stars_{cat}")
        stars.setFocus()
        qtbot.keyClick(stars, Qt.Key(Qt.Key.Key_0 + value))


def submit(qtbot, dialog) -> None:
    click(qtbot, dialog.findChild(QAbstractButton, "submitButton"))


def leave_feedback_at(qtbot, dialog_for, contract, now) -> FeedbackDialog:
    dialog = dialog_for(contract, now=now)
    rate(qtbot, dialog, GOOD)
    dialog.comment_edit.setPlainText("Clear, on time, great logo.")
    submit(qtbot, dialog)
    return dialog
