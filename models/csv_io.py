"""CSV export and import: contracts, their milestones and the ledger, as three files in one folder.

The format (fixed; the first row of each file is exactly these headers, in this order):

    contracts.csv   contract, external_id, title, freelancer, agency, email, policy, policy_from,
                    currency, budget, status, started_on, ended_on, end_reason, feedback_closes_at
                    [, initiation_fee]
    milestones.csv  contract, position, title, description, amount, currency, due_on, state,
                    submitted_on, auto_release_on [, first_submitted_on]
    ledger.csv      entry, contract, date, kind, amount, currency, milestone, payment, funding,
                    reverses, memo [, support_case]

- UTF-8 with a byte order mark (spreadsheets then read accents right), comma separated, quoted
  where needed, CRLF line ends.
- `contract` and `entry` are numbers that tie the files together; `milestone` is the milestone's
  position within its contract; `payment`, `funding` and `reverses` name earlier entries (a fee
  refund's `payment` is the initiation fee it returns).
- `initiation_fee`, the last column of contracts.csv, is the contract initiation fee set for each
  contract when it was created (R3, second marketplace version; empty where the policy's fee is
  fixed). It is written only when the book holds such a contract, so a book of contracts under
  fixed fees exports exactly as it always did; import reads a contracts.csv with it or without it
  (without it, a contract under the second version gets the lowest fee of its policy's range).
  In the same way, `first_submitted_on` (milestones.csv: the day work was first submitted, when it was
  submitted again after changes were asked for, R6) is written only when a milestone's first
  submission differs from its latest, and `support_case` (ledger.csv: the reference of the marketplace's
  support case a refund was made through, R9) only when the book holds one.
- Amounts are plain decimals in major units with the currency's decimals and no grouping
  (1234.50, 500 for JPY, 12.500 for KWD), beside a currency column (R1). Dates are ISO
  (2026-03-01); `feedback_closes_at` is an ISO instant in UTC (2026-03-15T23:59:59Z).
- Against formula injection, a cell that would start with =, +, -, @, a tab, a carriage return
  or an apostrophe is written with an apostrophe in front; import takes that apostrophe off.
- Private notes (the contract's notes, the private end note) and the records that are not money
  (feedback, closeout, escrow refund requests and disputes) are not in the CSV: the PDF summary
  carries them.

Import reads all three files, checks every row and reports every problem with its file and row
number (the header is row 1, as a spreadsheet numbers them); an import with any problem imports
nothing. The writing itself is `ops.import_records`, one transaction.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from . import order
from .clock import utc_today
from .entities import Contract, Freelancer, LedgerEntry, Milestone, Policy, database
from .errors import ImportRefused, RuleError
from .fields import (
    MAX_NOTE,
    MAX_TEXT,
    check_day,
    check_due_on,
    check_initiation_fee,
    check_policy_currency,
    check_started_on,
    check_text,
    check_whole_number,
)
from .money import CURRENCY_EXPONENT, MAX_MAJOR, to_minor
from .partfiles import incomplete, remove_leftovers, temporary_beside

FILES = ("contracts.csv", "milestones.csv", "ledger.csv")
HEADERS = {
    "contracts.csv": (
        "contract", "external_id", "title", "freelancer", "agency", "email", "policy", "policy_from",
        "currency", "budget", "status", "started_on", "ended_on", "end_reason", "feedback_closes_at",
    ),
    "milestones.csv": (
        "contract", "position", "title", "description", "amount", "currency", "due_on", "state",
        "submitted_on", "auto_release_on",
    ),
    "ledger.csv": (
        "entry", "contract", "date", "kind", "amount", "currency", "milestone", "payment", "funding",
        "reverses", "memo",
    ),
}  # fmt: skip
# Columns after the fixed ones, written only when the book needs them (import reads a file with or without).
EXTRA_COLUMNS = {
    "contracts.csv": ("initiation_fee",),
    "milestones.csv": ("first_submitted_on",),
    "ledger.csv": ("support_case",),
}
# When the book needs a file's extra column (else the file is exactly as before the second marketplace version).
_EXTRA_NEEDED = {
    "contracts.csv": "SELECT 1 FROM contract WHERE initiation_fee IS NOT NULL LIMIT 1",
    "milestones.csv": "SELECT 1 FROM milestone WHERE first_submitted_on IS NOT submitted_on LIMIT 1",
    "ledger.csv": "SELECT 1 FROM support_case LIMIT 1",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)  # (each one character)
_PLAIN_DECIMAL = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_INSTANT = "%Y-%m-%dT%H:%M:%SZ"


# ------------------------------------------------------------------ cells
def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unsafe_cell(text: str) -> str:
    """What `safe_cell` was given."""
    return text[1:] if text.startswith("'") else text


def plain_amount(minor: int | None, currency: str) -> str:
    """Minor units as a plain decimal in major units: 123450 USD -> "1234.50"."""
    if minor is None:
        return ""
    exp = CURRENCY_EXPONENT[currency]
    whole, frac = divmod(int(minor), 10**exp)
    return f"{whole}.{frac:0{exp}d}" if exp else str(whole)


def _day(d: date | None) -> str:
    return "" if d is None else d.isoformat()


# ------------------------------------------------------------------ export
def _contract_rows() -> Iterator[tuple]:
    sql = """
    SELECT c.id, c.external_id, c.title, f.name, f.agency, f.email, p.key, p.effective_from, c.currency,
           c.budget, c.status, c.started_on, c.ended_on, c.end_reason, c.feedback_closes_at, c.initiation_fee
    FROM contract c JOIN freelancer f ON f.id = c.freelancer_id JOIN policy p ON p.id = c.policy_id
    ORDER BY c.id
    """
    for r in database.execute_sql(sql):
        (cid, ext, title, name, agency, email, key, since, cur, budget, status, started, ended, reason, closes,
         fee) = r  # fmt: skip
        closes_at = "" if not closes else datetime.fromisoformat(str(closes)).strftime(_INSTANT)
        yield (cid, ext, title, name, agency, email, key, since, cur, plain_amount(budget, cur), status, started,
               ended or "", reason, closes_at, plain_amount(fee, cur))  # fmt: skip


def _milestone_rows() -> Iterator[tuple]:
    sql = """
    SELECT m.contract_id, m.position, m.title, m.description, m.amount, c.currency, m.due_on, m.state,
           m.submitted_on, m.auto_release_on, m.first_submitted_on
    FROM milestone m JOIN contract c ON c.id = m.contract_id
    ORDER BY m.contract_id, m.position
    """
    for cid, pos, title, desc, amount, cur, due, state, submitted, auto, first in database.execute_sql(sql):
        yield (cid, pos, title, desc, plain_amount(amount, cur), cur, due or "", state, submitted or "", auto or "",
               first or "")  # fmt: skip


def _ledger_rows() -> Iterator[tuple]:
    sql = """
    SELECT e.id, e.contract_id, e.date, e.kind, e.amount, e.currency, m.position, e.payment_id, e.funding_id,
           e.reverses_id, e.memo, s.reference
    FROM ledger_entry e LEFT JOIN milestone m ON m.id = e.milestone_id LEFT JOIN support_case s ON s.entry_id = e.id
    ORDER BY e.id
    """
    for eid, cid, day, kind, amount, cur, pos, payment, funding, reverses, memo, case in database.execute_sql(sql):
        yield (eid, cid, day, kind, plain_amount(amount, cur), cur, _opt(pos), _opt(payment), _opt(funding),
               _opt(reverses), memo, case or "")  # fmt: skip


def _opt(value) -> str:
    return "" if value is None else str(value)


ROWS = {"contracts.csv": _contract_rows, "milestones.csv": _milestone_rows, "ledger.csv": _ledger_rows}


def write_rows(path: Path, headers: Iterable[str], rows: Iterable[tuple]) -> int:
    """One CSV file as the exports write theirs (UTF-8 with a byte order mark, CRLF, each cell formula-safe), at
    `path` itself (a temporary the caller moves into place), pushed to the disk and checked whole; returns the rows
    written."""
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(headers)
        for row in rows:  # (a text that starts safe as it is: as safe_cell gives it, without a call)
            w.writerow([v if v.__class__ is str and v[:1] not in _FORMULA_FIRST else safe_cell(v) for v in row])
            n += 1
        f.flush()
        written = f.tell()
        os.fsync(f.fileno())
    if Path(path).stat().st_size != written:
        raise incomplete(Path(path), "CSV file")
    return n


def write_csv(path: Path, headers: Iterable[str], rows: Iterable[tuple]) -> int:
    """One CSV file, through a temporary file (models/partfiles.py: a killed export's is removed by the next)
    pushed to the disk and checked whole (as long as what was written) before it is moved into place, so a
    full disk never replaces a good file with a short one; returns the rows written."""
    path = Path(path)
    remove_leftovers(path.parent)
    with temporary_beside(path, "csv") as part:
        n = write_rows(part, headers, rows)
        os.replace(part, path)
    return n


def export_csv(folder: str | os.PathLike) -> dict[str, int]:
    """Write contracts.csv, milestones.csv and ledger.csv into `folder`; rows written per file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with database.atomic():  # one consistent reading of the three
        return {name: write_csv(folder / name, *_columns(name)) for name in FILES}


def _columns(name: str) -> tuple[tuple[str, ...], Iterator[tuple]]:
    """The headers and rows of one file: the fixed columns, and the extra ones when the book needs them."""
    headers = HEADERS[name]
    extra = EXTRA_COLUMNS.get(name, ())
    if extra and database.execute_sql(_EXTRA_NEEDED[name]).fetchone() is not None:
        headers += extra
    width = len(headers)
    return headers, (row[:width] for row in ROWS[name]())


# ------------------------------------------------------------------ import: reading and checking
@dataclass
class ContractIn:
    row: int
    number: int
    external_id: str
    title: str
    freelancer: tuple[str, str, str]  # name, agency, email
    policy: Policy
    currency: str
    budget: int | None
    status: str
    started_on: date
    ended_on: date | None
    end_reason: str
    feedback_closes_at: datetime | None
    initiation_fee: int | None  # R3 (v2): set per contract; None where the policy's fee is fixed


@dataclass
class MilestoneIn:
    row: int
    contract: int
    position: int
    title: str
    description: str
    amount: int
    due_on: date | None
    state: str
    submitted_on: date | None
    auto_release_on: date | None
    first_submitted_on: date | None = None  # R6: left out, the day of the latest submission


@dataclass
class EntryIn:
    row: int
    number: int
    contract: int
    date: date
    kind: str
    amount: int
    milestone: int | None
    payment: int | None
    funding: int | None
    reverses: int | None
    memo: str
    support_case: str = ""  # R9 (v2): the support case a refund was made through (checked on import)


@dataclass
class ImportPlan:
    """Everything the three files say, checked; `problems` lists what stops the import (if anything)."""

    contracts: list[ContractIn] = field(default_factory=list)
    milestones: list[MilestoneIn] = field(default_factory=list)
    entries: list[EntryIn] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"contracts": len(self.contracts), "milestones": len(self.milestones), "entries": len(self.entries)}


