"""R12 `escrowbook check` verifies the kept sums of a book file (per contract and day, per contract and month, per
contract, per contract and year, and the book's per day) by weighted sums over the ledger and over each table
(models/kept_sums.py), without deriving them afresh. Every change a derivation would find is found, in particular
those that leave every total unchanged (an amount moved between two days, two contracts or two columns); and what is
found is then named by the exact derivation, in the client's words."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from models import kept_sums, ops, report_totals
from models.check import check_book
from models.entities import LedgerEntry, database
from models.summary import BUCKETS, LESS

from ..conftest import START

# A book file's check alone verifies its kept sums so (a shared book's derives them afresh: tests/models/
# test_check_passes.py runs on both stores): each test here runs on SQLite only.
SQLITE_ONLY = pytest.mark.parametrize("store", ["sqlite"])

DAY_1 = START + timedelta(days=2)
DAY_2 = START + timedelta(days=5)


@pytest.fixture
def two_contracts(book, freelancer, contract):
    """Two USD contracts, each with a milestone funded on DAY_1 and paid on DAY_2, and a refund of part of the
    first's payment on DAY_2."""
    other = ops.create_contract("Website", freelancer, currency="USD", started_on=START, today=START)
    ids = {"a": contract.id, "b": other.id, "f": freelancer.id, "day_1": DAY_1.isoformat(), "day_2": DAY_2.isoformat()}
    for c, amount in ((contract, 40_000), (other, 25_000)):
        m = ops.add_milestone(c, "Design", amount)
        ops.fund_milestone(m, today=DAY_1)
        payment = ops.release_payment(m, today=DAY_2)
        if c is contract:
            ops.record_refund(payment, 3_000, today=DAY_2)
    assert check_book() == []
    return ids


def _verdict() -> kept_sums.Verdict:
    return kept_sums.verify(database.execute_sql)


def _tamper(sql: str, ids: dict) -> None:
    database.execute_sql("PRAGMA foreign_keys = OFF")
    for statement in sql.format(**ids).split("; "):
        database.execute_sql(statement)


def test_r12_the_totals_and_months_add_up_the_same_kinds_as_the_day_sums():
    """The contracts' totals and months are verified with the day sums' multipliers: each total must add up
    exactly the kinds (and signs) of its day sums' column."""

    def kinds_of(sql_list: str) -> set[str]:
        return set(re.findall(r"'(\w+)'", sql_list))

    for total, day in kept_sums._TOTALS_AS_DAYS.items():
        column = report_totals.COLUMN_KINDS[day]
        assert kinds_of(BUCKETS[total]) == {k for k, sign in column.items() if sign > 0}, total
        assert kinds_of(LESS.get(total, "()")) == {k for k, sign in column.items() if sign < 0}, total
    for month, day in kept_sums._MONTHS.items():
        assert month == day and all(sign > 0 for sign in report_totals.COLUMN_KINDS[day].values())


# (every kept summary vouched for; none)
AGREE = kept_sums.Verdict(**dict.fromkeys(kept_sums.Verdict.__dataclass_fields__, True))
DISAGREE = kept_sums.Verdict(**dict.fromkeys(kept_sums.Verdict.__dataclass_fields__, False))


@SQLITE_ONLY
def test_r12_kept_sums_of_a_sound_book_agree(two_contracts):
    assert _verdict() == AGREE
    tables = "SELECT name FROM temp.sqlite_master WHERE name LIKE 'check_w%'"
    assert database.execute_sql(tables).fetchall() == []  # (its weights go with it)


@SQLITE_ONLY
def test_r12_kept_sums_of_an_empty_book_agree(book):
    assert _verdict() == AGREE


