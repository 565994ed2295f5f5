"""What the widget tests share: find a widget by name, read the message beside a field, click as a user does."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from desktop.widgets.fields import FieldError


def child(parent: QWidget, name: str) -> QWidget:
    """The widget called `name` inside `parent` (it must be there)."""
    widget = parent.findChild(QWidget, name)
    assert widget is not None, f"no widget named {name}"
    return widget


def beside(parent: QWidget, name: str) -> str | None:
    """The message a user sees in the FieldError `name` (None when none is shown); never colour alone."""
    label = parent.findChild(FieldError, name)
    assert label is not None, f"no FieldError named {name}"
    if not label.isVisible():
        return None
    assert label.text().startswith("⚠ ")
    return label.text().removeprefix("⚠ ")


def click(qtbot, button: QAbstractButton, *, on_box: bool = False) -> None:
    """A mouse click on a button a user can see and use; `on_box` clicks a check box or radio button on its
    box, not the empty end of its row."""
    assert button.isVisible() and button.isEnabled(), f"{button.objectName()} cannot be clicked"
    if on_box:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))
    else:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def press(button: QAbstractButton) -> None:
    """A button pressed from code (as a keyboard or accessibility action does), the events then handled."""
    assert button.isVisible() and button.isEnabled(), button.objectName()
    button.click()
    QApplication.processEvents()


# ------------------------------------------------------------------ forms (FormDialog)

INTERACTIVE = (QLineEdit, QComboBox, QAbstractButton, QAbstractSpinBox, QPlainTextEdit)


def click_ok(qtbot, dialog: QDialog) -> None:
    qtbot.mouseClick(child(dialog, "okButton"), Qt.MouseButton.LeftButton)


def ok_enabled(dialog: QDialog) -> bool:
    return child(dialog, "okButton").isEnabled()


def retype(qtbot, widget: QLineEdit, text: str) -> None:
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Backspace)
    if text:
        qtbot.keyClicks(widget, text)


def tab_chain(dialog: QDialog, names: list[str]) -> list[str]:
    """The order in which Tab visits the named widgets."""
    seen = []
    widget = child(dialog, names[0])
    for _ in range(500):
        if widget.objectName() in names and widget.objectName() not in seen:
            seen.append(widget.objectName())
        widget = widget.nextInFocusChain()
        if widget.objectName() == names[0]:
            break
    return seen


def in_calendar(widget: QWidget) -> bool:
    """Part of a date edit's pop-up calendar (Qt's own widget, with its own accessible names)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QCalendarWidget):
            return True
        parent = parent.parentWidget()
    return False


def assert_named_and_accessible(dialog: QDialog) -> None:
    for widget in dialog.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE):
            continue
        if isinstance(widget.parentWidget(), (QAbstractSpinBox, QComboBox)):
            continue  # the line edit inside a date edit or a combo box is part of it
        if in_calendar(widget):
            continue
        assert widget.objectName(), f"{widget!r} has no objectName"
        assert widget.accessibleName(), f"{widget.objectName()} has no accessibleName"


# ------------------------------------------------------------------ the day it happened ("On:")


def type_date(qtbot, edit: QDateEdit, day: date) -> None:
    """Type `day` into a date field as a user does: into its first part, "9 Mar 2026" (en_US), then leave it."""
    edit.setFocus()
    edit.setSelectedSection(QDateTimeEdit.Section.DaySection)
    qtbot.keyClicks(edit, f"{day.day} {MONTHS[day.month - 1]} {day.year}")
    edit.editingFinished.emit()  # as leaving the field does (Tab or a click elsewhere)


def shown_date(edit: QDateEdit) -> date:
    return edit.date().toPython()


def record_on(qtbot, dialog: QDialog, day: date | None = None, *, typed: bool = False) -> None:
    """In a dialog with an "On:" field (`dialog.date_edit`): choose `day` (None: leave today) and click OK."""
    if day is not None:
        if typed:
            type_date(qtbot, dialog.date_edit, day)
        else:
            dialog.date_edit.setDate(QDate(day.year, day.month, day.day))
        assert shown_date(dialog.date_edit) == day
    click_ok(qtbot, dialog)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
