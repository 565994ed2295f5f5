"""File → Reconcile Statement… driven as a user would: a demo book's own statement chosen in the file dialog,
altered row by row, read with its progress window, and the reconciliation it shows: the summary, the counts
of each filter, the rows and their words, the totals; Record it, Record all missing and Choose contract…"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QTableView, QTableWidget

from desktop import formatting
from desktop.window.contracts_model import COLUMN_KEYS
from models import ops, queries
from models import reconcile as rc
from models.check import check_book
from models.entities import Contract, LedgerEntry, StatementLine
from tests.conftest import snapshot
from tests.desktop.statements import (
    DEMO_TODAY,
    cent_more,
    column,
    days_later,
    reconcile,
    select,
    statement,
    statuses,
)
from tests.ui import click

pytestmark = pytest.mark.usefixtures("en_us")


def lose_a_release() -> LedgerEntry:
    """The latest release of an active contract reversed in the books (after the statement was written): it is
    then on the statement only."""
    release = (
        LedgerEntry.select().join(Contract)
        .where((LedgerEntry.kind == "release") & (Contract.status == "active"))
        .order_by(LedgerEntry.date.desc(), LedgerEntry.id.desc()).first()
    )  # fmt: skip
    ops.reverse_entry(release, memo="Recorded twice", today=DEMO_TODAY)
    return release


def three_changes(rows) -> None:
    """A row gone (in the books only), a cent more (the amounts differ), a date 3 days later."""
    del rows[10]
    cent_more(rows, 20)
    days_later(rows, 30, 3)


@pytest.fixture
def altered(demo_window, tmp_path):
    """The demo book's statement with three changes, and a release the books lost: read in and shown."""
    path = statement(tmp_path / "statement.csv", three_changes)
    release = lose_a_release()
    demo_window.refresh_all()  # the window shows the book as it is now
    dialog = reconcile(demo_window, path)
    return demo_window, dialog, release


def test_file_menu_has_reconcile_statement_with_a_mnemonic_of_its_own(demo_window):
    file_menu = next(a.menu() for a in demo_window.menuBar().actions() if a.text() == "&File")
    texts = [a.text() for a in file_menu.actions() if a.text()]
    assert "Reconcile &Statement…" in texts
    letters = [t[t.index("&") + 1].lower() for t in texts if "&" in t and t != "Reconcile &Statement…"]
    assert "s" not in letters
    assert demo_window.act_reconcile.objectName() == "actionReconcileStatement"


def test_a_demo_book_and_its_own_statement_agree(demo_window, tmp_path):
    dialog = reconcile(demo_window, statement(tmp_path / "statement.csv"))
    view = dialog.view
    assert dialog.isVisible() and dialog.windowTitle() == "Reconcile Statement"
    assert dialog.note.text() == "Read 599 rows (Marketplace transaction history (2025)); 599 new."
    assert view.summary.text() == "The statement and the books agree: 599 rows matched."
    assert view.filter_buttons["differences"].text() == "Differences (0)"
    assert view.filter_buttons["all"].isChecked() and view.filter_buttons["all"].text() == "All (599)"
    assert set(statuses(view)) == {"Matched"}
    assert not view.record_all_button.isEnabled() and not view.record_button.isEnabled()
    assert all(view.totals.item(r, 4).text() == "—" for r in range(view.totals.rowCount()))
    assert "Read 599 rows" in demo_window.statusBar().currentMessage()


def test_each_change_is_reported_exactly_with_its_words(altered):
    _, dialog, release = altered
    view = dialog.view
    assert view.summary.text() == "The statement and the books differ: 4 differences."
    assert view.detail.text().splitlines()[0] == (
        "Amounts differ: 1 · Dates differ: 1 · On the statement only: 1 · In the books only: 1 · 595 rows matched"
    )
    assert view.filter_buttons["differences"].isChecked()
    assert view.filter_buttons["differences"].text() == "Differences (4)"
    assert view.filter_buttons["matched"].text() == "Matched (595)"
    assert sorted(statuses(view)) == sorted(
        ["Amounts differ", "Dates differ", "On the statement only", "In the books only"]
    )
    model, rows = view.model, view.model.rows
    cent = next(i for i, r in enumerate(rows) if r.status == rc.AMOUNT_DIFFERS)
    amount, books, difference = (model.index(cent, c) for c in (5, 7, 8))
    assert difference.data() == "$0.01"
    assert amount.data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert amount.data(Qt.ItemDataRole.ToolTipRole).startswith(
        f"The statement says {amount.data()}, the books {books.data()} (a difference of $0.01)."
    )
    moved = next(i for i, r in enumerate(rows) if r.status == rc.DATE_DIFFERS)
    assert model.index(moved, 8).data() == "3 days later"
    assert "(3 days later on the statement)" in model.index(moved, 0).data(Qt.ItemDataRole.ToolTipRole)
    missing = next(r for r in rows if r.status == rc.STATEMENT_ONLY)
    assert (missing.entry_id, missing.amount, missing.day) == (None, release.amount, release.date)
    differ = [view.totals.item(r, 4).text() for r in range(view.totals.rowCount())]
    assert differ[:2] != ["—", "—"] and differ[2:] == ["—"] * (len(differ) - 2)  # the two that differ first
    text = "\n".join([view.summary.text(), view.detail.text(), *(statuses(view))])
    assert "R1" not in text and "R12" not in text


