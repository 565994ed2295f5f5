"""Derived values: balances, escrow per milestone, clocks, attention, visibility.

Nothing here writes. Balances come from the live ledger (R12): entries that are
neither reversals nor reversed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from . import book_totals as kept
from .browse import ATTENTION_PARTS, ATTENTION_WHERE
from .clock import utc_now, utc_today
from .entities import (
    Clock,
    Contract,
    EscrowRefundRequest,
    Feedback,
    LedgerEntry,
    Milestone,
    SupportCase,
    database,
)
from .money import format_money, major_to_minor
from .policy import terms
from .summary import BUCKETS, bucket_sum, kinds
from .summary import LAPSING as LAPSING  # re-exported: what lapses and when clocks warn
from .summary import WARN_DAYS as WARN_DAYS

FUNDING_KINDS = LedgerEntry.FUNDING_KINDS
LOOKUP = 900  # values bound in one "IN (...)" at most (SQLite takes at most 999 parameters in older builds)


def in_chunks(values: list, size: int = LOOKUP):
    """`values` in slices of at most `size`, each to bind in one "IN (...)" (models/reports, matching, reconcile)."""
    for i in range(0, len(values), size):
        yield values[i : i + size]


PAYMENT_CLOCKS = f"('{Clock.REFUND_WINDOW}', '{Clock.SUPPORT_REFUND}')"  # clocks whose ref is a payment (R9)


@dataclass(frozen=True)
class Balances:
    """Money of one contract, in its currency's minor units."""

    currency: str
    funded: int  # deposited by the client into escrow (R3)
    released: int  # paid to the freelancer (R5, R8 outcome)
    escrow_refunded: int  # escrow returned to the client (R8)
    refunded: int  # refunds of payments (R9)
    fees: int  # marketplace and initiation fees, less initiation fees returned (R3)

    @property
    def escrow(self) -> int:
        """R12: escrow = funded - released - escrow-refunded."""
        return self.funded - self.released - self.escrow_refunded

    @property
    def net_cost(self) -> int:
        """What the work has cost so far: payments plus fees, less refunds."""
        return self.released + self.fees - self.refunded


def balances(contract: Contract | int) -> Balances:
    """Derived from the live ledger now (not from the maintained summary)."""
    c = contract if isinstance(contract, Contract) else Contract.get_by_id(contract)
    sums = ", ".join(bucket_sum(name) for name in BUCKETS)
    row = database.execute_sql(f"SELECT {sums} FROM live_entry e WHERE e.contract_id = ?", (c.id,)).fetchone()
    return Balances(c.currency, *row)


def milestone_minimum(contract: Contract) -> int | None:
    """R2: the smallest milestone this contract's policy version allows in its currency, in minor units
    (None: no minimum). Each version names its minimum per currency (policy.Terms.minimum)."""
    return major_to_minor(terms(contract.policy).minimum(contract.currency), contract.currency)


def _live_sum(where_sql: str, params: tuple) -> int:
    row = database.execute_sql(f"SELECT COALESCE(SUM(amount), 0) FROM live_entry WHERE {where_sql}", params)
    return row.fetchone()[0]


def milestone_funded(m: Milestone) -> int:
    return _live_sum(f"milestone_id = ? AND kind IN {kinds(FUNDING_KINDS)}", (m.id,))


def milestone_released(m: Milestone) -> int:
    return _live_sum(f"milestone_id = ? AND kind IN {kinds(LedgerEntry.PAYMENT_KINDS)}", (m.id,))


def milestone_escrow(m: Milestone) -> int:
    """R4: the unreleased escrow of a milestone (zero once it is paid or closed)."""
    if m.state not in Milestone.OPEN_STATES:
        return 0
    return milestone_funded(m) - milestone_released(m)


def unassigned_escrow(contract: Contract) -> int:
    """R4: escrow that is not part of an active milestone (left after a partial release)."""
    in_milestones = sum(milestone_escrow(m) for m in active_milestones(contract))
    return balances(contract).escrow - in_milestones


