"""The "needs attention" panel (every kind of clock, soonest first) and the overdue automatic events dialog."""

from __future__ import annotations

import os
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from desktop.dialogs.overdue_events import OverdueEventsDialog, overdue_events_dialog
from desktop.widgets import appearance
from desktop.window.attention import EMPTY, ITEM_ROLE, AttentionPanel
from models import ops, queries
from models.check import check_book
from models.entities import EscrowRefundRequest, Milestone
from models.errors import RuleError
from tests.conftest import START

TODAY = date(2026, 9, 1)  # a Tuesday
SHOTS = "/tmp/attention"


@pytest.fixture
def busy_book(contract, freelancer):
    """Three contracts whose clocks all need attention on 1 September 2026.

    - “Logo redesign” (active): a payment on 10 March (refund window closes 6 Sep) and work submitted
      on 20 August (review ends 3 Sep).
    - “Website” (ended 20 Aug with escrow left): reply was due 27 Aug, feedback closes 3 Sep, closeout open.
    - “Brochure” (ended 24 Aug, the freelancer disputed on 26 Aug): answer due Wed 2 Sep, closeout open.
    """
    logo = ops.add_milestone(contract, "Concepts", 10_000)
    ops.fund_milestone(logo, today=date(2026, 3, 2))
    ops.release_payment(logo, today=date(2026, 3, 10))
    icons = ops.add_milestone(contract, "Icons", 5_000)
    ops.fund_milestone(icons, today=date(2026, 8, 20))
    ops.submit_work(icons, today=date(2026, 8, 20))

    website = ops.create_contract("Website", freelancer, started_on=START, today=START)
    pages = ops.add_milestone(website, "Pages", 20_000)
    ops.fund_milestone(pages, today=date(2026, 3, 2))
    request = ops.end_contract(website, agreed=True, request_escrow_refund=True, today=date(2026, 8, 20))

    brochure = ops.create_contract("Brochure", freelancer, started_on=START, today=START)
    layout = ops.add_milestone(brochure, "Layout", 8_000)
    ops.fund_milestone(layout, today=date(2026, 3, 2))
    brochure_request = ops.end_contract(brochure, agreed=True, request_escrow_refund=True, today=date(2026, 8, 24))
    dispute = ops.record_escrow_refund_reply(brochure_request, "disputed", today=date(2026, 8, 26))
    return {
        "logo": contract,
        "icons": icons,
        "website": website,
        "request": request,
        "brochure": brochure,
        "dispute": dispute,
    }


@pytest.fixture
def panel(qtbot):
    def make():
        p = AttentionPanel(today=lambda: TODAY)
        qtbot.addWidget(p)
        p.resize(720, 300)
        p.show()
        p.opened = []
        p.open_requested.connect(lambda *args: p.opened.append(args))
        return p

    return make


