"""Matching the marketplace's statement with the ledger: the reconciliation's core, rebuilt from the imported
rows, the live ledger (R12: a reversed entry and its reversal are not there) and the client's choices.

`rebuild` writes `StatementMatch` for the whole book or for some contracts. `follow` keeps it current: every
operation that changes a contract's money (models/ops.py `_settle`) rematches that contract, in the same
transaction, so the reconciliation never shows what the books no longer say. Contract by contract, each row is
matched with the entries of its kind (`KIND_CLASS`, `ENTRY_CLASS`): same day and amount; one row for a funding
with its fees (or for a fee and the initiation fee); several rows for one entry; then the same amount on another
day (the date differs) or the same day with another amount (the amount differs); what is left is on the
statement only, or in the books only (entries dated within the statements' period).

Imports nothing of the operations (models/ops.py imports this module).
"""

from __future__ import annotations

import contextlib
import itertools
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from . import people
from . import statements as st
from .entities import REVERSED_IDS_SQL, LedgerEntry, database
from .queries import in_chunks

# What each statement kind and each ledger kind is, for matching (a dispute's outcome is a release or an
# escrow refund on the statement; a fund from remaining escrow never leaves the marketplace: no statement row).
KIND_CLASS = {
    st.FUND: "fund", st.FEE: "fee", st.INITIATION_FEE: "fee", st.RELEASE: "paid", st.REFUND: "refund",
    st.ESCROW_REFUND: "back", st.FEE_REFUND: "fee_refund",
}  # fmt: skip
ENTRY_CLASS = {
    LedgerEntry.FUND: "fund", LedgerEntry.FEE: "fee", LedgerEntry.RELEASE: "paid",
    LedgerEntry.DISPUTE_RELEASE: "paid", LedgerEntry.REFUND: "refund", LedgerEntry.ESCROW_REFUND: "back",
    LedgerEntry.DISPUTE_REFUND: "back", LedgerEntry.FEE_REFUND: "fee_refund",
}  # fmt: skip
CLASS_WORDS = {
    "fund": "Escrow funded", "fee": "Fees", "paid": "Payments released", "refund": "Refunds of payments",
    "back": "Escrow refunded", "fee_refund": "Initiation fees returned",
}  # fmt: skip

MATCHED = "matched"
AMOUNT_DIFFERS = "amount_differs"
DATE_DIFFERS = "date_differs"
STATEMENT_ONLY = "statement_only"
BOOKS_ONLY = "books_only"
NO_CONTRACT = "no_contract"
CHOOSE = "choose_contract"
NOT_KEPT = "not_kept"
STATUSES = (AMOUNT_DIFFERS, DATE_DIFFERS, STATEMENT_ONLY, BOOKS_ONLY, CHOOSE, NO_CONTRACT, MATCHED, NOT_KEPT)
DIFFERENCES = (AMOUNT_DIFFERS, DATE_DIFFERS, STATEMENT_ONLY, BOOKS_ONLY, CHOOSE, NO_CONTRACT)
STATUS_WORDS = {
    MATCHED: "Matched",
    AMOUNT_DIFFERS: "Amounts differ",
    DATE_DIFFERS: "Dates differ",
    STATEMENT_ONLY: "On the statement only",
    BOOKS_ONLY: "In the books only",
    NO_CONTRACT: "No contract found",
    CHOOSE: "Choose the contract",
    NOT_KEPT: "Not kept in these books",
}
NEAR_DAYS = 45  # a row and an entry this many days apart can still be the same event with its date wrong
_BATCH = 20_000


def _period() -> tuple[str, str] | None:
    first, last = database.execute_sql("SELECT MIN(first_day), MAX(last_day) FROM statement").fetchone()
    return (first, last) if first else None


# Every statement_match row is written by one of these (the rows free of a contract, those in the books only, the
# walk's pairs and the rest).
_INTO_MATCH = "INSERT INTO statement_match (line_id, entry_id, contract_id, status, day, difference, lead)"
_FREE_ROWS = f"""{_INTO_MATCH}
SELECT id, NULL, NULL, CASE WHEN kind = ? THEN ? WHEN candidates > 1 THEN ? ELSE ? END, day, 0, 1
FROM statement_line WHERE (contract_id IS NULL OR kind = ?)"""


