"""Book files: open or create one SQLite file safely, or refuse it untouched.

Opening a book (DESIGN.md): WAL, foreign keys, synchronous=FULL, a busy
timeout, file mode 0600, an exclusive lock held while it is open (a second
process is refused), and the migration chain, with a backup of the file taken
before any migration (kept in the book's backups folder, models/backup.py). A
file that is not a book, is damaged, or comes from a newer version is refused
with a clear message before SQLite writes a byte. Those checks and the lock are
in models/bookfile.py, which needs no peewee; this module puts peewee over the
connection it opened (`adopt`), migrates the book and binds the models to it.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import peewee as pw

from . import anchor, bookfile, chain, refusals, schema
from .entities import ALL_TABLES, BookInfo, Feedback, database
from .errors import BookError
from .policy import missing_policies, stored_terms, sync_policies
from .summary import LIVE_VIEW, SEARCH_TABLE

APPLICATION_ID = bookfile.APPLICATION_ID  # (re-exported: the tests and backups read it from here)
BUSY_TIMEOUT_MS = bookfile.BUSY_TIMEOUT_MS


def _create_schema(db: pw.Database) -> None:
    db.create_tables(ALL_TABLES)
    db.execute_sql(LIVE_VIEW)
    if getattr(db, "store", "") == "postgresql":  # (its search table and the index below in PostgreSQL's words)
        from . import pgstore

        for sql in (*pgstore.SEARCH_TABLE, pgstore.NEXT_DUE_INDEX):
            db.execute_sql(sql)
    else:
        db.execute_sql(SEARCH_TABLE)
        # Soonest deadline first, contracts with none last, straight from an index.
        db.execute_sql("CREATE INDEX contract_totals_next ON contract_totals (next_due IS NULL, next_due)")
    BookInfo.insert(key="created_at", value=datetime.now(UTC).isoformat()).execute()
    BookInfo.insert(key=anchor.ID_KEY, value=uuid.uuid4().hex).execute()


def _chain_ledger(db: pw.Database) -> None:
    """Book format 2: every ledger entry carries a hash chaining it to the one before (models/chain.py)."""
    columns = {row[1] for row in db.execute_sql("PRAGMA table_info(ledger_entry)")}
    if "hash" not in columns:  # a new book has it from _create_schema already
        db.execute_sql("ALTER TABLE ledger_entry ADD COLUMN hash BLOB")
    chain.backfill(db)


def _withdrawable_feedback(db: pw.Database) -> None:
    """Book format 3: the freelancer's recorded feedback can be withdrawn as recorded in error."""
    columns = {row[1] for row in db.execute_sql("PRAGMA table_info(feedback)")}
    if "withdrawn_on" not in columns:  # a new book has it from _create_schema already
        db.execute_sql("ALTER TABLE feedback ADD COLUMN withdrawn_on DATE")


def _second_policy_version(db: pw.Database) -> None:
    """Book format 4, for the marketplace's second policy version: a per-contract initiation fee (R3), the
    single-rating feedback form with its private note (R10: the six categories become optional, as the
    second form has none), the support cases of refunds made through the marketplace's support and each
    policy version's support refund days (R9), the day work was first submitted on a milestone (R6), each
    policy version's days of inactivity after which a contract is dormant (R15), and the dated steps of a
    dispute's mediation (R8: evidence, proposal, acceptances, arbitration)."""
    from playhouse.migrate import SqliteMigrator, migrate

    from .entities import SupportCase

    contract = {row[1] for row in db.execute_sql("PRAGMA table_info(contract)")}
    if "initiation_fee" not in contract:  # a new book has these from _create_schema already
        db.execute_sql("ALTER TABLE contract ADD COLUMN initiation_fee INTEGER")
    feedback = {row[1]: row for row in db.execute_sql("PRAGMA table_info(feedback)")}
    if "rating" not in feedback:
        db.execute_sql("ALTER TABLE feedback ADD COLUMN rating INTEGER")
        db.execute_sql("ALTER TABLE feedback ADD COLUMN private_note TEXT NOT NULL DEFAULT ''")
    migrator = SqliteMigrator(db)
    required = [c for c in Feedback.CATEGORIES if feedback[c][3]]
    if required:
        migrate(*(migrator.drop_not_null("feedback", c) for c in required))
    db.create_tables([SupportCase])
    policy = {row[1] for row in db.execute_sql("PRAGMA table_info(policy)")}
    if "dormant_after_days" not in policy:  # R15: copied from each version's text, as the support days below
        db.execute_sql("ALTER TABLE policy ADD COLUMN dormant_after_days INTEGER")
        for pid, source, minimum in db.execute_sql("SELECT id, source, milestone_minimum FROM policy").fetchall():
            days = stored_terms(source, minimum).dormant_after_days
            if days is not None:
                db.execute_sql("UPDATE policy SET dormant_after_days = ? WHERE id = ?", (days, pid))
    from .entities import Dispute

    dispute = {row[1] for row in db.execute_sql("PRAGMA table_info(dispute)")}
    for name, kind in Dispute.STEP_COLUMNS.items():  # R8 v2: the steps of mediation
        if name not in dispute:
            db.execute_sql(f"ALTER TABLE dispute ADD COLUMN {name} {kind}")
    if "support_refund_days" not in policy:
        db.execute_sql("ALTER TABLE policy ADD COLUMN support_refund_days INTEGER")
        for pid, source, minimum in db.execute_sql("SELECT id, source, milestone_minimum FROM policy").fetchall():
            days = stored_terms(source, minimum).support_refund_days
            if days is not None:
                db.execute_sql("UPDATE policy SET support_refund_days = ? WHERE id = ?", (days, pid))
    milestone = {row[1] for row in db.execute_sql("PRAGMA table_info(milestone)")}
    if "first_submitted_on" not in milestone:
        db.execute_sql("ALTER TABLE milestone ADD COLUMN first_submitted_on DATE")
        # Work under review was first submitted on the day known (what came before a request for changes
        # was not kept by older formats).
        db.execute_sql("UPDATE milestone SET first_submitted_on = submitted_on WHERE submitted_on IS NOT NULL")


