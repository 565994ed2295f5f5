"""What the Reports window asks of the reports (models/report_views.py): the entries behind every figure of every
report add up to that figure, to the minor unit, in its currency (a balance at a month end too); a chart's series
are the report's figures, and a chart by freelancer adds up to the period's spend exactly."""

from __future__ import annotations

from datetime import date

import pytest

from models import ops, report_views, reports
from models.entities import LedgerEntry, database
from tests.models.rules import funded_milestone

from ..conftest import START

E = LedgerEntry
D1, D2, D3 = date(2026, 3, 2), date(2026, 3, 31), date(2026, 4, 1)


@pytest.fixture
def small(book):
    """Three freelancers, four contracts in USD, EUR and JPY: payments, fees, a refund, an escrow refund, a
    reversal, across March and April 2026."""
    ana = ops.create_freelancer("Ana Ruiz")
    ben = ops.create_freelancer("Ben Okafor")
    cy = ops.create_freelancer("Cy Lund")
    usd = ops.create_contract("Logo", ana, currency="USD", budget=60_000, started_on=START, today=START)
    eur = ops.create_contract("Site", ben, currency="EUR", budget=200_000, started_on=START, today=START)
    jpy = ops.create_contract("Copy", ana, policy="direct", currency="JPY", started_on=START, today=START)
    more = ops.create_contract("Icons", cy, currency="USD", started_on=START, today=START)
    pay = ops.release_payment(funded_milestone(usd, 50_000, "Draft", today=D1), today=D2)
    ops.record_refund(pay, 5_000, today=D3)
    ops.release_payment(funded_milestone(usd, 30_000, "Final", today=D3), 10_000, today=D3)
    ops.release_payment(funded_milestone(eur, 120_000, "Build", today=D1), today=D2)
    wrong = funded_milestone(eur, 7_000, "Typo", today=D2)
    ops.reverse_entry(E.get((E.milestone == wrong.id) & (E.kind == E.FUND)), memo="Recorded in error", today=D2)
    m4 = funded_milestone(jpy, 9_000, "Text", today=D3)
    ops.release_payment(m4, 4_000, today=D3)
    ops.end_contract(jpy, agreed=True, request_escrow_refund=True, today=D3)
    ops.record_escrow_refund_reply(jpy.escrow_refund_requests.get(), "approved", today=D3)
    ops.release_payment(funded_milestone(more, 20_000, "Set", today=D3), today=D3)
    return {"ana": ana, "ben": ben, "cy": cy}


def behind(report_key, report, row, column) -> int | None:
    drill = report_views.drill(report_key, report, row.key, column, row.currency)
    if drill is None:
        return None
    lines, count = reports.entries_behind(drill.column, **drill.kwargs, limit=10_000)
    assert count == len(lines)
    assert all(line.currency == row.currency for line in lines)
    return sum(line.amount for line in lines)


@pytest.mark.parametrize("key", [k for k, *_ in report_views.CATALOGUE])
@pytest.mark.parametrize("dates", [(None, None), (D2, D3)], ids=["all dates", "31 Mar to 1 Apr"])
def test_the_entries_behind_every_figure_add_up_to_it(small, key, dates):
    first, last = dates
    report = report_views.run(key, period="month", first=first, last=last, home=False)
    assert report.rows
    checked = 0
    for row in [*report.rows, *report.totals]:
        for column in report.columns:
            total = behind(key, report, row, column)
            if total is None:
                assert column == "budget" or (key == "budget_vs_actual" and not row.key)
                assert report_views.why_no_entries(key, row.key, column)
                continue
            expected = row.figures["actual"] if column == "left" else row.figures[column]
            assert total == expected, (key, row.key, row.currency, column)
            checked += 1
    assert checked >= len(report.rows)


def test_a_balance_at_a_month_end_counts_everything_up_to_that_day(small):
    report = report_views.run("escrow_by_month_end", first=D3, last=D3, home=False)
    drill = report_views.drill("escrow_by_month_end", report, "2026-04", "escrow", "USD")
    assert drill.kwargs["first"] is None and drill.kwargs["last"] == D3
    assert "up to that day" in drill.note


def test_the_spend_chart_is_the_reports_figures(small):
    report = report_views.run("spend_by_period", period="month", home=False)
    data = report_views.spend_chart(report, "USD")
    rows = [r for r in report.rows if r.currency == "USD"]
    assert data.categories == ("Mar 2026", "Apr 2026")
    assert [s.name for s in data.series] == ["Paid to freelancers", "Fees", "Refunds received"]
    assert data.series[0].values == tuple(r.figures["paid"] for r in rows)
    assert data.series[2].values == tuple(-r.figures["refunded"] for r in rows)  # below the axis
    assert data.totals == tuple(r.figures["spend"] for r in rows)


