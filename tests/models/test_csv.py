"""CSV export and import (models/csv_io.py): a round trip gives identical files, cells are safe from
formula injection, and every malformed file is refused with its file and row, importing nothing."""

from __future__ import annotations

import codecs
import csv
import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from models import ops
from models.book import open_book
from models.check import check_book
from models.csv_io import FILES, HEADERS, ImportRefused, export_csv, import_folder, read_folder, safe_cell
from models.entities import Contract, LedgerEntry, Milestone, SupportCase
from tests.conftest import START, snapshot

TRICKY = ["=SUM(A1:A9)", "+31 6 1234", "-minus", "@handle", "'quoted", "=1+1", 'Comma, "quote"\nand newline']


@pytest.fixture
def rich(book, freelancer):
    """Contracts in USD, JPY and KWD: deposits, fees, payments, a refund, a reversal, an escrow refund,
    a dispute split, and titles and memos that look like formulas or hold commas, quotes and new lines."""
    usd = ops.create_contract("=HYPERLINK(\"http://x\")", freelancer, budget=500_000, external_id="UP-1",
                              started_on=START, today=START)  # fmt: skip
    a = ops.add_milestone(usd, TRICKY[0], 100_000, due_on=date(2026, 4, 1), description=TRICKY[6])
    b = ops.add_milestone(usd, TRICKY[1], 50_000)
    ops.fund_milestone(a, today=date(2026, 3, 2))
    ops.submit_work(a, today=date(2026, 3, 5))
    payment = ops.release_payment(a, memo=TRICKY[2], today=date(2026, 3, 6))
    ops.record_refund(payment, 12_345, memo=TRICKY[3], today=date(2026, 3, 9))
    ops.fund_milestone(b, today=date(2026, 3, 10))
    wrong = ops.release_payment(b, 1_000, memo=TRICKY[4], today=date(2026, 3, 11))
    ops.reverse_entry(wrong, memo=TRICKY[5], today=date(2026, 3, 12))
    ops.end_contract(usd, agreed=True, request_escrow_refund=True, reason="Scope cut", today=date(2026, 3, 20))
    request = Contract.get_by_id(usd.id).escrow_refund_requests.get()
    dispute = ops.record_escrow_refund_reply(request, "disputed", today=date(2026, 3, 21))
    ops.resolve_dispute(dispute, to_freelancer=20_000, to_client=30_000, today=date(2026, 4, 2))

    ana = ops.create_freelancer("سارة المنصور 🎨", agency="שלום, Ltd.", email="sara@example.com")
    jpy = ops.create_contract("ロゴ", ana, currency="JPY", started_on=START, today=START)
    m = ops.add_milestone(jpy, "Draft", 50_000)
    ops.fund_milestone(m, today=date(2026, 3, 3))
    ops.release_payment(m, 20_000, today=date(2026, 3, 4))
    ops.end_contract(jpy, agreed=True, request_escrow_refund=True, today=date(2026, 3, 5))
    ops.record_escrow_refund_reply(Contract.get_by_id(jpy.id).escrow_refund_requests.get(), "approved",
                                   today=date(2026, 3, 6))  # fmt: skip
    kwd = ops.create_contract("Audit", freelancer, policy="direct", currency="KWD", started_on=START, today=START)
    k = ops.add_milestone(kwd, "Report", 1_234_567)
    ops.fund_milestone(k, today=date(2026, 3, 3))
    ops.submit_work(k, today=date(2026, 3, 4))
    ops.add_milestone(kwd, "Unfunded follow-up", 5)
    return {"usd": usd, "jpy": jpy, "kwd": kwd}


