"""End a fixed-price contract: the article's "end a contract" as one dialog (R7, R8, R11, R14).

Before: the reminders (agree it first, no ending to dodge fees, refunds stay
possible), the day it ended ("On:", today by default, R16), what the marketplace
released by itself by that day (recorded first, on their own dates), the escrow
then still held and what to do with it (release it first through the release
wizard, or end and request an escrow refund), the reason and a private note.
"End contract" is the only button that writes: one call of `ops.end_contract`,
all or nothing. A refusal is shown in the models' words, under the day when it
is about the day, else at the top, and the dialog stays open with the book
unchanged.

After: the ending date, the escrow refund request and its reply-by date, the
email to the freelancer (mailto: or clipboard) and the way to the closeout
checklist.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, timedelta
from itertools import pairwise
from urllib.parse import quote

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import formatting
from desktop.icons import icon
from desktop.widgets.fields import FieldError, event_date_edit, left, named
from desktop.widgets.follow import follow_contract
from desktop.widgets.screen_fit import fit_on_screen, keep_on_screen
from desktop.widgets.why import with_why
from models import fields, ops, queries
from models.entities import Contract, EscrowRefundRequest
from models.errors import RuleError

DIALOG_WIDTH = 560
NOTE_HEIGHT = 64  # about three lines
INDENT = 26  # what a radio button's explanation is indented by, to sit under its text
FORM_SPACING = 12  # between a form's labels and its fields
OTHER = "Other…"
REASONS = ("Work completed", "Project cancelled", "Budget changed", "Freelancer unavailable", OTHER)


def mailto_url(contract: Contract) -> QUrl:
    """A mailto: link to the freelancer with the subject and body of `queries.escrow_refund_email` (RFC 6068).

    Every character outside the unreserved set is percent-encoded as UTF-8 ("+" and "&" too), and line
    breaks become CRLF, so any mail client reads back exactly the text the models wrote.
    """
    c = Contract.get_by_id(contract.id if isinstance(contract, Contract) else contract)
    subject, body = queries.escrow_refund_email(c)
    to = quote(c.freelancer.email or "", safe="@")
    body = body.replace("\r\n", "\n").replace("\n", "\r\n")
    text = f"mailto:{to}?subject={quote(subject, safe='')}&body={quote(body, safe='')}"
    return QUrl.fromEncoded(text.encode("ascii"), QUrl.ParsingMode.StrictMode)


def _label(text: str = "", name: str = "", *, rich: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    if name:
        label.setObjectName(name)
    return label


def _indented(widget: QWidget) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(INDENT, 0, 0, 0)
    row.addWidget(widget)
    return box


def _bullets(items: list[str]) -> str:
    return "<ul style='margin-left:0; -qt-list-indent:1'>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


class EndContractDialog(QDialog):
    """Construct, then `exec()` (or `open()`).

    `ended` is True once the contract has ended (here, or in the release wizard opened from here),
    `request` is the escrow refund request that ending created (or None), `go_to_closeout` is True
    when the client asked for the closeout checklist. `contract_changed(id)` follows every write.
    """

    contract_changed = Signal(int)

    def __init__(
        self,
        contract: Contract,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
        open_release_wizard: Callable[[QWidget, Contract], QDialog] | None,
    ):
        """`open_release_wizard(parent, contract)` makes the release wizard that "Release it first…" opens (one that
        does not offer to end the contract: the ending happens here). Without it, that button stays disabled."""
        super().__init__(parent)
        keep_on_screen(self)  # never larger than the screen
        self._open_release_wizard = open_release_wizard
        self.contract = Contract.get_by_id(contract.id if isinstance(contract, Contract) else contract)
        self.today = today or date.today()
        self.ended = False
        self.request: EscrowRefundRequest | None = None
        self.go_to_closeout = False
        self.open_url = QDesktopServices.openUrl  # tests replace it
        self.automatic: list = []  # (milestone, amount, date) the marketplace released by the day chosen
        self.escrow = 0  # what is left in escrow on the day chosen, once those are recorded
        self.fee_returned = 0  # R3 (v2): the initiation fee ending on that day returns (nothing was released)
        title = f"End contract — {self.contract.title}"
        self.setObjectName("endContractDialog")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setModal(True)
        self.setMinimumWidth(DIALOG_WIDTH)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 16, 18, 14)
        outer.setSpacing(10)
        self.error = FieldError(self, name="endError", accessible_name="Problem ending the contract")
        outer.addWidget(self.error)
        self.stack = QStackedWidget()
        self.stack.setObjectName("endContractPages")
        self.before_page = self._build_before()
        self.after_page = self._build_after()
        self.stack.addWidget(self.before_page)
        self.stack.addWidget(self.after_page)
        outer.addWidget(self.stack, 1)

        self._read_escrow()
        self._show_escrow()
        self._fit()
        self.agreed.setFocus()
        self.watch = follow_contract(self, self.contract.id)  # the contract ends elsewhere: the dialog closes

    # ------------------------------------------------------------------ before

    def money(self, minor: int) -> str:
        return formatting.money(minor, self.contract.currency)

    def _build_before(self) -> QWidget:
        c = self.contract
        who = html.escape(c.freelancer.name)
        page = QWidget()
        page.setObjectName("beforePage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)

        layout.addWidget(_label(f"<b>Before you end “{html.escape(c.title)}”</b>", "remindersHeading"))
        refund_days = c.policy.refund_window_days
        refunds = (
            f"{who} can still refund payments made within the past {refund_days} days, even after the contract ends."
            if refund_days
            else f"{who} can still refund payments after the contract ends."
        )
        reminders = [
            f"Agree the ending with {who} first, so you both know the work is done.",
            "Never end a contract to avoid marketplace fees: that is circumvention, it breaks the marketplace's "
            "terms and can cost you your account.",
            refunds,
        ]
        layout.addWidget(with_why(_label(_bullets(reminders), "remindersText"), "ending", "ending a contract"))
        self.agreed = named(
            QCheckBox(f"I have &agreed the ending with {c.freelancer.name} (required)"),
            "agreedCheck",
            f"I have agreed the ending with {c.freelancer.name}",
        )
        layout.addWidget(self.agreed)

        # The day it ended (R16).
        self.date_edit = event_date_edit("endDateEdit", "Date the contract ended", c.started_on, self.today)
        self.date_error = FieldError(self, name="dateError", accessible_name="Date the contract ended message")
        self.date_error.reserve()  # its room kept: nothing moves while the user types
        self.date_label = QLabel("&On:")
        self.date_label.setObjectName("dateLabel")
        self.date_label.setBuddy(self.date_edit)
        date_column = QVBoxLayout()
        date_column.setSpacing(3)
        date_column.addLayout(left(self.date_edit, "the day the contract ended"))
        date_column.addWidget(self.date_error)
        date_form = QFormLayout()
        date_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        date_form.setHorizontalSpacing(FORM_SPACING)
        date_form.addRow(self.date_label, date_column)
        layout.addLayout(date_form)

        # Escrow: what the marketplace released by itself, what is left, and the two explicit choices.
        self.escrow_box = QFrame()
        self.escrow_box.setObjectName("escrowBox")
        self.escrow_box.setFrameShape(QFrame.Shape.StyledPanel)
        box = QVBoxLayout(self.escrow_box)
        box.setContentsMargins(12, 10, 12, 10)
        box.setSpacing(6)
        self.automatic_text = _label(name="automaticText", rich=False)
        self.automatic_text.setAccessibleName("Released automatically")
        self.automatic_text.setContentsMargins(0, 0, 0, 4)
        box.addWidget(self.automatic_text)
        self.escrow_text = _label(name="escrowText")
        box.addWidget(with_why(self.escrow_text, "escrow-refund", "escrow refund requests"))
        self.choices = QWidget()
        self.choices.setObjectName("escrowChoices")
        choices = QVBoxLayout(self.choices)
        choices.setContentsMargins(0, 0, 0, 0)
        choices.setSpacing(4)
        self.group = QButtonGroup(self)
        self.release_choice = named(QRadioButton("Re&lease it first"), "releaseFirstChoice", "Release it first")
        self.release_button = named(QPushButton("&Release it first…"), "releaseFirstButton", "Release it first")
        self.release_button.setIcon(icon("release"))
        self.release_button.setAutoDefault(False)
        self.release_note = _label(name="releaseFirstNote")
        self.refund_choice = named(QRadioButton(), "refundChoice", "End and request an escrow refund")
        self.refund_note = _label(name="refundNote")
        self.group.addButton(self.release_choice)
        self.group.addButton(self.refund_choice)
        release_row = QHBoxLayout()
        release_row.setContentsMargins(INDENT, 0, 0, 0)
        release_row.addWidget(self.release_button)
        release_row.addStretch(1)
        choices.addWidget(self.release_choice)
        choices.addWidget(_indented(self.release_note))
        choices.addLayout(release_row)
        choices.addSpacing(6)
        choices.addWidget(self.refund_choice)
        choices.addWidget(_indented(self.refund_note))
        box.addWidget(self.choices)
        self.fee_text = _label(name="feeReturnedText", rich=False)  # R3 (v2), under the choices
        self.fee_text.setAccessibleName("Initiation fee returned")
        self.fee_text.setContentsMargins(0, 4, 0, 0)
        self.fee_text.setVisible(False)
        box.addWidget(self.fee_text)
        layout.addWidget(self.escrow_box)

        # Reason and private note.
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(FORM_SPACING)
        form.setVerticalSpacing(6)
        self.reason = named(QComboBox(), "reasonCombo", "Reason for ending")
        self.reason.addItems(REASONS)
        self.reason_other = named(QLineEdit(), "reasonOtherEdit", "Other reason for ending")
        self.reason_other.setPlaceholderText("Say why (required for Other)")
        self.reason_other.setMaxLength(fields.MAX_TEXT)
        self.note = named(QPlainTextEdit(), "noteEdit", "Private note")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(NOTE_HEIGHT)
        self.note.setPlaceholderText("Private: left out of summaries and exports unless you include private notes.")
        reason_label = QLabel("Reason for &ending:")
        reason_label.setBuddy(self.reason)
        note_label = QLabel("Private &note:")
        note_label.setBuddy(self.note)
        self.date_label.setMinimumWidth(reason_label.sizeHint().width())  # the day lines up with the fields below
        form.addRow(reason_label, self.reason)
        form.addRow("", self.reason_other)
        form.addRow(note_label, self.note)
        layout.addLayout(form)
        layout.addStretch(1)

        # Why End is still disabled, then Cancel and End.
        self.end_hint = _label(name="endHint", rich=False)
        self.end_hint.setAccessibleName("What is still needed")
        layout.addWidget(self.end_hint)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = named(QPushButton("Cancel"), "cancelButton", "Cancel")
        self.end_button = named(QPushButton("End contract"), "endButton", "End contract")
        self.end_button.setIcon(icon("end-contract"))
        for b in (self.cancel_button, self.end_button):
            b.setAutoDefault(False)  # Enter in a field never ends a contract
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.end_button)
        layout.addLayout(buttons)

        self.agreed.toggled.connect(self._refresh)
        self.date_edit.dateChanged.connect(self._date_chosen)
        self.group.buttonToggled.connect(self._refresh)
        self.reason.currentIndexChanged.connect(self._refresh)
        self.reason_other.textChanged.connect(self._refresh)
        self.release_button.clicked.connect(self.release_first)
        self.cancel_button.clicked.connect(self.reject)
        self.end_button.clicked.connect(self.end_contract)
        chain = [
            self.agreed,
            self.date_edit,
            self.release_choice,  # the two choices are one stop: arrow keys move between them
            self.refund_choice,
            self.release_button,
            self.reason,
            self.reason_other,
            self.note,
            self.end_button,
            self.cancel_button,
        ]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        return page

    def on(self) -> date:
        """The day the contract ended, as chosen."""
        return self.date_edit.day()

    def _read_escrow(self) -> None:
        """What ending on the day chosen does first, and the escrow then left (ops.ending_preview)."""
        preview = ops.ending_preview(self.contract, on=self.on())
        self.automatic = preview["automatic"]
        self.escrow = preview["escrow"]
        self.fee_returned = preview["fee_returned"]

    def _date_chosen(self, *_) -> None:
        self.date_error.setMessage(self.date_edit.problem())  # (a refusal about the day before is now stale)
        self._read_escrow()
        self._show_escrow()

    def _show_escrow(self) -> None:
        """Show what the marketplace released by itself by the day chosen, then the escrow left: the two choices
        when there is some, one line when there is none."""
        c = self.contract
        who = html.escape(c.freelancer.name)
        self.automatic_text.setText(
            "\n".join(
                f"The marketplace released {self.money(amount)} of “{m.title}” automatically on "
                f"{formatting.day(day)}; it is recorded first."
                for m, amount, day in self.automatic
            )
        )
        self.automatic_text.setVisible(bool(self.automatic))
        self.fee_text.setText(
            f"The contract initiation fee of {self.money(self.fee_returned)} is returned to you, as nothing was "
            "released."
            if self.fee_returned
            else ""
        )
        self.fee_text.setVisible(bool(self.fee_returned))
        has = self.escrow > 0
        self.choices.setVisible(has)
        if not has:
            self.group.setExclusive(False)
            self.release_choice.setChecked(False)
            self.refund_choice.setChecked(False)
            self.group.setExclusive(True)
            self.escrow_text.setText(
                f"Nothing {'else ' if self.automatic else ''}is left in escrow on this contract: there is nothing "
                "to release or refund."
            )
            self._refresh()
            self._fit()
            return
        amount = self.money(self.escrow)
        self.escrow_text.setText(
            f"<b>{html.escape(amount)}</b> is still in escrow on this contract. Choose what happens to it:"
        )
        self.release_note.setText(f"Pay {who} what is due from it now; then come back here to end the contract.")
        self.refund_choice.setText(f"End and re&quest an escrow refund of {amount}")
        self.refund_choice.setAccessibleName(f"End and request an escrow refund of {amount}")
        days = c.policy.escrow_refund_reply_days
        if days is None:
            what_next = f"The marketplace asks {who} to return it. Record their answer when it comes."
        else:
            due = self.on() + timedelta(days=days)
            what_next = (
                f"The marketplace emails {who} for you. They have {days} days to approve or dispute it "
                f"(until {formatting.day(due)}); if they say nothing, that counts as approval."
            )
        self.refund_note.setText(what_next)
        self._refresh()
        self._fit()

    def missing(self) -> list[str]:
        """What the client still has to do before "End contract" (empty: it is enabled)."""
        out = []
        if not self.agreed.isChecked():
            out.append("tick that you agreed the ending")
        if self.date_edit.problem():
            out.append("choose a day it could have ended on")
        if self.escrow > 0 and not self.refund_choice.isChecked():
            out.append(
                "release the escrow first (Release it first…)"
                if self.release_choice.isChecked()
                else "choose what happens to the escrow"
            )
        if self.reason.currentText() == OTHER and not self.reason_other.text().strip():
            out.append("say why you are ending it")
        return out

    def _refresh(self, *_) -> None:
        other = self.reason.currentText() == OTHER
        grow = other != self.reason_other.isVisibleTo(self)
        self.reason_other.setVisible(other)
        self.reason_other.setEnabled(other)
        self.release_button.setEnabled(self.release_choice.isChecked() and self._open_release_wizard is not None)
        chosen = self.group.checkedButton()
        for b in self.group.buttons():  # Tab enters the two choices at the chosen one; arrows move between them
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus if chosen in (None, b) else Qt.FocusPolicy.ClickFocus)
        missing = self.missing()
        self.end_button.setEnabled(not missing)
        hint = f"To end the contract, {' and '.join(missing)}." if missing else ""
        grow = grow or bool(hint) != self.end_hint.isVisibleTo(self)
        self.end_hint.setText(hint)
        self.end_hint.setVisible(bool(hint))
        if grow and hasattr(self, "stack"):
            self._fit()

    def reason_text(self) -> str:
        if self.reason.currentText() == OTHER:
            return self.reason_other.text().strip()
        return self.reason.currentText()

    # ----------------------------------------------------------------- actions

    def release_first(self) -> None:
        """The release wizard; when it closes, read the escrow again (and follow it if it ended the contract)."""
        fresh = Contract.get_by_id(self.contract.id)
        blocker = queries.release_blocker(fresh)
        if blocker:
            self._say(blocker)
            return
        self.error.clear()
        wizard = self._open_release_wizard(self, fresh)
        wizard.contract_changed.connect(self.contract_changed)
        with self.watch.own():
            wizard.exec()
        self.contract = Contract.get_by_id(self.contract.id)
        if self.contract.status == Contract.ENDED:
            self.ended = True
            self.request = self.contract.escrow_refund_requests.order_by(EscrowRefundRequest.id.desc()).first()
            self._show_after()
            return
        self._read_escrow()
        self._show_escrow()
        if self.escrow == 0:
            self.agreed.setFocus()

    def end_contract(self) -> bool:
        """The only write of this dialog: one operation, all or nothing (R14)."""
        if self.missing():
            return False
        try:
            with self.watch.own():
                self.request = ops.end_contract(
                    self.contract,
                    agreed=self.agreed.isChecked(),
                    request_escrow_refund=self.escrow > 0,
                    reason=self.reason_text(),
                    note=self.note.toPlainText(),
                    on=self.on(),
                    today=self.today,
                )
        except RuleError as exc:
            if exc.field == "date":  # under the day it is about
                self.error.clear()
                self.date_error.setMessage(exc.message)
                self._fit()
                self.date_edit.setFocus()
                return False
            self._say(exc.message)
            if exc.field == "escrow":  # escrow changed since it was shown: show it again
                self._read_escrow()
                self._show_escrow()
            return False
        self.ended = True
        self.contract = Contract.get_by_id(self.contract.id)
        self._show_after()
        self.contract_changed.emit(self.contract.id)
        return True

    # ------------------------------------------------------------------- after

    def _build_after(self) -> QWidget:
        page = QWidget()
        page.setObjectName("afterPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.ended_text = _label(name="endedText")
        self.request_text = _label(name="requestText")
        self.next_text = _label(name="nextText")
        layout.addWidget(self.ended_text)
        layout.addWidget(self.request_text)
        layout.addWidget(self.next_text)
        layout.addSpacing(4)
        row = QHBoxLayout()
        self.email_button = named(QPushButton("E&mail the freelancer…"), "emailButton", "Email the freelancer")
        self.copy_button = named(QPushButton("&Copy email"), "copyEmailButton", "Copy the email to the clipboard")
        self.closeout_button = named(
            QPushButton("&Open the closeout checklist"), "closeoutButton", "Open the closeout checklist"
        )
        for b in (self.email_button, self.copy_button, self.closeout_button):
            b.setAutoDefault(False)
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        self.email_status = _label(name="emailStatus", rich=False)
        self.email_status.setAccessibleName("Email status")
        self.email_status.setVisible(False)
        layout.addWidget(self.email_status)
        layout.addStretch(1)
        close_row = QHBoxLayout()
        close_row.addStretch(1)
        self.close_button = named(QPushButton("Close"), "closeButton", "Close")
        close_row.addWidget(self.close_button)
        layout.addLayout(close_row)
        self.email_button.clicked.connect(self.email_freelancer)
        self.copy_button.clicked.connect(self.copy_email)
        self.closeout_button.clicked.connect(self.open_closeout)
        self.close_button.clicked.connect(self.accept)
        for first, second in pairwise([self.email_button, self.copy_button, self.closeout_button, self.close_button]):
            QWidget.setTabOrder(first, second)
        return page

    def _fee_returned_text(self, c: Contract) -> str:
        fee = queries.fee_returned(c)
        if fee is None:
            return ""
        return f" The contract initiation fee of {html.escape(self.money(fee.amount))} was returned to you."

    def _show_after(self) -> None:
        c = self.contract
        who = html.escape(c.freelancer.name)
        self.error.clear()
        self.setWindowTitle(f"Contract ended — {c.title}")
        self.ended_text.setText(
            f"<b>“{html.escape(c.title)}” has ended</b> on {formatting.day(c.ended_on)}. Nothing more can be "
            "released on it; refunds of past payments can still be recorded." + self._fee_returned_text(c)
        )
        r = self.request
        if r is None:
            self.request_text.setText("No escrow was left, so no escrow refund was requested.")
        else:
            amount = html.escape(self.money(r.amount))
            if r.reply_due:
                when = (
                    f"They have until <b>{formatting.day(r.reply_due)}</b> to approve or dispute it; "
                    "no reply by then counts as approval."
                )
            else:
                when = "Record their answer when it comes."
            self.request_text.setText(
                f"An escrow refund of <b>{amount}</b> was requested from {who}. {when} Once approved, "
                "the money reaches your payment method within about 5 business days."
            )
        feedback = (
            f" Feedback can be left until {formatting.utc_time(c.feedback_closes_at)}." if c.feedback_closes_at else ""
        )
        self.next_text.setText(
            f"Next, let {who} know, and work through the closeout checklist: revoke the access you gave, "
            f"receive all work and anything you lent, ask them to remove your files, and leave feedback.{feedback}"
        )
        if not c.freelancer.email:
            self.email_button.setToolTip("No email address is on file for this freelancer: add it in the email app.")
        self.close_button.setDefault(True)
        self.stack.setCurrentWidget(self.after_page)
        self.stack.removeWidget(self.before_page)  # so the stack is only as tall as the after view
        self.before_page.hide()
        self._fit()
        self.close_button.setFocus()

    def email_freelancer(self) -> None:
        if self.open_url(mailto_url(self.contract)):
            self.email_status.setVisible(False)
        else:
            self.email_status.setText("No email app opened. Use Copy email and paste it into a message instead.")
            self.email_status.setVisible(True)
            self._fit()  # as tall as the wrapped words need: none cut off

    def copy_email(self) -> None:
        subject, body = queries.escrow_refund_email(Contract.get_by_id(self.contract.id))
        QGuiApplication.clipboard().setText(f"Subject: {subject}\n\n{body}")
        self.email_status.setText("The email is on the clipboard.")
        self.email_status.setVisible(True)
        self._fit()

    def open_closeout(self) -> None:
        self.go_to_closeout = True
        self.accept()

    def reject(self) -> None:
        """Escape and Cancel: nothing was written before the ending; after it, closing is all that is left."""
        if self.ended:
            self.accept()
        else:
            super().reject()

    # ------------------------------------------------------------------ layout

    def _say(self, message: str) -> None:
        """A refusal at the top, in the models' words (the dialog grows to show it)."""
        self.error.setMessage(message)
        self._fit()

    def _fit(self) -> None:
        """Height to fit the page shown at the dialog's width (word-wrapped text is as tall as its width needs)."""
        for widget in self.findChildren(QWidget):
            widget.updateGeometry()  # hiding or showing a part posts its re-layout; do it now
        for layout in self.findChildren(QLayout):
            layout.invalidate()
        self.layout().activate()
        width = max(self.width(), DIALOG_WIDTH) if self.isVisible() else DIALOG_WIDTH
        self.resize(width, self.heightForWidth(width))
        if self.isVisible():
            fit_on_screen(self)  # grown to its text, but never past the screen's edge
