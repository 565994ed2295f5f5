"""The day it happened (R16): one small dialog for every one-click action that records an event.

A sentence says what will be recorded ("Record that the freelancer submitted work on “Design”."), the "On:"
field says when (today by default; from the contract's start, never later than today), and OK, labelled with
the action, calls the one operation with `on=` that day. A refusal is shown under the date when it is about
the date (or at the top), and the dialog stays open with nothing written (R14).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from desktop.widgets.fields import event_date_edit, left
from desktop.widgets.form_dialog import FormDialog


class EventDateDialog(FormDialog):
    """Record one event on the day it happened: `operation(*args, on=<the day chosen>, today=today, **kwargs)`.

    After OK, `.recorded` holds what the operation returned.
    """

    def __init__(
        self,
        parent: QWidget | None,
        *,
        title: str,
        text: str,
        operation: Callable,
        args: tuple = (),
        kwargs: dict | None = None,
        earliest: date,
        today: date,
        ok_text: str = "&Record",
        date_name: str = "Date it happened",
    ):
        super().__init__(parent, name="eventDateDialog", title=title, ok_text=ok_text)
        self.operation = operation
        self.args = args
        self.kwargs = kwargs or {}
        self.today = today
        self.recorded = None

        self.sentence = QLabel(text)
        self.sentence.setObjectName("eventSentence")
        self.sentence.setAccessibleName("What will be recorded")
        self.sentence.setTextFormat(Qt.TextFormat.PlainText)  # titles and labels as typed
        self.sentence.setWordWrap(True)
        self.content.insertWidget(1, self.sentence)  # under the general message, above the form

        self.date_edit = event_date_edit("eventDateEdit", date_name, earliest, today)
        self.add_row("date", "&On:", left(self.date_edit, "the day it happened"), buddy=self.date_edit)
        self.watch("date", self.date_edit.dateChanged)
        self.finish()
        self.date_edit.setFocus()

    def on(self) -> date:
        return self.date_edit.day()

    def problems(self) -> dict[str, str]:
        problem = self.date_edit.problem()
        return {"date": problem} if problem else {}

    def submit(self) -> None:
        self.recorded = self.operation(*self.args, on=self.on(), today=self.today, **self.kwargs)
