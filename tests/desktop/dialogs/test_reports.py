"""The Reports window (desktop/dialogs/reports.py): the Reports menu opens each report; the table shows what the
report computes for a small hand-built book (USD, EUR and JPY); sorting; filters; the entries behind a figure on
Enter and on a double-click; home-currency figures with the rate they used, a missing rate said in words and
naming the rate; budget flags in words; a home-currency report of many rows read a page at a time."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime, time

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop import formatting
from desktop.dialogs import reports as view
from desktop.widgets.report_models import KEY_ROLE
from desktop.window.actions import ACTIONS, REPORT_ACTIONS
from desktop.window.main_window import MainWindow
from models import ops, rates, report_views, reports
from models.report_views import CATALOGUE
from tests.models.rules import funded_milestone

TODAY = date(2026, 4, 10)
MAR, APR = date(2026, 3, 2), date(2026, 4, 1)


@pytest.fixture
def books(book):
    """Ana: a USD contract with a $300.00 budget that paid $500.00 in March, $50.00 of it refunded in April (over
    budget), and a JPY contract
    (direct: no fees) paying ¥4,000 in April; Ben: a EUR contract with a €2,000.00 budget paying €1,200.00 in
    April (under budget)."""
    ana = ops.create_freelancer("Ana Ruiz")
    ben = ops.create_freelancer("Ben Okafor")
    logo = ops.create_contract("Logo", ana, currency="USD", budget=30_000, started_on=MAR, today=MAR)
    site = ops.create_contract("Site", ben, currency="EUR", budget=200_000, started_on=MAR, today=MAR)
    copy = ops.create_contract("Copy", ana, policy="direct", currency="JPY", started_on=MAR, today=MAR)
    paid = ops.release_payment(funded_milestone(logo, 50_000, "Draft", today=MAR), today=MAR)
    ops.record_refund(paid, 5_000, today=APR)
    ops.release_payment(funded_milestone(site, 120_000, "Build", today=APR), today=APR)
    ops.release_payment(funded_milestone(copy, 9_000, "Text", today=APR), 4_000, today=APR)
    return {"ana": ana, "ben": ben, "logo": logo, "site": site, "copy": copy}


@pytest.fixture
def with_home(books):
    """EUR as the home currency, a rate for US dollars through March and April; none for the yen."""
    rates.set_home_currency("EUR")
    rates.record_rate("USD", "2026-03", "0.9", today=TODAY)
    rates.record_rate("USD", "2026-04", "0.92", today=TODAY)
    return books


@pytest.fixture
def window(qtbot, book, tmp_path, prompts):
    noon = datetime.combine(TODAY, time(12, 0), tzinfo=UTC)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(book, today=TODAY, now=lambda: noon, settings=settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


class CountedAtOnce:
    """In place of the window's Counter: the count read as soon as it is asked for, on the window's thread (the
    tests of paging then do not depend on when a worker's count arrives)."""

    def __init__(self, on_counted):
        self.on_counted = on_counted
        self.generation = 0

    def cancel(self, conn=None) -> None:
        self.generation += 1

    def start(self, query) -> int:
        self.generation += 1
        self.on_counted(self.generation, query.count())
        return self.generation


@pytest.fixture
def counted_at_once(monkeypatch):
    monkeypatch.setattr(view, "Counter", CountedAtOnce)


def hold(monkeypatch, job, logged=lambda job, thread, outcome: None) -> threading.Event:
    """The worker's reads of `job` (one of the window's worker jobs) wait until the test sets the Event returned
    (and give up, as an interrupted read, when the window cancels them meanwhile); `logged(job, thread, "read" or
    "cancelled")` is told of each."""
    gate = threading.Event()
    read = job.count

    def held(self, *, cancelled=None):
        while not gate.wait(0.005):
            if cancelled is not None and cancelled():
                logged(self, threading.get_ident(), "cancelled")
                raise sqlite3.OperationalError("interrupted")
        found = read(self, cancelled=cancelled)
        logged(self, threading.get_ident(), "read")
        return found

    monkeypatch.setattr(job, "count", held)
    return gate


@pytest.fixture
def held_count(monkeypatch):
    """The worker's count waits until the test sets the Event it returns (`hold`)."""
    return hold(monkeypatch, view._ReportCount)


@pytest.fixture
def held_sort(monkeypatch):
    """The worker's read of a sorted page waits until the test sets the Event it returns (`hold`); the list it
    returns logs each read: (sort, offset, thread, "read" or "cancelled")."""
    log = []
    gate = hold(monkeypatch, view._SortedRead, lambda job, thread, outcome: log.append((job.sort, job.offset, thread,
                                                                                        outcome)))  # fmt: skip
    return gate, log


def opened(qtbot, window, report: str = "spend_by_period"):
    dialog = window.reports_dialog(report)
    qtbot.waitExposed(dialog)
    return dialog


def table(dialog) -> list[list[str]]:
    m = dialog.model
    return [[m.data(m.index(r, c)) for c in range(m.columnCount())] for r in range(m.rowCount())]


def headers(dialog) -> list[str]:
    m = dialog.model
    return [m.headerData(c, Qt.Orientation.Horizontal) for c in range(m.columnCount())]


def cell(dialog, label: str, currency: str, column: str):
    m = dialog.model
    col = m.columns.index(column)
    for r in range(m.rowCount()):
        if m.data(m.index(r, 0)) == label and m.data(m.index(r, 1)) == currency:
            return m.index(r, col)
    raise AssertionError(f"no row {label} {currency}: {table(dialog)}")


# ------------------------------------------------------------------ the menu
def test_the_reports_menu_opens_each_report(qtbot, window, books):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "Reports")
    listed = [a.objectName() for a in menu.actions() if not a.isSeparator()]
    by_attr = {spec.attr: spec for spec in ACTIONS}
    assert listed == [by_attr[a].name for a in REPORT_ACTIONS if a is not None]
    for attr, (key, title, _, _) in zip([a for a in REPORT_ACTIONS if a], CATALOGUE, strict=True):
        getattr(window, attr).trigger()
        dialog = window.reports_window
        qtbot.waitExposed(dialog)
        assert dialog.report_combo.currentData() == key and dialog.report_combo.currentText() == title
        assert dialog.model.rowCount() > 0, key
        assert dialog.summary.text().startswith(title)
        dialog.reject()
        QApplication.processEvents()


