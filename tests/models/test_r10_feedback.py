"""R10 Feedback: the UTC window, double-blind, sealed once submitted, stars and recommendation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from models import ops, queries
from models.entities import CloseoutItem, Feedback
from models.errors import RuleError
from tests.models.rules import STARS, ended_on, exact, item, reload


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


# ---------------------------------------------------------------- the form per policy version (R10 v1 and v2)

V2_START = date(2026, 12, 1)  # the first day of the marketplace's second version: its contracts take one rating
V2_ENDED_AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def v2_contract(freelancer, title="Icon set"):
    """A USD contract started on the day version 2 took effect (the single-rating form, the $1.00 minimum)."""
    return ops.create_contract(title, freelancer, currency="USD", started_on=V2_START, today=V2_START)


def v2_paid(freelancer, released: int, refunded: int = 0):
    """A v2 contract that paid `released` (part of a $5.00 milestone; the rest asked back), then had `refunded`
    refunded, and ended on 1 Dec 2026."""
    c = v2_contract(freelancer)
    m = ops.add_milestone(c, "Icons", 500)
    ops.fund_milestone(m, today=V2_START)
    payment = ops.release_payment(m, released, today=V2_START)
    if refunded:
        ops.record_refund(payment, refunded, today=V2_START)
    ops.end_contract(c, agreed=True, request_escrow_refund=released < 500, today=V2_START)
    return reload(c)


@pytest.fixture
def v2(book, freelancer):
    """A v2 contract that paid the freelancer $5.00 and ended on 1 Dec 2026."""
    return v2_paid(freelancer, 500)


def test_r10_a_contract_started_on_1_december_2026_takes_the_single_rating_form(contract, v2):
    assert queries.feedback_form(v2) == Feedback.RATING_FORM
    assert queries.feedback_form(contract) == Feedback.CATEGORIES_FORM


@pytest.mark.parametrize("stars", [1, 5])
def test_r10_v2_rating_of_1_and_5_is_accepted_with_a_private_note(v2, stars):
    fb = ops.submit_feedback(
        v2, {"rating": stars}, comment="Sharp icons", private_note="Slow to reply in week two", now=V2_ENDED_AT
    )
    fb = Feedback.get_by_id(fb.id)
    assert (fb.rating, fb.comment, fb.private_note) == (stars, "Sharp icons", "Slow to reply in week two")
    assert all(getattr(fb, cat) is None for cat in Feedback.CATEGORIES)
    assert (fb.private_reason, fb.recommend) == ("", None)
    assert queries.overall_score(fb) == Decimal(stars)


def test_r10_v2_private_note_is_optional(v2):
    fb = ops.submit_feedback(v2, {"rating": 4}, now=V2_ENDED_AT)
    assert Feedback.get_by_id(fb.id).private_note == ""


@pytest.mark.parametrize("stars", [0, 6, -1, None, True])
def test_r10_v2_rating_outside_1_to_5_is_refused(v2, unchanged, stars):
    with unchanged(), pytest.raises(RuleError, match=exact("Give 1 to 5 stars for the rating.")) as e:
        ops.submit_feedback(v2, {"rating": stars}, now=V2_ENDED_AT)
    assert (e.value.rule, e.value.field) == ("R10", "rating")


def test_r10_v2_missing_rating_is_refused(v2, unchanged):
    with unchanged(), pytest.raises(RuleError, match=exact("Give 1 to 5 stars for the rating.")):
        ops.submit_feedback(v2, {}, comment="No stars", now=V2_ENDED_AT)


V2_FORM_WORDS = (
    "This contract's feedback is one rating of 1 to 5 stars, as for every contract started from 1 Dec 202"
    "6; stars for skills, quality and the other categories are for contracts started before."
)
V1_FORM_WORDS = (
    "This contract's feedback gives 1 to 5 stars for each of skills, quality, availability, schedule, com"
    "munication and cooperation, as for every contract started before 1 Dec 2026; "
    "a single rating is for contracts started from that day."
)


def test_r10_the_category_form_is_refused_on_a_v2_contract(v2, unchanged):
    with unchanged(), pytest.raises(RuleError, match=exact(V2_FORM_WORDS)) as e:
        ops.submit_feedback(v2, STARS, now=V2_ENDED_AT)
    assert e.value.rule == "R10"
    with unchanged(), pytest.raises(RuleError, match=exact(V2_FORM_WORDS)):
        ops.submit_feedback(v2, {"rating": 4, "skills": 4}, now=V2_ENDED_AT)
    with unchanged(), pytest.raises(RuleError, match=exact(V2_FORM_WORDS)):
        ops.record_freelancer_feedback(v2, STARS, now=V2_ENDED_AT)


def test_r10_the_rating_form_is_refused_on_a_v1_contract(contract, unchanged):
    ended_on(contract)
    now = datetime(2026, 3, 2, tzinfo=UTC)
    with unchanged(), pytest.raises(RuleError, match=exact(V1_FORM_WORDS)) as e:
        ops.submit_feedback(contract, {"rating": 5}, now=now)
    assert (e.value.rule, e.value.field) == ("R10", "rating")
    with unchanged(), pytest.raises(RuleError, match=exact(V1_FORM_WORDS)):
        ops.submit_feedback(contract, {**STARS, "rating": 5}, now=now)
    with unchanged(), pytest.raises(RuleError, match=exact(V1_FORM_WORDS)):
        ops.record_freelancer_feedback(contract, {"rating": 5}, now=now)


@pytest.mark.parametrize(
    ("given", "field"), [({"private_reason": "Budget"}, "private_reason"), ({"recommend": 9}, "recommend")]
)
def test_r10_the_v1_private_part_is_refused_on_a_v2_contract(v2, unchanged, given, field):
    words = (
        "This contract's feedback has an optional private note, not a reason for ending or a 0 to 10 "
        "recommendation: write those in the private note."
    )
    with unchanged(), pytest.raises(RuleError, match=exact(words)) as e:
        ops.submit_feedback(v2, {"rating": 4}, now=V2_ENDED_AT, **given)
    assert e.value.field == field


def test_r10_a_private_note_is_refused_on_a_v1_contract(contract, unchanged):
    ended_on(contract)
    words = (
        "This contract's feedback has no private note: its private part is the reason for ending and how likely "
        "you are to recommend the freelancer (0 to 10)."
    )
    with unchanged(), pytest.raises(RuleError, match=exact(words)) as e:
        ops.submit_feedback(contract, STARS, private_note="Slow", now=datetime(2026, 3, 2, tzinfo=UTC))
    assert e.value.field == "private_note"


def test_r10_v2_freelancer_feedback_is_recorded_corrected_and_withdrawn_as_one_rating(v2, unchanged):
    from models import corrections

    ops.record_freelancer_feedback(v2, {"rating": 3}, comment="Late payer", now=V2_ENDED_AT)
    ops.submit_feedback(v2, {"rating": 5}, now=V2_ENDED_AT)
    assert queries.freelancer_feedback_visible(v2, V2_ENDED_AT)
    fb = corrections.correct_freelancer_feedback(
        v2, {"rating": 4}, comment="Paid on time", reason="typed the wrong stars", now=V2_ENDED_AT
    )
    assert (fb.rating, fb.comment) == (4, "Paid on time")
    with unchanged(), pytest.raises(RuleError, match=exact(V2_FORM_WORDS)):
        corrections.correct_freelancer_feedback(v2, STARS, reason="six stars", now=V2_ENDED_AT)
    corrections.withdraw_freelancer_feedback(v2, reason="not theirs", now=V2_ENDED_AT)
    assert queries.freelancer_feedback(v2) is None


def test_r10_v2_feedback_double_blind_window_is_the_same_14_days(v2, unchanged):
    assert v2.feedback_closes_at == datetime(2026, 12, 15, 23, 59, 59)
    ops.record_freelancer_feedback(v2, {"rating": 5}, now=V2_ENDED_AT)
    assert not queries.freelancer_feedback_visible(v2, datetime(2026, 12, 15, 23, 59, 59, tzinfo=UTC))
    assert queries.freelancer_feedback_visible(v2, datetime(2026, 12, 16, 0, 0, 0, tzinfo=UTC))
    with unchanged(), pytest.raises(RuleError, match=exact("The feedback window closed at 15 Dec 2026 23:59:59 UTC.")):
        ops.submit_feedback(v2, {"rating": 5}, now=datetime(2026, 12, 16, 0, 0, 0, tzinfo=UTC))


# The $1.00 minimum (v2): what the contract netted the freelancer, released less refunded.

AFTER_WINDOW = datetime(2027, 1, 1, tzinfo=UTC)  # the double-blind no longer hides anything


def test_r10_v2_feedback_on_a_contract_that_paid_99_cents_is_hidden_and_says_why(book, freelancer):
    c = v2_paid(freelancer, 99)
    ops.record_freelancer_feedback(c, {"rating": 2}, now=V2_ENDED_AT)
    assert queries.feedback_net(c) == 99
    assert not queries.freelancer_feedback_visible(c, AFTER_WINDOW)
    assert queries.feedback_minimum_note(c) == (
        "Feedback is shown only for contracts that paid the freelancer at least $1.00; this one paid $0.99."
    )


def test_r10_v2_feedback_on_a_contract_that_paid_1_dollar_is_shown(book, freelancer):
    c = v2_paid(freelancer, 100)
    ops.record_freelancer_feedback(c, {"rating": 2}, now=V2_ENDED_AT)
    assert queries.feedback_net(c) == 100
    assert queries.feedback_minimum_note(c) is None
    assert queries.freelancer_feedback_visible(c, AFTER_WINDOW)


def test_r10_v2_net_is_released_less_refunded(book, freelancer):
    """$5.00 released and $4.00 refunded nets $1.00 (shown); $4.01 refunded nets $0.99 (hidden)."""
    shown = v2_paid(freelancer, 500, refunded=400)
    hidden = v2_paid(freelancer, 500, refunded=401)
    for c in (shown, hidden):
        ops.record_freelancer_feedback(c, {"rating": 4}, now=V2_ENDED_AT)
    assert queries.freelancer_feedback_visible(shown, AFTER_WINDOW)
    assert not queries.freelancer_feedback_visible(hidden, AFTER_WINDOW)
    assert queries.feedback_minimum_note(hidden).endswith("this one paid $0.99.")


def test_r10_v2_a_contract_that_paid_nothing_hides_feedback_even_after_the_client_submits(book, freelancer):
    c = v2_contract(freelancer)
    m = ops.add_milestone(c, "Icons", 500)
    ops.fund_milestone(m, today=V2_START)
    ops.end_contract(c, agreed=True, request_escrow_refund=True, today=V2_START)
    ops.record_freelancer_feedback(c, {"rating": 1}, now=V2_ENDED_AT)
    ops.submit_feedback(c, {"rating": 3}, now=V2_ENDED_AT)  # the client can still leave theirs
    assert not queries.freelancer_feedback_visible(c, V2_ENDED_AT)
    assert queries.feedback_minimum_note(c).endswith("this one paid $0.00.")


def test_r10_v1_has_no_net_minimum(contract):
    """A v1 contract that paid nothing still shows the freelancer's feedback once the window closed."""
    c = ended_on(contract)
    ops.record_freelancer_feedback(c, STARS, now=datetime(2026, 3, 2, tzinfo=UTC))
    assert queries.feedback_minimum_note(c) is None
    assert queries.freelancer_feedback_visible(c, datetime(2026, 3, 16, tzinfo=UTC))


