"""Searching the contracts table (models/browse.py): one or two characters find the titles, freelancer names and
contract ids that start with them, as a full scan of the book finds them; three or more, anywhere in them; no
search counts its matches before its first page (the count is asked for apart)."""

from __future__ import annotations

import contextlib
import itertools
import json
import sqlite3
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import browse, ops
from models.book import MIGRATIONS, open_book
from models.browse import ContractQuery, contains_matches, filter_count, prefix_matches

START = date(2026, 1, 5)
# Letters in both cases, a letter outside A to Z in both cases, LIKE's own wildcards and escape, digits, a dash.
ALPHABET = "aAbBzZéÉ%_\\-1 "
text = st.text(alphabet=ALPHABET, min_size=1, max_size=6).filter(lambda s: s.strip() == s and s)
contract = st.tuples(text, st.integers(0, 2), st.one_of(st.just(""), text))  # title, freelancer, contract id
query = st.text(alphabet=ALPHABET, min_size=1, max_size=2).filter(lambda s: s.strip() == s and s)


_made = itertools.count(1)


def _book(new_book, contracts, names=("Ana Ruiz", "ana Ruiz", "Émile Zola")) -> open_book:
    """A new book on the test's store (a file, or a database of its own on PostgreSQL) holding `contracts`."""
    book = new_book(f"search-{next(_made)}.book")
    names = [ops.create_freelancer(n) for n in names]
    for title, who, external_id in contracts:
        ops.create_contract(title, names[who], external_id=external_id, started_on=START, today=START)
    return book


def _scan(conn: sqlite3.Connection, q: str, matches=prefix_matches) -> set[int]:
    """The full scan: every contract of the book, tested in Python."""
    rows = conn.execute("SELECT c.id, c.title, f.name, c.external_id FROM contract c JOIN freelancer f "
                        "ON f.id = c.freelancer_id").fetchall()  # fmt: skip
    return {cid for cid, *fields in rows if matches(q, *fields)}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contracts=st.lists(contract, min_size=1, max_size=12), queries=st.lists(query, min_size=1, max_size=4))
def test_one_and_two_character_search_finds_what_a_full_scan_finds(contracts, queries, monkeypatch, new_book):
    """On either store (on PostgreSQL, from its prefix indexes of the columns with A to Z in lower case)."""
    with contextlib.closing(_book(new_book, contracts)) as book:
        for q in queries:
            expected = _scan(book.conn, q)
            for sparse in (browse.SPARSE, 0):  # few matches (fetched, then sorted) and many (walked in order)
                monkeypatch.setattr(browse, "SPARSE", sparse)
                found = ContractQuery(book.conn, search=q, today=START)
                assert found.sparse == (len(expected) <= sparse)
                for sort in ("title", "freelancer", "next"):
                    ids = found.ids(sort=sort)
                    assert len(ids) == len(set(ids)) and set(ids) == expected, (q, sort)
                assert found.count() == len(expected)
                assert all(found.includes(cid) == (cid in expected) for cid in range(1, len(contracts) + 1))


