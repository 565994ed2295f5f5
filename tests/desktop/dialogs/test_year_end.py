"""File → Year-end Pack…: the year, the home currency and the folder chosen, the pack written on a worker thread
with progress; Cancel stops it (a report being read is interrupted) and nothing is left in the folder; a folder
that cannot take it is said in words."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from desktop.dialogs import year_end
from desktop.dialogs.year_end import CANCELLED, YearEndDialog


def _file_pack(window):
    file_menu = next(m for m in window.menuBar().actions() if m.text() == "&File").menu()
    action = next(a for a in file_menu.actions() if a.objectName() == "actionYearEndPack")
    assert action.text() == "&Year-end Pack…"
    action.trigger()
    return window.year_end_dialog


def test_the_pack_is_written_from_the_file_menu(window, qtbot, tmp_path):
    dialog = _file_pack(window)
    assert dialog.isVisible() and dialog.windowTitle() == "Year-end Pack"
    assert dialog.chosen_year() == 2026  # the book's only year
    assert dialog.chosen_home() is False  # the book has no home currency
    dialog.home.setCurrentIndex(dialog.home.findData("EUR"))
    out = tmp_path / "accountant"
    dialog.choose_folder = lambda: str(out)
    dialog.folder_button.click()
    assert dialog.folder_label.toolTip() == str(out) or str(out) in dialog.folder_label.text()
    with qtbot.waitSignal(dialog.accepted, timeout=30_000):
        dialog.write_button.click()
    names = sorted(p.name for p in out.iterdir())
    assert "2026 year-end pack.pdf" in names and "2026 spend by freelancer.csv" in names
    assert "2026 exchange rates used.csv" in names  # converted into EUR (with no rates: said missing)
    assert (
        window.statusBar().currentMessage() == f"Wrote 2026 year-end pack.pdf and {len(names) - 1} CSV files into {out}"
    )
    assert window.settings.value("exportFolder") == str(out)


def test_cancel_stops_the_pack_and_leaves_nothing(window, qtbot, tmp_path, monkeypatch):
    started = threading.Event()
    real = year_end.build_pack

    def slow(year, *, home, progress, cancelled):
        progress(0, 10, "spend by month")
        started.set()
        for _ in range(200):  # (until Cancel is clicked)
            if cancelled():
                break
            threading.Event().wait(0.05)
        return real(year, home=home, progress=progress, cancelled=cancelled)

    monkeypatch.setattr(year_end, "build_pack", slow)
    dialog = _file_pack(window)
    out = tmp_path / "out"
    out.mkdir()
    dialog.folder = out
    dialog.write_button.click()
    assert started.wait(10)
    qtbot.waitUntil(lambda: dialog.status.text() == "Reading spend by month…", timeout=5_000)
    assert dialog.bar.isVisible() and not dialog.write_button.isEnabled()
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.running() and dialog.outcome is not None, timeout=10_000)
    qtbot.waitUntil(lambda: CANCELLED in dialog.error.text(), timeout=5_000)
    assert dialog.isVisible() and dialog.write_button.isEnabled()
    assert list(out.iterdir()) == []
    # Written again, to the end this time.
    monkeypatch.setattr(year_end, "build_pack", real)
    with qtbot.waitSignal(dialog.accepted, timeout=30_000):
        dialog.write_button.click()
    assert (out / "2026 year-end pack.pdf").exists()


def test_cancel_interrupts_a_report_being_read(qtbot, book, filled, tmp_path, monkeypatch):
    interrupted = threading.Event()

    def reading(year, *, home, progress, cancelled):
        progress(0, 10, "spend by contract")
        if not interrupted.wait(10):
            raise AssertionError("never interrupted")
        raise sqlite3.OperationalError("interrupted")

    monkeypatch.setattr(year_end, "build_pack", reading)
    dialog = YearEndDialog(None, book_name="test.book", years=[2026], year=2026, home=None, folder=tmp_path / "o",
                           interrupt=interrupted.set)  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.write_button.click()
    qtbot.waitUntil(lambda: "spend by contract" in dialog.status.text(), timeout=5_000)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: CANCELLED in dialog.error.text(), timeout=10_000)
    assert not (tmp_path / "o").exists()


def test_a_folder_that_cannot_take_the_pack_is_said_in_words(window, qtbot, tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("mine")
    dialog = _file_pack(window)
    dialog.folder = Path(blocker / "sub")
    dialog.write_button.click()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=30_000)
    qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=5_000)
    assert "The pack could not be written: " in dialog.error.text() and "is not a folder" in dialog.error.text()
    assert "Traceback" not in dialog.error.text() and dialog.isVisible()
    assert blocker.read_text() == "mine"
