"""A small book for the year-end pack's tests (models and desktop): two freelancers, one with an Arabic name;
contracts in USD, EUR and JPY in 2026, one with a 200-character title and one whose title starts like a
spreadsheet formula; payments, fees, a refund, an escrow refund, a reversal; EUR as the home currency, with
rates for USD and none for JPY (its figures say the rate is missing); and a contract of 2025, outside the year."""

from __future__ import annotations

from datetime import date

from models import ops, rates
from models.entities import LedgerEntry as E
from tests.models.rules import funded_milestone

D1, D2, D3 = date(2026, 3, 2), date(2026, 3, 31), date(2026, 4, 1)
LONG_TITLE = ("Brand identity refresh for the northern region's retail stores, including signage, packaging, "
              "a style guide and the launch campaign's printed and online material, delivered in three stages over "
              "spring")  # fmt: skip
ARABIC = "سارة الحسيني"
FORMULA_TITLE = "=SUM(A1:A9) site build"


def build(today: date = date(2026, 12, 5)) -> dict:
    assert len(LONG_TITLE) == 200, len(LONG_TITLE)
    sara = ops.create_freelancer(ARABIC, agency="Studio Nour")
    ben = ops.create_freelancer("Ben Okafor")
    old = ops.create_contract("Old logo", ben, currency="USD", budget=10_000, started_on=date(2025, 3, 1),
                              today=date(2025, 3, 1))  # fmt: skip
    m0 = funded_milestone(old, 8_000, "Old", today=date(2025, 3, 2))
    ops.release_payment(m0, today=date(2025, 3, 5))
    ops.end_contract(old, agreed=True, request_escrow_refund=False, today=date(2025, 3, 6))
    usd = ops.create_contract(LONG_TITLE, sara, currency="USD", budget=60_000, started_on=date(2026, 3, 1),
                              today=date(2026, 3, 1))  # fmt: skip
    eur = ops.create_contract(FORMULA_TITLE, ben, currency="EUR", budget=100_000, started_on=date(2026, 3, 1),
                              today=date(2026, 3, 1))  # fmt: skip
    jpy = ops.create_contract("Copy", sara, policy="direct", currency="JPY", started_on=date(2026, 3, 1),
                              today=date(2026, 3, 1))  # fmt: skip
    m = funded_milestone(usd, 50_000, "Draft", today=D1)
    pay = ops.release_payment(m, today=D2)
    ops.record_refund(pay, 5_000, today=D3)
    m2 = funded_milestone(usd, 30_000, "Final", today=D3)
    ops.release_payment(m2, 10_000, today=D3)
    m3 = funded_milestone(eur, 120_000, "Build", today=D1)
    ops.release_payment(m3, today=D2)
    wrong = funded_milestone(eur, 7_000, "Typo", today=D2)
    ops.reverse_entry(E.get((E.milestone == wrong.id) & (E.kind == E.FUND)), memo="Recorded in error", today=D2)
    m4 = funded_milestone(jpy, 9_000, "Text", today=D3)
    ops.release_payment(m4, 4_000, today=D3)
    ops.end_contract(jpy, agreed=True, request_escrow_refund=True, today=D3)
    ops.record_escrow_refund_reply(jpy.escrow_refund_requests.get(), "approved", today=D3)
    rates.set_home_currency("EUR")
    rates.record_rate("USD", "2026-03", "0.9", today=today)
    rates.record_rate("USD", "2026-04-01", "0.92", today=today)
    return {"sara": sara, "ben": ben, "usd": usd, "eur": eur, "jpy": jpy, "old": old}