# Both forms in one book: the summary, the exports and `check` follow each contract's form.


@pytest.fixture
def both(contract, v2):
    """A v1 contract (started 1 Mar 2026) and a v2 one (1 Dec 2026), each with both sides' feedback."""
    v1 = ended_on(contract)
    ops.submit_feedback(
        v1, STARS, comment="Good logo", private_reason="Budget cut", recommend=8, now=datetime(2026, 3, 2, tzinfo=UTC)
    )
    ops.record_freelancer_feedback(v1, STARS, comment="Kind client", now=datetime(2026, 3, 2, tzinfo=UTC))
    ops.submit_feedback(v2, {"rating": 5}, comment="Sharp icons", private_note="PRIVATE-NOTE-42", now=V2_ENDED_AT)
    ops.record_freelancer_feedback(v2, {"rating": 4}, comment="Clear brief", now=V2_ENDED_AT)
    return v1, v2


def test_r10_both_forms_side_by_side_in_one_book_summary(both):
    from models.report import contract_summary

    v1, v2 = both
    s1 = contract_summary(v1, now=AFTER_WINDOW)
    s2 = contract_summary(v2, now=AFTER_WINDOW)
    assert [cat for cat, _ in s1.client_feedback.ratings][:2] == ["Skills", "Quality of work"]
    assert s1.client_feedback.score == "4.00"
    assert s2.client_feedback.ratings == [("Rating", 5)]
    assert s2.client_feedback.score == ""
    assert s2.freelancer_feedback.ratings == [("Rating", 4)]
    assert s1.freelancer_feedback.comment == "Kind client"


