"""A home currency and exchange rates into it: typed per day or month, or imported from a rates file; and the
conversion of an amount into the home currency, which names the rate and the day (or month) it used.

The home currency is a fact of the book (`book_info`, key "home_currency"): none until the client chooses one
(`set_home_currency`). A rate (`ExchangeRate`, book format 9) says what ONE unit of a currency was worth in the
home currency on a day ("2026-03-05") or through a month ("2026-03"). It is exact, never a float: typed rates
are kept as the decimal typed, rates crossed through the euro as a fraction in lowest terms ("10000/10865").

Which rate converts an amount of a day D (`rate_for`, `Converter`):
  1. the daily rate of D itself, else the latest daily rate of the LOOK_BACK_DAYS (7) days before D (central
     banks publish on working days only: a weekend or a holiday takes the last working day's rate, across the
     end of a month too);
  2. else the rate recorded for D's month;
  3. else none: the conversion is `Missing`, naming the currency, the home currency and the day. A rate is
     never guessed (no later rate, no rate older than the look-back, no other month's rate).
An amount in the home currency itself is converted at the rate 1, unchanged.

Arithmetic (`apply_rate`): exact, with fractions: amount in minor units x rate x 10^(home's exponent - the
currency's exponent), then ONE rounding step to the home currency's minor unit, ROUND HALF TO EVEN (a result
exactly halfway between two minor units goes to the even one: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2; negative amounts
alike, so converting -x gives minus what x gives). So each converted figure is within half a minor unit of
the exact value, and halves do not push sums of many converted figures up. Minor-unit exponents are the
app's own (models/money.py: JPY 0, EUR 2, KWD 3).

Rates files (`import_rates`), UTF-8 with or without a byte order mark, comma separated, at most 32 MB:
  - the European Central Bank's `eurofxref-hist.csv`: a header row "Date" then one currency code per column;
    each row a day (YYYY-MM-DD) and, per currency, how many units of it one euro bought ("N/A" or empty: no
    rate). Columns of currencies Escrowbook does not know are left out (and named). With a home currency
    other than the euro, each rate is crossed through the euro exactly: one unit of X is worth
    (home per euro) / (X per euro) of the home currency; the euro itself is worth (home per euro).
  - a simple one: "date,currency,rate" (the header row may be left out), each row a day or a month
    (YYYY-MM), a currency code, and what one unit of that currency was worth in the home currency, as typed.
A file is untrusted: every row is checked and every problem reported with its row (as a spreadsheet numbers
them); a file with any problem imports nothing (one transaction). A rate the book already has with the same
value is counted as unchanged; one with another value is a conflict, refused unless the client asks for the
file's rates to replace the book's (`replace=True`; the audit log keeps what was replaced).
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from .check import stored_rate
from .clock import utc_now, utc_today
from .entities import AuditLog, BookInfo, ExchangeRate, database
from .errors import ImportRefused, RuleError
from .money import CURRENCY_EXPONENT, CURRENCY_NAME
from .ops import operation

HOME_KEY = "home_currency"  # book_info
TYPED = "typed"  # the source of a rate the client typed
LOOK_BACK_DAYS = 7
MAX_DECIMALS = 10
MIN_RATE = Decimal("0.000001")  # one unit of a currency worth less than this, or more than MAX_RATE, is a typo
MAX_RATE = Decimal(1_000_000)
MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_CELL = 64  # characters: a date, a currency code, a rate
MAX_PROBLEMS = 200  # a file that is not a rates file at all stops being read after this many
ECB = "European Central Bank"
SIMPLE = "date,currency,rate"
EURO = "EUR"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")
_CODE = re.compile(r"^[A-Za-z]{3}$")
_MISSING_CELLS = ("", "N/A", "NA", "n/a")
FIRST_YEAR = 1900


# ------------------------------------------------------------------ values
@dataclass(frozen=True)
class Rate:
    """What one unit of `currency` was worth in `home` on the day or through the month `period`."""

    currency: str
    home: str
    period: str  # YYYY-MM-DD (a day) or YYYY-MM (a month)
    value: Fraction | None  # None: the book's text of it is not a rate (changed outside Escrowbook)
    quoted: str  # the figures as their source gave them
    source: str  # TYPED, or the file's name

    @property
    def is_month(self) -> bool:
        return len(self.period) == 7

    @property
    def text(self) -> str:
        """The rate exactly, as kept: a decimal, or a fraction in lowest terms ("" when it cannot be read)."""
        return "" if self.value is None else exact_text(self.value)


class Converted(NamedTuple):
    """An amount converted into the home currency, with the rate and the day (or month) of that rate. (A named
    tuple, not a frozen dataclass: a year-end pack makes half a million of them, and a tuple is made in about a
    third of the time, 0.7 us against 2.3-2.7 us here.)"""

    amount: int  # minor units of `currency` (the home currency)
    currency: str
    rate: Fraction  # home units per one unit of `from_currency` (1 for the home currency itself)
    period: str | None  # the rate's day or month; None for the home currency itself (no rate needed)
    quoted: str
    source: str
    from_amount: int
    from_currency: str
    on_day: date
    missing = False


@dataclass(frozen=True)
class Missing:
    """No rate converts this amount: `reason` says what is missing, in words."""

    from_amount: int
    from_currency: str
    home: str | None
    on_day: date
    reason: str
    missing = True
    amount = None


Conversion = Converted | Missing
ONE = Fraction(1)  # the rate of the home currency itself (made once: Fraction(1) costs as much as a conversion)


def exact_text(value: Fraction) -> str:
    """A fraction as text that reads back exactly: a plain decimal when it has one ("0.9234"), else "n/d"."""
    value = Fraction(value)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1 or max(twos, fives) > 40:  # (a decimal of more than 40 places is kept as its fraction)
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    if places == 0:
        return str(value.numerator)
    digits = value.numerator * 10**places // value.denominator
    sign = "-" if digits < 0 else ""
    whole, frac = divmod(abs(digits), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}"


def read_exact(text: str) -> Fraction | None:
    """What `exact_text` wrote; None for a text that is not a rate (one changed outside Escrowbook)."""
    return stored_rate(text)


def apply_rate(amount_minor: int, from_currency: str, rate: Fraction, home: str) -> int:
    """The one conversion: exact, then one rounding, half to even, to the home currency's minor unit.

    In integers: amount x rate x 10^shift = n / d exactly; n = q d + r with 0 <= r < d (floor division, so
    negative amounts too); the result is q, or q + 1 when r / d is more than a half, or is a half and q is odd."""
    n, d = _factors(from_currency, rate, home)
    q, r = divmod(int(amount_minor) * n, d)
    twice = 2 * r
    return q + 1 if twice > d or (twice == d and q % 2) else q


# ------------------------------------------------------------------ checks (dialogs call them as the user types)
def _currency(code, what: str = "currency") -> str:
    text = (code or "").strip().upper() if isinstance(code, str) else ""
    if text not in CURRENCY_EXPONENT:
        shown = code if isinstance(code, str) else ""
        raise RuleError(f"“{shown}” is not a currency Escrowbook knows.", field=what)
    return text


def check_period(value, *, today: date | None = None) -> str:
    """A day (a date, or YYYY-MM-DD) or a month (YYYY-MM) a rate applies to, not after today; as text."""
    today = utc_today(today)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        day = value
        text = value.isoformat()
    else:
        text = (value or "").strip() if isinstance(value, str) else ""
        if not text:
            raise RuleError("Enter the day (YYYY-MM-DD) or the month (YYYY-MM) the rate applies to.", field="period")
        try:
            if _DAY.match(text):
                day = date.fromisoformat(text)
            elif _MONTH.match(text):
                day = date(int(text[:4]), int(text[5:]), 1)
            else:
                raise ValueError
        except ValueError:
            raise RuleError(
                f"“{text}” is not a day (YYYY-MM-DD) or a month (YYYY-MM), as in 2026-03-05 or 2026-03.",
                field="period",
            ) from None
    if day.year < FIRST_YEAR:
        raise RuleError(f"“{text}” is too long ago for an exchange rate.", field="period")
    if day > today:
        raise RuleError(f"{text} has not begun yet: a rate is recorded once it is known, never ahead.", field="period")
    return text


def parse_rate(text, currency: str, home: str, *, decimal_sep: str = ".") -> Decimal:
    """What the client typed as a rate (one `currency` is worth this much `home`), exactly, as a Decimal."""
    raw = (text or "").strip() if isinstance(text, str) else ""
    if not raw:
        raise RuleError(f"Enter what one {currency} was worth in {home}.", field="rate")
    if raw.startswith("-"):
        raise RuleError("A rate is never negative.", field="rate")
    cleaned = raw
    if decimal_sep != ".":
        if "." in cleaned:
            raise RuleError(f"Use “{decimal_sep}” as the decimal separator.", field="rate")
        cleaned = cleaned.replace(decimal_sep, ".")
    if not cleaned.isascii() or not _PLAIN.match(cleaned):
        raise RuleError(
            f"“{raw}” is not a rate: use digits and one “{decimal_sep}” only, as in 0{decimal_sep}9234.",
            field="rate",
        )
    try:
        value = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern leaves only digits and one dot
        raise RuleError(f"“{raw}” is not a rate.", field="rate") from None
    if value == 0:
        raise RuleError("A rate must be more than zero.", field="rate")
    decimals = len(cleaned.partition(".")[2].rstrip("0"))
    if decimals > MAX_DECIMALS:
        raise RuleError(f"A rate takes at most {MAX_DECIMALS} decimals; “{raw}” has {decimals}.", field="rate")
    if not MIN_RATE <= value <= MAX_RATE:
        raise RuleError(
            f"“{raw}” cannot be right: it says one {currency} was worth {raw} {home}. Check the figure (a rate is "
            f"what one {currency} was worth in {home}).",
            field="rate",
        )
    return value


# ------------------------------------------------------------------ the home currency
def home_currency() -> str | None:
    """The book's home currency, or None until the client chooses one."""
    row = database.execute_sql("SELECT value FROM book_info WHERE key = ?", (HOME_KEY,)).fetchone()
    return row[0] if row and row[0] in CURRENCY_EXPONENT else None


