"""The parts of a form every room uses: a message beside a field (`FieldError`), line, notes and date
edits (`event_date_edit`: the day an event happened), and buttons. Every control gets an object name (tests
and screenshots find it) and an accessible name (screen readers say it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QDateEdit,
    QDateTimeEdit,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from desktop.formatting import spoken
from desktop.widgets.appearance import changed as appearance_changed
from desktop.widgets.appearance import colour

NOTES_HEIGHT = 72  # about three lines
DATE_FORMAT = "d MMM yyyy"  # "9 Mar 2026": the month in words, so 3/9 and 9/3 are never confused


def named(widget: QWidget, name: str, accessible: str) -> QWidget:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


def named_by_text(*buttons: QAbstractButton) -> None:
    """Each button (a radio button, a check box, a dialog's or wizard's own button) named after its text."""
    for b in buttons:
        b.setAccessibleName(spoken(b.text()))


def button(
    name: str, text: str, slot: Callable, icon_name: str | None = None, tip: str = "", *, description: str = ""
) -> QPushButton:
    """A push button whose accessible name is its text without the mnemonic "&" and the trailing "…"."""
    b = QPushButton(text)
    named(b, name, spoken(text))
    if icon_name:
        from desktop.icons import icon

        b.setIcon(icon(icon_name))
    if tip:
        b.setToolTip(tip)
    if description:
        b.setAccessibleDescription(description)
    b.clicked.connect(slot)
    return b


def action_and_cancel(
    dialog, text: str, name: str, accessible: str, slot: Callable
) -> tuple[QDialogButtonBox, QPushButton]:
    """A dialog's buttons: its one action (the default, named) and Cancel, which rejects the dialog."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    ok = buttons.addButton(text, QDialogButtonBox.ButtonRole.AcceptRole)
    named(ok, name, accessible)
    ok.setDefault(True)
    ok.clicked.connect(slot)
    named(buttons.button(QDialogButtonBox.StandardButton.Cancel), "cancelButton", "Cancel")
    buttons.rejected.connect(dialog.reject)
    return buttons, ok


class FieldError(QLabel):
    """A message beside a field: red, prefixed with "⚠", word-wrapped, hidden when empty."""

    PREFIX = "⚠ "

    def __init__(self, parent: QWidget | None = None, *, name: str = "", accessible_name: str = ""):
        super().__init__(parent)
        self._message: str | None = None
        self._reserved = False
        if name:
            self.setObjectName(name)
        self.setAccessibleName(accessible_name or "Error")
        self.setTextFormat(Qt.TextFormat.PlainText)  # messages quote what the user typed
        self.setWordWrap(True)
        self._colour = "error"
        self._restyle()
        appearance_changed().connect(self._restyle)  # View → Appearance: the colour follows at once
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setVisible(False)

    def setColourName(self, name: str) -> None:
        """One of the app's own colours (`appearance.COLOURS`): "error" (the default) or "warning"."""
        self._colour = name
        self._restyle()

    def _restyle(self) -> None:
        # Red (or amber) that reads on the light or the dark palette; the "⚠" says it without colour.
        style = f"color: {colour(self._colour)};"
        if self.styleSheet() != style:
            self.setStyleSheet(style)

    def setMessage(self, message: str | None) -> None:
        message = message or None
        if message == self._message and self.isHidden() == (message is None):
            return
        self._message = message
        self.setText(f"{self.PREFIX}{message}" if message else "")
        self.setAccessibleDescription(message or "")
        self.setVisible(message is not None)
        if self._reserved and message is not None and self.width() > 0:
            # A longer message than the space kept for it: the space grows once, and stays (nothing moves back).
            self.setMinimumHeight(max(self.minimumHeight(), self.heightForWidth(self.width())))

    def reserve(self, lines: int = 1) -> FieldError:
        """Keep room for a message of `lines` lines whether or not one shows, so that the fields around it never
        move while the user types (a message appearing or going away changes no geometry)."""
        self._reserved = True
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.setMinimumHeight(lines * self.fontMetrics().lineSpacing() + 2 * self.margin())
        return self

    def message(self) -> str | None:
        """The message without its "⚠" prefix (None when there is none)."""
        return self._message

    def clear(self) -> None:
        self.setMessage(None)


def qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


