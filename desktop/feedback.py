"""Feedback (R10): star ratings, the client's double-blind feedback, the freelancer's, and the contract page's tab.

The rules live in the models: the window (`queries.feedback_window_open`), the double-blind reveal
(`queries.freelancer_feedback_visible`), the overall score (`queries.overall_score`), and the two writes
(`ops.submit_feedback`, `ops.record_freelancer_feedback`). Each dialog's Submit calls exactly one of them; a
refusal (RuleError) is shown in the client's words and the book is unchanged (R14). Time is an argument
(`now`), never read here except as the default of the outermost call.

`ask` and `warn` are attributes so tests (which cannot click a modal box) can replace them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStyle,
    QStyleOptionFocusRect,
    QVBoxLayout,
    QWidget,
)

from desktop import formatting
from desktop.dialogs import FormDialog, rule_message
from models import fields, ops, queries
from models.entities import Contract, Feedback
from models.labels import FEEDBACK_CATEGORIES as CATEGORY_LABELS

STAR_COLOR = "#8a4b00"  # dark amber, 6.6:1 on white; the ★/☆ shapes and the number say it without colour
FULL, EMPTY = "★", "☆"
HIDDEN_TEXT = "The freelancer has left feedback; it stays hidden until you submit yours or the window closes."
NOT_RECORDED = "The freelancer's feedback has not been recorded."


def _page():
    """desktop.contract_page, imported when first needed (it may embed this tab)."""
    from desktop import contract_page

    return contract_page


def stars_text(value: int) -> str:
    """ "★★★★☆ 4 of 5" — glyphs and the number, never colour alone."""
    return f"{FULL * value}{EMPTY * (5 - value)} {value} of 5" if value else f"{EMPTY * 5} not rated"


def overall_text(ratings: dict[str, int]) -> str:
    """The overall score (R10: the mean of the six categories, from the models) to one decimal."""
    rated = [v for v in ratings.values() if v]
    if len(rated) < len(Feedback.CATEGORIES):
        return f"Overall: — ({len(rated)} of {len(Feedback.CATEGORIES)} categories rated)"
    score = queries.overall_score(Feedback(**ratings)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"Overall: {score} of 5"


def window_text(contract: Contract, now: datetime | None) -> str:
    """Where the contract's feedback window stands, in local time and the UTC deadline."""
    if contract.status != Contract.ENDED:
        return "Feedback opens when the contract ends."
    closes = contract.feedback_closes_at
    if closes is None:
        return "The feedback window is open; this contract's policy sets no closing date."
    when = f"{formatting.local_time(closes)} your time ({formatting.utc_time(closes)})"
    if queries.feedback_window_open(contract, now):
        return f"The feedback window is open until {when}."
    return f"The feedback window closed on {when}."


# ------------------------------------------------------------------------------------------- stars


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
        full_color = text_color if not self.isEnabled() else STAR_COLOR
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


# ------------------------------------------------------------------------------------------- dialogs


class _StarsDialog(FormDialog):
    """A form with a StarRating row per category and the overall score under them."""

    def __init__(self, contract: Contract, parent, *, name: str, title: str, ok_text: str, now: datetime | None):
        super().__init__(parent, name=name, title=title, ok_text=ok_text)
        self.contract = contract
        self.now = now
        self.ask = _page().ask  # replaced in tests, which cannot click a modal box
        self.ok_button.setObjectName("submitButton")
        self.feedback: Feedback | None = None
        self.stars: dict[str, StarRating] = {}

    def _add_stars(self) -> None:
        for cat in Feedback.CATEGORIES:
            rating = StarRating(CATEGORY_LABELS[cat])
            rating.setObjectName(f"stars_{cat}")
            self.stars[cat] = rating
            self.add_row(cat, f"{CATEGORY_LABELS[cat]}:", rating)
            self.watch(cat, rating.valueChanged)
            rating.valueChanged.connect(self._show_overall)
        self.overall_label = QLabel()
        self.overall_label.setObjectName("overallLabel")
        self.overall_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.overall_label.font()
        font.setBold(True)
        self.overall_label.setFont(font)
        self.form.addRow("", self.overall_label)
        self._show_overall()

    def _add_comment(self, accessible: str) -> None:
        self.comment_edit = QPlainTextEdit()
        self.comment_edit.setObjectName("commentEdit")
        self.comment_edit.setAccessibleName(accessible)
        self.comment_edit.setTabChangesFocus(True)
        self.comment_edit.setFixedHeight(84)
        self.add_row("comment", "Comment:", self.comment_edit)
        self.watch("comment", self.comment_edit.textChanged)

    def refresh(self) -> bool:
        valid = super().refresh()
        for cat, rating in self.stars.items():  # keep the value in the description, with any message after it
            message = self.error_text(cat)
            rating.setAccessibleDescription(f"{rating.description()} {message}" if message else rating.description())
        return valid

    def ratings(self) -> dict[str, int]:
        return {cat: rating.value() for cat, rating in self.stars.items()}

    def _show_overall(self, *_args) -> None:
        text = overall_text(self.ratings())
        self.overall_label.setText(text)
        self.overall_label.setAccessibleName(text)

    def problems(self) -> dict[str, str]:
        out = {
            cat: f"Give 1 to 5 stars for {CATEGORY_LABELS[cat].lower()}."
            for cat, value in self.ratings().items()
            if not value
        }
        comment = rule_message(
            fields.check_text,
            self.comment_edit.toPlainText(),
            "comment",
            "comment",
            required=False,
            max_len=fields.MAX_COMMENT,
        )
        if comment:
            out["comment"] = comment
        return out

    def _confirmed(self, title: str, text: str, yes: str) -> bool:
        self._show_all = True
        return self.refresh() and self.ask(self, title, text, yes)