@operation
def set_home_currency(code: str, *, now: datetime | None = None) -> str:
    """Choose the book's home currency (reports convert into it). Rates recorded into another home currency are
    kept, and used again if that one is chosen again."""
    code = _currency(code, "home_currency")
    before = home_currency()
    if before == code:
        return code
    if BookInfo.update(value=code).where(BookInfo.key == HOME_KEY).execute() == 0:
        BookInfo.create(key=HOME_KEY, value=code)
    name = CURRENCY_NAME.get(code, code)
    detail = f"{code} ({name})" + (f", was {before}" if before else "")
    AuditLog.create(at=utc_now(now), contract=None, action="home currency set", detail=detail)
    return code


def _require_home() -> str:
    home = home_currency()
    if home is None:
        raise RuleError("Choose the book's home currency first (the currency reports convert into).", field="home")
    return home


# ------------------------------------------------------------------ typed rates
def _rate(row: ExchangeRate | tuple) -> Rate:
    if isinstance(row, ExchangeRate):
        return Rate(row.currency, row.home, row.period, read_exact(row.rate), row.quoted, row.source)
    currency, home, period, rate, quoted, source = row
    return Rate(currency, home, period, read_exact(rate), quoted, source)


@operation
def record_rate(
    currency: str,
    period,
    rate_text: str,
    *,
    decimal_sep: str = ".",
    today: date | None = None,
    now: datetime | None = None,
) -> Rate:
    """Record what one unit of `currency` was worth in the home currency on a day or through a month, as typed.
    A rate typed again for the same day or month replaces the one before (the audit log keeps both)."""
    home = _require_home()
    currency = _currency(currency)
    if currency == home:
        raise RuleError(f"{home} is the home currency: one {home} is always worth one {home}.", field="currency")
    period = check_period(period, today=today)
    value = parse_rate(rate_text, currency, home, decimal_sep=decimal_sep)
    text = exact_text(Fraction(value))
    at = utc_now(now)
    found = ExchangeRate.get_or_none(
        (ExchangeRate.home == home) & (ExchangeRate.currency == currency) & (ExchangeRate.period == period)
    )
    if found is None:
        found = ExchangeRate.create(
            currency=currency, home=home, period=period, rate=text, quoted=text, source=TYPED, recorded_at=at
        )
        detail = f"1 {currency} = {text} {home} for {period}"
    else:
        detail = f"1 {currency} = {text} {home} for {period} (was {found.quoted}, {_source_words(found.source)})"
        found.rate, found.quoted, found.source, found.recorded_at = text, text, TYPED, at
        found.save()
    AuditLog.create(at=at, contract=None, action="exchange rate recorded", detail=detail)
    return _rate(found)


