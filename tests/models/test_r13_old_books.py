"""R13: a book written before the second marketplace version (book format 3, every contract under version 1)
opens in this version, passes `check`, and exports exactly what it exported before: a later version never
rewrites what was recorded under an earlier one."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models import ops
from models.book import open_book, schema_version
from models.check import check_book
from models.csv_io import FILES, export_csv
from models.entities import Contract, Feedback
from models.report import contract_summary

from ..conftest import START, as_format

PAID = date(2026, 3, 5)
ENDED = date(2026, 3, 10)
NOW = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)


def _old_book(path, folder):
    """Contracts of every shape under version 1, in three currencies: exported and summarised, closed, then
    made format 3 (as the version before the second marketplace version wrote it). Returns what it exported
    and the summaries."""
    with open_book(path):
        ana = ops.create_freelancer("Ana Ruiz", email="ana@example.com")
        for n, currency in enumerate(("USD", "EUR", "JPY")):
            c = ops.create_contract(f"Logo {n}", ana, currency=currency, started_on=START, today=START)
            amount = 20_000
            m = ops.add_milestone(c, "Sketches", amount)
            ops.fund_milestone(m, today=START)
            payment = ops.release_payment(m, amount // 2, today=PAID)
            if n == 0:
                ops.record_refund(payment, 1_000, today=PAID)
            if n < 2:
                ops.end_contract(c, agreed=True, request_escrow_refund=True, on=ENDED, today=ENDED)
        stars = dict.fromkeys(Feedback.CATEGORIES, 4)
        ops.submit_feedback(Contract.get(Contract.title == "Logo 0"), stars, comment="Good", now=NOW)
        exported = _exports(path, folder)
        summaries = [contract_summary(c, now=NOW) for c in Contract.select().order_by(Contract.id)]
    as_format(path, 3)
    return exported, summaries


def _exports(path, folder):
    export_csv(folder)
    return {name: (folder / name).read_bytes() for name in FILES}


def test_r13_an_old_book_opens_checks_and_exports_exactly_as_before(tmp_path):
    path = tmp_path / "old.book"
    exported, summaries = _old_book(path, tmp_path / "before")
    with open_book(path, create=False) as book:
        assert book.db.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version()
        assert check_book(str(book.path)) == []
        assert all(c.policy.effective_from == date(2026, 1, 1) for c in Contract.select())
        assert [c.currency for c in Contract.select().order_by(Contract.id)] == ["USD", "EUR", "JPY"]
        assert _exports(path, tmp_path / "after") == exported
        assert [contract_summary(c, now=NOW) for c in Contract.select().order_by(Contract.id)] == summaries