class EventDateEdit(QDateEdit):
    """The day an event happened (R16): from `earliest` (the contract's start) to `today`, today by default,
    never later than today; a calendar pops up, and a date can be typed ("9 Mar 2026").

    Qt checks a typed date section by section, against the range and the month shown, so on its own "28 Feb"
    could not be typed on 10 March (28 March is past today once the 28 is typed), nor "31 Mar" in April. While
    a date is being typed the field therefore takes any day of the range's years, the day is taken here
    (`_type_day`), and a space after a complete day does not skip the month. The arrows and the calendar keep
    to the range, and once typing ends (Enter, Tab, a click elsewhere) a date in the range puts the range
    back. A typed date outside it stays as typed, and `problem()` says why it cannot be used (the dialog keeps
    OK disabled).
    """

    def __init__(self, earliest: date, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.latest = today
        self.earliest = min(earliest, today)  # a contract that starts later than today: today only
        self.setCalendarPopup(True)
        self.setDisplayFormat(DATE_FORMAT)
        self._keep_to_range()
        self.setDate(qdate(today))
        self.setMinimumWidth(self.sizeHint().width() + self.fontMetrics().horizontalAdvance("0"))
        self.setMaximumWidth(self.minimumWidth() + 40)
        self._typing = False  # a date is being typed (the range is then the whole of its years)
        self._advanced = False  # the last key typed completed a section, and Qt moved on to the next
        self.calendarWidget().installEventFilter(self)
        self.editingFinished.connect(self._typed)
        self.dateChanged.connect(self._changed)

    def day(self) -> date:
        return self.date().toPython()

    def problem(self) -> str | None:
        """Why the date shown cannot be used (typed outside the range), in the models' words; None when it can."""
        from models import order  # (here: the start-up path never loads the models' tables)
        from models.errors import RuleError

        try:
            order.happened_on(self.day(), self.latest)
            order.not_before(self.day(), self.earliest, "the start of the contract")
        except RuleError as exc:
            return exc.message
        return None

    def _keep_to_range(self) -> None:
        self.setDateRange(qdate(self.earliest), qdate(self.latest))

    def keyPressEvent(self, event) -> None:
        text = event.text()
        if not text or not text.isprintable() or event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._advanced = False
            super().keyPressEvent(event)
            return
        if not text.isalnum() and self._advanced:
            # "28 Feb": Qt moved on to the month once "28" was complete; the space typed next must not skip it.
            self._advanced = False
            event.accept()
            return
        # Typing: every day of the range's years, so that each section typed on the way is allowed.
        self._typing = True
        self.setDateRange(QDate(self.earliest.year, 1, 1), QDate(self.latest.year, 12, 31))
        if text.isdigit() and self._type_day(text):
            return
        section = self.currentSectionIndex()
        super().keyPressEvent(event)
        self._advanced = text.isalnum() and self.currentSectionIndex() != section

    def _type_day(self, digit: str) -> bool:
        """A digit typed in the day: taken here, not by Qt, which judges the day against the month shown, before
        the month is typed ("31 Mar" typed while April shows: there is no 31 April, and Qt would refuse the 1;
        "30 Jan" while February shows: Qt would move on after the 3). The day goes into the latest month up to
        the one shown that has it; once it is complete, typing goes on to the month. False: Qt takes the key."""
        if self.currentSection() != QDateTimeEdit.Section.DaySection:
            return False
        typed = digit if self.lineEdit().hasSelectedText() else self.sectionText(self.currentSection()) + digit
        if not typed.isdigit() or len(typed) > 2 or not 1 <= int(typed) <= 31:
            return False  # "0" first (as in "03"), or the day's text edited in the middle: Qt's own way
        day = int(typed)
        month = QDate(self.date().year(), self.date().month(), 1)
        while month.daysInMonth() < day:
            month = month.addMonths(-1)
        self.setDate(QDate(month.year(), month.month(), day))
        complete = len(typed) == 2 or day * 10 > 31
        if complete:  # on to the month, as Qt goes on after a separator typed
            space = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier, " ")
            super().keyPressEvent(space)
        else:
            self.setCurrentSection(QDateTimeEdit.Section.DaySection)
            self.lineEdit().deselect()
            self.lineEdit().setCursorPosition(len(typed))  # the next digit goes after this one
        self._advanced = complete
        return True

    def _typed(self) -> None:
        """Typing ended: a date in the range puts the range back (one outside it stays, with its problem)."""
        self._typing = False
        if self.earliest <= self.day() <= self.latest:
            self._keep_to_range()

    def _changed(self) -> None:
        if not self._typing:  # set from code, the calendar or the arrows: always within the range
            self._keep_to_range()

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self.day() < self.latest:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self.day() > self.earliest:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags

    def stepBy(self, steps: int) -> None:
        super().stepBy(steps)
        self.setDate(qdate(min(max(self.day(), self.earliest), self.latest)))  # the arrows keep to the range
        self._typed()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and watched is self.calendarWidget():
            watched.setDateRange(qdate(self.earliest), qdate(self.latest))  # the calendar offers the range only
        return super().eventFilter(watched, event)


def event_date_edit(name: str, accessible: str, earliest: date, today: date) -> EventDateEdit:
    """The "On:" field of every dialog that records an event: the day it happened (R16)."""
    edit = EventDateEdit(earliest, today)
    named(edit, name, accessible)
    return edit


def left(widget: QWidget, hint: str = "") -> QHBoxLayout:
    """`widget` at the start of a form row, at its own width (a date is not as wide as a title), with a short
    `hint` after it when given ("the day you received it")."""
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(widget)
    if hint:
        label = QLabel(hint)
        label.setObjectName(f"{widget.objectName()}Hint")
        label.setTextFormat(Qt.TextFormat.PlainText)
        row.addSpacing(8)
        row.addWidget(label)
    row.addStretch(1)
    return row


def notes_edit(name: str, accessible: str) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setTabChangesFocus(True)  # Tab moves on, as in every other field
    edit.setFixedHeight(NOTES_HEIGHT)
    return edit


def line_edit(name: str, accessible: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setPlaceholderText(placeholder)
    edit.setMinimumWidth(240)
    return edit
