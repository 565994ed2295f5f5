"""The mapping step of File → Reconcile Statement…: a statement whose header row no format knows (the demo
book's own, as another tool would export it: its own headers, fewer columns; or the marketplace's 2025 export
with headers renamed), its columns chosen as a user does (the description from one column or several, ticked
in a list), the format saved in the client's own folder, the statement read with it, and the next one with
these headers read by itself."""

from __future__ import annotations

import tomllib

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QListWidget

from desktop.dialogs.statement_mapping import DEFAULT_NAME, StatementMappingDialog, guess
from models import reconcile as rc
from models import statements as st
from tests.conftest import snapshot
from tests.desktop.statements import CUSTOM, custom_export, read_rows, reconcile, statement, write_rows
from tests.ui import click

pytestmark = pytest.mark.usefixtures("en_us")


@pytest.fixture
def mapping(demo_window, tmp_path):
    """File → Reconcile Statement… with that statement: the mapping step, open."""
    dialog = reconcile(demo_window, custom_export(statement(tmp_path / "statement.csv"), tmp_path / "bank.csv"))
    assert isinstance(dialog, StatementMappingDialog) and dialog.isVisible()
    return dialog


def choose_all(dialog) -> None:
    for fld, header in (("date", "Posted on"), ("amount", "Value"), ("type", "Category"), ("description", "Narrative"),
                        ("reference", "Txn No"), ("freelancer", "Payee"), ("currency", "Cur")):  # fmt: skip
        dialog.choose(fld, header)


def test_the_mapping_step_lists_the_headers_and_previews_the_first_rows(mapping, demo_window):
    assert demo_window.reconcile_dialog is None  # nothing read yet
    combo = mapping.combos["date"]
    assert [combo.itemText(i) for i in range(combo.count())] == ["(none)", *CUSTOM]
    assert mapping.name_edit.text() == DEFAULT_NAME
    mapping.choose("amount", "Value")
    assert mapping.previews["amount"].text() == "-2430.00  ·  -2430.00  ·  -2325.00"
    mapping.choose("currency", "Cur")
    assert mapping.previews["currency"].text() == "USD  ·  USD  ·  USD"
    mapping.choose("currency", "")
    assert mapping.previews["currency"].text() == ""


def test_save_is_disabled_until_date_amount_type_and_a_name_are_given(mapping, qtbot):
    for fld in st.FIELDS:
        mapping.choose(fld, "")
    assert not mapping.ok_button.isEnabled()
    assert mapping.missing.text() == "Choose the column of: date, amount, transaction type."
    mapping.choose("date", "Posted on")
    mapping.choose("amount", "Value")
    assert mapping.missing.text() == "Choose the column of: transaction type."
    mapping.choose("type", "Category")
    assert mapping.ok_button.isEnabled() and not mapping.missing.isVisibleTo(mapping)
    mapping.name_edit.clear()
    assert not mapping.ok_button.isEnabled() and mapping.missing.text() == "Give the format a name."
    qtbot.keyClicks(mapping.name_edit, "Bank export")
    assert mapping.ok_button.isEnabled()


def test_saved_it_reads_the_statement_and_finds_the_format_by_itself_next_time(
    qtbot, mapping, demo_window, tmp_path, statement_formats
):
    choose_all(mapping)
    mapping.name_edit.setText("Bank export (Acme)")
    click(qtbot, mapping.ok_button)
    assert [p.name for p in statement_formats.iterdir()] == ["bank-export-acme.toml"]
    dialog = demo_window.reconcile_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.note.text() == "Read 599 rows (Bank export (Acme)); 599 new."
    assert dialog.view.summary.text() == "The statement and the books agree: 599 rows matched."
    dialog.reject()
    # The next statement with these headers (a later download, with a row of a new reference) is read by itself.
    rows = read_rows(tmp_path / "bank.csv")
    rows[5][CUSTOM.index("Value")] = f"{float(rows[5][CUSTOM.index('Value')]) - 0.01:.2f}"
    rows[5][CUSTOM.index("Txn No")] = "800000001"
    again = reconcile(demo_window, write_rows(tmp_path / "next-month.csv", rows))
    assert again is demo_window.reconcile_dialog and demo_window.mapping_dialog is None
    assert again.note.text() == "Read 599 rows (Bank export (Acme)); 1 new; 598 imported before, left as they were."
    assert again.view.summary.text() == "The statement and the books differ: 1 difference."
    assert again.view.counts[rc.STATEMENT_ONLY] == 1  # (the same figures as a row matched, but a new reference)


def test_cancel_saves_nothing_and_records_nothing(qtbot, mapping, demo_window, statement_formats):
    before = snapshot()
    click(qtbot, mapping.findChild(QAbstractButton, "cancelButton"))
    assert not statement_formats.exists() and demo_window.reconcile_dialog is None
    assert snapshot() == before


