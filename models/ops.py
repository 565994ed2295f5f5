"""Operations: the only code that writes to a book.

Each operation validates against the rules (R1-R14), writes in one transaction
and returns, or raises `RuleError` with a message a client understands and
writes nothing (R14). Each takes `today` (a UTC date) or `now` (a UTC
datetime) as an argument; the real clock is only the default.
"""

from __future__ import annotations

import functools
import time
import weakref
from dataclasses import asdict
from datetime import date, datetime, timedelta

import peewee as pw

from . import chain, consistency, order, report_totals
from . import queries as q
from .check import contract_problems
from .clock import add_business_days, end_of_day, utc_now, utc_today
from .entities import (
    AccessGrant,
    AuditLog,
    CloseoutItem,
    Contract,
    Deliverable,
    Dispute,
    EscrowRefundRequest,
    Feedback,
    Freelancer,
    LedgerEntry,
    Milestone,
    SupportCase,
    database,
)
from .errors import ImportRefused, RuleError
from .fields import (
    access_field,
    check_amount,
    check_day,
    check_feedback,
    check_freelancer_fields,
    check_given_on,
    check_initiation_fee,
    check_memo,
    check_milestone_amount,
    check_milestone_fields,
    check_note,
    check_policy_currency,
    check_started_on,
    check_support_case,
    check_text,
    contract_field,
    deliverable_field,
    payment_text,
)
from .money import check_currency, fee_on, format_money
from .policy import policy_for
from .refusals import is_denied
from .summary import refresh, refresh_search

_depth = 0  # how many operations are running (one calls another: only the outermost is announced)
_listeners: list[weakref.WeakMethod] = []


def listen(method) -> None:
    """Call `method(fn, args, kwargs, result)` after each outermost operation that completed (models/undo.py
    keeps a history of them). Held weakly: a listener goes away with its owner."""
    _listeners.append(weakref.WeakMethod(method))


def unlisten(method) -> None:
    """Stop calling `method` after operations."""
    _listeners[:] = [ref for ref in _listeners if ref() is not None and ref() != method]


def operation(fn):
    """R14 All or nothing: the whole operation in one transaction (a savepoint when nested).

    When the disk cannot take the write (full, failing, become read-only), SQLite rolls the transaction back
    and the operation is refused like any other, in words, instead of ending in a crash dialog.

    On a book in PostgreSQL (models/pgstore.py) the outermost operation first waits for its turn among the book's
    writers (pgstore.take_turn: a few seconds at most, then it is refused in words), so that two people's operations
    run one after the other instead of failing. The transaction is SERIALIZABLE: when another person's transaction
    made it fail all the same, the whole operation runs again (the outermost one, a few times, a little later each
    time), then it is refused in words with nothing recorded. A write the login's role does not allow
    (models/people.py: the database refuses it) is refused in words too.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        global _depth
        _depth += 1
        tries = 0
        turn = None  # a shared book's writers take turns (models/pgstore.take_turn), the outermost operation for all
        try:
            if _depth == 1 and getattr(database.obj, "store", "") == "postgresql" and not database.obj.in_transaction():
                from . import pgstore

                pgstore.take_turn(database.obj)
                turn = database.obj
            while True:
                try:
                    with database.atomic():
                        result = fn(*args, **kwargs)
                        if _depth == 1 and getattr(database.obj, "store", "") == "postgresql":
                            from . import pgstore

                            pgstore.announce_change(database.obj)  # (others' windows follow: issue 22)
                    break
                except pw.OperationalError as exc:
                    if _depth > 1 or getattr(database.obj, "store", "") != "postgresql":
                        raise
                    from . import pgstore  # (loaded with the book kept in PostgreSQL)

                    if not pgstore.is_conflict(exc):
                        raise
                    tries += 1
                    if tries >= pgstore.RETRIES:
                        raise RuleError(pgstore.CONFLICT_WORDS, rule="R14") from exc
                    time.sleep(pgstore.backoff(tries))
        except pw.OperationalError as exc:
            refusal = _storage_refusal(exc)
            if refusal is None:
                raise
            raise refusal from exc
        except pw.DatabaseError as exc:
            if _depth > 1 or getattr(database.obj, "store", "") != "postgresql":
                raise
            if not is_denied(exc):  # (a book kept in PostgreSQL: the login's role may not allow the write)
                raise
            from . import people

            raise RuleError(people.denied_words()) from exc
        finally:
            _depth -= 1
            if turn is not None:
                pgstore.end_turn(turn)
        if _depth == 0:
            _announce(wrapper, args, kwargs, result)
        return result

    return wrapper


def _announce(op, args, kwargs, result) -> None:
    for ref in list(_listeners):
        method = ref()
        if method is None:
            if ref in _listeners:  # (a listener may have taken itself off meanwhile)
                _listeners.remove(ref)
        else:
            method(op, args, kwargs, result)


# SQLite's words for a write the disk did not take, and ours.
_STORAGE_FAILURES = (
    ("database or disk is full", "the disk that holds the book is full. Free some space, then try again."),
    ("disk I/O error", "the book could not be written (disk I/O error). Check the disk, then try again."),
    ("readonly database", "the book can no longer be written (its file or disk has become read-only)."),
)


def _storage_refusal(exc: BaseException) -> RuleError | None:
    """The refusal for a storage failure anywhere in `exc`'s chain (peewee's own rollback then fails too, as
    SQLite has already rolled back), or None when it is not one."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, RuleError):
            return seen  # a nested operation said it already
        for words, why in _STORAGE_FAILURES:
            if words in str(seen):
                return RuleError(f"Nothing was recorded: {why}", rule="R14")
        seen = seen.__cause__ or seen.__context__
    return None


# ----------------------------------------------------------------- helpers


def _fresh(model, obj_or_id, what: str):
    """Reload a row from the book, so a stale object never drives a decision."""
    pk = obj_or_id.id if isinstance(obj_or_id, model) else obj_or_id
    row = model.get_or_none(model.id == pk)
    if row is None:
        raise RuleError(f"That {what} is no longer in the book.")
    return row


def _money(contract: Contract, minor: int) -> str:
    return format_money(minor, contract.currency)


def _audit(contract: Contract | None, action: str, detail: str = "", now: datetime | None = None) -> None:
    AuditLog.create(at=utc_now(now), contract=contract, action=action, detail=detail)


def _require_active(contract: Contract, doing: str) -> None:
    if contract.status != Contract.ACTIVE:
        raise RuleError(f"“{contract.title}” has ended: you can no longer {doing}.", rule="R5")


def _today(today: date | None) -> date:
    """The operation's date (the real clock by default), refused when absurdly far ahead: its deadlines could
    not even be counted (a year 9999 ending raised OverflowError)."""
    day = utc_today(today)
    check_day(day, "The date", "date")
    return day


