"""R10 per policy version in the feedback dialogs and tab: a contract started under the marketplace's second
version (from 1 Dec 2026) shows one "Rating" row of stars, a public comment and a private note; a first-version
contract keeps its six categories. The $1.00 minimum hides the freelancer's feedback, and the tab says why.

Screenshots (light and dark) go to /tmp/shots-v2-r10/ (or FEEDBACK_SHOTS).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit

from desktop.app import apply_scheme
from desktop.contract.feedback_tab import FeedbackTab
from desktop.dialogs.feedback import FeedbackDialog, FreelancerFeedbackDialog
from desktop.widgets.star_rating import StarRating
from models import ops, queries
from models.check import check_book
from models.entities import Contract, Feedback
from tests.desktop.feedback import GOOD, rate, submit
from tests.ui import beside

pytestmark = pytest.mark.usefixtures("en_us")

V2_START = date(2026, 12, 1)
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
AFTER_WINDOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
SHOTS = Path(os.environ.get("FEEDBACK_SHOTS", "/tmp/shots-v2-r10"))


def v2_ended(freelancer, released: int = 500) -> Contract:
    c = ops.create_contract("Icon set", freelancer, currency="USD", started_on=V2_START, today=V2_START)
    m = ops.add_milestone(c, "Icons", 500)
    ops.fund_milestone(m, today=V2_START)
    ops.release_payment(m, released, today=V2_START)
    ops.end_contract(c, agreed=True, request_escrow_refund=released < 500, today=V2_START)
    return Contract.get_by_id(c.id)


def shoot(widget, name: str) -> None:
    """Save the widget in light and dark, to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    for dark in (False, True):
        apply_scheme(app, dark=dark)
        widget.repaint()
        QApplication.processEvents()
        assert widget.grab().save(str(SHOTS / f"{name}-{'dark' if dark else 'light'}.png"))
    apply_scheme(app, dark=False)


@pytest.fixture
def opened(qtbot, prompts):
    def make(dialog):
        prompts.answer = True
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    return make


def star_rows(dialog) -> list[str]:
    return sorted(s.objectName() for s in dialog.findChildren(StarRating) if s.isVisible())


def test_r10_v2_feedback_dialog_has_one_rating_and_a_private_note(qtbot, book, freelancer, opened, prompts):
    c = v2_ended(freelancer)
    dialog = opened(FeedbackDialog(c, now=NOW))
    assert star_rows(dialog) == ["stars_rating"]
    assert dialog.findChild(QLabel, "ratingLabel").text() == "Rating:"
    assert dialog.findChild(QPlainTextEdit, "privateNoteEdit").isVisible()
    assert dialog.findChild(QLabel, "privateNoteLabel").text().replace("\n", " ") == "Private note (only you see it):"
    assert dialog.findChild(QLabel, "privateHeading") is None  # the v1 private part is not there
    assert not dialog.overall_label.isVisible()
    assert not dialog.ok_button.isEnabled()
    rate(qtbot, dialog, {"rating": 4})
    dialog.comment_edit.setPlainText("Sharp icons, on time.")
    dialog.private_note_edit.setPlainText("Would hire again for icons only.")
    shoot(dialog, "feedback-dialog-v2")
    submit(qtbot, dialog)
    assert prompts.asked[-1].startswith(f"Submit your feedback on {freelancer.name}? Rating: 4 of 5.")
    fb = queries.client_feedback(c)
    assert (fb.rating, fb.comment, fb.private_note) == (4, "Sharp icons, on time.", "Would hire again for icons only.")
    assert all(getattr(fb, cat) is None for cat in Feedback.CATEGORIES)
    assert check_book() == []

    sealed = opened(FeedbackDialog(c, now=NOW))
    assert sealed.stars["rating"].value() == 4 and sealed.stars["rating"].isReadOnly()
    assert sealed.private_note_edit.isReadOnly()
    assert sealed.private_note_edit.toPlainText() == "Would hire again for icons only."
    shoot(sealed, "feedback-dialog-v2-sealed")


def test_r10_v2_dialog_says_a_rating_is_needed(qtbot, book, freelancer, opened):
    dialog = opened(FeedbackDialog(v2_ended(freelancer), now=NOW))
    dialog.comment_edit.setPlainText("No stars yet")
    dialog.accept()
    assert beside(dialog, "ratingError") == "Give 1 to 5 stars for the rating."
    assert queries.client_feedback(dialog.contract) is None


