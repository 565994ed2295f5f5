"""`escrowbook check` reads the ledger in two passes (the milestones with their entries, and the entries with what
they name) and compares each maintained summary with its derivation through the summary's own index: every
finding each pass is made of is still made, over the whole book and for one contract (inside every operation).
R4, R5, R6, R9, R12 and R16 findings; the summaries' (R12) last."""

from __future__ import annotations

import re
from datetime import timedelta

import peewee as pw
import pytest

from models import ops
from models.check import check_book, contract_problems
from models.entities import database

from ..conftest import START

LATER = START + timedelta(days=3)


@pytest.fixture
def book_of(contract):
    """A contract with a milestone funded and paid on 4 March, a refund of part of it and a reversed refund
    (both on 4 March), and a second milestone funded and still active."""
    paid = ops.add_milestone(contract, "Draft", 50_000)
    ops.fund_milestone(paid, today=LATER)
    payment = ops.release_payment(paid, today=LATER)
    refund = ops.record_refund(payment, 5_000, today=LATER)
    wrong = ops.record_refund(payment, 1_000, today=LATER)
    reversal = ops.reverse_entry(wrong, memo="Typed twice", today=LATER)
    active = ops.add_milestone(contract, "Build", 20_000)
    funding = ops.fund_milestone(active, today=LATER)
    ids = {
        "contract": contract.id,
        "paid": paid.id,
        "active": active.id,
        "payment": payment.id,
        "refund": refund.id,
        "reversal": reversal.id,
        "funding": funding.id,
        "freelancer": contract.freelancer_id,
    }
    assert check_book() == [] and contract_problems(contract.id) == []
    return ids


# (what is changed outside the app, what check says) — each reached by one of the two passes over the ledger.
LEDGER_CASES = {
    "state unfunded": (
        "UPDATE milestone SET state = 'unfunded' WHERE id = {paid}",
        "milestone #{paid} of contract #{contract} is marked unfunded, but it was funded",
    ),
    "state paid, nothing released": (
        "UPDATE milestone SET state = 'paid' WHERE id = {active}",
        "milestone #{active} of contract #{contract} is marked paid, but nothing was released from it",
    ),
    "state closed on an active contract": (
        "UPDATE milestone SET state = 'closed' WHERE id = {active}",
        "milestone #{active} of contract #{contract} is marked closed, but the contract has not ended",
    ),
    "funding reversed outside the app": (
        "UPDATE milestone SET state = 'active' WHERE id = (SELECT MAX(id) FROM milestone); "
        "INSERT INTO milestone (contract_id, position, title, description, amount, state) "
        "VALUES ({contract}, 3, 'Extra', '', 10000, 'active')",
        "is marked funded, but no funding of it stands",
    ),
    "under review with no first day": (
        "UPDATE milestone SET state = 'submitted', submitted_on = '2026-03-05', first_submitted_on = NULL "
        "WHERE id = {active}",
        "milestone #{active} of contract #{contract} is under review, but the day its work was first submitted",
    ),
    "released beyond the funding": (
        "UPDATE ledger_entry SET amount = 60000 WHERE id = {payment}",
        "milestone #{paid} “Draft” of contract #{contract}: released and refunded $600.00 of $500.00 funded.",
    ),
    "active milestones hold more than the escrow": (
        "UPDATE ledger_entry SET kind = 'fund_from_escrow' WHERE id = {funding}",
        "contract #{contract}: its active milestones hold $200.00 but its escrow is $0.00.",
    ),
    "payment before its funding": (
        "UPDATE ledger_entry SET date = '2026-03-02' WHERE id = {payment}",
        "payment #{payment} of contract #{contract} is dated before its milestone was funded.",
    ),
    "entry before the start": (
        "UPDATE contract SET started_on = '2026-03-05' WHERE id = {contract}",
        "entry #{funding} of contract #{contract} is dated before the contract started.",
    ),
    "refund before its payment": (
        "UPDATE ledger_entry SET date = '2026-03-02' WHERE id = {refund}",
        "refund #{refund} of contract #{contract} is dated before its payment.",
    ),
    "reversal before what it reverses": (
        "UPDATE ledger_entry SET date = '2026-03-02' WHERE id = {reversal}",
        "reversal #{reversal} of contract #{contract} is dated before the entry it reverses.",
    ),
    "reversal of another amount": (
        "UPDATE ledger_entry SET amount = 999 WHERE id = {reversal}",
        "reversal #{reversal} of contract #{contract} does not match the entry it reverses.",
    ),
    "unknown kind": (
        "UPDATE ledger_entry SET kind = 'gift' WHERE id = {refund}",
        "entry #{refund} of contract #{contract} has an unknown kind “gift”.",
    ),
    "amount not positive": (
        "UPDATE ledger_entry SET amount = 0 WHERE id = {refund}",
        "entry #{refund} of contract #{contract} has an amount of 0, not a positive whole number of cents.",
    ),
    "fee not linked to its deposit": (
        "UPDATE ledger_entry SET funding_id = NULL WHERE kind = 'fee' AND funding_id = {funding}",
        "is a fee that is not linked to the deposit it was charged on.",
    ),
    "dated beyond a book's days": (
        "UPDATE ledger_entry SET date = '3001-03-04' WHERE id = {refund}",
        "entry #{refund} of contract #{contract} is dated 3001-03-04, beyond the days a book holds",
    ),
    "milestone that is not there": (
        "UPDATE ledger_entry SET milestone_id = 9999 WHERE id = {payment}",
        "entry #{payment} of contract #{contract} names a milestone that is not one of its contract's milestones.",
    ),
    "payment before its funding, on a milestone that is not there": (
        "UPDATE ledger_entry SET milestone_id = 9999 WHERE id = {funding}; "
        "UPDATE ledger_entry SET milestone_id = 9999, date = '2026-03-02' WHERE id = {payment}",
        "payment #{payment} of contract #{contract} is dated before its milestone was funded.",
    ),
}


