"""R11 Closeout checklist: the access register, the four items, and when a contract is closed out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from models import ops, queries
from models.entities import AccessGrant, CloseoutItem
from models.errors import RuleError
from tests.models.rules import STARS, ended_on, exact, item

from ..conftest import START


def test_r11_add_and_revoke_access(contract):
    grant = ops.add_access(contract, "GitHub org: write access", where="github.com/acme", today=START)
    assert grant.given_on == START
    assert grant.revoked_on is None
    ended_on(contract, today=date(2026, 3, 2))
    revoked = ops.revoke_access(grant, today=date(2026, 3, 3))
    assert revoked.revoked_on == date(2026, 3, 3)
    assert AccessGrant.get_by_id(grant.id).revoked_on == date(2026, 3, 3)


def test_r11_add_access_needs_a_label(contract, unchanged):
    with unchanged(), pytest.raises(RuleError, match=exact("Enter a label.")) as e:
        ops.add_access(contract, "   ", today=START)
    assert e.value.field == "label"


def test_r11_add_access_in_the_future_is_refused(contract, unchanged):
    with unchanged(), pytest.raises(RuleError, match=exact("Access cannot be given in the future.")) as e:
        ops.add_access(contract, "VPN", given_on=date(2026, 3, 2), today=START)
    assert e.value.field == "given_on"


def test_r11_revoking_twice_is_refused(contract, unchanged):
    grant = ops.add_access(contract, "GitHub org: write access", today=START)
    ops.revoke_access(grant, today=date(2026, 3, 2))
    with (
        unchanged(),
        pytest.raises(RuleError, match=exact("“GitHub org: write access” was already revoked on 02 Mar 2026.")) as e,
    ):
        ops.revoke_access(grant, today=date(2026, 3, 3))
    assert e.value.rule == "R11"


def test_r11_revoking_before_access_was_given_is_refused(contract, unchanged):
    grant = ops.add_access(contract, "VPN", given_on=date(2026, 3, 5), today=date(2026, 3, 5))
    with unchanged(), pytest.raises(RuleError, match=r"before the access “VPN” was given on 5 Mar 2026\."):
        ops.revoke_access(grant, today=date(2026, 3, 4))


def test_r11_revoke_access_item_is_refused_while_an_entry_is_unrevoked(contract, unchanged):
    grant = ops.add_access(contract, "GitHub org: write access", today=START)
    ended_on(contract)
    revoke_item = item(contract, CloseoutItem.REVOKE_ACCESS)
    with unchanged(), pytest.raises(RuleError, match=exact("Revoke the 1 open access entry first.")) as e:
        ops.complete_closeout_item(revoke_item, today=date(2026, 3, 2))
    assert e.value.rule == "R11"
    ops.revoke_access(grant, today=date(2026, 3, 2))
    done = ops.complete_closeout_item(revoke_item, note="Removed from org", today=date(2026, 3, 2))
    assert done.done_on == date(2026, 3, 2)
    assert item(contract, CloseoutItem.REVOKE_ACCESS).note == "Removed from org"


def test_r11_revoke_access_item_counts_every_open_entry(contract, unchanged):
    first = ops.add_access(contract, "GitHub org: write access", today=START)
    ops.add_access(contract, "Figma editor seat", today=START)
    ops.add_access(contract, "Staging server SSH", today=START)
    ended_on(contract)
    ops.revoke_access(first, today=date(2026, 3, 2))
    with unchanged(), pytest.raises(RuleError, match=exact("Revoke the 2 open access entries first.")):
        ops.complete_closeout_item(item(contract, CloseoutItem.REVOKE_ACCESS), today=date(2026, 3, 2))


def test_r11_revoke_access_item_ignores_other_contracts_access(contract, freelancer):
    other = ops.create_contract("Website", freelancer, started_on=START, today=START)
    ops.add_access(other, "Other repo", today=START)
    ended_on(contract)
    done = ops.complete_closeout_item(item(contract, CloseoutItem.REVOKE_ACCESS), today=START)
    assert done.done_on == START


def test_r11_revoke_access_item_with_an_empty_register_is_accepted(contract):
    ended_on(contract)
    done = ops.complete_closeout_item(item(contract, CloseoutItem.REVOKE_ACCESS), today=START)
    assert done.done_on == START


def test_r11_leave_feedback_item_is_refused_while_the_window_is_open(contract, unchanged):
    ended_on(contract)
    leave = item(contract, CloseoutItem.LEAVE_FEEDBACK)
    message = "Leave your feedback first: the window is open until 15 Mar 2026 23:59 UTC."
    with unchanged(), pytest.raises(RuleError, match=exact(message)) as e:
        ops.complete_closeout_item(leave, today=date(2026, 3, 15))
    assert e.value.rule == "R11"
    with unchanged(), pytest.raises(RuleError, match=exact(message)):
        ops.complete_closeout_item(leave, today=date(2026, 3, 15), now=datetime(2026, 3, 15, 23, 59, 59, tzinfo=UTC))


def test_r11_leave_feedback_item_is_accepted_after_the_window_closed(contract):
    ended_on(contract)
    leave = item(contract, CloseoutItem.LEAVE_FEEDBACK)
    done = ops.complete_closeout_item(
        leave, note="Did not leave any", today=date(2026, 3, 16), now=datetime(2026, 3, 16, 0, 0, tzinfo=UTC)
    )
    assert done.done_on == date(2026, 3, 16)


def test_r11_leave_feedback_item_is_accepted_the_day_after_the_window(contract):
    ended_on(contract)
    done = ops.complete_closeout_item(item(contract, CloseoutItem.LEAVE_FEEDBACK), today=date(2026, 3, 16))
    assert done.done_on == date(2026, 3, 16)


def test_r11_leave_feedback_item_completed_with_only_now_is_dated_by_now(contract):
    """`now` is the operation's clock: 15 Mar 20:00 in UTC-5 is 16 Mar 01:00 UTC, after the window."""
    ended_on(contract)
    now = datetime(2026, 3, 15, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    done = ops.complete_closeout_item(item(contract, CloseoutItem.LEAVE_FEEDBACK), now=now)
    assert done.done_on == date(2026, 3, 16)


def test_r11_completing_an_item_twice_is_refused(contract, unchanged):
    ended_on(contract)
    receive = item(contract, CloseoutItem.RECEIVE_WORK)
    ops.complete_closeout_item(receive, today=date(2026, 3, 2))
    message = "“Receive all work, materials and equipment lent” is already done."
    with unchanged(), pytest.raises(RuleError, match=exact(message)):
        ops.complete_closeout_item(receive, today=date(2026, 3, 3))


def test_r11_completing_the_feedback_item_after_feedback_was_left_is_refused(contract, unchanged):
    ended_on(contract)
    ops.submit_feedback(contract, STARS, now=datetime(2026, 3, 2, tzinfo=UTC))
    with unchanged(), pytest.raises(RuleError, match=exact("“Leave feedback” is already done.")):
        ops.complete_closeout_item(item(contract, CloseoutItem.LEAVE_FEEDBACK), today=date(2026, 3, 3))


def test_r11_completing_an_item_before_the_contract_ended_is_refused(contract, unchanged):
    ended_on(contract, today=date(2026, 3, 10))
    with unchanged(), pytest.raises(RuleError, match=r"before the end of the contract on 10 Mar 2026\."):
        ops.complete_closeout_item(item(contract, CloseoutItem.RECEIVE_WORK), today=date(2026, 3, 9))


def test_r11_closed_out_only_when_every_item_is_done(contract):
    grant = ops.add_access(contract, "GitHub org: write access", today=START)
    c = ended_on(contract)
    assert not queries.is_closed_out(c)

    ops.complete_closeout_item(item(c, CloseoutItem.RECEIVE_WORK), today=date(2026, 3, 2))
    assert not queries.is_closed_out(c)
    ops.complete_closeout_item(item(c, CloseoutItem.REMIND_PROPERTY), today=date(2026, 3, 2))
    assert not queries.is_closed_out(c)
    ops.revoke_access(grant, today=date(2026, 3, 2))
    assert not queries.is_closed_out(c)
    ops.complete_closeout_item(item(c, CloseoutItem.REVOKE_ACCESS), today=date(2026, 3, 2))
    assert not queries.is_closed_out(c)
    assert queries.closeout_open(c) == 1
    ops.submit_feedback(c, STARS, now=datetime(2026, 3, 3, tzinfo=UTC))
    assert queries.closeout_open(c) == 0
    assert queries.is_closed_out(c)
    assert "closeout" not in {k.kind for k in queries.contract_clocks(c)}


def test_r11_active_contract_is_not_closed_out(contract):
    assert not queries.is_closed_out(contract)


def test_r11_open_closeout_items_are_a_clock_due_at_the_end_of_the_grace(contract):
    ended_on(contract, today=date(2026, 3, 4))
    assert ("closeout", date(2026, 3, 11)) in {(k.kind, k.due) for k in queries.contract_clocks(contract)}