def test_the_reports_window_has_a_key_and_each_report_a_letter(window):
    assert window.act_report_period.shortcut().toString() == "Ctrl+Shift+R"
    texts = [spec.text for spec in ACTIONS if spec.attr in REPORT_ACTIONS]
    letters = [t[t.index("&") + 1].lower() for t in texts]
    assert len(set(letters)) == len(texts) == 7


def test_a_sort_chosen_is_kept_when_the_report_is_read_again(qtbot, window, books):
    dialog = opened(qtbot, window, "spend_by_contract")
    dialog.table.sortByColumn(dialog.model.columns.index("label"), Qt.SortOrder.DescendingOrder)
    dialog.status_combo.setCurrentIndex(dialog.status_combo.findData("active"))
    dialog.run()
    assert [r[0] for r in table(dialog)] == ["Site", "Logo", "Copy", "Total", "Total", "Total"]


def test_the_dates_default_to_this_year(qtbot, window, books):
    dialog = opened(qtbot, window)
    assert dialog.range_combo.currentText() == "This year"
    assert dialog.dates() == (date(2026, 1, 1), TODAY)
    dialog.range_combo.setCurrentIndex(dialog.range_combo.findData("last_year"))
    dialog.run()
    assert dialog.dates() == (date(2025, 1, 1), date(2025, 12, 31))
    assert dialog.model.rowCount() == 0  # nothing was recorded in 2025


# ------------------------------------------------------------------ the table
def test_the_table_shows_the_reports_figures_in_each_currency(qtbot, window, books):
    dialog = opened(qtbot, window)
    assert headers(dialog) == ["Month", "Currency", "Paid to freelancers", "Fees", "Refunds received", "Spend"]
    expected = reports.spend_by_period("month", first=date(2026, 1, 1), last=TODAY, home=False)
    shown = table(dialog)
    rows = [
        [
            view.report_views.period_words(r.key),
            r.currency,
            *[formatting.money(r.figures[c], r.currency) for c in reports.SPEND_COLUMNS],
        ]
        for r in expected.rows
    ]
    totals = [["Total", r.currency, *[formatting.money(r.figures[c], r.currency) for c in reports.SPEND_COLUMNS]]
              for r in expected.totals]  # fmt: skip
    assert shown == rows + totals
    # By hand: $500.00 paid in March with 5% and the $0.99 initiation fee; ¥4,000 paid under the direct policy.
    assert shown[0] == ["Mar 2026", "USD", "$500.00", "$25.99", "$0.00", "$525.99"]
    assert ["Apr 2026", "JPY", "¥4,000", "¥0", "¥0", "¥4,000"] in shown
    assert ["Apr 2026", "USD", "$0.00", "$0.00", "$50.00", "−$50.00"] in shown


def test_sorting_a_column_keeps_the_totals_last_and_never_compares_currencies(qtbot, window, books):
    dialog = opened(qtbot, window, "spend_by_contract")
    dialog.table.sortByColumn(dialog.model.columns.index("label"), Qt.SortOrder.AscendingOrder)
    assert [r[0] for r in table(dialog)][:3] == ["Copy", "Logo", "Site"]
    dialog.table.sortByColumn(dialog.model.columns.index("label"), Qt.SortOrder.DescendingOrder)
    assert [r[0] for r in table(dialog)] == ["Site", "Logo", "Copy", "Total", "Total", "Total"]
    dialog.table.sortByColumn(dialog.model.columns.index("spend"), Qt.SortOrder.DescendingOrder)
    # Amounts in different currencies are not compared: by currency, then amount.
    assert [r[1] for r in table(dialog)][:3] == ["USD", "JPY", "EUR"]


def test_sorting_in_the_home_currency_sorts_by_the_converted_figure(qtbot, window, with_home):
    rates.record_rate("JPY", "2026-04", "0.006", today=TODAY)
    dialog = opened(qtbot, window, "spend_by_contract")
    dialog.table.sortByColumn(dialog.model.columns.index("spend"), Qt.SortOrder.AscendingOrder)
    # ¥4,000 = €24.00 < $525.99 at 0.9 less $50.00 at 0.92 = €427.39 < €1,260.99
    assert [r[0] for r in table(dialog)] == ["Copy", "Logo", "Site", "Total in EUR"]


def test_filters_narrow_the_report(qtbot, window, books):
    dialog = opened(qtbot, window, "spend_by_freelancer")
    assert {r[0] for r in table(dialog)} == {"Ana Ruiz", "Ben Okafor", "Total"}
    dialog.freelancer_combo.setCurrentIndex(dialog.freelancer_combo.findData(books["ben"].id))
    dialog.run()
    assert table(dialog) == [["Ben Okafor", "EUR", "€1,200.00", "€60.99", "€0.00", "€1,260.99"],
                             ["Total", "EUR", "€1,200.00", "€60.99", "€0.00", "€1,260.99"]]  # fmt: skip
    dialog.freelancer_combo.setCurrentIndex(0)
    dialog.policy_combo.setCurrentIndex(dialog.policy_combo.findData("direct"))
    dialog.run()
    assert [r[:3] for r in table(dialog)] == [["Ana Ruiz", "JPY", "¥4,000"], ["Total", "JPY", "¥4,000"]]
    dialog.policy_combo.setCurrentIndex(0)
    dialog.status_combo.setCurrentIndex(dialog.status_combo.findData("ended"))
    dialog.run()
    assert table(dialog) == []


