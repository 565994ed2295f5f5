"""Counting on a worker thread what a table shows a page of (the contracts table's matches, a report's rows), one
count at a time, through the book's one connection: the first page is shown at once, its count when it comes."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

INTERRUPT_AGAIN_S = 0.005  # a count being cancelled is interrupted again this often until it stops


class Countable(Protocol):
    """What a Counter counts: a query on the book's connection (models.browse.ContractQuery, a report's count)."""

    conn: sqlite3.Connection

    def count(self, *, cancelled: Callable[[], bool] | None = None) -> Any: ...


class _Relay(QObject):
    """Carries a count from the worker thread to the GUI thread (a queued signal). Parentless, and kept by
    each job, so it outlives a model closed while a job still runs."""

    counted = Signal(int, object)  # generation, what the query's count() returned


class Counter:
    """Counts a query's matches on a worker thread, one count at a time; a newer count cancels an older one.

    The book's connection is the only one (the book is locked to it), so the worker reads through it: while
    it reads, `sql` is held; `cancel()` (GUI thread) interrupts the statement and waits for it to stop, so that
    the GUI thread's next statement is never the one interrupted. A cancelled count's result is dropped
    (its generation is no longer the current one)."""

    def __init__(self, on_counted: Callable[[int, Any], None]):
        self.generation = 0
        self.sql = threading.Lock()
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(2)  # a job waiting on its turn for `sql` never holds up the next
        self.relay = _Relay()
        self.relay.counted.connect(on_counted)
        self.before = None  # tests: called on the worker thread with the query before it counts

    def cancel(self, conn: sqlite3.Connection | None = None) -> None:
        self.generation += 1
        # SQLite interrupts only the statements running when asked: a count that starts its next statement just
        # after would run it to the end (seconds on a big book) while the GUI thread waits. So ask again until
        # the worker lets go (it checks the generation between its statements).
        if conn is None:
            self.sql.acquire()
        elif not self.sql.acquire(blocking=False):
            conn.interrupt()
            while not self.sql.acquire(timeout=INTERRUPT_AGAIN_S):
                conn.interrupt()
        self.sql.release()

    def start(self, query: Countable) -> int:
        self.cancel(query.conn)
        generation = self.generation
        relay, before, sql, current = self.relay, self.before, self.sql, lambda: self.generation

        class Job(QRunnable):
            def run(self) -> None:
                if before is not None:
                    before(query)
                with sql:
                    if current() != generation:
                        return
                    try:
                        found = query.count(cancelled=lambda: current() != generation)
                    except (sqlite3.Error, ValueError):  # interrupted, or the book was closed
                        return
                if current() == generation:
                    relay.counted.emit(generation, found)

        self.pool.start(Job())
        return generation
