"""Escrowbook's books: peewee models, every bookkeeping rule (RULES.md R1-R14), every write.

Never imports Qt. `desktop` imports this package, never the reverse.

The names below are loaded on first use (PEP 562), so that importing one light
module (models.bookfile, models.browse, models.clock) does not import peewee and
every table first: the window shows the contracts table before it needs them.
"""

from __future__ import annotations

import importlib
import sys

# peewee imports every PostgreSQL and MySQL driver it finds as it loads (psycopg: ~140 ms of CPU at every start);
# a SQLite book needs none of them. They are hidden from peewee while it loads; models/pgstore.py hands it
# psycopg when a book kept in PostgreSQL is opened.
_DRIVERS = ("psycopg", "psycopg2", "psycopg2cffi", "pymysql", "MySQLdb")


class _PeeweeWithoutDrivers:
    """An import hook (a finder of sys.meta_path and the loader it gives) for peewee alone, used once."""

    def find_spec(self, name, path, target=None):
        if name != "peewee":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec("peewee")
        if spec is not None and spec.loader is not None:
            self.loader = spec.loader
            spec.loader = self
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        hidden = [n for n in _DRIVERS if n not in sys.modules]
        for n in hidden:
            sys.modules[n] = None  # (an import of it fails at once: ImportError)
        try:
            self.loader.exec_module(module)
        finally:
            for n in hidden:
                if sys.modules.get(n, 0) is None:
                    del sys.modules[n]


if "peewee" not in sys.modules:
    sys.meta_path.insert(0, _PeeweeWithoutDrivers())

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