# ------------------------------------------------------------------ drill-down
def test_enter_on_a_figure_lists_the_entries_behind_it(qtbot, window, books):
    dialog = opened(qtbot, window)
    index = cell(dialog, "Mar 2026", "USD", "fees")
    dialog.table.setFocus()
    dialog.table.setCurrentIndex(index)
    QTest.keyClick(dialog.table, Qt.Key.Key_Return)
    e = dialog.entries
    lines = [[e.data(e.index(r, c)) for c in range(e.columnCount())] for r in range(e.rowCount())]
    assert sorted(lines) == [["2 Mar 2026", "Logo", "Fee", "$0.99"], ["2 Mar 2026", "Logo", "Fee", "$25.00"]]
    assert dialog.entries_title.text().startswith("Fees, Mar 2026, USD: 2 entries behind it.")


def test_a_double_click_on_a_total_lists_every_entry_behind_it(qtbot, window, books):
    dialog = opened(qtbot, window)
    index = cell(dialog, "Total", "EUR", "spend")
    dialog.table.scrollTo(index)
    rect = dialog.table.visualRect(index)
    QTest.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    e = dialog.entries
    kinds = sorted(e.data(e.index(r, 2)) for r in range(e.rowCount()))
    assert kinds == ["Fee", "Fee", "Payment released"]
    assert sum(1 for r in range(e.rowCount()) if e.data(e.index(r, 1)) == "Site") == 3


def test_a_budget_has_no_entries_behind_it_and_says_so(qtbot, window, books):
    dialog = opened(qtbot, window, "budget_vs_actual")
    dialog.drill_down(cell(dialog, "Logo", "USD", "budget"))
    assert dialog.entries.rowCount() == 0
    assert dialog.entries_title.text().startswith("A budget is set on the contract, not recorded in the ledger")
    dialog.drill_down(cell(dialog, "Logo", "USD", "actual"))
    assert [dialog.entries.data(dialog.entries.index(0, c)) for c in range(4)] == [
        "2 Mar 2026", "Logo", "Payment released", "$500.00"
    ]  # fmt: skip


def test_on_a_low_window_the_entries_fold_away_until_a_figures_entries_are_asked_for(qtbot, window, books):
    """A small screen at 200% leaves the Reports window a few lines below its choices: the report's table takes
    them all, the entries behind a figure folded away; asking for a figure's entries (or why it has none) opens
    them; a taller window has room for both."""
    dialog = opened(qtbot, window, "budget_vs_actual")
    row = dialog.table.verticalHeader().defaultSectionSize()
    dialog.resize(900, dialog.height() - dialog.splitter.height() + 8 * row)  # (room for eight rows below)
    qtbot.waitUntil(lambda: dialog.splitter.height() < 12 * row, timeout=5_000)
    qtbot.waitUntil(lambda: dialog.splitter.sizes()[1] == 0, timeout=5_000)
    assert dialog.table.height() > 5 * row
    dialog.drill_down(cell(dialog, "Logo", "USD", "budget"))  # (no entries: the words why are shown)
    assert dialog.splitter.sizes()[1] > 0 and dialog.entries_title.text().startswith("A budget is set")
    dialog.resize(900, dialog.height() + 1)  # (asked for: they stay open)
    QApplication.processEvents()
    assert dialog.splitter.sizes()[1] > 0
    dialog.run()  # (read again: none asked for)
    QApplication.processEvents()
    assert dialog.splitter.sizes()[1] == 0
    dialog.resize(1000, 640)
    qtbot.waitUntil(lambda: dialog.splitter.sizes()[1] > 0, timeout=5_000)  # (a taller window: room for both)
    dialog.close()


def test_on_a_low_window_the_filters_fold_behind_more_choices_which_says_what_is_set(qtbot, window, books):
    """A small screen at 200% leaves the Reports window room for four lines of choices and a few rows: status,
    freelancer, policy and amounts fold behind "More choices", which names what of them is set, so that the table
    keeps its rows; pressed, they show; each one's Alt key still reaches it; a taller window shows them all."""
    lee = ops.create_freelancer("Lee & Moss")  # (a name's "&" is shown as itself, not as a mnemonic)
    ops.create_contract("Mural", lee, currency="USD", started_on=MAR, today=MAR)
    dialog = opened(qtbot, window, "spend_by_contract")
    button = dialog.more_button
    assert not button.isVisible() and dialog.status_combo.isVisible()  # (the window as it opens: all shown)
    dialog.resize(700, (view.LOW_LINES - 6) * dialog.fontMetrics().height())
    qtbot.waitUntil(button.isVisible, timeout=5_000)
    hidden = (dialog.status_combo, dialog.freelancer_combo, dialog.policy_combo, dialog.amounts_combo)
    assert not any(combo.isVisible() for combo in hidden)
    assert button.text() == "Mor&e choices" and button.accessibleName() == "More choices"

    button.click()  # (shown, the button folds them again)
    assert all(combo.isVisible() for combo in hidden) and button.text() == "F&ewer choices"
    dialog.status_combo.setCurrentIndex(dialog.status_combo.findData("active"))
    dialog.freelancer_combo.setCurrentIndex(dialog.freelancer_combo.findData(lee.id))
    button.click()
    assert not dialog.status_combo.isVisible()
    assert button.text() == "Mor&e choices: \u2068Active\u2069, \u2068Lee && Moss\u2069"
    assert button.accessibleName() == "More choices: \u2068Active\u2069, \u2068Lee & Moss\u2069"
    qtbot.waitUntil(lambda: dialog.report is not None and dialog.report.filters.freelancer_id == lee.id)

    dialog.activateWindow()
    QTest.keyClick(dialog, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)  # (Polic&y, folded: opens and goes there)
    assert dialog.policy_combo.isVisible() and button.isChecked()
    assert QApplication.focusWidget() is dialog.policy_combo

    button.click()
    dialog.resize(1000, 640)  # (a taller window: all shown, no button)
    qtbot.waitUntil(lambda: not button.isVisible(), timeout=5_000)
    assert all(combo.isVisible() for combo in hidden)
    dialog.close()