class FeedbackDialog(_StarsDialog):
    """The client's feedback on the freelancer (R10): stars, a comment, and a private part.

    Submit asks first (`self.ask`), then calls `ops.submit_feedback(..., now=now)`; after it `.feedback` holds
    the row. Opened on a contract that already has the client's feedback, it shows that feedback sealed:
    every field disabled, no Submit.
    """

    def __init__(self, contract: Contract, parent: QWidget | None = None, *, now: datetime | None = None):
        super().__init__(
            contract,
            parent,
            name="feedbackDialog",
            title=f"Feedback on “{contract.title}”",
            ok_text="&Submit",
            now=now,
        )
        self.existing = queries.client_feedback(contract)
        self.sealed = self.existing is not None

        self.blind_note = QLabel(self._blind_text())
        self.blind_note.setObjectName("blindNote")
        self.blind_note.setWordWrap(True)
        self.blind_note.setTextFormat(Qt.TextFormat.PlainText)
        self.blind_note.setAccessibleName("About double-blind feedback")
        self.sealed_note = QLabel()
        self.sealed_note.setObjectName("sealedNote")
        self.sealed_note.setWordWrap(True)
        self.sealed_note.setTextFormat(Qt.TextFormat.PlainText)
        self.sealed_note.setAccessibleName("Sealed")
        self.sealed_note.setFrameShape(QFrame.Shape.StyledPanel)
        self.sealed_note.setContentsMargins(8, 6, 8, 6)
        outer = self.layout()
        outer.insertWidget(1, self.blind_note)
        outer.insertWidget(2, self.sealed_note)

        self._add_stars()
        self._add_comment("Public comment")
        self.comment_edit.setPlaceholderText("What the freelancer and others will read (optional)")

        private = QLabel("Private — only you see this")
        private.setObjectName("privateHeading")
        font = private.font()
        font.setBold(True)
        private.setFont(font)
        private.setContentsMargins(0, 8, 0, 0)
        self.form.addRow(private)

        self.private_reason_edit = QLineEdit(contract.end_reason or "")
        self.private_reason_edit.setObjectName("privateReasonEdit")
        self.private_reason_edit.setAccessibleName("Reason for ending (private)")
        self.private_reason_edit.setPlaceholderText("Why the contract ended (optional)")
        self.add_row("private_reason", "Reason for ending:", self.private_reason_edit)
        self.watch("private_reason", self.private_reason_edit.textChanged)

        self.recommend_spin = QSpinBox()
        self.recommend_spin.setObjectName("recommendSpin")
        self.recommend_spin.setAccessibleName("How likely you are to recommend the freelancer, 0 to 10 (private)")
        self.recommend_spin.setRange(-1, 10)
        self.recommend_spin.setSpecialValueText("Not answered")
        self.recommend_spin.setValue(-1)
        self.recommend_spin.setSuffix(" of 10")
        self.recommend_spin.setMinimumWidth(140)
        recommend_row = QHBoxLayout()
        recommend_row.setContentsMargins(0, 0, 0, 0)
        recommend_row.addWidget(self.recommend_spin)
        recommend_row.addStretch(1)
        self.add_row("recommend", "Likely to recommend:", recommend_row, buddy=self.recommend_spin)
        self.watch("recommend", self.recommend_spin.valueChanged)

        self.finish()
        if self.sealed:
            self._seal(self.existing)
        else:
            self.sealed_note.hide()

    def _blind_text(self) -> str:
        c = self.contract
        closes = c.feedback_closes_at
        if c.status == Contract.ENDED and closes is not None and queries.feedback_window_open(c, self.now):
            return (
                f"Double-blind: you can submit until {formatting.local_time(closes)} your time, that is "
                f"until {formatting.utc_time(closes)}. The freelancer sees yours once they have left theirs "
                "or the window closes."
            )
        return (
            f"{window_text(c, self.now)} Double-blind: the freelancer sees your feedback once they have left "
            "theirs or the window closes."
        )

    def _seal(self, fb: Feedback) -> None:
        for cat, rating in self.stars.items():
            rating.setValue(getattr(fb, cat))
            rating.setReadOnly(True)
        self.comment_edit.setPlainText(fb.comment)
        self.private_reason_edit.setText(fb.private_reason)
        self.recommend_spin.setValue(-1 if fb.recommend is None else fb.recommend)
        # Read-only, not disabled: sealed feedback stays readable at full contrast.
        for w in (self.comment_edit, self.private_reason_edit, self.recommend_spin):
            w.setReadOnly(True)
        self.recommend_spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.sealed_note.setText(
            f"Sealed: you submitted this feedback on {formatting.local_time(fb.submitted_at)} your time "
            f"({formatting.utc_time(fb.submitted_at)}). It can no longer be changed."
        )
        self.sealed_note.show()
        self.blind_note.setText(
            "Double-blind: the freelancer sees your feedback once they have left theirs or the window closes."
        )
        self.ok_button.hide()
        self.cancel_button.setText("Close")
        self.cancel_button.setAccessibleName("Close")
        self.cancel_button.setDefault(True)
        self._show_all = False
        self.refresh()
        self.adjustSize()
        self.resize(self.width(), self.sizeHint().height())

    def recommend(self) -> int | None:
        v = self.recommend_spin.value()
        return None if v < 0 else v

    def problems(self) -> dict[str, str]:
        if self.sealed:
            return {}
        out = super().problems()
        reason = rule_message(
            fields.check_text, self.private_reason_edit.text(), "private_reason", "reason", required=False
        )
        if reason:
            out["private_reason"] = reason
        return out

    def accept(self) -> None:
        if self.sealed:
            return
        text = (
            f"Submit your feedback on {self.contract.freelancer.name}? {self.overall_label.text()}.\n\n"
            "It is sealed once submitted and cannot be changed."
        )
        if self._confirmed("Submit feedback", text, "Submit"):
            super().accept()

    def submit(self) -> None:
        self.feedback = ops.submit_feedback(
            self.contract,
            self.ratings(),
            comment=self.comment_edit.toPlainText(),
            private_reason=self.private_reason_edit.text(),
            recommend=self.recommend(),
            now=self.now,
        )