def active_milestones(contract: Contract) -> list[Milestone]:
    """R4: funded milestones still holding their escrow, in order."""
    return list(
        Milestone.select()
        .where((Milestone.contract == contract) & (Milestone.state.in_(Milestone.OPEN_STATES)))
        .order_by(Milestone.position)
    )


def release_blocker(contract: Contract) -> str | None:
    """Why no payment can be released on this contract (R5: only on an active contract), or None."""
    if contract.status != Contract.ACTIVE:
        return f"“{contract.title}” has ended: payments can no longer be released."
    return None


INITIATION_FEE_MEMO = "Contract initiation fee"  # the memo that marks a fee entry as the initiation fee (R3)


def initiation_fee(contract: Contract) -> int:
    """R3: the initiation fee this contract is charged with its first funding that stands, in minor units: its
    own (set when it was created, v2), else its policy's fixed one (v1; none under "Direct")."""
    if contract.initiation_fee is not None:
        return contract.initiation_fee
    return major_to_minor(contract.policy.initiation_fee, contract.currency) or 0


def initiation_fee_charged(contract: Contract) -> LedgerEntry | None:
    """R3: the initiation fee entry still standing on the contract (None when none is)."""
    rows = LedgerEntry.raw(
        "SELECT e.* FROM live_entry e WHERE e.contract_id = ? AND e.kind = 'fee' AND e.memo = ? ORDER BY e.id LIMIT 1",
        contract.id,
        INITIATION_FEE_MEMO,
    )
    return next(iter(rows), None)


def initiation_fee_to_return(contract: Contract) -> LedgerEntry | None:
    """R3 (v2): the initiation fee entry an ending now returns: under a policy that returns it, when it was
    charged and nothing was released (no payment to the freelancer stands). None otherwise."""
    if not terms(contract.policy).initiation_fee_returned:
        return None
    if _live_sum(f"contract_id = ? AND kind IN {kinds(LedgerEntry.PAYMENT_KINDS)}", (contract.id,)):
        return None
    return initiation_fee_charged(contract)


def fee_returned(contract: Contract) -> LedgerEntry | None:
    """R3 (v2): the fee refund entry standing on the contract (the initiation fee returned at its ending)."""
    rows = LedgerEntry.raw(
        "SELECT e.* FROM live_entry e WHERE e.contract_id = ? AND e.kind = 'fee_refund' ORDER BY e.id LIMIT 1",
        contract.id,
    )
    return next(iter(rows), None)


def payment_refunded(payment: LedgerEntry) -> int:
    return _live_sum("payment_id = ? AND kind = 'refund'", (payment.id,))


def is_live(entry: LedgerEntry) -> bool:
    if entry.kind == LedgerEntry.REVERSAL:
        return False
    return not LedgerEntry.select().where(LedgerEntry.reverses == entry.id).exists()


# R9: the tiers of refunding a payment on a given day.
SELF_SERVICE = "self_service"  # recorded by the client (up to the policy's refund_window_days)
THROUGH_SUPPORT = "support"  # v2: only through the marketplace's support, with its case's reference
CLOSED = "closed"  # no longer refundable


@dataclass(frozen=True)
class RefundTier:
    """How a payment can be refunded on one day (R9), and until when."""

    kind: str  # SELF_SERVICE, THROUGH_SUPPORT or CLOSED
    until: date | None  # the last day of this tier (CLOSED: the last day it could be refunded); None: no limit


@dataclass(frozen=True)
class Payment:
    entry: LedgerEntry
    refunded: int
    refund_window_ends: date | None  # R9: the last day a refund can be recorded by the client (self-service)
    support_ends: date | None = None  # R9 (v2): the last day a refund can be made through the marketplace's support

    @property
    def refundable(self) -> int:
        return self.entry.amount - self.refunded

    def tier(self, on: date) -> RefundTier:
        """R9: how this payment can be refunded on `on` (on or after the payment's day)."""
        return _tier(self.refund_window_ends, self.support_ends, on)