class _Row:
    """One row being read: each field parsed, or a problem noted with its file, row and column."""

    def __init__(self, plan: ImportPlan, name: str, number: int, cells: dict[str, str], today: date):
        self.plan, self.name, self.number, self.cells, self.today = plan, name, number, cells, today
        self.ok = True

    def problem(self, column: str | None, message: str) -> None:
        where = f"{self.name} row {self.number}" + (f", {column}" if column else "")
        self.plan.problems.append(f"{where}: {message}")
        self.ok = False

    def text(self, column: str, *, required: bool = False, max_len: int = MAX_TEXT) -> str:
        """Checked as the operations check what is typed (fields.check_text): the same limits, the same words."""
        try:
            return check_text(unsafe_cell(self.cells[column]), column, column, required=required, max_len=max_len)
        except RuleError as exc:
            self.problem(column, exc.message)
            return ""

    def integer(self, column: str, *, required: bool = True) -> int | None:
        """ASCII digits only, within what a book stores (fields.check_whole_number, as the operations)."""
        raw = self.cells[column].strip()
        if not raw and not required:
            return None
        try:
            return check_whole_number(raw, f"The {column}", column)
        except RuleError as exc:
            self.problem(column, exc.message)
            return None

    def day(self, column: str, *, required: bool = True, happened: bool = False) -> date | None:
        """A date within the days a book holds; when it `happened` (an event), not later than today."""
        raw = self.cells[column].strip()
        if not raw and not required:
            return None
        try:
            if not _ISO_DATE.match(raw):
                raise ValueError
            day = date.fromisoformat(raw)
        except ValueError:
            shown = raw if len(raw) <= 30 else raw[:30] + "…"
            self.problem(column, f"“{shown}” is not a date written as YYYY-MM-DD.")
            return None
        try:
            check_day(day, "The date", column)
            if happened:
                order.happened_on(day, self.today)
        except RuleError as exc:
            self.problem(column, exc.message)
            return None
        return day

    def amount(self, column: str, currency: str | None, *, required: bool = True) -> int | None:
        raw = self.cells[column].strip()
        if not raw and not required:
            return None
        if currency is None:
            return None  # the currency's own problem is reported
        if not _PLAIN_DECIMAL.match(raw):
            raw = raw if len(raw) <= 30 else raw[:30] + "…"
            self.problem(column, f"“{raw}” is not a plain amount like 1234.50 (digits and one point, no sign).")
            return None
        value = Decimal(raw)
        if value >= MAX_MAJOR:
            raw = raw if len(raw) <= 30 else raw[:30] + "…"
            self.problem(column, f"“{raw}” is too large for a contract.")
            return None
        try:
            minor = to_minor(value, currency)
        except RuleError as exc:
            self.problem(column, f"“{raw}”: {exc.message}")
            return None
        if minor <= 0:
            self.problem(column, f"“{raw}”: an amount must be more than zero.")
            return None
        return minor

    def currency(self, column: str = "currency") -> str | None:
        raw = self.cells[column].strip()
        if raw not in CURRENCY_EXPONENT:
            self.problem(column, f"“{raw}” is not a currency Escrowbook knows.")
            return None
        return raw

    def choice(self, column: str, allowed: Iterable[str]) -> str:
        raw = self.cells[column].strip()
        allowed = tuple(allowed)
        if raw not in allowed:
            self.problem(column, f"“{raw}” is not one of: {', '.join(allowed)}.")
        return raw


