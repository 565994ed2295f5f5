"""Corrections (RULES.md "Corrections"; R6, R7, R8, R10, R11): every record that is not money can be withdrawn
as recorded in error, with a reason; the original stays in the audit log; nothing is deleted."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from models import corrections, ops, queries
from models.check import check_book
from models.entities import AuditLog, CloseoutItem, Contract, EscrowRefundRequest, Feedback, Milestone
from models.errors import RuleError

from ..conftest import START
from .rules import STARS, exact, fresh, funded_milestone, item, reload

NOW = datetime(2026, 3, 20, 10, 0)
TODAY = date(2026, 3, 20)


def audit(contract) -> list[tuple[str, str]]:
    return [(a.action, a.detail) for a in AuditLog.select().where(AuditLog.contract == contract).order_by(AuditLog.id)]


def last_audit(contract) -> tuple[str, str]:
    return audit(contract)[-1]


def test_a_reason_is_required(contract, unchanged):
    m = funded_milestone(contract, today=START)
    ops.submit_work(m, today=START)
    with unchanged(), pytest.raises(RuleError, match="Enter a reason") as e:
        corrections.withdraw_submission(m, reason="  ", now=NOW)
    assert e.value.field == "reason"


# ---------------------------------------------------------------- R7 ending


def test_r7_withdrawing_an_ending_reopens_the_contract_and_withdraws_its_escrow_refund_request(contract):
    m = funded_milestone(contract, 50_000, today=START)
    request = ops.end_contract(contract, agreed=True, request_escrow_refund=True, reason="Done", today=date(2026, 3, 5))
    corrections.withdraw_ending(contract, reason="Ended the wrong contract", now=NOW)
    c = reload(contract)
    assert (c.status, c.ended_on, c.feedback_closes_at) == (Contract.ACTIVE, None, None)
    assert EscrowRefundRequest.get_by_id(request.id).status == EscrowRefundRequest.WITHDRAWN
    assert fresh(m).state == Milestone.ACTIVE
    assert queries.milestone_escrow(fresh(m)) == 50_000
    assert last_audit(contract) == (
        "ending recorded in error",
        "ended on 2026-03-05 (Done); its escrow refund request withdrawn. Why: Ended the wrong contract",
    )
    assert check_book() == []
    # ... and it can be ended again, its closeout checklist kept rather than doubled
    ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=TODAY)
    assert CloseoutItem.select().where(CloseoutItem.contract == contract).count() == 4
    assert check_book() == []


def test_r7_withdrawing_an_ending_puts_work_under_review_back_under_review(contract):
    m = funded_milestone(contract, 50_000, today=START)
    ops.submit_work(m, today=date(2026, 3, 2))
    ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=date(2026, 3, 5))
    corrections.withdraw_ending(contract, reason="Not ended yet", now=NOW)
    assert (fresh(m).state, fresh(m).auto_release_on) == (Milestone.SUBMITTED, date(2026, 3, 16))


def test_r7_an_ending_whose_escrow_refund_was_answered_cannot_be_withdrawn(contract, unchanged):
    funded_milestone(contract, 50_000, today=START)
    request = ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=date(2026, 3, 5))
    ops.record_escrow_refund_reply(request, "approved", today=date(2026, 3, 6))
    with unchanged(), pytest.raises(RuleError, match="withdraw that answer first"):
        corrections.withdraw_ending(contract, reason="Oops", now=NOW)


def test_r7_an_ending_with_sealed_feedback_cannot_be_withdrawn(contract, unchanged):
    ops.end_contract(contract, agreed=True, today=date(2026, 3, 5))
    ops.submit_feedback(contract, STARS, now=datetime(2026, 3, 6, 9))
    with unchanged(), pytest.raises(RuleError, match="submitted and sealed"):
        corrections.withdraw_ending(contract, reason="Oops", now=NOW)


def test_r7_an_active_contract_has_no_ending_to_withdraw(contract, unchanged):
    with unchanged(), pytest.raises(RuleError, match=exact("“Logo redesign” has not ended.")):
        corrections.withdraw_ending(contract, reason="Oops", now=NOW)


# ---------------------------------------------------------------- R6 work submitted


def test_r6_withdrawing_work_submitted_stops_the_review_clock(contract):
    m = funded_milestone(contract, today=START)
    ops.submit_work(m, today=date(2026, 3, 2))
    corrections.withdraw_submission(m, reason="It was another milestone", now=NOW)
    assert (fresh(m).state, fresh(m).submitted_on, fresh(m).auto_release_on) == (Milestone.ACTIVE, None, None)
    assert last_audit(contract) == (
        "work submitted recorded in error",
        "Draft: submitted on 2026-03-02, automatic release on 2026-03-16. Why: It was another milestone",
    )
    assert queries.overdue_automatic_events(date(2026, 4, 1)) == []


def test_r6_withdrawing_a_request_for_changes_restores_the_review_period(contract):
    m = funded_milestone(contract, today=START)
    ops.submit_work(m, today=date(2026, 3, 2))
    ops.request_changes(m, today=date(2026, 3, 4))
    corrections.withdraw_change_request(m, submitted_on=date(2026, 3, 2), reason="Approved it, in fact", today=TODAY)
    assert (fresh(m).state, fresh(m).auto_release_on) == (Milestone.SUBMITTED, date(2026, 3, 16))


# ---------------------------------------------------------------- R8 answers


def test_r8_withdrawing_a_dispute_leaves_the_request_waiting_for_an_answer(contract):
    funded_milestone(contract, 50_000, today=START)
    request = ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=date(2026, 3, 5))
    ops.record_escrow_refund_reply(request, "disputed", today=date(2026, 3, 6))
    corrections.withdraw_dispute(request, reason="They approved", now=NOW)
    assert EscrowRefundRequest.get_by_id(request.id).status == EscrowRefundRequest.PENDING
    entry = ops.record_escrow_refund_reply(request, "approved", today=date(2026, 3, 7))
    assert entry.amount == 50_000
    assert check_book() == []


def test_r8_a_dispute_recorded_again_after_withdrawal_opens_again(contract):
    funded_milestone(contract, 50_000, today=START)
    request = ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=date(2026, 3, 5))
    ops.record_escrow_refund_reply(request, "disputed", today=date(2026, 3, 6))
    corrections.withdraw_dispute(request, reason="Wrong day", now=NOW)
    dispute = ops.record_escrow_refund_reply(request, "disputed", today=date(2026, 3, 7))
    assert (dispute.status, dispute.opened_on) == ("open", date(2026, 3, 7))


# ---------------------------------------------------------------- R11 closeout


def test_r11_unticking_a_closeout_item_opens_it_again(contract):
    ops.end_contract(contract, agreed=True, today=date(2026, 3, 5))
    done = ops.complete_closeout_item(item(contract, CloseoutItem.REMIND_PROPERTY), note="By email", today=TODAY)
    corrections.untick_closeout_item(done, reason="Not sent yet", now=NOW)
    assert CloseoutItem.get_by_id(done.id).done_on is None
    assert last_audit(contract) == (
        "closeout tick recorded in error",
        "Remind the freelancer to remove your property from their equipment: done on 2026-03-20 (By email). "
        "Why: Not sent yet",
    )


def test_r11_the_feedback_item_stays_done_once_your_feedback_is_sealed(contract, unchanged):
    ops.end_contract(contract, agreed=True, today=date(2026, 3, 5))
    ops.submit_feedback(contract, STARS, now=datetime(2026, 3, 6, 9))
    with unchanged(), pytest.raises(RuleError, match="that item stays done"):
        corrections.untick_closeout_item(item(contract, CloseoutItem.LEAVE_FEEDBACK), reason="x", now=NOW)


def test_r11_undoing_a_revocation_reopens_the_access_and_its_closeout_item(contract):
    grant = ops.add_access(contract, "GitHub org: write access", today=START)
    ops.end_contract(contract, agreed=True, today=date(2026, 3, 5))
    ops.revoke_access(grant, today=date(2026, 3, 6))
    ops.complete_closeout_item(item(contract, CloseoutItem.REVOKE_ACCESS), today=date(2026, 3, 6))
    corrections.undo_revocation(grant, reason="Still has access", now=NOW)
    assert grant.__class__.get_by_id(grant.id).revoked_on is None
    assert item(contract, CloseoutItem.REVOKE_ACCESS).done_on is None
    actions = [a for a, _ in audit(contract)]
    assert actions[-2:] == ["revocation recorded in error", "closeout item open again"]


def test_r11_undoing_a_receipt_makes_the_item_still_to_receive(contract):
    thing = ops.add_deliverable(contract, "Laptop", kind="equipment")
    ops.end_contract(contract, agreed=True, today=date(2026, 3, 5))
    ops.mark_received(thing, today=date(2026, 3, 6))
    corrections.undo_receipt(thing, reason="Courier lost it", now=NOW)
    assert thing.__class__.get_by_id(thing.id).received_on is None
    assert last_audit(contract) == ("receipt recorded in error", "Laptop: received on 2026-03-06. Why: Courier lost it")


# ---------------------------------------------------------------- R10 the freelancer's feedback


def test_r10_the_freelancers_feedback_can_be_corrected_keeping_the_original_in_the_audit_log(contract):
    ops.end_contract(contract, agreed=True, today=date(2026, 3, 5))
    ops.record_freelancer_feedback(contract, STARS, comment="Great client", on=date(2026, 3, 6), now=NOW)
    fixed = corrections.correct_freelancer_feedback(
        contract, {**STARS, "skills": 5}, comment="Great client!", on=date(2026, 3, 7), reason="Typo", now=NOW
    )
    assert (fixed.skills, fixed.comment, fixed.submitted_at) == (5, "Great client!", datetime(2026, 3, 7))
    action, detail = last_audit(contract)
    assert action == "freelancer's feedback recorded in error: corrected"
    assert "left on 2026-03-06: skills 4" in detail and "'Great client'" in detail and detail.endswith("Why: Typo")


def test_r10_the_freelancers_feedback_can_be_withdrawn_and_recorded_again(contract):
    ops.end_contract(contract, agreed=True, today=date(2026, 3, 5))
    ops.record_freelancer_feedback(contract, STARS, on=date(2026, 3, 6), now=NOW)
    corrections.withdraw_freelancer_feedback(contract, reason="It was about another contract", now=NOW)
    assert queries.freelancer_feedback(contract) is None
    assert Feedback.select().count() == 1  # kept, marked withdrawn
    ops.record_freelancer_feedback(contract, {**STARS, "quality": 2}, on=date(2026, 3, 8), now=NOW)
    assert queries.freelancer_feedback(contract).quality == 2


def test_r10_your_own_feedback_cannot_be_corrected(contract, unchanged):
    ops.end_contract(contract, agreed=True, today=date(2026, 3, 5))
    ops.submit_feedback(contract, STARS, now=datetime(2026, 3, 6, 9))
    with unchanged(), pytest.raises(RuleError, match="No feedback from the freelancer"):
        corrections.withdraw_freelancer_feedback(contract, reason="x", now=NOW)


# ---------------------------------------------------------------- found by the state machine


def test_r11_no_closeout_tick_on_a_contract_whose_ending_was_withdrawn(contract, unchanged):
    ops.end_contract(contract, agreed=True, today=START)
    corrections.withdraw_ending(contract, reason="Recorded in error", now=NOW)
    with unchanged(), pytest.raises(RuleError, match="the closeout starts when it ends"):
        ops.complete_closeout_item(item(contract, CloseoutItem.REMIND_PROPERTY), today=START)


def test_r16_a_withdrawn_request_for_changes_cannot_put_the_submission_before_the_funding(contract, unchanged):
    m = funded_milestone(contract, today=date(2026, 3, 5))
    with unchanged(), pytest.raises(RuleError, match="is before the funding of"):
        corrections.withdraw_change_request(m, submitted_on=date(2026, 3, 4), reason="Recorded in error", today=TODAY)


def test_r16_access_is_not_given_before_the_contract_started(contract, unchanged):
    with unchanged(), pytest.raises(RuleError, match="before the start of the contract") as e:
        ops.add_access(contract, "VPN", given_on=date(2026, 2, 28), today=START)
    assert e.value.field == "given_on"


@pytest.mark.parametrize("kind", [CloseoutItem.REVOKE_ACCESS, CloseoutItem.RECEIVE_WORK])
def test_r11_a_new_access_or_thing_to_receive_opens_its_ticked_item_again(contract, kind):
    ops.end_contract(contract, agreed=True, today=START)
    ops.complete_closeout_item(item(contract, kind), today=START)
    if kind == CloseoutItem.REVOKE_ACCESS:
        ops.add_access(contract, "VPN", given_on=START, today=START)
    else:
        ops.add_deliverable(contract, "Laptop", kind="equipment")
    assert item(contract, kind).done_on is None
    assert not queries.is_closed_out(reload(contract))
    assert last_audit(contract)[0] == "closeout item open again"


def test_r8_v2_the_latest_step_of_mediation_is_listed_and_withdrawn_with_its_reason(book, freelancer):
    from models import mediation

    from .rules import ended_with_escrow

    c = ops.create_contract("Brand book", freelancer, started_on=date(2026, 12, 1), today=date(2026, 12, 1))
    d = ops.record_escrow_refund_reply(ended_with_escrow(c, today=date(2027, 1, 4)), "disputed", today=date(2027, 1, 6))
    ops.record_dispute_answer(d, today=date(2027, 1, 8))
    mediation.record_evidence_sent(d, today=date(2027, 1, 12))
    mediation.record_mediation_proposal(d, to_freelancer=0, to_client=50_000, today=date(2027, 1, 13))
    mediation.record_proposal_acceptance(d, "client", today=date(2027, 1, 13))
    found = corrections.available(c)
    assert [(x.label, x.kind, x.dated) for x in found[-1:]] == [
        ("Your acceptance of the proposal (13 Jan 2027)…", "mediation_step", True)
    ]
    found[-1].withdraw(reason="The freelancer accepted, not me", today=date(2027, 1, 14))
    assert last_audit(c) == (
        "your acceptance of the proposal recorded in error",
        "accepted by you on 2027-01-13. Why: The freelancer accepted, not me",
    )
    assert corrections.available(c)[-1].label == "The mediator's proposal (13 Jan 2027)…"
    assert check_book() == []
