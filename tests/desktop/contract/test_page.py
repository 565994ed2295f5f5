"""The contract page (desktop/contract/page.py): a write in one tab shows everywhere on the page, once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from desktop.contract.page import ContractPage
from models import ops
from models.clock import utc_now

pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py


@pytest.fixture
def page(qtbot, contract):
    p = ContractPage(today=lambda: date(2026, 3, 2))
    qtbot.addWidget(p)
    p.resize(1000, 600)
    p.show()
    p.show_contract(contract.id)
    return p


def test_funding_in_the_milestones_tab_shows_on_the_page_and_reads_the_tab_once(page, contract, prompts, monkeypatch):
    m = ops.add_milestone(contract, "Sketches", 30_000)
    page.show_contract(contract.id)
    page.milestones.select_milestone(m.id)
    reads, changes = [], []
    show = page.milestones._show
    monkeypatch.setattr(page.milestones, "_show", lambda c: reads.append(c.id) or show(c))
    page.changed.connect(changes.append)

    page.milestones.fund_button.click()
    dialog = page.milestones.date_dialog  # the day it was funded, with the fees in the same sentence
    assert dialog.sentence.text() == (
        "Deposit $300.00 into escrow for “Sketches”.\n\nRecorded beside it: a marketplace fee of $15.00 and "
        "the contract initiation fee of $0.99."
    )
    assert dialog.ok_button.text() == "&Fund"
    dialog.ok_button.click()

    assert prompts.asked == []  # asked once, not twice
    assert reads == [contract.id]  # the tab read the contract once, not once more for the page
    assert "$300.00" in page.money.text()  # the page's money summary: in escrow
    assert page.ledger.ledger_table.rowCount() == 3  # the ledger tab too: funding, fee, initiation fee
    assert page.milestones.selected_milestone_id() == m.id  # the selection stays
    assert changes == [contract.id]  # and the window is told, once


def test_a_refused_operation_is_explained_and_announces_nothing(page, contract, prompts, unchanged):
    m = ops.add_milestone(contract, "Sketches", 30_000)
    page.show_contract(contract.id)
    page.milestones.select_milestone(m.id)
    changes = []
    page.changed.connect(changes.append)
    with unchanged():
        page.milestones.run("Work submitted", ops.submit_work, m, today=date(2026, 3, 2))  # never funded
    assert len(prompts.warned) == 1 and prompts.warned[0][0] == "Work submitted"
    assert changes == []


def test_the_feedback_clock_is_the_real_current_utc_time_unless_given(qtbot, page):
    """The window's `today` may be fixed (tests, screenshots); the instant for R10 is still the real one."""
    assert abs(page.now() - utc_now()) < timedelta(seconds=5)
    assert page.feedback_tab.now is page.now
    fixed = datetime(2026, 3, 2, 8, 15)
    other = ContractPage(today=lambda: date(2026, 3, 2), now=lambda: fixed)
    qtbot.addWidget(other)
    assert other.now() == fixed and other.feedback_tab.now() == fixed