def shot(widget, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(f"{SHOTS}/{name}.png")


# ------------------------------------------------------------------ the panel


def test_the_panel_lists_every_kind_of_clock_soonest_first_in_words(panel, busy_book):
    p = panel()
    b = busy_book
    assert [(i.kind, i.contract_id) for i in p.items] == [
        ("closeout", b["website"].id),
        ("escrow_reply", b["website"].id),
        ("closeout", b["brochure"].id),
        ("dispute_answer", b["brochure"].id),
        ("feedback", b["website"].id),
        ("review", b["logo"].id),
        ("refund_window", b["logo"].id),
    ]
    revoke = "Change or revoke every password and access given to the freelancer"
    # Grouped by kind (in the order of each kind's soonest line), each group with its count; each line names
    # what it is about: the milestone, the payment, the request, the closeout items still open.
    assert p.groups() == [
        "Closeouts due — 2, 2 overdue",
        "Escrow refund replies due — 1, 1 overdue",
        "Dispute answers due — 1",
        "Feedback windows closing — 1",
        "Review periods ending — 1",
        "Refund windows closing — 1",
    ]
    assert p.lines() == [
        f"Closeout of “Website” was due 5 days ago — 27 Aug 2026: 4 items open: {revoke} and 3 more",
        f"Closeout of “Brochure” was due yesterday — 31 Aug 2026: 4 items open: {revoke} and 3 more",
        "Escrow refund reply of $200.00 (asked 20 Aug 2026) for “Website” was due 5 days ago — 27 Aug 2026",
        "Your answer to the dispute on “Brochure” is due tomorrow — 2 Sep 2026",
        "Feedback for “Website” closes in 2 days — 3 Sep 2026, 23:59 UTC",
        "Review period of “Icons” on “Logo redesign” ends in 2 days (automatic release) — 3 Sep 2026",
        "Refund window for the payment of $100.00 for “Concepts” on 10 Mar 2026 on “Logo redesign” closes in 5 days"
        " — 6 Sep 2026",
    ]
    assert p.header.text() == "7 things need attention, 3 overdue"
    # Overdue is said in words and with the overdue icon, not by colour alone.
    overdue = p.line_items()[2]
    assert overdue.data(0, Qt.ItemDataRole.AccessibleTextRole).startswith("Overdue: Escrow refund reply of $200.00")
    assert overdue.toolTip(0).startswith("Overdue: ")
    assert not overdue.icon(0).isNull()
    assert overdue.icon(0).cacheKey() != p.line_items()[3].icon(0).cacheKey()
    # The closeout's tooltip names every item still open.
    assert f"• {revoke}" in p.line_items()[0].toolTip(0) and "• Leave feedback" in p.line_items()[0].toolTip(0)
    shot(p, "panel")


def test_overdue_due_today_and_coming_up_each_have_their_own_icon_colour_and_words(panel, busy_book, qtbot):
    import desktop.window.attention as attention
    from desktop import formatting
    from desktop.widgets import appearance

    p = AttentionPanel(today=lambda: date(2026, 9, 3))
    qtbot.addWidget(p)
    p.resize(760, 340)
    p.show()
    by_state = {}
    for line in p.line_items():
        by_state.setdefault(line.data(0, attention.STATE_ROLE), line)
    overdue, today, soon = (by_state[s] for s in (formatting.OVERDUE, formatting.DUE_TODAY, formatting.SOON))
    assert overdue.text(0).startswith("Closeout of “Website” was due 7 days ago — 27 Aug 2026")
    assert today.text(0) == "Feedback for “Website” closes today — 3 Sep 2026, 23:59 UTC"
    assert soon.text(0).startswith("Refund window for the payment of $100.00")
    spoken = [line.data(0, Qt.ItemDataRole.AccessibleTextRole) for line in (overdue, today, soon)]
    assert [s.split(":")[0] for s in spoken] == ["Overdue", "Due today", "Coming up"]
    # Three shapes (not one icon in three colours): different SVG files, each drawn in its state's colour.
    names = [formatting.STATES[s][0] for s in (formatting.OVERDUE, formatting.DUE_TODAY, formatting.SOON)]
    assert len(set(names)) == 3
    from models.resources import resource

    shapes = {resource("icons", n + ".svg").read_text().replace("#000000", "") for n in names}
    assert len(shapes) == 3
    images = [line.icon(0).pixmap(20, 20).toImage() for line in (overdue, today, soon)]
    assert images[0] != images[1] and images[1] != images[2] and images[0] != images[2]
    colours = [line.foreground(0).color().name() for line in (overdue, today, soon)]
    assert colours == [appearance.colour(c) for c in ("overdue", "due_today", "upcoming")]
    assert len(set(colours)) == 3
    for mode in ("light", "dark"):
        appearance.apply(QApplication.instance(), mode)
        p.refresh()
        p.list.expandAll()
        shot(p, f"states-{mode}")
    appearance.apply(QApplication.instance(), "light")


def test_a_contract_with_several_lines_of_a_kind_is_a_group_and_groups_collapse(panel, contract, qtbot):
    for title, day in (("Sketches", 20), ("Colours", 21)):
        m = ops.add_milestone(contract, title, 10_000)
        ops.fund_milestone(m, today=date(2026, 8, day))
        ops.submit_work(m, today=date(2026, 8, day))
    p = panel()
    assert p.groups() == ["Review periods ending — 2", "“Logo redesign” — 2"]
    assert p.lines() == [
        "Review period of “Sketches” on “Logo redesign” ends in 2 days (automatic release) — 3 Sep 2026",
        "Review period of “Colours” on “Logo redesign” ends in 3 days (automatic release) — 4 Sep 2026",
    ]
    assert len(set(p.lines())) == len(p.lines())  # no two lines of one contract read the same
    group = p.list.topLevelItem(0)
    assert group.isExpanded() and group.data(0, Qt.ItemDataRole.AccessibleTextRole) == "Review periods ending: 2"
    # Keyboard: the first line is current; Up walks to the group headers and Left collapses a group.
    p.list.setFocus()
    assert p.list.currentItem() is p.line_items()[0]
    group.setSelected(False)
    p.list.setCurrentItem(group)
    qtbot.keyClick(p.list, Qt.Key.Key_Left)
    assert not group.isExpanded()
    qtbot.keyClick(p.list, Qt.Key.Key_Right)
    assert group.isExpanded()


def test_activating_a_line_asks_to_open_what_it_is_about(panel, busy_book, qtbot):
    p = panel()
    b = busy_book
    lines = p.line_items()
    p.list.itemActivated.emit(lines[3], 0)
    assert p.opened == [("dispute_answer", b["brochure"].id, b["dispute"].id)]

    p.list.setFocus()
    p.list.setCurrentItem(lines[2])
    qtbot.keyClick(p.list, Qt.Key.Key_Return)
    assert p.opened[-1] == ("escrow_reply", b["website"].id, b["request"].id)

    p.list.scrollToItem(lines[5])
    rect = p.list.visualItemRect(lines[5])
    qtbot.mouseClick(p.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(p.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert p.opened[-1] == ("review", b["logo"].id, b["icons"].id)

    p.list.itemActivated.emit(lines[0], 0)
    assert p.opened[-1] == ("closeout", b["website"].id, None)
    assert lines[0].data(0, ITEM_ROLE) == ("closeout", b["website"].id, None)
    p.list.itemActivated.emit(p.list.topLevelItem(0), 0)  # a group header opens nothing
    assert len(p.opened) == 4


def test_the_panel_says_when_nothing_needs_attention_and_refreshes(panel, contract):
    p = panel()
    assert p.lines() == [EMPTY]
    assert p.header.text() == "Needs attention"
    p.list.itemActivated.emit(p.list.topLevelItem(0), 0)
    assert p.opened == []

    m = ops.add_milestone(contract, "Draft", 10_000)
    ops.fund_milestone(m, today=date(2026, 8, 20))
    ops.submit_work(m, today=date(2026, 8, 20))
    p.refresh()
    assert p.lines() == ["Review period of “Draft” on “Logo redesign” ends in 2 days (automatic release) — 3 Sep 2026"]
    assert p.header.text() == "1 thing needs attention"


def test_the_panel_shows_at_most_its_limit_then_how_many_more(panel, contract, monkeypatch):
    import desktop.window.attention as attention

    for title in ("One", "Two", "Three"):
        m = ops.add_milestone(contract, title, 10_000)
        ops.fund_milestone(m, today=date(2026, 8, 20))
        ops.submit_work(m, today=date(2026, 8, 20))
    monkeypatch.setattr(attention, "LIMIT", 2)
    p = panel()
    assert len(p.items) == 2
    assert p.lines()[-1] == "…and 1 more"
    assert p.groups()[0] == "Review periods ending — 3"  # the count of every line of the kind, not only shown
    assert p.header.text() == "3 things need attention"
    note = p.list.topLevelItem(0).child(p.list.topLevelItem(0).childCount() - 1)
    assert note.text(0) == "…and 1 more"
    p.list.itemActivated.emit(note, 0)
    assert p.opened == []


# ------------------------------------------------------------------ the overdue events dialog


@pytest.fixture
def overdue(contract, freelancer):
    """As in the models' test: a review period that ended 16 March, a reply that was due 12 March."""
    m = ops.add_milestone(contract, "Draft", 10_000)
    ops.fund_milestone(m, today=START)
    ops.submit_work(m, today=date(2026, 3, 2))
    other = ops.create_contract("Website", freelancer, started_on=START, today=START)
    w = ops.add_milestone(other, "Pages", 20_000)
    ops.fund_milestone(w, today=START)
    request = ops.end_contract(other, agreed=True, request_escrow_refund=True, today=date(2026, 3, 5))
    return m, request


LATER = date(2026, 3, 20)


def test_no_dialog_when_there_is_nothing_to_record(book, contract):
    assert overdue_events_dialog(None, LATER) is None


def test_the_dialog_lists_the_events_and_records_them_all_at_once(overdue, qtbot):
    m, request = overdue
    dialog = overdue_events_dialog(None, LATER)
    assert isinstance(dialog, OverdueEventsDialog)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.objectName() == "overdueEventsDialog"
    texts = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert texts == [e.text for e in queries.overdue_automatic_events(LATER)]
    assert "did not answer the escrow refund request" in texts[0]
    assert "released automatically on 16 Mar 2026" in texts[1]
    assert "happened automatically at the marketplace" in dialog.heading.text()
    assert "while this book was closed" in dialog.intro.text().lower()
    shot(dialog, "overdue_dialog")

    dialog.findChild(type(dialog.record_button), "recordButton").click()
    assert dialog.recorded == 2
    assert dialog.result() == OverdueEventsDialog.DialogCode.Accepted
    assert Milestone.get_by_id(m.id).state == Milestone.PAID
    assert EscrowRefundRequest.get_by_id(request.id).status == "no_reply"
    assert queries.overdue_automatic_events(LATER) == []
    assert check_book() == []
    assert overdue_events_dialog(None, LATER) is None


def test_not_now_changes_nothing(overdue, qtbot, unchanged):
    with unchanged():
        dialog = OverdueEventsDialog(today=LATER)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.findChild(type(dialog.later_button), "laterButton").click()
        assert dialog.recorded == 0
        assert dialog.result() == OverdueEventsDialog.DialogCode.Rejected
    assert len(queries.overdue_automatic_events(LATER)) == 2


def test_a_refusal_is_shown_at_the_top_and_changes_nothing(overdue, qtbot, unchanged, monkeypatch):
    calls = []

    def refuse(*, today):
        calls.append(today)
        raise RuleError("The book changed meanwhile.", rule="R6")

    monkeypatch.setattr(ops, "record_automatic_events", refuse)
    dialog = OverdueEventsDialog(today=LATER)
    qtbot.addWidget(dialog)
    dialog.show()
    with unchanged():
        dialog.record_button.click()
    assert calls == [LATER]
    assert dialog.isVisible() and dialog.recorded == 0
    assert dialog.error.isVisible()
    assert dialog.error.message() == "Nothing was recorded: The book changed meanwhile."
    assert dialog.layout().itemAt(0).widget() is dialog.error
    shot(dialog, "overdue_dialog_refused")


def test_a_mediation_ending_soon_is_listed_too(panel, contract, freelancer):
    """The seventh kind of clock: a dispute, answered, whose mediation ends within five days (R8)."""
    flyer = ops.create_contract("Flyer", freelancer, started_on=START, today=START)
    m = ops.add_milestone(flyer, "Art", 9_000)
    ops.fund_milestone(m, today=date(2026, 3, 2))
    request = ops.end_contract(flyer, agreed=True, request_escrow_refund=True, today=date(2026, 8, 1))
    dispute = ops.record_escrow_refund_reply(request, "disputed", today=date(2026, 8, 5))
    ops.record_dispute_answer(dispute, today=date(2026, 8, 6))
    p = panel()
    kinds = [(i.kind, i.contract_id, i.due) for i in p.items]
    assert ("mediation", flyer.id, date(2026, 9, 4)) in kinds
    line = next(text for text in p.lines() if "Flyer" in text and "ediation" in text)
    assert "4 Sep 2026" in line
    p.list.setCurrentItem(next(x for x in p.line_items() if x.data(0, ITEM_ROLE)[0] == "mediation"))
    p.list.itemActivated.emit(p.list.currentItem(), 0)
    assert p.opened[-1][:2] == ("mediation", flyer.id)


def test_r7_not_now_keeps_the_automatic_events_in_needs_attention_until_recorded(overdue, qtbot, contract):
    """ "Not now" leaves the book consistent: the two events stay in the panel, overdue; ending the contract
    later records the automatic release first, so the escrow it paid is never asked back."""
    m, request = overdue
    dialog = OverdueEventsDialog(today=LATER)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.findChild(type(dialog.later_button), "laterButton").click()
    p = AttentionPanel(today=lambda: LATER)
    qtbot.addWidget(p)
    p.show()
    kinds = sorted((i.kind, i.due) for i in p.items if i.kind != "closeout")
    assert kinds == [("escrow_reply", date(2026, 3, 12)), ("review", date(2026, 3, 16))]
    assert ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=LATER) is None
    assert queries.balances(contract).released == 10_000
    assert check_book() == []


def test_r8_v2_mediation_steps_are_attention_lines_at_their_edges(panel, freelancer):
    from models import mediation

    v2 = ops.create_contract("Brand book", freelancer, started_on=date(2026, 12, 1), today=date(2026, 12, 1))
    ops.fund_milestone(ops.add_milestone(v2, "Guidelines", 50_000), today=date(2026, 12, 1))
    request = ops.end_contract(v2, agreed=True, request_escrow_refund=True, today=date(2027, 1, 4))
    d = ops.record_escrow_refund_reply(request, "disputed", today=date(2027, 1, 6))
    ops.record_dispute_answer(d, today=date(2027, 1, 8))
    mediation.record_evidence_sent(d, today=date(2027, 1, 12))

    def dispute_lines(day):
        p = panel()
        p._today = lambda: day
        p.refresh()
        return [line for line in p.lines() if "proposal" in line]

    assert dispute_lines(date(2027, 1, 12)) == [
        "The mediator's proposal on the dispute on “Brand book” is due in 2 days — 14 Jan 2027"
    ]
    assert dispute_lines(date(2027, 1, 15)) == [
        "The mediator's proposal on the dispute on “Brand book” was due yesterday — 14 Jan 2027"
    ]
    mediation.record_mediation_proposal(d, to_freelancer=30_000, to_client=20_000, today=date(2027, 1, 15))
    assert dispute_lines(date(2027, 1, 17)) == [
        "Accepting the mediator's proposal on “Brand book” is due today — 17 Jan 2027"
    ]
    assert dispute_lines(date(2027, 1, 18)) == [
        "The proposal on the dispute on “Brand book” was to be accepted by 17 Jan 2027: record the arbitration"
    ]
    p = panel()
    p._today = lambda: date(2027, 1, 18)
    p.refresh()
    shot(p, "mediation-steps")
    os.makedirs("/tmp/shots-v2-r15", exist_ok=True)
    assert p.grab().save("/tmp/shots-v2-r15/attention-mediation.png")
    mediation.record_arbitration(d, today=date(2027, 1, 18))
    assert dispute_lines(date(2027, 1, 18)) == []


# ------------------------------------------------------------------ the contracts table's Next deadline


def test_the_table_shows_a_next_deadline_for_every_contract_the_needs_attention_filter_includes(demo_window, qtbot):
    from desktop import formatting
    from desktop.window.contracts_model import DECORATION, FOREGROUND, ID_ROLE, NEXT, deadline_state

    w = demo_window
    model = w.model

    def shown():
        """(contract id, Next deadline text, its state) of every row, all fetched."""
        while model.canFetchMore():
            model.fetchMore()
        out = []
        for row in range(model.rowCount()):
            index = model.index(row, NEXT)
            state = deadline_state(model.rows[row], model.today)
            assert (model.data(index, DECORATION) is None) == (state is None)
            assert (model.data(index, FOREGROUND) is None) == (state is None)
            if state is not None:  # the words in the state's own colour
                assert model.data(index, FOREGROUND) == QColor(appearance.colour(formatting.STATES[state][1]))
            out.append((model.data(index, ID_ROLE), model.data(index), state))
        return out

    w.set_filter("attention")
    needing = shown()
    assert needing and all(text and state for _id, text, state in needing)
    w.set_filter("all")
    everything = shown()
    assert {i for i, _text, state in everything if state} == {i for i, *_ in needing}
    # The words say it too: "overdue since …", "today", or the day.
    for _id, text, state in everything:
        if state == formatting.OVERDUE:
            assert text.startswith("overdue since ")
        if state == formatting.DUE_TODAY:
            assert text.startswith("today · ")
    w.attention_dock.show()
    QApplication.processEvents()
    shot(w, "window-attention")


def test_in_a_narrow_panel_each_line_wraps_to_its_whole_sentence(busy_book, qtbot):
    p = AttentionPanel(today=lambda: date(2026, 9, 3))
    qtbot.addWidget(p)
    p.resize(420, 560)
    p.show()
    QApplication.processEvents()
    metrics = p.list.fontMetrics()
    for line in p.line_items():
        rect = p.list.visualItemRect(line)
        lines_needed = -(-metrics.horizontalAdvance(line.text(0)) // (rect.width() - 40))
        assert rect.height() >= metrics.lineSpacing() * min(lines_needed, 3), line.text(0)
    p.resize(900, 560)
    QApplication.processEvents()
    p.list.executeDelayedItemsLayout()
    short = p.line_items()[3]  # "Your answer to the dispute on “Brochure” was due yesterday — 2 Sep 2026"
    assert p.list.visualItemRect(short).height() < 2 * metrics.lineSpacing()
    shot(p, "narrow")