# (what is changed outside the app, the kept sum that no longer agrees, what check then says)
DAYS = "contract #{a}: its stored day sums for the reports differ from its ledger (summary out of date)."
YEARS = "contract #{a}: its stored yearly sums for the reports differ from its ledger (summary out of date)."
LIFE = "contract #{a}: its stored sums over all dates for the reports differ from its ledger (summary out of date)."
FREELANCER_LIFE = (
    "freelancer #{f}: the stored sums of their contracts over all dates for the reports differ from the ledger "
    "(summary out of date)."
)
FREELANCERS = (
    "freelancer #{f}: the stored yearly sums of their contracts for the reports differ from the ledger (summary out of "
    "date)."
)
CASES = {
    "an amount moved from one day to another": (
        "UPDATE contract_day SET funded = funded - 100 WHERE contract_id = {a} AND day = '{day_1}'; "
        "UPDATE contract_day SET funded = funded + 100 WHERE contract_id = {a} AND day = '{day_2}'",
        "days",
        DAYS,
    ),
    "an amount moved from one contract to another on a day": (
        "UPDATE contract_day SET paid = paid - 100 WHERE contract_id = {a} AND day = '{day_2}'; "
        "UPDATE contract_day SET paid = paid + 100 WHERE contract_id = {b} AND day = '{day_2}'",
        "days",
        DAYS,
    ),
    "an amount moved from one column to another": (
        "UPDATE contract_day SET paid = paid - 100, refunded = refunded + 100 "
        "WHERE contract_id = {a} AND day = '{day_2}'",
        "days",
        DAYS,
    ),
    "a day's row under another freelancer": (
        "UPDATE contract_day SET freelancer_id = freelancer_id + 1 WHERE contract_id = {a} AND day = '{day_1}'",
        "days",
        DAYS,
    ),
    "a day's row adding up to nothing": (
        "INSERT INTO contract_day SELECT contract_id, '2026-01-05', currency, freelancer_id, status, policy_id, "
        "0, 0, 0, 0, 0 FROM contract_day WHERE contract_id = {a} LIMIT 1",
        "days",
        DAYS,
    ),
    "a total moved from one contract to another": (
        "UPDATE contract_totals SET released = released - 100 WHERE contract_id = {a}; "
        "UPDATE contract_totals SET released = released + 100 WHERE contract_id = {b}",
        "totals",
        "contract #{a}: its stored totals differ from its ledger (summary out of date).",
    ),
    "an escrow that is not what was funded less what went out": (
        "UPDATE contract_totals SET escrow = escrow + 100 WHERE contract_id = {a}",
        "totals",
        "contract #{a}: its stored totals differ from its ledger (summary out of date).",
    ),
    "a contract's totals lost": (
        "DELETE FROM contract_totals WHERE contract_id = {a}",
        "totals",
        "contract #{a}: its stored totals differ from its ledger (summary out of date).",
    ),
    "a month's payment counted as a refund": (
        "UPDATE contract_month SET paid = paid - 100, refunded = refunded + 100 WHERE contract_id = {a}",
        "months",
        "contract #{a}: its stored monthly payments differ from its ledger (summary out of date).",
    ),
    "a month's payments moved from one contract to another": (
        "UPDATE contract_month SET paid = paid - 100 WHERE contract_id = {a}; "
        "UPDATE contract_month SET paid = paid + 100 WHERE contract_id = {b}",
        "months",
        "contract #{a}: its stored monthly payments differ from its ledger (summary out of date).",
    ),
    "a year's payments moved from one contract to another": (
        "UPDATE contract_year SET paid = paid - 100 WHERE contract_id = {a}; "
        "UPDATE contract_year SET paid = paid + 100 WHERE contract_id = {b}",
        "years",
        YEARS,
    ),
    "a year's row under another year": (
        "UPDATE contract_year SET year = '2019' WHERE contract_id = {a}",
        "years",
        YEARS,
    ),
    "a year's row under another status": (
        "UPDATE contract_year SET status = 'ended' WHERE contract_id = {a}",
        "years",
        YEARS,
    ),
    "a contract's year lost": ("DELETE FROM contract_year WHERE contract_id = {a}", "years", YEARS),
    "a year's row of no day": (
        "INSERT INTO contract_year SELECT contract_id, '2019', currency, freelancer_id, status, policy_id, "
        "0, 0, 0, 0, 0, 0, 0, 0, 0, budget FROM contract_year WHERE contract_id = {a} LIMIT 1",
        "years",
        YEARS,
    ),
    "a year's fees' size changed": (
        "UPDATE contract_year SET fees_size = fees_size + 1 WHERE contract_id = {a}",
        "years",
        YEARS,
    ),
    "a year's days counted once more": (
        "UPDATE contract_year SET days = days + 1 WHERE contract_id = {a}",
        "years",
        YEARS,
    ),
    "a year's budget that is not its contract's": (
        "UPDATE contract_year SET budget = COALESCE(budget, 0) + 100 WHERE contract_id = {a}",
        "years",
        YEARS,
    ),
    "a year's budget taken away from it": (
        "UPDATE contract SET budget = 50000 WHERE id = {a}; "
        "UPDATE contract_year SET budget = NULL WHERE contract_id = {a}",
        "years",
        YEARS,
    ),
    "a year's sum that is not a whole number": (
        "UPDATE contract_year SET fees = fees + 0.5 WHERE contract_id = {a}",
        "years",
        YEARS,
    ),
    "a freelancer's year's payments changed": (
        "UPDATE freelancer_year SET paid = paid + 100 WHERE freelancer_id = {f}",
        "freelancer_years",
        FREELANCERS,
    ),
    "a freelancer's year under another freelancer": (
        "UPDATE freelancer_year SET freelancer_id = freelancer_id + 1 WHERE freelancer_id = {f}",
        "freelancer_years",
        FREELANCERS,
    ),
    "a freelancer's year counting one contract too many": (
        "UPDATE freelancer_year SET contracts = contracts + 1 WHERE freelancer_id = {f}",
        "freelancer_years",
        FREELANCERS,
    ),
    "a freelancer's year's refunds' size changed": (
        "UPDATE freelancer_year SET refunded_size = refunded_size + 1 WHERE freelancer_id = {f}",
        "freelancer_years",
        FREELANCERS,
    ),
    "a freelancer's year lost": (
        "DELETE FROM freelancer_year WHERE freelancer_id = {f}",
        "freelancer_years",
        FREELANCERS,
    ),
    "a freelancer's year that is not a whole number": (
        "UPDATE freelancer_year SET fees = fees + 0.5 WHERE freelancer_id = {f}",
        "freelancer_years",
        FREELANCERS,
    ),
    "a contract's payments over all dates changed": (
        "UPDATE contract_life SET paid = paid + 100 WHERE contract_id = {a}",
        "life",
        LIFE,
    ),
    "a contract's sums over all dates under another freelancer": (
        "UPDATE contract_life SET freelancer_id = freelancer_id + 1 WHERE contract_id = {a}",
        "life",
        LIFE,
    ),
    "a contract's refunds' size over all dates changed": (
        "UPDATE contract_life SET refunded_size = refunded_size + 1 WHERE contract_id = {a}",
        "life",
        LIFE,
    ),
    "a contract's days over all dates miscounted": (
        "UPDATE contract_life SET days = days + 1 WHERE contract_id = {a}",
        "life",
        LIFE,
    ),
    "a contract's sums over all dates lost": (
        "DELETE FROM contract_life WHERE contract_id = {a}",
        "life",
        LIFE,
    ),
    "a contract's sums over all dates that are not whole numbers": (
        "UPDATE contract_life SET fees = fees + 0.5 WHERE contract_id = {a}",
        "life",
        LIFE,
    ),
    "a freelancer's payments over all dates changed": (
        "UPDATE freelancer_life SET paid = paid + 100 WHERE freelancer_id = {f}",
        "freelancer_life",
        FREELANCER_LIFE,
    ),
    "a freelancer's sums over all dates under another freelancer": (
        "UPDATE freelancer_life SET freelancer_id = freelancer_id + 1 WHERE freelancer_id = {f}",
        "freelancer_life",
        FREELANCER_LIFE,
    ),
    "a freelancer's sums over all dates counting one contract too many": (
        "UPDATE freelancer_life SET contracts = contracts + 1 WHERE freelancer_id = {f}",
        "freelancer_life",
        FREELANCER_LIFE,
    ),
    "a freelancer's sums over all dates lost": (
        "DELETE FROM freelancer_life WHERE freelancer_id = {f}",
        "freelancer_life",
        FREELANCER_LIFE,
    ),
    "a freelancer's days over all dates that are not a whole number": (
        "UPDATE freelancer_life SET days = days + 0.5 WHERE freelancer_id = {f}",
        "freelancer_life",
        FREELANCER_LIFE,
    ),
    "a book's day sum moved from one day to another": (
        "UPDATE report_day SET funded = funded - 100 WHERE day = '{day_1}'; "
        "UPDATE report_day SET funded = funded + 100 WHERE day = '{day_2}'",
        "book_days",
        "the reports' sums of {day_1} in USD differ from what its contracts add up to (kept total out of date).",
    ),
    "a book's day under another status": (
        "UPDATE report_day SET status = 'ended' WHERE day = '{day_1}'",
        "book_days",
        "the reports' sums of {day_1} in USD differ from what its contracts add up to (kept total out of date).",
    ),
}


