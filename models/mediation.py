"""R8, second marketplace version: the steps of a dispute the client declined, each dated the day it happened.

Once both sides have sent their evidence, the mediator proposes a split within the policy's days
(`mediation_proposal_days`); each side has the policy's days from the proposal (`mediation_acceptance_days`) to
accept it. Accepted by both, the proposal is the outcome (recorded with the second acceptance, as
`ops.resolve_dispute` records any outcome). Not accepted by both, the dispute goes to arbitration, whose
outcome is recorded when it comes (`ops.resolve_dispute`). Each step is a clock in "needs attention"
(models/summary.py); each step comes on or after the one before it (R16). Disputes under the first version
(mediation of at most 30 days) have none of these steps.
"""

from __future__ import annotations

from datetime import date, timedelta

from . import order
from .entities import Dispute
from .errors import RuleError
from .ops import _audit, _fresh, _money, _settle, _when, check_split, operation, resolve_dispute
from .order import day_text
from .policy import Terms, terms

FREELANCER = "freelancer"
CLIENT = "client"


def has_steps(dispute: Dispute) -> bool:
    """Whether the dispute's contract is under a policy whose mediation has these steps."""
    return terms(dispute.contract.policy).mediation_proposal_days is not None


def _open(dispute) -> tuple[Dispute, Terms]:
    d = _fresh(Dispute, dispute, "dispute")
    if d.status != Dispute.OPEN:
        raise RuleError("That dispute is already resolved.", rule="R8")
    t = terms(d.contract.policy)
    if t.mediation_proposal_days is None or t.mediation_acceptance_days is None:
        raise RuleError(
            "Mediation under this contract's policy has no proposal to accept: record the dispute's outcome "
            "when mediation ends.",
            rule="R8",
        )
    return d, t


@operation
def record_evidence_sent(dispute, *, on: date | None = None, today: date | None = None) -> Dispute:
    """Both sides have sent their evidence (the later of the two on `on`): the mediator's proposal is due."""
    today = _when(on, today)
    d, t = _open(dispute)
    if d.answered_on is None:
        raise RuleError("Record your answer to the dispute first: mediation starts when you decline it.", rule="R8")
    if d.evidence_sent_on is not None:
        raise RuleError(f"The evidence is already recorded as sent on {day_text(d.evidence_sent_on)}.", rule="R8")
    order.not_before(today, d.answered_on, "your answer to the dispute")
    d.evidence_sent_on = today
    d.proposal_due = today + timedelta(days=t.mediation_proposal_days)
    d.save()
    _audit(d.contract, "dispute evidence sent", f"proposal due by {d.proposal_due:%Y-%m-%d}")
    _settle(d.contract)
    return d


@operation
def record_mediation_proposal(
    dispute, *, to_freelancer: int, to_client: int, on: date | None = None, today: date | None = None
) -> Dispute:
    """The mediator proposed a split on `on` (the two parts making exactly the disputed amount): each side
    has the policy's days to accept it."""
    today = _when(on, today)
    d, t = _open(dispute)
    if d.evidence_sent_on is None:
        raise RuleError("The mediator proposes once both sides have sent their evidence: record that first.", rule="R8")
    if d.proposed_on is not None:
        raise RuleError(f"The mediator's proposal is already recorded, on {day_text(d.proposed_on)}.", rule="R8")
    check_split(d, to_freelancer, to_client)
    order.not_before(today, d.evidence_sent_on, "the evidence sent by both sides")
    d.proposed_on = today
    d.proposal_release, d.proposal_refund = to_freelancer, to_client
    d.acceptance_due = today + timedelta(days=t.mediation_acceptance_days)
    d.save()
    c = d.contract
    _audit(c, "mediator's proposal", f"{_money(c, to_freelancer)} to the freelancer, {_money(c, to_client)} to you")
    _settle(c)
    return d


@operation
def record_proposal_acceptance(dispute, side: str, *, on: date | None = None, today: date | None = None) -> Dispute:
    """One side (`"freelancer"` or `"client"`) accepted the mediator's proposal on `on`, within the policy's
    days of it. Accepted by both, the proposal is the dispute's outcome, dated the second acceptance."""
    today = _when(on, today)
    d, _t = _open(dispute)
    if side not in (FREELANCER, CLIENT):
        raise RuleError(f"Unknown side “{side}”.", rule="R8", field="side")
    if d.proposed_on is None:
        raise RuleError("No proposal from the mediator is recorded yet.", rule="R8")
    if d.arbitration_on is not None:
        raise RuleError(f"The dispute went to arbitration on {day_text(d.arbitration_on)}.", rule="R8")
    field = f"{side}_accepted_on"
    who = "The freelancer" if side == FREELANCER else "You"
    if getattr(d, field) is not None:
        raise RuleError(f"{who} already accepted the proposal on {day_text(getattr(d, field))}.", rule="R8")
    order.not_before(today, d.proposed_on, "the mediator's proposal")
    if today > d.acceptance_due:
        raise RuleError(
            f"The proposal could be accepted until {day_text(d.acceptance_due)}. Not accepted by both by then, "
            "the dispute goes to arbitration: record that instead.",
            rule="R8",
        )
    setattr(d, field, today)
    d.save()
    _audit(d.contract, f"proposal accepted by the {side}")
    if d.freelancer_accepted_on is not None and d.client_accepted_on is not None:
        resolve_dispute(d, to_freelancer=d.proposal_release, to_client=d.proposal_refund, on=today, today=today)
        return Dispute.get_by_id(d.id)
    _settle(d.contract)
    return d


@operation
def record_arbitration(dispute, *, on: date | None = None, today: date | None = None) -> Dispute:
    """The proposal was not accepted by both: the dispute went to arbitration on `on`; its outcome is recorded
    when it comes (ops.resolve_dispute)."""
    today = _when(on, today)
    d, _t = _open(dispute)
    if d.proposed_on is None:
        raise RuleError("A dispute goes to arbitration when the mediator's proposal is not accepted.", rule="R8")
    if d.arbitration_on is not None:
        raise RuleError(f"The dispute already went to arbitration on {day_text(d.arbitration_on)}.", rule="R8")
    order.after_dispute_steps(d, today)
    d.arbitration_on = today
    d.save()
    _audit(d.contract, "dispute went to arbitration")
    _settle(d.contract)
    return d
