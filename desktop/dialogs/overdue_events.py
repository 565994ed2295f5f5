"""What the marketplace did by itself while the book was closed (R6 automatic releases, R8 unanswered
escrow refund requests), offered for recording on one confirmation."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.icons import icon
from desktop.widgets.fields import FieldError, named_by_text
from desktop.widgets.screen_fit import keep_on_screen
from models import queries
from models.clock import utc_today
from models.errors import RuleError

OVERDUE_INTRO = (
    "While this book was closed, these clocks ran out and the marketplace acted on its own. "
    "It has already happened there: record it here so the book matches the marketplace."
)


class OverdueEventsDialog(QDialog):
    """R6, R8: what the marketplace did by itself while the book was closed; one button records it all."""

    def __init__(self, parent: QWidget | None = None, *, today: date | None = None):
        super().__init__(parent)
        keep_on_screen(self)  # never larger than the screen
        self.setObjectName("overdueEventsDialog")
        self.setWindowTitle("Happened at the marketplace")
        self.setAccessibleName("Happened at the marketplace")
        self.today = utc_today(today)
        self.recorded = 0
        self.events = queries.overdue_automatic_events(self.today)

        self.error = FieldError(self, name="errorLabel", accessible_name="Problem recording the events")

        n = len(self.events)
        self.heading = QLabel(f"{n} thing{'s' if n != 1 else ''} happened automatically at the marketplace")
        self.heading.setObjectName("overdueHeading")
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)

        self.intro = QLabel(OVERDUE_INTRO)
        self.intro.setObjectName("overdueIntro")
        self.intro.setWordWrap(True)

        self.list = QListWidget()
        self.list.setObjectName("eventsList")
        self.list.setAccessibleName("Automatic events")
        self.list.setWordWrap(True)
        self.list.setSpacing(3)
        self.list.setIconSize(QSize(20, 20))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for event in self.events:
            line = QListWidgetItem(icon("overdue"), event.text)
            line.setToolTip(event.text)
            self.list.addItem(line)

        self.record_button = QPushButton("Record them")
        self.record_button.setObjectName("recordButton")
        self.record_button.setDefault(True)
        self.record_button.clicked.connect(self.record)
        self.later_button = QPushButton("Not now")
        self.later_button.setObjectName("laterButton")
        named_by_text(self.record_button, self.later_button)
        self.later_button.setToolTip("Nothing is recorded; you will be asked again next time.")
        self.later_button.clicked.connect(self.reject)
        buttons = QDialogButtonBox()
        buttons.addButton(self.record_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.later_button, QDialogButtonBox.ButtonRole.RejectRole)

        layout = QVBoxLayout(self)
        layout.addWidget(self.error)
        layout.addWidget(self.heading)
        layout.addWidget(self.intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(600, 290)

    def texts(self) -> list[str]:
        return [e.text for e in self.events]

    def record(self) -> bool:
        """The only write of this dialog: one operation, all or nothing (R14)."""
        from models import ops  # here, not on start-up: the panel is built with the window

        try:
            self.recorded = ops.record_automatic_events(today=self.today)
        except RuleError as exc:
            self.error.setMessage(f"Nothing was recorded: {exc.message}")
            return False
        self.accept()
        return True


def overdue_events_dialog(parent: QWidget | None, today: date | None) -> OverdueEventsDialog | None:
    """The dialog when the marketplace did something the book has not recorded yet; None when it did not."""
    if not queries.overdue_automatic_events(utc_today(today)):
        return None
    return OverdueEventsDialog(parent, today=today)
