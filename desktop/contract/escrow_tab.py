"""The contract page's "Escrow refund" tab: the R8 escrow refund request and its dispute.

When a contract ends with escrow left, the client asks for that escrow back
(models.ops.end_contract). This panel shows each such request with its clocks
(reply due; for a dispute: answer due in business days, mediation end) and
records, one operation per button, what happened next:

- the freelancer approved → ops.record_escrow_refund_reply(r, "approved")
- no answer once the reply date has passed → ... "no_reply" (silence is approval)
- the freelancer disputed, up to the reply date → ... "disputed"
- the client answered the dispute → ops.record_dispute_answer(d)
- mediation decided the split → DisputeOutcomeDialog → ops.resolve_dispute(d, ...)

Each button asks the day it happened first (R16: the "On:" dialog of `record_on`,
the outcome dialog's own "On:" field), so an answer typed in days later is dated
when it was given. "No answer" waits for the reply date to pass; the others are
enabled while there is something to answer, and say in their tooltips until when;
the operation still decides. A refusal (RuleError) is shown in the dialog in the
client's words and changes nothing (R14). In a shared book, each request and dispute says who
recorded it (its maker's name, models.people.makers, as the Ledger tab does); a book file has one user.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop import formatting
from desktop.contract.base import ContractTab
from desktop.dialogs.dispute_outcome import DisputeOutcomeDialog
from desktop.widgets.fields import button
from models import mediation, ops, people, queries
from models.entities import Contract, Dispute, EscrowRefundRequest, LedgerEntry
from models.labels import DISPUTE_OUTCOMES as OUTCOME_WORDS
from models.labels import REQUEST_STATUSES as STATUS_WORDS
from models.policy import terms

NO_REQUEST = "Ending a contract with escrow left sends an escrow refund request."


def _when(due: date, today: date) -> str:
    """How far a deadline is, for the view: "in 3 days", "tomorrow", "today", "passed"."""
    days = (due - today).days
    if days < 0:
        return "passed"
    if days == 0:
        return "today"
    return "tomorrow" if days == 1 else f"in {days} days"


def _with(text: str, *notes: str) -> str:
    """A date with its notes, if any, escaped for the view: "3 Apr 2026 (5 business days; in 4 days)"."""
    notes = [n for n in notes if n]
    return html.escape(f"{text} ({'; '.join(notes)})" if notes else text)


class EscrowPanel(ContractTab):
    """The escrow refund request(s) of one contract, their dispute, and a button per thing that can happen next."""

    def __init__(self, parent=None, today: Callable[[], date] | None = None):
        super().__init__(parent, today)
        self.setObjectName("escrowPanel")
        self.setAccessibleName("Escrow refund")
        self.request: EscrowRefundRequest | None = None  # the pending one the reply buttons act on
        self.dispute: Dispute | None = None  # the open one the dispute buttons act on
        self.dialog: DisputeOutcomeDialog | None = None  # the outcome dialog while it is open

        self.status_line = QLabel()
        self.status_line.setObjectName("statusLine")
        self.status_line.setAccessibleName("What happens next")
        self.status_line.setWordWrap(True)
        self.status_line.setTextFormat(Qt.TextFormat.PlainText)
        self.status_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.approved_button = button(
            "approvedButton",
            "Freelancer a&pproved…",
            self.record_approved,
            description="The freelancer approved the refund",
        )
        self.no_reply_button = button(
            "noReplyButton", "No answer in 7 da&ys…", self.record_no_reply, description="Silence counts as approval"
        )
        self.disputed_button = button(
            "disputedButton",
            "Freela&ncer disputed…",
            self.record_disputed,
            description="The freelancer disputed the refund",
        )
        self.answered_button = button(
            "answeredButton", "I ans&wered the dispute…", self.record_answer, description="You answered the dispute"
        )
        self.outcome_button = button(
            "outcomeButton",
            "Record the &outcome…",
            self.record_outcome,
            description="Mediation decided how the amount is split",
        )
        # R8 (second version): the steps of mediation, one button each, shown for a dispute that has them.
        self.evidence_button = button(
            "evidenceButton", "Ev&idence sent…", self.record_evidence, description="Both sides sent their evidence"
        )
        self.proposal_button = button(
            "proposalButton", "Mediato&r proposed…", self.record_proposal, description="The mediator proposed a split"
        )
        self.freelancer_accepted_button = button(
            "freelancerAcceptedButton",
            "Freelancer accepte&d…",
            lambda: self.record_acceptance("freelancer"),
            description="The freelancer accepted the proposal",
        )
        self.client_accepted_button = button(
            "clientAcceptedButton",
            "I &accepted…",
            lambda: self.record_acceptance("client"),
            description="You accepted the proposal",
        )
        self.arbitration_button = button(
            "arbitrationButton",
            "Went to ar&bitration…",
            self.record_arbitration,
            description="The proposal was not accepted by both",
        )
        self.step_buttons = QWidget()
        self.step_buttons.setObjectName("mediationButtons")
        row = QHBoxLayout(self.step_buttons)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Mediation:"))
        for b in (
            self.evidence_button,
            self.proposal_button,
            self.freelancer_accepted_button,
            self.client_accepted_button,
            self.arbitration_button,
        ):
            row.addWidget(b)
        row.addStretch(1)
        self.reply_buttons = QWidget()
        self.reply_buttons.setObjectName("replyButtons")
        row = QHBoxLayout(self.reply_buttons)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Freelancer's reply:"))
        for b in (self.approved_button, self.no_reply_button, self.disputed_button):
            row.addWidget(b)
        row.addStretch(1)
        self.dispute_buttons = QWidget()
        self.dispute_buttons.setObjectName("disputeButtons")
        row = QHBoxLayout(self.dispute_buttons)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Dispute:"))
        for b in (self.answered_button, self.outcome_button):
            row.addWidget(b)
        row.addStretch(1)

        self.view = QTextBrowser()
        self.view.setObjectName("requestView")
        self.view.setAccessibleName("Escrow refund requests")
        self.view.setOpenLinks(False)
        self.view.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.view.viewport().setAutoFillBackground(False)
        self.view.document().setDocumentMargin(0)  # its text lines up with the line above

        layout = QVBoxLayout(self)
        layout.addWidget(self.status_line)
        layout.addWidget(self.reply_buttons)
        layout.addWidget(self.dispute_buttons)
        layout.addWidget(self.step_buttons)
        layout.addWidget(self.view, 1)
        self.show_contract(None)

    # ------------------------------------------------------------ showing
    def show_contract(self, contract: Contract | int | None) -> None:
        """Show a contract's escrow refund requests (a Contract, its id, or None for nothing)."""
        cid = contract.id if isinstance(contract, Contract) else contract
        self.contract = None if cid is None else Contract.get_or_none(Contract.id == cid)
        self.refresh()

    def refresh(self) -> None:
        """Read the book again and show what it holds today."""
        c = self.contract = None if self.contract is None else Contract.get_or_none(Contract.id == self.contract.id)
        today = self.today()
        requests = [] if c is None else self.requests(c)
        self.request = next((r for r in reversed(requests) if r.status == EscrowRefundRequest.PENDING), None)
        disputes = [d for r in requests for d in r.disputes]
        self.dispute = next((d for d in reversed(disputes) if d.status == Dispute.OPEN), None)
        if c is None:
            self.view.setHtml("<p>No contract selected.</p>")
        elif not requests:
            self.view.setHtml(f"<p>No escrow refund request on this contract. {html.escape(NO_REQUEST)}</p>")
        else:
            self.view.setHtml(self._html(c, requests, today))
        self.status_line.setText(self._next_step(c, requests, today))
        self._update_buttons(today)

    @staticmethod
    def requests(contract: Contract) -> list[EscrowRefundRequest]:
        return list(
            EscrowRefundRequest.select()
            .where(EscrowRefundRequest.contract == contract)
            .order_by(EscrowRefundRequest.requested_on, EscrowRefundRequest.id)
        )

    def _html(self, c: Contract, requests: list[EscrowRefundRequest], today: date) -> str:
        def money(minor: int) -> str:
            return html.escape(formatting.money(minor, c.currency))

        def row(name: str, value: str) -> str:
            return f"<tr><td style='padding-right:18px'>{name}</td><td>{value}</td></tr>"

        def head(text: str) -> str:
            return f"<tr><td colspan='2' style='padding-top:10px'><b>{text}</b></td></tr>"

        way = "rtl" if self.layoutDirection() == Qt.LayoutDirection.RightToLeft else "ltr"

        def recorded_by(name: str) -> str:
            """Who recorded it (a shared book): the name set apart in a direction of its own (FSI ... PDI), in a
            cell of the panel's direction, so an Arabic name reads as written and lines up with the dates."""
            name = html.escape(formatting.person(name))
            return f"<tr><td style='padding-right:18px'>Recorded by</td><td dir='{way}'>{name}</td></tr>"

        parts = [f"<p>In escrow on this contract now: <b>{money(queries.balances(c).escrow)}</b></p>"]
        policy = c.policy
        made = people.makers("escrow_refund_request", [r.id for r in requests])  # ({} in a book file)
        disputes = people.makers("dispute", [d.id for r in requests for d in r.disputes]) if made else {}
        for r in requests:
            rows = [row("Requested on", formatting.day(r.requested_on))]
            if r.id in made:
                rows.append(recorded_by(made[r.id]))
            if r.reply_due is not None:
                due = formatting.day(r.reply_due)
                rows.append(row("Reply due", _with(due, _when(r.reply_due, today) if r.status == r.PENDING else "")))
            else:
                rows.append(row("Reply due", "no deadline under this policy"))
            status = STATUS_WORDS.get(r.status, r.status)
            if r.status != r.PENDING and r.answered_on is not None:
                status += f" on {formatting.day(r.answered_on)}"
            if r.status in (r.APPROVED, r.NO_REPLY):
                status += ". The refund reaches your payment method within about 5 business days."
            rows.append(row("Status", f"<b>{html.escape(status)}</b>"))
            for d in r.disputes:  # one table, so the dispute's dates line up with the request's
                rows.append(head(f"Dispute over {money(d.amount)}"))
                by = recorded_by(disputes[d.id]) if d.id in disputes else ""
                rows += self._dispute_rows(d, policy, today, row, money, by)
            parts.append(f"<h3>Escrow refund request: {money(r.amount)}</h3>")
            parts.append(f"<table cellspacing='0' cellpadding='2'>{''.join(rows)}</table>")
        return "".join(parts)

    @staticmethod
    def _dispute_rows(d: Dispute, policy, today: date, row, money, recorded_by: str = "") -> list[str]:
        is_open = d.status == Dispute.OPEN
        rows = [row("Opened on", formatting.day(d.opened_on))]
        if recorded_by:  # (a shared book: the row saying who recorded the dispute)
            rows.append(recorded_by)
        if d.answer_due is not None:
            days = policy.dispute_answer_business_days
            rule = f"{days} business days, Monday to Friday" if days else ""
            when = _when(d.answer_due, today) if is_open and d.answered_on is None else ""
            rows.append(row("Your answer due", _with(formatting.day(d.answer_due), rule, when)))
        if d.mediation_ends is not None:
            when = _when(d.mediation_ends, today) if is_open else ""
            rows.append(row("Mediation ends", _with(formatting.day(d.mediation_ends), when)))
        if d.answered_on is not None:
            rows.append(row("Answered on", formatting.day(d.answered_on)))
        else:
            rows.append(row("Answered on", "not recorded yet" if is_open else "no answer recorded"))
        rows += EscrowPanel._step_rows(d, today, row, money)
        entries = list(
            LedgerEntry.select()
            .where((LedgerEntry.dispute == d) & (LedgerEntry.kind.in_(tuple(OUTCOME_WORDS))))
            .order_by(LedgerEntry.id)
        )
        if is_open:
            outcome = "Mediation under way"
        else:
            lines = [
                f"{OUTCOME_WORDS[e.kind]}: <b>{money(e.amount)}</b>{'' if queries.is_live(e) else ' (reversed)'}"
                for e in entries
            ]
            kinds = {e.kind for e in entries}
            lines += [f"{words}: {money(0)}" for kind, words in OUTCOME_WORDS.items() if kind not in kinds]
            outcome = f"Resolved on {formatting.day(d.resolved_on)}<br>" + "<br>".join(lines)
        rows.append(row("Outcome", outcome))
        return rows

    @staticmethod
    def _step_rows(d: Dispute, today: date, row, money) -> list[str]:
        """R8 (second version): each step of mediation recorded so far, and the deadline running."""
        if not mediation.has_steps(d):
            return []
        is_open = d.status == Dispute.OPEN
        rows = []
        if d.evidence_sent_on is None:
            return [row("Evidence sent", "not recorded yet" if is_open else "—")]
        rows.append(row("Evidence sent", formatting.day(d.evidence_sent_on)))
        if d.proposed_on is None:
            when = _when(d.proposal_due, today) if is_open else ""
            return [*rows, row("Proposal due", _with(formatting.day(d.proposal_due), when))]
        split = f"{money(d.proposal_release)} to the freelancer, {money(d.proposal_refund)} to you"
        rows.append(row("Proposed on", f"{html.escape(formatting.day(d.proposed_on))}: {split}"))
        pending = is_open and d.arbitration_on is None
        rows.append(
            row("Accept by", _with(formatting.day(d.acceptance_due), _when(d.acceptance_due, today) if pending else ""))
        )
        for name, when in (("Freelancer accepted", d.freelancer_accepted_on), ("You accepted", d.client_accepted_on)):
            rows.append(row(name, formatting.day(when) if when else "not recorded"))
        if d.arbitration_on is not None:
            rows.append(row("Arbitration", f"since {formatting.day(d.arbitration_on)}"))
        return rows

    def _next_step(self, c: Contract | None, requests: list[EscrowRefundRequest], today: date) -> str:
        if c is None:
            return "Select a contract to see its escrow refund request."
        if not requests:
            return NO_REQUEST
        r, d = self.request, self.dispute
        if r is not None:
            if r.reply_due is None:
                return "Record the freelancer's answer when it comes: this policy has no reply deadline."
            due = formatting.day(r.reply_due)
            if today <= r.reply_due:
                return (
                    f"The freelancer has until {due} to approve or dispute the refund. If they stay silent, "
                    f"record “No answer” from {formatting.day(self._after(r.reply_due))}: silence counts as approval."
                )
            return (
                f"The reply date ({due}) has passed: silence counts as approval. Record “No answer”, "
                "or the answer they gave by then, on the day they gave it."
            )
        if d is not None:
            parts = []
            if d.answered_on is None and d.answer_due is not None:
                if today <= d.answer_due:
                    parts.append(
                        f"Answer the dispute on the marketplace by {formatting.day(d.answer_due)}, then "
                        "record that you did."
                    )
                else:
                    parts.append(f"Your answer was due by {formatting.day(d.answer_due)}.")
            elif d.answered_on is not None:
                parts.append(f"You answered on {formatting.day(d.answered_on)}.")
            if mediation.has_steps(d):
                parts.append(self._mediation_step(d, today))
                return " ".join(parts)
            ends = f" (by {formatting.day(d.mediation_ends)})" if d.mediation_ends else ""
            parts.append(f"Record the outcome when mediation ends{ends}.")
            return " ".join(parts)
        return "Nothing left to do here: the escrow refund request is settled."

    @staticmethod
    def _mediation_step(d: Dispute, today: date) -> str:
        """What comes next in a second-version mediation, in words."""
        if d.answered_on is None:
            return "If you decline it, mediation starts: each step is recorded here."
        if d.evidence_sent_on is None:
            return "Record when both sides have sent their evidence: the mediator then proposes a split."
        if d.proposed_on is None:
            return f"The mediator's proposal is due by {formatting.day(d.proposal_due)}."
        if d.arbitration_on is not None:
            return "Record the arbitration's outcome when it comes."
        if today <= d.acceptance_due:
            return (
                f"Each side has until {formatting.day(d.acceptance_due)} to accept the proposal; "
                "not accepted by both, it goes to arbitration."
            )
        return (
            f"The proposal was to be accepted by both by {formatting.day(d.acceptance_due)}: "
            "record that it went to arbitration."
        )

    @staticmethod
    def _after(d: date) -> date:
        return d + timedelta(days=1)

    def _update_buttons(self, today: date) -> None:
        r, d = self.request, self.dispute
        self.reply_buttons.setVisible(r is not None)
        self.dispute_buttons.setVisible(d is not None)
        self.approved_button.setEnabled(r is not None)
        self.approved_button.setToolTip("The freelancer approved: the amount comes back to you" if r else "")
        if r is not None and r.reply_due is not None:
            days = (r.reply_due - r.requested_on).days
            self.no_reply_button.setText(f"No answer in {days} da&ys…")
            self.no_reply_button.setAccessibleName(f"No answer in {days} days")
            after = self._after(r.reply_due)
            self.no_reply_button.setEnabled(today >= after)
            self.no_reply_button.setToolTip(
                f"From {formatting.day(after)} on, silence counts as approval"
                if today < after
                else f"The freelancer did not answer by {formatting.day(r.reply_due)}: silence counts as approval"
            )
            self.disputed_button.setEnabled(True)  # on the day they did, which may be days before today
            self.disputed_button.setToolTip(
                f"The freelancer can dispute until {formatting.day(r.reply_due)}"
                if today <= r.reply_due
                else f"The freelancer could dispute until {formatting.day(r.reply_due)}: record it with the day "
                "they did, or record that they did not answer"
            )
        else:
            self.no_reply_button.setEnabled(False)
            self.no_reply_button.setToolTip("This policy has no reply deadline" if r is not None else "")
            self.disputed_button.setEnabled(r is not None)
            self.disputed_button.setToolTip("")
        for b in (self.no_reply_button, self.disputed_button):
            b.setAccessibleDescription(b.toolTip())

        can_answer = d is not None and d.answered_on is None  # on the day you did, which may be days before today
        self.answered_button.setEnabled(can_answer)
        if d is None:
            tip = ""
        elif d.answered_on is not None:
            tip = f"Your answer is recorded: {formatting.day(d.answered_on)}"
        elif d.answer_due is not None and today > d.answer_due:
            tip = (
                f"Your answer was due by {formatting.day(d.answer_due)}: record the day you answered, "
                "or record the outcome"
            )
        else:
            tip = f"You answered the dispute (due by {formatting.day(d.answer_due)})" if d.answer_due else ""
        self.answered_button.setToolTip(tip)
        self.answered_button.setAccessibleDescription(tip)
        self._update_step_buttons(d)
        self.outcome_button.setEnabled(d is not None and self.dialog is None)
        self.outcome_button.setToolTip("Enter how mediation split the disputed amount" if d else "")

    def _update_step_buttons(self, d: Dispute | None) -> None:
        steps = d is not None and mediation.has_steps(d)
        self.step_buttons.setVisible(steps)
        if not steps:
            return
        open_proposal = d.proposed_on is not None and d.arbitration_on is None
        self.evidence_button.setEnabled(d.answered_on is not None and d.evidence_sent_on is None)
        self.proposal_button.setEnabled(
            d.evidence_sent_on is not None and d.proposed_on is None and self.dialog is None
        )
        self.freelancer_accepted_button.setEnabled(open_proposal and d.freelancer_accepted_on is None)
        self.client_accepted_button.setEnabled(open_proposal and d.client_accepted_on is None)
        self.arbitration_button.setEnabled(open_proposal)
        due = formatting.day(d.acceptance_due) if d.acceptance_due else ""
        for b in (self.freelancer_accepted_button, self.client_accepted_button):
            b.setToolTip(f"Accepted by {due}" if due else "")
        self.arbitration_button.setToolTip("The proposal was not accepted by both" if open_proposal else "")

    # ------------------------------------------------------------ actions (one operation each)
    def _reply(self, outcome: str, title: str, text: str, ok_text: str):
        """The freelancer's answer to the pending request, on the day they gave it (R8, R16)."""
        r = self.request
        if r is None:
            return None
        return self.record_on(title, text, ops.record_escrow_refund_reply, r, outcome, ok_text=ok_text)

    def _amount(self, minor: int) -> str:
        return formatting.money(minor, self.contract.currency)

    def record_approved(self):
        r = self.request
        if r is None:
            return None
        return self._reply(
            "approved",
            "Freelancer approved",
            f"Record that the freelancer approved the escrow refund of {self._amount(r.amount)}.\n\n"
            "It comes back to you; it reaches your payment method within about 5 business days.",
            "&Record approval",
        )

    def record_no_reply(self):
        r = self.request
        if r is None:
            return None
        due = formatting.day(r.reply_due) if r.reply_due else "the reply date"
        after = f", dated {formatting.day(self._after(r.reply_due))}" if r.reply_due else ""
        return self._reply(
            "no_reply",
            "No answer",
            f"Record that the freelancer did not answer by {due}.\n\n"
            f"Silence counts as approval: the {self._amount(r.amount)} comes back to you{after}.",
            "&Record no answer",
        )

    def record_disputed(self):
        r = self.request
        if r is None:
            return None
        days = self.contract.policy.dispute_answer_business_days
        answer = (
            f"A dispute opens that day: you have {days} business days to answer it on the marketplace."
            if days
            else "A dispute opens that day: answer it on the marketplace."
        )
        return self._reply(
            "disputed",
            "Freelancer disputed",
            f"Record that the freelancer disputed the escrow refund of {self._amount(r.amount)}.\n\n{answer}",
            "&Record dispute",
        )

    def record_answer(self):
        d = self.dispute
        if d is None:
            return None
        text = f"Record that you answered the dispute over {self._amount(d.amount)} on the marketplace."
        return self.record_on("Dispute answered", text, ops.record_dispute_answer, d, ok_text="&Record answer")

    def record_evidence(self):
        d = self.dispute
        if d is None:
            return None
        text = (
            "Record the day both sides had sent their evidence (the later of the two).\n\n"
            f"The mediator proposes a split within {terms(self.contract.policy).mediation_proposal_days} days of it."
        )
        return self.record_on("Evidence sent", text, mediation.record_evidence_sent, d, ok_text="&Record")

    def record_proposal(self) -> DisputeOutcomeDialog | None:
        return self.record_outcome(proposal=True)

    def record_acceptance(self, side: str):
        d = self.dispute
        if d is None:
            return None
        who = "the freelancer" if side == "freelancer" else "you"
        text = (
            f"Record the day {who} accepted the mediator's proposal (by {formatting.day(d.acceptance_due)}).\n\n"
            "Accepted by both, the proposal is the outcome."
        )
        return self.record_on("Proposal accepted", text, mediation.record_proposal_acceptance, d, side)

    def record_arbitration(self):
        d = self.dispute
        if d is None:
            return None
        text = "Record the day the dispute went to arbitration. Record its outcome when it comes."
        return self.record_on("Arbitration", text, mediation.record_arbitration, d, ok_text="&Record")

    def record_outcome(self, proposal: bool = False) -> DisputeOutcomeDialog | None:
        """Open the outcome dialog (window-modal, not blocking); OK there records the outcome."""
        d = self.dispute
        if d is None or self.dialog is not None:
            return None
        dialog = DisputeOutcomeDialog(d, self, today=self.today, proposal=proposal)
        dialog.accepted.connect(lambda cid=d.contract_id: self.changed_here(cid))
        dialog.finished.connect(self._dialog_closed)
        self.dialog = dialog  # tests reach the open dialog here
        self.outcome_button.setEnabled(False)
        dialog.open()
        return dialog

    def _dialog_closed(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()
        self.refresh()
