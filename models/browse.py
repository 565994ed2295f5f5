"""Browsing contracts: one page of the contracts table, sorted, filtered and searched in SQL.

The contracts table of the main window pages through these queries (never a
proxy model over the whole book). Every sort key has an index, ties are broken
by contract id, search uses the FTS5 trigram index (three characters or more;
one or two find the titles, freelancer names and contract ids starting with them,
from their NOCASE indexes), no query counts its matches before the first page
(`count()` is asked for apart: the window runs it off its GUI thread), and the
"Needs attention" filter reads the clock table's covering indexes. Nothing here
writes.

It reads through the book's SQLite connection (`Book.conn`, or the one
models/bookfile.py opened before peewee is imported), and imports neither peewee
nor the tables: the window shows the table's first page before loading them.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
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
# The same test on one row, to walk a sort index when many contracts need attention (through the row's clocks).
ATTENTION_ROW = (
    f"EXISTS (SELECT 1 FROM clock k INDEXED BY clock_contract_id_due WHERE k.contract_id = c.id AND {ATTENTION_WHERE})"
)

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
# The Next deadline as shown (NEXT_DEADLINE), to sort the "Needs attention" filter by: its rows are sorted by the
# date each shows, not by the maintained one (read for every row it holds).
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


MIN_SEARCH = 3  # the trigram index answers from three characters on; one or two find what starts with them
SPARSE = 20_000  # up to this many search matches are fetched and sorted (by their keys: ~1-2 µs each); more are
# tested while walking a sort index in order
COUNT_SLICE = 5_000  # a search matching many is counted this many contracts at a time (~10 ms each at 1,000,000):
# between two, the connection is free for the window's own reads (a count of every match at once held it ~0.5 s)
WALK_STEPS = 600  # SQLite instructions a first page's walk may take per row asked for (~20 ms for 100 rows at
# 1,000,000 contracts): past them, the matches sit together far along the order (titles holding "Logo", in the
# middle of the title order) and are fetched and sorted instead

# One or two characters: the contracts whose title, freelancer's name or contract id starts with them, letters
# A to Z in either case (SQLite's LIKE), each from its own index (COLLATE NOCASE, book format 7).
PREFIX_IDS = (
    "SELECT id FROM contract WHERE title LIKE :prefix ESCAPE '\\'"
    " UNION ALL SELECT c2.id FROM freelancer f2 JOIN contract c2 ON c2.freelancer_id = f2.id"
    " WHERE f2.name LIKE :prefix ESCAPE '\\'"
    " UNION ALL SELECT id FROM contract WHERE external_id LIKE :prefix ESCAPE '\\'"
)
# The same columns on one row, to test each row while walking a sort index when a search matches many: LIKE with
# :pattern, what starts with the text (one or two characters) or holds it (three or more, where the trigram
# index compares letters outside A to Z without their case too: a search for "é" finds "É" only among few).
SEARCHED_ROW = ("c.title", "f.name", "c.external_id")
FTS_IDS = "SELECT rowid AS id FROM contract_search WHERE contract_search MATCH :match"
# A search's matches when they are few: the ids read once (as a JSON array), for its pages and its count.
FOUND_IDS = "SELECT value FROM json_each(:found)"
# The matches that are not in the title, of a search matching many titles (an arm of a title-ordered page):
# the freelancer's name or the contract id starting with it (one or two characters), or holding it.
OTHER_PREFIX_IDS = PREFIX_IDS.split(" UNION ALL ", 1)[1]
OTHER_FTS_IDS = "SELECT rowid AS id FROM contract_search WHERE contract_search MATCH :others_match"
TITLE_FTS_IDS = "SELECT rowid AS id FROM contract_search WHERE contract_search MATCH :title_match"
OTHERS = 5_000  # a title-ordered page merges the title ranges with up to this many other matches, sorted apart
TITLES_COUNTED = 100_000  # a search's title matches are counted up to this many (~5 ms at 1,000,000 contracts)
SAMPLES = 16  # title matches read (spread over their ids, each found by a seek in the search index) to guess the
# range of titles holding them all
# The first and the last title match (by id): the ends of the ids the sample is spread over.
TITLE_ENDS = f"SELECT ({TITLE_FTS_IDS} ORDER BY rowid LIMIT 1), ({TITLE_FTS_IDS} ORDER BY rowid DESC LIMIT 1)"
# The titles of the first title match from each of the ids in :points on.
SAMPLED_TITLES = (
    "SELECT title FROM contract WHERE id IN"
    f" (SELECT ({TITLE_FTS_IDS} AND rowid >= p.value ORDER BY rowid LIMIT 1) FROM json_each(:points) p)"
)


def ascii_fold(text: str) -> str:
    """`text` with A to Z in lower case and every other letter as it is, as SQLite's LIKE and NOCASE compare."""
    return "".join(chr(ord(ch) + 32) if "A" <= ch <= "Z" else ch for ch in text)