def rebuild(
    contracts: Iterable[int] | None = None,
    progress: Callable[[str, int], None] | None = None,
    entries: Callable[[str, tuple], Iterable[tuple] | None] | None = None,
    order: str | None = None,
) -> None:
    """Rebuild the reconciliation (`StatementMatch`) from the imported rows, the live ledger and the client's
    choices: of the whole book, or of some contracts only (after a row was recorded or assigned). Deterministic:
    run again on the same book, it writes the same rows. `entries(sql, values)`, when given, may read the
    ledger's entries the walk of the whole book reads, elsewhere (models/reconcile.py: in a second process), or
    say None (then they are read here). `order`, when given, says that the book's statement rows are those of one
    statement, stored in the order of their days (RISING: the earliest first; FALLING: the latest first)."""
    conn = database.connection()
    period = _period()
    if contracts is None:
        # Rebuilt whole: the indexes are dropped and made again after (quicker than keeping them row by row), by
        # whoever may (a shared book's bookkeeper may not: models/people.py).
        indexes = []
        if people.owns_tables(database.obj):
            indexes = conn.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = 'statement_match' AND sql IS NOT NULL"
            ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute("DELETE FROM statement_match")
        conn.execute(_FREE_ROWS, (st.NOT_KEPT, NOT_KEPT, CHOOSE, NO_CONTRACT, st.NOT_KEPT))
        where_e, where_l, args = "", "", ()
    else:
        ids = sorted(set(contracts))
        if not ids:
            return
        marks = ",".join("?" * len(ids))
        conn.execute(
            f"DELETE FROM statement_match WHERE contract_id IN ({marks}) OR line_id IN "
            f"(SELECT id FROM statement_line WHERE contract_id IN ({marks}))",
            (*ids, *ids),
        )
        where_e, where_l, args = f" AND e.contract_id IN ({marks})", f" AND contract_id IN ({marks})", tuple(ids)
        # (a few contracts: their entries by the contract's index, not the whole period's by date)
        indexes = []
    whole = contracts is None
    # (the whole book: the walk's sorts and the index builds sort on both cores)
    with sorting_threads(conn) if whole else contextlib.nullcontext():
        if period is not None:
            if whole and _few_contracts(conn):
                # The rows name few contracts (a short statement): their entries by the contracts' index, as when
                # some contracts are rematched; every other contract's entries within the period are in the books
                # only, written by SQLite without being read here (a busy day of a big book holds tens of thousands).
                where_e, args_e = f" AND e.contract_id IN ({_NAMED})", (st.NOT_KEPT,)
                _match_all(conn, period, where_e, where_l, args_e, args, progress, order=order)
                _books_only(conn, period)
            else:
                _match_all(conn, period, where_e, where_l, args, args, progress, entries, order)
        for _, sql in indexes:
            conn.execute(sql)


@contextlib.contextmanager
def sorting_threads(conn):
    """SQLite's sorts (the walk's, an index built) on both cores, for the while."""
    threads = conn.execute("PRAGMA threads").fetchone()[0]
    conn.execute("PRAGMA threads = 2")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA threads = {threads}")


_FEW_LINES = 1_000_000  # rows imported beyond which they are taken to name many contracts (not counted)
# The contracts the kept rows name (one value bound: the kind not kept).
_NAMED = "SELECT contract_id FROM statement_line WHERE contract_id IS NOT NULL AND kind != ?"


def _imported_lines(conn) -> int:
    """The rows the book's statements added (each statement's new ones)."""
    return conn.execute("SELECT SUM(new_lines) FROM statement").fetchone()[0] or 0


def _few_contracts(conn) -> bool:
    """True when the kept rows name at most _BY_CONTRACT contracts."""
    if _imported_lines(conn) > _FEW_LINES:
        return False
    named = conn.execute(
        f"SELECT COUNT(*) FROM (SELECT DISTINCT contract_id FROM ({_NAMED}) LIMIT ?)", (st.NOT_KEPT, _BY_CONTRACT + 1)
    ).fetchone()[0]
    return named <= _BY_CONTRACT


