"""R16 Order of events: the one place that says which record may come before which.

Every record carries the date the event happened (the client enters it; today by default, never later than
today). Every operation asks here before it writes, so the books only hold orders that could have happened:
nothing before the contract's start; a release not before the funding it pays from; a refund not before its
payment; an ending not before the latest entry on the contract; feedback not before the ending; an answer to
an escrow refund request not before the request. The same day is allowed; the day before is refused, naming
the record it conflicts with and its date. `models/check.py` verifies the same order over a whole book.
"""

from __future__ import annotations

from datetime import date

from .entities import Contract, EscrowRefundRequest, LedgerEntry, Milestone, database
from .errors import RuleError
from .fields import check_day
from .labels import day_text
from .money import format_money

# Kinds of entry that can only happen while a contract is active: an ending comes on or after all of them.
BEFORE_ENDING_KINDS = (LedgerEntry.FUND, LedgerEntry.FUND_FROM_ESCROW, LedgerEntry.RELEASE)


def happened_on(on: date, today: date) -> date:
    """R16: the date an event happened is never later than today (nor absurdly far back or ahead)."""
    check_day(on, "The date", "date")
    if on > today:
        raise RuleError(
            f"{day_text(on)} is later than today ({day_text(today)}): record an event on the day it happened.",
            rule="R16",
            field="date",
        )
    return on


def not_before(on: date, earlier: date | None, record: str, field: str = "date") -> None:
    """R16: `on` may be the same day as `earlier` (when `record` happened) but not the day before."""
    if earlier is not None and on < earlier:
        raise RuleError(
            f"{day_text(on)} is before {record} on {day_text(earlier)}. Choose {day_text(earlier)} or later.",
            rule="R16",
            field=field,
        )


def after_start(contract: Contract, on: date) -> None:
    not_before(on, contract.started_on, "the start of the contract")


def _money(entry: LedgerEntry) -> str:
    return format_money(entry.amount, entry.currency)


_WHAT = {
    LedgerEntry.FUND: "the funding of {money}",
    LedgerEntry.FUND_FROM_ESCROW: "the funding of {money} from escrow",
    LedgerEntry.FEE: "the fee of {money}",
    LedgerEntry.FEE_REFUND: "the initiation fee of {money} returned",
    LedgerEntry.RELEASE: "the payment of {money}",
    LedgerEntry.ESCROW_REFUND: "the escrow refund of {money}",
    LedgerEntry.REFUND: "the refund of {money}",
    LedgerEntry.DISPUTE_RELEASE: "the payment of {money} after the dispute",
    LedgerEntry.DISPUTE_REFUND: "the refund of {money} after the dispute",
    LedgerEntry.REVERSAL: "the reversal of {money}",
}


def describe(entry: LedgerEntry) -> str:
    """A ledger entry named for a client: "the payment of $200.00 for “Design”"."""
    text = _WHAT.get(entry.kind, "the entry of {money}").format(money=_money(entry))
    if entry.milestone_id is not None:
        title = Milestone.select(Milestone.title).where(Milestone.id == entry.milestone_id).scalar()
        if title:
            text += f" for “{title}”"
    return text


def latest_funding(milestone: Milestone) -> LedgerEntry | None:
    """The funding still standing that a release from `milestone` pays from (the latest one)."""
    rows = LedgerEntry.raw(
        "SELECT e.* FROM live_entry e WHERE e.milestone_id = ? AND e.kind IN ('fund', 'fund_from_escrow') "
        "ORDER BY e.date DESC, e.id DESC LIMIT 1",
        milestone.id,
    )
    return next(iter(rows), None)


def release_after_funding(milestone: Milestone, on: date) -> None:
    """A release (or the work submitted for it) not before the funding it pays from."""
    funding = latest_funding(milestone)
    if funding is not None:
        not_before(on, funding.date, describe(funding))


def latest_entry(contract: Contract, kinds: tuple[str, ...] | None = None) -> LedgerEntry | None:
    """The latest live entry on the contract (of `kinds`, when given)."""
    where = "e.contract_id = ?"
    params: list = [contract.id]
    if kinds:
        where += f" AND e.kind IN ({', '.join('?' for _ in kinds)})"
        params += list(kinds)
    sql = f"SELECT e.* FROM live_entry e WHERE {where} ORDER BY e.date DESC, e.id DESC LIMIT 1"
    rows = LedgerEntry.raw(sql, *params)
    return next(iter(rows), None)


def latest_submission(contract: Contract) -> Milestone | None:
    return (
        Milestone.select()
        .where((Milestone.contract == contract) & Milestone.submitted_on.is_null(False))
        .order_by(Milestone.submitted_on.desc())
        .first()
    )


def ending_after_records(contract: Contract, on: date) -> None:
    """An ending not before the contract's start, its latest entry or the latest work submitted."""
    after_start(contract, on)
    entry = latest_entry(contract)
    if entry is not None:
        not_before(on, entry.date, describe(entry))
    m = latest_submission(contract)
    if m is not None:
        not_before(on, m.submitted_on, f"the work submitted for “{m.title}”")


def refund_after_payment(payment: LedgerEntry, on: date) -> None:
    not_before(on, payment.date, describe(payment))


def reversal_after_entry(entry: LedgerEntry, on: date) -> None:
    not_before(on, entry.date, describe(entry))


def after_ending(contract: Contract, on: date, doing: str = "") -> None:
    """Feedback and the closeout come on or after the ending."""
    if contract.ended_on is not None:
        not_before(on, contract.ended_on, "the end of the contract")


