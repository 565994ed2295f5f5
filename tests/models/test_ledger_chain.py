"""R12 tamper evidence: each ledger entry is chained to the one before by its hash, so an entry edited,
deleted, reordered or added outside the app (plain sqlite3 on the file) is named by `escrowbook check`;
book format 2 adds the chain to a format-1 book."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from datetime import date, timedelta

import pytest

from desktop.cli import main
from models import chain, ops
from models.backup import backups_of
from models.book import open_book, schema_version
from models.check import check_book
from models.entities import LedgerEntry

from ..conftest import START, as_format

PAID = date(2026, 3, 5)


def _build(path):
    """A book with one contract: fund (#1), fee (#2), initiation fee (#3), release (#4), then a second
    milestone funded (#5 fund, #6 fee)."""
    with open_book(path):
        f = ops.create_freelancer("Ana Ruiz")
        c = ops.create_contract("Logo redesign", f, started_on=START, today=START)
        m = ops.add_milestone(c, "Sketches", 20_000)
        ops.fund_milestone(m, today=START)
        ops.release_payment(m, today=PAID)
        m2 = ops.add_milestone(c, "Final files", 10_000)
        ops.fund_milestone(m2, today=PAID)
        return [(e.id, e.kind, e.amount) for e in LedgerEntry.select().order_by(LedgerEntry.id)]


@pytest.fixture
def ledger(tmp_path):
    path = tmp_path / "tampered.book"
    entries = _build(path)
    assert [k for _, k, _ in entries] == ["fund", "fee", "fee", "release", "fund", "fee"]
    return path


def _as_format_without(path, n, name):
    """The closed book at `path` turned into format `n` (conftest.as_format), which had no table or index `name`."""
    as_format(path, n)
    conn = sqlite3.connect(path)
    assert name not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()


def _edit(path, *statements):
    """Edit the closed book with plain sqlite3, as someone outside the app would."""
    conn = sqlite3.connect(path)
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def _check(path) -> list[str]:
    with open_book(path, create=False) as book:
        problems = check_book(str(book.path))
    assert not [p for p in problems if re.search(r"\bR\d{1,2}\b", p)]  # in a client's words: no rule numbers
    return problems


def test_r12_a_sound_book_passes_its_chain_check(ledger):
    assert _check(ledger) == []
    with open_book(ledger, create=False):
        assert all(len(e.hash) == 32 for e in LedgerEntry.select())
        assert check_book() == []  # on the open connection alone, too


def test_r12_check_names_an_entry_whose_amount_was_edited(ledger):
    _edit(ledger, "UPDATE ledger_entry SET amount = 900 WHERE id = 2")
    problems = _check(ledger)
    assert (
        "ledger entry #2 of contract #1 (2026-03-01, fee, $9.00) does not match its hash: it was edited, moved "
        "or added outside Escrowbook, or the entry before it was."
    ) in problems
    assert not any("ledger entry #1 " in p or "ledger entry #3 " in p for p in problems)


def test_r12_check_names_a_deleted_entry(ledger):
    _edit(ledger, "DELETE FROM ledger_entry WHERE id = 3")
    problems = _check(ledger)
    assert (
        "entry #3 is missing from the ledger: deleted outside Escrowbook (ledger entry #4 of contract #1 "
        "(2026-03-05, release, $200.00) no longer follows the entry before it)."
    ) in problems


def test_r12_check_names_the_last_entries_deleted(ledger):
    _edit(ledger, "DELETE FROM ledger_entry WHERE id >= 5")
    assert "the ledger's last entries #5–#6 were deleted outside Escrowbook." in _check(ledger)


def test_r12_check_names_two_entries_whose_fields_were_swapped(ledger):
    """Swapping the two fees' amounts keeps every total and invariant: only the chain sees it."""
    _edit(
        ledger,
        "UPDATE ledger_entry SET amount = (SELECT SUM(amount) FROM ledger_entry WHERE id IN (2, 3)) - amount "
        "WHERE id IN (2, 3)",
    )
    assert _check(ledger) == [
        "ledger entry #2 of contract #1 (2026-03-01, fee, $0.99) does not match its hash: it was edited, moved "
        "or added outside Escrowbook, or the entry before it was.",
        "ledger entry #3 of contract #1 (2026-03-01, fee, $10.00) does not match its hash: it was edited, moved "
        "or added outside Escrowbook, or the entry before it was.",
    ]


def test_r12_check_names_an_entry_moved_to_another_date(ledger):
    _edit(ledger, "UPDATE ledger_entry SET date = '2026-02-27' WHERE id = 4")
    assert (
        "ledger entry #4 of contract #1 (2026-02-27, release, $200.00) does not match its hash: it was edited, "
        "moved or added outside Escrowbook, or the entry before it was."
    ) in _check(ledger)


def test_r12_check_names_an_entry_added_outside_the_app(ledger):
    _edit(
        ledger,
        "INSERT INTO ledger_entry (id, contract_id, milestone_id, kind, amount, currency, date, memo, created_at, "
        "hash) SELECT 7, contract_id, milestone_id, 'fee', 500, currency, date, '', created_at, hash "
        "FROM ledger_entry WHERE id = 6",
    )
    problems = _check(ledger)
    assert any(p.startswith("ledger entry #7 of contract #1 (2026-03-05, fee, $5.00) does not match") for p in problems)
    assert (
        "ledger entry #7 of contract #1 (2026-03-05, fee, $5.00) was added outside Escrowbook: the ledger's last "
        "entry was #6."
    ) in problems


def test_r12_a_rewritten_chain_is_caught_by_the_recorded_head(ledger):
    """Someone who edits an entry and recomputes every hash, but not the book's record of its head."""
    conn = sqlite3.connect(ledger)
    conn.execute("UPDATE ledger_entry SET amount = 900 WHERE id = 2")
    previous = chain.ZERO
    for entry_id, payload in conn.execute(f"SELECT id, {chain.PAYLOAD_SQL} FROM ledger_entry ORDER BY id").fetchall():
        previous = chain.link(previous, payload)
        conn.execute("UPDATE ledger_entry SET hash = ? WHERE id = ?", (previous, entry_id))
    conn.commit()
    conn.close()
    problems = _check(ledger)
    assert (
        "ledger entry #6 of contract #1 (2026-03-05, fee, $5.00) does not match the ledger's recorded last entry: "
        "the ledger was rewritten outside Escrowbook."
    ) in problems
    assert not any("does not match its hash" in p for p in problems)


def test_r12_check_command_exits_1_naming_the_edited_entry(ledger, capsys):
    _edit(ledger, "UPDATE ledger_entry SET amount = 19000 WHERE id = 4")
    assert main(["check", str(ledger)]) == 1
    out = capsys.readouterr().out
    assert "problem(s) found" in out
    assert "ledger entry #4 of contract #1 (2026-03-05, release, $190.00) does not match its hash" in out


def test_r12_operations_chain_each_new_entry_to_the_last(ledger):
    """An entry appended by an operation after a reopening follows the chain, and the head moves to it."""
    with open_book(ledger, create=False) as book:
        payment = LedgerEntry.get(LedgerEntry.kind == "release")
        refund = ops.record_refund(payment, 1_000, today=PAID)
        head = book.db.execute_sql("SELECT value FROM book_info WHERE key = 'ledger_head'").fetchone()[0]
        assert head == f"{refund.id}:{refund.hash.hex()}"
        assert check_book(str(book.path)) == []


# ------------------------------------------------------------------ book format 2


def _as_format_1(path) -> None:
    """Turn a book into what format 1 was: no hash column, no recorded head."""
    as_format(path, 1)


def test_format_2_migration_chains_a_format_1_book_after_backing_it_up(tmp_path, backups_folder):
    path = tmp_path / "old.book"
    entries = _build(path)
    _as_format_1(path)
    with open_book(path, create=False) as book:
        assert book.db.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version() == 16
        assert [(e.id, e.kind, e.amount) for e in LedgerEntry.select().order_by(LedgerEntry.id)] == entries
        assert all(len(e.hash) == 32 for e in LedgerEntry.select())
        assert check_book(str(book.path)) == []
    (backup,) = backups_of(path)
    assert backup.before_upgrade_from == 1 and backup.kind == "Before upgrade (book format 1)"
    assert stat.S_IMODE(os.stat(backup.path).st_mode) == 0o600
    conn = sqlite3.connect(backup.path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert "hash" not in [r[1] for r in conn.execute("PRAGMA table_info(ledger_entry)")]
        assert conn.execute("SELECT COUNT(*) FROM ledger_entry").fetchone()[0] == len(entries)
    finally:
        conn.close()
    _edit(path, "UPDATE ledger_entry SET amount = 900 WHERE id = 2")  # and the migrated chain holds
    assert any(p.startswith("ledger entry #2 of contract #1 (2026-03-01, fee, $9.00)") for p in _check(path))


def test_format_2_migration_of_an_empty_format_1_book(tmp_path):
    path = tmp_path / "empty.book"
    open_book(path).close()
    _as_format_1(path)
    with open_book(path, create=False) as book:
        assert check_book(str(book.path)) == []
        assert book.db.execute_sql("SELECT value FROM book_info WHERE key = 'ledger_head'").fetchone() is None


def test_demo_book_is_chained(tmp_path):
    path = tmp_path / "demo.book"
    assert main(["demo", str(path), "--contracts", "60"]) == 0
    with open_book(path, create=False) as book:
        last = LedgerEntry.select().order_by(LedgerEntry.id.desc()).get()
        head = book.db.execute_sql("SELECT value FROM book_info WHERE key = 'ledger_head'").fetchone()[0]
        assert head == f"{last.id}:{last.hash.hex()}"
        assert check_book(str(book.path)) == []
    _edit(path, f"UPDATE ledger_entry SET memo = 'changed' WHERE id = {last.id // 2}")
    assert any(p.startswith(f"ledger entry #{last.id // 2} of contract #") for p in _check(path))


@pytest.mark.parametrize("chunk", [1, 4, 5])
def test_r12_the_chain_is_verified_across_the_chunks_it_is_read_in(ledger, monkeypatch, chunk):
    monkeypatch.setattr(chain, "CHUNK", chunk)
    assert _check(ledger) == []
    _edit(ledger, "UPDATE ledger_entry SET hash = NULL WHERE id = 5")
    problems = _check(ledger)
    assert [p.split(" (")[0] for p in problems if "does not match its hash" in p] == [
        "ledger entry #5 of contract #1",
        "ledger entry #6 of contract #1",  # its predecessor's hash is gone: it cannot be verified either
    ]


def test_format_3_migration_lets_a_format_2_book_withdraw_the_freelancers_feedback(tmp_path, backups_folder):
    """Book format 3 adds the mark that the freelancer's feedback was recorded in error (models/corrections)."""
    path = tmp_path / "old.book"
    entries = _build(path)
    as_format(path, 2)
    with open_book(path, create=False) as book:
        assert book.db.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version()
        assert "withdrawn_on" in [r[1] for r in book.db.execute_sql("PRAGMA table_info(feedback)")]
        assert [(e.id, e.kind, e.amount) for e in LedgerEntry.select().order_by(LedgerEntry.id)] == entries
        assert check_book(str(book.path)) == []
    (backup,) = backups_of(path)
    assert backup.before_upgrade_from == 2


def test_format_4_migration_makes_room_for_the_second_policy_version(tmp_path, backups_folder):
    """Book format 4: a per-contract initiation fee (R3), the single-rating feedback form (R10) and the
    support cases of refunds (R9); a format-3 book's records are kept exactly."""
    path = tmp_path / "old.book"
    entries = _build(path)
    as_format(path, 3)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE x AS SELECT 1")  # (removed again: only to be sure the book is rebuilt as format 3)
    conn.execute("DROP TABLE x")
    conn.commit()
    conn.close()
    with open_book(path, create=False) as book:
        assert book.db.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version()
        assert "initiation_fee" in [r[1] for r in book.db.execute_sql("PRAGMA table_info(contract)")]
        info = {r[1]: r for r in book.db.execute_sql("PRAGMA table_info(feedback)")}
        assert "rating" in info and "private_note" in info and info["skills"][3] == 0  # no longer required
        assert [(e.id, e.kind, e.amount) for e in LedgerEntry.select().order_by(LedgerEntry.id)] == entries
        assert check_book(str(book.path)) == []
    (backup,) = backups_of(path)
    assert backup.before_upgrade_from == 3


def test_format_5_migration_makes_room_for_statements_and_keeps_every_record(tmp_path, backups_folder):
    """Book format 5: the marketplace's statements imported, the client's choices of contract for their rows and
    their reconciliation (models/reconcile.py), and the ledger indexed by date; a format-4 book's records are kept
    exactly, and it reconciles a statement like a new book."""
    path = tmp_path / "old.book"
    entries = _build(path)
    as_format(path, 4)
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert not tables & {"statement", "statement_line", "statement_choice", "statement_match"}
    with open_book(path, create=False) as book:
        assert book.db.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version()
        names = {r[0] for r in book.db.execute_sql("SELECT name FROM sqlite_master")}
        assert {"statement", "statement_line", "statement_choice", "statement_match", "ledger_entry_date"} <= names
        assert [(e.id, e.kind, e.amount) for e in LedgerEntry.select().order_by(LedgerEntry.id)] == entries
        assert check_book(str(book.path)) == []
        from models import reconcile
        from models.statement_writer import write_statement

        write_statement(tmp_path / "s.csv")
        assert reconcile.import_statement(tmp_path / "s.csv").new_lines == len(entries) - sum(
            1 for _, kind, _ in entries if kind in ("reversal", "fund_from_escrow")
        ) - 2 * sum(1 for _, kind, _ in entries if kind == "reversal")
        assert reconcile.agrees()
    (backup,) = backups_of(path)
    assert backup.before_upgrade_from == 4


def test_format_6_migration_gives_closeout_deadlines_their_grace_R11(tmp_path, backups_folder):
    """Book format 6: a format-5 book kept each contract's closeout deadline on the day it ended; migrated, its
    closeout items are due 7 days after the ending (the policy's grace), the next deadlines follow, and `check`
    finds the book's kept deadlines equal to the ones derived from its records."""
    from models.entities import Clock, Contract, ContractTotals

    path = tmp_path / "old.book"
    _build(path)
    ended = date(2026, 3, 20)
    with open_book(path):
        (c,) = Contract.select()
        ops.end_contract(c, agreed=True, request_escrow_refund=True, on=ended, today=ended)
    as_format(path, 5)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT due FROM clock WHERE kind = 'closeout'").fetchall() == [(ended.isoformat(),)]
    conn.close()
    with open_book(path, create=False) as book:
        assert book.db.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version()
        closeout = Clock.get(Clock.kind == Clock.CLOSEOUT)
        assert closeout.due == ended + timedelta(days=7)
        assert ContractTotals.get().next_due <= closeout.due
        assert check_book(str(book.path)) == []
    (backup,) = backups_of(path)
    assert backup.before_upgrade_from == 5


def test_format_7_migration_fills_the_book_totals_from_its_contracts(tmp_path, backups_folder):
    """Book format 7: a format-6 book kept no totals of the whole book; migrated, the totals per currency, the
    payments and refunds of the year, the contracts of each status and what needs attention are filled from its
    contracts (the figures the status bar and the filters showed before), and `check` finds them equal."""
    from models import queries
    from models.browse import ContractQuery

    path = tmp_path / "old.book"
    _build(path)  # $300.00 funded, $200.00 paid, $100.00 in escrow
    with open_book(path):
        f = ops.create_freelancer("Bo Lindqvist")
        site = ops.create_contract("Website", f, currency="EUR", started_on=START, today=PAID)
        m = ops.add_milestone(site, "Pages", 80_000)
        ops.fund_milestone(m, today=START)
        paid = ops.release_payment(m, today=PAID)
        ops.record_refund(paid, 5_000, today=PAID)
        ops.end_contract(site, agreed=True, today=PAID)
    _as_format_without(path, 6, "book_total")
    with open_book(path, create=False) as book:
        assert book.db.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version() == 16
        totals = queries.book_totals()
        assert {cur: (t["escrow"], t["released"], t["refunded"], t["contracts"]) for cur, t in totals.items()} == {
            "EUR": (0, 80_000, 5_000, 1),
            "USD": (10_000, 20_000, 0, 1),
        }
        assert queries.book_year(PAID.year) == {
            "EUR": {"paid": 80_000, "refunded": 5_000},
            "USD": {"paid": 20_000, "refunded": 0},
        }
        counts = {k: ContractQuery(book.conn, filter_=k).count() for k in ("all", "active", "ended")}
        assert counts == {"all": 2, "active": 1, "ended": 1}
        day = PAID + timedelta(days=2)  # the ended contract's feedback window and closeout are days away
        assert queries.attention_count(day) == 0
        assert queries.attention_count(PAID + timedelta(days=60)) == 1  # its closeout, overdue
        assert check_book(str(book.path)) == []
    (backup,) = backups_of(path)
    assert backup.before_upgrade_from == 6


def test_check_reports_the_book_totals_out_of_date(ledger, capsys):
    """`escrowbook check` compares the kept totals with the contracts': a total, a month's payments or a day's
    count of what needs attention changed outside Escrowbook is reported in words, each once."""
    _edit(
        ledger,
        "UPDATE book_total SET escrow = escrow + 1",
        "UPDATE book_month SET paid = 0",
        "INSERT INTO attention_day (day, kind, starts, ends) VALUES ('2026-03-09', 'review', 1, 0)",
    )
    assert main(["check", str(ledger)]) == 1
    said = capsys.readouterr().out
    assert "the book's totals in USD differ from what its contracts add up to (kept total out of date)." in said
    assert "the book's payments and refunds of 2026-03 in USD differ from what its contracts add up to" in said
    assert "the count of what needs attention (review clocks on 2026-03-09) differs from what its contracts" in said


def test_format_8_migration_gives_one_and_two_character_search_its_indexes(tmp_path, backups_folder):
    """Book format 8: a format-7 book had no index for searches of one or two characters; migrated, each of
    title, freelancer name and contract id has one that ignores case, and such a search reads through them."""
    from models.browse import PREFIX_IDS, ContractQuery, like_prefix

    path = tmp_path / "old.book"
    _build(path)
    as_format(path, 7)
    conn = sqlite3.connect(path)
    assert not conn.execute("SELECT name FROM sqlite_master WHERE name LIKE '%nocase'").fetchall()
    conn.close()
    with open_book(path, create=False) as book:
        assert book.db.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version() == 16
        plan = book.conn.execute("EXPLAIN QUERY PLAN " + PREFIX_IDS, {"prefix": like_prefix("Lo")})
        plan = " ".join(r[3] for r in plan)
        for index in ("contract_title_nocase", "freelancer_name_nocase", "contract_external_id_nocase"):
            assert f"INDEX {index} " in plan
        assert [r.title for r in ContractQuery(book.conn, search="lo").page()] == ["Logo redesign"]
        assert check_book(str(book.path)) == []
    (backup,) = backups_of(path)
    assert backup.before_upgrade_from == 7


def test_format_9_migration_makes_room_for_exchange_rates_and_keeps_every_record(tmp_path, backups_folder):
    """Book format 9: exchange rates into a home currency (models/rates.py); a format-8 book had none and no home
    currency. Migrated, its records are kept exactly, it has no home currency until the client chooses one, and
    rates can be recorded and used."""
    from models import rates

    path = tmp_path / "old.book"
    entries = _build(path)
    _as_format_without(path, 8, "exchange_rate")
    with open_book(path, create=False) as book:
        assert book.db.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version() == 16
        assert [(e.id, e.kind, e.amount) for e in LedgerEntry.select().order_by(LedgerEntry.id)] == entries
        assert rates.home_currency() is None
        rates.set_home_currency("EUR")
        rates.record_rate("USD", "2026-03", "0.92")
        assert rates.convert(10_000, "USD", PAID).amount == 9_200
        assert check_book(str(book.path)) == []
    (backup,) = backups_of(path)
    assert backup.before_upgrade_from == 8


def test_r12_a_big_books_chain_is_verified_in_a_process_of_its_own_and_names_the_edited_entry(ledger, monkeypatch):
    from models import check

    started = []
    real = check.multiprocessing.get_context

    def context(method):
        started.append(method)
        return real(method)

    monkeypatch.setattr(check, "CHAIN_APART_FROM", 0)  # (a big book's size: every book's chain goes apart)
    monkeypatch.setattr(check.multiprocessing, "get_context", context)
    _edit(ledger, "UPDATE ledger_entry SET amount = 900 WHERE id = 2")
    problems = _check(ledger)
    assert started == ["spawn"]
    assert (
        "ledger entry #2 of contract #1 (2026-03-01, fee, $9.00) does not match its hash: it was edited, moved "
        "or added outside Escrowbook, or the entry before it was."
    ) in problems


def test_format_10_migration_fills_the_reports_day_sums_from_the_ledger(tmp_path, backups_folder):
    """Book format 10: a format-9 book kept no day sums for the reports; migrated, they are filled from its live
    ledger (a reversed funding counts nowhere), the reports show the figures the ledger gives, `check` finds the
    sums equal to their derivation, and the next operation keeps them."""
    from models import reports

    path = tmp_path / "old.book"
    _build(path)  # $300.00 funded ($200.00 on 1 March, $100.00 on 5 March), $200.00 paid on 5 March
    with open_book(path):
        f = ops.create_freelancer("Bo Lindqvist")
        site = ops.create_contract("Website", f, currency="EUR", started_on=START, today=PAID)
        m = ops.add_milestone(site, "Pages", 80_000)
        ops.fund_milestone(m, today=START)
        wrong = ops.add_milestone(site, "Typo", 7_000)
        ops.fund_milestone(wrong, today=PAID)
        fund = LedgerEntry.get((LedgerEntry.milestone == wrong.id) & (LedgerEntry.kind == LedgerEntry.FUND))
        ops.reverse_entry(fund, memo="Recorded in error", today=PAID)
        ops.end_contract(site, agreed=True, request_escrow_refund=True, today=PAID)
    as_format(path, 9)
    conn = sqlite3.connect(path)
    assert not {"contract_day", "report_day"} & {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    with open_book(path, create=False) as book:
        assert book.db.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version() == 16
        escrow = reports.escrow_by_month_end(home=False)
        assert {t.currency: (t.figures["funded"], t.figures["paid"], t.figures["escrow"]) for t in escrow.totals} == {
            "EUR": (80_000, 0, 80_000),  # the €70.00 funding reversed; the rest asked back, not yet answered
            "USD": (30_000, 20_000, 10_000),
        }
        spend = reports.spend_by_period("month", home=False)
        assert {(r.key, r.currency): r.figures["paid"] for r in spend.rows} == {
            ("2026-03", "USD"): 20_000,
            ("2026-03", "EUR"): 0,
        }
        days = book.db.execute_sql("SELECT contract_id, day, funded, paid FROM contract_day ORDER BY 1, 2").fetchall()
        assert days == [(1, "2026-03-01", 20_000, 0), (1, "2026-03-05", 10_000, 20_000), (2, "2026-03-01", 80_000, 0)]
        assert check_book(str(book.path)) == []
        pay = LedgerEntry.get(LedgerEntry.kind == LedgerEntry.RELEASE)
        ops.record_refund(pay, 5_000, today=PAID)
        refunds = reports.refunds_by_period("month", home=False)
        assert [(r.key, r.currency, r.figures["refunded"]) for r in refunds.rows] == [("2026-03", "USD", 5_000)]
        assert check_book(str(book.path)) == []
    (backup,) = backups_of(path)
    assert backup.before_upgrade_from == 9


def test_format_11_migration_adds_up_each_contracts_day_sums_per_year(tmp_path, backups_folder):
    """Book format 11: a format-10 book kept no yearly sums; migrated, each contract's day sums are added up per
    year (a day of 2025 and two of 2026 here), a report of a whole year reads them as the ledger says, `check` finds
    them equal to their derivation, and the next operation keeps them."""
    from models import reports

    path = tmp_path / "old.book"
    _build(path)  # $300.00 funded ($200.00 on 1 March, $100.00 on 5 March 2026), $200.00 paid on 5 March
    with open_book(path):
        f = ops.create_freelancer("Bo Lindqvist")
        site = ops.create_contract("Website", f, currency="EUR", started_on=date(2025, 12, 1), today=PAID)
        m = ops.add_milestone(site, "Pages", 80_000)
        ops.fund_milestone(m, today=date(2025, 12, 30))
        ops.release_payment(m, 30_000, today=date(2025, 12, 31))
        m2 = ops.add_milestone(site, "Copy", 20_000)
        ops.fund_milestone(m2, today=START)
        ops.release_payment(m2, today=START)
    _as_format_without(path, 10, "contract_year")
    with open_book(path, create=False) as book:
        assert book.db.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version() == 16
        years = book.db.execute_sql("SELECT contract_id, year, funded, paid FROM contract_year ORDER BY 1, 2")
        assert years.fetchall() == [
            (1, "2026", 30_000, 20_000),
            (2, "2025", 80_000, 30_000),
            (2, "2026", 20_000, 20_000),
        ]
        assert check_book(str(book.path)) == [] and check_book() == []
        whole_2026 = {"first": date(2026, 1, 1), "last": date(2026, 12, 31)}
        paid = reports.spend_by_contract(**whole_2026, home=False)
        assert [(r.key, r.currency, r.figures["paid"]) for r in paid.rows] == [
            ("1", "USD", 20_000),
            ("2", "EUR", 20_000),
        ]
        pay = LedgerEntry.get(LedgerEntry.kind == LedgerEntry.RELEASE)
        ops.record_refund(pay, 5_000, today=PAID)
        paid = reports.spend_by_contract(**whole_2026, home=False)
        assert [(r.key, r.figures["refunded"]) for r in paid.rows] == [("1", 5_000), ("2", 0)]
        assert check_book(str(book.path)) == []
    (backup,) = backups_of(path)
    assert backup.before_upgrade_from == 10


def test_format_12_migration_indexes_the_kept_years_by_size_and_a_page_in_the_home_currency_reads_it(
    tmp_path, backups_folder
):
    """Book format 12: a format-11 book had no index of its kept years by size; migrated, it has it, `check` finds
    the book sound, and a page of contracts sorted in the home currency over a whole year walks it to the same
    page as every contract converted."""
    from models import rates, reports

    path = tmp_path / "old.book"
    _build(path)  # $200.00 paid on 5 March 2026
    with open_book(path):
        f = ops.create_freelancer("Bo Lindqvist")
        for i, amount in enumerate((90_000, 10_000, 50_000)):
            site = ops.create_contract(f"Site {i}", f, currency="EUR", started_on=START, today=PAID)
            m = ops.add_milestone(site, "Pages", amount)
            ops.fund_milestone(m, today=START)
            ops.release_payment(m, today=PAID)
    _as_format_without(path, 11, "contract_year_size")
    with open_book(path, create=False) as book:
        assert book.db.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version() == 16
        plan = book.db.execute_sql(
            "EXPLAIN QUERY PLAN SELECT d.contract_id FROM contract_year d WHERE d.year = '2026' AND d.currency = "
            f"'EUR' ORDER BY {reports.SIZE_SQL} DESC, d.contract_id DESC LIMIT 2"
        ).fetchall()
        assert "contract_year_size" in str(plan) and "TEMP B-TREE" not in str(plan)
        assert check_book(str(book.path)) == [] and check_book() == []
        rates.set_home_currency("EUR")
        rates.record_rate("USD", "2026-03", "0.9", today=PAID)
        year = {"first": date(2026, 1, 1), "last": date(2026, 12, 31)}
        page = reports.spend_by_contract(**year, limit=2, sort="spend")
        assert [(r.label, r.figures["paid"].amount) for r in page.home_rows] == [("Site 0", 90_000), ("Site 2", 50_000)]
        assert page.groups == 4
    (backup,) = backups_of(path)
    assert backup.before_upgrade_from == 11


def test_format_13_migration_adds_up_each_freelancers_years_and_a_page_of_freelancers_walks_them(
    tmp_path, backups_folder
):
    """Book format 13: a format-12 book kept no yearly sums per freelancer; migrated, each freelancer's contracts'
    years are added up per currency (with their sizes, days and how many contract years), indexed by size, `check`
    finds the book sound, and a page of freelancers sorted in the home currency over a year walks them to the same
    page as every freelancer converted."""
    from models import rates, report_totals, reports

    path = tmp_path / "old.book"
    _build(path)  # $200.00 paid on 5 March 2026
    with open_book(path) as book:
        people = [ops.create_freelancer(name) for name in ("Bo Lindqvist", "Ama Owusu")]
        for i, (amount, currency) in enumerate(((90_000, "EUR"), (10_000, "USD"), (50_000, "USD"), (30_000, "EUR"))):
            site = ops.create_contract(f"Site {i}", people[i % 2], currency=currency, started_on=START, today=PAID)
            m = ops.add_milestone(site, "Pages", amount)
            ops.fund_milestone(m, today=START)
            ops.release_payment(m, today=PAID)
        columns = ", ".join(report_totals.FREELANCER_YEAR_COLUMNS)
        kept = book.db.execute_sql(f"SELECT {columns} FROM freelancer_year ORDER BY 1, 2, 3").fetchall()
    assert len(kept) == 5  # (the first contract's freelancer in USD; Bo and Ama each in EUR and USD)
    _as_format_without(path, 12, "freelancer_year")
    with open_book(path, create=False) as book:
        assert book.db.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version() == 16
        assert book.db.execute_sql(f"SELECT {columns} FROM freelancer_year ORDER BY 1, 2, 3").fetchall() == kept
        plan = book.db.execute_sql(
            "EXPLAIN QUERY PLAN SELECT d.freelancer_id FROM freelancer_year d WHERE d.year = '2026' AND d.currency = "
            f"'EUR' ORDER BY {reports.SIZE_SQL} DESC, d.freelancer_id DESC LIMIT 2"
        ).fetchall()
        assert "freelancer_year_size" in str(plan) and "TEMP B-TREE" not in str(plan)
        assert check_book(str(book.path)) == [] and check_book() == []
        rates.set_home_currency("EUR")
        rates.record_rate("USD", "2026-03", "0.9", today=PAID)
        year = {"first": date(2026, 1, 1), "last": date(2026, 12, 31)}
        page = reports.spend_by_freelancer(**year, limit=1, sort="paid")
        assert [(r.label, r.figures["paid"].amount) for r in page.home_rows] == [("Bo Lindqvist", 135_000)]
        assert page.groups == 3
    (backup,) = backups_of(path)
    assert backup.before_upgrade_from == 12


def test_format_14_migration_gives_the_kept_years_their_budgets_and_budget_against_actual_reads_its_indexes(
    tmp_path, backups_folder
):
    """Book format 14: a format-13 book's kept years named no budget; migrated, each names its contract's (none
    for a contract without one), they are indexed by what is left of it and the contracts by currency and budget,
    `check` finds the book sound, and budget against actual over a year sorted by what is left reads the indexes."""
    from models import reports

    path = tmp_path / "old.book"
    _build(path)  # $200.00 paid on 5 March 2026 (no budget)
    with open_book(path):
        f = ops.create_freelancer("Bo Lindqvist")
        for i, (budget, paid) in enumerate(((90_000, 100_000), (10_000, 5_000), (50_000, 20_000))):
            site = ops.create_contract(f"Site {i}", f, currency="USD", budget=budget, started_on=START, today=PAID)
            m = ops.add_milestone(site, "Pages", paid)
            ops.fund_milestone(m, today=START)
            ops.release_payment(m, today=PAID)
    as_format(path, 13)
    conn = sqlite3.connect(path)
    assert "budget" not in {r[1] for r in conn.execute("PRAGMA table_info(contract_year)")}
    conn.close()
    with open_book(path, create=False) as book:
        run = book.db.execute_sql
        assert run("PRAGMA user_version").fetchone()[0] == schema_version() == 16
        assert run("SELECT contract_id, budget FROM contract_year ORDER BY 1").fetchall() == [
            (1, None), (2, 90_000), (3, 10_000), (4, 50_000)
        ]  # fmt: skip
        walk = f"SELECT y.contract_id FROM contract_year y WHERE y.year = '2026' AND y.currency = 'USD' AND " \
               f"y.budget IS NOT NULL ORDER BY {reports._LEFT_SQL} DESC LIMIT 2"  # fmt: skip
        assert "contract_year_left" in str(run("EXPLAIN QUERY PLAN " + walk).fetchall())
        largest = "SELECT c.id FROM contract c WHERE c.currency = 'USD' AND c.budget IS NOT NULL ORDER BY c.budget DESC"
        assert "contract_currency_budget" in str(run("EXPLAIN QUERY PLAN " + largest).fetchall())
        assert check_book(str(book.path)) == [] and check_book() == []
        year = {"first": date(2026, 1, 1), "last": date(2026, 12, 31)}
        page = reports.budget_vs_actual(**year, home=False, sort="left", by_currency=True, limit=3)
        assert [(r.label, r.figures["left"]) for r in page.rows] == [
            ("Site 2", 30_000), ("Site 1", 5_000), ("Site 0", -10_000)
        ]  # fmt: skip
    (backup,) = backups_of(path)
    assert backup.before_upgrade_from == 13


def test_format_15_migration_adds_up_each_contracts_years_and_a_page_over_all_dates_walks_them(
    tmp_path, backups_folder
):
    """Book format 15: a format-14 book kept no sums per contract over all dates; migrated, each contract's years
    are added up (with their sizes and days), indexed by currency and size, `check` finds the book sound, and a page
    of contracts over all dates sorted in the home currency walks them to the same page as every contract
    converted."""
    from models import rates, report_totals, reports

    path = tmp_path / "old.book"
    _build(path)  # $200.00 paid on 5 March 2026
    with open_book(path) as book:
        f = ops.create_freelancer("Bo Lindqvist")
        for i, (amount, currency, day) in enumerate(
            ((90_000, "EUR", PAID), (10_000, "USD", date(2025, 6, 2)), (50_000, "USD", PAID), (30_000, "EUR", PAID))
        ):
            site = ops.create_contract(f"Site {i}", f, currency=currency, started_on=date(2025, 1, 2), today=day)
            m = ops.add_milestone(site, "Pages", amount)
            ops.fund_milestone(m, today=day)
            ops.release_payment(m, today=day)
        columns = ", ".join(report_totals.CONTRACT_LIFE_COLUMNS)
        kept = book.db.execute_sql(f"SELECT {columns} FROM contract_life ORDER BY 1").fetchall()
    assert len(kept) == 5
    as_format(path, 14)
    with open_book(path, create=False) as book:
        run = book.db.execute_sql
        assert run("PRAGMA user_version").fetchone()[0] == schema_version() == 16
        assert run(f"SELECT {columns} FROM contract_life ORDER BY 1").fetchall() == kept
        plan = run(
            "EXPLAIN QUERY PLAN SELECT d.contract_id FROM contract_life d WHERE d.currency = 'EUR' "
            f"ORDER BY {reports.SIZE_SQL} DESC, d.contract_id DESC LIMIT 2"
        ).fetchall()
        assert "contract_life_size" in str(plan) and "TEMP B-TREE" not in str(plan)
        assert check_book(str(book.path)) == [] and check_book() == []
        rates.set_home_currency("EUR")
        rates.record_rate("USD", "2026-03", "0.9", today=PAID)
        rates.record_rate("USD", "2025-06", "0.5", today=PAID)
        page = reports.spend_by_contract(limit=2, sort="paid")
        assert [(r.label, r.figures["paid"].amount) for r in page.home_rows] == [("Site 0", 90_000), ("Site 2", 45_000)]
        assert page.groups == 5
    (backup,) = backups_of(path)
    assert backup.before_upgrade_from == 14


def test_format_16_migration_adds_up_each_freelancers_contracts_over_all_dates_and_a_page_walks_them(
    tmp_path, backups_folder
):
    """Book format 16: a format-15 book kept no sums per freelancer over all dates; migrated, each freelancer's
    contracts' whole lives are added up per currency (with their sizes, days and how many contracts), indexed by
    currency and size, `check` finds the book sound, and a page of freelancers over all dates sorted in the home
    currency walks them to the right page."""
    from models import rates, report_totals, reports

    path = tmp_path / "old.book"
    _build(path)  # $200.00 paid on 5 March 2026, to Ana Ruiz
    with open_book(path) as book:
        people = [ops.create_freelancer(name) for name in ("Bo Lindqvist", "Ama Owusu")]
        for i, (amount, currency, day) in enumerate(
            ((90_000, "EUR", PAID), (10_000, "USD", date(2025, 6, 2)), (50_000, "USD", PAID), (30_000, "EUR", PAID))
        ):
            site = ops.create_contract(
                f"Site {i}", people[i % 2], currency=currency, started_on=date(2025, 1, 2), today=day
            )
            m = ops.add_milestone(site, "Pages", amount)
            ops.fund_milestone(m, today=day)
            ops.release_payment(m, today=day)
        columns = ", ".join(report_totals.FREELANCER_LIFE_COLUMNS)
        kept = book.db.execute_sql(f"SELECT {columns} FROM freelancer_life ORDER BY 1, 2").fetchall()
    assert len(kept) == 5  # (Ana in USD; Bo and Ama each in EUR and USD)
    as_format(path, 15)
    with open_book(path, create=False) as book:
        run = book.db.execute_sql
        assert run("PRAGMA user_version").fetchone()[0] == schema_version() == 16
        assert run(f"SELECT {columns} FROM freelancer_life ORDER BY 1, 2").fetchall() == kept
        plan = run(
            "EXPLAIN QUERY PLAN SELECT d.freelancer_id FROM freelancer_life d WHERE d.currency = 'EUR' "
            f"ORDER BY {reports.SIZE_SQL} DESC, d.freelancer_id DESC LIMIT 2"
        ).fetchall()
        assert "freelancer_life_size" in str(plan) and "TEMP B-TREE" not in str(plan)
        assert check_book(str(book.path)) == [] and check_book() == []
        rates.set_home_currency("EUR")
        rates.record_rate("USD", "2026-03", "0.9", today=PAID)
        rates.record_rate("USD", "2025-06", "0.5", today=PAID)
        page = reports.spend_by_freelancer(limit=1, sort="paid")
        assert [(r.label, r.figures["paid"].amount) for r in page.home_rows] == [("Bo Lindqvist", 135_000)]
        assert page.groups == 3
    (backup,) = backups_of(path)
    assert backup.before_upgrade_from == 15


@pytest.mark.parametrize(
    "said",
    [8, 9, 10, 12],
    ids=["format 9's rates", "format 10's day sums", "format 11's years", "format 13's freelancers' years"],
)
def test_a_book_that_says_it_is_in_an_older_format_but_has_what_the_next_added_is_refused(tmp_path, said):
    """A book that says it is in an older format but has what the next format added (its table of rates, its day
    sums, its yearly sums, its freelancers' yearly sums) had its format number changed outside Escrowbook: it is
    refused, never migrated."""
    from models.errors import BookError

    path = tmp_path / "old.book"
    _build(path)
    _edit(path, f"PRAGMA user_version = {said}")
    with pytest.raises(BookError, match=f"already has what format {said + 1} added"):
        open_book(path, create=False)


def test_check_reports_the_reports_day_sums_out_of_date(ledger, capsys):
    """`escrowbook check` compares the reports' day sums with the ledger (each contract's days) and with what the
    contracts add up to (the book's days): a sum changed, a day added or one taken away outside Escrowbook is
    reported in words, naming the contract or the day."""
    _edit(
        ledger,
        "UPDATE contract_day SET paid = paid + 1 WHERE day = '2026-03-05'",
        "UPDATE report_day SET fees = 0 WHERE day = '2026-03-01'",
    )
    assert main(["check", str(ledger)]) == 1
    said = capsys.readouterr().out
    assert "contract #1: its stored day sums for the reports differ from its ledger (summary out of date)." in said
    assert "the reports' sums of 2026-03-01 in USD differ from what its contracts add up to (kept total out of" in said
    assert "the reports' sums of 2026-03-05 in USD differ" in said  # (its contract's row was changed under it)
    _edit(ledger, "DELETE FROM contract_day", "DELETE FROM report_day")
    assert main(["check", str(ledger)]) == 1
    said = capsys.readouterr().out
    assert "contract #1: its stored day sums for the reports differ from its ledger" in said


def test_check_reports_a_day_sum_the_ledger_does_not_have(ledger, capsys):
    """A day added to a contract's day sums (a day with no entry at all, after every day it has) is named: the
    contract, and the book's day that no longer adds up."""
    assert main(["check", str(ledger)]) == 0
    capsys.readouterr()
    _edit(
        ledger,
        "INSERT INTO contract_day SELECT contract_id, '2099-12-31', currency, freelancer_id, status, policy_id, "
        "funded, paid, fees, refunded, escrow_refunded FROM contract_day WHERE contract_id = 1 LIMIT 1",
    )
    assert main(["check", str(ledger)]) == 1
    said = capsys.readouterr().out
    assert "contract #1: its stored day sums for the reports differ from its ledger (summary out of date)." in said
    assert "the reports' sums of 2099-12-31 in USD differ from what its contracts add up to" in said
