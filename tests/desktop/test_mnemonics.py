"""Alt mnemonics (issue 19): within a window, no two things a user can see at once answer the same Alt+letter.

The "&X" of a button, of a label with a buddy, of a tab and of a menu title is its Alt+X; two of them visible
together make Alt+X open one or the other. The main window is walked with each contract page tab shown, on a
contract of each kind (its buttons change with the contract's state), and each main dialog as it opens."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, time

from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QMenuBar, QTabBar, QWidget

from desktop.contract.flows import end_contract_dialog, release_wizard
from desktop.dialogs.contract import ContractDialog
from desktop.dialogs.feedback import FeedbackDialog
from desktop.dialogs.freelancer import FreelancerDialog
from desktop.dialogs.milestone import MilestoneDialog
from desktop.dialogs.refund import RefundDialog
from models import queries
from models.entities import Contract, LedgerEntry, Milestone
from tests.desktop.statements import DEMO_TODAY, custom_export, reconcile, statement

NOON = datetime.combine(DEMO_TODAY, time(12, 0), tzinfo=UTC)
AMPERSAND = re.compile(r"&(.)")


def mnemonic(text: str) -> str | None:
    """The letter of "&X" in `text` ("&&" is a plain ampersand), lower case, or None."""
    for m in AMPERSAND.finditer(text.replace("&&", "")):
        return m.group(1).lower()
    return None


def mnemonics(root: QWidget) -> dict[str, list[str]]:
    """Each Alt letter `root` shows, with what answers it (only what is visible now)."""
    found: dict[str, list[str]] = defaultdict(list)

    def add(text: str, what: str) -> None:
        letter = mnemonic(text)
        if letter:
            found[letter].append(f"{what}: {text}")

    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible():
            continue
        name = w.objectName() or type(w).__name__
        if isinstance(w, QAbstractButton) or (isinstance(w, QLabel) and w.buddy() is not None):
            add(w.text(), name)
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                if w.isTabVisible(i) and w.isTabEnabled(i):
                    add(w.tabText(i), f"{name} tab")
        elif isinstance(w, QMenuBar):
            for a in w.actions():
                if a.isVisible():
                    add(a.text(), "menu")
    return found


def clashes(root: QWidget) -> dict[str, list[str]]:
    return {letter: whats for letter, whats in mnemonics(root).items() if len(whats) > 1}


def test_a_clash_is_found_where_there_is_one(demo_window):
    page = demo_window.page
    page.tabs.setCurrentWidget(page.milestones)
    QApplication.processEvents()
    assert mnemonics(demo_window)["v"] == ["menu: &View"]
    page.milestones.add_button.setText("&Verify…")
    assert sorted(clashes(demo_window)["v"]) == ["addMilestoneButton: &Verify…", "menu: &View"]
    assert mnemonic("Fish && &Chips") == "c" and mnemonic("Fish && Chips") is None


def _kinds() -> list[Contract]:
    seen: dict[tuple, Contract] = {}
    for c in Contract.select().order_by(Contract.id):
        seen.setdefault((c.status, c.policy.key), c)
    return list(seen.values())


def test_no_two_visible_things_share_an_alt_letter_in_the_main_window(demo_window):
    window = demo_window
    for c in _kinds():
        window.search.clear()
        assert window.select_contract(c.id)
        tabs = window.page.tabs
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            QApplication.processEvents()
            assert clashes(window) == {}, (c.title, c.status, tabs.tabText(i))
    window.attention_dock.show()
    QApplication.processEvents()
    assert clashes(window) == {}


def _open(qtbot, dialog):
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    QApplication.processEvents()
    return dialog


def test_no_two_visible_things_share_an_alt_letter_in_a_dialog(qtbot, demo_window, tmp_path):
    window = demo_window
    active = Contract.select().where(Contract.status == Contract.ACTIVE)
    funded = next(
        c for c in active.order_by(Contract.id)
        if Milestone.select().where((Milestone.contract == c) & (Milestone.state == Milestone.ACTIVE)).exists()
    )  # fmt: skip
    paid = next(
        c for c in Contract.select().order_by(Contract.id)
        if LedgerEntry.select().where((LedgerEntry.contract == c) & (LedgerEntry.kind == LedgerEntry.RELEASE)).exists()
    )  # fmt: skip
    ended = next(
        c for c in Contract.select().where(Contract.status == Contract.ENDED).order_by(Contract.id)
        if queries.feedback_window_open(c, NOON)
    )  # fmt: skip
    wizard = _open(qtbot, release_wizard(funded, window, today=DEMO_TODAY))
    for _ in range(len(wizard.pageIds())):
        assert clashes(wizard) == {}, wizard.currentPage().title()
        if not wizard.button(wizard.WizardButton.NextButton).isEnabled():
            break
        wizard.next()
        QApplication.processEvents()
    wizard.reject()
    milestone = Milestone.select().where(Milestone.contract == funded).first()
    dialogs = [
        end_contract_dialog(Contract.get_by_id(funded.id), window, today=DEMO_TODAY),
        RefundDialog(Contract.get_by_id(paid.id), window, today=DEMO_TODAY),
        FeedbackDialog(Contract.get_by_id(ended.id), window, now=NOON),
        ContractDialog(window, today=DEMO_TODAY, new_freelancer=FreelancerDialog),
        ContractDialog(window, Contract.get_by_id(funded.id), today=DEMO_TODAY, new_freelancer=FreelancerDialog),
        MilestoneDialog(Contract.get_by_id(funded.id), window),
        MilestoneDialog(Contract.get_by_id(funded.id), window, milestone),
        FreelancerDialog(window),
    ]
    for dialog in dialogs:
        _open(qtbot, dialog)
        assert clashes(dialog) == {}, dialog.windowTitle()
        dialog.reject()
    window.select_contract(paid.id)
    export = _open(qtbot, window.export_dialog())
    assert clashes(export) == {}
    export.reject()
    shown = reconcile(window, statement(tmp_path / "statement.csv"))
    qtbot.waitExposed(shown)
    assert clashes(shown) == {}
    shown.reject()
    mapping = reconcile(window, custom_export(statement(tmp_path / "s2.csv"), tmp_path / "bank.csv"))
    qtbot.waitExposed(mapping)
    assert clashes(mapping) == {}
    mapping.reject()
