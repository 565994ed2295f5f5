"""Issue 16, files: what the app writes is whole before it replaces anything (a full disk is refused in words,
the old file intact), a killed export leaves nothing behind for long, and file names made from titles are
valid anywhere and never carry bidi controls."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.cli import main
from models import ops
from models.book import open_book

from ..conftest import START
from .full_disk import fill

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _one_application(qapp):
    """`export-pdf` run here, in the tests' process, finds the QApplication the other tests need (it would
    make a QGuiApplication of its own, on which no widget can be made afterwards)."""


@pytest.fixture
def small_disk(tmpfs):
    """A disk of 1 MiB of its own."""
    return tmpfs("1m")


@pytest.fixture
def demo(tmp_path) -> Path:
    path = tmp_path / "demo.book"
    assert main(["demo", str(path), "--contracts", "60"]) == 0
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# ------------------------------------------------------------ a full disk
def test_a_pdf_export_on_a_full_disk_is_refused_and_the_good_pdf_stays(demo, small_disk, capsys):
    good = small_disk / "summary.pdf"
    assert main(["export-pdf", "--book", str(demo), "--contract", "1", "2", "--combined", "--out", str(good)]) == 0
    before = good.read_bytes()
    capsys.readouterr()
    filler = fill(small_disk, leave=2048)  # room for a little of the new PDF, not all of it

    assert main(["export-pdf", "--book", str(demo), "--all", "--combined", "--out", str(good)]) == 1
    err = capsys.readouterr().err
    assert "could not be written" in err and "disk" in err and "Traceback" not in err
    assert good.read_bytes() == before  # the good PDF, whole
    assert leftovers(small_disk) == []
    filler.unlink()


def test_a_folder_export_on_a_full_disk_says_so_and_leaves_no_empty_pdf(demo, small_disk, capsys):
    out = small_disk / "summaries"
    assert main(["export-pdf", "--book", str(demo), "--all", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "disk is full" in err and "Traceback" not in err
    pdfs = list(out.glob("*.pdf"))
    assert 0 < len(pdfs) < 60  # some fitted
    for p in pdfs:  # each one written is whole
        data = p.read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") and b"startxref" in data[-1024:]
    assert leftovers(out) == []


def test_a_csv_export_on_a_full_disk_is_refused_and_the_old_files_stay(demo, small_disk, capsys):
    out = small_disk / "csv"
    assert main(["export-csv", "--book", str(demo), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    filler = fill(small_disk)
    assert main(["export-csv", "--book", str(demo), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "could not write" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    filler.unlink()


def test_save_a_copy_on_a_full_disk_is_refused_in_words_and_the_old_copy_stays(demo, small_disk):
    from models.book import save_copy
    from models.errors import BookError

    target = small_disk / "copy.book"
    target.write_bytes(b"the old copy")
    with open_book(demo, create=False) as book:
        filler = fill(small_disk)
        with pytest.raises(BookError) as refused:
            save_copy(book, target)
    assert "could not be saved" in str(refused.value) and "full" in str(refused.value)
    assert target.read_bytes() == b"the old copy"
    assert leftovers(small_disk) == []
    filler.unlink()


def test_a_restore_on_a_full_disk_is_refused_and_the_old_file_stays(demo, small_disk, tmp_path):
    from models.backup import restore
    from models.errors import BookError

    target = small_disk / "restored.book"
    target.write_bytes(b"what was there")
    filler = fill(small_disk)
    with pytest.raises(BookError) as refused:
        restore(demo, target, replace=True)
    assert "could not be restored" in str(refused.value)
    assert target.read_bytes() == b"what was there"
    assert leftovers(small_disk) == []
    filler.unlink()


def test_a_backup_on_a_full_disk_is_refused_in_words(demo, small_disk):
    from models.backup import backup_if_due
    from models.errors import BookError

    fill(small_disk)
    with open_book(demo, create=False) as book, pytest.raises(BookError) as refused:
        backup_if_due(book, root=small_disk / "backups")
    assert "could not be backed up" in str(refused.value)
    assert not any(p.name.endswith(".part") for p in small_disk.rglob("*"))


# ------------------------------------------------------------ what a killed export leaves
def _export_killed_while_writing(book: Path, out: Path) -> None:
    """Start a folder export with private notes in a child and kill it once its first temporary file is there."""
    command = ["export-pdf", "--book", str(book), "--all", "--include-private", "--out", str(out)]
    child = subprocess.Popen(
        [sys.executable, "-m", "desktop", *command],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            if out.exists() and list(out.glob(".*.part")):
                break
            time.sleep(0.002)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()


def test_a_killed_export_leaves_temporaries_that_the_next_export_there_removes(tmp_path, capsys):
    book = tmp_path / "big.book"
    assert main(["demo", str(book), "--contracts", "400"]) == 0
    out = tmp_path / "summaries"
    for _ in range(5):  # a kill lands between two files now and then: try again
        _export_killed_while_writing(book, out)
        if list(out.glob(".*.part")):
            break
    left = list(out.glob(".*.part"))
    assert left, "the kill never landed while a file was being written"
    # Someone else's hidden file that only looks a little like ours is not ours to remove.
    theirs = out / ".notes.part"
    theirs.write_text("mine")

    assert main(["export-pdf", "--book", str(book), "--contract", "1", "--out", str(out)]) == 0
    assert not any(p.exists() for p in left)
    assert theirs.read_text() == "mine"


def test_a_temporary_being_written_by_another_export_is_not_removed(tmp_path):
    from models.partfiles import remove_leftovers, temporary_beside

    killed = tmp_path / ".escrowbook-abc123xy.pdf.part"  # what a killed export left: nobody holds its lock
    killed.write_bytes(b"%PDF-1.4 private notes")
    with temporary_beside(tmp_path / "a.pdf", "pdf") as being_written:
        remove_leftovers(tmp_path)
        assert being_written.exists()  # another export is writing it (its lock is held): not a leftover
        assert not killed.exists()


# ------------------------------------------------------------ file names from titles
@pytest.mark.parametrize(
    "title",
    ["合同" * 42, "🙂" * 70, "é" * 150 + "x", "a" * 300],
    ids=["84 chinese characters", "70 emoji", "150 accented letters", "300 letters"],
)
def test_a_long_title_gives_a_file_name_the_system_accepts(title, book, tmp_path):
    from desktop.summary_pdf import file_name

    name = file_name(12, title)
    assert len(name.encode()) <= 210 and name.endswith(".pdf")
    stem = name.removeprefix("00012 ").removesuffix(".pdf")
    assert title.startswith(stem) and stem  # cut on a character boundary: the title's own start
    (tmp_path / name).write_bytes(b"ok")  # the system takes it


def test_a_whole_batch_with_long_titles_is_written(book, freelancer, tmp_path, capsys):
    for title in ("合同" * 42, "🙂" * 70, "Plain"):
        ops.create_contract(title, freelancer, started_on=START, today=START)
    path = str(book.path)
    book.close()
    out = tmp_path / "summaries"
    assert main(["export-pdf", "--book", path, "--all", "--out", str(out)]) == 0
    assert len(list(out.glob("*.pdf"))) == 3


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def test_bidi_controls_never_reach_a_file_name():
    from desktop.summary_pdf import file_name

    name = file_name(7, f"Invoice \u202eFDP.exe{BIDI} final")
    assert not set(BIDI) & set(name)
    assert name == "00007 Invoice FDP.exe final.pdf"


# ------------------------------------------------------------ user text is isolated
def test_a_right_to_left_override_in_a_marketplace_id_does_not_reverse_the_pdf_subtitle(book, freelancer, tmp_path):
    from desktop.summary_pdf import write_pdf
    from models.report import contract_summary

    c = ops.create_contract("Logo redesign", freelancer, started_on=START, today=START, external_id="ab\u202ecd-123")
    pdf = tmp_path / "summary.pdf"
    write_pdf(pdf, [contract_summary(c.id, now=NOW)], book_name="test.book", generated_at=NOW)
    text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    subtitle = next(line for line in text.splitlines() if line.startswith("Contract #"))
    assert subtitle.endswith("· Active")  # not "abevitcA · 321-dc"


def test_the_contract_page_isolates_the_clients_words_in_its_subtitle(qtbot, book, freelancer):
    from desktop.window.main_window import MainWindow

    c = ops.create_contract("Logo", freelancer, started_on=START, today=START, external_id="ab\u202ecd-123")
    window = MainWindow(book, today=START)
    qtbot.addWidget(window)
    window.finish_opening()
    window.page.show_contract(c)
    text = window.page.subtitle.text()
    assert "\u2068ab\u202ecd-123\u2069" in text and "\u2068Ana Ruiz\u2069" in text


# ------------------------------------------------------------ the daily backup does not block the window
@pytest.fixture
def big_window(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from desktop.window.main_window import MainWindow

    path = tmp_path / "big.book"
    assert main(["demo", str(path), "--contracts", "3000"]) == 0
    book = open_book(path, create=False)
    window = MainWindow(book, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    yield window
    window.book.close()


def _ticks_during(work) -> tuple[object, list[float], float]:
    """Run `work` with a timer asking to tick every millisecond: (its result, the ticks during it, how long)."""
    from PySide6.QtCore import QTimer

    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(1)
    started = time.perf_counter()
    result = work()
    ended = time.perf_counter()
    timer.stop()
    edges = [started, *(t for t in ticks if started < t < ended), ended]
    longest = max(b - a for a, b in itertools.pairwise(edges))
    return result, [t for t in ticks if started < t < ended], longest


def test_the_daily_backup_lets_the_window_handle_its_events_while_it_copies(big_window, backups_folder):
    from desktop.dialogs.backup import backup_when_due
    from models.partfiles import whole_book

    made, ticks, longest = _ticks_during(lambda: backup_when_due(big_window))
    assert made is not None and whole_book(made)
    assert len(ticks) >= 3  # the window's timer ran while the book was copied
    size = big_window.book.path.stat().st_size / 1e6
    print(f"daily backup of a {size:.0f} MB book: longest block {longest * 1000:.0f} ms")


def test_closing_the_book_during_its_backup_stops_it_and_leaves_nothing(big_window, backups_folder):
    from PySide6.QtCore import QTimer

    from desktop.dialogs.backup import backup_when_due

    book = big_window.book
    QTimer.singleShot(0, book.close)  # runs between two steps of the copy
    assert backup_when_due(big_window) is None
    assert not [p for p in backups_folder.rglob("*") if p.is_file()]


def test_the_export_dialog_on_a_full_disk_says_so_and_leaves_only_whole_pdfs(qtbot, demo, small_disk, tmp_path):
    from PySide6.QtCore import QSettings, Qt

    from desktop.window.main_window import MainWindow

    window = MainWindow(
        open_book(demo, create=False), settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(window)
    window.finish_opening()
    dialog = window.export_dialog()
    dialog.show()
    dialog.choice_buttons["all"].setChecked(True)
    dialog.choose_folder = lambda: str(small_disk)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    message = dialog.error.text()
    assert dialog.error.isVisible() and dialog.result() != dialog.DialogCode.Accepted
    assert "the disk is full" in message and "of 60 files were written before that" in message
    for p in small_disk.glob("*.pdf"):
        assert p.read_bytes().rstrip().endswith(b"%%EOF")
    assert leftovers(small_disk) == []
    dialog.grab().save(str(tmp_path / "export-full-disk.png"))
    window.book.close()