def test_filters_show_matched_not_kept_and_all(qtbot, altered):
    view = altered[1].view
    click(qtbot, view.filter_buttons["matched"])
    assert view.model.total == 595 and set(statuses(view)) == {"Matched"}
    click(qtbot, view.filter_buttons["not_kept"])
    assert view.model.rowCount() == 0
    click(qtbot, view.filter_buttons["all"])
    assert view.model.total == 599 and view.model.rowCount() == 200  # the first page
    while view.model.canFetchMore():
        view.model.fetchMore()
    assert view.model.rowCount() == 599


def test_record_it_brings_the_count_down_and_the_window_follows(qtbot, altered, prompts):
    window, dialog, release = altered
    view = dialog.view
    contract = release.contract
    paid = COLUMN_KEYS.index("paid")
    before = window.model.index(window.model.row_of(contract.id), paid).data()
    assert not view.record_button.isEnabled()
    select(view, lambda r: r.status == rc.STATEMENT_ONLY)
    assert view.record_button.isEnabled()
    click(qtbot, view.record_button)
    assert prompts.asked[-1].startswith(f"Record row {release_row(release)} of the statement in “{contract.title}”")
    assert view.result_texts()[0] == "Recorded 1 of 1 row."
    assert view.result_texts()[1].startswith(f"Row {release_row(release)}: recorded (payment released, ")
    assert view.summary.text() == "The statement and the books differ: 3 differences."
    assert view.filter_buttons["differences"].text() == "Differences (3)"
    assert "On the statement only" not in statuses(view)
    after = window.model.index(window.model.row_of(contract.id), paid).data()
    assert before != after and after == formatting.money(queries.balances(contract).released, contract.currency)
    assert check_book() == []


def release_row(release: LedgerEntry) -> int:
    return StatementLine.get(StatementLine.reference == str(700_000_000 + release.id)).row


def test_record_all_missing_asks_first_and_told_no_records_nothing(qtbot, altered, prompts):
    view = altered[1].view
    assert view.record_all_button.text() == "Record &all missing (1)…"
    prompts.answer = False
    before = snapshot()
    click(qtbot, view.record_all_button)
    assert prompts.asked == [
        "This records 1 movement of money that the statement has and the books do not, each through its normal "
        "operation, dated and in the amount the statement says. One that cannot be recorded is left, with the "
        "reason."
    ]
    assert snapshot() == before
    prompts.answer = True
    click(qtbot, view.record_all_button)
    assert view.result_texts()[0] == "Recorded 1 of 1 row."
    assert view.counts[rc.STATEMENT_ONLY] == 0 and not view.record_all_button.isEnabled()


def test_a_row_that_cannot_be_recorded_says_why_and_the_others_are_recorded(qtbot, demo_window, tmp_path, prompts):
    """Two rows on the statement only: a release the books lost (recorded), and a funding of $12.34 that no
    milestone of its contract waits for (refused, in words; nothing of it is written)."""

    def odd_funding(rows) -> None:
        extra = list(rows[1])
        extra[column(rows, "Transaction ID")] = "999999999"
        extra[column(rows, "Date")] = "2026-11-20"
        extra[column(rows, "Amount $")] = "-12.34"
        rows.append(extra)

    path = statement(tmp_path / "statement.csv", odd_funding)
    release = lose_a_release()
    view = reconcile(demo_window, path).view
    assert view.counts[rc.STATEMENT_ONLY] == 2
    title = next(r.contract for r in view.model.rows if r.amount == 1234)
    select(view, lambda r: r.status == rc.STATEMENT_ONLY)
    assert view.record_button.text() == "&Record 2 rows"
    click(qtbot, view.record_button)
    assert prompts.asked[-1] == "Record the 2 selected rows, each dated and in the amount the statement says?"
    texts = view.result_texts()
    assert texts[0] == "Recorded 1 of 2 rows."
    assert f"Row {release_row(release)}: recorded (payment released, " in "\n".join(texts)
    assert (
        f"Row 601: not recorded. “{title}” has no milestone waiting to be funded with $12.34: add the "
        "milestone (or fund it) on the contract first." in texts
    )
    assert view.counts[rc.STATEMENT_ONLY] == 1
    assert check_book() == []


