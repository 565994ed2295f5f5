"""The main window on a shared book (issue 22): `escrowbook --book postgresql://…` and File → Open Shared Book…
open it; what another person records shows within a second; a shared book is backed up by its server's tools,
not copied or restored as a file; its address is never kept in the recent books."""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop.app import start
from desktop.window.main_window import OTHERS_MS
from models import ops
from models.book import open_book

from ..conftest import TODAY, titles, two_contracts

ROOT = Path(__file__).resolve().parents[3]
_names = itertools.count(1)


@pytest.fixture
def shared(pg_cluster):
    """The address of a shared book with two contracts (dropped after the test)."""
    with pg_cluster.database(f"eb_window_{next(_names)}") as url:
        with open_book(url):
            two_contracts()
        yield url


def test_the_window_opens_a_shared_book_by_its_address(shared, qtbot, settings):
    window = start(shared, settings=settings, today=TODAY)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.status_attention.text() != "")
    name = shared.split("/")[3].split("?")[0]
    assert window.windowTitle() == f"{name} (shared) — Escrowbook"
    assert titles(window) == ["Annual report", "Logo redesign"] and window.count_label.text() == "2 contracts"
    assert "In escrow: $300.00" in window.status_money.toolTip()
    window.select_contract(window.model.rows[1].id)
    assert window.page.contract.title == "Logo redesign"
    # Its server keeps it: backed up with the database's tools, never copied or restored as a file here.
    for action in (window.act_copy, window.act_restore):
        assert not action.isEnabled() and "escrowbook backup" in action.toolTip()
    assert settings.value("recentBooks", [], type=list) == []  # (an address may hold a password)
    window.close()


def test_what_another_person_records_shows_within_a_second(shared, qtbot, settings, monkeypatch):
    window = start(shared, settings=settings, today=TODAY)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.status_attention.text() != "")
    other = textwrap.dedent(
        f"""
        from datetime import date
        from models import ops
        from models.book import open_book
        with open_book({shared!r}, create=False):
            bo = ops.create_freelancer("Bo Lindqvist")
            ops.create_contract("Brand book", bo, started_on=date(2026, 3, 1), today=date(2026, 3, 10))
        """
    )
    subprocess.run([sys.executable, "-c", other], cwd=ROOT, check=True, timeout=60)  # another person, elsewhere
    qtbot.waitUntil(lambda: "Brand book" in titles(window), timeout=1000)
    assert window.count_label.text() == "3 contracts"
    # The window's own operations show at once, as on a book file: the server's word of them is not read again.
    reads = []
    monkeypatch.setattr(window, "refresh_all", lambda: reads.append(1))
    ops.create_contract("Mine", ops.create_freelancer("Cy"), started_on=TODAY, today=TODAY)
    qtbot.wait(3 * OTHERS_MS)
    assert reads == []
    window.close()


@pytest.fixture
def file_window(qtbot, tmp_path, settings, prompts):
    """The window on a book file, finished opening."""
    path = tmp_path / "mine.book"
    open_book(path).close()
    window = start(path, settings=settings, today=TODAY)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.book is not None)
    yield window
    window.close()


def asked(monkeypatch, answer: str) -> None:
    """File → Open Shared Book…'s question, answered."""
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: (answer, True)))


def test_file_open_shared_book_asks_for_the_address_and_opens_it(shared, file_window, monkeypatch):
    path = file_window.book.path
    asked(monkeypatch, f"  {shared} ")
    file_window.act_open_shared.trigger()
    assert file_window.book.store == "postgresql" and titles(file_window) == ["Annual report", "Logo redesign"]
    assert file_window.windowTitle().endswith("(shared) — Escrowbook")
    assert file_window.switch_to(path) is True  # and back to the file
    assert file_window.book.store == "sqlite" and file_window.act_copy.isEnabled()


def test_an_address_that_is_not_a_shared_books_is_refused_in_words(file_window, tmp_path, prompts, monkeypatch):
    path = file_window.book.path
    asked(monkeypatch, str(tmp_path / "x.book"))
    file_window.act_open_shared.trigger()
    assert prompts.warnings[-1].startswith("A shared book's address starts with postgresql://")
    assert file_window.book.path == path


def test_a_shared_book_that_cannot_be_reached_is_refused_and_the_open_book_kept(file_window, prompts, monkeypatch):
    path = file_window.book.path
    asked(monkeypatch, "postgresql://nobody@/no_such_book?host=/nowhere&port=1")
    file_window.act_open_shared.trigger()
    assert "cannot be opened: the server did not let Escrowbook in" in prompts.warnings[-1]
    assert file_window.book.path == path


def test_the_window_on_a_shared_book_paints_its_table_first_and_its_contracts_page_right_after(shared, qtbot, settings):
    """The book is opened whole, its schema checked, before the window is made; the contract's page and the attention
    panel are made right after the first paint (as on a book file), or before an action that comes sooner."""
    window = start(shared, settings=settings, today=TODAY)
    qtbot.addWidget(window)
    assert window.book is not None and window.page is None and window.attention is None
    assert titles(window) == ["Annual report", "Logo redesign"]
    window.show()
    qtbot.waitUntil(lambda: window.page is not None)
    assert window.page.contract is not None and window.page.contract.title == "Annual report"
    window.close()
    early = start(shared, settings=settings, today=TODAY)  # what an action before the first paint does first
    qtbot.addWidget(early)
    assert early.finish_opening() is True
    assert early.page is not None and early.attention is not None and early.page.contract.title == "Annual report"
    early.close()
