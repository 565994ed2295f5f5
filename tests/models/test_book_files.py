"""Book files: created safely; a text file, an empty file, a foreign database, a truncated book,
a newer book and a book open elsewhere are each refused with their own message, byte for byte untouched."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from models import book as book_module
from models import ops
from models.backup import backups_of
from models.book import APPLICATION_ID, open_book, schema_version
from models.entities import Contract
from models.errors import BookError

from ..conftest import START


def _files(path: Path) -> dict[str, bytes]:
    """The book and any sidecar file SQLite could have left beside it."""
    return {p.name: p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name)}


def _make_book(path: Path, contracts: int = 3) -> None:
    with open_book(path):
        f = ops.create_freelancer("Ana Ruiz")
        for i in range(contracts):
            c = ops.create_contract(f"Contract {i}", f, started_on=START, today=START)
            m = ops.add_milestone(c, "Work", 10_000 + i)
            ops.fund_milestone(m, today=START)


def _refused(path: Path, reason: str, match: str) -> None:
    before = _files(path)
    with pytest.raises(BookError, match=match) as info:
        open_book(path, create=False)
    assert info.value.reason == reason
    assert _files(path) == before, "a refused file must be left byte for byte untouched"


def test_new_book_is_private_wal_and_stamped(tmp_path):
    path = tmp_path / "new.book"
    with open_book(path) as b:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert b.db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert b.db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert b.db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    header = path.read_bytes()[:100]
    assert int.from_bytes(header[68:72], "big") == APPLICATION_ID
    assert int.from_bytes(header[60:64], "big") == schema_version()


def test_book_keeps_its_data_between_openings(tmp_path):
    path = tmp_path / "kept.book"
    _make_book(path)
    with open_book(path, create=False):
        assert Contract.select().count() == 3


def test_missing_book_is_refused_when_not_creating(tmp_path):
    with pytest.raises(BookError, match="there is no such file") as info:
        open_book(tmp_path / "nowhere.book", create=False)
    assert info.value.reason == "missing"
    assert not (tmp_path / "nowhere.book").exists()


def test_text_file_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.book"
    path.write_text("Shopping list: milk, eggs\n" * 20)
    _refused(path, "not_a_book", "it is not an Escrowbook book")


def test_empty_file_is_refused_untouched(tmp_path):
    path = tmp_path / "empty.book"
    path.write_bytes(b"")
    _refused(path, "empty", "it is an empty file")


def test_foreign_sqlite_database_is_refused_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE songs (title TEXT)")
    conn.commit()
    conn.close()
    _refused(path, "not_a_book", "a database, but not an Escrowbook book")


def test_truncated_book_is_refused_untouched(tmp_path):
    path = tmp_path / "cut.book"
    _make_book(path, contracts=40)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _refused(path, "damaged", "the file is damaged")


def test_newer_book_is_refused_untouched(tmp_path):
    path = tmp_path / "future.book"
    _make_book(path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema_version() + 1}")
    conn.commit()
    conn.close()
    _refused(path, "newer", "written by a newer version of Escrowbook")


def test_book_open_in_another_process_is_refused_untouched(tmp_path):
    path = tmp_path / "busy.book"
    _make_book(path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys
                from models.book import open_book
                b = open_book({str(path)!r}, create=False)
                print("open", flush=True)
                sys.stdin.readline()
                b.close()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        _refused(path, "locked", "already open in another Escrowbook window")
    finally:
        holder.communicate("\n", timeout=30)
    assert holder.returncode == 0
    with open_book(path, create=False):  # free again once the other process closed it
        assert Contract.select().count() == 3


def test_second_open_in_the_same_process_is_refused(tmp_path):
    path = tmp_path / "twice.book"
    first = open_book(path)
    try:
        before = path.read_bytes()
        with pytest.raises(BookError, match="already open"):
            book_module.open_book(path, create=False)
        assert path.read_bytes() == before
    finally:
        first.close()


def test_migration_backs_the_book_up_first_and_upgrades_it(tmp_path, monkeypatch, backups_folder):
    path = tmp_path / "old.book"
    _make_book(path)
    version = schema_version()
    steps = [*book_module.MIGRATIONS, lambda db: db.execute_sql("ALTER TABLE contract ADD COLUMN colour TEXT")]
    monkeypatch.setattr(book_module, "MIGRATIONS", steps)
    with open_book(path, create=False) as b:
        assert b.db.execute_sql("PRAGMA user_version").fetchone()[0] == version + 1
        assert Contract.select().count() == 3
    (copy,) = backups_of(path)
    assert copy.path.parent.parent == backups_folder
    assert copy.before_upgrade_from == version
    assert copy.path.name.endswith(f"-format{version}-before-upgrade.book")
    assert stat.S_IMODE(os.stat(copy.path).st_mode) == 0o600
    conn = sqlite3.connect(copy.path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version
        assert conn.execute("SELECT COUNT(*) FROM contract").fetchone()[0] == 3
        assert "colour" not in [r[1] for r in conn.execute("PRAGMA table_info(contract)")]
    finally:
        conn.close()


def test_failed_migration_leaves_the_book_at_its_version(tmp_path, monkeypatch):
    path = tmp_path / "old.book"
    _make_book(path)

    def broken(db):
        db.execute_sql("ALTER TABLE contract ADD COLUMN colour TEXT")
        raise RuntimeError("disk on fire")

    version = schema_version()
    monkeypatch.setattr(book_module, "MIGRATIONS", [*book_module.MIGRATIONS, broken])
    with pytest.raises(BookError, match=f"upgrading it to book format {version + 1} failed") as info:
        open_book(path, create=False)
    assert info.value.reason == "upgrade"
    (copy,) = backups_of(path)
    assert f"Your book is unchanged; a copy was kept at {copy.path}." in str(info.value)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version
        columns = [r[1] for r in conn.execute("PRAGMA table_info(contract)")]
        assert "colour" not in columns
    finally:
        conn.close()


def test_bookfile_knows_this_versions_format_and_every_table():
    """models/bookfile.py opens books without peewee, so it keeps its own copy of the two facts it checks."""
    from models import bookfile
    from models.entities import ALL_TABLES

    assert bookfile.SCHEMA_VERSION == len(book_module.MIGRATIONS) == schema_version()
    assert {m._meta.table_name for m in ALL_TABLES} == bookfile.TABLES


def test_the_schema_fingerprint_is_this_versions_migrations():
    """Opening a book compares its schema's fingerprint with one kept in models/book.py: it must be the schema the
    migrations make (when they change, this gives the new value to keep)."""
    from models import schema

    made = schema.digest(book_module.expected_schema())
    assert made == book_module.SCHEMA_DIGEST, f"the migrations changed: SCHEMA_DIGEST = {made!r}"


def test_a_book_as_the_migrations_make_it_opens_without_a_book_made_in_memory(tmp_path, monkeypatch):
    """The fingerprint says yes to a book in this version's format: nothing is built to compare it with."""
    path = tmp_path / "mine.book"
    _make_book(path)

    def built(*_):
        raise AssertionError("a new book was made in memory to compare with")

    monkeypatch.setattr(book_module, "_expected", built)
    with open_book(path, create=False) as opened:
        assert opened.conn.execute("SELECT count(*) FROM contract").fetchone() == (3,)