def _statements(db: pw.Database) -> None:
    """Book format 5: the marketplace's statements imported into the book, the client's choices of contract for
    their rows, and their reconciliation with the ledger (models/reconcile.py)."""
    from .entities import Statement, StatementChoice, StatementLine, StatementMatch

    db.create_tables([Statement, StatementLine, StatementChoice, StatementMatch])
    db.execute_sql('CREATE INDEX IF NOT EXISTS "ledger_entry_date" ON "ledger_entry" ("date")')


def _closeout_grace(db: pw.Database) -> None:
    """Book format 6: closeout items are overdue only after the grace of the contract's policy (R11: 7 days from
    the ending), so the deadlines the book keeps (its clocks, and each contract's next deadline) are derived
    again from its records."""
    from .summary import refresh

    refresh(db, only=("clock", "contract_totals"))


def _book_totals(db: pw.Database) -> None:
    """Book format 7: the book's totals kept as the contracts change (models/book_totals.py), per currency (with
    each status's contracts: each contract's summary says its status), per month and per day of attention, so
    the status bar and the filters read a few rows at any size of book. Filled here from the contracts'."""
    from . import book_totals
    from .entities import AttentionDay, BookMonth, BookTotal

    db.create_tables([BookTotal, BookMonth, AttentionDay])
    if not any(row[1] == "status" for row in db.execute_sql("PRAGMA table_info(contract_totals)")):
        db.execute_sql("ALTER TABLE contract_totals ADD COLUMN status VARCHAR(255)")
    db.execute_sql("UPDATE contract_totals SET status = (SELECT c.status FROM contract c WHERE c.id = contract_id)")
    book_totals.rebuild(db.execute_sql)


def _prefix_search(db: pw.Database) -> None:
    """Book format 8: searches of one or two characters find the titles, freelancer names and contract ids that
    start with them (models/browse.py), each from an index that ignores the case of A to Z."""
    for table, column in (("contract", "title"), ("freelancer", "name"), ("contract", "external_id")):
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{table}_{column}_nocase" ON "{table}" ("{column}" COLLATE NOCASE)')


def _exchange_rates(db: pw.Database) -> None:
    """Book format 9: exchange rates into a home currency (models/rates.py), typed per day or month or imported
    from a file. The home currency itself is a fact of the book (`book_info`), none until the client chooses."""
    from .entities import ExchangeRate

    db.create_tables([ExchangeRate])


def _report_sums(db: pw.Database) -> None:
    """Book format 10: the reports' day sums kept as the contracts change (models/report_totals.py), per contract
    and day and per day of the whole book, so that no report reads the ledger. Filled here from the ledger."""
    from . import report_totals
    from .entities import ContractDay, ReportDay

    db.create_tables([ContractDay, ReportDay])
    report_totals.rebuild(db.execute_sql)


