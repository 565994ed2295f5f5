"""Tools → Check Book…: the open book checked in a worker thread, with progress, Cancel, and the result in words."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.dialogs.check_book import SOUND, STOPPED, CheckBookDialog
from models.entities import database


def _tools_check(window):
    tools = next(m for m in window.menuBar().actions() if m.text() == "Tools").menu()
    action = next(a for a in tools.actions() if a.objectName() == "actionCheckBook")
    assert action.text() == "&Check Book…"
    action.trigger()
    return window.check_dialog


def test_check_book_opens_from_the_tools_menu_and_says_the_book_is_sound(window, qtbot):
    dialog = _tools_check(window)
    assert dialog.isVisible() and dialog.windowTitle() == "Check Book"
    qtbot.waitUntil(lambda: dialog.problems is not None, timeout=20_000)
    assert dialog.status.text() == SOUND
    assert dialog.bar.value() == dialog.bar.maximum()
    assert dialog.close_button.isVisible() and not dialog.cancel_button.isVisible()
    assert not dialog.result.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_check_book_names_what_it_found(window, qtbot, filled):
    (entry_id,) = database.execute_sql("SELECT id FROM ledger_entry WHERE kind = 'release'").fetchone()
    database.execute_sql("UPDATE ledger_entry SET currency = 'USD' WHERE id = ?", (entry_id,))  # (its contract: EUR)
    dialog = _tools_check(window)
    qtbot.waitUntil(lambda: dialog.problems is not None, timeout=20_000)
    assert "found in this book" in dialog.status.text()
    assert dialog.result.isVisible()
    assert f"entry #{entry_id} of contract #{filled['site'].id} is in USD, but the contract is in EUR." in (
        dialog.result.toPlainText()
    )
    assert "R12" not in dialog.result.toPlainText()


def test_cancel_stops_the_check_and_says_so(window, qtbot, show):
    dialog = show(CheckBookDialog(window, window.book.path))
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)  # (pressed before its first part began)
    assert dialog.status.text() == "Stopping the check…" and not dialog.cancel_button.isEnabled()
    dialog.start()
    qtbot.waitUntil(lambda: dialog.problems is not None, timeout=20_000)
    assert dialog.status.text() == STOPPED
    assert dialog.close_button.isVisible()
    assert database.execute_sql("SELECT count(*) FROM contract").fetchone()[0] == 3  # the book is still open


def test_escape_while_it_runs_cancels_and_closes(window, qtbot):
    dialog = _tools_check(window)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    dialog.worker.join(20)
    assert not dialog.worker.is_alive()
    assert dialog.cancel.is_set() or dialog.problems == []  # stopped, or it had already finished
