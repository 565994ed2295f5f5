"""`StarRating`: 1 to 5 stars, by mouse or keyboard, shown as glyphs and a number (never colour alone)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QSizePolicy,
    QStyle,
    QStyleOptionFocusRect,
    QWidget,
)

from desktop.widgets.appearance import colour

FULL, EMPTY = "★", "☆"


def stars_text(value: int) -> str:
    """ "★★★★☆ 4 of 5" — glyphs and the number, never colour alone."""
    return f"{FULL * value}{EMPTY * (5 - value)} {value} of 5" if value else f"{EMPTY * 5} not rated"


class StarRating(QWidget):
    """1–5 stars for one category. 0 means "not rated yet".

    Keyboard: Left/Right (or Down/Up) step, digits 1–5 set, Home/End give 1/5, Space cycles 1→5→1.
    Mouse: click a star. Read-only mode ignores both (the value is still read out to screen readers).
    """

    valueChanged = Signal(int)

    def __init__(self, label: str = "", parent: QWidget | None = None, *, value: int = 0, read_only: bool = False):
        super().__init__(parent)
        self._label = label
        self._value = 0
        self._read_only = read_only
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.ArrowCursor if read_only else Qt.CursorShape.PointingHandCursor)
        star_font = QFont(self.font())
        star_font.setPointSizeF(star_font.pointSizeF() * 1.35)
        self._star_font = star_font
        self.setValue(value)

    # ------------------------------------------------------------------ value

    def value(self) -> int:
        return self._value

    def setValue(self, value: int) -> None:
        value = max(0, min(5, int(value)))
        changed = value != self._value
        self._value = value
        self._describe()
        self.update()
        if changed:
            self.valueChanged.emit(value)

    def isReadOnly(self) -> bool:
        return self._read_only

    def setReadOnly(self, read_only: bool) -> None:
        self._read_only = read_only
        self.setCursor(Qt.CursorShape.ArrowCursor if read_only else Qt.CursorShape.PointingHandCursor)
        self._describe()

    def text(self) -> str:
        return stars_text(self._value)

    def description(self) -> str:
        """What screen readers hear after the name: the value and how to change it."""
        what = f"{self._value} of 5 stars" if self._value else "not rated"
        hint = "" if self._read_only else " Left and Right arrows or 1 to 5 change it; Space cycles."
        return f"{self._label} rating, {what}.{hint}".strip()

    def _describe(self) -> None:
        what = f"{self._value} of 5 stars" if self._value else "not rated"
        self.setAccessibleName(f"{self._label}: {what}" if self._label else what)
        self.setAccessibleDescription(self.description())
        self.setToolTip(f"{self._label}: {what}" if self._label else what)

    # ------------------------------------------------------------------ input

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._read_only:
            super().keyPressEvent(event)
            return
        key = event.key()
        v = self._value
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Plus):
            self.setValue(min(5, v + 1))
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Down, Qt.Key.Key_Minus):
            self.setValue(max(1, v - 1))
        elif key == Qt.Key.Key_Home:
            self.setValue(1)
        elif key == Qt.Key.Key_End:
            self.setValue(5)
        elif key == Qt.Key.Key_Space:
            self.setValue(v % 5 + 1)
        elif event.text() in ("1", "2", "3", "4", "5"):
            self.setValue(int(event.text()))
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._read_only or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        star = self.star_at(event.position().x())
        if star:
            self.setValue(star)
        event.accept()

    # ------------------------------------------------------------------ geometry and painting

    def _star_width(self) -> int:
        return QFontMetrics(self._star_font).horizontalAdvance(FULL) + 4

    def star_rect(self, n: int) -> QRectF:
        """Where star `n` (1–5) is drawn, for clicks (and tests)."""
        w = self._star_width()
        return QRectF(2 + (n - 1) * w, 0, w, self.height())

    def star_at(self, x: float) -> int:
        n = int((x - 2) // self._star_width()) + 1
        return n if 1 <= n <= 5 else 0

    def sizeHint(self) -> QSize:
        fm = QFontMetrics(self.font())
        number = fm.horizontalAdvance("not rated") + 8
        height = max(QFontMetrics(self._star_font).height(), fm.height()) + 6
        return QSize(2 + 5 * self._star_width() + 8 + number, height)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        group = QPalette.ColorGroup.Active if self.isEnabled() else QPalette.ColorGroup.Disabled
        text_color = self.palette().color(group, QPalette.ColorRole.WindowText)
        # amber for the light or dark palette; the ★/☆ shapes and the number say it without colour
        full_color = text_color if not self.isEnabled() else QColor(colour("star"))
        p.setFont(self._star_font)
        for n in range(1, 6):
            filled = n <= self._value
            p.setPen(full_color if filled else text_color)
            p.drawText(self.star_rect(n), Qt.AlignmentFlag.AlignCenter, FULL if filled else EMPTY)
        p.setFont(self.font())
        p.setPen(text_color)
        x = 2 + 5 * self._star_width() + 8
        number = f"{self._value} of 5" if self._value else "not rated"
        p.drawText(QRectF(x, 0, self.width() - x, self.height()), Qt.AlignmentFlag.AlignVCenter, number)
        if self.hasFocus():
            opt = QStyleOptionFocusRect()
            opt.initFrom(self)
            opt.rect = self.rect().adjusted(0, 1, -1, -1)
            self.style().drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, opt, p, self)
        p.end()