# ------------------------------------------------------------------ budget flags
def test_budget_against_actual_flags_over_and_under_budget_in_words(qtbot, window, books):
    dialog = opened(qtbot, window, "budget_vs_actual")
    assert "Against budget" in headers(dialog)
    logo = cell(dialog, "Logo", "USD", "flag")
    assert logo.data() == "⚠ Over budget by $150.00"
    assert logo.data(Qt.ItemDataRole.ForegroundRole) is not None  # also in the warning colour
    assert cell(dialog, "Site", "EUR", "flag").data() == "Under budget"
    assert cell(dialog, "Site", "EUR", "left").data() == "€800.00"


def test_budget_flags_stay_in_words_in_the_home_currency(qtbot, window, with_home):
    dialog = opened(qtbot, window, "budget_vs_actual")
    assert dialog.amounts_combo.currentData() == "home"
    assert cell(dialog, "Logo", "EUR", "flag").data() == "⚠ Over budget by $150.00"
    assert cell(dialog, "Site", "EUR", "flag").data() == "Under budget"


# ------------------------------------------------------------------ the home currency
def test_home_figures_name_the_rate_and_day_they_used(qtbot, window, with_home):
    dialog = opened(qtbot, window)
    assert dialog.amounts_combo.currentText() == "In EUR, the home currency"
    assert headers(dialog)[2:] == ["Paid to freelancers (EUR)", "Fees (EUR)", "Refunds received (EUR)", "Spend (EUR)"]
    assert dialog.table.isColumnHidden(1)  # every row is in euros: the headings say so
    march = cell(dialog, "Mar 2026", "EUR", "label")
    assert march.data(Qt.ItemDataRole.ToolTipRole) == "Mar 2026\nConverted into EUR from USD"
    paid = cell(dialog, "Mar 2026", "EUR", "paid")
    assert paid.data() == "€450.00"  # $500.00 at 0.9
    assert "1 USD = 0.9 EUR (rate of 2026-03)" in paid.data(Qt.ItemDataRole.ToolTipRole)
    dialog.table.setCurrentIndex(paid)
    assert dialog.details.text().startswith(
        "Mar 2026 · Paid to freelancers (EUR): €450.00 (Converted into EUR from USD)"
    )
    assert "1 USD = 0.9 EUR (rate of 2026-03)" in dialog.details.text()
    site = cell(dialog, "Apr 2026", "EUR", "refunded")
    assert site.data() == "€46.00" and "1 USD = 0.92 EUR (rate of 2026-04)" in site.data(Qt.ItemDataRole.ToolTipRole)


def test_a_missing_rate_is_shown_as_missing_in_words_naming_the_rate(qtbot, window, with_home):
    dialog = opened(qtbot, window)
    april = cell(dialog, "Apr 2026", "EUR", "paid")
    assert april.data() == "⚠ €1,200.00, rate missing"  # ¥4,000 left out: no rate of JPY
    assert "no rate of JPY into EUR for 2026-04-01" in april.data(Qt.ItemDataRole.ToolTipRole)
    assert "¥4,000" in april.data(Qt.ItemDataRole.ToolTipRole)
    note = dialog.note.text()
    assert dialog.note.isVisible() and "Rate missing" in note and "No rate of JPY into EUR for 2026-04-01" in note
    assert "Tools → Home Currency and Exchange Rates" in note
    rates.record_rate("JPY", "2026-04", "0.006", today=TODAY)
    dialog.run()
    assert cell(dialog, "Apr 2026", "EUR", "paid").data() == "€1,224.00" and not dialog.note.isVisible()


def test_amounts_as_recorded_or_in_the_home_currency(qtbot, window, with_home):
    dialog = opened(qtbot, window, "spend_by_contract")
    assert [r[1] for r in table(dialog)] == ["EUR"] * 4
    dialog.amounts_combo.setCurrentIndex(dialog.amounts_combo.findData("each"))
    dialog.run()
    assert [r[:2] for r in table(dialog)][:3] == [["Copy", "JPY"], ["Logo", "USD"], ["Site", "EUR"]]


def test_no_home_currency_says_how_to_choose_one(qtbot, window, books):
    dialog = opened(qtbot, window)
    assert dialog.amounts_combo.count() == 1
    assert "choose a home currency" in dialog.note.text()


def test_a_home_report_of_many_rows_is_read_a_page_at_a_time(qtbot, window, with_home, monkeypatch, counted_at_once):
    rates.record_rate("JPY", "2026-04", "0.006", today=TODAY)
    monkeypatch.setattr(view, "HOME_PAGE", 2)
    dialog = opened(qtbot, window, "spend_by_contract")
    m = dialog.model
    assert "3 contracts in EUR: read 2 at a time" in dialog.note.text()
    dialog.run()  # (the table on screen reads more pages as it has room for them: here, not yet)
    assert m.groups == 3 and len(m.rows) == 2 and m.canFetchMore()
    m.sort(m.columns.index("spend"), Qt.SortOrder.DescendingOrder)
    assert dialog.page_sort == "spend"
    assert [r.label for r in m.rows] == ["Site", "Logo"]  # largest first, by the report itself, a page
    assert "largest spend first" in dialog.note.text()
    while m.canFetchMore():
        m.fetchMore()
    assert [r.label for r in m.rows] == ["Site", "Logo", "Copy"]
    dialog.table.sortByColumn(m.columns.index("spend"), Qt.SortOrder.AscendingOrder)  # all read: sorted here
    assert [r.label for r in m.rows] == ["Copy", "Logo", "Site"]


