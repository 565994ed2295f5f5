"""R1 Money: integer minor units with an ISO 4217 currency, never a float.

One parser (text -> minor units, via Decimal) and one formatter (minor units ->
text) serve every layer: dialogs, the CLI, messages and exports.
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import RuleError

# ISO 4217 minor-unit exponents of the currencies the app offers.
CURRENCY_EXPONENT: dict[str, int] = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "CAD": 2,
    "AUD": 2,
    "NZD": 2,
    "CHF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "INR": 2,
    "BRL": 2,
    "MXN": 2,
    "ZAR": 2,
    "SGD": 2,
    "HKD": 2,
    "PHP": 2,
    "UAH": 2,
    "JPY": 0,
    "KRW": 0,
    "HUF": 2,
    "KWD": 3,
    "BHD": 3,
}

CURRENCY_SYMBOL: dict[str, str] = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "PHP": "₱",
    "UAH": "₴",
}

# Each currency in words (plural, as in "in US dollars only"), for messages about which currencies a policy allows.
CURRENCY_NAME: dict[str, str] = {
    "USD": "US dollars",
    "EUR": "euros",
    "GBP": "pounds sterling",
    "CAD": "Canadian dollars",
    "AUD": "Australian dollars",
    "NZD": "New Zealand dollars",
    "CHF": "Swiss francs",
    "SEK": "Swedish kronor",
    "NOK": "Norwegian kroner",
    "DKK": "Danish kroner",
    "PLN": "Polish złoty",
    "CZK": "Czech korunas",
    "INR": "Indian rupees",
    "BRL": "Brazilian reais",
    "MXN": "Mexican pesos",
    "ZAR": "South African rand",
    "SGD": "Singapore dollars",
    "HKD": "Hong Kong dollars",
    "PHP": "Philippine pesos",
    "UAH": "Ukrainian hryvnias",
    "JPY": "Japanese yen",
    "KRW": "South Korean won",
    "HUF": "Hungarian forints",
    "KWD": "Kuwaiti dinars",
    "BHD": "Bahraini dinars",
}

# Amounts must stay below 10^12 major units (R1 keeps them ints anyway; this stops typos).
MAX_MAJOR = Decimal(10) ** 12


def check_currency(code: str) -> str:
    code = (code or "").strip().upper()
    if code not in CURRENCY_EXPONENT:
        raise RuleError(f"“{code}” is not a currency Escrowbook knows.", rule="R1", field="currency")
    return code


def exponent(currency: str) -> int:
    return CURRENCY_EXPONENT[check_currency(currency)]


def max_minor(currency: str) -> int:
    """The smallest amount, in minor units of `currency`, that is too large: 10^12 units of the currency."""
    return int(MAX_MAJOR.scaleb(exponent(currency)))


def to_minor(amount: Decimal, currency: str) -> int:
    """An exact Decimal in major units -> int minor units; refuses extra decimals."""
    exp = exponent(currency)
    scaled = amount.scaleb(exp)
    if scaled != scaled.to_integral_value():
        places = "no decimals" if exp == 0 else f"at most {exp} decimal{'s' if exp > 1 else ''}"
        raise RuleError(f"Amounts in {currency} take {places}.", rule="R1", field="amount")
    return int(scaled)


def parse_amount(text: str, currency: str, *, decimal_sep: str = ".", group_sep: str = ",") -> int:
    """R1: parse what a person typed into a positive amount in minor units.

    Accepts the given decimal separator and digit grouping; refuses signs,
    letters, exponents, zero, too many decimals and absurdly large numbers.
    """
    raw = (text or "").strip()
    if not raw:
        raise RuleError("Enter an amount.", rule="R1", field="amount")
    if raw.startswith("-"):
        raise RuleError("Amounts are never negative: the kind of entry gives the direction.", rule="R1", field="amount")
    cleaned = raw.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if group_sep and decimal_sep in cleaned and group_sep in cleaned.split(decimal_sep, 1)[1]:
        raise RuleError(
            f"“{raw}” is not an amount: here “{group_sep}” groups thousands and “{decimal_sep}” marks the "
            f"decimals, as in 1{group_sep}234{decimal_sep}56.",
            rule="R1",
            field="amount",
        )
    if group_sep and group_sep != decimal_sep and group_sep in cleaned:
        whole = cleaned.split(decimal_sep, 1)[0]
        groups = whole.split(group_sep)
        if not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:]):
            raise RuleError(f"“{raw}” is not an amount: digits are grouped in threes.", rule="R1", field="amount")
        cleaned = cleaned.replace(group_sep, "")
    if decimal_sep != ".":
        if "." in cleaned:
            raise RuleError(f"Use “{decimal_sep}” as the decimal separator.", rule="R1", field="amount")
        cleaned = cleaned.replace(decimal_sep, ".")
    if cleaned.count(".") > 1 or not cleaned.replace(".", "", 1).isdigit() or not cleaned.isascii():
        raise RuleError(f"“{raw}” is not an amount: use digits and “{decimal_sep}” only.", rule="R1", field="amount")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the checks above leave only digits and one dot
        raise RuleError(f"“{raw}” is not an amount.", rule="R1", field="amount") from None
    if value >= MAX_MAJOR:
        raise RuleError("That amount is too large for a contract.", rule="R1", field="amount")
    minor = to_minor(value, currency)
    if minor <= 0:
        raise RuleError("An amount must be more than zero.", rule="R1", field="amount")
    return minor


def format_money(minor: int, currency: str) -> str:
    """The one formatter: $1,234.50, €5.00, ¥500, 12.500 KWD -> '12.500 KWD'."""
    currency = check_currency(currency)
    exp = CURRENCY_EXPONENT[currency]
    sign = "−" if minor < 0 else ""
    whole, frac = divmod(abs(int(minor)), 10**exp)
    body = f"{whole:,}" + (f".{frac:0{exp}d}" if exp else "")
    symbol = CURRENCY_SYMBOL.get(currency)
    if symbol:
        return f"{sign}{symbol}{body}"
    return f"{sign}{body} {currency}"


@functools.lru_cache(maxsize=256)
def major_to_minor(text: str | None, currency: str) -> int | None:
    """A policy number such as "5.00" -> minor units in this currency, rounded half up."""
    if text is None:
        return None
    exp = exponent(currency)
    return int((Decimal(text).scaleb(exp)).to_integral_value(rounding=ROUND_HALF_UP))


@functools.lru_cache(maxsize=64)
def _ratio(rate: str) -> tuple[int, int]:
    return Decimal(rate).as_integer_ratio()


def fee_on(amount: int, rate: str) -> int:
    """R3: the marketplace fee on a funding, rounded half up to the minor unit (exact integers)."""
    num, den = _ratio(rate)
    return (2 * amount * num + den) // (2 * den)
