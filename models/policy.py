"""R13 Policies as data: TOML files in resources/policies/, read with tomllib.

A book keeps its own copy (a `Policy` row) of every policy version it has used,
so a later file never rewrites what was recorded under an earlier one.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from datetime import date

from .entities import Policy
from .errors import RuleError
from .resources import resource

CLOCK_KEYS = (
    "review_days",
    "escrow_refund_reply_days",
    "dispute_answer_business_days",
    "mediation_days",
    "refund_window_days",
    "feedback_window_days",
    "dormant_after_days",  # R15 (v2)
    "support_refund_days",
)


@dataclass(frozen=True)
class PolicyFile:
    key: str
    name: str
    effective_from: date
    fields: dict
    source: str


def load_policy_files() -> list[PolicyFile]:
    """Every policy shipped in resources/policies/, sorted by key."""
    out = []
    for path in sorted(resource("policies").glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
        clocks = data.get("clocks", {})
        fees = data.get("fees", {})
        fields = {
            "name": data["name"],
            "milestone_minimum": data.get("milestones", {}).get("minimum"),
            "fee_rate": str(fees.get("rate", "0")),
            "initiation_fee": str(fees.get("contract_initiation", "0")),
            **{k: clocks.get(k) for k in CLOCK_KEYS},
        }
        out.append(PolicyFile(data["key"], data["name"], data["effective_from"], fields, text))
    return out


@dataclass(frozen=True)
class Terms:
    """What a policy version says beyond the numbers every version has (the Policy row's columns), read from
    the copy of its TOML file the book keeps (`Policy.source`). A version that does not name one of these
    (the first marketplace version, "Direct") gets the value that version meant: any currency, one
    minimum for every currency, a fixed initiation fee never returned, no support refunds, no dormancy, the
    six-category feedback form, no net minimum for feedback. (The day counts the deadlines' SQL needs are also
    the version's `Policy` columns, copied from the same file: `support_refund_days`, `dormant_after_days`.)"""

    currencies: tuple[str, ...] | None = None  # R2: the currencies allowed (None: any ISO 4217 currency)
    minimums: dict[str, str] = field(default_factory=dict)  # R2: currency -> minimum, major units ("*": any)
    initiation_fee_range: tuple[str, str] | None = None  # R3: (lowest, highest) per contract, in US dollars
    initiation_fee_returned: bool = False  # R3: returned when a contract ends with nothing released
    support_refund_days: int | None = None  # R9: refunds through the marketplace's support up to this day
    dormant_after_days: int | None = None  # R15
    mediation_proposal_days: int | None = None  # R8 (v2)
    mediation_acceptance_days: int | None = None  # R8 (v2)
    feedback_form: str = "categories"  # R10: "categories" (v1) or "rating" (v2)
    feedback_minimum_net: str | None = None  # R10 (v2): feedback shown only when the contract netted this much
    # R11: days after the ending before open closeout items are overdue (a version that does not name it: the
    # week every version meant)
    closeout_grace_days: int = 7

    def minimum(self, currency: str) -> str | None:
        """The milestone minimum in `currency`, as text in major units (None: no minimum)."""
        return self.minimums.get(currency, self.minimums.get("*"))

    def allows(self, currency: str) -> bool:
        return self.currencies is None or currency in self.currencies


def read_terms(source: str, milestone_minimum: str | None = None) -> Terms:
    """The Terms of a policy version, from its TOML text."""
    data = tomllib.loads(source)
    fees, clocks = data.get("fees", {}), data.get("clocks", {})
    allowed = data.get("currencies", {}).get("allowed")
    minimums = {str(k): str(v) for k, v in data.get("milestones", {}).get("minimums", {}).items()}
    if not minimums and milestone_minimum is not None:
        minimums = {"*": str(milestone_minimum)}  # one minimum, in whatever currency the contract is in
    low, high = fees.get("contract_initiation_min"), fees.get("contract_initiation_max")
    return Terms(
        currencies=None if allowed is None else tuple(str(c) for c in allowed),
        minimums=minimums,
        initiation_fee_range=None if low is None or high is None else (str(low), str(high)),
        initiation_fee_returned=bool(fees.get("contract_initiation_returned", False)),
        support_refund_days=clocks.get("support_refund_days"),
        dormant_after_days=clocks.get("dormant_after_days"),
        mediation_proposal_days=clocks.get("mediation_proposal_days"),
        mediation_acceptance_days=clocks.get("mediation_acceptance_days"),
        feedback_form=str(data.get("feedback", {}).get("form", "categories")),
        feedback_minimum_net=data.get("feedback", {}).get("minimum_net"),
        closeout_grace_days=int(clocks.get("closeout_grace_days", 7)),
    )


@functools.lru_cache(maxsize=64)
def _terms(source: str, milestone_minimum: str | None) -> Terms:
    """Read once per version. A stored text that cannot be read (a book is untrusted input: someone edited it)
    gives what every version had before the second: the first version's terms, never a traceback."""
    try:
        return read_terms(source, milestone_minimum)
    except (tomllib.TOMLDecodeError, TypeError, ValueError, AttributeError):
        return Terms(minimums={} if milestone_minimum is None else {"*": str(milestone_minimum)})


def terms(policy: Policy) -> Terms:
    """The Terms of a policy version the book holds (read once per version)."""
    return _terms(policy.source, policy.milestone_minimum)


def stored_terms(source: str, milestone_minimum: str | None = None) -> Terms:
    """The Terms of a policy version from its row's `source` and `milestone_minimum` columns, as a query
    reads them (read once per version)."""
    return _terms(source, milestone_minimum)


def missing_policies() -> list:
    """The shipped policy versions the open book does not hold yet (one read)."""
    held = {(key, str(day)) for key, day in Policy.select(Policy.key, Policy.effective_from).tuples()}
    return [pf for pf in load_policy_files() if (pf.key, str(pf.effective_from)) not in held]


def sync_policies() -> None:
    """Copy into the open book any shipped policy version it does not hold yet."""
    for pf in missing_policies():
        Policy.create(key=pf.key, effective_from=pf.effective_from, source=pf.source, **pf.fields)


def policy_for(key: str, on: date) -> Policy:
    """The version of policy `key` in effect on `on` (the latest that took effect by then)."""
    row = (
        Policy.select()
        .where((Policy.key == key) & (Policy.effective_from <= on))
        .order_by(Policy.effective_from.desc())
        .first()
    )
    if row is None:
        row = Policy.select().where(Policy.key == key).order_by(Policy.effective_from).first()
    if row is None:
        raise RuleError(f"There is no policy called “{key}”.", rule="R13", field="policy")
    return row