def test_r10_v1_feedback_dialog_keeps_its_six_categories(qtbot, contract, opened):
    ops.end_contract(contract, agreed=True, today=date(2026, 3, 10))
    c = Contract.get_by_id(contract.id)
    dialog = opened(FeedbackDialog(c, now=datetime(2026, 3, 11, tzinfo=UTC)))
    assert star_rows(dialog) == sorted(f"stars_{cat}" for cat in Feedback.CATEGORIES)
    assert dialog.findChild(QLabel, "privateHeading").isVisible()
    assert dialog.findChild(QPlainTextEdit, "privateNoteEdit") is None
    rate(qtbot, dialog, GOOD)
    assert dialog.overall_label.text() == "Overall: 4.3 of 5"


def test_r10_v2_freelancer_feedback_dialog_records_and_corrects_one_rating(qtbot, book, freelancer, opened):
    c = v2_ended(freelancer)
    dialog = opened(FreelancerFeedbackDialog(c, now=NOW, today=NOW.date()))
    assert star_rows(dialog) == ["stars_rating"]
    assert dialog.note.text().startswith(f"Copy the rating and comment {freelancer.name} left about you")
    rate(qtbot, dialog, {"rating": 2})
    shoot(dialog, "freelancer-feedback-dialog-v2")
    submit(qtbot, dialog)
    assert queries.freelancer_feedback(c).rating == 2
    fixing = opened(FreelancerFeedbackDialog(c, now=NOW, today=NOW.date(), correcting=queries.freelancer_feedback(c)))
    assert fixing.stars["rating"].value() == 2
    rate(qtbot, fixing, {"rating": 3})
    fixing.reason_edit.setText("typed the wrong stars")
    submit(qtbot, fixing)
    assert queries.freelancer_feedback(c).rating == 3


def test_r10_v2_tab_shows_the_single_rating_and_the_private_note(qtbot, book, freelancer):
    c = v2_ended(freelancer)
    ops.submit_feedback(c, {"rating": 5}, comment="Sharp icons", private_note="Slow in week two", now=NOW)
    ops.record_freelancer_feedback(c, {"rating": 4}, comment="Clear brief", now=NOW)
    tab = FeedbackTab(now=lambda: AFTER_WINDOW)
    qtbot.addWidget(tab)
    tab.resize(900, 420)
    tab.show_contract(c)
    tab.show()
    qtbot.waitExposed(tab)
    mine = [s.objectName() for s in tab.mine_view.findChildren(StarRating) if s.isVisible()]
    theirs = [s.objectName() for s in tab.theirs_view.findChildren(StarRating) if s.isVisible()]
    assert (mine, theirs) == (["yours_rating"], ["theirs_rating"])
    assert tab.mine_view.stars["rating"].text() == "★★★★★ 5 of 5"
    assert tab.theirs_view.stars["rating"].text() == "★★★★☆ 4 of 5"
    assert not tab.mine_view.overall.isVisible()
    assert tab.mine_view.private.text() == "Private note (only you see it): Slow in week two"
    assert tab.theirs_view.private.isHidden()
    shoot(tab, "feedback-tab-v2")


def test_r10_v2_tab_hides_the_freelancers_feedback_under_the_minimum_and_says_why(qtbot, book, freelancer):
    """$0.99 paid: hidden with the reason; $1.00: shown."""
    below = v2_ended(freelancer, released=99)
    at = v2_ended(freelancer, released=100)
    for c in (below, at):
        ops.record_freelancer_feedback(c, {"rating": 3}, comment="Fine", now=NOW)
    tab = FeedbackTab(now=lambda: AFTER_WINDOW)
    qtbot.addWidget(tab)
    tab.resize(900, 420)
    tab.show_contract(below)
    tab.show()
    qtbot.waitExposed(tab)
    assert tab.theirs_state.text() == (
        "Feedback is shown only for contracts that paid the freelancer at least $1.00; this one paid $0.99."
    )
    assert not tab.freelancer_feedback_shown()
    shoot(tab, "feedback-tab-v2-below-minimum")
    tab.show_contract(at)
    assert tab.freelancer_feedback_shown()
    assert tab.theirs_view.stars["rating"].value() == 3


def test_r10_v2_summary_pdf_shows_the_rating_and_keeps_the_private_note_out_unless_asked(book, freelancer):
    from desktop.summary_pdf import Para, blocks_text, summary_blocks
    from models.report import contract_summary

    c = v2_ended(freelancer)
    ops.submit_feedback(c, {"rating": 5}, comment="Sharp icons", private_note="NOTE-FOR-ME", now=NOW)
    text = blocks_text(summary_blocks(contract_summary(c, now=AFTER_WINDOW)))
    assert "Public rating" in text and "5 of 5" in text and "Sharp icons" in text
    assert "Overall score" not in text and "NOTE-FOR-ME" not in text
    asked = summary_blocks(contract_summary(c, include_private=True, now=AFTER_WINDOW))
    note = "Private note on the freelancer: \u2068NOTE-FOR-ME\u2069"  # (isolated, as all typed text)
    assert Para(note, bold=len("Private note on the freelancer:")) in asked  # its lead-in in bold
