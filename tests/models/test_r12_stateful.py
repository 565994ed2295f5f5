"""R12 and R14 under random use: Hypothesis drives random sequences of operations, refused ones
included, and after every step checks every R12 invariant, that the maintained summaries match the
ledger, and that a refused operation changed nothing at all."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from models import ops, queries
from models.book import open_book
from models.check import check_book
from models.entities import Contract, Dispute, EscrowRefundRequest, LedgerEntry, Milestone
from models.errors import RuleError

from ..conftest import snapshot

PICK = st.integers(min_value=0, max_value=10**6)
AMOUNT = st.integers(min_value=1, max_value=200_000)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="escrowbook-stateful-"))
        self.book = open_book(self.dir / "random.book")
        self.freelancer = ops.create_freelancer("Random Freelancer")
        self.today = date(2026, 3, 2)
        self.refused = 0
        self.done = 0

    def teardown(self):
        self.book.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- helpers
    def attempt(self, fn, *args, **kwargs):
        """R14: run one operation; if it is refused, the book must be exactly as before."""
        before = snapshot()
        try:
            fn(*args, **kwargs)
            self.done += 1
        except RuleError as exc:
            assert exc.message, "a refusal says what is wrong"
            assert snapshot() == before, f"refused {fn.__name__} changed the book"
            self.refused += 1

    @staticmethod
    def pick(query, index):
        rows = list(query)
        return rows[index % len(rows)] if rows else None

    # -- rules
    @initialize(policy=st.sampled_from(["upwork", "direct"]), amounts=st.lists(AMOUNT, min_size=1, max_size=4))
    def start_with_funded_work(self, policy, amounts):
        """Every run starts from a contract with funded milestones, so releases and refunds happen often."""
        c = ops.create_contract("Opening work", self.freelancer, policy=policy, currency="USD", today=self.today)
        for amount in amounts:
            self.attempt(ops.add_milestone, c, "Step", max(amount, 500))
        for m in Milestone.select().where(Milestone.contract == c)[: max(1, len(amounts) - 1)]:
            self.attempt(ops.fund_milestone, m, today=self.today)

    @rule(policy=st.sampled_from(["upwork", "direct"]), currency=st.sampled_from(["USD", "EUR", "JPY"]))
    def create_contract(self, policy, currency):
        self.attempt(
            ops.create_contract, "Random work", self.freelancer, policy=policy, currency=currency, today=self.today
        )

    @rule(pick=PICK, amount=AMOUNT)
    def add_milestone(self, pick, amount):
        c = self.pick(Contract.select(), pick)
        if c:
            self.attempt(ops.add_milestone, c, "Step", amount)

    @rule(pick=PICK, from_escrow=st.booleans())
    def fund(self, pick, from_escrow):
        m = self.pick(Milestone.select(), pick)
        if m:
            self.attempt(ops.fund_milestone, m, from_escrow=from_escrow, today=self.today)

    @rule(pick=PICK)
    def submit(self, pick):
        m = self.pick(Milestone.select(), pick)
        if m:
            self.attempt(ops.submit_work, m, today=self.today)

    @rule(pick=PICK)
    def request_changes(self, pick):
        m = self.pick(Milestone.select(), pick)
        if m:
            self.attempt(ops.request_changes, m, today=self.today)

    @rule(pick=PICK, amount=st.one_of(st.none(), AMOUNT))
    def release(self, pick, amount):
        m = self.pick(Milestone.select(), pick)
        if m:
            self.attempt(ops.release_payment, m, amount, today=self.today)

    @rule(pick=PICK)
    def automatic_release(self, pick):
        m = self.pick(Milestone.select(), pick)
        if m:
            self.attempt(ops.record_automatic_release, m, today=self.today)

    @rule(pick=PICK, amount=AMOUNT, release=st.one_of(st.none(), AMOUNT))
    def release_from_remaining_escrow(self, pick, amount, release):
        c = self.pick(Contract.select(), pick)
        if c:
            self.attempt(ops.release_from_remaining_escrow, c, "Final", amount, release=release, today=self.today)

    @rule(pick=PICK, agreed=st.sampled_from([True, True, False]), refund=st.sampled_from([True, True, False]))
    def end(self, pick, agreed, refund):
        c = self.pick(Contract.select(), pick)
        if c:
            self.attempt(ops.end_contract, c, agreed=agreed, request_escrow_refund=refund, today=self.today)

    @rule(pick=PICK, outcome=st.sampled_from(["approved", "no_reply", "disputed", "bogus"]))
    def reply(self, pick, outcome):
        r = self.pick(EscrowRefundRequest.select(), pick)
        if r:
            self.attempt(ops.record_escrow_refund_reply, r, outcome, today=self.today)

    @rule(pick=PICK)
    def answer_dispute(self, pick):
        d = self.pick(Dispute.select(), pick)
        if d:
            self.attempt(ops.record_dispute_answer, d, today=self.today)

    @rule(pick=PICK, share=st.integers(min_value=-5, max_value=105), off_by=st.sampled_from([0, 0, 0, 1, -1]))
    def resolve_dispute(self, pick, share, off_by):
        d = self.pick(Dispute.select(), pick)
        if d:
            to_freelancer = d.amount * share // 100
            self.attempt(
                ops.resolve_dispute,
                d,
                to_freelancer=to_freelancer,
                to_client=d.amount - to_freelancer + off_by,
                today=self.today,
            )

    @rule(pick=PICK, amount=AMOUNT)
    def refund(self, pick, amount):
        p = self.pick(LedgerEntry.select().where(LedgerEntry.kind.in_(LedgerEntry.PAYMENT_KINDS)), pick)
        if p:
            self.attempt(ops.record_refund, p, amount, today=self.today)

    @rule(pick=PICK)
    def reverse(self, pick):
        e = self.pick(LedgerEntry.select(), pick)
        if e:
            self.attempt(ops.reverse_entry, e, today=self.today)

    @rule(days=st.sampled_from([1, 3, 7, 8, 15, 100, 181]))
    def time_passes(self, days):
        self.today += timedelta(days=days)

    # -- invariants
    @invariant()
    def books_balance(self):
        """R12: every invariant, and the maintained summaries equal a fresh derivation."""
        assert check_book() == []
        for c in Contract.select():
            b = queries.balances(c)
            assert b.escrow >= 0
            assert queries.unassigned_escrow(c) >= 0


LedgerMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
test_r12_r14_random_operations_keep_every_invariant = LedgerMachine.TestCase
