"""`escrowbook check` tells its progress as it goes and can be stopped (issue 20): the callback hears every part
of the check, ending at its total; a cancel stops it and says so, leaving the book as it was."""

from __future__ import annotations

import threading

import pytest

from models import ops
from models.check import PROGRESS_TOTAL, CheckCancelled, check_book
from models.entities import database

from ..conftest import START


@pytest.fixture
def paid_book(book, contract):
    m = ops.add_milestone(contract, "Sketches", 20_000)
    ops.fund_milestone(m, today=START)
    ops.release_payment(m, today=START)
    return book


def test_progress_is_told_for_each_part_and_ends_at_the_total(paid_book):
    heard: list[tuple[int, int, str]] = []
    lock = threading.Lock()

    def progress(done, total, what):
        with lock:  # (told from the check's threads)
            heard.append((done, total, what))

    assert check_book(str(paid_book.path), progress=progress) == []
    assert heard[-1] == (PROGRESS_TOTAL, PROGRESS_TOTAL, "done")
    assert all(0 <= done <= total == PROGRESS_TOTAL for done, total, _ in heard)
    assert [done for done, _, _ in heard[:-1]] == sorted(done for done, _, _ in heard[:-1])  # never backwards
    said = {what for _, _, what in heard}
    for part in ("the ledger's hash chain", "the balances of every contract", "the file's structure"):
        assert any(part in what for what in said), part


def test_progress_on_the_open_books_connection_ends_at_the_total_too(paid_book):
    heard = []
    assert check_book(progress=lambda *told: heard.append(told)) == []
    assert heard[-1] == (PROGRESS_TOTAL, PROGRESS_TOTAL, "done")


def test_a_progress_callback_that_cancels_stops_the_check_and_the_book_is_as_it_was(paid_book):
    def stop_at_the_summaries(done, total, what):
        if "summaries" in what:
            raise CheckCancelled

    with pytest.raises(CheckCancelled, match="stopped before its end"):
        check_book(str(paid_book.path), progress=stop_at_the_summaries)
    assert database.execute_sql("SELECT name FROM temp.sqlite_master").fetchall() == []  # no scratch left
    assert check_book(str(paid_book.path)) == []


def test_a_cancel_set_while_it_runs_stops_it(paid_book):
    cancel = threading.Event()
    heard = []

    def progress(done, total, what):
        heard.append(done)
        cancel.set()  # the user pressed Cancel as the first part began

    with pytest.raises(CheckCancelled):
        check_book(str(paid_book.path), progress=progress, cancel=cancel)
    assert PROGRESS_TOTAL not in heard


def test_a_problem_is_still_found_with_progress_told(paid_book, contract):
    database.execute_sql("UPDATE ledger_entry SET currency = 'EUR' WHERE kind = 'release'")
    heard = []
    problems = check_book(str(paid_book.path), progress=lambda *told: heard.append(told))
    assert any("is in EUR, but the contract is in USD" in p for p in problems)
    assert heard[-1][0] == PROGRESS_TOTAL


def test_a_cancel_stops_the_chains_own_process_too(paid_book, monkeypatch):
    from models import check

    children = []
    spawn = check.multiprocessing.get_context("spawn")

    class Context:  # the spawn context, noting the processes it starts
        Pipe = staticmethod(spawn.Pipe)

        @staticmethod
        def Process(*args, **kwargs):  # (multiprocessing's name)
            children.append(spawn.Process(*args, **kwargs))
            return children[-1]

    monkeypatch.setattr(check, "CHAIN_APART_FROM", 0)  # (a big book's size: the chain goes apart)
    monkeypatch.setattr(check.multiprocessing, "get_context", lambda method: Context)
    cancel = threading.Event()

    def progress(done, total, what):
        if "hash chain" in what:
            cancel.set()  # the user pressed Cancel as the chain was being verified

    with pytest.raises(CheckCancelled):
        check_book(str(paid_book.path), progress=progress, cancel=cancel)
    assert len(children) == 1 and not children[0].is_alive()
    assert check_book(str(paid_book.path)) == []
