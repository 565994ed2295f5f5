"""FormDialog as the freelancer, contract and milestone dialogs use it: Escape cancels and writes nothing,
every field is named for tests and screen readers, Tab follows the form.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
)

from desktop.dialogs.contract import ContractDialog
from desktop.dialogs.freelancer import FreelancerDialog
from desktop.dialogs.milestone import MilestoneDialog
from tests.conftest import START
from tests.ui import assert_named_and_accessible, child, ok_enabled, tab_chain

pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py


def test_escape_cancels_and_writes_nothing(qtbot, show, book, unchanged):
    with unchanged():
        dialog = show(FreelancerDialog())
        qtbot.keyClicks(child(dialog, "nameEdit"), "Ana Ruiz")
        assert ok_enabled(dialog)
        qtbot.keyClick(child(dialog, "nameEdit"), Qt.Key.Key_Escape)
        assert not dialog.isVisible()
        assert dialog.result() == QDialog.DialogCode.Rejected
        assert dialog.freelancer is None


def test_every_field_has_an_object_name_and_an_accessible_name(qtbot, show, contract):
    for dialog in (
        FreelancerDialog(),
        ContractDialog(today=START, new_freelancer=FreelancerDialog),
        MilestoneDialog(contract, today=START),
    ):
        show(dialog)
        assert_named_and_accessible(dialog)


def test_tab_order_follows_the_form(qtbot, show, contract):
    names = [
        "titleEdit",
        "freelancerCombo",
        "newFreelancerButton",
        "policyCombo",
        "currencyCombo",
        "budgetEdit",
        "externalIdEdit",
        "startedOnEdit",
        "notesEdit",
        "okButton",
        "cancelButton",
    ]
    assert tab_chain(show(ContractDialog(today=START, new_freelancer=FreelancerDialog)), names) == names
    names = ["titleEdit", "amountEdit", "dueCheck", "dueDateEdit", "descriptionEdit", "okButton", "cancelButton"]
    assert tab_chain(show(MilestoneDialog(contract, today=START)), names) == names
