"""Issue 16, every command boundary: each CLI subcommand and each action in the window turns a storage, system
or encoding error into a refusal in words (exit code 1, no traceback; a message box, not the crash dialog),
and a book open in one window is never replaced from another."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import peewee as pw
import pytest

from desktop.cli import main
from models.book import open_book

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _one_application(qapp):
    """`export-pdf` run in this process finds the tests' QApplication (see test_files.py)."""


@pytest.fixture
def demo(tmp_path) -> Path:
    path = tmp_path / "demo.book"
    assert main(["demo", str(path), "--contracts", "300"]) == 0
    return path


def refused(capsys, *args: str) -> str:
    """Run a command that must be refused: exit code 1, a sentence on stderr, no traceback."""
    assert main(list(args)) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"escrowbook {args[0]}: ") and "Traceback" not in err and "Error:" not in err
    return err


# ------------------------------------------------------------ the command line
def test_a_contract_number_too_large_for_the_book_is_refused_in_words(demo, tmp_path, capsys):
    err = refused(capsys, "export-pdf", "--book", str(demo), "--contract", "99999999999999999999", "--out",
                  str(tmp_path / "out"))  # fmt: skip
    assert "no contract #99999999999999999999" in err
    assert not (tmp_path / "out").exists()


def test_demo_into_a_folder_that_cannot_be_made_is_refused_in_words(tmp_path, capsys):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    err = refused(capsys, "demo", str(blocker / "sub" / "demo.book"), "--contracts", "5")
    assert "could not be written" in err and "not a folder" in err
    assert blocker.read_text() == "not a folder"


def test_demo_onto_a_read_only_disk_is_refused_in_words(tmpfs, capsys):
    mount = tmpfs("1m", read_only=True)
    err = refused(capsys, "demo", str(mount / "demo.book"), "--contracts", "5")
    assert "read-only" in err
    assert list(mount.iterdir()) == []


@pytest.mark.parametrize("command", ["export-csv", "export-pdf"])
def test_a_device_given_as_the_book_is_not_called_an_empty_file(command, tmp_path, capsys):
    out = ["--out", str(tmp_path / "out")] + (["--all"] if command == "export-pdf" else [])
    err = refused(capsys, command, "--book", "/dev/full", *out)
    assert "empty file" not in err and "a device" in err
    assert not (tmp_path / "out").exists()


def damage_the_middle(path: Path) -> None:
    """Overwrite a page in the middle of the book with garbage (what a bad disk sector does)."""
    size = path.stat().st_size
    page = 4096
    with open(path, "r+b") as f:
        for n in range(size // page // 3, size // page // 3 * 2):
            f.seek(n * page)
            f.write(bytes((n * 37 + i) % 256 for i in range(page)))


@pytest.mark.parametrize("command", ["export-csv", "export-pdf"])
def test_a_book_damaged_mid_file_is_refused_in_words(command, demo, tmp_path, capsys):
    damage_the_middle(demo)
    out = ["--out", str(tmp_path / "out")] + (["--all"] if command == "export-pdf" else [])
    err = refused(capsys, command, "--book", str(demo), *out)
    assert "damaged" in err


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("database or disk is full"),
        pw.OperationalError("database or disk is full"),
        pw.DatabaseError("database disk image is malformed"),
        OSError(28, "No space left on device"),
        UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
    ],
    ids=["sqlite3", "peewee", "peewee damaged", "os", "unicode"],
)
def test_every_command_refuses_storage_errors_in_words(error, monkeypatch, capsys):
    def fails(args):
        raise error

    for command in ("cmd_demo", "cmd_check", "cmd_export_pdf", "cmd_export_csv", "cmd_import_csv"):
        monkeypatch.setattr(f"desktop.cli.{command}", fails)
    commands = [
        ["demo", "x.book"],
        ["check", "x.book"],
        ["export-csv", "--book", "x", "--out", "y"],
        ["export-pdf", "--book", "x", "--all", "--out", "y"],
        ["import-csv", "--book", "x", "--from", "y"],
    ]
    for args in commands:
        refused(capsys, *args)


def test_a_bug_still_shows_its_traceback(monkeypatch):
    def bug(args):
        raise KeyError("a bug")

    monkeypatch.setattr("desktop.cli.cmd_export_csv", bug)
    with pytest.raises(KeyError):
        main(["export-csv", "--book", "x", "--out", "y"])


def test_the_installed_command_refuses_a_damaged_book_without_a_traceback(demo, tmp_path):
    damage_the_middle(demo)
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "export-csv", "--book", str(demo), "--out", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "damaged" in done.stderr


