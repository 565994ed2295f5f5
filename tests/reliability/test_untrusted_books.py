"""A book is untrusted input (issue 16): no file beside it can damage it, no SQL inside it runs, `check` cannot
be fooled and writes nothing. Each test makes the failure the issue reported (a stray journal, a stale
write-ahead log, triggers and views in a book someone sent, a format number set back, a ledger cut short with
its head moved) and shows the refusal in words, or the intact book, with the files left as they were."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
from datetime import date
from pathlib import Path

import pytest

from desktop.cli import main
from models import bookfile, chain, ops
from models.book import open_book, open_to_check
from models.check import check_book
from models.entities import AuditLog, Contract, LedgerEntry
from models.errors import BookError

from ..conftest import START, as_format

ROOT = Path(__file__).resolve().parents[2]
PAID = date(2026, 3, 5)


def _build(path: Path, contracts: int = 3) -> list[tuple]:
    """A closed book: `contracts` contracts, each funded with a payment released from it."""
    with open_book(path):
        f = ops.create_freelancer("Ana Ruiz")
        for n in range(contracts):
            c = ops.create_contract(f"Logo {n}", f, started_on=START, today=START)
            m = ops.add_milestone(c, "Sketches", 20_000)
            ops.fund_milestone(m, today=START)
            ops.release_payment(m, today=PAID)
        return _ledger()


def _ledger() -> list[tuple]:
    return [(e.id, e.kind, e.amount) for e in LedgerEntry.select().order_by(LedgerEntry.id)]


def _edit(path: Path, *statements: str) -> None:
    """Change the closed book with plain sqlite3, as someone outside the app would."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript(";\n".join(statements))
        conn.commit()
    finally:
        conn.close()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _check_cli(path: Path, capsys) -> tuple[int, str]:
    code = main(["check", str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


def _crash_with_log(path: Path, statements: str, **env: str) -> None:
    """Open the book in a child process, make changes through the app's operations, and kill it before it
    closes: the changes stay in the write-ahead log beside the book, as after a crash."""
    code = textwrap.dedent(
        f"""
        import os
        from datetime import date
        from models import ops
        from models.book import open_book
        from models.entities import Contract
        book = open_book({str(path)!r}, create=False)
        book.db.execute_sql("PRAGMA wal_autocheckpoint = 0")
        {statements}
        os._exit(0)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT, timeout=60)
    assert Path(f"{path}-wal").stat().st_size > 0


# ------------------------------------------------------------------ files beside the book


def _hot_journal(folder: Path) -> Path:
    """A rollback journal of another database, left hot by a process killed in the middle of a write."""
    other = folder / "other.db"
    code = textwrap.dedent(
        f"""
        import os, sqlite3
        conn = sqlite3.connect({str(other)!r}, isolation_level=None)
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (zeroblob(400000))")
        conn.execute("BEGIN")
        conn.execute("PRAGMA cache_size = 1")
        conn.execute("UPDATE t SET x = zeroblob(1000)")
        conn.execute("CREATE TABLE u AS SELECT 1")
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    journal = Path(f"{other}-journal")
    assert journal.stat().st_size > 0, "the other database should have been left with a hot journal"
    return journal


def test_a_stray_journal_beside_a_book_is_set_aside_never_played_back(tmp_path, capsys):
    path = tmp_path / "mine.book"
    entries = _build(path)
    stray = Path(f"{path}-journal")
    stray.write_bytes(_hot_journal(tmp_path).read_bytes())
    size = path.stat().st_size

    # `check` refuses the book while the journal lies beside it, and changes nothing.
    before = _files(tmp_path)
    code, said = _check_cli(path, capsys)
    assert code == 1 and "a rollback journal lies beside it (“mine.book-journal”)" in said
    assert _files(tmp_path) == before

    # Opening moves the journal aside, says so, and the book is whole.
    with open_book(path, create=False) as book:
        assert _ledger() == entries and Contract.select().count() == 3
        (notice,) = book.notices
        assert notice.startswith("“mine.book-journal” lay beside the book but did not belong to it")
        assert "moved aside to “mine.book-journal.set-aside-" in notice
        assert check_book(str(book.path)) == []
    assert not stray.exists() and path.stat().st_size >= size
    (kept,) = tmp_path.glob("mine.book-journal.set-aside-*")
    assert kept.read_bytes() == (tmp_path / "other.db-journal").read_bytes()


def test_a_stale_log_is_never_merged_into_an_older_copy_of_the_book(tmp_path, capsys):
    path = tmp_path / "mine.book"
    entries = _build(path, contracts=2)
    older = tmp_path / "older-copy"
    older.write_bytes(path.read_bytes())
    _crash_with_log(path, 'ops.create_contract("After the copy", ops.create_freelancer("Bo"), today=date(2026, 3, 6))')
    path.write_bytes(older.read_bytes())  # the older copy put back over the book; the log stays beside it
    log = Path(f"{path}-wal").read_bytes()

    before = _files(tmp_path)
    code, said = _check_cli(path, capsys)
    assert code == 1 and "a log of its latest changes lies beside it" in said and "Traceback" not in said
    assert _files(tmp_path) == before

    with open_book(path, create=False) as book:
        (notice,) = book.notices
        assert "“mine.book-wal” lay beside the book but did not belong to it" in notice
        assert "it was written on top of another copy of the book" in notice
        assert _ledger() == entries and Contract.select().count() == 2  # the older copy, not a mixture
        assert check_book(str(book.path)) == []
    (kept,) = tmp_path.glob("mine.book-wal.set-aside-*")
    assert kept.read_bytes() == log


def test_the_log_a_crash_left_is_kept_and_the_work_in_it_is_there(tmp_path):
    path = tmp_path / "mine.book"
    _build(path, contracts=1)
    _crash_with_log(path, 'ops.create_contract("After the copy", ops.create_freelancer("Bo"), today=date(2026, 3, 6))')
    with open_book(path, create=False) as book:
        assert book.notices == ()
        assert [c.title for c in Contract.select().order_by(Contract.id)] == ["Logo 0", "After the copy"]
        assert check_book(str(book.path)) == []
    assert not list(tmp_path.glob("*.set-aside-*"))


WORK = 'ops.create_contract("Work of the crashed session", ops.create_freelancer("Bo"), today=date(2026, 3, 6))'


def _work_is_there() -> bool:
    return Contract.select().where(Contract.title == "Work of the crashed session").exists()


def test_the_log_is_kept_when_its_session_could_not_be_noted(tmp_path):
    """The user data folder could not be written when the book was opened (a full disk, say): the book then
    has no session value, and the log its crash left is kept, never judged by the older note."""
    path = tmp_path / "mine.book"
    _build(path, contracts=1)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    _crash_with_log(path, WORK, ESCROWBOOK_ANCHORS=str(blocker / "anchors"))
    with open_book(path, create=False) as book:
        assert book.notices == () and _work_is_there()
        assert check_book(str(book.path)) == []


@pytest.mark.parametrize("elsewhere", ["a backup opened as it is", "a copy made with the file manager"])
def test_opening_another_copy_of_the_book_never_costs_the_crashed_books_log(tmp_path, elsewhere):
    path = tmp_path / "mine.book"
    _build(path, contracts=1)
    copy = tmp_path / "copy.book"
    copy.write_bytes(path.read_bytes())
    _crash_with_log(path, "from models.backup import backup_if_due\n        backup_if_due(book)\n        " + WORK)
    if elsewhere == "a backup opened as it is":
        (copy,) = (tmp_path / "backups").rglob("*.book")
    with open_book(copy, create=False):
        pass
    with open_book(path, create=False) as book:
        assert book.notices == () and _work_is_there()
        assert check_book(str(book.path)) == []
    assert not list(tmp_path.glob("*.set-aside-*"))


def test_a_log_left_beside_a_book_closed_properly_is_set_aside(tmp_path):
    path = tmp_path / "mine.book"
    entries = _build(path, contracts=1)
    other = tmp_path / "other.book"
    _build(other, contracts=2)
    _crash_with_log(other, 'ops.create_freelancer("Cy")')
    os.rename(f"{other}-wal", f"{path}-wal")  # another book's log, put beside this one
    with open_book(path, create=False) as book:
        (notice,) = book.notices
        assert "the book was closed properly since" in notice
        assert _ledger() == entries


def test_a_damaged_log_is_refused_before_anything_folds_it_into_the_book(tmp_path):
    path = tmp_path / "mine.book"
    _build(path, contracts=1)
    _crash_with_log(
        path,
        'book.db.execute_sql("PRAGMA writable_schema = ON")\n'
        "        book.db.execute_sql(\"UPDATE sqlite_master SET sql = 'CREATE TABLE contract (' "
        "WHERE name = 'contract'\")",
    )
    before = _files(tmp_path)
    with pytest.raises(BookError, match="the file is damaged") as info:
        open_book(path, create=False)
    assert info.value.reason == "damaged"
    assert _files(tmp_path) == before  # the book and its log, byte for byte: nothing was folded in


def test_a_pipe_or_a_device_given_as_the_book_is_refused_at_once(tmp_path, capsys):
    fifo = tmp_path / "pipe.book"
    os.mkfifo(fifo)
    result: dict = {}

    def attempt():
        try:
            open_book(fifo, create=False)
        except BookError as exc:
            result["message"] = str(exc)

    opener = threading.Thread(target=attempt, daemon=True)
    opener.start()
    opener.join(10)
    assert not opener.is_alive(), "opening a pipe as the book hung"
    assert "it is not a file but a device, a pipe or a socket" in result["message"]
    code, said = _check_cli(fifo, capsys)
    assert code == 1 and "it is not a file but a device, a pipe or a socket" in said
    code, said = _check_cli(Path("/dev/full"), capsys)
    assert code == 1 and "it is not a file but a device" in said and "empty" not in said


def test_a_book_received_readable_by_everyone_is_made_private_when_opened(tmp_path):
    path = tmp_path / "sent.book"
    _build(path, contracts=1)
    os.chmod(path, 0o644)
    with open_book(path, create=False):
        ops.create_freelancer("Bo")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(os.stat(f"{path}-wal").st_mode) == 0o600


# ------------------------------------------------------------------ SQL inside a book


UNTRUSTED = {
    "a trigger multiplying every funding": (
        "CREATE TRIGGER tenfold AFTER INSERT ON ledger_entry WHEN new.kind = 'fund' "
        "BEGIN UPDATE ledger_entry SET amount = amount * 10 WHERE id = new.id; END",
        "a trigger “tenfold”",
    ),
    "a trigger deleting the audit log": (
        "CREATE TRIGGER forget AFTER INSERT ON audit_log BEGIN DELETE FROM audit_log; END",
        "a trigger “forget”",
    ),
    "a view hiding a payment": (
        "DROP VIEW live_entry; CREATE VIEW live_entry AS SELECT * FROM ledger_entry WHERE kind != 'release'",
        "the view “live_entry” was changed",
    ),
    "an extra table": ("CREATE TABLE notes_of_theirs (x)", "a table “notes_of_theirs”"),
    "an index dropped": ("DROP INDEX contract_totals_next", "the index “contract_totals_next” is missing"),
    "a column added": ("ALTER TABLE contract ADD COLUMN colour TEXT", "the table “contract” was changed"),
}


@pytest.mark.parametrize("change", UNTRUSTED, ids=list(UNTRUSTED))
def test_a_book_carrying_sql_escrowbook_did_not_write_is_refused_and_left_as_it_is(tmp_path, capsys, change):
    path = tmp_path / "sent.book"
    _build(path, contracts=1)
    sql, named = UNTRUSTED[change]
    _edit(path, sql)
    before = _files(tmp_path)
    with pytest.raises(BookError, match="this book contains changes Escrowbook did not make") as info:
        open_book(path, create=False)
    assert named in str(info.value) and info.value.reason == "untrusted"
    assert _files(tmp_path) == before
    code, said = _check_cli(path, capsys)
    assert code == 1 and "changes Escrowbook did not make" in said and named in said
    assert _files(tmp_path) == before


def test_a_trigger_never_runs_and_never_reaches_the_hash_chain(tmp_path):
    """Before, a funding was multiplied by ten by a trigger of the book, and its hash covered the result."""
    path = tmp_path / "sent.book"
    _build(path, contracts=1)
    _edit(path, UNTRUSTED["a trigger multiplying every funding"][0])
    with pytest.raises(BookError):
        open_book(path, create=False)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT amount FROM ledger_entry WHERE kind = 'fund'").fetchall() == [(20_000,)]
    conn.close()


# ------------------------------------------------------------------ tamper evidence


def test_a_format_number_set_back_never_rehashes_an_edited_ledger(tmp_path, capsys):
    path = tmp_path / "mine.book"
    _build(path, contracts=1)
    _edit(path, "UPDATE ledger_entry SET amount = 1 WHERE kind = 'release'", "PRAGMA user_version = 1")
    before = _files(tmp_path)
    with pytest.raises(BookError, match="it says it is in book format 1, but it already has what format 2 added"):
        open_book(path, create=False)
    code, said = _check_cli(path, capsys)
    assert code == 1 and "its format number was changed" in said
    assert _files(tmp_path) == before


def test_a_negative_format_number_is_refused_not_migrated(tmp_path, capsys):
    path = tmp_path / "mine.book"
    _build(path, contracts=1)
    _edit(path, "PRAGMA user_version = -1")
    before = _files(tmp_path)
    with pytest.raises(BookError, match=r"its book format, -1, is not one Escrowbook wrote"):
        open_book(path, create=False)
    code, said = _check_cli(path, capsys)
    assert code == 1 and "is not one Escrowbook wrote" in said
    assert _files(tmp_path) == before


def _cut_last_entries(path: Path, keep: int) -> None:
    """Delete the ledger's last entries and move the recorded head to the new last one, hashes and all:
    inside the book, the chain then holds."""
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM ledger_entry WHERE id > ?", (keep,))
    last, digest = conn.execute("SELECT id, hash FROM ledger_entry ORDER BY id DESC LIMIT 1").fetchone()
    conn.execute("UPDATE book_info SET value = ? WHERE key = ?", (chain.head_value(last, digest), chain.HEAD_KEY))
    conn.commit()
    conn.close()


def test_entries_removed_with_the_head_moved_are_reported_on_opening_and_by_check(tmp_path, capsys):
    path = tmp_path / "mine.book"
    entries = _build(path, contracts=2)
    _cut_last_entries(path, keep=len(entries) - 2)
    code, said = _check_cli(path, capsys)
    assert code == 1
    assert "ledger entries were removed or rewritten since Escrowbook last had this book on this computer" in said
    assert f"it then had {len(entries)} entries; entry #{len(entries)} is missing" in said
    with open_book(path, create=False) as book:
        (notice,) = book.notices
        assert "ledger entries were removed or rewritten" in notice and "restore this book's latest backup" in notice
    with open_book(path, create=False) as book:  # reported again: the evidence is kept, not overwritten
        assert len(book.notices) == 1


def test_a_book_never_opened_on_this_computer_has_nothing_to_compare_with(tmp_path, anchors_folder, capsys):
    """What the anchor does not detect (README, "Your data"): a book this computer never had."""
    path = tmp_path / "mine.book"
    entries = _build(path, contracts=2)
    _cut_last_entries(path, keep=len(entries) - 2)
    for note in anchors_folder.iterdir():
        note.unlink()
    code, said = _check_cli(path, capsys)
    assert "removed or rewritten" not in said  # (its totals no longer match its ledger: that is reported)
    assert "contract #2: its stored totals differ from its ledger" in said


# ------------------------------------------------------------------ check: read-only, writes nothing


def test_check_writes_nothing_and_works_on_a_read_only_book(tmp_path, anchors_folder, capsys):
    path = tmp_path / "mine.book"
    _build(path)
    os.chmod(path, 0o444)
    notes = _files(anchors_folder)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir() if p.is_file()}
    code, said = _check_cli(path, capsys)
    assert code == 0 and "OK. 3 contracts" in said
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir() if p.is_file()} == before
    assert _files(anchors_folder) == notes


def test_check_never_migrates_an_older_book(tmp_path, capsys):
    path = tmp_path / "old.book"
    _build(path, contracts=1)
    as_format(path, 2)
    before = _files(tmp_path)
    code, said = _check_cli(path, capsys)
    assert code == 0 and "OK. 1 contracts" in said
    assert _files(tmp_path) == before
    assert not list(tmp_path.glob("*backups*"))


def test_check_of_a_book_open_in_the_app_says_so(tmp_path, capsys):
    path = tmp_path / "mine.book"
    _build(path, contracts=1)
    with open_book(path, create=False):
        ops.create_freelancer("Bo")
        code, said = _check_cli(path, capsys)
    assert code == 1 and "open in Escrowbook now" in said


def test_a_backup_changes_nothing_of_the_book_it_copies(tmp_path, anchors_folder, capsys):
    path = tmp_path / "mine.book"
    ledger = _build(path)
    notes = _files(anchors_folder)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir() if p.is_file()}
    copy = tmp_path / "saved" / "copy.book"
    copy.parent.mkdir()
    assert main(["backup", str(path), "--out", str(copy)]) == 0
    assert "backed up to" in capsys.readouterr().out
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir() if p.is_file()} == before
    assert _files(anchors_folder) == notes  # (no session begun: the book was never opened for writing)
    with open_book(copy, create=False):
        assert _ledger() == ledger


