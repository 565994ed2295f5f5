"""The contract page's "Statement" tab: what the marketplace's statement says about this contract only (its
rows, its totals), and Record it there, after which the page and the window show the book as it is."""

from __future__ import annotations

import pytest

from desktop import formatting
from models import ops, queries
from models import reconcile as rc
from models.entities import Contract, LedgerEntry, database
from tests.desktop.statements import DEMO_TODAY, cent_more, reconcile, select, statement, statuses
from tests.ui import click

pytestmark = pytest.mark.usefixtures("en_us")


def open_tab(window, contract_id: int):
    assert window.select_contract(contract_id)
    page = window.page
    page.tabs.setCurrentWidget(page.statement_tab)
    assert page.tabs.tabText(page.tabs.currentIndex()) == "S&tatement"
    return page.statement_tab


def test_before_any_statement_the_tab_says_how_to_read_one(demo_window):
    tab = open_tab(demo_window, Contract.select().first().id)
    assert tab.view.summary.text() == "No statement imported yet."
    assert "File → Reconcile Statement…" in tab.view.detail.text()
    assert tab.view.model.rowCount() == 0 and tab.view.totals.rowCount() == 0
    assert not tab.view.record_all_button.isEnabled()


def test_the_tab_shows_that_contracts_rows_and_totals_only(demo_window, tmp_path):
    path = statement(tmp_path / "statement.csv", lambda rows: cent_more(rows, 20))
    reconcile(demo_window, path).reject()
    differs = rc.page([rc.AMOUNT_DIFFERS])[0]
    tab = open_tab(demo_window, differs.contract_id)
    view = tab.view
    title = Contract.get_by_id(differs.contract_id).title
    assert view.summary.text() == "This contract and the statement differ: 1 difference."
    assert view.filter_buttons["differences"].isChecked() and statuses(view) == ["Amounts differ"]
    assert view.table.isColumnHidden(4)  # the contract's name: it is this page's
    view.filter_buttons["all"].click()
    rows = view.model.rows
    marks = ",".join("?" * len(rc.ENTRY_CLASS))
    (entries,) = database.execute_sql(
        f"SELECT COUNT(*) FROM live_entry WHERE contract_id = ? AND kind IN ({marks})",
        (differs.contract_id, *rc.ENTRY_CLASS),
    ).fetchone()
    assert len(rows) == entries and {r.contract for r in rows} == {title}  # one row per entry of its books
    kinds = [view.totals.item(r, 1).text() for r in range(view.totals.rowCount())]
    assert kinds[0] == rc.CLASS_WORDS[rc.KIND_CLASS[differs.kind]]  # the one that differs, first
    assert view.totals.item(0, 4).text() == formatting.money(1, differs.currency)
    assert [view.totals.item(r, 4).text() for r in range(1, len(kinds))] == ["—"] * (len(kinds) - 1)
    assert set(kinds) <= set(rc.CLASS_WORDS.values()) and len(kinds) == len(set(kinds))  # one currency


def test_a_contract_the_statement_does_not_name_says_so(demo_window, tmp_path):
    reconcile(demo_window, statement(tmp_path / "statement.csv")).reject()
    c = ops.create_contract("Not on it", Contract.select().first().freelancer, started_on=DEMO_TODAY,
                            today=DEMO_TODAY)  # fmt: skip
    demo_window.refresh_all()
    tab = open_tab(demo_window, c.id)
    assert tab.view.summary.text() == "No row of the statement is about this contract."


def test_record_it_in_the_tab_records_and_the_page_and_window_follow(demo_window, tmp_path, prompts, qtbot):
    path = statement(tmp_path / "statement.csv")
    release = (
        LedgerEntry.select().join(Contract)
        .where((LedgerEntry.kind == "release") & (Contract.status == "active"))
        .order_by(LedgerEntry.date.desc(), LedgerEntry.id.desc()).first()
    )  # fmt: skip
    ops.reverse_entry(release, memo="Recorded twice", today=DEMO_TODAY)
    reconcile(demo_window, path).reject()
    tab = open_tab(demo_window, release.contract_id)
    view = tab.view
    assert statuses(view) == ["On the statement only"]
    entries = demo_window.page.ledger.ledger_table.rowCount()
    select(view, lambda r: r.status == rc.STATEMENT_ONLY)
    click(qtbot, view.record_button)
    assert view.result_texts()[0] == "Recorded 1 of 1 row."
    assert view.summary.text() == "This contract and the statement agree: " + (
        f"{view.counts[rc.MATCHED]} rows matched."
    )
    assert demo_window.page.ledger.ledger_table.rowCount() == entries + 1
    released = queries.balances(release.contract).released
    assert formatting.money(released, release.currency) in demo_window.page.money.text()
    assert rc.agrees()


def test_the_tabs_and_the_views_buttons_have_mnemonics_of_their_own(demo_window):
    tab = open_tab(demo_window, Contract.select().first().id)
    tabs = demo_window.page.tabs
    texts = [tabs.tabText(i) for i in range(tabs.count())]
    texts += [b.text() for b in (tab.view.record_button, tab.view.record_all_button) if b.isVisibleTo(tab)]
    letters = [t[t.index("&") + 1].lower() for t in texts]
    assert len(letters) == len(texts) == len(set(letters)), texts


def test_the_ledger_tab_shows_the_statements_reference_on_each_entry_once_one_is_imported(demo_window, tmp_path):
    """The link of a statement row to its entries is the statement's reference on each: the Ledger tab shows it in
    a column of its own, which stays out of the way until a statement has been imported."""
    contract_id = Contract.select().first().id
    assert demo_window.select_contract(contract_id)
    ledger = demo_window.page.ledger.ledger_table
    assert ledger.isColumnHidden(8)
    reconcile(demo_window, statement(tmp_path / "statement.csv")).reject()
    assert demo_window.select_contract(contract_id)
    ledger = demo_window.page.ledger.ledger_table
    assert not ledger.isColumnHidden(8)
    assert ledger.horizontalHeaderItem(8).text() == "On the statement"
    shown = {int(ledger.item(r, 0).text()): ledger.item(r, 8).text() for r in range(ledger.rowCount())}
    expected = {
        r.entry_id: r.reference for r in rc.page(None, contract=contract_id, limit=1000) if r.entry_id is not None
    }
    assert expected and all(shown[e] == ref for e, ref in expected.items())
    assert all(text == "" for e, text in shown.items() if e not in expected)  # a reversal, say: not on it
