"""The one money input (`MoneyEdit`) and the one inline error label (`FieldError`).

`MoneyEdit` turns what a person types, in their locale, into an integer number
of minor units of one currency (R1: never a float) with `models.money.parse_amount`.
What is typed or pasted stays on screen as it is, and whatever is wrong with it
(letters, a sign, an exponent, a third decimal, another locale's separators, zero)
is explained by `error()`, in the models' words, for the dialog to show beside the
field. Nothing is dropped silently: refusing keystrokes turned "1e5" into 15.00
and "1.234,56" into 1.23 without a word.
"""

from __future__ import annotations

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QLineEdit, QWidget

from models.errors import RuleError
from models.money import check_currency, exponent, parse_amount


class AmountValidator(QValidator):
    """Acceptable when the text is an amount in this currency and locale; anything else is Intermediate, so it
    stays on screen to be explained (never Invalid: a refused keystroke would change the amount unseen)."""

    def __init__(self, currency: str, locale: QLocale, parent=None):
        super().__init__(parent)
        self.currency = currency
        self.setLocale(locale)

    def separators(self) -> tuple[str, str]:
        loc = self.locale()
        return loc.decimalPoint(), loc.groupSeparator()

    def validate(self, text: str, pos: int):
        decimal_sep, group_sep = self.separators()
        try:
            parse_amount(text, self.currency, decimal_sep=decimal_sep, group_sep=group_sep)
        except RuleError:
            return QValidator.State.Intermediate
        return QValidator.State.Acceptable


class MoneyEdit(QLineEdit):
    """A right-aligned amount field: value() is int minor units of currency(), or None."""

    valueChanged = Signal(object)  # int | None

    def __init__(self, currency: str = "USD", parent: QWidget | None = None, locale: QLocale | None = None):
        super().__init__(parent)
        self._currency = check_currency(currency)
        self._locale = QLocale(locale) if locale is not None else QLocale()
        self._required = True
        self._value: int | None = None
        self._error: str | None = None
        self.setLocale(self._locale)
        self._validator = AmountValidator(self._currency, self._locale, self)
        self.setValidator(self._validator)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setInputMethodHints(Qt.InputMethodHint.ImhFormattedNumbersOnly)
        self.setMinimumWidth(140)
        self.textChanged.connect(self._reparse)
        self._update_placeholder()
        self._reparse()

    # ---------------------------------------------------------------- API

    def currency(self) -> str:
        return self._currency

    def setCurrency(self, code: str) -> None:
        """Bind the field to another currency; the text stays and is judged again (decimals may now be wrong)."""
        code = check_currency(code)
        if code == self._currency:
            return
        self._currency = code
        self._validator.currency = code
        self._update_placeholder()
        self._reparse()

    def value(self) -> int | None:
        """The amount in minor units, or None when the field is empty or does not hold an amount."""
        return self._value

    def setValue(self, minor: int | None) -> None:
        """Show an amount (minor units) in the locale's format with the currency's decimals."""
        self.setText("" if minor is None else self.format(minor))

    def error(self) -> str | None:
        """What to show beside the field, in the models' words; None when the field is valid."""
        return self._error

    def isValid(self) -> bool:
        return self._error is None

    def isRequired(self) -> bool:
        return self._required

    def setRequired(self, required: bool) -> None:
        """A required field is invalid when empty ("Enter an amount."); an optional one is valid empty."""
        self._required = bool(required)
        self._reparse()

    def format(self, minor: int) -> str:
        """1234.50 USD -> "1,234.50" (en_US) or "1.234,50" (German): digits grouped in threes, as parsed."""
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise TypeError("MoneyEdit amounts are int minor units, never floats.")
        places = exponent(self._currency)
        decimal_sep, group_sep = self._validator.separators()
        whole, frac = divmod(abs(minor), 10**places)
        text = f"{whole:,}".replace(",", group_sep or "")
        if places:
            text += f"{decimal_sep}{frac:0{places}d}"
        return text

    # ----------------------------------------------------------- internals

    def _update_placeholder(self) -> None:
        places = exponent(self._currency)
        decimal_sep, _ = self._validator.separators()
        self.setPlaceholderText(f"0{decimal_sep}{'0' * places}" if places else "0")

    def _reparse(self, *_args) -> None:
        text = self.text()
        decimal_sep, group_sep = self._validator.separators()
        value: int | None = None
        error: str | None = None
        if not text.strip():
            error = "Enter an amount." if self._required else None
        else:
            try:
                value = parse_amount(text, self._currency, decimal_sep=decimal_sep, group_sep=group_sep)
            except RuleError as exc:
                error = exc.message
        self._error = error
        self.setAccessibleDescription(error or "")
        if value != self._value:
            self._value = value
            self.valueChanged.emit(value)
