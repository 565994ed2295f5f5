"""Escrowbook's books: peewee models, every bookkeeping rule (RULES.md R1-R14), every write.

Never imports Qt. `desktop` imports this package, never the reverse.

The names below are loaded on first use (PEP 562), so that importing one light
module (models.bookfile, models.browse, models.clock) does not import peewee and
every table first: the window shows the contracts table before it needs them.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "Book": "book",
    "default_book_path": "book",
    "open_book": "book",
    "schema_version": "book",
    "AccessGrant": "entities",
    "AuditLog": "entities",
    "Clock": "entities",
    "CloseoutItem": "entities",
    "Contract": "entities",
    "ContractTotals": "entities",
    "Dispute": "entities",
    "EscrowRefundRequest": "entities",
    "Feedback": "entities",
    "Freelancer": "entities",
    "LedgerEntry": "entities",
    "Milestone": "entities",
    "Policy": "entities",
    "database": "entities",
    "BookError": "errors",
    "RuleError": "errors",
    "format_money": "money",
    "parse_amount": "money",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'models' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