def answer_after_request(request: EscrowRefundRequest, on: date) -> None:
    not_before(on, request.requested_on, "the escrow refund request")


# R8 v2: the steps of a dispute's mediation, in the order they happen, each named for the client.
DISPUTE_STEPS = (
    ("answered_on", "your answer to the dispute"),
    ("evidence_sent_on", "the evidence sent by both sides"),
    ("proposed_on", "the mediator's proposal"),
    ("freelancer_accepted_on", "the freelancer's acceptance of the proposal"),
    ("client_accepted_on", "your acceptance of the proposal"),
    ("arbitration_on", "the move to arbitration"),
)


def after_dispute_steps(dispute, on: date) -> None:
    """Not before the latest step of the dispute's mediation recorded so far (R8 v2)."""
    steps = [(getattr(dispute, f), words) for f, words in DISPUTE_STEPS[1:] if getattr(dispute, f) is not None]
    if steps:
        day, words = max(steps, key=lambda s: s[0])
        not_before(on, day, words)


# R16 over the ledger, each condition once: (what the entry must be found beside, the condition on entry `e`, and
# the words: what it is, what is wrong). The entries against their contract `c`, refunds against their payment `p`
# and reversals against the entry `o` they reverse: for one contract, each a query of its own (refunds and
# reversals through their partial indexes); over a book, conditions of the one pass over the ledger that
# models/check.py makes (each false there when what it is checked beside is missing). Dates are compared as they
# are stored (`+`: models/consistency.py ENTRY_WRONG).
ENTRY_ORDER = (
    ("c", "+e.date < +c.started_on", ("entry", "is dated before the contract started")),
    (
        "c",
        f"c.ended_on IS NOT NULL AND e.kind IN {BEFORE_ENDING_KINDS!r} AND +e.date > +c.ended_on",
        ("entry", "is dated after the contract ended"),
    ),
    ("p", "e.payment_id IS NOT NULL AND +e.date < +p.date", ("refund", "is dated before its payment")),
    ("o", "e.reverses_id IS NOT NULL AND +e.date < +o.date", ("reversal", "is dated before the entry it reverses")),
)
_BESIDE = {
    "c": "JOIN contract c ON c.id = e.contract_id",
    "p": "JOIN ledger_entry p ON p.id = e.payment_id",
    "o": "JOIN ledger_entry o ON o.id = e.reverses_id",
}
# Releases against their milestone's first funding, from every entry of the milestone (reversed or not): the
# columns of a pass over the entries grouped by milestone, and when they are out of order.
MILESTONE_ORDER_DATES = (
    "MIN(e.date) FILTER (WHERE e.kind IN ('fund', 'fund_from_escrow')) AS funded_on, "
    "MIN(e.date) FILTER (WHERE e.kind = 'release') AS released_on"
)
MILESTONE_ORDER_NAMES = (
    "MIN(CASE WHEN e.kind = 'release' THEN e.id END) AS release_id, MIN(e.contract_id) AS contract_id"
)
MILESTONE_ORDER = "released_on < funded_on"
MILESTONE_ORDER_WORDS = ("payment", "is dated before its milestone was funded")
_QUERIES = (
    *(
        (f"SELECT e.id, e.contract_id FROM ledger_entry e {_BESIDE[beside]} WHERE {{where}}{condition}", words)
        for beside, condition, words in ENTRY_ORDER
    ),
    (
        "SELECT s.release_id, s.contract_id FROM (SELECT e.milestone_id, "
        f"{MILESTONE_ORDER_NAMES}, {MILESTONE_ORDER_DATES} "
        "FROM ledger_entry e WHERE {where}e.milestone_id IS NOT NULL GROUP BY e.milestone_id) s "
        f"WHERE {MILESTONE_ORDER}",
        MILESTONE_ORDER_WORDS,
    ),
)


def order_findings(contract_id: int | None = None, run=None, limit: int = 20) -> list[tuple[int, int, str, str]]:
    """(entry id, contract id, what it is, what is wrong) for every entry out of the order R16 requires."""
    run = run or database.execute_sql
    where = "" if contract_id is None else f"e.contract_id = {int(contract_id)} AND "
    out: list[tuple[int, int, str, str]] = []
    for sql, (what, wrong) in _QUERIES:
        rows = run(sql.format(where=where) + f" LIMIT {int(limit)}").fetchall()
        out += [(eid, cid, what, wrong) for eid, cid in rows]
    return out


def releases_before_funding(contract_id: int | None = None, run=None, limit: int = 20) -> list[tuple]:
    """The last of order_findings alone: releases dated before their milestone was funded."""
    run = run or database.execute_sql
    where = "" if contract_id is None else f"e.contract_id = {int(contract_id)} AND "
    sql, (what, wrong) = _QUERIES[-1]
    return [(eid, cid, what, wrong) for eid, cid in run(sql.format(where=where) + f" LIMIT {int(limit)}").fetchall()]


def order_problems(contract_id: int | None = None, run=None, limit: int = 20, found=None) -> list[str]:
    """R16 over the whole book (or one contract), for `escrowbook check` and every operation: every entry after
    the contract's start, a release after its funding, a refund after its payment, a reversal after what it
    reverses, an ending after every entry that happens only on an active contract."""
    if found is None:  # (`found`: order_findings' rows, when the caller has them already: models/check.py)
        found = order_findings(contract_id, run, limit)
    return [f"{what} #{eid} of contract #{cid} {wrong}." for eid, cid, what, wrong in found]
