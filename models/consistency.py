"""Money no operation could record: the ledger's links, dates and the milestones' states, checked the same way
by `escrowbook check` (models/check.py `ledger_problems`, over a book or one contract, so inside every
operation too) and by the CSV import (models/ops.py `_import`, which names the file and row instead).

Each finding is (what, id, contract id, words): `what` is "entry" or "milestone", `words` finishes a sentence
whose subject is that record, in a client's words (no rule numbers: those are in the comments).

What the operations record, and so what is checked here:
- R9: a refund names one payment to the freelancer (a release or a dispute's release) of its contract; no
  other entry names a payment, but a fee refund.
- R3 (v2): a fee refund (the initiation fee returned when a contract ended with nothing released) names, by its
  `payment` link, the initiation fee entry it returns: a fee of its contract, of the same amount. Standing, it
  is the only one on its contract, on a contract that ended on its date, whose policy returns the fee, where
  the fee it returns still stands and no release stands (releases happen only before an ending).
- R3: a fee names the deposit (`fund`) it was charged on, of its contract and dated the same day; no other
  entry names a deposit. Fees come with deposits, so none is dated after the contract ended (R16).
- R12: only a reversal names an entry it reverses (the reversal itself is checked in check.py).
- R4, R5: a deposit, a funding from escrow and a release each belong to a milestone of their contract;
  a milestone named by any entry is one of its contract's.
- R16: every entry is dated within the days a book holds (fields.EARLIEST_DAY to fields.LATEST_DAY).
- R2: a contract is in a currency its policy version allows (any, under the first marketplace version and
  "Direct": books holding non-USD contracts under the first version pass).
- R10: a feedback row is in its contract's form (the policy version's `feedback_form`): under the six-category
  form, 1 to 5 stars in each category, no single rating and no private note; under the rating form, a rating of
  1 to 5, no category stars, no reason for ending and no 0-10 recommendation.
- R2, R4, R5, R7: a milestone's state agrees with its money: "unfunded" with no funding standing; "active",
  "submitted" and "closed" with one; "paid" with a release standing; "closed" only on an ended contract and
  "active" or "submitted" only on an active one (ending closes them).
- R6: work under review carries the day it was first submitted, never later than its latest submission.
"""

from __future__ import annotations

from collections.abc import Callable

from .entities import Feedback as F
from .entities import LedgerEntry as E
from .entities import Milestone as M
from .entities import database
from .fields import EARLIEST_DAY, LATEST_DAY
from .money import CURRENCY_NAME
from .policy import stored_terms
from .queries import INITIATION_FEE_MEMO
from .summary import contract_filters, kinds

_PAYMENTS = kinds(E.PAYMENT_KINDS)
_FUNDINGS = kinds(E.FUNDING_KINDS)
_IN_A_MILESTONE = kinds((E.FUND, E.FUND_FROM_ESCROW, E.RELEASE))

# One scan of the ledger; each linked entry and milestone is looked up by its primary key. The columns, the links
# and the condition are also read by the one pass over the ledger models/check.py makes over a book.
ENTRY_COLUMNS = """e.id, e.contract_id, e.kind, e.date, c.ended_on, e.payment_id, p.kind, p.contract_id,
       e.funding_id, f.kind, f.contract_id, f.date, e.reverses_id, e.milestone_id, m.contract_id"""
ENTRY_LINKS = """LEFT JOIN ledger_entry p ON p.id = e.payment_id
LEFT JOIN ledger_entry f ON f.id = e.funding_id
LEFT JOIN milestone m ON m.id = e.milestone_id"""
# Each condition asks first what is rare (a link, a kind), so that most entries are done with after one test; dates
# are compared as they are stored (`+`: a date column's numeric affinity would try each date as a number first).
ENTRY_WRONG = f"""(e.kind = 'refund' AND (p.id IS NULL OR p.kind NOT IN {_PAYMENTS} OR p.contract_id != e.contract_id))
    OR (e.payment_id IS NOT NULL AND e.kind NOT IN ('refund', 'fee_refund'))
    OR (e.kind = 'fee' AND (f.id IS NULL OR f.kind != 'fund' OR f.contract_id != e.contract_id
                            OR +f.date != +e.date OR (c.ended_on IS NOT NULL AND +e.date > +c.ended_on)))
    OR (e.funding_id IS NOT NULL AND e.kind != 'fee')
    OR (e.reverses_id IS NOT NULL AND e.kind != 'reversal')
    OR (e.milestone_id IS NULL AND e.kind IN {_IN_A_MILESTONE})
    OR (e.milestone_id IS NOT NULL AND (m.id IS NULL OR m.contract_id != e.contract_id))
    OR +e.date NOT BETWEEN '{EARLIEST_DAY.isoformat()}' AND '{LATEST_DAY.isoformat()}'"""
