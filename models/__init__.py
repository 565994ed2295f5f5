"""Escrowbook's books: peewee models, every bookkeeping rule (RULES.md R1-R14), every write.

Never imports Qt. `desktop` imports this package, never the reverse.
"""

from .book import Book, default_book_path, open_book, schema_version
from .entities import (
    AccessGrant,
    AuditLog,
    Clock,
    CloseoutItem,
    Contract,
    ContractTotals,
    Dispute,
    EscrowRefundRequest,
    Feedback,
    Freelancer,
    LedgerEntry,
    Milestone,
    Policy,
    database,
)
from .errors import BookError, RuleError
from .money import format_money, parse_amount

__all__ = [
    "AccessGrant",
    "AuditLog",
    "Book",
    "BookError",
    "Clock",
    "CloseoutItem",
    "Contract",
    "ContractTotals",
    "Dispute",
    "EscrowRefundRequest",
    "Feedback",
    "Freelancer",
    "LedgerEntry",
    "Milestone",
    "Policy",
    "RuleError",
    "database",
    "default_book_path",
    "format_money",
    "open_book",
    "parse_amount",
    "schema_version",
]