def _tamper(sql: str, ids: dict) -> None:
    database.execute_sql("PRAGMA foreign_keys = OFF")
    for statement in sql.format(**ids).split("; "):
        database.execute_sql(statement)


@pytest.mark.parametrize("case", LEDGER_CASES, ids=list(LEDGER_CASES))
def test_r12_r16_each_finding_of_the_ledger_passes_is_made(book_of, case):
    sql, words = LEDGER_CASES[case]
    _tamper(sql, book_of)
    said = words.format(**book_of)
    found = check_book()
    assert any(said in p for p in found), found
    assert any(said in p for p in contract_problems(book_of["contract"], limit=200))  # (inside every operation)
    assert not [p for p in found if re.search(r"\bR\d{1,2}\b", p)]  # in a client's words: no rule numbers


# (what is changed outside the app, in which summary, what check says of the contract)
SUMMARY_CASES = {
    "a deadline moved": (
        "UPDATE clock SET due = date(due, '+1 day') WHERE id = (SELECT MIN(id) FROM clock)",
        "deadlines",
    ),
    "a deadline kept twice": (
        "INSERT INTO clock (contract_id, kind, due, ref, warn_from, lapses) "
        "SELECT contract_id, kind, due, ref, warn_from, lapses FROM clock LIMIT 1",
        "deadlines",
    ),
    "a deadline lost": ("DELETE FROM clock WHERE id = (SELECT MAX(id) FROM clock)", "deadlines"),
    "a deadline of another kind": (
        "UPDATE clock SET kind = 'feedback' WHERE id = (SELECT MIN(id) FROM clock)",
        "deadlines",
    ),
    "a total changed": ("UPDATE contract_totals SET fees = fees + 1", "totals"),
    "a next deadline that is not one": (
        "UPDATE contract_totals SET next_due = '2026-04-01', next_kind = 'review'",
        "totals",
    ),
    "a month's payments changed": ("UPDATE contract_month SET paid = paid + 1", "monthly payments"),
    "a month lost": ("DELETE FROM contract_month", "monthly payments"),
    "a month that never was": (
        "INSERT INTO contract_month (contract_id, month, currency, paid, refunded) "
        "VALUES ({contract}, '2026-01', 'USD', 1, 0)",
        "monthly payments",
    ),
}