def _read(folder: Path, name: str, plan: ImportPlan) -> list[tuple[int, dict[str, str]]]:
    """The rows of one file as {header: cell}, with their row numbers; problems go to the plan."""
    path = folder / name
    if not path.is_file():
        plan.problems.append(f"{name}: the file is missing from {folder}.")
        return []
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = _row_at(data[: exc.start].decode("utf-8", errors="replace"))
        plan.problems.append(
            f"{name} row {row}: the file is not UTF-8 text (byte {exc.start + 1}). "
            "Save it as “CSV UTF-8” and try again."
        )
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        headers = next(reader, None)
    except csv.Error as exc:
        plan.problems.append(f"{name} row 1: {exc}.")
        return []
    expected = HEADERS[name]
    if headers is None:
        plan.problems.append(f"{name} row 1: the file is empty; its first row must be the headers.")
        return []
    extra = EXTRA_COLUMNS.get(name, ())
    if extra and tuple(h.strip() for h in headers) == expected + extra:
        expected = expected + extra
    elif tuple(h.strip() for h in headers) != expected:
        plan.problems.append(
            f"{name} row 1: the headers must be exactly “{','.join(expected)}”; found “{','.join(headers)}”."
        )
        return []
    rows = []
    number = 1  # the spreadsheet's row: one per record, however many lines its quoted cells take
    try:
        for cells in reader:
            number += 1
            if not any(c.strip() for c in cells):
                continue  # a blank line
            if len(cells) != len(expected):
                plan.problems.append(f"{name} row {number}: {len(cells)} cells; every row has {len(expected)}.")
                continue
            row = dict.fromkeys(HEADERS[name] + EXTRA_COLUMNS.get(name, ()), "")  # an extra column left out: empty
            row.update(zip(expected, cells, strict=True))
            rows.append((number, row))
    except csv.Error as exc:
        plan.problems.append(f"{name} row {number + 1}: {exc}.")
    return rows