def test_a_backup_of_a_book_open_in_the_app_says_so_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "mine.book"
    _build(path, contracts=1)
    copy = tmp_path / "copy.book"
    with open_book(path, create=False):
        ops.create_freelancer("Bo")
        assert main(["backup", str(path), "--out", str(copy)]) == 1
    said = capsys.readouterr().err
    assert "open in Escrowbook now" in said and "then try again" in said and "Traceback" not in said
    assert not copy.exists() and not list(tmp_path.glob("*.part"))


def test_a_backup_of_an_older_book_leaves_it_in_its_format(tmp_path, capsys, monkeypatch):
    path = tmp_path / "old.book"
    ledger = _build(path, contracts=1)
    as_format(path, 2)
    before = _files(tmp_path)
    copy = tmp_path / "saved" / "copy.book"
    copy.parent.mkdir()
    scratch = tmp_path / "scratch"  # (the private copy migrated for the backup: removed after it)
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert main(["backup", str(path), "--out", str(copy)]) == 0
    assert list(scratch.iterdir()) == []
    assert _files(tmp_path) == before and not list(tmp_path.glob("*backups*"))
    assert main(["check", str(copy)]) == 0
    with open_book(copy, create=False):
        assert _ledger() == ledger


def test_an_older_book_whose_copy_the_temporary_folder_cannot_hold_is_refused_in_words(tmp_path, capsys, monkeypatch):
    """The private copy an older book is checked through fails halfway (a full disk): `check` says so, not that
    the book is damaged, and leaves no part of the copy behind."""
    path = tmp_path / "old.book"
    _build(path, contracts=1)
    as_format(path, 2)
    before = _files(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def full(conn, target):
        target.write_bytes(b"SQLite format 3\x00" + bytes(4000))  # (a part written, then no room)
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(bookfile, "_copy", full)
    code, said = _check_cli(path, capsys)
    assert code != 0 and "could not hold that copy (database or disk is full)" in said
    assert "Free some space there, then try again" in said and "damaged" not in said
    assert "Traceback" not in said
    assert list(scratch.iterdir()) == []
    assert _files(tmp_path) == before


def test_check_reports_a_search_index_that_drifted_from_the_contracts(tmp_path, capsys):
    path = tmp_path / "mine.book"
    _build(path, contracts=2)
    _edit(path, "UPDATE contract_search_content SET c0 = 'Something else' WHERE id = 1")
    code, said = _check_cli(path, capsys)
    assert code == 1 and "the search index does not match the contracts" in said


def test_check_of_a_book_damaged_in_the_middle_says_so_without_a_traceback(tmp_path, capsys):
    path = tmp_path / "mine.book"
    _build(path, contracts=40)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    middle = len(data) // page // 2 * page
    data[middle : middle + page] = os.urandom(page)
    path.write_bytes(bytes(data))
    code, said = _check_cli(path, capsys)
    assert code == 1 and "Traceback" not in said
    assert "problem" in said or "damaged" in said


def test_open_to_check_holds_the_book_against_the_app_while_it_checks(tmp_path):
    path = tmp_path / "mine.book"
    _build(path, contracts=1)
    checking = open_to_check(path)
    try:
        with pytest.raises(BookError, match="already open"):
            open_book(path, create=False)
        assert AuditLog.select().count() > 0
    finally:
        checking.close()


# ------------------------------------------------------------------ in the window


@pytest.fixture
def window(qtbot, tmp_path, prompts):
    from PySide6.QtCore import QSettings

    from desktop.window.main_window import MainWindow

    book = open_book(tmp_path / "mine.book")
    w = MainWindow(book, today=PAID, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.book.close()


def test_the_window_says_what_it_set_aside_when_it_opens_a_book(qtbot, window, prompts, tmp_path):
    path = tmp_path / "sent" / "theirs.book"
    path.parent.mkdir()
    _build(path, contracts=2)
    Path(f"{path}-journal").write_bytes(_hot_journal(tmp_path).read_bytes())
    assert window.switch_to(path)
    qtbot.waitUntil(lambda: bool(prompts.warnings), timeout=5000)
    (said,) = prompts.warnings
    assert said.startswith("“theirs.book-journal” lay beside the book but did not belong to it")
    assert window.model.total() == 2


def test_the_window_refuses_a_book_with_sql_of_its_own_and_stays_on_its_book(qtbot, window, prompts, tmp_path):
    path = tmp_path / "sent" / "theirs.book"
    path.parent.mkdir()
    _build(path, contracts=2)
    _edit(path, UNTRUSTED["a trigger deleting the audit log"][0])
    before = _files(path.parent)
    assert not window.switch_to(path)
    (said,) = prompts.warnings
    assert "this book contains changes Escrowbook did not make: a trigger “forget”" in said
    assert window.book.path.name == "mine.book" and _files(path.parent) == before


def test_a_backup_copied_over_a_crashed_book_never_takes_the_crashed_books_log(tmp_path):
    """The daily backup is taken while the book is open; after a crash, copying it over the book by hand must
    not merge the log of the session it was taken in."""
    path = tmp_path / "mine.book"
    _build(path, contracts=1)
    _crash_with_log(
        path,
        "from models.backup import backup_if_due\n"
        "        backup_if_due(book)\n"
        '        ops.create_contract("After the backup", ops.create_freelancer("Bo"), today=date(2026, 3, 6))',
    )
    (daily,) = (tmp_path / "backups").rglob("*.book")
    path.write_bytes(daily.read_bytes())
    with open_book(path, create=False) as book:
        (notice,) = book.notices
        assert "it was written on top of another copy of the book" in notice
        assert [c.title for c in Contract.select()] == ["Logo 0"]
        assert check_book(str(book.path)) == []


def test_a_saved_copy_is_a_book_of_its_own(tmp_path):
    from models.book import save_copy

    path = tmp_path / "mine.book"
    _build(path, contracts=1)
    with open_book(path, create=False) as book:
        save_copy(book, tmp_path / "copy.book")
        mine = book.db.execute_sql("SELECT value FROM book_info WHERE key = 'book_id'").fetchone()[0]
    with open_book(tmp_path / "copy.book", create=False) as copy:
        theirs = copy.db.execute_sql("SELECT value FROM book_info WHERE key = 'book_id'").fetchone()[0]
        assert copy.notices == () and check_book(str(copy.path)) == []
    assert mine != theirs


@pytest.fixture
def read_only_media(tmpfs):
    """A folder on a file system mounted read-only (as a backup disk or a CD would be); `put(files)` first
    puts files there, then makes it read-only."""
    mount = tmpfs("16m")

    def put(*files: Path) -> Path:
        for f in files:
            (mount / f.name).write_bytes(f.read_bytes())
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        return mount

    return put


def test_check_works_on_read_only_media_and_leaves_nothing_beside_the_book(tmp_path, read_only_media, capsys):
    current, old = tmp_path / "mine.book", tmp_path / "old.book"
    _build(current, contracts=2)
    _build(old, contracts=1)
    as_format(old, 2)
    media = read_only_media(current, old)
    before = _files(media)
    for name, contracts in (("mine.book", 2), ("old.book", 1)):
        code, said = _check_cli(media / name, capsys)
        assert code == 0 and f"OK. {contracts} contracts" in said, said
    assert _files(media) == before
