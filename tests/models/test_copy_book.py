"""Moving and keeping a book with its store's own tools (issue 22). `escrowbook copy-book`: a book moved from a
file into PostgreSQL and back is the same book, proved by `check` on both sides; a target that holds anything,
and a source with problems, are refused in words and nothing is left behind. `escrowbook backup`: pg_dump's
archive of a shared book restores with pg_restore into the same book; a book file's backup is itself a book."""

from __future__ import annotations

import contextlib
import itertools
from datetime import date

import pytest

from desktop.cli import main
from models import demo, ops
from models.book import open_book
from models.copy_book import copy_book, fingerprint
from models.entities import Contract
from models.errors import BookError
from models.queries import book_totals

TODAY = date(2026, 12, 1)
_names = itertools.count(1)


@pytest.fixture
def empty_database(pg_cluster):
    """empty_database(): the address of a new, empty database (dropped after the test)."""
    with contextlib.ExitStack() as made:
        yield lambda: made.enter_context(pg_cluster.database(f"eb_copy_{next(_names)}"))


@pytest.fixture
def source(tmp_path):
    """A demo book of 40 contracts (every kind of record the demo makes), and one of our own with a correction."""
    path = tmp_path / "ours.book"
    demo.generate(path, 40, today=TODAY)
    with open_book(path):
        ana = ops.create_freelancer("Ana Ruiz")
        logo = ops.create_contract("Logo redesign", ana, started_on=TODAY, today=TODAY)
        funded = ops.fund_milestone(ops.add_milestone(logo, "Sketches", 30_000), today=TODAY)
        ops.reverse_entry(funded, memo="typed twice", today=TODAY)
    return path


def _what(target) -> tuple:
    """What a user sees of a book: its totals per currency, and each entry as recorded (chain link included)."""
    with open_book(str(target), create=False) as book:
        entries = book.db.execute_sql(
            "SELECT id, contract_id, kind, amount, currency, date, hash FROM ledger_entry ORDER BY id"
        ).fetchall()
        titles = [c.title for c in Contract.select().order_by(Contract.id)]
        return book_totals(), [tuple(bytes(v) if isinstance(v, memoryview) else v for v in e) for e in entries], titles


def test_a_file_copied_into_postgresql_and_back_is_the_same_book(source, empty_database, tmp_path):
    url = empty_database()
    before = _what(source)
    copied = copy_book(str(source), url)
    assert copied.contracts == 41 and copied.rows["ledger_entry"] == len(before[1]) and copied.head
    assert _what(url) == before
    back = tmp_path / "back.book"
    again = copy_book(url, str(back))
    assert again.head == copied.head and again.rows == copied.rows
    assert _what(back) == before
    # Both copies go on as books: the next records take the next ids, and are checked like any other.
    for where in (url, str(back)):
        with open_book(where, create=False) as book:
            contract = Contract.get_by_id(1)
            ana = ops.create_freelancer("Ana Ruiz")
            new = ops.create_contract("After the move", ana, started_on=TODAY, today=TODAY)
            assert new.id == 42
            ops.fund_milestone(ops.add_milestone(new, "Start", 10_000), today=TODAY)
            assert contract.title == before[2][0]
            after = fingerprint(book.db.execute_sql)
            head_id = int(after["head"].split(":")[0])
            assert head_id > len(before[1]) and after["rows"]["ledger_entry"] == head_id  # (ids follow on)
        assert main(["check", where]) == 0


def test_escrowbook_copy_book_says_what_it_copied_and_that_both_were_checked(source, empty_database, capsys):
    url = empty_database()
    assert main(["copy-book", str(source), url]) == 0
    out = capsys.readouterr().out
    assert f"{source} copied to {url}: 41 contracts," in out
    assert "both checked, the same records, totals and chain of entries" in out


