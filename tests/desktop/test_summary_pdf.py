"""Contract summaries as PDF: what a reader of the file sees (read back with poppler's pdftotext).

A known contract is built through the operations; every figure of it must appear in the PDF, to the
cent, in its currency. Private notes appear only when asked for (R10's private feedback included);
the freelancer's feedback only once R10 reveals it. Long summaries break across pages with
"Page N of M" right on each page, and tables repeat their header row on the next page.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale

from desktop import summary_pdf
from desktop.summary_pdf import Pages, export_summaries, page_size_for, summary_blocks, write_pdf
from models import ops, queries, report
from models.entities import Contract, LedgerEntry
from tests.conftest import START

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
RATINGS = {"skills": 5, "quality": 4, "availability": 5, "schedule": 4, "communication": 5, "cooperation": 4}
THEIRS = {"skills": 4, "quality": 4, "availability": 4, "schedule": 4, "communication": 4, "cooperation": 5}


def pdf_text(path: Path, *pages: int) -> str:
    """The text of a PDF (or of some of its pages) as pdftotext reads it, spaces made plain."""
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed: .ci/run installs it"
    args = ["pdftotext", "-layout"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    out = subprocess.run([*args, str(path), "-"], check=True, capture_output=True, text=True).stdout
    return out.replace("\u00a0", " ")


def words(path: Path) -> str:
    """The text in drawing order with every run of spaces and line breaks as one space: a phrase
    wrapped inside a table cell reads as one."""
    raw = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(raw.replace("\u00a0", " ").split())


def page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture
def known(book, contract):
    """Logo redesign, USD, marketplace policy: two milestones paid, one ended with escrow left over,
    a partial refund, access given and revoked, feedback both ways, private notes."""
    ops.edit_contract(contract, budget=150_000, external_id="UP-4242", notes="Secret margin: 30% over the quote")
    sketches = ops.add_milestone(contract, "Sketches", 40_000, due_on=date(2026, 3, 20))
    final = ops.add_milestone(contract, "Final files", 60_000, due_on=date(2026, 4, 10))
    ops.fund_milestone(sketches, today=date(2026, 3, 2))
    ops.submit_work(sketches, today=date(2026, 3, 10))
    ops.release_payment(sketches, today=date(2026, 3, 12))
    ops.fund_milestone(final, today=date(2026, 3, 13))
    ops.release_payment(final, 45_000, memo="Most of the final files", today=date(2026, 4, 12))
    payment = LedgerEntry.get((LedgerEntry.kind == "release") & (LedgerEntry.amount == 45_000))
    ops.record_refund(payment, 2_550, memo="Unused stock photos", today=date(2026, 4, 20))
    ops.add_access(contract, "Figma team: editor", where="figma.com", given_on=date(2026, 3, 2), today=date(2026, 3, 2))
    ops.end_contract(
        contract,
        agreed=True,
        request_escrow_refund=True,
        reason="Work completed",
        note="Never hire for print work again",
        today=date(2026, 5, 1),
    )
    request = Contract.get_by_id(contract.id).escrow_refund_requests.get()
    ops.record_escrow_refund_reply(request, "approved", today=date(2026, 5, 3))
    grant = Contract.get_by_id(contract.id).access.get()
    ops.revoke_access(grant, today=date(2026, 5, 2))
    ops.record_freelancer_feedback(contract, THEIRS, comment="Clear brief, quick answers.", now=datetime(2026, 5, 3))
    ops.submit_feedback(
        contract,
        RATINGS,
        comment="Lovely logo, on time.",
        private_reason="Budget ran out",
        recommend=8,
        now=datetime(2026, 5, 4),
    )
    return Contract.get_by_id(contract.id)


def export(contract_id: int, path: Path, **kwargs) -> Path:
    summary = report.contract_summary(contract_id, now=NOW, include_private=kwargs.pop("include_private", False))
    assert write_pdf(path, [summary], book_name="test.book", generated_at=NOW, **kwargs)
    return path


def test_every_figure_of_a_known_contract_is_in_the_pdf_to_the_cent(qapp, known, tmp_path):
    text = pdf_text(export(known.id, tmp_path / "known.pdf"))
    b = queries.balances(known)
    assert (b.funded, b.released, b.escrow, b.escrow_refunded, b.refunded) == (100_000, 85_000, 0, 15_000, 2_550)
    # The money summary: budget, funded, released, escrow left, escrow refunded, refunds, fees, net cost.
    for label, figure in [
        ("Budget", "$1,500.00"),
        ("Funded", "$1,000.00"),
        ("Released", "$850.00"),
        ("Escrow left", "$0.00"),
        ("Escrow refunded", "$150.00"),
        ("Refunds", "$25.50"),
        ("Fees", "$50.99"),  # 5% of each deposit and the $0.99 initiation fee (R3)
        ("Net cost", "$875.49"),  # payments and fees, less the refund
    ]:
        assert re.search(rf"(^|\s){re.escape(label)} +{re.escape(figure)}(\s|$)", text, flags=re.MULTILINE), label
    assert (b.fees, b.net_cost) == (5_099, 87_549)
    # Every ledger entry's amount, and the escrow after it, in date order.
    for line in report.contract_summary(known.id, now=NOW).ledger:
        amount = f"${line.amount // 100:,}.{line.amount % 100:02d}"
        escrow = f"${line.escrow_after // 100:,}.{line.escrow_after % 100:02d}"
        row = next(r for r in text.splitlines() if f" {line.id} " in r and line.entry.split(" (")[0] in r)
        assert amount in row and row.rstrip().endswith(escrow), row
    # The header, the milestones, the escrow refund request, the closeout and the feedback.
    phrases = words(tmp_path / "known.pdf")
    for expected in [
        "Logo redesign",
        "UP-4242",
        "Ana Ruiz",
        "Northwind Studio",
        "ana@example.com",
        "USD",
        "Ended",
        "1 Mar 2026",
        "1 May 2026",
        "Sketches",
        "Final files",
        "$400.00",
        "$600.00",
        "Unused stock photos",
        "Most of the final files",
        "Figma team: editor",
        "2 May 2026",
        "Lovely logo, on time.",
        "4.50 of 5",  # the client's overall score, the mean of six (R10)
        "Clear brief, quick answers.",  # revealed: the client has submitted theirs (R10)
        "4.17 of 5",
        "Page 1 of",
        "test.book",
        "1 Sep 2026, 12:00 UTC",
    ]:
        assert expected in phrases, expected
    request = text[text.index("Escrow refund requests") : text.index("Closeout")]
    assert "$150.00" in request and "Approved" in request and "3 May 2026" in request


def test_private_notes_appear_only_when_asked_for(qapp, known, tmp_path):
    private = ["Secret margin", "Never hire for print work again", "Budget ran out", "Would recommend"]
    plain = pdf_text(export(known.id, tmp_path / "plain.pdf"))
    for secret in private:
        assert secret not in plain, secret
    assert "Private notes" not in plain
    with_notes = pdf_text(export(known.id, tmp_path / "private.pdf", include_private=True))
    for secret in private:
        assert secret in with_notes, secret


def test_the_freelancers_feedback_stays_out_until_r10_reveals_it(qapp, book, contract, tmp_path):
    ops.end_contract(contract, agreed=True, today=date(2026, 5, 1))
    ops.record_freelancer_feedback(contract, THEIRS, comment="Paid late twice.", now=datetime(2026, 5, 2))
    during = report.contract_summary(contract.id, now=datetime(2026, 5, 3))
    text = pdf_text(write_and_return(during, tmp_path / "during.pdf"))
    assert "Paid late twice." not in text
    assert "stays hidden until you submit yours" in text
    after_window = report.contract_summary(contract.id, now=datetime(2026, 5, 16, 0, 0, 1))
    assert "Paid late twice." in pdf_text(write_and_return(after_window, tmp_path / "after.pdf"))


def write_and_return(summary, path: Path) -> Path:
    write_pdf(path, [summary], book_name="test.book", generated_at=NOW)
    return path


@pytest.fixture
def long_contract(book, freelancer):
    """A contract whose summary runs over three pages: 17 milestones funded and paid."""
    contract = ops.create_contract("Website build", freelancer, currency="USD", started_on=START, today=START)
    for n in range(1, 18):
        m = ops.add_milestone(contract, f"Weekly batch {n}", 10_000 + n)
        day = START + timedelta(days=n)
        ops.fund_milestone(m, today=day)
        ops.release_payment(m, today=day)
    return contract


def test_a_three_page_summary_numbers_its_pages_and_repeats_table_headers(qapp, long_contract, tmp_path):
    path = export(long_contract.id, tmp_path / "long.pdf")
    pages = page_count(path)
    assert pages == 3
    for n in range(1, pages + 1):
        text = pdf_text(path, n)
        assert f"Page {n} of {pages}" in text
        assert sum(f"Page {k} of {pages}" in text for k in range(1, pages + 1)) == 1
    # The ledger runs from page 1 onto every later page, each of which starts with its header row again.
    assert "Ledger" in pdf_text(path, 1)
    for n in range(2, pages + 1):
        first_line = next(line for line in pdf_text(path, n).splitlines() if line.strip())
        assert first_line.split()[:3] == ["Date", "#", "Entry"] and first_line.rstrip().endswith("Escrow after")
    # Every ledger entry is a row on exactly one page: none lost or doubled at a page break.
    rows = [int(m.group(1)) for m in re.finditer(r"^\d{1,2} \w{3} \d{4} +(\d+) ", pdf_text(path), flags=re.MULTILINE)]
    assert sorted(rows) == sorted(e.id for e in long_contract.ledger)


def test_no_line_of_any_summary_is_cut_by_a_page_break(qapp, long_contract, known, tmp_path):
    from PySide6.QtGui import QPdfWriter

    pages = Pages(QPdfWriter(str(tmp_path / "unused.pdf")), "footer")
    for cid in (long_contract.id, known.id):
        for private in (False, True):
            d = pages.layout(summary_blocks(report.contract_summary(cid, now=NOW, include_private=private)))
            assert d.pages > 1 or (cid == known.id and not private)
            # Each line and each table row lies whole on one page, and each page's band, with the table header
            # it repeats, fits the page's body.
            for unit in d.units:
                assert sum(a - 0.01 <= unit.y and unit.y + unit.h <= b + 0.01 for (a, b), _ in d.bands) == 1
            for (a, b), header in d.bands:
                assert b - a + (header.h if header else 0) <= pages.body.height() + 0.01


def test_paper_is_a4_or_letter_by_locale(qapp):
    from PySide6.QtGui import QPageSize

    assert (
        page_size_for(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)).id()
        == QPageSize.PageSizeId.Letter
    )
    assert page_size_for(QLocale(QLocale.Language.German, QLocale.Country.Germany)).id() == QPageSize.PageSizeId.A4
    assert (
        page_size_for(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)).id() == QPageSize.PageSizeId.A4
    )


def test_fonts_are_embedded(qapp, contract, tmp_path):
    path = export(contract.id, tmp_path / "fonts.pdf")
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), fonts  # every font: emb yes


# ------------------------------------------------------------------ many summaries
def test_one_pdf_per_contract_into_a_folder(qapp, known, long_contract, tmp_path):
    out = tmp_path / "summaries"
    written = export_summaries([known.id, long_contract.id], out, book_name="test.book", now=NOW)
    assert [p.name for p in written] == [
        f"{known.id:05d} Logo redesign.pdf",
        f"{long_contract.id:05d} Website build.pdf",
    ]
    assert sorted(out.iterdir()) == sorted(written)
    assert pdf_text(written[0]).lstrip().startswith("Logo redesign")
    assert pdf_text(written[1]).lstrip().startswith("Website build")


def test_a_combined_pdf_has_a_contents_page_with_the_right_page_numbers(qapp, book, freelancer, tmp_path):
    ids = []
    for n in range(3):
        c = ops.create_contract(f"Contract number {n}", freelancer, started_on=START, today=START)
        for k in range(12 * n):  # 0, 12 and 24 milestones: summaries of different lengths
            m = ops.add_milestone(c, f"Step {k}", 5_000)
            ops.fund_milestone(m, today=START)
        ids.append(c.id)
    out = tmp_path / "all.pdf"
    assert export_summaries(ids, out, book_name="test.book", combined=True, now=NOW) == [out]
    contents = pdf_text(out, 1)
    assert "Contract summaries" in contents
    total = page_count(out)
    for n in range(3):
        line = next(row for row in contents.splitlines() if f"Contract number {n}" in row)
        start = int(line.split()[-1])
        assert pdf_text(out, start).lstrip().startswith(f"Contract number {n}")
        assert f"Page {start} of {total}" in pdf_text(out, start)


def test_a_cancelled_batch_leaves_only_whole_files(qapp, known, long_contract, tmp_path):
    out = tmp_path / "cancelled"
    checks = []

    def during_the_second_file() -> bool:
        if any(out.glob("*.pdf")):  # the first summary is done: cancel once the second has begun
            checks.append(1)
        return len(checks) >= 2

    ids = [known.id, long_contract.id]
    written = export_summaries(ids, out, book_name="test.book", now=NOW, cancelled=during_the_second_file)
    assert len(written) == 1
    assert sorted(out.iterdir()) == written  # no half-written file, no temporary file
    assert page_count(written[0]) >= 1

    combined = tmp_path / "combined.pdf"
    checks.clear()

    def after_a_page() -> bool:
        checks.append(1)
        return len(checks) > 3  # two summaries assembled, one page painted

    assert export_summaries(ids, combined, book_name="test.book", combined=True, now=NOW, cancelled=after_a_page) == []
    assert len(checks) == 4
    assert list(tmp_path.glob("*.pdf")) == [] and list(tmp_path.glob(".*")) == []


def test_a_failed_write_leaves_nothing_behind(qapp, known, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(summary_pdf.Pages, "paint", broken)
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(OSError, match="No space"):
        export(known.id, folder / "full.pdf")
    assert list(folder.iterdir()) == []


# ------------------------------------------------------------------ the command line
def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )


def test_export_pdf_command_writes_summaries_headless(book, known, long_contract, tmp_path):
    path = str(book.path)
    book.close()
    out = tmp_path / "out"
    done = run_cli("export-pdf", "--book", path, "--status", "ended", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Wrote 1 summary" in done.stdout
    (only,) = out.iterdir()
    assert "Logo redesign" in pdf_text(only) and "Secret margin" not in pdf_text(only)

    combined = tmp_path / "all.pdf"
    done = run_cli("export-pdf", "--book", path, "--all", "--out", str(combined), "--combined", "--include-private")
    assert done.returncode == 0, done.stderr
    text = pdf_text(combined)
    assert "Contract summaries" in text and "Secret margin" in text and f"of {page_count(combined)}" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--contract", "999"], "no contract #999: nothing was written"),
        (["--all", "--combined"], "ending in .pdf"),
        (["--all", "--out-is-pdf"], "add --combined"),
    ],
)
def test_export_pdf_command_refuses_clearly_and_writes_nothing(book, contract, tmp_path, args, message):
    path = str(book.path)
    book.close()
    out = tmp_path / ("x.pdf" if "--out-is-pdf" in args else "out")
    args = [a for a in args if a != "--out-is-pdf"]
    done = run_cli("export-pdf", "--book", path, *args, "--out", str(out))
    assert done.returncode == 1
    assert message in done.stderr
    assert not out.exists()


def test_right_to_left_names_are_written_as_typed(qapp, book, tmp_path):
    f = ops.create_freelancer("سارة المنصور", agency="שלום סטודיו")
    c = ops.create_contract("تصميم الشعار final files", f, started_on=START, today=START)
    # Shaped Arabic comes back as presentation forms: NFKC gives the letters typed.
    text = " ".join(unicodedata.normalize("NFKC", pdf_text(export(c.id, tmp_path / "rtl.pdf"))).split())
    for bidi in "\u202a\u202b\u202c\u202d\u202e\u200e\u200f":
        text = text.replace(bidi, "")
    assert "سارة المنصور" in text and "שלום סטודיו" in text and "تصميم الشعار" in text
    assert "final files" in text  # no "fi" ligature: the text reads back as written


def test_r6_r9_the_pdf_shows_a_support_refund_and_both_submission_dates(qapp, book, freelancer, tmp_path):
    start = date(2026, 12, 1)  # the marketplace's second policy version
    c = ops.create_contract("Landing page", freelancer, currency="USD", started_on=start, today=start)
    design = ops.add_milestone(c, "Design", 30_000)
    ops.fund_milestone(design, today=start)
    payment = ops.release_payment(design, today=start)
    ops.record_refund(payment, 5_000, today=date(2027, 5, 31), support_case="ABC-123")
    build = ops.add_milestone(c, "Build", 20_000)
    ops.fund_milestone(build, today=date(2027, 6, 1))
    ops.submit_work(build, today=date(2027, 6, 1))
    ops.request_changes(build, today=date(2027, 6, 5))
    ops.submit_work(build, today=date(2027, 6, 13))
    text = words(export(c.id, tmp_path / "v2.pdf"))
    assert "Refund received through the marketplace's support, case ABC-123" in text.replace("\u2068", "").replace(
        "\u2069", ""
    )
    assert "Submitted 1 Jun 2027, again 13 Jun 2027; released automatically on 27 Jun 2027" in text


def word_boxes(path: Path) -> list[tuple[int, float, float, str]]:
    """Each word pdftotext reads, with its page and its left and right edges (points)."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True).stdout
    boxes, page = [], 0
    for line in out.splitlines():
        if "<page " in line:
            page += 1
        elif m := re.search(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*)</word>', line):
            boxes.append((page, float(m.group(1)), float(m.group(2)), m.group(3)))
    return boxes


