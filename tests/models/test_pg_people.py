"""People and roles of a book kept in PostgreSQL (issue 22, item 3; models/people.py): the server itself enforces
what each role may do, so a viewer cannot write even with its own SQL connection, a bookkeeper records and corrects
but cannot manage the people, and every record and audit row names the login that made it, which nobody can
forge. The app's refusals (a write a role does not allow, an unknown role, a login that is none of the book's
people) are said in words. Logins are the server's (roles of the whole cluster): each test names its own."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from models import ops, people
from models.book import open_book
from models.check import check_book
from models.csv_io import export_csv
from models.entities import AuditLog, Contract, Freelancer, LedgerEntry, Milestone
from models.errors import BookError, RuleError
from models.undo import History

from ..conftest import START
from .rules import STARS

_logins = itertools.count(1)


def as_login(url: str, login: str) -> str:
    return url.replace("postgresql://postgres@", f"postgresql://{login}@", 1)


@pytest.fixture
def team(pg_database):
    """A shared book with its people, added by the one who made it (the server's administrator here): an owner,
    a bookkeeper and a viewer, each a new login. Closed at the end; the open book is the maker's."""
    book = pg_database()
    n = next(_logins)
    logins = {role: f"{role[:4]}{n}_{book.name}" for role in people.ROLES}
    for role, login in logins.items():
        people.add(login, f"{role.title()} {n}", role)
    yield book, logins
    book.close()


def named(logins: dict, role: str) -> str:
    """The name the team fixture gave the person of `role`."""
    return f"{role.title()} {logins[role].split('_')[0].removeprefix(role[:4])}"


def _connect(url: str, login: str):
    import psycopg

    return psycopg.connect(as_login(url, login), autocommit=True)


def _tables(conn) -> list[str]:
    return [t for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]


def test_a_viewer_cannot_write_even_with_its_own_sql_connection(team):
    import psycopg

    book, logins = team
    f = ops.create_freelancer("Ana Ruiz")
    ops.create_contract("Logo redesign", f, currency="USD", started_on=START, today=START)
    book.close()
    with _connect(book.url, logins["viewer"]) as conn:
        tables = _tables(conn)
        assert {"ledger_entry", "audit_log", "contract", "person", "book_info"} <= set(tables)
        for table in tables:
            conn.execute(f"SELECT * FROM {table} LIMIT 1").fetchall()  # reads every table
            column = conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s LIMIT 1", (table,)
            ).fetchone()[0]
            for sql in (
                f"INSERT INTO {table} DEFAULT VALUES",
                f"UPDATE {table} SET {column} = {column}",
                f"DELETE FROM {table}",
                f"TRUNCATE {table}",
                f"ALTER TABLE {table} ADD COLUMN extra TEXT",
                f"DROP TABLE {table} CASCADE",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(sql)
        for sql in (
            "CREATE TABLE notes (id BIGINT)",
            "ALTER TABLE ledger_entry DISABLE TRIGGER ALL",
            f"GRANT {book.name}_bookkeeper TO {logins['viewer']}",
            "SET session_replication_role = replica",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
        assert conn.execute("SELECT name FROM freelancer").fetchall() == [("Ana Ruiz",)]


def test_a_viewer_reads_checks_and_exports_and_the_apps_writes_are_refused_in_words(team, tmp_path, capsys):
    from desktop.cli import main

    book, logins = team
    f = ops.create_freelancer("Ana Ruiz")
    ops.create_contract("Logo redesign", f, currency="USD", started_on=START, today=START)
    book.close()
    url = as_login(book.url, logins["viewer"])
    assert main(["check", url]) == 0
    assert main(["export-csv", "--book", url, "--out", str(tmp_path / "out")]) == 0
    assert "Logo redesign" in (tmp_path / "out" / "contracts.csv").read_text()
    with open_book(tmp_path / "other.book"):  # (what a viewer might try to bring in: another book's contracts)
        ops.create_contract("Brand book", ops.create_freelancer("Bo Li"), currency="USD", started_on=START, today=START)
        export_csv(tmp_path / "other")
    capsys.readouterr()
    with open_book(url) as viewed:
        assert viewed.db.execute_sql("SELECT name FROM freelancer").fetchall() == [("Ana Ruiz",)]
        with pytest.raises(RuleError) as refused:
            ops.create_freelancer("Bo Li")
        words = str(refused.value)
        assert words == (
            f"Nothing was recorded: your login “{logins['viewer']}” is a viewer of this book, who reads and exports. "
            "Ask the book's owner if you need to do more."
        )
        assert Freelancer.select().count() == 1
    assert main(["import-csv", "--book", url, "--from", str(tmp_path / "other")]) == 1
    err = capsys.readouterr().err
    assert "your login" in err and "Traceback" not in err and "permission denied" not in err.lower(), err
    with open_book(url):
        assert [c.title for c in Contract.select()] == ["Logo redesign"]


def _bookkeepers_day(maker) -> None:
    """A bookkeeper's work: records, corrections and undo, through the app's operations."""
    f = ops.create_freelancer("Ana Ruiz")
    c = ops.create_contract("Logo redesign", f, currency="USD", started_on=START, today=START)
    draft = ops.add_milestone(c, "Draft", 50_000)
    spare = ops.add_milestone(c, "Spare", 10_000)
    ops.delete_milestone(spare)  # (an unfunded milestone may be deleted: R2)
    ops.fund_milestone(draft, today=START)
    ops.submit_work(draft, today=START + timedelta(days=1))
    paid = ops.release_payment(draft, 20_000, today=START + timedelta(days=2))
    ops.record_refund(paid, 5_000, today=START + timedelta(days=3))
    history = History(lambda: START + timedelta(days=4))
    ops.listen(history.record)
    try:
        ops.add_milestone(c, "Final", 30_000)
        ops.fund_milestone(Milestone.get(Milestone.title == "Final"), today=START + timedelta(days=4))
        history.undo()  # (a reversal of the funding)
    finally:
        ops.unlisten(history.record)
    ops.end_contract(c, agreed=True, request_escrow_refund=True, today=START + timedelta(days=5))
    ops.submit_feedback(c, STARS, comment="Good work", now=maker)


def test_a_bookkeeper_records_and_corrects_but_cannot_manage_people(team):
    import datetime as dt

    import psycopg

    book, logins = team
    book.close()
    bookkeeper = logins["bookkeeper"]
    with open_book(as_login(book.url, bookkeeper)) as kept:
        _bookkeepers_day(dt.datetime(2026, 3, 7, 12, 0))
        assert check_book() == []
        reversals = LedgerEntry.select().where(LedgerEntry.kind == LedgerEntry.REVERSAL)
        assert LedgerEntry.FUND in {e.reverses.kind for e in reversals}  # (the undo)
        with pytest.raises(RuleError, match=f"^Only the book's owners manage its people: your login “{bookkeeper}”"):
            people.add(logins["viewer"], "Someone Else", "bookkeeper")
        with pytest.raises(RuleError, match=r"^Only the book's owners manage its people"):
            people.remove(logins["viewer"])
        assert people.role_of(kept.db, logins["viewer"]) == "viewer"
    with _connect(book.url, bookkeeper) as conn:
        for sql in (
            "DELETE FROM ledger_entry",
            "DELETE FROM audit_log",
            "DELETE FROM contract",
            "INSERT INTO person (login, name) VALUES ('x', 'X')",
            "UPDATE person SET name = 'X'",
            f"GRANT {book.name}_bookkeeper TO {logins['viewer']}",
            f"REVOKE {book.name}_viewer FROM {logins['viewer']}",
            "DROP INDEX ledger_entry_date",
            "CREATE TABLE notes (id BIGINT)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)


def test_records_and_audit_rows_name_their_maker_and_nobody_can_write_another_name(team):

    book, logins = team
    made_by_maker = ops.create_freelancer("Made by the administrator")
    book.close()
    bookkeeper, owner = logins["bookkeeper"], logins["owner"]
    with open_book(as_login(book.url, bookkeeper)):
        f = ops.create_freelancer("Ana Ruiz")
        c = ops.create_contract("Logo redesign", f, currency="USD", started_on=START, today=START)
        m = ops.add_milestone(c, "Draft", 50_000)
        entry = ops.fund_milestone(m, today=START)
        ops.edit_contract(c, title="Logo redesign, v2")
        audit = AuditLog.select().order_by(AuditLog.id.desc()).first()
        assert audit is not None
        for table, row in (
            ("ledger_entry", entry.id),
            ("audit_log", audit.id),
            ("contract", c.id),
            ("milestone", m.id),
        ):
            assert people.made_by(table, row) == named(logins, "bookkeeper"), table
        assert people.made_by("freelancer", made_by_maker.id) == "postgres"  # (named by no one: the login)
    with _connect(book.url, owner) as conn:
        conn.execute("INSERT INTO audit_log (at, action, detail, made_by) VALUES ('2026-03-01', 'x', '', 'postgres')")
        conn.execute("UPDATE ledger_entry SET made_by = %s", (owner,))
        said = dict(conn.execute("SELECT action, made_by FROM audit_log WHERE action = 'x'").fetchall())
        assert said == {"x": owner}  # (written by the owner, whatever the INSERT said)
        assert {who for (who,) in conn.execute("SELECT made_by FROM ledger_entry")} == {bookkeeper}


def test_an_owner_manages_bookkeepers_and_viewers_the_administrator_makes_logins_and_owners(team, capsys):
    import psycopg

    from desktop.cli import main

    book, logins = team
    owner = logins["owner"]
    extra = f"xtra{next(_logins)}_{book.name}"
    with psycopg.connect(book.url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {extra} LOGIN")
    book.close()
    url = as_login(book.url, owner)
    assert main(["people", "add", url, "--login", extra, "--name", "Extra  Person", "--role", "viewer"]) == 0
    assert capsys.readouterr().out == f"Extra Person ({extra}) is a viewer of {book.name}: reads and exports.\n"
    assert main(["people", "add", url, "--login", extra, "--name", "Extra Person", "--role", "bookkeeper"]) == 0
    assert main(["people", "list", url]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert f"{extra}\tExtra Person\tbookkeeper" in listed
    assert f"{logins['viewer']}\t{named(logins, 'viewer')}\tviewer" in listed
    assert main(["people", "remove", url, "--login", extra]) == 0
    assert "is no longer one of" in capsys.readouterr().out
    assert main(["people", "list", url]) == 0
    assert f"{extra}\tExtra Person\t(no longer one of its people)" in capsys.readouterr().out.splitlines()
    refusals = {
        ("add", "--login", f"new{extra}", "--name", "N", "--role", "viewer"): "Only the server's administrator can "
        f"make the login “new{extra}”",
        ("add", "--login", extra, "--name", "N", "--role", "owner"): "Only the server's administrator can add an owner",
        ("remove", "--login", owner): "You cannot take back your own role",
        ("remove", "--login", "nobody_at_all"): "“nobody_at_all” is not one of this book's people.",
        ("add", "--login", extra, "--name", "N", "--role", "admin"): "There is no role “admin”: a person is an owner",
        ("add", "--login", "Robert'); DROP TABLE x;--", "--name", "N", "--role", "viewer"): "cannot be a login",
    }
    for args, words in refusals.items():
        assert main(["people", args[0], url, *args[1:]]) == 1, args
        out = capsys.readouterr()
        assert words in out.err and "Traceback" not in out.err, out.err
    with open_book(url) as owned:
        assert people.role_of(owned.db, extra) is None
        assert people.role_of(owned.db, owner) == "owner"


def test_a_login_with_no_role_and_an_unknown_role_are_refused_in_words(team, capsys):
    import psycopg

    from desktop.cli import main

    book, logins = team
    with pytest.raises(
        RuleError, match=r"^There is no role “admin”: a person is an owner .*, a bookkeeper .* or a viewer"
    ):
        people.add(logins["viewer"], "Vi", "admin")
    stranger = f"strn{next(_logins)}_{book.name}"
    with psycopg.connect(book.url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {stranger} LOGIN")
    book.close()
    url = as_login(book.url, stranger)
    with pytest.raises(
        BookError, match=f"the login “{stranger}” is not one of this book's people: ask the book's owner"
    ):
        open_book(url)
    assert main(["export-csv", "--book", url, "--out", "/nonexistent-out"]) == 1
    assert f"the login “{stranger}” is not one of this book's people" in capsys.readouterr().err
    with _connect(book.url, stranger) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT * FROM ledger_entry")


@pytest.mark.parametrize("store", ["sqlite"])
def test_a_book_file_has_one_user_and_no_people_to_manage(book, capsys):
    from desktop.cli import main

    f = ops.create_freelancer("Ana Ruiz")
    assert people.names() == {} and people.made_by("freelancer", f.id) is None
    with pytest.raises(RuleError, match=r"^People and roles are for a book kept in PostgreSQL"):
        people.add("ana", "Ana", "viewer")
    assert main(["people", "list", str(book.path)]) == 1
    assert "people and roles are for a book kept in PostgreSQL" in capsys.readouterr().err


def test_the_ledger_tab_says_who_recorded_each_entry_in_a_shared_book_only(team, tmp_path, qtbot):
    from desktop.contract.ledger import MADE_BY_COLUMN, LedgerTab

    book, logins = team
    book.close()

    def shown(tab: LedgerTab) -> tuple[bool, set[str]]:
        t = tab.ledger_table
        return t.isColumnHidden(MADE_BY_COLUMN), {t.item(r, MADE_BY_COLUMN).text() for r in range(t.rowCount())}

    for where in (as_login(book.url, logins["bookkeeper"]), tmp_path / "own.book"):
        with open_book(where):
            c = ops.create_contract("Logo redesign", ops.create_freelancer("Ana Ruiz"), currency="USD",
                                    started_on=START, today=START)  # fmt: skip
            ops.fund_milestone(ops.add_milestone(c, "Draft", 50_000), today=START)
            tab = LedgerTab(today=lambda: START)
            qtbot.addWidget(tab)
            tab.show_contract(c.id)
            if isinstance(where, str):
                assert shown(tab) == (False, {named(logins, "bookkeeper")})
            else:
                assert shown(tab) == (True, {""})


def test_the_first_person_added_to_an_empty_database_makes_the_book_there(pg_cluster, capsys):
    from desktop.cli import main

    n = next(_logins)
    dbname, login = f"eb_people_{n}", f"boss{n}_people"
    with pg_cluster.database(dbname) as url:
        assert main(["people", "list", url]) == 1
        assert "the database is empty: it holds no book" in capsys.readouterr().err
        assert main(["people", "add", url, "--login", login, "--name", "The Boss", "--role", "owner"]) == 0
        assert (
            capsys.readouterr().out
            == f"The Boss ({login}) is an owner of {dbname}: does everything and manages the people.\n"
        )
        assert main(["people", "list", as_login(url, login)]) == 0
        assert capsys.readouterr().out.splitlines()[-1] == f"{login}\tThe Boss\towner"


def test_a_shared_book_made_before_it_named_its_people_gets_them_when_its_maker_opens_it(pg_database):
    import psycopg

    book = pg_database()
    f = ops.create_freelancer("Ana Ruiz")
    book.close()
    with psycopg.connect(book.url, autocommit=True) as conn:  # (the book as the version before made it)
        conn.execute("DROP TABLE person")
        conn.execute("DROP FUNCTION sq_made_by() CASCADE")
        for table in people.RECORD_TABLES:
            conn.execute(f"ALTER TABLE {table} DROP COLUMN made_by")
        reader = f"read{next(_logins)}_{book.name}"
        conn.execute(f"CREATE ROLE {reader} LOGIN")
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}")
    with pytest.raises(BookError, match="it was made by an earlier version, before shared books named their people"):
        open_book(as_login(book.url, reader))
    with open_book(book.url):
        assert people.made_by("freelancer", f.id) == "postgres"
        ops.create_freelancer("Bo Li")
    with open_book(book.url) as again:
        assert again.db.execute_sql("SELECT name, made_by FROM freelancer ORDER BY id").fetchall() == [
            ("Ana Ruiz", "postgres"),
            ("Bo Li", "postgres"),
        ]
