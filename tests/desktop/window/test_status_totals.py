"""The status bar, the filter buttons and the contracts count read the book's kept totals (models/book_totals.py):
after every operation, and on any day, they show what the contracts themselves add up to."""

from __future__ import annotations

from datetime import date, timedelta

from desktop.window.main_window import MainWindow
from models import ops
from tests.desktop.conftest import NOW, TODAY


def seen(window) -> tuple[str, str, str]:
    return window.status_money.text(), window.status_attention.text(), window.filter_buttons["attention"].text()


def counted(window, key: str) -> str:
    window.set_filter(key)
    return window.count_label.text()


def test_status_bar_and_filter_counts_follow_each_operation(window, filled):
    assert seen(window) == ("In escrow: $300.00     Paid in 2026: €800.00", "⚠ 1 need attention", "Needs attention (1)")
    assert [counted(window, k) for k in ("all", "active", "ended")] == ["3 contracts", "2 contracts", "1 contract"]

    paid = ops.release_payment(filled["logo"].milestones[0], 10_000, today=TODAY)
    window.contract_changed(filled["logo"].id)
    assert seen(window)[0] == "In escrow: $200.00     Paid in 2026: €800.00 · $100.00"

    ops.record_refund(paid, 4_000, today=TODAY)
    window.contract_changed(filled["logo"].id)
    assert seen(window)[0] == "In escrow: $200.00     Paid in 2026: €800.00 · $100.00     Refunds in 2026: $40.00"

    ops.end_contract(filled["logo"], agreed=True, request_escrow_refund=True, today=TODAY)
    window.contract_changed(filled["logo"].id)
    assert [counted(window, k) for k in ("all", "active", "ended")] == ["3 contracts", "1 contract", "2 contracts"]

    ops.create_contract("Brochure", filled["logo"].freelancer, currency="GBP", started_on=TODAY, today=TODAY)
    window.refresh_all()
    assert [counted(window, k) for k in ("all", "active", "ended")] == ["4 contracts", "2 contracts", "2 contracts"]


def test_what_needs_attention_is_counted_for_the_day_shown(qtbot, book, filled, settings, prompts):
    """The count is the window's day's, not one kept from the day the book last changed: the annual report ended
    on 3 March with its closeout open (overdue from 10 March, until it is done) and no feedback left (its window
    needs attention from three days before it closes on 17 March, and simply lapses after)."""
    counts = {}
    for day in (TODAY - timedelta(days=7), TODAY, TODAY + timedelta(days=5), TODAY + timedelta(days=60)):
        w = MainWindow(book, today=day, now=lambda: NOW, settings=settings)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitUntil(lambda w=w: w.status_attention.text() != "")
        counts[day] = (w.status_attention.text(), w.filter_buttons["attention"].text())
        w.hide()
    assert counts == {
        date(2026, 3, 3): ("Nothing needs attention", "Needs attention"),
        date(2026, 3, 10): ("⚠ 1 need attention", "Needs attention (1)"),  # the closeout
        date(2026, 3, 15): ("⚠ 2 need attention", "Needs attention (2)"),  # and the feedback window
        date(2026, 5, 9): ("⚠ 1 need attention", "Needs attention (1)"),  # the window lapsed, the closeout stays
    }
