"""Field checks: each field of a form, checked once, here.

The dialogs call these as the user types (one field at a time, with the value the user typed and nothing
made up for the other fields); the operations in `models.ops` call the same functions when they write.
Each returns the value as it is stored (texts stripped) or raises `RuleError` naming the field, with a
message in the client's words. Nothing here touches the book except to read policies (the R2 milestone
minimum and the currencies a policy version allows).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from . import queries
from .entities import Contract, Feedback, Policy
from .errors import RuleError
from .labels import day_text
from .money import CURRENCY_EXPONENT, CURRENCY_NAME, check_currency, format_money, major_to_minor, max_minor
from .policy import policy_for, terms

MAX_TEXT = 200
MAX_NOTE = 20_000
MAX_COMMENT = 5000  # a feedback comment
MAX_LINK = 1000  # a profile link
EARLIEST_DAY = date(1900, 1, 1)  # no record is dated earlier
LATEST_DAY = date(2999, 12, 31)  # no record is dated later (every deadline counted from it still fits a date)
MAX_INTEGER = 2**63 - 1  # the largest whole number a book stores (SQLite integers are 64-bit signed)
DUE_WITHIN_DAYS = 3653  # a milestone is due within ten years of the contract's start
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 and C1 controls (tab and line feed aside)
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # half of a UTF-16 pair: no text can be stored with one
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# ------------------------------------------------------------------- texts


def check_text(value, field: str, label: str, *, required: bool = True, max_len: int = MAX_TEXT) -> str:
    """A text as stored (stripped): present when `required`, at most `max_len` characters, no control
    characters (a one-line text takes no line break either)."""
    text = (value or "").strip()
    if required and not text:
        raise RuleError(f"Enter a {label}.", field=field)
    if len(text) > max_len:
        raise RuleError(f"The {label} is too long ({len(text):,} characters; at most {max_len:,}).", field=field)
    if _CONTROL.search(text if max_len > MAX_TEXT else text.replace("\n", "\x0b")):
        raise RuleError(f"The {label} contains control characters.", field=field)
    if _SURROGATE.search(text):
        raise RuleError(f"The {label} contains a broken character that cannot be stored as text.", field=field)
    return text


def check_memo(value, field: str = "memo") -> str:
    """The memo of a ledger entry (a release, a refund, a reversal): optional, at most MAX_NOTE."""
    return check_text(value, field, "memo", required=False, max_len=MAX_NOTE)


def check_note(value, field: str = "note") -> str:
    """A note (on an ending, a thing to receive back, a closeout item): optional, at most MAX_NOTE."""
    return check_text(value, field, "note", required=False, max_len=MAX_NOTE)


def check_email(value, field: str = "email") -> str:
    email = check_text(value, field, "email address", required=False)
    if email and not _EMAIL.match(email):
        raise RuleError("That email address does not look right (name@example.com).", field=field)
    return email


# ------------------------------------------------------------------- money


def check_amount(value, field: str = "amount", *, currency: str) -> int:
    """R1: an amount is an int number of minor units, above zero and below 10^12 units of its currency."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError("Amounts are whole numbers of cents, never fractions.", rule="R1", field=field)
    if value <= 0:
        raise RuleError("An amount must be more than zero.", rule="R1", field=field)
    if value >= max_minor(currency):
        raise RuleError("That amount is too large for a contract.", rule="R1", field=field)
    return value


def check_milestone_amount(contract: Contract, amount) -> int:
    """R1 and R2: a milestone's amount is at least the minimum of its contract's policy, in its currency."""
    check_amount(amount, currency=contract.currency)
    minimum = queries.milestone_minimum(contract)
    if minimum is not None and amount < minimum:
        raise RuleError(
            f"A milestone must be at least {format_money(minimum, contract.currency)}.", rule="R2", field="amount"
        )
    return amount


# ------------------------------------------------------------------- currencies (R2)


