"""Issue 16, a book you can trust from anywhere: a CSV import applies the rules the operations apply, and
`escrowbook check` sees the money no operation could record.

Each failure found by trying the import as an attacker (or an unlucky spreadsheet) would: first reproduced
(the file was imported, or the import ended in a traceback), now refused naming its file and row, the book
unchanged row for row. And the same bad money written straight into a book with SQL (bypassing the app, its
hash chain recomputed so that only the new rule can see it) is reported by `check_book()`.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from models import chain, ops
from models.book import open_book
from models.check import check_book
from models.csv_io import FILES, HEADERS, import_folder
from models.entities import Contract, LedgerEntry, Milestone, database
from models.errors import ImportRefused, RuleError
from models.summary import refresh

from ..conftest import START, snapshot

TODAY = date(2026, 3, 12)
C_HEAD, M_HEAD, L_HEAD = (list(HEADERS[n]) for n in FILES)

# One paid milestone: funded on 2 Mar 2026 with its 5% fee, released in full on 3 Mar 2026.
CONTRACT = ["1", "", "Logo", "Ana Ruiz", "", "", "upwork", "2026-01-01", "USD", "", "active", "2026-03-01", "", "",
            ""]  # fmt: skip
MILESTONE = ["1", "1", "Sketches", "", "300.00", "USD", "", "paid", "", ""]
FUND = ["1", "1", "2026-03-02", "fund", "300.00", "USD", "1", "", "", "", ""]
FEE = ["2", "1", "2026-03-02", "fee", "15.00", "USD", "1", "", "1", "", "Marketplace fee"]
RELEASE = ["3", "1", "2026-03-03", "release", "300.00", "USD", "1", "", "", "", ""]


def row(base: list[str], head: list[str], **cells: str) -> list[str]:
    out = list(base)
    for column, value in cells.items():
        out[head.index(column)] = value
    return out


def write_folder(folder: Path, contracts=None, milestones=None, ledger=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "contracts.csv": [C_HEAD, *(contracts if contracts is not None else [CONTRACT])],
        "milestones.csv": [M_HEAD, *(milestones if milestones is not None else [MILESTONE])],
        "ledger.csv": [L_HEAD, *(ledger if ledger is not None else [FUND, FEE, RELEASE])],
    }
    for name, rows in files.items():
        with open(folder / name, "w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f, lineterminator="\r\n").writerows(rows)
    return folder


def refused(folder: Path, expected: str, *, today: date = TODAY) -> list[str]:
    """The import of `folder` is refused, one of its problems containing `expected`, and the book unchanged."""
    before = snapshot()
    with pytest.raises(ImportRefused) as raised:
        import_folder(folder, today=today)
    assert snapshot() == before, "a refused import changed the book"
    assert "Nothing was imported" in raised.value.message
    assert any(expected in p for p in raised.value.problems), raised.value.problems
    for problem in raised.value.problems:
        assert " row " in problem and problem.split(" row ")[0] in FILES, problem
        assert not re.search(r"\bR\d{1,2}\b", problem), problem  # in plain words, no rule numbers
    return raised.value.problems


def test_the_good_sample_imports_and_checks_clean(book, contract, tmp_path):
    plan = import_folder(write_folder(tmp_path / "in"), today=TODAY)
    assert plan.counts == {"contracts": 1, "milestones": 1, "entries": 3}
    assert check_book() == []


# ------------------------------------------------------------------ money no operation could record


def test_r9_import_refuses_a_refund_against_a_funding(book, contract, tmp_path):
    bad = ["4", "1", "2026-03-04", "refund", "10.00", "USD", "1", "1", "", "", ""]
    refused(write_folder(tmp_path, ledger=[FUND, FEE, RELEASE, bad]), "ledger.csv row 5")


def test_r9_import_refuses_a_refund_naming_no_payment(book, contract, tmp_path):
    bad = ["4", "1", "2026-03-04", "refund", "10.00", "USD", "1", "", "", "", ""]
    refused(write_folder(tmp_path, ledger=[FUND, FEE, RELEASE, bad]), "ledger.csv row 5")


def test_r5_import_refuses_a_release_before_its_funding(book, contract, tmp_path):
    early = row(RELEASE, L_HEAD, date="2026-03-01")
    refused(write_folder(tmp_path, ledger=[FUND, FEE, early]), "ledger.csv row 4")


def test_r5_import_refuses_a_release_from_no_milestone(book, contract, tmp_path):
    loose = row(RELEASE, L_HEAD, milestone="")
    refused(write_folder(tmp_path, ledger=[FUND, FEE, loose]), "ledger.csv row 4")


def test_r3_import_refuses_a_fee_linked_to_a_release(book, contract, tmp_path):
    fee = row(FEE, L_HEAD, entry="4", date="2026-03-03", funding="3")
    refused(write_folder(tmp_path, ledger=[FUND, RELEASE, fee]), "ledger.csv row 4")


def test_r16_import_refuses_a_fee_after_the_contract_ended(book, contract, tmp_path):
    ended = row(CONTRACT, C_HEAD, status="ended", ended_on="2026-03-04")
    late_fee = ["4", "1", "2026-03-06", "fee", "1.00", "USD", "1", "", "1", "", ""]
    refused(write_folder(tmp_path, contracts=[ended], ledger=[FUND, FEE, RELEASE, late_fee]), "ledger.csv row 5")


def test_r16_import_refuses_an_entry_dated_after_today(book, contract, tmp_path):
    tomorrow = row(RELEASE, L_HEAD, date="2026-03-13")
    refused(write_folder(tmp_path, ledger=[FUND, FEE, tomorrow]), "ledger.csv row 4, date")


def test_r16_import_refuses_an_entry_dated_2999_12_31(book, contract, tmp_path):
    far = row(RELEASE, L_HEAD, date="2999-12-31")
    refused(write_folder(tmp_path, ledger=[FUND, FEE, far]), "ledger.csv row 4, date")


def test_r16_import_refuses_an_entry_dated_9999_12_31_instead_of_crashing(book, contract, tmp_path):
    far = row(RELEASE, L_HEAD, date="9999-12-31")
    refused(write_folder(tmp_path, ledger=[FUND, FEE, far]), "ledger.csv row 4, date", today=date.today())


def test_r16_import_refuses_a_milestone_due_in_9999(book, contract, tmp_path):
    due = row(MILESTONE, M_HEAD, due_on="9999-12-31")
    refused(write_folder(tmp_path, milestones=[due]), "milestones.csv row 2, due_on")


def test_r7_import_refuses_an_ended_contract_with_an_active_funded_milestone(book, contract, tmp_path):
    ended = row(CONTRACT, C_HEAD, status="ended", ended_on="2026-03-04")
    active = row(MILESTONE, M_HEAD, state="active")
    refused(write_folder(tmp_path, contracts=[ended], milestones=[active], ledger=[FUND, FEE]), "milestones.csv row 2")


def test_r5_import_refuses_a_paid_milestone_with_no_money_released(book, contract, tmp_path):
    refused(write_folder(tmp_path, ledger=[FUND, FEE]), "milestones.csv row 2")


def test_import_refuses_two_rows_with_the_same_marketplace_id(book, contract, tmp_path):
    first = row(CONTRACT, C_HEAD, external_id="UP-7")
    second = row(CONTRACT, C_HEAD, contract="2", external_id="UP-7")
    refused(write_folder(tmp_path, contracts=[first, second], ledger=[]), "contracts.csv row 3, external_id")


def test_import_refuses_files_without_ids_imported_twice(book, contract, tmp_path):
    folder = write_folder(tmp_path / "in")
    import_folder(folder, today=TODAY)
    (imported,) = Contract.select().where(Contract.title == "Logo")
    problems = refused(folder, "contracts.csv row 2")
    assert any(f"contract #{imported.id}" in p for p in problems), problems


# ------------------------------------------------------------------ tracebacks that are now refusals


@pytest.mark.parametrize("digits", ["²", "①", "٣", "1" * 5_000, str(2**64), str(2**63)])
def test_import_refuses_a_number_that_is_not_plain_ascii_digits_or_too_large(book, contract, tmp_path, digits):
    refused(write_folder(tmp_path, milestones=[row(MILESTONE, M_HEAD, position=digits)]), "milestones.csv row 2")


def test_import_refuses_a_5000_digit_entry_number(book, contract, tmp_path):
    refused(write_folder(tmp_path, ledger=[row(FUND, L_HEAD, entry="9" * 5_000)]), "ledger.csv row 2, entry")


def test_import_refuses_a_lone_surrogate_in_a_text_cell(book, contract, tmp_path):
    folder = write_folder(tmp_path)
    data = (folder / "contracts.csv").read_bytes().replace(b"Logo", b"Lo\xed\xa0\x80go")
    (folder / "contracts.csv").write_bytes(data)
    refused(folder, "contracts.csv row 2")


@pytest.mark.parametrize(
    "call",
    [
        lambda f: ops.create_contract("Lo\ud800go", f, started_on=START, today=START),
        lambda f: ops.create_freelancer("Ana \udfff"),
        lambda f: ops.edit_freelancer(f, "Ana", notes="\ud800"),
    ],
    ids=["contract-title", "freelancer-name", "freelancer-notes"],
)
def test_every_operation_refuses_a_lone_surrogate_in_words(book, freelancer, unchanged, call):
    with unchanged(), pytest.raises(RuleError, match="cannot be stored as text"):
        call(freelancer)


def test_import_error_rows_count_spreadsheet_rows_not_lines(book, contract, tmp_path):
    memo = "first line\nsecond line\nthird line"
    bad = row(RELEASE, L_HEAD, amount="3e2")
    problems = refused(write_folder(tmp_path, ledger=[row(FUND, L_HEAD, memo=memo), FEE, bad]), "ledger.csv row 4")
    assert not any("row 6" in p for p in problems), problems


def test_a_bad_byte_after_a_multi_line_cell_is_named_by_its_row(book, contract, tmp_path):
    folder = write_folder(tmp_path, ledger=[row(FUND, L_HEAD, memo="a\nb\nc\nd"), FEE, RELEASE])
    data = (folder / "ledger.csv").read_bytes().replace(b"Marketplace fee", b"Marketplace f\xe9e")
    (folder / "ledger.csv").write_bytes(data)
    refused(folder, "ledger.csv row 3: the file is not UTF-8 text")


def test_r14_import_on_a_full_disk_is_refused_in_words_and_the_book_unchanged(small_disk, tmp_path):
    from .full_disk import fill

    memo = "A long memo. " * 1_500  # about 20 kB a row: the import needs pages the disk no longer has
    refunds = [[str(4 + i), "1", "2026-03-04", "refund", "0.01", "USD", "1", "3", "", "", memo] for i in range(40)]
    ledger = [FUND, FEE, RELEASE, *refunds]
    folder = write_folder(tmp_path / "in", ledger=ledger)
    path = small_disk / "full.book"
    with open_book(path) as book:
        ops.create_contract("Logo redesign", ops.create_freelancer("Ana Ruiz"), started_on=START, today=START)
        filler = fill(small_disk)
        before = snapshot()
        with pytest.raises(RuleError) as raised:
            import_folder(folder, today=TODAY)
        assert raised.value.message == (
            "Nothing was imported: the disk that holds the book is full. Free some space, then try again."
        )
        assert snapshot() == before
        filler.unlink()  # room again: the book is whole, and the same import now works
        assert check_book(str(book.path)) == []
        import_folder(folder, today=TODAY)
    with open_book(path, create=False) as reopened:
        assert Contract.select().count() == 2
        assert check_book(str(reopened.path)) == []


# ------------------------------------------------------------------ `check` sees the same money


@pytest.fixture
def paid(book, contract):
    """A paid milestone (funded 2 Mar 2026 with its fees, released 3 Mar 2026) and an active funded one."""
    m = ops.add_milestone(contract, "Sketches", 30_000)
    ops.fund_milestone(m, today=date(2026, 3, 2))
    payment = ops.release_payment(m, today=date(2026, 3, 3))
    held = ops.add_milestone(contract, "Final files", 20_000)
    ops.fund_milestone(held, today=date(2026, 3, 4))
    assert check_book() == []
    return {"contract": contract, "milestone": m, "payment": payment, "held": held}


def tamper(*statements: tuple[str, tuple]) -> None:
    """Write straight into the book (no operation), then recompute its summaries and hash chain, as someone who
    knows the scheme would: only the rules about the money itself can see it."""
    for sql, params in statements:
        database.execute_sql(sql, params)
    for (cid,) in database.execute_sql("SELECT id FROM contract").fetchall():
        refresh(database, cid)
    chain.backfill(database)


def entry_of(kind: str) -> LedgerEntry:
    return LedgerEntry.select().where(LedgerEntry.kind == kind).order_by(LedgerEntry.id).first()


def only_new_problem(expected: str) -> None:
    problems = check_book()
    assert problems and all(expected in p for p in problems), problems
    assert not any("(R" in p for p in problems), problems


def test_r9_check_reports_a_refund_against_a_funding(paid):
    fund = entry_of("fund")
    tamper(
        ("INSERT INTO ledger_entry (contract_id, milestone_id, kind, amount, currency, date, memo, payment_id, "
         "created_at) VALUES (?, ?, 'refund', 100, 'USD', '2026-03-05', '', ?, '2026-03-05')",
         (paid["contract"].id, fund.milestone_id, fund.id)),
    )  # fmt: skip
    only_new_problem("is not against a payment")


def test_r9_check_reports_a_refund_naming_no_payment(paid):
    tamper(
        ("INSERT INTO ledger_entry (contract_id, kind, amount, currency, date, memo, created_at) "
         "VALUES (?, 'refund', 100, 'USD', '2026-03-05', '', '2026-03-05')", (paid["contract"].id,)),
    )  # fmt: skip
    only_new_problem("is not against a payment")


def test_r3_check_reports_a_fee_linked_to_a_release(paid):
    fee = entry_of("fee")
    release = paid["payment"]
    tamper(("UPDATE ledger_entry SET funding_id = ?, date = ? WHERE id = ?", (release.id, "2026-03-03", fee.id)))
    only_new_problem("is not linked to the deposit it was charged on")


def test_r5_check_reports_a_release_from_no_milestone(paid):
    tamper(("UPDATE ledger_entry SET milestone_id = NULL WHERE id = ?", (paid["payment"].id,)))
    problems = check_book()
    assert any("is not from a milestone" in p for p in problems), problems


def test_r16_check_reports_a_fee_after_the_contract_ended(paid):
    c = paid["contract"]
    ops.release_payment(paid["held"], today=date(2026, 3, 5))
    ops.end_contract(c, agreed=True, today=date(2026, 3, 6))
    assert check_book() == []
    fee = entry_of("fee")
    tamper(
        ("INSERT INTO ledger_entry (contract_id, milestone_id, kind, amount, currency, date, memo, funding_id, "
         "created_at) VALUES (?, ?, 'fee', 100, 'USD', '2026-03-08', '', ?, '2026-03-08')",
         (c.id, fee.milestone_id, fee.funding_id)),
    )  # fmt: skip
    problems = check_book()
    assert any("after the contract ended" in p for p in problems), problems
    assert all("(R" not in p for p in problems if "after the contract ended" not in p), problems


def test_r7_check_reports_an_ended_contract_with_an_active_funded_milestone(paid):
    c = paid["contract"]
    ops.end_contract(c, agreed=True, request_escrow_refund=True, today=date(2026, 3, 6))
    assert check_book() == []
    tamper(("UPDATE milestone SET state = 'active' WHERE id = ?", (paid["held"].id,)))
    only_new_problem("still holds escrow as active, but the contract has ended")


def test_r5_check_reports_a_paid_milestone_with_no_money_released(paid):
    tamper(("UPDATE milestone SET state = 'paid' WHERE id = ?", (paid["held"].id,)))
    only_new_problem("is marked paid, but nothing was released from it")


def test_r3_check_reports_an_unfunded_milestone_holding_a_funding(paid):
    tamper(("UPDATE milestone SET state = 'unfunded' WHERE id = ?", (paid["held"].id,)))
    only_new_problem("is marked unfunded, but it was funded")


def test_r4_check_reports_an_active_milestone_that_was_never_funded(paid):
    m = ops.add_milestone(paid["contract"], "Extra", 10_000)
    tamper(("UPDATE milestone SET state = 'active' WHERE id = ?", (m.id,)))
    only_new_problem("is marked funded, but no funding of it stands")


def test_r16_check_reports_an_entry_dated_beyond_the_last_day_a_book_holds(paid):
    tamper(("UPDATE ledger_entry SET date = '3000-01-01' WHERE id = ?", (paid["payment"].id,)))
    problems = check_book()
    assert any("is dated 3000-01-01, beyond" in p for p in problems), problems


def test_check_reports_nothing_on_books_made_by_operations_only(paid):
    """The other side of each rule: operations never make what `check` now reports."""
    c = paid["contract"]
    refund = ops.record_refund(paid["payment"], 1_000, today=date(2026, 3, 5))
    ops.reverse_entry(refund, today=date(2026, 3, 6))
    ops.release_payment(paid["held"], 5_000, today=date(2026, 3, 6))
    ops.end_contract(c, agreed=True, request_escrow_refund=True, today=date(2026, 3, 7))
    assert Milestone.select().where(Milestone.state.in_(Milestone.OPEN_STATES)).count() == 0
    assert check_book() == []


# ------------------------------------------------------------------ currencies per policy version (R2)

V2_EUR = row(CONTRACT, C_HEAD, policy_from="2026-12-01", started_on="2026-12-01", currency="EUR")
V2_MILESTONE = row(MILESTONE, M_HEAD, currency="EUR", state="active")
V2_FUND = row(FUND, L_HEAD, date="2026-12-02", currency="EUR")


def test_r2_import_refuses_a_version_2_contract_in_euros_naming_its_row(book, contract, tmp_path):
    folder = write_folder(tmp_path / "in", [V2_EUR], [V2_MILESTONE], [V2_FUND])
    problems = refused(folder, "contracts.csv row 2, currency: ", today=date(2026, 12, 12))
    assert (
        "contracts.csv row 2, currency: Contracts under “Marketplace (Upwork fixed-price)” that start from "
        "1 Dec 2026 are in US dollars only: choose USD, or the policy “Direct (no marketplace)” for a contract "
        "in euros."
    ) in problems


def test_r2_import_takes_a_version_1_contract_in_euros_and_checks_clean(book, contract, tmp_path):
    eur = row(CONTRACT, C_HEAD, currency="EUR")
    milestone = row(MILESTONE, M_HEAD, currency="EUR")
    ledger = [row(entry, L_HEAD, currency="EUR") for entry in (FUND, FEE, RELEASE)]
    plan = import_folder(write_folder(tmp_path / "in", [eur], [milestone], ledger), today=TODAY)
    assert plan.counts == {"contracts": 1, "milestones": 1, "entries": 3}
    assert Contract.get(Contract.title == "Logo").currency == "EUR"
    assert check_book() == []


def test_r2_check_reports_a_version_2_contract_written_in_euros_with_sql(book, freelancer):
    c = ops.create_contract("Site", freelancer, started_on=date(2026, 12, 1), today=date(2026, 12, 5))
    assert check_book() == []
    database.execute_sql("UPDATE contract SET currency = 'JPY' WHERE id = ?", (c.id,))
    refresh(database, c.id)  # its summaries follow, so that only the currency rule can see it
    assert check_book() == [
        f"contract #{c.id} is in JPY, but its policy “Marketplace (Upwork fixed-price)” (the version in force "
        "from 2026-12-01) allows US dollars only."
    ]
