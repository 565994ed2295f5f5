"""How the app shows money, dates and deadlines: one formatter each."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import QDate, QDateTime, QLocale, QTimeZone

from models.money import format_money


def money(minor: int | None, currency: str) -> str:
    """R1: integer minor units shown in the contract's currency (the one formatter of models)."""
    return "" if minor is None else format_money(minor, currency)


def day(d: date | None) -> str:
    """A calendar date in the user's locale, short and unambiguous: 26 Nov 2026."""
    if d is None:
        return ""
    return QLocale().toString(QDate(d.year, d.month, d.day), "d MMM yyyy")


def local_time(utc: datetime | None) -> str:
    """A UTC instant (naive, as the book stores them) in the user's local time."""
    if utc is None:
        return ""
    aware = utc.replace(tzinfo=UTC) if utc.tzinfo is None else utc
    q = QDateTime.fromSecsSinceEpoch(int(aware.timestamp()), QTimeZone.utc()).toLocalTime()
    return QLocale().toString(q, "d MMM yyyy, HH:mm")


def utc_time(utc: datetime | None) -> str:
    if utc is None:
        return ""
    return f"{utc:%d %b %Y, %H:%M} UTC"


# The contracts table's shorter names of the clocks (the contract page uses models' full ones).
SHORT_LABELS = {
    "review": "Review ends",
    "escrow_reply": "Escrow refund reply due",
    "dispute_answer": "Dispute answer due",
    "mediation": "Mediation ends",
    "dispute_proposal": "Proposal due",
    "dispute_acceptance": "Acceptance due",
    "refund_window": "Refund window closes",
    "support_refund": "Support refunds end",
    "feedback": "Feedback closes",
    "closeout": "Closeout due",
    "dormant": "Dormant",
}


def deadline(due: date | None, kind: str, today: date, *, short: bool = False) -> tuple[str, bool]:
    """("15 Mar 2026 · Review period ends (automatic release)", overdue?); `short` for the table."""
    if due is None or not kind:
        return "", False
    overdue = due < today
    if short:
        labels = SHORT_LABELS
    else:
        from models.queries import CLOCK_LABELS as labels  # here: the table shows only the short ones

    what = labels.get(kind, kind)
    days = (due - today).days
    if kind == "dormant" and days <= 0:  # R15: a state from that day on, not a deadline that can be missed
        return f"Dormant since {day(due)}", False
    if kind == "dormant":
        what = "Becomes dormant" if short else "Becomes dormant if nothing is recorded"
    if overdue:
        when = f"overdue since {day(due)}"
    elif days == 0:
        when = "today"
    elif days == 1:
        when = "tomorrow"
    else:
        when = day(due)
    return f"{when} · {what}", overdue


# How a deadline that needs attention stands today, each with its own icon (a shape: never colour alone) and
# its own colour (desktop/widgets/appearance.COLOURS, 4.5:1 on light and dark): (icon, colour, words).
OVERDUE, DUE_TODAY, SOON = "overdue", "due_today", "soon"
STATES = {
    OVERDUE: ("overdue", "overdue", "Overdue"),
    DUE_TODAY: ("due-today", "due_today", "Due today"),
    SOON: ("attention", "upcoming", "Coming up"),
}


def deadline_state(due: date | None, kind: str, today: date, attention: bool = True) -> str | None:
    """OVERDUE, DUE_TODAY or SOON for a deadline that needs attention today (None: it does not). A dormant
    contract is a state from its day on, not a deadline missed (R15): SOON."""
    if due is None or not attention:
        return None
    if kind == "dormant":
        return SOON
    if due < today:
        return OVERDUE
    return DUE_TODAY if due == today else SOON


def spoken(text: str) -> str:
    """What a screen reader should say for a control's text: no mnemonic "&", no trailing "…"."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def person(name: str) -> str:
    """A person's name (who recorded something, in a shared book) inside a sentence or a cell of text: set apart
    in a direction of its own (first strong isolate ... pop directional isolate), so an Arabic name reads as
    written and the English around it keeps its order."""
    return f"\u2068{name}\u2069" if name else ""
