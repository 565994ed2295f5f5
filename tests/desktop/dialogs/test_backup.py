"""Backups in the window: the daily backup made after the window is shown, and File → Restore from
Backup…, which lists the backups and restores one into a new file, never over the open book."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QDialog

from desktop.dialogs import backup as backup_dialog
from desktop.dialogs.backup import RestoreBackupDialog, size_text
from desktop.formatting import local_time
from desktop.window.main_window import MainWindow
from models import ops
from models.backup import backup_if_due, backups_of
from models.book import open_book
from models.clock import utc_now
from models.entities import Contract
from tests.conftest import START

TAKEN = datetime(2026, 3, 10, 9, 30)  # UTC


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def two_backups(book, freelancer):
    """A backup with one contract, and a day later one with two."""
    ops.create_contract("Logo redesign", freelancer, started_on=START, today=START)
    backup_if_due(book, now=TAKEN)
    ops.create_contract("Website", freelancer, started_on=START, today=START)
    backup_if_due(book, now=TAKEN + timedelta(days=1))
    return backups_of(book.path)


@pytest.fixture
def dialog(qtbot, book, two_backups, prompts):
    d = RestoreBackupDialog(book.path)
    qtbot.addWidget(d)
    d.asked = prompts.asked
    d.prompts = prompts  # d.prompts.answer: what the user clicks in its confirmations
    d.open()
    return d


def cells(dialog, row: int) -> list[str]:
    return [dialog.table.item(row, col).text() for col in range(dialog.table.columnCount())]


def test_the_dialog_lists_backups_newest_first_with_dates_sizes_and_contracts(dialog, two_backups):
    newest, older = two_backups
    assert dialog.table.rowCount() == 2
    assert cells(dialog, 0) == [local_time(TAKEN + timedelta(days=1)), "Daily", size_text(newest.size), "2"]
    assert cells(dialog, 1) == [local_time(TAKEN), "Daily", size_text(older.size), "1"]
    assert dialog.findChild(type(dialog.empty), "noBackups").isHidden()
    assert dialog.restore_button.isEnabled()  # the newest is selected


def test_restore_writes_the_chosen_backup_to_a_new_file_and_offers_to_open_it(dialog, qtbot, tmp_path):
    target = tmp_path / "restored"  # ".book" is added
    dialog.ask_target = lambda suggested: str(target)
    dialog.table.selectRow(1)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.restored == tmp_path / "restored.book"
    assert stat.S_IMODE(os.stat(dialog.restored).st_mode) == 0o600
    assert dialog.asked == [f"The backup of {local_time(TAKEN)} was restored to “{dialog.restored}”. Open it now?"]
    assert dialog.open_restored


def test_restore_over_the_open_book_is_refused_and_nothing_changes(dialog, qtbot, book):
    before = book.path.read_bytes()
    dialog.ask_target = lambda suggested: str(book.path)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.restored is None
    assert "“test.book” is the open book: a backup is never restored over it" in dialog.message.text()
    assert dialog.asked == []  # never even offered to replace it
    assert book.path.read_bytes() == before


def test_replacing_an_existing_file_needs_a_confirmation(dialog, qtbot, tmp_path):
    target = tmp_path / "notes.book"
    target.write_text("precious")
    dialog.ask_target = lambda suggested: str(target)
    dialog.prompts.answer = False
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert target.read_text() == "precious" and dialog.isVisible()
    assert dialog.asked[0].startswith("“notes.book” already exists. Replace it with the backup of")
    assert dialog.message.isHidden()
    dialog.prompts.answer = True
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.restored == target and target.read_bytes()[:15] == b"SQLite format 3"


def test_cancelling_the_file_choice_changes_nothing(dialog, qtbot, tmp_path):
    dialog.ask_target = lambda suggested: ""
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.restored is None and dialog.asked == []


def test_a_book_without_backups_says_when_the_first_is_made(qtbot, book):
    d = RestoreBackupDialog(book.path)
    qtbot.addWidget(d)
    d.open()
    assert d.table.isHidden() and not d.restore_button.isEnabled()
    assert "The first is made a few seconds after the book is opened" in d.empty.text()


# ------------------------------------------------------------------ in the window


def _window(qtbot, book, settings, prompts) -> MainWindow:
    w = MainWindow(book, settings=settings)
    qtbot.addWidget(w)
    w.warnings = prompts.warnings
    w.show()
    return w


def test_file_menu_restores_a_backup_and_opens_it(qtbot, book, two_backups, settings, tmp_path, prompts):
    window = _window(qtbot, book, settings, prompts)
    assert window.act_restore in window.menuBar().actions()[0].menu().actions()
    target = tmp_path / "restored.book"

    def drive():
        d = window.restore_dialog
        d.ask_target = lambda suggested: str(target)
        d.table.selectRow(1)  # the older backup: one contract
        d.restore_button.click()

    QTimer.singleShot(0, drive)
    window.act_restore.trigger()
    assert window.book.path == target
    assert [c.title for c in Contract.select()] == ["Logo redesign"]
    window.close()


def test_the_daily_backup_is_made_after_the_window_is_shown(qtbot, book, freelancer, settings, monkeypatch, prompts):
    """The window runs on the real clock: the old backups are dated from it."""
    ops.create_contract("Logo redesign", freelancer, started_on=START, today=START)
    last = utc_now().replace(microsecond=0) - timedelta(days=2)
    for day in range(3):  # three old backups; keep two
        backup_if_due(book, now=last - timedelta(days=day))
    settings.setValue("backups/keep", 2)
    monkeypatch.setattr(backup_dialog, "BACKUP_DELAY_MS", 10)
    window = _window(qtbot, book, settings, prompts)
    assert len(backups_of(book.path)) == 3, "nothing is backed up while the window starts"
    qtbot.waitUntil(lambda: backups_of(book.path)[0].taken_at > last, timeout=10_000)
    kept = backups_of(book.path)
    assert len(kept) == 2 and kept[1].taken_at == last
    assert window.statusBar().currentMessage() == f"Backed up the book to {kept[0].path}"
    assert window.warnings == []
    window.close()


def test_a_failed_daily_backup_is_reported(qtbot, book, settings, monkeypatch, tmp_path, prompts):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the backups folder should be")
    monkeypatch.setenv("ESCROWBOOK_BACKUPS", str(blocked))
    window = _window(qtbot, book, settings, prompts)
    assert backup_dialog.backup_when_due(window) is None
    assert window.warnings and "“test.book” could not be backed up to" in window.warnings[0]
    window.close()


def test_no_backup_for_a_closed_book(qtbot, tmp_path, settings, prompts):
    book = open_book(tmp_path / "closing.book")
    window = _window(qtbot, book, settings, prompts)
    book.close()
    assert backup_dialog.backup_when_due(window) is None
    assert backups_of(book.path) == []
