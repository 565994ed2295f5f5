"""Issue 16: the CSV import, fuzzed. A valid export of a small book (several contracts: deposits with their
fees, payments, a refund, a reversal, an escrow refund, a dispute's split, ended and active contracts, in
three currencies) is mutated by Hypothesis: cells changed (digits, dates, kinds, links, amounts, unicode,
empty), rows swapped, duplicated or deleted, files cut short or given a broken byte. Each mutated folder is
imported into an empty book, and one of two things must happen:

- imported whole, and `check_book()` finds nothing wrong with the book; or
- refused (ImportRefused), every problem naming its file and row, and the book row for row unchanged.

Any other exception fails the test. Examples: HYPOTHESIS_CSV_EXAMPLES, else 300 when CI is set, else 2,000.
The counts (imported / refused) are printed at the end of the run (conftest.py in this folder).
"""

from __future__ import annotations

import csv
import io
import os
import re
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import ops
from models.book import open_book
from models.check import check_book
from models.csv_io import FILES, export_csv, import_folder
from models.entities import Contract, LedgerEntry, database
from models.errors import ImportRefused

from ..conftest import START, snapshot
from .figures import CSV_FUZZ

EXAMPLES = int(os.environ.get("HYPOTHESIS_CSV_EXAMPLES") or (300 if os.environ.get("CI") else 2_000))
TODAY = date(2026, 4, 10)
WHERE = re.compile(r"^(contracts|milestones|ledger)\.csv row \d+\b")


def small_book() -> None:
    """The book the export comes from (the fixture of tests/models/test_csv.py, smaller)."""
    ana = ops.create_freelancer("Ana Ruiz", agency="Northwind", email="ana@example.com")
    usd = ops.create_contract("Logo", ana, external_id="UP-1", started_on=START, today=START)
    a = ops.add_milestone(usd, "Sketches", 100_000, due_on=date(2026, 4, 1), description="Two rounds,\nthen one")
    b = ops.add_milestone(usd, "=Final", 50_000)
    ops.fund_milestone(a, today=date(2026, 3, 2))
    ops.submit_work(a, today=date(2026, 3, 5))
    payment = ops.release_payment(a, memo="-first", today=date(2026, 3, 6))
    ops.record_refund(payment, 12_345, today=date(2026, 3, 9))
    ops.fund_milestone(b, today=date(2026, 3, 10))
    wrong = ops.release_payment(b, 1_000, today=date(2026, 3, 11))
    ops.reverse_entry(wrong, today=date(2026, 3, 12))
    ops.end_contract(usd, agreed=True, request_escrow_refund=True, today=date(2026, 3, 20))
    request = Contract.get_by_id(usd.id).escrow_refund_requests.get()
    dispute = ops.record_escrow_refund_reply(request, "disputed", today=date(2026, 3, 21))
    ops.resolve_dispute(dispute, to_freelancer=20_000, to_client=30_000, today=date(2026, 4, 2))

    sara = ops.create_freelancer("سارة 🎨")
    jpy = ops.create_contract("ロゴ", sara, currency="JPY", started_on=START, today=START)
    m = ops.add_milestone(jpy, "Draft", 50_000)
    ops.fund_milestone(m, today=date(2026, 3, 3))
    ops.release_payment(m, 20_000, today=date(2026, 3, 4))
    ops.end_contract(jpy, agreed=True, request_escrow_refund=True, today=date(2026, 3, 5))
    ops.record_escrow_refund_reply(
        Contract.get_by_id(jpy.id).escrow_refund_requests.get(), "approved", today=date(2026, 3, 6)
    )
    kwd = ops.create_contract("Audit", ana, policy="direct", currency="KWD", started_on=START, today=START)
    k = ops.add_milestone(kwd, "Report", 1_234_567)
    ops.fund_milestone(k, today=date(2026, 3, 3))
    ops.submit_work(k, today=date(2026, 3, 4))
    ops.add_milestone(kwd, "Follow-up", 5)
    eur = ops.create_contract("Copy", ana, policy="direct", currency="EUR", started_on=START, today=START)
    e = ops.add_milestone(eur, "Texts", 30_000)
    ops.fund_milestone(e, today=date(2026, 3, 2))
    ops.release_payment(e, today=date(2026, 3, 3))


# ------------------------------------------------------------------ mutations