def _tier(window_ends: date | None, support_ends: date | None, on: date) -> RefundTier:
    if window_ends is None or on <= window_ends:
        return RefundTier(SELF_SERVICE, window_ends)
    if support_ends is not None and on <= support_ends:
        return RefundTier(THROUGH_SUPPORT, support_ends)
    return RefundTier(CLOSED, support_ends or window_ends)


def refund_window_end(contract: Contract, paid_on: date) -> date | None:
    days = contract.policy.refund_window_days
    return None if days is None else paid_on + timedelta(days=days)


def support_refund_end(contract: Contract, paid_on: date) -> date | None:
    """R9 (v2): the last day a payment of `paid_on` can be refunded through the marketplace's support."""
    days = contract.policy.support_refund_days
    return None if days is None else paid_on + timedelta(days=days)


def refund_tier(payment: LedgerEntry, on: date) -> RefundTier:
    """R9: how `payment` can be refunded on `on`: days are counted from the payment's date to the refund's."""
    c = payment.contract
    return _tier(refund_window_end(c, payment.date), support_refund_end(c, payment.date), on)


def payments(contract: Contract) -> list[Payment]:
    """R9: every payment (release or dispute release) still standing, oldest first."""
    entries = (
        LedgerEntry.select()
        .where((LedgerEntry.contract == contract) & (LedgerEntry.kind.in_(LedgerEntry.PAYMENT_KINDS)))
        .order_by(LedgerEntry.date, LedgerEntry.id)
    )
    return [
        Payment(e, payment_refunded(e), refund_window_end(contract, e.date), support_refund_end(contract, e.date))
        for e in entries
        if is_live(e)
    ]


def support_case(refund: LedgerEntry) -> str | None:
    """R9 (v2): the marketplace's support case a refund was made through (None: self-service)."""
    row = SupportCase.get_or_none(SupportCase.entry == refund)
    return None if row is None else row.reference


def client_feedback(contract: Contract) -> Feedback | None:
    return Feedback.get_or_none((Feedback.contract == contract) & (Feedback.author == Feedback.CLIENT))


def freelancer_feedback(contract: Contract) -> Feedback | None:
    """The freelancer's feedback as recorded (None when none is, or it was withdrawn as recorded in error)."""
    return Feedback.get_or_none(
        (Feedback.contract == contract) & (Feedback.author == Feedback.FREELANCER) & Feedback.withdrawn_on.is_null()
    )


def feedback_window_open(contract: Contract, now: datetime | None = None) -> bool:
    """R10: open from the end of the contract to 23:59:59 UTC of its 14th day, not a second later."""
    if contract.status != Contract.ENDED:
        return False
    closes = contract.feedback_closes_at
    return closes is None or utc_now(now).replace(microsecond=0) <= closes


def freelancer_feedback_visible(contract: Contract, now: datetime | None = None) -> bool:
    """R10 double-blind: hidden until the client has submitted theirs or the window has closed; and (v2) only
    on a contract that netted the policy's minimum (`feedback_minimum_note`)."""
    if feedback_minimum_note(contract) is not None:
        return False
    if client_feedback(contract) is not None:
        return True
    closes = contract.feedback_closes_at
    return contract.status == Contract.ENDED and closes is not None and not feedback_window_open(contract, now)


def feedback_form(contract: Contract) -> str:
    """R10: the feedback form of the contract's policy version: Feedback.CATEGORIES_FORM (six categories, the
    first marketplace version and "Direct") or Feedback.RATING_FORM (one rating and a private note, v2)."""
    return terms(contract.policy).feedback_form


