"""Four people on one book kept in PostgreSQL at once (issue 22): four processes make conflicting operations on the
same contracts and milestones for 30 seconds (ESCROWBOOK_PG_CONCURRENCY_SECONDS), each operation one SERIALIZABLE
transaction run again a bounded number of times when another one won (models/ops.operation). Then `check` finds
the book sound, every operation that said it was recorded is in the book once, none more, no milestone paid
beyond what was funded, and every refusal was said in words."""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import subprocess
import sys
import threading
import time
import traceback
from datetime import timedelta

import pytest

from models import chain, ops, pgstore
from models.check import check_book
from models.entities import LedgerEntry, Milestone, database
from models.errors import RuleError

from ..conftest import START

PEOPLE = 4
SECONDS = float(os.environ.get("ESCROWBOOK_PG_CONCURRENCY_SECONDS", "30"))
DAY = START + timedelta(days=5)  # (every record of the run on one day: the order of events holds whoever is first)


def _person(url: str, seed: int, until: float, out) -> None:
    """One person's session: random operations on the shared contracts until `until`; what each did is put on `out`
    (recorded: (what, id, amount); refused: the words; anything else: its traceback)."""
    from models.book import open_book

    rng = random.Random(seed)
    recorded, refused, failed = [], [], []
    with open_book(url) as book:
        contracts = [c for (c,) in book.db.execute_sql("SELECT id FROM contract ORDER BY id").fetchall()]
        while time.time() < until:
            what = rng.choice(("add", "fund", "fund", "release", "release", "release", "refund"))
            try:
                if what == "add":
                    m = ops.add_milestone(rng.choice(contracts), f"Part {seed}", rng.randrange(500, 5_000))
                    recorded.append(("milestone", m.id, m.amount))
                    continue
                if what == "refund":
                    payments = LedgerEntry.select().where(LedgerEntry.kind == LedgerEntry.RELEASE)
                    payment = rng.choice(list(payments) or [None])
                    if payment is None:
                        continue
                    entry = ops.record_refund(payment, rng.randrange(1, 300), today=DAY)
                else:
                    state = Milestone.UNFUNDED if what == "fund" else Milestone.ACTIVE
                    # (the same few milestones for everyone: the lowest ids first)
                    found = list(Milestone.select().where(Milestone.state == state).order_by(Milestone.id).limit(3))
                    if not found:
                        continue
                    m = rng.choice(found)
                    if what == "fund":
                        entry = ops.fund_milestone(m, today=DAY)
                    else:
                        entry = ops.release_payment(m, rng.randrange(100, 2_000), today=DAY)
                recorded.append((entry.kind, entry.id, entry.amount))
            except RuleError as exc:
                refused.append(str(exc))
            except Exception:  # (every other end is a failure of the test, told with its traceback)
                failed.append(traceback.format_exc())
    out.put({"recorded": recorded, "refused": refused, "failed": failed})


