"""The bad-input catalogue (issue 9): every row is one bad input, the message a user sees, and the proof that
the book did not change (R14).

Tables, one per way in:
- DIALOG_ROWS: typed or pasted into the real widgets of a dialog (qtbot): the message beside the field,
  OK disabled, and OK clicked anyway writes nothing.
- REFUND_ROWS, WIZARD_ROWS: the same for the refund dialog and the release wizard.
- OPERATION_ROWS: the models' operations called with it (what the CLI, an import or a script reach).
- CLI_ROWS: `python -m desktop ...` in a child process: its exit code, its message on stderr, every file
  beside it unchanged.
- FILE_ROWS: a file that is not a good book, opened from the window (File > Open): the message, the window
  still on its book, the file byte for byte untouched; and a book on a full disk, a read-only book.
- GOOD_TEXT_ROWS: right-to-left scripts, emoji and markup are not bad input: accepted, stored exactly and
  shown as typed in the table and on the contract page.

- CSV_ROWS: a CSV import (models/csv_io.py) with one bad cell, line or file: the file and row named, nothing
  imported.

The rule a row is about is named in its id (R2, R5, R9, ...). Each table has its own parametrized test; a new
way in is one more table and one more test at the end of this file, reusing `assert_refused` and the
`unchanged` fixture.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QPlainTextEdit,
    QWidget,
    QWizard,
)

from desktop.contract.flows import end_contract_dialog, release_wizard
from desktop.dialogs.contract import ContractDialog
from desktop.dialogs.freelancer import FreelancerDialog
from desktop.dialogs.milestone import MilestoneDialog
from desktop.dialogs.refund import RefundDialog
from desktop.window.contracts_model import COLUMN_KEYS
from desktop.window.main_window import MainWindow
from models import ops
from models.book import open_book, schema_version
from models.check import check_book
from models.csv_io import FILES, HEADERS, import_folder
from models.entities import Contract, Feedback, Freelancer, Milestone
from models.errors import RuleError
from tests.ui import beside, child, click

from ..conftest import START, snapshot
from . import full_disk

ROOT = Path(__file__).resolve().parents[2]
FUNDED_ON = START  # 1 Mar 2026
PAID_ON = date(2026, 3, 5)  # the payment of $300.00
ENDED_ON = date(2026, 3, 10)  # the ended contract; its feedback window closes 24 Mar 2026 23:59:59 UTC
TODAY = date(2026, 3, 12)
GOOD_STARS = dict.fromkeys(Feedback.CATEGORIES, 5)
LONG_TITLE = "Logo" * 2_500  # 10,000 characters


pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py


@pytest.fixture
def world(contract):
    """An active contract with an unfunded, a funded and a paid milestone; and a contract ended with an escrow
    refund requested (its reply due 17 Mar 2026) and a milestone it never funded."""
    w = SimpleNamespace(contract=contract, freelancer=contract.freelancer)
    w.unfunded = ops.add_milestone(contract, "Icons", 10_000)
    w.funded = ops.add_milestone(contract, "Sketches", 20_000)
    ops.fund_milestone(w.funded, today=FUNDED_ON)
    w.paid = ops.add_milestone(contract, "Concepts", 30_000)
    ops.fund_milestone(w.paid, today=FUNDED_ON)
    w.payment = ops.release_payment(w.paid, today=PAID_ON)
    w.ended = ops.create_contract("Old website", w.freelancer, started_on=START, today=START)
    w.never_funded = ops.add_milestone(w.ended, "Extra pages", 5_000)
    held = ops.add_milestone(w.ended, "Pages", 8_000)
    ops.fund_milestone(held, today=FUNDED_ON)
    w.request = ops.end_contract(w.ended, agreed=True, request_escrow_refund=True, today=ENDED_ON)
    return w


def assert_refused(call, expected: str, rule: str | None = None) -> RuleError:
    """`call()` raises RuleError whose message contains `expected` (and names `rule`)."""
    with pytest.raises(RuleError) as refused:
        call()
    assert expected in refused.value.message, refused.value.message
    if rule is not None:
        assert refused.value.rule == rule, refused.value.message
    return refused.value


# ============================================================ dialogs: typed into the real widgets


def show(qtbot, dialog: QWidget) -> QWidget:
    qtbot.addWidget(dialog)
    dialog.open() if isinstance(dialog, QDialog) and not isinstance(dialog, QWizard) else dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def enter(qtbot, widget: QWidget, how: str, value) -> None:
    """What the user does to the field: type, paste (Ctrl+V), erase what they typed, or (a date field) pick."""
    if isinstance(widget, QDateEdit):
        pick_date(qtbot, widget, value)
        return
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Backspace)
    if how == "type":
        qtbot.keyClicks(widget, value)
    elif how == "paste":
        QApplication.clipboard().setText(value)
        qtbot.keyClick(widget, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    elif how == "erase":
        qtbot.keyClicks(widget, value)
        for _ in value:
            qtbot.keyClick(widget, Qt.Key.Key_Backspace)
    else:  # pragma: no cover - a typo in a row
        raise AssertionError(how)


def pick_date(qtbot, edit: QDateEdit, day: date) -> None:
    """Type the year, step the month with the arrow keys, type the day, then Tab away: as on a keyboard."""
    edit.setFocus()
    edit.setSelectedSection(QDateTimeEdit.Section.YearSection)
    qtbot.keyClicks(edit, str(day.year))
    month = edit.date().month()
    edit.setSelectedSection(QDateTimeEdit.Section.MonthSection)
    for _ in range(abs(day.month - month)):
        qtbot.keyClick(edit, Qt.Key.Key_Up if day.month > month else Qt.Key.Key_Down)
    edit.setSelectedSection(QDateTimeEdit.Section.DaySection)
    qtbot.keyClicks(edit, str(day.day))
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    assert edit.date().toPython() == day, f"could not pick {day} in {edit.objectName()}"


def text_of(widget: QWidget) -> str:
    return widget.toPlainText() if isinstance(widget, QPlainTextEdit) else widget.text()


def milestone_dialog(w):
    return MilestoneDialog(w.contract, today=TODAY)


def contract_dialog(w):
    return ContractDialog(today=TODAY, new_freelancer=FreelancerDialog)


def freelancer_dialog(w):
    return FreelancerDialog()


DIALOGS = {"milestone": milestone_dialog, "contract": contract_dialog, "freelancer": freelancer_dialog}
# What a user fills in first, so the row's field is the only thing wrong.
GOOD_FIELDS = {
    "milestone": {"titleEdit": "Final logo", "amountEdit": "150.00"},
    "contract": {"titleEdit": "Website copy"},
    "freelancer": {"nameEdit": "Bea Lind"},
}

# (dialog, field, its message, how, the bad input, what the message says)
DIALOG_ROWS = [
    # -- amounts (R1, R2), typed as a user types them in an en_US locale
    pytest.param("milestone", "amountEdit", "amountError", "erase", "12", "Enter an amount.", id="r1-amount-empty"),
    pytest.param(
        "milestone", "amountEdit", "amountError", "type", "abc", "“abc” is not an amount", id="r1-amount-letters"
    ),
    pytest.param("milestone", "amountEdit", "amountError", "type", "-50", "never negative", id="r1-amount-negative"),
    pytest.param("milestone", "amountEdit", "amountError", "type", "0", "more than zero", id="r1-amount-zero"),
    pytest.param("milestone", "amountEdit", "amountError", "type", "0.00", "more than zero", id="r1-amount-zero-cents"),
    pytest.param(
        "milestone", "amountEdit", "amountError", "type", "12.345", "at most 2 decimals", id="r1-amount-three-decimals"
    ),
    pytest.param(
        "milestone", "amountEdit", "amountError", "type", "1000000000000", "too large", id="r1-amount-10-to-the-12"
    ),
    pytest.param(
        "milestone", "amountEdit", "amountError", "type", "1e5", "“1e5” is not an amount", id="r1-amount-exponent"
    ),
    pytest.param(
        "milestone",
        "amountEdit",
        "amountError",
        "paste",
        "1.234,56",
        "“,” groups thousands",
        id="r1-amount-german-separators",
    ),
    pytest.param(
        "milestone", "amountEdit", "amountError", "type", "12,34", "grouped in threes", id="r1-amount-odd-grouping"
    ),
    pytest.param(
        "milestone", "amountEdit", "amountError", "type", "$5", "“$5” is not an amount", id="r1-amount-currency-sign"
    ),
    pytest.param(
        "milestone", "amountEdit", "amountError", "type", "4.99", "at least $5.00", id="r2-amount-below-minimum"
    ),
    pytest.param(
        "contract", "budgetEdit", "budgetError", "type", "ten thousand", "is not an amount", id="r1-budget-words"
    ),
    # -- text
    pytest.param("contract", "titleEdit", "titleError", "erase", "Logo", "Enter a contract title.", id="title-empty"),
    pytest.param(
        "contract", "titleEdit", "titleError", "type", "    ", "Enter a contract title.", id="title-only-spaces"
    ),
    pytest.param(
        "contract",
        "titleEdit",
        "titleError",
        "paste",
        LONG_TITLE,
        "too long (10,000 characters; at most 200)",
        id="title-10000-characters",
    ),
    pytest.param(
        "contract", "titleEdit", "titleError", "paste", "Logo\x07", "control characters", id="title-bell-character"
    ),
    pytest.param(
        "contract",
        "titleEdit",
        "titleError",
        "paste",
        "Logo\x1b[31m red",
        "control characters",
        id="title-terminal-escape",
    ),
    pytest.param(
        "contract",
        "titleEdit",
        "titleError",
        "paste",
        "Logo\x85redesign",
        "control characters",
        id="title-c1-next-line",
    ),
    pytest.param(
        "milestone", "titleEdit", "titleError", "paste", "Sketch\x00es", "control characters", id="milestone-title-nul"
    ),
    pytest.param(
        "contract",
        "notesEdit",
        "notesError",
        "paste",
        "n" * 20_001,
        "too long (20,001 characters",
        id="notes-20001-characters",
    ),
    pytest.param(
        "freelancer", "nameEdit", "nameError", "erase", "Bea", "Enter a freelancer's name.", id="freelancer-name-empty"
    ),
    pytest.param(
        "freelancer",
        "emailEdit",
        "emailError",
        "type",
        "bea@example",
        "does not look right",
        id="freelancer-email-no-domain",
    ),
    pytest.param(
        "freelancer",
        "emailEdit",
        "emailError",
        "type",
        "bea lind@example.com",
        "does not look right",
        id="freelancer-email-space",
    ),
    # -- dates
    pytest.param(
        "contract",
        "startedOnEdit",
        "startedOnError",
        "date",
        date(9999, 12, 31),
        "more than a year ahead",
        id="start-date-year-9999",
    ),
    pytest.param(
        "milestone",
        "dueDateEdit",
        "dueOnError",
        "date",
        date(2026, 2, 1),
        "before the contract started",
        id="due-date-before-start",
    ),
    pytest.param(
        "milestone", "dueDateEdit", "dueOnError", "date", date(9999, 12, 31), "too far ahead", id="due-date-year-9999"
    ),
]


@pytest.mark.parametrize(("dialog", "field", "error", "how", "value", "expected"), DIALOG_ROWS)
def test_bad_input_in_a_dialog_is_explained_beside_its_field(
    qtbot, world, unchanged, dialog, field, error, how, value, expected
):
    with unchanged():
        d = show(qtbot, DIALOGS[dialog](world))
        for name, good in GOOD_FIELDS[dialog].items():
            if name != field:
                enter(qtbot, child(d, name), "type", good)
        if field == "dueDateEdit":
            click(qtbot, child(d, "dueCheck"), on_box=True)
        widget = child(d, field)
        enter(qtbot, widget, how, value)
        if how == "paste":
            assert text_of(widget) == value, "a paste keeps what was pasted, to be explained"
        shown = beside(d, error)
        assert shown is not None and expected in shown, shown
        ok = child(d, "okButton")
        assert not ok.isEnabled()
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)  # disabled: nothing happens
        d.accept()  # and even forced, OK writes nothing
        assert d.isVisible() and d.result() != QDialog.DialogCode.Accepted
        assert expected in beside(d, error)


# --------------------------------------------------------------- the refund dialog (R9)

# (date the refund was received, part amount or None for full, where it is said, what it says). "payments" is
# the payment's row in the table (its "Refund window" column, greyed) with the note under the table.
REFUND_ROWS = [
    pytest.param(PAID_ON - timedelta(days=1), None, "payments", "Paid after 4 Mar 2026", id="r9-refund-before-payment"),
    pytest.param(
        PAID_ON + timedelta(days=181),
        None,
        "payments",
        "Window closed on 1 Sep 2026 · Payments older than 180 days cannot be refunded here",
        id="r9-refund-on-day-181",
    ),
    pytest.param(
        TODAY, "300.01", "amountError", "At most $300.00 of that $300.00 payment", id="r9-refund-above-payment"
    ),
    pytest.param(TODAY, "0", "amountError", "more than zero", id="r9-refund-zero"),
    pytest.param(TODAY, "-20", "amountError", "never negative", id="r9-refund-negative"),
]


def refund_payments_shown(d: RefundDialog) -> str:
    """The payments table's "Refund window" column of the $300.00 payment, and the note under the table."""
    row = next(r for r in range(d.payment_list.rowCount()) if d.payment_list.item(r, 2).text() == "$300.00")
    cell = d.payment_list.item(row, 4)
    assert not cell.flags() & Qt.ItemFlag.ItemIsEnabled, "the payment should be greyed out"
    note = d.window_note.text() if d.window_note.isVisible() else ""
    return " · ".join(t for t in (cell.text(), note) if t)