def _books_only(conn, period: tuple[str, str]) -> None:
    """Every live entry within the period of a contract no kept row names: in the books only (as `_match_all`
    finds them for such a contract), contract by contract in the order of dates."""
    first, last = period
    kinds = tuple(ENTRY_CLASS)
    on = "+e.date" if _days(last, first) > 184 else "e.date"
    conn.execute(
        f"""{_INTO_MATCH}
            SELECT NULL, e.id, e.contract_id, ?, e.date, 0, 1 FROM ledger_entry e
            WHERE {on} BETWEEN ? AND ? AND e.kind IN ({",".join("?" * len(kinds))})
              AND e.id NOT IN ({REVERSED_IDS_SQL})
              AND e.contract_id NOT IN ({_NAMED})
            ORDER BY e.contract_id, e.date, e.id""",
        (BOOKS_ONLY, first, last, *kinds, st.NOT_KEPT),
    )


LINE_CLASS_SQL = "CASE kind " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in KIND_CLASS.items()) + " END"
ENTRY_CLASS_SQL = "CASE e.kind " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in ENTRY_CLASS.items()) + " END"


def whole_walk_read(conn, adding: int) -> tuple[str, tuple] | None:
    """The read of the ledger's entries (SQL, values) that `rebuild` of the whole book will make once `adding` more
    rows are counted among the statements' (models/reconcile.py asks for it before they are), if that is certain
    already; else None (no statement has a period yet, or `_few_contracts` may choose to read a few contracts'
    entries only)."""
    period = _period()
    if period is None or _imported_lines(conn) + adding <= _FEW_LINES:
        return None
    return _entries_read(period, "", ())


def _near(period: tuple[str, str]) -> tuple[str, str]:
    """The first and last days of the entries a row of `period` may be paired with (a date that differs)."""
    first, last = period
    return (
        (date.fromisoformat(first) - timedelta(days=NEAR_DAYS)).isoformat(),
        (date.fromisoformat(last) + timedelta(days=NEAR_DAYS)).isoformat(),
    )


def _entries_read(period: tuple[str, str], where_e: str, args_e: tuple) -> tuple[str, tuple]:
    """The walk's read of the ledger's entries (SQL, values), by date then id: of some contracts (`where_e`, with its
    values `args_e`) or of the whole book."""
    near_from, near_to = _near(period)
    kinds = tuple(ENTRY_CLASS)
    # A few contracts: their entries by the contract's index; a long period: the ledger read straight through and
    # sorted (quicker than a million visits by the index of dates); a short one: by the index of dates.
    by_scan = bool(where_e) or (date.fromisoformat(near_to) - date.fromisoformat(near_from)).days > 184
    # Columns in this order so that [1:5] is the key both sides share: contract, class, currency, amount.
    # The whole book: the walk reads the statements' period only; the entries of the days around it (a date that
    # differs) matter only to the contracts that have rows left, and are read for those alone after the walk.
    walk_from, walk_to = (near_from, near_to) if where_e else period
    sql = f"""SELECT {_ENTRY_COLUMNS} FROM ledger_entry e
            WHERE {"+" if by_scan else ""}e.date BETWEEN ? AND ? AND e.kind IN ({",".join("?" * len(kinds))}){where_e}
            ORDER BY e.date, e.id"""
    return sql, (walk_from, walk_to, *kinds, *args_e)


