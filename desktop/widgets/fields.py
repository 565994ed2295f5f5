"""The parts of a form every room uses: a message beside a field (`FieldError`), line, notes and date
edits, and buttons. Every control gets an object name (tests and screenshots find it) and an accessible
name (screen readers say it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSizePolicy, QWidget

NOTES_HEIGHT = 72  # about three lines
ERROR_COLOR = "#b3261e"  # red with a 5.9:1 contrast on white; the "⚠" says it without colour


def named(widget: QWidget, name: str, accessible: str) -> QWidget:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


def button(
    name: str, text: str, slot: Callable, icon_name: str | None = None, tip: str = "", *, description: str = ""
) -> QPushButton:
    """A push button whose accessible name is its text without the mnemonic "&" and the trailing "…"."""
    b = QPushButton(text)
    named(b, name, text.replace("&", "").rstrip("…"))
    if icon_name:
        from desktop.icons import icon

        b.setIcon(icon(icon_name))
    if tip:
        b.setToolTip(tip)
    if description:
        b.setAccessibleDescription(description)
    b.clicked.connect(slot)
    return b


class FieldError(QLabel):
    """A message beside a field: red, prefixed with "⚠", word-wrapped, hidden when empty."""

    PREFIX = "⚠ "

    def __init__(self, parent: QWidget | None = None, *, name: str = "", accessible_name: str = ""):
        super().__init__(parent)
        self._message: str | None = None
        if name:
            self.setObjectName(name)
        self.setAccessibleName(accessible_name or "Error")
        self.setTextFormat(Qt.TextFormat.PlainText)  # messages quote what the user typed
        self.setWordWrap(True)
        self.setStyleSheet(f"color: {ERROR_COLOR};")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setVisible(False)

    def setMessage(self, message: str | None) -> None:
        message = message or None
        if message == self._message and self.isHidden() == (message is None):
            return
        self._message = message
        self.setText(f"{self.PREFIX}{message}" if message else "")
        self.setAccessibleDescription(message or "")
        self.setVisible(message is not None)

    def message(self) -> str | None:
        """The message without its "⚠" prefix (None when there is none)."""
        return self._message

    def clear(self) -> None:
        self.setMessage(None)


def qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


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
