"""StarRating (R10's stars), by keyboard and by mouse; read-only ignores both."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.widgets.star_rating import StarRating

pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py


def test_keyboard_changes_a_star_rating(qtbot):
    stars = StarRating("Skills")
    qtbot.addWidget(stars)
    stars.show()
    seen = []
    stars.valueChanged.connect(seen.append)
    assert stars.focusPolicy() & Qt.FocusPolicy.TabFocus
    stars.setFocus()
    qtbot.keyClick(stars, Qt.Key.Key_3)
    qtbot.keyClick(stars, Qt.Key.Key_Right)
    assert stars.value() == 4
    assert stars.accessibleName() == "Skills: 4 of 5 stars"
    assert stars.text() == "★★★★☆ 4 of 5"
    qtbot.keyClick(stars, Qt.Key.Key_Right)
    qtbot.keyClick(stars, Qt.Key.Key_Right)  # stays at 5
    qtbot.keyClick(stars, Qt.Key.Key_Space)  # cycles back to 1
    assert stars.value() == 1
    qtbot.keyClick(stars, Qt.Key.Key_Left)  # never below 1
    qtbot.keyClick(stars, Qt.Key.Key_Space)
    assert seen == [3, 4, 5, 1, 2]


def test_mouse_click_sets_a_star_rating_and_read_only_ignores_input(qtbot):
    stars = StarRating("Quality of work")
    qtbot.addWidget(stars)
    stars.show()
    qtbot.mouseClick(stars, Qt.MouseButton.LeftButton, pos=stars.star_rect(2).center().toPoint())
    assert stars.value() == 2
    stars.setReadOnly(True)
    qtbot.mouseClick(stars, Qt.MouseButton.LeftButton, pos=stars.star_rect(5).center().toPoint())
    stars.setFocus()
    qtbot.keyClick(stars, Qt.Key.Key_4)
    assert stars.value() == 2