def _match_all(
    conn, period: tuple[str, str], where_e: str, where_l: str, args_e: tuple, args_l: tuple, progress=None,
    read_entries: Callable[[str, tuple], Iterable[tuple] | None] | None = None, order: str | None = None,
) -> None:  # fmt: skip
    """Walk the rows and the entries day by day, pairing those of the same contract, kind, currency and amount
    (the n-th row with the n-th entry); what is left, contract by contract, goes to `_match`. `where_e` and
    `where_l` (with their values `args_e`, `args_l`) limit the entries and the rows to some contracts;
    `read_entries` may read the entries (`rebuild`: its `entries`); `order` as `rebuild` has it."""
    first, last = period
    near_from, near_to = _near(period)
    entries_sql, entries_args = _entries_read(period, where_e, args_e)
    entries = (read_entries and read_entries(entries_sql, entries_args)) or conn.execute(entries_sql, entries_args)
    # The rows by day, then row. One statement's rows stored in the order of their days are in that order by id
    # already (a row stored after another comes after it in the file): read so, SQLite need not sort them all
    # first (ten million rows at 1,000,000 contracts); stored latest first, each day's rows are turned around.
    lines = database.connection().execute(
        f"""SELECT day, contract_id, {LINE_CLASS_SQL}, currency, amount, id FROM statement_line
            WHERE contract_id IS NOT NULL AND kind != ?{where_l}
            ORDER BY {_LINES_ORDER[order]}""",
        (st.NOT_KEPT, *args_l),
    )
    # The ledger itself is walked (R12: the live entries are those neither reversing nor reversed; a reversal is
    # of no kind matched here, and the few entries reversed are set aside by their ids).
    reversed_ids = {eid for (eid,) in conn.execute(REVERSED_IDS_SQL)}
    done = 0
    left_l: dict[int, list] = defaultdict(list)
    left_e: dict[int, list] = defaultdict(list)
    books: dict[tuple[str, str], int] = {}  # the live entries walked, added up by currency and class
    out: list[tuple] = []
    matched: list[tuple] = []  # the walk's pairs: (line, entry, contract, day), each MATCHED, its line's lead
    by_day = operator.itemgetter(0)
    days_e = itertools.groupby(entries, key=by_day)
    days_l = itertools.groupby(lines, key=by_day)
    if order == FALLING:
        days_l = ((day, list(rows)[::-1]) for day, rows in days_l)
    de, dl = next(days_e, None), next(days_l, None)
    while de is not None or dl is not None:
        if dl is None or (de is not None and de[0] < dl[0]):
            day, es, ls = de[0], de[1], ()
        elif de is None or dl[0] < de[0]:
            day, es, ls = dl[0], (), dl[1]
        else:
            day, es, ls = de[0], de[1], dl[1]
        # The day's live entries by (contract, class, currency, amount): the first of each, and those after it (a
        # few: the same amount twice in a day), each in the order of ids.
        same: dict[tuple, tuple] = {}
        more: dict[tuple, list] = {}
        for r in es:
            key = (r[3], r[2])  # (currency, class: as the totals add them up)
            if r[5] not in reversed_ids:
                k = r[1:5]
                if k in same:
                    more.setdefault(k, []).append(r)
                else:
                    same[k] = r
                books[key] = books.get(key, 0) + r[4]
            else:
                books.setdefault(key, 0)
        twice = bool(more)
        for r in ls:
            k = r[1:5]
            found = same.pop(k, None)
            if found is not None:
                matched.append((r[5], found[5], r[1], day))
                if more and k in more:  # the next entry of that key waits for the next row
                    same[k] = more[k].pop(0)
                    if not more[k]:
                        del more[k]
            else:
                left_l[r[1]].append((r[1], r[5], r[2], r[3], r[4], day))
        waiting = [*same.values(), *itertools.chain.from_iterable(more.values())]
        if twice:  # (in the order of ids, as when each key has one entry)
            waiting.sort(key=_ID)
        for r in waiting:
            left_e[r[1]].append((r[1], r[5], r[2], r[3], r[4], r[0], r[6]))
        if es:
            de = next(days_e, None)
        if ls:
            dl = next(days_l, None)
        if len(matched) >= _BATCH:
            done += len(matched)
            _write_matched(conn, matched)
            if progress is not None:
                progress("match", done)
    _write_matched(conn, matched)
    if not where_e:  # (the walk read every entry within the period)
        _walked_totals.update(db=database.obj, end=ledger_end(conn), period=period, books=books)
    if not where_e and left_l:
        _around(conn, (near_from, first, last, near_to), left_l, left_e, reversed_ids)
    for cid in sorted(left_l.keys() | left_e.keys()):
        if cid not in left_l:  # no row of the statement left for it: what it has within the period is books only
            out.extend((None, e[1], cid, BOOKS_ONLY, e[5], 0, True) for e in left_e[cid] if first <= e[5] <= last)
            continue
        _match(cid, left_l[cid], sorted(left_e.get(cid, ()), key=lambda e: (e[5], e[1])), first, last, out)
        if len(out) >= _BATCH:
            _write(conn, out)
    _write(conn, out)