def _when(on: date | None, today: date | None) -> date:
    """R16: the date the event happened (today by default), never later than today."""
    today = _today(today)
    return order.happened_on(today if on is None else on, today)


def _now(now: datetime | None) -> datetime:
    moment = utc_now(now)
    check_day(moment.date(), "The date", "date")
    return moment


def _post(contract: Contract, kind: str, amount: int, day: date, **links) -> LedgerEntry:
    """Append one ledger entry in the contract's currency (R12: append-only, R1: > 0), chained to the
    entry before it by its hash (models/chain.py), so an edit outside the app shows in `escrowbook check`."""
    check_amount(amount, currency=contract.currency)
    entry = LedgerEntry.create(
        contract=contract,
        kind=kind,
        amount=amount,
        currency=contract.currency,
        date=day,
        created_at=utc_now(),
        **links,
    )
    entry.hash = chain.append_entry(database, entry.id)
    return entry


def _settle(contract: Contract) -> None:
    """Rebuild the contract's summaries and refuse anything that breaks an R12 invariant."""
    refresh(database, contract.id)
    problems = contract_problems(contract.id)
    if problems:
        raise RuleError(f"That would break the books: {problems[0]}", rule="R12")
    if database.execute_sql("SELECT 1 FROM statement LIMIT 1").fetchone() is not None:
        from . import matching  # (read once a statement is imported: most books start without one)

        matching.follow(contract.id)  # the statement's reconciliation says what the books now say


# ------------------------------------------------------------- freelancers


@operation
def create_freelancer(name, agency="", email="", profile_url="", notes="", *, now=None) -> Freelancer:
    f = Freelancer.create(**check_freelancer_fields(name, agency, email, profile_url, notes))
    _audit(None, "freelancer created", f.name, now)
    return f


@operation
def edit_freelancer(freelancer, name, agency="", email="", profile_url="", notes="", *, now=None) -> Freelancer:
    f = _fresh(Freelancer, freelancer, "freelancer")
    for key, value in check_freelancer_fields(name, agency, email, profile_url, notes).items():
        setattr(f, key, value)
    f.save()
    for (contract_id,) in Contract.select(Contract.id).where(Contract.freelancer == f).tuples():
        refresh_search(database, contract_id)  # the contracts table finds them by the new name
    _audit(None, "freelancer edited", f.name, now)
    return f


# --------------------------------------------------------------- contracts


