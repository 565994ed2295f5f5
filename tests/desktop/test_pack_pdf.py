"""The year-end pack written (desktop/pack_pdf.py): its PDF holds every figure of every report and of every
freelancer's page, as the app formats money (read back with poppler's pdftotext); every page has "Page N of M";
the files appear all together or not at all: a failed or cancelled pack leaves nothing behind, no temporary,
and an earlier pack untouched."""

from __future__ import annotations

import errno
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop import pack_pdf
from desktop.pack_pdf import write_pack
from models.pack import PackCancelled, build_pack, file_names, write_csv_file
from tests.pack_book import FORMULA_TITLE, build

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def words(path: Path) -> str:
    """The PDF's text in drawing order, every run of spaces and line breaks as one space."""
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed: .ci/run installs it"
    raw = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(raw.replace("\u00a0", " ").split())


def pages_of(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture
def pack(book):
    build()
    return build_pack(2026)


def test_the_pdf_holds_every_figure_of_every_report_and_freelancer(qapp, pack, tmp_path):
    files = write_pack(pack, tmp_path / "pack", book_name="test.book", generated_at=NOW)
    pdf = files[0]
    assert pdf.name == "2026 year-end pack.pdf"
    text = words(pdf)
    tables = [*pack.tables, *(f.table for f in pack.freelancers)]
    checked = 0
    for t in tables:
        for row in t.rows:
            for i in t.numeric:
                for part in row[i].split("\n"):
                    if part:
                        assert f" {part} " in f" {text} ", (t.key, row, part)
                        checked += 1
    for t in pack.tables:
        assert t.title in text
    assert checked > 150
    # Figures the hand-built book is known to hold, as the app writes money.
    for figure in ("$600.00", "$40.99", "−€200.00", "¥4,000", "€92.00", "€1,650.00", "rate missing"):
        assert f" {figure} " in f" {text} ", figure
    assert "over budget" in text and "under budget" in text
    # The rates used, and the days without one, in words.
    assert "1 USD = 0.9 EUR" in text and "1 USD = 0.92 EUR" in text
    assert "No rate of JPY into EUR for 1 day (1 Apr 2026)" in text
    n = pages_of(pdf)
    assert n >= 10
    for page in range(1, n + 1):
        assert f"Page {page} of {n}" in text
    assert "Ben Okafor" in text and "Studio Nour" in text and FORMULA_TITLE in text


def test_the_contents_names_each_report_with_its_page(qapp, pack, tmp_path):
    pdf = write_pack(pack, tmp_path, book_name="test.book", generated_at=NOW)[0]
    first = subprocess.run(["pdftotext", "-layout", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    for n, t in enumerate(pack.tables, start=2):  # each report on pages of its own, after the contents
        line = next(line for line in first.splitlines() if line.strip().startswith(t.title))
        assert line.split()[-1] == str(n), line
    page_of_month = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True,
                                   text=True).stdout  # fmt: skip
    assert "Spend by month" in page_of_month


def test_each_contract_is_listed_once_and_the_contents_says_where(qapp, pack, tmp_path):
    """Spend by contract and budget against actual give their totals and point to the freelancers' pages, where
    each contract is, once; converted figures are columns beside the amounts, not rows of their own."""
    pdf = write_pack(pack, tmp_path, book_name="test.book", generated_at=NOW)[0]
    text = words(pdf)
    assert text.count(FORMULA_TITLE) == 1 and text.count(" Copy ") == 1
    raw = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = raw.split("\f")
    freelancers = next(n for n, page in enumerate(pages, start=1) if "Freelancers and their contracts" in page
                       and "Ben Okafor" in page and n > 1)  # fmt: skip
    contents = pages[0]
    for title in ("Spend by contract", "Budget against actual"):
        line = next(line for line in contents.splitlines() if line.strip().startswith(title))
        assert f"each contract on its freelancer's page, from page {freelancers})" in line, line
    assert f"Each contract: on its freelancer's page (Freelancers and their contracts, from page {freelancers})." in (
        text
    )
    # The budget's totals: how many contracts are over and under budget; converted, in words.
    assert "Total: 1 over budget" in text and "1 under budget" in text
    for t in pack.tables:
        if t.summary:
            assert " ".join(t.intro.split()) in text
    # A converted figure on the same line as its amounts: March's EUR row with March's figures in EUR.
    march = next(line for line in pages[1].splitlines() if line.strip().startswith("2026-03"))
    assert "€1,200.00" in march and "€1,650.00" in march, march
    assert not any(re.match(r"\s*in EUR\s+€", line) for page in pages for line in page.splitlines())


def test_the_contents_names_each_freelancer_with_the_page_of_their_contracts(qapp, pack, tmp_path):
    pdf = write_pack(pack, tmp_path, book_name="test.book", generated_at=NOW)[0]
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout.split("\f")
    # The contents' last entries, in the pack's order (A to Z); an Arabic name is read back in presentation forms.
    entries = [line for line in pages[0].splitlines() if re.search(r"\s\d+$", line) and " Page " not in line]
    assert "Ben Okafor" in entries[-2]
    for f, line in zip(pack.freelancers, entries[-len(pack.freelancers) :], strict=True):
        page = pages[int(line.split()[-1]) - 1]
        assert f"Freelancer #{f.freelancer_id}" in page
        # their contracts follow their name on that page
        first = next(r[0] for r in f.table.rows)
        assert first.split()[0] in page.split(f"Freelancer #{f.freelancer_id}", 1)[1]


def test_csv_files_are_written_beside_the_pdf(qapp, pack, tmp_path):
    files = write_pack(pack, tmp_path / "out", book_name="test.book", generated_at=NOW)
    assert sorted(p.name for p in files) == sorted(file_names(pack).values())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(file_names(pack).values())
    contract_csv = tmp_path / "out" / "2026 spend by contract.csv"
    assert f"'{FORMULA_TITLE}" in contract_csv.read_text(encoding="utf-8-sig")


def test_a_failed_write_leaves_no_pack_and_no_temporaries(qapp, pack, tmp_path, monkeypatch):
    folder = tmp_path / "new folder"
    calls = []

    def full(path, headers, rows):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return write_csv_file(path, headers, rows)

    monkeypatch.setattr(pack_pdf, "write_csv_file", full)
    with pytest.raises(OSError):
        write_pack(pack, folder, book_name="test.book", generated_at=NOW)
    assert not folder.exists()  # made for the pack, and removed with it
    # Into a folder holding an earlier pack: that one stays as it was, and nothing else is left.
    monkeypatch.undo()
    earlier = write_pack(pack, tmp_path / "there", book_name="test.book", generated_at=NOW)
    before = {p.name: p.read_bytes() for p in earlier}
    calls.clear()
    monkeypatch.setattr(pack_pdf, "write_csv_file", full)
    with pytest.raises(OSError):
        write_pack(pack, tmp_path / "there", book_name="later.book", generated_at=NOW)
    assert {p.name: p.read_bytes() for p in (tmp_path / "there").iterdir()} == before


def test_a_pdf_that_comes_out_incomplete_leaves_nothing(qapp, pack, tmp_path, monkeypatch):
    def broken(path):
        raise OSError(errno.EIO, "the PDF came out incomplete", str(path))

    monkeypatch.setattr(pack_pdf, "check_pdf", broken)
    (tmp_path / "out").mkdir()
    with pytest.raises(OSError):
        write_pack(pack, tmp_path / "out", book_name="test.book", generated_at=NOW)
    assert list((tmp_path / "out").iterdir()) == []


def test_a_cancelled_pack_leaves_nothing(qapp, pack, tmp_path):
    pages = []

    def cancelled() -> bool:
        return len(pages) >= 3

    with pytest.raises(PackCancelled):
        write_pack(pack, tmp_path / "out", book_name="test.book", generated_at=NOW,
                   progress=lambda done, total: pages.append(done), cancelled=cancelled)  # fmt: skip
    assert pages[:3] == [1, 2, 3]
    assert not (tmp_path / "out").exists()


def test_a_chart_is_painted_in_its_place_when_one_is_given(qapp, pack, tmp_path):
    """The place for a report's chart (desktop/widgets' chart painters): called with the report, above its table."""
    seen = []

    def chart(painter, rect, report, palette):
        seen.append((report.name, rect.height() > 0, palette))

    write_pack(pack, tmp_path, book_name="test.book", generated_at=NOW, charts={"spend-by-month": chart},
               palette="print")  # fmt: skip
    assert seen == [("spend by month", True, "print")]