@pytest.mark.parametrize(("received", "part", "where", "expected"), REFUND_ROWS)
def test_bad_refund_is_explained_and_records_nothing(qtbot, world, unchanged, received, part, where, expected):
    with unchanged():
        d = show(qtbot, RefundDialog(world.contract, today=max(received, TODAY)))
        enter(qtbot, d.received_on_edit, "date", received)
        if part is not None:
            click(qtbot, d.part_radio, on_box=True)
            enter(qtbot, d.amount_edit, "type", part)
        shown = refund_payments_shown(d) if where == "payments" else beside(d, where)
        assert shown is not None and expected in shown, shown
        assert not d.ok_button.isEnabled()
        d.accept()
        assert d.isVisible() and d.refund is None


# --------------------------------------------------------------- the release wizard (R2, R5)


def test_r5_release_beyond_escrow_in_the_wizard_is_explained(qtbot, world, unchanged):
    with unchanged():
        w = show(
            qtbot, release_wizard(Contract.get_by_id(world.contract.id), today=TODAY, milestone_id=world.funded.id)
        )
        w.button(QWizard.WizardButton.NextButton).click()
        click(qtbot, w.amount.partial, on_box=True)
        enter(qtbot, w.amount.part, "type", "200.01")
        assert beside(w, "amountError") == "You can release at most $200.00."
        assert not w.button(QWizard.WizardButton.NextButton).isEnabled()