@operation
def create_contract(
    title,
    freelancer,
    *,
    policy: str = "upwork",
    currency: str = "USD",
    budget: int | None = None,
    external_id: str = "",
    started_on: date | None = None,
    notes: str = "",
    initiation_fee: int | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> Contract:
    """Create an active contract under the policy in effect on its start date (R13), in a currency that
    version allows (R2).

    R3: under a policy whose initiation fee is set per contract (v2), `initiation_fee` is that fee in minor
    units, within the policy's range (left out: the range's lowest); under a fixed fee (v1, "Direct") it is
    refused."""
    today = _today(today)
    started_on = started_on or today
    f = _fresh(Freelancer, freelancer, "freelancer")
    version = policy_for(policy, started_on)
    fields = {
        "title": contract_field("title", title),
        "currency": check_policy_currency(version, currency, started_on),
        "external_id": contract_field("external_id", external_id),
        "notes": contract_field("notes", notes),
        "budget": None if budget is None else check_amount(budget, "budget", currency=check_currency(currency)),
    }
    check_started_on(started_on, today)
    fields["initiation_fee"] = check_initiation_fee(version, initiation_fee, fields["currency"])
    c = Contract.create(
        freelancer=f,
        policy=version,
        started_on=started_on,
        status=Contract.ACTIVE,
        created_at=utc_now(now),
        **fields,
    )
    _audit(c, "contract created", c.title, now)
    _settle(c)
    return c


@operation
def edit_contract(
    contract, *, title=None, freelancer=None, budget=..., external_id=None, notes=None, initiation_fee=None, now=None
):
    """Edit what is not money: title, freelancer, budget, external id, notes; and (R3 v2) the contract's
    initiation fee, only while no funding stands (once one does, the fee has been charged)."""
    c = _fresh(Contract, contract, "contract")
    changed = []
    if initiation_fee is not None and initiation_fee != c.initiation_fee:
        fee = check_initiation_fee(c.policy, initiation_fee, c.currency)
        funding = order.latest_entry(c, (LedgerEntry.FUND,))
        if funding is not None:
            raise RuleError(
                f"The contract initiation fee was charged with {order.describe(funding)} on "
                f"{order.day_text(funding.date)}: it can no longer change.",
                rule="R3",
                field="initiation_fee",
            )
        c.initiation_fee = fee
        changed.append(f"initiation fee {_money(c, fee)}")
    if title is not None:
        c.title = contract_field("title", title)
        changed.append("title")
    if freelancer is not None:
        c.freelancer = _fresh(Freelancer, freelancer, "freelancer")
        changed.append("freelancer")
    if budget is not ...:
        c.budget = None if budget is None else check_amount(budget, "budget", currency=c.currency)
        changed.append("budget")
    if external_id is not None:
        c.external_id = contract_field("external_id", external_id)
        changed.append("external id")
    if notes is not None:
        c.notes = contract_field("notes", notes)
        changed.append("notes")
    c.save()
    refresh_search(database, c.id)
    if freelancer is not None:  # the reports' day sums name the contract's freelancer (models/report_totals.py)
        report_totals.refresh_contract(database.execute_sql, c.id)
    elif budget is not ...:  # (its kept years name its budget)
        report_totals.budget_changed(database.execute_sql, c.id)
    _audit(c, "contract edited", ", ".join(changed), now)
    return c


# -------------------------------------------------------------- milestones


def _require_unfunded(m: Milestone, doing: str) -> None:
    """R2: only unfunded milestones of an active contract can be edited, reordered or deleted."""
    _require_active(m.contract, "change its milestones")
    if m.state != Milestone.UNFUNDED:
        raise RuleError(f"“{m.title}” is funded: it can no longer be {doing}.", rule="R2")


@operation
def add_milestone(contract, title, amount: int, *, due_on=None, description="", now=None) -> Milestone:
    """R2: add an unfunded milestone of at least the policy minimum, at the end of the list."""
    c = _fresh(Contract, contract, "contract")
    _require_active(c, "add milestones")
    fields = check_milestone_fields(c, title, amount, due_on, description)
    last = Milestone.select(Milestone.position).where(Milestone.contract == c).order_by(Milestone.position.desc())
    position = (last.scalar() or 0) + 1
    m = Milestone.create(contract=c, position=position, state=Milestone.UNFUNDED, **fields)
    _audit(c, "milestone added", f"{m.title}: {_money(c, m.amount)}", now)
    return m


@operation
def edit_milestone(milestone, title, amount: int, *, due_on=None, description="", now=None) -> Milestone:
    m = _fresh(Milestone, milestone, "milestone")
    _require_unfunded(m, "edited")
    for key, value in check_milestone_fields(m.contract, title, amount, due_on, description).items():
        setattr(m, key, value)
    m.save()
    _audit(m.contract, "milestone edited", f"{m.title}: {_money(m.contract, m.amount)}", now)
    return m


@operation
def move_milestone(milestone, offset: int, *, now=None) -> Milestone:
    """R2: move an unfunded milestone up (-1) or down (+1) the list."""
    m = _fresh(Milestone, milestone, "milestone")
    _require_unfunded(m, "reordered")
    order = list(Milestone.select().where(Milestone.contract == m.contract).order_by(Milestone.position))
    index = next(i for i, row in enumerate(order) if row.id == m.id)
    target = index + offset
    if not 0 <= target < len(order):
        raise RuleError(f"“{m.title}” is already {'first' if offset < 0 else 'last'}.")
    order.insert(target, order.pop(index))
    for position, row in enumerate(order, start=1):
        if row.position != position:
            Milestone.update(position=position).where(Milestone.id == row.id).execute()
    _audit(m.contract, "milestone moved", m.title, now)
    return Milestone.get_by_id(m.id)


@operation
def delete_milestone(milestone, *, now=None) -> None:
    """R2: unfunded milestones can be deleted; funded ones cannot."""
    m = _fresh(Milestone, milestone, "milestone")
    _require_unfunded(m, "deleted")
    if LedgerEntry.select().where(LedgerEntry.milestone == m).exists():
        raise RuleError(f"“{m.title}” has entries in the ledger: it cannot be deleted.", rule="R12")
    contract = m.contract
    m.delete_instance()
    for position, row in enumerate(
        Milestone.select().where(Milestone.contract == contract).order_by(Milestone.position), start=1
    ):
        if row.position != position:
            Milestone.update(position=position).where(Milestone.id == row.id).execute()
    _audit(contract, "milestone deleted", m.title, now)


def funding_preview(contract, amount: int, *, from_escrow: bool) -> dict:
    """What funding `amount` takes (R3, R4): from remaining escrow, as a deposit, and in fees.

    Used by `fund_milestone` itself and by the dialogs that show it before anything is written.
    """
    c = _fresh(Contract, contract, "contract")
    allocated = min(max(q.unassigned_escrow(c), 0), amount) if from_escrow else 0
    deposit = amount - allocated
    # R3: the initiation fee goes with the first funding that still stands (a reversed one does not count).
    first = order.latest_entry(c, (LedgerEntry.FUND,)) is None
    return {
        "from_escrow": allocated,
        "deposit": deposit,
        "fee": fee_on(deposit, c.policy.fee_rate) if deposit else 0,
        "initiation_fee": q.initiation_fee(c) if (deposit and first) else 0,
    }


def _fund(m: Milestone, today: date, *, from_escrow: bool) -> LedgerEntry:
    """R3 (and R4 with from_escrow): fund a milestone, with its fees on what is deposited."""
    c = m.contract
    plan = funding_preview(c, m.amount, from_escrow=from_escrow)
    entry = None
    if plan["from_escrow"]:
        entry = _post(
            c,
            LedgerEntry.FUND_FROM_ESCROW,
            plan["from_escrow"],
            today,
            milestone=m,
            memo="Funded from remaining escrow",
        )
    if plan["deposit"]:
        entry = _post(c, LedgerEntry.FUND, plan["deposit"], today, milestone=m, memo="Deposit into escrow")
        for fee, memo in ((plan["fee"], "Marketplace fee"), (plan["initiation_fee"], q.INITIATION_FEE_MEMO)):
            if fee:
                _post(c, LedgerEntry.FEE, fee, today, milestone=m, funding=entry, memo=memo)
    m.state = Milestone.ACTIVE
    m.save()
    return entry


@operation
def fund_milestone(
    milestone, *, from_escrow: bool = False, on: date | None = None, today: date | None = None
) -> LedgerEntry:
    """R3: move the milestone's amount from the client into escrow, with its fees beside it (dated `on`)."""
    today = _when(on, today)
    m = _fresh(Milestone, milestone, "milestone")
    c = m.contract
    _require_active(c, "fund milestones")
    if m.state != Milestone.UNFUNDED:
        raise RuleError(f"“{m.title}” is already funded.", rule="R3")
    check_milestone_amount(c, m.amount)
    order.after_start(c, today)
    entry = _fund(m, today, from_escrow=from_escrow)
    _audit(c, "milestone funded", f"{m.title}: {_money(c, m.amount)}")
    _settle(c)
    return entry


@operation
def submit_work(milestone, *, on: date | None = None, today: date | None = None) -> Milestone:
    """R6: the freelancer submitted work on `on`; the automatic release counts from this (latest) submission.
    The day of the first submission is kept beside it (`first_submitted_on`): the milestone shows both."""
    today = _when(on, today)
    m = _fresh(Milestone, milestone, "milestone")
    _require_active(m.contract, "record submitted work")
    if m.state != Milestone.ACTIVE:
        why = "is not funded yet" if m.state == Milestone.UNFUNDED else "is not waiting for work"
        raise RuleError(f"“{m.title}” {why}.", rule="R6")
    order.release_after_funding(m, today)
    days = m.contract.policy.review_days
    m.state = Milestone.SUBMITTED
    m.submitted_on = today
    if m.first_submitted_on is None:  # submitted again after changes were asked for: the first stays
        m.first_submitted_on = today
    m.auto_release_on = None if days is None else today + timedelta(days=days)
    m.save()
    _audit(m.contract, "work submitted", m.title)
    _settle(m.contract)
    return m


@operation
def request_changes(milestone, *, on: date | None = None, today: date | None = None) -> Milestone:
    """R6: the client asked for changes; the review clock stops until work is submitted again."""
    m = _fresh(Milestone, milestone, "milestone")
    _require_active(m.contract, "ask for changes")
    if m.state != Milestone.SUBMITTED:
        raise RuleError(f"No work is waiting for review on “{m.title}”.", rule="R6")
    today = _when(on, today)
    order.not_before(today, m.submitted_on, f"the work submitted for “{m.title}”")
    if m.auto_release_on is not None and today >= m.auto_release_on:
        raise RuleError(
            f"The review period of “{m.title}” ended on {m.auto_release_on:%d %b %Y}: the marketplace released "
            "it automatically. Record the automatic release instead.",
            rule="R6",
        )
    m.was_submitted_on = m.submitted_on  # not stored: what undoing the request puts back (models/undo.py)
    m.state = Milestone.ACTIVE
    m.submitted_on = None
    m.auto_release_on = None
    m.save()
    _audit(m.contract, "changes requested", m.title, None)
    _settle(m.contract)
    return m


def _release(m: Milestone, amount: int, day: date, memo: str) -> LedgerEntry:
    """R5: pay the freelancer from an active milestone; the milestone is then paid.

    What a partial release leaves stays in the contract's escrow, outside any
    active milestone (R4).
    """
    c = m.contract
    _require_active(c, "release payments")
    if m.state not in Milestone.OPEN_STATES:
        why = "is not funded" if m.state == Milestone.UNFUNDED else "is no longer active"
        raise RuleError(f"“{m.title}” {why}: payments are released from active milestones.", rule="R4")
    available = q.milestone_escrow(m)
    check_amount(amount, currency=c.currency)
    if amount > available:
        raise RuleError(f"You can release at most {_money(c, available)} from “{m.title}”.", rule="R5", field="amount")
    order.release_after_funding(m, day)
    entry = _post(c, LedgerEntry.RELEASE, amount, day, milestone=m, memo=memo)
    m.state = Milestone.PAID
    m.save()
    return entry


@operation
def release_payment(
    milestone, amount: int | None = None, *, memo: str = "", on: date | None = None, today: date | None = None
):
    """R5: release all (default) or part of an active milestone's escrow as a payment, dated `on`."""
    today = _when(on, today)
    m = _fresh(Milestone, milestone, "milestone")
    if amount is None:
        amount = q.milestone_escrow(m)
    entry = _release(m, amount, today, check_memo(memo))
    _audit(m.contract, "payment released", f"{m.title}: {_money(m.contract, amount)}")
    _settle(m.contract)
    return entry


@operation
def record_automatic_release(milestone, *, today: date | None = None) -> LedgerEntry:
    """R6: the review period passed; the marketplace released the milestone on its date."""
    today = _today(today)
    m = _fresh(Milestone, milestone, "milestone")
    if m.state != Milestone.SUBMITTED or m.auto_release_on is None:
        raise RuleError(f"“{m.title}” has no review period running.", rule="R6")
    if today < m.auto_release_on:
        raise RuleError(
            f"The review period of “{m.title}” runs until {m.auto_release_on:%d %b %Y}: "
            "you can still approve or ask for changes.",
            rule="R6",
        )
    entry = _release(m, q.milestone_escrow(m), m.auto_release_on, "Released automatically after the review period")
    _audit(m.contract, "automatic release recorded", m.title)
    _settle(m.contract)
    return entry


@operation
def release_from_remaining_escrow(
    contract,
    title,
    amount: int,
    *,
    release: int | None = None,
    description="",
    on: date | None = None,
    today: date | None = None,
) -> LedgerEntry:
    """R4: a new milestone of at least the minimum, funded from the remaining escrow, then released.

    Where remaining escrow is short, the difference is deposited with its fees (R3).
    """
    today = _when(on, today)
    c = _fresh(Contract, contract, "contract")
    _require_active(c, "release payments")
    order.after_start(c, today)
    latest = order.latest_entry(c)
    if latest is not None:  # the escrow it pays from is what was left after the latest entry
        order.not_before(today, latest.date, order.describe(latest))
    m = add_milestone(c, title, amount, description=description)
    _fund(m, today, from_escrow=True)
    entry = _release(m, amount if release is None else release, today, "Final payment")
    _audit(c, "payment released from remaining escrow", f"{m.title}: {_money(c, entry.amount)}")
    _settle(c)
    return entry


# ---------------------------------------------------------- ending (R7, R8)


def automatic_releases_by(contract, on: date) -> list[Milestone]:
    """R6, R7: work under review whose automatic release date has come by `on` (the marketplace paid it)."""
    return list(
        Milestone.select()
        .where(
            (Milestone.contract == contract)
            & (Milestone.state == Milestone.SUBMITTED)
            & Milestone.auto_release_on.is_null(False)
            & (Milestone.auto_release_on <= on)
        )
        .order_by(Milestone.auto_release_on, Milestone.position)
    )


def ending_preview(contract, *, on: date) -> dict:
    """R7: what ending on `on` does first, and what escrow is then left to ask back (for the dialog).

    `automatic`: (milestone, amount, date) of each automatic release it records first; `escrow`: what is left;
    `fee_returned`: the initiation fee it returns (R3 v2: nothing was released), or 0.
    """
    c = _fresh(Contract, contract, "contract")
    auto = [(m, q.milestone_escrow(m), m.auto_release_on) for m in automatic_releases_by(c, on)]
    fee = None if any(a for _, a, _ in auto) else q.initiation_fee_to_return(c)
    return {
        "automatic": auto,
        "escrow": q.balances(c).escrow - sum(a for _, a, _ in auto),
        "fee_returned": 0 if fee is None else fee.amount,
    }


@operation
def end_contract(
    contract,
    *,
    agreed: bool,
    request_escrow_refund: bool = False,
    reason: str = "",
    note: str = "",
    on: date | None = None,
    today: date | None = None,
) -> EscrowRefundRequest | None:
    """R7: end an active contract the client agreed to end, on `on`.

    First every automatic release the marketplace made by that day is recorded on its own date (money already
    paid is never asked back); escrow still left then needs an escrow refund request (R8). R3 (v2): when
    nothing was released, the initiation fee charged is returned, as a fee refund entry dated the ending day.
    """
    today = _when(on, today)
    c = _fresh(Contract, contract, "contract")
    if c.status != Contract.ACTIVE:
        raise RuleError(f"“{c.title}” has already ended.", rule="R7")
    if not agreed:
        raise RuleError("Confirm that you agreed the ending with the freelancer.", rule="R7", field="agreed")
    order.after_start(c, today)
    for m in automatic_releases_by(c, today):
        record_automatic_release(m, today=today)
    order.ending_after_records(c, today)
    escrow = q.balances(c).escrow
    if escrow and not request_escrow_refund:
        raise RuleError(
            f"{_money(c, escrow)} is still in escrow. Release it first, or end the contract "
            "and request an escrow refund.",
            rule="R7",
            field="escrow",
        )
    c.status = Contract.ENDED
    c.ended_on = today
    c.end_reason = check_text(reason, "reason", "reason", required=False)
    c.end_note = check_note(note)
    days = c.policy.feedback_window_days
    c.feedback_closes_at = None if days is None else end_of_day(today + timedelta(days=days))
    c.save()
    Milestone.update(state=Milestone.CLOSED).where(
        (Milestone.contract == c) & (Milestone.state.in_(Milestone.OPEN_STATES))
    ).execute()
    have = {i.kind for i in CloseoutItem.select(CloseoutItem.kind).where(CloseoutItem.contract == c)}
    for kind in CloseoutItem.STANDARD:  # kept from an ending withdrawn earlier, else new
        if kind not in have:
            CloseoutItem.create(contract=c, kind=kind, label=CloseoutItem.LABELS[kind])
    fee = q.initiation_fee_to_return(c)
    if fee is not None:
        _post(c, LedgerEntry.FEE_REFUND, fee.amount, today, payment=fee, memo="Contract initiation fee returned")
    request = None
    if escrow:
        reply_days = c.policy.escrow_refund_reply_days
        request = EscrowRefundRequest.create(
            contract=c,
            amount=escrow,
            requested_on=today,
            reply_due=None if reply_days is None else today + timedelta(days=reply_days),
        )
    _audit(c, "contract ended", f"on {today:%Y-%m-%d}" + (f": {c.end_reason}" if c.end_reason else ""))
    _settle(c)
    return request


@operation
def record_escrow_refund_reply(request, outcome: str, *, on: date | None = None, today: date | None = None):
    """R8: the freelancer approved, stayed silent past the reply date, or disputed (on `on`).

    Returns the escrow refund entry, or the Dispute that was opened.
    """
    today = _when(on, today)
    r = _fresh(EscrowRefundRequest, request, "escrow refund request")
    c = r.contract
    if r.status != EscrowRefundRequest.PENDING:
        raise RuleError("That escrow refund request has already been answered.", rule="R8")
    order.answer_after_request(r, today)
    amount = _money(c, r.amount)
    if outcome == "approved":
        result = _post(c, LedgerEntry.ESCROW_REFUND, r.amount, today, memo="Escrow refund approved")
        r.status = EscrowRefundRequest.APPROVED
    elif outcome == "no_reply":
        if r.reply_due is None:
            raise RuleError("This policy has no reply deadline: record the freelancer's answer.", rule="R8")
        if today <= r.reply_due:
            raise RuleError(
                f"The freelancer has until {r.reply_due:%d %b %Y} to answer; silence counts as approval "
                "only after that.",
                rule="R8",
            )
        result = _post(
            c, LedgerEntry.ESCROW_REFUND, r.amount, r.reply_due + timedelta(days=1), memo="No reply: approved"
        )
        r.status = EscrowRefundRequest.NO_REPLY
    elif outcome == "disputed":
        if r.reply_due is not None and today > r.reply_due:
            raise RuleError(
                f"The freelancer could dispute until {r.reply_due:%d %b %Y}; after that silence counts as approval.",
                rule="R8",
            )
        policy = c.policy
        answer_days = policy.dispute_answer_business_days
        mediation = policy.mediation_days
        fields = {
            "contract": c,
            "amount": r.amount,
            "opened_on": today,
            "answer_due": None if answer_days is None else add_business_days(today, answer_days),
            "mediation_ends": None if mediation is None else today + timedelta(days=mediation),
            "answered_on": None,
            "status": Dispute.OPEN,
            "resolved_on": None,
            **dict.fromkeys(Dispute.STEP_COLUMNS),  # (a dispute opened again starts its mediation afresh)
        }
        result = Dispute.get_or_none(Dispute.request == r)  # one withdrawn earlier is opened again
        if result is None:
            result = Dispute.create(request=r, **fields)
        else:
            Dispute.update(**fields).where(Dispute.id == result.id).execute()
            result = Dispute.get_by_id(result.id)
        r.status = EscrowRefundRequest.DISPUTED
    else:
        raise RuleError(f"Unknown answer “{outcome}”.", rule="R8", field="outcome")
    r.answered_on = today
    r.save()
    _audit(c, f"escrow refund request {r.status}", amount)
    _settle(c)
    return result


@operation
def record_dispute_answer(dispute, *, on: date | None = None, today: date | None = None) -> Dispute:
    """R8: the client answered the dispute (within 5 business days)."""
    today = _when(on, today)
    d = _fresh(Dispute, dispute, "dispute")
    if d.status != Dispute.OPEN:
        raise RuleError("That dispute is already resolved.", rule="R8")
    if d.answered_on is not None:
        raise RuleError("Your answer to that dispute is already recorded.", rule="R8")
    order.not_before(today, d.opened_on, "the opening of the dispute")
    if d.answer_due is not None and today > d.answer_due:
        raise RuleError(
            f"Your answer was due by {d.answer_due:%d %b %Y}. Record the dispute's outcome instead.", rule="R8"
        )
    d.answered_on = today
    d.save()
    _audit(d.contract, "dispute answered")
    _settle(d.contract)
    return d


def check_split(d: Dispute, to_freelancer: int, to_client: int) -> None:
    """R8: a release to the freelancer and a refund to the client, each zero or more, making exactly the
    disputed amount (an outcome, or the mediator's proposal of one)."""
    for value, field in ((to_freelancer, "to_freelancer"), (to_client, "to_client")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RuleError("Each part of the split is zero or more, in whole cents.", rule="R1", field=field)
    if to_freelancer + to_client != d.amount:
        c = d.contract
        raise RuleError(
            f"The split must add up to exactly {_money(c, d.amount)}: it adds up to "
            f"{_money(c, to_freelancer + to_client)}.",
            rule="R8",
            field="to_client",
        )


@operation
def resolve_dispute(
    dispute, *, to_freelancer: int, to_client: int, on: date | None = None, today: date | None = None
) -> Dispute:
    """R8: the outcome splits the disputed amount; the two parts sum to exactly that amount."""
    today = _when(on, today)
    d = _fresh(Dispute, dispute, "dispute")
    c = d.contract
    if d.status != Dispute.OPEN:
        raise RuleError("That dispute is already resolved.", rule="R8")
    check_split(d, to_freelancer, to_client)
    order.not_before(today, d.opened_on, "the opening of the dispute")
    order.after_dispute_steps(d, today)  # R8 v2: not before the latest step of its mediation
    if to_freelancer:
        _post(c, LedgerEntry.DISPUTE_RELEASE, to_freelancer, today, dispute=d, memo="Dispute outcome: released")
        returned = q.fee_returned(c)
        if returned is not None:  # R3 (v2): money reached the freelancer after all: the fee is not returned
            _post(
                c,
                LedgerEntry.REVERSAL,
                returned.amount,
                today,
                reverses=returned,
                memo="Contract initiation fee not returned: the dispute released money to the freelancer",
            )
    if to_client:
        _post(c, LedgerEntry.DISPUTE_REFUND, to_client, today, dispute=d, memo="Dispute outcome: refunded")
    d.status = Dispute.RESOLVED
    d.resolved_on = today
    d.save()
    _audit(c, "dispute resolved", f"{_money(c, to_freelancer)} to the freelancer, {_money(c, to_client)} to you")
    _settle(c)
    return d


# -------------------------------------------------------------- refunds (R9)


@operation
def record_refund(
    payment,
    amount: int,
    *,
    memo: str = "",
    on: date | None = None,
    today: date | None = None,
    support_case: str | None = None,
) -> LedgerEntry:
    """R9: a refund from the freelancer against one payment (received on `on`).

    Days are counted from the payment's date to the refund's. Within the policy's refund window (180 days) the
    client records it; under a policy with a support tier (v2: day 181 to day 365) only with the reference of
    the marketplace's support case it was made through (`support_case`, stored beside the entry); later, it is
    refused. A reference given on a day the refund needs no support is refused (models/fields.py)."""
    today = _when(on, today)
    p = _fresh(LedgerEntry, payment, "payment")
    c = p.contract
    if p.kind not in LedgerEntry.PAYMENT_KINDS or not q.is_live(p):
        raise RuleError("Refunds are recorded against a payment to the freelancer.", rule="R9")
    check_amount(amount, currency=c.currency)
    left = p.amount - q.payment_refunded(p)
    if amount > left:
        if left == 0:
            raise RuleError("That payment has already been refunded in full.", rule="R9", field="amount")
        raise RuleError(
            f"At most {_money(c, left)} of that {_money(c, p.amount)} payment is left to refund.",
            rule="R9",
            field="amount",
        )
    order.refund_after_payment(p, today)
    window = c.policy.refund_window_days
    tier = q.refund_tier(p, today)
    if tier.kind == q.CLOSED and c.policy.support_refund_days is None:
        last = p.date + timedelta(days=window)
        raise RuleError(
            f"That payment was made on {p.date:%d %b %Y}: refunds can be recorded only within {window} days "
            f"of a payment (up to {last:%d %b %Y}). The marketplace's support may still help.",
            rule="R9",
            field="date",
        )
    if tier.kind == q.CLOSED:
        raise RuleError(
            f"{payment_text(p)} could be refunded through the "
            f"marketplace's support until {order.day_text(tier.until)}: on {order.day_text(today)} it can no "
            "longer be refunded.",
            rule="R9",
            field="date",
        )
    reference = check_support_case(support_case, p, today)
    entry = _post(
        c,
        LedgerEntry.REFUND,
        amount,
        today,
        payment=p,
        milestone=p.milestone,
        memo=check_memo(memo),
    )
    if reference is not None:
        SupportCase.create(entry=entry, reference=reference)
    through = "" if reference is None else f" through the marketplace's support, case {reference}"
    _audit(c, "refund recorded", _money(c, amount) + through)
    _settle(c)
    return entry


# ------------------------------------------------------------- feedback (R10)


def _require_feedback_window(c: Contract, now: datetime) -> None:
    if c.status != Contract.ENDED:
        raise RuleError("Feedback opens when the contract ends.", rule="R10")
    if not q.feedback_window_open(c, now):
        raise RuleError(f"The feedback window closed at {c.feedback_closes_at:%d %b %Y %H:%M:%S} UTC.", rule="R10")


@operation
def submit_feedback(
    contract,
    ratings: dict,
    *,
    comment="",
    private_reason="",
    recommend: int | None = None,
    private_note="",
    now=None,
) -> Feedback:
    """R10: the client's feedback, sealed once submitted, only while the window is open, in the form of the
    contract's policy version (`fields.check_feedback`): `ratings` holds a star for each of the six categories
    with `private_reason` and `recommend` (v1), or {"rating": n} with `private_note` (v2)."""
    now = _now(now)
    c = _fresh(Contract, contract, "contract")
    if q.client_feedback(c) is not None:
        raise RuleError("Your feedback on this contract is already submitted and sealed.", rule="R10")
    _require_feedback_window(c, now)
    order.after_ending(c, now.date())
    form = check_feedback(
        q.feedback_form(c),
        ratings,
        comment=comment,
        private_reason=private_reason,
        recommend=recommend,
        private_note=private_note,
    )
    fb = Feedback.create(contract=c, author=Feedback.CLIENT, submitted_at=now, **form)
    CloseoutItem.update(done_on=now.date()).where(
        (CloseoutItem.contract == c)
        & (CloseoutItem.kind == CloseoutItem.LEAVE_FEEDBACK)
        & CloseoutItem.done_on.is_null()
    ).execute()
    _audit(c, "feedback submitted", now=now)
    _settle(c)
    return fb


@operation
def _left_at(c: Contract, on: date | None, now: datetime) -> datetime:
    """R10, R16: when the freelancer left their feedback: on the day given (not before the ending, not after
    today); today's is stamped with the current time, an earlier day's with its start."""
    if c.status != Contract.ENDED:
        raise RuleError("Feedback opens when the contract ends.", rule="R10")
    day = order.happened_on(now.date() if on is None else on, now.date())
    order.after_ending(c, day)
    return now if day == now.date() else datetime.combine(day, datetime.min.time())


@operation
def record_freelancer_feedback(contract, ratings: dict, *, comment="", on: date | None = None, now=None) -> Feedback:
    """R10: what the freelancer wrote about the client, dated the day they left it (shown double-blind), in the
    form of the contract's policy version: a star for each of the six categories (v1) or {"rating": n} (v2).

    It may be recorded after the window has closed. One withdrawn earlier (recorded in error) is replaced
    (every star field is written, so nothing of the withdrawn one's form is left behind).
    """
    now = _now(now)
    c = _fresh(Contract, contract, "contract")
    if q.freelancer_feedback(c) is not None:
        raise RuleError("The freelancer's feedback is already recorded: correct it instead.", rule="R10")
    fields = {
        **dict.fromkeys((*Feedback.CATEGORIES, "rating")),
        **check_feedback(q.feedback_form(c), ratings, comment=comment),
        "submitted_at": _left_at(c, on, now),
        "withdrawn_on": None,
    }
    old = Feedback.get_or_none((Feedback.contract == c) & (Feedback.author == Feedback.FREELANCER))
    if old is None:
        fb = Feedback.create(contract=c, author=Feedback.FREELANCER, **fields)
    else:
        Feedback.update(**fields).where(Feedback.id == old.id).execute()
        fb = Feedback.get_by_id(old.id)
    _audit(c, "freelancer's feedback recorded", f"left on {fb.submitted_at:%Y-%m-%d}", now=now)
    _settle(c)
    return fb


# ------------------------------------------------------------- closeout (R11)


def reopen_closeout_item(contract: Contract, kind: str, why: str, now: datetime | None = None) -> bool:
    """R11: a ticked item that is no longer true (new access to revoke, something more to receive, access or
    a receipt withdrawn) is open again, and the audit log says why. True when one was; the caller then
    settles the contract (its closeout clock changed)."""
    item = CloseoutItem.get_or_none(
        (CloseoutItem.contract == contract) & (CloseoutItem.kind == kind) & CloseoutItem.done_on.is_null(False)
    )
    if item is not None:
        item.done_on = None
        item.save()
        _audit(contract, "closeout item open again", f"{item.label}: {why}", now)
    return item is not None


@operation
def add_access(contract, label, *, where="", given_on: date | None = None, today: date | None = None) -> AccessGrant:
    """R11: register access given to the freelancer: a label, never a secret."""
    today = _today(today)
    c = _fresh(Contract, contract, "contract")
    given_on = check_given_on(given_on or today, today)
    order.not_before(given_on, c.started_on, "the start of the contract", field="given_on")
    grant = AccessGrant.create(
        contract=c,
        label=access_field("label", label),
        where=access_field("where", where),
        given_on=given_on,
    )
    _audit(c, "access registered", grant.label)
    reopen_closeout_item(c, CloseoutItem.REVOKE_ACCESS, f"“{grant.label}” is still to revoke")
    _settle(c)  # its closeout clock, and its dormancy (R15: access given is activity)
    return grant


@operation
def revoke_access(grant, *, on: date | None = None, today: date | None = None) -> AccessGrant:
    """R11: the access was revoked (or its password changed) on `on`."""
    today = _when(on, today)
    g = _fresh(AccessGrant, grant, "access entry")
    if g.revoked_on is not None:
        raise RuleError(f"“{g.label}” was already revoked on {g.revoked_on:%d %b %Y}.", rule="R11")
    order.not_before(today, g.given_on, f"the access “{g.label}” was given")
    g.revoked_on = today
    g.save()
    _audit(g.contract, "access revoked", g.label)
    _settle(g.contract)  # R15: a revocation is activity
    return g


@operation
def add_deliverable(contract, label, *, kind: str = Deliverable.WORK, note: str = "") -> Deliverable:
    """R11: something to receive back: work, materials or equipment lent to the freelancer."""
    c = _fresh(Contract, contract, "contract")
    if kind not in Deliverable.KINDS:
        raise RuleError("Choose work, material or equipment.", rule="R11", field="kind")
    d = Deliverable.create(
        contract=c,
        label=deliverable_field("label", label),
        kind=kind,
        note=deliverable_field("note", note),
    )
    _audit(c, "deliverable added", d.label)
    if reopen_closeout_item(c, CloseoutItem.RECEIVE_WORK, f"“{d.label}” is still to receive"):
        _settle(c)
    return d


@operation
def mark_received(deliverable, *, on: date | None = None, today: date | None = None) -> Deliverable:
    """R11: the work, material or equipment is back, on `on`."""
    today = _when(on, today)
    d = _fresh(Deliverable, deliverable, "item")
    if d.received_on is not None:
        raise RuleError(f"“{d.label}” was already received on {d.received_on:%d %b %Y}.", rule="R11")
    order.after_start(d.contract, today)
    d.received_on = today
    d.save()
    _audit(d.contract, "deliverable received", d.label)
    _settle(d.contract)  # R15: a receipt is activity
    return d


@operation
def complete_closeout_item(
    item, *, note: str = "", on: date | None = None, today: date | None = None, now=None
) -> CloseoutItem:
    """R11: tick one closeout item, done on `on`. Access is done only when every register entry is revoked."""
    today = _when(on, today if today is not None or now is None else utc_now(now).date())
    i = _fresh(CloseoutItem, item, "closeout item")
    c = i.contract
    if c.status != Contract.ENDED:
        raise RuleError(f"“{c.title}” has not ended: the closeout starts when it ends.", rule="R11")
    if i.done_on is not None:
        raise RuleError(f"“{i.label}” is already done.", rule="R11")
    order.after_ending(c, today)
    if i.kind == CloseoutItem.REVOKE_ACCESS:
        open_grants = AccessGrant.select().where((AccessGrant.contract == c) & AccessGrant.revoked_on.is_null()).count()
        if open_grants:
            plural = "entry" if open_grants == 1 else "entries"
            raise RuleError(f"Revoke the {open_grants} open access {plural} first.", rule="R11")
    if i.kind == CloseoutItem.RECEIVE_WORK:
        waiting = Deliverable.select().where((Deliverable.contract == c) & Deliverable.received_on.is_null()).count()
        if waiting:
            raise RuleError(f"Mark the {waiting} item(s) still to receive as received first.", rule="R11")
    if i.kind == CloseoutItem.LEAVE_FEEDBACK and q.feedback_window_open(c, now or end_of_day(today)):
        raise RuleError(
            f"Leave your feedback first: the window is open until {c.feedback_closes_at:%d %b %Y %H:%M} UTC."
            if c.feedback_closes_at
            else "Leave your feedback first.",
            rule="R11",
        )
    i.done_on = today
    i.note = check_note(note)
    i.save()
    _audit(c, "closeout item done", i.label)
    _settle(c)
    return i


@operation
def record_automatic_events(*, today: date | None = None) -> int:
    """R6, R8: record, in one transaction, everything the marketplace did by itself while the book
    was closed (review periods that ended, escrow refund requests left unanswered). Returns how many."""
    today = _today(today)
    events = q.overdue_automatic_events(today)
    for e in events:
        if e.kind == "auto_release":
            record_automatic_release(e.ref, today=today)
        else:
            record_escrow_refund_reply(e.ref, "no_reply", today=today)
    return len(events)


# ------------------------------------------------------------- reversal (R12)


@operation
def reverse_entry(entry, *, memo: str = "", on: date | None = None, today: date | None = None) -> LedgerEntry:
    """R12: correct a mistake with a reversal entry that names the original (never an edit)."""
    today = _when(on, today)
    e = _fresh(LedgerEntry, entry, "ledger entry")
    c = e.contract
    if e.kind == LedgerEntry.REVERSAL:
        raise RuleError("A reversal cannot itself be reversed: record the entry again instead.", rule="R12")
    returned = q.fee_returned(c) if e.kind in (LedgerEntry.FEE, LedgerEntry.FEE_REFUND) else None
    if returned is not None and e.id in (returned.id, returned.payment_id):
        raise RuleError(
            "The contract initiation fee was returned when the contract ended: withdraw the ending "
            "(recorded in error) instead.",
            rule="R3",
        )
    if not q.is_live(e):
        raise RuleError("That entry has already been reversed.", rule="R12")
    order.reversal_after_entry(e, today)
    memo = check_memo(memo)
    m = e.milestone
    if e.kind in q.FUNDING_KINDS:
        _require_active(c, "reverse a funding")
        if q.milestone_released(m):
            raise RuleError(f"Payments were released from “{m.title}”: reverse them first.", rule="R12")
    elif e.kind in LedgerEntry.PAYMENT_KINDS:
        if q.payment_refunded(e):
            raise RuleError("That payment has refunds: reverse them first.", rule="R12")
        if e.kind == LedgerEntry.RELEASE:
            _require_active(c, "reverse a payment")
    reversal = _post(c, LedgerEntry.REVERSAL, e.amount, today, reverses=e, milestone=m, memo=memo or "Reversal")
    if e.kind in q.FUNDING_KINDS:
        for fee in LedgerEntry.select().where(LedgerEntry.funding == e):
            if q.is_live(fee):
                _post(c, LedgerEntry.REVERSAL, fee.amount, today, reverses=fee, milestone=m, memo="Fee reversed")
        if not q.milestone_funded(m):
            m.state = Milestone.UNFUNDED
            m.submitted_on = m.auto_release_on = m.first_submitted_on = None
            m.save()
    elif e.kind == LedgerEntry.RELEASE:
        m.state = Milestone.SUBMITTED if m.submitted_on is not None else Milestone.ACTIVE  # its clock runs again
        m.save()
    elif e.kind == LedgerEntry.ESCROW_REFUND:
        request = (
            EscrowRefundRequest.select()
            .where((EscrowRefundRequest.contract == c) & (EscrowRefundRequest.status.in_(("approved", "no_reply"))))
            .order_by(EscrowRefundRequest.id.desc())
            .first()
        )
        if request is not None:
            request.status = EscrowRefundRequest.PENDING
            request.answered_on = None
            request.save()
    reopened = ""
    if e.dispute_id is not None:  # an outcome is reversed whole: the dispute is open again
        for other in LedgerEntry.select().where((LedgerEntry.dispute == e.dispute_id) & (LedgerEntry.id != e.id)):
            if q.is_live(other):
                _post(c, LedgerEntry.REVERSAL, other.amount, today, reverses=other, memo="Dispute outcome reversed")
        reopened = _reopen_dispute(Dispute.get_by_id(e.dispute_id))
    _audit(c, "entry reversed", f"#{e.id} {e.kind} {_money(c, e.amount)}{reopened}")
    _settle(c)
    return reversal


def _reopen_dispute(d: Dispute) -> str:
    """R8: the dispute whose outcome was reversed is open again. An outcome that came from the mediator's
    proposal accepted by both (v2) was recorded with the second acceptance: both acceptances go with it, and
    the proposal stands, each side able to accept it until its deadline (counted from the proposal, as R8
    counts it); not accepted by both by then, the dispute goes to arbitration. An outcome after arbitration
    leaves the steps as they were. Returns the words for the audit log."""
    from_proposal = (
        d.freelancer_accepted_on is not None and d.client_accepted_on is not None and d.arbitration_on is None
    )
    words = ""
    if from_proposal:
        words = (
            f"; the proposal's acceptances (the freelancer's on {d.freelancer_accepted_on:%Y-%m-%d}, yours on "
            f"{d.client_accepted_on:%Y-%m-%d}) cleared: the proposal stands, to be accepted by "
            f"{d.acceptance_due:%Y-%m-%d}"
        )
        d.freelancer_accepted_on = d.client_accepted_on = None
    d.status, d.resolved_on = Dispute.OPEN, None
    d.save()
    return words


# ----------------------------------------------------------------- CSV import


class _DryRun(Exception):
    """Rolls back an import that was only a rehearsal."""


def import_records(plan, *, dry_run: bool = False, now: datetime | None = None) -> dict[str, int]:
    """Write a checked CSV import (models.csv_io.ImportPlan): new contracts with their milestones and
    ledger, in one transaction. Each contract must then satisfy every R12 invariant, or nothing is
    imported (the message names the row of the file at fault). `dry_run` does it all and rolls it back.
    A disk that cannot take the import (full, failing, read-only) refuses it in words, the book unchanged."""
    now = utc_now(now)
    try:
        with database.atomic():
            problems = _import(plan, now)
            if problems:
                raise ImportRefused(problems)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except pw.OperationalError as exc:
        refusal = _storage_refusal(exc)
        if refusal is None:
            raise
        raise RuleError(refusal.message.replace("Nothing was recorded", "Nothing was imported"), rule="R14") from exc
    return plan.counts


def _import(plan, now: datetime) -> list[str]:
    """Rows of an ImportPlan into the book; each field of a ContractIn and a MilestoneIn is a column."""
    freelancers: dict[tuple, Freelancer] = {}
    contracts: dict[int, Contract] = {}
    rows: dict[tuple[str, int], str] = {}  # (contract, milestone or entry, its id in the book) -> "file row N"
    for c in plan.contracts:
        name, agency, email = c.freelancer
        f = freelancers.get(c.freelancer) or Freelancer.get_or_none(
            (Freelancer.name == name) & (Freelancer.agency == agency) & (Freelancer.email == email)
        )
        if f is None:
            f = Freelancer.create(name=name, agency=agency, email=email)
        freelancers[c.freelancer] = f
        fields = {k: v for k, v in asdict(c).items() if k not in ("row", "number", "freelancer")}
        contracts[c.number] = Contract.create(freelancer=f, created_at=now, **fields)
        rows[("contract", contracts[c.number].id)] = f"contracts.csv row {c.row}"
    milestones: dict[tuple[int, int], Milestone] = {}
    for m in plan.milestones:
        fields = {k: v for k, v in asdict(m).items() if k not in ("row", "contract")}
        milestones[(m.contract, m.position)] = Milestone.create(contract=contracts[m.contract], **fields)
        rows[("milestone", milestones[(m.contract, m.position)].id)] = f"milestones.csv row {m.row}"
    entries: dict[int, LedgerEntry] = {}
    for e in plan.entries:
        links = {k: entries[getattr(e, k)] for k in ("payment", "funding", "reverses") if getattr(e, k) is not None}
        if e.milestone is not None:
            links["milestone"] = milestones[(e.contract, e.milestone)]
        entries[e.number] = _post(contracts[e.contract], e.kind, e.amount, e.date, memo=e.memo, **links)
        rows[("entry", entries[e.number].id)] = f"ledger.csv row {e.row}"
    problems = []
    for e in plan.entries:  # R9 (v2): a refund through the marketplace's support carries its case, as recorded
        if e.kind != LedgerEntry.REFUND or e.payment is None:
            continue
        try:
            reference = check_support_case(e.support_case, entries[e.payment], e.date)
        except RuleError as exc:
            problems.append(f"ledger.csv row {e.row}, support_case: {exc.message}")
            continue
        if reference:
            SupportCase.create(entry=entries[e.number], reference=reference)
    for c in plan.contracts:
        contract = contracts[c.number]
        _audit(contract, "contract imported", f"from contracts.csv row {c.row}", now)
        refresh(database, contract.id)
        # What no operation could record, named by the row that holds it (the same rules as `check`).
        found = [(what, rid, words) for what, rid, _, words in consistency.findings(contract.id)]
        found += [("entry", eid, f"this {what} {wrong}.") for eid, _, what, wrong in order.order_findings(contract.id)]
        if found:
            problems += [f"{rows[(what, rid)]}: {_subject(what, words)}" for what, rid, words in found]
            continue
        found = contract_problems(contract.id)
        if found:
            problems.append(f"contracts.csv row {c.row}: contract {c.number} would not add up: {found[0]}")
    return problems


def _subject(what: str, words: str) -> str:
    """A finding of models/consistency.py as a sentence about the row: "this entry is a refund that …"."""
    return words if words.startswith("this ") else f"this {what} {words}"
