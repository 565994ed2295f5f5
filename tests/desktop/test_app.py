"""Starting the app: a bad book is refused with a message; light and dark schemes."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import app


def test_run_refuses_a_file_that_is_not_a_book(qtbot, tmp_path, monkeypatch):
    bad = tmp_path / "notes.book"
    bad.write_text("not a book")
    messages = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: messages.append(text))
    assert app.run(str(bad)) == 1
    assert messages and "not an Escrowbook book" in messages[0]
    assert bad.read_text() == "not a book"


def test_run_says_in_words_why_a_shared_book_cannot_be_opened(qtbot, monkeypatch):
    messages = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: messages.append(text))
    assert app.run("postgresql://ana@nowhere.invalid/books") == 1
    assert messages[0].startswith("The shared book “postgresql://ana@nowhere.invalid/books” cannot be opened: ")


def test_dark_and_light_schemes(qtbot):
    qt = QApplication.instance()
    app.apply_scheme(qt, dark=True)
    assert qt.palette().color(QPalette.ColorRole.Window).lightness() < 80
    app.apply_scheme(qt, dark=False)
    assert qt.palette().color(QPalette.ColorRole.Window).lightness() > 180


def test_an_unexpected_error_shows_a_crash_dialog_with_copyable_details(qtbot):
    try:
        raise ValueError("boom")
    except ValueError as exc:
        box = app.show_crash(type(exc), exc, exc.__traceback__)
    qtbot.addWidget(box)
    assert box.objectName() == "crashDialog"
    assert box.text() == "Something went wrong in Escrowbook."
    assert "Nothing half-done was saved" in box.informativeText()
    details = box.detailedText()
    assert details.startswith("Escrowbook ") and "ValueError: boom" in details
    box.close()


def test_the_crash_hook_shows_the_dialog_and_still_prints(qtbot, monkeypatch, capsys):
    import sys

    shown = []
    monkeypatch.setattr(sys, "excepthook", lambda *args: print("printed", args[0].__name__))
    monkeypatch.setattr(app, "show_crash", lambda *args: shown.append(args[0]))
    app.install_crash_dialog()
    sys.excepthook(RuntimeError, RuntimeError("x"), None)
    assert shown == [RuntimeError]
    assert "printed RuntimeError" in capsys.readouterr().out


def test_the_app_names_the_desktop_file_the_deb_installs(qtbot):
    from pathlib import Path

    qt = app.make_app()
    assert qt.desktopFileName() == app.APP_ID
    linux = Path(__file__).resolve().parents[2] / "packaging" / "linux"
    assert (linux / f"{app.APP_ID}.desktop").is_file()
    assert (linux / f"{app.APP_ID}.metainfo.xml.in").is_file()


def test_the_app_starts_in_fusion_on_every_platform_and_keeps_it(tmp_path):
    """Fusion (the style that draws with the app's own palettes) from the application's creation, whatever the
    platform's or the environment's own style; a change of appearance keeps that style object."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "from desktop.app import make_app\n"
        "from desktop.widgets import appearance\n"
        "app = make_app()\n"
        "first = app.style()\n"
        "appearance.apply(app, 'dark')\n"
        "print(first.name(), app.style() is first)\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_STYLE_OVERRIDE": "windows", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["fusion", "True"]
