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
import time
import traceback
from datetime import timedelta

from models import ops
from models.check import check_book
from models.entities import LedgerEntry, Milestone
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
