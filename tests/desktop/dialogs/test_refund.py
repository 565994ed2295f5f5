"""The refund dialog (R9): choose a payment, full or part, within the refund window (R14 on refusals)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QDateEdit, QLabel, QLineEdit, QTableWidget

from desktop.dialogs.refund import RefundDialog
from models import ops, queries
from models.check import check_book
from models.entities import Contract, LedgerEntry
from models.errors import RuleError
from tests.conftest import START
from tests.ui import type_date

SHOTS = Path("/tmp/refund")
DAY_180 = date(2026, 8, 28)  # 1 March 2026 + 180 days
DAY_181 = date(2026, 8, 29)


def pay(contract, title: str, amount: int, on: date) -> LedgerEntry:
    """A milestone funded and released in full on `on`: one payment."""
    m = ops.add_milestone(contract, title, amount)
    ops.fund_milestone(m, today=on)
    return ops.release_payment(m, today=on)


@pytest.fixture
def paid(contract) -> LedgerEntry:
    """$100.00 paid to the freelancer on 1 March 2026."""
    return pay(contract, "Logo concepts", 10_000, START)


def open_dialog(qtbot, contract, today: date) -> RefundDialog:
    d = RefundDialog(Contract.get_by_id(contract.id), today=today)
    qtbot.addWidget(d)
    d.show()
    QApplication.processEvents()
    return d


def row_of(d: RefundDialog, entry: LedgerEntry) -> int:
    return next(i for i, p in enumerate(d._payments) if p.entry.id == entry.id)


def enabled(d: RefundDialog, row: int) -> bool:
    item = d.payment_list.item(row, 0)
    return bool(item.flags() & Qt.ItemFlag.ItemIsEnabled) and bool(item.flags() & Qt.ItemFlag.ItemIsSelectable)


def cell(d: RefundDialog, row: int, col: int) -> str:
    return d.payment_list.item(row, col).text()


def choose(d: RefundDialog, row: int) -> None:
    d.payment_list.selectRow(row)
    QApplication.processEvents()


def part(d: RefundDialog, text: str) -> None:
    d.part_radio.setChecked(True)
    d.amount_edit.setText(text)
    QApplication.processEvents()


def click_ok(d: RefundDialog) -> None:
    assert d.ok_button.isEnabled(), d.general_error.message() or [d.error_text(k) for k in d._errors]
    d.ok_button.click()
    QApplication.processEvents()


def shoot(d: RefundDialog, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    d.adjustSize()
    QApplication.processEvents()
    assert d.grab().save(str(SHOTS / name))


# ------------------------------------------------------------------ the window


def test_r9_a_refund_on_day_180_is_accepted(qtbot, paid):
    d = open_dialog(qtbot, paid.contract, DAY_180)
    assert d.objectName() == "refundDialog" and d.windowTitle() == "Record a refund"
    assert enabled(d, 0)
    assert cell(d, 0, 4) == "Last day (until 28 Aug 2026)"
    assert d.selected_payment().entry.id == paid.id  # the only refundable payment is preselected
    assert d.full_radio.isChecked() and d.amount_edit.value() == 10_000 and not d.amount_edit.isEnabled()
    d.memo_edit.setText("Logo not used")
    click_ok(d)
    assert d.result() == d.DialogCode.Accepted
    assert d.refund is not None and d.refund.kind == LedgerEntry.REFUND
    assert (d.refund.amount, d.refund.date, d.refund.payment_id, d.refund.memo) == (
        10_000,
        DAY_180,
        paid.id,
        "Logo not used",
    )
    assert queries.payments(paid.contract)[0].refunded == 10_000
    assert check_book() == []


def test_r9_on_day_181_the_payment_is_disabled_and_the_operation_refuses(qtbot, paid, unchanged):
    d = open_dialog(qtbot, paid.contract, DAY_181)
    assert not enabled(d, 0)
    assert cell(d, 0, 4) == "Window closed on 28 Aug 2026"
    d.payment_list.selectRow(0)
    assert d.selected_payment() is None  # cannot be selected
    assert d.window_note.isVisible()
    assert "180 days" in d.window_note.text() and "support may still help" in d.window_note.text()
    assert not d.ok_button.isEnabled()
    with unchanged(), pytest.raises(RuleError) as refused:
        ops.record_refund(paid, 10_000, today=DAY_181)
    assert refused.value.rule == "R9" and "support may still help" in refused.value.message
    assert check_book() == []


def test_r9_the_date_received_decides_the_window(qtbot, paid):
    d = open_dialog(qtbot, paid.contract, DAY_181)
    assert d.received_on() == DAY_181
    assert d.received_on_edit.maximumDate() == QDate(2026, 8, 29)  # never after today
    d.received_on_edit.setDate(QDate(2026, 9, 5))
    assert d.received_on() == DAY_181  # clamped
    d.received_on_edit.setDate(QDate(2026, 8, 16))
    QApplication.processEvents()
    assert enabled(d, 0) and cell(d, 0, 4) == "12 days left (until 28 Aug 2026)"
    assert not d.window_note.isVisible()
    click_ok(d)
    assert d.refund.date == date(2026, 8, 16)
    assert check_book() == []


def test_r16_the_day_received_is_the_on_field_and_can_be_typed(qtbot, paid):
    d = open_dialog(qtbot, paid.contract, date(2026, 4, 10))
    assert d.findChild(QLabel, "dateLabel").text() == "&On:"
    assert d.received_on_edit.displayFormat() == "d MMM yyyy" and d.received_on_edit.calendarPopup()
    type_date(qtbot, d.received_on_edit, date(2026, 3, 28))
    assert cell(d, 0, 4) == "153 days left (until 28 Aug 2026)"
    click_ok(d)
    assert d.refund.date == date(2026, 3, 28)


def test_r16_a_day_before_the_payment_leaves_nothing_to_refund(qtbot, contract, unchanged):
    pay(contract, "Logo concepts", 10_000, date(2026, 4, 1))
    d = open_dialog(qtbot, contract, date(2026, 4, 10))
    assert enabled(d, 0)
    with unchanged():
        type_date(qtbot, d.received_on_edit, date(2026, 3, 31))
        assert not enabled(d, 0) and cell(d, 0, 4) == "Paid after 31 Mar 2026"
        assert not d.ok_button.isEnabled()
        d.accept()  # even forced, OK records nothing
        assert d.error_text("payment") == "No payment can be refunded on this date."
    assert d.isVisible() and d.refund is None


def test_r9_in_window_and_out_of_window_payments_side_by_side(qtbot, contract):
    old = pay(contract, "Logo concepts", 10_000, START)
    new = pay(contract, "Brand guide", 25_000, date(2026, 6, 1))
    d = open_dialog(qtbot, contract, DAY_181)
    old_row, new_row = row_of(d, old), row_of(d, new)
    assert not enabled(d, old_row) and enabled(d, new_row)
    ends = date(2026, 6, 1) + timedelta(days=180)
    assert cell(d, new_row, 4) == f"{(ends - DAY_181).days} days left (until 28 Nov 2026)"
    assert [cell(d, new_row, c) for c in range(4)] == ["1 Jun 2026", "Brand guide", "$250.00", "—"]
    assert d.selected_payment().entry.id == new.id
    assert d.window_note.isVisible()
    shoot(d, "in-and-out-of-window.png")


# ------------------------------------------------------------------ part refunds


def test_r9_a_part_refund_then_a_second_up_to_the_payment_and_not_a_cent_more(qtbot, paid, unchanged):
    d = open_dialog(qtbot, paid.contract, date(2026, 4, 1))
    part(d, "40.00")
    assert d.amount_edit.isEnabled()
    click_ok(d)
    assert d.refund.amount == 4_000

    d = open_dialog(qtbot, paid.contract, date(2026, 4, 2))
    assert cell(d, 0, 3) == "$40.00"
    assert d.left_label.text() == "of $60.00 left"
    with unchanged():
        part(d, "60.01")
        assert d.error_text("amount") == "At most $60.00 of that $100.00 payment is left to refund."
        assert not d.ok_button.isEnabled()
        shoot(d, "refused-amount.png")
        d.accept()  # even forced, nothing is written
        assert d.refund is None and d.isVisible()
    d.amount_edit.setText("60.00")
    QApplication.processEvents()
    assert d.error_text("amount") is None
    click_ok(d)
    assert d.refund.amount == 6_000
    assert queries.payments(paid.contract)[0].refundable == 0
    assert check_book() == []

    d = open_dialog(qtbot, paid.contract, date(2026, 4, 3))
    assert not enabled(d, 0) and cell(d, 0, 4) == "Refunded in full"
    assert not d.ok_button.isEnabled()
    with unchanged(), pytest.raises(RuleError, match="refunded in full"):
        ops.record_refund(paid, 1, today=date(2026, 4, 3))


def test_r9_full_means_what_is_left(qtbot, paid):
    ops.record_refund(paid, 2_500, today=date(2026, 4, 1))
    d = open_dialog(qtbot, paid.contract, date(2026, 4, 2))
    assert d.full_radio.isChecked() and d.amount_edit.value() == 7_500
    part(d, "10.00")
    d.full_radio.setChecked(True)
    QApplication.processEvents()
    assert d.amount_edit.value() == 7_500
    click_ok(d)
    assert d.refund.amount == 7_500
    assert check_book() == []


def test_r9_a_refusal_is_shown_at_the_top_and_the_dialog_stays_open(qtbot, paid, unchanged):
    d = open_dialog(qtbot, paid.contract, date(2026, 4, 1))
    part(d, "50.00")
    with d.contract_watch.own():  # recorded where the dialog cannot hear it (another program on the same book)
        ops.record_refund(paid, 10_000, today=date(2026, 4, 1))
    with unchanged():
        d.ok_button.click()
        QApplication.processEvents()
    assert d.isVisible() and d.refund is None
    assert d.general_error.isVisible()
    assert d.general_error.message() == "That payment has already been refunded in full."
    assert not d.ok_button.isEnabled()
    assert cell(d, 0, 4) == "Refunded in full"  # the table shows the book as it is now
    assert check_book() == []


# ------------------------------------------------------------------ contracts


def test_r9_refunds_on_an_ended_contract(qtbot, paid):
    ops.end_contract(paid.contract, agreed=True, today=date(2026, 5, 1))
    assert Contract.get_by_id(paid.contract_id).status == Contract.ENDED
    d = open_dialog(qtbot, paid.contract, date(2026, 6, 1))
    part(d, "30.00")
    click_ok(d)
    assert d.refund.amount == 3_000
    d = open_dialog(qtbot, paid.contract, date(2026, 6, 2))
    click_ok(d)  # Full: the rest
    assert d.refund.amount == 7_000
    assert check_book() == []


def test_r9_a_direct_contract_has_no_refund_window(qtbot, direct_contract):
    payment = pay(direct_contract, "Chapter 1", 50_000, START)
    later = START + timedelta(days=400)
    d = open_dialog(qtbot, direct_contract, later)
    assert enabled(d, 0) and cell(d, 0, 4) == "No time limit"
    assert cell(d, 0, 2) == "€500.00"
    assert not d.window_note.isVisible()
    click_ok(d)
    assert d.refund.amount == 50_000 and d.refund.date == later and d.refund.payment_id == payment.id
    assert check_book() == []


def test_no_payments_yet(qtbot, contract):
    d = open_dialog(qtbot, contract, date(2026, 4, 1))
    assert d.payment_list.rowCount() == 0
    assert d.window_note.isVisible() and "no payments" in d.window_note.text()
    assert not d.ok_button.isEnabled()


# ------------------------------------------------------------------ accessibility


def test_every_interactive_widget_is_named(qtbot, paid):
    d = open_dialog(qtbot, paid.contract, date(2026, 4, 1))
    for name in ("paymentList", "fullRadio", "partRadio", "amountEdit", "receivedOnEdit", "memoEdit", "okButton"):
        assert d.findChild(object, name) is not None, name
    for kind in (QAbstractButton, QLineEdit, QDateEdit, QTableWidget):
        for w in d.findChildren(kind):
            if w.parent() is not None and isinstance(w.parent(), QDateEdit):
                continue  # the date edit's own line edit
            if isinstance(w, QAbstractButton) and not w.isVisibleTo(d):
                continue
            if w.objectName().startswith("qt_"):
                continue
            assert w.objectName(), w
            assert w.accessibleName(), w.objectName()


# ---------------------------------------------------------------- version 2: the support tier

V2_SHOTS = Path("/tmp/shots-v2-r9")
V2_START = date(2026, 12, 1)  # contracts from this day are under the marketplace's second policy version
V2_DAY_180, V2_DAY_181 = date(2027, 5, 30), date(2027, 5, 31)
V2_DAY_365, V2_DAY_366 = date(2027, 12, 1), date(2027, 12, 2)


@pytest.fixture
def v2_paid(book, freelancer) -> LedgerEntry:
    """$300.00 paid on 1 Dec 2026 on a contract under the second policy version."""
    c = ops.create_contract("Landing page", freelancer, currency="USD", started_on=V2_START, today=V2_START)
    return pay(c, "Design", 30_000, V2_START)


def v2_shot(d: RefundDialog, name: str) -> None:
    V2_SHOTS.mkdir(parents=True, exist_ok=True)
    d.adjustSize()
    QApplication.processEvents()
    assert d.grab().save(str(V2_SHOTS / name))


def support_row_shown(d: RefundDialog) -> bool:
    return d.support_case_edit.isVisibleTo(d) and d.findChild(QLabel, "supportCaseLabel").isVisibleTo(d)


def test_r9_v2_the_dialog_shows_the_tier_and_updates_with_the_date(qtbot, v2_paid):
    d = open_dialog(qtbot, v2_paid.contract, V2_DAY_366)
    intro = d.findChild(QLabel, "introLabel").text()
    assert "within 180 days of a payment, and from day 181 to day 365 only through the marketplace's support" in intro
    # Day 366: no longer refundable.
    assert not enabled(d, 0)
    assert cell(d, 0, 4) == "Support ended 1 Dec 2027"
    assert d.window_note.text() == "Payments older than 365 days can no longer be refunded."
    assert not support_row_shown(d)
    assert not d.ok_button.isEnabled()
    v2_shot(d, "refund-v2-day-366-closed.png")
    # Day 180: self-service, no support case asked.
    d.received_on_edit.setDate(QDate(2027, 5, 30))
    QApplication.processEvents()
    assert enabled(d, 0) and cell(d, 0, 4) == "Last day (until 30 May 2027)"
    assert d.tier_note.text() == (
        "The payment of $300.00 on 1 Dec 2026: you can record its refund yourself until 30 May 2027; after that, "
        "only through the marketplace's support, until 1 Dec 2027."
    )
    assert d.tier_note.isVisible() and not support_row_shown(d)
    assert d.ok_button.isEnabled()
    v2_shot(d, "refund-v2-day-180-self-service.png")
    # Day 181: through the marketplace's support, with its case.
    d.received_on_edit.setDate(QDate(2027, 5, 31))
    QApplication.processEvents()
    assert enabled(d, 0) and cell(d, 0, 4) == "Via support until 1 Dec 2027"
    assert d.tier_note.text() == (
        "The payment of $300.00 on 1 Dec 2026 can be refunded only through the marketplace's support until "
        "1 Dec 2027 (self-service ended on 30 May 2027): enter the support case's reference."
    )
    assert support_row_shown(d)
    assert not d.ok_button.isEnabled()  # the support case is required
    d.support_case_edit.setText("ABC-123")
    QApplication.processEvents()
    v2_shot(d, "refund-v2-day-181-support.png")
    click_ok(d)
    assert d.refund.date == V2_DAY_181
    assert queries.support_case(d.refund) == "ABC-123"
    assert check_book() == []


def test_r9_v2_an_empty_support_case_says_what_is_needed(qtbot, v2_paid, unchanged):
    d = open_dialog(qtbot, v2_paid.contract, V2_DAY_365)
    assert support_row_shown(d)
    with unchanged():
        d.ok_button.setEnabled(True)  # as if clicked: every message shows
        d.accept()
        QApplication.processEvents()
    assert d.error_text("support_case") == (
        "The payment of $300.00 on 1 Dec 2026 can be refunded through the marketplace's support until 1 Dec 2027: "
        "enter the reference of the support case."
    )
    assert d.isVisible()
    v2_shot(d, "refund-v2-day-365-support-case-missing.png")


def test_r9_v2_a_support_case_typed_then_not_needed_is_not_recorded(qtbot, v2_paid):
    d = open_dialog(qtbot, v2_paid.contract, V2_DAY_181)
    d.support_case_edit.setText("ABC-123")
    d.received_on_edit.setDate(QDate(2027, 5, 30))  # back to self-service: the field goes away
    QApplication.processEvents()
    assert not support_row_shown(d)
    click_ok(d)
    assert queries.support_case(d.refund) is None


def test_r9_v1_dialog_shows_no_support_tier(qtbot, paid):
    d = open_dialog(qtbot, paid.contract, DAY_180)
    assert not support_row_shown(d) and not d.tier_note.isVisible()
    assert "marketplace's support" not in d.findChild(QLabel, "introLabel").text()