def read_rows(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_a_round_trip_through_an_empty_book_gives_identical_files(rich, book, tmp_path):
    first = tmp_path / "first"
    counts = export_csv(first)
    assert counts == {"contracts.csv": 3, "milestones.csv": 5, "ledger.csv": LedgerEntry.select().count()}
    book.close()
    with open_book(tmp_path / "empty.book") as other:
        imported = import_folder(first)
        assert imported.counts == {"contracts": 3, "milestones": 5, "entries": counts["ledger.csv"]}
        second = tmp_path / "second"
        export_csv(second)
        assert check_book(str(other.path)) == []
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_files_are_utf8_with_bom_crlf_and_the_documented_headers(rich, tmp_path):
    export_csv(tmp_path)
    for name in FILES:
        data = (tmp_path / name).read_bytes()
        assert data.startswith(codecs.BOM_UTF8)
        assert data.count(b"\r\n") >= 2 and b"\n" not in data.replace(b"\r\n", b"").split(b'"')[0]
        assert tuple(read_rows(tmp_path / name)[0]) == HEADERS[name]
    contracts = read_rows(tmp_path / "contracts.csv")
    jpy = next(r for r in contracts if r[8] == "JPY")
    assert jpy[11] == "2026-03-01" and jpy[12] == "2026-03-05"  # ISO dates
    assert jpy[14] == "2026-03-19T23:59:59Z"  # R10's instant, in UTC
    ledger = read_rows(tmp_path / "ledger.csv")
    amounts = {(r[5], r[4]) for r in ledger[1:]}
    assert ("USD", "1000.00") in amounts and ("USD", "123.45") in amounts  # plain decimals, no grouping
    assert ("JPY", "50000") in amounts  # no decimals in yen
    assert ("KWD", "1234.567") in amounts  # three in dinars


def test_every_cell_that_could_run_as_a_formula_is_neutralised(rich, tmp_path):
    export_csv(tmp_path)
    cells = [cell for name in FILES for row in read_rows(tmp_path / name)[1:] for cell in row]
    for cell in cells:
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            pytest.fail(f"a cell starts with {cell[:1]!r}: {cell!r}")
    for value in TRICKY[:6]:
        assert "'" + value in cells, value
    assert safe_cell("plain") == "plain" and safe_cell("-5") == "'-5" and safe_cell(None) == ""
    assert safe_cell("\tcmd") == "'\tcmd" and safe_cell("\rcmd") == "'\rcmd"


def test_a_dry_run_checks_everything_and_writes_nothing(rich, book, tmp_path):
    export_csv(tmp_path / "out")
    book.close()
    with open_book(tmp_path / "empty.book"):
        before = snapshot()
        plan = import_folder(tmp_path / "out", dry_run=True)
        assert plan.counts["contracts"] == 3
        assert snapshot() == before


# ------------------------------------------------------------------ malformed files
def write(folder: Path, name: str, rows: list[list[str]], *, encoding: str = "utf-8-sig") -> None:
    folder.mkdir(exist_ok=True)
    with open(folder / name, "w", encoding=encoding, newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)


C_HEAD, M_HEAD, L_HEAD = (list(HEADERS[n]) for n in FILES)
C1 = ["1", "", "Logo", "Ana Ruiz", "", "", "upwork", "2026-01-01", "USD", "", "active", "2026-03-01", "", "", ""]
M1 = ["1", "1", "Sketches", "", "300.00", "USD", "", "active", "", ""]
L1 = ["1", "1", "2026-03-02", "fund", "300.00", "USD", "1", "", "", "", ""]


def folder_with(tmp_path, contracts=None, milestones=None, ledger=None) -> Path:
    folder = tmp_path / "in"
    write(folder, "contracts.csv", [C_HEAD, *(contracts if contracts is not None else [C1])])
    write(folder, "milestones.csv", [M_HEAD, *(milestones if milestones is not None else [M1])])
    write(folder, "ledger.csv", [L_HEAD, *(ledger if ledger is not None else [L1])])
    return folder


def changed(row: list[str], head: list[str], **cells) -> list[str]:
    out = list(row)
    for k, v in cells.items():
        out[head.index(k)] = v
    return out


def test_the_well_formed_sample_imports(book, tmp_path):
    plan = import_folder(folder_with(tmp_path))
    assert plan.counts == {"contracts": 1, "milestones": 1, "entries": 1}
    c = Contract.get(Contract.title == "Logo")
    assert [e.amount for e in c.ledger] == [30_000]


BAD = {
    "wrong headers": (dict(contracts=None), "contracts.csv row 1: the headers must be exactly"),
    "amount with a comma": (dict(ledger=[changed(L1, L_HEAD, amount="300,00")]), "ledger.csv row 2, amount"),
    "amount in exponent notation": (dict(ledger=[changed(L1, L_HEAD, amount="3e2")]), "not a plain amount"),
    "negative amount": (dict(ledger=[changed(L1, L_HEAD, amount="-300.00")]), "not a plain amount"),
    "zero amount": (dict(milestones=[changed(M1, M_HEAD, amount="0.00")]), "more than zero"),
    "too many decimals": (dict(ledger=[changed(L1, L_HEAD, amount="300.001")]), "take at most 2 decimals"),
    "letters for an amount": (dict(contracts=[changed(C1, C_HEAD, budget="lots")]), "contracts.csv row 2, budget"),
    "unknown contract in the ledger": (dict(ledger=[changed(L1, L_HEAD, contract="7")]), "contract 7 is not in"),
    "unknown contract for a milestone": (dict(milestones=[changed(M1, M_HEAD, contract="9")]), "contract 9 is not"),
    "currency not the contract's": (dict(ledger=[changed(L1, L_HEAD, currency="EUR")]), "not the currency of"),
    "unknown currency": (dict(contracts=[changed(C1, C_HEAD, currency="XYZ")]), "not a currency Escrowbook knows"),
    "date not ISO": (dict(ledger=[changed(L1, L_HEAD, date="02/03/2026")]), "not a date written as YYYY-MM-DD"),
    "entry before the contract": (dict(ledger=[changed(L1, L_HEAD, date="2026-02-01")]), "before contract 1 started"),
    "ended before started": (
        dict(contracts=[changed(C1, C_HEAD, status="ended", ended_on="2026-02-01")]),
        "ended (2026-02-01) before it started",
    ),
    "unknown kind": (dict(ledger=[changed(L1, L_HEAD, kind="gift")]), "“gift” is not one of"),
    "link to no entry": (dict(ledger=[changed(L1, L_HEAD, kind="fee", funding="5")]), "entry 5 is not an earlier"),
    "no such milestone": (dict(ledger=[changed(L1, L_HEAD, milestone="3")]), "no milestone at position 3"),
    "contract listed twice": (dict(contracts=[C1, C1]), "contract 1 is listed twice (first on row 2)"),
    "empty title": (dict(contracts=[changed(C1, C_HEAD, title=" ")]), "contracts.csv row 2, title: Enter a title"),
    "title too long": (dict(contracts=[changed(C1, C_HEAD, title="x" * 10_000)]), "too long (10,000 characters"),
    "a row with a cell missing": (dict(ledger=[L1[:-1]]), "ledger.csv row 2: 10 cells; every row has 11"),
    "unknown policy": (dict(contracts=[changed(C1, C_HEAD, policy="fiverr")]), "no policy “fiverr”"),
    "payment beyond the escrow (R12)": (
        dict(ledger=[L1, ["2", "1", "2026-03-03", "release", "400.00", "USD", "1", "", "", "", ""]]),
        "contracts.csv row 2: contract 1 would not add up",
    ),
}


@pytest.mark.parametrize("files, message", list(BAD.values()), ids=list(BAD))
def test_a_malformed_file_is_refused_by_row_and_imports_nothing(book, contract, tmp_path, files, message):
    folder = folder_with(tmp_path, **{k: v for k, v in files.items() if v is not None})
    if files.get("contracts", ...) is None:  # the headers themselves are wrong
        write(folder, "contracts.csv", [["id", *C_HEAD[1:]], C1])
    before = snapshot()
    with pytest.raises(ImportRefused) as refused:
        import_folder(folder)
    assert any(message in p for p in refused.value.problems), refused.value.problems
    assert "Nothing was imported" in str(refused.value)
    assert snapshot() == before


def test_a_file_in_another_encoding_is_refused_with_its_row(book, tmp_path):
    folder = folder_with(tmp_path)
    write(
        folder, "contracts.csv", [C_HEAD, C1, changed(C1, C_HEAD, contract="2", title="Café crème")], encoding="latin-1"
    )
    before = snapshot()
    with pytest.raises(ImportRefused) as refused:
        import_folder(folder)
    assert refused.value.problems[0].startswith("contracts.csv row 3: the file is not UTF-8 text")
    assert snapshot() == before


def test_a_missing_file_is_named(book, tmp_path):
    folder = folder_with(tmp_path)
    (folder / "ledger.csv").unlink()
    assert "ledger.csv: the file is missing" in read_folder(folder).problems[0]


def test_importing_the_same_files_twice_is_refused(book, tmp_path):
    folder = folder_with(tmp_path, contracts=[changed(C1, C_HEAD, external_id="UP-9")])
    import_folder(folder)
    before = snapshot()
    with pytest.raises(ImportRefused, match="“UP-9” is already in this book"):
        import_folder(folder)
    assert snapshot() == before


# ------------------------------------------------------------------ the command line
def run_cli(*args: str) -> subprocess.CompletedProcess:
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True, cwd=root)


