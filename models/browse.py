"""Browsing contracts: one page of the contracts table, sorted, filtered and searched in SQL.

The contracts table of the main window pages through these queries (never a
proxy model over the whole book). Every sort key has an index, ties are broken
by contract id, search uses the FTS5 trigram index (three characters or more;
shorter text does not filter: the window says so), and the
"Needs attention" filter reads the clock table's covering indexes. Nothing here
writes.

It reads through the book's SQLite connection (`Book.conn`, or the one
models/bookfile.py opened before peewee is imported), and imports neither peewee
nor the tables: the window shows the table's first page before loading them.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import NamedTuple

from .clock import utc_today

# A clock needs attention from its warn_from day; one that lapses stops needing it once due has passed
# (the clocks of RULES.md and their warning periods: models/summary.py). models/queries.py reads it too.
# Its two parts (a clock that lapses, or not) are also walked apart, each along the (lapses, due) index, to list
# the soonest first without reading every clock that needs attention (queries.attention).
ATTENTION_PARTS = (
    "k.lapses = 0 AND k.warn_from <= :today",
    "k.lapses = 1 AND k.due >= :today AND k.warn_from <= :today",
)
ATTENTION_WHERE = "(" + " OR ".join(f"({part})" for part in ATTENTION_PARTS) + ")"

# The Next deadline of a contract, one definition read by the contracts table: its soonest clock that needs
# attention today (ATTENTION_WHERE, the condition of the "Needs attention" filter and of the panel), else its
# soonest that still runs and asks something of the client (a refund window is shown only once it needs
# attention; a window that lapsed is no deadline any more). As "YYYY-MM-DD A kind", A = 1 when it needs
# attention: so a contract is in the filter exactly when its Next deadline is shown as needing attention.
# (The table sorts by the maintained soonest deadline, contract_totals.next_due, which has an index: the two
# differ where a deadline needing attention comes after one that does not yet, a refund window, a closed
# feedback window.)
NEXT_DEADLINE = f"""(SELECT k.due || ' ' || ({ATTENTION_WHERE}) || ' ' || k.kind FROM clock k
 WHERE k.contract_id = c.id AND (({ATTENTION_WHERE})
       OR (k.kind NOT IN ('refund_window', 'support_refund') AND (k.lapses = 0 OR k.due >= :today)))
 ORDER BY ({ATTENTION_WHERE}) DESC, k.due, k.kind LIMIT 1)"""
# The "Needs attention" filter: contracts with a clock that needs attention today.
NEEDS_ATTENTION = f"c.id IN (SELECT k.contract_id FROM clock k WHERE {ATTENTION_WHERE})"

# key -> SQL sort expressions (each indexed). The freelancer sort walks freelancers by name.
SORTS: dict[str, tuple[str, ...]] = {
    "title": ("c.title",),
    "freelancer": ("f.name", "f.id"),
    "status": ("c.status",),
    "currency": ("c.currency",),
    "budget": ("c.budget",),
    "escrow": ("t.escrow",),
    "paid": ("t.released",),
    "refunded": ("t.refunded",),
    "started": ("c.started_on",),
    "ended": ("c.ended_on",),
    "next": ("t.next_due IS NULL", "t.next_due"),
}
FILTERS = ("all", "active", "ended", "attention")
KEPT_COUNTS = {"all": "contracts", "active": "active", "ended": "ended"}  # book_total's column of each filter
# The Next deadline as shown (NEXT_DEADLINE), to sort a selective query by: its few rows are sorted by the date
# each shows, not by the maintained one.
NEXT_SHOWN = ("next_deadline IS NULL", "substr(next_deadline, 1, 10)")

_COLUMNS = """
c.id, c.title, f.name, c.status, c.currency, c.budget, t.escrow, t.released, t.refunded,
c.started_on, c.ended_on, {next} AS next_deadline,
(SELECT COUNT(*) FROM closeout_item i WHERE i.contract_id = c.id AND i.done_on IS NULL),
(SELECT k.due FROM clock k WHERE k.contract_id = c.id AND k.kind = 'dormant')
"""
COLUMNS_SQL = _COLUMNS.format(next=NEXT_DEADLINE)


class ContractRow(NamedTuple):
    """One line of the contracts table; money in the contract's minor units."""

    id: int
    title: str
    freelancer: str
    status: str
    currency: str
    budget: int | None
    escrow: int
    paid: int
    refunded: int
    started_on: date
    ended_on: date | None
    next_due: date | None
    next_kind: str
    closeout_open: int
    dormant_on: date | None = None  # R15: the day it becomes (or became) dormant, if nothing is recorded before
    next_attention: bool = False  # its Next deadline needs attention today (so it is in the "Needs attention" filter)


def _row(r: tuple) -> ContractRow:
    def d(v):
        return None if v is None else date.fromisoformat(v) if isinstance(v, str) else v

    due, attention, kind = r[11].split(" ", 2) if r[11] else (None, "0", "")
    return ContractRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], d(r[9]), d(r[10]), d(due), kind, r[12],
                       d(r[13]), attention == "1")  # fmt: skip


def fts_phrase(text: str) -> str:
    """User text as one FTS5 phrase (quotes doubled), so nothing typed is read as query syntax."""
    return '"' + text.replace('"', '""') + '"'


