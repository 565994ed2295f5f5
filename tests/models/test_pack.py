"""The year-end pack's content, without Qt (models/pack.py): each report of the year as models/reports.py gives
it, in the CSV rows to the minor unit and in the cells as the app formats money; converted figures with the
rates they used listed, and a missing rate said in words; the CSV files formula-safe; the freelancers' pages."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from models import ops, rates, reports
from models.csv_io import plain_amount, unsafe_cell
from models.money import format_money
from models.pack import RATE_MISSING, build_pack, csv_tables, file_names, write_csv_file
from models.rates import Together
from tests.pack_book import ARABIC, FORMULA_TITLE, LONG_TITLE, build

Y0, Y1 = date(2026, 1, 1), date(2026, 12, 31)


@pytest.fixture
def pack(book):
    build()
    return build_pack(2026)


def tables(pack):
    return {t.key: t for t in pack.tables}


def report_rows(report, kept=None):
    """What the CSV must hold for a report: each row per currency and each total, as plain amounts."""
    out = []
    for r in (*report.rows, *report.totals):
        if kept is not None and r.key and r.key not in kept:
            continue
        out.append((r.key, r.label, r.currency, *(plain_amount(r.figures[c], r.currency) for c in report.columns)))
    return out


@pytest.mark.parametrize(
    "key, report",
    [
        ("spend-by-month", lambda: reports.spend_by_period("month", first=Y0, last=Y1, home="EUR")),
        ("spend-by-quarter", lambda: reports.spend_by_period("quarter", first=Y0, last=Y1, home="EUR")),
        ("spend-by-freelancer", lambda: reports.spend_by_freelancer(first=Y0, last=Y1, home="EUR")),
        ("spend-by-contract", lambda: reports.spend_by_contract(first=Y0, last=Y1, home="EUR")),
        ("fees-by-month", lambda: reports.fees_by_period("month", first=Y0, last=Y1, home="EUR")),
        ("escrow-by-month-end", lambda: reports.escrow_by_month_end(first=Y0, last=Y1, home="EUR")),
        ("refunds-by-month", lambda: reports.refunds_by_period("month", first=Y0, last=Y1, home="EUR")),
    ],
)
def test_each_report_of_the_year_is_in_the_csv_rows_to_the_minor_unit(pack, key, report):
    expected = report()
    table = tables(pack)[key]
    width = 3 + len(expected.columns)
    plain = [row[:width] for row in table.csv_rows if row[-2] == ""]
    assert plain == report_rows(expected)
    assert plain, "the hand-built book has figures in every report"
    # Each group's converted row: the report's home figures, and the rates named missing where there is none.
    converted = [row for row in table.csv_rows if row[-2] == "into EUR"]
    groups = {r.key for r in expected.rows}  # (a month without escrow has a home row of nothing: no row shown)
    home = [
        *(h for h in expected.home_rows if h.key in groups),
        *([expected.home_total] if expected.home_total else []),
    ]
    assert [r[0] for r in converted] == [h.key for h in home]
    for row, h in zip(converted, home, strict=True):
        for c, cell in zip(expected.columns, row[3:width], strict=True):
            f = h.figures.get(c)
            assert cell == ("" if f is None else plain_amount(f.amount, "EUR"))
        assert ("without a rate" in row[-1]) == (not h.complete)


def test_budget_against_actual_holds_the_contracts_of_the_year_to_its_end(pack, book):
    table = tables(pack)["budget-against-actual"]
    full = reports.budget_vs_actual(last=Y1, home="EUR")
    titles = {r.label for r in full.rows}
    assert "Old logo" in titles  # the report has every contract with a budget ...
    shown = {row[1] for row in table.csv_rows if row[-2] == "" and row[0]}
    assert shown == {LONG_TITLE, FORMULA_TITLE}  # ... the pack those active in 2026
    usd = next(row for row in table.csv_rows if row[1] == LONG_TITLE and row[-2] == "")
    # budget 600.00; paid 500.00 + 100.00, refunded 50.00: actual 550.00, 50.00 left, under budget
    assert usd[3:9] == ("600.00", "600.00", "50.00", "550.00", "50.00", "under budget")
    eur = next(row for row in table.csv_rows if row[1] == FORMULA_TITLE and row[-2] == "")
    assert eur[2:9] == ("EUR", "1000.00", "1200.00", "0.00", "1200.00", "-200.00", "over budget")
    # The PDF lists each contract once, on its freelancer's page: here only the totals, and how many are over or
    # under budget in each currency, with the totals converted into EUR beside them.
    assert table.summary and table.kinds == ["total", "total"]
    assert table.rows[0][:7] == ("Total: 1 over budget", "EUR", "€1,000.00", "€1,200.00", "€0.00", "€1,200.00",
                                 "−€200.00")  # fmt: skip
    assert table.rows[1][:2] == ("1 under budget", "USD")
    assert len(table.headers) == 7 == len(table.rows[0])
    # Converted, in words under the intro: budget €1,000.00 + $600.00 at 0.9 (the rate of the USD contract's
    # start); actual €1,200.00 + $550.00 paid less refunded, converted at the rates of their days.
    assert table.intro.endswith(
        "All currencies together, converted into EUR: budget €1,540.00; paid €1,742.00; refunded €46.00; "
        "actual €1,696.00; left of budget −€156.00."
    )


def test_figures_are_shown_as_the_app_formats_money(pack):
    month = tables(pack)["spend-by-month"]
    march_usd = next(r for r in month.rows if r[1] == "USD")
    # paid $500.00; fees 5% of $500.00 plus the $0.99 initiation fee; March converted on its first row (EUR's)
    assert march_usd[1:] == ("USD", "$500.00", "$25.99", "$0.00", "$525.99", "", "", "", "")
    jpy = next(r for r in month.rows if r[1] == "JPY")
    assert jpy[2] == "¥4,000"


def test_converted_figures_list_their_rates_and_say_when_one_is_missing(pack):
    assert ("USD", "2026-03", "0.9") in pack.rates_used
    assert ("USD", "2026-04-01", "0.92") in pack.rates_used
    assert all(cur != "JPY" for cur, _, _ in pack.rates_used)
    assert pack.missing[0] == (
        "No rate of JPY into EUR for 1 day (1 Apr 2026): amounts in JPY of that day are left out of the EUR "
        f"figures, which say “{RATE_MISSING}”."
    )
    # The USD escrow still held at each month end from April on: no daily rate, no monthly rate for those months.
    assert pack.missing[1].startswith("No rate of USD into EUR for 9 days (30 Apr 2026, 31 May 2026, ")
    month = tables(pack)["spend-by-month"]
    assert month.headers[6:] == ("Paid\nin EUR", "Fees\nin EUR", "Refunded\nin EUR", "Spend\nin EUR")
    assert month.kinds == ["row"] * 4 + ["total"] * 3  # no row of its own for a converted figure
    # April: USD paid 100.00 at 0.92 = €92.00 converted; JPY ¥4,000 has no rate. On the month's first row.
    april = next(r for r in month.rows if r[0] == "2026-04")
    assert april[1] == "JPY" and april[6] == f"€92.00\n+ {RATE_MISSING}"
    march = next(r for r in month.rows if r[0] == "2026-03")
    assert march[1] == "EUR" and march[6] == "€1,650.00"  # $500.00 at 0.9 + €1,200.00


def test_without_a_home_currency_nothing_is_converted(book):
    build()
    pack = build_pack(2026, home=False)
    assert pack.home is None and pack.rates_used == [] and pack.missing == []
    assert all(k in ("row", "total") for t in pack.tables for k in t.kinds)
    assert not any("in EUR" in h or "\nin " in h for t in pack.tables for h in t.headers)
    assert "rates-used" not in file_names(pack)


def test_a_page_per_freelancer_with_their_contracts_and_totals(pack):
    names = [f.name for f in pack.freelancers]
    assert names == sorted(names, key=str.casefold) and set(names) == {ARABIC, "Ben Okafor"}
    sara = next(f for f in pack.freelancers if f.name == ARABIC)
    assert sara.agency == "Studio Nour"
    contracts = [r for r, k in zip(sara.table.rows, sara.table.kinds, strict=True) if k == "row" and r[0]]
    assert [r[0] for r in contracts] == [LONG_TITLE, "Copy"]
    assert sara.table.headers == ("Contract", "Currency", "Paid", "Fees", "Refunded", "Spend", "Spend\nin EUR",
                                  "Budget", "Actual\nto year end", "Left of\nbudget", "Over or\nunder")  # fmt: skip
    # Each contract once, with all its figures: its spend in the year (and converted), its budget against actual.
    long = contracts[0]
    assert long[1:] == ("USD", "$600.00", "$40.99", "$50.00", "$590.99", long[6], "$600.00", "$550.00", "$50.00",
                        "under budget")  # fmt: skip
    assert long[6].startswith("€")
    assert contracts[1][1:7] == ("JPY", "¥4,000", "¥0", "¥0", "¥4,000", RATE_MISSING)
    assert contracts[1][7:] == ("", "", "", "")  # a contract without a budget
    totals = [r for r, k in zip(sara.table.rows, sara.table.kinds, strict=True) if k == "total"]
    assert [t[1] for t in totals] == ["JPY", "USD"] and totals[0][0] == "Total"
    by_f = reports.spend_by_freelancer(first=Y0, last=Y1, home="EUR")
    usd = next(r for r in by_f.rows if r.label == ARABIC and r.currency == "USD")
    assert totals[1][5] == f"${usd.figures['spend'] // 100:,}.{usd.figures['spend'] % 100:02d}"


def test_each_contract_of_the_year_is_on_its_freelancers_page_once_with_every_figure(pack):
    """Spend by contract and budget against actual show only their totals in the PDF: each of their contracts is
    on exactly one freelancer's page, with the same figures as the reports' CSV rows."""
    rows = [r for f in pack.freelancers for r, k in zip(f.table.rows, f.table.kinds, strict=True) if k == "row"]
    keys = [k for f in pack.freelancers for k, kind in zip(f.table.keys, f.table.kinds, strict=True) if kind == "row"]
    assert len(keys) == len(set(keys))
    spend = reports.spend_by_contract(first=Y0, last=Y1, home="EUR")
    budget = {r.key: r for r in tables(pack)["budget-against-actual"].report.rows}
    assert set(keys) == {r.key for r in spend.rows} | set(budget)
    by_key = dict(zip(keys, rows, strict=True))
    for r in spend.rows:
        shown = by_key[r.key]
        assert shown[:6] == (r.label, r.currency, *(format_money(r.figures[c], r.currency)
                                                     for c in ("paid", "fees", "refunded", "spend")))  # fmt: skip
    for key, r in budget.items():
        shown = by_key[key]
        assert shown[7:] == (*(format_money(r.figures[c], r.currency) for c in ("budget", "actual", "left")), r.flag)
    assert tables(pack)["spend-by-contract"].rows[0][0] == "Total"
    assert all(k == "total" for t in pack.tables if t.summary for k in t.kinds)


def test_csv_files_equal_the_rows_and_are_formula_safe(pack, tmp_path):
    for t in csv_tables(pack):
        path = tmp_path / file_names(pack)[t.key]
        assert write_csv_file(path, t.csv_headers, t.csv_rows) == len(t.csv_rows)
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
        with open(path, encoding="utf-8-sig", newline="") as f:
            read = list(csv.reader(f))
        assert tuple(read[0]) == t.csv_headers
        assert [[unsafe_cell(c) for c in r] for r in read[1:]] == [[str(c) for c in r] for r in t.csv_rows]
        for r in read[1:]:
            assert not any(c.startswith(("=", "+", "-", "@")) for c in r), r
    contract = next(t for t in pack.tables if t.key == "spend-by-contract")
    path = tmp_path / "c.csv"
    write_csv_file(path, contract.csv_headers, contract.csv_rows)
    assert f"'{FORMULA_TITLE}" in path.read_text(encoding="utf-8-sig")


def test_a_year_without_entries_gives_empty_reports(book):
    build()
    pack = build_pack(2024)
    assert all(not t.rows for t in pack.tables if t.key != "escrow-by-month-end")
    assert pack.freelancers == []


def test_budget_totals_converted_say_what_had_no_rate_and_keep_the_rest():
    """The budget report's converted totals (the PDF shows only totals): the sum of each contract's converted
    figures; a part without a rate makes the total "+ rate missing", never missing altogether, never guessed."""
    from fractions import Fraction

    from models.pack import _budget_totals, home_cell
    from models.rates import Converted, Missing
    from models.reports import HomeAmount, HomeRow, Report, Row

    def priced(minor):
        return Converted(minor, "EUR", Fraction(9, 10), "2026-03", "0.9", "typed", minor, "USD", Y0)

    gap = Missing(5000, "JPY", "EUR", date(2026, 4, 1), "no rate")
    columns = ("budget", "paid", "refunded", "actual", "left")
    rows = (Row("1", "A", "USD", dict.fromkeys(columns, 100)), Row("2", "B", "JPY", dict.fromkeys(columns, 5000)),
            Row("3", "C", "USD", dict.fromkeys(columns, 7)))  # fmt: skip
    home = (
        HomeRow("1", "A", "EUR", {c: HomeAmount(90, "EUR", (priced(90),)) for c in columns}),
        HomeRow("2", "B", "EUR", {c: HomeAmount(0, "EUR", (gap,)) for c in columns}),
        HomeRow("3", "C", "EUR", {c: HomeAmount(6, "EUR", (priced(6),)) for c in columns}),
    )
    report = Report("budget against actual", columns, rows, (), "EUR", home)
    kept = _budget_totals(report, {"1", "2"})  # "3" not active in the year
    assert [t.currency for t in kept.totals] == ["JPY", "USD"] and kept.totals[1].figures["budget"] == 100
    total = kept.home_total.figures["budget"]
    assert total.amount == 90 and not total.complete
    assert home_cell(total) == f"€0.90\n+ {RATE_MISSING}"
    only_gap = _budget_totals(report, {"2"}).home_total.figures["budget"]
    assert home_cell(only_gap) == RATE_MISSING
    assert home_cell(_budget_totals(report, {"1", "3"}).home_total.figures["left"]) == "€0.96"


def _every_month_priced(years=(2025, 2026)):
    for year in years:
        for month in range(1, 13):
            rates.record_rate("USD", f"{year}-{month:02d}", "0.9", today=date(2026, 12, 5))
            rates.record_rate("JPY", f"{year}-{month:02d}", "0.006", today=date(2026, 12, 5))


def _shown(pack):
    return ([(t.rows, t.csv_rows, t.intro) for t in pack.tables], [f.table.rows for f in pack.freelancers],
            pack.rates_used, pack.missing)  # fmt: skip


def test_with_a_rate_for_every_amount_the_pack_is_what_looking_through_every_figure_gives(book, monkeypatch):
    """When every amount its reports converted had a rate, the pack does not look through each converted figure for
    a missing one: what it shows is what looking gives."""
    build()
    _every_month_priced()
    pack = build_pack(2026)
    assert pack.missing == [] and ("JPY", "2026-04", "0.006") in pack.rates_used
    cells = [c for t in pack.tables for row in t.rows for c in row] + [c for t in pack.tables for r in t.csv_rows
                                                                       for c in r]  # fmt: skip
    assert not any(RATE_MISSING in str(c) or "without a rate" in str(c) for c in cells)
    monkeypatch.setattr(Together, "all_priced", lambda self: False)
    assert _shown(build_pack(2026)) == _shown(pack)


def test_a_rate_missing_only_for_a_budgets_start_is_still_said(book):
    """The budget of a contract begun on a day without a rate: its budget against actual says so, though every
    amount of the other reports had one."""
    build()
    _every_month_priced(years=(2026,))
    rates.record_rate("USD", "2025-03", "0.9", today=date(2026, 12, 5))  # (the old contract's: not in 2026's pack)
    late = ops.create_contract("Late start", ops.create_freelancer("Noor"), currency="USD", budget=5_000,
                               started_on=date(2024, 6, 3), today=date(2024, 6, 3))  # fmt: skip
    assert late.budget == 5_000
    pack = build_pack(2026)
    budget = tables(pack)["budget-against-actual"]
    row = next(r for r in budget.csv_rows if r[1] == "Late start" and r[-2] == "into EUR")
    assert row[-1] != "" and "without a rate" in row[-1]
    assert pack.missing and pack.missing[0].startswith("No rate of USD into EUR for 1 day (3 Jun 2024)")
