"""The headless commands: `escrowbook demo` and `escrowbook check`, as a script would run them."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import threading
import time
import tomllib
from datetime import date
from pathlib import Path

import pytest

from desktop.cli import main
from models.book import open_book
from models.entities import Contract, EscrowRefundRequest, Feedback, LedgerEntry, Milestone

ROOT = Path(__file__).resolve().parents[2]


def test_demo_writes_a_book_that_passes_check(tmp_path, capsys):
    path = tmp_path / "demo.book"
    assert main(["demo", str(path), "--contracts", "400", "--seed", "7"]) == 0
    assert "400 contracts" in capsys.readouterr().out
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "OK. 400 contracts" in out and "every invariant holds" in out


def test_demo_has_contracts_in_every_state(tmp_path):
    path = tmp_path / "demo.book"
    assert main(["demo", str(path), "--contracts", "600"]) == 0
    with open_book(path, create=False):
        assert Contract.select().where(Contract.status == "active").count() > 0
        assert Contract.select().where(Contract.status == "ended").count() > 0
        statuses = {r.status for r in EscrowRefundRequest.select()}
        assert {"pending", "approved", "disputed"} <= statuses
        kinds = {e.kind for e in LedgerEntry.select(LedgerEntry.kind).distinct()}
        assert {"fund", "fee", "release", "escrow_refund", "refund", "dispute_release", "dispute_refund"} <= kinds
        assert {m.state for m in Milestone.select(Milestone.state).distinct()} >= {"unfunded", "active", "paid"}
        assert Feedback.select().where(Feedback.author == "client").count() > 0
        currencies = {c.currency for c in Contract.select(Contract.currency).distinct()}
        assert len(currencies) >= 4


def test_demo_is_deterministic_for_a_seed(tmp_path):
    a, b = tmp_path / "a.book", tmp_path / "b.book"
    for path in (a, b):
        assert main(["demo", str(path), "--contracts", "150", "--seed", "3"]) == 0

    def dump(path):
        with open_book(path, create=False) as book:
            return book.db.execute_sql("SELECT * FROM ledger_entry ORDER BY id").fetchall()

    assert dump(a) == dump(b)


def test_demo_refuses_to_overwrite_a_file(tmp_path, capsys):
    path = tmp_path / "mine.book"
    path.write_text("precious")
    assert main(["demo", str(path), "--contracts", "5"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert path.read_text() == "precious"


def test_check_exits_1_and_names_the_problem(tmp_path, capsys):
    path = tmp_path / "demo.book"
    assert main(["demo", str(path), "--contracts", "50"]) == 0
    with open_book(path, create=False) as book:
        entry = LedgerEntry.get(LedgerEntry.kind == "release")
        book.db.execute_sql("UPDATE ledger_entry SET currency = 'XXX' WHERE id = ?", (entry.id,))
    capsys.readouterr()
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "problem(s) found" in out and f"entry #{entry.id}" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"hello, world\n", "not an Escrowbook book"), (b"", "empty file")],
)
def test_check_refuses_a_file_that_is_not_a_book(tmp_path, capsys, content, message):
    path = tmp_path / "odd.book"
    path.write_bytes(content)
    assert main(["check", str(path)]) == 1
    assert message in capsys.readouterr().err
    assert path.read_bytes() == content


def test_the_installed_command_runs_headless_without_qt(tmp_path):
    """`python -m desktop demo/check` work as separate processes and never import Qt."""
    path = tmp_path / "cli.book"
    code = (
        "import sys; from desktop.cli import main; rc = main(sys.argv[1:]); "
        "assert 'PySide6' not in sys.modules, 'headless commands must not import Qt'; sys.exit(rc)"
    )
    for args in (["demo", str(path), "--contracts", "20"], ["check", str(path)]):
        done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def test_version_flag_shows_the_version_of_pyproject(capsys):
    """One version number, written in pyproject.toml only (the frozen app: tests/packaging)."""
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert capsys.readouterr().out.strip() == f"Escrowbook {version}"


def test_demo_in_a_second_process_writes_the_same_book(tmp_path, monkeypatch):
    """Large books are generated in a child process; the rows are the same as in-process for a seed."""
    from models import demo
    from models.check import check_book

    here, there = tmp_path / "here.book", tmp_path / "there.book"
    demo.generate(here, 300, seed=5, today=date(2026, 11, 26))
    monkeypatch.setattr(demo, "IN_PROCESS_UP_TO", 0)
    counts = demo.generate(there, 300, seed=5, today=date(2026, 11, 26))
    assert counts["contract"] == 300

    def dump(path):
        with open_book(path, create=False) as book:
            assert check_book(str(path)) == []
            return [book.db.execute_sql(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in demo.COLUMNS]

    assert dump(here) == dump(there)


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_demo_killed_midway_leaves_no_generator_running(tmp_path):
    """The demo's generating process ends when the command is killed, instead of running on for ever."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop", "demo", str(tmp_path / "big.book"), "--contracts", "300000"],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (generators := _children(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert generators, "the demo command started no generating process"
    time.sleep(0.5)  # both are at work now
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 30
    while any(_alive(g) for g in generators) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(g) for g in generators), "the generator outlived the demo command"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_check_shows_its_progress_on_one_line_of_a_terminal(tmp_path, monkeypatch):
    path = tmp_path / "demo.book"
    assert main(["demo", str(path), "--contracts", "30"]) == 0
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["check", str(path)]) == 0
    out = terminal.getvalue()
    updates = [u for u in out.split("\r\x1b[K") if u]
    assert any(u.startswith("Checking… ") and "% (the ledger's hash chain)" in u for u in updates)
    assert "\n" not in "".join(updates[:-1])  # one line, rewritten: no line of progress is left behind
    assert updates[-1].startswith(f"{path}: OK. 30 contracts")


def test_check_prints_only_its_result_when_not_on_a_terminal(tmp_path, capsys):
    path = tmp_path / "demo.book"
    assert main(["demo", str(path), "--contracts", "30"]) == 0
    capsys.readouterr()
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: OK. 30 contracts") and out.count("\n") == 1
    assert "Checking" not in out and "\r" not in out


def test_check_stopped_says_so(tmp_path, capsys, monkeypatch):
    from models import check

    path = tmp_path / "demo.book"
    assert main(["demo", str(path), "--contracts", "30"]) == 0
    real = check.check_book

    def interrupted(*args, progress=None, cancel=None, **kwargs):
        def ctrl_c(done, total, what):
            if threading.current_thread() is threading.main_thread() and "summaries" in what:
                raise KeyboardInterrupt  # as Ctrl+C arrives in the middle of the check

        return real(*args, progress=ctrl_c, cancel=cancel, **kwargs)

    monkeypatch.setattr(check, "check_book", interrupted)
    capsys.readouterr()
    assert main(["check", str(path)]) == 130
    out = capsys.readouterr().out
    assert "the check was stopped before its end" in out and "OK" not in out