class FreelancerFeedbackDialog(_StarsDialog):
    """Record what the freelancer wrote about the client (`ops.record_freelancer_feedback`). It stays
    hidden in the app until the client has submitted theirs or the window has closed (R10)."""

    def __init__(self, contract: Contract, parent: QWidget | None = None, *, now: datetime | None = None):
        super().__init__(
            contract,
            parent,
            name="freelancerFeedbackDialog",
            title=f"The freelancer's feedback on “{contract.title}”",
            ok_text="&Record",
            now=now,
        )
        self.note = QLabel(
            f"Copy the stars and comment {contract.freelancer.name} left about you. Double-blind: they stay "
            "hidden until you have submitted your feedback or the window closes."
        )
        self.note.setObjectName("recordNote")
        self.note.setWordWrap(True)
        self.layout().insertWidget(1, self.note)
        self._add_stars()
        self._add_comment("The freelancer's comment")
        self.finish()

    def accept(self) -> None:
        text = f"Record {self.contract.freelancer.name}'s feedback? It cannot be changed afterwards."
        if self._confirmed("Record the freelancer's feedback", text, "Record"):
            super().accept()

    def submit(self) -> None:
        self.feedback = ops.record_freelancer_feedback(
            self.contract, self.ratings(), comment=self.comment_edit.toPlainText(), now=self.now
        )


# ------------------------------------------------------------------------------------------- tab


