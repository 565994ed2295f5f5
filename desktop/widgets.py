"""Small builders the windows and dialogs share: every control gets an object name (tests and
screenshots find it) and an accessible name (screen readers say it)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton, QWidget


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