def test_a_book_with_a_trigger_is_refused_whatever_its_fingerprint(tmp_path, monkeypatch):
    """The fingerprint only says yes: a book that differs from it is compared with the schema the migrations make
    (here, a fingerprint that matches nothing), and a trigger added outside Escrowbook is refused in words."""
    path = tmp_path / "mine.book"
    _make_book(path)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TRIGGER sneaky AFTER INSERT ON ledger_entry BEGIN DELETE FROM audit_log; END")
    conn.commit()
    conn.close()
    _refused(path, "untrusted", "trigger “sneaky”, which runs its own commands")
    monkeypatch.setattr(book_module, "SCHEMA_DIGEST", "0" * 64)
    _refused(path, "untrusted", "trigger “sneaky”, which runs its own commands")
    with open_book(tmp_path / "new.book"):  # and a book as made is still trusted without the fingerprint
        pass


def test_a_maintained_table_made_again_as_an_ordinary_one_is_noticed(tmp_path):
    """The day sums are kept in tables without SQLite's row ids; the same columns in an ordinary table (rebuilt by
    another program) hold the same figures but are not the schema the migrations make: the book is refused, and
    the message names the table's key, which the ordinary table keeps in an index of its own."""
    path = tmp_path / "mine.book"
    _make_book(path)
    conn = sqlite3.connect(path)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'report_day'").fetchone()[0]
    assert sql.rstrip().upper().endswith("WITHOUT ROWID")
    conn.execute("ALTER TABLE report_day RENAME TO old_report_day")
    conn.execute(sql.rstrip()[: -len("WITHOUT ROWID")])
    conn.execute("INSERT INTO report_day SELECT * FROM old_report_day")
    conn.execute("DROP TABLE old_report_day")
    conn.commit()
    conn.close()
    _refused(path, "untrusted", "“sqlite_autoindex_report_day_1” was added")


def test_a_book_missing_a_table_is_refused_as_damaged_and_left_untouched(tmp_path):
    path = tmp_path / "mine.book"
    _make_book(path)
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE audit_log")
    conn.commit()
    conn.close()
    _refused(path, "damaged", "parts of the book are missing")