class FeedbackView(QWidget):
    """One feedback, read-only: a StarRating per category, the overall score, the comment."""

    def __init__(self, prefix: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.prefix = prefix
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        self.stars: dict[str, StarRating] = {}
        for row, cat in enumerate(Feedback.CATEGORIES):
            caption = QLabel(f"{CATEGORY_LABELS[cat]}:")
            rating = StarRating(CATEGORY_LABELS[cat], read_only=True)
            rating.setObjectName(f"{prefix}_{cat}")
            caption.setBuddy(rating)
            grid.addWidget(caption, row, 0)
            grid.addWidget(rating, row, 1)
            self.stars[cat] = rating
        n = len(Feedback.CATEGORIES)
        self.overall = QLabel()
        self.overall.setObjectName(f"{prefix}Overall")
        font = self.overall.font()
        font.setBold(True)
        self.overall.setFont(font)
        self.overall.setContentsMargins(0, 6, 0, 2)
        grid.addWidget(self.overall, n, 0, 1, 2)
        self.comment = QLabel()
        self.comment.setObjectName(f"{prefix}Comment")
        self.comment.setWordWrap(True)
        self.comment.setTextFormat(Qt.TextFormat.PlainText)
        self.comment.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(self.comment, n + 1, 0, 1, 3)  # the whole width, not only the stars' columns
        self.private = QLabel()
        self.private.setObjectName(f"{prefix}Private")
        self.private.setWordWrap(True)
        self.private.setTextFormat(Qt.TextFormat.PlainText)
        grid.addWidget(self.private, n + 2, 0, 1, 3)
        grid.setColumnStretch(2, 1)

    def show_feedback(self, fb: Feedback, *, private: bool = False) -> None:
        for cat, rating in self.stars.items():
            rating.setValue(getattr(fb, cat))
        text = overall_text({cat: getattr(fb, cat) for cat in Feedback.CATEGORIES})
        self.overall.setText(text)
        self.comment.setText(f"“{fb.comment}”" if fb.comment else "No comment.")
        parts = []
        if private:
            if fb.private_reason:
                parts.append(f"reason for ending: {fb.private_reason}")
            parts.append(f"likely to recommend: {'not answered' if fb.recommend is None else f'{fb.recommend} of 10'}")
        self.private.setText(f"Private (only you): {'; '.join(parts)}." if parts else "")
        self.private.setVisible(bool(parts))


class FeedbackTab(QWidget):
    """R10 for one contract. `show_contract(contract or id or None)`; `changed(contract_id)` after each write.

    The freelancer's feedback stays hidden until `queries.freelancer_feedback_visible(contract, now)`.
    """

    changed = Signal(int)

    def __init__(self, parent=None, now: Callable[[], datetime] | None = None):
        super().__init__(parent)
        self.setObjectName("feedbackTab")
        self.setAccessibleName("Feedback")
        self.now = now or (lambda: datetime.now(UTC))
        page = _page()
        self.ask = page.ask  # replaced in tests, which cannot click a modal box
        self.warn = page.warn
        self.contract: Contract | None = None
        self.dialog: FeedbackDialog | FreelancerFeedbackDialog | None = None

        self.window_label = QLabel()
        self.window_label.setObjectName("feedbackWindowState")
        self.window_label.setAccessibleName("Feedback window")
        self.window_label.setWordWrap(True)
        self.window_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.window_label.font()
        font.setBold(True)
        self.window_label.setFont(font)

        # Yours.
        self.mine_box = QGroupBox("Your feedback")
        self.mine_box.setObjectName("yourFeedback")
        self.mine_state = self._state_label("yourFeedbackState")
        self.mine_view = FeedbackView("yours")
        self.leave_button = QPushButton("&Leave feedback…")
        self.leave_button.setObjectName("leaveFeedbackButton")
        self.leave_button.setAccessibleName("Leave feedback")
        self.leave_button.setToolTip("Rate the freelancer; sealed once submitted (R10)")
        self.leave_button.clicked.connect(self.leave_feedback)
        self.view_button = QPushButton("&View sealed feedback…")
        self.view_button.setObjectName("viewFeedbackButton")
        self.view_button.setAccessibleName("View your sealed feedback")
        self.view_button.clicked.connect(self.view_feedback)
        mine = QVBoxLayout(self.mine_box)
        mine.addWidget(self.mine_state)
        mine.addWidget(self.mine_view)
        mine.addWidget(self._left(self.leave_button, self.view_button))
        mine.addStretch(1)

        # Theirs.
        self.theirs_box = QGroupBox("The freelancer's feedback")
        self.theirs_box.setObjectName("theirFeedback")
        self.theirs_state = self._state_label("theirFeedbackState")
        self.theirs_view = FeedbackView("theirs")
        self.record_button = QPushButton("&Record the freelancer's feedback…")
        self.record_button.setObjectName("recordTheirsButton")
        self.record_button.setAccessibleName("Record the freelancer's feedback")
        self.record_button.setToolTip("Copy in what the freelancer wrote about you; it stays hidden until R10 says")
        self.record_button.clicked.connect(self.record_theirs)
        theirs = QVBoxLayout(self.theirs_box)
        theirs.addWidget(self.theirs_state)
        theirs.addWidget(self.theirs_view)
        theirs.addWidget(self._left(self.record_button))
        theirs.addStretch(1)

        side_by_side = QHBoxLayout()
        side_by_side.setSpacing(12)
        side_by_side.addWidget(self.mine_box, 1)
        side_by_side.addWidget(self.theirs_box, 1)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.window_label)
        layout.addLayout(side_by_side)
        layout.addStretch(1)
        self.show_contract(None)

    @staticmethod
    def _state_label(name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        return label

    @staticmethod
    def _left(*buttons: QPushButton) -> QWidget:
        w = QWidget()
        row = QHBoxLayout(w)
        row.setContentsMargins(0, 0, 0, 0)
        for b in buttons:
            row.addWidget(b)
        row.addStretch(1)
        return w

    # ------------------------------------------------------------------ showing

    def show_contract(self, contract: Contract | int | None) -> None:
        """Show a contract (or its id), read afresh from the book; None shows nothing."""
        cid = contract.id if isinstance(contract, Contract) else contract
        self.contract = None if cid is None else Contract.get_or_none(Contract.id == cid)
        c = self.contract
        self.setEnabled(c is not None)
        if c is None:
            self.window_label.setText("No contract selected.")
            for w in (self.mine_view, self.theirs_view, self.leave_button, self.view_button, self.record_button):
                w.hide()
            self.mine_state.setText("")
            self.theirs_state.setText("")
            return
        now = self.now()
        is_open = queries.feedback_window_open(c, now)
        self.window_label.setText(window_text(c, now))
        ended = c.status == Contract.ENDED

        mine = queries.client_feedback(c)
        if mine is not None:
            self.mine_state.setText(
                f"Sealed: submitted {formatting.local_time(mine.submitted_at)} your time "
                f"({formatting.utc_time(mine.submitted_at)})."
            )
            self.mine_view.show_feedback(mine, private=True)
        elif is_open:
            self.mine_state.setText("You have not left feedback yet.")
        elif ended:
            self.mine_state.setText("You did not leave feedback; the window has closed.")
        else:
            self.mine_state.setText("You can leave feedback once the contract ends.")
        self.mine_view.setVisible(mine is not None)
        self.leave_button.setVisible(mine is None and is_open)
        self.view_button.setVisible(mine is not None)

        theirs = queries.freelancer_feedback(c)
        visible = theirs is not None and queries.freelancer_feedback_visible(c, now)
        if theirs is None:
            self.theirs_state.setText(NOT_RECORDED if ended else "Feedback opens when the contract ends.")
        elif visible:
            self.theirs_state.setText(f"Recorded {formatting.local_time(theirs.submitted_at)} your time.")
            self.theirs_view.show_feedback(theirs)
        else:
            self.theirs_state.setText(HIDDEN_TEXT)
        self.theirs_view.setVisible(visible)
        self.record_button.setVisible(ended and theirs is None)

    def freelancer_feedback_shown(self) -> bool:
        return not self.theirs_view.isHidden()

    # ------------------------------------------------------------------ actions

    def _open(self, dialog: FeedbackDialog | FreelancerFeedbackDialog) -> None:
        dialog.ask = lambda parent, title, text, yes: self.ask(parent, title, text, yes)
        self.dialog = dialog
        dialog.accepted.connect(self._done)
        dialog.finished.connect(lambda *_: setattr(self, "dialog", None))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _done(self, *_args) -> None:
        cid = self.contract.id
        self.show_contract(cid)
        self.changed.emit(cid)

    def leave_feedback(self) -> None:
        if self.contract is not None:
            self._open(FeedbackDialog(self.contract, self, now=self.now()))

    def view_feedback(self) -> None:
        if self.contract is not None:
            self._open(FeedbackDialog(self.contract, self, now=self.now()))

    def record_theirs(self) -> None:
        if self.contract is not None:
            self._open(FreelancerFeedbackDialog(self.contract, self, now=self.now()))