long_query = st.text(alphabet=ALPHABET, min_size=3, max_size=4).filter(lambda s: s.strip() == s)
long_text = st.text(alphabet=ALPHABET, min_size=3, max_size=8).filter(lambda s: s.strip() == s and s)
long_contract = st.tuples(long_text, st.integers(0, 2), st.one_of(st.just(""), long_text))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contracts=st.lists(long_contract, min_size=1, max_size=12), queries=st.lists(long_query, min_size=1, max_size=4))
def test_search_of_three_characters_finds_what_a_full_scan_finds(contracts, queries, monkeypatch, new_book):
    """Few matches come from the trigram index, many from a test of each row walked (LIKE): the same contracts,
    but for letters outside A to Z, whose case the trigram index ignores and LIKE does not. On either store (on
    PostgreSQL, from the trigram indexes of the columns' lower case)."""
    names = ("Ab-z1 Éa", "aB%Z_ é", "zz\\ab 1")  # freelancers a search of these letters finds too
    monkeypatch.setattr(browse, "COUNT_SLICE", 2)
    with contextlib.closing(_book(new_book, contracts, names)) as book:
        for q in queries:
            expected = _scan(book.conn, q, contains_matches)
            trigram = _scan(book.conn, q, lambda *a: contains_matches(*a, unicode=True))
            assert expected <= trigram
            if not any(ch in q for ch in "éÉ"):
                assert expected == trigram, q
            for sparse, walk_steps in ((browse.SPARSE, browse.WALK_STEPS), (0, browse.WALK_STEPS), (0, -(10**6))):
                monkeypatch.setattr(browse, "SPARSE", sparse)
                monkeypatch.setattr(browse, "WALK_STEPS", walk_steps)  # -10**6: a first page is never walked
                found = ContractQuery(book.conn, search=q, today=START)
                assert found.sparse == (len(trigram) <= sparse)
                for sort in ("title", "freelancer", "next"):
                    ids = found.ids(sort=sort)
                    assert len(ids) == len(set(ids)) and set(ids) == (trigram if sparse else expected), (q, sort)
                    first = [row.id for row in found.page(sort=sort, limit=3)]  # walked, or fetched if too far
                    assert len(first) == min(3, len(ids)) and set(first) <= trigram, (q, sort)
                    if not any(ch in q for ch in "éÉ"):
                        assert first == ids[:3], (q, sort)
                    for wider in ("", q[:-1] if len(q) > 3 else q[:2], q):  # typed before: its first shown is known
                        before = ContractQuery(book.conn, search=wider, today=START)
                        before.page(sort=sort, descending=True, limit=3)
                        typed = ContractQuery(book.conn, search=q, today=START, narrows=before)
                        assert typed.after == ({} if 0 < len(wider.strip()) < 3 else before.firsts), (wider, q)
                        assert [r.id for r in typed.page(sort=sort, descending=True, limit=3)] == [
                            r.id
                            for r in ContractQuery(book.conn, search=q, today=START).page(
                                sort=sort, descending=True, limit=3
                            )
                        ], (wider, q, sort)
                assert found.count() == len(trigram if sparse else expected)  # as many as it shows
                if not found.sparse:  # counted a slice at a time (two contracts here): a newer keystroke stops it
                    with pytest.raises(sqlite3.OperationalError):
                        ContractQuery(book.conn, search=q, today=START).count(cancelled=lambda: True)
                assert all(found.includes(cid) == (cid in (trigram if sparse else expected))
                           for cid in range(1, len(contracts) + 1))  # fmt: skip


@pytest.mark.parametrize("store", ["sqlite"])  # (SQLite's query plan and statements: tests/models/conftest.py)
def test_prefix_search_reads_the_nocase_indexes(book, freelancer):
    """One or two characters: each column is searched through its own index, never by reading the table."""
    ops.create_contract("Logo redesign", freelancer, external_id="UP-555", started_on=START, today=START)
    plan = [r[3] for r in book.conn.execute("EXPLAIN QUERY PLAN " + browse.PREFIX_IDS, {"prefix": "lo%"})]
    assert [p.split(" (")[0] for p in plan if p.startswith("SEARCH")] == [
        "SEARCH contract USING COVERING INDEX contract_title_nocase",
        "SEARCH f2 USING COVERING INDEX freelancer_name_nocase",
        "SEARCH c2 USING COVERING INDEX contract_freelancer_id",
        "SEARCH contract USING COVERING INDEX contract_external_id_nocase",
    ]
    assert not [p for p in plan if p.startswith("SCAN")]


@pytest.mark.parametrize("store", ["sqlite"])  # (SQLite's query plan and statements: tests/models/conftest.py)
def test_no_search_counts_its_matches_before_its_first_page(book, freelancer, monkeypatch):
    """Building a query and reading its first page read at most SPARSE + 1 matches, whatever the query: the
    full count is only read when asked for (the window asks off its GUI thread)."""
    for n in range(6):
        ops.create_contract(f"Logo {n}", freelancer, external_id=f"UP-{n}", started_on=START, today=START)
    monkeypatch.setattr(browse, "SPARSE", 2)
    statements: list[str] = []
    book.conn.set_trace_callback(statements.append)
    try:
        for search in ("", "lo", "L", "Logo", "Ana Ruiz", "UP-"):
            statements.clear()
            q = ContractQuery(book.conn, search=search, today=START)
            assert len(q.page(limit=3)) == 3
            assert not [s for s in statements if "COUNT(*)" in s and "LIMIT" not in s], search
            statements.clear()
            assert q.count() == 6
            # A search counts its matches; no search reads the book's kept count of contracts.
            assert [s for s in statements if ("COUNT(*)" if search else "FROM book_total") in s]
    finally:
        book.conn.set_trace_callback(None)