def test_a_report_as_recorded_of_many_contracts_is_read_a_page_at_a_time(
    qtbot, window, books, monkeypatch, counted_at_once
):
    monkeypatch.setattr(view, "PAGE", 2)
    dialog = opened(qtbot, window, "spend_by_contract")
    m = dialog.model
    assert "3 contracts: read 2 at a time as you scroll, in the book's order" in dialog.note.text()
    assert [r[:2] for r in table(dialog)] == [["Logo", "USD"], ["Site", "EUR"], ["Total", "EUR"], ["Total", "JPY"],
                                             ["Total", "USD"]]  # fmt: skip
    assert dialog.table.horizontalHeader().sortIndicatorSection() == -1  # (no heading claims an order)
    assert dialog.summary.text().startswith("Spend by contract: 3 contracts,")
    m.sort(m.columns.index("spend"), Qt.SortOrder.DescendingOrder)  # by the report: by currency, largest first
    assert [r.label for r in m.rows] == ["Logo", "Copy"]  # (USD, then JPY: as the table sorts all its rows)
    assert "largest spend first in each currency" in dialog.note.text()
    m.fetchMore()
    assert [r.label for r in m.rows] == ["Logo", "Copy", "Site"] and not m.canFetchMore()


def test_a_heading_clicked_sorts_on_the_worker_thread_while_the_window_shows_its_rows(
    qtbot, window, books, monkeypatch, held_sort
):
    """Sorted by a figure, every contract of the dates is added up before the first can be placed (seconds on a
    book of a million contracts): that read runs on the worker thread, for the first page and each next one. The
    click returns at once, the rows shown stay (no page read meanwhile) and the line above the table says what is
    under way."""
    gate, log = held_sort
    monkeypatch.setattr(view, "PAGE", 2)
    monkeypatch.setattr(view, "SORTED_AHEAD", 1)  # (a page read at a time)
    dialog = opened(qtbot, window, "spend_by_contract")
    m = dialog.model
    assert [r.label for r in m.rows] == ["Logo", "Site"]  # (the table reads more pages as it has room: not yet)
    m.sort(m.columns.index("spend"), Qt.SortOrder.DescendingOrder)  # (the count under way given up: sorted, counted)
    assert [r.label for r in m.rows] == ["Logo", "Site"] and not m.canFetchMore()  # (the read is held)
    assert "Sorting all the contracts by spend, largest first in each currency…" in dialog.note.text()
    assert dialog.table.horizontalHeader().sortIndicatorSection() == m.columns.index("spend")
    gate.set()
    qtbot.waitUntil(lambda: [r.label for r in m.rows][:2] == ["Logo", "Copy"], timeout=10_000)
    assert "largest spend first in each currency" in dialog.note.text() and "Sorting" not in dialog.note.text()
    assert dialog.summary.text().startswith("Spend by contract: 3 contracts,")
    if m.canFetchMore():  # the next page, sorted: read on the worker thread too (the table asks for it itself)
        m.fetchMore()
    qtbot.waitUntil(lambda: len(m.rows) == 3, timeout=10_000)
    assert [r.label for r in m.rows] == ["Logo", "Copy", "Site"] and not m.canFetchMore()
    assert [(sort, offset, outcome) for sort, offset, _, outcome in log] == [("spend", 0, "read"), ("spend", 2, "read")]
    assert threading.main_thread().ident not in {thread for _, _, thread, _ in log}
    dialog.close()


def test_the_pages_sorted_are_read_several_at_once_and_shown_as_the_table_scrolls(
    qtbot, window, books, monkeypatch, held_sort
):
    """Each read of sorted pages adds up every contract: it reads several pages, and the next ones are shown from
    it as the table scrolls, with no other read."""
    gate, log = held_sort
    gate.set()
    monkeypatch.setattr(view, "PAGE", 1)
    monkeypatch.setattr(view, "SORTED_AHEAD", 2)
    dialog = opened(qtbot, window, "spend_by_contract")
    m = dialog.model
    m.sort(m.columns.index("spend"), Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: dialog.counting is None and not m.waiting and len(m.rows) >= 1, timeout=10_000)

    def scrolled() -> bool:  # (the table asks for the next pages itself as it has room; or is asked here)
        if m.canFetchMore():
            m.fetchMore()
        return len(m.rows) == 3 and not m.waiting

    qtbot.waitUntil(scrolled, timeout=10_000)
    assert [r.label for r in m.rows] == ["Logo", "Copy", "Site"] and not m.canFetchMore()
    # Pages 1 and 2 read at once; page 2 shown from that read; page 3, beyond it, read on the worker thread.
    assert [(offset, outcome) for _, offset, _, outcome in log] == [(0, "read"), (2, "read")]
    dialog.close()


def test_a_newer_heading_cancels_the_sorted_read_under_way(qtbot, window, with_home, monkeypatch, held_sort):
    gate, log = held_sort
    rates.record_rate("JPY", "2026-04", "0.006", today=TODAY)
    monkeypatch.setattr(view, "HOME_PAGE", 2)
    dialog = opened(qtbot, window, "spend_by_contract")
    m = dialog.model
    m.sort(m.columns.index("refunded"), Qt.SortOrder.DescendingOrder)
    assert "Sorting all the contracts by refunds received, largest first…" in dialog.note.text()
    assert dialog.counting.limit == 2 * view.HOME_SORTED_AHEAD  # (in the home currency, 5 pages a read: not 20)
    m.sort(m.columns.index("spend"), Qt.SortOrder.DescendingOrder)  # (the first read still held)
    assert "Sorting all the contracts by spend, largest first…" in dialog.note.text()
    gate.set()
    qtbot.waitUntil(lambda: dialog.counting is None and not m.waiting, timeout=10_000)
    assert [r.label for r in m.rows][:2] == ["Site", "Logo"] and "largest spend first" in dialog.note.text()
    # The older read was given up (before it began, or interrupted): never read to its end, never shown.
    assert [sort for sort, _, _, outcome in log if outcome == "read"][:1] == ["spend"]
    assert {sort for sort, _, _, outcome in log if outcome == "read"} == {"spend"}
    dialog.close()