def test_r2_new_milestone_below_minimum_in_the_wizard_is_explained(qtbot, world, unchanged):
    with unchanged():
        w = show(qtbot, release_wizard(Contract.get_by_id(world.contract.id), today=TODAY))
        click(qtbot, w.choose.new_choice, on_box=True)
        enter(qtbot, w.choose.new_title, "type", "Final payment")
        enter(qtbot, w.choose.new_amount, "type", "4.99")
        assert beside(w, "newAmountError") == "A milestone must be at least $5.00."
        assert not w.button(QWizard.WizardButton.NextButton).isEnabled()


def test_r7_ending_an_ended_contract_from_its_dialog_is_refused_at_the_top(qtbot, world, unchanged):
    d = show(qtbot, end_contract_dialog(Contract.get_by_id(world.contract.id), today=TODAY))
    # Ended where this dialog is not told (another process, say: an ending in this one closes it): its own
    # check refuses at the top.
    ops.unlisten(d.watch.after_operation)
    ops.end_contract(world.contract, agreed=True, request_escrow_refund=True, today=TODAY)
    with unchanged():
        click(qtbot, d.agreed, on_box=True)
        click(qtbot, d.refund_choice, on_box=True)
        qtbot.mouseClick(d.end_button, Qt.MouseButton.LeftButton)
        assert beside(d, "endError") == "“Logo redesign” has already ended."
        assert not d.ended and d.isVisible()


