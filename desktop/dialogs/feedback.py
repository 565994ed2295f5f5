"""The feedback dialogs (R10): the client's double-blind feedback (sealed once submitted, stamped with the real
current time) and the freelancer's, as the client transcribes it, dated the day the freelancer left it (R16).
Each Submit calls one operation (`ops.submit_feedback`, `ops.record_freelancer_feedback`); time is an argument
(`now`).

Each follows the form of the contract's policy version (`queries.feedback_form`): six categories of stars with
their overall score, and a private reason and 0-10 recommendation (v1); or one "Rating" row of stars and a
private note (v2). The fields are checked by the models' own checks (`fields.feedback_star`,
`fields.feedback_field`), as the operations check them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from desktop import formatting
from desktop.widgets import prompts
from desktop.widgets.fields import event_date_edit, left, line_edit, qdate
from desktop.widgets.form_dialog import FormDialog, rule_message
from desktop.widgets.screen_fit import fit_on_screen
from desktop.widgets.star_rating import StarRating
from desktop.widgets.why import with_why
from models import corrections, fields, ops, queries
from models.clock import utc_now
from models.entities import Contract, Feedback
from models.labels import FEEDBACK_CATEGORIES as CATEGORY_LABELS


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


STAR_LABELS = {**CATEGORY_LABELS, "rating": "Rating"}


def _feedback_state(contract_id: int) -> tuple:
    """Both sides' feedback on the contract as it stands (the ids of the rows, corrections included)."""
    rows = Feedback.select(Feedback.id).where(Feedback.contract == contract_id).tuples()
    return tuple(r[0] for r in rows)


class _StarsDialog(FormDialog):
    """A form with a StarRating row per star field of the contract's form: a row per category and the overall
    score under them (v1), or one "Rating" row (v2)."""

    def __init__(self, contract: Contract, parent, *, name: str, title: str, ok_text: str, now: datetime | None):
        super().__init__(parent, name=name, title=title, ok_text=ok_text)
        self.contract = contract
        self.now = now
        self.form_kind = queries.feedback_form(contract)
        self.single_rating = self.form_kind == Feedback.RATING_FORM
        self.ok_button.setObjectName("submitButton")
        self.feedback: Feedback | None = None
        self.stars: dict[str, StarRating] = {}

    def _add_stars(self) -> None:
        for cat in Feedback.STARS[self.form_kind]:
            rating = StarRating(STAR_LABELS[cat])
            rating.setObjectName(f"stars_{cat}")
            self.stars[cat] = rating
            self.add_row(cat, f"{STAR_LABELS[cat]}:", rating)
            self.watch(cat, rating.valueChanged)
            rating.valueChanged.connect(self._show_overall)
        self.overall_label = QLabel()
        self.overall_label.setObjectName("overallLabel")
        self.overall_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.overall_label.font()
        font.setBold(True)
        self.overall_label.setFont(font)
        self.form.addRow("", self.overall_label)
        self.overall_label.setVisible(not self.single_rating)  # one rating is its own score
        self._show_overall()

    def _add_comment(self, accessible: str, label: str = "Comment:") -> None:
        self.comment_edit = QPlainTextEdit()
        self.comment_edit.setObjectName("commentEdit")
        self.comment_edit.setAccessibleName(accessible)
        self.comment_edit.setTabChangesFocus(True)
        self.comment_edit.setFixedHeight(84)
        self.add_row("comment", label, self.comment_edit)
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
        text = self.score_text()
        self.overall_label.setText(text)
        self.overall_label.setAccessibleName(text)

    def score_text(self) -> str:
        """ "Overall: 4.5 of 5" (the six categories' mean), or "Rating: 4 of 5" (the single rating)."""
        if self.single_rating:
            value = self.stars["rating"].value()
            return f"Rating: {value} of 5" if value else "Rating: not rated"
        return overall_text(self.ratings())

    def problems(self) -> dict[str, str]:
        if self.single_rating:
            out = {
                key: message
                for key, value in self.ratings().items()
                if (message := rule_message(fields.feedback_star, self.form_kind, key, value))
            }
        else:
            out = {
                cat: f"Give 1 to 5 stars for {CATEGORY_LABELS[cat].lower()}."
                for cat, value in self.ratings().items()
                if not value
            }
        comment = rule_message(fields.feedback_field, "comment", self.comment_edit.toPlainText())
        if comment:
            out["comment"] = comment
        return out

    def _confirmed(self, title: str, text: str, yes: str) -> bool:
        self._show_all = True
        return self.refresh() and prompts.ask(self, title, text, yes)