def test_r10_private_note_is_never_in_an_export_unless_asked_for(both, tmp_path):
    from models.csv_io import export_csv
    from models.report import contract_summary

    _, v2 = both
    assert contract_summary(v2, now=AFTER_WINDOW).client_feedback.private == []
    asked = contract_summary(v2, include_private=True, now=AFTER_WINDOW)
    assert asked.client_feedback.private == [("Private note on the freelancer", "PRIVATE-NOTE-42")]
    export_csv(tmp_path)
    written = "".join(p.read_text(encoding="utf-8") for p in tmp_path.glob("*.csv"))
    assert written and "PRIVATE-NOTE-42" not in written and "Sharp icons" not in written  # no feedback in the CSV


def test_r10_check_passes_on_both_forms_in_one_book(both):
    from models.check import check_book

    assert check_book() == []


@pytest.mark.parametrize(
    ("which", "sql", "words"),
    [
        (
            "v2",
            "UPDATE feedback SET skills = 4 WHERE contract_id = {id} AND author = 'client'",
            "is not in its contract's form: one rating of 1 to 5 stars (no category stars, no reason for ending or "
            "0 to 10 recommendation).",
        ),
        (
            "v2",
            "UPDATE feedback SET rating = 6 WHERE contract_id = {id} AND author = 'freelancer'",
            "is not in its contract's form: one rating of 1 to 5 stars (no category stars, no reason for ending or "
            "0 to 10 recommendation).",
        ),
        (
            "v1",
            "UPDATE feedback SET rating = 5 WHERE contract_id = {id} AND author = 'client'",
            "is not in its contract's form: six categories of 1 to 5 stars (no single rating, no private note).",
        ),
        (
            "v1",
            "UPDATE feedback SET schedule = NULL WHERE contract_id = {id} AND author = 'freelancer'",
            "is not in its contract's form: six categories of 1 to 5 stars (no single rating, no private note).",
        ),
    ],
)
def test_r10_check_finds_feedback_not_in_its_contracts_form(both, which, sql, words):
    from models.check import check_book
    from models.entities import database

    c = dict(zip(("v1", "v2"), both, strict=True))[which]
    database.execute_sql(sql.format(id=c.id))
    author = Feedback.CLIENT if "'client'" in sql else Feedback.FREELANCER
    fb = Feedback.get((Feedback.contract == c.id) & (Feedback.author == author))
    assert [p for p in check_book() if "feedback #" in p] == [f"feedback #{fb.id} of contract #{c.id} {words}"]