# ============================================================ the models' operations

# (what is called, what the refusal says, the rule it names)
OPERATION_ROWS = [
    # -- amounts (R1, R2)
    pytest.param(
        lambda w: ops.add_milestone(w.contract, "Logo", 12.5), "whole numbers of cents", "R1", id="r1-float-amount"
    ),
    pytest.param(
        lambda w: ops.add_milestone(w.contract, "Logo", "50.00"), "whole numbers of cents", "R1", id="r1-text-amount"
    ),
    pytest.param(
        lambda w: ops.release_payment(w.funded, True, today=TODAY),
        "whole numbers of cents",
        "R1",
        id="r1-boolean-amount",
    ),
    pytest.param(lambda w: ops.add_milestone(w.contract, "Logo", 0), "more than zero", "R1", id="r1-zero-amount"),
    pytest.param(
        lambda w: ops.add_milestone(w.contract, "Logo", -500), "more than zero", "R1", id="r1-negative-amount"
    ),
    pytest.param(
        lambda w: ops.add_milestone(w.contract, "Logo", 10**14), "too large", "R1", id="r1-amount-10-to-the-12-dollars"
    ),
    pytest.param(
        lambda w: ops.add_milestone(w.contract, "Logo", 10**20), "too large", "R1", id="r1-amount-beyond-sqlite"
    ),
    pytest.param(
        lambda w: ops.create_contract("Logo", w.freelancer, currency="XYZ", today=TODAY),
        "not a currency",
        "R1",
        id="r1-unknown-currency",
    ),
    pytest.param(lambda w: ops.add_milestone(w.contract, "Logo", 499), "at least $5.00", "R2", id="r2-below-minimum"),
    pytest.param(
        lambda w: ops.edit_milestone(w.unfunded, "Icons", 1), "at least $5.00", "R2", id="r2-edit-below-minimum"
    ),
    pytest.param(
        lambda w: ops.delete_milestone(w.funded), "is funded: it can no longer be deleted", "R2", id="r2-delete-funded"
    ),
    # -- text
    pytest.param(
        lambda w: ops.create_contract("", w.freelancer, today=TODAY), "Enter a contract title.", None, id="empty-title"
    ),
    pytest.param(
        lambda w: ops.create_contract(LONG_TITLE, w.freelancer, today=TODAY),
        "too long (10,000 characters",
        None,
        id="title-10000-characters",
    ),
    pytest.param(
        lambda w: ops.create_contract("Logo\nredesign", w.freelancer, today=TODAY),
        "control characters",
        None,
        id="title-line-break",
    ),
    pytest.param(
        lambda w: ops.create_contract("Logo\x7f", w.freelancer, today=TODAY),
        "control characters",
        None,
        id="title-delete-character",
    ),
    pytest.param(
        lambda w: ops.create_contract("Logo\x9b31m", w.freelancer, today=TODAY),
        "control characters",
        None,
        id="title-c1-escape",
    ),
    pytest.param(
        lambda w: ops.create_freelancer("   "), "Enter a freelancer's name.", None, id="freelancer-blank-name"
    ),
    pytest.param(
        lambda w: ops.add_access(w.ended, "", today=TODAY), "Enter a label.", None, id="r11-access-empty-label"
    ),
    # -- dates
    pytest.param(
        lambda w: ops.end_contract(
            w.contract, agreed=True, request_escrow_refund=True, today=START - timedelta(days=1)
        ),
        "before the start of the contract",
        "R16",
        id="r7-ended-before-started",
    ),
    pytest.param(
        lambda w: ops.record_refund(w.payment, 1_000, today=PAID_ON - timedelta(days=1)),
        "is before the payment of",
        "R16",
        id="r9-refund-before-payment",
    ),
    pytest.param(
        lambda w: ops.fund_milestone(w.unfunded, today=START - timedelta(days=1)),
        "before the start of the contract",
        "R16",
        id="fund-before-start",
    ),
    pytest.param(
        lambda w: ops.release_payment(w.funded, today=FUNDED_ON - timedelta(days=1)),
        "is before the funding of",
        "R16",
        id="release-before-funding",
    ),
    pytest.param(
        lambda w: ops.create_contract("Logo", w.freelancer, started_on=date(9999, 12, 31), today=TODAY),
        "more than a year ahead",
        None,
        id="start-year-9999",
    ),
    pytest.param(
        lambda w: ops.end_contract(w.contract, agreed=True, request_escrow_refund=True, today=date(9999, 12, 31)),
        "too far ahead",
        None,
        id="r7-end-in-year-9999",
    ),
    pytest.param(
        lambda w: ops.submit_work(w.funded, today=date(9999, 12, 31)),
        "too far ahead",
        None,
        id="r6-work-submitted-in-year-9999",
    ),
    pytest.param(
        lambda w: ops.fund_milestone(w.unfunded, today=date(9999, 12, 31)),
        "too far ahead",
        None,
        id="r3-funded-in-year-9999",
    ),
    pytest.param(
        lambda w: ops.add_milestone(w.contract, "Logo", 10_000, due_on=date(9999, 12, 31)),
        "too far ahead",
        None,
        id="due-in-year-9999",
    ),
    pytest.param(
        lambda w: ops.add_access(w.ended, "GitHub org", given_on=TODAY + timedelta(days=1), today=TODAY),
        "in the future",
        "R11",
        id="r11-access-given-tomorrow",
    ),
    # -- rule breaks
    pytest.param(
        lambda w: ops.release_payment(w.funded, 20_001, today=TODAY),
        "at most $200.00",
        "R5",
        id="r5-release-beyond-escrow",
    ),
    pytest.param(
        lambda w: ops.release_payment(w.unfunded, 100, today=TODAY),
        "is not funded",
        "R4",
        id="r4-release-from-unfunded",
    ),
    pytest.param(lambda w: ops.fund_milestone(w.funded, today=TODAY), "already funded", "R3", id="r3-fund-twice"),
    pytest.param(
        lambda w: ops.record_refund(w.payment, 1_000, today=PAID_ON + timedelta(days=181)),
        "only within 180 days",
        "R9",
        id="r9-refund-on-day-181",
    ),
    pytest.param(
        lambda w: ops.record_refund(w.payment, 30_001, today=TODAY),
        "At most $300.00",
        "R9",
        id="r9-refund-above-payment",
    ),
    pytest.param(
        lambda w: ops.record_refund(w.funded, 100, today=TODAY), "against a payment", "R9", id="r9-refund-of-a-funding"
    ),
    pytest.param(
        lambda w: ops.end_contract(w.ended, agreed=True, today=TODAY),
        "has already ended",
        "R7",
        id="r7-end-an-ended-contract",
    ),
    pytest.param(
        lambda w: ops.end_contract(w.contract, agreed=False, request_escrow_refund=True, today=TODAY),
        "Confirm that you agreed",
        "R7",
        id="r7-end-without-agreeing",
    ),
    pytest.param(
        lambda w: ops.end_contract(w.contract, agreed=True, today=TODAY),
        "$200.00 is still in escrow",
        "R7",
        id="r7-end-with-escrow-unsettled",
    ),
    pytest.param(
        lambda w: ops.fund_milestone(w.never_funded, today=TODAY),
        "has ended: you can no longer fund milestones",
        "R5",
        id="r5-fund-on-an-ended-contract",
    ),
    pytest.param(
        lambda w: ops.add_milestone(w.ended, "More pages", 5_000),
        "has ended",
        "R5",
        id="r5-add-milestone-to-an-ended-contract",
    ),
    pytest.param(
        lambda w: ops.record_escrow_refund_reply(w.request, "no_reply", today=ENDED_ON + timedelta(days=7)),
        "has until 17 Mar 2026 to answer",
        "R8",
        id="r8-silence-before-the-reply-date",
    ),
    pytest.param(
        lambda w: ops.record_escrow_refund_reply(w.request, "maybe", today=TODAY),
        "Unknown answer",
        "R8",
        id="r8-unknown-answer",
    ),
    pytest.param(
        lambda w: ops.submit_feedback(w.ended, GOOD_STARS, now=datetime(2026, 3, 25, tzinfo=UTC)),
        "feedback window closed at 24 Mar 2026 23:59:59 UTC",
        "R10",
        id="r10-feedback-after-the-window",
    ),
    pytest.param(
        lambda w: ops.submit_feedback(w.contract, GOOD_STARS, now=datetime(2026, 3, 12, tzinfo=UTC)),
        "opens when the contract ends",
        "R10",
        id="r10-feedback-before-the-end",
    ),
    pytest.param(
        lambda w: ops.submit_feedback(w.ended, {**GOOD_STARS, "skills": 6}, now=datetime(2026, 3, 12, tzinfo=UTC)),
        "Give 1 to 5 stars for skills",
        "R10",
        id="r10-six-stars",
    ),
    pytest.param(
        lambda w: ops.submit_feedback(w.ended, GOOD_STARS, recommend=11, now=datetime(2026, 3, 12, tzinfo=UTC)),
        "a number from 0 to 10",
        "R10",
        id="r10-recommend-11",
    ),
    pytest.param(
        lambda w: ops.create_contract("Logo", w.freelancer, policy="elsewhere", today=TODAY),
        "There is no policy called",
        "R13",
        id="r13-unknown-policy",
    ),
]


