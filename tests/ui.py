"""What the widget tests share: find a widget by name, read the message beside a field, click as a user does."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
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


def assert_named_and_accessible(dialog: QDialog) -> None:
    for widget in dialog.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE):
            continue
        if isinstance(widget.parentWidget(), (QAbstractSpinBox, QComboBox)):
            continue  # the line edit inside a date edit or a combo box is part of it
        assert widget.objectName(), f"{widget!r} has no objectName"
        assert widget.accessibleName(), f"{widget.objectName()} has no accessibleName"
