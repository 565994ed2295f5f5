"""R11 closeout: what is to be received back, secrets kept out of the access register, and the email."""

from __future__ import annotations

from datetime import date

import pytest

from models import fields, ops, queries
from models.entities import CloseoutItem, Deliverable
from models.errors import RuleError

from ..conftest import START

ENDED = date(2026, 3, 20)


@pytest.fixture
def ended(contract):
    m = ops.add_milestone(contract, "Draft", 20_000)
    ops.fund_milestone(m, today=START)
    ops.end_contract(contract, agreed=True, request_escrow_refund=True, today=ENDED)
    return contract


def _item(contract, kind):
    return CloseoutItem.get((CloseoutItem.contract == contract) & (CloseoutItem.kind == kind))


def test_r11_receive_work_waits_for_every_deliverable(ended, unchanged):
    laptop = ops.add_deliverable(ended, "Loaned laptop", kind=Deliverable.EQUIPMENT)
    ops.add_deliverable(ended, "Source files", kind=Deliverable.WORK)
    with unchanged(), pytest.raises(RuleError, match=r"Mark the 2 item\(s\) still to receive as received first"):
        ops.complete_closeout_item(_item(ended, CloseoutItem.RECEIVE_WORK), today=ENDED)
    ops.mark_received(laptop, today=ENDED)
    with unchanged(), pytest.raises(RuleError, match="already received on 20 Mar 2026"):
        ops.mark_received(laptop, today=ENDED)
    ops.mark_received(Deliverable.get(Deliverable.label == "Source files"), today=ENDED)
    done = ops.complete_closeout_item(_item(ended, CloseoutItem.RECEIVE_WORK), today=ENDED)
    assert done.done_on == ENDED


def test_r11_deliverable_needs_a_label_and_a_known_kind(contract, unchanged):
    with unchanged(), pytest.raises(RuleError, match="Enter a label"):
        ops.add_deliverable(contract, "  ")
    with unchanged(), pytest.raises(RuleError, match="Choose work, material or equipment"):
        ops.add_deliverable(contract, "Keys", kind="car")


@pytest.mark.parametrize(
    "label",
    ["password: hunter2", "db pwd: x", "ghp_abcdefghijklmnopqrstuv12", "AWS AKIAABCDEFGHIJKLMNOP", "token=abc123"],
)
def test_r11_a_label_or_place_that_holds_a_secret_is_refused(contract, unchanged, label):
    with unchanged():
        with pytest.raises(RuleError, match="never the secret itself") as refused:
            ops.add_access(contract, label, today=START)
        assert (refused.value.rule, refused.value.field) == ("R11", "label")
        with pytest.raises(RuleError, match="never the secret itself") as refused:
            ops.add_access(contract, "Staging database", where=label, today=START)
        assert refused.value.field == "where"


@pytest.mark.parametrize(
    "label", ["CI deploy token: kept in the team vault", "Build runner 9f8a7b6c5d4e3f2a1b0c9d8e7f"]
)
def test_r11_a_label_that_only_may_hold_a_secret_gets_a_warning_and_is_kept(contract, label):
    assert "never hold the secret itself" in fields.secret_warning(label)
    assert ops.add_access(contract, label, today=START).label == label


@pytest.mark.parametrize("label", ["GitHub org: write access", "Staging server: SSH key", "Figma team: editor"])
def test_r11_an_ordinary_access_label_gets_no_warning(label):
    assert fields.secret_warning(label) is None


def test_r11_r8_the_email_names_the_contract_amount_and_freelancer(ended):
    subject, body = queries.escrow_refund_email(ended)
    assert subject == "Ending our contract “Logo redesign”"
    assert body.startswith("Hello Ana Ruiz,")
    assert "$200.00 was left in escrow" in body and "by 27 March 2026" in body
    assert "remove my documents" in body
