"""The small modal questions every room asks: a confirmation, a warning, a reason.

Everything in the app asks through these three functions, called through the module
(`prompts.ask(...)`), so that tests, which cannot click a modal box, replace them in one place
(the `prompts` fixture in tests/conftest.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget


def ask(parent: QWidget | None, title: str, text: str, yes: str, no: str | None = None) -> bool:
    """A confirmation before anything that moves money or cannot be undone: `yes`, or `no` (Cancel)."""
    from PySide6.QtWidgets import QMessageBox  # here: PySide sets a type up on first use, not on start-up

    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    ok = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    if no is None:
        box.addButton(QMessageBox.StandardButton.Cancel)
    else:
        box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(ok)
    box.exec()
    return box.clickedButton() is ok


def warn(parent: QWidget | None, title: str, text: str) -> None:
    """Why something could not be done, in the client's words."""
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.warning(parent, title, text)


def get_reason(parent: QWidget | None, title: str, text: str) -> str | None:
    """Ask why a record is withdrawn as recorded in error (kept in the book's history); None on Cancel."""
    from PySide6.QtWidgets import QInputDialog

    box = QInputDialog(parent)
    box.setObjectName("reasonDialog")
    box.setAccessibleName(title)
    box.setWindowTitle(title)
    box.setLabelText(f"{text}\n\nWhy was it recorded in error? (kept in the book's history)")
    box.setOkButtonText("Withdraw")
    box.setTextValue("")
    box.resize(460, box.sizeHint().height())
    try:
        return box.textValue() if box.exec() else None
    finally:
        box.deleteLater()
