"""Pieces of the models' SQL that PostgreSQL needs said otherwise, registered by the module that writes them
(`rewrite`) and applied by models/pgstore.py's translation on a book kept in PostgreSQL. Standard library only
and nothing compiled here: a SQLite book never loads models/pgstore.py."""

from __future__ import annotations

import sys

REWRITES: dict[str, str] = {}


def rewrite(sqlite_text: str, postgresql_text: str) -> None:
    """Say `sqlite_text`, wherever the models' SQL has it, as `postgresql_text` on a PostgreSQL book."""
    REWRITES[sqlite_text] = postgresql_text
    translate = getattr(sys.modules.get("models.pgstore"), "translate", None)
    if translate is not None:  # (what it translated before is translated again)
        translate.cache_clear()
