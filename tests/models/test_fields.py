"""models/fields.py: each field checked once, the same way as the user types and when the operation writes.

For each field the message a dialog shows (the field's check, with the value typed and nothing made up for
the other fields) is the message the operation refuses with, naming the same field.
"""

from __future__ import annotations

from datetime import date

import pytest

from models import fields, ops
from models.errors import RuleError
from tests.conftest import START


def refusal(check, *args, **kwargs) -> tuple[str | None, str]:
    with pytest.raises(RuleError) as exc:
        check(*args, **kwargs)
    return exc.value.field, exc.value.message


@pytest.mark.parametrize(
    ("key", "value"),
    [("name", " "), ("email", "ana@example"), ("agency", "x" * 201), ("profile_url", "x" * 1001), ("notes", "\x07")],
)
def test_a_freelancer_field_is_refused_as_the_operation_refuses_it(book, unchanged, key, value):
    typed = {"name": "Ana Ruiz", "agency": "", "email": "", "profile_url": "", "notes": "", key: value}
    with unchanged():
        assert refusal(fields.freelancer_field, key, value) == refusal(ops.create_freelancer, *typed.values())


def test_the_email_is_checked_before_the_name_as_before(book):
    assert refusal(fields.check_freelancer_fields, "", "", "nope", "", "")[0] == "email"


@pytest.mark.parametrize(("key", "value"), [("title", ""), ("external_id", "x" * 201), ("notes", "x" * 20_001)])
def test_a_contract_field_is_refused_as_the_operation_refuses_it(book, freelancer, key, value):
    typed = {"title": "Logo", "external_id": "", "notes": "", key: value}
    assert refusal(fields.contract_field, key, value) == refusal(
        ops.create_contract, typed["title"], freelancer, external_id=typed["external_id"], notes=typed["notes"]
    )


def test_r2_the_milestone_minimum_and_its_words_are_the_operations(contract, direct_contract):
    assert fields.milestone_field(contract, "amount", 500) == 500
    field, message = refusal(fields.milestone_field, contract, "amount", 499)
    assert (field, message) == ("amount", "A milestone must be at least $5.00.")
    assert refusal(ops.add_milestone, contract, "Logo", 499) == (field, message)
    assert fields.milestone_field(direct_contract, "amount", 1) == 1


def test_r2_the_minimum_is_in_the_contracts_own_currency(book, freelancer):
    yen = ops.create_contract("Logo", freelancer, policy="upwork", currency="JPY", started_on=START, today=START)
    assert refusal(fields.milestone_field, yen, "amount", 4)[1] == "A milestone must be at least ¥5."


def test_a_due_date_before_the_contract_started_is_refused_naming_both_dates(contract):
    field, message = refusal(fields.milestone_field, contract, "due_on", date(2026, 2, 28))
    assert field == "due_on" and "28 Feb 2026" in message and "01 Mar 2026" in message


@pytest.mark.parametrize(("key", "value"), [("comment", "x" * 5001), ("private_reason", "x" * 201)])
def test_r10_a_feedback_text_is_checked_as_the_operation_checks_it(key, value):
    assert refusal(fields.feedback_field, key, value)[0] == key


def test_r11_an_access_label_holding_a_secret_is_refused_and_one_that_may_hold_one_is_warned(contract):
    assert refusal(fields.access_field, "label", "password: hunter2")[0] == "label"
    assert refusal(ops.add_access, contract, "password: hunter2", today=START)[0] == "label"
    assert fields.access_field("label", "CI deploy token: kept in the team vault") == (
        "CI deploy token: kept in the team vault"
    )
    assert fields.secret_warning("CI deploy token: kept in the team vault") is not None


def test_r11_access_given_today_is_accepted_and_tomorrow_refused():
    assert fields.check_given_on(date(2026, 3, 5), date(2026, 3, 5)) == date(2026, 3, 5)
    assert refusal(fields.check_given_on, date(2026, 3, 6), date(2026, 3, 5)) == (
        "given_on",
        "Access cannot be given in the future.",
    )


def test_memos_and_notes_take_no_more_than_the_limit():
    assert fields.check_memo("x" * fields.MAX_NOTE) == "x" * fields.MAX_NOTE
    assert refusal(fields.check_memo, "x" * (fields.MAX_NOTE + 1))[0] == "memo"
    assert refusal(fields.check_note, "x" * (fields.MAX_NOTE + 1))[0] == "note"
