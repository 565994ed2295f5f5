"""A book kept in PostgreSQL (models/pgstore.py): opened or refused in words, its operations retried when another
writer's transaction won, then refused in words with nothing recorded; the SQL translation it rests on.
(Every other module of tests/models runs on such a book too: tests/models/conftest.py.)"""

from __future__ import annotations

from datetime import date

import pytest

from models import chain, ops, pgstore
from models.book import open_book, open_to_check, schema_version
from models.entities import LedgerEntry
from models.errors import BookError, RuleError

from ..conftest import START


def _other_writer(pg_database_url: str):
    """Another person's connection to the same book, changing the ledger's head row as an operation of theirs
    would (committed at once)."""
    import psycopg

    def write():
        with psycopg.connect(pg_database_url, autocommit=True) as conn:
            conn.execute("UPDATE book_info SET value = value WHERE key = %s", (chain.HEAD_KEY,))

    return write


@pytest.fixture
def shared(pg_database):
    book = pg_database()
    yield book
    book.close()


@pytest.fixture
def funded(shared):
    f = ops.create_freelancer("Ana Ruiz")
    c = ops.create_contract("Logo redesign", f, currency="USD", started_on=START, today=START)
    m = ops.add_milestone(c, "Draft", 50_000)
    ops.fund_milestone(m, today=START)
    return m


def test_an_operation_that_loses_to_another_writer_is_run_again_and_recorded_once(shared, funded, monkeypatch):
    other = _other_writer(shared.url)
    calls = []

    def append_entry(db, entry_id):
        calls.append(entry_id)
        if len(calls) == 1:  # the other person's operation commits in the middle of this one
            other()
        return original(db, entry_id)

    original = chain.append_entry
    monkeypatch.setattr(chain, "append_entry", append_entry)
    ops.release_payment(funded, today=date(2026, 3, 2))
    assert len(calls) == 2  # the first try lost, the second was recorded
    assert [e.kind for e in LedgerEntry.select().order_by(LedgerEntry.id)].count("release") == 1


def test_an_operation_that_keeps_losing_is_refused_in_words_and_nothing_is_recorded(
    shared, funded, monkeypatch, unchanged
):
    other = _other_writer(shared.url)
    original = chain.append_entry

    def append_entry(db, entry_id):
        other()
        return original(db, entry_id)

    monkeypatch.setattr(chain, "append_entry", append_entry)
    with unchanged(), pytest.raises(RuleError) as refused:
        ops.release_payment(funded, today=date(2026, 3, 2))
    assert str(refused.value) == pgstore.CONFLICT_WORDS
    assert "nothing was recorded" in str(refused.value)


def test_a_new_database_gets_a_book_and_opens_again_as_one(pg_cluster):
    with pg_cluster.database("eb_fresh") as url:
        with pytest.raises(BookError, match="the database is empty: it holds no book"):
            open_book(url, create=False)
        with open_book(url) as book:
            assert book.store == "postgresql" and book.address == url and book.path is None
            assert book.name == "eb_fresh"
            ops.create_freelancer("Ana Ruiz")
        with open_book(url, create=False) as again:
            assert again.db.execute_sql("SELECT name FROM freelancer").fetchall() == [("Ana Ruiz",)]