def _year_sums(db: pw.Database) -> None:
    """Book format 11: each contract's day sums added up per year (models/report_totals.py `contract_year`), kept
    with them, so that a report over whole years reads a row per contract and year. Filled here from the days."""
    from . import report_totals
    from .entities import ContractYear

    db.create_tables([ContractYear])
    report_totals.rebuild_years(db.execute_sql)


# Each year's contracts of a currency, largest first by their kept year's spend sums' sizes added up: a page in the
# home currency walks them (models/reports.py `_walked`), and stops once no contract left can reach it.
YEAR_SIZE_INDEX = (
    "CREATE INDEX IF NOT EXISTS contract_year_size ON contract_year "
    "(year, currency, (paid_size + fees_size + refunded_size))"
)


def _year_size_index(db: pw.Database) -> None:
    """Book format 12: the kept years indexed by year, currency and the size of their spend sums (YEAR_SIZE_INDEX),
    so that a page of contracts sorted in the home currency reads only the largest (the same SQL in PostgreSQL)."""
    db.execute_sql(YEAR_SIZE_INDEX)


# Each year's freelancers of a currency, largest first by their kept year's spend sums' sizes added up: a page of
# freelancers in the home currency walks them (models/reports.py `_walked`), as a page of contracts walks theirs.
FREELANCER_YEAR_SIZE_INDEX = (
    "CREATE INDEX IF NOT EXISTS freelancer_year_size ON freelancer_year "
    "(year, currency, (paid_size + fees_size + refunded_size))"
)


def _freelancer_years(db: pw.Database) -> None:
    """Book format 13: each freelancer's kept yearly sums per currency (models/report_totals.py `freelancer_year`),
    kept with their contracts' years, and indexed by size (FREELANCER_YEAR_SIZE_INDEX), so that a page of
    freelancers sorted in the home currency reads only the largest. Filled here from the contracts' years."""
    from . import report_totals
    from .entities import FreelancerYear

    db.create_tables([FreelancerYear])
    report_totals.rebuild_freelancer_years(db.execute_sql)
    db.execute_sql(FREELANCER_YEAR_SIZE_INDEX)


# Each year's contracts with a budget, of a currency, by what is left of the budget after the year's payments and
# refunds (negative: over budget), with the figures budget against actual shows (models/reports.py
# `_budget_walked`: a page sorted by what is left reads only its own rows, and the chart's contracts over budget are
# the index's few below zero); and each currency's contracts by their budget, largest first.
BUDGET_LEFT_INDEX = (
    "CREATE INDEX IF NOT EXISTS contract_year_left ON contract_year "
    "(year, currency, (budget - paid + refunded), budget, paid, refunded) WHERE budget IS NOT NULL"
)
CURRENCY_BUDGET_INDEX = (
    "CREATE INDEX IF NOT EXISTS contract_currency_budget ON contract (currency, budget) WHERE budget IS NOT NULL"
)


def _budget_years(db: pw.Database) -> None:
    """Book format 14: each contract's kept years name its budget (models/report_totals.py), and are indexed by
    year, currency and what is left of the budget (BUDGET_LEFT_INDEX); the contracts by currency and budget
    (CURRENCY_BUDGET_INDEX): budget against actual over a whole year, sorted by what is left or by the budget, and
    its chart, read only the rows they show. Filled here from the contracts."""
    columns = {row[1] for row in db.execute_sql("PRAGMA table_info(contract_year)")}
    if "budget" not in columns:  # a new book (or one whose years format 11 made just now) has it already
        db.execute_sql("ALTER TABLE contract_year ADD COLUMN budget INTEGER")
        db.execute_sql(
            "UPDATE contract_year SET budget = (SELECT c.budget FROM contract c WHERE c.id = contract_year.contract_id)"
        )
    db.execute_sql(BUDGET_LEFT_INDEX)
    db.execute_sql(CURRENCY_BUDGET_INDEX)


# Each currency's contracts, largest first by their whole life's spend sums' sizes added up: a page of contracts over
# all dates in the home currency walks them (models/reports.py `_walked`), one walk per currency, where it would
# otherwise walk each year's and bound a contract not met yet by its size in every year at once.
LIFE_SIZE_INDEX = (
    "CREATE INDEX IF NOT EXISTS contract_life_size ON contract_life (currency, (paid_size + fees_size + refunded_size))"
)


def _life_sums(db: pw.Database) -> None:
    """Book format 15: each contract's kept years added up, a row per contract (models/report_totals.py
    `contract_life`), kept with them, and indexed by currency and size (LIFE_SIZE_INDEX), so that a page of
    contracts over all dates sorted in the home currency reads only the largest. Filled here from the years."""
    from . import report_totals
    from .entities import ContractLife

    db.create_tables([ContractLife])
    report_totals.rebuild_life(db.execute_sql)
    db.execute_sql(LIFE_SIZE_INDEX)


