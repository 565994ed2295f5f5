"""Shared fixtures. Qt runs offscreen; each test gets its own temporary book file."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import date

import pytest
from hypothesis import HealthCheck, settings

from models import ops
from models.book import open_book
from models.entities import ALL_TABLES, Dispute, database
from tests import pgcluster

# Operations write real files: no per-example deadline on a noisy machine.
settings.register_profile("escrowbook", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("escrowbook")

START = date(2026, 3, 1)  # a Sunday; contracts in the fixtures start here


# The modules whose every test passes on PostgreSQL too (a module added later runs on SQLite only until it is
# listed here). Not listed, as they test what only a book file has: test_backup.py (the automatic backups of a
# book file, copies made with SQLite's backup API; a shared book is backed up with pg_dump, `escrowbook backup`:
# tests/models/test_copy_book.py) and test_check_progress.py (`check` by the file's path, on read-only connections
# of its own in parallel lanes and a separate process for the hash chain; a shared book's check by its address,
# on one connection, is in test_check_passes.py). A test of SQLite alone (its query plans, its statements) says
# so: @pytest.mark.parametrize("store", ["sqlite"]).
# (ESCROWBOOK_PG_MODULES=all runs every module on PostgreSQL too, to see how far the others are.)
PG_MODULES = {
    "test_book_files.py",
    "test_check_passes.py",
    "test_copy_book.py",
    "test_corrections.py",
    "test_csv.py",
    "test_deadlines.py",
    "test_demo.py",
    "test_fields.py",
    "test_kept_sums.py",
    "test_ledger_chain.py",
    "test_matching_ways.py",
    "test_pack.py",
    "test_pg_concurrency.py",
    "test_pg_people.py",
    "test_pg_store.py",
    "test_r01_money.py",
    "test_r02_currencies.py",
    "test_r02_milestones.py",
    "test_r03_funding_and_fees.py",
    "test_r04_active_milestone.py",
    "test_r05_release.py",
    "test_r06_review_period.py",
    "test_r07_ending.py",
    "test_r08_escrow_refund_and_disputes.py",
    "test_r08_mediation_steps.py",
    "test_r09_refunds.py",
    "test_r10_feedback.py",
    "test_r11_closeout.py",
    "test_r11_deliverables_and_secrets.py",
    "test_r12_ledger.py",
    "test_r12_stateful.py",
    "test_r13_old_books.py",
    "test_r13_policies.py",
    "test_r14_all_or_nothing.py",
    "test_r15_dormancy.py",
    "test_r16_order_of_events.py",
    "test_rates.py",
    "test_reconcile.py",
    "test_report_pages.py",  # (branch rep2's, passing on PostgreSQL with rep2 and pack2 merged beside this)
    "test_report_views.py",
    "test_reports.py",
    "test_search.py",
    "test_smoke.py",
    "test_statements.py",
    "test_undo.py",
    "test_user_formats.py",
    "test_shared_window.py",  # (tests/desktop/window: the main window on a shared book)
    "test_made_by.py",  # (tests/desktop/contract: who recorded what, on the contract's page and in its PDF)
}


def _on_postgresql(item) -> bool:
    spec = getattr(item, "callspec", None)
    if spec is not None and spec.params.get("store") == "postgresql":
        return True
    return bool({"pg_cluster", "pg_database"} & set(getattr(item, "fixturenames", ())))


def _missing() -> str | None:
    """Why the PostgreSQL runs cannot run here, or None."""
    if pgcluster.binaries() is None:
        return "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb, or ESCROWBOOK_PG_BIN)"
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg is not installed (pip install -e '.[test]')"
    return None


def pytest_collection_modifyitems(config, items):
    why = _missing()
    installed = why is None
    keep, drop = [], []
    for item in items:
        listed = Path(item.fspath).name in PG_MODULES or os.environ.get("ESCROWBOOK_PG_MODULES") == "all"
        if _on_postgresql(item) and (not installed or not listed):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    if not installed:
        config.stash[_MISSING] = (why, len(drop))


_MISSING = pytest.StashKey[tuple]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    why, missing = config.stash.get(_MISSING, ("", 0))
    if missing:
        terminalreporter.write_line(
            f"{why}: {missing} tests of the PostgreSQL store were deselected; they ran on SQLite only."
        )


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL cluster for the session, and the name of a database holding a new, empty book (the
    template of each test's own)."""
    cluster = pgcluster.Cluster(pgcluster.binaries())
    cluster.start()
    try:
        cluster.admin("CREATE DATABASE eb_template")
        open_book(cluster.url("eb_template")).close()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def en_us():
    """Amounts are typed, and dates read, as in the United States ("10 Mar 2026"), whatever the machine's
    locale. Modules whose tests type amounts or read dates use it for every test (`pytestmark`)."""
    from PySide6.QtCore import QLocale

    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(before)


