"""Every dialog of desktop/dialogs/, opened the way the app opens it (open(), never exec()), on the demo book
with a contract that makes it meaningful. The walks of issue 19 (mnemonics, accessible names, plain words,
Escape and focus on open) all go through `every_dialog`, so a new dialog added here is checked by all of them.

`every_dialog(qtbot, window, tmp_path)` yields (name, dialog) one at a time, each already on screen; the walk
closes it (or leaves it, and the next step closes it). The release wizard is yielded once per page a user can
reach with Next."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QWizard

from models import ops, queries
from models.entities import CloseoutItem, Contract, Dispute, LedgerEntry, Milestone
from tests.desktop.statements import DEMO_TODAY, custom_export, reconcile, statement

NOON = datetime.combine(DEMO_TODAY, time(12, 0), tzinfo=UTC)


def open_dialog(qtbot, dialog: QDialog) -> QDialog:
    """Open `dialog` as the app does (window-modal, `open()`), and wait until it is on screen."""
    if not dialog.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose):  # else Qt deletes it once closed
        qtbot.addWidget(dialog)
    if not dialog.isVisible():
        dialog.open()
    qtbot.waitExposed(dialog)
    QApplication.processEvents()
    return dialog


def close(dialog: QDialog | None) -> None:
    """Close a dialog a walk left open (whatever its own reject() would ask first)."""
    if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
        QDialog.reject(dialog)
        QApplication.processEvents()


@dataclass
class Book:
    """The demo book's contracts that make each dialog meaningful."""

    funded: Contract  # active, with a funded milestone
    paid: Contract  # a payment released (a refund can be recorded)
    ended: Contract  # ended, its feedback window open
    unrated: Contract  # ended, without the freelancer's feedback


def book() -> Book:
    active = Contract.select().where(Contract.status == Contract.ACTIVE).order_by(Contract.id)
    funded = next(
        c for c in active
        if Milestone.select().where((Milestone.contract == c) & (Milestone.state == Milestone.ACTIVE)).exists()
    )  # fmt: skip
    paid = next(
        c for c in Contract.select().order_by(Contract.id)
        if LedgerEntry.select().where((LedgerEntry.contract == c) & (LedgerEntry.kind == LedgerEntry.RELEASE)).exists()
    )  # fmt: skip
    ended_ = Contract.select().where(Contract.status == Contract.ENDED).order_by(Contract.id)
    ended = next(c for c in ended_ if queries.feedback_window_open(c, NOON))
    unrated = next(c for c in ended_ if queries.freelancer_feedback(c) is None)
    return Book(funded=funded, paid=paid, ended=ended, unrated=unrated)


def _fresh(c: Contract) -> Contract:
    return Contract.get_by_id(c.id)