@pytest.mark.parametrize("filter_", browse.FILTERS)
def test_filter_count_is_the_number_of_contracts_the_filter_shows(book, freelancer, filter_):
    for n in range(3):
        c = ops.create_contract(f"Logo {n}", freelancer, started_on=START, today=START)
    ops.end_contract(c, agreed=True, on=START, today=START)
    later = date(2026, 3, 2)  # the ended contract's closeout is overdue (R11): it needs attention
    shown = ContractQuery(book.conn, filter_=filter_, today=later).ids()
    assert filter_count(book.conn, filter_, later) == len(shown) > 0


# Titles that sit together in the title order (as a book's titles of one kind do), in both cases, with Arabic
# letters, LIKE's own characters and titles starting otherwise; freelancers and contract ids a search finds too.
KINDS = ("Logo redesign #", "logo Redesign #", "LOGO #", "Data pipeline #", "شعار جديد #", "A_b%c\\ #", "Pitch deck #")


def _bunched_book(new_book) -> open_book:
    book = new_book("bunched.book")
    names = [ops.create_freelancer(n) for n in ("Lola Pipe", "Ana Ruiz", "شادي", "pi Logan")]
    for n in range(56):
        kind = KINDS[n % len(KINDS)]
        ops.create_contract(f"{kind}{n}", names[n % len(names)], external_id=f"UP-{n % 9}LO{n}", started_on=START,
                            today=START)  # fmt: skip
    return book


@pytest.mark.parametrize(
    "q",
    ["L", "l", "lO", "Lo", "pi", "P", "A_", "a%", "ش", "شع", "log", "LOGO", "Pip", "ipe", "شعا", "_b%", "UP-1", "zz"],
)
def test_a_search_matching_many_titles_in_a_row_shows_them_as_a_full_scan_finds_them_in_every_order(
    q, monkeypatch, new_book
):
    """A search matching many (past SPARSE) whose title matches sit in ranges of the title order (all that start
    with one or two characters; those holding three or more, when all start alike): its title matches merged in
    order with its other matches. The same contracts as a full scan finds, in the same order, whatever the sort
    and the page asked for; and the same as walking the sort index or fetching and sorting every match."""
    monkeypatch.setattr(browse, "SPARSE", 0)
    monkeypatch.setattr(browse, "SAMPLES", 2)  # the first, the middle and the last title match by id
    matches = prefix_matches if len(q) < browse.MIN_SEARCH else contains_matches
    with contextlib.closing(_bunched_book(new_book)) as book:
        expected = _scan(book.conn, q, matches)
        for descending in (False, True):
            for sort in browse.SORTS:
                found = ContractQuery(book.conn, search=q, today=START)
                ids = found.ids(sort=sort, descending=descending)
                assert len(ids) == len(set(ids)) and set(ids) == expected, (q, sort)
                pages = [r.id for n in range(0, len(ids) + 7, 7) for r in found.page(sort=sort, descending=descending,
                                                                                     offset=n, limit=7)]  # fmt: skip
                assert pages == ids, (q, sort, descending)
                monkeypatch.setattr(browse, "OTHERS", -1)  # the ranges are not used: walked or fetched
                plain = ContractQuery(book.conn, search=q, today=START)
                assert plain.ids(sort=sort, descending=descending) == ids, (q, sort, descending)
                monkeypatch.setattr(browse, "OTHERS", 5_000)
            ranged = ContractQuery(book.conn, search=q, today=START)
            ranged.page(sort="title", descending=descending, limit=3)
            if q in ("lO", "Lo", "pi", "شع", "Pip", "شعا", "_b%"):  # their title matches in ranges, few others
                assert ranged._arms, q
            rows = book.conn.execute(
                "SELECT c.id, c.title FROM contract c WHERE c.id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(expected)),),
            ).fetchall()
            titles = [cid for _, cid in sorted(((t, cid) for cid, t in rows), reverse=descending)]
            assert ranged.ids(sort="title", descending=descending) == titles, q