def test_choose_contract_settles_a_row_that_fits_several(qtbot, demo_window, tmp_path):
    chosen: list = []

    def vague(rows) -> None:
        """The first row's words no longer name its contract; its freelancer has several in its currency."""
        for name in ("Transaction Summary Details", "Description 1", "Ref ID"):
            rows[1][column(rows, name)] = ""
        rows[1][column(rows, "Transaction Summary")] = "Fixed-price milestone"

    dialog = reconcile(demo_window, statement(tmp_path / "statement.csv", vague))
    view = dialog.view
    assert view.counts[rc.CHOOSE] == 1
    row = next(r for r in view.model.rows if r.status == rc.CHOOSE)
    contract = Contract.get_by_id(LedgerEntry.get_by_id(int(row.reference) - 700_000_000).contract_id)
    view.pick_contract = lambda parent, r: chosen.append(r) or contract.id
    select(view, lambda r: r.status == rc.CHOOSE)
    assert view.choose_button.isEnabled() and not view.record_button.isEnabled()
    click(qtbot, view.choose_button)
    assert chosen[0].line_id == row.line_id
    assert view.result_texts() == [
        f"Row {row.row} now belongs to “{contract.title}”; later statements' rows like it will too."
    ]
    assert view.summary.text() == "The statement and the books agree: 599 rows matched."


def test_the_contract_picker_lists_the_rows_currency_and_searches_in_sql(demo_window, qtbot):
    from desktop.dialogs.contract_picker import ContractPickerDialog

    usd = Contract.select().where(Contract.currency == "USD")
    who = Contract.select().where(Contract.currency == "USD").first().freelancer.name
    dialog = ContractPickerDialog(demo_window, currency="USD", freelancer=who)
    qtbot.addWidget(dialog)
    dialog.open()
    listed = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert len(listed) == usd.count() and listed[0].split(" — ")[1].startswith(who)
    title = Contract.select().where(Contract.currency == "USD").order_by(Contract.title.desc()).first().title
    dialog.search.setText(title)
    dialog.fill()
    found = [dialog.list.item(i).text().split(" — ")[0] for i in range(dialog.list.count())]
    assert title in found and len(found) < len(listed) and all(title in t for t in found)
    dialog.list.setCurrentRow(found.index(title))
    click(qtbot, dialog.ok_button)
    assert dialog.chosen == Contract.get(Contract.title == title).id


def test_importing_the_same_statement_again_changes_nothing(demo_window, tmp_path):
    path = statement(tmp_path / "statement.csv")
    reconcile(demo_window, path).reject()
    before = snapshot(ignore={"audit_log": {"at"}})
    dialog = reconcile(demo_window, path)
    assert dialog.note.text() == (
        "Read 599 rows (Marketplace transaction history (2025)); 599 imported before, left as they were."
    )
    assert dialog.view.summary.text() == "The statement and the books agree: 599 rows matched."
    assert snapshot(ignore={"audit_log": {"at"}}) == before


def test_a_malformed_statement_is_refused_by_row_and_nothing_is_recorded(demo_window, tmp_path, prompts):
    def broken(rows) -> None:
        rows[5][column(rows, "Amount $")] = "twelve"
        rows[9][column(rows, "Date")] = "31/31/2026"

    path = statement(tmp_path / "statement.csv", broken)
    before = snapshot()
    assert reconcile(demo_window, path) is None
    title, text = prompts.warned[-1]
    assert title == "Reconcile Statement"
    assert text.startswith("The statement was not read: 2 problems found. Nothing was recorded.")
    assert "row 6:" in text and "row 10:" in text
    assert snapshot() == before


def test_cancelling_the_progress_records_nothing(demo_window, tmp_path, monkeypatch):
    from desktop.dialogs import reconcile as module

    monkeypatch.setattr(module.QProgressDialog, "wasCanceled", lambda self: True)
    before = snapshot()
    assert reconcile(demo_window, statement(tmp_path / "statement.csv")) is None
    assert demo_window.statusBar().currentMessage() == "Reading “statement.csv” was cancelled: nothing was recorded."
    assert snapshot() == before


def test_a_cancelled_file_dialog_does_nothing(demo_window):
    before = snapshot()
    demo_window.choose_statement_file = lambda: ""
    demo_window.reconcile_dialog = None
    demo_window.act_reconcile.trigger()
    assert demo_window.reconcile_dialog is None and snapshot() == before


def test_every_interactive_widget_is_named(altered):
    dialog = altered[1]
    widgets = [
        *dialog.findChildren(QAbstractButton),
        *dialog.findChildren(QTableView),
        *dialog.findChildren(QTableWidget),
        *dialog.findChildren(QComboBox),
        *dialog.findChildren(QLineEdit),
    ]
    widgets = [w for w in widgets if w.isVisibleTo(dialog) and w.objectName() not in ("qt_scrollarea_viewport",)]
    assert len(widgets) >= 9
    for w in widgets:
        if w.parent() is not None and type(w).__name__ == "QAbstractButton":  # a table's corner button
            continue
        assert w.objectName(), w
        assert w.accessibleName(), w.objectName()
