"""The models' tests run on both stores: each test that takes a `book` runs once on a SQLite book file and once
on a book kept in PostgreSQL (models/pgstore.py), when PostgreSQL's server programs are installed (Debian's
`postgresql` package). A throw-away cluster is started for the session (tests/pgcluster.py); each test gets its
own database, copied from one new book made once (CREATE DATABASE ... TEMPLATE). Without PostgreSQL, the
PostgreSQL runs are deselected and the run says so in one line (tests/conftest.py: PG_MODULES lists the modules
that run on PostgreSQL too).
"""

from __future__ import annotations

import contextlib
import itertools

import pytest

from models.book import open_book

STORES = ("sqlite", "postgresql")

_names = itertools.count(1)


@pytest.fixture(params=STORES)
def store(request) -> str:
    return request.param


@pytest.fixture
def pg_database(pg_cluster):
    """pg_database(): a new book kept in a database of its own on the session's server (dropped after the
    test), open."""
    with contextlib.ExitStack() as made:
        yield lambda: open_book(made.enter_context(pg_cluster.database(f"eb_{next(_names)}", "eb_template")))


@pytest.fixture
def new_book(store, tmp_path, request):
    """new_book(name): another book on the test's store (a file in its folder, or a database of its own)."""
    if store == "postgresql":
        pg = request.getfixturevalue("pg_database")
        return lambda name="test.book": pg()
    return lambda name="test.book": open_book(tmp_path / name)


@pytest.fixture
def book(new_book):
    b = new_book()
    yield b
    b.close()