@SQLITE_ONLY
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_r12_a_kept_sum_changed_outside_the_app_is_found_and_named(book, two_contracts, case):
    sql, verdict, words = CASES[case]
    _tamper(sql, two_contracts)
    found = _verdict()
    assert getattr(found, verdict) is False, found
    assert all(getattr(found, other) for other in ("days", "months", "totals") if other != verdict), found
    said = words.format(**two_contracts)
    assert said in check_book(str(book.path)), said  # (each pass on a connection of its own)
    assert said in check_book()  # (every pass on the open book's connection)


@SQLITE_ONLY
@pytest.mark.parametrize("value", ["40000.5", "'forty thousand'"])
def test_r12_a_kept_sum_that_is_not_a_whole_number_is_found(two_contracts, value):
    _tamper(f"UPDATE contract_totals SET funded = {value} WHERE contract_id = {{a}}", two_contracts)
    assert _verdict().totals is False
    said = "contract #{a}: its stored totals differ from its ledger (summary out of date).".format(**two_contracts)
    assert said in check_book()


@SQLITE_ONLY
def test_r12_reversed_entries_are_left_out_of_the_sums_as_the_kept_sums_leave_them(two_contracts, contract):
    """The ledger's side counts every entry less the reversed ones: a book with reversals agrees, and a reversal
    made to name another entry outside the app (the kept sums no longer the live ledger's) is found."""
    refund = LedgerEntry.get((LedgerEntry.contract == contract.id) & (LedgerEntry.kind == "refund"))
    ops.reverse_entry(refund, memo="refunded twice", today=DAY_2)
    m = ops.add_milestone(contract, "Extra", 9_000)
    ops.reverse_entry(ops.fund_milestone(m, today=DAY_2), memo="typed twice", today=DAY_2)
    assert _verdict() == AGREE
    assert check_book() == []
    _tamper(
        "UPDATE ledger_entry SET reverses_id = (SELECT payment_id FROM ledger_entry WHERE id = {refund}) "
        "WHERE reverses_id = {refund}",
        {**two_contracts, "refund": refund.id},
    )
    verdict = _verdict()
    assert not verdict.days and not verdict.months and not verdict.totals