_ID = operator.itemgetter(5)  # an entry's id, in the rows the walk reads (_ENTRY_COLUMNS)
RISING, FALLING = "rising", "falling"  # a statement's rows stored in the order of their days: earliest, latest first
_LINES_ORDER = {None: "day, row", RISING: "id", FALLING: "id DESC"}

_ENTRY_COLUMNS = f"e.date, e.contract_id, {ENTRY_CLASS_SQL}, e.currency, e.amount, e.id, e.funding_id"

# The books' side of the reconciliation's totals (models/reconciled.py `totals`), added up by the last walk of the
# whole book as it read the entries within the statements' period: for that book, that period and the ledger as it
# then ended (its last entry and that entry's hash). Entries are only ever added, each chained by its hash to all
# before it (R12, models/chain.py): a ledger that still ends with the same entry is the same ledger, and the totals
# asked for right after a reconciliation are not read from it again.
_walked_totals: dict = {}


def ledger_end(conn) -> tuple | None:
    """The ledger's last entry and its hash, (id, hash), on any connection to the book (None: no entry)."""
    return conn.execute("SELECT id, hash FROM ledger_entry ORDER BY id DESC LIMIT 1").fetchone()


def walked_totals(period: tuple[str, str]) -> dict[tuple[str, str], int] | None:
    """The books' totals per (currency, class) within `period` as the last walk added them up, when they are still
    those of the open book's ledger; else None (the caller reads them)."""
    w = _walked_totals
    if not w or w["db"] is not database.obj or w["period"] != tuple(period):
        return None
    if ledger_end(database.connection()) != w["end"]:
        return None
    return dict(w["books"])


_BY_CONTRACT = 50_000  # contracts with rows left up to which the days around the period are read contract by contract


def _around(conn, days: tuple[str, str, str, str], left_l: dict, left_e: dict, reversed_ids: set) -> None:
    """Add to `left_e` the live entries dated within NEAR_DAYS before or after the period (near_from, first,
    last, near_to) of the contracts that have rows left (`left_l`): by each contract's index when they are few,
    else the days around read by date."""
    near_from, first, last, near_to = days
    kinds = tuple(ENTRY_CLASS)
    marks = ",".join("?" * len(kinds))
    where = f"e.kind IN ({marks}) AND (+e.date BETWEEN ? AND ? OR +e.date BETWEEN ? AND ?)"
    before = (date.fromisoformat(first) - timedelta(days=1)).isoformat()
    after = (date.fromisoformat(last) + timedelta(days=1)).isoformat()
    args = (*kinds, near_from, before, after, near_to)
    if len(left_l) <= _BY_CONTRACT:
        cids = sorted(left_l)
        found = itertools.chain.from_iterable(
            conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM ledger_entry e "
                f"WHERE e.contract_id IN ({','.join('?' * len(chunk))}) AND {where}",
                (*chunk, *args),
            )
            for chunk in in_chunks(cids)
        )
    else:
        found = (
            r
            for r in conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM ledger_entry e WHERE {where.replace('+e.date', 'e.date')}", args
            )
            if r[1] in left_l
        )
    for r in found:
        if r[5] not in reversed_ids:
            left_e[r[1]].append((r[1], r[5], r[2], r[3], r[4], r[0], r[6]))


def _write_matched(conn, matched: list[tuple]) -> None:
    """The walk's pairs, written with their status, difference and lead said once in the statement (four values
    bound a row instead of seven: most of a statement's rows are written here)."""
    conn.executemany(f"{_INTO_MATCH} VALUES (?,?,?,'{MATCHED}',?,0,1)", matched)
    matched.clear()


def _write(conn, out: list[tuple]) -> None:
    conn.executemany(f"{_INTO_MATCH} VALUES (?,?,?,?,?,?,?)", out)
    out.clear()


def _days(a: str, b: str) -> int:
    return (date.fromisoformat(a) - date.fromisoformat(b)).days