@pytest.mark.parametrize("case", SUMMARY_CASES, ids=list(SUMMARY_CASES))
def test_r12_each_summary_kept_out_of_date_is_named(book, book_of, case):
    sql, what = SUMMARY_CASES[case]
    _tamper(sql, book_of)
    said = f"contract #{book_of['contract']}: its stored {what} differ"
    assert said in " ".join(check_book())  # (every pass on the open book's connection)
    assert said in " ".join(check_book(str(book.path)))  # (the deadlines among the passes, on a connection apart)


# (what is changed outside the app, the contract whose search entry check names): the search rows as the search
# index keeps them, compared with the contracts (on a book file, in the index's own table of what it indexes).
SEARCH_CASES = {
    "a contract renamed": ("UPDATE contract SET title = 'Renamed outside the app' WHERE id = {contract}", "contract"),
    "a search entry lost": ("DELETE FROM contract_search WHERE rowid = {contract}", "contract"),
    "a search entry of no contract": (
        "INSERT INTO contract_search (rowid, title, freelancer, external_id) VALUES (9999, 'Ghost', 'Nobody', '')",
        9999,
    ),
}


@pytest.mark.parametrize("case", SEARCH_CASES, ids=list(SEARCH_CASES))
def test_r12_each_search_entry_kept_out_of_date_is_named(book, book_of, case):
    sql, named = SEARCH_CASES[case]
    _tamper(sql, book_of)
    said = f"contract #{book_of.get(named, named)}: its stored search entry is out of date (summary out of date)."
    assert said in check_book()
    assert said in check_book(str(book.path))


# (what is changed outside the app, what check says): the links no foreign key may break. The ledger's are read by
# the pass over the entries and the reports' day sums' by their comparison with the ledger; SQLite's own foreign key
# check, which names them, is asked over every table only when one of those, or its check of the other tables,
# finds one.
LINK_CASES = {
    "an entry names a dispute the book does not have": (
        "UPDATE ledger_entry SET dispute_id = 9999 WHERE id = {refund}",
        "table ledger_entry row {refund} points at a missing dispute row.",
    ),
    "an entry names a contract the book does not have": (
        "UPDATE ledger_entry SET contract_id = 9999 WHERE id = {funding}",
        "table ledger_entry row {funding} points at a missing contract row.",
    ),
    "a refund names a payment the book does not have": (
        "UPDATE ledger_entry SET payment_id = 9999 WHERE id = {refund}",
        "table ledger_entry row {refund} points at a missing ledger_entry row.",
    ),
    "a day sum names a contract the book does not have": (
        "UPDATE contract_day SET contract_id = 9999 WHERE contract_id = {contract}",
        "a row of table contract_day points at a missing contract row.",
    ),
    "a year's sums name a contract the book does not have": (
        "UPDATE contract_year SET contract_id = 9999 WHERE contract_id = {contract}",
        "a row of table contract_year points at a missing contract row.",
    ),
    "a milestone names a contract the book does not have": (
        "UPDATE milestone SET contract_id = 9999 WHERE id = {active}",
        "table milestone row {active} points at a missing contract row.",
    ),
}


@pytest.mark.parametrize("case", LINK_CASES, ids=list(LINK_CASES))
def test_each_link_to_a_missing_record_is_named(book, book_of, case):
    sql, words = LINK_CASES[case]
    _tamper(sql, book_of)
    said = words.format(**book_of)
    assert said in check_book(str(book.path)), said  # (the passes side by side, each on its connection)
    assert said in check_book()  # (every pass on the open book's connection)


def _day(sql: str) -> str:
    return database.execute_sql(sql).fetchone()[0]