def _source_words(source: str) -> str:
    return "typed" if source == TYPED else f"from {source}"


def list_rates(currency: str | None = None, *, home: str | None = None) -> list[Rate]:
    """The rates into the home currency (or `home`), by currency then latest first."""
    home = home or home_currency()
    if home is None:
        return []
    sql = "SELECT currency, home, period, rate, quoted, source FROM exchange_rate WHERE home = ?"
    args: list = [home]
    if currency is not None:
        sql += " AND currency = ?"
        args.append(currency)
    sql += " ORDER BY currency, period DESC"
    return [_rate(r) for r in database.execute_sql(sql, args)]


def count_rates(*, home: str | None = None) -> int:
    """How many rates into the home currency (or `home`) the book has."""
    home = home or home_currency()
    if home is None:
        return 0
    return database.execute_sql("SELECT count(*) FROM exchange_rate WHERE home = ?", (home,)).fetchone()[0]


def recent_rates(*, home: str | None = None, offset: int = 0, limit: int = 200) -> list[Rate]:
    """A page of the rates into the home currency (or `home`), latest first (by day or month; a month's own rate
    after its days), then by currency: a bank's whole history is read a page at a time, as it is shown."""
    home = home or home_currency()
    if home is None:
        return []
    rows = database.execute_sql(
        "SELECT currency, home, period, rate, quoted, source FROM exchange_rate WHERE home = ? "
        "ORDER BY period DESC, currency LIMIT ? OFFSET ?",
        (home, int(limit), int(offset)),
    )
    return [_rate(r) for r in rows]