@pytest.fixture(autouse=True)
def backups_folder(tmp_path, monkeypatch):
    """Backups (daily, before an upgrade) go to the test's own folder, never the user's data folder."""
    folder = tmp_path / "backups"
    monkeypatch.setenv("ESCROWBOOK_BACKUPS", str(folder))
    return folder


# What each book format added, undone: `as_format(path, n)` turns a closed book of this version's format into
# what format n was, as a book an older version wrote (the tests of each migration start from it).
UNDO_FORMAT = {
    16: ("DROP TABLE freelancer_life",),
    15: ("DROP TABLE contract_life",),
    14: (
        "DROP INDEX contract_year_left",
        "DROP INDEX contract_currency_budget",
        "ALTER TABLE contract_year DROP COLUMN budget",
    ),
    13: ("DROP TABLE freelancer_year",),
    12: ("DROP INDEX contract_year_size",),
    11: ("DROP TABLE contract_year",),
    10: ("DROP TABLE contract_day", "DROP TABLE report_day"),
    9: ("DROP TABLE exchange_rate", "DELETE FROM book_info WHERE key = 'home_currency'"),
    8: tuple(f"DROP INDEX {name}_nocase" for name in ("contract_title", "freelancer_name", "contract_external_id")),
    7: (  # format 6 kept no totals of the whole book, nor each contract's status beside its totals
        *(f"DROP TABLE {name}" for name in ("book_total", "book_month", "attention_day")),
        "ALTER TABLE contract_totals DROP COLUMN status",
    ),
    6: (  # format 5's closeout deadline: the day of the ending, with no grace
        "UPDATE clock SET due = (SELECT c.ended_on FROM contract c WHERE c.id = clock.contract_id), "
        "warn_from = (SELECT c.ended_on FROM contract c WHERE c.id = clock.contract_id) WHERE kind = 'closeout'",
    ),
    5: (
        *(f"DROP TABLE {name}" for name in ("statement_match", "statement_choice", "statement_line", "statement")),
        "DROP INDEX ledger_entry_date",
    ),
    4: (
        "ALTER TABLE contract DROP COLUMN initiation_fee",
        "ALTER TABLE policy DROP COLUMN support_refund_days",
        "ALTER TABLE milestone DROP COLUMN first_submitted_on",
        "DROP TABLE support_case",
        "ALTER TABLE policy DROP COLUMN dormant_after_days",
        *(f"ALTER TABLE dispute DROP COLUMN {name}" for name in Dispute.STEP_COLUMNS),
        # Format 3's feedback table, its six categories required, as format 3 made it.
        "ALTER TABLE feedback RENAME TO feedback_4",
        'CREATE TABLE "feedback" ("id" INTEGER NOT NULL PRIMARY KEY, "contract_id" INTEGER NOT NULL, '
        '"author" VARCHAR(255) NOT NULL, "skills" INTEGER NOT NULL, "quality" INTEGER NOT NULL, '
        '"availability" INTEGER NOT NULL, "schedule" INTEGER NOT NULL, "communication" INTEGER NOT NULL, '
        '"cooperation" INTEGER NOT NULL, "comment" TEXT NOT NULL, "private_reason" VARCHAR(255) NOT NULL, '
        '"recommend" INTEGER, "submitted_at" DATETIME NOT NULL, "withdrawn_on" DATE, '
        'FOREIGN KEY ("contract_id") REFERENCES "contract" ("id"))',
        "INSERT INTO feedback SELECT id, contract_id, author, skills, quality, availability, schedule, "
        "communication, cooperation, comment, private_reason, recommend, submitted_at, withdrawn_on FROM feedback_4",
        "DROP TABLE feedback_4",
        'CREATE UNIQUE INDEX "feedback_contract_id_author" ON "feedback" ("contract_id", "author")',
    ),
    3: ("ALTER TABLE feedback DROP COLUMN withdrawn_on",),
    2: ("ALTER TABLE ledger_entry DROP COLUMN hash", "DELETE FROM book_info WHERE key = 'ledger_head'"),
}


def as_format(path, version: int) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        for later in sorted(UNDO_FORMAT, reverse=True):
            if later > version:
                for sql in UNDO_FORMAT[later]:
                    conn.execute(sql)
        conn.execute(f"PRAGMA user_version = {version}")
        conn.commit()
    finally:
        conn.close()


