"""Issue 20: the reconciliation's quicker ways find exactly what a straightforward matching finds. A statement with
rows dropped, moved, altered and repeated, or cut to a few days, is matched by the walk of the whole period (the
days around it read contract by contract, or by date), by the short statement's way (its contracts by their
index, every other contract's entries written as in the books only by SQLite), and by rematching every contract;
each gives the rows of `matching._match` run on each contract's rows and live entries, one contract at a time.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as s

from models import matching, ops
from models import reconcile as rc
from models import statements as st
from models.book import open_book
from models.demo import generate
from models.entities import Contract, LedgerEntry, database
from models.statement_writer import write_statement

from .test_reconcile import AMOUNT, CURRENCY, DATE, REF, TODAY, live_release, load, save

COLUMNS = "line_id, entry_id, contract_id, status, day, difference, lead"


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> tuple[Path, list[list[str]]]:
    """A demo book of 40 contracts with two releases reversed (R12), and its own statement."""
    folder = tmp_path_factory.mktemp("ways")
    path = folder / "demo.book"
    generate(path, 40, seed=3, today=TODAY)
    with open_book(path, create=False):
        for e in live_release()[:2]:
            ops.reverse_entry(e, memo="Recorded in error", today=TODAY)
        write_statement(folder / "s.csv", "marketplace-2025")
    return path, load(folder / "s.csv")


def found() -> list[tuple]:
    return sorted(database.execute_sql(f"SELECT {COLUMNS} FROM statement_match").fetchall(), key=repr)


def straightforward() -> list[tuple]:
    """Each contract by itself: all its kept rows against all its live entries of the days the matching looks at."""
    out: list[tuple] = list(
        database.execute_sql(
            "SELECT id, NULL, NULL, CASE WHEN kind = ? THEN ? WHEN candidates > 1 THEN ? ELSE ? END, day, 0, 1 "
            "FROM statement_line WHERE contract_id IS NULL OR kind = ?",
            (st.NOT_KEPT, rc.NOT_KEPT, rc.CHOOSE, rc.NO_CONTRACT, st.NOT_KEPT),
        )
    )
    first, last = matching._period()
    near_from = (date.fromisoformat(first) - timedelta(days=matching.NEAR_DAYS)).isoformat()
    near_to = (date.fromisoformat(last) + timedelta(days=matching.NEAR_DAYS)).isoformat()
    reversed_ids = {r.reverses_id for r in LedgerEntry.select().where(LedgerEntry.reverses.is_null(False))}
    for c in Contract.select().order_by(Contract.id):
        lines = [
            (c.id, lid, matching.KIND_CLASS[kind], cur, amount, day)
            for lid, kind, cur, amount, day in database.execute_sql(
                "SELECT id, kind, currency, amount, day FROM statement_line WHERE contract_id = ? AND kind != ? "
                "ORDER BY day, row",
                (c.id, st.NOT_KEPT),
            )
        ]
        entries = [
            (c.id, e.id, matching.ENTRY_CLASS[e.kind], e.currency, e.amount, e.date.isoformat(), e.funding_id)
            for e in c.ledger.order_by(LedgerEntry.date, LedgerEntry.id)
            if e.kind in matching.ENTRY_CLASS
            and e.id not in reversed_ids
            and near_from <= e.date.isoformat() <= near_to
        ]
        if lines:
            matching._match(c.id, lines, entries, first, last, out)
        else:
            out.extend((None, e[1], c.id, rc.BOOKS_ONLY, e[5], 0, True) for e in entries if first <= e[5] <= last)
    return sorted(((*r[:6], int(r[6])) for r in out), key=repr)


def reversed_on(book: Path) -> date:
    """The date of the first entry reversed in `book`."""
    with open_book(book, create=False):
        return LedgerEntry.select().where(LedgerEntry.reverses.is_null(False)).order_by(LedgerEntry.id)[0].reverses.date


def _cents(cell: str, k: int) -> str | None:
    value = Decimal(cell) - Decimal(k) / 100
    return f"{value:.2f}" if value < 0 else None


edits = s.lists(
    s.tuples(
        s.sampled_from(["drop", "move", "amount", "again"]), s.floats(0, 1, exclude_max=True), s.integers(-50, 50)
    ),
    max_size=12,
)


# A cut: (where its first day falls in the statement, or None: on a day an entry was reversed; how many days).
cuts = s.one_of(s.none(), s.tuples(s.one_of(s.none(), s.floats(0, 1)), s.integers(1, 40)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=edits, cut=cuts)
@example(edits=[], cut=(None, 1))  # a day with a reversed entry, its contract named by no row of that day
def test_the_quicker_ways_match_as_each_contract_by_itself(source, monkeypatch, edits, cut):
    book, rows = source
    head, body = rows[0], [list(r) for r in rows[1:]]
    for n, (what, where, k) in enumerate(edits):
        i = int(where * len(body))
        row = body[i]
        if what == "drop":
            del body[i]
            if not body:
                return
        elif what == "move" and k:
            row[DATE] = (date.fromisoformat(row[DATE]) + timedelta(days=k)).isoformat()
        elif what == "amount" and k and row[CURRENCY] in ("USD", "EUR", "GBP"):
            row[AMOUNT] = _cents(row[AMOUNT], k) or row[AMOUNT]
        elif what == "again":
            body.insert(i, [*row[:REF], f"79{n:07d}", *row[REF + 1 :]])
    if cut is not None:  # a few days of the statement only
        start = date.fromisoformat(min(body, key=lambda r: r[DATE])[DATE])
        span = (date.fromisoformat(max(body, key=lambda r: r[DATE])[DATE]) - start).days
        since = start + timedelta(days=int(cut[0] * span)) if cut[0] is not None else reversed_on(book)
        body = [r for r in body if since <= date.fromisoformat(r[DATE]) < since + timedelta(days=cut[1])] or body[-1:]
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "b.book"
        shutil.copyfile(book, copy)
        with open_book(copy, create=False):
            rc.import_statement(save(Path(tmp) / "s.csv", [head, *body]))
            expected = straightforward()
            assert found() == expected  # (few contracts for a demo book: the short statement's way)
            with monkeypatch.context() as m:
                m.setattr(matching, "_FEW_LINES", -1)  # the walk, the days around read contract by contract
                rc.reconcile()
                assert found() == expected
                m.setattr(matching, "_BY_CONTRACT", 0)  # the walk, the days around read by date
                rc.reconcile()
                assert found() == expected
            rc.reconcile([c.id for c in Contract.select()])
            assert found() == expected