class FeedbackDialog(_StarsDialog):
    """The client's feedback on the freelancer (R10): stars, a comment, and a private part.

    Submit asks first (`prompts.ask`), then calls `ops.submit_feedback(..., now=now)`; after it `.feedback` holds
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
        outer = self.content
        outer.insertWidget(1, with_why(self.blind_note, "feedback", "double-blind feedback"))
        outer.insertWidget(2, self.sealed_note)

        self._add_stars()
        # (v2 has a private note beside it: "public" tells the two apart)
        self._add_comment("Public comment", "Public comment:" if self.single_rating else "Comment:")
        self.comment_edit.setPlaceholderText("What the freelancer and others will read (optional)")

        if self.single_rating:
            self._add_private_note()
        else:
            self._add_private_part(contract)

        self.finish()
        self.follow(contract.id, shows=lambda: _feedback_state(contract.id))  # feedback recorded elsewhere
        if self.sealed:
            self._seal(self.existing)
        else:
            self.sealed_note.hide()

    def _add_private_note(self) -> None:
        """The second form's private part: one optional note."""
        self.private_note_edit = QPlainTextEdit()
        self.private_note_edit.setObjectName("privateNoteEdit")
        self.private_note_edit.setAccessibleName("Private note (only you see it)")
        self.private_note_edit.setPlaceholderText("For your own books; never shown to the freelancer (optional)")
        self.private_note_edit.setTabChangesFocus(True)
        self.private_note_edit.setFixedHeight(60)
        self.add_row("private_note", "Private note\n(only you see it):", self.private_note_edit)
        self.watch("private_note", self.private_note_edit.textChanged)

    def _add_private_part(self, contract: Contract) -> None:
        """The six-category form's private part: the reason for ending and how likely you are to recommend."""
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

    def _blind_text(self) -> str:
        c = self.contract
        closes = c.feedback_closes_at
        below = queries.feedback_minimum_note(c) if c.status == Contract.ENDED else None
        if c.status == Contract.ENDED and closes is not None and queries.feedback_window_open(c, self.now):
            text = (
                f"Double-blind: you can submit until {formatting.local_time(closes)} your time, that is "
                f"until {formatting.utc_time(closes)}. The freelancer sees yours once they have left theirs "
                "or the window closes."
            )
        else:
            text = (
                f"{window_text(c, self.now)} Double-blind: the freelancer sees your feedback once they have left "
                "theirs or the window closes."
            )
        return f"{text}\n\n{below}" if below else text

    def _seal(self, fb: Feedback) -> None:
        for cat, rating in self.stars.items():
            rating.setValue(getattr(fb, cat) or 0)
            rating.setReadOnly(True)
        self.comment_edit.setPlainText(fb.comment)
        # Read-only, not disabled: sealed feedback stays readable at full contrast.
        self.comment_edit.setReadOnly(True)
        if self.single_rating:
            self.private_note_edit.setPlainText(fb.private_note)
            self.private_note_edit.setReadOnly(True)
        else:
            self.private_reason_edit.setText(fb.private_reason)
            self.recommend_spin.setValue(-1 if fb.recommend is None else fb.recommend)
            for w in (self.private_reason_edit, self.recommend_spin):
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
        if self.isVisible():
            fit_on_screen(self)

    def recommend(self) -> int | None:
        v = self.recommend_spin.value()
        return None if v < 0 else v

    def problems(self) -> dict[str, str]:
        if self.sealed:
            return {}
        out = super().problems()
        if self.single_rating:
            note = rule_message(fields.feedback_field, "private_note", self.private_note_edit.toPlainText())
            if note:
                out["private_note"] = note
            return out
        reason = rule_message(fields.feedback_field, "private_reason", self.private_reason_edit.text())
        if reason:
            out["private_reason"] = reason
        return out

    def accept(self) -> None:
        if self.sealed:
            return
        text = (
            f"Submit your feedback on {self.contract.freelancer.name}? {self.score_text()}.\n\n"
            "It is sealed once submitted and cannot be changed."
        )
        if self._confirmed("Submit feedback", text, "Submit"):
            super().accept()

    def submit(self) -> None:
        if self.single_rating:
            self.feedback = ops.submit_feedback(
                self.contract,
                self.ratings(),
                comment=self.comment_edit.toPlainText(),
                private_note=self.private_note_edit.toPlainText(),
                now=self.now,
            )
            return
        self.feedback = ops.submit_feedback(
            self.contract,
            self.ratings(),
            comment=self.comment_edit.toPlainText(),
            private_reason=self.private_reason_edit.text(),
            recommend=self.recommend(),
            now=self.now,
        )


