"""The contract page's feedback tab (R10): double-blind, the freelancer's feedback shown only once the client
submitted theirs or the window closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from PySide6.QtWidgets import QAbstractButton

from desktop.contract.feedback_tab import HIDDEN_TEXT, FeedbackTab
from desktop.dialogs.feedback import FeedbackDialog, FreelancerFeedbackDialog
from models import ops, queries
from models.check import check_book
from models.entities import Contract
from tests.conftest import Prompts
from tests.desktop.feedback import ENDED, ENDED_AT_NOON, GOOD, LAST_SECOND, MIDNIGHT_AFTER, THEIRS, rate, submit
from tests.ui import click

pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py


@pytest.fixture
def ended(contract) -> Contract:
    ops.end_contract(contract, agreed=True, today=ENDED)
    return Contract.get_by_id(contract.id)


@dataclass
class Harness:
    """The tab, the instant it believes it is, and what it asked and said (the `prompts` fixture)."""

    tab: FeedbackTab
    prompts: Prompts
    now: datetime = ENDED_AT_NOON

    @property
    def asked(self) -> list[str]:
        return self.prompts.asked

    @property
    def warned(self) -> list[tuple[str, str]]:
        return self.prompts.warned


@pytest.fixture
def ui(qtbot, ended, prompts) -> Harness:
    h = Harness(tab=None, prompts=prompts)
    tab = FeedbackTab(now=lambda: h.now)
    h.tab = tab
    qtbot.addWidget(tab)
    tab.resize(900, 560)
    tab.show()
    qtbot.waitExposed(tab)
    tab.show_contract(ended)
    return h


def test_freelancer_feedback_hidden_before_the_client_submits_then_shown_after(qtbot, ui):
    tab = ui.tab
    changes = []
    tab.changed.connect(changes.append)
    click(qtbot, tab.findChild(QAbstractButton, "recordTheirsButton"))
    record = tab.dialog
    assert isinstance(record, FreelancerFeedbackDialog)
    rate(qtbot, record, THEIRS)
    record.comment_edit.setPlainText("Great client.")
    submit(qtbot, record)
    assert queries.freelancer_feedback(tab.contract) is not None
    assert changes == [tab.contract.id]

    assert tab.theirs_state.text() == HIDDEN_TEXT
    assert not tab.freelancer_feedback_shown()
    assert all("Great client." not in w.text() for w in tab.findChildren(type(tab.theirs_state)))
    assert not tab.findChild(QAbstractButton, "recordTheirsButton").isVisible()

    click(qtbot, tab.findChild(QAbstractButton, "leaveFeedbackButton"))
    mine = tab.dialog
    assert isinstance(mine, FeedbackDialog)
    rate(qtbot, mine, GOOD)
    submit(qtbot, mine)
    assert ui.asked and queries.client_feedback(tab.contract) is not None
    assert tab.freelancer_feedback_shown() and tab.mine_view.isVisible()
    assert tab.theirs_view.comment.text() == "“Great client.”"
    assert tab.theirs_view.overall.text() == "Overall: 4.5 of 5"
    assert tab.mine_view.overall.text() == "Overall: 4.3 of 5"
    assert not tab.findChild(QAbstractButton, "leaveFeedbackButton").isVisible()
    assert check_book() == []


def test_freelancer_feedback_shown_after_the_window_closes_when_the_client_never_submitted(qtbot, ui):
    tab = ui.tab
    ops.record_freelancer_feedback(tab.contract, THEIRS, comment="Great client.", now=ENDED_AT_NOON)
    ui.now = LAST_SECOND
    tab.show_contract(tab.contract.id)
    assert not tab.freelancer_feedback_shown() and tab.theirs_state.text() == HIDDEN_TEXT
    assert tab.findChild(QAbstractButton, "leaveFeedbackButton").isVisible()

    ui.now = MIDNIGHT_AFTER
    tab.show_contract(tab.contract.id)
    assert tab.freelancer_feedback_shown()
    assert tab.theirs_view.comment.text() == "“Great client.”"
    assert not tab.findChild(QAbstractButton, "leaveFeedbackButton").isVisible()
    assert "closed" in tab.window_label.text() and "24 Mar 2026, 23:59 UTC" in tab.window_label.text()
    assert queries.client_feedback(tab.contract) is None
    assert check_book() == []


def test_tab_before_the_contract_ends_and_with_no_contract(qtbot, contract):
    tab = FeedbackTab(now=lambda: ENDED_AT_NOON)
    qtbot.addWidget(tab)
    tab.show()
    tab.show_contract(contract)
    assert tab.window_label.text() == "Feedback opens when the contract ends."
    assert not tab.findChild(QAbstractButton, "leaveFeedbackButton").isVisible()
    assert not tab.findChild(QAbstractButton, "recordTheirsButton").isVisible()
    tab.show_contract(None)
    assert not tab.isEnabled() and tab.contract is None


# ------------------------------------------------------------ corrections of the freelancer's feedback (R10)


def test_r10_the_freelancers_feedback_typed_wrong_is_corrected_with_a_reason(qtbot, ui):
    tab = ui.tab
    ops.record_freelancer_feedback(tab.contract, THEIRS, comment="Grate client.", now=ENDED_AT_NOON)
    ui.now = MIDNIGHT_AFTER  # the window has closed: theirs is shown
    tab.show_contract(tab.contract.id)
    assert tab.theirs_state.text() == "Left on 10 Mar 2026."
    correct = tab.findChild(QAbstractButton, "correctTheirsButton")
    assert correct.isVisible() and tab.findChild(QAbstractButton, "withdrawTheirsButton").isVisible()
    click(qtbot, correct)
    dialog = tab.dialog
    assert dialog.windowTitle() == "Correct the freelancer's feedback on “Logo redesign”"
    assert dialog.ratings() == THEIRS and dialog.comment_edit.toPlainText() == "Grate client."
    assert not dialog.ok_button.isEnabled()  # no reason yet
    dialog.comment_edit.setPlainText("Great client.")
    dialog.reason_edit.setText("A typo in the comment")
    assert dialog.ok_button.isEnabled() and dialog.ok_button.text() == "&Correct"
    submit(qtbot, dialog)
    assert ui.asked[-1] == "Correct Ana Ruiz's feedback? What was recorded first stays in the book's history."
    assert queries.freelancer_feedback(tab.contract).comment == "Great client."
    assert tab.theirs_view.comment.text() == "“Great client.”"
    assert check_book() == []


def test_r10_the_freelancers_feedback_recorded_in_error_is_withdrawn(qtbot, ui):
    tab = ui.tab
    ops.record_freelancer_feedback(tab.contract, THEIRS, comment="Not theirs", now=ENDED_AT_NOON)
    tab.show_contract(tab.contract.id)
    ui.prompts.reason = "It was another freelancer's"
    click(qtbot, tab.findChild(QAbstractButton, "withdrawTheirsButton"))
    assert ui.prompts.reasons_asked == ["Withdraw the freelancer's feedback"]
    assert queries.freelancer_feedback(tab.contract) is None
    assert tab.findChild(QAbstractButton, "recordTheirsButton").isVisible()  # it can be recorded again
    assert not tab.findChild(QAbstractButton, "withdrawTheirsButton").isVisible()