_ENTRIES = f"""
SELECT {ENTRY_COLUMNS}
FROM ledger_entry e JOIN contract c ON c.id = e.contract_id
{ENTRY_LINKS}
WHERE ({ENTRY_WRONG}
) {{where_e}}
LIMIT {{limit}}
"""

# Each milestone's state beside what its live entries say: the milestones with entries from one pass over the
# ledger grouped by milestone (then looked up by primary key), those with none from one scan of the milestones
# (each probing the ledger's milestone index). Together they read no more than the R12 per-milestone check.
_MILESTONE_STATES = """
    (m.state = 'unfunded' AND s.funded > 0)
    OR (m.state IN ('active', 'submitted', 'closed') AND s.funded = 0)
    OR (m.state = 'paid' AND s.released = 0)
    OR (m.state IN ('active', 'submitted') AND c.status != 'active')
    OR (m.state = 'closed' AND c.status = 'active')
"""
_MILESTONES = (
    f"""
SELECT m.id, m.contract_id, m.state, c.status, s.funded, s.released
FROM (
    SELECT e.milestone_id AS id, SUM(e.kind IN {_FUNDINGS}) AS funded, SUM(e.kind = 'release') AS released
    FROM live_entry e WHERE e.milestone_id IS NOT NULL {{where_e}}
    GROUP BY e.milestone_id
) s JOIN milestone m ON m.id = s.id JOIN contract c ON c.id = m.contract_id
WHERE ({_MILESTONE_STATES}) {{where_m}}
LIMIT {{limit}}
""",
    f"""
SELECT m.id, m.contract_id, m.state, c.status, 0, 0
FROM milestone m JOIN contract c ON c.id = m.contract_id
WHERE m.state != 'unfunded' {{where_m}}
  AND NOT EXISTS (SELECT 1 FROM live_entry e WHERE e.milestone_id = m.id)
  AND ({_MILESTONE_STATES.replace("s.funded", "0").replace("s.released", "0")})
LIMIT {{limit}}
""",
)


# R6: work under review was first submitted on some day, never after its latest submission.
SUBMISSION_WRONG = """(m.state = 'submitted' AND m.first_submitted_on IS NULL)
    OR (m.first_submitted_on IS NOT NULL AND m.submitted_on IS NOT NULL AND m.first_submitted_on > m.submitted_on)"""
_SUBMISSIONS = f"""
SELECT m.id, m.contract_id, m.first_submitted_on, m.submitted_on
FROM milestone m
WHERE ({SUBMISSION_WRONG})
  {{where_m}}
LIMIT {{limit}}
"""


def _submission_words(row: tuple) -> list[str]:
    _, _, first, latest = row
    if first is None:
        return ["is under review, but the day its work was first submitted is missing."]
    return [f"says its work was first submitted on {first}, after it was last submitted ({latest})."]


def _entry_words(row: tuple) -> list[str]:
    (_, cid, kind, day, ended_on, payment, p_kind, p_contract, funding, f_kind, f_contract, f_date, reverses,
     milestone, m_contract) = row  # fmt: skip
    out = []
    if kind == E.REFUND and (p_kind is None or p_kind not in E.PAYMENT_KINDS or p_contract != cid):  # R9
        named = "names no payment" if payment is None else "names an entry that is not one"
        out.append(f"is a refund that is not against a payment to the freelancer on this contract (it {named}).")
    if kind not in (E.REFUND, E.FEE_REFUND) and payment is not None:  # R9
        out.append("names a payment, but only a refund names a payment.")
    if kind == E.FEE:  # R3, R16
        if f_kind != E.FUND or f_contract != cid:
            out.append("is a fee that is not linked to the deposit it was charged on.")
        elif f_date != day:
            out.append(f"is a fee dated {day}, but the deposit it was charged on is dated {f_date}.")
        if ended_on is not None and day > ended_on:
            out.append(f"is a fee dated {day}, after the contract ended ({ended_on}).")
    if kind != E.FEE and funding is not None:  # R3
        out.append("names a deposit, but only a fee names the deposit it was charged on.")
    if kind != E.REVERSAL and reverses is not None:  # R12
        out.append("names an entry it reverses, but it is not a reversal.")
    if kind in (E.FUND, E.FUND_FROM_ESCROW, E.RELEASE) and milestone is None:  # R4, R5
        what = "payment" if kind == E.RELEASE else "funding"
        out.append(f"is a {what} that is not from a milestone: money in escrow is held and paid by milestone.")
    if milestone is not None and m_contract != cid:
        out.append("names a milestone that is not one of its contract's milestones.")
    if str(day) > LATEST_DAY.isoformat() or str(day) < EARLIEST_DAY.isoformat():  # R16
        out.append(f"is dated {day}, beyond the days a book holds (check the year).")
    return out


