"""Accessibility (issue 19): every control a user can reach has an accessible name a screen reader speaks.

The main window on the demo book is walked with each contract page tab shown, on a contract of each kind, and
with the attention panel open; then each main dialog as it opens. A visible button, field, list, table, tab bar,
slider or star rating without an accessible name fails. The star rating speaks its value, and each line of the
attention panel speaks its deadline."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QSlider,
    QTabBar,
    QTextEdit,
    QWidget,
)

from desktop.widgets.star_rating import StarRating
from tests.desktop.every_dialog import each_contract_tab, every_dialog

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QTextEdit, QAbstractItemView,
               QTabBar, QSlider, StarRating)  # fmt: skip


def _part_of_another(w: QWidget) -> bool:
    """The line edit inside a spin box or combo box, a table's header: spoken as part of their owner."""
    return isinstance(w, QHeaderView) or (
        isinstance(w, QLineEdit) and isinstance(w.parentWidget(), (QAbstractSpinBox, QComboBox))
    )


def unnamed(root: QWidget) -> list[str]:
    """The visible interactive widgets under `root` (itself included) with no accessible name."""
    return [
        f"{type(w).__name__} {w.objectName()!r} in {w.parentWidget().objectName() if w.parentWidget() else ''!r}"
        for w in [root, *root.findChildren(QWidget)]
        if isinstance(w, INTERACTIVE) and w.isVisible() and not w.accessibleName().strip() and not _part_of_another(w)
    ]


def test_an_unnamed_field_is_found(demo_window):
    assert unnamed(demo_window) == []
    planted = QLineEdit(demo_window.page)
    planted.setObjectName("plantedField")
    planted.show()
    assert unnamed(demo_window) == ["QLineEdit 'plantedField' in 'contractPage'"]
    planted.setAccessibleName("Planted")
    assert unnamed(demo_window) == []


def test_every_control_of_the_main_window_has_a_name(demo_window):
    window = demo_window
    window.attention_dock.show()
    QApplication.processEvents()
    assert window.attention.list.isVisible()
    for c, tab in each_contract_tab(window):
        assert unnamed(window) == [], (c.title, c.status, tab)


def test_every_control_of_every_dialog_has_a_name(qtbot, demo_window, tmp_path):
    """Every dialog of desktop/dialogs/ (each page of the release wizard), the small ones too, as it opens."""
    walked = []
    for name, dialog in every_dialog(qtbot, demo_window, tmp_path):
        walked.append(name)
        assert unnamed(dialog) == [], name
    assert {"refund", "event date", "closeout item", "dispute outcome", "contract picker", "overdue events"} <= set(
        walked
    )


def test_the_stars_speak_their_value_and_follow_it(qtbot):
    stars = StarRating("Communication", value=3)
    qtbot.addWidget(stars)
    assert "3 of 5 stars" in stars.accessibleName()
    assert "Communication" in stars.accessibleName()
    stars.setFocus()
    qtbot.keyClick(stars, Qt.Key.Key_Right)
    assert stars.value() == 4
    assert "4 of 5 stars" in stars.accessibleName() and "4 of 5 stars" in stars.accessibleDescription()
    stars.setValue(0)
    assert "not rated" in stars.accessibleName()


def test_each_attention_line_speaks_its_deadline(demo_window):
    window = demo_window
    window.attention_dock.show()
    QApplication.processEvents()
    panel = window.attention
    assert panel.items
    lines = {line.data(0, Qt.ItemDataRole.UserRole): line for line in panel.line_items()}
    for item in panel.items:
        spoken = lines[(item.kind, item.contract_id, item.ref)].data(0, Qt.ItemDataRole.AccessibleTextRole)
        assert spoken and f"{item.contract_title}" in spoken, spoken
        assert item.due.strftime("%Y") in spoken, spoken  # the date it is due, in words
