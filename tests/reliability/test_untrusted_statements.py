"""Issue 18, statements in: a statement (the marketplace's transaction history, CSV) is untrusted input.

Every statement Escrowbook cannot read is refused whole, each problem naming its spreadsheet row (the header
row's number plus the records after it, however many lines a quoted cell takes), and nothing is recorded: the
book is the same row for row. What spreadsheets and exports do to a CSV that is still readable (columns moved
or added, a byte order mark, ";" or tab separators with comma decimals, quoted line breaks, title lines above the
headers, UTF-16, the marketplace's ways of writing dates and amounts) is read, and read right.

Amounts are read as whole minor units (R1): a cent more than the currency has is refused, never rounded.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest

from models import reconcile as rc
from models import statements as st
from models.entities import Statement, StatementLine
from models.reconcile import import_statement

from ..conftest import snapshot

HEAD = list(st.format_named("marketplace-2025").headers)
HEAD_2019 = list(st.format_named("marketplace-2019").headers)


def cells(ref: str, *, day="2026-03-02", kind="Fixed Price", summary="Escrow funding: Sketches", amount="-300.00",
          currency="USD", freelancer="Ana Ruiz", head=HEAD, **named) -> list[str]:  # fmt: skip
    """One row of a 2025 statement (or of `head`), by header name; `named` sets any other column (spaces as _)."""
    values = {
        "Date": day, "Transaction ID": ref, "Transaction Type": kind, "Type": kind,
        "Transaction Summary": summary, "Description": summary, "Freelancer": freelancer, "Amount $": amount,
        "Amount": amount, "Currency": currency,
    }  # fmt: skip
    if head == HEAD_2019:
        values["Ref ID"] = ref  # (the 2025 export's "Ref ID" is the contract's)
    values.update({k.replace("_", " "): v for k, v in named.items()})
    return [values.get(h, "") for h in head]


def good(n: int, start: int = 1) -> list[list[str]]:
    """`n` readable rows, references 800000001…"""
    return [cells(str(800_000_000 + i), day=f"2026-03-{i % 27 + 1:02d}") for i in range(start, start + n)]


def text(rows: list[list[str]], *, head=HEAD, sep=",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows([head, *rows])
    return out.getvalue()


def encoded(rows: list[list[str]], **kw) -> bytes:
    return text(rows, **kw).encode("utf-8-sig")


def with_bad(before: int, bad: list[str], after: int = 2) -> bytes:
    """`before` good rows, the bad one (spreadsheet row before + 2), then `after` good ones."""
    return encoded([*good(before), bad, *good(after, start=before + 1)])


def _not_utf8_in_row_7() -> bytes:
    data = encoded(good(8))
    lines = data.split(b"\r\n")
    lines[6] = lines[6].replace(b"Ana Ruiz", b"Ana Ru\xedz")  # Latin-1, as a spreadsheet saved it
    return b"\r\n".join(lines)


def _nul_in_row(row: int) -> bytes:
    """A NUL byte past the first 64 KiB (the start of a file is looked at whole for binary data)."""
    lines = encoded(good(row + 3)).split(b"\r\n")
    lines[row - 1] = lines[row - 1].replace(b"Sketches", b"Sket\x00ches")
    data = b"\r\n".join(lines)
    assert data.index(b"\x00") > 64 * 1024
    return data


def _nul_near(row: int) -> bytes:
    """A NUL byte in the first 64 KiB (looked at whole before any row is read), in spreadsheet row `row`."""
    lines = encoded(good(row + 3)).split(b"\r\n")
    lines[row - 1] = lines[row - 1].replace(b"Sketches", b"Sket\x00ches")
    data = b"\r\n".join(lines)
    assert data.index(b"\x00") < 64 * 1024
    return data


def _not_utf8_far(row: int) -> bytes:
    """A byte that is not UTF-8 past the first 64 KiB (found while the rows are read), in row `row`."""
    lines = encoded(good(row + 3)).split(b"\r\n")
    lines[row - 1] = lines[row - 1].replace(b"Ana Ruiz", b"Ana Ru\xedz")
    data = b"\r\n".join(lines)
    assert data.index(b"\xed") > 64 * 1024
    return data


HEADER_ONLY = text([]).encode()  # (no byte order mark: title lines may come above it)

# (id, the file's bytes, the row named, words of its problem)
MALFORMED = [
    ("empty file", b"", 1, "the file is empty"),
    ("blank lines only", b"\r\n\r\n  \r\n", 1, "the file is empty"),
    ("a byte order mark only", "\ufeff".encode(), 1, "the file is empty"),
    ("only a header", encoded([]), 1, "a header row but no transactions"),
    ("a header and blank lines", HEADER_ONLY + b"\r\n\r\n  \r\n", 1, "a header row but no transactions"),
    ("a header and empty cells", HEADER_ONLY + b",,,\r\n" + b"," * 19 + b"\r\n", 1, "a header row but no transactions"),
    (
        "title lines, a header and empty cells",
        b"Transaction history\r\n\r\n" + HEADER_ONLY + b",,,\r\n\r\n,,,\r\n",
        3,
        "a header row but no transactions",
    ),
    ("binary garbage", bytes(range(256)) * 40, 1, "binary data"),
    ("a picture", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300), 3, "binary data"),
    ("UTF-16 without a byte order mark", text(good(3)).encode("utf-16-le"), 1, "binary data"),
    ("high bytes, not UTF-8", bytes(range(128, 256)) * 20, 1, "not UTF-8"),
    ("not UTF-8 in row 7", _not_utf8_in_row_7(), 7, "not UTF-8"),
    ("NUL bytes in a row far down", _nul_in_row(1000), 1000, "control characters"),
    ("a NUL byte in row 5", _nul_near(5), 5, "binary data"),
    ("not UTF-8 in row 1000", _not_utf8_far(1000), 1000, "not UTF-8"),
    ("an unknown date", with_bad(3, cells("900000001", day="someday")), 5, "is not a date"),
    ("a date in no layout", with_bad(2, cells("900000001", day="01.03.2026")), 4, "is not a date"),
    ("a two-digit year", with_bad(2, cells("900000001", day="03/01/26")), 4, "is not a date"),
    ("an empty date", with_bad(4, cells("900000001", day="")), 6, "the date is empty"),
    ("an impossible date", with_bad(1, cells("900000001", day="2026-02-30")), 3, "not a day of the calendar"),
    ("a thirteenth month", with_bad(1, cells("900000001", day="2026-13-01")), 3, "not a day of the calendar"),
    ("a 32nd of March", with_bad(1, cells("900000001", day="Mar 32, 2026")), 3, "not a day of the calendar"),
    ("an unknown month", with_bad(1, cells("900000001", day="Foo 1, 2026")), 3, "is not a date"),
    ("the year 0001", with_bad(2, cells("900000001", day="0001-03-01")), 4, "not a plausible year"),
    ("the year 9999", with_bad(5, cells("900000001", day="9999-03-01")), 7, "not a plausible year"),
    ("an amount with letters", with_bad(2, cells("900000001", amount="-12.0O")), 4, "is not an amount"),
    ("an amount in words", with_bad(2, cells("900000001", amount="twelve")), 4, "is not an amount"),
    ("an empty amount", with_bad(2, cells("900000001", amount="")), 4, "the amount is empty"),
    ("a symbol without digits", with_bad(2, cells("900000001", amount="$")), 4, "is not an amount"),
    ("two minus signs", with_bad(2, cells("900000001", amount="--12.00")), 4, "is not an amount"),
    ("an exponent", with_bad(2, cells("900000001", amount="1e5")), 4, "is not an amount"),
    ("not a number", with_bad(2, cells("900000001", amount="NaN")), 4, "is not an amount"),
    ("infinity", with_bad(2, cells("900000001", amount="-Infinity")), 4, "is not an amount"),
    ("decimals for JPY", with_bad(3, cells("900000001", amount="-500.50", currency="JPY")), 5, "more decimals"),
    ("a tenth of a cent", with_bad(3, cells("900000001", amount="-12.345")), 5, "more decimals than USD"),
    ("groups not in threes", with_bad(1, cells("900000001", amount="-1,23,456.00")), 3, "grouped in threes"),
    ("two decimal points", with_bad(1, cells("900000001", amount="-1.2.3")), 3, "grouped in threes"),
    ("a group of two", with_bad(1, cells("900000001", amount="-12,00.00")), 3, "grouped in threes"),
    ("too large an amount", with_bad(1, cells("900000001", amount="-99999999999999.00")), 3, "too large"),
    ("an unknown currency code", with_bad(2, cells("900000001", currency="XYZ")), 4, "not a currency"),
    ("a currency in words", with_bad(2, cells("900000001", currency="dollars")), 4, "not a currency"),
    ("an empty type", with_bad(3, cells("900000001", kind="")), 5, "the transaction type is empty"),
    ("a type of spaces", with_bad(3, cells("900000001", kind="   ")), 5, "the transaction type is empty"),
    ("a cell too long", with_bad(2, cells("900000001", summary="x" * 5000)), 4, "5,000 characters"),
    ("a reference too long", with_bad(2, cells("9" * 250)), 4, "the reference has 250 characters"),
    ("a bell character", with_bad(2, cells("900000001", summary="Sketches\x07")), 4, "control characters"),
    ("a terminal escape", with_bad(2, cells("900000001", freelancer="\x1b[31mAna")), 4, "control characters"),
    ("a backspace in the amount", with_bad(2, cells("900000001", amount="-1\x0800.00")), 4, "control characters"),
    ("fewer cells than needed", with_bad(3, cells("900000001")[:8]), 5, "8 cells"),
    ("one cell", with_bad(3, ["2026-03-02"]), 5, "1 cells"),
    (
        "an unterminated quote",
        encoded(good(3)) + b'2026-03-05,900000001,Fixed Price,"Escrow funding: never closed\r\n,,,\r\n',
        5,
        "could not be read",
    ),
    (
        "text after a closing quote",
        encoded(good(3)) + b'2026-03-05,900000001,Fixed Price,"Escrow" funding,' + b"," * 16 + b"\r\n",
        5,
        "could not be read",
    ),
    (
        "a date and an amount wrong in one row",
        with_bad(1, cells("900000001", day="someday", amount="lots")),
        3,
        "is not a date",
    ),
    (
        "the same reference with other figures twice in a file",
        encoded([*good(3), cells("800000002", day="2026-03-03", amount="-301.00")]),
        5,
        "the reference of row 3 with other figures",
    ),
    (
        "a bad row after a quoted cell across lines",
        encoded(
            [
                cells("800000001", summary="Escrow funding:\nSketches\nand more"),
                *good(2, start=2),
                cells("900000001", day="later"),
            ]
        ),
        5,
        "is not a date",
    ),
    (
        "a bad row under title lines",
        b"Transaction history\r\nAcme Ltd, 1 Jan 2026 - 31 Mar 2026\r\n\r\n" + with_bad(2, cells("9", amount="x")),
        7,
        "is not an amount",
    ),
]


@pytest.mark.parametrize(("data", "row", "words"), [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_r14_a_malformed_statement_is_refused_with_its_row_and_nothing_is_recorded(book, tmp_path, data, row, words):
    path = tmp_path / "statement.csv"
    path.write_bytes(data)
    refused(path, row, words)


def refused(path: Path, row: int, words: str, **kw) -> st.StatementRefused:
    """Importing `path` is refused, one problem naming spreadsheet row `row` and saying `words`; the book unchanged."""
    before = snapshot()
    with pytest.raises(st.StatementRefused) as raised:
        import_statement(path, **kw)
    assert snapshot() == before, "a refused statement changed the book"
    assert Statement.select().count() == 0 or kw.get("imported_before")
    message = str(raised.value)
    assert "Nothing was recorded" in message
    assert not re.search(r"\bR\d{1,2}\b", message), message  # no rule numbers in what the client reads
    problem = next((p for p in raised.value.problems if p.startswith(f"row {row}:")), None)
    assert problem is not None, f"no problem names row {row}: {raised.value.problems}"
    assert words in problem, problem
    return raised.value


def test_a_file_with_a_header_and_no_transactions_is_refused_naming_its_header_row(book, tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(b"Transaction history\r\n\r\n" + HEADER_ONLY + b",,,\r\n\r\n" + b"," * 19 + b"\r\n")
    with pytest.raises(st.StatementRefused) as raised:
        import_statement(path)
    assert raised.value.problems == ["row 3: the statement has a header row but no transactions."]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (_nul_near(5), "row 5: the file holds binary data, not CSV text."),
        (_not_utf8_far(1000), "row 1000: the file is not UTF-8 text there. Save it as “CSV UTF-8” and try again."),
    ],
    ids=["a NUL byte in row 5", "not UTF-8 in row 1000"],
)
def test_a_bad_byte_names_its_own_row_and_only_it(book, tmp_path, data, problem):
    path = tmp_path / "s.csv"
    path.write_bytes(data)
    with pytest.raises(st.StatementRefused) as raised:
        import_statement(path)
    assert raised.value.problems == [problem]
    assert StatementLine.select().count() == 0


def test_malformed_statements_are_forty_or_more():
    assert len(MALFORMED) >= 40


def test_every_problem_of_a_statement_is_named_with_its_row(book, tmp_path):
    rows = good(3)
    rows[1] = cells("800000002", day="someday")  # row 3
    rows.append(cells("900000001", amount="-1.999"))  # row 5
    rows.append(cells("900000002", currency="ABC"))  # row 6
    path = tmp_path / "s.csv"
    path.write_bytes(encoded(rows))
    with pytest.raises(st.StatementRefused) as raised:
        import_statement(path)
    assert [p.split(":")[0] for p in raised.value.problems] == ["row 3", "row 5", "row 6"]
    assert "3 problems found" in str(raised.value)


def test_a_statement_with_many_bad_rows_stops_at_fifty_problems_and_says_there_are_more(book, tmp_path):
    rows = [cells(str(900_000_000 + i), day="someday") for i in range(80)]
    path = tmp_path / "s.csv"
    path.write_bytes(encoded(rows))
    with pytest.raises(st.StatementRefused) as raised:
        import_statement(path)
    assert len(raised.value.problems) == st.MAX_PROBLEMS
    assert raised.value.problems[0].startswith("row 2:") and raised.value.problems[-1].startswith("row 51:")
    assert "…and 30 more." in str(raised.value)
    assert StatementLine.select().count() == 0


# A big statement (read in a second process, past READ_APART_FROM) is stored without its references' unique index,
# made after: a reference seen before is sorted out then, with the same words.
SIZES = pytest.mark.parametrize("read_apart_from", [rc.READ_APART_FROM, 0], ids=["small", "big"])


def imported_before(tmp_path: Path, n: int) -> dict:
    """A statement of `n` good rows imported; the book as it then is."""
    first = tmp_path / "march.csv"
    first.write_bytes(encoded(good(n)))
    import_statement(first)
    return snapshot()


@SIZES
def test_r12_a_reference_imported_before_with_other_figures_is_refused(book, tmp_path, monkeypatch, read_apart_from):
    monkeypatch.setattr(rc, "READ_APART_FROM", read_apart_from)
    before = imported_before(tmp_path, 3)
    second = tmp_path / "march-again.csv"
    second.write_bytes(encoded([*good(2, start=4), cells("800000002", day="2026-03-03", amount="-350.00")]))
    with pytest.raises(st.StatementRefused) as raised:
        import_statement(second)
    assert snapshot() == before
    assert raised.value.problems == [
        "row 4: the reference “800000002” was imported before with other figures ($300.00 on 3 Mar 2026)."
    ]


@SIZES
def test_r12_references_twice_are_named_in_the_order_of_the_file_and_nothing_is_recorded(
    book, tmp_path, monkeypatch, read_apart_from
):
    """Rows that repeat a row imported before or one earlier in the file, with other figures, each named with its
    row, in the order of the file; the same figures are left as they were."""
    monkeypatch.setattr(rc, "READ_APART_FROM", read_apart_from)
    before = imported_before(tmp_path, 3)
    second = tmp_path / "april.csv"
    rows = [
        cells("900000001", day="2026-04-01"),
        cells("800000003", day="2026-03-04", amount="-1.00"),  # imported before with other figures
        cells("900000001", day="2026-04-02"),  # row 2 of this file again, on another day
        cells("800000002", day="2026-03-03"),  # imported before: the same figures
        cells("900000001", day="2026-04-01"),  # row 2 again, the same figures
    ]
    second.write_bytes(encoded(rows))
    with pytest.raises(st.StatementRefused) as raised:
        import_statement(second)
    assert snapshot() == before
    assert [p.split(":")[0] for p in raised.value.problems] == ["row 3", "row 4"]
    assert raised.value.problems[1] == "row 4: it has the reference of row 2 with other figures."


def test_a_big_statement_stops_at_fifty_references_imported_before_with_other_figures(book, tmp_path, monkeypatch):
    """A big statement's references are looked at once all its rows are stored: the first fifty that were imported
    before with other figures are named, in the order of the file, and nothing read after them (a bad date)."""
    monkeypatch.setattr(rc, "READ_APART_FROM", 0)
    before = imported_before(tmp_path, 60)
    again = [cells(r[1], day=r[0], amount="-301.00") for r in good(60)] + [cells("900000001", day="2026-02-30")]
    second = tmp_path / "march-again.csv"
    second.write_bytes(encoded(again))
    with pytest.raises(st.StatementRefused) as raised:
        import_statement(second)
    assert snapshot() == before
    assert len(raised.value.problems) == st.MAX_PROBLEMS
    assert [int(p.split(":")[0][4:]) for p in raised.value.problems] == list(range(2, 52))
    assert all("was imported before with other figures ($300.00 on" in p for p in raised.value.problems)


def test_a_header_the_chosen_format_does_not_have_is_refused_naming_its_columns(book, tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(encoded(good(2)))
    old = st.format_named("marketplace-2019")
    with pytest.raises(st.StatementRefused) as raised:
        import_statement(path, old)
    assert raised.value.problems[0].startswith("row 1: the header row has no column “Type”, “Description”, “Amount”")
    assert StatementLine.select().count() == 0


def test_an_unknown_header_asks_for_its_columns_to_be_matched(book, tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(b"Posted;Txn;What;Value\r\n2026-03-02;1;Fixed Price;-300.00\r\n")
    with pytest.raises(st.UnknownFormat) as raised:
        import_statement(path)
    assert raised.value.headers == ["Posted", "Txn", "What", "Value"]
    assert raised.value.separator == ";" and raised.value.header_row == 1
    assert raised.value.problems[0].startswith("row 1: these headers are not a statement format")
    assert "matched once" in str(raised.value)


def test_a_bad_saved_format_is_skipped_and_its_statement_asked_to_be_matched_again(book, tmp_path):
    folder = tmp_path / "formats"
    headers = ["Posted", "Txn", "What", "Value"]
    st.save_format("My bank", headers, {"date": "Posted", "reference": "Txn", "type": "What", "amount": "Value"},
                   folder)  # fmt: skip
    saved = folder / "my-bank.toml"
    saved.write_text(saved.read_text(encoding="utf-8").replace("[columns]", "[columns", 1), encoding="utf-8")
    found, skipped = st.saved_formats(folder)
    assert found == [] and skipped[0].startswith("my-bank.toml was skipped: my-bank.toml:")
    path = tmp_path / "s.csv"
    path.write_bytes(b"Posted,Txn,What,Value\r\n2026-03-02,1,Fixed Price,-300.00\r\n")
    with pytest.raises(st.UnknownFormat):
        import_statement(path, folder=folder)
    assert StatementLine.select().count() == 0


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ("key = ", "Invalid value"),
        ('key = "x"\nname = "X"\nheaders = ["A"]\n', "a [columns] table is needed"),
        ('key = "x"\nname = "X"\nheaders = ["A"]\n[columns]\ndate = "A"\n', "[columns] must name amount, type"),
        ('key = "x"\nname = "X"\nheaders = ["A"]\n[columns]\nwhen = "A"\n', "“when” is not a field"),
        (
            'key = "x"\nname = "X"\nheaders = ["A","B","C"]\n[columns]\ndate = "A"\namount = "B"\ntype = "C"\n'
            '[read]\ndecimal_mark = "·"\n',
            "“decimal_mark” must be",
        ),
        (
            'key = "x"\nname = "X"\nheaders = ["A","B","C"]\n[columns]\ndate = "A"\namount = "B"\ntype = "C"\n'
            '[read]\ncurrency = "XYZ"\n',
            "“XYZ” is not a currency",
        ),
        (
            'key = "x"\nname = "X"\nheaders = ["A","B","C"]\n[columns]\ndate = "A"\namount = "B"\ntype = "C"\n'
            '[read]\ndates = ["%H:%M"]\n',
            "only %Y %m %d %b %B are read",
        ),
        (
            'key = "x"\nname = "X"\nheaders = ["A","B","C"]\n[columns]\ndate = "A"\namount = "B"\ntype = "C"\n'
            '[[kinds]]\ntypes = ["T"]\nkind = "lottery"\n',
            "kinds rule 1 must have a “kind”",
        ),
        ('key = "x"\nname = "X"\nheaders = []\n', "“headers” must be a header name or a list of them"),
    ],
    ids=[
        "not TOML",
        "no columns",
        "a required column missing",
        "an unknown field",
        "a bad decimal mark",
        "an unknown currency",
        "a time layout",
        "an unknown kind",
        "no headers",
    ],
)
def test_a_bad_format_file_is_refused_naming_the_file(toml, words):
    with pytest.raises(st.StatementRefused) as raised:
        st.read_format(toml, "/somewhere/mine.toml", saved=True)
    assert raised.value.problems[0].startswith("mine.toml: ")
    assert words in raised.value.problems[0]
    assert str(raised.value).startswith("The statement format was not read")


def test_a_statement_that_is_not_a_file_is_refused_in_words(book, tmp_path):
    with pytest.raises(st.StatementRefused) as raised:
        import_statement(tmp_path)
    assert "is not a file that can be read" in raised.value.problems[0]


# ------------------------------------------------------------------ read, and read right
def imported(book, path: Path, **kw) -> list[StatementLine]:
    got = import_statement(path, **kw)
    assert got.new_lines == got.rows
    return list(StatementLine.select().order_by(StatementLine.row))


def figures(lines: list[StatementLine]) -> list[tuple]:
    return [(ln.row, ln.reference, ln.day, ln.kind, ln.sign * ln.amount, ln.currency) for ln in lines]


EXPECTED = [
    (2, "800000001", date(2026, 3, 2), "fund", -30000, "USD"),
    (3, "800000002", date(2026, 3, 3), "fund", -30000, "USD"),
]


def test_columns_in_another_order_are_read(book, tmp_path):
    order = [14, 0, 17, 15, 10, 2, 1, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 16, 18, 19]
    head = [HEAD[i] for i in order]
    rows = [[r[i] for i in order] for r in good(2)]
    path = tmp_path / "s.csv"
    path.write_bytes(encoded(rows, head=head))
    assert figures(imported(book, path)) == EXPECTED


def test_extra_columns_are_read_past(book, tmp_path):
    head = ["Notes", *HEAD, "Exported by"]
    rows = [["mine, with a comma", *r, "Acme"] for r in good(2)]
    path = tmp_path / "s.csv"
    path.write_bytes(encoded(rows, head=head))
    assert figures(imported(book, path)) == EXPECTED


def test_with_or_without_a_byte_order_mark(book, tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(text(good(2)).encode("utf-8"))
    assert figures(imported(book, path)) == EXPECTED


def test_semicolons_with_comma_decimals_are_read(book, tmp_path):
    rows = [cells("800000001", day="2026-03-02", amount="-1.234,50"), cells("800000002", day="2026-03-03",
            amount="-12,05")]  # fmt: skip
    path = tmp_path / "s.csv"
    path.write_bytes(encoded(rows, sep=";"))
    assert [ln.amount for ln in imported(book, path)] == [123450, 1205]


def test_tab_separated_is_read(book, tmp_path):
    path = tmp_path / "s.tsv"
    path.write_bytes(encoded(good(2), sep="\t"))
    assert figures(imported(book, path)) == EXPECTED


def test_a_quoted_cell_across_lines_is_one_cell_and_rows_count_records(book, tmp_path):
    rows = [cells("800000001", day="2026-03-02", summary="Escrow funding:\nSketches\nround two"), *good(1, start=2)]
    path = tmp_path / "s.csv"
    path.write_bytes(encoded(rows))
    lines = imported(book, path)
    assert figures(lines) == EXPECTED
    assert lines[0].description == "Escrow funding: Sketches round two"


@pytest.mark.parametrize("head", ["2025", "2019", "one description column"])
def test_a_quoted_cell_with_a_windows_line_break_is_one_cell_its_lines_joined_by_a_space(book, tmp_path, head):
    """A description typed across two lines in a spreadsheet on Windows: CR LF inside the quotes."""
    kw = {}
    columns = {
        "2025": HEAD,
        "2019": HEAD_2019,
        "one description column": ["Date", "Ref", "Type", "Description", "Amount"],
    }
    header = columns[head]
    if head == "one description column":
        folder = tmp_path / "formats"
        mapping = {"date": "Date", "reference": "Ref", "type": "Type", "description": "Description", "amount": "Amount"}
        kw["fmt"] = st.save_format("Mine", header, mapping, folder)
    days = ("Mar 2, 2026", "Mar 3, 2026") if head == "2019" else ("2026-03-02", "2026-03-03")
    rows = [
        cells("800000001", day=days[0], summary="Escrow funding:\r\nSketches", head=header, Ref="800000001"),
        cells("800000002", day=days[1], head=header, Ref="800000002"),
    ]
    path = tmp_path / "s.csv"
    path.write_bytes(encoded(rows, head=header))
    assert b'"Escrow funding:\r\nSketches"' in path.read_bytes()
    lines = imported(book, path, **kw)
    assert [(ln.row, ln.reference, ln.day) for ln in lines] == [
        (2, "800000001", date(2026, 3, 2)),
        (3, "800000002", date(2026, 3, 3)),
    ]
    assert lines[0].description == "Escrow funding: Sketches"


def test_title_lines_above_the_header_are_passed_over(book, tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(b"Transaction history\r\nAcme Ltd\r\n" + encoded(good(2)))
    assert [(ln.row, ln.reference) for ln in imported(book, path)] == [(4, "800000001"), (5, "800000002")]


def test_the_2019_export_with_its_dates_and_amounts_is_read(book, tmp_path):
    rows = [
        cells("1", day="Mar 1, 2026", amount="($1,234.50)", head=HEAD_2019),
        cells("2", day="March 2, 2026", amount="(12.00)", head=HEAD_2019),
        cells(
            "3", day="03/03/2026", amount="12.00-", kind="Refund", summary="Refund from the freelancer", head=HEAD_2019
        ),
        cells(
            "4",
            day="4 Mar 2026",
            amount="$1,234.50",
            kind="Fixed-price",
            summary="Escrow refund: Sketches",
            head=HEAD_2019,
        ),
    ]
    path = tmp_path / "s.csv"
    path.write_bytes(encoded(rows, head=HEAD_2019))
    assert [(ln.day, ln.kind, ln.sign * ln.amount) for ln in imported(book, path)] == [
        (date(2026, 3, 1), "fund", -123450),
        (date(2026, 3, 2), "fund", -1200),
        (date(2026, 3, 3), "refund", -1200),
        (date(2026, 3, 4), "escrow_refund", 123450),
    ]


def test_utf16_with_a_byte_order_mark_is_read(book, tmp_path):
    rows = [cells("800000001", day="2026-03-02", freelancer="Zoë Ñúñez"), *good(1, start=2)]
    path = tmp_path / "s.csv"
    path.write_bytes(text(rows, sep="\t").encode("utf-16"))
    lines = imported(book, path)
    assert figures(lines) == EXPECTED
    assert lines[0].freelancer == "Zoë Ñúñez"


def test_a_formula_in_a_cell_is_kept_as_text_never_run(book, tmp_path):
    rows = [cells("800000001", day="2026-03-02", summary='=HYPERLINK("http://evil","x")'), *good(1, start=2)]
    path = tmp_path / "s.csv"
    path.write_bytes(encoded(rows))
    assert imported(book, path)[0].description == '=HYPERLINK("http://evil","x")'


@SIZES
def test_a_row_listed_twice_with_the_same_figures_is_kept_once(book, tmp_path, monkeypatch, read_apart_from):
    monkeypatch.setattr(rc, "READ_APART_FROM", read_apart_from)
    rows = good(3)
    path = tmp_path / "s.csv"
    path.write_bytes(encoded([*rows, rows[1]]))
    got = import_statement(path)
    assert (got.rows, got.new_lines, got.already) == (4, 3, 0)
    assert got.repeated == ["row 5 repeats row 3 (the same reference): it was kept once."]