def test_a_chart_by_freelancer_adds_up_to_the_spend_with_the_others(small):
    data = report_views.spend_by_freelancer_chart("month", "USD", top=1)
    assert [s.name for s in data.series] == ["Ana Ruiz", "Others"]  # Cy is one of the others
    for i in range(len(data.categories)):
        assert sum(s.values[i] for s in data.series) == data.totals[i]


def test_the_budget_chart_puts_the_contracts_over_budget_first(small):
    report = report_views.run("budget_vs_actual", home=False)
    data = report_views.budget_chart(report, "USD", top=1)
    assert data.categories == ("Logo",) and data.flags in (("Over budget",), ("Under budget",))
    assert "of 1 in USD" not in data.note


@pytest.mark.parametrize("dates", [(None, None), (D2, D3), (D3, None)], ids=["all dates", "31 Mar-1 Apr", "from 1 Apr"])
def test_a_charts_few_rows_read_apart_draw_the_chart_the_whole_report_draws(small, dates):
    """The Reports window reads the few freelancers or contracts a chart shows on its worker thread
    (report_views.chart_top: each currency's first few ranked in SQL): the chart drawn of them is the chart drawn
    of the whole report, in every currency, with its choices of currency and its note of how many are left out."""
    first, last = dates
    dev = ops.create_freelancer("Dee Vos")
    for title, budget, paid in (("Ads", 60_000, 0), ("Blog", 10_000, 25_000), ("Card", 90_000, 30_000)):
        c = ops.create_contract(title, dev, currency="USD", budget=budget, started_on=START, today=START)
        if paid:
            ops.release_payment(funded_milestone(c, paid, "Work", today=D3), today=D3)  # (Blog: over budget)
    run = database.connection().execute
    budget = report_views.run("budget_vs_actual", first=first, last=last, home=False)
    few = report_views.chart_top("budget_vs_actual", run, first=first, last=last)
    assert report_views.currencies(few) == report_views.currencies(budget) == ["USD", "EUR"]
    for top in (1, 2, report_views.BUDGET_TOP):
        read = reports.top_rows("budget_vs_actual", run, first=first, last=last, top=top)
        for currency in ("USD", "EUR"):
            assert report_views.budget_chart(read, currency, top) == report_views.budget_chart(budget, currency, top)
    shown = report_views.budget_chart(few, "USD")
    assert shown.categories[0] == "Blog" and shown.flags[0] == "Over budget"
    for top in (1, 2, 3):
        read = reports.top_rows("spend_by_freelancer", run, first=first, last=last, top=top)
        for currency in ("USD", "EUR", "JPY"):
            whole = report_views.spend_by_freelancer_chart("month", currency, first=first, last=last, top=top)
            apart = report_views.spend_by_freelancer_chart("month", currency, first=first, last=last, top=top,
                                                           ranked=read)  # fmt: skip
            assert apart == whole, (top, currency)
    with pytest.raises(ValueError, match="no chart's rows"):
        reports.top_rows("spend_by_contract", run, top=1)


@pytest.mark.parametrize("key", sorted(report_views.KEYED))
def test_the_rest_of_a_report_read_through_another_connection_is_the_rest_read_here(small, key):
    """The Reports window reads the rows it has not shown yet on its worker thread, through the book's connection
    (`through`), to sort them all by a heading the report cannot sort its pages by: the rows are the report's own,
    after the first groups, with its count and totals; in the home currency, or a page, it is refused."""
    run = database.connection().execute
    for first, last in ((None, None), (D2, D3), (D3, None)):
        whole = report_views.run(key, first=first, last=last, home=False)
        for offset in (0, 1, 2):
            kw = dict(first=first, last=last, home=False, offset=offset)
            rest = report_views.run(key, **kw, through=run)
            assert rest == report_views.run(key, **kw), (first, offset)
            keys = list(dict.fromkeys(r.key for r in whole.rows))[offset:]
            assert [r for r in rest.rows if r.key in keys] == list(rest.rows) and rest.groups == whole.groups
    with pytest.raises(ValueError, match="not in the home currency"):
        report_views.run(key, home="EUR", through=run)
    with pytest.raises(ValueError, match="only the rest of a report of many rows"):
        report_views.run(key, home=False, limit=1, through=run)
    with pytest.raises(ValueError, match="only the rest of a report of many rows"):
        report_views.run("spend_by_period", home=False, through=run)


def test_period_words():
    assert [report_views.period_words(k) for k in ("2026-03", "2026-Q1", "2026")] == ["Mar 2026", "Q1 2026", "2026"]
