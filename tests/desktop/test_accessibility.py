"""Accessibility (issue 19): every control a user can reach has an accessible name a screen reader speaks.

The main window on the demo book is walked with each contract page tab shown, on a contract of each kind, and
with the attention panel open; then each main dialog as it opens. A visible button, field, list, table, tab bar,
slider or star rating without an accessible name fails. The star rating speaks its value, and each line of the
attention panel speaks its deadline."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QSlider,
    QTabBar,
    QTextEdit,
    QWidget,
)

from desktop.contract.flows import end_contract_dialog, release_wizard
from desktop.dialogs.contract import ContractDialog
from desktop.dialogs.feedback import FeedbackDialog
from desktop.dialogs.freelancer import FreelancerDialog
from desktop.dialogs.milestone import MilestoneDialog
from desktop.dialogs.refund import RefundDialog
from desktop.widgets.star_rating import StarRating
from models import queries
from models.entities import Contract, LedgerEntry, Milestone
from tests.desktop.statements import DEMO_TODAY, custom_export, reconcile, statement
from tests.desktop.test_mnemonics import NOON, _kinds, _open

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QTextEdit, QAbstractItemView,
               QTabBar, QSlider, StarRating)  # fmt: skip


def _part_of_another(w: QWidget) -> bool:
    """The line edit inside a spin box or combo box, a table's header: spoken as part of their owner."""
    return isinstance(w, QHeaderView) or (
        isinstance(w, QLineEdit) and isinstance(w.parentWidget(), (QAbstractSpinBox, QComboBox))
    )


def unnamed(root: QWidget) -> list[str]:
    """The visible interactive widgets under `root` (itself included) with no accessible name."""
    return [
        f"{type(w).__name__} {w.objectName()!r} in {w.parentWidget().objectName() if w.parentWidget() else ''!r}"
        for w in [root, *root.findChildren(QWidget)]
        if isinstance(w, INTERACTIVE) and w.isVisible() and not w.accessibleName().strip() and not _part_of_another(w)
    ]


def test_an_unnamed_field_is_found(demo_window):
    assert unnamed(demo_window) == []
    planted = QLineEdit(demo_window.page)
    planted.setObjectName("plantedField")
    planted.show()
    assert unnamed(demo_window) == ["QLineEdit 'plantedField' in 'contractPage'"]
    planted.setAccessibleName("Planted")
    assert unnamed(demo_window) == []


def test_every_control_of_the_main_window_has_a_name(demo_window):
    window = demo_window
    window.attention_dock.show()
    QApplication.processEvents()
    assert window.attention.list.isVisible()
    for c in _kinds():
        window.search.clear()
        assert window.select_contract(c.id)
        tabs = window.page.tabs
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            QApplication.processEvents()
            assert unnamed(window) == [], (c.title, c.status, tabs.tabText(i))


def test_every_control_of_the_main_dialogs_has_a_name(qtbot, demo_window, tmp_path):
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
        assert unnamed(wizard) == [], wizard.currentPage().title()
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
        assert unnamed(dialog) == [], dialog.windowTitle()
        dialog.reject()
    window.select_contract(paid.id)
    export = _open(qtbot, window.export_dialog())
    assert unnamed(export) == []
    export.reject()
    window.show_help()
    assert unnamed(window.help_dialog) == []
    window.help_dialog.close()
    shown = reconcile(window, statement(tmp_path / "statement.csv"))
    qtbot.waitExposed(shown)
    assert unnamed(shown) == []
    shown.reject()
    mapping = reconcile(window, custom_export(statement(tmp_path / "s2.csv"), tmp_path / "bank.csv"))
    qtbot.waitExposed(mapping)
    assert unnamed(mapping) == []
    mapping.reject()


def test_the_stars_speak_their_value_and_follow_it(qtbot):
    stars = StarRating("Communication", value=3)
    qtbot.addWidget(stars)
    assert "3 of 5 stars" in stars.accessibleName()
    assert "Communication" in stars.accessibleName()
    stars.setFocus()
    qtbot.keyClick(stars, Qt.Key.Key_Right)
    assert stars.value() == 4
    assert "4 of 5 stars" in stars.accessibleName() and "4 of 5 stars" in stars.accessibleDescription()
    stars.setValue(0)
    assert "not rated" in stars.accessibleName()


def test_each_attention_line_speaks_its_deadline(demo_window):
    window = demo_window
    window.attention_dock.show()
    QApplication.processEvents()
    panel = window.attention
    assert panel.items
    lines = {line.data(0, Qt.ItemDataRole.UserRole): line for line in panel.line_items()}
    for item in panel.items:
        spoken = lines[(item.kind, item.contract_id, item.ref)].data(0, Qt.ItemDataRole.AccessibleTextRole)
        assert spoken and f"{item.contract_title}" in spoken, spoken
        assert item.due.strftime("%Y") in spoken, spoken  # the date it is due, in words