def feedback_net(contract: Contract) -> int:
    """R10 (v2): what the contract netted the freelancer, in minor units: every payment released to them (a
    release or a dispute's release) less the refunds they gave of those payments. Escrow refunded to the client
    never reached the freelancer, and fees are the client's cost paid to the marketplace, so neither counts."""
    b = balances(contract)
    return b.released - b.refunded


def feedback_minimum_note(contract: Contract) -> str | None:
    """R10 (v2): why feedback on this contract is not shown, when the contract netted less than the policy's
    minimum (None: no minimum, or it netted enough). Counted from the live ledger, so a later refund that takes
    the net under the minimum hides the feedback again."""
    minimum = major_to_minor(terms(contract.policy).feedback_minimum_net, contract.currency)
    if minimum is None:
        return None
    net = feedback_net(contract)
    if net >= minimum:
        return None
    return (
        f"Feedback is shown only for contracts that paid the freelancer at least "
        f"{format_money(minimum, contract.currency)}; this one paid {format_money(net, contract.currency)}."
    )


def overall_score(fb: Feedback) -> Decimal:
    """R10: the mean of the six category stars (v1), or the single rating itself (v2), to two decimals (no
    floats, R1)."""
    if fb.rating is not None:
        return Decimal(fb.rating).quantize(Decimal("0.01"))
    total = sum(getattr(fb, c) for c in Feedback.CATEGORIES)
    return (Decimal(total) / len(Feedback.CATEGORIES)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def escrow_refund_email(contract: Contract) -> tuple[str, str]:
    """The email to the freelancer about ending, the escrow refund request (R8) and the closeout (R11)."""
    from .money import format_money

    f = contract.freelancer
    request = contract.escrow_refund_requests.order_by(EscrowRefundRequest.id.desc()).first()
    subject = f"Ending our contract “{contract.title}”"
    lines = [f"Hello {f.name},", "", f"Thank you for your work on “{contract.title}”. I have ended the contract."]
    if request is not None:
        lines += [
            "",
            f"{format_money(request.amount, contract.currency)} was left in escrow, so the marketplace will ask you "
            "to approve an escrow refund of it to me."
            + (f" Please approve it by {request.reply_due:%d %B %Y}." if request.reply_due else ""),
        ]
    lines += [
        "",
        "To close out, please send any remaining work files, return anything I lent you, and remove my "
        "documents, files and accounts from your equipment. I am revoking the access I gave you.",
        "",
        "Best regards",
    ]
    return subject, "\n".join(lines)


def closeout_open(contract: Contract) -> int:
    return sum(1 for i in contract.closeout if i.done_on is None)


def is_closed_out(contract: Contract) -> bool:
    """R11: ended, and every item of the closeout checklist done."""
    return contract.status == Contract.ENDED and closeout_open(contract) == 0


CLOCK_LABELS = {
    Clock.REVIEW: "Review period ends (automatic release)",
    Clock.ESCROW_REPLY: "Escrow refund: freelancer's reply due",
    Clock.DISPUTE_ANSWER: "Dispute: your answer due",
    Clock.MEDIATION: "Dispute: mediation ends",
    Clock.DISPUTE_PROPOSAL: "Dispute: mediator's proposal due",
    Clock.DISPUTE_ACCEPTANCE: "Dispute: accepting the proposal due",
    Clock.REFUND_WINDOW: "Refund window closes",
    Clock.SUPPORT_REFUND: "Refunds through the marketplace's support end",
    Clock.FEEDBACK: "Feedback window closes",
    Clock.CLOSEOUT: "Closeout items still open",
    Clock.DORMANT: "Dormant: nothing recorded",
}


@dataclass(frozen=True)
class AttentionItem:
    due: date
    kind: str
    contract_id: int
    contract_title: str
    ref: int | None
    dormant_after_days: int | None = None  # R15: the contract's policy's days of inactivity (its dormancy line)
    # The payment a refund clock is about (R9): its amount, currency and day; None for other clocks.
    payment: tuple[int, str, date] | None = None
    milestone: str | None = None  # R6: the title of the milestone under review (R9: the one a payment was for)
    request: tuple[int, str, date] | None = None  # R8: the escrow refund request's amount, currency and day
    open_items: tuple[str, ...] = ()  # R11: the closeout items still open, in the checklist's order

    @property
    def label(self) -> str:
        return CLOCK_LABELS[self.kind]

    def overdue(self, today: date) -> bool:
        return self.due < today


def contract_clocks(contract: Contract) -> list[Clock]:
    """Every running clock of one contract, soonest first."""
    return list(Clock.select().where(Clock.contract == contract).order_by(Clock.due, Clock.kind))


_SEP = "\x1f"  # between the labels of open closeout items (a character no label holds)


def attention(today: date | None = None, limit: int | None = None) -> list[AttentionItem]:
    """The book's list of what needs attention today, soonest first (clock.warn_from is indexed), each with
    what it is about: the payment, the milestone, the escrow refund request, the closeout items still open."""
    today = utc_today(today).isoformat()
    sql = (
        "SELECT k.due, k.kind, k.contract_id, c.title, k.ref, p.dormant_after_days, e.amount, e.currency, e.date, "
        "COALESCE(m.title, pm.title), r.amount, c.currency, r.requested_on, "
        f"CASE WHEN k.kind = '{Clock.CLOSEOUT}' THEN (SELECT group_concat(i.label, char(31)) FROM "
        "(SELECT i.label FROM closeout_item i WHERE i.contract_id = k.contract_id AND i.done_on IS NULL "
        "ORDER BY i.id) i) END "
        # The clocks first, sorted and cut to `limit` (SQLite would otherwise join and describe every clock that
        # needs attention before sorting), then what each is about.
        f"FROM ({_soonest_needing_attention(limit)}) k JOIN contract c ON c.id = k.contract_id "
        "JOIN policy p ON p.id = c.policy_id "
        f"LEFT JOIN ledger_entry e ON e.id = k.ref AND k.kind IN {PAYMENT_CLOCKS} "
        f"LEFT JOIN milestone m ON m.id = k.ref AND k.kind = '{Clock.REVIEW}' "
        "LEFT JOIN milestone pm ON pm.id = e.milestone_id "
        f"LEFT JOIN escrow_refund_request r ON r.id = k.ref AND k.kind = '{Clock.ESCROW_REPLY}' "
        "ORDER BY k.due, k.kind, k.contract_id, k.ref"
    )
    rows = database.execute_sql(sql, {"today": today})
    return [
        AttentionItem(
            date.fromisoformat(d),
            kind,
            cid,
            title,
            ref,
            dormant_after_days=quiet if kind == Clock.DORMANT else None,
            payment=None if amount is None else (amount, currency, date.fromisoformat(paid_on)),
            milestone=milestone,
            request=None if asked is None else (asked, own, _day(on)),
            open_items=tuple(items.split(_SEP)) if items else (),
        )
        for d, kind, cid, title, ref, quiet, amount, currency, paid_on, milestone, asked, own, on, items in rows
    ]


def _soonest_needing_attention(limit: int | None) -> str:
    """SQL: the clocks that need attention today, soonest first, at most `limit`. With a limit, each part of the
    condition walks the (lapses, due) index in order and stops at `limit` (the unary + keeps SQLite off the
    warn_from index, which would read every clock past its warning day and sort them), and the two are merged."""
    order = "ORDER BY k.due, k.kind, k.contract_id, k.ref"
    if limit is None:
        return f"SELECT * FROM clock k WHERE {ATTENTION_WHERE} {order}"
    cut = f" LIMIT {int(limit)}"
    parts = [part.replace("k.warn_from <=", "+k.warn_from <=") for part in ATTENTION_PARTS]
    walks = " UNION ALL ".join(f"SELECT * FROM (SELECT * FROM clock k WHERE {part} {order}{cut})" for part in parts)
    return f"SELECT * FROM ({walks}) k {order}{cut}"


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def attention_counts(today: date | None = None) -> dict[str, int]:
    """How many clocks of each kind need attention today (every one, not only a panel's first lines): those that
    started needing it by today less the lapsing ones that stopped before today, from the kept days
    (models/book_totals.py: a few rows per day of the book, never every clock)."""
    return kept.attention_by_kind(database.execute_sql, utc_today(today).isoformat())


def attention_count(today: date | None = None) -> int:
    """How many clocks need attention today (as attention_counts, in one figure)."""
    return kept.attention(database.execute_sql, utc_today(today).isoformat())


@dataclass(frozen=True)
class AutomaticEvent:
    """Something the marketplace did by itself once a clock ran out, not yet in the book."""

    kind: str  # "auto_release" (R6) or "escrow_no_reply" (R8)
    contract_id: int
    contract_title: str
    ref: int  # the milestone or the escrow refund request
    on: date  # the day it happened
    amount: int
    currency: str

    @property
    def text(self) -> str:
        from .money import format_money

        money = format_money(self.amount, self.currency)
        if self.kind == "auto_release":
            return (
                f"“{self.contract_title}”: the review period ended; {money} was released automatically "
                f"on {self.on:%d %b %Y}."
            )
        return (
            f"“{self.contract_title}”: the freelancer did not answer the escrow refund request; {money} was "
            f"refunded to you (silence counts as approval) on {self.on:%d %b %Y}."
        )


def overdue_automatic_events(today: date | None = None) -> list[AutomaticEvent]:
    """R6 and R8: review periods that ended and escrow refund requests left unanswered, oldest first."""
    today = utc_today(today)
    out = []
    # Found through the partial index of work under review (unary + keeps SQLite off the status index).
    due = database.execute_sql(
        "SELECT m.id FROM milestone m JOIN contract c ON c.id = m.contract_id WHERE m.state = 'submitted' "
        "AND m.auto_release_on IS NOT NULL AND m.auto_release_on <= ? AND +c.status = 'active'",
        (today.isoformat(),),
    ).fetchall()
    for m in Milestone.select(Milestone, Contract).join(Contract).where(Milestone.id.in_([r[0] for r in due])):
        c = m.contract
        out.append(
            AutomaticEvent("auto_release", c.id, c.title, m.id, m.auto_release_on, milestone_escrow(m), c.currency)
        )
    for r in (
        EscrowRefundRequest.select(EscrowRefundRequest, Contract)
        .join(Contract)
        .where(
            (EscrowRefundRequest.status == EscrowRefundRequest.PENDING)
            & EscrowRefundRequest.reply_due.is_null(False)
            & (EscrowRefundRequest.reply_due < today)
        )
    ):
        c = r.contract
        out.append(
            AutomaticEvent(
                "escrow_no_reply", c.id, c.title, r.id, r.reply_due + timedelta(days=1), r.amount, c.currency
            )
        )
    return sorted(out, key=lambda e: (e.on, e.contract_id, e.ref))


def book_year(year: int) -> dict[str, dict[str, int]]:
    """Payments and refunds dated in `year`, per currency (never added across currencies, R1), from the kept
    monthly totals of the book (models/book_totals.py)."""
    return kept.year(database.execute_sql, year)


def book_totals() -> dict[str, dict[str, int]]:
    """Totals per currency (never added across currencies, R1), kept as the contracts change
    (models/book_totals.py): a row per currency, whatever the size of the book."""
    return kept.currencies(database.execute_sql)


def freelancer_choices() -> list[tuple[int, str]]:
    """Every freelancer's id and name, by name (namesakes by id): a filter's choices. One statement read as plain
    rows, since a big book has 125,000 freelancers: a tenth of a second, where a model object each took two."""
    return list(database.execute_sql("SELECT id, name FROM freelancer ORDER BY name, id"))
