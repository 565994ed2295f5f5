"""The keyboard (issue 19): F6 / Shift+F6 go round the main panes (the contracts table, the contract's page,
the attention panel when it is shown), Tab leaves the contracts table, and Ctrl+PgDn / Ctrl+PgUp switch the
contract page's tabs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication


@pytest.fixture
def active(qtbot, demo_window):
    """The demo window, active, a contract shown and the focus in the contracts table."""
    window = demo_window
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.table)
    assert window.page.contract is not None
    return window


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)
    QApplication.processEvents()
    return QApplication.focusWidget()


def pane(window, widget) -> str:
    for name, root in (("table", window.table_box), ("page", window.page), ("attention", window.attention_dock)):
        if widget is root or root.isAncestorOf(widget):
            return name
    return type(widget).__name__


def test_f6_and_shift_f6_go_round_the_table_and_the_page(qtbot, active):
    window = active
    seen = [pane(window, press(qtbot, Qt.Key.Key_F6)) for _ in range(4)]
    assert seen == ["page", "table", "page", "table"]
    assert QApplication.focusWidget() is window.table
    assert pane(window, press(qtbot, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)) == "page"
    assert pane(window, press(qtbot, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)) == "table"


def test_f6_reaches_the_attention_panel_when_it_is_shown(qtbot, active):
    window = active
    press(qtbot, Qt.Key.Key_F9)  # View → Needs Attention Panel
    qtbot.waitUntil(window.attention_dock.isVisible)
    window.table.setFocus()
    seen = [pane(window, press(qtbot, Qt.Key.Key_F6)) for _ in range(3)]
    assert seen == ["page", "attention", "table"]
    assert pane(window, press(qtbot, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)) == "attention"
    assert QApplication.focusWidget() is window.attention.list


def test_tab_leaves_the_contracts_table(qtbot, active):
    window = active
    row = window.table.currentIndex().row()
    after = press(qtbot, Qt.Key.Key_Tab)
    assert after is not window.table
    assert window.table.currentIndex().row() == row  # the selected contract stays
    press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is window.table


def test_ctrl_page_down_and_up_switch_the_contract_page_tabs(qtbot, active):
    window = active
    tabs = window.page.tabs
    press(qtbot, Qt.Key.Key_F6)  # into the page
    assert tabs.currentIndex() == 0
    names = []
    for _ in range(tabs.count()):
        press(qtbot, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
        names.append(tabs.tabText(tabs.currentIndex()).replace("&", ""))
    assert names == ["Ledger", "Escrow refund", "Closeout", "Feedback", "Statement", "Milestones"]
    press(qtbot, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert tabs.tabText(tabs.currentIndex()).replace("&", "") == "Statement"
    assert pane(window, QApplication.focusWidget()) == "page"  # the keys still reach the page
