"""Who recorded what, in a shared book (issue 22; models/people.py): wherever the contract's page lists records (the
Ledger and Milestones tabs, each escrow refund request and dispute on the Escrow refund tab, each feedback on the
Feedback tab) and in the contract's PDF summary, each record names the person who recorded it by their display
name, never their login. A book file has one user: nothing names anyone, and it looks and exports as before."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from desktop.contract.escrow_tab import EscrowPanel
from desktop.contract.feedback_tab import FeedbackTab
from desktop.contract.ledger import MADE_BY_COLUMN as LEDGER_MADE_BY
from desktop.contract.ledger import LedgerTab
from desktop.contract.milestones import MADE_BY_COLUMN as MILESTONE_MADE_BY
from desktop.contract.milestones import MilestonesTab
from desktop.summary_pdf import Grid, blocks_text, summary_blocks
from models import ops, people
from models.book import open_book
from models.report import contract_summary
from tests.conftest import START

MARYAM = "مريم عبد الرحمن الحسيني"  # a long name, written right to left
DAY = date(2026, 3, 30)
NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)  # (the feedback window closes on 3 April)
STARS = {"skills": 5, "quality": 4, "availability": 4, "schedule": 5, "communication": 3, "cooperation": 5}
_names = itertools.count(1)


@pytest.fixture
def shared(pg_cluster):
    """The address of a new shared book as its bookkeeper, named MARYAM, logs in, and that login."""
    name = f"eb_madeby_{next(_names)}"
    login = f"keeper_{name}"
    with pg_cluster.database(name, "eb_template") as url:
        with open_book(url):
            people.add(login, MARYAM, "bookkeeper")
        yield url.replace("postgresql://postgres@", f"postgresql://{login}@", 1), login


def recorded():
    """A contract with a funded milestone, ended with an escrow refund request the freelancer disputed; the client's
    feedback and the freelancer's."""
    c = ops.create_contract("Logo redesign", ops.create_freelancer("Ana Ruiz"), currency="USD", started_on=START,
                            today=START)  # fmt: skip
    ops.fund_milestone(ops.add_milestone(c, "Final logo", 20_000), today=date(2026, 3, 2))
    ops.add_milestone(c, "Brand sheet", 10_000)
    request = ops.end_contract(c, agreed=True, request_escrow_refund=True, today=date(2026, 3, 20))
    ops.record_escrow_refund_reply(request, "disputed", today=date(2026, 3, 23))
    ops.submit_feedback(c, STARS, comment="Clear and quick.", private_reason="Done", recommend=9, now=NOW)
    ops.record_freelancer_feedback(c, STARS, comment="Great client.", on=date(2026, 3, 24), now=NOW)
    return c


def column(table, col: int) -> tuple[str | None, set[str]]:
    """A column as the user sees it: its heading (None when hidden) and its cells."""
    heading = None if table.isColumnHidden(col) else table.horizontalHeaderItem(col).text()
    return heading, {table.item(r, col).text() for r in range(table.rowCount())}


def tabs(qtbot, c):
    made = [
        MilestonesTab(today=lambda: DAY),
        LedgerTab(today=lambda: DAY),
        EscrowPanel(today=lambda: DAY),
        FeedbackTab(now=lambda: NOW),
    ]
    for tab in made:
        qtbot.addWidget(tab)
        tab.show_contract(c.id)
    return made


def ledger_grid(c) -> Grid:
    blocks = summary_blocks(contract_summary(c))
    return next(b for b in blocks if isinstance(b, Grid) and b.headers and b.headers[:2] == ["Date", "#"])


def test_a_shared_book_names_who_recorded_each_milestone_entry_request_and_dispute(shared, qtbot):
    url, login = shared
    with open_book(url):
        c = recorded()
        milestones, ledger, escrow, feedback = tabs(qtbot, c)
        assert column(milestones.milestone_table, MILESTONE_MADE_BY) == ("Recorded by", {MARYAM})
        assert column(ledger.ledger_table, LEDGER_MADE_BY) == ("Recorded by", {MARYAM})
        assert ledger.ledger_table.item(0, LEDGER_MADE_BY).toolTip() == MARYAM  # (the whole name, when cut)
        text = escrow.view.toPlainText()
        # the request (beside the day it was requested), and the dispute over it (beside the day it was opened)
        name = f"Recorded by\n\u2068{MARYAM}\u2069\n"
        assert f"Requested on\n20 Mar 2026\n{name}" in text and f"Opened on\n23 Mar 2026\n{name}" in text
        assert text.count("Recorded by") == 2
        assert feedback.mine_state.text().endswith(f"UTC), by \u2068{MARYAM}\u2069.")
        assert feedback.theirs_state.text() == f"Left on 24 Mar 2026. Recorded by \u2068{MARYAM}\u2069."
        grid = ledger_grid(c)
        assert grid.headers[-1] == "Recorded by"
        assert {row[-1] for row in grid.rows} == {f"\u2068{MARYAM}\u2069"}
        # (the person's name, never their login)
        pdf = blocks_text(summary_blocks(contract_summary(c)))
        for shown in (text, pdf, feedback.mine_state.text(), feedback.theirs_state.text()):
            assert login not in shown and "bookkeeper" not in shown


def test_a_book_file_names_no_one_and_looks_as_before(tmp_path, qtbot):
    with open_book(tmp_path / "own.book"):
        c = recorded()
        milestones, ledger, escrow, feedback = tabs(qtbot, c)
        assert column(milestones.milestone_table, MILESTONE_MADE_BY) == (None, {""})
        assert column(ledger.ledger_table, LEDGER_MADE_BY) == (None, {""})
        assert "Recorded by" not in escrow.view.toPlainText()
        assert feedback.mine_state.text().endswith(" UTC).")  # (as before: "Sealed: submitted … (… UTC).")
        assert feedback.theirs_state.text() == "Left on 24 Mar 2026."
        grid = ledger_grid(c)
        assert grid.headers == ["Date", "#", "Entry", "Milestone", "Memo", "Amount", "Escrow after"]
        assert grid.widths == (13, 6, 19, 18, 16, 14, 14) and {len(row) for row in grid.rows} == {7}
        assert "Recorded by" not in blocks_text(summary_blocks(contract_summary(c)))
