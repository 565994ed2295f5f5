"""A "Why?" link beside a figure or a limit the marketplace's rules set: it opens the in-app help at the
section that explains the rule in the client's words (resources/help/rules.html), never a rule number."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget

from models.resources import resource

HELP_PAGE = "rules.html"

# Each section of the rules page, beside the bookkeeping rule of RULES.md it explains to the client.
SECTIONS = (
    "money",  # R1
    "minimum",  # R2
    "fees",  # R3
    "leftover",  # R4
    "release",  # R5
    "review",  # R6
    "ending",  # R7
    "escrow-refund",  # R8
    "refunds",  # R9
    "feedback",  # R10
    "closeout",  # R11
    "ledger",  # R12
    "versions",  # R13
    "all-or-nothing",  # R14
    "dormant",  # R15
    "order",  # R16
)


def sections() -> set[str]:
    """The sections of the rules help page a "Why?" link can name."""
    import re

    html = resource("help", HELP_PAGE).read_text(encoding="utf-8")
    return set(re.findall(r'<a name="([^"]+)"', html))


def open_help(origin: QWidget, page: str) -> None:
    """Open the help at `page`: the main window's Help when `origin` is in the main window (so the help's links
    can run its actions), else a Help window owned by `origin`'s dialog, which a modal dialog does not block."""
    window = origin.window()
    show = getattr(window, "show_help", None)
    if callable(show):
        show(page)
        return
    from desktop.widgets.help_browser import HelpDialog

    dialog = HelpDialog(window, page)
    window.why_help = dialog  # tests reach the help a dialog opened here
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()


class WhyLink(QPushButton):
    """ "Why?": a flat, link-like button (reachable with Tab, pressed with Space) that explains one rule."""

    def __init__(self, section: str, about: str, parent: QWidget | None = None):
        super().__init__("Why?", parent)
        if section not in SECTIONS:
            raise ValueError(f"no help section {section!r}")
        self.section = section
        self.page = f"{HELP_PAGE}#{section}"
        self.setObjectName(f"why_{section.replace('-', '_')}")
        self.setAccessibleName(f"Why? {about}")
        self.setAccessibleDescription(f"Opens the help about {about}")
        self.setToolTip(f"Why: {about}, in the help")
        self.setFlat(True)
        self.setAutoDefault(False)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet("QPushButton { color: palette(link); text-decoration: underline; padding: 0 4px; }")
        self.clicked.connect(lambda: open_help(self, self.page))
        self._last_in_tab_order = False

    def showEvent(self, event) -> None:
        """Last in its window's Tab order, once shown: the fields come first, and a dialog or wizard page that
        gives the focus to its first control never gives it to the explanation beside it."""
        super().showEvent(event)
        if not self._last_in_tab_order:
            self._last_in_tab_order = True
            last = self.window().previousInFocusChain()
            if last is not self and last is not self.window():
                QWidget.setTabOrder(last, self)


def with_why(widget: QWidget, section: str, about: str) -> QWidget:
    """`widget` (an explanation) with a "Why?" link at its right, which opens the help's `section`."""
    from PySide6.QtWidgets import QHBoxLayout

    box = QWidget()
    box.setObjectName(f"{widget.objectName() or 'text'}WithWhy")
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    row.addWidget(widget, 1)
    link = WhyLink(section, about, box)
    row.addWidget(link, 0, Qt.AlignmentFlag.AlignTop)
    box.why = link
    return box