def test_four_people_at_once_lose_nothing_and_the_book_stays_sound(pg_database):
    book = pg_database()
    ana = ops.create_freelancer("Ana Ruiz")
    for title in ("Logo redesign", "Brand book"):
        c = ops.create_contract(title, ana, currency="USD", started_on=START, today=START)
        for n in range(3):
            ops.add_milestone(c, f"Step {n + 1}", 5_000)
    before = {kind: n for kind, n in book.db.execute_sql("SELECT kind, COUNT(*) FROM ledger_entry GROUP BY kind")}
    milestones_before = Milestone.select().count()

    spawn = multiprocessing.get_context("spawn")  # (a fresh interpreter each: no connection shared with this one)
    out = spawn.Queue()
    until = time.time() + SECONDS
    people = [spawn.Process(target=_person, args=(book.url, seed, until, out)) for seed in range(PEOPLE)]
    for p in people:
        p.start()
    said = [out.get(timeout=SECONDS + 120) for _ in people]
    for p in people:
        p.join(timeout=30)
        assert p.exitcode == 0

    failed = [f for s in said for f in s["failed"]]
    assert failed == [], failed[0] if failed else ""
    refused = [r for s in said for r in s["refused"]]
    recorded = [r for s in said for r in s["recorded"]]
    kinds = {kind for kind, _, _ in recorded}
    assert {"milestone", LedgerEntry.FUND, LedgerEntry.RELEASE} <= kinds, kinds  # (they did meet on the same rows)
    for words in refused:  # in a client's words: no rule numbers, no database's messages
        assert not re.search(r"\bR\d{1,2}\b|psycopg|SQLSTATE|serializ|deadlock|Traceback", words, re.I), words

    # Nothing lost, nothing twice: each record said to be made is in the book as it was said, and no other.
    entries = {e.id: (e.kind, e.amount) for e in LedgerEntry.select()}
    made = [(i, (kind, amount)) for kind, i, amount in recorded if kind != "milestone"]
    assert all(entries.get(i) == said_entry for i, said_entry in made)
    for kind in (LedgerEntry.FUND, LedgerEntry.RELEASE, LedgerEntry.REFUND):  # (fees are recorded beside them)
        in_book = sum(1 for k, _ in entries.values() if k == kind)
        assert in_book == before.get(kind, 0) + sum(1 for _, (k, _) in made if k == kind), kind
    milestones = {m.id: m.amount for m in Milestone.select()}
    added = [(i, amount) for kind, i, amount in recorded if kind == "milestone"]
    assert all(milestones.get(i) == amount for i, amount in added)
    assert len(milestones) == milestones_before + len(added)

    # No milestone paid beyond its funding, however close together two people released from it.
    assert check_book() == []


# --- writers take turns (models/pgstore.take_turn) ---------------------------------------------------------------


def _slow_release(url: str, milestone_id: int, amount: int, entered, out) -> None:
    """Another person's release from a milestone, whose transaction stays open a second once it is under way."""
    from models import chain
    from models.book import open_book

    original = chain.append_entry

    def slowly(db, entry_id):
        entered.set()
        time.sleep(1.0)
        return original(db, entry_id)

    chain.append_entry = slowly
    with open_book(url, create=False):
        out.put(ops.release_payment(milestone_id, amount, today=DAY).amount)


@pytest.fixture
def milestone(pg_database):
    """A milestone of $500 funded, on a shared book of its own (its address: `milestone.url`)."""
    book = pg_database()
    ana = ops.create_freelancer("Ana Ruiz")
    c = ops.create_contract("Logo redesign", ana, currency="USD", started_on=START, today=START)
    m = ops.add_milestone(c, "Draft", 50_000)
    ops.fund_milestone(m, today=START)
    m.url = book.url
    yield m
    book.close()


def _counted(monkeypatch) -> list[int]:
    """The ledger entries this process goes as far as chaining (a try that later lost counts too)."""
    from models import chain

    tries: list[int] = []
    original = chain.append_entry

    def append_entry(db, entry_id):
        tries.append(entry_id)
        return original(db, entry_id)

    monkeypatch.setattr(chain, "append_entry", append_entry)
    return tries


def _my_turns() -> int:
    """The turns this session holds (advisory locks of the server)."""
    return database.obj.execute_sql(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    ).fetchone()[0]


def test_r14_two_writers_on_one_milestone_the_second_waits_its_turn_and_is_refused_by_the_rules_not_a_conflict(
    milestone, monkeypatch
):
    """Two people release $300 from the same milestone of $500 at the same moment: the second waits until the first's
    operation has committed, then reads the book as it is now (a release was made from the milestone: it is no longer
    active) and is refused by the rules, in words, on its first try: it never wrote anything that lost to the other
    (without turns it would have, then run again)."""
    spawn = multiprocessing.get_context("spawn")
    entered, out = spawn.Event(), spawn.Queue()
    other = spawn.Process(target=_slow_release, args=(milestone.url, milestone.id, 30_000, entered, out))
    other.start()
    try:
        assert entered.wait(60), "the other person's release did not begin"
        tries = _counted(monkeypatch)
        started = time.perf_counter()
        with pytest.raises(RuleError) as refused:
            ops.release_payment(milestone, 30_000, today=DAY)
        waited = time.perf_counter() - started
        assert out.get(timeout=60) == 30_000
    finally:
        other.join(timeout=60)
    assert other.exitcode == 0
    assert str(refused.value) == "“Draft” is no longer active: payments are released from active milestones."
    assert tries == [] and waited > 0.5  # it waited for the other's turn, then never got as far as writing
    released = LedgerEntry.select().where(LedgerEntry.kind == LedgerEntry.RELEASE)
    assert [e.amount for e in released] == [30_000]
    assert _my_turns() == 0  # (the turn is given back after a refusal too)


