"""The child process of the crash test: real operations on a book, in a loop, until it is killed.

    python -m tests.reliability.crash_workload BOOK FIRST_STEP

Step n of the plan is always the same operation with the same arguments (its `today`/`now`
advance with the plan), so the parent can replay the plan on a reference book and compare.
Before each operation the child prints `begin N name`, after its commit `done N name`
(flushed at once), so the parent knows what was committed when it sends SIGKILL.
The loop stops by itself after `MAX_SECONDS` in case the parent is gone.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from models import ops
from models.entities import Contract, EscrowRefundRequest, Feedback, Freelancer, LedgerEntry, Milestone

START = date(2026, 1, 5)
MAX_SECONDS = 60
STARS = dict.fromkeys(Feedback.CATEGORIES, 5)


def _freelancer() -> Freelancer:
    return Freelancer.get(Freelancer.email == "ana@example.com")


def _contract(c: int) -> Contract:
    return Contract.get(Contract.external_id == f"CR-{c}")


def _retainer() -> Contract:
    return Contract.get(Contract.external_id == "RETAINER")


def _milestone(contract: Contract, title: str) -> Milestone:
    return Milestone.get((Milestone.contract == contract) & (Milestone.title == title))


def _day(c: int, offset: int = 0) -> date:
    """Each cycle is two days after the one before it: the clocks of the book advance with the plan."""
    return START + timedelta(days=2 * c + offset)


def _at(c: int, offset: int, hour: int) -> datetime:
    return datetime.combine(_day(c, offset), datetime.min.time(), tzinfo=UTC).replace(hour=hour)


# ------------------------------------------------------------------ the plan


def _setup_freelancer() -> None:
    ops.create_freelancer("Ana Ruiz", agency="Northwind Studio", email="ana@example.com", now=_at(0, 0, 8))


def _setup_retainer() -> None:
    ops.create_contract(
        "Monthly retainer", _freelancer(), external_id="RETAINER", started_on=START, today=START, now=_at(0, 0, 8)
    )


SETUP: list[tuple[str, Callable[[], object]]] = [
    ("create freelancer", _setup_freelancer),
    ("create retainer", _setup_retainer),
]


def _create(c: int):
    return ops.create_contract(
        f"Contract {c}: landing page",
        _freelancer(),
        currency=("USD", "EUR", "GBP")[c % 3],
        budget=100_000 + c,
        external_id=f"CR-{c}",
        started_on=_day(c),
        today=_day(c),
        now=_at(c, 0, 9),
    )


def _add_a(c: int):
    return ops.add_milestone(_contract(c), "Design", 40_000 + c, due_on=_day(c, 10))


def _fund_a(c: int):
    return ops.fund_milestone(_milestone(_contract(c), "Design"), today=_day(c))


def _submit_a(c: int):
    return ops.submit_work(_milestone(_contract(c), "Design"), today=_day(c))


def _release_a(c: int):
    return ops.release_payment(_milestone(_contract(c), "Design"), today=_day(c, 1), memo="Approved")


def _add_b(c: int):
    return ops.add_milestone(_contract(c), "Build", 15_000 + c, description="Second half " * 50)


def _fund_b(c: int):
    return ops.fund_milestone(_milestone(_contract(c), "Build"), today=_day(c, 1))


def _final(c: int):
    """A larger operation: a new milestone, funded (a deposit and its fee), released, in one transaction."""
    return ops.release_from_remaining_escrow(_contract(c), "Final touches", 2_500 + c, today=_day(c, 1))


def _end(c: int):
    """R7, R8: end with the Build milestone's escrow still held, requesting an escrow refund."""
    return ops.end_contract(
        _contract(c), agreed=True, request_escrow_refund=True, reason="Project cancelled", today=_day(c, 1)
    )


def _refund(c: int):
    """R9: the freelancer refunds part of the Design payment, well within 180 days."""
    payment = LedgerEntry.get(
        (LedgerEntry.contract == _contract(c))
        & (LedgerEntry.kind == LedgerEntry.RELEASE)
        & (LedgerEntry.memo == "Approved")
    )
    return ops.record_refund(payment, 1_000 + c, memo="Unused icons", today=_day(c, 1))


def _feedback(c: int):
    return ops.submit_feedback(
        _contract(c), STARS, comment="Quick and careful.", private_reason="Budget", recommend=9, now=_at(c, 1, 18)
    )


def _retainer_work(c: int):
    """A milestone on the long-running retainer, funded and with work submitted (three operations)."""
    return ops.add_milestone(_retainer(), f"Month {c}", 20_000)


def _retainer_fund(c: int):
    return ops.fund_milestone(_milestone(_retainer(), f"Month {c}"), today=_day(c))


def _retainer_submit(c: int):
    return ops.submit_work(_milestone(_retainer(), f"Month {c}"), today=_day(c))


def _automatic(c: int):
    """Every fourth cycle a larger operation: the review periods that ended and the escrow refund requests
    left unanswered since, all recorded in one transaction (R6, R8). Otherwise the freelancer approves the
    escrow refund requested in the cycle before."""
    if c % 4 == 0:
        return ops.record_automatic_events(today=_day(c))
    request = EscrowRefundRequest.get(EscrowRefundRequest.contract == _contract(c - 1))
    return ops.record_escrow_refund_reply(request, "approved", today=_day(c))


def _rename_or_deliverable(c: int):
    """Every fifth cycle a larger operation: renaming the freelancer re-indexes every one of their
    contracts. Otherwise something to receive back goes on the closeout list (R11)."""
    if c % 5 == 0:
        return ops.edit_freelancer(_freelancer(), f"Ana Ruiz ({c})", agency="Northwind Studio", email="ana@example.com")
    return ops.add_deliverable(_contract(c), "Source files", note="Figma and SVG exports")


CYCLE: list[tuple[str, Callable[[int], object]]] = [
    ("automatic events", _automatic),
    ("create contract", _create),
    ("add milestone", _add_a),
    ("fund milestone", _fund_a),
    ("submit work", _submit_a),
    ("retainer milestone", _retainer_work),
    ("fund retainer", _retainer_fund),
    ("submit retainer work", _retainer_submit),
    ("release payment", _release_a),
    ("add second milestone", _add_b),
    ("fund second milestone", _fund_b),
    ("release from remaining escrow", _final),
    ("end contract, escrow refund requested", _end),
    ("record refund", _refund),
    ("submit feedback", _feedback),
    ("rename freelancer or add deliverable", _rename_or_deliverable),
]


def step_name(n: int) -> str:
    if n < len(SETUP):
        return SETUP[n][0]
    c, k = divmod(n - len(SETUP), len(CYCLE))
    return f"{CYCLE[k][0]} (cycle {c})"


def run_step(n: int) -> None:
    """Perform step n of the plan: one operation of models.ops (or none, where a cycle skips it)."""
    if n < len(SETUP):
        SETUP[n][1]()
        return
    c, k = divmod(n - len(SETUP), len(CYCLE))
    CYCLE[k][1](c)


def main(argv: list[str]) -> int:
    from models.book import open_book

    path, first = argv[0], int(argv[1])
    started = time.monotonic()
    with open_book(path):
        print("ready", flush=True)
        n = first
        while time.monotonic() - started < MAX_SECONDS:
            print(f"begin {n}", flush=True)
            run_step(n)
            print(f"done {n}", flush=True)
            n += 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