def test_export_and_import_commands(rich, book, tmp_path):
    path = book.address
    book.close()
    out = tmp_path / "csv"
    done = run_cli("export-csv", "--book", path, "--out", str(out))
    assert done.returncode == 0 and "3 rows in contracts.csv" in done.stdout, done.stderr
    open_book(tmp_path / "new.book").close()
    dry = run_cli("import-csv", "--book", str(tmp_path / "new.book"), "--from", str(out), "--dry-run")
    assert dry.returncode == 0 and "Dry run: 3 contracts" in dry.stdout and "nothing was written" in dry.stdout
    done = run_cli("import-csv", "--book", str(tmp_path / "new.book"), "--from", str(out))
    assert done.returncode == 0 and "Imported 3 contracts" in done.stdout
    again = run_cli("import-csv", "--book", str(tmp_path / "new.book"), "--from", str(out))
    assert again.returncode == 1
    assert "Nothing was imported" in again.stderr and "contracts.csv row 2, external_id" in again.stderr


def test_r6_r9_a_round_trip_keeps_first_submissions_and_support_cases(book, freelancer, tmp_path):
    """A book with the second marketplace version's records: a refund made through the marketplace's support
    (its case in ledger.csv's extra column) and work submitted again (its first day in milestones.csv's)."""
    today = date(2027, 6, 15)
    c = ops.create_contract("Brand book", freelancer, started_on=date(2026, 12, 1), today=today, initiation_fee=499)
    m = ops.add_milestone(c, "Guidelines", 50_000)
    ops.fund_milestone(m, on=date(2026, 12, 1), today=today)
    ops.submit_work(m, on=date(2026, 12, 2), today=today)
    ops.request_changes(m, on=date(2026, 12, 3), today=today)
    ops.submit_work(m, on=date(2026, 12, 5), today=today)
    payment = ops.release_payment(m, on=date(2026, 12, 6), today=today)
    ops.record_refund(payment, 5_000, on=date(2027, 6, 10), today=today, support_case="CASE-77")
    first = tmp_path / "first"
    export_csv(first)
    assert read_rows(first / "ledger.csv")[0][-1] == "support_case"
    assert read_rows(first / "milestones.csv")[0][-1] == "first_submitted_on"
    book.close()
    with open_book(tmp_path / "empty.book") as other:
        import_folder(first, today=today)
        (m2,) = Milestone.select()
        assert (m2.first_submitted_on, m2.submitted_on) == (date(2026, 12, 2), date(2026, 12, 5))
        assert [s.reference for s in SupportCase.select()] == ["CASE-77"]
        assert check_book(str(other.path)) == []
        second = tmp_path / "second"
        export_csv(second)
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_r9_an_import_refuses_a_refund_through_support_without_its_case(book, freelancer, tmp_path):
    today = date(2027, 6, 15)
    c = ops.create_contract("Brand book", freelancer, started_on=date(2026, 12, 1), today=today)
    m = ops.add_milestone(c, "Guidelines", 50_000)
    ops.fund_milestone(m, on=date(2026, 12, 1), today=today)
    payment = ops.release_payment(m, on=date(2026, 12, 6), today=today)
    ops.record_refund(payment, 5_000, on=date(2027, 6, 10), today=today, support_case="CASE-77")
    folder = tmp_path / "files"
    export_csv(folder)
    rows = read_rows(folder / "ledger.csv")
    rows[-1][-1] = ""  # the refund's support case left out
    write(folder, "ledger.csv", rows)
    book.close()
    with open_book(tmp_path / "empty.book"):
        with pytest.raises(ImportRefused) as info:
            import_folder(folder, today=today)
        assert any(
            "support_case" in p and "enter the reference of the support case" in p for p in info.value.problems
        ), info.value.problems
        assert Contract.select().count() == 0
