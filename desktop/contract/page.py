"""The contract's page: overview (freelancer, policy, money, clocks) and a tab for each part of the
contract: milestones, the ledger, the escrow refund, closeout, feedback and the marketplace's statement (one
file each, on ContractTab).

The page itself writes nothing: the tabs do, one operation per button. When a tab says `changed`, the page
reads the overview and the other tabs again and says `changed(contract_id)` itself, so the window updates
the table row and the status bar. The milestones tab is built with the page; the others (the ledger too, with
the statement's references its entries show) when first shown.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import formatting
from desktop.contract.base import ContractTab
from desktop.contract.milestones import MilestonesTab
from desktop.widgets import appearance
from desktop.widgets.elided_label import ElidedLabel
from models import queries
from models.clock import utc_now
from models.entities import Clock, Contract


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


class ContractPage(ContractTab):
    """The selected contract: what it is, its money and deadlines, and a tab for each part of it."""

    def __init__(
        self,
        parent=None,
        today: Callable[[], date] | None = None,
        now: Callable[[], datetime] | None = None,
    ):
        super().__init__(parent, today)
        self.setObjectName("contractPage")
        # The instant for R10's window and the client's own feedback: the real current UTC time (tests and
        # screenshots hand in their own).
        self.now: Callable[[], datetime] = now or utc_now

        # The title and the subtitle (names, status, ids) are the client's own words, of any length and script:
        # plain text ("<b>" shown as typed), cut with "…" where the page is narrower (the whole in the tooltip),
        # never widening the window, each line in the app's direction (widgets/elided_label.py).
        self.title = ElidedLabel()
        self.title.setObjectName("contractTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = ElidedLabel()
        self.subtitle.setObjectName("contractSubtitle")

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
        viewport = QWidget()  # (made here: asking the area for its own would have PySide set up every widget type)
        self.clocks_area.setViewport(viewport)
        viewport.setAutoFillBackground(False)
        self.clocks_area.setWidget(self.clocks)
        self.clocks_area.setWidgetResizable(True)
        self.clocks_area.setFrameShape(QFrame.Shape.NoFrame)
        self.clocks_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
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
        self.tabs.tabBar().setAccessibleName("Contract page")
        self.milestones = MilestonesTab(self, today=self.today)
        self.milestones.changed.connect(self._changed_elsewhere)
        self.tabs.addTab(self.milestones, "&Milestones")
        # The other tabs are built when first shown (or first reached from code): on start-up only the
        # milestones tab is seen, and their modules and widgets would double the page's cost.
        self._lazy_tabs: dict[str, tuple[int, str, Callable[[], QWidget]]] = {}
        self._built_tabs: dict[str, QWidget] = {}
        self._lazy_tab("ledger", "&Ledger", self._make_ledger_tab)
        self._lazy_tab("escrow_panel", "E&scrow refund", self._make_escrow_panel)
        self._lazy_tab("closeout_tab", "Closeo&ut", self._make_closeout_tab)
        self._lazy_tab("feedback_tab", "Feedbac&k", self._make_feedback_tab)
        self._lazy_tab("statement_tab", "S&tatement", self._make_statement_tab)
        self.tabs.currentChanged.connect(self._tab_shown)
        for keys, step in ((Qt.Modifier.CTRL | Qt.Key.Key_PageDown, 1), (Qt.Modifier.CTRL | Qt.Key.Key_PageUp, -1)):
            shortcut = QShortcut(QKeySequence(keys), self, lambda step=step: self.next_tab(step))
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

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

    def next_tab(self, step: int = 1) -> None:
        """Ctrl+PgDn (step 1) / Ctrl+PgUp (step -1): the next / previous tab, round the end."""
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())
        if not self.isAncestorOf(QApplication.focusWidget()):  # (a tab built now takes the place of the one in focus)
            self.tabs.tabBar().setFocus(Qt.FocusReason.ShortcutFocusReason)

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
    def ledger(self):
        return self._tab("ledger")

    @property
    def escrow_panel(self):
        return self._tab("escrow_panel")

    @property
    def closeout_tab(self):
        return self._tab("closeout_tab")

    @property
    def feedback_tab(self):
        return self._tab("feedback_tab")

    @property
    def statement_tab(self):
        return self._tab("statement_tab")

    def _make_ledger_tab(self) -> QWidget:
        from desktop.contract.ledger import LedgerTab

        tab = LedgerTab(self, today=self.today)
        tab.changed.connect(self._changed_elsewhere)
        return tab

    def _make_escrow_panel(self) -> QWidget:
        from desktop.contract.escrow_tab import EscrowPanel

        panel = EscrowPanel(self, today=self.today)
        panel.changed.connect(self._changed_elsewhere)
        return panel

    def _make_closeout_tab(self) -> QWidget:
        from desktop.contract.closeout_tab import CloseoutTab

        tab = CloseoutTab(self, today=self.today)
        tab.changed.connect(self._changed_elsewhere)
        return tab

    def _make_feedback_tab(self) -> QWidget:
        from desktop.contract.feedback_tab import FeedbackTab

        tab = FeedbackTab(self, now=self.now, today=self.today)
        tab.changed.connect(self._changed_elsewhere)
        return tab

    def _make_statement_tab(self) -> QWidget:
        from desktop.contract.statement_tab import StatementTab

        tab = StatementTab(self, today=self.today)
        tab.changed.connect(self._changed_elsewhere)
        return tab

    # ------------------------------------------------------------ showing
    def show_contract(self, contract: Contract | int | None, *, skip: ContractTab | None = None) -> None:
        """Show the contract (or none) on the page and on every tab built so far, but `skip` (a tab that has
        just shown it itself)."""
        contract_id = contract.id if isinstance(contract, Contract) else contract
        self.contract = None if contract_id is None else Contract.get_or_none(Contract.id == contract_id)
        c = self.contract
        self.setEnabled(c is not None)
        if c is None:
            self.title.setText("No contract selected")
            self.subtitle.setText("Select a contract in the table to see its milestones, ledger and deadlines.")
            for label in (self.money, self.clocks):
                label.clear()
            for tab in self._tabs():
                tab.show_contract(None)
            return
        f = c.freelancer
        # The client's own words are isolated (FSI ... PDI): a bidi control in one cannot reorder the rest.
        who = _isolate(f.name) + (f" ({_isolate(f.agency)})" if f.agency else "")
        status = "Active" if c.status == Contract.ACTIVE else f"Ended {formatting.day(c.ended_on)}"
        ext = f" · {_isolate(c.external_id)}" if c.external_id else ""
        email = f" · {_isolate(f.email)}" if f.email else ""
        self.title.setText(c.title)
        self.subtitle.setText(
            f"{who}{email} · {status} · started {formatting.day(c.started_on)}{ext}\n"
            f"Policy: {c.policy.name}, in effect from {formatting.day(c.policy.effective_from)} · {c.currency}"
        )
        self._show_money(c)
        self._show_clocks(c)
        for tab in self._tabs():
            if tab is not skip:
                tab.show_contract(c)

    def show_nothing(self, title: str, text: str) -> None:
        """No contract, and why (a search or a filter that matches none): the page says so in its own words."""
        self.show_contract(None)
        self.title.setText(title)
        self.subtitle.setText(text)

    def _tabs(self) -> list[ContractTab]:
        """The tabs built so far: milestones always, the others once first shown."""
        return [self.milestones, *self._built_tabs.values()]

    def _changed_elsewhere(self, contract_id: int) -> None:
        """A tab (or a dialog it opened) changed the contract and has shown it again: read the rest again (the
        overview and the other tabs) and say so."""
        source = self.sender()
        self.show_contract(contract_id, skip=source if isinstance(source, ContractTab) else None)
        self.changed.emit(contract_id)

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
        self.money.setToolTip(
            "Net cost: what the work has cost you so far: payments released to the freelancer plus fees, "
            f"less refunds received ({formatting.money(b.released, c.currency)} + "
            f"{formatting.money(b.fees, c.currency)} − {formatting.money(b.refunded, c.currency)}). "
            "Money still in escrow is not counted: it is not spent until it is released."
        )

    def _show_clocks(self, c: Contract) -> None:
        today = self.today()
        lines = []
        for k in queries.contract_clocks(c):
            if k.kind in (Clock.REFUND_WINDOW, Clock.SUPPORT_REFUND) and k.due < today:
                continue  # lapsed: nothing left to do
            when, overdue = formatting.deadline(k.due, k.kind, today)
            extra = ""
            if k.kind == Clock.FEEDBACK and c.feedback_closes_at:
                extra = (
                    f" — until {formatting.local_time(c.feedback_closes_at)} your time "
                    f"({formatting.utc_time(c.feedback_closes_at)})"
                )
            mark = "⚠ " if overdue else ""
            style = " style='color:{}'".format(appearance.colour("overdue")) if overdue else ""
            lines.append(f"<li{style}>{mark}{html.escape(when + extra)}</li>")
        self.clocks.setText(_clocks_html(lines or ["<li>No deadlines running.</li>"]))


def _isolate(text: str) -> str:
    """User text set apart from the text around it (first strong isolate ... pop directional isolate)."""
    return f"\u2068{text}\u2069"
