"""Issue 18, statements in, differences out: a demo book against the statement the marketplace would have written
for it (models/statement_writer.py), then that statement with rows deleted, altered or repeated, and the books with
entries reversed (R12: recorded in error). Each difference is reported exactly (its row, its reference, its
entry), "Record it" brings what can be recorded back through the normal operations, and importing again changes
nothing.
"""

from __future__ import annotations

import csv
import multiprocessing
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from models import matching, ops, reconciled
from models import queries as q
from models import reconcile as rc
from models import statements as st
from models.book import open_book
from models.check import check_book
from models.demo import generate
from models.entities import Contract, LedgerEntry, Milestone, StatementLine, StatementMatch
from models.errors import RuleError
from models.statement_writer import REFERENCE_BASE, write_statement

from ..conftest import START, snapshot

TODAY = date(2026, 3, 1)
LATER = date(2027, 9, 1)  # a demo this late holds the second policy version's records too (fees returned, mediation)
HEAD = list(st.format_named("marketplace-2025").headers)
DATE, REF, TYPE, SUMMARY, AMOUNT, CURRENCY = (
    HEAD.index(h) for h in ("Date", "Transaction ID", "Transaction Type", "Transaction Summary", "Amount $", "Currency")
)


@pytest.fixture
def demo(tmp_path):
    """A demo book of 80 contracts (about 850 statement rows), open."""
    path = tmp_path / "demo.book"
    generate(path, 80, seed=1, today=TODAY)
    book = open_book(path, create=False)
    yield book
    book.close()