# ------------------------------------------------------------------ conversion
def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def rate_for(currency: str, on_day: date, *, home: str | None = None) -> Rate | None:
    """The rate that converts `currency` into the home currency on `on_day` (the module's look-back), or None."""
    home = home or home_currency()
    if home is None:
        return None
    columns = "currency, home, period, rate, quoted, source"
    row = database.execute_sql(
        f"SELECT {columns} FROM exchange_rate WHERE home = ? AND currency = ? AND period BETWEEN ? AND ? "
        "AND length(period) = 10 ORDER BY period DESC LIMIT 1",
        (home, currency, (on_day - timedelta(days=LOOK_BACK_DAYS)).isoformat(), on_day.isoformat()),
    ).fetchone()
    if row is None:
        row = database.execute_sql(
            f"SELECT {columns} FROM exchange_rate WHERE home = ? AND currency = ? AND period = ?",
            (home, currency, _month(on_day)),
        ).fetchone()
    return None if row is None else _rate(row)


def _converted(amount: int, currency: str, on_day: date, home: str | None, rate: Rate | None) -> Conversion:
    if home is None:
        return Missing(amount, currency, None, on_day, "no home currency has been chosen for this book")
    if currency == home:
        return Converted(amount, home, ONE, None, "1", "", amount, currency, on_day)
    if rate is None:
        return Missing(
            amount,
            currency,
            home,
            on_day,
            f"no rate of {currency} into {home} for {on_day.isoformat()} (none that day, in the "
            f"{LOOK_BACK_DAYS} days before, or for {_month(on_day)})",
        )
    if rate.value is None:
        return Missing(
            amount,
            currency,
            home,
            on_day,
            f"the book's rate of {currency} into {home} for {rate.period} cannot be read (it was changed outside "
            "Escrowbook: Check the book)",
        )
    value = apply_rate(amount, currency, rate.value, home)
    return Converted(value, home, rate.value, rate.period, rate.quoted, rate.source, amount, currency, on_day)


def convert(amount_minor: int, currency: str, on_day: date) -> Conversion:
    """`amount_minor` of `currency` on `on_day` in the home currency: `Converted` (with the rate and its day or
    month) or `Missing` (saying what is missing). Never guessed."""
    home = home_currency()
    rate = None if home is None or currency == home else rate_for(currency, on_day, home=home)
    return _converted(amount_minor, currency, on_day, home, rate)


