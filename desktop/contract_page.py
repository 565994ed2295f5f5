"""The contract's page: overview (freelancer, policy, money, clocks) and tabs for
milestones, the ledger, closeout and feedback.

Each button calls one operation of models.ops; a refusal is shown in the
client's words and changes nothing (R14). After an operation the page reloads
itself and emits `changed(contract_id)` so the window updates the table row and
the status bar.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, date, datetime, time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import formatting
from desktop.widgets import button
from models import queries  # (models.ops is imported where an action needs it, not on start-up)
from models.clock import utc_today
from models.entities import Clock, Contract, LedgerEntry, Milestone
from models.errors import RuleError
from models.labels import ENTRY_KINDS as KIND_LABELS
from models.labels import MILESTONE_STATES as STATE_LABELS

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def ask(parent: QWidget, title: str, text: str, yes: str) -> bool:
    """A confirmation before anything that moves money or cannot be undone."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    ok = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(ok)
    box.exec()
    return box.clickedButton() is ok


def warn(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def run_operation(widget, title: str, operation, *args, **kwargs):
    """One user action = one operation of models.ops, for a contract view (the page and its tabs).

    The widget has `.contract`, `.warn(parent, title, text)`, `.show_contract(id)` and a
    `changed(int)` signal. A refusal is shown in the client's words (nothing was written); either
    way the view is read again, and after a success the change is announced.
    """
    contract_id = widget.contract.id
    try:
        result = operation(*args, **kwargs)
    except RuleError as exc:
        widget.warn(widget, title, exc.message)
        widget.show_contract(contract_id)
        return None
    widget.show_contract(contract_id)
    widget.changed.emit(contract_id)
    return result


def _item(text: str, *, right: bool = False, data=None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    if right:
        item.setTextAlignment(RIGHT)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


def _table(name: str, headers: list[str], right: set[int]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setObjectName(name)
    t.setAccessibleName(name)
    t.setHorizontalHeaderLabels(headers)
    for col in right:
        t.horizontalHeaderItem(col).setTextAlignment(RIGHT)
    t.verticalHeader().setVisible(False)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setAlternatingRowColors(True)
    t.horizontalHeader().setStretchLastSection(True)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return t


def _money_html(pairs: list[tuple[str, str]]) -> str:
    """The money summary: eight (name, amount) pairs in two columns of four rows."""

    def cell(name: str, text: str) -> str:
        return f"<td>{name}</td><td align='right'>{html.escape(text)}</td>"

    half = len(pairs) // 2
    cells = "".join(f"<tr>{cell(*pairs[i])}<td width='24'></td>{cell(*pairs[i + half])}</tr>" for i in range(half))
    return f"<table cellspacing='0' cellpadding='2'>{cells}</table>"


def _clocks_html(items: list[str]) -> str:
    """The deadlines, one <li> each, with no space above or below the list."""
    return f"<ul style='margin-left:0; margin-top:0; margin-bottom:0'>{''.join(items)}</ul>"


class ContractPage(QWidget):
    changed = Signal(int)  # a contract's records changed through this page

    def __init__(self, parent=None, today: Callable[[], date] | None = None):
        super().__init__(parent)
        self.setObjectName("contractPage")
        self.today = today or utc_today
        # The instant used for R10's window: the real clock, or noon UTC of a fixed `today` (tests, screenshots).
        self.now = (
            (lambda: datetime.now(UTC))
            if today is None
            else (lambda: datetime.combine(self.today(), time(12, 0), tzinfo=UTC))
        )
        self.ask = ask  # replaced in tests, which cannot click a modal box
        self.warn = warn
        self.contract: Contract | None = None
        self.wizard = None

        self.title = QLabel()
        self.title.setObjectName("contractTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # a title is shown as typed, "<b>" and all
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("contractSubtitle")
        self.subtitle.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle.setWordWrap(True)

        self.money = QLabel()
        self.money.setObjectName("moneySummary")
        self.money.setAccessibleName("Money summary")
        self.money.setTextFormat(Qt.TextFormat.RichText)
        self.clocks_heading = QLabel("Deadlines")
        bold = self.clocks_heading.font()
        bold.setBold(True)
        self.clocks_heading.setFont(bold)
        self.clocks = QLabel()
        self.clocks.setObjectName("clocks")
        self.clocks.setAccessibleName("Deadlines")
        self.clocks.setWordWrap(True)
        self.clocks.setTextFormat(Qt.TextFormat.RichText)
        self.clocks.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # The deadlines scroll beyond the money summary's height, so the page keeps one height whatever the
        # contract: the table above does not shrink and grow as the user goes from contract to contract.
        self.clocks_area = QScrollArea()
        self.clocks_area.setObjectName("clocksArea")
        self.clocks_area.setWidget(self.clocks)
        self.clocks_area.setWidgetResizable(True)
        self.clocks_area.setFrameShape(QFrame.Shape.NoFrame)
        self.clocks_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.clocks_area.viewport().setAutoFillBackground(False)
        self.clocks.setAutoFillBackground(False)
        deadlines = QVBoxLayout()
        deadlines.setSpacing(2)
        deadlines.addWidget(self.clocks_heading)
        deadlines.addWidget(self.clocks_area)
        deadlines.addStretch(1)
        self._fit_deadlines()

        overview = QGridLayout()
        overview.setHorizontalSpacing(24)
        overview.addWidget(self.money, 0, 0, Qt.AlignmentFlag.AlignTop)
        overview.addLayout(deadlines, 0, 1)
        overview.setColumnStretch(1, 1)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("contractTabs")
        self.tabs.addTab(self._milestones_tab(), "&Milestones")
        self.tabs.addTab(self._ledger_tab(), "&Ledger")
        # The other tabs are built when first shown (or first reached from code): on start-up only the
        # milestones tab is seen, and their modules and widgets would double the page's cost.
        self._lazy_tabs: dict[str, tuple[int, str, Callable[[], QWidget]]] = {}
        self._built_tabs: dict[str, QWidget] = {}
        self._lazy_tab("escrow_panel", "E&scrow refund", self._make_escrow_panel)
        self._lazy_tab("closeout_tab", "&Closeout", self._make_closeout_tab)
        self._lazy_tab("feedback_tab", "&Feedback", self._make_feedback_tab)
        self.tabs.currentChanged.connect(self._tab_shown)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addLayout(overview)
        layout.addWidget(line)
        layout.addWidget(self.tabs, 1)
        self.show_contract(None)

    # ------------------------------------------------------------ building
    def _fit_deadlines(self) -> None:
        """The deadlines list shows as many whole lines as fit beside the money summary (always 4 rows)."""
        self.money.setText(_money_html([("Escrow refunded", "$0.00")] * 8))
        beside = self.money.sizeHint().height() - self.clocks_heading.sizeHint().height() - 2
        self.money.clear()
        heights = []
        for n in (1, 2):
            self.clocks.setText(_clocks_html(["<li>9 Dec 2026</li>"] * n))
            heights.append(self.clocks.sizeHint().height())
        self.clocks.clear()
        line = heights[1] - heights[0]
        base = heights[0] - line
        self.clocks_area.setMaximumHeight(base + max(2, (beside - base) // line) * line)

    def _lazy_tab(self, attr: str, label: str, factory: Callable[[], QWidget]) -> None:
        index = self.tabs.addTab(QWidget(), label)
        self._lazy_tabs[attr] = (index, label, factory)

    def _tab(self, attr: str) -> QWidget:
        """The lazily built tab `attr`, built now if it was not yet, showing the page's contract."""
        built = self._built_tabs.get(attr)
        if built is None:
            index, label, factory = self._lazy_tabs[attr]
            built = self._built_tabs[attr] = factory()
            current = self.tabs.currentIndex()
            blocked = self.tabs.blockSignals(True)
            placeholder = self.tabs.widget(index)
            self.tabs.removeTab(index)
            placeholder.deleteLater()
            self.tabs.insertTab(index, built, label)
            self.tabs.setCurrentIndex(current)
            self.tabs.blockSignals(blocked)
            built.show_contract(self.contract)
        return built

    def _tab_shown(self, index: int) -> None:
        for attr, (i, _, _) in self._lazy_tabs.items():
            if i == index:
                self._tab(attr)

    @property
    def escrow_panel(self):
        return self._tab("escrow_panel")

    @property
    def closeout_tab(self):
        return self._tab("closeout_tab")

    @property
    def feedback_tab(self):
        return self._tab("feedback_tab")

    def _make_escrow_panel(self) -> QWidget:
        from desktop.escrow_panel import EscrowPanel

        panel = EscrowPanel(self, today=self.today)
        panel.changed.connect(self._changed_elsewhere)
        return panel

    def _make_closeout_tab(self) -> QWidget:
        from desktop.closeout_tab import CloseoutTab

        tab = CloseoutTab(self, today=self.today)
        tab.changed.connect(self._changed_elsewhere)
        return tab

    def _make_feedback_tab(self) -> QWidget:
        from desktop.feedback import FeedbackTab

        tab = FeedbackTab(self, now=self.now)
        tab.changed.connect(self._changed_elsewhere)
        return tab

    def _milestones_tab(self) -> QWidget:
        w = QWidget()
        self.milestone_table = _table(
            "milestoneTable", ["#", "Milestone", "Amount", "In escrow", "Due", "State"], right={2, 3}
        )
        self.milestone_table.itemSelectionChanged.connect(self._update_buttons)
        self.milestone_table.itemDoubleClicked.connect(lambda *_: self.edit_milestone())
        self.add_button = button("addMilestoneButton", "&Add…", self.add_milestone, "new-milestone")
        self.edit_button = button("editMilestoneButton", "&Edit…", self.edit_milestone, "edit")
        self.up_button = button("moveUpButton", "Move &up", lambda: self.move_milestone(-1))
        self.down_button = button("moveDownButton", "Move do&wn", lambda: self.move_milestone(1))
        self.delete_button = button("deleteMilestoneButton", "&Delete…", self.delete_milestone, "delete")
        self.fund_button = button(
            "fundButton", "F&und…", self.fund_milestone, "fund", "Deposit the amount into escrow, with its fees (R3)"
        )
        self.changes_button = button(
            "requestChangesButton",
            "Ask for c&hanges",
            self.request_changes,
            tip="You asked the freelancer for changes: the review clock stops until work is submitted again (R6)",
        )
        self.release_button = button(
            "releaseButton",
            "&Release…",
            self.release_payment,
            "release",
            "Release a payment to the freelancer, in full or in part (R4, R5)",
        )
        self.submit_button = button(
            "submitWorkButton",
            "Work &submitted",
            self.submit_work,
            "submit-work",
            "The freelancer submitted work: the review period starts (R6)",
        )
        buttons = QHBoxLayout()
        for b in (
            self.add_button,
            self.edit_button,
            self.up_button,
            self.down_button,
            self.delete_button,
            self.fund_button,
            self.submit_button,
            self.changes_button,
            self.release_button,
        ):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(w)
        layout.addLayout(buttons)
        layout.addWidget(self.milestone_table)
        return w

    def _ledger_tab(self) -> QWidget:
        w = QWidget()
        self.ledger_table = _table("ledgerTable", ["#", "Date", "Entry", "Amount", "Milestone", "Memo"], right={3})
        self.ledger_table.itemSelectionChanged.connect(self._update_buttons)
        self.reverse_button = button(
            "reverseButton", "&Reverse entry…", self.reverse_entry, tip="Correct a mistake with a reversal (R12)"
        )
        note = QLabel("Entries are never edited or deleted: a mistake is corrected by a reversal that names it.")
        note.setWordWrap(True)
        self.refund_button = button(
            "recordRefundButton",
            "Record re&fund…",
            self.record_refund,
            tip="A refund from the freelancer against a payment of the past 180 days (R9)",
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.refund_button)
        buttons.addWidget(self.reverse_button)
        buttons.addWidget(note, 1)
        layout = QVBoxLayout(w)
        layout.addLayout(buttons)
        layout.addWidget(self.ledger_table)
        return w

    # ------------------------------------------------------------ showing
    def show_contract(self, contract_id: int | None) -> None:
        self.contract = None if contract_id is None else Contract.get_or_none(Contract.id == contract_id)
        c = self.contract
        self.setEnabled(c is not None)
        if c is None:
            self.title.setText("No contract selected")
            self.subtitle.setText("Select a contract in the table to see its milestones, ledger and deadlines.")
            for label in (self.money, self.clocks):
                label.clear()
            self.milestone_table.setRowCount(0)
            self.ledger_table.setRowCount(0)
            for tab in self._built_tabs.values():
                tab.show_contract(None)
            self._update_buttons()
            return
        f = c.freelancer
        who = f.name + (f" ({f.agency})" if f.agency else "")
        status = "Active" if c.status == Contract.ACTIVE else f"Ended {formatting.day(c.ended_on)}"
        ext = f" · {c.external_id}" if c.external_id else ""
        self.title.setText(c.title)
        self.subtitle.setText(
            f"{who}{' · ' + f.email if f.email else ''} · {status} · started {formatting.day(c.started_on)}{ext}\n"
            f"Policy: {c.policy.name}, in effect from {formatting.day(c.policy.effective_from)} · {c.currency}"
        )
        self._show_money(c)
        self._show_clocks(c)
        self._show_milestones(c)
        self._show_ledger(c)
        for tab in self._built_tabs.values():
            tab.show_contract(c)
        self._update_buttons()

    def _show_money(self, c: Contract) -> None:
        b = queries.balances(c)
        rows = [
            ("Budget", c.budget),
            ("Funded", b.funded),
            ("In escrow", b.escrow),
            ("Released", b.released),
            ("Escrow refunded", b.escrow_refunded),
            ("Refunds", b.refunded),
            ("Fees", b.fees),
            ("Net cost", b.net_cost),
        ]

        self.money.setText(_money_html([(name, formatting.money(value, c.currency) or "—") for name, value in rows]))

    def _show_clocks(self, c: Contract) -> None:
        today = self.today()
        lines = []
        for k in queries.contract_clocks(c):
            if k.kind == Clock.REFUND_WINDOW and k.due < today:
                continue  # lapsed: nothing left to do
            when, overdue = formatting.deadline(k.due, k.kind, today)
            extra = ""
            if k.kind == Clock.FEEDBACK and c.feedback_closes_at:
                extra = (
                    f" — until {formatting.local_time(c.feedback_closes_at)} your time "
                    f"({formatting.utc_time(c.feedback_closes_at)})"
                )
            mark = "⚠ " if overdue else ""
            style = " style='color:#b42318'" if overdue else ""
            lines.append(f"<li{style}>{mark}{html.escape(when + extra)}</li>")
        self.clocks.setText(_clocks_html(lines or ["<li>No deadlines running.</li>"]))

    def _show_milestones(self, c: Contract) -> None:
        t = self.milestone_table
        keep = self.selected_milestone_id()
        milestones = list(Milestone.select().where(Milestone.contract == c).order_by(Milestone.position))
        t.setRowCount(len(milestones))
        for r, m in enumerate(milestones):
            state = STATE_LABELS.get(m.state, m.state)
            if m.state == Milestone.SUBMITTED and m.auto_release_on:
                state += f" · released automatically {formatting.day(m.auto_release_on)}"
            values = [
                _item(str(m.position), data=m.id),
                _item(m.title),
                _item(formatting.money(m.amount, c.currency), right=True),
                _item(formatting.money(queries.milestone_escrow(m), c.currency), right=True),
                _item(formatting.day(m.due_on)),
                _item(state),
            ]
            for col, item in enumerate(values):
                t.setItem(r, col, item)
            if m.id == keep:
                t.selectRow(r)

    def _show_ledger(self, c: Contract) -> None:
        t = self.ledger_table
        entries = list(
            LedgerEntry.select()
            .where(LedgerEntry.contract == c)
            .order_by(LedgerEntry.date.desc(), LedgerEntry.id.desc())
        )
        reversed_ids = {e.reverses_id for e in entries if e.reverses_id}
        # One query for the milestones' titles, not one per entry.
        titles = dict(Milestone.select(Milestone.id, Milestone.title).where(Milestone.contract == c).tuples())
        t.setRowCount(len(entries))
        for r, e in enumerate(entries):
            label = KIND_LABELS.get(e.kind, e.kind)
            if e.kind == LedgerEntry.REVERSAL:
                label = f"Reversal of #{e.reverses_id}"
            elif e.id in reversed_ids:
                label += " (reversed)"
            values = [
                _item(str(e.id), data=e.id),
                _item(formatting.day(e.date)),
                _item(label),
                _item(formatting.money(e.amount, e.currency), right=True),
                _item(titles.get(e.milestone_id, "")),
                _item(e.memo),
            ]
            for col, item in enumerate(values):
                t.setItem(r, col, item)

    # ------------------------------------------------------------ selection
    def selected_milestone_id(self) -> int | None:
        rows = self.milestone_table.selectionModel().selectedRows() if self.milestone_table.selectionModel() else []
        if not rows:
            return None
        return self.milestone_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def selected_milestone(self) -> Milestone | None:
        mid = self.selected_milestone_id()
        return None if mid is None else Milestone.get_or_none(Milestone.id == mid)

    def select_milestone(self, milestone_id: int) -> None:
        for r in range(self.milestone_table.rowCount()):
            if self.milestone_table.item(r, 0).data(Qt.ItemDataRole.UserRole) == milestone_id:
                self.milestone_table.selectRow(r)
                return

    def selected_entry(self) -> LedgerEntry | None:
        rows = self.ledger_table.selectionModel().selectedRows()
        if not rows:
            return None
        return LedgerEntry.get_or_none(
            LedgerEntry.id == self.ledger_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        )

    def _update_buttons(self) -> None:
        c = self.contract
        active = c is not None and c.status == Contract.ACTIVE
        m = self.selected_milestone() if c is not None else None
        unfunded = m is not None and m.state == Milestone.UNFUNDED and active
        self.add_button.setEnabled(active)
        for b in (self.edit_button, self.up_button, self.down_button, self.delete_button, self.fund_button):
            b.setEnabled(unfunded)
        self.submit_button.setEnabled(m is not None and active and m.state == Milestone.ACTIVE)
        self.changes_button.setEnabled(m is not None and active and m.state == Milestone.SUBMITTED)
        self.release_button.setEnabled(active)
        self.reverse_button.setEnabled(self.contract is not None and self.selected_entry() is not None)
        self.refund_button.setEnabled(self.contract is not None)

    # ------------------------------------------------------------ actions (one operation each)
    def _run(self, title: str, operation, *args, **kwargs):
        return run_operation(self, title, operation, *args, **kwargs)

    def add_milestone(self) -> None:
        from desktop.dialogs import MilestoneDialog

        if self.contract is None:
            return
        dialog = MilestoneDialog(self.contract, self)
        if dialog.exec() and dialog.milestone is not None:
            self.show_contract(self.contract.id)
            self.select_milestone(dialog.milestone.id)
            self.changed.emit(self.contract.id)

    def edit_milestone(self) -> None:
        from desktop.dialogs import MilestoneDialog

        m = self.selected_milestone()
        if m is None or m.state != Milestone.UNFUNDED:
            return
        dialog = MilestoneDialog(self.contract, self, milestone=m)
        if dialog.exec():
            self.show_contract(self.contract.id)
            self.select_milestone(m.id)
            self.changed.emit(self.contract.id)

    def move_milestone(self, offset: int) -> None:
        from models import ops

        m = self.selected_milestone()
        if m is not None and self._run("Move milestone", ops.move_milestone, m, offset) is not None:
            self.select_milestone(m.id)

    def delete_milestone(self) -> None:
        from models import ops

        m = self.selected_milestone()
        if m is None:
            return
        text = f"Delete the milestone “{m.title}” ({formatting.money(m.amount, self.contract.currency)})?"
        if self.ask(self, "Delete milestone", text, "Delete"):
            self._run("Delete milestone", ops.delete_milestone, m)

    def fund_milestone(self) -> None:
        from models import ops

        m = self.selected_milestone()
        if m is None:
            return
        c = self.contract
        preview = ops.funding_preview(c, m.amount, from_escrow=False)
        fees = preview["fee"] + preview["initiation_fee"]
        text = f"Deposit {formatting.money(m.amount, c.currency)} into escrow for “{m.title}”?"
        if fees:
            parts = [f"a marketplace fee of {formatting.money(preview['fee'], c.currency)}"]
            if preview["initiation_fee"]:
                parts.append(
                    f"the contract initiation fee of {formatting.money(preview['initiation_fee'], c.currency)}"
                )
            text += "\n\nRecorded beside it: " + " and ".join(parts) + "."
        if self.ask(self, "Fund milestone", text, "Fund"):
            self._run("Fund milestone", ops.fund_milestone, m, today=self.today())
            self.select_milestone(m.id)

    def submit_work(self) -> None:
        from models import ops

        m = self.selected_milestone()
        if m is not None and self._run("Work submitted", ops.submit_work, m, today=self.today()) is not None:
            self.select_milestone(m.id)

    def record_refund(self) -> None:
        """R9: the refund dialog; one operation when the client confirms it."""
        from desktop.refund_dialog import RefundDialog

        if self.contract is None:
            return
        dialog = RefundDialog(self.contract, self, today=self.today())
        self.refund_dialog = dialog  # tests reach the open dialog here
        if dialog.exec() and dialog.refund is not None:
            self._changed_elsewhere(self.contract.id)
        self.refund_dialog = None

    def release_payment(self) -> None:
        """Open the release wizard on the selected milestone (or say why a payment cannot be released)."""
        from desktop.release_wizard import release_or_explain

        if self.contract is None:
            return
        m = self.selected_milestone()
        wizard = release_or_explain(
            self.contract,
            self,
            today=self.today(),
            milestone_id=m.id if m is not None and m.state in Milestone.OPEN_STATES else None,
            warn=lambda title, text: self.warn(self, title, text),
        )
        if wizard is None:
            return
        self.wizard = wizard  # tests reach the open wizard here
        wizard.contract_changed.connect(self._changed_elsewhere)
        wizard.exec()
        self.wizard = None

    def _changed_elsewhere(self, contract_id: int) -> None:
        self.show_contract(contract_id)
        self.changed.emit(contract_id)

    def request_changes(self) -> None:
        from models import ops

        m = self.selected_milestone()
        if m is not None and self._run("Ask for changes", ops.request_changes, m, today=self.today()) is not None:
            self.select_milestone(m.id)

    def reverse_entry(self) -> None:
        from models import ops

        e = self.selected_entry()
        if e is None:
            return
        label = KIND_LABELS.get(e.kind, e.kind)
        text = (
            f"Reverse entry #{e.id}, “{label}” of {formatting.money(e.amount, e.currency)} on "
            f"{formatting.day(e.date)}?\n\nA reversal entry naming it is added to the ledger; the original stays."
        )
        if self.ask(self, "Reverse entry", text, "Reverse"):
            self._run("Reverse entry", ops.reverse_entry, e, today=self.today())