class FreelancerFeedbackDialog(_StarsDialog):
    """Record what the freelancer wrote about the client (`ops.record_freelancer_feedback`), dated the day they
    left it (R16; today by default, never later than today). It stays hidden in the app until the client has
    submitted theirs or the window has closed (R10).

    With `correcting` (the feedback as recorded), it corrects a typing mistake instead
    (`corrections.correct_freelancer_feedback`): the form starts from what was recorded, asks why, and the
    original stays in the book's history."""

    def __init__(
        self,
        contract: Contract,
        parent: QWidget | None = None,
        *,
        now: datetime | None = None,
        today: date | None = None,
        correcting: Feedback | None = None,
    ):
        self.correcting = correcting
        super().__init__(
            contract,
            parent,
            name="freelancerFeedbackDialog",
            title=(
                f"Correct the freelancer's feedback on “{contract.title}”"
                if correcting
                else f"The freelancer's feedback on “{contract.title}”"
            ),
            ok_text="&Correct" if correcting else "&Record",
            now=now,
        )
        # The latest day it can be dated: the client's today, and never past the operation's own (UTC) today.
        self.today = min(today or utc_now(now).date(), utc_now(now).date())
        self.note = QLabel(
            f"Copy the {'rating' if self.single_rating else 'stars'} and comment {contract.freelancer.name} left "
            "about you, and the day they left it. "
            "Double-blind: they stay hidden until you have submitted your feedback or the window closes."
        )
        self.note.setObjectName("recordNote")
        self.note.setWordWrap(True)
        self.content.insertWidget(1, self.note)
        self._add_stars()
        self._add_comment("The freelancer's comment")
        self.date_edit = event_date_edit("leftOnEdit", "Date the freelancer left it", contract.started_on, self.today)
        self.add_row("date", "&On:", left(self.date_edit, "the day they left it"), buddy=self.date_edit)
        self.watch("date", self.date_edit.dateChanged)
        if correcting is not None:
            self.note.setText(
                "Correct what was typed wrong. The feedback as first recorded stays in the book's history, "
                "with your reason."
            )
            self.reason_edit = line_edit("reasonEdit", "Why it is corrected", "what was typed wrong")
            self.add_row("reason", "&Why:", self.reason_edit)
            self.watch("reason", self.reason_edit.textChanged)
            for cat, rating in self.stars.items():
                rating.setValue(getattr(correcting, cat) or 0)
            self.comment_edit.setPlainText(correcting.comment)
            self.date_edit.setDate(qdate(correcting.submitted_at.date()))
        self.finish()
        self.follow(contract.id, shows=lambda: _feedback_state(contract.id))  # feedback recorded elsewhere

    def on(self) -> date:
        return self.date_edit.day()

    def problems(self) -> dict[str, str]:
        out = super().problems()
        problem = self.date_edit.problem()
        if problem:
            out["date"] = problem
        if self.correcting is not None:
            reason = rule_message(fields.check_text, self.reason_edit.text(), "reason", "reason")
            if reason:
                out["reason"] = reason
        return out

    def accept(self) -> None:
        name = self.contract.freelancer.name
        if self.correcting is not None:
            text = f"Correct {name}'s feedback? What was recorded first stays in the book's history."
            if self._confirmed("Correct the freelancer's feedback", text, "Correct"):
                super().accept()
            return
        text = (
            f"Record {name}'s feedback, left on {formatting.day(self.on())}? If you type something wrong, you "
            "can correct it later."
        )
        if self._confirmed("Record the freelancer's feedback", text, "Record"):
            super().accept()

    def submit(self) -> None:
        if self.correcting is not None:
            self.feedback = corrections.correct_freelancer_feedback(
                self.contract,
                self.ratings(),
                comment=self.comment_edit.toPlainText(),
                on=self.on(),
                reason=self.reason_edit.text(),
                now=self.now,
            )
            return
        self.feedback = ops.record_freelancer_feedback(
            self.contract, self.ratings(), comment=self.comment_edit.toPlainText(), on=self.on(), now=self.now
        )