@pytest.mark.parametrize(("call", "expected", "rule"), OPERATION_ROWS)
def test_bad_operation_is_refused_and_changes_nothing(world, unchanged, call, expected, rule):
    with unchanged():
        assert_refused(lambda: call(world), expected, rule)


# ============================================================ the command line


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def make_book(path: Path, contracts: int = 2) -> Path:
    with open_book(path):
        f = ops.create_freelancer("Ana Ruiz")
        for i in range(contracts):
            c = ops.create_contract(f"Contract {i}", f, started_on=START, today=START)
            ops.fund_milestone(ops.add_milestone(c, "Work", 10_000 + i), today=START)
    return path


def text_file(folder: Path) -> Path:
    path = folder / "notes.book"
    path.write_text("Shopping list: milk, eggs\n" * 20)
    return path


def empty_file(folder: Path) -> Path:
    path = folder / "empty.book"
    path.write_bytes(b"")
    return path


def truncated_book(folder: Path) -> Path:
    path = make_book(folder / "cut.book", contracts=40)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def newer_book(folder: Path) -> Path:
    import sqlite3

    path = make_book(folder / "future.book")
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema_version() + 1}")
    conn.commit()
    conn.close()
    return path


def read_only_book(folder: Path) -> Path:
    path = make_book(folder / "locked-down.book")
    path.chmod(0o400)
    return path


def good_book(folder: Path) -> Path:
    return make_book(folder / "good.book")


