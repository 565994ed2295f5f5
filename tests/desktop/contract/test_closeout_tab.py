"""The contract page's Closeout tab (R11), driven as a user would: select a row, click, type, read the message.

Time comes in through the tab's `today` callable; refusals are wrapped in `unchanged` (R14); after each flow
the whole book still passes `escrowbook check`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QTableWidget,
    QWidget,
)

from desktop.contract.closeout_tab import BEFORE_END, CloseoutTab
from desktop.dialogs.closeout_item import AccessDialog, CloseoutItemDialog, DeliverableDialog
from desktop.dialogs.event_date import EventDateDialog
from desktop.widgets.fields import FieldError
from models import ops, queries
from models.check import check_book
from models.clock import end_of_day
from models.entities import AccessGrant, CloseoutItem, Contract, Deliverable
from tests.conftest import START, Prompts
from tests.ui import beside, child, click, ok_enabled, record_on

ENDED = date(2026, 3, 10)  # the feedback window then closes at 23:59:59 UTC on 24 March (R10)
LAST_FEEDBACK_DAY = date(2026, 3, 24)
INTERACTIVE = (QLineEdit, QComboBox, QAbstractButton, QAbstractSpinBox, QTableWidget)
COMPOSITE = (QAbstractSpinBox, QComboBox, QAbstractItemView)


pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py


@dataclass
class Harness:
    """The tab, the day it believes it is, and what it asked and said (the `prompts` fixture)."""

    tab: CloseoutTab
    prompts: Prompts
    today: date = date(2026, 3, 5)

    def __getattr__(self, name):  # asked, warned
        return getattr(self.prompts, name)


@pytest.fixture
def ui(qtbot, prompts) -> Harness:
    h = Harness(tab=None, prompts=prompts)
    tab = CloseoutTab(today=lambda: h.today)
    h.tab = tab
    qtbot.addWidget(tab)
    tab.resize(900, 520)
    tab.show()
    qtbot.waitExposed(tab)
    return h


# ------------------------------------------------------------------ helpers


def texts(table: QTableWidget) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def select(qtbot, table: QTableWidget, first_column: str) -> None:
    """Click the row whose first cell reads `first_column`."""
    for r in range(table.rowCount()):
        item = table.item(r, 0)
        if item.text() == first_column:
            table.scrollToItem(item)
            qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualItemRect(item).center())
            assert table.selectionModel().selectedRows()[0].row() == r
            return
    raise AssertionError(f"no row {first_column!r} in {table.objectName()}")


def retype(qtbot, edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    if text:
        qtbot.keyClicks(edit, text)


def opened(qtbot, tab: CloseoutTab, button: QAbstractButton, kind: type):
    click(qtbot, button)
    dialog = tab.dialog
    assert isinstance(dialog, kind)
    qtbot.waitExposed(dialog)
    return dialog


def asked_on(qtbot, tab: CloseoutTab, button: QAbstractButton) -> EventDateDialog:
    """Click a button that records an event: the "On:" dialog opens."""
    click(qtbot, button)
    dialog = tab.date_dialog
    assert isinstance(dialog, EventDateDialog)
    qtbot.waitExposed(dialog)
    return dialog


def tick(qtbot, tab: CloseoutTab, note: str = "", day: date | None = None) -> CloseoutItemDialog:
    """Mark done… on the selected item: its dialog, the note typed, the day chosen, OK."""
    dialog = opened(qtbot, tab, tab.mark_done_button, CloseoutItemDialog)
    if note:
        qtbot.keyClicks(child(dialog, "noteEdit"), note)
    record_on(qtbot, dialog, day)
    return dialog


def shown_warning(dialog: AccessDialog) -> str | None:
    label = child(dialog, "secretWarning")
    if not label.isVisible():
        return None
    assert label.text().startswith("⚠ ")  # not colour alone
    return label.text().removeprefix("⚠ ")


def fresh(contract: Contract) -> Contract:
    return Contract.get_by_id(contract.id)


@pytest.fixture
def ended(contract):
    """The fixture contract, ended on 10 March with one access entry and one piece of work still out."""
    ops.add_access(contract, "GitHub org: write access", where="github.com/acme", given_on=START, today=START)
    ops.add_deliverable(contract, "Logo source files", kind=Deliverable.WORK)
    ops.end_contract(contract, agreed=True, today=ENDED)
    return fresh(contract)


# ------------------------------------------------------------------ before the end


def test_before_the_end_the_progress_line_says_when_the_checklist_starts(ui, contract):
    ui.tab.show_contract(contract)
    assert ui.tab.progress.objectName() == "closeoutProgress"
    assert ui.tab.progress.text() == BEFORE_END
    table = ui.tab.checklist_table
    assert [row[0] for row in texts(table)] == [CloseoutItem.LABELS[k] for k in CloseoutItem.STANDARD]
    assert all(not (table.item(r, 0).flags() & Qt.ItemFlag.ItemIsSelectable) for r in range(table.rowCount()))
    assert not ui.tab.mark_done_button.isEnabled()
    assert ui.tab.add_access_button.isEnabled() and ui.tab.add_deliverable_button.isEnabled()
    assert not ui.tab.revoke_button.isEnabled() and not ui.tab.received_button.isEnabled()


def test_add_access_before_the_contract_ends_registers_it_and_emits_changed(qtbot, ui, contract):
    ui.tab.show_contract(contract)
    dialog = opened(qtbot, ui.tab, ui.tab.add_access_button, AccessDialog)
    assert dialog.objectName() == "accessDialog"
    qtbot.keyClicks(child(dialog, "accessLabelEdit"), "GitHub org: write access")
    qtbot.keyClicks(child(dialog, "accessWhereEdit"), "github.com/acme")
    child(dialog, "accessGivenOnEdit").setDate(QDate(2026, 3, 2))
    assert shown_warning(dialog) is None
    with qtbot.waitSignal(ui.tab.changed, timeout=1000) as signal:
        click(qtbot, child(dialog, "okButton"))
    assert signal.args == [contract.id]
    grant = AccessGrant.get(AccessGrant.contract == contract)
    assert (grant.label, grant.where, grant.given_on, grant.revoked_on) == (
        "GitHub org: write access",
        "github.com/acme",
        date(2026, 3, 2),
        None,
    )
    assert texts(ui.tab.access_table) == [
        ["GitHub org: write access", "github.com/acme", "2 Mar 2026", "not revoked yet"]
    ]
    assert ui.tab.progress.text() == BEFORE_END
    assert check_book() == []


def test_access_cannot_be_dated_after_today_in_the_dialog(qtbot, ui, contract):
    ui.tab.show_contract(contract)
    dialog = opened(qtbot, ui.tab, ui.tab.add_access_button, AccessDialog)
    given = child(dialog, "accessGivenOnEdit")
    assert given.maximumDate() == QDate(2026, 3, 5)
    given.setDate(QDate(2026, 3, 9))
    assert given.date() == QDate(2026, 3, 5)


def test_a_password_is_refused_beside_the_label_and_the_user_fixes_it_before_ok(qtbot, ui, contract, unchanged):
    ui.tab.show_contract(contract)
    dialog = opened(qtbot, ui.tab, ui.tab.add_access_button, AccessDialog)
    label = child(dialog, "accessLabelEdit")
    with unchanged():
        qtbot.keyClicks(label, "password: hunter2")
        assert "never the secret itself" in dialog.findChild(FieldError, "labelError").text()  # R11
        assert shown_warning(dialog) is None
        assert not child(dialog, "okButton").isEnabled()
        retype(qtbot, label, "GitHub org: write access")
        assert shown_warning(dialog) is None
        assert child(dialog, "okButton").isEnabled()
    click(qtbot, child(dialog, "okButton"))
    assert [g.label for g in AccessGrant.select()] == ["GitHub org: write access"]
    assert "hunter2" not in repr(texts(ui.tab.access_table))
    assert check_book() == []


def test_the_secret_warning_is_a_warning_not_a_block(qtbot, ui, contract):
    ui.tab.show_contract(contract)
    dialog = opened(qtbot, ui.tab, ui.tab.add_access_button, AccessDialog)
    qtbot.keyClicks(child(dialog, "accessLabelEdit"), "CI deploy token: kept in the team vault")
    assert shown_warning(dialog) is not None
    with qtbot.waitSignal(ui.tab.changed, timeout=1000):
        click(qtbot, child(dialog, "okButton"))
    assert [g.label for g in AccessGrant.select()] == ["CI deploy token: kept in the team vault"]
    assert check_book() == []


def test_an_empty_access_label_keeps_ok_disabled_and_cancel_writes_nothing(qtbot, ui, contract, unchanged):
    ui.tab.show_contract(contract)
    with unchanged():
        dialog = opened(qtbot, ui.tab, ui.tab.add_access_button, AccessDialog)
        assert not child(dialog, "okButton").isEnabled()
        qtbot.keyClicks(child(dialog, "accessLabelEdit"), "x")
        retype(qtbot, child(dialog, "accessLabelEdit"), "")
        assert not child(dialog, "okButton").isEnabled()
        assert dialog.error_text("label") == "Enter a label."
        click(qtbot, child(dialog, "cancelButton"))
    assert ui.tab.dialog is None


def test_revoke_asks_the_day_and_cancel_changes_nothing(qtbot, ui, contract, unchanged):
    ops.add_access(contract, "Figma team: editor", given_on=START, today=START)
    ui.tab.show_contract(contract)
    assert not ui.tab.revoke_button.isEnabled()
    select(qtbot, ui.tab.access_table, "Figma team: editor")
    with unchanged():
        dialog = asked_on(qtbot, ui.tab, ui.tab.revoke_button)
        assert child(dialog, "eventSentence").text() == "Record that you changed or revoked “Figma team: editor”."
        click(qtbot, child(dialog, "cancelButton"))
    assert ui.tab.date_dialog is None and ui.asked == []  # one question, not a confirmation too
    dialog = asked_on(qtbot, ui.tab, ui.tab.revoke_button)
    with qtbot.waitSignal(ui.tab.changed, timeout=1000) as signal:
        record_on(qtbot, dialog, date(2026, 3, 3))
    assert signal.args == [contract.id]
    assert AccessGrant.get().revoked_on == date(2026, 3, 3)
    assert texts(ui.tab.access_table)[0][3] == "3 Mar 2026"
    select(qtbot, ui.tab.access_table, "Figma team: editor")
    assert not ui.tab.revoke_button.isEnabled()  # already revoked
    assert check_book() == []


def test_r16_a_revocation_dated_before_the_access_was_given_is_refused_under_the_date(qtbot, ui, contract, unchanged):
    ops.add_access(contract, "Figma team: editor", given_on=date(2026, 3, 3), today=date(2026, 3, 3))
    ui.tab.show_contract(contract)
    select(qtbot, ui.tab.access_table, "Figma team: editor")
    dialog = asked_on(qtbot, ui.tab, ui.tab.revoke_button)
    with unchanged(), qtbot.assertNotEmitted(ui.tab.changed):
        record_on(qtbot, dialog, date(2026, 3, 2))
    assert beside(dialog, "dateError") == (
        "2 Mar 2026 is before the access “Figma team: editor” was given on 3 Mar 2026. Choose 3 Mar 2026 or later."
    )
    assert dialog.isVisible() and not ok_enabled(dialog)
    assert dialog.date_edit.maximumDate() == QDate(2026, 3, 5)  # never later than today
    record_on(qtbot, dialog, date(2026, 3, 3))  # the same day is allowed
    assert AccessGrant.get().revoked_on == date(2026, 3, 3)


def test_add_a_thing_to_receive_back_and_mark_it_received(qtbot, ui, contract):
    ui.tab.show_contract(contract)
    dialog = opened(qtbot, ui.tab, ui.tab.add_deliverable_button, DeliverableDialog)
    assert dialog.objectName() == "deliverableDialog"
    assert not child(dialog, "okButton").isEnabled()
    qtbot.keyClicks(child(dialog, "deliverableLabelEdit"), "Test laptop")
    kind = child(dialog, "deliverableKindCombo")
    assert [kind.itemText(i) for i in range(kind.count())] == ["work", "material", "equipment"]
    kind.setCurrentIndex(kind.findData(Deliverable.EQUIPMENT))
    with qtbot.waitSignal(ui.tab.changed, timeout=1000):
        click(qtbot, child(dialog, "okButton"))
    d = Deliverable.get()
    assert (d.label, d.kind, d.received_on) == ("Test laptop", "equipment", None)
    assert texts(ui.tab.deliverables_table) == [["Test laptop", "equipment", "not received yet"]]
    assert not ui.tab.received_button.isEnabled()
    select(qtbot, ui.tab.deliverables_table, "Test laptop")
    dialog = asked_on(qtbot, ui.tab, ui.tab.received_button)
    assert child(dialog, "eventSentence").text() == "Record that you received “Test laptop” back."
    with qtbot.waitSignal(ui.tab.changed, timeout=1000) as signal:
        record_on(qtbot, dialog, date(2026, 3, 4))
    assert signal.args == [contract.id]
    assert Deliverable.get().received_on == date(2026, 3, 4)
    assert texts(ui.tab.deliverables_table) == [["Test laptop", "equipment", "4 Mar 2026"]]
    assert not ui.tab.received_button.isEnabled()  # still selected, already received
    assert check_book() == []


def test_mark_received_refused_before_the_contract_started(qtbot, ui, contract, unchanged):
    ops.add_deliverable(contract, "Brand guide", kind=Deliverable.MATERIAL)
    ui.today = date(2026, 2, 27)  # the contract starts on 1 March: no day can be chosen but today
    ui.tab.show_contract(contract)
    select(qtbot, ui.tab.deliverables_table, "Brand guide")
    dialog = asked_on(qtbot, ui.tab, ui.tab.received_button)
    with unchanged(), qtbot.assertNotEmitted(ui.tab.changed):
        record_on(qtbot, dialog)
    assert dialog.error_text("date") == (
        "27 Feb 2026 is before the start of the contract on 1 Mar 2026. Choose 1 Mar 2026 or later."
    )
    assert ui.warned == [] and dialog.isVisible()
    assert check_book() == []


# ------------------------------------------------------------------ the checklist, after the end


def test_the_revoke_access_item_is_refused_while_an_entry_is_unrevoked(qtbot, ui, ended, unchanged):
    ui.today = date(2026, 3, 11)
    ui.tab.show_contract(ended)
    select(qtbot, ui.tab.checklist_table, CloseoutItem.LABELS[CloseoutItem.REVOKE_ACCESS])
    with unchanged(), qtbot.assertNotEmitted(ui.tab.changed):
        dialog = tick(qtbot, ui.tab)
    assert beside(dialog, "generalError") == "Revoke the 1 open access entry first."
    assert dialog.isVisible() and ui.warned == []
    assert texts(ui.tab.checklist_table)[0][1] == "not done yet"
    assert ui.tab.progress.text() == "0 of 4 done"
    assert check_book() == []


def test_the_receive_work_item_is_refused_while_a_deliverable_is_not_received(qtbot, ui, ended, unchanged):
    ui.today = date(2026, 3, 11)
    ui.tab.show_contract(ended)
    select(qtbot, ui.tab.checklist_table, CloseoutItem.LABELS[CloseoutItem.RECEIVE_WORK])
    with unchanged(), qtbot.assertNotEmitted(ui.tab.changed):
        dialog = tick(qtbot, ui.tab)
    assert beside(dialog, "generalError") == "Mark the 1 item(s) still to receive as received first."
    assert check_book() == []


def test_r16_a_tick_dated_before_the_ending_is_refused_under_the_date(qtbot, ui, ended, unchanged):
    ui.today = date(2026, 3, 12)
    ui.tab.show_contract(ended)
    select(qtbot, ui.tab.checklist_table, CloseoutItem.LABELS[CloseoutItem.REMIND_PROPERTY])
    with unchanged(), qtbot.assertNotEmitted(ui.tab.changed):
        dialog = tick(qtbot, ui.tab, day=date(2026, 3, 9))
    assert beside(dialog, "dateError") == (
        "9 Mar 2026 is before the end of the contract on 10 Mar 2026. Choose 10 Mar 2026 or later."
    )
    record_on(qtbot, dialog, date(2026, 3, 10))
    assert texts(ui.tab.checklist_table)[2][1] == "10 Mar 2026"


def test_leave_feedback_is_refused_while_the_feedback_window_is_open(qtbot, ui, ended, unchanged):
    ui.today = date(2026, 3, 26)
    assert not queries.feedback_window_open(ended, end_of_day(ui.today))
    ui.tab.show_contract(ended)
    select(qtbot, ui.tab.checklist_table, CloseoutItem.LABELS[CloseoutItem.LEAVE_FEEDBACK])
    # Dated the last day of the window, the tick is refused: the window was still open that day.
    with unchanged(), qtbot.assertNotEmitted(ui.tab.changed):
        dialog = tick(qtbot, ui.tab, day=LAST_FEEDBACK_DAY)
    assert beside(dialog, "generalError") == (
        "Leave your feedback first: the window is open until 24 Mar 2026 23:59 UTC."
    )
    # Dated a day later the window had closed: the item is ticked on that day.
    record_on(qtbot, dialog, date(2026, 3, 25))
    item = CloseoutItem.get((CloseoutItem.contract == ended) & (CloseoutItem.kind == CloseoutItem.LEAVE_FEEDBACK))
    assert item.done_on == date(2026, 3, 25)
    assert check_book() == []


def test_submitted_feedback_ticks_its_item_and_the_tab_shows_it(qtbot, ui, ended):
    stars = dict.fromkeys(("skills", "quality", "availability", "schedule", "communication", "cooperation"), 5)
    ops.submit_feedback(ended, stars, now=end_of_day(date(2026, 3, 12)))
    ui.tab.show_contract(ended)
    assert texts(ui.tab.checklist_table)[3][:2] == ["Leave feedback", "12 Mar 2026"]
    assert ui.tab.progress.text() == "1 of 4 done"
    select(qtbot, ui.tab.checklist_table, "Leave feedback")
    assert not ui.tab.mark_done_button.isEnabled()


def test_mark_done_records_the_day_and_the_note_and_cancel_changes_nothing(qtbot, ui, ended, unchanged):
    ui.today = date(2026, 3, 12)
    ui.tab.show_contract(ended)
    label = CloseoutItem.LABELS[CloseoutItem.REMIND_PROPERTY]
    select(qtbot, ui.tab.checklist_table, label)
    with unchanged(), qtbot.assertNotEmitted(ui.tab.changed):
        dialog = opened(qtbot, ui.tab, ui.tab.mark_done_button, CloseoutItemDialog)
        assert child(dialog, "itemSentence").text() == f"Record that “{label}” is done on “Logo redesign”."
        assert dialog.date_edit.date() == QDate(2026, 3, 12)
        click(qtbot, child(dialog, "cancelButton"))
    assert ui.warned == [] and ui.asked == []
    with qtbot.waitSignal(ui.tab.changed, timeout=1000) as signal:
        tick(qtbot, ui.tab, note="Emailed them on 11 March", day=date(2026, 3, 11))
    assert signal.args == [ended.id]
    row = texts(ui.tab.checklist_table)[2]
    assert row == [label, "11 Mar 2026", "Emailed them on 11 March"]
    assert ui.tab.progress.text() == "1 of 4 done"
    assert not ui.tab.mark_done_button.isEnabled()  # the selection stays on the item, now done
    assert check_book() == []


def test_every_item_ticked_every_entry_revoked_everything_received_is_closed_out(qtbot, ui, contract):
    emitted: list[int] = []
    ui.tab.changed.connect(emitted.append)
    ui.tab.show_contract(contract)

    # During the contract: the register and the things to receive back.
    dialog = opened(qtbot, ui.tab, ui.tab.add_access_button, AccessDialog)
    qtbot.keyClicks(child(dialog, "accessLabelEdit"), "GitHub org: write access")
    click(qtbot, child(dialog, "okButton"))
    dialog = opened(qtbot, ui.tab, ui.tab.add_access_button, AccessDialog)
    qtbot.keyClicks(child(dialog, "accessLabelEdit"), "Figma team: editor")
    click(qtbot, child(dialog, "okButton"))
    dialog = opened(qtbot, ui.tab, ui.tab.add_deliverable_button, DeliverableDialog)
    qtbot.keyClicks(child(dialog, "deliverableLabelEdit"), "Logo source files")
    click(qtbot, child(dialog, "okButton"))
    assert ui.tab.progress.text() == BEFORE_END

    ops.end_contract(contract, agreed=True, today=ENDED)  # the page's End contract, not this tab
    ui.today = date(2026, 3, 12)
    ui.tab.show_contract(contract.id)
    assert ui.tab.progress.text() == "0 of 4 done"

    for label in ("GitHub org: write access", "Figma team: editor"):
        select(qtbot, ui.tab.access_table, label)
        record_on(qtbot, asked_on(qtbot, ui.tab, ui.tab.revoke_button))
    select(qtbot, ui.tab.deliverables_table, "Logo source files")
    record_on(qtbot, asked_on(qtbot, ui.tab, ui.tab.received_button))

    for n, kind in enumerate(
        (CloseoutItem.REVOKE_ACCESS, CloseoutItem.RECEIVE_WORK, CloseoutItem.REMIND_PROPERTY), start=1
    ):
        select(qtbot, ui.tab.checklist_table, CloseoutItem.LABELS[kind])
        tick(qtbot, ui.tab)
        assert ui.tab.progress.text() == f"{n} of 4 done"
    assert not queries.is_closed_out(fresh(contract))

    ui.today = date(2026, 3, 25)  # the feedback window closed at the end of 24 March
    select(qtbot, ui.tab.checklist_table, CloseoutItem.LABELS[CloseoutItem.LEAVE_FEEDBACK])
    tick(qtbot, ui.tab)

    assert ui.warned == []
    assert queries.is_closed_out(fresh(contract))
    assert ui.tab.progress.text() == "Closed out"
    assert all(row[1] != "not done yet" for row in texts(ui.tab.checklist_table))
    assert not ui.tab.mark_done_button.isEnabled()
    assert emitted == [contract.id] * 10  # 3 added, 2 revoked, 1 received, 4 ticked
    assert check_book() == []


# ------------------------------------------------------------------ state, names


def test_buttons_are_enabled_only_when_they_apply(qtbot, ui, ended):
    ui.today = date(2026, 3, 12)
    ui.tab.show_contract(ended)
    tab = ui.tab
    assert not tab.mark_done_button.isEnabled() and not tab.revoke_button.isEnabled()
    assert not tab.received_button.isEnabled()
    select(qtbot, tab.checklist_table, CloseoutItem.LABELS[CloseoutItem.REMIND_PROPERTY])
    assert tab.mark_done_button.isEnabled()
    tick(qtbot, tab)
    assert not tab.mark_done_button.isEnabled()
    select(qtbot, tab.access_table, "GitHub org: write access")
    assert tab.revoke_button.isEnabled()
    select(qtbot, tab.deliverables_table, "Logo source files")
    assert tab.received_button.isEnabled()
    tab.show_contract(None)
    assert not tab.isEnabled()
    assert tab.access_table.rowCount() == tab.deliverables_table.rowCount() == tab.checklist_table.rowCount() == 0
    assert not tab.add_access_button.isEnabled() and not tab.add_deliverable_button.isEnabled()


def test_every_interactive_widget_has_an_object_name_and_an_accessible_name(qtbot, ui, contract):
    ui.tab.show_contract(contract)
    assert ui.tab.objectName() == "closeoutTab"
    names = {w.objectName() for w in ui.tab.findChildren(QWidget)}
    for name in (
        "closeoutProgress",
        "checklistTable",
        "markDoneButton",
        "accessTable",
        "addAccessButton",
        "revokeButton",
        "deliverablesTable",
        "addDeliverableButton",
        "receivedButton",
    ):
        assert name in names
    dialogs = [
        opened(qtbot, ui.tab, ui.tab.add_access_button, AccessDialog),
        DeliverableDialog(contract, ui.tab),
    ]
    for root in (ui.tab, *dialogs):
        for w in root.findChildren(QWidget):
            if not isinstance(w, INTERACTIVE) or not w.isVisibleTo(root) or isinstance(w.parent(), COMPOSITE):
                continue  # hidden, or a part of a date edit, combo box or table
            if w.window() is not root:
                continue  # a dialog's widgets are checked with the dialog
            assert w.objectName(), f"unnamed {type(w).__name__} in {root.objectName()}"
            assert w.accessibleName(), f"{w.objectName()} has no accessible name"
    for name in ("accessLabelEdit", "accessWhereEdit", "accessGivenOnEdit"):
        assert child(dialogs[0], name).accessibleName()
    click(qtbot, child(dialogs[0], "cancelButton"))