def load(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def save(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    return path


def statement(tmp_path: Path, fmt: str = "marketplace-2025") -> tuple[Path, list[list[str]]]:
    path = tmp_path / f"{fmt}.csv"
    write_statement(path, fmt)
    return path, load(path)


def ref(entry: LedgerEntry) -> str:
    return str(REFERENCE_BASE + entry.id)


def entry_of(reference: str) -> int:
    return int(reference) - REFERENCE_BASE


def differences() -> list[tuple]:
    """(status, spreadsheet row, reference, entry) of every difference, by status then row."""
    rows = rc.page(rc.DIFFERENCES, limit=100_000)
    return sorted((r.status, r.row, r.reference, r.entry_id) for r in rows)


def middle(rows: list[list[str]], kind: str, type_: str = "Fixed Price", n: int = 1, skip: int = 0) -> list[int]:
    """Indexes (spreadsheet row - 1) of `n` USD rows from the middle of the statement whose summary starts `kind`."""
    found = [
        i
        for i in range(len(rows) // 4, len(rows))
        if rows[i][TYPE] == type_ and rows[i][SUMMARY].startswith(kind) and rows[i][CURRENCY] == "USD"
    ]
    assert len(found) >= skip + n
    return found[skip : skip + n]


def live_release(*, contract_active: bool = True) -> list[LedgerEntry]:
    """Releases that can be reversed (an active contract, no refunds), oldest first."""
    return [
        e
        for e in LedgerEntry.select().where(LedgerEntry.kind == LedgerEntry.RELEASE).order_by(LedgerEntry.id)
        if (e.contract.status == Contract.ACTIVE) == contract_active and q.is_live(e) and not q.payment_refunded(e)
    ]


# ------------------------------------------------------------------ the books and their own statement
@pytest.mark.parametrize("today", [TODAY, LATER], ids=["first policy", "second policy"])
@pytest.mark.parametrize("fmt", ["marketplace-2025", "marketplace-2019"])
def test_a_demo_book_and_its_own_statement_agree(tmp_path, fmt, today):
    path = tmp_path / "demo.book"
    generate(path, 80, seed=1, today=today)
    with open_book(path, create=False):
        written = write_statement(tmp_path / "s.csv", fmt)
        got = rc.import_statement(tmp_path / "s.csv")
        assert (got.rows, got.new_lines, got.already, got.repeated) == (written, written, 0, [])
        assert got.words() == f"Read {written:,} rows ({st.format_named(fmt).name}); {written:,} new."
        assert rc.agrees()
        counts = rc.counts()
        assert counts[rc.MATCHED] + counts[rc.NOT_KEPT] == written
        assert all(counts[s] == 0 for s in rc.DIFFERENCES)
        assert rc.page(rc.DIFFERENCES) == []
        totals = rc.totals()
        assert {t.currency for t in totals} >= {"USD", "EUR", "GBP", "JPY"}
        assert all(t.statement == t.books > 0 and t.difference == 0 for t in totals)


def test_rows_of_kinds_these_books_do_not_keep_are_listed_never_dropped(demo, tmp_path):
    path, rows = statement(tmp_path)
    hourly = list(rows[5])
    hourly[REF], hourly[TYPE], hourly[SUMMARY], hourly[AMOUNT] = "NK1", "Hourly", "Invoice for hours worked", "-45.00"
    connects = list(rows[6])
    connects[REF], connects[TYPE], connects[SUMMARY], connects[AMOUNT] = "NK2", "Connects", "Connects bundle", "-15.00"
    save(path, [*rows[:7], hourly, connects, *rows[7:]])
    rc.import_statement(path)
    assert rc.agrees()
    kept = rc.page([rc.NOT_KEPT])
    assert [(r.row, r.reference, r.type) for r in kept] == [(8, "NK1", "Hourly"), (9, "NK2", "Connects")]
    assert kept[0].words() == "Not kept in these books (not a fixed-price movement of money)."
    assert all(t.difference == 0 for t in rc.totals())


# ------------------------------------------------------------------ each difference, exactly
def test_r12_rows_deleted_from_the_statement_are_in_the_books_only(demo, tmp_path):
    path, rows = statement(tmp_path)
    gone = [*middle(rows, "Escrow funding", n=2), *middle(rows, "Payment released", n=2, skip=5)]
    gone += middle(rows, "Marketplace fee", type_="Service Fee", n=1, skip=9)
    save(path, [r for i, r in enumerate(rows) if i not in gone])
    rc.import_statement(path)
    assert not rc.agrees()
    assert differences() == sorted((rc.BOOKS_ONLY, None, "", entry_of(rows[i][REF])) for i in gone)
    for r in rc.page([rc.BOOKS_ONLY]):
        assert r.words() == "It is in the books, not on the statement."
        assert r.books_amount == LedgerEntry.get_by_id(r.entry_id).amount


def test_r12_entries_reversed_after_the_statement_are_on_the_statement_only(demo, tmp_path):
    path, rows = statement(tmp_path)
    releases = live_release()[:2]
    for e in releases:
        ops.reverse_entry(e, memo="Recorded in error", today=TODAY)
    rc.import_statement(path)
    row_of = {r[REF]: n for n, r in enumerate(rows, start=1)}
    assert differences() == sorted((rc.STATEMENT_ONLY, row_of[ref(e)], ref(e), None) for e in releases)
    only = rc.page([rc.STATEMENT_ONLY])
    assert [r.amount for r in only] == [e.amount for e in sorted(releases, key=lambda e: (e.date, e.id))]
    assert {r.words() for r in only} == {"It is on the statement, not in the books."}


def test_r12_reversed_entry_is_not_on_the_statement(demo, tmp_path):
    release = live_release()[0]
    ops.reverse_entry(release, memo="Recorded in error", today=TODAY)
    path, rows = statement(tmp_path)
    assert ref(release) not in {r[REF] for r in rows}
    rc.import_statement(path)
    assert rc.agrees()


def test_r1_a_cent_changed_is_one_amount_difference_of_one_minor_unit(demo, tmp_path):
    path, rows = statement(tmp_path)
    (i,) = middle(rows, "Escrow funding")
    rows[i][AMOUNT] = rows[i][AMOUNT][:-1] + str((int(rows[i][AMOUNT][-1]) + 1) % 10)
    assert rows[i][AMOUNT].endswith(("1", "2", "3", "4", "5", "6", "7", "8", "9"))
    save(path, rows)
    rc.import_statement(path)
    assert differences() == [(rc.AMOUNT_DIFFERS, i + 1, rows[i][REF], entry_of(rows[i][REF]))]
    (r,) = rc.page(rc.DIFFERENCES)
    assert (r.difference, r.amount - r.books_amount) == (1, 1)
    entry = LedgerEntry.get_by_id(entry_of(rows[i][REF]))
    assert r.books_amount == entry.amount and r.day == entry.date
    fund = next(t for t in rc.totals() if t.currency == entry.currency and t.cls == "fund")
    assert fund.difference == 1


@pytest.mark.parametrize("days", [4, -3])
def test_a_date_moved_is_one_date_difference_with_its_day_count(demo, tmp_path, days):
    path, rows = statement(tmp_path)
    (i,) = middle(rows, "Payment released")
    moved = date.fromisoformat(rows[i][DATE]) + timedelta(days=days)
    rows[i][DATE] = moved.isoformat()
    save(path, rows)
    rc.import_statement(path)
    assert differences() == [(rc.DATE_DIFFERS, i + 1, rows[i][REF], entry_of(rows[i][REF]))]
    (r,) = rc.page(rc.DIFFERENCES)
    assert (r.day, r.books_day, r.difference) == (moved, moved - timedelta(days=days), days)
    n = abs(days)
    assert r.words().endswith(f"({n} days {'later' if days > 0 else 'earlier'} on the statement).")
    assert all(t.difference == 0 for t in rc.totals())


def test_a_row_duplicated_with_a_new_reference_is_on_the_statement_only(demo, tmp_path):
    path, rows = statement(tmp_path)
    (i,) = middle(rows, "Payment released")
    again = list(rows[i])
    again[REF] = "799999999"
    save(path, [*rows, again])
    got = rc.import_statement(path)
    assert got.repeated == []
    assert differences() == [(rc.STATEMENT_ONLY, len(rows) + 1, "799999999", None)]
    (r,) = rc.page(rc.DIFFERENCES)
    assert r.contract_id == LedgerEntry.get_by_id(entry_of(rows[i][REF])).contract_id


# A big statement (read in a second process) is stored without its references' unique index, made after.
SIZES = pytest.mark.parametrize("read_apart_from", [rc.READ_APART_FROM, 0], ids=["small", "big"])


@SIZES
def test_a_row_repeated_verbatim_is_kept_once(demo, tmp_path, monkeypatch, read_apart_from):
    monkeypatch.setattr(rc, "READ_APART_FROM", read_apart_from)
    path, rows = statement(tmp_path)
    (i,) = middle(rows, "Payment released")
    save(path, [*rows, rows[i]])
    got = rc.import_statement(path)
    assert (got.rows, got.new_lines, got.already) == (len(rows), len(rows) - 1, 0)
    assert got.repeated == [f"row {len(rows) + 1} repeats row {i + 1} (the same reference): it was kept once."]
    assert "1 listed twice in the file, kept once" in got.words()
    assert rc.agrees()
    assert StatementLine.select().where(StatementLine.reference == rows[i][REF]).count() == 1


def test_every_kind_of_difference_at_once_is_each_reported(demo, tmp_path):
    path, rows = statement(tmp_path)
    (cent,) = middle(rows, "Escrow funding")
    (moved,) = middle(rows, "Payment released")
    (gone,) = middle(rows, "Payment released", skip=3)
    rows[cent][AMOUNT] = f"{float(rows[cent][AMOUNT]) - 0.01:.2f}"
    rows[moved][DATE] = (date.fromisoformat(rows[moved][DATE]) - timedelta(days=2)).isoformat()
    extra = list(rows[moved])
    extra[REF] = "799999998"
    kept = [r for n, r in enumerate(rows) if n != gone]
    save(path, [*kept, extra])
    rc.import_statement(path)
    shift = lambda n: n + 1 - (n > gone)  # noqa: E731 - spreadsheet row after the deletion
    assert differences() == sorted([
        (rc.AMOUNT_DIFFERS, shift(cent), rows[cent][REF], entry_of(rows[cent][REF])),
        (rc.DATE_DIFFERS, shift(moved), rows[moved][REF], entry_of(rows[moved][REF])),
        (rc.BOOKS_ONLY, None, "", entry_of(rows[gone][REF])),
        (rc.STATEMENT_ONLY, len(kept) + 1, "799999998", None),
    ])  # fmt: skip
    counts = rc.counts()
    assert counts[rc.MATCHED] == len(rows) - 1 - 3


# ------------------------------------------------------------------ "Record it"
def test_record_it_recreates_a_missing_release_and_the_book_passes_check(demo, tmp_path):
    path, rows = statement(tmp_path)
    release = live_release()[0]
    milestone = release.milestone
    ops.reverse_entry(release, memo="Recorded in error", today=TODAY)
    rc.import_statement(path)
    (line,) = [r.line_id for r in rc.page([rc.STATEMENT_ONLY])]
    (done,) = rc.record_missing(today=TODAY)
    assert done.line_id == line and done.entry is not None
    assert (done.entry.kind, done.entry.amount, done.entry.date) == ("release", release.amount, release.date)
    assert done.entry.milestone_id == milestone.id
    assert Milestone.get_by_id(milestone.id).state == Milestone.PAID
    assert done.words.startswith(f"Row {done.row}: recorded (payment released, ")
    assert rc.agrees()
    assert check_book(str(demo.path)) == []


def test_record_it_for_a_missing_funding_records_its_fees_with_it(demo, tmp_path):
    path, rows = statement(tmp_path)
    fund = next(
        e
        for e in LedgerEntry.select().where(LedgerEntry.kind == LedgerEntry.FUND).order_by(LedgerEntry.id)
        if e.contract.status == Contract.ACTIVE and q.is_live(e) and e.milestone.state == Milestone.ACTIVE
        and not q.milestone_released(e.milestone)
    )  # fmt: skip
    fees = [f for f in LedgerEntry.select().where(LedgerEntry.funding == fund)]
    ops.reverse_entry(fund, memo="Recorded in error", today=TODAY)
    rc.import_statement(path)
    missing = [fund, *fees]
    assert {r.reference for r in rc.page([rc.STATEMENT_ONLY])} == {ref(e) for e in missing}
    recorded = rc.record_missing(today=TODAY)
    assert [r.entry is not None for r in recorded] == [True] + [False] * len(fees)  # fees come with the funding
    assert all("now in the books (it came with a row recorded before it)" in r.words for r in recorded[1:])
    assert rc.agrees()
    assert Milestone.get_by_id(fund.milestone_id).state == Milestone.ACTIVE
    assert check_book(str(demo.path)) == []


def test_record_it_refuses_in_words_and_records_nothing_for_that_row(demo, tmp_path):
    path, rows = statement(tmp_path)
    ended = live_release(contract_active=False)[0]
    again = next(list(r) for r in rows if r[REF] == ref(ended))
    again[REF] = "799999997"
    save(path, [*rows, again])
    rc.import_statement(path)
    ledger = list(LedgerEntry.select().order_by(LedgerEntry.id).tuples())
    (done,) = rc.record_missing(today=TODAY)
    assert done.entry is None and done.row == len(rows) + 1
    assert done.words == (
        f"Row {len(rows) + 1}: not recorded. “{ended.contract.title}” has no milestone with escrow to release it "
        "from: release it on the contract."
    )
    assert list(LedgerEntry.select().order_by(LedgerEntry.id).tuples()) == ledger
    assert differences() == [(rc.STATEMENT_ONLY, len(rows) + 1, "799999997", None)]


def test_record_it_never_releases_a_row_naming_a_paid_milestone_from_another_one(demo, tmp_path):
    """A release listed twice under a new reference, its description naming a milestone already paid: the
    contract has another milestone with escrow enough for it, but the row does not name that one, so nothing
    is released from it; the refusal says why and the ledger is as it was."""
    path, rows = statement(tmp_path)

    def only_other(e: LedgerEntry) -> Milestone | None:
        """The contract's one other milestone with escrow, with enough for the release."""
        others = [m for m in e.contract.milestones if m.state in Milestone.OPEN_STATES]
        return others[0] if len(others) == 1 and others[0].amount >= e.amount else None

    paid = next(e for e in live_release() if only_other(e) is not None)
    other = only_other(paid)
    funded = LedgerEntry.get((LedgerEntry.milestone == other) & (LedgerEntry.kind == LedgerEntry.FUND)).date
    again = next(list(r) for r in rows if r[REF] == ref(paid))
    again[REF] = "799999995"
    again[DATE] = max(funded, paid.date).isoformat()  # (a day the other milestone's escrow could pay it)
    assert paid.milestone.title in again[SUMMARY] and other.title not in " ".join(again)
    save(path, [*rows, again])
    rc.import_statement(path)
    assert differences() == [(rc.STATEMENT_ONLY, len(rows) + 1, "799999995", None)]
    ledger = list(LedgerEntry.select().order_by(LedgerEntry.id).tuples())
    before = snapshot()
    (done,) = rc.record_missing(today=TODAY)
    assert done.entry is None
    assert done.words == (
        f"Row {len(rows) + 1}: not recorded. “{paid.contract.title}” has no milestone with escrow to release it "
        "from: release it on the contract."
    )
    assert list(LedgerEntry.select().order_by(LedgerEntry.id).tuples()) == ledger
    assert snapshot() == before
    assert Milestone.get_by_id(other.id).state == other.state
    assert differences() == [(rc.STATEMENT_ONLY, len(rows) + 1, "799999995", None)]


def test_record_it_for_a_fee_alone_explains_where_a_fee_is_recorded(demo, tmp_path):
    path, rows = statement(tmp_path)
    (i,) = middle(rows, "Marketplace fee", type_="Service Fee")
    again = list(rows[i])
    again[REF] = "799999996"
    save(path, [*rows, again])
    rc.import_statement(path)
    (done,) = rc.record_missing(today=TODAY)
    assert done.entry is None
    assert done.words == (
        f"Row {len(rows) + 1}: not recorded. A fee is recorded with the funding it was charged on: record or "
        "correct that funding."
    )


# ------------------------------------------------------------------ the reconciliation follows the books
def test_a_release_reversed_after_the_import_is_on_the_statement_only_without_importing_again(demo, tmp_path):
    """Every money operation rematches its contract: reversing a matched release (R12: recorded in error) makes
    exactly its row "on the statement only" at once, and recording the release again, on the statement's date,
    makes the statement and the books agree again; undone and redone, the same."""
    from models.undo import History

    path, rows = statement(tmp_path)
    rc.import_statement(path)
    assert rc.agrees()
    matched = rc.counts()[rc.MATCHED]
    release = live_release()[0]
    row = next(n for n, r in enumerate(rows, start=1) if r[REF] == ref(release))
    ops.reverse_entry(release, memo="Recorded in error", today=TODAY)
    assert differences() == [(rc.STATEMENT_ONLY, row, ref(release), None)]
    assert rc.counts()[rc.MATCHED] == matched - 1
    (only,) = rc.page([rc.STATEMENT_ONLY])
    assert (only.amount, only.day, only.contract_id) == (release.amount, release.date, release.contract_id)
    history = History(lambda: TODAY)
    try:
        again = ops.release_payment(Milestone.get_by_id(release.milestone_id), release.amount, on=release.date,
                                    today=TODAY)  # fmt: skip
        assert rc.agrees() and rc.counts()[rc.MATCHED] == matched
        (r,) = [x for x in rc.page([rc.MATCHED], limit=100_000) if x.row == row]
        assert r.entry_id == again.id
        history.undo()  # the release recorded again is reversed: its row is on the statement only once more
        assert differences() == [(rc.STATEMENT_ONLY, row, ref(release), None)]
        history.redo()
        assert rc.agrees() and rc.counts()[rc.MATCHED] == matched
    finally:
        history.close()
    assert check_book(str(demo.path)) == []


# ------------------------------------------------------------------ progress, and cancelling
def test_matching_reports_its_progress_after_reading(demo, tmp_path):
    path, rows = statement(tmp_path)
    seen = []
    rc.import_statement(path, progress=lambda stage, n: seen.append((stage, n)))
    stages = [stage for stage, _ in seen]
    assert "read" in stages and "match" in stages
    assert stages.index("match") > max(i for i, s in enumerate(stages) if s == "read")  # matched once read
    assert seen[stages.index("match")] == ("match", 0)  # (it reports every 20,000 rows: this book has fewer)
    assert ("read", len(rows) - 1) in seen


class Cancelled(Exception):
    """The client pressed Cancel."""


@pytest.mark.parametrize("stop", [KeyboardInterrupt, Cancelled], ids=["Ctrl+C", "Cancel"])
def test_cancelled_while_matching_the_book_is_unchanged(demo, tmp_path, stop):
    path, rows = statement(tmp_path)
    before = snapshot()

    def progress(stage: str, n: int) -> None:
        if stage == "match":
            raise stop()

    with pytest.raises(stop):
        rc.import_statement(path, progress=progress)
    assert snapshot() == before
    assert rc.statements() == [] and StatementLine.select().count() == 0
    got = rc.import_statement(path)  # and the book is still there to import into
    assert got.new_lines == len(rows) - 1 and rc.agrees()


def _batch_takers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "statement-batches" and t.is_alive()]


def test_a_big_statement_is_read_on_while_the_contracts_are_read(demo, tmp_path, monkeypatch):
    """A big statement's second process is not kept waiting: its batches are taken as they come, whatever this
    process is doing (here: every batch taken before this one asks for the first, as it reads the contracts)."""
    monkeypatch.setattr(rc, "READ_APART_FROM", 0)
    path, rows = statement(tmp_path)
    taken, real = [], rc._Contracts

    def contracts(*args, **kwargs):
        (taker,) = _batch_takers()
        taker.join(timeout=30)
        taken.append(not taker.is_alive())
        return real(*args, **kwargs)

    monkeypatch.setattr(rc, "_Contracts", contracts)
    got = rc.import_statement(path)
    assert taken == [True]
    assert got.new_lines == len(rows) - 1 and rc.agrees()


@pytest.fixture
def readers(monkeypatch) -> list:
    """Every statement reader (`rc._Reader`) made while the test runs, as it is entered."""
    made: list = []
    enter = rc._Reader.__enter__

    def remember(self):
        made.append(self)
        return enter(self)

    monkeypatch.setattr(rc._Reader, "__enter__", remember)
    return made


def _longer_statement(tmp_path: Path) -> tuple[Path, list[list[str]]]:
    """The demo's statement and 11,000 rows of a type not kept after it: the second process sends 5,000 rows a
    batch, so three batches more."""
    path, rows = statement(tmp_path)
    extra = [
        statement_row(f"9{n:08d}", TODAY - timedelta(days=n % 300), "VAT", f"VAT {n}", "-1.00") for n in range(11_000)
    ]
    save(path, rows + extra)
    return path, rows + extra


def _one_batch_ahead(reader) -> None:
    """Wait until the reader's thread has taken a batch ahead, and a moment more."""
    deadline = time.monotonic() + 30
    while reader.ahead.qsize() < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # (a thread not held back would take every batch meanwhile, and end)


def test_a_big_statement_is_read_ahead_no_further_than_its_bytes_allow(demo, tmp_path, monkeypatch, readers):
    """A statement of long rows does not fill this process's memory: the batches taken ahead of the one being read
    stop at _AHEAD_BYTES (one is always let in). Here the budget is one byte: before the first batch is asked
    for, one is taken and the thread waits for room; the statement is then imported whole."""
    monkeypatch.setattr(rc, "READ_APART_FROM", 0)
    monkeypatch.setattr(rc, "_AHEAD_BYTES", 1)
    path, rows = _longer_statement(tmp_path)
    seen, real = [], rc._Contracts

    def contracts(*args, **kwargs):
        (reader,) = readers
        _one_batch_ahead(reader)
        seen.append((reader.ahead.qsize(), reader.taker.is_alive()))
        return real(*args, **kwargs)

    monkeypatch.setattr(rc, "_Contracts", contracts)
    got = rc.import_statement(path)
    assert seen == [(1, True)]
    assert got.new_lines == len(rows) - 1 and rc.agrees()


def test_a_second_process_gone_halfway_through_the_statement_records_nothing(demo, tmp_path, monkeypatch, readers):
    """The second process ends with batches still to send (killed here, while this one reads the contracts): the
    import stops in words, nothing is recorded and nothing is left running; the statement imports whole after."""
    monkeypatch.setattr(rc, "READ_APART_FROM", 0)
    monkeypatch.setattr(rc, "_AHEAD_BYTES", 1)
    path, rows = _longer_statement(tmp_path)
    before = snapshot()
    real = rc._Contracts

    def contracts(*args, **kwargs):
        (reader,) = readers
        _one_batch_ahead(reader)
        reader.child.kill()
        reader.child.join(timeout=30)
        return real(*args, **kwargs)

    monkeypatch.setattr(rc, "_Contracts", contracts)
    with pytest.raises(RuleError) as refused:
        rc.import_statement(path)
    assert str(refused.value) == "Reading the statement stopped unexpectedly; nothing was recorded."
    assert _batch_takers() == [] and multiprocessing.active_children() == []
    assert snapshot() == before
    monkeypatch.setattr(rc, "_Contracts", real)
    assert rc.import_statement(path).new_lines == len(rows) - 1 and rc.agrees()


def test_a_big_statement_cancelled_while_read_leaves_nothing_running_and_the_book_unchanged(
    demo, tmp_path, monkeypatch
):
    monkeypatch.setattr(rc, "READ_APART_FROM", 0)
    path, rows = statement(tmp_path)
    before = snapshot()

    def progress(stage: str, n: int) -> None:
        if stage == "read":
            raise Cancelled()

    with pytest.raises(Cancelled):
        rc.import_statement(path, progress=progress)
    assert _batch_takers() == [] and multiprocessing.active_children() == []
    assert snapshot() == before
    assert rc.import_statement(path).new_lines == len(rows) - 1 and rc.agrees()


# ------------------------------------------------------------------ check
def test_a_reconciled_book_passes_check(demo, tmp_path):
    path, _ = statement(tmp_path)
    rc.import_statement(path)
    assert StatementLine.select().where(StatementLine.contract_id.is_null(False)).exists()
    assert check_book(str(demo.path)) == []


def test_check_names_statement_rows_whose_statement_or_contract_is_not_in_the_book(tmp_path):
    """Statement rows hold their statement's and their contract's ids as plain numbers (no foreign key): a book
    edited outside the app so that they name what is not there is reported, row by row, in words."""
    import sqlite3

    book_path = tmp_path / "demo.book"
    generate(book_path, 80, seed=1, today=TODAY)
    with open_book(book_path, create=False):
        path, _ = statement(tmp_path)
        rc.import_statement(path)
        first, second = (
            StatementLine.select().where(StatementLine.contract_id.is_null(False)).order_by(StatementLine.row)[:2]
        )
    conn = sqlite3.connect(book_path)
    try:
        conn.execute("UPDATE statement_line SET contract_id = 999999 WHERE id = ?", (first.id,))
        conn.execute("UPDATE statement_line SET statement_id = 424242 WHERE id = ?", (second.id,))
        conn.commit()
    finally:
        conn.close()
    expected = [
        f"statement row {first.row} of “marketplace-2025.csv” names a contract (#999999) that is not in the book.",
        f"statement row {second.row} names an imported statement (#424242) that is not in the book.",
    ]
    with open_book(book_path, create=False) as book:
        assert check_book(str(book.path)) == expected
        assert check_book() == expected  # (on the open book's own connection: the same)


# ------------------------------------------------------------------ importing again
@SIZES
def test_r12_importing_the_same_statement_again_changes_nothing(demo, tmp_path, monkeypatch, read_apart_from):
    monkeypatch.setattr(rc, "READ_APART_FROM", read_apart_from)
    path, rows = statement(tmp_path)
    rc.import_statement(path)
    before = snapshot()
    got = rc.import_statement(path)
    assert snapshot() == before
    assert (got.statement, got.new_lines, got.already, got.rows) == (None, 0, len(rows) - 1, len(rows) - 1)
    n = len(rows) - 1
    assert (
        got.words()
        == f"Read {n:,} rows (Marketplace transaction history (2025)); {n:,} imported before, left as they were."
    )


def test_the_same_statement_in_the_other_format_adds_nothing(demo, tmp_path):
    path, rows = statement(tmp_path)
    rc.import_statement(path)
    before = snapshot()
    old, _ = statement(tmp_path, "marketplace-2019")
    got = rc.import_statement(old)
    assert snapshot() == before and got.new_lines == 0


@SIZES
def test_an_overlapping_statement_adds_only_its_new_rows(demo, tmp_path, monkeypatch, read_apart_from):
    monkeypatch.setattr(rc, "READ_APART_FROM", read_apart_from)
    path, rows = statement(tmp_path)
    head, body = rows[0], rows[1:]
    half = len(body) // 2
    first = save(tmp_path / "first.csv", [head, *body[:half]])
    second = save(tmp_path / "second.csv", [head, *body[half // 2 :]])
    got = rc.import_statement(first)
    assert got.new_lines == half
    got = rc.import_statement(second)
    overlap = half - half // 2
    assert (got.rows, got.new_lines, got.already) == (len(body) - half // 2, len(body) - half, overlap)
    assert StatementLine.select().count() == len(body)
    assert len(rc.statements()) == 2
    assert rc.agrees()
    assert rc.counts()[rc.MATCHED] == len(body)
    # The statements' totals count each row once (the overlap is not counted twice): they equal the books'.
    assert [(t.currency, t.cls, t.statement) for t in rc.totals()] == [
        (t.currency, t.cls, t.books) for t in rc.totals()
    ]
    assert sum(t.statement for t in rc.totals()) > 0


def _pairs() -> list[tuple]:
    """Every row of the reconciliation: (the statement row's reference, entry, contract, status, day, difference,
    lead), in a fixed order."""
    references = dict(StatementLine.select(StatementLine.id, StatementLine.reference).tuples())
    return sorted(
        (references.get(m.line_id, ""), m.entry_id or 0, m.contract_id or 0, m.status, str(m.day),
         m.difference, m.lead)
        for m in StatementMatch.select()
    )  # fmt: skip


@pytest.mark.parametrize("order", [matching.RISING, matching.FALLING, None], ids=["rising", "falling", "shuffled"])
@SIZES
def test_a_statement_read_back_in_the_order_it_was_stored_pairs_as_when_sorted(
    demo, tmp_path, monkeypatch, read_apart_from, order
):
    """The first statement of a book, its rows in the order of their days (earliest or latest first), is walked in
    the order it was stored instead of sorted by day and row: the same pairs. Two same-day fundings of one contract
    for the same amount make the order within a day count (the n-th row pairs with the n-th entry)."""
    monkeypatch.setattr(rc, "READ_APART_FROM", read_apart_from)
    contract = Contract.select().where(Contract.status == Contract.ACTIVE).order_by(Contract.id).first()
    day = TODAY - timedelta(days=3)
    for title in ("Twin A", "Twin B"):
        ops.fund_milestone(ops.add_milestone(contract, title, 12_000), on=day, today=TODAY)
    path, rows = statement(tmp_path)
    head, body = rows[0], rows[1:]
    assert [r[DATE] for r in body] == sorted(r[DATE] for r in body)  # (as written: the earliest first)
    if order == matching.FALLING:
        body.reverse()
    elif order is None:
        body = body[1::2] + body[::2]
    save(path, [head, *body])
    given = []
    rebuild = matching.rebuild
    monkeypatch.setattr(matching, "rebuild", lambda *a, **k: given.append(k.get("order")) or rebuild(*a, **k))
    rc.import_statement(path)
    assert given == [order]
    walked = _pairs()
    twins = [p for p in walked if p[1] and LedgerEntry.get_by_id(p[1]).amount == 12_000 and p[4] == str(day)]
    assert len(twins) == 2 and {p[3] for p in twins} == {rc.MATCHED}
    rc.reconcile()  # the whole book again, its rows sorted by day and row
    assert given == [order, None]
    assert _pairs() == walked
    assert rc.agrees()


def test_a_statement_of_earlier_days_imported_after_another_is_walked_sorted(demo, tmp_path, monkeypatch):
    """Rows of an earlier statement are in the book: the rows are sorted by day and row for the walk, however the
    new statement's came (read back in the order stored, the later statement's days would come first)."""
    path, rows = statement(tmp_path)
    head, body = rows[0], rows[1:]
    half = len(body) // 2
    given = []
    rebuild = matching.rebuild
    monkeypatch.setattr(matching, "rebuild", lambda *a, **k: given.append(k.get("order")) or rebuild(*a, **k))
    rc.import_statement(save(tmp_path / "later.csv", [head, *body[half:]]))
    rc.import_statement(save(tmp_path / "earlier.csv", [head, *body[:half]]))
    assert given == [matching.RISING, None]
    walked = _pairs()
    assert rc.agrees() and rc.counts()[rc.MATCHED] == len(body)
    rc.reconcile()
    assert _pairs() == walked


# ------------------------------------------------------------------ a statement with columns of its own
def test_an_unknown_header_mapped_once_reads_as_a_format(demo, tmp_path):
    _, rows = statement(tmp_path)
    mine = [["Posted", "Txn", "Kind", "Details", "Payee", "Value", "Cur"]]
    at = {h: HEAD.index(h) for h in ("Freelancer", "Currency", "Transaction Summary Details")}
    for r in rows[1:]:
        details = f"{r[SUMMARY]} - {r[at['Transaction Summary Details']]}"
        mine.append([r[DATE], r[REF], r[TYPE], details, r[at["Freelancer"]], r[AMOUNT], r[at["Currency"]]])
    path = save(tmp_path / "bank.csv", mine)
    folder = tmp_path / "formats"
    with pytest.raises(st.UnknownFormat) as raised:
        rc.import_statement(path, folder=folder)
    mapping = {"date": "Posted", "reference": "Txn", "type": "Kind", "description": "Details", "freelancer": "Payee",
               "amount": "Value", "currency": "Cur"}  # fmt: skip
    saved = st.save_format("My bank's export", raised.value.headers, mapping, folder)
    assert (folder / "my-bank-s-export.toml").is_file() and saved.saved
    assert st.format_named("My bank's export", folder).key == "my-bank-s-export"
    got = rc.import_statement(path, folder=folder)
    assert got.format_name == "My bank's export" and got.new_lines == len(rows) - 1
    assert rc.agrees()


RENAMED = {"Transaction ID": "Transaction Number", "Amount $": "Amount (USD)"}  # (no shipped format knows these)
SUMMARIES = ["Transaction Summary", "Transaction Summary Details", "Description 1"]


@pytest.mark.parametrize("several", [True, False], ids=["several description columns", "the summary alone"])
def test_a_2025_export_with_renamed_headers_mapped_with_its_description_columns_agrees(demo, tmp_path, several):
    """The summary says what moved ("Payment released to the freelancer: Sketches"); its details name the
    contract and its reference, and Description 1 the milestone. Mapped with all three, every row finds its
    contract and the statement agrees with the books; with the summary alone, rows of a freelancer with several
    contracts ask which one (and their entries are in the books only until then)."""
    _, rows = statement(tmp_path)
    rows[0] = [RENAMED.get(h, h) for h in rows[0]]
    path = save(tmp_path / "renamed.csv", rows)
    folder = tmp_path / "formats"
    with pytest.raises(st.UnknownFormat) as raised:
        rc.import_statement(path, folder=folder)
    mapping = {"date": "Date", "reference": "Transaction Number", "type": "Transaction Type",
               "description": SUMMARIES if several else "Transaction Summary", "freelancer": "Freelancer",
               "amount": "Amount (USD)", "currency": "Currency"}  # fmt: skip
    saved = st.save_format("Renamed export", raised.value.headers, mapping, folder)
    assert saved.columns["description"] == (tuple(SUMMARIES) if several else ("Transaction Summary",))
    got = rc.import_statement(path, folder=folder)
    assert got.format_name == "Renamed export" and got.new_lines == len(rows) - 1
    line = StatementLine.get(StatementLine.row == 2)
    assert line.description == (" · ".join(rows[1][HEAD.index(h)] for h in SUMMARIES) if several else rows[1][SUMMARY])
    counts = rc.counts()
    if several:
        assert rc.agrees() and all(counts[s] == 0 for s in rc.DIFFERENCES)
        assert counts[rc.MATCHED] + counts[rc.NOT_KEPT] == len(rows) - 1
    else:
        assert not rc.agrees() and counts[rc.CHOOSE] > 0


# ------------------------------------------------------------------ the client's choice of contract
@pytest.fixture
def two_contracts(book, freelancer):
    """Two USD contracts with the same freelancer (no fees: the Direct policy), a milestone funded on each."""
    out = []
    for title, day in (("Logo redesign", START + timedelta(days=1)), ("Brand guide", START + timedelta(days=2))):
        c = ops.create_contract(title, freelancer, policy="direct", currency="USD", started_on=START, today=START)
        m = ops.add_milestone(c, f"{title} sketches", 10_000)
        ops.fund_milestone(m, on=day, today=day)
        out.append(c)
    return out


def funding_row(reference: str, day: date) -> list[str]:
    row = dict.fromkeys(HEAD, "")
    row.update({"Date": day.isoformat(), "Transaction ID": reference, "Transaction Type": "Fixed Price",
                "Transaction Summary": "Escrow funding", "Freelancer": "Ana Ruiz", "Amount $": "-100.00",
                "Currency": "USD"})  # fmt: skip
    return [row[h] for h in HEAD]


def test_a_row_that_fits_two_contracts_asks_and_the_choice_is_remembered_for_later_imports(two_contracts, tmp_path):
    logo, brand = two_contracts
    march = save(tmp_path / "march.csv", [HEAD, funding_row("1001", START + timedelta(days=2))])
    rc.import_statement(march)
    (r,) = rc.page([rc.CHOOSE])
    assert (r.row, r.reference, r.contract_id) == (2, "1001", None)
    assert r.words() == "Several contracts fit it: choose which one it belongs to."
    assert rc.choose_contract(r.line_id, brand) == 1
    (r,) = rc.page([rc.MATCHED])
    assert (r.reference, r.contract_id) == ("1001", brand.id)
    # A later statement: a row with the same freelancer and description goes to the contract chosen.
    m = ops.add_milestone(brand, "Brand guide pages", 10_000)
    ops.fund_milestone(m, on=START + timedelta(days=9), today=START + timedelta(days=9))
    april = save(tmp_path / "april.csv", [HEAD, funding_row("1002", START + timedelta(days=9))])
    rc.import_statement(april)
    assert rc.counts()[rc.CHOOSE] == 0
    line = StatementLine.get(StatementLine.reference == "1002")
    assert line.contract_id == brand.id
    assert {(x.reference, x.status, x.contract_id) for x in rc.page([rc.MATCHED])} == {
        ("1001", rc.MATCHED, brand.id),
        ("1002", rc.MATCHED, brand.id),
    }
    assert logo.id not in {x.contract_id for x in rc.page(rc.DIFFERENCES) if x.status != rc.BOOKS_ONLY}


def test_a_contract_in_another_currency_cannot_be_chosen(two_contracts, tmp_path):
    logo, _ = two_contracts
    euro = ops.create_contract("Translation", logo.freelancer, policy="direct", currency="EUR", started_on=START,
                               today=START)  # fmt: skip
    rc.import_statement(save(tmp_path / "s.csv", [HEAD, funding_row("1001", START + timedelta(days=2))]))
    (r,) = rc.page([rc.CHOOSE])
    with pytest.raises(RuleError) as raised:
        rc.choose_contract(r.line_id, euro)
    assert str(raised.value) == "That row is in USD and “Translation” in EUR: choose a contract in USD."
    assert rc.page([rc.CHOOSE])[0].contract_id is None


# ------------------------------------------------------------------ a big statement: read in a second process
def test_a_big_statement_is_read_in_a_second_process_with_the_same_result(demo, tmp_path, monkeypatch):
    """A statement past READ_APART_FROM is read in a second process while this one stores its rows (and the
    rows' index of contracts is built once at the end): lowered here so that the demo's statement is "big". The
    result is exactly what reading it here gives, differences and refusals included."""
    path, rows = statement(tmp_path)
    (cent,) = middle(rows, "Payment released")
    rows[cent][AMOUNT] = rows[cent][AMOUNT][:-1] + ("1" if rows[cent][AMOUNT][-1] != "1" else "2")
    save(path, rows)
    monkeypatch.setattr(rc, "READ_APART_FROM", 0)
    seen = []
    got = rc.import_statement(path, progress=lambda stage, n: seen.append(stage))
    assert got.new_lines == len(rows) - 1 and "read" in seen and "match" in seen
    assert [(s, r) for s, r, *_ in differences()] == [(rc.AMOUNT_DIFFERS, cent + 1)]
    indexes = demo.db.execute_sql("SELECT name FROM sqlite_master WHERE tbl_name = 'statement_line'").fetchall()
    assert ("statement_line_contract_id",) in indexes  # built again after the rows were stored
    # Read again apart: nothing new; and a malformed big statement is refused by row with nothing recorded.
    assert rc.import_statement(path).new_lines == 0
    rows[5][DATE] = "2026-02-30"
    before = snapshot()
    with pytest.raises(st.StatementRefused) as refused:
        rc.import_statement(save(tmp_path / "bad.csv", rows))
    assert refused.value.problems[0].startswith("row 6:") and snapshot() == before


def test_a_big_statement_s_second_process_reads_the_ledger_for_the_matching_only_from_a_current_file(
    demo, tmp_path, monkeypatch
):
    """The second process then reads the ledger's entries for the matching, from the book file as it was last
    checkpointed: only when that file's ledger is this one (the same last entry, with the same hash). An entry
    recorded since is in the write-ahead log only: that file is set aside and the entries are read here. Either
    way the reconciliation is what reading everything in one process gives, row for row."""
    path, rows = statement(tmp_path)
    half = len(rows) // 2
    monkeypatch.setattr(rc, "READ_APART_FROM", 0)
    monkeypatch.setattr(matching, "_FEW_LINES", -1)  # (the walk of the whole ledger, as a big book's statement has)
    read_apart = []
    entries = rc._Reader.entries

    def spied(reader, sql, args):
        got = entries(reader, sql, args)
        read_apart.append(got is not None)
        return got

    monkeypatch.setattr(rc._Reader, "entries", spied)

    def everything() -> list[tuple]:
        return [(r.status, r.row, r.entry_id, r.contract_id) for r in rc.page(rc.STATUSES, limit=100_000)]

    demo.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    rc.import_statement(save(tmp_path / "first.csv", rows[:half]))
    assert read_apart == [True]
    found = everything()
    rc.reconcile()  # (in this process)
    assert everything() == found
    # An entry recorded since the file was checkpointed: within the second half's period, on no row.
    day = date.fromisoformat(rows[-1][DATE])
    contract = Contract.get(Contract.status == Contract.ACTIVE, Contract.currency == "USD")
    funding = ops.fund_milestone(ops.add_milestone(contract, "Extra", 10_000), on=day, today=day)
    rc.import_statement(save(tmp_path / "second.csv", [rows[0], *rows[half:]]))
    assert read_apart == [True, False]
    found = everything()
    assert (rc.BOOKS_ONLY, None, funding.id, contract.id) in found
    rc.reconcile()
    assert everything() == found


@pytest.mark.parametrize("same", [True, False], ids=["the walk's read", "another read"])
def test_a_big_statement_s_second_process_is_asked_for_the_ledger_before_the_rows_indexes_are_built(
    demo, tmp_path, monkeypatch, same
):
    """A statement too big to be taken for a few contracts': the walk's read of the ledger is asked of the second
    process as soon as the rows are stored, and read and sorted there while this process builds the rows' indexes.
    Were the walk to read something else after all, it reads that here: the same reconciliation either way."""
    path, rows = statement(tmp_path)
    monkeypatch.setattr(rc, "READ_APART_FROM", 0)
    monkeypatch.setattr(matching, "_FEW_LINES", -1)  # (the walk of the whole ledger, as a big book's statement has)
    if not same:
        read = matching.whole_walk_read
        monkeypatch.setattr(matching, "whole_walk_read", lambda *a: (read(*a)[0] + " ", read(*a)[1]))
    events = []
    ask, make_unique, entries = rc._Reader.ask_early, rc._Storer.make_unique, rc._Reader.entries
    monkeypatch.setattr(rc._Reader, "ask_early", lambda r, *a: events.append("asked") or ask(r, *a))
    monkeypatch.setattr(rc._Storer, "make_unique", lambda s, *a: events.append("indexes") or make_unique(s, *a))

    def spied(reader, *args):
        got = entries(reader, *args)
        events.append(got is not None)
        return got

    monkeypatch.setattr(rc._Reader, "entries", spied)
    demo.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    rc.import_statement(path)
    assert events == ["asked", "indexes", same]
    found = [(r.status, r.row, r.entry_id, r.contract_id) for r in rc.page(rc.STATUSES, limit=100_000)]
    assert rc.agrees() and rc.counts()[rc.MATCHED] == len(rows) - 1
    rc.reconcile()  # (in this process)
    assert [(r.status, r.row, r.entry_id, r.contract_id) for r in rc.page(rc.STATUSES, limit=100_000)] == found


def test_the_books_totals_added_up_by_the_walk_are_those_read_from_the_ledger_until_it_changes(
    demo, tmp_path, monkeypatch
):
    """The walk of the whole book adds up the books' side of the totals as it reads the entries: the totals asked
    for right after are those, equal to what reading the ledger gives; once an entry is added (a reversal here,
    R12: recorded in error), the ledger is read again."""
    path, _ = statement(tmp_path)
    release = live_release()[0]
    ops.reverse_entry(live_release()[1], memo="Recorded in error", today=TODAY)  # (a class with a reversed entry)
    monkeypatch.setattr(matching, "_FEW_LINES", -1)  # (the walk of the whole ledger, as a big book's statement has)
    rc.import_statement(path)
    walked = []
    real = matching.walked_totals
    monkeypatch.setattr(reconciled, "walked_totals", lambda period: walked.append(real(period)) or walked[-1])

    def read() -> list:
        kept = dict(matching._walked_totals)
        matching._walked_totals.clear()
        try:
            return rc.totals()
        finally:
            matching._walked_totals.update(kept)

    got = rc.totals()
    assert walked[-1] is not None  # (as the walk added them up)
    assert got == read()
    ops.reverse_entry(release, memo="Recorded in error", today=TODAY)
    after = rc.totals()
    assert walked[-1] is None and after == read()

    def paid(totals) -> int:
        return next(t.difference for t in totals if t.currency == release.currency and t.cls == "paid")

    assert paid(after) - paid(got) == release.amount  # (on the statement, no longer in the books)


# ------------------------------------------------------------------ one row for several entries, several for one
def statement_row(reference: str, day: date, type_: str, summary: str, amount: str, freelancer="Ana Ruiz") -> list:
    row = dict.fromkeys(HEAD, "")
    row.update({"Date": day.isoformat(), "Transaction ID": reference, "Transaction Type": type_,
                "Transaction Summary": summary, "Freelancer": freelancer, "Amount $": amount,
                "Currency": "USD"})  # fmt: skip
    return [row[h] for h in HEAD]


def test_r3_one_row_for_a_funding_with_its_fee_and_initiation_fee_matches_all_three(contract, tmp_path):
    """The marketplace may show a funding as one charge: the deposit, its fee and the contract initiation fee."""
    day = START + timedelta(days=3)
    m = ops.add_milestone(contract, "Logo", 10_000)
    fund = ops.fund_milestone(m, on=day, today=day)
    entries = [fund.id, *(f.id for f in LedgerEntry.select().where(LedgerEntry.funding == fund))]
    assert len(entries) == 3  # $100.00, its 5% fee and the $0.99 initiation fee
    rc.import_statement(
        save(tmp_path / "s.csv", [HEAD, statement_row("T1", day, "Fixed Price", "Escrow funding: Logo", "-105.99")])
    )
    assert rc.agrees()
    (row,) = rc.page([rc.MATCHED])
    assert (row.reference, row.amount, row.books_amount, row.contract_id) == ("T1", 10_599, 10_599, contract.id)
    linked = contract._meta.database.execute_sql(
        "SELECT entry_id FROM statement_match WHERE line_id = ? ORDER BY entry_id", (row.line_id,)
    ).fetchall()
    assert [e for (e,) in linked] == sorted(entries)  # the statement's reference is on each of the three


def test_r5_two_rows_for_one_release_on_its_day_match_it(contract, tmp_path):
    day = START + timedelta(days=3)
    m = ops.add_milestone(contract, "Logo", 10_000)
    ops.fund_milestone(m, on=day, today=day)
    ops.release_payment(m, on=day + timedelta(days=2), today=day + timedelta(days=2))
    rows = [
        statement_row("T1", day, "Fixed Price", "Escrow funding: Logo", "-100.00"),
        statement_row("T2", day, "Service Fee", "Marketplace fee: Logo", "-5.00"),
        statement_row("T3", day, "Contract Initiation Fee", "Contract initiation fee", "-0.99"),
        statement_row("T4", day + timedelta(days=2), "Fixed Price", "Payment released: Logo", "-60.00"),
        statement_row("T5", day + timedelta(days=2), "Fixed Price", "Payment released: Logo", "-40.00"),
    ]
    rc.import_statement(save(tmp_path / "s.csv", [HEAD, *rows]))
    assert rc.agrees() and rc.counts()[rc.MATCHED] == 5
    t4, t5 = (r for r in rc.page([rc.MATCHED]) if r.reference in ("T4", "T5"))
    assert t4.entry_id == t5.entry_id and t4.books_amount == 10_000


def test_a_row_goes_to_the_contract_whose_milestone_its_description_names(freelancer, tmp_path):
    """Two USD contracts of one freelancer: the row naming a milestone of one goes to it, asking nothing."""
    day = START + timedelta(days=2)
    found = {}
    for title, milestone in (("Logo redesign", "Wireframes"), ("Brand guide", "Colour palette")):
        c = ops.create_contract(title, freelancer, policy="direct", currency="USD", started_on=START, today=START)
        m = ops.add_milestone(c, milestone, 10_000)
        ops.fund_milestone(m, on=day, today=day)
        found[milestone] = c.id
    rows = [
        statement_row("T1", day, "Fixed Price", "Escrow funding: Colour palette", "-100.00"),
        statement_row("T2", day, "Fixed Price", "Escrow funding: Wireframes", "-100.00"),
    ]
    rc.import_statement(save(tmp_path / "s.csv", [HEAD, *rows]))
    assert rc.agrees()
    assert {(r.reference, r.contract_id) for r in rc.page([rc.MATCHED])} == {
        ("T1", found["Colour palette"]),
        ("T2", found["Wireframes"]),
    }


def test_a_row_of_a_freelancer_with_one_contract_goes_to_it_and_of_a_stranger_to_none(contract, tmp_path):
    day = START + timedelta(days=3)
    m = ops.add_milestone(contract, "Logo", 10_000)
    ops.fund_milestone(m, on=day, today=day)
    rows = [
        statement_row("T1", day, "Fixed Price", "Escrow funding", "-100.00"),
        statement_row("T2", day, "Service Fee", "Marketplace fee", "-5.00"),
        statement_row("T3", day, "Contract Initiation Fee", "Contract initiation fee", "-0.99"),
        statement_row("T4", day, "Fixed Price", "Escrow funding", "-50.00", freelancer="Somebody Else"),
    ]
    rc.import_statement(save(tmp_path / "s.csv", [HEAD, *rows]))
    assert {(r.reference, r.status, r.contract_id) for r in rc.page()} == {
        ("T1", rc.MATCHED, contract.id),
        ("T2", rc.MATCHED, contract.id),
        ("T3", rc.MATCHED, contract.id),
        ("T4", rc.NO_CONTRACT, None),
    }
    (stranger,) = rc.page([rc.NO_CONTRACT])
    assert stranger.words() == "No contract of the books fits it: choose its contract, or add the contract."


# ------------------------------------------------------------------ a small statement: the contracts it names only
@pytest.fixture
def named_contracts(book):
    """Four USD contracts (Direct policy) with references in several scripts and a milestone funded on each, and
    a fifth freelancer, written "Bo  LUND" in the book, with one contract and no reference."""
    out = {}
    ana = ops.create_freelancer("Ana Ruiz")
    for n, reference in enumerate(("ab-7", "Straße-9", "Ölbaum-3", "ﬁg-2")):
        c = ops.create_contract(f"Work {n}", ana, policy="direct", currency="USD", started_on=START, today=START,
                                external_id=reference)  # fmt: skip
        ops.fund_milestone(ops.add_milestone(c, f"Part {n}", 10_000), on=START, today=START)
        out[reference] = c.id
    bo = ops.create_contract("Poster", ops.create_freelancer("Bo  LUND"), policy="direct", currency="USD",
                             started_on=START, today=START)  # fmt: skip
    ops.fund_milestone(ops.add_milestone(bo, "Poster", 10_000), on=START, today=START)
    out["bo"] = bo.id
    return out


@pytest.mark.parametrize("read_apart_from", [0, rc.READ_APART_FROM], ids=["big", "small"])
def test_a_row_finds_its_contract_by_its_reference_in_any_case_and_by_the_freelancer(
    named_contracts, tmp_path, monkeypatch, read_apart_from
):
    """Whether the statement is big (every contract read at once) or small (only the contracts its rows name
    looked up), a row finds the contract whose reference it names, in upper or lower case or case-folded
    (“STRASSE-9” for “Straße-9”, “FIG-2” for “ﬁg-2”), and else the one contract of its freelancer, however
    the freelancer's name is spaced and cased."""
    monkeypatch.setattr(rc, "READ_APART_FROM", read_apart_from)
    named = [("AB-7", "ab-7"), ("STRASSE-9", "Straße-9"), ("ölbaum-3", "Ölbaum-3"), ("FIG-2", "ﬁg-2")]
    rows = [HEAD]
    for n, (written, _) in enumerate(named):
        rows.append(statement_row(f"90{n}", START, "Fixed Price", f"Escrow funding - Work {n} ({written})",
                                  "-100.00", freelancer="Someone Else"))  # fmt: skip
    rows.append(statement_row("909", START, "Fixed Price", "Escrow funding: Poster", "-100.00", freelancer="bo lund"))
    rc.import_statement(save(tmp_path / "s.csv", rows))
    found = {r.reference: (r.status, r.contract_id) for r in rc.page([rc.MATCHED, *rc.DIFFERENCES])}
    assert found == {
        **{f"90{n}": (rc.MATCHED, named_contracts[stored]) for n, (_, stored) in enumerate(named)},
        "909": (rc.MATCHED, named_contracts["bo"]),
    }


def test_a_row_dated_days_after_its_entry_outside_the_period_still_finds_it(two_contracts, tmp_path):
    """The statement's period is one day, a week after both fundings: the row naming “Logo redesign” finds its
    funding with the date differing (read from the days around the period), and the other contract's funding,
    outside the period, is not in the books only."""
    logo, brand = two_contracts
    day = START + timedelta(days=8)
    row = statement_row("5001", day, "Fixed Price", "Escrow funding: Logo redesign sketches", "-100.00")
    rc.import_statement(save(tmp_path / "s.csv", [HEAD, row]))
    (fund,) = LedgerEntry.select().where(LedgerEntry.contract == logo, LedgerEntry.kind == LedgerEntry.FUND)
    assert [(r.status, r.reference, r.entry_id, r.contract_id) for r in rc.page([rc.MATCHED, *rc.DIFFERENCES])] == [
        (rc.DATE_DIFFERS, "5001", fund.id, logo.id)
    ]


def test_the_ascii_letters_other_characters_case_into_are_known():
    """A reference in plain ASCII without these letters is looked up as it is written: no other character's upper
    case or case fold (“ﬁ”: “FI”, “ſ”: “s”) can give any of its characters."""
    assert {c for text in rc._cased_from() if text.isascii() for c in text} == rc._ASCII_CASED
    assert rc._written("UP-10000001") == ["UP-10000001"]
    assert sorted(rc._written("FIG-2")) == ["FIG-2", "FıG-2", "ﬁG-2"]
