"""`escrowbook demo`: a realistic demo book at a deterministic seed.

Contracts in every state the rules know: active with work under review,
active with escrow left after a partial release, ended and closed out, ended
with a pending escrow refund, disputed (open and resolved), refunded, with and
without feedback, with closeout items open; under the marketplace's second version also a few with the initiation
fee returned, a refund through the marketplace's support, work submitted again after changes were asked for, and
disputes in mediation (proposals, acceptances, arbitration). For speed it writes with plain
`executemany` in one transaction (100,000 contracts in a few seconds), then
derives the summaries with the same SQL the operations use. Every book it
writes passes `escrowbook check`.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import multiprocessing
import random
import sqlite3
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

from . import chain
from .book import open_book
from .clock import add_business_days
from .entities import Dispute, Feedback, Policy
from .errors import RuleError
from .money import CURRENCY_EXPONENT, major_to_minor
from .policy import CLOCK_KEYS, terms
from .summary import refresh

# Dates are written as ISO text, as peewee writes them (explicit: Python 3.12 deprecates the default).
sqlite3.register_adapter(date, date.isoformat)

GIVEN = (
    "Ana", "Mei", "Tomás", "Priya", "Olu", "Sara", "Jonas", "Amara", "Liam", "Yuki", "Fatima", "Lucas", "Nina", "Diego",
    "Hana", "Omar", "Ines", "Kofi", "Elena", "Ravi", "Zoe", "Arjun", "Leila", "Marek", "Chloé", "Sven", "Aisha",
    "Mateo",
)  # fmt: skip
FAMILY = (
    "Ruiz", "Chen", "Silva", "Nair", "Adeyemi", "Lind", "Weber", "Okafor", "Byrne", "Tanaka", "Zahra", "Moreau",
    "Petrova", "Alvarez", "Kim", "Haddad", "Duarte", "Mensah", "Rossi", "Patel", "Martin", "Rao", "Karimi", "Nowak",
    "Dubois", "Olsen", "Bello", "Cruz",
)  # fmt: skip
AGENCIES = ("", "", "", "Northwind Studio", "Pixel & Co", "Blue Fjord Labs", "Atlas Dev Collective")
WORK = (
    "Logo redesign",
    "Landing page",
    "Mobile app MVP",
    "Data pipeline",
    "Brand guidelines",
    "Shop migration",
    "API integration",
    "Pitch deck",
    "SEO audit",
    "Newsletter templates",
    "Dashboard",
    "Illustrations",
    "Translation (ES)",
    "Video edit",
    "WordPress theme",
    "Market research",
)
STEPS = ("Wireframes", "First draft", "Revisions", "Implementation", "Testing", "Final delivery", "Handover")
CURRENCIES = ("USD",) * 12 + ("EUR",) * 3 + ("GBP",) * 2 + ("CAD", "AUD", "JPY", "INR")
# Weights: most contracts are settled; a realistic few need attention today.
SCENARIOS = (
    ("active", 38),
    ("active_review", 2),
    ("active_leftover", 4),
    ("ended_closed", 40),
    ("ended_open", 1.5),
    ("ended_pending_refund", 1),
    ("ended_refund_approved", 4),
    ("disputed_open", 0.5),
    ("disputed_resolved", 1),
    ("refunded", 8),
)
REASONS = ("Work completed", "Work completed", "Project cancelled", "Budget changed", "Freelancer unavailable")
COLUMNS = {
    "freelancer": "id, name, agency, email, profile_url, notes",
    "contract": "id, title, freelancer_id, policy_id, currency, budget, external_id, started_on, ended_on, status, "
    "end_reason, end_note, feedback_closes_at, notes, created_at, initiation_fee",
    "milestone": (
        "id, contract_id, position, title, description, amount, due_on, state, submitted_on, auto_release_on, "
        "first_submitted_on"
    ),
    "escrow_refund_request": "id, contract_id, amount, requested_on, reply_due, status, answered_on",
    "dispute": "id, contract_id, request_id, amount, opened_on, answer_due, mediation_ends, answered_on, status, "
    "resolved_on, " + ", ".join(Dispute.STEP_COLUMNS),  # R8 v2: the steps of mediation (NULL under version 1)
    "ledger_entry": ", ".join((*chain.COLUMNS, "hash")),  # the hash chain (R12) is computed by the generator
    "support_case": "id, entry_id, reference",  # R9 v2: refunds made through the marketplace's support
    "feedback": "id, contract_id, author, skills, quality, availability, schedule, communication, cooperation, "
    "rating, comment, private_reason, recommend, private_note, submitted_at",
    "closeout_item": "id, contract_id, kind, label, done_on, note",
    "contract_search": "rowid, title, freelancer, external_id",
    "contract_month": "contract_id, month, currency, paid, refunded",
    "access_grant": 'id, contract_id, label, "where", given_on, revoked_on',
}
CLOSEOUT = (
    ("revoke_access", "Change or revoke every password and access given to the freelancer"),
    ("receive_work", "Receive all work, materials and equipment lent"),
    ("remind_property", "Remind the freelancer to remove your property from their equipment"),
    ("leave_feedback", "Leave feedback"),
)


class _Writer:
    """Rows per table, with ids assigned here so foreign keys need no look-ups."""

    def __init__(self):
        self.rows: dict[str, list[tuple]] = {t: [] for t in COLUMNS}
        self.next_id: dict[str, int] = dict.fromkeys(COLUMNS, 1)
        self.last_hash = chain.ZERO

    def add(self, table: str, *values) -> int:
        rid = self.next_id[table]
        self.next_id[table] = rid + 1
        self.rows[table].append((rid, *values))
        return rid

    def take(self) -> dict[str, list[tuple]]:
        """Hand over the rows so far (ids keep counting), each ledger entry with its hash.

        Hashed here, in the generating process (the chain is sequential by id; rows come in id order):
        measured on 100,000 contracts, hashing in the writing process instead, between its inserts,
        made the demo about a second slower; here it adds about 1 s of the generator's time, of
        which the writer waits for about half."""
        batch = self.rows
        self.rows = {t: [] for t in COLUMNS}
        batch["ledger_entry"], self.last_hash = chain.chain_rows(batch["ledger_entry"], self.last_hash)
        return batch


def _policy_rows() -> dict[str, list[tuple]]:
    """Each policy's versions, oldest first, with their numbers, as plain picklable values for the generating
    process: (first day in force as an ordinal, id, currencies allowed (None: any), minimum per currency,
    fee rate, initiation fee, initiation fee range (None: fixed), clocks)."""
    out: dict[str, list[tuple]] = {}
    for p in Policy.select().order_by(Policy.key, Policy.effective_from):
        t = terms(p)
        # (with the feedback form, R10: six categories, or one rating under the second marketplace version)
        # and what the second marketplace version added: the initiation fee returned (R3), the steps of mediation (R8)
        clocks = SimpleNamespace(
            **{k: getattr(p, k) for k in CLOCK_KEYS},
            feedback_form=t.feedback_form,
            returns_fee=t.initiation_fee_returned,
            proposal_days=t.mediation_proposal_days,
            acceptance_days=t.mediation_acceptance_days,
        )
        out.setdefault(p.key, []).append(
            (
                p.effective_from.toordinal(),
                p.id,
                t.currencies,
                dict(t.minimums),
                p.fee_rate,
                p.initiation_fee,
                t.initiation_fee_range,
                clocks,
            )
        )
    return out


def _version(versions: list[tuple], started: int) -> tuple:
    """R13: the version in force on the day `started` (an ordinal): the latest that took effect by then (the
    first one for a contract that started before any did, as `policy.policy_for`)."""
    chosen = versions[0]
    for version in versions:
        if version[0] <= started:
            chosen = version
    return chosen


CHUNK = 5_000  # contracts generated per batch
IN_PROCESS_UP_TO = 20_000  # larger books are generated in a second process while this one writes
MAX_CONTRACTS = 1_000_000  # ten times the benchmark's book; 10^11 ran for minutes, took 12 GB and died


def generate(
    path: str | Path,
    contracts: int,
    *,
    seed: int = 1,
    today: date | None = None,
    progress: Callable[[int, int], bool] | None = None,
) -> dict[str, int]:
    """Write a new demo book at `path` with `contracts` contracts; returns row counts.

    `progress(done, total)` may return False to cancel (nothing is written then).
    A large book is generated in a second process (Python code, one core) while
    this one inserts the batches it sends (SQLite, the other core).
    """
    path = Path(path)
    if path.exists():
        raise RuleError(f"“{path.name}” already exists: the demo writes a new book only.", field="path")
    if contracts < 0:
        raise RuleError("The number of contracts cannot be negative.", field="contracts")
    if contracts > MAX_CONTRACTS:
        raise RuleError(f"A demo book holds at most {MAX_CONTRACTS:,} contracts.", field="contracts")
    today = today or date.today()
    child = policies_to_child = None
    if contracts > IN_PROCESS_UP_TO:
        # Started before the book is opened, so nothing of SQLite crosses into it (fork where there is one).
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        rows_in, rows_out = ctx.Pipe(duplex=False)
        policies_in, policies_to_child = ctx.Pipe(duplex=False)
        parent_ends = (rows_in, policies_to_child)
        child = ctx.Process(
            target=_child, args=(policies_in, rows_out, seed, contracts, today, parent_ends), daemon=True
        )
        child.start()
        rows_out.close()
        policies_in.close()
    book = open_book(path)
    counts = dict.fromkeys(COLUMNS, 0)
    loader = _BulkLoader(book.db)
    try:
        policies = _policy_rows()
        if child is None:
            batches = []
            _produce(seed, contracts, today, policies, batches.append)
            batches.append(None)
            receive = iter(batches).__next__
        else:
            policies_to_child.send(policies)
            receive = rows_in.recv
        done = 0
        last_entry = None
        while (batch := _next_batch(receive)) is not None:
            for table, rows in batch.items():
                counts[table] += len(rows)
                _insert_rows(loader.conn, table, rows)
            last_entry = batch["ledger_entry"][-1] if batch["ledger_entry"] else last_entry
            done = min(done + CHUNK, contracts)
            if progress and progress(done, contracts) is False:
                raise KeyboardInterrupt
        if last_entry is not None:
            loader.conn.execute(
                "INSERT OR REPLACE INTO book_info (key, value) VALUES (?, ?)",
                (chain.HEAD_KEY, chain.head_value(last_entry[0], last_entry[-1])),
            )
        loader.finish()
    except BaseException:
        if child is not None and child.is_alive():
            child.terminate()
        loader.abandon()
        book.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    finally:
        if child is not None:
            child.join(timeout=10)
    book.close()
    return counts


def _next_batch(receive: Callable):
    try:
        batch = receive()
    except EOFError:
        raise RuntimeError("The demo generator stopped unexpectedly; nothing was written.") from None
    if isinstance(batch, BaseException):
        raise batch
    return batch


def _child(policies_in, rows_out, seed, contracts, today, parent_ends=()) -> None:
    """The generating process: waits for the book's policies, sends each batch of rows, then None
    (or the exception it met).

    It first closes its copies of the writing process's ends of the two pipes (a forked child holds them
    too): then, if that process dies, the next receive ends with EOF and the next send with a broken pipe,
    and this one ends instead of waiting forever."""
    for end in parent_ends:
        end.close()
    try:
        policies = policies_in.recv()
        _produce(seed, contracts, today, policies, rows_out.send)
        rows_out.send(None)
    except (EOFError, BrokenPipeError):
        return  # the writing process is gone: nobody to hand anything to
    except BaseException as exc:  # handed to the writing process, which raises it
        with contextlib.suppress(OSError):
            rows_out.send(exc)
    finally:
        rows_out.close()


def _produce(seed: int, contracts: int, today: date, policies, send: Callable) -> None:
    """Every row of the demo book, deterministic for a seed, sent in batches of CHUNK contracts."""
    w = _Writer()
    rng = random.Random(seed)
    people = [_freelancer(rng, i) for i in range(max(1, contracts // 8))]
    ids = [w.add("freelancer", *p) for p in people]
    names = dict(zip(ids, (p[0] for p in people), strict=True))
    weights = [s[1] for s in SCENARIOS]
    scenarios = [s[0] for s in SCENARIOS]
    # The records only the second marketplace version has are drawn from a second generator, and only for its
    # contracts: the main one draws exactly as before, so every first-version contract is as it always was.
    gen = _ContractGen(w, rng, policies, today, names, random.Random(f"escrowbook-demo-v2:{seed}"))
    for i in range(contracts):
        gen.run(i, rng.choices(scenarios, weights)[0], rng.choice(ids))
        if (i + 1) % CHUNK == 0:
            send(w.take())
    send(w.take())


LOAD_CACHE_KIB = 65_536  # the page cache while loading and indexing, and so what each run of a sort holds

# (indexed once filled)
SUMMARY_TABLES = (
    "clock",
    "contract_totals",
    "contract_month",
    "contract_day",
    "contract_year",
    "freelancer_year",
    "contract_life",
    "freelancer_life",
)


class _BulkLoader:
    """One transaction for the whole load; indexes dropped first and built once at the end.

    No journal and foreign-key enforcement off while loading a brand-new file
    that is deleted if anything fails (`escrowbook check` verifies every reference).
    """

    def __init__(self, db):
        self.db = db
        self.conn = db.connection()
        self.conn.execute("PRAGMA foreign_keys = OFF")
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        # The index builds and the grouped passes sort more rows than fit in memory at a million contracts.
        # SQLite's sorter then sorts a cache's worth at a time (each on a helper thread while the next is read:
        # `threads`), writes it to a temporary file and merges them; with temporary files kept in memory
        # (temp_store MEMORY) it never does: it sorts every row as one list, on one core, and that grew faster
        # than the rows. Measured on 1,000,000 contracts: the index on the ledger's dates 13.2 s sorted in memory,
        # 7.6 s by runs of 256 MiB, 5.6 s by runs of 64 MiB; the whole demo 210 s -> 172 s (18.5 s -> 16.8 s
        # at 100,000).
        self.conn.execute(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
        self.conn.execute("PRAGMA temp_store = FILE")
        self.conn.execute("PRAGMA threads = 2")  # index builds sort on both cores (the generator is done by then)
        self.conn.execute("BEGIN")
        self.indexes = self.conn.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name NOT IN ('policy', 'book_info')"
        ).fetchall()
        for name, _, _ in self.indexes:
            self.conn.execute(f'DROP INDEX "{name}"')

    def finish(self) -> None:
        # The summaries are indexed after they are filled, but for the clock's index on its contract: the totals
        # of each slice of contracts read that slice's clocks through it (models/summary.py refresh).
        later = [sql for name, t, sql in self.indexes if t in SUMMARY_TABLES and name != "clock_contract_id_due"]
        for _, _, sql in self.indexes:
            if sql not in later:
                self.conn.execute(sql)
        # The generator wrote the search rows and monthly sums itself; the rest is derived here (the reports' day
        # sums in one more pass over the ledger: models/report_totals.py).
        refresh(self.db, only=("clock", "contract_totals", "contract_day"))
        for sql in later:
            self.conn.execute(sql)
        self.conn.execute("COMMIT")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.conn.execute("PRAGMA cache_size = -2000")
        self.conn.execute("PRAGMA temp_store = DEFAULT")
        self.conn.execute("PRAGMA threads = 0")

    def abandon(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")


ROWS_PER_STATEMENT = 200  # multi-row INSERTs: fewer statements, far fewer hand-overs between threads


def _insert_rows(conn, table: str, rows: list[tuple]) -> None:
    if not rows:
        return
    one = "(" + ", ".join("?" * len(rows[0])) + ")"
    head = f"INSERT INTO {table} ({COLUMNS[table]}) VALUES "
    full = len(rows) - len(rows) % ROWS_PER_STATEMENT
    if full:
        sql = head + ", ".join([one] * ROWS_PER_STATEMENT)
        for start in range(0, full, ROWS_PER_STATEMENT):
            conn.execute(sql, list(itertools.chain.from_iterable(rows[start : start + ROWS_PER_STATEMENT])))
    if full < len(rows):
        rest = rows[full:]
        conn.execute(head + ", ".join([one] * len(rest)), list(itertools.chain.from_iterable(rest)))


def _freelancer(rng: random.Random, i: int) -> tuple:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    handle = f"{given}.{family}".lower().replace("é", "e").replace("á", "a")
    return (
        f"{given} {family}",
        rng.choice(AGENCIES),
        f"{handle}{i}@example.com",
        f"https://www.upwork.com/freelancers/~01{i:08d}",
        "",
    )


class _ContractGen:
    """Writes one contract's rows. Hot path: days are ordinals and ISO text is cached per day."""

    _iso: ClassVar[dict[int, str]] = {}

    # Shares of the second version's contracts carrying what that version added (drawn from `self.v2`).
    FEE_RETURNED = 0.3  # of those ending with an escrow refund request: nothing released, the fee returned (R3)
    SUPPORT_REFUND = 0.15  # of those ended and closed out: a refund through the marketplace's support (R9)
    RESUBMITTED = 0.35  # of work under review: submitted again after changes were asked for (R6)
    MEDIATED_OPEN = 0.6  # of open disputes: answered, in mediation (R8); every resolved one went through it

    def __init__(
        self,
        w: _Writer,
        rng: random.Random,
        policies,
        today: date,
        names: dict[int, str],
        v2: random.Random | None = None,
    ):
        self.w, self.rng, self.r = w, rng, rng.random
        self.v2 = v2 or random.Random(0)
        self.names = names
        self.policies = policies
        self.today = today.toordinal()

    def day(self, n: int) -> str:
        text = self._iso.get(n)
        if text is None:
            text = self._iso[n] = date.fromordinal(n).isoformat()
        return text

    def ri(self, low: int, high: int) -> int:
        return low + int(self.r() * (high - low + 1))

    def run(self, i: int, scenario: str, freelancer: int) -> None:
        w, r, ri, day, today = self.w, self.r, self.ri, self.day, self.today
        currency = CURRENCIES[int(r() * len(CURRENCIES))]
        key = "direct" if r() < 0.2 else "upwork"
        ended = scenario.startswith(("ended", "disputed", "refunded"))
        n_ms = ri(3, 7)
        span = n_ms * 12 + 30
        if scenario in ("ended_open", "ended_pending_refund", "disputed_open"):
            started = today - span - ri(0, 6)
        elif scenario == "refunded":
            started = today - span - ri(10, 120)
        elif scenario == "active" and i % 10 == 0:
            started = today - ri(0, 40)  # a few started lately (under the policy version in force today)
        else:
            started = today - span - ri(0, 900)
        # R13: the version in force on the start date; R2: in a currency it allows (version 2: US dollars).
        _, policy_id, allowed, minimums, _rate, _initiation, fee_range, policy = _version(self.policies[key], started)
        if allowed is not None and currency not in allowed:
            currency = allowed[0]
        _minimum = minimums.get(currency, minimums.get("*"))
        minimum, rate, initiation = _policy_numbers(key, currency, _minimum, _rate, _initiation)
        contract_fee = None
        if fee_range is not None:  # R3 (v2): an initiation fee set per contract, within the policy's range
            low, high = (major_to_minor(bound, currency) for bound in fee_range)
            initiation = contract_fee = low + (i * 37) % (high - low + 1)
        # The second version's records: decided here, drawn from their own generator (see _produce).
        x = self.v2 if policy.proposal_days is not None else None
        fee_back = (
            x is not None
            and policy.returns_fee
            and bool(initiation)
            and scenario in ("ended_refund_approved", "ended_pending_refund")
            and x.random() < self.FEE_RETURNED
        )
        initiation_id = None
        unit = 10 ** CURRENCY_EXPONENT[currency] * (100 if currency in ("JPY", "INR") else 1)
        amounts = [max(minimum, (5 * ri(10, 500)) * unit) for _ in range(n_ms)]
        cid = w.next_id["contract"]
        first_entry = len(w.rows["ledger_entry"])
        ledger = w.rows["ledger_entry"].append
        lid = w.next_id["ledger_entry"]
        mid = w.next_id["milestone"]
        milestones = w.rows["milestone"].append
        when = started
        escrow_left = 0
        payments = []
        first_fund = True
        paid = (
            (n_ms if scenario in ("ended_closed", "ended_open", "refunded") else n_ms - 1) if ended else ri(0, n_ms - 2)
        )
        for pos in range(n_ms):
            amount = amounts[pos]
            state = "unfunded"
            submitted = auto = first = None
            funded = pos < paid or (pos == paid and (ended or scenario != "active" or r() < 0.7))
            if funded and fee_back and pos:
                # Cancelled after the first deposit, nothing delivered: the days pass as they would have
                when = min(when + ri(1, 6), today)
                if pos < paid:
                    when = min(when + ri(3, 9), today)
            elif funded:
                escrow_left += amount
                when = min(when + ri(1, 6), today)
                d = day(when)
                stamp = d + " 09:00:00"
                fund_id = lid
                ledger((lid, cid, mid, "fund", amount, currency, d, "", None, None, None, None, stamp))
                lid += 1
                fee = (2 * amount * rate[0] + rate[1]) // (2 * rate[1])
                if fee:
                    ledger((lid, cid, mid, "fee", fee, currency, d, "", None, fund_id, None, None, stamp))
                    lid += 1
                if first_fund and initiation:
                    initiation_id = lid
                    ledger(
                        (
                            lid,
                            cid,
                            mid,
                            "fee",
                            initiation,
                            currency,
                            d,
                            "Contract initiation fee",
                            None,
                            fund_id,
                            None,
                            None,
                            stamp,
                        )
                    )
                    lid += 1
                first_fund = False
                if pos < paid and fee_back:
                    when = min(when + ri(3, 9), today)  # the work was never delivered: nothing released
                    state = "closed"
                elif pos < paid:
                    when = min(when + ri(3, 9), today)
                    release = amount
                    if scenario == "active_leftover" and pos == paid - 1:
                        release = amount - amount // 4
                    d = day(when)
                    ledger(
                        (lid, cid, mid, "release", release, currency, d, "", None, None, None, None, d + " 10:00:00")
                    )
                    payments.append((lid, mid, release, when))
                    lid += 1
                    escrow_left -= release
                    state = "paid"
                elif scenario == "active_review" or (not ended and r() < 0.05):
                    state = "submitted"
                    sub = max(when, today - ri(0, 16))  # work under review was submitted lately
                    submitted = first = day(sub)
                    auto = None if policy.review_days is None else day(sub + policy.review_days)
                    if x is not None and sub > when and x.random() < self.RESUBMITTED:
                        first = day(max(when, sub - x.randint(2, 9)))  # submitted again after changes were asked
                else:
                    state = "closed" if ended else "active"
            milestones(
                (
                    mid,
                    cid,
                    pos + 1,
                    STEPS[pos % len(STEPS)],
                    "",
                    amount,
                    day(started + 12 * (pos + 1)),
                    state,
                    submitted,
                    auto,
                    first,  # first submitted: earlier than `submitted` when submitted again after changes
                )
            )
            mid += 1
        w.next_id["ledger_entry"] = lid
        w.next_id["milestone"] = mid
        ended_on = closes = None
        status = "active"
        reason = ""
        if ended:
            status = "ended"
            if scenario in ("ended_open", "ended_pending_refund", "disputed_open"):
                ended_on = max(today - ri(0, 6), when)
            else:
                ended_on = min(when + ri(1, 5), today)
            reason = REASONS[int(r() * len(REASONS))]
            if fee_back:
                reason = "Project cancelled"
            window = policy.feedback_window_days
            closes = None if window is None else day(ended_on + window) + " 23:59:59"
            returned = (initiation_id, initiation) if fee_back else None
            self.ending(cid, scenario, currency, escrow_left, ended_on, policy, payments, x, returned)
            self.closeout(cid, scenario, ended_on, policy.feedback_form == Feedback.RATING_FORM)
        if r() < 0.3:
            label = ("GitHub org: write access", "Figma team: editor", "Staging server: SSH key")[int(r() * 3)]
            revoked = day(ended_on) if (ended and scenario != "ended_open") else None
            w.add("access_grant", cid, label, "", day(started + ri(0, 5)), revoked)
        w.add(
            "contract",
            f"{WORK[int(r() * len(WORK))]} #{i + 1}",
            freelancer,
            policy_id,
            currency,
            sum(amounts),
            f"UP-{10_000_000 + i}",
            day(started),
            None if ended_on is None else day(ended_on),
            status,
            reason,
            "",
            closes,
            "",
            day(started) + " 08:00:00",
            contract_fee,
        )
        title, external_id = w.rows["contract"][-1][1], w.rows["contract"][-1][6]
        w.rows["contract_search"].append((cid, title, self.names[freelancer], external_id))
        months: dict[str, list[int]] = {}
        for entry in w.rows["ledger_entry"][first_entry:]:
            kind = entry[3]
            if kind in ("release", "dispute_release", "refund"):
                sums = months.setdefault(entry[6][:7], [0, 0])
                sums[kind == "refund"] += entry[4]
        for month, (paid, refunded) in months.items():
            w.rows["contract_month"].append((cid, month, currency, paid, refunded))

    def ending(self, cid, scenario, currency, escrow_left, ended_on, policy, payments, x=None, returned=None) -> None:
        """The ending's records. `x`: the second version's generator (None under the first version);
        `returned`: (entry id, amount) of the initiation fee returned, nothing having been released (R3 v2)."""
        w, ri, day, today = self.w, self.ri, self.day, self.today
        if returned is not None:  # as ops.end_contract: dated the ending day, naming the fee it returns
            fee_id, amount = returned
            at = day(ended_on)
            w.add(
                "ledger_entry",
                cid,
                None,
                "fee_refund",
                amount,
                currency,
                at,
                "Contract initiation fee returned",
                fee_id,
                None,
                None,
                None,
                at + " 11:00:00",
            )
        if escrow_left:
            reply_days = policy.escrow_refund_reply_days
            reply_due = None if reply_days is None else day(ended_on + reply_days)
            status = {
                "ended_pending_refund": "pending",
                "disputed_open": "disputed",
                "disputed_resolved": "disputed",
            }.get(scenario, "approved")
            answered = None if status == "pending" else min(ended_on + ri(0, 6), today)
            rid = w.add(
                "escrow_refund_request",
                cid,
                escrow_left,
                day(ended_on),
                reply_due,
                status,
                None if answered is None else day(answered),
            )
            if status == "approved":
                w.add(
                    "ledger_entry",
                    cid,
                    None,
                    "escrow_refund",
                    escrow_left,
                    currency,
                    day(answered),
                    "Escrow refund approved",
                    None,
                    None,
                    None,
                    None,
                    day(answered) + " 12:00:00",
                )
            elif status == "disputed":
                days = policy.dispute_answer_business_days
                opened = date.fromordinal(answered)
                answer_due = None if days is None else add_business_days(opened, days).isoformat()
                mediation = None if policy.mediation_days is None else day(answered + policy.mediation_days)
                resolved = scenario == "disputed_resolved"
                did = w.next_id["dispute"]
                on = min(answered + ri(6, 25), today) if resolved else None
                answered_on = min(answered + 2, today) if resolved else None
                half = escrow_left // 2
                steps = (None,) * len(Dispute.STEP_COLUMNS)
                if x is not None and (resolved or x.random() < self.MEDIATED_OPEN):
                    answered_on = answered if answered_on is None else answered_on
                    steps, on, half = self.mediation(x, policy, escrow_left, answered_on, resolved, on)
                w.add(
                    "dispute",
                    cid,
                    rid,
                    escrow_left,
                    day(answered),
                    answer_due,
                    mediation,
                    None if answered_on is None else day(answered_on),
                    "resolved" if resolved else "open",
                    None if on is None else day(on),
                    *steps,
                )
                if resolved:
                    for kind, amount in (("dispute_release", half), ("dispute_refund", escrow_left - half)):
                        if amount:
                            w.add(
                                "ledger_entry",
                                cid,
                                None,
                                kind,
                                amount,
                                currency,
                                day(on),
                                "Dispute outcome",
                                None,
                                None,
                                None,
                                did,
                                day(on) + " 12:00:00",
                            )
        if scenario == "refunded" and payments:
            pay, mid, amount, paid_on = payments[int(self.r() * len(payments))]
            on = min(paid_on + ri(1, 60), today)
            w.add(
                "ledger_entry",
                cid,
                mid,
                "refund",
                max(1, amount // 5),
                currency,
                day(on),
                "Partial refund",
                pay,
                None,
                None,
                None,
                day(on) + " 12:00:00",
            )
        if (
            x is not None
            and scenario == "ended_closed"
            and policy.support_refund_days is not None
            and policy.refund_window_days is not None
            and x.random() < self.SUPPORT_REFUND
        ):
            self.support_refund(x, cid, currency, policy, payments)

    def support_refund(self, x, cid, currency, policy, payments) -> None:
        """R9 v2: a refund of a payment made through the marketplace's support, after the self-service window
        and within the support tier's days (as ops.record_refund), with its case; only when today is that late."""
        today, day = self.today, self.day
        first = policy.refund_window_days + 1
        late_enough = [p for p in payments if p[3] + first <= today]
        if not late_enough:
            return
        pay, mid, amount, paid_on = late_enough[x.randrange(len(late_enough))]
        on = paid_on + x.randint(first, min(policy.support_refund_days, today - paid_on))
        entry = self.w.add(
            "ledger_entry",
            cid,
            mid,
            "refund",
            max(1, amount // x.choice((2, 4, 5, 10))),
            currency,
            day(on),
            "Refund through the marketplace's support",
            pay,
            None,
            None,
            None,
            day(on) + " 14:00:00",
        )
        self.w.add("support_case", entry, f"SUP-{x.randint(10_000, 99_999)}")

    def mediation(self, x, policy, amount, answered_on, resolved, on) -> tuple[tuple, int | None, int]:
        """R8 v2: a declined dispute's steps of mediation (Dispute.STEP_COLUMNS, each on or after the one before,
        none after today, as models/mediation.py records them), the day it was resolved (None: open) and the
        part released to the freelancer. Resolved: the mediator's proposal accepted by both (the outcome, dated
        the second acceptance) or, not accepted by both within the days, arbitration and its outcome later.
        Open: somewhere along the way."""
        today, day = self.today, self.day
        propose, accept = policy.proposal_days, policy.acceptance_days
        half = amount // 2
        evidence = min(answered_on + x.randint(0, 3), today)
        proposal_due = evidence + propose
        proposed = freelancer = client = arbitration = release = refund = acceptance_due = None
        if resolved or x.random() < 0.6:
            proposed = min(evidence + x.randint(0, propose), today)
            acceptance_due = proposed + accept
            release = amount * x.choice((30, 40, 50, 60, 70)) // 100
            refund = amount - release
            if x.random() < 0.5:
                freelancer = min(proposed + x.randint(0, accept), today)
            going_to_arbitration = acceptance_due + 1 <= today and x.random() < 0.4
            if resolved and not going_to_arbitration:  # accepted by both: the proposal is the outcome
                freelancer = freelancer or min(proposed + x.randint(0, accept), today)
                client = min(proposed + x.randint(0, accept), today)
                on, half = max(freelancer, client), release
            elif going_to_arbitration:
                arbitration = acceptance_due + 1
                if resolved:
                    on = min(arbitration + x.randint(5, 20), today)
        steps = (evidence, proposal_due, proposed, release, refund, acceptance_due, freelancer, client, arbitration)
        texts = tuple(None if v is None else v if i in (3, 4) else day(v) for i, v in enumerate(steps))
        return texts, on, half

    def closeout(self, cid, scenario, ended_on, single_rating: bool) -> None:
        """The closeout items and the feedback, in the contract's form (R10): six categories with a private reason
        and recommendation, or (`single_rating`) one rating with a private note."""
        w, r, ri, day, today = self.w, self.r, self.ri, self.day, self.today
        done_all = scenario in ("ended_closed", "ended_refund_approved", "disputed_resolved", "refunded")
        client_fb = done_all or r() < 0.2
        if client_fb:
            at = day(min(ended_on + ri(0, 10), today)) + " 15:00:00"
            if single_rating:
                stars, private = (*(None,) * 6, ri(3, 5)), ("", None, "Work completed")
            else:
                stars, private = (*(ri(3, 5) for _ in range(6)), None), ("Work completed", ri(6, 10), "")
            w.add("feedback", cid, "client", *stars, "Great work, clear communication.", *private, at)
        if done_all or r() < 0.3:
            at = day(min(ended_on + ri(0, 12), today)) + " 16:00:00"
            stars = (*(None,) * 6, ri(4, 5)) if single_rating else (*(ri(4, 5) for _ in range(6)), None)
            w.add("feedback", cid, "freelancer", *stars, "A pleasure to work with.", "", None, "", at)
        done_on = day(min(ended_on + 2, today))
        for kind, label in CLOSEOUT:
            done = done_all or (kind == "leave_feedback" and client_fb) or (kind == "receive_work" and r() < 0.5)
            w.add("closeout_item", cid, kind, label, done_on if done else None, "")


@functools.lru_cache(maxsize=64)
def _policy_numbers(key, currency, minimum, rate, initiation) -> tuple[int, tuple[int, int], int]:
    """R2 minimum, R3 fee rate (as an exact ratio) and initiation fee, in this currency's minor units."""
    return (
        major_to_minor(minimum, currency) or 1,
        Decimal(rate).as_integer_ratio(),
        major_to_minor(initiation, currency) or 0,
    )
