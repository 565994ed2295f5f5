"""Windows no larger than their screen: a dialog's own size (as tall as its text, say) is cut down to the
screen's available area and moved back onto it, so a long title or a small screen (1024×600) never puts its
buttons out of reach; what no longer fits scrolls (FormDialog's body) or wraps."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, QTimer
from PySide6.QtWidgets import QApplication, QFrame, QScrollArea, QWidget

from desktop import qt_values


def available_area(window: QWidget) -> QRect:
    """The available area of the screen under the middle of `window` (the primary screen's, when it is on none:
    a screen since unplugged). Not QWidget.screen(), which has crashed PySide6 6.11 once a dialog was gone."""
    screen = QApplication.screenAt(window.frameGeometry().center()) or QApplication.primaryScreen()
    return screen.availableGeometry()


def fit_on_screen(window: QWidget) -> None:
    """Resize `window` to at most its screen's available area (less its frame, once the frame is known), and
    move it so that it lies on the screen."""
    screen = available_area(window)
    frame = window.frameGeometry()
    extra_w, extra_h = frame.width() - window.width(), frame.height() - window.height()
    width = min(window.width(), screen.width() - extra_w)
    height = min(window.height(), screen.height() - extra_h)
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    frame = window.frameGeometry()
    x = min(max(frame.x(), screen.x()), screen.x() + screen.width() - frame.width())
    y = min(max(frame.y(), screen.y()), screen.y() + screen.height() - frame.height())
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)


class BodyScroll(QScrollArea):
    """A frameless scroll area as big as its contents would like (so a dialog is its natural size where the screen
    has room), that can shrink to a few lines where it has not (it then scrolls)."""

    def __init__(self, body: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("bodyScroll")
        self.setWidget(body)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setProperty("focusPolicy", qt_values.NO_FOCUS)

    def sizeHint(self) -> QSize:
        hint = self.widget().sizeHint()
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(hint.width() + 2 * self.frameWidth(), hint.height() + 2 * self.frameWidth()).expandedTo(
            QSize(bar, bar)
        )

    def minimumSizeHint(self) -> QSize:
        return QSize(self.widget().minimumSizeHint().width(), min(self.widget().minimumSizeHint().height(), 160))


class _FitOnShow(QObject):
    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Show and watched.isWindow():
            # Once the show is over (resizing a window in the middle of its own show is not safe), and not at
            # all if the window is gone by then.
            QTimer.singleShot(0, watched, lambda: fit_on_screen(watched))
        return False


def keep_on_screen(window: QWidget) -> None:
    """fit_on_screen `window` each time it is shown (an event filter it owns: no subclassing needed)."""
    window.installEventFilter(_FitOnShow(window))