# Each currency's freelancers, largest first by their contracts' spend sums' sizes over all dates added up: a page of
# freelancers over all dates in the home currency walks them (models/reports.py `_walked`), as contracts walk theirs.
FREELANCER_LIFE_SIZE_INDEX = (
    "CREATE INDEX IF NOT EXISTS freelancer_life_size ON freelancer_life "
    "(currency, (paid_size + fees_size + refunded_size))"
)


def _freelancer_life(db: pw.Database) -> None:
    """Book format 16: each freelancer's contracts' sums over all dates added up per currency (models/report_totals.py
    `freelancer_life`), kept with them, and indexed by currency and size (FREELANCER_LIFE_SIZE_INDEX), so that a page
    of freelancers over all dates sorted in the home currency reads only the largest. Filled here from the
    contracts'."""
    from . import report_totals
    from .entities import FreelancerLife

    db.create_tables([FreelancerLife])
    report_totals.rebuild_freelancer_life(db.execute_sql)
    db.execute_sql(FREELANCER_LIFE_SIZE_INDEX)


# MIGRATIONS[n] upgrades a book from schema version n to n + 1. Each runs in one transaction; an
# existing book is backed up first (models/backup.py: kept in its backups folder, never pruned).
MIGRATIONS: list[Callable[[pw.Database], None]] = [
    _create_schema,
    _chain_ledger,
    _withdrawable_feedback,
    _second_policy_version,
    _statements,
    _closeout_grace,
    _book_totals,
    _prefix_search,
    _exchange_rates,
    _report_sums,
    _year_sums,
    _year_size_index,
    _freelancer_years,
    _budget_years,
    _life_sums,
    _freelancer_life,
]
# The columns each format added. A book that says it is in an older format but already has a later format's
# columns had its format number changed outside Escrowbook (to have the ledger re-hashed by a migration, say):
# it is refused, never migrated.
ADDED_COLUMNS: dict[int, tuple[tuple[str, str], ...]] = {
    2: (("ledger_entry", "hash"),),
    3: (("feedback", "withdrawn_on"),),
    4: (
        ("contract", "initiation_fee"),
        ("feedback", "rating"),
        ("policy", "support_refund_days"),
        ("milestone", "first_submitted_on"),
        ("policy", "dormant_after_days"),
        ("dispute", "proposed_on"),
    ),
    5: (("statement_line", "reference"), ("statement_match", "status")),
    7: (("contract_totals", "status"),),
    9: (("exchange_rate", "rate"),),
    10: (("contract_day", "paid"), ("report_day", "paid")),
    11: (("contract_year", "paid"),),
    13: (("freelancer_year", "paid"),),
    14: (("contract_year", "budget"),),
    15: (("contract_life", "paid"),),
    16: (("freelancer_life", "paid"),),
}


def schema_version() -> int:
    return len(MIGRATIONS)


default_book_path = bookfile.default_book_path


_refuse = bookfile.refuse


def probe(path: Path) -> int:
    """The file's header checked as bytes (models/bookfile.py); its schema version."""
    return bookfile.probe(path, schema_version())


