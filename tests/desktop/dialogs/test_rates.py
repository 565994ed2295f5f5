"""Tools → Home Currency and Exchange Rates… (desktop/dialogs/rates.py), as a client sees it: the home currency
chosen, a rate typed appearing in the table, a bad rate's hint, a rates file imported (off the GUI thread) and
its result in words, a refused file's words with nothing changed, and the confirmation before rates are
replaced."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.dialogs.rates import RatesDialog
from models import rates
from models.entities import AuditLog, ExchangeRate

TODAY = date(2026, 3, 10)
ECB_FILE = "Date,USD,JPY,GBP,ISK,\n2026-03-06,1.0865,161.50,0.8543,150.1,\n2026-03-05,1.0800,160.00,0.8500,N/A,\n"


pytestmark = pytest.mark.usefixtures("en_us")


@pytest.fixture
def dialog(qtbot, book, show, prompts):
    return show(RatesDialog(None, today=TODAY))


@pytest.fixture
def eur(dialog):
    dialog.home_combo.setCurrentIndex(dialog.home_combo.findData("EUR"))
    qtbot_click(dialog.home_button)
    return dialog


def qtbot_click(button) -> None:
    assert button.isEnabled(), button.objectName()
    button.click()
    QApplication.processEvents()


def table(dialog) -> list[list[str]]:
    model = dialog.table.model()
    return [
        [model.index(r, c).data(Qt.ItemDataRole.DisplayRole) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def type_rate(qtbot, dialog, currency: str, period: str, rate: str) -> None:
    dialog.currency_combo.setCurrentIndex(dialog.currency_combo.findData(currency))
    for edit, text in ((dialog.period_edit, period), (dialog.rate_edit, rate)):
        edit.clear()
        qtbot.keyClicks(edit, text)


def write(tmp_path, text: str, name: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_file(qtbot, dialog, path) -> None:
    dialog.choose_file = lambda: str(path)
    qtbot_click(dialog.import_button)
    qtbot.waitUntil(lambda: not dialog.importing() and not dialog.busy.isVisible(), timeout=10_000)
    QApplication.processEvents()


def test_until_a_home_currency_is_chosen_it_says_what_it_is_for_and_no_rate_can_be_typed(dialog):
    assert "No home currency is chosen yet" in dialog.home_status.text()
    assert "reports show each currency on its own" in dialog.findChild(type(dialog.home_status), "homeNote").text()
    assert not dialog.record_box.isEnabled() and not dialog.import_box.isEnabled()
    assert "Choose the home currency first" in dialog.empty.text()
    assert dialog.focusWidget() is dialog.home_combo


def test_choosing_the_home_currency_saves_it_and_opens_the_rates(dialog):
    dialog.home_combo.setCurrentIndex(dialog.home_combo.findData("GBP"))
    assert dialog.home_combo.currentText() == "GBP — pounds sterling"
    qtbot_click(dialog.home_button)
    assert rates.home_currency() == "GBP"
    assert dialog.home_status.text() == "The home currency is GBP — pounds sterling."
    assert not dialog.home_button.isEnabled()  # nothing to save until another is chosen
    assert dialog.record_box.isEnabled() and dialog.import_box.isEnabled()
    assert dialog.currency_combo.findData("GBP") == -1  # no rate of the home currency into itself
    assert dialog.home_suffix.text() == "GBP"
    assert dialog.rates_box.title() == "Rates into GBP recorded: 0"


def test_a_typed_rate_appears_in_the_table_most_recent_first(qtbot, eur):
    dialog = eur
    type_rate(qtbot, dialog, "USD", "2026-02", "0.9234")
    assert dialog.one_label.text() == "1 USD ="
    qtbot_click(dialog.record_button)
    type_rate(qtbot, dialog, "JPY", "2026-03-05", "0.0062")
    qtbot.keyClick(dialog.rate_edit, Qt.Key.Key_Return)  # Enter in the rate records it too
    QApplication.processEvents()
    assert table(dialog) == [
        ["JPY", "2026-03-05", "1 JPY = 0.0062 EUR", "Typed"],
        ["USD", "2026-02 (month)", "1 USD = 0.9234 EUR", "Typed"],
    ]
    assert dialog.rates_box.title() == "Rates into EUR recorded: 2"
    assert dialog.rate_edit.text() == "" and dialog.rate_error.message() is None  # ready for the next one
    assert dialog.record_status.text() == "Recorded: 1 JPY = 0.0062 EUR for 2026-03-05."
    assert dialog.record_status.isVisible()


def test_a_bad_rate_or_day_is_said_under_its_field_as_typed_and_nothing_moves(qtbot, eur):
    dialog = eur
    type_rate(qtbot, dialog, "USD", "2026-03-05", "0.9234")
    assert dialog.record_button.isEnabled()
    before = (dialog.size(), dialog.record_button.geometry(), dialog.import_box.geometry())
    type_rate(qtbot, dialog, "USD", "2026-03-11", "0,92")
    assert dialog.period_error.message() == (
        "2026-03-11 has not begun yet: a rate is recorded once it is known, never ahead."
    )
    assert dialog.rate_error.message() == "“0,92” is not a rate: use digits and one “.” only, as in 0.9234."
    assert dialog.rate_error.isVisible() and not dialog.record_button.isEnabled()
    assert dialog.rate_edit.accessibleDescription() == dialog.rate_error.message()
    assert (dialog.size(), dialog.record_button.geometry(), dialog.import_box.geometry()) == before
    type_rate(qtbot, dialog, "USD", "2026-03-05", "5000000")
    assert "cannot be right: it says one USD was worth 5000000 EUR" in dialog.rate_error.message()
    assert ExchangeRate.select().count() == 0


def test_a_rates_file_is_read_off_the_gui_thread_and_stored_on_it_and_its_result_said_in_words(
    qtbot, eur, tmp_path, monkeypatch
):
    """The file is read and checked on a worker thread; its rates are stored by the window's thread (the book's
    one connection is used by one thread only: never beside the daily backup or a count)."""
    import threading

    dialog = eur
    threads = []
    read, store = rates.read_rates, rates.store_rates

    def spy(real, what):
        def call(*args, **kwargs):
            threads.append((what, threading.current_thread() is threading.main_thread()))
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(rates, "read_rates", spy(read, "read"))
    monkeypatch.setattr(rates, "store_rates", spy(store, "store"))
    import_file(qtbot, dialog, write(tmp_path, ECB_FILE, "eurofxref-hist.csv"))
    assert threads == [("read", False), ("store", True)]
    assert dialog.import_status.text() == (
        "Imported “eurofxref-hist.csv” (the European Central Bank's layout, 2026-03-05 to 2026-03-06): 6 rates "
        "added, 0 unchanged, 0 replaced. Left out, as Escrowbook does not know them: ISK."
    )
    shown = table(dialog)
    assert shown[0] == ["GBP", "2026-03-06", "1 GBP ≈ 1.170549 EUR", "eurofxref-hist.csv"]
    assert ["USD", "2026-03-05", "1 USD ≈ 0.925926 EUR", "eurofxref-hist.csv"] in shown
    tip = dialog.table.model().index(0, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Exactly 10000/8543 EUR per GBP")
    assert dialog.record_box.isEnabled() and dialog.import_button.isEnabled()  # no longer busy
    import_file(qtbot, dialog, write(tmp_path, ECB_FILE, "eurofxref-hist.csv"))
    assert "0 rates added, 6 unchanged, 0 replaced" in dialog.import_status.text()


def test_the_dialog_is_busy_while_importing_and_does_not_close(qtbot, eur, tmp_path, monkeypatch):
    import threading

    dialog = eur
    go = threading.Event()
    real = rates.read_rates
    monkeypatch.setattr(rates, "read_rates", lambda *a, **k: (go.wait(10), real(*a, **k))[1])
    dialog.start_import(write(tmp_path, ECB_FILE, "eurofxref-hist.csv"))
    QApplication.processEvents()
    assert dialog.busy.isVisible() and dialog.import_status.text() == "Importing “eurofxref-hist.csv”…"
    assert not dialog.import_button.isEnabled() and not dialog.record_box.isEnabled()
    assert not dialog.home_combo.isEnabled()
    dialog.reject()  # Escape: not while the one write is under way
    assert dialog.isVisible()
    go.set()
    qtbot.waitUntil(lambda: not dialog.busy.isVisible(), timeout=10_000)
    assert "6 rates added" in dialog.import_status.text()
    dialog.reject()
    assert not dialog.isVisible()


def test_a_refused_file_is_said_in_words_and_changes_nothing(qtbot, eur, tmp_path):
    dialog = eur
    type_rate(qtbot, dialog, "USD", "2026-02", "0.9234")
    qtbot_click(dialog.record_button)
    audit = AuditLog.select().count()
    bad = write(tmp_path, "date,currency,rate\n2026-03-01,USD,abc\n2026-03-02,XYZ,1.2\n", "bad.csv")
    import_file(qtbot, dialog, bad)
    assert dialog.import_status.text() == "⚠ Nothing was imported from “bad.csv”: 2 problems found."
    problems = dialog.import_problems.toPlainText().splitlines()
    assert problems[0].startswith("• bad.csv row 2: “abc” is not a rate")
    assert problems[1] == "• bad.csv row 3: “XYZ” is not a currency Escrowbook knows."
    assert dialog.import_problems.isVisible()
    assert ExchangeRate.select().count() == 1 and AuditLog.select().count() == audit
    assert table(dialog) == [["USD", "2026-02 (month)", "1 USD = 0.9234 EUR", "Typed"]]
    import_file(qtbot, dialog, tmp_path / "gone.csv")
    assert dialog.import_status.text().startswith("⚠ Nothing was imported from “gone.csv”")
    assert ExchangeRate.select().count() == 1


def differing(qtbot, dialog, tmp_path):
    for period, rate in (("2026-03-05", "0.9"), ("2026-03-06", "0.9")):
        type_rate(qtbot, dialog, "USD", period, rate)
        qtbot_click(dialog.record_button)
    return write(tmp_path, ECB_FILE, "eurofxref-hist.csv")


def test_a_file_whose_rates_differ_is_imported_only_once_the_client_agrees_to_replace(qtbot, eur, tmp_path, prompts):
    dialog = eur
    path = differing(qtbot, dialog, tmp_path)
    prompts.answer = True
    import_file(qtbot, dialog, path)
    qtbot.waitUntil(lambda: "replaced" in dialog.import_status.text(), timeout=10_000)
    assert len(prompts.asked) == 1
    assert prompts.asked[0].startswith(
        "2 rates of “eurofxref-hist.csv” differ from the rates the book has for the same day or month. Replace the "
        "book's rates with the file's?"
    )
    assert "USD for 2026-03-05: the book has 0.9 (typed)" in prompts.asked[0]
    assert "4 rates added, 0 unchanged, 2 replaced" in dialog.import_status.text()
    assert ["USD", "2026-03-06", "1 USD ≈ 0.920387 EUR", "eurofxref-hist.csv"] in table(dialog)


def test_declining_to_replace_imports_nothing_and_says_why(qtbot, eur, tmp_path, prompts):
    dialog = eur
    path = differing(qtbot, dialog, tmp_path)
    count = ExchangeRate.select().count()
    prompts.answer = False
    import_file(qtbot, dialog, path)
    assert len(prompts.asked) == 1
    assert dialog.import_status.text() == "⚠ Nothing was imported: 2 rates of the file differ from the book's."
    assert dialog.import_problems.toPlainText().startswith("• USD for 2026-03-05: the book has 0.9 (typed)")
    assert ExchangeRate.select().count() == count
    assert ["USD", "2026-03-06", "1 USD = 0.9 EUR", "Typed"] in table(dialog)


def test_tools_menu_opens_it_from_the_window(qtbot, window):
    action = window.findChild(type(window.act_check_book), "actionExchangeRates")
    assert action.text() == "Home Currency and Exchange &Rates…"
    tools = next(a.menu() for a in window.menuBar().actions() if a.text() == "Tools")
    assert action in tools.actions()
    action.trigger()
    dialog = window.findChild(RatesDialog)
    qtbot.waitUntil(lambda: dialog.isVisible())
    assert dialog.windowTitle() == "Home Currency and Exchange Rates"
    dialog.reject()


def test_a_long_history_is_read_a_page_at_a_time_as_the_table_asks(qtbot, eur, tmp_path, monkeypatch):
    dialog = eur
    monkeypatch.setattr(dialog.model, "PAGE", 4)
    import_file(qtbot, dialog, write(tmp_path, ECB_FILE, "eurofxref-hist.csv"))
    assert dialog.rates_box.title() == "Rates into EUR recorded: 6"
    model = dialog.model
    model.load()
    assert model.rowCount() == 4 and model.canFetchMore()
    model.fetchMore()
    assert not model.canFetchMore()
    assert [row[:2] for row in table(dialog)] == [
        ["GBP", "2026-03-06"], ["JPY", "2026-03-06"], ["USD", "2026-03-06"],
        ["GBP", "2026-03-05"], ["JPY", "2026-03-05"], ["USD", "2026-03-05"],
    ]  # fmt: skip


def test_a_rate_is_typed_with_the_clients_decimal_comma(qtbot, book, show, prompts):
    from PySide6.QtCore import QLocale

    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    try:
        dialog = show(RatesDialog(None, today=TODAY))
    finally:
        QLocale.setDefault(before)
    rates.set_home_currency("EUR")
    dialog.show_book()
    assert dialog.rate_edit.placeholderText() == "0,9234"
    type_rate(qtbot, dialog, "USD", "2026-03-05", "0.92")
    assert dialog.rate_error.message() == "Use “,” as the decimal separator."
    type_rate(qtbot, dialog, "USD", "2026-03-05", "0,9234")
    qtbot_click(dialog.record_button)
    assert table(dialog) == [["USD", "2026-03-05", "1 USD = 0,9234 EUR", "Typed"]]