def test_a_target_that_holds_anything_is_refused_and_left_as_it_was(source, empty_database, tmp_path, capsys):
    url = empty_database()
    copy_book(str(source), url)
    with open_book(url, create=False) as book:
        kept = fingerprint(book.db.execute_sql)
    with pytest.raises(BookError, match="is not empty: the copy goes into an empty database only"):
        copy_book(str(source), url)
    with open_book(url, create=False) as book:
        assert fingerprint(book.db.execute_sql) == kept
    other = tmp_path / "other.book"
    other.write_bytes(b"my own notes")
    assert main(["copy-book", url, str(other)]) == 1
    assert "already exists: the copy makes a new book file only" in capsys.readouterr().err
    assert other.read_bytes() == b"my own notes"


def test_a_source_with_problems_is_not_copied_and_nothing_is_made(source, empty_database, tmp_path):
    import sqlite3

    with sqlite3.connect(source) as conn:  # a change no operation makes: an amount edited outside the app
        conn.execute("UPDATE ledger_entry SET amount = amount + 1 WHERE id = 5")
    conn.close()
    target = tmp_path / "copy.book"
    with pytest.raises(BookError, match=r"has \d+ problem\(s\) \(`escrowbook check` lists them\): it is not copied"):
        copy_book(str(source), str(target))
    assert not target.exists()
    url = empty_database()
    with pytest.raises(BookError, match="it is not copied"):
        copy_book(str(source), url)
    with pytest.raises(BookError, match="the database is empty: it holds no book"):
        open_book(url, create=False)


def test_a_copy_that_fails_midway_leaves_no_half_book_behind(source, empty_database, tmp_path, monkeypatch):
    from models import copy_book as module

    def broken(dst, sql, rows, shared):
        if "INTO ledger_entry" in sql:
            raise OSError(28, "No space left on device")
        real(dst, sql, rows, shared)

    real = module._insert
    monkeypatch.setattr(module, "_insert", broken)
    target = tmp_path / "copy.book"
    with pytest.raises(OSError):
        copy_book(str(source), str(target))
    assert not target.exists() and not list(tmp_path.glob("copy.book*"))
    url = empty_database()
    with pytest.raises(OSError):
        copy_book(str(source), url)
    monkeypatch.setattr(module, "_insert", real)
    assert copy_book(str(source), url).contracts == 41  # (the database was emptied again: it takes the copy)


def test_a_shared_book_is_backed_up_with_pg_dump_and_restores_with_pg_restore_into_the_same_book(
    source, empty_database, tmp_path, capsys
):
    import subprocess

    from models.book_backup import pg_tool

    url = empty_database()
    copy_book(str(source), url)
    before = _what(url)
    dump = tmp_path / "team.dump"
    assert main(["backup", url, "--out", str(dump)]) == 0
    assert f"{url} backed up to {dump} (" in capsys.readouterr().out
    assert dump.stat().st_mode & 0o777 == 0o600 and not list(tmp_path.glob("*.part"))
    restored = empty_database()
    done = subprocess.run(
        [pg_tool("pg_restore"), "--no-owner", "--no-privileges", f"--dbname={restored}", str(dump)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert main(["check", restored]) == 0
    assert _what(restored) == before
    assert main(["backup", url, "--out", str(dump)]) == 1  # (never over a file)
    assert "already exists: a backup is written to a new file only" in capsys.readouterr().err


def test_a_book_file_is_backed_up_with_sqlites_backup_api_into_a_book(source, tmp_path, capsys):
    before = _what(source)
    copy = tmp_path / "saved.book"
    assert main(["backup", str(source), "--out", str(copy)]) == 0
    assert main(["check", str(copy)]) == 0
    assert _what(copy) == before


def test_a_backup_of_what_is_no_book_is_refused_in_words(empty_database, tmp_path, capsys):
    url = empty_database()
    assert main(["backup", url, "--out", str(tmp_path / "x.dump")]) == 1
    assert "the database is empty: it holds no book" in capsys.readouterr().err
    assert not (tmp_path / "x.dump").exists()
