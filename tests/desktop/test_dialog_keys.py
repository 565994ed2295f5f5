"""Escape and focus on open (issue 19): every dialog of desktop/dialogs/ (tests/desktop/every_dialog.py), opened
as the app opens it, puts the focus in its first field, so typing is never lost; and Escape closes it."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QPushButton, QToolButton, QWidget

from tests.desktop.every_dialog import every_dialog

PLAIN_BUTTONS = (QPushButton, QToolButton)


def tab_chain(dialog: QDialog) -> list[QWidget]:
    """What Tab reaches in `dialog`, in order: visible, enabled widgets that take the focus by Tab."""
    page = dialog.currentPage() if hasattr(dialog, "currentPage") else None
    out: list[QWidget] = []
    w = dialog.nextInFocusChain()
    while w is not dialog and w not in out:
        if (
            dialog.isAncestorOf(w)
            and w.isVisible()
            and w.isEnabled()
            and w.focusPolicy() & Qt.FocusPolicy.TabFocus
            and w.focusProxy() is None
            and (page is None or page.isAncestorOf(w) or isinstance(w, PLAIN_BUTTONS))
        ):
            out.append(w)
        w = w.nextInFocusChain()
    if page is not None:  # a wizard: its page, then its own buttons (Back, Next, Cancel)
        out = [w for w in out if page.isAncestorOf(w)] + [w for w in out if not page.isAncestorOf(w)]
    return out


def first_field(dialog: QDialog) -> QWidget | None:
    """The first control in Tab order that is not a plain button (a field, a list, a choice); None: only buttons."""
    return next((w for w in tab_chain(dialog) if not isinstance(w, PLAIN_BUTTONS)), None)


def focused(dialog: QDialog) -> QWidget | None:
    dialog.activateWindow()
    QApplication.processEvents()
    w = QApplication.focusWidget()
    return w if w is not None and dialog.isAncestorOf(w) else None


def test_first_field_reads_the_tab_order(qtbot):
    from desktop.dialogs.freelancer import FreelancerDialog

    d = FreelancerDialog()
    qtbot.addWidget(d)
    d.open()
    assert first_field(d) is d.name_edit
    assert tab_chain(d)[-2:] == [d.ok_button, d.cancel_button] or d.ok_button not in tab_chain(d)


def test_every_dialog_opens_with_the_focus_in_its_first_field(qtbot, demo_window, tmp_path):
    seen = []
    for name, dialog in every_dialog(qtbot, demo_window, tmp_path):
        seen.append(name)
        has = focused(dialog)
        assert has is not None, name
        expected = first_field(dialog)
        if expected is None:  # nothing to type or choose: its default button, or the first one
            assert isinstance(has, PLAIN_BUTTONS), (name, has.objectName())
            assert has.isDefault() or has is tab_chain(dialog)[0], (name, has.objectName())
        else:
            assert has is expected, (name, has.objectName(), expected.objectName())
    assert len(seen) >= 22


def test_escape_closes_every_dialog(qtbot, demo_window, tmp_path):
    for name, dialog in every_dialog(qtbot, demo_window, tmp_path, wizard_pages=False):
        rejected = []
        dialog.rejected.connect(lambda seen=rejected: seen.append(True))
        qtbot.keyClick(focused(dialog) or dialog, Qt.Key.Key_Escape)
        QApplication.processEvents()
        assert rejected == [True], name
        assert not shiboken6.isValid(dialog) or not dialog.isVisible(), name
