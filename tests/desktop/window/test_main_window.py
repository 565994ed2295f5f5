"""The main window driven as a user would: search, filters, sort, selection, the dialogs,
funding and submitted work, and the row, page and status bar following each operation."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from desktop.window.contracts_model import COLUMN_KEYS
from desktop.window.main_window import MainWindow
from models import ops
from models.book import open_book
from models.entities import Contract, LedgerEntry, Milestone
from tests.conftest import snapshot
from tests.desktop.conftest import TODAY, titles
from tests.ui import record_on


def shown(window, row: int, key: str) -> str:
    return window.model.data(window.model.index(row, COLUMN_KEYS.index(key)))


def test_table_lists_every_contract_sorted_by_title(window):
    assert titles(window) == ["Annual report", "Logo redesign", "Website"]
    assert window.count_label.text() == "3 contracts"
    assert window.stack.currentWidget() is window.splitter
    row = titles(window).index("Website")
    assert shown(window, row, "paid") == "€800.00"
    assert shown(window, row, "freelancer") == "Bo Lindqvist"
    alignment = window.model.data(window.model.index(row, COLUMN_KEYS.index("paid")), Qt.ItemDataRole.TextAlignmentRole)
    assert alignment & Qt.AlignmentFlag.AlignRight  # amounts right-aligned
    assert shown(window, titles(window).index("Annual report"), "status") == "Ended · 4 to close out"


def test_sort_by_every_column_both_ways(window, qtbot):
    header = window.table.horizontalHeader()
    for column, key in enumerate(COLUMN_KEYS):
        window.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
        up = [r.id for r in window.model.rows]
        window.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
        down = [r.id for r in window.model.rows]
        assert sorted(up) == sorted(down) == sorted(c.id for c in Contract.select()), key
        assert header.sortIndicatorSection() == column
    window.table.sortByColumn(COLUMN_KEYS.index("paid"), Qt.SortOrder.DescendingOrder)
    assert titles(window)[0] == "Website"  # €800.00 paid, the others nothing
    window.table.sortByColumn(COLUMN_KEYS.index("escrow"), Qt.SortOrder.DescendingOrder)
    assert titles(window)[0] == "Logo redesign"


def test_search_as_you_type_finds_title_freelancer_and_id(window, qtbot):
    qtbot.keyClicks(window.search, "web")
    qtbot.waitUntil(lambda: titles(window) == ["Website"], timeout=2000)
    assert window.count_label.text() == "1 contract"
    window.search.clear()
    qtbot.keyClicks(window.search, "ana ruiz")
    qtbot.waitUntil(lambda: titles(window) == ["Annual report", "Logo redesign"], timeout=2000)
    window.search.clear()
    qtbot.keyClicks(window.search, "UP-555")
    qtbot.waitUntil(lambda: titles(window) == ["Website"], timeout=2000)
    window.search.clear()
    window.search.clear()
    qtbot.keyClicks(window.search, "lO")  # one or two characters: what starts with them, capitals or not
    window.apply_search()
    assert titles(window) == ["Logo redesign"]
    assert window.count_label.text() == "1 contract starting with “lO”"
    window.search.clear()
    qtbot.keyClicks(window.search, "zz")
    window.apply_search()
    assert titles(window) == []


def test_filters_all_active_ended_and_needs_attention(window, qtbot):
    qtbot.mouseClick(window.filter_buttons["active"], Qt.MouseButton.LeftButton)
    assert titles(window) == ["Logo redesign", "Website"]
    qtbot.mouseClick(window.filter_buttons["ended"], Qt.MouseButton.LeftButton)
    assert titles(window) == ["Annual report"]
    qtbot.mouseClick(window.filter_buttons["attention"], Qt.MouseButton.LeftButton)
    # the ended contract's closeout is open (R11); nothing else is due within its warning period
    assert titles(window) == ["Annual report"]
    assert window.filter_buttons["attention"].text() == "Needs attention (1)"
    window.filter_actions.actions()[0].trigger()  # View → All (Ctrl+1)
    assert len(titles(window)) == 3


def test_selecting_a_contract_shows_its_page(window):
    window.select_contract(Contract.get(Contract.title == "Website").id)
    page = window.page
    assert page.title.text() == "Website"
    assert "Bo Lindqvist" in page.subtitle.text()
    assert "€800.00" in page.money.text()
    assert page.milestones.milestone_table.rowCount() == 1
    assert page.ledger.ledger_table.rowCount() == 4  # deposit, 5% fee, initiation fee, release
    labels = {page.ledger.ledger_table.item(r, 2).text() for r in range(page.ledger.ledger_table.rowCount())}
    assert "Payment released" in labels
    t = page.ledger.ledger_table
    rows = {t.item(r, 2).text(): [t.item(r, c).text() for c in (3, 4, 5, 6)] for r in range(4)}
    # where the money went, the escrow after it, and the milestone each entry belongs to
    assert rows["Payment released"] == ["Escrow → freelancer", "€800.00", "€0.00", "Pages"]
    assert rows["Deposit into escrow"] == ["You → escrow", "€800.00", "€800.00", "Pages"]
    assert rows["Fee"][:1] == ["You → marketplace"]


def test_selection_survives_a_refresh_and_a_sort(window):
    site = Contract.get(Contract.title == "Website").id
    window.select_contract(site)
    window.refresh_all()
    assert window.page.contract.id == site
    assert window.table.selectionModel().selectedRows()[0].row() == window.model.row_of(site)
    window.table.sortByColumn(COLUMN_KEYS.index("paid"), Qt.SortOrder.DescendingOrder)
    window.select_contract(site)
    assert window.page.contract.id == site


def test_status_bar_shows_totals_per_currency_and_attention(window):
    window.update_status()
    text = window.status_money.text()
    assert "In escrow: $300.00" in text  # the USD contract's funded milestone
    assert "Paid in 2026: €800.00" in text
    assert window.status_attention.text() == "⚠ 1 need attention"


def test_status_bar_totals_shrink_to_fit_never_cut_off(window, qtbot, filled):
    window.resize(1280, 720)  # a wide window (the first size fits the test's screen, 800 pixels wide)
    ana = filled["logo"].freelancer
    for currency in ("GBP", "CAD", "AUD", "CHF", "SEK", "NOK"):  # eight currencies in all
        c = ops.create_contract(f"Work in {currency}", ana, currency=currency, started_on=date(2026, 3, 1), today=TODAY)
        m = ops.add_milestone(c, "All of it", 123_456_789)
        ops.fund_milestone(m, today=date(2026, 3, 2))
        paid = ops.release_payment(m, 23_456_789, today=date(2026, 3, 5))
        ops.record_refund(paid, 1_234_567, today=date(2026, 3, 6))
    window.update_status()

    def fits() -> bool:
        room = window.statusBar().width() - window.status_attention.sizeHint().width()
        return window.status_money.fontMetrics().horizontalAdvance(window.status_money.text()) <= room

    assert fits() and "more" in window.status_money.text()
    wide = window.status_money.text()
    window.resize(window.minimumSizeHint().width(), 700)
    qtbot.waitUntil(lambda: window.status_money.text() != wide)
    assert fits()
    assert window.status_money.text().startswith("In escrow: ")
    tip = window.status_money.toolTip()  # every total, in every currency
    assert "$300.00" in tip and "€800.00" in tip and "12,345.67 NOK" in tip


def test_the_page_keeps_its_height_from_contract_to_contract(window, qtbot, filled):
    """Many deadlines scroll inside the page: the table above does not shrink as the user goes down the list."""
    ana = filled["logo"].freelancer
    busy = ops.create_contract("Many reviews", ana, started_on=date(2026, 3, 1), today=TODAY)
    for i in range(10):
        m = ops.add_milestone(busy, f"Part {i + 1}", 10_000)
        ops.fund_milestone(m, today=date(2026, 3, 2))
        ops.submit_work(m, today=date(2026, 3, 3 + i))
    window.resize(1280, 720)
    window.select_contract(filled["logo"].id)
    qtbot.wait(50)
    assert window.page.clocks.text().count("<li") == 1
    with_one = window.splitter.sizes()
    window.contract_changed(busy.id)
    qtbot.wait(50)
    assert window.page.clocks.text().count("<li") == 10
    assert window.splitter.sizes() == with_one


def _in_dialog(qtbot, act):
    """Run `act(dialog)` on the modal dialog that the next action opens."""
    done = []

    def later():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, later)
            return
        act(dialog)
        done.append(dialog)

    QTimer.singleShot(0, later)
    return done


def test_create_a_contract_through_the_dialog(window, qtbot):
    def fill(dialog):
        qtbot.keyClicks(dialog.title_edit, "Brand book")
        dialog.freelancer_combo.setCurrentIndex(
            dialog.freelancer_combo.findText("Bo Lindqvist", Qt.MatchFlag.MatchStartsWith)
        )
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    done = _in_dialog(qtbot, fill)
    window.act_new_contract.trigger()
    assert done
    brand = Contract.get(Contract.title == "Brand book")
    assert brand.freelancer.name == "Bo Lindqvist"
    assert titles(window)[0] == "Brand book"  # new row shown at once, selected, page open
    assert window.page.contract.id == brand.id
    assert window.count_label.text() == "4 contracts"


def test_a_refused_contract_dialog_changes_nothing(window, qtbot):
    before = snapshot()

    def try_empty(dialog):
        assert not dialog.ok_button.isEnabled()  # no title yet: OK stays disabled
        qtbot.keyClicks(dialog.title_edit, "x")
        dialog.title_edit.clear()
        assert dialog.error_text("title") == "Enter a contract title."
        dialog.reject()

    done = _in_dialog(qtbot, try_empty)
    window.act_new_contract.trigger()
    assert done and snapshot() == before


def test_add_a_milestone_with_validation_then_fund_and_submit(window, qtbot):
    logo = Contract.get(Contract.title == "Logo redesign")
    window.select_contract(logo.id)
    before = snapshot()

    def below_minimum(dialog):
        qtbot.keyClicks(dialog.title_edit, "Final files")
        qtbot.keyClicks(dialog.amount_edit, "4.99")
        assert dialog.error_text("amount") == "A milestone must be at least $5.00."
        assert not dialog.ok_button.isEnabled()
        qtbot.keyClicks(dialog.amount_edit, "abc-")  # letters and signs stay on screen and are explained
        assert dialog.amount_edit.text() == "4.99abc-"
        assert dialog.error_text("amount") == "“4.99abc-” is not an amount: use digits and “.” only."
        assert not dialog.ok_button.isEnabled()
        dialog.reject()

    done = _in_dialog(qtbot, below_minimum)
    window.act_new_milestone.trigger()
    assert done and snapshot() == before  # refused input changed nothing

    def five_dollars(dialog):
        qtbot.keyClicks(dialog.title_edit, "Final files")
        qtbot.keyClicks(dialog.amount_edit, "5.00")
        assert dialog.error_text("amount") is None
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    done = _in_dialog(qtbot, five_dollars)
    window.act_new_milestone.trigger()
    assert done
    m = Milestone.get(Milestone.title == "Final files")
    page = window.page
    assert page.milestones.selected_milestone_id() == m.id
    assert page.milestones.fund_button.isEnabled() and window.act_fund.isEnabled()

    qtbot.mouseClick(page.milestones.fund_button, Qt.MouseButton.LeftButton)
    record_on(qtbot, page.milestones.date_dialog)  # funded today (the fees are said in the same dialog)
    assert Milestone.get_by_id(m.id).state == Milestone.ACTIVE
    row = window.model.row_of(logo.id)
    assert shown(window, row, "escrow") == "$305.00"  # the row followed without a reload
    assert "In escrow: $305.00" in window.status_money.text()  # and the status bar
    assert "$305.00" in page.money.text()  # and the page
    kinds = [e.kind for e in LedgerEntry.select().where(LedgerEntry.milestone == m)]
    assert kinds.count("fee") == 1  # 5% of $5.00; the initiation fee was charged with the first funding

    page.milestones.select_milestone(m.id)
    qtbot.mouseClick(page.milestones.submit_button, Qt.MouseButton.LeftButton)
    record_on(qtbot, page.milestones.date_dialog)
    assert Milestone.get_by_id(m.id).auto_release_on == date(2026, 3, 24)
    assert "Review period ends" in page.clocks.text()
    assert shown(window, window.model.row_of(logo.id), "next") == "24 Mar 2026 · Review ends"


def test_a_refused_operation_is_explained_and_changes_nothing(window, qtbot, monkeypatch):
    logo = Contract.get(Contract.title == "Logo redesign")
    window.select_contract(logo.id)
    m = ops.add_milestone(logo, "Extra", 1_000)
    window.page.show_contract(logo.id)
    window.page.milestones.select_milestone(m.id)
    ops.end_contract(logo, agreed=True, request_escrow_refund=True, today=TODAY)  # ended elsewhere meanwhile
    before = snapshot()
    dialog = window.page.milestones.fund_milestone()
    record_on(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.error_text("date") is None
    assert dialog.general_error.message() == "“Logo redesign” has ended: you can no longer fund milestones."
    assert snapshot() == before
    dialog.reject()


def test_delete_key_deletes_an_unfunded_milestone_after_confirming(window, qtbot):
    logo = Contract.get(Contract.title == "Logo redesign")
    window.select_contract(logo.id)
    m = ops.add_milestone(logo, "Spare", 1_000)
    window.page.show_contract(logo.id)
    window.page.milestones.select_milestone(m.id)
    window._update_actions()
    window.act_delete.trigger()
    assert Milestone.get_or_none(Milestone.id == m.id) is None


def test_reverse_a_ledger_entry_from_the_ledger_tab(window, qtbot):
    site = Contract.get(Contract.title == "Website")
    window.select_contract(site.id)
    release = LedgerEntry.get((LedgerEntry.contract == site) & (LedgerEntry.kind == "release"))
    table = window.page.ledger.ledger_table
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == str(release.id))
    table.selectRow(row)
    dialog = window.page.ledger.reverse_entry()
    assert dialog.ok_button.text() == "&Reverse"
    record_on(qtbot, dialog, date(2026, 3, 4))  # before the payment: refused under the date
    assert dialog.error_text("date") == (
        "4 Mar 2026 is before the payment of €800.00 for “Pages” on 5 Mar 2026. Choose 5 Mar 2026 or later."
    )
    record_on(qtbot, dialog, date(2026, 3, 6))
    reversal = LedgerEntry.get(LedgerEntry.reverses == release)
    assert reversal.date == date(2026, 3, 6)
    assert shown(window, window.model.row_of(site.id), "paid") == "€0.00"
    labels = [table.item(r, 2).text() for r in range(table.rowCount())]
    assert f"Reversal of #{release.id}" in labels and "Payment released (reversed)" in labels


@pytest.fixture
def far_from_utc(monkeypatch):
    """A local time zone whose date is not the UTC date right now (12 hours behind, or 14 ahead)."""
    import time
    from datetime import UTC, datetime

    monkeypatch.setenv("TZ", "LOC+12" if datetime.now(UTC).hour < 12 else "LOC-14")  # POSIX: the sign is west
    time.tzset()
    assert date.today() != datetime.now(UTC).date()
    yield
    monkeypatch.undo()
    time.tzset()


def test_today_is_the_local_date_unless_given(qtbot, book, settings, far_from_utc):
    w = MainWindow(book, settings=settings)
    qtbot.addWidget(w)
    assert w.today() == date.today()  # where the client is, not the UTC date
    assert w.page.milestones.today() == date.today() and w.model.today == date.today()


def test_empty_book_shows_the_welcome_page(qtbot, tmp_path, settings):
    book = open_book(tmp_path / "empty.book")
    w = MainWindow(book, today=TODAY, settings=settings)
    qtbot.addWidget(w)
    assert w.stack.currentWidget() is w.welcome
    buttons = {b.text() for b in w.welcome.findChildren(QPushButton)}
    assert {"&New contract…", "Open a &demo book"} <= buttons
    w.close()


def test_save_a_copy_writes_a_book_that_opens(window, tmp_path):
    target = tmp_path / "copy.book"
    assert window.save_copy_to(target)
    assert not window.save_copy_to(window.book.path)  # never over the open book
    assert "cannot be saved over the open book" in window.warnings[-1]
    window.close()
    with open_book(target, create=False):
        assert Contract.select().count() == 3


def test_window_layout_persists(window, settings, book, qtbot):
    window.table.setColumnWidth(0, 333)
    window.resize(1000, 700)
    window.close()  # saves settings and closes the book
    again = MainWindow(open_book(book.path, create=False), today=TODAY, settings=settings)
    qtbot.addWidget(again)
    assert again.table.columnWidth(0) == 333
    assert str(book.path) in settings.value("recentBooks", [], type=list)
    again.close()


def test_open_recent_lists_the_last_book_first_once(window, settings, book, tmp_path):
    other = tmp_path / "other.book"
    open_book(other).close()
    assert window.switch_to(other)
    assert window.switch_to(book.path)
    listed = [a.text() for a in window.recent_menu.actions()]
    assert listed == [str(book.path), str(other)]
    assert settings.value("recentBooks", [], type=list) == listed
    assert window.switch_to(book.path)  # the same book again: the list stays as it is
    assert [a.text() for a in window.recent_menu.actions()] == listed
    assert settings.value("recentBooks", [], type=list) == listed


def test_keyboard_shortcuts(window):
    shortcuts = {
        window.act_new_contract: "Ctrl+N",
        window.act_find: "Ctrl+F",
        window.act_open: "Ctrl+O",
        window.act_quit: "Ctrl+Q",
        window.act_help: "F1",
    }
    for action, keys in shortcuts.items():
        assert action.shortcut().toString() == keys
    window.activateWindow()
    window.act_find.trigger()
    qtbot_wait = QApplication.processEvents
    qtbot_wait()
    assert window.search.hasFocus()


def test_every_interactive_widget_is_named(window):
    from PySide6.QtWidgets import QLineEdit, QTableView, QTableWidget, QToolButton

    widgets = [window.table, window.search, *window.filter_buttons.values()]
    widgets += window.page.findChildren(QPushButton) + window.page.findChildren(QTableWidget)
    widgets += [w for w in window.findChildren(QLineEdit) if w is window.search]
    for widget in widgets:
        assert widget.objectName(), widget
        assert widget.accessibleName(), widget.objectName()
    assert all(isinstance(w, (QTableView, QLineEdit, QToolButton, QPushButton)) for w in widgets)


def test_release_wizard_is_reached_from_toolbar_menu_context_menu_and_milestones_tab(window, qtbot):
    from PySide6.QtWidgets import QToolBar

    from desktop.dialogs.release_wizard import ReleaseWizard

    toolbar = window.findChild(QToolBar, "mainToolbar")
    assert window.act_release in toolbar.actions()
    contract_menu = next(m for m in window.menuBar().actions() if m.text() == "&Contract").menu()
    assert window.act_release in contract_menu.actions()
    assert window.page.milestones.release_button.objectName() == "releaseButton"

    logo = Contract.get(Contract.title == "Logo redesign")
    window.select_contract(logo.id)
    sketches = Milestone.get(Milestone.title == "Sketches")
    window.page.milestones.select_milestone(sketches.id)

    def pay_all(wizard):
        assert isinstance(wizard, ReleaseWizard) and wizard.choose.choice() == sketches.id
        wizard.next()
        wizard.next()
        wizard.next()  # Pay now
        wizard.accept()  # Keep it open

    done = _in_dialog(qtbot, pay_all)
    qtbot.mouseClick(window.page.milestones.release_button, Qt.MouseButton.LeftButton)
    assert done
    assert Milestone.get_by_id(sketches.id).state == Milestone.PAID
    row = window.model.row_of(logo.id)
    assert shown(window, row, "paid") == "$300.00" and shown(window, row, "escrow") == "$0.00"
    assert "Paid in 2026: €800.00 · $300.00" in window.status_money.text()


def test_release_on_an_ended_contract_explains_instead(window):
    old = Contract.get(Contract.title == "Annual report")
    window.select_contract(old.id)
    assert not window.act_release.isEnabled()
    window.page.milestones.release_payment()
    assert window.warnings[-1] == "“Annual report” has ended: payments can no longer be released."


def test_end_contract_from_the_window_requests_the_escrow_refund_and_opens_closeout(window, qtbot):
    from PySide6.QtWidgets import QToolBar

    from models.check import check_book

    assert window.act_end in window.findChild(QToolBar, "mainToolbar").actions()
    logo = Contract.get(Contract.title == "Logo redesign")
    window.select_contract(logo.id)
    assert window.act_end.isEnabled()

    def confirm():
        d = window.end_dialog
        d.agreed.setChecked(True)
        d.refund_choice.setChecked(True)
        d.end_button.click()
        d.closeout_button.click()

    QTimer.singleShot(0, confirm)
    window.act_end.trigger()
    c = Contract.get_by_id(logo.id)
    assert c.status == Contract.ENDED and [r.amount for r in c.escrow_refund_requests] == [30_000]
    assert window.page.tabs.currentWidget() is window.page.closeout_tab
    assert shown(window, window.model.row_of(logo.id), "status") == "Ended · 4 to close out"
    assert not window.act_end.isEnabled() and not window.act_release.isEnabled()
    assert check_book() == []


def test_escrow_refund_and_closeout_tabs_follow_the_selected_contract(window):
    old = Contract.get(Contract.title == "Annual report")
    window.select_contract(old.id)
    tabs = [window.page.tabs.tabText(i).replace("&", "") for i in range(window.page.tabs.count())]
    assert tabs == ["Milestones", "Ledger", "Escrow refund", "Closeout", "Feedback", "Statement"]
    assert window.page.closeout_tab.progress.text() == "0 of 4 done"
    assert window.page.closeout_tab.contract.id == old.id
    assert window.page.escrow_panel.contract.id == old.id


def test_help_on_ending_a_contract_links_to_the_wizard_and_the_confirmation(window, monkeypatch):
    from PySide6.QtCore import QUrl

    opened = []
    monkeypatch.setattr(window.page.milestones, "release_payment", lambda: opened.append("release"))
    monkeypatch.setattr(window, "end_contract", lambda: opened.append("end"))
    help_menu = next(m for m in window.menuBar().actions() if m.text() == "&Help").menu()
    assert window.act_help_ending in help_menu.actions()
    window.act_help_ending.trigger()
    text = window.help_dialog.browser.toPlainText()
    assert "Ending a fixed-price contract" in text and "escrow refund" in text
    window.help_dialog.actions = {"release": window.page.milestones.release_payment, "end": window.end_contract}
    window.help_dialog.follow(QUrl("action:release"))
    window.help_dialog.follow(QUrl("action:end"))
    assert opened == ["release", "end"]
    window.help_dialog.close()


def test_attention_panel_lines_open_the_right_place(window):
    window.attention_dock.show()
    window.update_status()
    lines = window.attention.lines()
    assert lines and "Annual report" in lines[0]  # its closeout is open (R11)
    old = Contract.get(Contract.title == "Annual report")
    window.open_attention_item("closeout", old.id, None)
    assert window.page.contract.id == old.id
    assert window.page.tabs.currentWidget() is window.page.closeout_tab
    window.open_attention_item("feedback", old.id, None)
    assert window.page.tabs.currentWidget() is window.page.feedback_tab
    window.open_attention_item("escrow_reply", old.id, None)
    assert window.page.tabs.currentWidget() is window.page.escrow_panel


def test_overdue_automatic_events_are_offered_on_opening_and_recorded(qtbot, book, settings):
    from models.check import check_book

    ana = ops.create_freelancer("Ana Ruiz")
    c = ops.create_contract("Logo redesign", ana, started_on=date(2026, 2, 1), today=date(2026, 2, 1))
    m = ops.add_milestone(c, "Draft", 10_000)
    ops.fund_milestone(m, today=date(2026, 2, 2))
    ops.submit_work(m, today=date(2026, 2, 3))  # released automatically on 17 Feb, before TODAY
    w = MainWindow(book, today=TODAY, settings=settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: getattr(w, "overdue_dialog", None) is not None, timeout=2000)
    dialog = w.overdue_dialog
    assert "released automatically on 17 Feb 2026" in dialog.texts()[0]
    dialog.record_button.click()
    assert Milestone.get_by_id(m.id).state == Milestone.PAID
    assert shown(w, w.model.row_of(c.id), "paid") == "$100.00"
    assert check_book() == []
    w.close()


def test_record_refund_from_the_contract_menu(window, qtbot):
    from PySide6.QtWidgets import QLineEdit, QRadioButton

    site = Contract.get(Contract.title == "Website")
    window.select_contract(site.id)
    assert window.act_refund.isEnabled()

    def refund():
        d = window.page.ledger.refund_dialog
        assert d.selected_payment() is not None  # the one refundable payment is chosen for you
        d.findChild(QRadioButton, "partRadio").setChecked(True)
        amount = d.findChild(QLineEdit, "amountEdit")
        amount.clear()
        qtbot.keyClicks(amount, "150.00")
        d.ok_button.click()

    QTimer.singleShot(0, refund)
    window.act_refund.trigger()
    refunds = list(LedgerEntry.select().where(LedgerEntry.kind == "refund"))
    assert [(r.amount, r.currency) for r in refunds] == [(15_000, "EUR")]
    assert shown(window, window.model.row_of(site.id), "refunded") == "€150.00"
    assert "Refunds in 2026: €150.00" in window.status_money.text()


def test_r6_asking_for_changes_stops_the_review_clock(window, qtbot):
    logo = Contract.get(Contract.title == "Logo redesign")
    sketches = Milestone.get(Milestone.title == "Sketches")
    ops.submit_work(sketches, today=date(2026, 3, 5))
    window.select_contract(logo.id)
    window.page.show_contract(logo.id)
    window.page.milestones.select_milestone(sketches.id)
    assert window.page.milestones.changes_button.isEnabled()
    window.page.milestones.changes_button.click()
    record_on(qtbot, window.page.milestones.date_dialog, date(2026, 3, 7))
    assert Milestone.get_by_id(sketches.id).state == Milestone.ACTIVE
    assert "Review period" not in window.page.clocks.text()
    assert window.page.milestones.submit_button.isEnabled() and not window.page.milestones.changes_button.isEnabled()


def test_help_about_shows_the_version_of_pyproject(window, monkeypatch):
    import tomllib
    from pathlib import Path

    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append((title, text)))
    window.act_about.trigger()
    pyproject = Path(__file__).resolve().parents[3] / "pyproject.toml"
    version = tomllib.loads(pyproject.read_text())["project"]["version"]
    assert shown and shown[0][0] == "About Escrowbook"
    assert f"Escrowbook {version}</b>" in shown[0][1]


def test_selection_survives_a_refresh_beyond_the_first_page(qtbot, book, settings):
    from desktop.window.contracts_model import FIRST_PAGE

    f = ops.create_freelancer("Ana Ruiz")
    for n in range(FIRST_PAGE + 30):
        ops.create_contract(f"Contract {n:04d}", f, started_on=date(2026, 3, 1), today=TODAY)
    w = MainWindow(book, today=TODAY, settings=settings)
    qtbot.addWidget(w)
    w.show()
    far = Contract.get(Contract.title == f"Contract {FIRST_PAGE + 20:04d}")
    assert w.select_contract(far.id)  # beyond the rows read at first: read on to it
    w.refresh_all()
    assert w.selected_contract_id() == far.id
    assert titles(w)[w.table.currentIndex().row()] == far.title


def test_a_search_that_matches_nothing_clears_the_page_and_says_so(demo_window, qtbot):
    window = demo_window
    first = window.page.title.text()
    assert window.page.contract is not None
    qtbot.keyClicks(window.search, "xyzzy")
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=2000)
    assert window.count_label.text() == "0 contracts"
    assert window.page.contract is None
    assert window.page.title.text() == "No contract matches “xyzzy”."
    assert first not in window.page.subtitle.text()
    assert window.page.money.text() == ""
    assert window.page.milestones.milestone_table.rowCount() == 0
    assert not window.act_end.isEnabled() and not window.act_edit_contract.isEnabled()
    window.search.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=2000)
    assert window.page.contract is not None  # the first contract again, as on opening
    assert window.page.title.text() == window.model.rows[0].title


def test_a_filter_with_no_contracts_says_so(window, qtbot):
    qtbot.keyClicks(window.search, "Annual")
    qtbot.waitUntil(lambda: titles(window) == ["Annual report"], timeout=2000)
    window.select_contract(Contract.get(Contract.title == "Annual report").id)
    qtbot.mouseClick(window.filter_buttons["active"], Qt.MouseButton.LeftButton)
    assert titles(window) == []
    assert window.page.contract is None
    assert window.page.title.text() == "No active contract matches “Annual”."