def _currencies_in_words(codes) -> str:
    names = [CURRENCY_NAME.get(code, code) for code in codes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def allowed_currencies(policy: Policy) -> list[str]:
    """R2: the currencies Escrowbook knows that a contract under this policy version may be in, in the app's
    order (every one under a version that allows any ISO 4217 currency)."""
    allowed = terms(policy)
    return [code for code in CURRENCY_EXPONENT if allowed.allows(code)]


def _other_policies(policy: Policy, on: date, currency: str | None) -> list[Policy]:
    """The other policies of the book, each in its version in force on `on`, that allow `currency` (any
    currency at all when it is None)."""
    keys = Policy.select(Policy.key).where(Policy.key != policy.key).distinct().order_by(Policy.key).tuples()
    versions = [policy_for(key, on) for (key,) in keys]
    return [v for v in versions if (terms(v).currencies is None if currency is None else terms(v).allows(currency))]


def _currency_rule(policy: Policy) -> str:
    """ "Contracts under “…” that start from 1 Dec 2026 are in US dollars only" (the date only when an earlier
    version of the policy allowed more)."""
    earlier = Policy.select().where((Policy.key == policy.key) & (Policy.effective_from < policy.effective_from))
    when = f" that start from {day_text(policy.effective_from)}" if earlier.exists() else ""
    return f"Contracts under “{policy.name}”{when} are in {_currencies_in_words(terms(policy).currencies)} only"


def currency_note(policy: Policy, on: date | None = None) -> str | None:
    """R2: what a policy version says about currencies, in the client's words, with the policy to choose for
    another currency (in its version in force on `on`); None when the version allows any currency."""
    if terms(policy).currencies is None:
        return None
    others = _other_policies(policy, on or policy.effective_from, None)
    tail = f" For another currency, choose the policy “{others[0].name}”." if others else ""
    return f"{_currency_rule(policy)}.{tail}"


def check_policy_currency(policy: Policy, currency, on: date | None = None) -> str:
    """R2: a contract's currency is one Escrowbook knows and one its policy version allows. The refusal names
    what the version allows and a policy (in its version in force on `on`, the contract's start date) that
    allows the currency asked for."""
    code = check_currency(currency)
    allowed = terms(policy)
    if allowed.allows(code):
        return code
    others = _other_policies(policy, on or policy.effective_from, code)
    choose = " or ".join(allowed.currencies)
    if others:
        choose += f", or the policy “{others[0].name}” for a contract in {CURRENCY_NAME.get(code, code)}"
    raise RuleError(f"{_currency_rule(policy)}: choose {choose}.", rule="R2", field="currency")


def initiation_fee_range(policy: Policy, currency: str) -> tuple[int, int] | None:
    """R3 (v2): the lowest and highest initiation fee a contract under `policy` may be set to, in minor units
    (None: the policy's fee is fixed, as under the first marketplace version and "Direct")."""
    bounds = terms(policy).initiation_fee_range
    if bounds is None:
        return None
    low, high = (major_to_minor(text, currency) for text in bounds)
    return low, high


def initiation_fee_hint(policy: Policy, currency: str) -> str:
    """ "between $0.99 and $14.99, as the marketplace showed it" (empty when the fee is fixed)."""
    bounds = initiation_fee_range(policy, currency)
    if bounds is None:
        return ""
    low, high = (format_money(v, currency) for v in bounds)
    return f"between {low} and {high}, as the marketplace showed it"


def check_initiation_fee(policy: Policy, amount, currency: str, field: str = "initiation_fee") -> int | None:
    """R3: the initiation fee set for one contract, as stored (minor units), or None when its policy's fee is
    fixed. Under a policy with a range (v2) it lies within it, ends included; left out, it is the range's
    lowest (what the marketplace charges at the least). Under a fixed fee (v1, "Direct") none can be set."""
    bounds = initiation_fee_range(policy, currency)
    if bounds is None:
        if amount is None:
            return None
        raise RuleError(
            "This contract's policy has a fixed contract initiation fee (or none): it cannot be set per contract.",
            rule="R3",
            field=field,
        )
    low, high = bounds
    if amount is None:
        return low
    check_amount(amount, field, currency=currency)
    if not low <= amount <= high:
        raise RuleError(
            f"The contract initiation fee must be between {format_money(low, currency)} and "
            f"{format_money(high, currency)}: {format_money(amount, currency)} is "
            f"{'less' if amount < low else 'more'} than the marketplace charges.",
            rule="R3",
            field=field,
        )
    return amount


# ------------------------------------------------------------------- dates


def require_not_before(day: date, earliest: date, what: str, field: str = "date") -> None:
    if day < earliest:
        raise RuleError(f"The date {day:%d %b %Y} is before {what} ({earliest:%d %b %Y}).", field=field)


def require_not_too_far_ahead(day: date, what: str, field: str) -> None:
    if day > LATEST_DAY:
        raise RuleError(f"{what} {day:%d %b %Y} is too far ahead: check the year.", field=field)


def check_day(day: date, what: str = "The date", field: str = "date") -> date:
    """Any date a book holds, from EARLIEST_DAY to LATEST_DAY (the operations' range, also the import's)."""
    require_not_too_far_ahead(day, what, field)
    if day < EARLIEST_DAY:
        raise RuleError(f"{what} {day.isoformat()} is too far back: check the year.", field=field)
    return day


def check_whole_number(text: str, what: str, field: str) -> int:
    """A whole number above zero typed as plain ASCII digits (not “²”, “①” or “٣”, which Python's isdigit
    accepts), at most MAX_INTEGER."""
    raw = (text or "").strip()
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > len(str(MAX_INTEGER)):
        shown = raw if len(raw) <= 30 else raw[:30] + "…"
        raise RuleError(f"“{shown}” is not a whole number above zero.", field=field)
    value = int(raw)
    if not 0 < value <= MAX_INTEGER:
        raise RuleError(
            f"“{raw}” is not a whole number above zero." if value <= 0 else f"{what} {raw} is too large.", field=field
        )
    return value


def check_started_on(started_on: date, today: date) -> date:
    """A contract starts at most a year ahead of today (a typo in the year, most likely)."""
    if started_on > today + timedelta(days=366):
        raise RuleError("The start date is more than a year ahead.", field="started_on")
    return check_day(started_on, "The start date", "started_on")


def check_due_on(contract: Contract, due_on: date | None) -> date | None:
    """A milestone is due on or after its contract started, within ten years of it."""
    if due_on is None:
        return None
    require_not_before(due_on, contract.started_on, "the contract started", field="due_on")
    if due_on > contract.started_on + timedelta(days=DUE_WITHIN_DAYS):
        raise RuleError(
            f"The due date {due_on:%d %b %Y} is too far ahead (more than ten years after the contract started): "
            "check the year.",
            field="due_on",
        )
    return due_on


# ------------------------------------------------------------------- forms: one field at a time

# The freelancer's fields, in the order the operation checks them.
_FREELANCER = {
    "email": check_email,
    "name": lambda v: check_text(v, "name", "freelancer's name"),
    "agency": lambda v: check_text(v, "agency", "agency", required=False),
    "profile_url": lambda v: check_text(v, "profile_url", "profile link", required=False, max_len=MAX_LINK),
    "notes": lambda v: check_text(v, "notes", "note", required=False, max_len=MAX_NOTE),
}


def freelancer_field(key: str, value) -> str:
    """One field of a freelancer (name, agency, email, profile_url, notes), as stored."""
    return _FREELANCER[key](value)


def check_freelancer_fields(name, agency, email, profile_url, notes) -> dict:
    given = {"name": name, "agency": agency, "email": email, "profile_url": profile_url, "notes": notes}
    checked = {key: freelancer_field(key, given[key]) for key in _FREELANCER}
    return {key: checked[key] for key in given}


_CONTRACT_TEXTS = {
    "title": lambda v: check_text(v, "title", "contract title"),
    "external_id": lambda v: check_text(v, "external_id", "contract id", required=False),
    "notes": lambda v: check_text(v, "notes", "note", required=False, max_len=MAX_NOTE),
}


def contract_field(key: str, value) -> str:
    """One text field of a contract (title, external_id, notes), as stored."""
    return _CONTRACT_TEXTS[key](value)


def milestone_field(contract: Contract, key: str, value):
    """One field of a milestone of `contract` (title, amount, due_on, description), as stored."""
    if key == "title":
        return check_text(value, "title", "milestone title")
    if key == "amount":
        return check_milestone_amount(contract, value)
    if key == "due_on":
        return check_due_on(contract, value)
    if key == "description":
        return check_text(value, "description", "description", required=False, max_len=MAX_NOTE)
    raise KeyError(key)


def check_milestone_fields(contract: Contract, title, amount, due_on, description) -> dict:
    given = {"title": title, "amount": amount, "due_on": due_on, "description": description}
    return {key: milestone_field(contract, key, value) for key, value in given.items()}


# ------------------------------------------------------------------- refunds (R9)


def check_support_case(value, payment, on: date) -> str | None:
    """R9 (v2): the support case's reference of a refund of `payment` received on `on`, as stored.

    From day 181 to day 365 after the payment (the policy's numbers) a refund is made only through the
    marketplace's support, and its case's reference is required. On a day the client can still record the
    refund themselves, a reference is refused (a support case there would say something that did not happen);
    an empty one is no reference (None). Days the payment can no longer be refunded are the operation's
    refusal (their message is about the date, not this field)."""
    tier = queries.refund_tier(payment, on)
    text = (value or "").strip()
    paid = payment_text(payment)
    if tier.kind == queries.THROUGH_SUPPORT:
        if not text:
            raise RuleError(
                f"{paid} can be refunded through the marketplace's support until {day_text(tier.until)}: "
                "enter the reference of the support case.",
                rule="R9",
                field="support_case",
            )
        return check_text(text, "support_case", "support case reference")
    if text and tier.kind == queries.SELF_SERVICE:
        until = f" until {day_text(tier.until)}" if tier.until is not None else ""
        raise RuleError(
            f"{paid} can be refunded without the marketplace's support{until}: a support case is recorded only "
            "with refunds made through support. Leave the support case empty.",
            rule="R9",
            field="support_case",
        )
    return None


def payment_text(payment) -> str:
    """ "The payment of $300.00 on 1 Dec 2026"."""
    return f"The payment of {format_money(payment.amount, payment.currency)} on {day_text(payment.date)}"


# ------------------------------------------------------------------- feedback (R10)

_FEEDBACK = {
    "comment": lambda v: check_text(v, "comment", "comment", required=False, max_len=MAX_COMMENT),
    "private_reason": lambda v: check_text(v, "private_reason", "reason", required=False),
    "private_note": lambda v: check_text(v, "private_note", "private note", required=False, max_len=MAX_COMMENT),
}


def feedback_field(key: str, value) -> str:
    """One text of feedback (comment, private_reason, private_note), as stored."""
    return _FEEDBACK[key](value)


_OTHER_FORM = {  # what a contract of one form says when given the other form's stars
    Feedback.CATEGORIES_FORM: (
        "This contract's feedback gives 1 to 5 stars for each of skills, quality, availability, schedule, com"
        "munication and cooperation, as for every contract started before 1 Dec 2026; "
        "a single rating is for contracts started from that day."
    ),
    Feedback.RATING_FORM: (
        "This contract's feedback is one rating of 1 to 5 stars, as for every contract started from 1 Dec 202"
        "6; stars for skills, quality and the other categories are for contracts started before."
    ),
}


def feedback_star(form: str, key: str, value) -> int:
    """R10: one star field of a feedback form (a category of the six, or the single rating), 1 to 5."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        what = "the rating" if key == "rating" else key
        raise RuleError(f"Give 1 to 5 stars for {what}.", rule="R10", field=key)
    return value


def check_feedback(
    form: str, stars: dict, *, comment="", private_reason="", recommend: int | None = None, private_note=""
) -> dict:
    """R10: one feedback in the form of its contract's policy version (`queries.feedback_form`), as the columns
    to store. The six-category form (v1) takes a star for each category and, privately, a reason for ending
    and a 0-10 recommendation; the rating form (v2) takes one rating and, privately, a note. The other form's
    fields are refused in words, never dropped. (The freelancer's feedback has no private part: leave those
    unset.)"""
    own = Feedback.STARS[form]
    other = [k for k in stars if k not in own and any(k in keys for keys in Feedback.STARS.values())]
    if other:
        raise RuleError(_OTHER_FORM[form], rule="R10", field=other[0])
    out = {key: feedback_star(form, key, stars.get(key)) for key in own}
    unknown = set(stars) - set(own)
    if unknown:
        raise RuleError(f"Unknown feedback category: {', '.join(sorted(unknown))}.", rule="R10")
    if form == Feedback.RATING_FORM:
        if (private_reason or "").strip() or recommend is not None:
            raise RuleError(
                "This contract's feedback has an optional private note, not a reason for ending or a 0 to 10 "
                "recommendation: write those in the private note.",
                rule="R10",
                field="private_reason" if (private_reason or "").strip() else "recommend",
            )
        out["private_note"] = feedback_field("private_note", private_note)
    else:
        if (private_note or "").strip():
            raise RuleError(
                "This contract's feedback has no private note: its private part is the reason for ending and how "
                "likely you are to recommend the freelancer (0 to 10).",
                rule="R10",
                field="private_note",
            )
        if recommend is not None and (
            isinstance(recommend, bool) or not isinstance(recommend, int) or not 0 <= recommend <= 10
        ):
            raise RuleError("How likely you are to recommend is a number from 0 to 10.", rule="R10", field="recommend")
        out["private_reason"] = feedback_field("private_reason", private_reason)
        out["recommend"] = recommend
    out["comment"] = feedback_field("comment", comment)
    return out


# ------------------------------------------------------------------- the access register (R11)

_SECRET_WORDS = re.compile(r"(?i)\b(password|passwd|pwd|passcode|pin|token|secret|api[ _-]?key|private key)\s*[:=]")
_SECRET_SHAPES = re.compile(
    r"(ghp_|gho_|github_pat_|sk_live_|sk_test_|xox[bpas]-|AKIA)[A-Za-z0-9_\-]{8,}"  # well-known token prefixes
    r"|(?=[A-Za-z0-9+/_\-]{20,})(?=\S*\d)(?=\S*[A-Za-z])[A-Za-z0-9+/_\-]{20,}"  # a long random-looking string
)


# What is certainly a secret, and refused: a password-like word with a one-word value after it
# ("password: hunter2", "token=abc123"), a token in a well-known format, a private key block.
_SECRET_VALUE = re.compile(
    r"(?i)\b(password|passwd|pwd|passcode|pin|token|secret|api[ _-]?key|private key)\s*[:=]\s*\S+\s*$"
    r"|(ghp_|gho_|github_pat_|sk_live_|sk_test_|xox[bpas]-|AKIA)[A-Za-z0-9_\-]{8,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)


def check_access_text(value, field: str, label: str, *, required: bool = True) -> str:
    """R11: an entry of the access register names the access; a text that holds a secret is refused."""
    text = check_text(value, field, label, required=required)
    if _SECRET_VALUE.search(text):
        raise RuleError(
            "This holds a password, token or key. Name the access (“GitHub org: write access”), "
            "never the secret itself: the access register never stores one.",
            rule="R11",
            field=field,
        )
    return text


def secret_warning(label: str) -> str | None:
    """R11: the access register holds labels such as "GitHub org: write access", never a secret.

    A warning when a label may contain a password, token or key but is not certainly one (those are
    refused by `check_access_text`): "CI deploy token: kept in the team vault" names a token, it is not one.
    """
    text = label or ""
    if _SECRET_WORDS.search(text) or _SECRET_SHAPES.search(text):
        return (
            "This looks like a password, token or key. The access register should name the access "
            "(“GitHub org: write access”), never hold the secret itself: remove it before saving."
        )
    return None


def access_field(key: str, value) -> str:
    """R11: one text of an access register entry (label, where), as stored; a secret is refused."""
    if key == "label":
        return check_access_text(value, "label", "label")
    if key == "where":
        return check_access_text(value, "where", "place", required=False)
    raise KeyError(key)


def check_given_on(given_on: date, today: date) -> date:
    """R11: access is registered on the day it was given, never a day after today."""
    if given_on > today:
        raise RuleError("Access cannot be given in the future.", rule="R11", field="given_on")
    return given_on


def deliverable_field(key: str, value) -> str:
    """R11: one text of something to receive back (label, note), as stored."""
    if key == "label":
        return check_text(value, "label", "label")
    if key == "note":
        return check_note(value)
    raise KeyError(key)
