"""The contract page's "Feedback" tab (R10): the window, the client's feedback and the freelancer's, double-blind.

The rules live in the models: the window (`queries.feedback_window_open`), the double-blind reveal
(`queries.freelancer_feedback_visible`) and the overall score (`queries.overall_score`). The tab opens the
feedback dialogs (desktop/dialogs/feedback.py), whose Submit calls one operation each. Time is an argument
(`now`), never read here except as the default of the outermost call. In a shared book, each feedback says who
recorded it (its maker's name, models.people.makers, as the Ledger tab does); a book file has one user.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop import formatting
from desktop.contract.base import ContractTab
from desktop.dialogs.feedback import FeedbackDialog, FreelancerFeedbackDialog, overall_text, window_text
from desktop.widgets import prompts
from desktop.widgets.star_rating import StarRating
from models import people, queries
from models.clock import utc_now
from models.entities import Contract, Feedback
from models.labels import FEEDBACK_CATEGORIES as CATEGORY_LABELS

HIDDEN_TEXT = "The freelancer has left feedback; it stays hidden until you submit yours or the window closes."
NOT_RECORDED = "The freelancer's feedback has not been recorded."


class FeedbackView(QWidget):
    """One feedback, read-only, in its own form: a StarRating per category and the overall score (v1), or the
    single "Rating" row (v2); then the comment and, for the client's own, the private part."""

    def __init__(self, prefix: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.prefix = prefix
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        self.stars: dict[str, StarRating] = {}
        self.captions: dict[str, QLabel] = {}
        for row, cat in enumerate(Feedback.CATEGORIES):
            caption = QLabel(f"{CATEGORY_LABELS[cat]}:")
            rating = StarRating(CATEGORY_LABELS[cat], read_only=True)
            rating.setObjectName(f"{prefix}_{cat}")
            caption.setBuddy(rating)
            grid.addWidget(caption, row, 0)
            grid.addWidget(rating, row, 1)
            self.stars[cat] = rating
            self.captions[cat] = caption
        n = len(Feedback.CATEGORIES)
        caption = QLabel("Rating:")
        rating = StarRating("Rating", read_only=True)
        rating.setObjectName(f"{prefix}_rating")
        caption.setBuddy(rating)
        grid.addWidget(caption, n, 0)
        grid.addWidget(rating, n, 1)
        self.stars["rating"] = rating
        self.captions["rating"] = caption
        n += 1
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
        single = fb.rating is not None
        shown = Feedback.STARS[Feedback.RATING_FORM if single else Feedback.CATEGORIES_FORM]
        for cat, rating in self.stars.items():
            rating.setValue(getattr(fb, cat) or 0)
            rating.setVisible(cat in shown)
            self.captions[cat].setVisible(cat in shown)
        if not single:
            self.overall.setText(overall_text({cat: getattr(fb, cat) for cat in Feedback.CATEGORIES}))
        self.overall.setVisible(not single)  # one rating is its own score
        self.comment.setText(f"“{fb.comment}”" if fb.comment else "No comment.")
        if single:
            note = fb.private_note if private and fb.private_note else ""
            self.private.setText(f"Private note (only you see it): {note}" if note else "")
            self.private.setVisible(bool(note))
            return
        parts = []
        if private:
            if fb.private_reason:
                parts.append(f"reason for ending: {fb.private_reason}")
            parts.append(f"likely to recommend: {'not answered' if fb.recommend is None else f'{fb.recommend} of 10'}")
        self.private.setText(f"Private (only you): {'; '.join(parts)}." if parts else "")
        self.private.setVisible(bool(parts))


class FeedbackTab(ContractTab):
    """R10 for one contract. `show_contract(contract or id or None)`; `changed(contract_id)` after each write.

    The freelancer's feedback stays hidden until `queries.freelancer_feedback_visible(contract, now)`.
    """

    def __init__(
        self,
        parent=None,
        now: Callable[[], datetime] | None = None,
        today: Callable[[], date] | None = None,
    ):
        """`now`: the current UTC time (the window, the client's own feedback); `today`: the client's date, the
        latest day the freelancer's feedback can be dated (by default the UTC date of `now`)."""
        super().__init__(parent, today=today or (lambda: utc_now(self.now()).date()))
        self.now = now or utc_now
        self.setObjectName("feedbackTab")
        self.setAccessibleName("Feedback")
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
        self.leave_button = QPushButton("Le&ave feedback…")
        self.leave_button.setObjectName("leaveFeedbackButton")
        self.leave_button.setAccessibleName("Leave feedback")
        self.leave_button.setToolTip("Rate the freelancer; your feedback is sealed once submitted")
        self.leave_button.clicked.connect(self.leave_feedback)
        self.view_button = QPushButton("Vie&w sealed feedback…")
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
        self.record_button.setToolTip(
            "Copy in what the freelancer wrote about you; it stays hidden until you leave yours or the window closes"
        )
        self.record_button.clicked.connect(self.record_theirs)
        self.correct_button = QPushButton("C&orrect…")
        self.correct_button.setObjectName("correctTheirsButton")
        self.correct_button.setAccessibleName("Correct the freelancer's feedback")
        self.correct_button.setToolTip("Fix what was typed wrong; what was recorded first stays in the book's history")
        self.correct_button.clicked.connect(self.correct_theirs)
        self.withdraw_button = QPushButton("W&ithdraw…")
        self.withdraw_button.setObjectName("withdrawTheirsButton")
        self.withdraw_button.setAccessibleName("Withdraw the freelancer's feedback")
        self.withdraw_button.setToolTip("It was recorded in error (not theirs, or not left at all): withdraw it")
        self.withdraw_button.clicked.connect(self.withdraw_theirs)
        theirs = QVBoxLayout(self.theirs_box)
        theirs.addWidget(self.theirs_state)
        theirs.addWidget(self.theirs_view)
        theirs.addWidget(self._left(self.record_button, self.correct_button, self.withdraw_button))
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
            for w in (
                self.mine_view,
                self.theirs_view,
                self.leave_button,
                self.view_button,
                self.record_button,
                self.correct_button,
                self.withdraw_button,
            ):
                w.hide()
            self.mine_state.setText("")
            self.theirs_state.setText("")
            return
        now = self.now()
        is_open = queries.feedback_window_open(c, now)
        self.window_label.setText(window_text(c, now))
        ended = c.status == Contract.ENDED

        mine = queries.client_feedback(c)
        theirs = queries.freelancer_feedback(c)
        made = people.makers("feedback", [fb.id for fb in (mine, theirs) if fb is not None])  # ({} in a book file)
        if mine is not None:
            by = f", by {formatting.person(made[mine.id])}" if mine.id in made else ""
            self.mine_state.setText(
                f"Sealed: submitted {formatting.local_time(mine.submitted_at)} your time "
                f"({formatting.utc_time(mine.submitted_at)}){by}."
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

        visible = theirs is not None and queries.freelancer_feedback_visible(c, now)
        if theirs is None:
            self.theirs_state.setText(NOT_RECORDED if ended else "Feedback opens when the contract ends.")
        elif visible:
            by = f" Recorded by {formatting.person(made[theirs.id])}." if theirs.id in made else ""
            self.theirs_state.setText(f"Left on {formatting.day(theirs.submitted_at.date())}.{by}")
            self.theirs_view.show_feedback(theirs)
        else:
            self.theirs_state.setText(queries.feedback_minimum_note(c) or HIDDEN_TEXT)
        self.theirs_view.setVisible(visible)
        self.record_button.setVisible(ended and theirs is None)
        self.correct_button.setVisible(visible)
        self.withdraw_button.setVisible(theirs is not None)

    def freelancer_feedback_shown(self) -> bool:
        return not self.theirs_view.isHidden()

    # ------------------------------------------------------------------ actions

    def _open(self, dialog: FeedbackDialog | FreelancerFeedbackDialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(self._done)
        dialog.finished.connect(lambda *_: setattr(self, "dialog", None))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _done(self, *_args) -> None:
        self.changed_here(self.contract.id)

    def leave_feedback(self) -> None:
        if self.contract is not None:
            self._open(FeedbackDialog(self.contract, self, now=self.now()))

    def view_feedback(self) -> None:
        if self.contract is not None:
            self._open(FeedbackDialog(self.contract, self, now=self.now()))

    def record_theirs(self) -> None:
        if self.contract is not None:
            self._open(FreelancerFeedbackDialog(self.contract, self, now=self.now(), today=self.today()))

    def correct_theirs(self) -> None:
        theirs = queries.freelancer_feedback(self.contract) if self.contract is not None else None
        if theirs is not None:
            dialog = FreelancerFeedbackDialog(
                self.contract, self, now=self.now(), today=self.today(), correcting=theirs
            )
            self._open(dialog)

    def withdraw_theirs(self) -> None:
        """The freelancer's feedback was recorded in error: ask why, then withdraw it (kept in the history)."""
        from models import corrections

        if self.contract is None:
            return
        reason = prompts.get_reason(self, "Recorded in error", "Withdraw the freelancer's feedback")
        if reason is not None:
            self.run(
                "Withdraw the freelancer's feedback",
                corrections.withdraw_freelancer_feedback,
                self.contract,
                reason=reason,
                now=self.now(),
            )