MIN_SEARCH = 3  # the trigram index answers from three characters on; shorter text does not filter
SPARSE = 5000  # up to this many search matches are fetched and sorted; more are tested while walking in order


class ContractQuery:
    """One filter and search over the contracts, read page by page in any order.

    Built once per filter or search change (it asks the search index how many
    contracts match, once), then `page()` for each sort or scroll and `count()`.
    """

    def __init__(self, conn: sqlite3.Connection, *, filter_: str = "all", search: str = "", today: date | None = None):
        if filter_ not in FILTERS:
            raise ValueError(f"unknown filter {filter_!r}")
        self.conn = conn
        self.filter = filter_
        self.search = search.strip()
        self.conds: list[str] = []
        self.params: dict = {"today": utc_today(today).isoformat()}  # the Next deadline is read for this day
        self.selective = False  # few rows left: let SQLite fetch them and sort
        self.matches: int | None = None
        self._count: int | None = None
        if filter_ in ("active", "ended"):
            self.conds.append("+c.status = :status")  # unary +: walk the sort index, not the status index
            self.params["status"] = filter_
        elif filter_ == "attention":
            self.conds.append(NEEDS_ATTENTION)
            self.selective = True
        if len(self.search) >= MIN_SEARCH:
            self.params["match"] = fts_phrase(self.search)
            self.matches = self.conn.execute(
                "SELECT COUNT(*) FROM contract_search WHERE contract_search MATCH :match", self.params
            ).fetchone()[0]
            sparse = self.matches <= SPARSE
            # Few matches: fetch and sort them. Many (unary +): walk the sort index and test each row.
            plus = "" if sparse or self.selective else "+"
            self.conds.append(f"{plus}c.id IN (SELECT rowid FROM contract_search WHERE contract_search MATCH :match)")
            self.selective = self.selective or sparse
            if filter_ == "all":
                self._count = self.matches

    def _where(self, *extra: str) -> str:
        conds = [*self.conds, *extra]
        return (" WHERE " + " AND ".join(conds)) if conds else ""

    def _from(self, sort: str) -> str:
        """Drive the scan from the table whose index gives the order, unless few rows are left."""
        if sort == "freelancer" and not self.selective:
            return (
                " FROM freelancer f CROSS JOIN contract c ON c.freelancer_id = f.id"
                " JOIN contract_totals t ON t.contract_id = c.id"
            )
        if SORTS[sort][-1].startswith("t.") and not self.selective:
            return (
                " FROM contract_totals t CROSS JOIN contract c ON c.id = t.contract_id"
                " JOIN freelancer f ON f.id = c.freelancer_id"
            )
        return (
            " FROM contract c JOIN freelancer f ON f.id = c.freelancer_id"
            " JOIN contract_totals t ON t.contract_id = c.id"
        )

    def page(self, *, sort: str = "title", descending: bool = False, offset: int = 0, limit: int = 500):
        """One page of contracts in the requested order."""
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}")
        direction = " DESC" if descending else ""
        # Ties broken by the id of the table the scan walks, which its index already holds in order.
        tie = "t.contract_id" if SORTS[sort][-1].startswith("t.") else "c.id"
        order = ", ".join(f"{expr}{direction}" for expr in (*SORTS[sort], tie))
        if sort == "next" and self.selective:  # few rows (the "Needs attention" filter): by the date shown
            order = ", ".join(f"{expr}{direction}" for expr in (*NEXT_SHOWN, "c.id"))
        sql = (
            f"SELECT {COLUMNS_SQL}{self._from(sort)}{self._where()} "
            f"ORDER BY {order} LIMIT {int(limit)} OFFSET {int(offset)}"
        )
        return [_row(r) for r in self.conn.execute(sql, self.params)]

    def ids(self, *, sort: str = "title", descending: bool = False) -> list[int]:
        """Every matching contract's number, in the requested order (to export what the table shows)."""
        return [row.id for row in self.page(sort=sort, descending=descending, limit=-1)]

    def count(self) -> int:
        if self._count is None and self.matches is None and self.filter in KEPT_COUNTS:
            # No search: the book's kept count of the filter's contracts (models/book_totals.py), a row per currency.
            sql = f"SELECT COALESCE(SUM({KEPT_COUNTS[self.filter]}), 0) FROM book_total"
            self._count = self.conn.execute(sql).fetchone()[0]
        if self._count is None:
            where = self._where().replace("+c.", "c.")
            self._count = self.conn.execute(f"SELECT COUNT(*) FROM contract c{where}", self.params).fetchone()[0]
        return self._count

    def includes(self, contract_id: int) -> bool:
        """Whether a contract belongs in this filter and search."""
        params = {**self.params, "one": int(contract_id)}
        sql = f"SELECT 1 FROM contract c{self._where('c.id = :one')}"
        return self.conn.execute(sql, params).fetchone() is not None


def contract_row(conn: sqlite3.Connection, contract_id: int, today: date | None = None) -> ContractRow | None:
    """The current line of one contract (to update a row after an operation)."""
    sql = (
        f"SELECT {COLUMNS_SQL} FROM contract c JOIN freelancer f ON f.id = c.freelancer_id "
        "JOIN contract_totals t ON t.contract_id = c.id WHERE c.id = :id"
    )
    r = conn.execute(sql, {"id": int(contract_id), "today": utc_today(today).isoformat()}).fetchone()
    return None if r is None else _row(r)