def test_a_mapping_that_does_not_read_the_statement_is_refused_by_row(qtbot, mapping, demo_window, prompts):
    """The date read from the description column: every row is refused, with its number; nothing recorded."""
    choose_all(mapping)
    mapping.choose("date", "Narrative")
    before = snapshot()
    click(qtbot, mapping.ok_button)
    title, text = prompts.warned[-1]
    assert title == "Reconcile Statement"
    assert text.startswith("The statement was not read:") and "Nothing was recorded." in text
    assert "• row 2:" in text
    assert demo_window.reconcile_dialog is None
    assert snapshot() == before


def test_first_guesses_come_from_the_headers_words():
    assert guess(CUSTOM) == {"date": "Posted on", "type": "Category", "description": ["Narrative"],
                              "reference": "Txn No", "freelancer": "Payee", "amount": "Value"}  # fmt: skip
    assert guess(["Date", "Amount in local currency", "Amount $", "Balance", "Ref ID", "Amount paid"])["amount"] == (
        "Amount $"
    )
    assert "reference" not in guess(["Amount paid", "Date"])  # "paid" does not say "id"


def test_every_interactive_widget_is_named(mapping):
    widgets = [*mapping.findChildren(QAbstractButton), *mapping.findChildren(QComboBox),
               *mapping.findChildren(QLineEdit), *mapping.findChildren(QListWidget)]  # fmt: skip
    assert len(widgets) >= 10
    assert mapping.findChild(QListWidget, "column_description") in widgets
    for w in widgets:
        if isinstance(w.parent(), QComboBox) or w.objectName().startswith("qt_"):
            continue
        assert w.objectName(), w
        assert w.accessibleName(), w.objectName()


# ------------------------------------------------------------------ a description of several columns
def ticked(mapping) -> list[str]:
    """The description's headers whose box is ticked, as the user sees them in the list."""
    box = mapping.findChild(QListWidget, "column_description")
    return [box.item(i).text() for i in range(box.count()) if box.item(i).checkState() == Qt.CheckState.Checked]


def tick(qtbot, mapping, header: str) -> None:
    """Tick (or untick) `header` in the description's list with the keyboard: the row chosen, then Space."""
    box = mapping.findChild(QListWidget, "column_description")
    (item,) = box.findItems(header, Qt.MatchFlag.MatchExactly)
    box.setFocus()
    box.setCurrentItem(item)
    qtbot.keyClick(box, Qt.Key.Key_Space)


def test_the_description_is_ticked_from_several_columns_and_previewed_as_it_is_read(qtbot, mapping):
    assert ticked(mapping) == ["Narrative"]  # (the guess: the only header that says it describes)
    assert mapping.previews["description"].text().splitlines()[0] == (
        "Escrow funding: Wireframes - Dashboard #9 (UP-10000008)"
    )
    tick(qtbot, mapping, "Payee")
    assert ticked(mapping) == ["Narrative", "Payee"]
    assert mapping.mapping()["description"] == ["Narrative", "Payee"]
    first = mapping.previews["description"].text().splitlines()[0]
    assert first.startswith("Escrow funding: Wireframes - Dashboard #9 (UP-10000008) · ")  # the payee after it
    tick(qtbot, mapping, "Narrative")
    tick(qtbot, mapping, "Payee")
    assert ticked(mapping) == [] and "description" not in mapping.mapping()
    assert mapping.previews["description"].text() == ""
    assert mapping.ok_button.isEnabled()  # (the description helps; it is not needed)


RENAMED = {"Transaction ID": "Transaction Number", "Amount $": "Amount (USD)"}
SUMMARIES = ["Transaction Summary", "Transaction Summary Details", "Description 1", "Description 2", "Description 3",
             "Entered Description"]  # fmt: skip


def test_a_2025_export_with_renamed_headers_is_mapped_with_its_description_columns_and_agrees(
    qtbot, demo_window, tmp_path, statement_formats
):
    """The marketplace's 2025 export, two headers renamed (so no format knows it): the first guesses tick all
    its description columns (the summary, its details naming the contract's reference, the milestone), and the
    statement read with the format saved agrees with the books: no difference."""

    def rename(rows):
        rows[0] = [RENAMED.get(h, h) for h in rows[0]]

    path = statement(tmp_path / "renamed.csv", rename)
    n = len(read_rows(path)) - 1
    mapping = reconcile(demo_window, path)
    assert isinstance(mapping, StatementMappingDialog)
    assert ticked(mapping) == SUMMARIES
    assert mapping.mapping() == {"date": "Date", "amount": "Amount (USD)", "type": "Transaction Type",
                                 "description": SUMMARIES, "reference": "Transaction Number",
                                 "freelancer": "Freelancer", "currency": "Currency"}  # fmt: skip
    mapping.name_edit.setText("Renamed 2025 export")
    click(qtbot, mapping.ok_button)
    saved = tomllib.loads((statement_formats / "renamed-2025-export.toml").read_text(encoding="utf-8"))
    assert saved["columns"]["description"] == SUMMARIES  # a TOML list
    dialog = demo_window.reconcile_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.note.text() == f"Read {n:,} rows (Renamed 2025 export); {n:,} new."
    assert dialog.view.summary.text().startswith("The statement and the books agree:")
    assert rc.agrees() and all(rc.counts()[s] == 0 for s in rc.DIFFERENCES)
    assert sum(rc.counts().values()) == n