# ------------------------------------------------------------ a book open elsewhere is never replaced
def test_restoring_over_a_book_open_in_another_window_is_refused_and_it_stays(demo, tmp_path):
    from models import ops
    from models.backup import restore
    from models.errors import BookError

    backup = tmp_path / "backup.book"
    with open_book(demo, create=False):
        pass
    backup.write_bytes(demo.read_bytes())
    other = tmp_path / "other.book"
    other.write_bytes(demo.read_bytes())
    with open_book(other, create=False):  # the other window's book, with work in its log
        ops.create_freelancer("Work in the log")
        wal = Path(f"{other}-wal")
        before = other.read_bytes(), wal.read_bytes()
        assert before[1]
        with pytest.raises(BookError) as refusal:
            restore(backup, other, replace=True)
        assert "open in another Escrowbook window" in str(refusal.value)
        assert (other.read_bytes(), wal.read_bytes()) == before
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_restoring_over_a_book_open_in_another_process_is_refused(demo, tmp_path):
    from models.backup import restore
    from models.errors import BookError

    backup = tmp_path / "backup.book"
    backup.write_bytes(demo.read_bytes())
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from models.book import open_book; b = open_book(sys.argv[1], "
         "create=False); print('open', flush=True); sys.stdin.read()", str(demo)],
        cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        before = demo.read_bytes()
        with pytest.raises(BookError, match="open in another Escrowbook window"):
            restore(backup, demo, replace=True)
        assert demo.read_bytes() == before
    finally:
        holder.stdin.close()
        holder.wait(10)


def test_saving_a_copy_over_a_book_open_elsewhere_is_refused(demo, tmp_path):
    from models.book import save_copy
    from models.errors import BookError

    other = tmp_path / "other.book"
    other.write_bytes(demo.read_bytes())
    with open_book(other, create=False) as held:
        before = other.read_bytes()
        with open_book(demo, create=False) as book, pytest.raises(BookError, match="open in another"):
            save_copy(book, other)
        assert other.read_bytes() == before
        assert held.db.execute_sql("SELECT COUNT(*) FROM contract").fetchone()[0] == 300


def test_a_copy_over_a_closed_book_replaces_it(demo, tmp_path):
    from models.book import save_copy

    other = tmp_path / "other.book"
    other.write_bytes(b"old")
    with open_book(demo, create=False) as book:
        save_copy(book, other)
    with open_book(other, create=False) as copy:
        assert copy.db.execute_sql("SELECT COUNT(*) FROM contract").fetchone()[0] == 300


# ------------------------------------------------------------ the window
@pytest.fixture
def hook(qtbot, monkeypatch):
    """The app's exception hook, as installed when the app runs (put back afterwards)."""
    from desktop import app

    monkeypatch.setattr(sys, "excepthook", lambda *args: None)
    app.install_crash_dialog()
    yield
    for w in app.QApplication.topLevelWidgets():
        if w.objectName() in ("refusalDialog", "crashDialog"):
            w.close()


def _dialogs() -> dict[str, list]:
    from PySide6.QtWidgets import QApplication

    found: dict[str, list] = {"refusalDialog": [], "crashDialog": []}
    for w in QApplication.topLevelWidgets():
        if w.objectName() in found and w.isVisible():
            found[w.objectName()].append(w)
    return found


@pytest.mark.qt_no_exception_capture  # (pytest-qt would take the hook's place)
@pytest.mark.parametrize(
    "error, words",
    [
        (sqlite3.OperationalError("database or disk is full"), "The book could not be written: the disk is full"),
        (pw.OperationalError("database or disk is full"), "The book could not be written: the disk is full"),
        (pw.DatabaseError("database disk image is malformed"), "the file may be damaged"),
        (OSError(13, "Permission denied", "/backups/x.book"), "you do not have permission"),
        (UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), "not valid in its encoding"),
    ],
    ids=["sqlite3", "peewee", "peewee damaged", "os", "unicode"],
)
def test_a_storage_error_during_an_action_shows_a_refusal_not_the_crash_dialog(error, words, hook, qtbot, tmp_path):
    from PySide6.QtGui import QAction

    action = QAction("Save")

    def fails():
        raise error

    action.triggered.connect(fails)
    action.trigger()  # Qt hands what a slot raised to the exception hook
    found = _dialogs()
    assert not found["crashDialog"]
    [box] = found["refusalDialog"]
    assert words in box.text() and "Traceback" not in box.text()
    assert "nothing half-done was saved" in box.informativeText()
    if isinstance(error, sqlite3.Error):
        box.grab().save(str(tmp_path / "refusal.png"))  # to look at


@pytest.mark.qt_no_exception_capture
def test_a_bug_during_an_action_still_shows_the_crash_dialog(hook, qtbot):
    from PySide6.QtGui import QAction

    action = QAction("Save")
    action.triggered.connect(lambda: {}["a bug"])
    action.trigger()
    found = _dialogs()
    assert found["crashDialog"] and not found["refusalDialog"]


@pytest.mark.parametrize(
    "args",
    [
        ["check", ""],
        ["demo", ""],
        ["export-csv", "--book", "", "--out", "x"],
        ["import-csv", "--book", "b", "--from", ""],
    ],
    ids=["check", "demo", "export-csv", "import-csv"],
)
def test_an_empty_file_name_is_refused_in_words(tmp_path, capsys, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 1
    assert "a file or folder name is needed, not an empty one" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