def no_file(folder: Path) -> Path:
    return folder / "nowhere.book"


def a_folder(folder: Path) -> Path:
    (folder / "folder.book").mkdir()
    return folder / "folder.book"


class Holder:
    """Another Escrowbook process that has the book open (so it is locked)."""

    def __init__(self, path: Path):
        code = textwrap.dedent(
            f"""
            import sys
            from models.book import open_book
            b = open_book({str(path)!r}, create=False)
            print("open", flush=True)
            sys.stdin.readline()
            b.close()
            """
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        assert self.proc.stdout.readline().strip() == "open"

    def release(self) -> None:
        self.proc.communicate("\n", timeout=30)


# (the arguments after `python -m desktop`, with {path} for the prepared file; exit code; what stderr says)
CLI_ROWS = [
    pytest.param(no_file, ["check", "{path}"], 1, "there is no such file", id="check-a-missing-file"),
    pytest.param(text_file, ["check", "{path}"], 1, "it is not an Escrowbook book", id="check-a-text-file"),
    pytest.param(empty_file, ["check", "{path}"], 1, "it is an empty file", id="check-a-zero-byte-file"),
    pytest.param(truncated_book, ["check", "{path}"], 1, "the file is damaged", id="check-a-truncated-book"),
    pytest.param(
        newer_book, ["check", "{path}"], 1, "written by a newer version of Escrowbook", id="check-a-newer-book"
    ),
    pytest.param(a_folder, ["check", "{path}"], 1, "it is a folder, not a book file", id="check-a-folder"),
    pytest.param(good_book, ["check"], 2, "the following arguments are required: PATH", id="check-without-a-path"),
    pytest.param(good_book, ["audit", "{path}"], 2, "invalid choice: 'audit'", id="unknown-command"),
    pytest.param(
        good_book,
        ["demo", "{path}", "--contracts", "5"],
        1,
        "already exists: the demo writes a new book only",
        id="demo-over-a-book",
    ),
    pytest.param(
        no_file, ["demo", "{path}", "--contracts", "-5"], 1, "cannot be negative", id="demo-negative-contracts"
    ),
    pytest.param(
        no_file, ["demo", "{path}", "--contracts", "ten"], 2, "invalid int value: 'ten'", id="demo-contracts-in-words"
    ),
    pytest.param(
        no_file, ["demo", "{path}", "--contracts", "1e5"], 2, "invalid int value: '1e5'", id="demo-contracts-exponent"
    ),
    pytest.param(
        no_file,
        ["demo", "{path}", "--contracts", "99999999999"],
        1,
        "at most 1,000,000 contracts",
        id="demo-absurdly-many-contracts",
    ),
]


@pytest.mark.parametrize(("make", "args", "code", "expected"), CLI_ROWS)
def test_bad_command_line_exits_with_its_message_and_changes_no_file(tmp_path, make, args, code, expected):
    path = make(tmp_path)
    before = files_in(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "desktop", *[a.format(path=path) for a in args]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == code, done.stderr
    assert expected in done.stderr
    assert "Traceback" not in done.stderr
    assert files_in(tmp_path) == before


def test_check_of_a_book_open_elsewhere_says_so_and_changes_nothing(tmp_path):
    path = good_book(tmp_path)
    holder = Holder(path)
    try:
        before = files_in(tmp_path)
        done = subprocess.run(
            [sys.executable, "-m", "desktop", "check", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 1
        assert "already open in another Escrowbook window or program" in done.stderr
        assert files_in(tmp_path) == before
    finally:
        holder.release()


# ============================================================ files, opened from the window


@pytest.fixture
def window(qtbot, tmp_path, prompts):
    """The app's window on a good book; warnings are collected instead of shown in a modal box."""
    book = open_book(tmp_path / "mine.book")
    ops.create_contract("Logo redesign", ops.create_freelancer("Ana Ruiz"), started_on=START, today=START)
    w = MainWindow(book, today=TODAY, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.warnings = prompts.warnings
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.book.close()


# (how the file is made, what the window says)
FILE_ROWS = [
    pytest.param(text_file, "it is not an Escrowbook book", id="open-a-text-file"),
    pytest.param(empty_file, "it is an empty file, not an Escrowbook book", id="open-a-zero-byte-file"),
    pytest.param(
        truncated_book, "the file is damaged (it is shorter than the book it holds)", id="open-a-truncated-book"
    ),
    pytest.param(newer_book, "written by a newer version of Escrowbook", id="open-a-book-from-a-newer-version"),
    pytest.param(read_only_book, "it is read-only", id="open-a-read-only-book"),
    pytest.param(a_folder, "it is a folder, not a book file", id="open-a-folder"),
]


@pytest.mark.parametrize(("make", "expected"), FILE_ROWS)
def test_bad_file_is_refused_by_the_window_which_stays_on_its_book(window, tmp_path, make, expected):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    path = make(folder)
    before = files_in(folder)
    assert not window.switch_to(path)
    assert len(window.warnings) == 1 and expected in window.warnings[0], window.warnings
    assert window.book.path.name == "mine.book" and window.model.total() == 1
    assert files_in(folder) == before


def test_book_open_elsewhere_is_refused_by_the_window(window, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    path = good_book(tmp_path / "elsewhere")
    holder = Holder(path)
    try:
        before = files_in(path.parent)
        assert not window.switch_to(path)
        assert "already open in another Escrowbook window or program. Close it there first." in window.warnings[0]
        assert window.book.path.name == "mine.book"
        assert files_in(path.parent) == before
    finally:
        holder.release()


@pytest.fixture
def small_disk(tmpfs):
    """A 4 MiB disk of its own, or None where mounting is impossible (a limited child process stands in)."""
    return tmpfs("4m", required=False)


def assert_refused_in_a_child_whose_files_may_not_grow(tmp_path: Path) -> None:
    """full_disk.py in a child process under RLIMIT_FSIZE: the refusal, the book unchanged by it, and whole."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.reliability.full_disk", str(tmp_path / "limited.book")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["message"] in (
        "Nothing was recorded: the book could not be written (disk I/O error). Check the disk, then try again.",
        "Nothing was recorded: the disk that holds the book is full. Free some space, then try again.",
    )
    assert result["rule"] == "R14" and result["unchanged"] and result["problems"] == []
    assert result["reopened"] == result["added"] + 1  # every milestone before the refusal, and the one after


def test_r14_a_book_whose_file_may_not_grow_refuses_with_a_clear_message_and_stays_whole(tmp_path):
    """A size limit on the user's files (a quota) refuses the write the way a full disk does."""
    assert_refused_in_a_child_whose_files_may_not_grow(tmp_path)


def test_r14_a_book_on_a_full_disk_refuses_with_a_clear_message_and_stays_whole(qtbot, small_disk, tmp_path):
    if small_disk is None:  # no mounting here: the limited child stands in for the full disk
        assert_refused_in_a_child_whose_files_may_not_grow(tmp_path)
        return
    path = small_disk / "full.book"
    with open_book(path) as book:
        contract = full_disk.new_book(path)
        filler = full_disk.fill(small_disk)
        refusal, unchanged, added = full_disk.until_refused(contract)
        assert refusal.message == (
            "Nothing was recorded: the disk that holds the book is full. Free some space, then try again."
        )
        assert refusal.rule == "R14" and unchanged

        # What a user sees: the dialog says it at the top, stays open, and the book is as it was.
        before = snapshot()
        d = show(qtbot, MilestoneDialog(contract, today=TODAY))
        enter(qtbot, child(d, "titleEdit"), "type", "Final files")
        enter(qtbot, child(d, "amountEdit"), "type", "150.00")
        enter(qtbot, child(d, "descriptionEdit"), "paste", full_disk.NOTES)
        qtbot.mouseClick(child(d, "okButton"), Qt.MouseButton.LeftButton)
        assert beside(d, "generalError") == refusal.message
        assert d.isVisible() and d.milestone is None
        assert snapshot() == before

        filler.unlink()  # room again: the same OK now works
        enter(qtbot, child(d, "titleEdit"), "type", "Final files")
        qtbot.mouseClick(child(d, "okButton"), Qt.MouseButton.LeftButton)
        assert d.result() == QDialog.DialogCode.Accepted
        assert check_book(str(book.path)) == []
    with open_book(path, create=False) as book:
        assert check_book(str(book.path)) == []
        assert Milestone.select().count() == added + 1


# ============================================================ good text: accepted, stored and shown exactly

GOOD_TEXT_ROWS = [
    pytest.param("تصميم الشعار الجديد", id="arabic-title"),
    pytest.param("עיצוב לוגו חדש", id="hebrew-title"),
    pytest.param("Logo 🎨 redesign ✨👩🏽‍💻", id="emoji-title"),
    pytest.param("Logo für محمد (v2) 🚀", id="mixed-scripts-title"),
    pytest.param("<b>Logo</b> & <i>brand</i>", id="markup-shown-as-typed"),
]


@pytest.mark.parametrize("title", GOOD_TEXT_ROWS)
def test_right_to_left_emoji_and_markup_are_accepted_stored_and_shown_exactly(qtbot, window, title):
    d = show(qtbot, ContractDialog(window, today=TODAY, new_freelancer=FreelancerDialog))
    enter(qtbot, child(d, "titleEdit"), "paste", title)
    assert beside(d, "titleError") is None
    assert child(d, "okButton").isEnabled()
    qtbot.mouseClick(child(d, "okButton"), Qt.MouseButton.LeftButton)
    assert d.result() == QDialog.DialogCode.Accepted
    stored = Contract.get(Contract.id == d.contract.id)
    assert stored.title == title  # byte for byte, no normalisation, no trimming inside
    window.refresh_all()
    row = window.model.row_of(stored.id)
    assert window.model.data(window.model.index(row, COLUMN_KEYS.index("title"))) == title
    assert window.select_contract(stored.id)
    page_title = window.page.title
    assert page_title.text() == title
    assert page_title.textFormat() == Qt.TextFormat.PlainText or "<" not in title, "markup must show as typed"
    m = ops.add_milestone(stored, title, 10_000)
    window.page.show_contract(stored.id)
    assert window.page.milestones.milestone_table.item(0, 1).text() == title
    assert Milestone.get_by_id(m.id).title == title
    intro = child(show(qtbot, RefundDialog(stored, today=TODAY)), "introLabel")
    assert f"“{title}”" in intro.text()
    assert intro.textFormat() == Qt.TextFormat.PlainText or "<" not in title, "markup must show as typed"


def test_right_to_left_freelancer_name_is_stored_and_shown(qtbot, window):
    d = show(qtbot, FreelancerDialog(window))
    enter(qtbot, child(d, "nameEdit"), "paste", "محمد الأحمد")
    qtbot.mouseClick(child(d, "okButton"), Qt.MouseButton.LeftButton)
    assert Freelancer.get_by_id(d.freelancer.id).name == "محمد الأحمد"
    c = ops.create_contract("Logo", d.freelancer, started_on=START, today=START)
    window.refresh_all()
    row = window.model.row_of(c.id)
    assert window.model.data(window.model.index(row, COLUMN_KEYS.index("freelancer"))) == "محمد الأحمد"


# ============================================================ CSV import
# A folder of contracts.csv, milestones.csv and ledger.csv (models/csv_io.py), one cell or line made bad; the
# import refuses it naming the file and row, and nothing is imported (the book unchanged, R14).

CSV_GOOD = {
    "contracts.csv": [["1", "UP-1", "Logo", "Ana Ruiz", "", "", "upwork", "2026-01-01", "USD", "", "active",
                       "2026-03-01", "", "", ""]],
    "milestones.csv": [["1", "1", "Sketches", "", "300.00", "USD", "", "active", "", ""]],
    "ledger.csv": [["1", "1", "2026-03-02", "fund", "300.00", "USD", "1", "", "", "", ""]],
}  # fmt: skip


def csv_cell(name: str, column: str, value: str):
    def change(rows: dict) -> None:
        rows[name][0][HEADERS[name].index(column)] = value

    return change


def csv_line(name: str, cells: list[str]):
    def change(rows: dict) -> None:
        rows[name].append(cells)

    return change


CSV_ROWS = [
    pytest.param(csv_cell("ledger.csv", "amount", "300,00"), "ledger.csv row 2, amount: “300,00” is not a plain amount",
                 id="R1-comma-decimal"),
    pytest.param(csv_cell("ledger.csv", "amount", "3e2"), "ledger.csv row 2, amount: “3e2” is not a plain amount",
                 id="R1-exponent"),
    pytest.param(csv_cell("ledger.csv", "amount", "-300.00"), "ledger.csv row 2, amount: “-300.00”", id="R1-negative"),
    pytest.param(csv_cell("milestones.csv", "amount", "0"), "more than zero.", id="R1-zero"),
    pytest.param(csv_cell("ledger.csv", "amount", "300.005"), "take at most 2 decimals", id="R1-too-many-decimals"),
    pytest.param(csv_cell("contracts.csv", "budget", "2000000000000"), "too large for a contract", id="R1-too-large"),
    pytest.param(csv_cell("ledger.csv", "contract", "7"), "ledger.csv row 2, contract: contract 7 is not in",
                 id="unknown-contract"),
    pytest.param(csv_cell("ledger.csv", "currency", "EUR"), "“EUR” is not the currency of contract 1 (USD)",
                 id="R1-other-currency"),
    pytest.param(csv_cell("ledger.csv", "date", "2026-02-30"), "“2026-02-30” is not a date", id="impossible-date"),
    pytest.param(csv_cell("contracts.csv", "title", ""), "contracts.csv row 2, title: Enter a title", id="empty-title"),
    pytest.param(csv_cell("contracts.csv", "title", "Logo\x07"), "contains control characters", id="control-char"),
    pytest.param(csv_cell("contracts.csv", "title", LONG_TITLE), "too long (10,000 characters", id="long-title"),
    pytest.param(csv_line("ledger.csv", ["2", "1", "2026-03-03", "release", "900.00", "USD", "1", "", "", "", ""]),
                 "contracts.csv row 2: contract 1 would not add up", id="R12-release-beyond-escrow"),
    pytest.param(csv_line("ledger.csv", ["2", "1", "2026-03-03"]), "ledger.csv row 3: 3 cells; every row has 11",
                 id="short-row"),
    pytest.param(csv_line("ledger.csv", ["2", "1", "2026-03-03", "refund", "10.00", "USD", "1", "1", "", "", ""]),
                 "ledger.csv row 3: this entry is a refund that is not against a payment", id="R9-refund-of-a-funding"),
    pytest.param(csv_cell("milestones.csv", "state", "paid"),
                 "milestones.csv row 2: this milestone is marked paid, but nothing was released", id="R5-paid-unpaid"),
    pytest.param(csv_cell("milestones.csv", "position", "²"), "milestones.csv row 2, position: “²” is not a whole",
                 id="superscript-digit"),
    pytest.param(csv_cell("ledger.csv", "date", "9999-12-31"), "ledger.csv row 2, date: The date 31 Dec 9999",
                 id="R16-year-9999"),
    pytest.param("headers", "contracts.csv row 1: the headers must be exactly", id="wrong-headers"),
    pytest.param("latin-1", "contracts.csv row 2: the file is not UTF-8 text", id="wrong-encoding"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), CSV_ROWS)
def test_bad_csv_import_names_file_and_row_and_imports_nothing(world, unchanged, tmp_path, change, expected):
    rows = {name: [list(r) for r in cells] for name, cells in CSV_GOOD.items()}
    if callable(change):
        change(rows)
    rows["contracts.csv"][0][3] = "Ana Ruíz"  # an accent, so a file in another encoding shows
    for name in FILES:
        headers = list(HEADERS[name])
        if change == "headers" and name == "contracts.csv":
            headers[0] = "id"
        encoding = "latin-1" if change == "latin-1" and name == "contracts.csv" else "utf-8-sig"
        with open(tmp_path / name, "w", encoding=encoding, newline="") as f:
            csv.writer(f, lineterminator="\r\n").writerows([headers, *rows[name]])
    with unchanged():
        refused = assert_refused(lambda: import_folder(tmp_path), "Nothing was imported")
    assert any(expected in problem for problem in refused.problems), refused.problems