@pytest.fixture(autouse=True)
def anchors_folder(tmp_path, monkeypatch):
    """Where the ledger's head is noted outside each book (models/anchor.py): the test's own folder."""
    folder = tmp_path / "anchors"
    monkeypatch.setenv("ESCROWBOOK_ANCHORS", str(folder))
    return folder


@pytest.fixture
def book(tmp_path):
    b = open_book(tmp_path / "test.book")
    yield b
    b.close()


@pytest.fixture
def freelancer(book):
    return ops.create_freelancer("Ana Ruiz", agency="Northwind Studio", email="ana@example.com")


@pytest.fixture
def contract(book, freelancer):
    """An active USD contract under the marketplace preset (min $5.00, fee 5%, initiation $0.99)."""
    return ops.create_contract("Logo redesign", freelancer, currency="USD", started_on=START, today=START)


@pytest.fixture
def direct_contract(book, freelancer):
    """An active EUR contract under the Direct policy: no minimum, no fees, no clocks."""
    return ops.create_contract(
        "Translation", freelancer, policy="direct", currency="EUR", started_on=START, today=START
    )


def snapshot(ignore: dict[str, set[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table of the open book: compare two to prove nothing changed.

    `ignore` leaves columns out (table name -> column names), such as those stamped with the real clock.
    The session value each opening writes (models/anchor.py) is not book data and is left out too.
    """
    out = {}
    for model in ALL_TABLES:
        table = model._meta.table_name
        skip = (ignore or {}).get(table, set())
        columns = ", ".join(f.column_name for f in model._meta.sorted_fields if f.column_name not in skip)
        where = " WHERE key != 'session'" if table == "book_info" else ""
        order = "rowid"
        # (the reports' day sums, and every table of a book in PostgreSQL: in the order of their key)
        if model._meta.without_rowid or getattr(database.obj, "store", "") == "postgresql":
            order = ", ".join(f.column_name for f in model._meta.get_primary_keys())
        sql = f"SELECT {columns if skip else '*'} FROM {table}{where} ORDER BY {order}"
        out[table] = database.execute_sql(sql).fetchall()
    return out


@pytest.fixture
def unchanged():
    """Use as `with unchanged(): ...` around a refused operation: asserts the book is byte-for-byte the same rows."""
    from contextlib import contextmanager

    @contextmanager
    def guard():
        before = snapshot()
        yield
        assert snapshot() == before, "a refused operation changed the book (R14)"

    return guard


class Prompts:
    """What the app asked and said through desktop.widgets.prompts, and what the "user" answers."""

    def __init__(self):
        self.answer = True  # what the user clicks in every confirmation
        self.asked: list[str] = []  # the text of each confirmation
        self.warned: list[tuple[str, str]] = []  # (title, text) of each warning
        self.warnings: list[str] = []  # the text of each warning
        self.reason: str | None = "Recorded in error"  # what the user gives as the reason (None: Cancel)
        self.reasons_asked: list[str] = []  # the text of each question for a reason

    def ask(self, parent, title, text, yes, no=None) -> bool:
        self.asked.append(text)
        return self.answer

    def warn(self, parent, title, text) -> None:
        self.warned.append((title, text))
        self.warnings.append(text)

    def get_reason(self, parent, title, text):
        self.reasons_asked.append(text)
        return self.reason


@pytest.fixture
def prompts(monkeypatch, no_modal_prompts) -> Prompts:
    """Every confirmation, warning and reason of the app, answered here instead of in a modal box (which a test
    cannot click): `prompts.answer`, `prompts.reason`; what was asked and said is kept in order."""
    from desktop.widgets import prompts as module

    p = Prompts()
    monkeypatch.setattr(module, "ask", p.ask)
    monkeypatch.setattr(module, "warn", p.warn)
    monkeypatch.setattr(module, "get_reason", p.get_reason)
    return p


@pytest.fixture
def no_modal_prompts(monkeypatch):
    """A confirmation, warning or reason nobody expected fails the test instead of waiting forever for a click
    in a modal box (autouse in tests/desktop and tests/reliability, which drive windows; the models tests
    never load Qt). Tests that expect them use the `prompts` fixture, which answers them."""
    from desktop.widgets import prompts as module

    def unexpected(parent, *words):
        pytest.fail(f"unexpected prompt: {' / '.join(map(str, words))}")

    for name in ("ask", "warn", "get_reason"):
        monkeypatch.setattr(module, name, unexpected)
