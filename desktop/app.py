"""The Qt application: opens a book and shows its main window.

The main window here is an interim one: it shows the open book's totals per
currency and what needs attention. The contracts table and the contract's page
replace its centre in the next release (issue "Main window").
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMainWindow, QMessageBox, QScrollArea

from models import queries
from models.book import Book, default_book_path, open_book
from models.entities import Contract
from models.errors import BookError
from models.money import format_money

APP_NAME = "Escrowbook"


def summary_html(book: Book) -> str:
    """The interim main window's text: the book's totals per currency and what needs attention."""
    totals = queries.book_totals()
    attention = queries.attention(limit=10)
    active = Contract.select().where(Contract.status == Contract.ACTIVE).count()
    ended = Contract.select().where(Contract.status == Contract.ENDED).count()
    parts = [
        f"<h2>{html.escape(book.path.name)}</h2>",
        f"<p>{active:,} active and {ended:,} ended contracts.</p>",
    ]
    if totals:
        rows = "".join(
            f"<tr><td>{cur}</td>"
            + "".join(
                f"<td align='right'>{format_money(t[key], cur)}</td>"
                for key in ("escrow", "released", "refunded", "fees")
            )
            + "</tr>"
            for cur, t in totals.items()
        )
        parts.append(
            "<table cellspacing='0' cellpadding='6' border='0'>"
            "<tr><th align='left'>Currency</th><th align='right'>In escrow</th><th align='right'>Paid</th>"
            "<th align='right'>Refunded</th><th align='right'>Fees</th></tr>"
            f"{rows}</table>"
        )
    else:
        parts.append("<p>This book has no contracts yet.</p>")
    if attention:
        items = "".join(
            f"<li>{item.due:%d %b %Y}: {html.escape(item.label)} — “{html.escape(item.contract_title)}”</li>"
            for item in attention
        )
        parts.append(f"<h3>Needs attention</h3><ul>{items}</ul>")
    parts.append(
        "<p style='color:palette(mid)'>The contracts table and each contract's page arrive in the next "
        "release; until then, use <code>escrowbook check</code> and <code>escrowbook demo</code> from a "
        "terminal.</p>"
    )
    return "".join(parts)


class MainWindow(QMainWindow):
    def __init__(self, book: Book):
        super().__init__()
        self.book = book
        self.setObjectName("mainWindow")
        self.resize(900, 600)
        self.summary = QLabel()
        self.summary.setObjectName("bookSummary")
        self.summary.setAccessibleName("Book summary")
        self.summary.setWordWrap(True)
        self.summary.setMargin(24)
        self.summary.setTextFormat(self.summary.textFormat().RichText)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.summary)
        self.setCentralWidget(scroll)
        self._build_menus()
        self.refresh()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open Book…", self)
        open_action.setObjectName("actionOpenBook")
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.choose_book)
        file_menu.addAction(open_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setObjectName("actionQuit")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

    def refresh(self) -> None:
        self.setWindowTitle(f"{self.book.path.name} — {APP_NAME}")
        self.summary.setText(summary_html(self.book))

    def choose_book(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open Book", str(self.book.path.parent), "Books (*.book);;All files (*)"
        )
        if path:
            self.switch_to(Path(path))

    def switch_to(self, path: Path) -> bool:
        """Open another book; on refusal keep the current one open and say why."""
        current = self.book.path
        self.book.close()
        try:
            self.book = open_book(path, create=False)
            ok = True
        except BookError as exc:
            QMessageBox.warning(self, APP_NAME, str(exc))
            self.book = open_book(current, create=False)
            ok = False
        self.refresh()
        return ok

    def closeEvent(self, event) -> None:
        self.book.close()
        super().closeEvent(event)


def run(book_path: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    path = Path(book_path) if book_path else default_book_path()
    try:
        book = open_book(path)
    except BookError as exc:
        QMessageBox.critical(None, APP_NAME, str(exc))
        return 1
    window = MainWindow(book)
    window.show()
    return app.exec()