SPECIAL = [
    "", " ", "0", "1", "2", "3", "4", "7", "12", "-1", "1.5", "²", "①", "٣", "1" * 5_000, str(2**64), str(2**63),
    str(2**63 - 1), "2026-03-01", "2026-03-04", "2026-03-21", "2026-04-10", "2026-04-11", "2025-12-31",
    "1899-12-31", "2999-12-31", "9999-12-31", "2026-02-30", "26-03-01", "2026-03-15T23:59:59Z",
    "0.01", "5.00", "300.00", "1234.567", "999999999999.99", "1e3", "1,000.00", "-5.00",
    "active", "ended", "unfunded", "submitted", "paid", "closed", "upwork", "direct", "2026-12-01",
    "USD", "JPY", "KWD", "EUR", "XYZ", "usd", "UP-1", "=1+1", "'", "'=cmd", "a\nb", "\u202eevil", "\x00", "\x07",
    *LedgerEntry.KINDS,
]  # fmt: skip
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12)
VALUE = st.one_of(st.sampled_from(SPECIAL), TEXT, st.integers(0, 60).map(str))
INDEX = st.integers(0, 10_000)  # taken modulo the size of what it picks from
FILE = st.sampled_from(FILES)

MUTATION = st.one_of(
    st.tuples(st.just("cell"), FILE, INDEX, INDEX, VALUE),
    st.tuples(st.just("copy_cell"), FILE, INDEX, INDEX, INDEX),  # a value from another row, same column
    st.tuples(st.just("swap"), FILE, INDEX, INDEX),
    st.tuples(st.just("duplicate"), FILE, INDEX, INDEX),
    st.tuples(st.just("delete"), FILE, INDEX),
    st.tuples(st.just("cut_cells"), FILE, INDEX, INDEX),  # a row with cells missing
    st.tuples(st.just("truncate"), FILE, INDEX),  # the file cut short at a byte
    st.tuples(st.just("bad_byte"), FILE, INDEX, st.sampled_from([b"\xff", b"\xed\xa0\x80", b"\xc3", b'"', b"\r"])),
)


def mutate(files: dict[str, list[list[str]]], mutations) -> dict[str, bytes]:
    rows = {name: [list(r) for r in files[name]] for name in FILES}
    raw_changes = []
    for m in mutations:
        kind, name, *args = m
        body = rows[name]  # body[0] is the header row
        n = len(body) - 1
        if kind == "cell" and n:
            i, j, value = args
            r = body[1 + i % n]
            if r:
                r[j % len(r)] = value
        elif kind == "copy_cell" and n:
            i, j, k = args
            col, to, source = j % len(body[0]), body[1 + i % n], body[1 + k % n]
            if col < min(len(to), len(source)):
                to[col] = source[col]
        elif kind == "swap" and n:
            i, j = args
            a, b = 1 + i % n, 1 + j % n
            body[a], body[b] = body[b], body[a]
        elif kind == "duplicate" and n:
            i, j = args
            body.insert(1 + j % (n + 1), list(body[1 + i % n]))
        elif kind == "delete" and n:
            del body[1 + args[0] % n]
        elif kind == "cut_cells" and n:
            i, k = args
            r = body[1 + i % n]
            del r[k % max(len(r), 1) :]
        else:
            raw_changes.append(m)
    out = {}
    for name in FILES:
        text = io.StringIO(newline="")
        csv.writer(text, lineterminator="\r\n").writerows(rows[name])
        out[name] = b"\xef\xbb\xbf" + text.getvalue().encode("utf-8")
    for kind, name, *args in raw_changes:
        data = out[name]
        at = args[0] % (len(data) + 1)
        out[name] = data[:at] if kind == "truncate" else data[:at] + args[1] + data[at:]
    return out


# ------------------------------------------------------------------ the test


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> dict[str, list[list[str]]]:
    folder = tmp_path_factory.mktemp("csv-fuzz")
    with open_book(folder / "source.book"):
        small_book()
        export_csv(folder / "export")
    return {
        name: list(csv.reader(io.StringIO((folder / "export" / name).read_bytes().decode("utf-8-sig"), newline="")))
        for name in FILES
    }


def test_r14_a_mutated_csv_export_is_imported_whole_and_checks_clean_or_refused_by_file_and_row(export, tmp_path):
    folder = tmp_path / "mutated"
    folder.mkdir()
    book = open_book(tmp_path / "empty.book")
    empty = snapshot()
    started = time.perf_counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(st.lists(MUTATION, max_size=4))
    def one(mutations):
        for name, data in mutate(export, mutations).items():
            Path(folder / name).write_bytes(data)
        with database.atomic() as txn:
            try:
                import_folder(folder, today=TODAY)
            except ImportRefused as exc:
                assert snapshot() == empty, "a refused import changed the book"
                assert exc.problems
                for problem in exc.problems:
                    assert WHERE.match(problem), problem
                CSV_FUZZ["refused"] += 1
            else:
                assert check_book() == [], mutations
                CSV_FUZZ["imported"] += 1
            txn.rollback()
        assert snapshot() == empty

    try:
        one()
    finally:
        CSV_FUZZ["seconds"] += time.perf_counter() - started
        CSV_FUZZ["max_examples"] = EXAMPLES
        book.close()
    assert CSV_FUZZ["imported"] > 0 and CSV_FUZZ["refused"] > 0