def test_a_heading_of_words_clicked_while_a_sorted_read_is_under_way_sorts_every_row_here(
    qtbot, window, books, monkeypatch, held_sort
):
    _gate, log = held_sort
    monkeypatch.setattr(view, "PAGE", 2)
    dialog = opened(qtbot, window, "spend_by_contract")
    m = dialog.model
    m.sort(m.columns.index("spend"), Qt.SortOrder.DescendingOrder)
    assert m.waiting and len(m.rows) == 2
    dialog.table.sortByColumn(m.columns.index("label"), Qt.SortOrder.AscendingOrder)  # (the read given up)
    qtbot.waitUntil(lambda: not m.waiting and dialog.counting is None, timeout=10_000)  # (the rest: worker thread)
    assert [r.label for r in m.rows] == ["Copy", "Logo", "Site"] and not m.canFetchMore()
    assert dialog.page_sort is None and "read" not in [outcome for *_, outcome in log]  # (given up, never shown)
    dialog.close()


@pytest.fixture
def held_rest(monkeypatch):
    """The worker's read of the rows not read yet waits until the test sets the Event it returns (`hold`); the list
    it returns logs the threads it read on."""
    threads = []
    gate = hold(monkeypatch, view._RestRead, lambda job, thread, outcome: outcome == "read" and threads.append(thread))
    return gate, threads


def test_a_heading_the_freelancers_cannot_be_sorted_by_a_page_at_a_time_reads_the_rest_on_the_worker_thread(
    qtbot, window, books, monkeypatch, held_rest
):
    """The freelancers as recorded have a row per currency, each going to its own place when sorted by a figure:
    every row is read (a million on a big book) on the worker thread, the rows shown staying meanwhile and the line
    above the table saying so; then all of them are sorted here, by currency, the largest first."""
    gate, threads = held_rest
    monkeypatch.setattr(view, "PAGE", 1)
    dialog = opened(qtbot, window, "spend_by_freelancer")
    m = dialog.model
    ana, ben = str(books["ana"].id), str(books["ben"].id)
    assert [(r.key, r.currency) for r in m.rows] == [(ana, "JPY"), (ana, "USD")] and m.canFetchMore()
    dialog.table.sortByColumn(m.columns.index("spend"), Qt.SortOrder.DescendingOrder)
    assert [(r.key, r.currency) for r in m.rows] == [(ana, "JPY"), (ana, "USD")]  # (the read is held)
    assert m.waiting and not m.canFetchMore() and isinstance(dialog.counting, view._RestRead)
    assert "Reading all the freelancers to sort them…" in dialog.note.text()
    reading = dialog.counting
    dialog.table.sortByColumn(m.columns.index("label"), Qt.SortOrder.DescendingOrder)  # (meanwhile: that order)
    assert dialog.counting is reading and m.waiting  # (the same read goes on)
    gate.set()
    qtbot.waitUntil(lambda: not m.waiting and dialog.counting is None, timeout=10_000)
    assert [(r.key, r.currency) for r in m.rows] == [(ben, "EUR"), (ana, "USD"), (ana, "JPY")]
    dialog.table.sortByColumn(m.columns.index("spend"), Qt.SortOrder.DescendingOrder)  # (all read: sorted at once)
    assert [(r.key, r.currency) for r in m.rows] == [(ana, "USD"), (ana, "JPY"), (ben, "EUR")]
    assert (
        not m.canFetchMore()
        and "Reading all" not in dialog.note.text()
        and "read 1 at a time" not in (dialog.note.text())
    )
    assert dialog.summary.text().startswith("Spend by freelancer: 2 freelancers,")
    assert len(threads) == 1 and threading.main_thread().ident not in threads
    dialog.close()


def test_a_heading_the_report_cannot_sort_by_reads_every_page_first(qtbot, window, books, monkeypatch, counted_at_once):
    monkeypatch.setattr(view, "PAGE", 1)
    dialog = opened(qtbot, window, "spend_by_freelancer")
    m = dialog.model
    ana, ben = str(books["ana"].id), str(books["ben"].id)
    assert [(r.key, r.currency) for r in m.rows] == [(ana, "JPY"), (ana, "USD")]  # a freelancer's rows together
    assert "2 freelancers: read 1 at a time" in dialog.note.text() and m.canFetchMore()
    dialog.table.sortByColumn(m.columns.index("spend"), Qt.SortOrder.DescendingOrder)
    assert not m.canFetchMore() and [(r.key, r.currency) for r in m.rows] == [(ana, "USD"), (ana, "JPY"), (ben, "EUR")]
    dialog = opened(qtbot, window, "budget_vs_actual")
    assert [r.label for r in dialog.model.rows] == ["Logo"] and {r.currency for r in dialog.model.totals} == {
        "USD",
        "EUR",
    }
    dialog.table.sortByColumn(dialog.model.columns.index("flag"), Qt.SortOrder.DescendingOrder)  # (over, under: words)
    assert [r.label for r in dialog.model.rows] == ["Site", "Logo"] and not dialog.model.canFetchMore()


