"""The statement the marketplace would have written for a book: its transaction history as CSV, in either
shipped format (`escrowbook demo --statement`), for the tests and the demo.

One row per live ledger entry that moves money through the marketplace (R12: a reversed entry and its reversal
are not on it; a funding from remaining escrow never leaves the marketplace), its fee and initiation fee as rows
of their own, and a few rows of kinds these books do not keep (hourly work, Connects) to show they are listed.
Each row's reference is the entry's; its description names the milestone, the contract and the contract's
reference, as the marketplace's do. Rows come in date order. Money out of the client's account is negative.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from .csv_io import plain_amount, safe_cell
from .entities import LedgerEntry, database
from .money import CURRENCY_SYMBOL
from .partfiles import temporary_beside

REFERENCE_BASE = 700_000_000  # references look like the marketplace's (nine digits)
NOT_KEPT_EVERY = 997  # one hourly row and one Connects row after every this many entries

# (type, description start, sign) per ledger kind; an initiation fee is a fee entry with its own memo.
_ROWS = {
    LedgerEntry.FUND: ("Fixed Price", "Escrow funding", -1),
    LedgerEntry.FEE: ("Service Fee", "Marketplace fee", -1),
    LedgerEntry.RELEASE: ("Fixed Price", "Payment released to the freelancer", -1),
    LedgerEntry.DISPUTE_RELEASE: ("Fixed Price", "Dispute outcome: released to the freelancer", -1),
    LedgerEntry.ESCROW_REFUND: ("Refund", "Escrow refund", 1),
    LedgerEntry.DISPUTE_REFUND: ("Refund", "Dispute outcome: escrow refund", 1),
    LedgerEntry.REFUND: ("Refund", "Refund from the freelancer", 1),
    LedgerEntry.FEE_REFUND: ("Contract Initiation Fee", "Initiation fee returned", 1),
}
_INITIATION = ("Contract Initiation Fee", "Contract initiation fee", -1)
FORMATS = ("marketplace-2025", "marketplace-2019")

_QUERY = f"""
SELECT e.id, e.kind, e.amount, e.currency, e.date, e.memo, c.title, c.external_id, f.name, f.agency, m.title
FROM live_entry e
JOIN contract c ON c.id = e.contract_id
JOIN freelancer f ON f.id = c.freelancer_id
LEFT JOIN milestone m ON m.id = e.milestone_id
WHERE e.kind IN ({",".join(repr(k) for k in _ROWS)})
ORDER BY e.date, e.id
"""


def _money_2019(minor: int, currency: str, sign: int) -> str:
    text = plain_amount(minor, currency)
    whole, dot, frac = text.partition(".")
    body = f"{int(whole):,}" + dot + frac
    symbol = CURRENCY_SYMBOL.get(currency, "") if currency == "USD" else ""
    return f"({symbol}{body})" if sign < 0 else f"{symbol}{body}"


def _day_2019(iso: str) -> str:
    y, m, d = iso.split("-")
    month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][int(m) - 1]
    return f"{month} {int(d)}, {y}"


def rows(fmt: str = "marketplace-2025"):
    """The statement's header row, then its rows, from the open book."""
    if fmt not in FORMATS:
        raise ValueError(f"no statement format {fmt!r}")
    old = fmt == "marketplace-2019"
    if old:
        yield ["Date", "Ref ID", "Type", "Description", "Agency", "Freelancer", "Team", "Account Name", "PO",
               "Amount", "Amount in local currency", "Currency", "Balance"]  # fmt: skip
    else:
        yield ["Date", "Transaction ID", "Transaction Type", "Transaction Summary", "Transaction Summary Details",
               "Description 1", "Description 2", "Description 3", "Entered Description", "Agency", "Freelancer",
               "Team", "Account Name", "PO", "Ref ID", "Amount $", "Amount in local currency", "Currency",
               "Current Balance $", "Payment Method"]  # fmt: skip
    balance: dict[str, int] = {}
    for n, entry in enumerate(database.execute_sql(_QUERY), start=1):
        eid, kind, amount, currency, day, memo, title, ref, name, agency, milestone = entry
        type_, words, sign = (
            _INITIATION if kind == LedgerEntry.FEE and memo.startswith("Contract initiation") else _ROWS[kind]
        )
        what = f"{words}: {milestone}" if milestone else words
        reference = str(REFERENCE_BASE + eid)
        balance[currency] = balance.get(currency, 0) + sign * amount
        if old:
            amount_text = _money_2019(amount, currency, sign)
            held = balance[currency]
            shown = _money_2019(abs(held), currency, 1 if held >= 0 else -1)
            yield [_day_2019(day), reference, type_, f"{what} - {title} ({ref})", agency, name, "Acme Ltd",
                   "Acme Ltd", "", amount_text, amount_text, currency, shown]  # fmt: skip
        else:
            amount_text = ("-" if sign < 0 else "") + plain_amount(amount, currency)
            yield [day, reference, type_, what, f"{title} ({ref})", milestone or "", "", "", "", agency, name,
                   "Acme Ltd", "Acme Ltd", "", ref, amount_text, amount_text, currency,
                   ("-" if balance[currency] < 0 else "") + plain_amount(abs(balance[currency]), currency),
                   "Visa ending 4242"]  # fmt: skip
        if n % NOT_KEPT_EVERY == 0:
            for extra, (kind_text, summary, value) in enumerate(
                (("Hourly", f"Invoice for hours worked - {title}", 4500), ("Connects", "Connects bundle", 1500))
            ):
                extra_ref = f"NK{REFERENCE_BASE + eid}{extra}"
                if old:
                    yield [_day_2019(day), extra_ref, kind_text, summary, agency, name, "Acme Ltd", "Acme Ltd", "",
                           _money_2019(value, "USD", -1), "", "USD", ""]  # fmt: skip
                else:
                    cost = "-" + plain_amount(value, "USD")
                    yield [day, extra_ref, kind_text, summary, "", "", "", "", "", agency, name, "Acme Ltd",
                           "Acme Ltd", "", "", cost, "", "USD", "", "Visa ending 4242"]  # fmt: skip


def write_statement(path: str | os.PathLike, fmt: str = "marketplace-2025") -> int:
    """Write the open book's statement to `path` (UTF-8 with a byte order mark, as the marketplace's download),
    through a temporary file moved into place. Returns the rows written (without the header)."""
    path = Path(path)
    count = 0
    produced = rows(fmt)
    header = next(produced)
    figures = {i for i, h in enumerate(header) if h.startswith(("Amount", "Balance", "Current Balance"))}
    with temporary_beside(path, "csv") as part:
        with open(part, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            writer.writerow(header)
            for row in produced:  # text cells formula-safe (a title may start with "="); figures as they are
                writer.writerow([c if i in figures else safe_cell(c) for i, c in enumerate(row)])
                count += 1
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, path)
    return count
