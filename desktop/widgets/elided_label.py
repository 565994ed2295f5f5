"""A label for the client's own words (a title, a name): any length, never wider than the room it is given.

`ElidedLabel` shows each of its lines whole when there is room and cut with "…" when there is not, the whole text
then in its tooltip; it asks for no minimum width, so a 200-character title cannot widen the window. Its lines
are laid out in the widget's own direction (the app's), whatever script the text starts with: an Arabic name at
the start of a line does not turn the line right to left (the text itself isolates user words with FSI … PDI).
`text()` is always the whole text.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy

from desktop import qt_values


class ElidedLabel(QLabel):
    """Plain text, one line per "\\n", each elided at the right when it does not fit; the full text as tooltip."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        self.setProperty("textFormat", qt_values.PLAIN_TEXT)  # (the main window has one: qt_values.py)
        self.setWordWrap(False)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._tip = ""  # the tooltip this label set itself (the full text while it is elided)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tip()

    def lines(self) -> list[str]:
        return self.text().split("\n")

    def shown_lines(self) -> list[str]:
        """The lines as painted: each cut with "…" where it does not fit the label's width."""
        metrics = self.fontMetrics()
        width = self.contentsRect().width()
        # (A line narrower by a whole pixel fits as it is; `_elided` measures the others exactly.)
        fit = width - 1
        return [
            line if metrics.horizontalAdvance(line) <= fit else _elided(metrics, line, width) for line in self.lines()
        ]

    def is_elided(self) -> bool:
        return self.shown_lines() != self.lines()

    def _update_tip(self) -> None:
        tip = self.text() if self.is_elided() else ""
        if self.toolTip() == self._tip:  # (a tooltip set from outside is left alone)
            self.setToolTip(tip)
        self._tip = tip

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        margins = self.contentsMargins()
        width = max((metrics.horizontalAdvance(line) for line in self.lines()), default=0)
        height = metrics.lineSpacing() * len(self.lines())
        return QSize(width + margins.left() + margins.right(), height + margins.top() + margins.bottom())

    def minimumSizeHint(self) -> QSize:
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance("M…") + margins.left() + margins.right()
        return QSize(width, self.sizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_tip()

    def paintEvent(self, event) -> None:
        # Each line from the start of the app's direction (its left, or its right in a right-to-left language), in
        # the text colour of the widget's state: a painter on a widget starts with the widget's direction (not the
        # text's) and with its text colour for the state it is in (enabled or not). (Drawn by the painter: the
        # style's own drawing would set up PySide's style type before the window's first paint; and a pen set
        # here would make Qt's namespace, desktop/qt_values.py.)
        painter = QPainter(self)
        rect = self.contentsRect()
        line_height = self.fontMetrics().lineSpacing()
        start = qt_values.ALIGN_RIGHT if self.isRightToLeft() else qt_values.ALIGN_LEFT
        flags = start | qt_values.ALIGN_ABSOLUTE | qt_values.ALIGN_VCENTER
        for i, line in enumerate(self.shown_lines()):
            painter.drawText(QRect(rect.left(), rect.top() + i * line_height, rect.width(), line_height), flags, line)


def _elided(metrics, line: str, width: int) -> str:
    from PySide6.QtCore import Qt  # (here: a line that fits, as on the window's first paint, needs no cutting)

    return metrics.elidedText(line, Qt.TextElideMode.ElideRight, width)