def test_budget_against_actual_sorts_by_a_figure_on_the_worker_thread(qtbot, window, books, monkeypatch, held_sort):
    """Budget against actual sorted by what is left of each budget, a page at a time: every contract's figures are
    made first, on the worker thread, the rows shown staying meanwhile; then the contracts by currency, the most
    left first, with their count and totals."""
    gate, log = held_sort
    monkeypatch.setattr(view, "PAGE", 1)
    dialog = opened(qtbot, window, "budget_vs_actual")
    m = dialog.model
    assert "in the book's order; click a figure's heading to see the largest first." in dialog.note.text()
    dialog.table.sortByColumn(m.columns.index("left"), Qt.SortOrder.AscendingOrder)  # (the count given up)
    assert [r.label for r in m.rows] == ["Logo"] and m.waiting and not m.canFetchMore()  # (the read is held)
    assert "Sorting all the contracts by left of budget, largest first in each currency…" in dialog.note.text()
    header = dialog.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (m.columns.index("left"),
                                                                            Qt.SortOrder.DescendingOrder)  # fmt: skip
    m.sort(m.columns.index("budget"), Qt.SortOrder.DescendingOrder)  # (a newer heading: the first read given up)
    gate.set()

    def scrolled() -> bool:  # (the table asks for the next page itself as it has room; or is asked here)
        if m.canFetchMore():
            m.fetchMore()
        return dialog.counting is None and not m.waiting and len(m.rows) == 2

    qtbot.waitUntil(scrolled, timeout=10_000)
    assert [r.label for r in m.rows] == ["Logo", "Site"] and not m.canFetchMore()  # (USD, then EUR)
    assert [(t.currency, t.figures["budget"], t.figures["left"]) for t in m.totals] == [
        ("EUR", 200_000, 80_000),
        ("USD", 30_000, -15_000),
    ]
    assert "2 contracts: read 1 at a time as you scroll, largest budget first in each currency." in dialog.note.text()
    assert dialog.summary.text().startswith("Budget against actual: 2 contracts,")
    # One read, of the newer heading (page 2 shown from it), on the worker thread.
    assert [(sort, offset, outcome) for sort, offset, _, outcome in log if outcome == "read"] == [("budget", 0, "read")]
    assert threading.main_thread().ident not in {thread for _, _, thread, _ in log}
    dialog.close()


def test_a_first_page_is_shown_before_its_rows_are_counted(qtbot, window, books, monkeypatch, held_count):
    """Budget against actual, a contract a page: the first page at once, "counting…" until the worker thread has
    counted the contracts and added up their totals, then the count and the totals."""
    monkeypatch.setattr(view, "PAGE", 1)
    dialog = opened(qtbot, window, "budget_vs_actual")
    m = dialog.model
    assert [r.label for r in m.rows] == ["Logo"] and m.totals == [] and m.canFetchMore()
    assert dialog.summary.text().startswith("Budget against actual: counting contracts…,")
    assert dialog.note.text().startswith("Contracts (counting…): read 1 at a time as you scroll")
    held_count.set()
    qtbot.waitUntil(lambda: dialog.counting is None, timeout=10_000)
    assert dialog.summary.text().startswith("Budget against actual: 2 contracts,")
    assert [(t.currency, t.figures["budget"]) for t in m.totals] == [("EUR", 200_000), ("USD", 30_000)]
    assert "counting" not in dialog.note.text()
    dialog.close()


def test_a_page_read_while_counting_stops_the_count_which_starts_again(qtbot, window, books, monkeypatch, held_count):
    monkeypatch.setattr(view, "PAGE", 1)
    dialog = opened(qtbot, window, "spend_by_contract")
    m = dialog.model
    counting = dialog.counting
    assert counting is not None and [r.label for r in m.rows] == ["Logo"]
    generation = dialog.counter.generation
    while m.canFetchMore():  # (each page read on the window's thread, the count held: not waited for)
        m.fetchMore()
    assert [r.label for r in m.rows] == ["Logo", "Site", "Copy"] and dialog.counter.generation > generation
    assert dialog.counting is counting  # (started again)
    held_count.set()
    qtbot.waitUntil(lambda: dialog.counting is None, timeout=10_000)
    assert m.groups == 3 and dialog.summary.text().startswith("Spend by contract: 3 contracts,")
    dialog.close()


def test_the_key_role_names_the_figure(qtbot, window, books):
    dialog = opened(qtbot, window, "spend_by_freelancer")
    index = cell(dialog, "Ben Okafor", "EUR", "spend")
    assert index.data(KEY_ROLE) == (str(books["ben"].id), "spend", "EUR")


@pytest.mark.parametrize("amounts", ["each", "home"])
def test_no_heading_and_no_chart_reads_a_whole_report_on_the_windows_thread(
    qtbot, window, with_home, monkeypatch, amounts
):
    """A whole report by contract or by freelancer is a million rows on a big book: whatever heading is clicked,
    and whichever chart is drawn, the window's own thread reads none (the rest and the sorted pages are read on
    the worker thread, the charts' few rows too)."""
    whole = []
    run = report_views.run

    def watched(key, **kw):
        if (
            key in report_views.KEYED
            and kw.get("limit") is None
            and threading.current_thread() is (threading.main_thread())
        ):
            whole.append((key, {k: v for k, v in kw.items() if k in ("sort", "offset", "home")}))
        return run(key, **kw)

    monkeypatch.setattr(report_views, "run", watched)
    monkeypatch.setattr(view, "PAGE", 1)
    monkeypatch.setattr(view, "HOME_PAGE", 1)
    settled = lambda: not dialog.model.waiting and dialog.counting is None  # noqa: E731
    for key in sorted(report_views.KEYED):
        dialog = opened(qtbot, window, key)
        dialog.amounts_combo.setCurrentIndex(dialog.amounts_combo.findData(amounts))
        dialog.run()
        m = dialog.model
        for column in range(m.columnCount()):
            if not dialog.table.isColumnHidden(column):
                for order in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder):
                    dialog.table.sortByColumn(column, order)
                    qtbot.waitUntil(settled, timeout=10_000)
        if key in view.CHARTED:
            dialog.tabs.setCurrentIndex(1)
            qtbot.waitUntil(lambda: dialog.chart.data is not None and settled(), timeout=10_000)  # noqa: B023
            if key == "spend_by_freelancer":
                for i in range(dialog.chart_currency.count()):
                    dialog.chart_currency.setCurrentIndex(i)
                    qtbot.waitUntil(lambda: dialog.chart.data is not None and settled(), timeout=10_000)  # noqa: B023
        dialog.close()
    assert whole == []


# ------------------------------------------------------------------ the chart tab
@pytest.mark.parametrize("key", ["spend_by_period", "spend_by_freelancer", "escrow_by_month_end", "budget_vs_actual"])
def test_each_charted_report_draws_its_chart(qtbot, window, books, key):
    dialog = opened(qtbot, window, key)
    dialog.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: dialog.chart.data is not None, timeout=10_000)  # (by freelancer, budget: worker thread)
    assert dialog.chart.data.currency in ("USD", "EUR", "JPY")
    assert not dialog.chart.grab().isNull()
    dialog.close()


