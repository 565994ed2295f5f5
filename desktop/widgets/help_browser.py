"""Help (a reusable part, so a "Why?" link in any dialog can open it): the pages of resources/help/ in a
QTextBrowser.

Links of the form `action:NAME` run an action of the window that opened the help
(e.g. `action:release` opens the release wizard), so a page can lead to the dialog it explains.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from desktop.widgets.fields import named
from desktop.widgets.screen_fit import keep_on_screen
from models.resources import resource


class HelpDialog(QDialog):
    def __init__(self, parent=None, page: str = "index.html", actions: dict[str, Callable[[], None]] | None = None):
        super().__init__(parent)
        keep_on_screen(self)  # never larger than the screen
        self.setObjectName("helpDialog")
        self.setWindowTitle("Escrowbook Help")
        self.actions = actions or {}
        self.browser = QTextBrowser()
        self.browser.setObjectName("helpBrowser")
        self.browser.setAccessibleName("Help")
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self.follow)
        self.browser.setSearchPaths([str(resource("help"))])
        self.show_page(page)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        named(buttons.button(QDialogButtonBox.StandardButton.Close), "closeButton", "Close")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(660, 600)

    def show_page(self, page: str) -> None:
        """Show a help page, scrolled to its section when the page names one (`rules.html#refunds`)."""
        name, _, section = page.partition("#")
        url = QUrl.fromLocalFile(str(resource("help", name)))
        if section:
            url.setFragment(section)
        self.browser.setSource(url)

    def follow(self, url: QUrl) -> None:
        if url.scheme() == "action":
            action = self.actions.get(url.path())
            if action is not None:
                action()
        elif url.isLocalFile() or url.isRelative():
            self.browser.setSource(url)
        else:
            QDesktopServices.openUrl(url)