def test_long_texts_wrap_inside_the_page_and_a_memo_longer_than_a_page_is_read_once(qapp, book, tmp_path):
    """A 200-character title in Arabic and English, an Arabic name, the largest amounts a book takes, an address
    without a space and a memo of 20,000 characters: nothing runs past the margins, the amounts' columns grow to
    hold them, and each word of the memo (a row taller than a page, cut between its lines) is read exactly once."""
    f = ops.create_freelancer("سارة المنصور", agency="שלום סטודיו", email="x" * 150 + "@example.com")
    title = ("تصميم الشعار والهوية البصرية " + "and the brand book of the whole company " * 5)[:200]
    c = ops.create_contract(title, f, policy="direct", currency="USD", started_on=START, today=START)
    big = ops.add_milestone(c, "Everything at once", 999_999_999_999_99, due_on=START + timedelta(days=30))
    ops.fund_milestone(big, today=START)
    memo = " ".join(f"w{n:05d}" for n in range(1, 2858))  # 19,999 characters, each word once
    ops.release_payment(big, 500_000_000_000_00, memo=memo, today=START + timedelta(days=1))
    path = export(c.id, tmp_path / "long.pdf")

    width = 595.0  # A4, in points (the tests run in an English locale of A4: see en_us)
    boxes = word_boxes(path)
    right = max(x1 for _, _, x1, _ in boxes)
    assert right <= width - 16 / 25.4 * 72 + 0.5, right  # within the right margin (16 mm)
    text = " ".join(unicodedata.normalize("NFKC", w) for _, _, _, w in boxes)
    assert "$999,999,999,999.99" in text and "$500,000,000,000.00" in text and "$499,999,999,999.99" in text
    memo_words = [w for _, _, _, w in boxes if re.fullmatch(r"w\d{5}", w)]
    assert sorted(memo_words) == memo.split()  # none lost or doubled across the pages the row spans
    assert page_count(path) > 5
    # The ledger's header row is repeated on each page the memo runs onto.
    for n in range(3, page_count(path)):
        assert pdf_text(path, n).split()[:3] == ["Date", "#", "Entry"]