def test_what_is_not_a_book_or_was_changed_outside_escrowbook_is_refused_in_words(pg_database, pg_cluster):
    import psycopg

    book = pg_database()
    url = book.url
    book.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"UPDATE book_info SET value = '{schema_version() + 1}' WHERE key = 'format'")
    with pytest.raises(BookError, match="made by a later version of Escrowbook"):
        open_book(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"UPDATE book_info SET value = '{schema_version()}' WHERE key = 'format'")
        conn.execute("CREATE TABLE notes (id BIGINT)")
    with pytest.raises(BookError, match="its tables were changed outside Escrowbook: a table “notes” was added"):
        open_book(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE notes")
        conn.execute("DELETE FROM book_info WHERE key = 'application'")
    with pytest.raises(BookError, match="the database holds other tables, not an Escrowbook book"):
        open_book(url)
    with pytest.raises(BookError, match="the server did not let Escrowbook in"):
        open_book(pg_cluster.url("no_such_database"))


@pytest.mark.parametrize(
    ("sqlite", "postgresql"),
    [
        ("SELECT a FROM t WHERE b = ? AND c = :name", "SELECT a FROM t WHERE b = %s AND c = %(name)s"),
        ("SELECT '?:x%' || x::text, a % 2 FROM t", "SELECT '?:x%%' || x::text, a %% 2 FROM t"),
        ("SELECT 1 FROM t WHERE 1 AND a", "SELECT 1 FROM t WHERE TRUE AND a"),
        ("SELECT a FROM t INDEXED BY t_a WHERE +a = 1", "SELECT a FROM t  WHERE a = 1"),
        ("SELECT max(a, COALESCE(b, '')), max(c) FROM t", "SELECT GREATEST(a, COALESCE(b, '')), max(c) FROM t"),
        (
            "INSERT OR REPLACE INTO book_info (key, value) VALUES (?, ?)",
            "INSERT INTO book_info (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        ),
        ("SELECT n FROM (SELECT 1 AS n) WHERE n > 0", "SELECT n FROM (SELECT 1 AS n) AS sq_1 WHERE n > 0"),
        ("SELECT a > 0 AS big FROM t WHERE big", "SELECT a > 0 AS big FROM t WHERE (a > 0)"),
        ("SELECT date(d, '+3 days'), title LIKE ? FROM t", "SELECT sq_date(d, '+3 days'), title ILIKE %s FROM t"),
        ("SELECT 1 FROM t WHERE a IS b", "SELECT 1 FROM t WHERE a IS NOT DISTINCT FROM b"),
        ("PRAGMA table_info(contract)", pgstore.translate("PRAGMA table_info(contract)")),
        ("SELECT quote(a) FROM contract c NOT INDEXED", "SELECT quote_nullable(a) FROM contract c"),
        (
            "SELECT d.currency AS cur FROM contract_day d GROUP BY +d.contract_id HAVING 1",
            "SELECT d.currency AS cur FROM contract_day d GROUP BY d.contract_id, d.currency HAVING 1",
        ),
        (
            "SELECT n FROM (SELECT c.id, d.currency, SUM(d.paid) FROM contract c JOIN contract_day d ON d.contract_id "
            "= c.id GROUP BY c.id) AS s",
            "SELECT n FROM (SELECT c.id, d.currency, SUM(d.paid) FROM contract c JOIN contract_day d ON d.contract_id "
            "= c.id GROUP BY c.id, d.currency) AS s",
        ),
        (
            "SELECT t.released AS paid, t.fees AS fees FROM t ORDER BY max(paid + fees, 0) DESC, paid",
            "SELECT t.released AS paid, t.fees AS fees FROM t ORDER BY GREATEST((t.released) + (t.fees), 0) DESC, paid",
        ),
        ('PRAGMA foreign_key_check("milestone")', "SELECT * FROM sq_foreign_key_check('milestone')"),
    ],
)
def test_sqlite_sql_in_postgresql_words(sqlite, postgresql):
    assert pgstore.translate(sqlite) == postgresql
    assert "information_schema.columns" in pgstore.translate("PRAGMA table_info(contract)")


def test_an_address_is_shown_without_its_password():
    assert pgstore.shown("postgresql://ana:secret@db.example/books") == "postgresql://ana@db.example/books"
    assert pgstore.shown("postgresql://ana@/books?host=/tmp") == "postgresql://ana@/books?host=/tmp"


def test_escrowbook_check_takes_a_shared_books_address(shared, funded, capsys):
    import psycopg

    from desktop.cli import main

    ops.release_payment(funded, today=date(2026, 3, 2))
    url = shared.url
    assert main(["check", url]) == 0
    assert f"{url}: OK. 1 contracts in 1 currencies; every invariant holds" in capsys.readouterr().out
    with psycopg.connect(url, autocommit=True) as conn:  # (a change no operation makes, its triggers off)
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE ledger_entry SET milestone_id = 9999 WHERE kind = 'release'")
    assert main(["check", url]) == 1
    out = capsys.readouterr().out
    assert "problem(s) found" in out and "points at a missing milestone row." in out
    with pytest.raises(BookError, match="the database is empty: it holds no book"):  # (check never makes one)
        open_to_check(url.replace(f"/{shared.name}?", "/postgres?"))


def test_escrowbook_check_never_prints_the_password_in_a_shared_books_address(shared, funded, capsys):
    from desktop.cli import main

    url = shared.url.replace("postgresql://postgres@", "postgresql://postgres:s3cret-word@")  # (trust: not asked)
    assert main(["check", url]) == 0
    out, err = capsys.readouterr()
    assert f"{pgstore.shown(url)}: OK. 1 contracts in 1 currencies" in out
    assert "s3cret-word" not in out + err


def test_interrupt_stops_a_statement_another_thread_runs_on_the_book_as_sqlite_says_it(shared):
    """The window counts a search's matches on a worker thread, which reads through a connection of its own here:
    the next keystroke's interrupt stops that statement at once (not the GUI thread's own, idle connection), and it
    fails as SQLite's interrupted statement does, which the counter expects. The book reads on after it."""
    import sqlite3
    import threading
    import time

    failed: list[BaseException] = []
    started = threading.Event()

    def count():
        started.set()
        try:
            shared.conn.execute("SELECT pg_sleep(30)").fetchall()
        except BaseException as exc:  # (what the worker thread's statement ends with)
            failed.append(exc)
        finally:
            shared.db.close()  # (the worker's own connection)

    worker = threading.Thread(target=count)
    began = time.perf_counter()
    worker.start()
    started.wait()
    while not worker.join(0.01) and worker.is_alive() and time.perf_counter() - began < 10:
        shared.conn.interrupt()
    assert not worker.is_alive() and time.perf_counter() - began < 10
    assert len(failed) == 1 and isinstance(failed[0], sqlite3.OperationalError), failed
    assert str(failed[0]) == "interrupted"
    assert shared.conn.execute("SELECT 1").fetchone()[0] == 1


def test_the_fingerprint_of_the_schema_the_migrations_make_on_this_server(shared):
    """pgstore.STRUCTURE_DIGESTS: the schema this version's migrations make, fingerprinted for each PostgreSQL major
    version, computed again here on a real server (when the migrations change, this gives the new value to keep)."""
    from models import schema
    from models.book import MIGRATIONS

    pgstore._expected_cache.clear()  # (made again here, not taken from an earlier test)
    made = schema.digest(pgstore.expected_structure(shared.db, MIGRATIONS))
    major = pgstore.major_version(shared.db)
    said = f"the migrations changed: STRUCTURE_DIGESTS[{major}] = {made!r}"
    assert made == pgstore.STRUCTURE_DIGESTS.get(major), said
    assert schema.digest(pgstore.structure(shared.db)) == made  # a new book's own schema is that one


def test_a_shared_book_as_the_migrations_make_it_opens_without_a_schema_made_to_compare_with(shared, monkeypatch):
    """The fingerprint says yes to a book of this version's schema: no schema is made in a temporary one (~0.4 s of
    the window's start) to compare it with."""
    url = shared.url
    shared.close()

    def built(*_):
        raise AssertionError("a schema was made to compare with")

    monkeypatch.setattr(pgstore, "expected_structure", built)
    with open_book(url, create=False) as again:
        assert again.db.execute_sql("SELECT count(*) FROM contract").fetchone() == (0,)


def test_a_schema_changed_outside_escrowbook_is_refused_whatever_the_fingerprint_says(pg_database, monkeypatch):
    """The fingerprint is computed from the book's own catalogue and only says yes to the schema it was made of: a
    trigger added is refused with it, without it (a server of another major version) and with a wrong one; a book as
    made still opens without it, compared with the schema the migrations make."""
    import psycopg

    book = pg_database()
    url = book.url
    book.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION sneaky() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")
        conn.execute("CREATE TRIGGER sneaky BEFORE INSERT ON ledger_entry FOR EACH ROW EXECUTE FUNCTION sneaky()")
    changed = "its tables were changed outside Escrowbook: .*trigger “sneaky” runs its own commands"
    with pytest.raises(BookError, match=changed):
        open_book(url)
    for digests in ({}, {major: "0" * 64 for major in range(10, 40)}):
        monkeypatch.setattr(pgstore, "STRUCTURE_DIGESTS", digests)
        with pytest.raises(BookError, match=changed):
            open_book(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TRIGGER sneaky ON ledger_entry")
        conn.execute("DROP FUNCTION sneaky()")
    with open_book(url, create=False):  # (the wrong fingerprints still in place)
        pass


def test_r13_a_shared_book_lacking_a_policy_this_version_ships_gets_it_when_opened(shared):
    """Opening reads the policies the book holds once, and copies in (in a transaction) only what it lacks."""
    import psycopg

    from models.policy import load_policy_files, missing_policies

    url = shared.url
    assert missing_policies() == []
    shared.close()
    first = load_policy_files()[0]
    version = (first.key, str(first.effective_from))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM policy WHERE key = %s AND effective_from = %s", version)
        assert conn.execute(
            "SELECT count(*) FROM policy WHERE key = %s AND effective_from = %s", version
        ).fetchone() == (0,)
    with open_book(url, create=False):
        assert missing_policies() == []