@SQLITE_ONLY
def test_r12_an_entry_of_a_contract_the_book_does_not_have_leaves_the_verdict_to_the_derivation(two_contracts):
    _tamper("UPDATE ledger_entry SET contract_id = 9999 WHERE id = (SELECT MAX(id) FROM ledger_entry)", two_contracts)
    assert _verdict() == DISAGREE


@SQLITE_ONLY
def test_r12_each_check_draws_its_own_weights(two_contracts, monkeypatch):
    """The weights are never the same twice (a change made to pass one check's weights fails the next's)."""
    drawn: list[int] = []
    real = kept_sums._draws
    monkeypatch.setattr(kept_sums, "_draws", lambda columns: (d := real(columns), drawn.extend(d.values()))[0])
    _verdict()
    first = list(drawn)
    drawn.clear()
    _verdict()
    assert first != drawn and len(set(first)) == len(first)


@SQLITE_ONLY
def test_r12_every_weight_is_looked_up_by_its_key(two_contracts):
    """Each row of a pass finds its weights through the key of their scratch table, never by reading the table
    through: a weight table joined without its key (a column compared with another affinity, say) makes the pass
    as slow as the two tables' sizes multiplied (a book of 100,000 contracts took 35 s more; 1,000,000 did not end)."""
    plans: dict[str, list[str]] = {}

    def run(sql, args=()):
        if "JOIN temp.check_" in sql:
            plans[sql] = [row[3] for row in database.execute_sql(f"EXPLAIN QUERY PLAN {sql}", args).fetchall()]
        return database.execute_sql(sql, args)

    assert kept_sums.verify(run).days
    assert len(plans) >= 6
    for sql, plan in plans.items():
        for table, alias in re.findall(r"JOIN temp\.(check_\w+) (\w+)", sql):
            looked_up = [step for step in plan if re.match(rf"SEARCH {alias} USING (INTEGER )?PRIMARY KEY", step)]
            assert looked_up and not any(re.match(rf"SCAN {alias}\b", step) for step in plan), (table, plan)
