"""MoneyEdit, the one money input (R1), and FieldError, the message beside a field: what a user sees."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.widgets.fields import FieldError
from desktop.widgets.money_edit import MoneyEdit

EN_US = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
GERMAN = QLocale(QLocale.Language.German)


@pytest.fixture
def money(qtbot):
    """A MoneyEdit in a given currency and locale, shown."""

    def make(currency="USD", locale=EN_US):
        edit = MoneyEdit(currency, locale=locale)
        qtbot.addWidget(edit)
        edit.show()
        return edit

    return make


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-12", "Amounts are never negative: the kind of entry gives the direction."),
        ("12abc", "“12abc” is not an amount: use digits and “.” only."),
        ("1e5", "“1e5” is not an amount: use digits and “.” only."),
        ("+5", "“+5” is not an amount: use digits and “.” only."),
        ("12.3.4", "“12.3.4” is not an amount: use digits and “.” only."),
    ],
)
def test_r1_letters_signs_and_exponents_stay_on_screen_and_are_explained(qtbot, money, typed, message):
    """Nothing typed is dropped: "1e5" never silently becomes 15.00."""
    edit = money()
    qtbot.keyClicks(edit, typed)
    assert edit.text() == typed
    assert edit.value() is None and not edit.isValid()
    assert edit.error() == message


def test_r1_another_locales_separators_are_explained(qtbot, money):
    edit = money()
    qtbot.keyClicks(edit, "1.234,56")
    assert edit.text() == "1.234,56" and edit.value() is None
    assert (
        edit.error()
        == "“1.234,56” is not an amount: here “,” groups thousands and “.” marks the decimals, as in 1,234.56."
    )
    edit.clear()
    qtbot.keyClicks(edit, "12.5,0")  # a group separator after the decimal point is never an amount
    assert edit.value() is None and "“,” groups thousands" in edit.error()


def test_r1_grouped_amount_in_en_us_is_minor_units(qtbot, money):
    edit = money()
    qtbot.keyClicks(edit, "1,234.50")
    assert edit.text() == "1,234.50"
    assert edit.value() == 123450
    assert type(edit.value()) is int


def test_r1_german_locale_reads_dot_groups_and_decimal_comma(qtbot, money):
    edit = money("EUR", GERMAN)
    qtbot.keyClicks(edit, "1.234,50")
    assert edit.text() == "1.234,50"
    assert edit.value() == 123450
    edit.setValue(123_456_789)
    assert edit.text() == "1.234.567,89"
    assert edit.value() == 123_456_789


def test_r1_third_decimal_is_refused_for_usd(qtbot, money):
    edit = money("USD")
    qtbot.keyClicks(edit, "1.234")
    assert edit.text() == "1.234"
    assert edit.value() is None
    assert edit.error() == "Amounts in USD take at most 2 decimals."


def test_r1_jpy_takes_no_decimals(qtbot, money):
    edit = money("JPY")
    qtbot.keyClicks(edit, "500.5")
    assert edit.value() is None
    assert edit.error() == "Amounts in JPY take no decimals."
    edit.setValue(1500)
    assert edit.text() == "1,500"
    assert edit.value() == 1500


def test_r1_kwd_takes_three_decimals(qtbot, money):
    edit = money("KWD")
    qtbot.keyClicks(edit, "12.500")
    assert edit.value() == 12500
    qtbot.keyClicks(edit, "9")
    assert edit.value() is None
    assert edit.error() == "Amounts in KWD take at most 3 decimals."


def test_r1_switching_currency_judges_the_text_again(qtbot, money):
    edit = money("USD")
    qtbot.keyClicks(edit, "12.50")
    assert edit.value() == 1250
    with qtbot.waitSignal(edit.valueChanged) as blocker:
        edit.setCurrency("JPY")
    assert blocker.args == [None]
    assert edit.currency() == "JPY"
    assert edit.value() is None
    assert edit.error() == "Amounts in JPY take no decimals."
    assert not edit.isValid()


def test_r1_empty_zero_and_odd_grouping_are_explained(qtbot, money):
    edit = money()
    assert edit.value() is None
    assert edit.error() == "Enter an amount."
    edit.setRequired(False)
    assert edit.error() is None and edit.isValid() and edit.value() is None
    qtbot.keyClicks(edit, "0")
    assert edit.value() is None
    assert edit.error() == "An amount must be more than zero."
    edit.clear()
    qtbot.keyClicks(edit, "12,34")
    assert edit.value() is None
    assert "grouped in threes" in edit.error()


def test_value_changed_carries_int_minor_units(qtbot, money):
    edit = money()
    seen = []
    edit.valueChanged.connect(seen.append)
    qtbot.keyClicks(edit, "5.5")
    assert seen == [500, 550]  # "5" is $5.00; "5." changes nothing; "5.5" is $5.50
    assert all(type(v) is int for v in seen)
    edit.clear()
    assert seen[-1] is None


def test_set_value_shows_locale_format_right_aligned(qtbot, money):
    edit = money()
    edit.setValue(123450)
    assert edit.text() == "1,234.50"
    assert edit.value() == 123450
    assert edit.alignment() & Qt.AlignmentFlag.AlignRight
    edit.setValue(5)
    assert edit.text() == "0.05"
    edit.setValue(None)
    assert edit.text() == "" and edit.value() is None
    with pytest.raises(TypeError):
        edit.setValue(12.5)


def test_field_error_is_hidden_when_empty_and_marked_when_shown(qtbot):
    form = QWidget()
    qtbot.addWidget(form)
    label = FieldError(form, name="amountError", accessible_name="Amount error")
    QVBoxLayout(form).addWidget(label)
    form.show()
    assert not label.isVisible()
    label.setMessage("A milestone must be at least $5.00.")
    assert label.isVisible()
    assert label.text() == "⚠ A milestone must be at least $5.00."
    assert label.message() == "A milestone must be at least $5.00."
    assert label.wordWrap()
    assert "color" in label.styleSheet()
    assert label.objectName() == "amountError"
    assert label.accessibleName() == "Amount error"
    assert label.accessibleDescription() == "A milestone must be at least $5.00."
    label.setMessage(None)
    assert not label.isVisible() and label.message() is None
