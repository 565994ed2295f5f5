"""The contracts table shows a search's or filter's first page before it knows how many contracts match: a worker
thread counts them after (the label says "counting…" until then), and a newer keystroke drops an older count.

The worker is held on an Event the test controls (`Counter.before`), never timed."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QEvent, QObject

from desktop.window.contracts_model import ContractsModel, Counter
from desktop.window.main_window import COUNTING, SEARCH_HINT

from ..conftest import TODAY


class Gates:
    """One Event per search text: the worker counting that search waits for it (and notes its thread)."""

    def __init__(self, *searches: str):
        self.events = {s: threading.Event() for s in searches}
        self.threads: dict[str, threading.Thread] = {}

    def __call__(self, query) -> None:
        self.threads[query.search] = threading.current_thread()
        if query.search in self.events:  # any other count runs at once
            self.events[query.search].wait(10)

    def open(self, search: str) -> None:
        self.events[search].set()

    def open_all(self) -> None:
        for e in self.events.values():
            e.set()


@pytest.fixture
def model(book, filled):
    m = ContractsModel(lambda: book.conn, today=TODAY)
    m.first_page = 1  # three contracts: a first page of one leaves the rest to be counted
    counted = []
    m.counter.relay.counted.connect(lambda generation, n: counted.append((generation, n)))
    m.counted = counted
    yield m
    m.counter.pool.waitForDone(10_000)


def test_the_count_runs_on_a_worker_thread_after_the_first_page_is_shown(model, qtbot):
    gates = model.counter.before = Gates("Ana")
    model.search = "Ana"  # the freelancer of two contracts
    model.reload()
    assert [r.title for r in model.rows] == ["Annual report"]  # the first page, shown
    assert model.total() is None and model.canFetchMore()  # not counted yet
    gates.open("Ana")
    # (the model's slot and this test's may be told of the count in either order: both are waited for)
    qtbot.waitUntil(lambda: model.total() is not None and bool(model.counted))
    assert model.total() == 2 and model.counted == [(model.counter.generation, 2)]
    assert gates.threads["Ana"] is not threading.main_thread()


def test_a_newer_keystrokes_count_wins_over_an_older_one_that_finishes_later(model, qtbot):
    gates = model.counter.before = Gates("Ana", "w")
    model.search = "Ana"  # 2 contracts
    model.reload()
    qtbot.waitUntil(lambda: "Ana" in gates.threads)  # its count started (and waits)
    model.search = "w"  # 1 contract: Website
    model.reload()
    assert [r.title for r in model.rows] == ["Website"] and model.total() is None
    gates.open("w")
    # (the model's slot and this test's may be told of the count in either order: both are waited for)
    qtbot.waitUntil(lambda: model.total() is not None and bool(model.counted))
    assert model.total() == 1
    gates.open("Ana")  # the older count finishes last: dropped
    assert model.counter.pool.waitForDone(10_000)
    qtbot.wait(100)  # any queued result delivered
    assert model.total() == 1 and [n for _, n in model.counted] == [1]


def test_a_filter_change_cancels_the_count_of_the_search_before_it(model, qtbot):
    gates = model.counter.before = Gates("Ana")
    model.search = "Ana"  # 2 contracts: its count waits
    model.reload()
    qtbot.waitUntil(lambda: "Ana" in gates.threads)
    model.search = ""
    model.filter = "active"  # 2 contracts too: a number the book keeps, read at once (no count to wait for)
    model.reload()
    assert [r.title for r in model.rows] == ["Logo redesign"] and model.total() == 2
    gates.open_all()
    assert model.counter.pool.waitForDone(10_000)
    qtbot.wait(0)
    assert model.total() == 2 and model.counted == []  # the search's count: never sent


def test_the_window_says_counting_until_the_count_arrives(window, qtbot):
    window.model.first_page = 1
    # The view reads on while the table has room below its last row, and reading to the end tells the total
    # too: here it reads no further, so the total can only come from the count.
    window.model.fetchMore = lambda *_: None
    gates = window.model.counter.before = Gates("Ana")
    window.search.setText("Ana")
    window.apply_search()
    assert [r.title for r in window.model.rows][:1] == ["Annual report"]
    assert window.count_label.text() == COUNTING
    gates.open("Ana")
    qtbot.waitUntil(lambda: window.count_label.text() == "2 contracts")
    assert window.model.counter.pool.waitForDone(10_000)


def test_a_search_typed_over_before_its_count_starts_is_never_counted(model, qtbot):
    gates = model.counter.before = Gates()  # every count runs at once: the searches counted are noted
    model.search = "Ana"
    model.reload()
    model.search = "w"  # the next keystroke, before the first page of "Ana" had been painted
    model.reload()
    qtbot.waitUntil(lambda: model.total() is not None)
    assert model.total() == 1 and list(gates.threads) == ["w"]
    assert model.counter.pool.waitForDone(10_000)


def test_the_count_starts_once_the_table_has_painted_the_first_page(window, qtbot):
    """A count running beside the paint slows it: it starts after."""
    window.model.first_page = 1
    window.model.fetchMore = lambda *_: None  # (the total comes from the count only)
    seen: list[str] = []

    class Paints(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                seen.append("paint")
            return False

    paints = Paints()
    window.table.viewport().installEventFilter(paints)
    start = window.model.counter.start
    window.model.counter.start = lambda query: (seen.append("count"), start(query))[1]
    window.search.setText("Ana")
    window.apply_search()
    assert seen == [] and window.count_label.text() == COUNTING
    qtbot.waitUntil(lambda: window.count_label.text() == "2 contracts")
    assert "paint" in seen[: seen.index("count")], seen
    window.table.viewport().removeEventFilter(paints)
    assert window.model.counter.pool.waitForDone(10_000)


def test_the_search_box_says_what_one_or_two_characters_find(window):
    assert window.search.toolTip() == SEARCH_HINT
    assert "One or two characters find the titles, freelancer names and contract ids that start with them" in (
        SEARCH_HINT
    )
    assert "3 or more find them anywhere" in SEARCH_HINT
    assert window.search.placeholderText() == "Search title, freelancer or contract id (Ctrl+F)"


def test_reading_to_the_last_row_tells_the_total_and_drops_the_count(model, qtbot):
    gates = model.counter.before = Gates("Ana")
    model.search = "Ana"
    model.reload()
    qtbot.waitUntil(lambda: "Ana" in gates.threads)
    assert model.total() is None
    model.fetchMore()  # as the view does when the table has room: the rest, fewer than a page
    assert [r.title for r in model.rows] == ["Annual report", "Logo redesign"] and model.total() == 2
    assert not model.canFetchMore()
    gates.open_all()
    assert model.counter.pool.waitForDone(10_000)
    qtbot.wait(0)
    assert model.counted == []


def test_cancelling_a_count_stops_a_statement_it_starts_just_after_the_interrupt(book):
    """SQLite's interrupt stops only what runs when it is asked: a count that was between two statements then
    (it checks for a newer keystroke only between them) starts the next one after it. The keystroke that
    cancelled it must not wait for that statement to finish (on a big book: seconds, the window frozen)."""
    counter = Counter(lambda *_: None)
    between, asked = threading.Event(), threading.Event()

    class Conn:  # the book's connection, noting the GUI thread's interrupt
        def interrupt(self):
            book.conn.interrupt()
            asked.set()

    class Query:
        conn = Conn()

        def count(self, cancelled):
            between.set()
            asked.wait(10)  # the interrupt came while no statement ran: the next one starts after it
            endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n"
            return book.conn.execute(endless).fetchone()[0]

    counter.start(Query())
    assert between.wait(10)
    cancelling = threading.Thread(target=counter.cancel, args=(Query.conn,), daemon=True)
    cancelling.start()
    cancelling.join(5)
    stuck = cancelling.is_alive()
    while cancelling.is_alive():  # (the old way: stop the statement so the test's book can close)
        book.conn.interrupt()
        cancelling.join(0.1)
    assert not stuck, "the keystroke waited for the count's statement to run to its end"
    assert counter.pool.waitForDone(10_000)
    assert book.conn.execute("SELECT COUNT(*) FROM contract").fetchone()[0] >= 0  # the book reads on afterwards