class Converter:
    """Many conversions with the same rates (reports): each currency's rates into the home currency are read
    once, the first time an amount in it is converted, and each amount of a currency and day is converted once.
    Inside `converting_together()`, every Converter of the same home currency in that thread shares what it has
    read and converted (the year-end pack's reports convert the same contracts' day sums several times)."""

    def __init__(self, home: str | None = None, *, run: Callable | None = None):
        self.home = home or home_currency()
        self.run = run or database.execute_sql  # (a connection's `execute`: a worker thread has no peewee connection)
        shared = getattr(_together, "held", None)
        state = None if shared is None else shared.get(self.home)
        if state is None:
            state = ({}, {}, {}, {}, {})
            if shared is not None:
                shared[self.home] = state
        # currency -> (its days' periods, their rates); currency -> month -> rate; (currency, day) -> its rate, once
        # found; (amount, currency, day) -> its conversion, once made; and `memo`, for the reports, which keep
        # there what they convert (convert_once): (currency, ISO day) -> amount -> its conversion
        self._days, self._months, self._found, self._made, self.memo = state

    def _load(self, currency: str) -> None:
        periods: list[str] = []
        days: list[Rate] = []
        months: dict[str, Rate] = {}
        rows = self.run(
            "SELECT currency, home, period, rate, quoted, source FROM exchange_rate WHERE home = ? AND currency = ? "
            "ORDER BY period",
            (self.home, currency),
        )
        for row in rows:
            rate = _rate(row)
            if rate.is_month:
                months[rate.period] = rate
            else:
                periods.append(rate.period)
                days.append(rate)
        self._days[currency] = (periods, days)
        self._months[currency] = months

    def rate_for(self, currency: str, on_day: date) -> Rate | None:
        if currency not in self._days:
            self._load(currency)
        periods, days = self._days[currency]
        i = bisect.bisect_right(periods, on_day.isoformat())
        if i and periods[i - 1] >= (on_day - timedelta(days=LOOK_BACK_DAYS)).isoformat():
            return days[i - 1]
        return self._months[currency].get(_month(on_day))

    def convert(self, amount_minor: int, currency: str, on_day: date) -> Conversion:
        key = (amount_minor, currency, on_day)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self.convert_once(amount_minor, currency, on_day)
        return made

    def convert_once(self, amount_minor: int, currency: str, on_day: date) -> Conversion:
        """`convert`, for a caller that keeps what it converts (in `memo`): not looked up, not kept here."""
        if self.home is None or currency == self.home:
            return _converted(amount_minor, currency, on_day, self.home, None)
        try:
            rate, factors = self._found[(currency, on_day)]
        except KeyError:  # (a report converts several sums of each currency and day: the rate is found once)
            rate = self.rate_for(currency, on_day)
            factors = None if rate is None or rate.value is None else _factors(currency, rate.value, self.home)
            self._found[(currency, on_day)] = rate, factors
        if factors is None:
            return _converted(amount_minor, currency, on_day, self.home, rate)
        # apply_rate's arithmetic, with the rate's terms scaled to the currencies' minor units once per rate
        n, d = factors
        q, r = divmod(amount_minor * n, d)
        twice = 2 * r
        if twice > d or (twice == d and q % 2):
            q += 1
        return _new(Converted, (q, self.home, rate.value, rate.period, rate.quoted, rate.source, amount_minor,
                                currency, on_day))  # fmt: skip


_new = tuple.__new__  # (a Converted from its values at once, without the keyword handling of Converted(...))


def factors_of(converter: Converter, currency: str, on_day: date) -> tuple[int, int]:
    """What `converter` converts an amount of `currency` dated `on_day` with: (n, d), the amount x n / d, rounded
    half to even (convert_once's arithmetic); (1, 1) in the home currency; (0, 1) when there is no rate to use:
    the amount is left out of a converted figure, as convert_once's Missing is."""
    if currency == converter.home:
        return 1, 1
    rate = converter.rate_for(currency, on_day)
    if rate is None or rate.value is None:
        return 0, 1
    return _factors(currency, rate.value, converter.home)


def _factors(from_currency: str, rate: Fraction, home: str) -> tuple[int, int]:
    """apply_rate's numerator factor and denominator for a rate: amount x n / d is the amount converted, exactly."""
    shift = CURRENCY_EXPONENT[home] - CURRENCY_EXPONENT[from_currency]
    if shift >= 0:
        return rate.numerator * 10**shift, rate.denominator
    return rate.numerator, rate.denominator * 10**-shift


_together = threading.local()


class Together(dict):
    """What the Converters made inside `converting_together()` share: per home currency, their rates and
    conversions."""

    def all_priced(self) -> bool:
        """Whether every amount converted so far had a rate (then no figure made of them misses one)."""
        return not any(
            any(map(_IS_MISSING, made.values())) or any(map(_IS_MISSING, chain.from_iterable(map(dict.values,
                                                                                                   memo.values()))))
            for _, _, _, made, memo in self.values()
        )  # fmt: skip


_IS_MISSING = attrgetter("missing")


@contextmanager
def converting_together() -> Iterator[Together]:
    """While inside, the Converters made in this thread share their rates and conversions, per home currency:
    for several reports read one after the other from the same rates (the year-end pack). The rates are those
    read first: nothing inside may record or import rates."""
    outer = getattr(_together, "held", None)
    if outer is not None:  # (already inside: the outer one holds)
        yield outer
        return
    _together.held = Together()
    try:
        yield _together.held
    finally:
        _together.held = None


# ------------------------------------------------------------------ rates files
@dataclass
class RatesFile:
    """A rates file read and checked; nothing written."""

    name: str
    layout: str = ""  # ECB or SIMPLE
    home: str = ""
    rates: dict[tuple[str, str], tuple[Fraction, str]] = field(default_factory=dict)  # (currency, period) ->
    skipped: list[str] = field(default_factory=list)  # currencies of the file Escrowbook does not know
    problems: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        elif len(self.problems) == MAX_PROBLEMS:
            self.problems.append(f"…and more: reading stopped after {MAX_PROBLEMS} problems.")


