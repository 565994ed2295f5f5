"""The interim main window: opens a book, shows its totals per currency and what needs attention."""

from __future__ import annotations

from datetime import date

from desktop.app import MainWindow
from models import ops
from models.book import open_book


def test_main_window_shows_the_books_totals(qtbot, tmp_path):
    book = open_book(tmp_path / "window.book")
    f = ops.create_freelancer("Ana Ruiz")
    c = ops.create_contract("Logo redesign", f, currency="EUR", today=date(2026, 3, 1))
    m = ops.add_milestone(c, "Draft", 123_450)
    ops.fund_milestone(m, today=date(2026, 3, 1))
    window = MainWindow(book)
    qtbot.addWidget(window)
    window.show()
    text = window.summary.text()
    assert "window.book" in window.windowTitle()
    assert "1 active and 0 ended contracts" in text
    assert "€1,234.50" in text  # in escrow
    window.close()
    assert book.db.is_closed()


def test_main_window_refuses_a_bad_book_and_keeps_the_open_one(qtbot, tmp_path, monkeypatch):
    from desktop import app

    messages = []
    monkeypatch.setattr(app.QMessageBox, "warning", lambda parent, title, text: messages.append(text))
    good = tmp_path / "good.book"
    bad = tmp_path / "bad.book"
    bad.write_text("not a book")
    window = MainWindow(open_book(good))
    qtbot.addWidget(window)
    assert window.switch_to(bad) is False
    assert messages and "not an Escrowbook book" in messages[0]
    assert window.book.path == good and not window.book.db.is_closed()
    assert bad.read_text() == "not a book"
    window.close()
