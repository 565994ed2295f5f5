"""desktop/qt_values.py: each plain number is the value of Qt's own enum it stands for."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop import qt_values

STANDS_FOR = {
    "DISPLAY_ROLE": Qt.ItemDataRole.DisplayRole,
    "DECORATION_ROLE": Qt.ItemDataRole.DecorationRole,
    "TOOLTIP_ROLE": Qt.ItemDataRole.ToolTipRole,
    "TEXT_ALIGNMENT_ROLE": Qt.ItemDataRole.TextAlignmentRole,
    "FOREGROUND_ROLE": Qt.ItemDataRole.ForegroundRole,
    "ACCESSIBLE_TEXT_ROLE": Qt.ItemDataRole.AccessibleTextRole,
    "USER_ROLE": Qt.ItemDataRole.UserRole,
    "ALIGN_LEFT": Qt.AlignmentFlag.AlignLeft,
    "ALIGN_RIGHT": Qt.AlignmentFlag.AlignRight,
    "ALIGN_ABSOLUTE": Qt.AlignmentFlag.AlignAbsolute,
    "ALIGN_VCENTER": Qt.AlignmentFlag.AlignVCenter,
    "PLAIN_TEXT": Qt.TextFormat.PlainText,
    "CUSTOM_CONTEXT_MENU": Qt.ContextMenuPolicy.CustomContextMenu,
    "TEXT_BESIDE_ICON": Qt.ToolButtonStyle.ToolButtonTextBesideIcon,
    "VERTICAL": Qt.Orientation.Vertical,
    "NO_FOCUS": Qt.FocusPolicy.NoFocus,
    "KEEP_ASPECT_RATIO": Qt.AspectRatioMode.KeepAspectRatio,
}


def test_every_value_is_listed_here():
    assert sorted(n for n in vars(qt_values) if n.isupper()) == sorted(STANDS_FOR)


@pytest.mark.parametrize("name", sorted(STANDS_FOR))
def test_each_value_is_qts_own(name):
    assert getattr(qt_values, name) == STANDS_FOR[name].value


def test_a_property_set_by_number_is_the_enum_qt_means(qtbot):
    from PySide6.QtWidgets import QLabel, QSplitter, QToolButton

    splitter, button, label = QSplitter(), QToolButton(), QLabel()
    for widget in (splitter, button, label):
        qtbot.addWidget(widget)
    assert splitter.setProperty("orientation", qt_values.VERTICAL)
    assert button.setProperty("toolButtonStyle", qt_values.TEXT_BESIDE_ICON)
    assert label.setProperty("textFormat", qt_values.PLAIN_TEXT)
    assert splitter.orientation() == Qt.Orientation.Vertical
    assert button.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon
    assert label.textFormat() == Qt.TextFormat.PlainText