class RatesDiffer(ImportRefused):
    """A rates file whose rates differ from rates the book has: nothing was imported. `problems` lists each."""

    def __init__(self, conflicts: list[str]):
        super().__init__(conflicts)
        n = len(conflicts)
        shown = "\n".join(f"• {c}" for c in conflicts[:20])
        more = f"\n…and {n - 20} more." if n > 20 else ""
        self.message = (
            f"Nothing was imported: {n} rate{'s' if n != 1 else ''} of the file differ{'' if n != 1 else 's'} from "
            f"the book's. Import it again choosing to replace the book's rates, or correct the file.\n{shown}{more}"
        )
        self.args = (self.message,)


@dataclass(frozen=True)
class RatesImported:
    """What an import did: rates added, already there with the same value, replaced."""

    name: str
    layout: str
    added: int
    unchanged: int
    replaced: int
    skipped: tuple[str, ...]  # currencies in the file Escrowbook does not know (left out)
    first: str  # the first and last day or month of the file's rates
    last: str


def _text_of(path: Path) -> str:
    """The file's text, or ImportRefused in words."""
    name = path.name
    try:
        if not path.is_file():
            raise ImportRefused([f"“{name}” is not a file that can be read."])
        size = path.stat().st_size
        if size == 0:
            raise ImportRefused([f"{name}: the file is empty."])
        if size > MAX_FILE_BYTES:
            raise ImportRefused(
                [f"{name}: the file is {size / 2**20:.0f} MB; a rates file is at most {MAX_FILE_BYTES // 2**20} MB."]
            )
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ImportRefused([f"“{name}” could not be read ({exc.strerror or exc})."]) from None
    if len(data) > MAX_FILE_BYTES:  # (it grew meanwhile)
        raise ImportRefused([f"{name}: the file is larger than {MAX_FILE_BYTES // 2**20} MB."])
    if data.startswith(b"PK\x03\x04"):
        raise ImportRefused(
            [f"{name} is a ZIP archive: unzip it first and import the CSV file inside (eurofxref-hist.csv)."]
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise ImportRefused(
            [f"{name} row {row}: the file is not UTF-8 text (byte {exc.start + 1}). Save it as “CSV UTF-8”."]
        ) from None
    if "\x00" in text:
        raise ImportRefused([f"{name}: the file holds NUL characters: it is not a CSV text file."])
    return text


def _cells(row: list[str]) -> list[str]:
    cells = [c.strip() for c in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _shown(cell: str) -> str:
    return cell if len(cell) <= 24 else cell[:24] + "…"


def _file_value(plan: RatesFile, where: str, cell: str) -> Decimal | None:
    """A number of the file (None: no rate there), or a problem."""
    if cell in _MISSING_CELLS:
        return None
    if re.match(r"^-[0-9]", cell):
        plan.problem(f"{where}: “{_shown(cell)}” is negative; a rate is never negative.")
        return None
    if cell.startswith(FORMULA_STARTS):
        plan.problem(f"{where}: “{_shown(cell)}” looks like a spreadsheet formula, not a rate.")
        return None
    if not cell.isascii() or not _PLAIN.match(cell):
        plan.problem(f"{where}: “{_shown(cell)}” is not a rate (digits and one “.” only, as in 1.0865).")
        return None
    value = Decimal(cell)
    if value == 0:
        plan.problem(f"{where}: the rate is zero.")
        return None
    decimals = len(cell.partition(".")[2].rstrip("0"))
    if decimals > MAX_DECIMALS:
        plan.problem(f"{where}: “{_shown(cell)}” has {decimals} decimals; a rate takes at most {MAX_DECIMALS}.")
        return None
    if not MIN_RATE <= value <= MAX_RATE:
        plan.problem(f"{where}: “{_shown(cell)}” cannot be a rate (too {'small' if value < MIN_RATE else 'large'}).")
        return None
    return value


def _file_period(plan: RatesFile, where: str, cell: str, today: date, *, months: bool) -> str | None:
    if cell.startswith(FORMULA_STARTS):
        plan.problem(f"{where}: “{_shown(cell)}” looks like a spreadsheet formula, not a date.")
        return None
    if not months and not _DAY.match(cell):
        plan.problem(f"{where}: “{_shown(cell)}” is not a date (YYYY-MM-DD).")
        return None
    try:
        return check_period(cell, today=today)
    except RuleError as exc:
        plan.problem(f"{where}: {exc.message}")
        return None


def _is_period(cell: str) -> bool:
    return bool(_DAY.match(cell) or _MONTH.match(cell))


def read_rates(path: str | os.PathLike, home: str, *, today: date | None = None) -> RatesFile:
    """Read and check a rates file (either layout) into rates into `home`; nothing is written."""
    path = Path(path)
    home = _currency(home, "home")
    today = utc_today(today)
    plan = RatesFile(path.name, home=home)
    text = _text_of(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for row in reader:
            number += 1
            cells = _cells(row)
            longest = max(map(len, cells), default=0)
            if longest > MAX_CELL:
                plan.problem(
                    f"{path.name} row {number}: a cell of {longest} characters; the cells of a rates file are dates, "
                    "currency codes and numbers."
                )
            elif cells:
                records.append((number, cells))
    except csv.Error as exc:
        raise ImportRefused([f"{path.name} row {number + 1}: the row cannot be read as CSV ({exc})."]) from None
    if plan.problems:
        raise ImportRefused(plan.problems)
    if not records:
        raise ImportRefused([f"{path.name}: the file holds no rows."])
    head_row, head = records[0]
    lowered = [c.lower() for c in head]
    if lowered == ["date", "currency", "rate"]:
        _read_simple(plan, records[1:], today)
    elif len(head) == 3 and _is_period(head[0]) and _CODE.match(head[1]):
        _read_simple(plan, records, today)  # no header row
    elif lowered[0] == "date" and len(head) >= 2:
        _read_ecb(plan, head_row, head, records[1:], today)
    else:
        plan.problem(
            f"{path.name} row {head_row}: this is not a rates file Escrowbook reads. Its first row must be "
            "“Date” then one currency code per column (the European Central Bank's eurofxref-hist.csv), or "
            "“date,currency,rate”."
        )
    if not plan.problems and not plan.rates:
        plan.problem(f"{path.name}: the file holds no rates for the currencies Escrowbook knows.")
    return plan


def _read_simple(plan: RatesFile, records: Iterable[tuple[int, list[str]]], today: date) -> None:
    plan.layout = SIMPLE
    home = plan.home
    rows: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for number, cells in records:
        where = f"{plan.name} row {number}"
        if len(cells) != 3:
            plan.problem(f"{where}: {len(cells)} cells; every row has 3 (date, currency, rate).")
            continue
        day_cell, code, rate_cell = cells
        period = _file_period(plan, where, day_cell, today, months=True)
        currency = code.upper()
        if code.startswith(FORMULA_STARTS):
            plan.problem(f"{where}: “{_shown(code)}” looks like a spreadsheet formula, not a currency.")
            continue
        if currency not in CURRENCY_EXPONENT:
            plan.problem(f"{where}: “{_shown(code)}” is not a currency Escrowbook knows.")
            continue
        if currency == home:
            plan.problem(f"{where}: {home} is the home currency (one {home} is always one {home}); leave it out.")
            continue
        value = _file_value(plan, where, rate_cell)
        if value is None:
            if rate_cell in _MISSING_CELLS:
                plan.problem(f"{where}: the rate is missing.")
            continue
        if period is None:
            continue
        earlier = rows.get((currency, period))
        if earlier is not None:
            same = "the same rate" if earlier[1] == value else f"another rate ({earlier[1]})"
            plan.problem(f"{where}: {currency} for {period} is listed again, with {same} on row {earlier[0]}.")
            continue
        rows[(currency, period)] = (number, value)
        text = exact_text(Fraction(value))
        plan.rates[(currency, period)] = (Fraction(value), text)


def _read_ecb(plan: RatesFile, head_row: int, head: list[str], records, today: date) -> None:
    plan.layout = ECB
    home = plan.home
    name = plan.name
    columns: dict[int, str] = {}  # cell index -> currency, for every currency column
    seen: dict[str, int] = {}
    for i, cell in enumerate(head[1:], start=1):
        code = cell.upper()
        if code == EURO:
            plan.problem(
                f"{name} row {head_row}: the file has a column EUR; in the European Central Bank's layout every "
                "rate is against the euro, which has no column of its own."
            )
            continue
        if not _CODE.match(cell):
            plan.problem(
                f"{name} row {head_row}: “{_shown(cell)}” is not a currency code; after “Date”, each column of "
                "the header row names a currency (USD, JPY, …) whose rates against the euro it lists."
            )
            continue
        if code in seen:
            plan.problem(f"{name} row {head_row}: the column {code} is there twice.")
            continue
        seen[code] = i
        columns[i] = code
    if plan.problems:
        return
    plan.skipped = sorted(c for c in seen if c not in CURRENCY_EXPONENT)
    if home != EURO and home not in seen:
        plan.problem(
            f"{name}: the file has no column for {home}, the home currency: its rates, all against the euro, "
            f"cannot be turned into rates into {home}."
        )
        return
    wanted = {i: c for i, c in columns.items() if c in CURRENCY_EXPONENT}
    days: dict[str, int] = {}
    width = len(head)
    for number, cells in records:
        where = f"{name} row {number}"
        if len(cells) > width:
            plan.problem(f"{where}: {len(cells)} cells; the header row has {width}.")
            continue
        period = _file_period(plan, where, cells[0], today, months=False)
        if period is None:
            continue
        if period in days:
            plan.problem(f"{where}: {period} is listed again (first on row {days[period]}).")
            continue
        days[period] = number
        quotes: dict[str, Decimal] = {}
        for i, code in wanted.items():
            cell = cells[i] if i < len(cells) else ""
            value = _file_value(plan, f"{where}, column {code}", cell)
            if value is not None:
                quotes[code] = value
        if home == EURO:
            for code, per_euro in quotes.items():
                plan.rates[(code, period)] = (1 / Fraction(per_euro), f"1 EUR = {per_euro} {code}")
            continue
        home_per_euro = quotes.get(home)
        if home_per_euro is None:
            continue  # no rate for the home currency that day: none of that day's rates can be crossed
        plan.rates[(EURO, period)] = (Fraction(home_per_euro), f"1 EUR = {home_per_euro} {home}")
        for code, per_euro in quotes.items():
            if code != home:
                value = Fraction(home_per_euro) / Fraction(per_euro)
                plan.rates[(code, period)] = (value, f"1 EUR = {home_per_euro} {home} = {per_euro} {code}")


@operation
def store_rates(plan: RatesFile, *, replace: bool = False, now: datetime | None = None) -> RatesImported:
    """The rates of a file read by `read_rates` (without problems) into the book: one operation, all or nothing.
    Raises RatesDiffer naming every rate that differs from the book's (unless `replace`): nothing stored then.
    (The app reads the file on a worker thread and stores it on its own: the book's one connection is used
    by one thread.)"""
    if plan.problems:
        raise ImportRefused(plan.problems)
    if plan.home != _require_home():
        raise RuleError(
            f"These rates are into {plan.home}, and the book's home currency is now {home_currency()}: import the "
            "file again.",
            field="home",
        )
    at = utc_now(now)
    home = plan.home
    have = {
        (currency, period): (rowid, read_exact(rate), rate, source)
        for rowid, currency, period, rate, quoted, source in database.execute_sql(
            "SELECT id, currency, period, rate, quoted, source FROM exchange_rate WHERE home = ?", (home,)
        )
    }
    new, changed, conflicts = [], [], []
    unchanged = 0
    for (currency, period), (value, quoted) in sorted(plan.rates.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        old = have.get((currency, period))
        if old is None:
            new.append((currency, home, period, exact_text(value), quoted, plan.name, str(at)))
        elif old[1] == value:
            unchanged += 1
        else:
            changed.append((exact_text(value), quoted, plan.name, str(at), old[0]))
            conflicts.append(
                f"{currency} for {period}: the book has {old[2]} ({_source_words(old[3])}), "
                f"the file {exact_text(value)}."
            )
    if conflicts and not replace:
        raise RatesDiffer(conflicts)
    conn = database.connection()
    conn.executemany(
        "INSERT INTO exchange_rate (currency, home, period, rate, quoted, source, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        new,
    )
    conn.executemany("UPDATE exchange_rate SET rate = ?, quoted = ?, source = ?, recorded_at = ? WHERE id = ?", changed)
    periods = sorted({p for _, p in plan.rates})
    detail = f"{plan.name} into {home}: {len(new)} added, {unchanged} unchanged, {len(changed)} replaced"
    if changed:
        detail += " (" + "; ".join(conflicts[:50]) + ("; …" if len(conflicts) > 50 else "") + ")"
    AuditLog.create(at=at, contract=None, action="exchange rates imported", detail=detail)
    return RatesImported(
        plan.name, plan.layout, len(new), unchanged, len(changed), tuple(plan.skipped), periods[0], periods[-1]
    )


def import_rates(
    path: str | os.PathLike,
    *,
    replace: bool = False,
    today: date | None = None,
    now: datetime | None = None,
) -> RatesImported:
    """Import a rates file into the home currency: all or nothing. Raises ImportRefused (a RuleError) listing
    every problem of the file, or every rate that differs from the book's (unless `replace`); then nothing
    was imported."""
    home = _require_home()
    plan = read_rates(path, home, today=today)
    return store_rates(plan, replace=replace, now=now)