class Book:
    """An open book. Close it (or use it as a context manager) to release the lock.

    `db` is peewee's database, to which the models are bound; `conn` is the SQLite
    connection under it (the contracts table reads through it: models/browse.py).
    A book kept in PostgreSQL (models/pgstore.py) has `store` "postgresql", no `path`, its `address`
    (the URL without its password) and a `conn` that answers the same SQL."""

    store = "sqlite"

    def __init__(self, path: Path, db: pw.SqliteDatabase, conn: sqlite3.Connection, notices: tuple[str, ...] = ()):
        self.path = path
        self.db = db
        self.conn = conn
        self.notices = notices  # what the user should know about opening it: files set aside, a ledger cut short
        self.read_only = False  # opened to be checked: nothing is written, no anchor either
        self.copy_of: Path | None = None  # checked through a private copy (an older format, migrated there)

    @property
    def address(self) -> str:
        """Where the book is, as the user may see it: its file's path, or its database's URL."""
        return str(self.path)

    @property
    def name(self) -> str:
        """The book's name as its exports say it: its file's name, or its database's."""
        return self.path.name

    def close(self) -> None:
        state = None
        if not self.db.is_closed() and not self.read_only:
            with contextlib.suppress(sqlite3.Error, pw.DatabaseError):
                state = anchor.state(self.db.execute_sql)
        if not self.db.is_closed():
            self.db.close()
        if database.obj is self.db:
            database.initialize(None)
        if state is not None and not Path(f"{self.path}-wal").exists():
            anchor.note(self.path, state, closed=True)  # closed properly: no log is left that belongs to it
        if self.copy_of is not None:
            _remove_quietly(self.path)
            with contextlib.suppress(OSError):
                self.path.parent.rmdir()

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _BookDatabase(pw.SqliteDatabase):
    """peewee over the connection models/bookfile.py opened and locked: its first connect adopts that one."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        super().__init__(str(path), check_same_thread=False, thread_safe=False, timeout=BUSY_TIMEOUT_MS / 1000)
        self._adopt = conn

    def _connect(self):
        conn, self._adopt = self._adopt, None
        if conn is None:
            conn = super()._connect()
            conn.execute("PRAGMA trusted_schema = OFF")  # (as bookfile.new_connection does)
            return conn
        self._add_conn_hooks(conn)
        return conn


def open_book(path: str | os.PathLike, *, create: bool = True) -> Book:
    """Open (or create) the book at `path` and bind the models to it: a file, or a PostgreSQL database's URL
    (`postgresql://user@host/dbname`, models/pgstore.py)."""
    if isinstance(path, str) and path.startswith(("postgresql://", "postgres://")):
        return open_shared(path, create=create)
    path = Path(path).expanduser().absolute()
    if not path.exists():
        if not create:
            raise _refuse(path, "there is no such file.", "missing")
        _create(path)
    return adopt(bookfile.connect(path, schema_version()))


def adopt(opened: bookfile.BookFile) -> Book:
    """Bind the models to a book models/bookfile.py has opened and locked; migrate it to this version's
    format and copy in the policies it lacks. On failure the connection is closed (the lock released)."""
    path, conn, version = opened.path, opened.conn, opened.version
    db = _BookDatabase(path, conn)
    try:
        db.connect()
        database.initialize(db)
        _migrate(db, path, version, is_new=False)
        trusted(db, path)
        with db.atomic():
            sync_policies()
        cut = _begin_session(db, path)
    except BaseException:
        if not db.is_closed():
            db.close()
        conn.close()
        if database.obj is db:
            database.initialize(None)
        raise
    return Book(path, db, conn, (*opened.notices, *cut))


class SharedBook(Book):
    """A book kept in PostgreSQL: many people may have it open at once; the server keeps it (no lock, no
    file, no anchor outside it, no backups beside it)."""

    store = "postgresql"

    def __init__(self, url: str, db, conn, notices: tuple[str, ...] = ()):
        super().__init__(None, db, conn, notices)
        self.url = url

    @property
    def address(self) -> str:
        return self.db.address

    @property
    def name(self) -> str:
        return self.db.database_name

    def close(self) -> None:
        if not self.db.is_closed():
            self.db.close()
        if database.obj is self.db:
            database.initialize(None)


def open_shared(url: str, *, create: bool = True) -> SharedBook:
    """Open the book kept in the PostgreSQL database at `url` (made there when the database is empty) and bind
    the models to it. Refused in words: a server that cannot be reached, a database that holds something
    else, a book of a newer format."""
    from . import pgstore  # (loaded with the first book kept in PostgreSQL)

    db = pgstore.connect(url)
    try:
        database.initialize(db)
        version = _readable_format(db, url)
        if version is None:
            if not create:
                raise pgstore.refuse(url, "the database is empty: it holds no book.", "missing")
            pgstore.create_schema(db, MIGRATIONS)
        elif version > schema_version():
            raise pgstore.refuse(
                url,
                f"it is in book format {version}, made by a later version of Escrowbook. Update Escrowbook.",
                "newer",
            )
        elif version < schema_version():
            raise pgstore.refuse(
                url,
                f"it is in book format {version}; this version opens shared books of format {schema_version()}.",
                "older",
            )
        if version is not None and not db.table_exists("person"):
            _name_people(db, url)
        if version is not None:
            pgstore.upgrade_indexes(db)  # (a book an earlier version made: its maker's opening adds them)
        changed = pgstore.schema_problems(db, MIGRATIONS)
        if changed:
            raise pgstore.refuse(
                url, "its tables were changed outside Escrowbook: " + "; ".join(changed) + ".", "untrusted"
            )
        try:
            if missing_policies():  # (one read; a transaction only when this version ships a policy the book lacks)
                with db.atomic():
                    sync_policies()
        except pw.DatabaseError as exc:
            if not refusals.is_denied(exc):
                raise
            # (a viewer's: the policies this version ships are copied in by the next one who may write)
    except BaseException:
        if not db.is_closed():
            db.close()
        if database.obj is db:
            database.initialize(None)
        raise
    return SharedBook(url, db, pgstore.PgConn(db))


def _readable_format(db, url: str) -> int | None:
    """pgstore.book_format, or a refusal in words when the login may not read the book (none of its people)."""
    from . import pgstore

    try:
        return pgstore.book_format(db)
    except pw.DatabaseError as exc:
        if not refusals.is_denied(exc):
            raise
        login = db.execute_sql("SELECT session_user").fetchone()[0]
        raise pgstore.refuse(
            url,
            f"the login “{login}” is not one of this book's people: ask the book's owner to add it "
            "(escrowbook people add).",
            "denied",
        ) from None


def _name_people(db, url: str) -> None:
    """A shared book made before books named their people (models/people.py) gets what names them, when the one
    who made it opens it; anyone else is refused in words until then."""
    from . import people, pgstore

    if not people.owns_tables(db):
        raise pgstore.refuse(
            url,
            "it was made by an earlier version, before shared books named their people and who made each record: "
            "the one who made it opens it once with this version first, which adds them.",
            "older",
        )
    people.add_to_older_book(db)


@functools.cache
def _expected(steps: tuple) -> schema.Structure:
    """The schema a new book has after the migrations `steps`, made in memory."""
    db = pw.SqliteDatabase(":memory:")
    db.connect()
    with _bound(db):
        for step in steps:
            step(db)
    found = schema.structure(db.execute_sql)
    db.close()
    return found


def expected_schema() -> schema.Structure:
    return _expected(tuple(MIGRATIONS))


# schema.digest(expected_schema()): the schema this version's migrations make, fingerprinted once for each
# version of the app, so that opening a book needs no new book made in memory to compare with (~0.1 s) when its
# schema is exactly that one. tests/models/test_book_files.py fails with the new value when the migrations
# change. Anything else (a book changed outside Escrowbook, or an SQLite that describes the same schema in
# other words) is compared with the schema the migrations make, as before: the fingerprint only says yes.
SCHEMA_DIGEST = "8262ece7eda8e2a7dce6163cb54c3ad9ccec59c8437e50e65e8dd385551dd681"


def schema_problems(run) -> list[str]:
    """How a book's schema differs from the one this version's migrations make, in words."""
    on = getattr(run, "__self__", None) or database.obj  # (a function of the open book's connection: that book)
    if getattr(on, "store", "") == "postgresql":
        from . import pgstore

        return pgstore.schema_problems(on, MIGRATIONS)
    found = schema.structure(run)
    if schema.digest(found) == SCHEMA_DIGEST:
        return []
    return schema.differences(found, expected_schema())


def trusted(db: pw.SqliteDatabase, path: Path) -> None:
    """Refuse a book whose schema is not exactly the one the migrations make: a trigger would run its own
    commands with every operation (before the hash chain is computed), a view redefined would hide entries
    from every balance, an index or a column changed would change what the operations read."""
    found = schema_problems(db.execute_sql)
    if found:
        raise bookfile.untrusted(path, found)


def _begin_session(db: pw.SqliteDatabase, path: Path) -> list[str]:
    """Give the book an id (if an older version made it without one) and a new session value: noted outside
    the book first (models/anchor.py, with the ledger's head), then written into the book and folded into the
    file before the session's own changes go to its write-ahead log. If the note cannot be written (the user
    data folder is full, say), the book gets no session value: a log a crash leaves is then never judged
    against a note that is out of date. Returns, in words, a ledger that no longer extends the head noted
    when this computer last had the book (that note is kept, not replaced by the shorter ledger)."""
    info = dict(db.execute_sql("SELECT key, value FROM book_info WHERE key = ?", (anchor.ID_KEY,)).fetchall())
    if anchor.ID_KEY not in info:
        with db.atomic():
            db.execute_sql("INSERT INTO book_info (key, value) VALUES (?, ?)", (anchor.ID_KEY, uuid.uuid4().hex))
    book_id, _, count, head_id, head = anchor.state(db.execute_sql)
    cut = anchor.extends(db.execute_sql, anchor.read(book_id, path))
    session = uuid.uuid4().hex
    noted = anchor.note(path, (book_id, session, count, head_id, head), closed=False, keep_head=bool(cut))
    with db.atomic():
        if noted:
            db.execute_sql("INSERT OR REPLACE INTO book_info (key, value) VALUES (?, ?)", (anchor.SESSION_KEY, session))
        else:
            db.execute_sql("DELETE FROM book_info WHERE key = ?", (anchor.SESSION_KEY,))
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    advice = "If you did not remove them yourself, restore this book's latest backup (File, Restore from Backup)."
    return [f"Escrowbook found that {cut[0]} {advice}"] if cut else []


def _create(path: Path) -> None:
    """A new, empty book at `path`, all or nothing: built beside it under a temporary name, then moved
    into place in one step, so a crash or a kill while creating leaves either no book or a whole one
    (never an empty or half-made file that the next start would refuse)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.creating")
    _remove_quietly(part)  # what a killed creation left behind
    os.close(os.open(part, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    db = pw.SqliteDatabase(str(part), check_same_thread=False, thread_safe=False, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        db.connect()
        db.execute_sql("PRAGMA synchronous = FULL")
        db.execute_sql("PRAGMA foreign_keys = ON")
        with _bound(db):
            # Created with a rollback journal, so the file's own header says "book" from the first commit.
            _migrate(db, part, 0, is_new=True)
            with db.atomic():
                sync_policies()
        db.execute_sql("PRAGMA journal_mode = WAL")
        db.close()  # the last connection: SQLite folds the write-ahead log into the file and removes it
        try:
            os.link(part, path)  # never over a file that appeared meanwhile
        except FileExistsError:
            raise _refuse(path, "another program created a file of that name meanwhile.", "exists") from None
        except OSError:  # a file system without hard links
            if path.exists():
                raise _refuse(path, "another program created a file of that name meanwhile.", "exists") from None
            os.replace(part, path)
        _sync_folder(path.parent)
    finally:
        if not db.is_closed():
            db.close()
        _remove_quietly(part)


@contextlib.contextmanager
def _bound(db: pw.SqliteDatabase):
    """The models bound to `db` for a while (the book being created), then to what they were bound to."""
    previous = database.obj
    database.initialize(db)
    try:
        yield
    finally:
        database.initialize(previous)


def _sync_folder(folder: Path) -> None:
    """Make a new name in `folder` survive a power cut (where the system allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _migrate(db: pw.SqliteDatabase, path: Path, version: int, is_new: bool) -> None:
    target = schema_version()
    if version == target:
        return
    if not is_new:
        _refuse_later_columns(db, path, version)
        from .backup import before_upgrade  # backup.py builds on this module

        backup_path = before_upgrade(db, path, version)
    for step in range(version, target):
        try:
            with db.atomic():
                MIGRATIONS[step](db)
                db.execute_sql(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute_sql(f"PRAGMA user_version = {step + 1}")
        except BookError:
            raise
        except Exception as exc:
            where = "" if is_new else f" Your book is unchanged; a copy was kept at {backup_path}."
            raise _refuse(path, f"upgrading it to book format {step + 1} failed ({exc}).{where}", "upgrade") from exc
    if not is_new:
        # Put the new format into the file's own header now, not at the next checkpoint.
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _refuse_later_columns(db: pw.SqliteDatabase, path: Path, version: int) -> None:
    for later, added in ADDED_COLUMNS.items():
        if later <= version:
            continue
        for table, column in added:
            columns = {row[1] for row in db.execute_sql(f"PRAGMA table_info({table})")}
            if column in columns:
                raise bookfile.untrusted(
                    path,
                    [
                        f"it says it is in book format {version}, but it already has what format {later} added "
                        f"(the column “{column}” of “{table}”): its format number was changed"
                    ],
                )


def open_to_check(path: str | os.PathLike) -> Book:
    """Open a book to be checked, read-only: nothing is written to it, it is never migrated, and it works on
    read-only media. Where the book may be written at all, it is locked against the app while it is checked,
    with the lock an open book takes (SQLite may create an empty log beside it for that moment, removed when
    the check ends); on read-only media nobody can write it meanwhile, and it is read as it lies, with no lock
    and no file made beside it. A book in an older format is checked through a private copy migrated in a
    temporary folder. Raises BookError, as opening does.

    A book kept in PostgreSQL (its address) is opened as the app opens it, but never made there: the server keeps
    its data (no file, no lock: others may be writing it meanwhile, each operation in a transaction of its own),
    and shared books are made in the current format only."""
    if isinstance(path, str) and path.startswith(("postgresql://", "postgres://")):
        return open_shared(path, create=False)
    path = Path(path).expanduser().absolute()
    version = bookfile.probe(path, schema_version())
    for suffix, what in (("-journal", "a rollback journal"), ("-wal", "a log of its latest changes")):
        beside = Path(f"{path}{suffix}")
        if beside.exists() and beside.stat().st_size > 0:
            raise _refuse(
                path,
                f"{what} lies beside it (“{beside.name}”): it is open in Escrowbook now, or Escrowbook stopped "
                "before closing it. Close it there, or open it in Escrowbook once (it takes in those changes), "
                "then try again.",
                "not_closed",
            )
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)
    if writable:
        conn = bookfile.new_connection(path)
    else:
        conn = bookfile.new_connection(bookfile.read_only_uri(path, immutable=True), uri=True)
    try:
        if writable:
            bookfile._lock(conn, path)  # (refused in words when the app has it open)
        conn.execute("PRAGMA query_only = ON")
        found = conn.execute("SELECT type, name FROM sqlite_master").fetchall()
        foreign = bookfile.foreign_objects(found)
        if foreign:
            raise bookfile.untrusted(path, foreign)
        if version < schema_version():
            return _checked_copy(path, conn)
        changed = schema_problems(conn.execute)
        if changed:  # nothing the book says can be trusted then: no other finding is reported
            raise bookfile.untrusted(path, changed)
    except sqlite3.Error as exc:
        conn.close()
        raise _refuse(path, f"the file is damaged ({exc}).", "damaged") from None
    except BaseException:
        conn.close()
        raise
    db = _BookDatabase(path, conn)
    db.connect()
    database.initialize(db)
    book = Book(path, db, conn)
    book.read_only = True
    return book


def _checked_copy(path: Path, conn: sqlite3.Connection) -> Book:
    """An older-format book to check: copied into a private temporary folder, migrated there (no backup: the
    book itself is not touched), and opened read-only-in-spirit; the copy is removed when it is closed."""
    folder = Path(tempfile.mkdtemp(prefix="escrowbook-check-"))
    copy = folder / path.name
    try:
        conn.execute("PRAGMA query_only = OFF")  # (the copy is written, not the book: the backup API reads it)
        bookfile._copy(conn, copy)
    except (sqlite3.Error, OSError) as exc:  # (the temporary folder's disk full, say: the book is not at fault)
        _remove_quietly(copy)
        with contextlib.suppress(OSError):
            folder.rmdir()
        raise _refuse(
            path,
            f"it is in an older format, and is read through a copy in the temporary folder ({folder.parent}), "
            f"which could not hold that copy ({exc}). Free some space there, then try again. The book was left as "
            "it is.",
            "no_room",
        ) from None
    finally:
        conn.close()
    try:
        opened = bookfile.connect(copy, schema_version())
        db = _BookDatabase(copy, opened.conn)
        db.connect()
        database.initialize(db)
        _refuse_later_columns(db, path, opened.version)
        for step in range(opened.version, schema_version()):
            with db.atomic():
                MIGRATIONS[step](db)
                db.execute_sql(f"PRAGMA user_version = {step + 1}")
        changed = schema_problems(db.execute_sql)
        if changed:
            raise bookfile.untrusted(path, changed)
    except BaseException:
        if database.obj is not None and not database.obj.is_closed():
            database.obj.close()
        database.initialize(None)
        _remove_quietly(copy)
        with contextlib.suppress(OSError):
            folder.rmdir()
        raise
    book = Book(copy, db, opened.conn)
    book.read_only = True
    book.copy_of = path
    return book


def save_copy(book: Book, target: str | os.PathLike) -> Path:
    """A consistent copy of the open book at `target` (SQLite's backup API), written to a temporary
    file, checked whole and moved into place, mode 0600. Never over the open book itself, nor over a
    book open in another window or program; a copy the disk cannot hold is refused, `target` intact."""
    from .backup import copy_book  # backup.py builds on this module

    target = Path(target).expanduser().absolute()
    if target == book.path or (target.exists() and target.samefile(book.path)):
        raise BookError("A copy cannot be saved over the open book itself: choose another file.", reason="same_file")
    try:
        copy_book(book.db.connection(), target, new_book=True)
    except (OSError, sqlite3.Error) as exc:
        full = "full" in str(exc).lower() or getattr(exc, "errno", None) == errno.ENOSPC
        why = "the disk is full" if full else (getattr(exc, "strerror", None) or str(exc))
        raise BookError(
            f"The copy could not be saved to “{target}” ({why}). Nothing was replaced.", reason="unwritable"
        ) from None
    return target


def _remove_quietly(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
