"""R10 Feedback: the UTC window, double-blind, sealed once submitted, stars and recommendation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from models import ops, queries
from models.entities import CloseoutItem, Feedback
from models.errors import RuleError
from tests.models.rules import STARS, ended_on, exact, item


def test_r10_feedback_at_the_last_second_of_day_14_utc_is_accepted(contract):
    ended_on(contract)
    fb = ops.submit_feedback(contract, STARS, comment="Great", now=datetime(2026, 3, 15, 23, 59, 59, tzinfo=UTC))
    assert fb.author == Feedback.CLIENT
    assert fb.submitted_at == datetime(2026, 3, 15, 23, 59, 59)
    assert queries.client_feedback(contract).id == fb.id


def test_r10_feedback_at_midnight_after_day_14_utc_is_refused(contract, unchanged):
    ended_on(contract)
    with (
        unchanged(),
        pytest.raises(RuleError, match=exact("The feedback window closed at 15 Mar 2026 23:59:59 UTC.")) as e,
    ):
        ops.submit_feedback(contract, STARS, now=datetime(2026, 3, 16, 0, 0, 0, tzinfo=UTC))
    assert e.value.rule == "R10"
    assert queries.client_feedback(contract) is None


def test_r10_feedback_window_counts_in_utc_not_local_time_ahead(contract):
    """16 Mar 01:30 in UTC+2 is still 15 Mar 23:30 UTC: accepted."""
    ended_on(contract)
    local = datetime(2026, 3, 16, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    fb = ops.submit_feedback(contract, STARS, now=local)
    assert fb.submitted_at == datetime(2026, 3, 15, 23, 30)


def test_r10_feedback_window_counts_in_utc_not_local_time_behind(contract, unchanged):
    """15 Mar 20:00 in UTC-5 is already 16 Mar 01:00 UTC: refused."""
    ended_on(contract)
    local = datetime(2026, 3, 15, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    with unchanged(), pytest.raises(RuleError, match=exact("The feedback window closed at 15 Mar 2026 23:59:59 UTC.")):
        ops.submit_feedback(contract, STARS, now=local)


def test_r10_feedback_window_open_query_edges(contract):
    c = ended_on(contract)
    assert queries.feedback_window_open(c, datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    assert queries.feedback_window_open(c, datetime(2026, 3, 15, 23, 59, 59, tzinfo=UTC))
    assert not queries.feedback_window_open(c, datetime(2026, 3, 16, 0, 0, 0, tzinfo=UTC))
    assert not queries.feedback_window_open(c, datetime(2026, 3, 15, 19, 0, 1, tzinfo=timezone(timedelta(hours=-5))))


def test_r10_feedback_before_the_contract_ends_is_refused(contract, unchanged):
    with unchanged(), pytest.raises(RuleError, match=exact("Feedback opens when the contract ends.")) as e:
        ops.submit_feedback(contract, STARS, now=datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    assert e.value.rule == "R10"


def test_r10_second_submission_is_refused_as_sealed(contract, unchanged):
    ended_on(contract)
    ops.submit_feedback(contract, STARS, comment="First", now=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    with (
        unchanged(),
        pytest.raises(RuleError, match=exact("Your feedback on this contract is already submitted and sealed.")) as e,
    ):
        ops.submit_feedback(
            contract, dict.fromkeys(Feedback.CATEGORIES, 1), comment="Second", now=datetime(2026, 3, 3, tzinfo=UTC)
        )
    assert e.value.rule == "R10"
    assert queries.client_feedback(contract).comment == "First"


@pytest.mark.parametrize("stars", [0, 6, -1])
@pytest.mark.parametrize("category", ["skills", "cooperation"])
def test_r10_stars_outside_1_to_5_are_refused(contract, unchanged, stars, category):
    ended_on(contract)
    ratings = {**STARS, category: stars}
    with unchanged(), pytest.raises(RuleError, match=exact(f"Give 1 to 5 stars for {category}.")) as e:
        ops.submit_feedback(contract, ratings, now=datetime(2026, 3, 2, tzinfo=UTC))
    assert e.value.field == category


def test_r10_missing_category_is_refused(contract, unchanged):
    ended_on(contract)
    ratings = {k: v for k, v in STARS.items() if k != "schedule"}
    with unchanged(), pytest.raises(RuleError, match=exact("Give 1 to 5 stars for schedule.")):
        ops.submit_feedback(contract, ratings, now=datetime(2026, 3, 2, tzinfo=UTC))


def test_r10_stars_of_1_and_5_are_accepted(contract):
    ended_on(contract)
    ratings = {"skills": 1, "quality": 5, "availability": 1, "schedule": 5, "communication": 1, "cooperation": 5}
    fb = ops.submit_feedback(contract, ratings, now=datetime(2026, 3, 2, tzinfo=UTC))
    assert (fb.skills, fb.quality) == (1, 5)


@pytest.mark.parametrize("recommend", [-1, 11, 100])
def test_r10_recommend_outside_0_to_10_is_refused(contract, unchanged, recommend):
    ended_on(contract)
    with (
        unchanged(),
        pytest.raises(RuleError, match=exact("How likely you are to recommend is a number from 0 to 10.")) as e,
    ):
        ops.submit_feedback(contract, STARS, recommend=recommend, now=datetime(2026, 3, 2, tzinfo=UTC))
    assert e.value.field == "recommend"


@pytest.mark.parametrize("recommend", [0, 10])
def test_r10_recommend_of_0_and_10_is_accepted(contract, recommend):
    ended_on(contract)
    fb = ops.submit_feedback(
        contract, STARS, recommend=recommend, private_reason="Budget", now=datetime(2026, 3, 2, tzinfo=UTC)
    )
    fb = Feedback.get_by_id(fb.id)
    assert fb.recommend == recommend
    assert fb.private_reason == "Budget"


def test_r10_freelancer_feedback_is_hidden_until_the_client_submits(contract):
    c = ended_on(contract)
    ops.record_freelancer_feedback(contract, STARS, comment="Clear briefs", now=datetime(2026, 3, 2, tzinfo=UTC))
    assert not queries.freelancer_feedback_visible(c, datetime(2026, 3, 3, tzinfo=UTC))
    ops.submit_feedback(contract, STARS, now=datetime(2026, 3, 4, tzinfo=UTC))
    assert queries.freelancer_feedback_visible(c, datetime(2026, 3, 4, 0, 0, 1, tzinfo=UTC))


def test_r10_freelancer_feedback_is_visible_once_the_window_closed_without_client_feedback(contract):
    c = ended_on(contract)
    ops.record_freelancer_feedback(contract, STARS, now=datetime(2026, 3, 2, tzinfo=UTC))
    assert not queries.freelancer_feedback_visible(c, datetime(2026, 3, 15, 23, 59, 59, tzinfo=UTC))
    assert queries.freelancer_feedback_visible(c, datetime(2026, 3, 16, 0, 0, 0, tzinfo=UTC))
    assert queries.freelancer_feedback_visible(c, datetime(2026, 6, 1, tzinfo=UTC))


def test_r10_freelancer_feedback_visibility_counts_in_utc(contract):
    c = ended_on(contract)
    ops.record_freelancer_feedback(contract, STARS, now=datetime(2026, 3, 2, tzinfo=UTC))
    # 16 Mar 01:00 in UTC+2 is 15 Mar 23:00 UTC: still hidden
    assert not queries.freelancer_feedback_visible(c, datetime(2026, 3, 16, 1, 0, tzinfo=timezone(timedelta(hours=2))))
    # 15 Mar 20:00 in UTC-5 is 16 Mar 01:00 UTC: visible
    assert queries.freelancer_feedback_visible(c, datetime(2026, 3, 15, 20, 0, tzinfo=timezone(timedelta(hours=-5))))


def test_r10_freelancer_feedback_stays_hidden_while_the_client_can_still_submit(contract):
    """Double-blind: half a second before midnight the window is still open, so the freelancer's
    feedback must still be hidden (else the client could read it and then submit theirs)."""
    c = ended_on(contract)
    ops.record_freelancer_feedback(contract, STARS, now=datetime(2026, 3, 2, tzinfo=UTC))
    instant = datetime(2026, 3, 15, 23, 59, 59, 500_000, tzinfo=UTC)
    assert queries.feedback_window_open(c, instant)
    assert not queries.freelancer_feedback_visible(c, instant)
    ops.submit_feedback(contract, STARS, now=instant)  # the client can indeed still submit at that instant
    assert queries.client_feedback(contract) is not None


def test_r10_freelancer_feedback_is_hidden_while_the_contract_is_active(contract):
    assert not queries.freelancer_feedback_visible(contract, datetime(2027, 1, 1, tzinfo=UTC))


def test_r10_freelancer_feedback_before_the_contract_ends_is_refused(contract, unchanged):
    with unchanged(), pytest.raises(RuleError, match=exact("Feedback opens when the contract ends.")):
        ops.record_freelancer_feedback(contract, STARS, now=datetime(2026, 3, 2, tzinfo=UTC))


def test_r10_freelancer_feedback_recorded_twice_is_refused(contract, unchanged):
    ended_on(contract)
    ops.record_freelancer_feedback(contract, STARS, now=datetime(2026, 3, 2, tzinfo=UTC))
    with unchanged(), pytest.raises(RuleError, match="already recorded: correct it instead"):
        ops.record_freelancer_feedback(contract, STARS, now=datetime(2026, 3, 3, tzinfo=UTC))


def test_r10_overall_score_is_the_mean_as_a_decimal(contract):
    ended_on(contract)
    ratings = {"skills": 5, "quality": 4, "availability": 5, "schedule": 4, "communication": 5, "cooperation": 4}
    fb = ops.submit_feedback(contract, ratings, now=datetime(2026, 3, 2, tzinfo=UTC))
    score = queries.overall_score(fb)
    assert isinstance(score, Decimal)
    assert score == Decimal("4.5")


def test_r10_overall_score_of_a_repeating_mean_is_rounded_to_two_decimals(contract):
    ended_on(contract)
    ratings = {"skills": 5, "quality": 4, "availability": 4, "schedule": 5, "communication": 3, "cooperation": 4}
    fb = ops.submit_feedback(contract, ratings, now=datetime(2026, 3, 2, tzinfo=UTC))
    score = queries.overall_score(fb)
    assert isinstance(score, Decimal)
    assert score == Decimal("4.17")  # 25 / 6


def test_r10_submitting_feedback_ticks_the_leave_feedback_item(contract):
    ended_on(contract)
    ops.submit_feedback(contract, STARS, now=datetime(2026, 3, 5, 22, 0, tzinfo=UTC))
    assert item(contract, CloseoutItem.LEAVE_FEEDBACK).done_on == date(2026, 3, 5)
    assert item(contract, CloseoutItem.RECEIVE_WORK).done_on is None
    assert "feedback" not in {k.kind for k in queries.contract_clocks(contract)}


def test_r10_feedback_window_is_a_clock_until_feedback_is_left(contract):
    ended_on(contract)
    assert ("feedback", date(2026, 3, 15)) in {(k.kind, k.due) for k in queries.contract_clocks(contract)}