@pytest.mark.parametrize(
    ("extra", "q", "ranged"),
    [
        ((), "pip", True),  # the range's start holds the search: all held when the range has as many titles
        ((4, "Pipette"), "pip", False),  # a title match outside the range (no seek of the sample finds it)
        ((4, "Data pipeline #4"), "2 x", True),  # the start does not hold it: the range's titles tested one by one
        ((4, "Pipette #2 x"), "2 x", False),  # (and one outside the range)
        ((), "zzz", True),  # no title match: the other matches alone
    ],
)
def test_a_search_matching_many_titles_in_a_row_holding_it_reads_them_from_their_range(book, extra, q, ranged,
                                                                                        monkeypatch):  # fmt: skip
    """The range of titles a sample of the title matches starts with is used only when it holds them all, found
    by counting: the same contracts in the same order as a full scan, on either store."""
    monkeypatch.setattr(browse, "SPARSE", 0)
    monkeypatch.setattr(browse, "SAMPLES", 2)  # the title matches with the first, the middle and the last id
    ana, zed = ops.create_freelancer("Ana Ruiz"), ops.create_freelancer("Zzz Pip")
    for n in range(1, 14):
        title = extra[1] if extra and n == extra[0] else f"Data pipeline #{n}2 x"
        ops.create_contract(title, ana if n % 5 else zed, external_id=f"UP-{n}", started_on=START, today=START)
    expected = _scan(book.conn, q, contains_matches)
    assert expected
    for descending in (False, True):
        found = ContractQuery(book.conn, search=q, today=START)
        rows = found.page(sort="title", descending=descending, limit=5)
        assert bool(found._arms) == ranged, (q, extra)
        titles = sorted((r.title, r.id) for r in ContractQuery(book.conn, today=START).page(limit=-1)
                        if r.id in expected)  # fmt: skip
        order = [cid for _, cid in (titles[::-1] if descending else titles)]
        assert [r.id for r in rows] == order[:5]
        assert found.ids(sort="title", descending=descending) == order, (q, extra, descending)


@pytest.mark.parametrize("store", ["sqlite"])  # (SQLite's query plan and statements: tests/models/conftest.py)
def test_a_search_in_a_row_of_titles_reads_ranges_of_the_title_index(book, freelancer, monkeypatch):
    """The title matches of a search matching many are read from ranges of the title index (each in order),
    not sorted: one range for each way of writing one or two characters in either case."""
    monkeypatch.setattr(browse, "SPARSE", 0)
    for n in range(5):
        ops.create_contract(f"Logo {n}", freelancer, started_on=START, today=START)
    statements: list[str] = []
    book.conn.set_trace_callback(statements.append)
    try:
        assert [r.title for r in ContractQuery(book.conn, search="lo", today=START).page(limit=2)] == [
            "Logo 0",
            "Logo 1",
        ]
    finally:
        book.conn.set_trace_callback(None)
    merged = next(s for s in statements if " UNION SELECT " in s)
    assert merged.count("c.title >= ") == 4
    plan = [r[3] for r in book.conn.execute("EXPLAIN QUERY PLAN " + merged)]
    assert "MERGE (UNION)" in plan
    assert plan.count("SEARCH c USING COVERING INDEX contract_title (title>? AND title<?)") == 4, plan
    assert plan.count("USE TEMP B-TREE FOR ORDER BY") == 1, plan  # the other matches only, sorted apart


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("ogo", ["Logo redesign"]),  # three characters or more: held anywhere, letters in either case
        ("LOGO", ["Logo redesign"]),
        ("émile", ["Logo redesign"]),  # (the freelancer's name: every letter's case, as the trigram index folds it)
        ("ÉMILE", ["Logo redesign"]),
        ("up-5", ["Logo redesign"]),  # the contract id
        ("lo", ["Logo redesign"]),  # one or two: what starts with them, A to Z in either case
        ("an", ["Website"]),
        ("é", []),  # (beyond A to Z, one or two characters are compared as typed)
        ("É", ["Logo redesign"]),
        ("zz", []),
        ('"x', []),  # nothing typed is read as query syntax
    ],
)
def test_a_search_finds_the_same_contracts_on_either_store(book, typed, found):
    emile, ana = ops.create_freelancer("Émile Zola"), ops.create_freelancer("Ana Ruiz")
    ops.create_contract("Logo redesign", emile, external_id="UP-555", started_on=START, today=START)
    ops.create_contract("Website", ana, started_on=START, today=START)
    assert [row.title for row in ContractQuery(book.conn, search=typed).page(limit=10)] == found


def _plans(book, monkeypatch, **query) -> list[str]:
    """PostgreSQL's plan of each statement a query's first page runs (its count asked for too)."""
    statements: list[tuple] = []
    execute = book.conn.execute

    def traced(sql, params=()):
        statements.append((sql, params))
        return execute(sql, params)

    monkeypatch.setattr(book.conn, "execute", traced)
    try:
        sort, descending = query.pop("sort", "title"), query.pop("descending", False)
        ContractQuery(book.conn, today=START, **query).page(sort=sort, descending=descending, limit=10)
    finally:
        monkeypatch.undo()
    from models import pgstore

    return [
        "\n".join(r[0] for r in book.db.execute_sql("EXPLAIN " + pgstore.translate(sql), params or None))
        for sql, params in statements
    ]