# (what is changed outside the app, what check says): the reports' day sums, per contract and per day of the book.
# Each is first compared in a quick look (models/report_totals.py); what it doubts is then named.
DAY_SUM_CASES = {
    "a contract's day under another status": (
        "UPDATE contract_day SET status = 'ended' WHERE contract_id = {contract}",
        "contract #{contract}: its stored day sums for the reports differ from its ledger (summary out of date).",
    ),
    "a contract's day lost": (
        "DELETE FROM contract_day WHERE contract_id = {contract} AND day = '{last}'",
        "contract #{contract}: its stored day sums for the reports differ from its ledger (summary out of date).",
    ),
    "an entry dated with a number": (
        "UPDATE ledger_entry SET date = 20260304 WHERE id = {funding}",
        "contract #{contract}: its stored day sums for the reports differ from its ledger (summary out of date).",
    ),
    "a contract's day sum changed into words": (
        "UPDATE contract_day SET paid = 'lots' WHERE contract_id = {contract} AND day = '{last}'",
        "the reports' sums of {last} in USD differ from what its contracts add up to (kept total out of date).",
    ),
    "a contract's year under another status": (
        "UPDATE contract_year SET status = 'ended' WHERE contract_id = {contract}",
        "contract #{contract}: its stored yearly sums for the reports differ from its ledger (summary out of date).",
    ),
    "a contract's year paid once more": (
        "UPDATE contract_year SET paid = paid + 1 WHERE contract_id = {contract}",
        "contract #{contract}: its stored yearly sums for the reports differ from its ledger (summary out of date).",
    ),
    "a contract's year lost": (
        "DELETE FROM contract_year WHERE contract_id = {contract}",
        "contract #{contract}: its stored yearly sums for the reports differ from its ledger (summary out of date).",
    ),
    "a freelancer's year paid once more": (
        "UPDATE freelancer_year SET paid = paid + 1 WHERE freelancer_id = {freelancer}",
        "freelancer #{freelancer}: the stored yearly sums of their contracts for the reports differ from the ledger "
        "(summary out of date).",
    ),
    "a freelancer's year lost": (
        "DELETE FROM freelancer_year WHERE freelancer_id = {freelancer}",
        "freelancer #{freelancer}: the stored yearly sums of their contracts for the reports differ from the ledger "
        "(summary out of date).",
    ),
    "a freelancer's year of a contract that never was": (
        "UPDATE freelancer_year SET contracts = contracts + 1, days = days + 1 WHERE freelancer_id = {freelancer}",
        "freelancer #{freelancer}: the stored yearly sums of their contracts for the reports differ from the ledger "
        "(summary out of date).",
    ),
    "a contract's sums over all dates paid once more": (
        "UPDATE contract_life SET paid = paid + 1 WHERE contract_id = {contract}",
        "contract #{contract}: its stored sums over all dates for the reports differ from its ledger (summary out of "
        "date).",
    ),
    "a contract's sums over all dates lost": (
        "DELETE FROM contract_life WHERE contract_id = {contract}",
        "contract #{contract}: its stored sums over all dates for the reports differ from its ledger (summary out of "
        "date).",
    ),
    "a contract's sums over all dates under another status": (
        "UPDATE contract_life SET status = 'ended' WHERE contract_id = {contract}",
        "contract #{contract}: its stored sums over all dates for the reports differ from its ledger (summary out of "
        "date).",
    ),
    "a freelancer's sums over all dates paid once more": (
        "UPDATE freelancer_life SET paid = paid + 1 WHERE freelancer_id = {freelancer}",
        "freelancer #{freelancer}: the stored sums of their contracts over all dates for the reports differ from the "
        "ledger (summary out of date).",
    ),
    "a freelancer's sums over all dates lost": (
        "DELETE FROM freelancer_life WHERE freelancer_id = {freelancer}",
        "freelancer #{freelancer}: the stored sums of their contracts over all dates for the reports differ from the "
        "ledger (summary out of date).",
    ),
    "a day of the book lost": (
        "DELETE FROM report_day WHERE day = '{last}'",
        "the reports' sums of {last} in USD differ from what its contracts add up to (kept total out of date).",
    ),
    "a day of the book that never was": (
        "INSERT INTO report_day VALUES ('2026-01-02', 'USD', 'active', 1, 100, 0, 0, 0, 0, 1)",
        "the reports' sums of 2026-01-02 in USD differ from what its contracts add up to (kept total out of date).",
    ),
    "a day of the book counting one contract more": (
        "UPDATE report_day SET contracts = contracts + 1 WHERE day = '{last}'",
        "the reports' sums of {last} in USD differ from what its contracts add up to (kept total out of date).",
    ),
    "a day of the book under another policy": (
        "UPDATE report_day SET policy_id = policy_id + 100 WHERE day = '{last}'",
        "the reports' sums of {last} in USD differ from what its contracts add up to (kept total out of date).",
    ),
}


