"""A home currency and exchange rates (models/rates.py): typed rates kept exactly, conversions with one rounding
step (half to even) that name the rate and its day, the look-back for days without a rate, missing rates shown
as missing, rates files (the European Central Bank's and a simple one) imported all or nothing."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import rates
from models.book import open_book
from models.check import check_book
from models.entities import AuditLog, ExchangeRate
from models.errors import ImportRefused, RuleError
from models.money import CURRENCY_EXPONENT

TODAY = date(2026, 6, 30)
FRI = date(2026, 3, 6)


def _rule_free(message: str) -> str:
    assert not re.search(r"\bR\d{1,2}\b", message), message  # in a client's words: no rule numbers
    return message


@pytest.fixture
def eur(book):
    rates.set_home_currency("EUR")
    return book


def _write(tmp_path, text: str | bytes, name: str = "rates.csv"):
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


ECB_FILE = (
    "Date,USD,JPY,GBP,CNY,KWD,\n"
    "2026-03-06,1.0865,161.50,0.8543,7.8123,N/A,\n"
    "2026-03-05,1.0800,160.00,0.8500,7.8000,0.3330,\n"
)


# ------------------------------------------------------------------ the home currency
def test_a_new_book_has_no_home_currency_and_converts_nothing(book):
    assert rates.home_currency() is None
    result = rates.convert(10_000, "USD", FRI)
    assert result.missing and result.amount is None
    assert result.reason == "no home currency has been chosen for this book"


def test_the_home_currency_is_chosen_once_and_audited(book):
    assert rates.set_home_currency(" eur ", now=None) == "EUR"
    assert rates.home_currency() == "EUR"
    rates.set_home_currency("USD")
    assert rates.home_currency() == "USD"
    assert [(a.action, a.detail) for a in AuditLog.select().where(AuditLog.action == "home currency set")] == [
        ("home currency set", "EUR (euros)"),
        ("home currency set", "USD (US dollars), was EUR"),
    ]


@pytest.mark.parametrize("code", ["XYZ", "", "EURO", "BTC"])
def test_a_home_currency_the_app_does_not_know_is_refused(book, unchanged, code):
    with unchanged(), pytest.raises(RuleError, match="is not a currency Escrowbook knows") as refused:
        rates.set_home_currency(code)
    _rule_free(str(refused.value))
    assert rates.home_currency() is None


def test_a_rate_before_a_home_currency_is_chosen_is_refused(book, unchanged):
    with unchanged(), pytest.raises(RuleError, match="Choose the book's home currency first"):
        rates.record_rate("USD", "2026-03", "0.92", today=TODAY)


# ------------------------------------------------------------------ typed rates
def test_a_typed_rate_is_kept_exactly_and_converts_with_its_day(eur):
    rate = rates.record_rate("USD", FRI, "0.9203456789", today=TODAY)
    assert (rate.period, rate.value, rate.source, rate.text) == (
        "2026-03-06",
        Fraction("0.9203456789"),
        "typed",
        "0.9203456789",
    )
    (kept,) = rates.list_rates("USD")
    assert kept.value == Decimal("0.9203456789") and kept.quoted == "0.9203456789"
    result = rates.convert(100_000, "USD", FRI)  # $1,000.00 -> 920.3456789 EUR -> 920.35
    assert (result.amount, result.currency, result.period, result.rate) == (92_035, "EUR", "2026-03-06", kept.value)


def test_a_rate_typed_with_a_decimal_comma(eur):
    assert rates.record_rate("USD", "2026-03", "0,92", decimal_sep=",", today=TODAY).value == Fraction(92, 100)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "Enter what one USD was worth in EUR."),
        ("0", "A rate must be more than zero."),
        ("0.000", "A rate must be more than zero."),
        ("-0.92", "A rate is never negative."),
        ("abc", "“abc” is not a rate: use digits and one “.” only, as in 0.9234."),
        ("1e3", "“1e3” is not a rate"),
        ("1,092.5", "“1,092.5” is not a rate"),
        ("0.92.1", "“0.92.1” is not a rate"),
        ("=1+1", "“=1+1” is not a rate"),
        ("0.12345678901", "A rate takes at most 10 decimals; “0.12345678901” has 11."),
        ("2000000", "“2000000” cannot be right: it says one USD was worth 2000000 EUR."),
        ("0.0000001", "“0.0000001” cannot be right"),
        ("NaN", "“NaN” is not a rate"),
        ("Infinity", "“Infinity” is not a rate"),
    ],
)
def test_a_typed_rate_that_cannot_be_right_is_refused_in_words(eur, unchanged, typed, said):
    with unchanged(), pytest.raises(RuleError) as refused:
        rates.record_rate("USD", FRI, typed, today=TODAY)
    assert said in _rule_free(str(refused.value))
    assert refused.value.field == "rate"


def test_ten_decimals_with_trailing_zeros_beyond_them_are_accepted(eur):
    assert rates.record_rate("USD", FRI, "0.123456789100", today=TODAY).value == Fraction("0.1234567891")


@pytest.mark.parametrize(
    ("currency", "period", "said"),
    [
        ("EUR", "2026-03", "EUR is the home currency: one EUR is always worth one EUR."),
        ("XYZ", "2026-03", "“XYZ” is not a currency Escrowbook knows."),
        ("USD", "2026-07", "2026-07 has not begun yet"),
        ("USD", date(2026, 7, 1), "2026-07-01 has not begun yet"),
        ("USD", "2026-02-30", "“2026-02-30” is not a day (YYYY-MM-DD) or a month (YYYY-MM)"),
        ("USD", "2026-13", "“2026-13” is not a day"),
        ("USD", "March 2026", "“March 2026” is not a day"),
        ("USD", "", "Enter the day (YYYY-MM-DD) or the month (YYYY-MM) the rate applies to."),
        ("USD", "1850-01", "too long ago"),
    ],
)
def test_a_rate_for_the_wrong_currency_or_period_is_refused(eur, unchanged, currency, period, said):
    with unchanged(), pytest.raises(RuleError) as refused:
        rates.record_rate(currency, period, "0.92", today=TODAY)
    assert said in _rule_free(str(refused.value))


def test_this_months_rate_can_be_typed_on_its_first_day(eur):
    assert rates.record_rate("USD", "2026-06", "0.92", today=date(2026, 6, 1)).is_month


def test_a_rate_typed_again_replaces_the_one_before_and_the_audit_log_keeps_it(eur):
    rates.record_rate("USD", "2026-03", "0.91", today=TODAY)
    rates.record_rate("USD", "2026-03", "0.92", today=TODAY)
    assert [(r.period, r.text) for r in rates.list_rates("USD")] == [("2026-03", "0.92")]
    details = [a.detail for a in AuditLog.select().where(AuditLog.action == "exchange rate recorded")]
    assert details == ["1 USD = 0.91 EUR for 2026-03", "1 USD = 0.92 EUR for 2026-03 (was 0.91, typed)"]


# ------------------------------------------------------------------ conversion: the amount, the rate, the day
def test_the_home_currency_converts_to_itself_at_the_rate_1(eur):
    result = rates.convert(12_345, "EUR", FRI)
    assert (result.amount, result.rate, result.period, result.missing) == (12_345, 1, None, False)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(1, 0), (3, 2), (5, 2), (7, 4), (2, 1), (-1, 0), (-3, -2), (-5, -2), (-7, -4), (0, 0)],
)
def test_a_result_exactly_halfway_goes_to_the_even_minor_unit(eur, amount, expected):
    """Rate 0.5: 1 cent -> 0.5 -> 0, 3 -> 1.5 -> 2, 5 -> 2.5 -> 2, 7 -> 3.5 -> 4; negative amounts alike."""
    rates.record_rate("USD", FRI, "0.5", today=TODAY)
    assert rates.convert(amount, "USD", FRI).amount == expected


@pytest.mark.parametrize(
    ("rate", "amount", "expected"),
    [
        ("0.5000000001", 1, 1),  # just above half: up
        ("0.4999999999", 1, 0),  # just below half: down
        ("0.4999999999", 3, 1),  # 1.4999999997
        ("0.5000000001", 5, 3),  # 2.5000000005
        ("1.5", 1, 2),  # 1.5 -> 2
        ("2.5", 1, 2),  # 2.5 -> 2
    ],
)
def test_only_an_exact_half_is_rounded_to_even(eur, rate, amount, expected):
    rates.record_rate("USD", FRI, rate, today=TODAY)
    assert rates.convert(amount, "USD", FRI).amount == expected


@pytest.mark.parametrize(
    ("home", "currency", "rate", "amount", "expected"),
    [
        ("EUR", "JPY", "0.0061", 1_000, 610),  # ¥1,000 -> €6.10
        ("EUR", "JPY", "0.0061", 1, 1),  # ¥1 -> €0.0061 -> €0.01
        ("JPY", "EUR", "161.5", 12_345, 19_937),  # €123.45 -> ¥19,937.175 -> ¥19,937
        ("JPY", "EUR", "161.5", 1, 2),  # €0.01 -> ¥1.615 -> ¥2
        ("KWD", "USD", "0.3075", 10_000, 30_750),  # $100.00 -> 30.750 KWD
        ("KWD", "USD", "0.3075", 1, 3),  # $0.01 -> 0.003075 KWD -> 0.003
        ("JPY", "KWD", "490", 1, 0),  # 0.001 KWD -> ¥0.49 -> ¥0
        ("JPY", "KWD", "490", 2, 1),  # 0.002 KWD -> ¥0.98 -> ¥1
        ("KWD", "JPY", "0.00204", 250, 510),  # ¥250 -> 0.510 KWD
        ("KWD", "JPY", "0.00025", 2, 0),  # ¥2 -> 0.5 fils -> 0 (even)
        ("KWD", "JPY", "0.00025", 6, 2),  # ¥6 -> 1.5 fils -> 2 (even)
        ("USD", "KRW", "0.00075", 1_000_000, 75_000),  # ₩1,000,000 -> $750.00
    ],
)
def test_minor_unit_exponents_are_respected(book, home, currency, rate, amount, expected):
    rates.set_home_currency(home)
    rates.record_rate(currency, FRI, rate, today=TODAY)
    result = rates.convert(amount, currency, FRI)
    assert (result.amount, result.currency) == (expected, home)
    assert CURRENCY_EXPONENT["KWD"] == 3 and CURRENCY_EXPONENT["JPY"] == 0


def test_a_day_without_a_rate_takes_the_latest_of_the_seven_days_before(eur):
    rates.record_rate("USD", FRI, "0.92", today=TODAY)
    for day, period in [
        (FRI, "2026-03-06"),
        (FRI + timedelta(days=2), "2026-03-06"),  # Sunday
        (FRI + timedelta(days=7), "2026-03-06"),  # the seventh day after: still
    ]:
        assert rates.convert(100, "USD", day).period == period
    late = rates.convert(100, "USD", FRI + timedelta(days=8))
    assert late.missing
    assert late.reason == "no rate of USD into EUR for 2026-03-14 (none that day, in the 7 days before, or for 2026-03)"


def test_a_rate_is_never_taken_from_a_later_day(eur):
    rates.record_rate("USD", FRI, "0.92", today=TODAY)
    assert rates.convert(100, "USD", FRI - timedelta(days=1)).missing


def test_the_look_back_crosses_the_end_of_a_month(eur):
    rates.record_rate("USD", "2026-02-27", "0.93", today=TODAY)  # a Friday
    rates.record_rate("USD", "2026-03", "0.90", today=TODAY)
    result = rates.convert(100, "USD", date(2026, 3, 2))  # the Monday after: the daily rate is nearer
    assert (result.period, result.amount) == ("2026-02-27", 93)


def test_the_months_rate_converts_a_day_with_no_daily_rate_near(eur):
    rates.record_rate("USD", "2026-03", "0.90", today=TODAY)
    rates.record_rate("USD", "2026-03-01", "0.95", today=TODAY)
    assert rates.convert(100, "USD", date(2026, 3, 8)).period == "2026-03-01"  # seven days after
    assert rates.convert(100, "USD", date(2026, 3, 9)).period == "2026-03"  # eight days: the month's
    assert rates.convert(100, "USD", date(2026, 3, 20)).period == "2026-03"
    assert (
        rates.convert(100, "USD", date(2026, 3, 31)).amount,
        rates.convert(100, "USD", date(2026, 4, 1)).missing,
    ) == (
        90,
        True,
    )  # another month's rate is never used


def test_a_rate_into_another_home_currency_is_not_used(book):
    rates.set_home_currency("EUR")
    rates.record_rate("USD", FRI, "0.92", today=TODAY)
    rates.set_home_currency("GBP")
    missing = rates.convert(100, "USD", FRI)
    assert missing.missing and missing.home == "GBP" and "no rate of USD into GBP for 2026-03-06" in missing.reason
    rates.set_home_currency("EUR")  # chosen again: its rates are still there
    assert rates.convert(100, "USD", FRI).amount == 92


def test_the_converter_for_many_amounts_finds_the_rates_convert_finds(eur):
    rates.record_rate("USD", "2026-02-27", "0.93", today=TODAY)
    rates.record_rate("USD", FRI, "0.92", today=TODAY)
    rates.record_rate("USD", "2026-03", "0.90", today=TODAY)
    rates.record_rate("GBP", "2026-04", "1.17", today=TODAY)
    rates.record_rate("JPY", "2026-03", "0.0065", today=TODAY)  # (0 decimals into 2: the shift the other way)
    rates.record_rate("KWD", "2026-03", "2.75", today=TODAY)  # (3 decimals into 2)
    converter = rates.Converter()
    for offset in range(-10, 70):
        day = FRI + timedelta(days=offset)
        for currency in ("USD", "GBP", "EUR", "JPY", "KWD"):
            for amount in (12_345, -12_345, 5, -5, 15, 25, 0, 1):  # (halves rounded to even, negatives alike)
                expected = rates.convert(amount, currency, day)
                assert converter.convert(amount, currency, day) == expected, (day, currency, amount)


def test_converters_made_together_share_their_rates_and_only_while_together(eur):
    """The year-end pack's reports convert together: the rates as they were when the first of them read them,
    each amount converted once; a converter made afterwards reads the rates again."""
    rates.record_rate("USD", FRI, "0.92", today=TODAY)
    with rates.converting_together():
        first = rates.Converter().convert(10_000, "USD", FRI)
        rates.record_rate("USD", FRI, "0.95", today=TODAY)  # (the pack records none: the first reading holds)
        second = rates.Converter().convert(10_000, "USD", FRI)
        assert second is first and (second.amount, second.quoted) == (9_200, "0.92")
        assert rates.Converter().convert(10_000, "EUR", FRI).amount == 10_000
    after = rates.Converter().convert(10_000, "USD", FRI)
    assert (after.amount, after.quoted) == (9_500, "0.95")
    assert rates.Converter("EUR").convert(10_000, "USD", FRI) == after


def test_together_says_whether_every_amount_converted_had_a_rate_kept_by_the_converters_or_by_the_reports(eur):
    """The reports keep what they convert in the converters' shared memo (convert_once), not in the converters
    themselves: a missing rate among either is seen."""
    rates.record_rate("USD", FRI, "0.92", today=TODAY)
    for kept_by_reports in (False, True):
        with rates.converting_together() as together:
            converter = rates.Converter()
            assert converter.convert_once(10_000, "USD", FRI) == converter.convert(10_000, "USD", FRI)
            assert together.all_priced()
            far = FRI - timedelta(days=90)  # (no rate that day, in the look-back or for its month)
            if kept_by_reports:
                converter.memo.setdefault(("USD", far.isoformat()), {})[5] = converter.convert_once(5, "USD", far)
            else:
                converter.convert(5, "USD", far)
            assert not together.all_priced()


# ------------------------------------------------------------------ rates files
def test_the_central_banks_file_gives_rates_into_the_euro_exactly(eur, tmp_path):
    done = rates.import_rates(_write(tmp_path, ECB_FILE, "eurofxref-hist.csv"), today=TODAY)
    assert (done.layout, done.added, done.unchanged, done.replaced) == ("European Central Bank", 7, 0, 0)
    assert (done.skipped, done.first, done.last) == (("CNY",), "2026-03-05", "2026-03-06")
    usd = rates.convert(108_650, "USD", FRI)  # $1,086.50 at 1 EUR = 1.0865 USD: exactly €1,000.00
    assert (usd.amount, usd.rate, usd.period, usd.quoted, usd.source) == (
        100_000,
        Fraction(10_000, 10_865),
        "2026-03-06",
        "1 EUR = 1.0865 USD",
        "eurofxref-hist.csv",
    )
    assert rates.convert(1_000, "KWD", FRI).missing is False  # N/A on the 6th: the 5th's rate
    assert rates.convert(1_000, "KWD", FRI).period == "2026-03-05"
    assert rates.convert(1_000, "CNY", FRI).missing


def test_rates_read_into_one_home_currency_are_not_stored_after_it_changed(eur, tmp_path):
    """The app reads a file on a worker thread and stores it after: a home currency changed in between refuses
    the rates read, in words, and stores nothing."""
    plan = rates.read_rates(_write(tmp_path, ECB_FILE, "eurofxref-hist.csv"), "EUR", today=TODAY)
    rates.set_home_currency("USD")
    with pytest.raises(RuleError) as refused:
        rates.store_rates(plan)
    assert refused.value.message == (
        "These rates are into EUR, and the book's home currency is now USD: import the file again."
    )
    assert ExchangeRate.select().count() == 0
    rates.set_home_currency("EUR")
    assert rates.store_rates(plan).added == 7


def test_a_home_currency_other_than_the_euro_is_crossed_through_it_exactly(book, tmp_path):
    rates.set_home_currency("USD")
    done = rates.import_rates(_write(tmp_path, ECB_FILE), today=TODAY)
    assert done.added == 7  # EUR (its own rate), JPY, GBP: two days each; KWD: one (N/A on the 6th)
    gbp = rates.convert(10_000, "GBP", FRI)  # £100.00 -> 100 x 1.0865 / 0.8543 = 127.18014...
    assert (gbp.amount, gbp.rate, gbp.quoted) == (12_718, Fraction(10_865, 8_543), "1 EUR = 1.0865 USD = 0.8543 GBP")
    assert rates.convert(10_000, "EUR", FRI).amount == 10_865
    assert rates.convert(10_000, "JPY", FRI).amount == 6_728  # ¥10,000 x 1.0865 / 161.50 = $67.2755...
    assert rates.convert(10_000, "USD", FRI).amount == 10_000


def test_importing_the_same_file_again_adds_nothing(eur, tmp_path):
    path = _write(tmp_path, ECB_FILE)
    rates.import_rates(path, today=TODAY)
    again = rates.import_rates(path, today=TODAY)
    assert (again.added, again.unchanged, again.replaced) == (0, 7, 0)
    assert ExchangeRate.select().count() == 7


def test_a_file_with_a_byte_order_mark_and_crlf_lines(eur, tmp_path):
    path = _write(tmp_path, "\ufeffdate,currency,rate\r\n2026-03-06,USD,0.92\r\n2026-03,GBP,1.17\r\n")
    done = rates.import_rates(path, today=TODAY)
    assert (done.layout, done.added) == ("date,currency,rate", 2)
    assert rates.convert(100, "GBP", date(2026, 3, 20)).period == "2026-03"


def test_a_simple_file_without_its_header_row(eur, tmp_path):
    done = rates.import_rates(_write(tmp_path, "2026-03-06,usd,0.92\n\n2026-03-05,JPY,0.0061\n"), today=TODAY)
    assert done.added == 2
    assert rates.convert(1_000, "JPY", FRI).amount == 610


def test_a_rate_of_the_file_that_differs_from_the_books_is_refused_unless_replacing(eur, tmp_path, unchanged):
    rates.record_rate("USD", FRI, "0.9", today=TODAY)
    path = _write(tmp_path, ECB_FILE)
    with unchanged(), pytest.raises(ImportRefused) as refused:
        rates.import_rates(path, today=TODAY)
    said = _rule_free(str(refused.value))
    assert said.startswith("Nothing was imported: 1 rate of the file differs from the book's. Import it again")
    assert "USD for 2026-03-06: the book has 0.9 (typed), the file 2000/2173." in said
    done = rates.import_rates(path, replace=True, today=TODAY)
    assert (done.added, done.unchanged, done.replaced) == (6, 0, 1)
    assert rates.convert(108_650, "USD", FRI).amount == 100_000
    (audit,) = AuditLog.select().where(AuditLog.action == "exchange rates imported")
    assert "1 replaced (USD for 2026-03-06: the book has 0.9 (typed)" in audit.detail


BAD_FILES = [
    ("empty", b"", "the file is empty"),
    ("only blank lines", "\n\n  \n", "the file holds no rows"),
    ("not UTF-8", "Date,USD\n2026-03-06,1.08\n2026-03-05,caf\xe9\n".encode("latin-1"), "row 3: the file is not UTF-8"),
    ("a ZIP archive", b"PK\x03\x04rest of a zip", "is a ZIP archive: unzip it first"),
    ("NUL bytes", b"Date,USD\n2026-03-06,1.0\x0065\n", "NUL characters"),
    ("an unknown header", "Day,Value\n2026-03-06,1.08\n", "row 1: this is not a rates file Escrowbook reads"),
    ("a header that is not currencies", "Date,US Dollar\n2026-03-06,1.08\n", "“US Dollar” is not a currency code"),
    ("a column for the euro", "Date,USD,EUR\n2026-03-06,1.08,1\n", "the file has a column EUR"),
    ("a column twice", "Date,USD,USD\n2026-03-06,1.08,1.08\n", "the column USD is there twice"),
    (
        "a day twice",
        "Date,USD\n2026-03-06,1.08\n2026-03-06,1.08\n",
        "row 3: 2026-03-06 is listed again (first on row 2)",
    ),
    (
        "a formula",
        'Date,USD\n2026-03-06,=HYPERLINK("x")\n',
        'row 2, column USD: “=HYPERLINK("x")” looks like a spreadsheet formula',
    ),
    ("a plus formula", "Date,USD\n2026-03-06,+1.08\n", "looks like a spreadsheet formula"),
    ("an at formula", "Date,USD\n@SUM(A1),1.08\n", "“@SUM(A1)” looks like a spreadsheet formula, not a date"),
    ("a negative rate", "Date,USD\n2026-03-06,-1.08\n", "“-1.08” is negative"),
    ("a zero rate", "Date,USD\n2026-03-06,0.0000\n", "row 2, column USD: the rate is zero"),
    ("an absurd rate", "Date,USD\n2026-03-06,99999999\n", "“99999999” cannot be a rate (too large)"),
    ("a tiny rate", "Date,USD\n2026-03-06,0.00000001\n", "cannot be a rate (too small)"),
    ("too many decimals", "Date,USD\n2026-03-06,1.08000000001\n", "has 11 decimals; a rate takes at most 10"),
    ("a word for a rate", "Date,USD\n2026-03-06,one\n", "“one” is not a rate"),
    ("a float exponent", "Date,USD\n2026-03-06,1.08e0\n", "“1.08e0” is not a rate"),
    ("a day that does not exist", "Date,USD\n2026-02-30,1.08\n", "“2026-02-30” is not a day"),
    ("a month in the bank's file", "Date,USD\n2026-03,1.08\n", "“2026-03” is not a date (YYYY-MM-DD)"),
    ("a day to come", "Date,USD\n2026-07-01,1.08\n", "2026-07-01 has not begun yet"),
    ("too many cells", "Date,USD\n2026-03-06,1.08,1.09\n", "row 2: 3 cells; the header row has 2"),
    ("a cell too long", "Date,USD\n2026-03-06," + "1" * 100 + "\n", "row 2: a cell of 100 characters"),
    ("an unfinished quote", 'Date,USD\n2026-03-06,"1.08\n', "the row cannot be read as CSV"),
    ("no known currency", "Date,CNY,IDR\n2026-03-06,7.8,17000\n", "holds no rates for the currencies Escrowbook knows"),
    ("only missing rates", "Date,USD\n2026-03-06,N/A\n", "holds no rates for the currencies Escrowbook knows"),
    (
        "a simple row twice",
        "date,currency,rate\n2026-03,USD,0.92\n2026-03,USD,0.92\n",
        "row 3: USD for 2026-03 is listed again, with the same rate on row 2",
    ),
    (
        "a conflicting simple row",
        "date,currency,rate\n2026-03,USD,0.92\n2026-03,usd,0.93\n",
        "with another rate (0.92) on row 2",
    ),
    ("an unknown currency", "date,currency,rate\n2026-03,XYZ,0.92\n", "“XYZ” is not a currency Escrowbook knows"),
    ("the home currency", "date,currency,rate\n2026-03,EUR,1\n", "EUR is the home currency"),
    ("a simple row short", "date,currency,rate\n2026-03,USD\n", "row 2: 2 cells; every row has 3"),
    ("a simple row without its rate", "date,currency,rate\n2026-03,USD,N/A\n", "row 2: the rate is missing"),
    (
        "a formula currency",
        "date,currency,rate\n2026-03,@USD,0.92\n",
        "“@USD” looks like a spreadsheet formula, not a currency",
    ),
]


@pytest.mark.parametrize(("data", "said"), [(d, s) for _, d, s in BAD_FILES], ids=[n for n, _, _ in BAD_FILES])
def test_a_bad_rates_file_is_refused_in_words_and_changes_nothing(eur, tmp_path, unchanged, data, said):
    rates.record_rate("USD", "2026-02", "0.9", today=TODAY)  # the book already has a rate: it stays as it was
    path = _write(tmp_path, data)
    with unchanged(), pytest.raises(ImportRefused) as refused:
        rates.import_rates(path, today=TODAY)
    message = _rule_free(str(refused.value))
    assert message.startswith("Nothing was imported:")
    assert said in message


def test_a_good_row_beside_a_bad_one_is_not_imported_either(eur, tmp_path, unchanged):
    path = _write(tmp_path, "date,currency,rate\n2026-03,USD,0.92\n2026-03,GBP,zero\n")
    with unchanged(), pytest.raises(ImportRefused, match=r"rates\.csv row 3: “zero” is not a rate"):
        rates.import_rates(path, today=TODAY)
    assert rates.convert(100, "USD", FRI).missing


def test_a_file_too_large_is_refused_before_it_is_read(eur, tmp_path, unchanged, monkeypatch):
    monkeypatch.setattr(rates, "MAX_FILE_BYTES", 2 * 2**20)
    path = _write(tmp_path, "Date,USD\n" + "2026-03-06,1.08\n" * 200_000)  # 3.2 MB
    with unchanged(), pytest.raises(ImportRefused, match="the file is 3 MB; a rates file is at most 2 MB"):
        rates.import_rates(path, today=TODAY)


def test_a_file_that_is_not_there_or_a_folder_is_refused(eur, tmp_path, unchanged):
    with unchanged():
        for path in (tmp_path / "none.csv", tmp_path):
            with pytest.raises(ImportRefused, match="is not a file that can be read"):
                rates.import_rates(path, today=TODAY)


def test_a_file_with_very_many_problems_stops_being_read(eur, tmp_path):
    path = _write(tmp_path, "Date,USD\n" + "".join(f"2026-03-06,x{i}\n" for i in range(1_000)))
    with pytest.raises(ImportRefused) as refused:
        rates.import_rates(path, today=TODAY)
    assert len(refused.value.problems) == rates.MAX_PROBLEMS + 1
    assert refused.value.problems[-1] == f"…and more: reading stopped after {rates.MAX_PROBLEMS} problems."


def test_an_import_before_a_home_currency_is_chosen_is_refused(book, tmp_path, unchanged):
    with unchanged(), pytest.raises(RuleError, match="Choose the book's home currency first"):
        rates.import_rates(_write(tmp_path, ECB_FILE), today=TODAY)


def test_a_bank_file_without_the_home_currencys_column_is_refused(book, tmp_path, unchanged):
    rates.set_home_currency("CHF")
    with unchanged(), pytest.raises(ImportRefused, match="the file has no column for CHF, the home currency"):
        rates.import_rates(_write(tmp_path, ECB_FILE), today=TODAY)


# ------------------------------------------------------------------ properties
CURRENCIES = sorted(CURRENCY_EXPONENT)
typed_rates = st.decimals(
    min_value=rates.MIN_RATE, max_value=rates.MAX_RATE, places=rates.MAX_DECIMALS, allow_nan=False, allow_infinity=False
)


@given(
    home=st.sampled_from(CURRENCIES),
    currency=st.sampled_from(CURRENCIES),
    rate=typed_rates,
    amounts=st.lists(st.integers(min_value=-(10**12), max_value=10**12), min_size=1, max_size=30),
)
def test_converting_then_summing_stays_within_the_rounding_bound_of_summing_then_converting(
    home, currency, rate, amounts
):
    """One rounding per figure, half a minor unit at most each: n figures converted then added differ from their
    sum converted by at most (n + 1) / 2 minor units; each figure is within half a minor unit of the exact value,
    and an exact half goes to the even one."""
    value = Fraction(rate)
    each = [rates.apply_rate(a, currency, value, home) for a in amounts]
    scale = Fraction(10) ** (CURRENCY_EXPONENT[home] - CURRENCY_EXPONENT[currency])
    assert each == [round(a * value * scale) for a in amounts]  # (Python rounds a Fraction half to even)
    whole = rates.apply_rate(sum(amounts), currency, value, home)
    assert 2 * abs(sum(each) - whole) <= len(amounts) + 1
    for a, got in zip(amounts, each, strict=True):
        exact = a * value * scale
        assert abs(got - exact) <= Fraction(1, 2)
        if abs(got - exact) == Fraction(1, 2):
            assert got % 2 == 0
    assert rates.apply_rate(-amounts[0], currency, value, home) == -each[0]


@given(st.fractions(min_value=Fraction(1, 10**6), max_value=10**6, max_denominator=10**60))
def test_an_exact_rate_reads_back_as_it_was(value):
    assert rates.read_exact(rates.exact_text(value)) == value


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rate=typed_rates, currency=st.sampled_from([c for c in CURRENCIES if c != "EUR"]))
def test_a_typed_rate_reads_back_exactly(eur, rate, currency):
    typed = format(rate, "f")
    kept = rates.record_rate(currency, "2026-03", typed, today=TODAY)
    assert kept.value == Fraction(rate)
    (listed,) = rates.list_rates(currency)
    assert Decimal(listed.quoted) == rate and listed.value == Fraction(rate)


# ------------------------------------------------------------------ rates changed outside Escrowbook
@pytest.mark.parametrize(
    ("sql", "said"),
    [
        ("UPDATE exchange_rate SET rate = '-0.92'", "the exchange rate #1 (USD into EUR for 2026-03-06) is “-0.92”"),
        ("UPDATE exchange_rate SET rate = '0.92e1'", "is “0.92e1”, not a rate"),
        ("UPDATE exchange_rate SET rate = '1/0'", "is “1/0”, not a rate"),
        ("UPDATE exchange_rate SET rate = '0'", "is “0”, not a rate"),
        ("UPDATE exchange_rate SET rate = x'00'", "not a rate"),  # bytes, not text
        ("UPDATE exchange_rate SET currency = 'XYZ'", "(XYZ into EUR for 2026-03-06) is not between two currencies"),
        ("UPDATE exchange_rate SET currency = 'EUR'", "is not between two currencies Escrowbook knows"),
        ("UPDATE exchange_rate SET period = '2026-3-6'", "is not for a day or a month"),
        ("UPDATE book_info SET value = 'XYZ' WHERE key = 'home_currency'", "the book's home currency “XYZ” is not one"),
    ],
)
def test_check_names_a_rate_changed_outside_escrowbook_and_conversion_never_uses_it(tmp_path, sql, said):
    path = tmp_path / "rates.book"
    with open_book(path):
        rates.set_home_currency("EUR")
        rates.record_rate("USD", FRI, "0.92", today=TODAY)
        assert check_book(str(path)) == []
    conn = sqlite3.connect(path)
    conn.execute(sql)
    conn.commit()
    conn.close()
    with open_book(path, create=False):
        problems = check_book(str(path))
        assert len(problems) == 1 and said in _rule_free(problems[0]), problems
        result = rates.convert(10_000, "USD", FRI)
        assert result.missing
        if "home_currency" in sql:
            assert rates.home_currency() is None
        elif "SET rate" in sql:
            assert result.reason.startswith("the book's rate of USD into EUR for 2026-03-06 cannot be read")
            assert rates.Converter().convert(10_000, "USD", FRI) == result


def test_many_differing_rates_are_each_named_and_counted(eur, tmp_path, unchanged):
    rows = "".join(f"2026-03-{d:02d},USD,0.9{d}\n" for d in range(1, 26))
    rates.import_rates(_write(tmp_path, rows, "march.csv"), today=TODAY)
    changed = _write(tmp_path, rows.replace(",0.9", ",0.8"), "march-2.csv")
    with unchanged(), pytest.raises(rates.RatesDiffer) as refused:
        rates.import_rates(changed, today=TODAY)
    said = str(refused.value)
    assert said.startswith("Nothing was imported: 25 rates of the file differ from the book's.")
    assert "• USD for 2026-03-01: the book has 0.91 (from march.csv), the file 0.81." in said
    assert said.endswith("…and 5 more.") and len(refused.value.problems) == 25


def test_the_rates_are_read_a_page_at_a_time_latest_first(eur):
    for currency, period in (("USD", "2026-02"), ("USD", "2026-02-27"), ("JPY", "2026-02-27"), ("GBP", "2026-03-02")):
        rates.record_rate(currency, period, "1.5", today=TODAY)
    assert rates.count_rates() == 4 and rates.count_rates(home="USD") == 0
    pages = rates.recent_rates(limit=3) + rates.recent_rates(offset=3, limit=3)
    assert [(r.currency, r.period) for r in pages] == [
        ("GBP", "2026-03-02"), ("JPY", "2026-02-27"), ("USD", "2026-02-27"), ("USD", "2026-02"),
    ]  # fmt: skip
    assert pages[0].text == "1.5" and pages[0].source == rates.TYPED