_STATE_WORDS = {
    "unfunded": "is marked unfunded, but it was funded (a funding of it stands).",
    "no_funding": "is marked funded, but no funding of it stands.",
    "paid": "is marked paid, but nothing was released from it.",
    "open_on_ended": "still holds escrow as active, but the contract has ended (an ending closes its milestones).",
    "closed_on_active": "is marked closed, but the contract has not ended.",
}


def _milestone_words(row: tuple) -> list[str]:
    _, _, state, status, funded, released = row
    out = []
    if state == M.UNFUNDED and funded:  # R2, R3
        out.append(_STATE_WORDS["unfunded"])
    if state in (M.ACTIVE, M.SUBMITTED, M.CLOSED) and not funded:  # R4
        out.append(_STATE_WORDS["no_funding"])
    if state == M.PAID and not released:  # R5
        out.append(_STATE_WORDS["paid"])
    if state in M.OPEN_STATES and status != "active":  # R7
        out.append(_STATE_WORDS["open_on_ended"])
    if state == M.CLOSED and status == "active":  # R7
        out.append(_STATE_WORDS["closed_on_active"])
    return out


def _currency_findings(where_c: str, run: Callable, limit: int) -> list[tuple]:
    """R2: the contracts in a currency their policy version does not allow. Only versions that name their
    currencies are looked at (a few rows), then only their contracts (the contract's policy index)."""
    out: list[tuple] = []
    for pid, name, since, source, minimum in run(
        "SELECT id, name, effective_from, source, milestone_minimum FROM policy ORDER BY id"
    ).fetchall():
        allowed = stored_terms(source, minimum).currencies
        if allowed is None:
            continue
        marks = ", ".join("?" * len(allowed))
        rows = run(
            f"SELECT c.id, c.currency FROM contract c WHERE c.policy_id = ? AND c.currency NOT IN ({marks}) "
            f"{where_c} LIMIT {int(limit)}",
            (pid, *allowed),
        ).fetchall()
        names = " or ".join(CURRENCY_NAME.get(code, code) for code in allowed)
        for cid, currency in rows:
            words = (
                f"is in {currency}, but its policy “{name}” (the version in force from {since}) allows {names} only."
            )
            out.append(("contract", cid, cid, words))
    return out


_STARS_OK = " AND ".join(f"COALESCE(f.{c} BETWEEN 1 AND 5, 0)" for c in F.CATEGORIES)
_NO_STARS = " AND ".join(f"f.{c} IS NULL" for c in F.CATEGORIES)
# Feedback not in its contract's form; {rating_policies}: the policy versions whose form is the single rating.
_FEEDBACK = f"""
SELECT f.id, f.contract_id, c.policy_id IN ({{rating_policies}}) FROM feedback f JOIN contract c ON c.id = f.contract_id
WHERE CASE WHEN c.policy_id IN ({{rating_policies}})
    THEN NOT (COALESCE(f.rating BETWEEN 1 AND 5, 0) AND {_NO_STARS} AND f.private_reason = '' AND f.recommend IS NULL)
    ELSE NOT ({_STARS_OK} AND f.rating IS NULL AND f.private_note = '')
END {{where_f}}
LIMIT {{limit}}
"""
_FEEDBACK_WORDS = {
    False: "is not in its contract's form: six categories of 1 to 5 stars (no single rating, no private note).",
    True: "is not in its contract's form: one rating of 1 to 5 stars (no category stars, no reason for ending or "
    "0 to 10 recommendation).",
}