@pytest.mark.parametrize("store", ["postgresql"])  # (PostgreSQL's own indexes: models/pgstore.BROWSE_INDEXES)
def test_searches_and_sorts_on_postgresql_read_the_indexes_made_for_them(book, freelancer, monkeypatch):
    """On a shared book, a search of one or two characters reads the prefix indexes of the columns with A to Z in
    lower case, one of three or more the trigram indexes of the columns' lower case, never a whole table; and a
    page in any order is read in that order from an index that holds the contract's id after the sort key (ties
    in order too), never sorted (but for the contracts of one freelancer, by id). The server is told to avoid
    reading tables whole and sorting: it still does when no index can answer."""
    ops.create_contract("Logo redesign", freelancer, external_id="UP-555", started_on=START, today=START)
    for sql in ("SET enable_seqscan = off", "SET enable_sort = off"):
        book.conn.execute(sql)
    prefix = _plans(book, monkeypatch, search="lo")[0]
    assert all(f"{name}_folded" in prefix for name in ("contract_title", "freelancer_name", "contract_external_id"))
    trigram = _plans(book, monkeypatch, search="ogo r")[0]
    assert all(f"contract_search_{c}_folded" in trigram for c in ("title", "freelancer", "external_id"))
    assert "Seq Scan" not in prefix + trigram
    for sort in browse.SORTS:
        for descending in (False, True):
            plan = _plans(book, monkeypatch, sort=sort, descending=descending)[-1]
            main = plan.split("SubPlan")[0].splitlines()  # (each contract's next deadline: its clocks, sorted)
            sorted_keys = [line for line in main if "Sort Key:" in line]
            if sort == "freelancer":  # each freelancer's contracts by id, the freelancers in order from the index
                assert len(sorted_keys) <= 1, plan
                assert not sorted_keys or any("Presorted Key: f.name, f.id" in line for line in main), plan
            else:
                assert not sorted_keys, (sort, descending, plan)
            assert "Seq Scan" not in "\n".join(main), (sort, descending, plan)


@pytest.mark.parametrize("store", ["postgresql"])  # (PostgreSQL's own indexes: models/pgstore.BROWSE_INDEXES)
def test_a_shared_book_made_before_the_browse_indexes_opens_and_gets_them_when_its_maker_opens_it(book, freelancer):
    """A book made before BROWSE_INDEXES (with the search's trigram indexes of the columns as they are) opens as it
    is and passes the schema's comparison, finding the same contracts; opened by the owner of its tables, it gets
    the new indexes and loses the old ones. Any other index is still a change made outside Escrowbook."""
    from models import pgstore

    ops.create_contract("Logo redesign", freelancer, external_id="UP-555", started_on=START, today=START)
    ops.create_contract("Émile's pitch", freelancer, external_id="UP-556", started_on=START, today=START)
    found = {q: ContractQuery(book.conn, search=q, today=START).ids() for q in ("lo", "émi", "ÉMI", "up-5", "An")}
    for name in pgstore.BROWSE_INDEXES:
        book.db.execute_sql(f"DROP INDEX {name}")
    for sql in pgstore.SUPERSEDED_INDEXES.values():
        book.db.execute_sql(sql)
    assert pgstore.schema_problems(book.db, MIGRATIONS) == []
    assert {q: ContractQuery(book.conn, search=q, today=START).ids() for q in found} == found
    url = book.url
    book.close()
    with contextlib.closing(open_book(url, create=False)) as again:
        names = {r[0] for r in again.db.execute_sql("SELECT indexname FROM pg_indexes")}
        assert set(pgstore.BROWSE_INDEXES) <= names and not set(pgstore.SUPERSEDED_INDEXES) & names
        assert pgstore.schema_problems(again.db, MIGRATIONS) == []
        assert {q: ContractQuery(again.conn, search=q, today=START).ids() for q in found} == found
        again.db.execute_sql("CREATE INDEX contract_search_title ON contract_search (title)")
        assert pgstore.schema_problems(again.db, MIGRATIONS) == ["a index “contract_search_title” was added"]
