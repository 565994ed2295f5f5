"""Issue 18: the marketplace's statement formats as data (resources/statements/*.toml), how a statement's cells
are read (R1: amounts in whole minor units, never rounded), the client's own format for an unknown header, and
the statement Escrowbook writes for a book (models/statement_writer.py)."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from models import ops
from models import statements as st
from models.errors import RuleError
from models.statement_writer import REFERENCE_BASE, write_statement

from ..conftest import START


def test_both_shipped_formats_are_read_and_found_by_key_or_name():
    keys = [f.key for f in st.shipped_formats()]
    assert keys == ["marketplace-2019", "marketplace-2025"]
    assert st.format_named("marketplace-2019").name == "Marketplace transaction history (before 2025)"
    assert st.format_named("  Marketplace Transaction History (2025) ").key == "marketplace-2025"


def test_an_unknown_format_name_lists_the_formats_there_are():
    with pytest.raises(st.StatementRefused) as raised:
        st.format_named("bank-2020")
    assert raised.value.problems == [
        "there is no statement format “bank-2020”; there are: “marketplace-2019”, “marketplace-2025”."
    ]


@pytest.mark.parametrize("key", ["marketplace-2019", "marketplace-2025"])
def test_each_format_is_detected_from_its_own_header_row(key):
    fmt = st.format_named(key)
    assert st.detect(list(fmt.headers), st.shipped_formats()) == fmt
    shuffled = [*list(reversed(fmt.headers)), "Something else"]
    assert st.detect(shuffled, st.shipped_formats()) == fmt
    assert st.detect([h.upper() for h in fmt.headers], st.shipped_formats()) == fmt


def test_the_2019_variant_with_an_exchange_rate_is_the_2019_format():
    headers = ["Date", "Ref ID", "Type", "Description", "Agency", "Freelancer", "Team", "Account Name", "PO",
               "Amount", "ExchangeRate", "Currency", "Balance"]  # fmt: skip
    assert st.detect(headers, st.shipped_formats()).key == "marketplace-2019"


def test_a_header_row_no_format_knows_is_detected_as_none():
    assert st.detect(["Date", "Amount", "Memo"], st.shipped_formats()) is None


@pytest.mark.parametrize(
    ("type_", "description", "kind"),
    [
        ("Fixed Price", "Escrow funding: Sketches", st.FUND),
        ("fixed-price", "Escrow funding: Sketches", st.FUND),
        ("FIXED  PRICE", "Escrow funding: Sketches", st.FUND),
        ("Milestone", "Payment released to the freelancer: Sketches", st.RELEASE),
        ("Fixed Price", "Dispute outcome: released to the freelancer", st.RELEASE),
        ("Fixed Price", "Escrow refund: Sketches", st.ESCROW_REFUND),
        ("Payment", "Sketches", st.RELEASE),
        ("Service Fee", "Marketplace fee", st.FEE),
        ("Marketplace fee", "", st.FEE),
        ("Processing Fee", "", st.FEE),
        ("Contract Initiation Fee", "Contract initiation fee", st.INITIATION_FEE),
        ("Contract Initiation Fee", "Initiation fee returned", st.FEE_REFUND),
        ("Refund", "Refund from the freelancer", st.REFUND),
        ("Refund", "Dispute outcome: escrow refund", st.ESCROW_REFUND),
        ("Hourly", "Invoice for hours worked", st.NOT_KEPT),
        ("Connects", "Connects bundle", st.NOT_KEPT),
        ("Subscription", "", st.NOT_KEPT),
        ("Tax", "", st.NOT_KEPT),
        ("VAT", "", st.NOT_KEPT),
    ],
)
def test_transaction_types_are_normalised_to_what_the_books_keep(type_, description, kind):
    for key in ("marketplace-2019", "marketplace-2025"):
        fmt = st.format_named(key)
        assert fmt.kind_of(type_, description.casefold()) == kind
        assert fmt.known_type(type_)


def test_a_type_no_rule_names_is_not_kept_and_marked_unknown():
    fmt = st.format_named("marketplace-2025")
    assert fmt.kind_of("Lottery win", "") == st.NOT_KEPT
    assert not fmt.known_type("Lottery win")


@pytest.mark.parametrize(
    ("cell", "currency", "mark", "read"),
    [
        ("-300.00", "USD", ".", (-1, 30000)),
        ("$1,234.50", "USD", ".", (1, 123450)),
        ("-$1,234.50", "USD", ".", (-1, 123450)),
        ("($1,234.50)", "USD", ".", (-1, 123450)),
        ("(12.00)", "USD", ".", (-1, 1200)),
        ("12.00-", "USD", ".", (-1, 1200)),
        ("+12.00", "USD", ".", (1, 1200)),
        ("\u221212.00", "USD", ".", (-1, 1200)),
        ("USD 12.00", "USD", ".", (1, 1200)),
        ("12.00 USD", "USD", ".", (1, 1200)),
        ("1'234.50", "CHF", ".", (1, 123450)),
        ("-1 234,50 €", "EUR", ",", (-1, 123450)),
        ("1.234,50", "EUR", ".", (1, 123450)),
        ("1\u00a0234,50", "EUR", ",", (1, 123450)),
        ("12,5", "EUR", ",", (1, 1250)),
        ("1,234", "USD", ".", (1, 123400)),
        ("1,234,567.89", "USD", ".", (1, 123456789)),
        ("¥1,500", "JPY", ".", (1, 1500)),
        ("500", "JPY", ".", (1, 500)),
        ("12.500", "KWD", ".", (1, 12500)),
        ("0.01", "USD", ".", (1, 1)),
    ],
)
def test_r1_amounts_are_read_as_whole_minor_units(cell, currency, mark, read):
    assert st.read_amount(cell, currency, mark) == read


@pytest.mark.parametrize(
    ("cell", "currency", "words"),
    [
        ("12.345", "USD", "has more decimals than USD has (2)"),
        ("500.5", "JPY", "has more decimals than JPY has (0)"),
        ("0.001", "USD", "has more decimals than USD has (2)"),
        ("1,23,456.00", "USD", "its digits are not grouped in threes"),
        ("12a", "USD", "is not an amount"),
        ("", "USD", "the amount is empty"),
        ("99999999999999", "USD", "too large an amount"),
    ],
)
def test_r1_an_amount_that_is_not_whole_minor_units_is_refused_never_rounded(cell, currency, words):
    with pytest.raises(ValueError) as raised:
        st.read_amount(cell, currency)
    assert words in str(raised.value)


@pytest.mark.parametrize(
    "cell",
    [
        "2026-03-01",
        "Mar 1, 2026",
        "March 1, 2026",
        "03/01/2026",
        "1 Mar 2026",
        "2026-03-01T10:15:00",
        "2026-03-01 10:15",
        " Mar  1, 2026 ",
    ],
)
def test_the_marketplaces_ways_of_writing_a_date_are_read(cell):
    dates = st._Dates(st.format_named("marketplace-2025").dates)
    assert dates.read(cell) == ("2026-03-01", None)


# ------------------------------------------------------------------ the client's own format
def test_a_mapped_format_is_saved_and_read_back_like_a_shipped_one(tmp_path):
    folder = tmp_path / "formats"
    headers = ["Posted", "Txn", "What", "Value", "Memo"]
    mapping = {"date": "Posted", "reference": "Txn", "type": "What", "amount": "Value", "description": "Memo"}
    fmt = st.save_format("Bank export", headers, mapping, folder, decimal_mark=",", currency="EUR")
    assert fmt.key == "bank-export" and fmt.saved and fmt.decimal_mark == "," and fmt.currency == "EUR"
    assert (folder / "bank-export.toml").is_file()
    assert not list(folder.glob("*.part"))
    assert [f.key for f in st.all_formats(folder)] == ["marketplace-2019", "marketplace-2025", "bank-export"]
    assert st.detect(headers, st.all_formats(folder)) == st.format_named("bank-export", folder)
    assert fmt.kind_of("Service Fee", "") == st.FEE  # the type rules are the marketplace's


def test_a_description_of_several_columns_is_saved_as_a_list_and_read_joined(tmp_path):
    folder = tmp_path / "formats"
    headers = ["Posted", "Txn", "What", "Value", "Summary", "Details", "Memo"]
    mapping = {"date": "Posted", "reference": "Txn", "type": "What", "amount": "Value",
               "description": ["Summary", "Details", "Memo"]}  # fmt: skip
    fmt = st.save_format("Bank export", headers, mapping, folder)
    text = (folder / "bank-export.toml").read_text(encoding="utf-8")
    assert 'description = ["Summary", "Details", "Memo"]' in text.splitlines()
    assert fmt.columns["description"] == ("Summary", "Details", "Memo")
    path = tmp_path / "s.csv"
    path.write_text(
        "Posted,Txn,What,Value,Summary,Details,Memo\n"
        "2026-03-02,1,Fixed Price,-300.00,Escrow funding: Sketches,Logo redesign (UP-1),\n",
        encoding="utf-8",
    )
    opened = st.open_statement(path, folder=folder)
    (line,) = opened.lines()
    assert opened.format.key == "bank-export"
    assert line.description == "Escrow funding: Sketches · Logo redesign (UP-1)"  # (an empty column left out)


def test_a_single_description_column_is_still_saved_as_one_header(tmp_path):
    folder = tmp_path / "formats"
    st.save_format("Mine", ["A", "B", "C", "D"], {"date": "A", "amount": "B", "type": "C", "description": "D"},
                   folder)  # fmt: skip
    assert 'description = "D"' in (folder / "mine.toml").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    ("name", "mapping", "words"),
    [
        (
            "Mine",
            {"date": "A", "amount": "B", "type": "C", "description": ["A", "Z"]},
            "The statement has no column “Z”.",
        ),
        ("Mine", {"date": ["A", "B"], "amount": "B", "type": "C"}, "Choose one column for the date."),
        ("Mine", {"date": "A", "amount": "B", "type": "C", "description": [3]}, "A column is named by its header."),
        ("", {"date": "A", "amount": "B", "type": "C"}, "Give the format a name"),
        ("x" * 81, {"date": "A", "amount": "B", "type": "C"}, "Give the format a name"),
        ("Mine", {"date": "A", "amount": "B"}, "Choose the column of: Transaction type."),
        ("Mine", {"date": "A", "amount": "B", "type": "Z"}, "The statement has no column “Z”."),
        ("Mine", {"date": "A", "amount": "B", "type": "C", "colour": "A"}, "Only the fields of a statement"),
    ],
)
def test_a_mapping_that_cannot_be_read_is_refused_in_words_and_not_saved(tmp_path, name, mapping, words):
    with pytest.raises(RuleError) as raised:
        st.save_format(name, ["A", "B", "C"], mapping, tmp_path / "formats")
    assert str(raised.value).startswith(words)
    assert not (tmp_path / "formats").exists()


# ------------------------------------------------------------------ the statement of a book
@pytest.fixture
def paid(book, contract):
    m = ops.add_milestone(contract, "Sketches", 30_000)
    fund = ops.fund_milestone(m, on=START, today=START)
    ops.release_payment(m, on=date(2026, 3, 5), today=date(2026, 3, 5))
    return fund


def read(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_the_2025_statement_of_a_book_has_a_row_per_movement_of_money_fees_apart(paid, tmp_path):
    assert write_statement(tmp_path / "s.csv") == 4
    assert (tmp_path / "s.csv").read_bytes().startswith(b"\xef\xbb\xbfDate,Transaction ID,")
    rows = read(tmp_path / "s.csv")
    assert rows[0] == list(st.format_named("marketplace-2025").headers)
    assert [(r[0], r[2], r[3], r[15], r[17]) for r in rows[1:]] == [
        ("2026-03-01", "Fixed Price", "Escrow funding: Sketches", "-300.00", "USD"),
        ("2026-03-01", "Service Fee", "Marketplace fee: Sketches", "-15.00", "USD"),
        ("2026-03-01", "Contract Initiation Fee", "Contract initiation fee: Sketches", "-0.99", "USD"),
        ("2026-03-05", "Fixed Price", "Payment released to the freelancer: Sketches", "-300.00", "USD"),
    ]
    assert rows[1][1] == str(REFERENCE_BASE + paid.id)
    assert rows[1][10] == "Ana Ruiz"


def test_the_2019_statement_writes_dates_and_amounts_as_that_export_did(paid, tmp_path):
    write_statement(tmp_path / "s.csv", "marketplace-2019")
    rows = read(tmp_path / "s.csv")
    assert rows[0] == list(st.format_named("marketplace-2019").headers)
    assert [(r[0], r[2], r[9]) for r in rows[1:]] == [
        ("Mar 1, 2026", "Fixed Price", "($300.00)"),
        ("Mar 1, 2026", "Service Fee", "($15.00)"),
        ("Mar 1, 2026", "Contract Initiation Fee", "($0.99)"),
        ("Mar 5, 2026", "Fixed Price", "($300.00)"),
    ]
    assert rows[-1][12] == "($615.99)"  # the running balance


def test_a_title_starting_with_a_formula_sign_is_written_as_text(book, freelancer, tmp_path):
    c = ops.create_contract("=SUM(A1)", freelancer, currency="USD", started_on=START, today=START)
    m = ops.add_milestone(c, "+Sketches", 30_000)
    ops.fund_milestone(m, on=START, today=START)
    write_statement(tmp_path / "s.csv")
    rows = read(tmp_path / "s.csv")
    assert all(not cell.startswith(("=", "+")) for r in rows[1:] for cell in r if not cell[:1].isdigit())
    assert rows[1][15] == "-300.00"  # figures as they are


def test_an_unknown_statement_format_is_not_written(book, tmp_path):
    with pytest.raises(ValueError):
        write_statement(tmp_path / "s.csv", "bank-2020")
    assert not (tmp_path / "s.csv").exists()