def test_r14_a_writer_waits_for_the_operation_under_way_and_is_recorded_on_its_first_try(milestone, monkeypatch):
    """Another person's operation holds the turn and moves the ledger's head: the operation waits for it to commit
    (its own transaction begins after), then is recorded once, without a try lost to a conflict."""
    import psycopg

    holding = threading.Event()

    def another_operation():
        with psycopg.connect(milestone.url, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s, %s)", pgstore.TURN_KEYS)
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                conn.execute("UPDATE book_info SET value = value WHERE key = %s", (chain.HEAD_KEY,))
                holding.set()
                time.sleep(0.8)
            conn.execute("SELECT pg_advisory_unlock(%s, %s)", pgstore.TURN_KEYS)

    other = threading.Thread(target=another_operation)
    other.start()
    assert holding.wait(30)
    tries = _counted(monkeypatch)
    started = time.perf_counter()
    entry = ops.release_payment(milestone, 10_000, today=DAY)
    waited = time.perf_counter() - started
    other.join()
    assert waited > 0.4 and len(tries) == 1 and entry.amount == 10_000
    assert _my_turns() == 0


def test_r14_a_turn_that_does_not_come_is_refused_in_words_with_nothing_recorded(milestone, monkeypatch, unchanged):
    """Someone holds the turn longer than TURN_SECONDS: the operation is refused in words (no rule number, nothing of
    the database's), nothing recorded; readers never wait for the turn; once it is free, the same operation works."""
    import psycopg

    monkeypatch.setattr(pgstore, "TURN_SECONDS", 0.5)
    with psycopg.connect(milestone.url, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", pgstore.TURN_KEYS)
        started = time.perf_counter()
        assert Milestone.select().count() == 1 and check_book() == []  # (readers: at once)
        assert time.perf_counter() - started < 0.5
        with unchanged(), pytest.raises(RuleError) as refused:
            ops.release_payment(milestone, 10_000, today=DAY)
        assert 0.4 < time.perf_counter() - started < 5
    words = str(refused.value)
    assert words == pgstore.TURN_WORDS and "nothing was recorded" in words
    assert not re.search(r"\bR\d{1,2}\b|psycopg|SQLSTATE|lock|serializ|deadlock", words, re.I), words
    assert _my_turns() == 0
    assert ops.release_payment(milestone, 10_000, today=DAY).amount == 10_000


def test_r14_a_turn_held_by_a_process_that_died_ends_with_its_connection(milestone, monkeypatch):
    """A writer's process killed while it holds the turn: the server ends its session and the turn with it, and the
    next operation goes ahead at once (TURN_SECONDS is never reached)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, psycopg; c = psycopg.connect(sys.argv[1], autocommit=True); "
            "c.execute('SELECT pg_advisory_lock(%s, %s)', tuple(map(int, sys.argv[2:]))); print('held', flush=True); "
            "time.sleep(120)",
            milestone.url,
            *map(str, pgstore.TURN_KEYS),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
    finally:
        holder.kill()
        holder.wait(timeout=30)
    monkeypatch.setattr(pgstore, "TURN_SECONDS", 20)
    started = time.perf_counter()
    assert ops.release_payment(milestone, 10_000, today=DAY).amount == 10_000
    assert time.perf_counter() - started < 10