def test_the_chart_ranked_on_the_worker_thread_lets_a_sorted_read_under_way_go_on_after(
    qtbot, window, with_home, monkeypatch, held_sort
):
    gate, log = held_sort
    monkeypatch.setattr(view, "HOME_PAGE", 1)
    dialog = opened(qtbot, window, "spend_by_freelancer")
    m = dialog.model
    m.sort(m.columns.index("spend"), Qt.SortOrder.DescendingOrder)  # (held)
    assert m.waiting and "Sorting all the freelancers by spend" in dialog.note.text()
    dialog.tabs.setCurrentIndex(1)  # the chart by freelancer, in euros: the sort gives way to its ranking
    qtbot.waitUntil(lambda: dialog.chart.data is not None, timeout=10_000)
    assert [s.name for s in dialog.chart.data.series][:2] == ["Ben Okafor", "Ana Ruiz"]
    gate.set()  # the sort, started again after the ranking, goes on
    qtbot.waitUntil(lambda: not m.waiting and dialog.counting is None, timeout=10_000)
    assert [r.label for r in m.rows][:1] == ["Ben Okafor"] and "largest spend first" in dialog.note.text()
    assert [outcome for *_, outcome in log][-1] == "read"
    dialog.close()


def test_reports_without_a_chart_say_so(qtbot, window, books):
    dialog = opened(qtbot, window, "refunds_by_period")
    assert not dialog.tabs.isTabEnabled(1)
    assert "no chart" in dialog.tabs.tabToolTip(1)


def test_the_spend_chart_stacks_by_freelancer_with_the_others_adding_up(qtbot, window, books):
    dialog = opened(qtbot, window)
    dialog.tabs.setCurrentIndex(1)
    dialog.chart_currency.setCurrentIndex(dialog.chart_currency.findData("USD"))
    assert [s.name for s in dialog.chart.data.series] == ["Paid to freelancers", "Fees", "Refunds received"]
    dialog.stack_combo.setCurrentIndex(1)  # (the few who spent the most in each currency: on the worker thread)
    assert dialog.chart.data is None and isinstance(dialog.counting, view._ChartRanking)
    assert dialog.chart.message == ("Finding the 5 freelancers who cost the most in each currency: everyone's spend "
                                    "is added up first.")  # fmt: skip
    qtbot.waitUntil(lambda: dialog.chart.data is not None, timeout=10_000)
    data = dialog.chart.data
    assert [s.name for s in data.series] == ["Ana Ruiz"] and data.currency == "USD"
    assert data.totals == tuple(sum(s.values[i] for s in data.series) for i in range(len(data.categories)))
    dialog.chart_currency.setCurrentIndex(dialog.chart_currency.findData("EUR"))  # (read for every currency: drawn)
    assert dialog.counting is None and dialog.chart.data.currency == "EUR"
    assert [s.name for s in dialog.chart.data.series] == ["Ben Okafor"]
    dialog.close()


def test_the_budget_chart_finds_its_contracts_on_the_worker_thread(qtbot, window, books, monkeypatch):
    """The budget chart shows the contracts over budget and the largest budgets: finding them makes every
    contract's figures first (seconds on a big book), on the worker thread, the chart saying so meanwhile; the
    report's count waits meanwhile and is read after."""
    ran_on = []
    gate = hold(monkeypatch, view._ChartRanking, lambda job, thread, outcome: ran_on.append(thread))
    monkeypatch.setattr(view, "PAGE", 1)
    dialog = opened(qtbot, window, "budget_vs_actual")
    dialog.tabs.setCurrentIndex(1)
    assert dialog.chart.data is None and isinstance(dialog.counting, view._ChartRanking)
    assert dialog.chart.message.startswith("Finding the contracts over budget and those with the largest budgets")
    assert dialog.summary.text().startswith("Budget against actual: counting contracts…,")
    gate.set()
    qtbot.waitUntil(lambda: dialog.chart.data is not None and dialog.counting is None, timeout=10_000)
    data = dialog.chart.data
    assert [dialog.chart_currency.itemData(i) for i in range(dialog.chart_currency.count())] == ["EUR", "USD"]
    assert (data.currency, data.categories, data.flags) == ("EUR", ("Site",), ("Under budget",))
    dialog.chart_currency.setCurrentIndex(dialog.chart_currency.findData("USD"))  # (read for every currency: drawn)
    assert (dialog.chart.data.categories, dialog.chart.data.flags) == (("Logo",), ("Over budget",))
    assert dialog.summary.text().startswith("Budget against actual: 2 contracts,")  # (counted after)
    assert ran_on and threading.main_thread().ident not in ran_on
    dialog.close()


def test_the_chart_by_freelancer_in_the_home_currency_ranks_by_the_converted_spend(qtbot, window, with_home):
    """Ranking everyone by their spend in the home currency converts every freelancer's days (seconds on a big
    book): the chart is ranked on the worker thread and says so meanwhile."""
    dialog = opened(qtbot, window)
    dialog.tabs.setCurrentIndex(1)
    assert dialog.chart_currency.currentData() == "EUR"
    dialog.stack_combo.setCurrentIndex(1)
    assert dialog.chart.data is None and isinstance(dialog.counting, view._ChartRanking)  # (shown when it comes)
    assert dialog.chart.message.startswith("Finding the 5 freelancers who cost the most in EUR")
    qtbot.waitUntil(lambda: dialog.chart.data is not None, timeout=10_000)
    data = dialog.chart.data
    assert [s.name for s in data.series] == ["Ben Okafor", "Ana Ruiz"]  # €1,260.99 against €427.39
    assert data.categories == ("Mar 2026", "Apr 2026")
    assert data.series[0].values == (0, 126_099) and data.series[1].values == (47_339, -4_600)
    assert "no exchange rate" in data.note  # the yen has none: left out, and said so
