"""`escrowbook report`: the year-end pack from the command line; bad arguments refused in words (exit 1, no
traceback), nothing written then."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

from desktop.cli import main
from models.book import open_book
from tests.pack_book import build


@pytest.fixture(autouse=True)
def _one_application(qapp):
    """`report` run in this process finds the tests' QApplication."""


@pytest.fixture
def known(tmp_path) -> Path:
    path = tmp_path / "known.book"
    book = open_book(path)
    try:
        build()
    finally:
        book.close()
    return path


def refused(capsys, *args: str) -> str:
    assert main(list(args)) == 1
    err = capsys.readouterr().err
    assert err.startswith("escrowbook report: ") and "Traceback" not in err and "Error" not in err
    return err


def test_report_writes_the_pack_into_a_folder(known, tmp_path, capsys):
    out = tmp_path / "pack"
    assert main(["report", "--book", str(known), "--year", "2026", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert said.startswith("Wrote the 2026 year-end pack, converted into EUR, to ")
    names = sorted(p.name for p in out.iterdir())
    assert "2026 year-end pack.pdf" in names and "2026 spend by month.csv" in names
    assert "2026 exchange rates used.csv" in names and len(names) == 10


def test_report_with_another_home_currency_or_none(known, tmp_path, capsys):
    out = tmp_path / "usd"
    assert main(["report", "--book", str(known), "--year", "2026", "--out", str(out), "--home", "usd"]) == 0
    assert "converted into USD" in capsys.readouterr().out
    month = (out / "2026 spend by month.csv").read_text(encoding="utf-8-sig")
    assert "into USD" in month
    plain = tmp_path / "plain"
    assert main(["report", "--book", str(known), "--year", "2026", "--out", str(plain), "--home", "none"]) == 0
    assert "converted" not in capsys.readouterr().out
    assert not (plain / "2026 exchange rates used.csv").exists()


@pytest.mark.parametrize(
    "year, words",
    [
        ("20x6", "a year of four digits"),
        ("26", "a year of four digits"),
        ("٢٠٢٦", "a year of four digits"),
        (str(date.today().year + 1), "is not a year the books can hold"),
        ("1066", "is not a year the books can hold"),
    ],
)
def test_a_bad_year_is_refused_in_words(known, tmp_path, capsys, year, words):
    err = refused(capsys, "report", "--book", str(known), "--year", year, "--out", str(tmp_path / "out"))
    assert words in err and "Nothing was written" in err
    assert not (tmp_path / "out").exists()


def test_an_unknown_home_currency_is_refused_in_words(known, tmp_path, capsys):
    err = refused(capsys, "report", "--book", str(known), "--year", "2026", "--out", str(tmp_path / "o"),
                  "--home", "XYZ")  # fmt: skip
    assert "“XYZ” is not a currency Escrowbook knows" in err
    assert not (tmp_path / "o").exists()


def test_out_naming_a_file_is_refused(known, tmp_path, capsys):
    target = tmp_path / "a file.pdf"
    target.write_text("mine")
    err = refused(capsys, "report", "--book", str(known), "--year", "2026", "--out", str(target))
    assert "is a file" in err and target.read_text() == "mine"


def test_a_missing_book_is_refused_in_words(tmp_path, capsys):
    err = refused(capsys, "report", "--book", str(tmp_path / "nope.book"), "--year", "2026", "--out",
                  str(tmp_path / "o"))  # fmt: skip
    assert "nope.book" in err
    assert not (tmp_path / "o").exists()


def test_a_folder_that_cannot_be_made_is_refused_in_words(known, tmp_path, capsys):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    err = refused(capsys, "report", "--book", str(known), "--year", "2026", "--out", str(blocker / "sub"))
    assert "could not be written" in err and "not a folder" in err.lower()
    assert blocker.read_text() == "not a folder"


def test_the_packs_pdf_holds_its_charts(known, tmp_path, capsys):
    """Above its report's table, the pack draws the chart of spend per month by kind, of the escrow held at each
    month end and of budget against actual, in the home currency (their titles and legends are the PDF's text)."""
    out = tmp_path / "pack"
    assert main(["report", "--book", str(known), "--year", "2026", "--out", str(out)]) == 0
    capsys.readouterr()
    pdf = out / "2026 year-end pack.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for title in ("Spend by month, by kind (EUR)", "Escrow held at each month end (EUR)", "Budget against actual"):
        assert title in text
    assert "Paid to freelancers" in text and "Held in escrow" in text  # the legends