def like_prefix(text: str) -> str:
    """A LIKE pattern for what starts with `text` (its own %, _ and \\ taken literally)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def like_contains(text: str) -> str:
    """A LIKE pattern for what holds `text` anywhere (its own %, _ and \\ taken literally)."""
    return "%" + like_prefix(text)


def prefix_matches(text: str, *fields: str | None) -> bool:
    """What a one- or two-character search finds, in Python: a field starting with the text, A to Z in either
    case (as SQLite's LIKE compares). The tests hold the SQL to it."""

    return any(f is not None and ascii_fold(f).startswith(ascii_fold(text)) for f in fields)


def contains_matches(text: str, *fields: str | None, unicode: bool = False) -> bool:
    """What a search of three characters or more finds, in Python: a field holding the text, letters A to Z in
    either case (as SQLite's LIKE compares, what a search matching many tests on each row), or every letter
    with `unicode` (as the trigram index compares, what a search matching few reads). The tests hold the SQL
    to it."""

    fold = str.lower if unicode else ascii_fold
    return any(f is not None and fold(text) in fold(f) for f in fields)


def _common_start(texts: list[str]) -> str:
    """The longest text every one of `texts` starts with ("" for none)."""
    if not texts:
        return ""
    low, high = min(texts), max(texts)
    n = 0
    while n < len(low) and low[n] == high[n]:
        n += 1
    return low[:n]


def filter_count(conn: sqlite3.Connection, filter_: str, today: date | None = None) -> int:
    """How many contracts a filter shows (no search): All, Active and Ended from the book's kept counts; Needs
    attention by reading the contracts it holds (what needs attention depends on the day)."""
    if filter_ not in FILTERS:
        raise ValueError(f"unknown filter {filter_!r}")
    if filter_ in KEPT_COUNTS:  # the book's kept count of the filter's contracts (models/book_totals.py)
        return conn.execute(f"SELECT COALESCE(SUM({KEPT_COUNTS[filter_]}), 0) FROM book_total").fetchone()[0]
    sql = f"SELECT COUNT(DISTINCT k.contract_id) FROM clock k WHERE {ATTENTION_WHERE}"
    return conn.execute(sql, {"today": utc_today(today).isoformat()}).fetchone()[0]


class ContractQuery:
    """One filter and search over the contracts, read page by page in any order.

    Built once per filter or search change: it asks the search index whether at most SPARSE contracts match
    (reading no more than SPARSE + 1 of them, whatever the query), then `page()` for each sort or scroll.
    `count()` counts every match: the window runs it off its GUI thread, after the first page is shown.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        filter_: str = "all",
        search: str = "",
        today: date | None = None,
        narrows: ContractQuery | None = None,
    ):
        if filter_ not in FILTERS:
            raise ValueError(f"unknown filter {filter_!r}")
        self.conn = conn
        self.filter = filter_
        self.search = search.strip()
        self.conds: list[str] = []
        self.count_conds: list[str] = []  # the same, for count(): sets, never a test on each row
        self.params: dict = {"today": utc_today(today).isoformat()}  # the Next deadline is read for this day
        self.selective = False  # few rows left: let SQLite fetch them and sort
        self.sparse: bool | None = None  # the search matches at most SPARSE contracts (None: no search)
        self._count: int | None = None
        self._arms: list[str] | bool | None = False  # _title_arms(), once read
        self.walks: dict[tuple[str, bool], bool] = {}  # (sort, descending) -> a search's pages are walked, not fetched
        # (sort, descending) -> the sort keys of the first contract shown, None if none is: a search typed on from
        # this one finds none before it (its matches are among these), so its walk starts there
        self.firsts: dict[tuple[str, bool], tuple | None] = {}
        self.changes = conn.total_changes  # the book as it was read (a write since could move the first contract)
        if filter_ in ("active", "ended"):
            self.conds.append("+c.status = :status")  # unary +: walk the sort index, not the status index
            self.params["status"] = filter_
        self.count_conds = [cond.replace("+c.", "c.") for cond in self.conds]
        if filter_ == "attention":  # few: fetched and sorted; many: each row tested while walking in order
            capped = f"SELECT COUNT(*) FROM (SELECT 1 FROM clock k WHERE {ATTENTION_WHERE} LIMIT {SPARSE + 1})"
            self.selective = self.conn.execute(capped, self.params).fetchone()[0] <= SPARSE
            self.conds.append(NEEDS_ATTENTION if self.selective else ATTENTION_ROW)
            self.count_conds.append(NEEDS_ATTENTION)
        self.after = narrows.firsts if narrows is not None and self._narrows(narrows) else {}
        if not self.search:
            return
        if len(self.search) >= MIN_SEARCH:
            self.params["match"] = fts_phrase(self.search)
            self.params["pattern"] = like_contains(self.search)
            ids = FTS_IDS
        else:
            self.params["prefix"] = self.params["pattern"] = like_prefix(self.search)
            ids = PREFIX_IDS
        capped = f"SELECT COUNT(*), json_group_array(id) FROM ({ids} LIMIT {SPARSE + 1})"
        found, self.params["found"] = self.conn.execute(capped, self.params).fetchone()
        self.sparse = found <= SPARSE
        if self.sparse:  # the search's indexes are read once: its pages and its count read the ids found
            ids = FOUND_IDS
        else:
            del self.params["found"]
        self.filter_conds = list(self.conds)
        self.count_conds.append(f"c.id IN ({ids})")
        self.fetch_conds = [*self.conds, f"c.id IN ({ids})"]  # the matches fetched from the search's indexes
        if self.sparse:  # few matches: fetch and sort them
            self.conds = self.fetch_conds
            self.selective = True
        else:  # many: each row of the sort index tested on its own columns (unary +: never their indexes); a page
            # fetched instead (its matches far along the order) is tested alike, so that a page finds the same
            # contracts walked or fetched (the trigram index compares letters outside A to Z without their case)
            row_test = "(" + " OR ".join(f"+{test} LIKE :pattern ESCAPE '\\'" for test in SEARCHED_ROW) + ")"
            self.conds.append(row_test)
            self.fetch_conds.append(row_test)

    def _narrows(self, wider: ContractQuery) -> bool:
        """Whether every contract this query finds, `wider` finds too (a search typed on, nothing written since)."""

        old, new = ascii_fold(wider.search), ascii_fold(self.search)
        same = (wider.conn, wider.filter, wider.params["today"], wider.changes) == (
            self.conn,
            self.filter,
            self.params["today"],
            self.conn.total_changes,
        )
        if not same:
            return False
        if not old:
            return True
        if len(old) >= MIN_SEARCH:  # held anywhere (in a few, the trigram index folds more letters: more found)
            return len(new) >= MIN_SEARCH and old in new
        return len(new) < MIN_SEARCH and new.startswith(old)

    def _where(self, *extra: str, conds: list[str] | None = None) -> str:
        conds = [*(self.conds if conds is None else conds), *extra]
        return (" WHERE " + " AND ".join(conds)) if conds else ""

    def _from(self, sort: str, selective: bool) -> str:
        """Drive the scan from the table whose index gives the order, unless few rows are left."""
        if sort == "freelancer" and not selective:
            return (
                " FROM freelancer f CROSS JOIN contract c ON c.freelancer_id = f.id"
                " JOIN contract_totals t ON t.contract_id = c.id"
            )
        if SORTS[sort][-1].startswith("t.") and not selective:
            return (
                " FROM contract_totals t CROSS JOIN contract c ON c.id = t.contract_id"
                " JOIN freelancer f ON f.id = c.freelancer_id"
            )
        return (
            " FROM contract c JOIN freelancer f ON f.id = c.freelancer_id"
            " JOIN contract_totals t ON t.contract_id = c.id"
        )

    @staticmethod
    def _keys_from(sort: str, conds: list[str]) -> str:
        """The tables a selective query's sort keys and conditions read, no more (a join per match is not free)."""
        tables = " FROM contract c"
        if sort == "freelancer" or any("f." in cond for cond in conds):
            tables += " JOIN freelancer f ON f.id = c.freelancer_id"
        if SORTS[sort][-1].startswith("t."):
            tables += " JOIN contract_totals t ON t.contract_id = c.id"
        return tables

    def page(self, *, sort: str = "title", descending: bool = False, offset: int = 0, limit: int = 500):
        """One page of contracts in the requested order."""
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}")
        direction = " DESC" if descending else ""
        # Ties broken by the id of the table the scan walks, which its index already holds in order.
        tie = "t.contract_id" if SORTS[sort][-1].startswith("t.") else "c.id"
        order = ", ".join(f"{expr}{direction}" for expr in (*SORTS[sort], tie))
        selective, conds = self.selective, self.conds
        shown = ""
        if sort == "next" and self.filter == "attention":  # the "Needs attention" filter: by the date shown
            order = ", ".join(f"{expr}{direction}" for expr in (*NEXT_SHOWN, "c.id"))
            selective, conds, shown = True, self.count_conds, f", {NEXT_DEADLINE} AS next_deadline"
        window = f"ORDER BY {order} LIMIT {int(limit)} OFFSET {int(offset)}"
        if self.sparse is False and not selective:  # a search matching many: walked, unless they sit far along
            walked = self.walks.get((sort, descending))
            if sort == "title" and (len(self.search) < MIN_SEARCH or (sort, descending) not in self.after):
                arms = self._title_arms()  # matches in ranges of titles (unless typed on: walked from the first)
                if arms is not None:
                    return self._merged(arms, descending, offset, limit)
            if walked is None and offset == 0 and limit > 0:
                start = self._start(sort, descending)
                if start is None:
                    return []
                found = self._walk(f"SELECT c.id{self._from(sort, False)}{self._where(*start)} {window}", limit)
                self.walks[sort, descending] = walked = found is not None
                if found is not None:
                    rows = self._rows(found)
                    if sort in ("title", "freelancer"):
                        self._first(sort, descending, rows)
                    return rows
            if walked is False and sort == "title" and self._title_arms() is not None:
                return self._merged(self._title_arms(), descending, offset, limit)
            if walked is False:
                selective, conds = True, self.fetch_conds
        if selective:  # the matches are sorted by their keys alone: the columns are read for the page only
            sql = (
                f"SELECT {COLUMNS_SQL} FROM (SELECT c.id AS id{shown}{self._keys_from(sort, conds)}"
                f"{self._where(conds=conds)} {window}) p"
                " CROSS JOIN contract c ON c.id = p.id JOIN freelancer f ON f.id = c.freelancer_id"
                f" JOIN contract_totals t ON t.contract_id = c.id ORDER BY {order}"
            )
        else:  # walking a sort index: it stops at the page's last row
            sql = f"SELECT {COLUMNS_SQL}{self._from(sort, False)}{self._where()} {window}"
        rows = [_row(r) for r in self.conn.execute(sql, self.params)]
        if offset == 0 and limit > 0 and sort in ("title", "freelancer") and not shown:
            self._first(sort, descending, rows)
        return rows

    def _merged(self, arms: list[str], descending: bool, offset: int, limit: int) -> list[ContractRow]:
        """A page in title order of the union of `arms` (each sorted: SQLite merges them, reading no more of each
        than the page needs)."""
        direction = " DESC" if descending else ""
        sql = " UNION ".join(arms) + f" ORDER BY 1{direction}, 2{direction} LIMIT {int(limit)} OFFSET {int(offset)}"
        rows = self._rows([r[1] for r in self.conn.execute(sql, self.params)])
        if offset == 0 and limit > 0:
            self._first("title", descending, rows)
        return rows

    def _title_arms(self) -> list[str] | None:
        """A search matching many, in title order, as the union of sorted arms (SQLite merges them in order): its
        title matches as ranges of the title index, each walked in order, and its other matches (freelancer,
        contract id), fetched and sorted apart when at most OTHERS. None when the title matches are not in known
        ranges or the others are more. Read once per query (the ranges' bounds go into `params`)."""
        if self._arms is not False:
            return self._arms
        self._arms = None
        params: dict = {}
        if len(self.search) < MIN_SEARCH:  # what starts with it: each way of writing it in either case, A to Z
            cases = [(ch.lower(), ch.upper()) if ch.isascii() and ch.isalpha() else (ch,) for ch in self.search]
            starts = sorted({"".join(p) for p in itertools.product(*cases)})
            test, others_test = "", ""
            other_ids = self._others(self.params, OTHER_PREFIX_IDS)
            if other_ids is None:
                return None
        else:  # what holds it: the range of titles starting as a sample of the matches all start, if it holds all
            phrase = fts_phrase(self.search)
            params = {"title_match": "{title} : " + phrase, "others_match": "{freelancer external_id} : " + phrase}
            # letters outside A to Z as the walk compares them: LIKE
            others_test = " AND (f.name LIKE :pattern ESCAPE '\\' OR c.external_id LIKE :pattern ESCAPE '\\')"
            # The other matches first: more than OTHERS and no arms are made, whatever the titles (a search
            # matching every contract id, say: counting its title matches would read every id's entry, ~50 ms).
            other_ids = self._others({**self.params, **params}, OTHER_FTS_IDS)
            if other_ids is None:
                return None
            counted = f"SELECT COUNT(*) FROM ({TITLE_FTS_IDS} LIMIT {TITLES_COUNTED + 1})"  # and its title matches
            titles = self.conn.execute(counted, params).fetchone()[0]
            if titles > TITLES_COUNTED:
                return None
            start = _common_start(self._sampled_titles(params)) if titles else ""
            starts = [start] if start else []
            test = " AND c.title LIKE :pattern ESCAPE '\\'"
            if titles and not starts:
                return None
        for n, start in enumerate(starts):
            if ord(start[-1]) == 0x10FFFF:
                return None
            params[f"low{n}"], params[f"high{n}"] = start, start[:-1] + chr(ord(start[-1]) + 1)
        conds = "".join(f" AND {cond}" for cond in self.filter_conds)
        arms = [
            f"SELECT c.title, c.id FROM contract c INDEXED BY contract_title"
            f" WHERE c.title >= :low{n} AND c.title < :high{n}{test}{conds}"
            for n in range(len(starts))
        ]
        params = {**self.params, **params}
        if len(self.search) >= MIN_SEARCH and starts and not self._holds_all(titles, starts[0], test, params):
            return None
        params["others"] = other_ids
        arms.append(
            "SELECT c.title, c.id FROM contract c JOIN freelancer f ON f.id = c.freelancer_id"
            f" WHERE c.id IN (SELECT value FROM json_each(:others)){others_test}{conds}"
        )
        self.params = params  # a new dict: a count may be reading the old one on its thread
        self._arms = arms
        return arms

    def _sampled_titles(self, params: dict) -> list[str]:
        """The titles of about SAMPLES title matches spread over their ids, the first and the last among them: each
        found by a seek in the search index (reading them all took ~8 ms at 1,000,000 contracts)."""
        first, last = self.conn.execute(TITLE_ENDS, params).fetchone()
        spread = sorted({first + (last - first) * n // SAMPLES for n in range(SAMPLES + 1)})
        points = "[" + ",".join(str(int(p)) for p in spread) + "]"  # (a JSON array of whole numbers)
        return [r[0] for r in self.conn.execute(SAMPLED_TITLES, {**params, "points": points})]

    def _holds_all(self, titles: int, start: str, test: str, params: dict) -> bool:
        """Whether the range of titles starting with `start` holds every one of the search's `titles` title
        matches (counted in the search index). When `start` itself holds the search, every title of the range
        holds it (so is a title match: the trigram index finds what LIKE finds): it holds them all when it has as
        many, read without testing one (~2 ms at 1,000,000 contracts, ~8 ms testing each). Else its titles
        holding the search are counted, reading no more of the range than twice TITLES_COUNTED titles (past them:
        not all held)."""
        if ascii_fold(self.search) in ascii_fold(start):  # as LIKE compares (what the walk and the arm test)
            enough = (
                "SELECT COUNT(*) FROM (SELECT 1 FROM contract c INDEXED BY contract_title"
                f" WHERE c.title >= :low0 AND c.title < :high0 LIMIT 1 OFFSET {int(titles) - 1})"
            )
            return self.conn.execute(enough, params).fetchone()[0] == 1
        held = (
            f"SELECT COUNT(*) FROM (SELECT {test[5:]} AS held FROM contract c INDEXED BY contract_title"
            f" WHERE c.title >= :low0 AND c.title < :high0 LIMIT {2 * TITLES_COUNTED}) WHERE held"
        )
        return self.conn.execute(held, params).fetchone()[0] == titles

    def _others(self, params: dict, others: str) -> str | None:
        """The search's matches outside the titles (freelancer, contract id: `others` finds them), as a JSON array
        of their ids, when at most OTHERS; else None. Reads no more than OTHERS + 1 of them."""
        capped = f"SELECT COUNT(*), json_group_array(id) FROM ({others} LIMIT {OTHERS + 1})"
        found, ids = self.conn.execute(capped, params).fetchone()
        return None if found > OTHERS else ids

    def _first(self, sort: str, descending: bool, rows: list[ContractRow]) -> None:
        """Note the sort keys of the first contract shown (a narrower search typed next starts there)."""
        if not rows:
            self.firsts[sort, descending] = None
        elif sort == "title":
            self.firsts[sort, descending] = (rows[0].title, rows[0].id)
        else:
            fid = self.conn.execute("SELECT freelancer_id FROM contract WHERE id = ?", (rows[0].id,)).fetchone()[0]
            self.firsts[sort, descending] = (rows[0].freelancer, fid, rows[0].id)

    def _start(self, sort: str, descending: bool) -> list[str] | None:
        """Where a walk starts: after no contract a wider search typed before showed first (None: it showed none)."""
        if (sort, descending) not in self.after:
            return []
        keys = self.after[sort, descending]
        if keys is None:
            return None
        self.params = {**self.params, **{f"after{n}": key for n, key in enumerate(keys)}}  # a new dict: a count
        # may be reading the old one on its thread
        ge, gt = (">=", ">") if not descending else ("<=", "<")
        if sort == "title":
            return [f"c.title {ge} :after0", f"(c.title {gt} :after0 OR c.id {ge} :after1)"]
        return [
            f"(f.name, f.id) {ge} (:after0, :after1)",
            f"((f.name, f.id) {gt} (:after0, :after1) OR c.id {ge} :after2)",
        ]

    def _walk(self, sql: str, limit: int) -> list[int] | None:
        """The contracts `sql` finds, or None if it takes more than WALK_STEPS instructions per row asked for.
        Only this thread's statements are counted and stopped (a count may run on the connection meanwhile)."""
        budget, thread, steps = WALK_STEPS * limit // 1000 + 1, threading.get_ident(), 0

        def step() -> int:
            nonlocal steps
            if threading.get_ident() != thread:
                return 0
            steps += 1
            return int(steps > budget)

        self.conn.set_progress_handler(step, 1000)
        try:
            return [r[0] for r in self.conn.execute(sql, self.params)]
        except sqlite3.OperationalError:
            if steps <= budget:
                raise  # interrupted by something else (conn.interrupt()): as any statement
            return None
        finally:
            self.conn.set_progress_handler(None, 0)

    def _rows(self, ids: list[int]) -> list[ContractRow]:
        """The lines of these contracts, in this order."""
        sql = (
            f"SELECT {COLUMNS_SQL} FROM contract c JOIN freelancer f ON f.id = c.freelancer_id"
            " JOIN contract_totals t ON t.contract_id = c.id WHERE c.id IN (SELECT value FROM json_each(:ids))"
        )
        as_json = "[" + ",".join(str(int(i)) for i in ids) + "]"  # (a JSON array of whole numbers)
        rows = {r[0]: r for r in self.conn.execute(sql, {**self.params, "ids": as_json})}
        return [_row(rows[i]) for i in ids]

    def ids(self, *, sort: str = "title", descending: bool = False) -> list[int]:
        """Every matching contract's number, in the requested order (to export what the table shows)."""
        return [row.id for row in self.page(sort=sort, descending=descending, limit=-1)]

    def kept_count(self) -> int | None:
        """How many contracts match when the book keeps the number (All, Active or Ended, no search: a row of its
        kept totals, read at once); else None: `count` reads the matches (off the GUI thread)."""
        if self._count is None and not self.search and self.filter in KEPT_COUNTS:
            self._count = filter_count(self.conn, self.filter)
        return self._count

    def count(self, conn: sqlite3.Connection | None = None, cancelled=None) -> int:
        """How many contracts match: reads every match (the window asks off its GUI thread). A search matching
        many is counted COUNT_SLICE contracts at a time, each tested as its walk tests it; `cancelled()` is asked
        between two (true: sqlite3.OperationalError, as if interrupted)."""
        conn = conn or self.conn
        if self._count is None and not self.search:
            self._count = filter_count(conn, self.filter, date.fromisoformat(self.params["today"]))
        if self._count is None and self.sparse is False:
            top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM contract").fetchone()[0]
            sql = (
                "SELECT COUNT(*) FROM contract c JOIN freelancer f ON f.id = c.freelancer_id"
                f"{self._where('c.id BETWEEN :low AND :high')}"
            )
            found = 0
            for low in range(1, top + 1, COUNT_SLICE):
                if cancelled is not None and cancelled():
                    raise sqlite3.OperationalError("interrupted")
                params = {**self.params, "low": low, "high": low + COUNT_SLICE - 1}
                found += conn.execute(sql, params).fetchone()[0]
            self._count = found
        if self._count is None:
            where = (" WHERE " + " AND ".join(self.count_conds)) if self.count_conds else ""
            sql = f"SELECT COUNT(*) FROM contract c{where}"
            self._count = conn.execute(sql, self.params).fetchone()[0]
        return self._count

    def includes(self, contract_id: int) -> bool:
        """Whether a contract belongs in this filter and search."""
        params = {**self.params, "one": int(contract_id)}
        sql = f"SELECT 1 FROM contract c JOIN freelancer f ON f.id = c.freelancer_id{self._where('c.id = :one')}"
        return self.conn.execute(sql, params).fetchone() is not None


def contract_row(conn: sqlite3.Connection, contract_id: int, today: date | None = None) -> ContractRow | None:
    """The current line of one contract (to update a row after an operation)."""
    sql = (
        f"SELECT {COLUMNS_SQL} FROM contract c JOIN freelancer f ON f.id = c.freelancer_id "
        "JOIN contract_totals t ON t.contract_id = c.id WHERE c.id = :id"
    )
    r = conn.execute(sql, {"id": int(contract_id), "today": utc_today(today).isoformat()}).fetchone()
    return None if r is None else _row(r)
