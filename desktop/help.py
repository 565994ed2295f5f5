"""Help → Escrowbook Help: the pages of resources/help/ in a QTextBrowser."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from models.resources import resource


class HelpDialog(QDialog):
    def __init__(self, parent=None, page: str = "index.html"):
        super().__init__(parent)
        self.setObjectName("helpDialog")
        self.setWindowTitle("Escrowbook Help")
        self.browser = QTextBrowser()
        self.browser.setObjectName("helpBrowser")
        self.browser.setAccessibleName("Help")
        self.browser.setOpenExternalLinks(False)
        self.browser.setSearchPaths([str(resource("help"))])
        self.browser.setSource(QUrl.fromLocalFile(str(resource("help", page))))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(640, 560)
