"""Start-up as a user double-clicks the app (desktop.app.start): the window paints the contracts table from
the book's SQLite connection, before peewee and the tables are loaded, then finishes opening the book right
after its first paint, or before any action that comes sooner. Nothing is lost either way."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop.app import start
from models import ops
from models.book import open_book, schema_version
from models.entities import Contract
from models.errors import BookError

from ..conftest import as_format
from .conftest import TODAY, titles, two_contracts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def book_path(tmp_path, backups_folder) -> Path:
    """A closed book with two contracts, one of them with a milestone in escrow."""
    path = tmp_path / "mine.book"
    with open_book(path):
        two_contracts()
    return path


def test_the_table_is_shown_before_the_book_finishes_opening_then_the_page_follows(book_path, qtbot, settings):
    window = start(book_path, create=False, settings=settings, today=TODAY)
    qtbot.addWidget(window)
    # Before the first paint: the table, its count and the title are there; the book is not open in peewee yet.
    assert window.book is None and window.page is None
    assert titles(window) == ["Annual report", "Logo redesign"]
    assert window.count_label.text() == "2 contracts"
    assert window.windowTitle() == "mine.book — Escrowbook"
    assert not window.act_edit_contract.isEnabled() and not window.act_release.isEnabled()
    window.show()
    qtbot.waitUntil(lambda: window.page is not None and window.page.contract is not None)
    assert window.book is not None and window.book.path == book_path
    assert window.page.contract.title == "Annual report"  # the first row, selected
    assert window.splitter.widget(1).widget() is window.page  # (in a scroll area)
    assert window.act_edit_contract.isEnabled()
    qtbot.waitUntil(lambda: window.status_attention.text() != "")
    assert "$300.00" in window.status_money.text()  # in escrow


def test_an_action_before_the_book_finished_opening_finishes_it_first(book_path, qtbot, settings):
    window = start(book_path, create=False, settings=settings, today=TODAY)  # never painted
    qtbot.addWidget(window)
    window.select_contract(window.model.rows[1].id)  # a click on a row meanwhile
    window.act_refresh.trigger()
    assert window.book is not None
    assert window.page.contract.title == "Logo redesign"  # the row the user had clicked
    assert window.switch_to(book_path) is True  # the same book: nothing to do, and nothing refused (a warning
    # would fail the test: tests/desktop/conftest.py guards every prompt)


def test_quitting_before_the_book_finished_opening_releases_it(book_path, qtbot, settings, monkeypatch):
    window = start(book_path, create=False, settings=settings, today=TODAY)
    qtbot.addWidget(window)
    monkeypatch.setattr("models.book.adopt", lambda opened: pytest.fail("quitting needs no book"))
    window.act_quit.trigger()  # File → Quit, Ctrl+Q
    monkeypatch.undo()
    assert window.book is None
    with open_book(book_path, create=False) as book:  # not refused as open elsewhere
        assert book.path == book_path


def test_a_book_open_elsewhere_is_refused_at_start_and_left_untouched(book_path, qtbot, settings):
    window = start(book_path, create=False, settings=settings, today=TODAY)
    qtbot.addWidget(window)
    before = book_path.read_bytes()
    with pytest.raises(BookError, match="already open in another Escrowbook window"):
        start(book_path, create=False, settings=settings, today=TODAY)
    assert book_path.read_bytes() == before


def test_a_file_that_is_not_a_book_is_refused_at_start(tmp_path, qtbot, settings):
    path = tmp_path / "notes.book"
    path.write_text("shopping list")
    with pytest.raises(BookError, match="it is not an Escrowbook book"):
        start(path, create=False, settings=settings)
    assert path.read_text() == "shopping list"


def test_a_book_whose_contracts_cannot_be_read_is_refused_at_start_and_released(book_path, qtbot, settings):
    conn = sqlite3.connect(book_path)
    conn.execute("ALTER TABLE contract RENAME COLUMN title TO name")  # edited outside the app
    conn.commit()
    conn.close()
    with pytest.raises(BookError, match=r"could not be read \(no such column: c.title\); the file may be damaged"):
        start(book_path, create=False, settings=settings)
    sqlite3.connect(book_path).execute("BEGIN EXCLUSIVE").connection.close()  # the lock was released


def test_a_book_in_an_older_format_is_migrated_before_the_window_is_built(book_path, qtbot, settings):
    as_format(book_path, 1)  # what book format 1 was: no hash chain
    window = start(book_path, create=False, settings=settings, today=TODAY)
    qtbot.addWidget(window)
    assert window.book is not None and window.page is not None  # opened whole, migrated
    assert window.book.db.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version() == 16
    assert titles(window) == ["Annual report", "Logo redesign"]


def test_a_book_refused_while_finishing_says_why_and_the_window_closes(book_path, qtbot, settings, monkeypatch):
    def refused(opened):
        opened.conn.close()
        raise BookError("“mine.book” cannot be opened: upgrading it failed.", reason="upgrade")

    said = []
    monkeypatch.setattr("models.book.adopt", refused)
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: said.append(text))
    window = start(book_path, create=False, settings=settings, today=TODAY)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert said == ["“mine.book” cannot be opened: upgrading it failed."]
    assert window.book is None and window.page is None
    assert window.act_refresh.isEnabled()  # (an action now does nothing: there is no book)
    window.act_refresh.trigger()
    assert window.book is None


def test_a_new_book_is_created_whole_and_shows_the_welcome_page(tmp_path, qtbot, settings):
    window = start(tmp_path / "new.book", settings=settings)
    qtbot.addWidget(window)
    assert window.book is not None
    assert window.stack.currentWidget() is window.welcome


def test_the_start_up_path_imports_neither_peewee_nor_the_tables(book_path):
    """The regression this guards: any import of peewee before the first paint costs the start-up budget
    (benchmarks/table.py, issue 3): about 40 ms of the 55 ms the window has over a bare one."""
    code = textwrap.dedent(
        """
        import sys
        from desktop.app import make_app, start
        app = make_app()
        window = start(sys.argv[1], create=False)
        window.update_status()  # the status bar too: the first thing the window does after its first paint
        loaded = sorted(m for m in sys.modules if m == "peewee" or m in ("models.entities", "models.ops"))
        print(",".join(loaded) or "none", len(window.model.rows))
        window.close()
        """
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(book_path.parent / "config")}
    out = subprocess.run(
        [sys.executable, "-c", code, str(book_path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["none", "2"]


def test_the_status_bar_is_filled_from_the_books_connection_before_it_finishes_opening(book_path, qtbot, settings):
    window = start(book_path, create=False, settings=settings, today=TODAY)
    qtbot.addWidget(window)
    window.update_status()  # what the window does first after its first paint
    assert window.book is None
    early = (window.status_money.text(), window.status_attention.text(), window.status_money.toolTip())
    assert "In escrow: $300.00" in early[2]  # (the window is not shown: the tooltip has every figure)
    assert window.finish_opening()
    window.update_status()
    assert (window.status_money.text(), window.status_attention.text(), window.status_money.toolTip()) == early


def test_finishing_opening_builds_the_ledger_tab_only_when_it_is_first_shown(book_path):
    """The regression this guards: the ledger tab's modules (with the statements' and reconciliation's) cost the
    filled window about 40 ms when built with the page, while the milestones tab is what a start shows."""
    code = textwrap.dedent(
        """
        import sys
        from desktop.app import make_app, start
        app = make_app()
        window = start(sys.argv[1], create=False)
        window.finish_opening()
        lazy = ("desktop.contract.ledger", "models.reconciled", "models.statements")
        print(",".join(m for m in lazy if m in sys.modules) or "none")
        window.table.selectRow(1)  # Logo redesign: its milestone in escrow
        window.page.tabs.setCurrentIndex(1)
        print(window.page.tabs.tabText(1), window.page.ledger.ledger_table.rowCount() > 0)
        print(",".join(m for m in lazy if m in sys.modules) or "none")
        window.close()
        """
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(book_path.parent / "config")}
    out = subprocess.run(
        [sys.executable, "-c", code, str(book_path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:3] == [
        "none",
        "&Ledger True",
        "desktop.contract.ledger,models.reconciled,models.statements",
    ]


def test_opening_another_book_in_the_window_shows_it_whole(book_path, tmp_path, qtbot, settings, prompts):
    other = tmp_path / "other.book"
    with open_book(other):
        bo = ops.create_freelancer("Bo Lindqvist")
        site = ops.create_contract("Website", bo, currency="EUR", started_on=date(2026, 3, 1), today=TODAY)
        ops.fund_milestone(ops.add_milestone(site, "Pages", 80_000), today=date(2026, 3, 2))
    window = start(book_path, create=False, settings=settings, today=TODAY)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "$300.00" in window.status_money.text())
    assert window.switch_to(other) is True  # File → Open Book, or a recent book
    assert window.windowTitle() == "other.book — Escrowbook"
    assert titles(window) == ["Website"] and window.page.contract.title == "Website"
    qtbot.waitUntil(lambda: "€800.00" in window.status_money.text())  # once the new book is on screen
    assert "$" not in window.status_money.text()
    said = prompts.warnings
    (tmp_path / "notes.book").write_text("shopping list")
    assert window.switch_to(tmp_path / "notes.book") is False  # refused: the open book stays
    assert said == ["“notes.book” cannot be opened: it is not an Escrowbook book."]
    assert window.book.path == other and titles(window) == ["Website"]
    assert window.page.contract.title == "Website"  # still selected
    window.set_filter("active")  # the table still reads the book (through its reopened connection)
    assert titles(window) == ["Website"]
    window.set_filter("all")
    quick = ops.create_contract("Quick fix", Contract.get(Contract.title == "Website").freelancer, today=TODAY)
    window.contract_changed(quick.id)  # a contract made after the refusal shows in the table
    assert "Quick fix" in titles(window)


def test_an_unexpected_error_while_finishing_closes_the_window_and_releases_the_book(book_path, qtbot, settings,
                                                                                       monkeypatch):  # fmt: skip
    def broken(opened):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("models.book.adopt", broken)
    window = start(book_path, create=False, settings=settings, today=TODAY)
    qtbot.addWidget(window)
    with pytest.raises(OSError, match="Input/output error"):
        window.finish_opening()  # (from a timer, this reaches the crash dialog)
    assert not window.isVisible() and window.book is None
    monkeypatch.undo()
    with open_book(book_path, create=False) as book:  # the lock was released
        assert book.path == book_path


FIRST_PAINT = textwrap.dedent(
    """
    import sys
    from PySide6 import QtCore
    from PySide6.QtCore import QEvent, QObject, QTimer
    from desktop.app import make_app, start
    app = make_app()
    window = start(sys.argv[1], create=False)

    def finished():
        if window.book is None:  # the rest of the book: right after the first paint
            QTimer.singleShot(10, finished)
            return
        from PySide6.QtCore import Qt

        header = window.table.horizontalHeader()
        print("sorted", header.sortIndicatorSection(), header.sortIndicatorOrder().name, header.isSortIndicatorShown())
        print("dock", window.dockWidgetArea(window.attention_dock).name, window.attention_dock.isVisible())
        shown = [header.model().headerData(c, Qt.Orientation.Horizontal) for c in range(header.count())]
        asked = [window.model.headerData(c, Qt.Orientation.Horizontal) for c in range(header.count())]
        print("titles", shown == asked, "|".join(shown))
        window.close()
        app.quit()

    class Painted(QObject):  # installed last, so called first: before anything the window does after it
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                obj.removeEventFilter(self)
                print("namespace made", "Qt" in vars(QtCore), flush=True)
                QTimer.singleShot(0, finished)
            return False

    painted = Painted()
    window.installEventFilter(painted)
    window.show()
    app.exec()
    """
)


def test_the_first_paint_makes_no_qt_namespace_and_the_table_sorts_once_shown(book_path):
    """The regression this guards: PySide makes the whole `Qt` namespace (93 enums, about 20 ms: a tenth of a bare
    window's start) the first time Python touches it; desktop/qt_values.py lists what the way to the first
    paint uses instead. Right after that paint the table sorts by its titles' clicks (title A to Z first) and the
    attention panel docks on the right: on a first start, and on the next one, from the window's saved state."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(book_path.parent / "config")}
    for start_ in ("first", "next"):
        out = subprocess.run(
            [sys.executable, "-c", FIRST_PAINT, str(book_path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.splitlines() == [
            "namespace made False",
            "sorted 0 AscendingOrder True",
            "dock RightDockWidgetArea False",
            "titles True Title|Freelancer|Status|Currency|Budget|In escrow|Paid|Refunded|Started|Ended|Next deadline",
        ], start_
        assert "QAbstractItemView" not in out.stderr  # (no warning of a selection model on another model)
    assert (book_path.parent / "config").exists()  # the second start restored the first one's window state