# What only SQLite lets a change outside the app write: words in a column of numbers.
TYPES_KEPT_BY_POSTGRESQL = {"a contract's day sum changed into words"}


@pytest.mark.parametrize("case", DAY_SUM_CASES, ids=list(DAY_SUM_CASES))
def test_each_day_sum_kept_out_of_date_is_named(book, book_of, case):
    sql, words = DAY_SUM_CASES[case]
    ids = {**book_of, "last": _day("SELECT MAX(day) FROM contract_day")}
    if book.store == "postgresql" and case in TYPES_KEPT_BY_POSTGRESQL:
        with pytest.raises(pw.DataError, match="invalid input syntax"):  # (the server keeps each column's type)
            _tamper(sql, ids)
        assert check_book(str(book.path)) == []
        return
    _tamper(sql, ids)
    said = words.format(**ids)
    assert said in check_book(str(book.path)), said
    assert said in check_book()


# The scratch tables of a check: the contracts' years and whole lives derived once for every comparison of the kept
# ones (models/report_totals.py derive_fresh), in SQLite's temporary database (or the session's in PostgreSQL).
_SCRATCH = {
    "sqlite": "SELECT name FROM sqlite_temp_master WHERE name IN ('fresh_years', 'fresh_lives')",
    "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname LIKE 'pg_temp%' "
    "AND tablename IN ('fresh_years', 'fresh_lives')",
}


def test_every_kept_sum_of_a_contract_out_of_date_at_once_is_named_and_no_scratch_is_left(book, book_of):
    """A contract's day sums, years and whole life, and its freelancer's years and whole life, all out of date at
    once: each is named, the years and lives judged against the ledger's days (the kept days are wrong too), and
    the check leaves none of its scratch tables behind."""
    _tamper(
        "UPDATE contract_day SET paid = paid + 1 WHERE contract_id = {contract}; "
        "UPDATE contract_year SET paid = paid + 2 WHERE contract_id = {contract}; "
        "UPDATE contract_life SET paid = paid + 3 WHERE contract_id = {contract}; "
        "UPDATE freelancer_year SET paid = paid + 4 WHERE freelancer_id = {freelancer}; "
        "UPDATE freelancer_life SET paid = paid + 5 WHERE freelancer_id = {freelancer}",
        book_of,
    )
    words = [
        "contract #{contract}: its stored day sums for the reports differ from its ledger (summary out of date).",
        "contract #{contract}: its stored yearly sums for the reports differ from its ledger (summary out of date).",
        "freelancer #{freelancer}: the stored yearly sums of their contracts for the reports differ from the ledger "
        "(summary out of date).",
        "contract #{contract}: its stored sums over all dates for the reports differ from its ledger (summary out of "
        "date).",
        "freelancer #{freelancer}: the stored sums of their contracts over all dates for the reports differ from the "
        "ledger (summary out of date).",
    ]
    for found in (check_book(str(book.path)), check_book()):  # (the passes apart, and all on the open book's)
        assert [said for said in (w.format(**book_of) for w in words) if said not in found] == [], found
        assert database.execute_sql(_SCRATCH[book.store]).fetchall() == []
