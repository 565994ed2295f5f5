"""The Qt application: opens the book and shows the main window."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from desktop.version import APP_ID, APP_NAME
from desktop.widgets import appearance
from models.errors import BookError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox


def apply_scheme(app: QApplication, dark: bool | None = None) -> None:
    """Light or dark, as the system says (or as asked, for screenshots and tests)."""
    appearance.apply(app, "system" if dark is None else ("dark" if dark else "light"))


def crash_report(exc_type, exc, tb) -> str:
    """The details a user can copy into a bug report (no book contents, only the error and where it was)."""
    import platform
    import traceback

    from desktop.version import app_version

    lines = traceback.format_exception(exc_type, exc, tb)
    return f"Escrowbook {app_version()}, Python {sys.version.split()[0]}, {platform.platform()}\n\n" + "".join(lines)


def show_crash(exc_type, exc, tb, parent=None) -> QMessageBox:
    """An unexpected error: say so plainly, with the details to copy. The book stays consistent because
    every operation is one transaction (R14): whatever was under way was rolled back."""
    from PySide6.QtWidgets import QMessageBox  # (here: PySide sets a type up on its first use, not on start-up)

    box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME, "Something went wrong in Escrowbook.", parent=parent)
    box.setObjectName("crashDialog")
    box.setInformativeText(
        "Nothing half-done was saved: every change to your book is all or nothing. You can keep working; "
        "if this happens again, please send the details below to support."
    )
    box.setDetailedText(crash_report(exc_type, exc, tb))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()
    return box


def show_refusal(exc: BaseException, parent=None) -> QMessageBox:
    """A storage, system or encoding error during a user action (a full disk, a damaged or locked book, a file
    that cannot be written): not a bug, so no crash dialog, but what happened in words, and that the book
    is as it was (every change is one transaction)."""
    from PySide6.QtWidgets import QMessageBox

    from models.refusals import in_words

    box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, in_words(exc) or str(exc), parent=parent)
    box.setObjectName("refusalDialog")
    box.setInformativeText("Your book is as it was before: nothing half-done was saved.")
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()
    return box


_SHOWN: list[QMessageBox] = []  # a box with no window to own it lives until it is closed


def _keep(box: QMessageBox | None) -> None:
    if box is None:
        return
    _SHOWN.append(box)
    box.finished.connect(lambda *_: _SHOWN.remove(box) if box in _SHOWN else None)


def install_crash_dialog() -> None:
    """Uncaught exceptions (in Qt slots too) show the crash dialog instead of vanishing into a terminal; a
    storage, system or encoding error (models/refusals.py) shows a refusal in words instead: the crash
    dialog is for real bugs only."""
    from models.refusals import in_words

    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        words = in_words(exc) if exc is not None else None
        if words is not None:
            print(f"Escrowbook: {words} ({exc_type.__name__}: {exc})", file=sys.stderr)
            if QApplication.instance() is not None:
                _keep(show_refusal(exc, QApplication.activeWindow()))
            return
        previous(exc_type, exc, tb)  # still printed, for whoever runs it from a terminal
        if QApplication.instance() is not None:
            _keep(show_crash(exc_type, exc, tb, QApplication.activeWindow()))

    sys.excepthook = hook


def make_app() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(appearance.started_styled(sys.argv))
        app.setProperty(appearance.STYLED, True)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setOrganizationDomain("escrowbook.app")
    app.setDesktopFileName(APP_ID)  # the desktop matches the window to its launcher and icon
    appearance.apply(app, appearance.chosen(QSettings()), starting=True)  # View → Appearance, as left

    def system_changed(_) -> None:
        if appearance.chosen(QSettings()) == "system":
            appearance.apply(app, "system")

    QGuiApplication.styleHints().colorSchemeChanged.connect(system_changed)
    return app


def start(path: str | Path, *, create: bool = True, settings=None, today=None):
    """The main window on the book at `path` (created if missing and `create`), not yet shown.

    A book already in this version's format is only checked and locked here (models/bookfile.py: no peewee),
    so the window paints its contracts table first and finishes opening the book right after
    (MainWindow.finish_opening). A new book, or one to migrate, is opened whole first. Raises BookError."""
    from desktop.window.main_window import MainWindow
    from models import bookfile

    if str(path).startswith(("postgresql://", "postgres://")):  # a shared book (models/pgstore.py, issue 22)
        from models.book import open_shared  # (made there when the database is empty)

        return MainWindow(open_shared(str(path)), settings=settings, today=today)
    path = Path(path).expanduser().absolute()
    if not path.exists():
        from models.book import open_book

        return MainWindow(open_book(path, create=create), settings=settings, today=today)
    opened = bookfile.connect(path)
    if opened.version < bookfile.SCHEMA_VERSION:  # an older format: models.book backs it up and migrates it
        from models.book import adopt

        return MainWindow(adopt(opened), settings=settings, today=today)
    try:
        return MainWindow(opened, settings=settings, today=today)
    except BaseException as exc:
        opened.conn.close()
        # Its first page of contracts could not be read: a file damaged or edited outside the app.
        # (Misusing the connection, a ProgrammingError, is our bug: the crash dialog says so.)
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.ProgrammingError):
            why = f"it could not be read ({exc}); the file may be damaged."
            raise bookfile.refuse(path, why, "damaged") from None
        raise


def run(book_path: str | None = None, *, quit_when_shown: bool = False) -> int:
    app = make_app()
    install_crash_dialog()
    if book_path:
        path = book_path if book_path.startswith(("postgresql://", "postgres://")) else Path(book_path)
    else:
        from models.bookfile import default_book_path

        path = default_book_path()
    try:
        window = start(path)
    except BookError as exc:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, APP_NAME, str(exc))
        return 1
    window.show()
    if quit_when_shown:  # benchmarks/startup.py: start-up to the window shown, frozen and from source

        def shown() -> None:
            print("shown", flush=True)
            window.close()
            app.quit()

        QTimer.singleShot(0, shown)
    return app.exec()