def _form(source: str, minimum: str | None) -> str:
    """The feedback form a stored policy version names; one whose text cannot be read (a book is untrusted
    input) names none, so its contracts are held to the first form, the one every version had before
    (policy.stored_terms)."""
    return stored_terms(source, minimum).feedback_form


def _rating_policies(run: Callable) -> str:
    """The ids of the policy versions whose feedback form is the single rating, as SQL ("NULL": none)."""
    ids = [
        str(int(pid))
        for pid, source, minimum in run("SELECT id, source, milestone_minimum FROM policy").fetchall()
        if _form(source, minimum) == F.RATING_FORM
    ]
    return ", ".join(ids) or "NULL"


# R3 (v2): every fee refund, with the fee it names and what its contract says (there are few: one per contract
# at most, on contracts that ended with nothing released).
_FEE_REFUNDS = """
SELECT e.id, e.contract_id, e.date, e.amount, c.ended_on, p.source, p.milestone_minimum,
       f.kind, f.contract_id, f.amount, f.memo,
       EXISTS (SELECT 1 FROM ledger_entry r WHERE r.reverses_id = e.id) AS reversed,
       EXISTS (SELECT 1 FROM ledger_entry r WHERE r.reverses_id = f.id) AS fee_reversed,
       (SELECT COUNT(*) FROM live_entry o WHERE o.contract_id = e.contract_id AND o.kind = 'fee_refund') AS standing,
       EXISTS (SELECT 1 FROM live_entry o WHERE o.contract_id = e.contract_id AND o.kind IN {paid}) AS released
FROM ledger_entry e JOIN contract c ON c.id = e.contract_id JOIN policy p ON p.id = c.policy_id
LEFT JOIN ledger_entry f ON f.id = e.payment_id
WHERE e.kind = 'fee_refund' {where_e}
"""


def _returns_fee(source: str, minimum: str | None) -> bool:
    return stored_terms(source, minimum).initiation_fee_returned


def _fee_refund_words(row: tuple) -> list[str]:
    (_, cid, day, amount, ended_on, source, minimum, f_kind, f_contract, f_amount, f_memo, reversed_, fee_reversed,
     standing, released) = row  # fmt: skip
    out = []
    if f_kind != E.FEE or f_contract != cid or f_memo != INITIATION_FEE_MEMO:
        out.append("is a returned initiation fee that does not name the initiation fee it returns.")
    elif f_amount != amount:
        out.append("is a returned initiation fee of another amount than the fee it returns.")
    if reversed_:
        return out
    if not _returns_fee(source, minimum):
        out.append("is a returned initiation fee, but this contract's policy does not return it.")
    if ended_on is None or str(day) != str(ended_on):
        out.append("is a returned initiation fee, but it is not dated the day the contract ended.")
    if standing > 1:
        out.append("is a returned initiation fee, but another one stands on this contract.")
    if fee_reversed:
        out.append("is a returned initiation fee, but the fee it returns was reversed.")
    if released:
        out.append("is a returned initiation fee, but payments were released on this contract.")
    return out


def _database(sql: str, params=()):
    return database.execute_sql(sql, params)


# R9: refunds out of their payment's window: after the last self-service day without a support case (v2: until the
# support tier's last day), after the support tier's, or with a support case on a self-service day; and a support
# case beside an entry that is not a refund. Days are counted from the payment's date to the refund's.
_REFUND_WINDOWS = """
SELECT f.id, f.contract_id, f.kind, CAST(julianday(f.date) - julianday(p.date) AS INTEGER) AS days,
       pol.refund_window_days, pol.support_refund_days, s.reference IS NOT NULL AS with_case
FROM support_case s JOIN ledger_entry f ON f.id = s.entry_id
LEFT JOIN ledger_entry p ON p.id = f.payment_id JOIN contract c ON c.id = f.contract_id
JOIN policy pol ON pol.id = c.policy_id
WHERE 1 {where_f}
UNION
SELECT f.id, f.contract_id, f.kind, CAST(julianday(f.date) - julianday(p.date) AS INTEGER),
       pol.refund_window_days, pol.support_refund_days, s.reference IS NOT NULL
FROM live_entry f JOIN ledger_entry p ON p.id = f.payment_id JOIN contract c ON c.id = f.contract_id
JOIN policy pol ON pol.id = c.policy_id LEFT JOIN support_case s ON s.entry_id = f.id
WHERE f.kind = 'refund' AND pol.refund_window_days IS NOT NULL
  AND julianday(f.date) - julianday(p.date) > pol.refund_window_days {where_f}
LIMIT {limit}
"""