def _match(cid: int, lines: list, entries: list, first: str, last: str, out: list) -> None:
    """Match one contract's rows (contract, id, class, currency, amount, day) with its live entries (contract,
    id, class, currency, amount, date, funding), appending StatementMatch rows to `out`."""
    L = [(lid, cls, cur, amount, day) for _, lid, cls, cur, amount, day in lines]
    E = {eid: (cls, cur, amount, day, funding) for _, eid, cls, cur, amount, day, funding in entries}
    open_l = dict.fromkeys(lid for lid, *_ in L)  # ordered: by day, then row
    open_e = dict.fromkeys(E)  # ordered: by date, then id
    line = {lid: rest for lid, *rest in L}

    def take(lid, eids, status=MATCHED, difference=0):
        open_l.pop(lid, None)
        for n, eid in enumerate(eids):
            open_e.pop(eid, None)
            out.append((lid, eid, cid, status, line[lid][3], difference, n == 0))

    # 1. The same kind, amount and day.
    exact = defaultdict(list)
    for eid in open_e:
        cls, cur, amount, day, _ = E[eid]
        exact[(cls, cur, amount, day)].append(eid)
    for lid in list(open_l):
        found = exact.get(tuple(line[lid]))
        if found:
            take(lid, [found.pop(0)])
    if open_l:
        # 2. One row for several entries: a funding with its fees, or a funding's fee and initiation fee.
        groups = defaultdict(list)
        for eid in open_e:
            cls, cur, amount, day, funding = E[eid]
            if cls == "fee" and funding is not None:
                groups[funding].append(eid)
        for lid in list(open_l):
            cls, cur, amount, day = line[lid]
            if cls not in ("fund", "fee"):
                continue
            for fid, fees in groups.items():
                fees = [f for f in fees if f in open_e and E[f][3] == day]
                members = ([fid] if cls == "fund" and fid in open_e and E[fid][3] == day else []) + fees
                if (cls == "fund" and members[:1] != [fid]) or len(members) < 2:
                    continue
                if all(E[m][1] == cur for m in members) and sum(E[m][2] for m in members) == amount:
                    take(lid, members)
                    break
        # 3. Several rows for one entry (the same kind and day, adding up to it).
        same_day = defaultdict(list)
        for lid in open_l:
            cls, cur, amount, day = line[lid]
            same_day[(cls, cur, day)].append(lid)
        for eid in list(open_e):
            cls, cur, amount, day, _ = E[eid]
            lids = [lid for lid in same_day.get((cls, cur, day), ()) if lid in open_l]
            if len(lids) >= 2 and sum(line[lid][2] for lid in lids) == amount:
                for lid in lids:
                    open_l.pop(lid)
                    out.append((lid, eid, cid, MATCHED, line[lid][3], 0, True))
                open_e.pop(eid)
        # 4. The same amount on another day; 5. the same day with another amount.
        for lid in list(open_l):
            cls, cur, amount, day = line[lid]
            near = [e for e in open_e if E[e][0] == cls and E[e][1] == cur and E[e][2] == amount]
            near = [e for e in near if abs(_days(day, E[e][3])) <= NEAR_DAYS]
            if near:
                eid = min(near, key=lambda e: abs(_days(day, E[e][3])))
                take(lid, [eid], DATE_DIFFERS, _days(day, E[eid][3]))
        for lid in list(open_l):
            cls, cur, amount, day = line[lid]
            near = [e for e in open_e if E[e][0] == cls and E[e][1] == cur and E[e][3] == day]
            if near:
                eid = min(near, key=lambda e: abs(E[e][2] - amount))
                take(lid, [eid], AMOUNT_DIFFERS, amount - E[eid][2])
        for lid in open_l:
            out.append((lid, None, cid, STATEMENT_ONLY, line[lid][3], 0, True))
    for eid in open_e:
        day = E[eid][3]
        if first <= day <= last:
            out.append((None, eid, cid, BOOKS_ONLY, day, 0, True))


def follow(contract_id: int) -> None:
    """Rematch one contract after an operation changed its money (nothing to do when no statement was imported)."""
    if database.execute_sql("SELECT 1 FROM statement LIMIT 1").fetchone() is not None:
        rebuild([contract_id])