def _row_at(text: str) -> int:
    """The spreadsheet row in which `text` (the start of a file) ends: the records before it, plus one."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = 0
    try:
        for _ in reader:
            rows += 1
    except csv.Error:
        rows += 1
    return max(rows, 1) + (1 if text.endswith(("\n", "\r")) else 0)


def read_folder(folder: str | os.PathLike, *, today: date | None = None) -> ImportPlan:
    """Read and check contracts.csv, milestones.csv and ledger.csv; nothing is written."""
    folder = Path(folder)
    today = check_day(utc_today(today), "Today's date", "today")
    plan = ImportPlan()
    raw = {name: _read(folder, name, plan) for name in FILES}
    contracts: dict[int, ContractIn] = {}
    external_ids: dict[str, int] = {}
    for number, cells in raw["contracts.csv"]:
        c = _contract(_Row(plan, "contracts.csv", number, cells, today), contracts, external_ids)
        if c is not None:
            contracts[c.number] = c
            plan.contracts.append(c)
    positions: dict[tuple[int, int], MilestoneIn] = {}
    for number, cells in raw["milestones.csv"]:
        row = _Row(plan, "milestones.csv", number, cells, today)
        m = _milestone(row, raw["contracts.csv"], contracts, positions)
        if m is not None:
            positions[(m.contract, m.position)] = m
            plan.milestones.append(m)
    entries: dict[int, EntryIn] = {}
    listed: set[str] = set()  # every entry number read so far, whether its row was right or not
    for number, cells in raw["ledger.csv"]:
        row = _Row(plan, "ledger.csv", number, cells, today)
        e = _entry(row, raw, contracts, positions, entries, listed)
        listed.add(cells["entry"].strip())
        if e is not None:
            entries[e.number] = e
            plan.entries.append(e)
    if not plan.problems:
        plan.problems += _imported_before(plan)
    return plan


def _signature(title, name, agency, email, started_on, currency, milestones, entries) -> tuple:
    """What makes a contract the same one: who, what, when, and every milestone and ledger amount."""
    return (title, name, agency, email, str(started_on), currency, tuple(sorted(milestones)), tuple(sorted(entries)))


def _imported_before(plan: ImportPlan) -> list[str]:
    """Contracts already in the book, found by what they hold (files without marketplace ids, imported twice)."""
    out = []
    for c in plan.contracts:
        name, agency, email = c.freelancer
        ms = [(m.position, m.title, m.amount) for m in plan.milestones if m.contract == c.number]
        es = [(str(e.date), e.kind, e.amount) for e in plan.entries if e.contract == c.number]
        mine = _signature(c.title, name, agency, email, c.started_on, c.currency, ms, es)
        same = (
            Contract.select(Contract.id)
            .join(Freelancer)
            .where(
                (Contract.title == c.title)
                & (Contract.started_on == c.started_on)
                & (Contract.currency == c.currency)
                & (Freelancer.name == name)
            )
        )
        for (cid,) in same.tuples():
            theirs_ms = Milestone.select(Milestone.position, Milestone.title, Milestone.amount).where(
                Milestone.contract == cid
            )
            theirs_es = LedgerEntry.select(LedgerEntry.date, LedgerEntry.kind, LedgerEntry.amount).where(
                LedgerEntry.contract == cid
            )
            theirs = _signature(c.title, name, agency, email, c.started_on, c.currency, list(theirs_ms.tuples()),
                                [(str(d), k, a) for d, k, a in theirs_es.tuples()])  # fmt: skip
            if theirs == mine:
                out.append(
                    f"contracts.csv row {c.row}: contract {c.number} (“{c.title}” with {name}, started "
                    f"{c.started_on.isoformat()}) is already in this book as contract #{cid}, with the same "
                    "milestones and ledger: these files were imported before."
                )
                break
    return out


def _contract(r: _Row, seen: dict[int, ContractIn], external_ids: dict[str, int]) -> ContractIn | None:
    number = r.integer("contract")
    if number is not None and number in seen:
        r.problem("contract", f"contract {number} is listed twice (first on row {seen[number].row}).")
    external_id = r.text("external_id")
    if external_id and external_id in external_ids:
        r.problem("external_id", f"“{external_id}” is listed twice (first on row {external_ids[external_id]}).")
    elif external_id and Contract.select().where(Contract.external_id == external_id).exists():
        r.problem("external_id", f"“{external_id}” is already in this book: it was imported before.")
    if external_id:
        external_ids.setdefault(external_id, r.number)
    title = r.text("title", required=True)
    name = r.text("freelancer", required=True)
    agency = r.text("agency")
    email = r.text("email")
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        r.problem("email", f"“{email}” is not an email address.")
    key = r.cells["policy"].strip()
    since = r.day("policy_from")
    policy = None
    if since is not None:
        policy = Policy.get_or_none((Policy.key == key) & (Policy.effective_from == since))
        if policy is None:
            r.problem("policy", f"this book has no policy “{key}” in effect from {since.isoformat()}.")
    currency = r.currency()
    budget = r.amount("budget", currency, required=False)
    status = r.choice("status", (Contract.ACTIVE, Contract.ENDED))
    started = r.day("started_on")
    if started is not None:
        try:
            check_started_on(started, r.today)
        except RuleError as exc:
            r.problem("started_on", exc.message)
    if policy is not None and currency is not None:
        try:  # R2: the currency its policy version allows, checked as when a contract is created
            check_policy_currency(policy, currency, started or since)
        except RuleError as exc:
            r.problem("currency", exc.message)
    ended = r.day("ended_on", required=False, happened=True)
    if status == Contract.ENDED and ended is None and r.cells["ended_on"].strip() == "":
        r.problem("ended_on", "an ended contract needs the date it ended.")
    if status == Contract.ACTIVE and ended is not None:
        r.problem("ended_on", "an active contract has no end date.")
    if started and ended and ended < started:
        r.problem("ended_on", f"the contract ended ({ended.isoformat()}) before it started ({started.isoformat()}).")
    end_reason = r.text("end_reason")
    closes_raw = r.cells["feedback_closes_at"].strip()
    closes = None
    if closes_raw:
        try:
            closes = datetime.strptime(closes_raw, _INSTANT)
            check_day(closes.date(), "The date", "feedback_closes_at")
        except RuleError as exc:
            r.problem("feedback_closes_at", exc.message)
        except ValueError:
            r.problem("feedback_closes_at", f"“{closes_raw}” is not an instant like 2026-03-15T23:59:59Z.")
    fee = r.amount("initiation_fee", currency, required=False)
    if policy is not None and currency is not None and r.ok:
        try:
            fee = check_initiation_fee(policy, fee, currency)
        except RuleError as exc:
            r.problem("initiation_fee", exc.message)
    if not r.ok:
        return None
    return ContractIn(r.number, number, external_id, title, (name, agency, email), policy, currency, budget, status,
                      started, ended, end_reason, closes, fee)  # fmt: skip


def _owner(r: _Row, contract_rows, contracts: dict[int, ContractIn]) -> ContractIn | None:
    """The contract a milestone or entry belongs to, from contracts.csv."""
    number = r.integer("contract")
    if number is None:
        return None
    c = contracts.get(number)
    if c is None:
        if any(cells["contract"].strip() == str(number) for _, cells in contract_rows):
            r.ok = False  # that contract's own row has a problem, reported there
        else:
            r.problem("contract", f"contract {number} is not in contracts.csv.")
        return None
    currency = r.cells["currency"].strip()
    if currency != c.currency:
        r.problem("currency", f"“{currency}” is not the currency of contract {number} ({c.currency}).")
    return c


def _milestone(r: _Row, contract_rows, contracts, positions) -> MilestoneIn | None:
    c = _owner(r, contract_rows, contracts)
    position = r.integer("position")
    if c is not None and position is not None and (c.number, position) in positions:
        r.problem("position", f"contract {c.number} already has a milestone at position {position}.")
    title = r.text("title", required=True)
    description = r.text("description", max_len=MAX_NOTE)
    amount = r.amount("amount", c.currency if c else None)
    due = r.day("due_on", required=False)
    if c is not None and due is not None:
        try:
            check_due_on(c, due)  # the milestone's own rule: on or after the start, within ten years of it
        except RuleError as exc:
            r.problem("due_on", exc.message)
    states = (Milestone.UNFUNDED, Milestone.ACTIVE, Milestone.SUBMITTED, Milestone.PAID, Milestone.CLOSED)
    state = r.choice("state", states)
    submitted = r.day("submitted_on", required=False, happened=True)
    auto = r.day("auto_release_on", required=False)
    if state == Milestone.SUBMITTED and submitted is None:
        r.problem("submitted_on", "work under review needs the day it was submitted.")
    first = r.day("first_submitted_on", required=False, happened=True)
    if first is not None and (submitted is None or first > submitted):
        r.problem("first_submitted_on", "the first submission is on or before the latest one (submitted_on).")
    if not r.ok or c is None:
        return None
    return MilestoneIn(
        r.number, c.number, position, title, description, amount, due, state, submitted, auto, first or submitted
    )


def _entry(r: _Row, raw, contracts, positions, entries: dict[int, EntryIn], listed: set[str]) -> EntryIn | None:
    number = r.integer("entry")
    if number is not None and number in entries:
        r.problem("entry", f"entry {number} is listed twice (first on row {entries[number].row}).")
    c = _owner(r, raw["contracts.csv"], contracts)
    day = r.day("date", happened=True)
    if c is not None and day is not None and day < c.started_on:
        r.problem("date", f"{day.isoformat()} is before contract {c.number} started ({c.started_on.isoformat()}).")
    kind = r.choice("kind", LedgerEntry.KINDS)
    amount = r.amount("amount", c.currency if c else None)
    milestone = r.integer("milestone", required=False)
    if c is not None and milestone is not None and (c.number, milestone) not in positions:
        mentioned = ((cells["contract"].strip(), cells["position"].strip()) for _, cells in raw["milestones.csv"])
        if (str(c.number), str(milestone)) in mentioned:
            r.ok = False  # that milestone's own row has a problem, reported there
        else:
            r.problem("milestone", f"contract {c.number} has no milestone at position {milestone} in milestones.csv.")
    links = {k: r.integer(k, required=False) for k in ("payment", "funding", "reverses")}
    for column, linked in links.items():
        if linked is None:
            continue
        earlier = entries.get(linked)
        if earlier is None and str(linked) in listed:
            r.ok = False  # that entry's own row has a problem, reported there
        elif earlier is None:
            r.problem(column, f"entry {linked} is not an earlier row of ledger.csv.")
        elif c is not None and earlier.contract != c.number:
            r.problem(column, f"entry {linked} belongs to contract {earlier.contract}, not {c.number}.")
    memo = r.text("memo", max_len=MAX_NOTE)
    case = r.text("support_case")
    if case and kind != LedgerEntry.REFUND:
        r.problem("support_case", "only a refund is made through the marketplace's support.")
    if not r.ok or c is None:
        return None
    return EntryIn(r.number, number, c.number, day, kind, amount, milestone, links["payment"], links["funding"],
                   links["reverses"], memo, case)  # fmt: skip


def import_folder(
    folder: str | os.PathLike, *, dry_run: bool = False, now: datetime | None = None, today: date | None = None
) -> ImportPlan:
    """Read, check and (unless `dry_run`, or anything is wrong) import in one transaction.

    Raises RuleError listing every problem with its file and row; then nothing was imported.
    """
    from . import ops

    plan = read_folder(folder, today=today)
    if plan.problems:
        raise ImportRefused(plan.problems)
    ops.import_records(plan, dry_run=dry_run, now=now or datetime.now(UTC))
    return plan
