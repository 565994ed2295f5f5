"""The welcome page of an empty book: "New contract" and "Open a demo book"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.icons import icon

if TYPE_CHECKING:
    pass


class WelcomePage(QWidget):
    """What an empty book shows: the two ways to start."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("welcomePage")
        title = QLabel("Welcome to Escrowbook")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        text = QLabel(
            "Keep your own books of every fixed-price contract: milestones, escrow, payments, refunds, "
            "fees and every deadline that follows. Your book is one file on this computer.\n\n"
            "Start with your first contract, or look around a demo book first."
        )
        text.setWordWrap(True)
        text.setMaximumWidth(560)
        self.new_button = QPushButton(icon("new-contract"), "&New contract…")
        self.new_button.setObjectName("welcomeNewContract")
        self.new_button.setAccessibleName("New contract")
        self.demo_button = QPushButton(icon("open-book"), "Open a &demo book")
        self.demo_button.setObjectName("welcomeOpenDemo")
        self.demo_button.setAccessibleName("Open a demo book")
        for b in (self.new_button, self.demo_button):
            b.setMinimumHeight(36)
            b.setMinimumWidth(200)
        self.new_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        app_icon = QLabel()
        app_icon.setPixmap(icon("app").pixmap(64, 64))
        inner = QVBoxLayout()
        inner.addWidget(app_icon)
        inner.addWidget(title)
        inner.addSpacing(8)
        inner.addWidget(text)
        inner.addSpacing(16)
        inner.addLayout(buttons)
        box = QWidget()
        box.setLayout(inner)
        box.setMaximumWidth(620)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
