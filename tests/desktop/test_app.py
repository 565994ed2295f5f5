"""Starting the app: a bad book is refused with a message; light and dark schemes."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from desktop import app


def test_run_refuses_a_file_that_is_not_a_book(qtbot, tmp_path, monkeypatch):
    bad = tmp_path / "notes.book"
    bad.write_text("not a book")
    messages = []
    monkeypatch.setattr(app.QMessageBox, "critical", lambda parent, title, text: messages.append(text))
    assert app.run(str(bad)) == 1
    assert messages and "not an Escrowbook book" in messages[0]
    assert bad.read_text() == "not a book"


def test_dark_and_light_schemes(qtbot):
    qt = QApplication.instance()
    app.apply_scheme(qt, dark=True)
    assert qt.palette().color(QPalette.ColorRole.Window).lightness() < 80
    app.apply_scheme(qt, dark=False)
    assert qt.palette().color(QPalette.ColorRole.Window).lightness() > 180
