"""Issue 18, headless: `escrowbook demo --statement` and `escrowbook reconcile`, as a script would run them.

Exit codes: 0 the books and the statement agree, 1 they differ, 2 the statement (or the book) cannot be read.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from desktop.cli import main
from models import ops
from models import queries as q
from models import statements as st
from models.book import open_book
from models.entities import Contract, LedgerEntry, StatementLine
from models.statement_writer import REFERENCE_BASE

HEAD = list(st.format_named("marketplace-2025").headers)
REF, AMOUNT = HEAD.index("Transaction ID"), HEAD.index("Amount $")


@pytest.fixture
def demo(tmp_path, capsys):
    """A demo book of 40 contracts and its 2025 statement, written by `escrowbook demo --statement`."""
    book, statement = tmp_path / "demo.book", tmp_path / "statement.csv"
    assert main(["demo", str(book), "--contracts", "40", "--statement", str(statement)]) == 0
    capsys.readouterr()
    return book, statement


def rows_of(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def save(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    return path


def reconcile(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["reconcile", *args])
    out = capsys.readouterr()
    assert not re.search(r"\bR\d{1,2}\b", out.out + out.err), "rule numbers in what the client reads"
    return code, out.out, out.err


@pytest.mark.parametrize("fmt", ["marketplace-2025", "marketplace-2019"])
def test_demo_writes_its_statement_in_either_format_and_it_agrees(tmp_path, capsys, fmt):
    book, statement = tmp_path / "demo.book", tmp_path / f"{fmt}.csv"
    assert main(["demo", str(book), "--contracts", "30", "--statement", str(statement), "--statement-format", fmt]) == 0
    out = capsys.readouterr().out
    n = len(rows_of(statement)) - 1
    assert f"Wrote {statement}: the statement of the book, {n:,} rows ({fmt})." in out
    assert rows_of(statement)[0] == list(st.format_named(fmt).headers)
    code, out, err = reconcile(capsys, "--book", str(book), "--statement", str(statement))
    assert (code, err) == (0, "")
    assert out.startswith(f"Read {n:,} rows ({st.format_named(fmt).name}); {n:,} new.\n")
    assert f"  Matched: {n:,}\n" in out
    assert out.rstrip().endswith("The books and the statement agree.")


def test_demo_refuses_to_overwrite_a_statement_and_writes_no_book(tmp_path, capsys):
    statement = tmp_path / "mine.csv"
    statement.write_text("precious")
    assert main(["demo", str(tmp_path / "demo.book"), "--contracts", "5", "--statement", str(statement)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert statement.read_text() == "precious" and not (tmp_path / "demo.book").exists()


def test_differences_exit_1_and_are_printed_with_their_row_contract_and_amounts(demo, capsys, tmp_path):
    book, statement = demo
    rows = rows_of(statement)
    assert rows[10][HEAD.index("Currency")] == "USD"
    rows[10][AMOUNT] = f"{float(rows[10][AMOUNT]) - 0.01:.2f}"
    gone = rows.pop(20)
    save(statement, rows)
    code, out, err = reconcile(capsys, "--book", str(book), "--statement", str(statement))
    assert (code, err) == (1, "")
    with open_book(book, create=False):
        changed = LedgerEntry.get_by_id(int(rows[10][REF]) - REFERENCE_BASE)
        missing = LedgerEntry.get_by_id(int(gone[REF]) - REFERENCE_BASE)
        changed_title, missing_title = changed.contract.title, missing.contract.title
    assert "  Amounts differ: 1\n  In the books only: 1\n" in out
    assert "Differences: 2\n" in out
    assert "  Amounts differ: row 11, " in out and f", {changed_title}, statement " in out
    assert f"reference {rows[10][REF]}. The statement says " in out
    assert "  In the books only: in the books, " in out and f", {missing_title}, books " in out
    assert "It is in the books, not on the statement." in out
    assert out.rstrip().endswith("The books and the statement differ.")
    assert re.search(r"differ by −?\S+\d", out)  # a total that differs says by how much


def test_json_is_one_object_with_the_report_and_what_was_imported(demo, capsys):
    book, statement = demo
    rows = rows_of(statement)
    save(statement, [*rows, rows[5]])  # a row listed twice
    code, out, err = reconcile(capsys, "--book", str(book), "--statement", str(statement), "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["agrees"] is True
    assert data["counts"]["matched"] == len(rows) - 1
    assert data["imported"] == {
        "file": str(statement),
        "format": "Marketplace transaction history (2025)",
        "rows": len(rows),
        "new": len(rows) - 1,
        "already": 0,
        "repeated": [f"row {len(rows) + 1} repeats row 6 (the same reference): it was kept once."],
        "words": f"Read {len(rows):,} rows (Marketplace transaction history (2025)); {len(rows) - 1:,} new; "
        "1 listed twice in the file, kept once.",
    }
    assert data["differences"] == [] and data["recorded"] == []
    assert all(t["difference"] == 0 for t in data["totals"])


def test_json_lists_each_difference_in_words(demo, capsys):
    book, statement = demo
    rows = rows_of(statement)
    gone = rows.pop(12)
    save(statement, rows)
    code, out, _ = reconcile(capsys, "--book", str(book), "--statement", str(statement), "--json")
    assert code == 1
    (d,) = json.loads(out)["differences"]
    assert (d["status"], d["row"], d["entry"]) == ("books_only", None, int(gone[REF]) - REFERENCE_BASE)
    assert d["words"] == "It is in the books, not on the statement."


def test_record_missing_records_what_the_statement_shows_and_then_they_agree(demo, capsys):
    book, statement = demo
    with open_book(book, create=False):
        release = next(
            e for e in LedgerEntry.select().where(LedgerEntry.kind == "release").order_by(LedgerEntry.id)
            if e.contract.status == Contract.ACTIVE and q.is_live(e) and not q.payment_refunded(e)
        )  # fmt: skip
        ops.reverse_entry(release, memo="Recorded in error")
    code, out, _ = reconcile(capsys, "--book", str(book), "--statement", str(statement))
    assert code == 1 and "On the statement only: 1" in out
    code, out, err = reconcile(capsys, "--book", str(book), "--statement", str(statement), "--record-missing")
    assert (code, err) == (0, "")
    assert "Recorded from the statement: 1 of 1.\n" in out
    assert re.search(r"  Row \d+: recorded \(payment released, ", out)
    with open_book(book, create=False):
        assert LedgerEntry.select().where(
            (LedgerEntry.kind == "release") & (LedgerEntry.amount == release.amount)
            & (LedgerEntry.date == release.date) & (LedgerEntry.id > release.id)
        ).count() == 1  # fmt: skip
    assert main(["check", str(book)]) == 0


def test_record_missing_says_why_a_row_was_not_recorded_and_exits_1(demo, capsys):
    book, statement = demo
    rows = rows_of(statement)
    fee = next(list(r) for r in rows if r[HEAD.index("Transaction Type")] == "Service Fee")
    fee[REF] = "799999999"
    save(statement, [*rows, fee])
    code, out, _ = reconcile(capsys, "--book", str(book), "--statement", str(statement), "--record-missing", "--json")
    assert code == 1
    (done,) = json.loads(out)["recorded"]
    assert done == {
        "row": len(rows) + 1,
        "recorded": False,
        "entry": None,
        "words": f"Row {len(rows) + 1}: not recorded. A fee is recorded with the funding it was charged on: record "
        "or correct that funding.",
    }


def test_a_statement_read_again_exits_0_and_adds_nothing(demo, capsys):
    book, statement = demo
    assert reconcile(capsys, "--book", str(book), "--statement", str(statement))[0] == 0
    code, out, _ = reconcile(capsys, "--book", str(book), "--statement", str(statement))
    assert code == 0 and "imported before, left as they were." in out.splitlines()[0]


def test_an_unreadable_row_exits_2_naming_it_and_records_nothing(demo, capsys):
    book, statement = demo
    rows = rows_of(statement)
    rows[4][0] = "someday"
    save(statement, rows)
    code, out, err = reconcile(capsys, "--book", str(book), "--statement", str(statement))
    assert (code, out) == (2, "")
    assert f"the statement “{statement.name}” was not read. Nothing was recorded." in err
    assert "  - row 5: “someday” is not a date" in err
    with open_book(book, create=False):
        assert StatementLine.select().count() == 0


def test_an_unknown_header_exits_2_and_says_how_to_read_it(demo, capsys, tmp_path):
    book, _ = demo
    path = save(tmp_path / "bank.csv", [["Posted", "Txn", "What", "Value"], ["2026-03-02", "1", "Fixed Price", "-3"]])
    code, out, err = reconcile(capsys, "--book", str(book), "--statement", str(path))
    assert (code, out) == (2, "")
    assert "has columns Escrowbook does not know" in err
    assert "File → Reconcile Statement…" in err and "--format" in err
    assert "marketplace-2019, marketplace-2025" in err
    assert "row 1: these headers are not a statement format Escrowbook knows: “Posted”, “Txn”" in err


def test_json_of_a_refused_statement_still_parses(demo, capsys, tmp_path):
    book, _ = demo
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    code, out, err = reconcile(capsys, "--book", str(book), "--statement", str(path), "--json")
    assert code == 2
    data = json.loads(out)
    assert data["agrees"] is None and data["problems"] == [
        "row 1: the file is empty; a statement starts with its header row."
    ]
    assert "row 1: the file is empty" in err


def test_format_picks_a_format_by_key_or_name(demo, capsys):
    book, statement = demo
    code, out, _ = reconcile(capsys, "--book", str(book), "--statement", str(statement), "--format",
                             "Marketplace transaction history (2025)")  # fmt: skip
    assert code == 0
    code, _, err = reconcile(capsys, "--book", str(book), "--statement", str(statement), "--format", "marketplace-2019")
    assert code == 2 and "row 1: the header row has no column" in err
    code, _, err = reconcile(capsys, "--book", str(book), "--statement", str(statement), "--format", "bank")
    assert code == 2 and "there is no statement format “bank”" in err


def test_a_format_saved_in_the_formats_folder_is_read(demo, capsys, tmp_path, monkeypatch):
    book, statement = demo
    rows = rows_of(statement)
    at = [HEAD.index(h) for h in ("Date", "Transaction ID", "Transaction Type", "Transaction Summary",
                                  "Transaction Summary Details", "Freelancer", "Amount $", "Currency")]  # fmt: skip
    mine = [["Posted", "Txn", "Kind", "Details", "Payee", "Value", "Cur"]]
    for r in rows[1:]:
        day, ref, kind, summary, details, payee, value, cur = (r[i] for i in at)
        mine.append([day, ref, kind, f"{summary} - {details}", payee, value, cur])
    path = save(tmp_path / "bank.csv", mine)
    folder = tmp_path / "formats"
    st.save_format("Bank", mine[0], {"date": "Posted", "reference": "Txn", "type": "Kind", "description": "Details",
                                     "freelancer": "Payee", "amount": "Value", "currency": "Cur"}, folder)  # fmt: skip
    assert reconcile(capsys, "--book", str(book), "--statement", str(path))[0] == 2
    monkeypatch.setenv("ESCROWBOOK_STATEMENT_FORMATS", str(folder))
    code, out, _ = reconcile(capsys, "--book", str(book), "--statement", str(path))
    assert code == 0 and out.startswith(f"Read {len(rows) - 1:,} rows (Bank); ")


def test_without_the_environment_the_formats_are_read_where_the_app_saves_them(demo, capsys, tmp_path, monkeypatch):
    """No ESCROWBOOK_STATEMENT_FORMATS: `reconcile` reads the formats the app's mapping step saved, in the user
    data folder (models/user_formats.py), as the app does."""
    import platformdirs

    book, statement = demo
    rows = rows_of(statement)
    rows[0] = [{"Transaction ID": "Txn", "Amount $": "Value"}.get(h, h) for h in rows[0]]
    path = save(tmp_path / "renamed.csv", rows)
    monkeypatch.delenv("ESCROWBOOK_STATEMENT_FORMATS")
    monkeypatch.setattr(platformdirs, "user_data_path", lambda *a, **kw: tmp_path / "user-data")
    assert reconcile(capsys, "--book", str(book), "--statement", str(path))[0] == 2
    mapping = {"date": "Date", "reference": "Txn", "type": "Transaction Type", "amount": "Value",
               "description": ["Transaction Summary", "Transaction Summary Details"], "freelancer": "Freelancer",
               "currency": "Currency"}  # fmt: skip
    st.save_format("Renamed", rows[0], mapping, tmp_path / "user-data" / "statement-formats")
    code, out, _ = reconcile(capsys, "--book", str(book), "--statement", str(path))
    assert code == 0 and out.startswith(f"Read {len(rows) - 1:,} rows (Renamed); ")


def test_a_book_that_cannot_be_opened_exits_2(tmp_path, capsys):
    statement = save(tmp_path / "s.csv", [HEAD])
    code, out, err = reconcile(capsys, "--book", str(tmp_path / "missing.book"), "--statement", str(statement))
    assert (code, out) == (2, "")
    assert "“missing.book” cannot be opened" in err
    assert not (tmp_path / "missing.book").exists()


def test_a_statement_that_is_not_a_file_exits_2(demo, capsys, tmp_path):
    book, _ = demo
    code, _, err = reconcile(capsys, "--book", str(book), "--statement", str(tmp_path))
    assert code == 2 and "is not a file that can be read" in err


def test_an_empty_statement_name_is_refused(demo, capsys):
    book, _ = demo
    code, _, err = reconcile(capsys, "--book", str(book), "--statement", "")
    assert code == 2 and "a file or folder name is needed" in err
