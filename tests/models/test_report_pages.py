"""Pages of the reports of many rows read in the book's order without counting (models/report_pages.py): each
page, walked from just after the last group read, holds the whole report's next rows, figures and all; a first
page says whether more follow without counting them; the count read apart (as the Reports window reads it, off
its thread) equals the whole report's, with budget against actual's totals."""

from __future__ import annotations

import pytest

from models import ops, rates, report_pages, report_views
from models.entities import database
from models.reports import Filters
from tests.models.rules import funded_milestone
from tests.models.test_reports import D1, D2, D3, small  # noqa: F401 (the hand-built book, a fixture)

from ..conftest import START

KEYS = ("spend_by_contract", "spend_by_freelancer", "budget_vs_actual")
run = report_views.run  # (the window's way to a report, its pages, `after` and `count` with them)


@pytest.fixture
def more(small):  # noqa: F811
    """Beside `small`: Cy with three GBP contracts paid on D2 (one with a budget, one refunded back to nothing),
    Dee whose one contract is only funded (in no report by spend), and an ended contract of Ana's paid on D3."""
    cy = ops.create_freelancer("Cy Adeyemi")
    dee = ops.create_freelancer("Dee Lind")
    for i, budget in enumerate((None, 5_000, None)):
        c = ops.create_contract(f"Cy {i}", cy, policy="direct", currency="GBP", budget=budget, started_on=START,
                                today=START)  # fmt: skip
        paid = ops.release_payment(funded_milestone(c, 10_000 * (i + 1), "One", today=D1), today=D2)
        if i == 2:
            ops.record_refund(paid, 30_000, today=D2)  # (paid and refunded: a spend of 0, still a row)
    only = ops.create_contract("Dee", dee, policy="direct", currency="GBP", started_on=START, today=START)
    funded_milestone(only, 7_000, "Held", today=D2)
    late = ops.create_contract("Late", small["ana"], policy="direct", currency="USD", budget=1_000, started_on=START,
                               today=START)  # fmt: skip
    ops.release_payment(funded_milestone(late, 2_000, "Last", today=D3), today=D3)
    ops.end_contract(late, agreed=True, today=D3)
    return {**small, "cy": cy, "dee": dee}


def walked(key: str, limit: int, **kw) -> tuple[list, list]:
    """Every page of the report in the book's order, each after the last group of the one before, until one
    comes back empty: the rows, and each page as read."""
    rows, pages, after = [], [], None
    while True:
        page = run(key, limit=limit, count=False, after=after, **kw)
        pages.append(page)
        if not page.rows:
            return rows, pages
        rows += page.rows
        after = page.rows[-1].key


@pytest.mark.parametrize("key", list(KEYS))
@pytest.mark.parametrize(
    "first, last, filters",
    [
        (None, None, Filters()),
        (D2, D3, Filters()),
        (D1, D2, Filters(status="active")),
        (None, None, Filters(policy="direct")),
        (D3, None, Filters(status="ended")),
    ],
)
def test_pages_walked_in_the_books_order_are_the_whole_reports_rows(more, key, first, last, filters):
    kw = dict(first=first, last=last, filters=filters, home=False)
    whole = run(key, **kw)
    for limit in (1, 2):
        rows, pages = walked(key, limit, **kw)
        assert rows == list(whole.rows)
        groups = [len({r.key for r in p.rows}) for p in pages]
        assert all(n == limit for n in groups[:-2]) and groups[-1] == 0
    first_page = run(key, limit=1, count=False, **kw)
    if whole.groups > 1:  # (more follow: not counted, one more than it read)
        assert not first_page.counted and first_page.groups == 2
    else:
        assert first_page.counted and first_page.groups == whole.groups
    counted, totals = report_pages.count(key, database.execute_sql, first=first, last=last, filters=filters)
    assert counted == whole.groups
    if key == "budget_vs_actual":
        assert list(totals) == list(whole.totals) and (whole.groups <= 1 or first_page.totals == ())
    else:
        assert totals is None and first_page.totals == whole.totals  # (from the book's day sums: at once)
    every = run(key, limit=100, count=False, **kw)  # a page that holds them all: counted, totals and all
    assert every.counted and every.groups == whole.groups and every.totals == whole.totals


def test_a_page_counted_as_before_when_asked_and_for_one_freelancer(more):
    for key in KEYS:
        whole = run(key, home=False)
        after = run(key, home=False, limit=1, after=whole.rows[0].key)  # (count=True: counted then)
        assert after.counted and after.groups == whole.groups
        assert after.rows[0].key == next(r.key for r in whole.rows if r.key != whole.rows[0].key)
    cy = Filters(freelancer_id=more["cy"].id)
    page = run("spend_by_contract", home=False, filters=cy, limit=1, count=False)  # (a few: read whole)
    assert page.counted and page.groups == 3


def test_a_freelancer_whose_sums_add_up_to_nothing_has_no_row_in_a_page(more):
    """Dee's contract is only funded: no row, in the whole report or a page; Cy's refunded contract counts."""
    rows, _ = walked("spend_by_freelancer", 1, home=False)
    assert str(more["dee"].id) not in {r.key for r in rows}
    cy = [r for r in rows if r.key == str(more["cy"].id)]
    assert [(r.currency, r.figures["spend"]) for r in cy] == [("GBP", 10_000 + 20_000 + 30_000 - 30_000)]


@pytest.mark.parametrize("key", list(KEYS))
def test_a_walked_page_in_the_home_currency_converts_its_groups_as_the_whole_report(more, key):
    rates.set_home_currency("EUR")
    for cur, rate in (("USD", "0.9"), ("GBP", "1.15"), ("JPY", "0.0062")):
        for month in ("2026-03", "2026-04"):
            rates.record_rate(cur, month, rate, today=D3)
    kw = dict(first=D2, last=D3, home=None)  # (None: the book's home currency)
    whole = {r.key: r for r in run(key, **kw).home_rows}
    page = run(key, **kw, limit=2, count=False)
    later = run(key, **kw, limit=2, count=False, after=page.home_rows[-1].key)
    for row in (*page.home_rows, *later.home_rows):
        assert row == whole[row.key]
    assert len(page.home_rows) == 2 and later.home_rows and page.home_rows[-1].key != later.home_rows[0].key