def factories(window, tmp_path: Path, only: str = "") -> dict[str, Callable[[], QDialog | None]]:
    """Name -> what opens that dialog (and returns it, on screen or to be opened), in the order of the walk."""
    from desktop.contract.flows import end_contract_dialog
    from desktop.dialogs.backup import RestoreBackupDialog
    from desktop.dialogs.closeout_item import AccessDialog, CloseoutItemDialog, DeliverableDialog
    from desktop.dialogs.contract import ContractDialog
    from desktop.dialogs.contract_picker import ContractPickerDialog
    from desktop.dialogs.dispute_outcome import DisputeOutcomeDialog
    from desktop.dialogs.feedback import FeedbackDialog, FreelancerFeedbackDialog
    from desktop.dialogs.freelancer import FreelancerDialog
    from desktop.dialogs.milestone import MilestoneDialog
    from desktop.dialogs.overdue_events import OverdueEventsDialog
    from desktop.dialogs.refund import RefundDialog
    from models.backup import backup_if_due

    b = book()
    milestone = Milestone.select().where(Milestone.contract == b.funded).first()

    def event_date():
        window.search.clear()
        window.select_contract(b.funded.id)
        tab = window.page.milestones
        window.page.tabs.setCurrentWidget(tab)
        active = Milestone.select().where((Milestone.contract == b.funded) & (Milestone.state == Milestone.ACTIVE))
        tab.select_milestone(active.first().id)
        return tab.submit_work()

    def export():
        window.search.clear()
        window.select_contract(b.paid.id)
        return window.export_dialog()

    def help_():
        window.show_help()
        return window.help_dialog

    def restore():
        backup_if_due(window.book, now=NOON)
        return RestoreBackupDialog(window.book.path, window)

    def import_csv():
        folder = tmp_path / "csv"
        folder.mkdir(exist_ok=True)
        window.export_csv_to(folder)
        return window.import_dialog(folder)

    def dispute():
        d = Dispute.select().where(Dispute.status == Dispute.OPEN).first()
        if d is None:  # the last funded contract ends asking its escrow back, and the freelancer disputes it
            active = (
                Milestone.select()
                .join(Contract)
                .where((Contract.status == Contract.ACTIVE) & (Milestone.state == Milestone.ACTIVE))
            )
            c = active.order_by(Milestone.contract.desc()).first().contract
            request = ops.end_contract(c, agreed=True, request_escrow_refund=True, today=DEMO_TODAY)
            d = ops.record_escrow_refund_reply(request, "disputed", today=DEMO_TODAY)
        return DisputeOutcomeDialog(d, window, today=DEMO_TODAY)

    def exchange_rates():
        from models import rates

        if rates.home_currency() is None:
            rates.set_home_currency("EUR", now=NOON)
            rates.record_rate("USD", "2026-11", "0.9234", today=DEMO_TODAY, now=NOON)
            rates.record_rate("GBP", DEMO_TODAY, "1.1702", today=DEMO_TODAY, now=NOON)
        return window.rates_dialog()

    def closeout_item():
        item = CloseoutItem.select().where(CloseoutItem.done_on.is_null()).first()
        return CloseoutItemDialog(item, window, today=DEMO_TODAY)

    made = {
        "end contract": lambda: end_contract_dialog(_fresh(b.funded), window, today=DEMO_TODAY),
        "refund": lambda: RefundDialog(_fresh(b.paid), window, today=DEMO_TODAY),
        "feedback": lambda: FeedbackDialog(_fresh(b.ended), window, now=NOON),
        "freelancer feedback": lambda: FreelancerFeedbackDialog(_fresh(b.unrated), window, now=NOON, today=DEMO_TODAY),
        "new contract": lambda: ContractDialog(window, today=DEMO_TODAY, new_freelancer=FreelancerDialog),
        "edit contract": lambda: ContractDialog(
            window, _fresh(b.funded), today=DEMO_TODAY, new_freelancer=FreelancerDialog
        ),
        "new milestone": lambda: MilestoneDialog(_fresh(b.funded), window),
        "edit milestone": lambda: MilestoneDialog(_fresh(b.funded), window, milestone),
        "new freelancer": lambda: FreelancerDialog(window),
        "event date": event_date,
        "closeout item": closeout_item,
        "access": lambda: AccessDialog(_fresh(b.ended), window, today=DEMO_TODAY),
        "deliverable": lambda: DeliverableDialog(_fresh(b.ended), window),
        "dispute outcome": dispute,
        "export": export,
        "help": help_,
        "restore backup": restore,
        "import csv": import_csv,
        "overdue events": lambda: OverdueEventsDialog(window, today=DEMO_TODAY),
        "check book": window.check_book_dialog,
        "year-end pack": window.year_end_pack,
        "exchange rates": exchange_rates,
        "reports": lambda: window.reports_dialog("spend_by_period"),
        "reports, budget against actual": lambda: window.reports_dialog("budget_vs_actual"),
        "contract picker": lambda: ContractPickerDialog(window, currency="USD", what="Which contract?"),
        "reconcile": lambda: reconcile(window, statement(tmp_path / "statement.csv")),
        "statement mapping": lambda: reconcile(
            window, custom_export(statement(tmp_path / "s2.csv"), tmp_path / "b.csv")
        ),
    }
    return {k: v for k, v in made.items() if only in k}


def every_dialog(qtbot, window, tmp_path: Path, *, wizard_pages: bool = True) -> Iterator[tuple[str, QDialog]]:
    """Each dialog of desktop/dialogs/ on screen, one at a time; the previous one is closed before the next."""
    from desktop.contract.flows import release_wizard

    funded = book().funded
    wizard = open_dialog(qtbot, release_wizard(_fresh(funded), window, today=DEMO_TODAY))
    for _ in range(len(wizard.pageIds()) if wizard_pages else 1):
        yield f"release wizard: {wizard.currentPage().title()}", wizard
        if not wizard.button(QWizard.WizardButton.NextButton).isEnabled() or wizard.currentId() == max(
            wizard.pageIds()
        ):
            break
        wizard.next()
        QApplication.processEvents()
    close(wizard)
    for name, make in factories(window, tmp_path).items():
        dialog = make()
        assert dialog is not None, name
        open_dialog(qtbot, dialog)
        yield name, dialog
        close(dialog)


def contract_kinds() -> list[Contract]:
    """One contract of each kind the demo book has: each status under each policy (marketplace or direct)."""
    seen: dict[tuple, Contract] = {}
    for c in Contract.select().order_by(Contract.id):
        seen.setdefault((c.status, c.policy.key), c)
    return list(seen.values())


def each_contract_tab(window) -> Iterator[tuple[Contract, str]]:
    """The main window showing each tab of the contract page, for a contract of each kind (its buttons and tabs
    change with the contract's state): yields (contract, the tab's title) with that tab on screen."""
    for c in contract_kinds():
        window.search.clear()
        assert window.select_contract(c.id)
        tabs = window.page.tabs
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            QApplication.processEvents()
            yield c, tabs.tabText(i)