def _refund_window_words(row: tuple) -> list[str]:
    _, _, kind, days, window, support, with_case = row
    if kind != E.REFUND:
        return ["has a support case, but only a refund is made through the marketplace's support."]
    if window is None or days is None:
        return []
    if days > (support or window):
        return [f"is a refund {days} days after its payment, when refunds end after day {support or window}."]
    if days > window and not with_case:
        return [f"is a refund {days} days after its payment, made through the marketplace's support, without its case."]
    if days <= window and with_case:
        return [f"is a refund {days} days after its payment with a support case, when it was made without support."]
    return []


# What _MILESTONES ask, over the counts of a milestone's live fundings and releases (`s.n_funded`, `s.n_released`)
# that a caller's own pass over the milestones says (models/check.py reads R12's per-milestone sums in that pass).
MILESTONE_STATES = _MILESTONE_STATES.replace("s.funded", "s.n_funded").replace("s.released", "s.n_released")


def findings(
    contract_id: int | None = None,
    run: Callable = _database,
    limit: int = 50,
    milestones: list[tuple] | None = None,
    entries: list[tuple] | None = None,
    submissions: list[tuple] | None = None,
) -> list[tuple]:
    """(what, id, contract id, words) for every entry, milestone and contract no operation could have left so.

    When the caller has read them already in its own passes (models/check.py), `entries`: the rows of _ENTRIES
    (ENTRY_COLUMNS, ENTRY_WRONG); `milestones`: the rows of both of _MILESTONES (milestone, contract, state,
    status, fundings, releases: MILESTONE_STATES); `submissions`: the rows of _SUBMISSIONS."""
    w = contract_filters(contract_id)
    out: list[tuple] = []
    if entries is None:
        entries = run(_ENTRIES.format(where_e=w["where_e"], limit=int(limit))).fetchall()
    for row in entries[: int(limit)]:
        out += [("entry", row[0], row[1], words) for words in _entry_words(row)]
    paid = "(" + ", ".join(f"'{k}'" for k in E.PAYMENT_KINDS) + ")"
    for row in run(_FEE_REFUNDS.format(where_e=w["where_e"], paid=paid)).fetchall():
        out += [("entry", row[0], row[1], words) for words in _fee_refund_words(row)]
    if milestones is None:
        milestones = [
            row
            for sql in _MILESTONES
            for row in run(sql.format(where_e=w["where_e"], where_m=w["where_m"], limit=int(limit))).fetchall()
        ]
    for row in milestones[: 2 * int(limit)]:
        out += [("milestone", row[0], row[1], words) for words in _milestone_words(row)]
    out += _currency_findings(w["where_c"], run, limit)
    for row in run(_REFUND_WINDOWS.format(where_f=w["where_f"], limit=int(limit))).fetchall():
        out += [("entry", row[0], row[1], words) for words in _refund_window_words(row)]
    if submissions is None:
        submissions = run(_SUBMISSIONS.format(where_m=w["where_m"], limit=int(limit))).fetchall()
    for row in submissions[: int(limit)]:
        out += [("milestone", row[0], row[1], words) for words in _submission_words(row)]
    feedback = _FEEDBACK.format(rating_policies=_rating_policies(run), where_f=w["where_f"], limit=int(limit))
    out += [("feedback", fid, cid, _FEEDBACK_WORDS[bool(rating)]) for fid, cid, rating in run(feedback).fetchall()]
    return out[:limit]


def problems(contract_id: int | None = None, run: Callable = _database, limit: int = 50, **scanned) -> list[str]:
    """The findings as `escrowbook check` reports them: "entry #12 of contract #3 is a refund that …" (`scanned`:
    the rows the caller has already, as findings takes them)."""
    return [
        f"contract #{cid} {words}" if what == "contract" else f"{what} #{rid} of contract #{cid} {words}"
        for what, rid, cid, words in findings(contract_id, run, limit, **scanned)
    ]
