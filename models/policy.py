"""R13 Policies as data: TOML files in resources/policies/, read with tomllib.

A book keeps its own copy (a `Policy` row) of every policy version it has used,
so a later file never rewrites what was recorded under an earlier one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
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


def sync_policies() -> None:
    """Copy into the open book any shipped policy version it does not hold yet."""
    for pf in load_policy_files():
        exists = Policy.select().where((Policy.key == pf.key) & (Policy.effective_from == pf.effective_from)).exists()
        if not exists:
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
