"""The `escrowbook` command: the app by default, and headless subcommands for scripting.

    escrowbook [--book PATH]                         open the app
    escrowbook demo PATH --contracts N [--seed S] [--statement FILE.csv [--statement-format NAME]]
                                                     write a demo book (and the marketplace's statement of it)
    escrowbook check PATH                            verify a book (exit 1 if anything is wrong)
    escrowbook export-pdf --book PATH (--contract ID ...|--all|--status S) --out DIR|FILE.pdf
               [--combined] [--include-private]      contract summaries to PDF
    escrowbook export-csv --book PATH --out DIR      contracts, milestones and ledger as CSV
    escrowbook import-csv --book PATH --from DIR [--dry-run]
                                                     the same CSV files back (all or nothing)
    escrowbook reconcile --book PATH --statement FILE.csv [--format NAME] [--record-missing] [--json]
                                                     import the marketplace's statement and compare it with
                                                     the books (exit 0: they agree, 1: they differ,
                                                     2: the statement or the book cannot be read)
    escrowbook report --book PATH --year YYYY --out DIR [--home CUR|none]
                                                     the year-end pack: one PDF of every report and of each
                                                     freelancer's contracts, and each report as CSV, into DIR
    escrowbook people add postgresql://… --login L --name "NAME" --role owner|bookkeeper|viewer
    escrowbook people remove postgresql://… --login L
    escrowbook people list postgresql://…           a shared book's people and their roles (the server
                                                     enforces them: models/people.py)
    escrowbook --smoke-test                          check this copy of the app works (exit 0 if it does)

Headless commands never need a display: only `export-pdf` and `report` import Qt, to lay out their pages
offscreen.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import time
from pathlib import Path

from desktop.version import app_version


class _VersionAction(argparse.Action):
    """--version, looking the version up only when asked (argparse's own "version" action needs it built in)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"Escrowbook {app_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="escrowbook", description="Offline books for fixed-price contracts.")
    parser.add_argument("--version", action=_VersionAction, help="show the version and exit")
    parser.add_argument("--book", metavar="PATH", help="the book file to open (default: your user data folder)")
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="open a demo book offscreen in a temporary folder, then close; exit 0 if all of it worked",
    )
    # For benchmarks/startup.py: print "shown" once the window is on screen, then quit.
    parser.add_argument("--quit-when-shown", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="write a realistic demo book")
    demo.add_argument("path", metavar="PATH", help="where to write the new book (must not exist)")
    demo.add_argument("--contracts", type=int, default=200, metavar="N", help="how many contracts (default 200)")
    demo.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (same seed, same book)")
    demo.add_argument(
        "--statement", metavar="FILE.csv", help="also write the marketplace's statement of the book (must not exist)"
    )
    demo.add_argument(
        "--statement-format",
        choices=STATEMENT_FORMATS,
        default=STATEMENT_FORMATS[0],
        help=f"the statement's format (default {STATEMENT_FORMATS[0]})",
    )
    check = sub.add_parser("check", help="verify a book: SQLite integrity, the ledger's balances and its hash chain")
    check.add_argument("path", metavar="PATH", help="the book to check")
    pdf = sub.add_parser("export-pdf", help="write contract summaries to PDF")
    pdf.add_argument("--book", dest="pdf_book", metavar="PATH", required=True, help="the book to read")
    which = pdf.add_mutually_exclusive_group(required=True)
    which.add_argument("--contract", type=int, nargs="+", metavar="ID", help="these contracts (their numbers)")
    which.add_argument("--all", action="store_true", help="every contract of the book")
    which.add_argument("--status", choices=("active", "ended"), help="every active, or every ended, contract")
    pdf.add_argument("--out", required=True, metavar="DIR|FILE.pdf", help="a folder (one PDF each) or a .pdf file")
    pdf.add_argument("--combined", action="store_true", help="one PDF with a contents page, written to --out")
    pdf.add_argument("--include-private", action="store_true", help="include private notes and private feedback")
    csv_out = sub.add_parser("export-csv", help="write contracts.csv, milestones.csv and ledger.csv")
    csv_out.add_argument("--book", dest="csv_book", metavar="PATH", required=True, help="the book to read")
    csv_out.add_argument("--out", required=True, metavar="DIR", help="the folder to write the three files into")
    csv_in = sub.add_parser("import-csv", help="import contracts.csv, milestones.csv and ledger.csv")
    csv_in.add_argument("--book", dest="csv_book", metavar="PATH", required=True, help="the book to import into")
    csv_in.add_argument("--from", dest="source", required=True, metavar="DIR", help="the folder holding the files")
    csv_in.add_argument("--dry-run", action="store_true", help="check everything, import nothing")
    rec = sub.add_parser(
        "reconcile",
        help="import the marketplace's statement (its transaction history CSV) and compare it with the books",
        description="Import the marketplace's statement and compare it with the books. Exit 0 when they agree, "
        "1 when they differ, 2 when the statement or the book cannot be read.",
    )
    rec.add_argument("--book", dest="rec_book", metavar="PATH", required=True, help="the book to compare")
    rec.add_argument("--statement", required=True, metavar="FILE.csv", help="the statement downloaded")
    rec.add_argument(
        "--format",
        dest="statement_format",
        metavar="NAME",
        help="the statement's format, by key or name (default: found from its header row)",
    )
    rec.add_argument(
        "--record-missing",
        action="store_true",
        help="record what is on the statement only, through the normal operations (each refusal is explained)",
    )
    rec.add_argument("--json", action="store_true", help="print the report as one JSON object")
    pack = sub.add_parser(
        "report",
        help="write the year-end pack: one PDF of every report and each freelancer's contracts, and each report as CSV",
    )
    pack.add_argument("--book", dest="pack_book", metavar="PATH", required=True, help="the book to read")
    pack.add_argument("--year", required=True, metavar="YYYY", help="the year of the pack (1 January to 31 December)")
    pack.add_argument("--out", required=True, metavar="DIR", help="the folder to write the pack into (made if missing)")
    pack.add_argument(
        "--home",
        metavar="CUR",
        help="also convert every figure into this currency (default: the book's home currency; none: no conversion)",
    )
    copy = sub.add_parser(
        "copy-book",
        help="copy a book into an empty PostgreSQL database, or a shared book into a new file, and check the copy",
        description="Copy a whole book from a file into an empty PostgreSQL database (postgresql://user@host/dbname), "
        "or from one into a new file. Both are checked: the copy must pass and hold the same records, totals and "
        "chain of ledger entries as the book it was copied from, or it is removed.",
    )
    copy.add_argument("copy_source", metavar="SOURCE", help="the book to copy (a file, or a shared book's address)")
    copy.add_argument("copy_target", metavar="TARGET", help="a new file, or an empty database's address")
    backup = sub.add_parser(
        "backup",
        help="back up a book into a new file: a copy of a book file, or pg_dump's archive of a shared book",
        description="Back up a book into a new file, with its store's own tools: SQLite's backup API for a book "
        "file (the backup is itself a book), pg_dump's custom format for a shared book (restored with pg_restore "
        "into a new, empty database, then checked with `escrowbook check`).",
    )
    backup.add_argument("backup_book", metavar="BOOK", help="the book (a file, or a shared book's address)")
    backup.add_argument("--out", dest="backup_out", required=True, metavar="FILE", help="the new file to write")
    people = sub.add_parser(
        "people",
        help="a shared book's people and their roles: owner, bookkeeper or viewer",
        description="The people of a book kept in PostgreSQL and what each may do (owner: everything and the "
        "people; bookkeeper: records and corrects; viewer: reads and exports). The server enforces the roles.",
    )
    how = people.add_subparsers(dest="people_command", required=True)
    for name, words in (("add", "add a person, or give them another role"), ("remove", "take a person's role back")):
        one = how.add_parser(name, help=words)
        one.add_argument("people_book", metavar="ADDRESS", help="the shared book (postgresql://user@host/dbname)")
        one.add_argument("--login", required=True, help="their login on the database server")
        if name == "add":
            one.add_argument("--name", required=True, help="their name, as the book shows who made each record")
            one.add_argument("--role", required=True, help="owner, bookkeeper or viewer")
    listing = how.add_parser("list", help="list the people and their roles")
    listing.add_argument("people_book", metavar="ADDRESS", help="the shared book (postgresql://user@host/dbname)")
    return parser


# The statement formats `demo --statement` writes (models/statement_writer.py FORMATS, named here so that the
# parser is built without loading the models).
STATEMENT_FORMATS = ("marketplace-2025", "marketplace-2019")


def _open(path: str, command: str):
    """The book at `path`, or None after saying on stderr why it cannot be opened (it is left untouched)."""
    from models.book import open_book
    from models.errors import BookError

    why = _not_a_file(path)
    if why:
        print(f"escrowbook {command}: “{Path(path).name}” cannot be opened: {why}", file=sys.stderr)
        return None
    try:
        return open_book(path, create=False)
    except BookError as exc:
        print(f"escrowbook {command}: {exc}", file=sys.stderr)
        return None


def _not_a_file(path: str) -> str | None:
    """Why `path` cannot be a book without opening it (a device such as /dev/full, a pipe), or None.
    Asked of the file's type only: opening a pipe would wait for a writer forever."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # missing or unreadable: opening it says which
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):  # (a folder: opening it says it cannot be read)
        return None
    kind = "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a pipe or socket"
    return f"it is {kind}, not a file, so it is not an Escrowbook book."


def cmd_export_csv(args) -> int:
    from models.csv_io import export_csv

    started = time.perf_counter()
    book = _open(args.csv_book, "export-csv")
    if book is None:
        return 1
    try:
        counts = export_csv(args.out)
    except OSError as exc:
        print(f"escrowbook export-csv: could not write into {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    finally:
        book.close()
    took = time.perf_counter() - started
    rows = ", ".join(f"{n:,} rows in {name}" for name, n in counts.items())
    print(f"Wrote {rows} to {args.out} in {took:.1f} s.")
    return 0


def cmd_import_csv(args) -> int:
    from models.csv_io import import_folder
    from models.errors import RuleError

    book = _open(args.csv_book, "import-csv")
    if book is None:
        return 1
    try:
        plan = import_folder(args.source, dry_run=args.dry_run)
    except RuleError as exc:
        print(f"escrowbook import-csv: {exc}", file=sys.stderr)
        return 1
    finally:
        book.close()
    n = plan.counts
    what = f"{n['contracts']:,} contracts, {n['milestones']:,} milestones and {n['entries']:,} ledger entries"
    if args.dry_run:
        print(f"Dry run: {what} would be imported; nothing was written.")
    else:
        print(f"Imported {what} into {args.csv_book}.")
    return 0


def _paint_app():
    """The Qt application a headless command paints PDFs with (fonts need one): offscreen when there is no
    display, the one already running when there is one (tests)."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication(["escrowbook"])


def cmd_export_pdf(args) -> int:
    from datetime import UTC, datetime

    from models.errors import RuleError
    from models.report import select_contracts

    def fail(message: str) -> int:
        print(f"escrowbook export-pdf: {message}", file=sys.stderr)
        return 1

    out = Path(args.out)
    if args.combined and out.suffix.lower() != ".pdf":
        return fail(f"with --combined, --out names the PDF file to write (ending in .pdf), not “{out}”.")
    if not args.combined and out.suffix.lower() == ".pdf":
        return fail("--out names a folder for one PDF per contract; add --combined to write one PDF file.")
    if args.combined and not out.parent.is_dir():
        return fail(f"the folder {out.parent} does not exist.")
    app = _paint_app()  # noqa: F841 - fonts need it
    from desktop.summary_pdf import export_summaries

    started = time.perf_counter()
    book = _open(args.pdf_book, "export-pdf")
    if book is None:
        return 1
    try:
        ids = select_contracts(ids=args.contract, status=args.status)
        if not ids:
            return fail("no contract matches: nothing was written.")
        written = export_summaries(
            ids,
            out,
            book_name=book.name,
            combined=args.combined,
            include_private=args.include_private,
            now=datetime.now(UTC),
        )
    except RuleError as exc:
        return fail(str(exc))
    except OSError as exc:
        from models.refusals import reason

        done = getattr(exc, "written", None)
        if done is None:
            return fail(f"the summaries could not be written to {out}: {reason(exc)}. Nothing was replaced.")
        return fail(
            f"the summaries could not all be written into {out}: {reason(exc)}. {len(done):,} of {len(ids):,} "
            "were written before that, each one whole; no file was replaced by a part-written one."
        )
    finally:
        book.close()
    took = time.perf_counter() - started
    where = out if args.combined else f"{len(written):,} file{'s' if len(written) != 1 else ''} in {out}"
    print(f"Wrote {len(ids):,} summar{'ies' if len(ids) != 1 else 'y'} to {where} in {took:.1f} s.")
    return 0


def cmd_report(args) -> int:
    from datetime import UTC, date, datetime

    from models.money import CURRENCY_EXPONENT

    def fail(message: str) -> int:
        print(f"escrowbook report: {message}", file=sys.stderr)
        return 1

    this_year = date.today().year
    year_text = str(args.year).strip()
    if not (year_text.isascii() and year_text.isdigit() and len(year_text) == 4):
        return fail(f"--year takes a year of four digits, such as {this_year}, not “{args.year}”. Nothing was written.")
    year = int(year_text)
    if year < 1900 or year > this_year:
        return fail(f"--year {year} is not a year the books can hold (1900 to {this_year}). Nothing was written.")
    home = None
    if args.home is not None:
        code = args.home.strip().upper()
        if code == "NONE":
            home = False
        elif code in CURRENCY_EXPONENT:
            home = code
        else:
            return fail(
                f"“{args.home}” is not a currency Escrowbook knows: give a code such as EUR or USD, or “none”. "
                "Nothing was written."
            )
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        return fail(f"--out names the folder to write the pack into, and “{out}” is a file. Nothing was written.")
    app = _paint_app()  # noqa: F841 - fonts need it
    from desktop.pack_pdf import write_pack
    from desktop.widgets.appearance import light_palette
    from desktop.widgets.charts import pack_charts
    from models.pack import build_pack

    started = time.perf_counter()
    book = _open(args.pack_book, "report")
    if book is None:
        return 1
    try:
        pack = build_pack(year, home=home)
        written = write_pack(pack, out, book_name=book.name, generated_at=datetime.now(UTC), charts=pack_charts(),
                             palette=light_palette())  # fmt: skip
    except OSError as exc:
        from models.refusals import reason

        return fail(f"the pack could not be written into {out}: {reason(exc)}. Nothing of it was left there.")
    finally:
        book.close()
    took = time.perf_counter() - started
    converted = f", converted into {pack.home}," if pack.home else ""
    print(f"Wrote the {year} year-end pack{converted} to {out}: {written[0].name} and {len(written) - 1} CSV files "
          f"in {took:.1f} s.")  # fmt: skip
    return 0


def cmd_demo(args) -> int:
    from models.demo import generate
    from models.errors import BookError, RuleError

    started = time.perf_counter()
    if args.statement is not None and Path(args.statement).exists():
        print(
            f"escrowbook demo: “{Path(args.statement).name}” already exists: the demo writes a new statement only. "
            "Nothing was written.",
            file=sys.stderr,
        )
        return 1
    try:
        counts = generate(args.path, args.contracts, seed=args.seed)
    except (RuleError, BookError) as exc:
        print(f"escrowbook demo: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        from models.refusals import in_words

        print(f"escrowbook demo: the demo book could not be written at {args.path}. {in_words(exc)}", file=sys.stderr)
        return 1
    took = time.perf_counter() - started
    print(
        f"Wrote {args.path}: {counts['contract']:,} contracts, {counts['milestone']:,} milestones, "
        f"{counts['ledger_entry']:,} ledger entries in {took:.1f} s."
    )
    if args.statement is not None:
        return _demo_statement(args)
    return 0


def _demo_statement(args) -> int:
    from models.book import open_book
    from models.statement_writer import write_statement

    book = open_book(args.path, create=False)
    try:
        rows = write_statement(args.statement, args.statement_format)
    except OSError as exc:
        from models.refusals import in_words

        print(f"escrowbook demo: the statement could not be written. {in_words(exc)}", file=sys.stderr)
        return 1
    finally:
        book.close()
    print(f"Wrote {args.statement}: the statement of the book, {rows:,} rows ({args.statement_format}).")
    return 0


class _ProgressLine:
    """The check's progress as one line rewritten in place, on a terminal only (a script sees the result alone)."""

    def __init__(self, stream):
        self.stream = stream
        self.shown = ""

    def __call__(self, done: int, total: int, what: str) -> None:
        line = f"Checking… {100 * done // max(total, 1)}% ({what})" if done < total else ""
        if line != self.shown:
            self.stream.write(f"\r\x1b[K{line}")
            self.stream.flush()
            self.shown = line

    def clear(self) -> None:
        self(1, 1, "")


def cmd_check(args) -> int:
    import threading

    from models.book import open_to_check
    from models.check import CheckCancelled, check_book
    from models.errors import BookError
    from models.queries import book_totals

    where = args.path  # as the user typed it; a shared book's address without its password
    if str(where).startswith(("postgresql://", "postgres://")):
        from models.pgstore import shown

        where = shown(where)
    started = time.perf_counter()
    try:  # read-only: nothing is written to the book or beside it, and it is never migrated
        book = open_to_check(args.path)
    except BookError as exc:
        print(f"escrowbook check: {exc}", file=sys.stderr)
        return 1
    line = _ProgressLine(sys.stdout) if sys.stdout.isatty() else None
    cancel = threading.Event()
    try:
        problems = check_book(str(book.path), progress=line, cancel=cancel)
        totals = book_totals() if not problems else {}
    except (KeyboardInterrupt, CheckCancelled):
        cancel.set()  # (the check's other connections stop at once)
        if line is not None:
            line.clear()
        print(f"{where}: the check was stopped before its end; the book was not checked through.")
        return 130
    finally:
        book.close()
    took = time.perf_counter() - started
    if problems:
        print(f"{where}: {len(problems)} problem(s) found:")
        for p in problems:
            print(f"  - {p}")
        return 1
    contracts = sum(t["contracts"] for t in totals.values())
    currencies = len(totals)
    print(f"{where}: OK. {contracts:,} contracts in {currencies} currencies; every invariant holds ({took:.1f} s).")
    return 0


def cmd_copy_book(args) -> int:
    from models.copy_book import copy_book
    from models.errors import BookError

    def step(what: str) -> None:  # one line on a terminal, rewritten as the copy goes
        sys.stdout.write(f"\r\x1b[K{what[:1].upper()}{what[1:]}…")
        sys.stdout.flush()

    terminal = sys.stdout.isatty()
    started = time.perf_counter()
    try:
        copied = copy_book(args.copy_source, args.copy_target, step if terminal else None)
    except BookError as exc:
        if terminal:
            sys.stdout.write("\r\x1b[K")
        print(f"escrowbook copy-book: {exc}", file=sys.stderr)
        return 1
    if terminal:
        sys.stdout.write("\r\x1b[K")
    entries = copied.rows.get("ledger_entry", 0)
    print(
        f"{copied.source} copied to {copied.target}: {copied.contracts:,} contracts, {entries:,} ledger entries; "
        f"both checked, the same records, totals and chain of entries ({time.perf_counter() - started:.1f} s)."
    )
    return 0


def cmd_backup(args) -> int:
    from models.book_backup import back_up
    from models.errors import BookError
    from models.pgstore import shown

    try:
        written = back_up(args.backup_book, args.backup_out)
    except BookError as exc:
        print(f"escrowbook backup: {exc}", file=sys.stderr)
        return 1
    size = written.stat().st_size
    print(f"{shown(args.backup_book)} backed up to {written} ({size / 1_048_576:.1f} MB).")
    return 0


def cmd_people(args) -> int:
    from models import people
    from models.book import open_book
    from models.errors import BookError, RuleError
    from models.pgstore import is_address

    command = f"people {args.people_command}"
    if not is_address(args.people_book):
        print(
            f"escrowbook {command}: people and roles are for a book kept in PostgreSQL (postgresql://…); "
            "a book file has one user, you.",
            file=sys.stderr,
        )
        return 1
    try:  # (the first person added to an empty database makes the book there, as its first opening does)
        book = open_book(args.people_book, create=args.people_command == "add")
    except BookError as exc:
        print(f"escrowbook {command}: {exc}", file=sys.stderr)
        return 1
    try:
        if args.people_command == "add":
            p = people.add(args.login, args.name, args.role)
            print(f"{p.name} ({p.login}) is {people.a(p.role)} of {book.name}: {people.ROLE_WORDS[p.role]}.")
        elif args.people_command == "remove":
            p = people.remove(args.login)
            print(f"{p.name} ({p.login}) is no longer one of {book.name}'s people; their records still name them.")
        else:
            listed = people.people()
            for p in listed:
                role = p.role or "(no longer one of its people)"
                print(f"{p.login}\t{p.name}\t{role}")
            if not listed:
                print(f"{book.name} has no people yet: whoever made it adds them (escrowbook people add).")
    except RuleError as exc:
        print(f"escrowbook {command}: {exc}", file=sys.stderr)
        return 1
    finally:
        book.close()
    return 0


def cmd_reconcile(args) -> int:
    import json

    from models import reconcile as rc
    from models import statements as st
    from models.errors import RuleError
    from models.refusals import in_words
    from models.user_formats import statement_formats_folder

    def refuse(message: str | None, problems: list[str] = ()) -> int:
        """Exit 2: the statement (or the book) could not be read; nothing was recorded."""
        if message is not None:
            print(f"escrowbook reconcile: {message}", file=sys.stderr)
            for p in problems:
                print(f"  - {p}", file=sys.stderr)
        if args.json:
            print(
                json.dumps({"agrees": None, "refused": message or "", "problems": list(problems)}, ensure_ascii=False)
            )
        return 2

    name = Path(args.statement).name
    # The client's own formats (columns matched in the app): where the app keeps them, or the folder
    # ESCROWBOOK_STATEMENT_FORMATS names.
    folder = statement_formats_folder()
    book = _open(args.rec_book, "reconcile")  # (says why not on stderr)
    if book is None:
        return refuse(None, [f"the book “{Path(args.rec_book).name}” could not be opened."])
    try:
        try:
            fmt = st.format_named(args.statement_format, folder) if args.statement_format else None
            imported = rc.import_statement(args.statement, fmt, folder=folder)
        except st.UnknownFormat as exc:
            keys = ", ".join(f.key for f in st.all_formats(folder))
            return refuse(
                f"the statement “{name}” has columns Escrowbook does not know. Match its columns once in the app "
                f"(File → Reconcile Statement…), or give --format with the format it was exported in ({keys}). "
                "Nothing was recorded.",
                exc.problems,
            )
        except st.StatementRefused as exc:
            return refuse(f"the statement “{name}” was not read. Nothing was recorded.", exc.problems)
        except RuleError as exc:
            return refuse(f"the statement “{name}” was not imported: {exc}")
        except (OSError, UnicodeError) as exc:
            return refuse(f"the statement “{name}” could not be read. {in_words(exc)}")
        recorded = rc.record_missing() if args.record_missing and not rc.agrees() else []
        data = rc.report()
        agrees = data["agrees"]
        if args.json:
            data["imported"] = {
                "file": str(args.statement),
                "format": imported.format_name,
                "rows": imported.rows,
                "new": imported.new_lines,
                "already": imported.already,
                "repeated": imported.repeated,
                "words": imported.words(),
            }
            data["recorded"] = [
                {
                    "row": r.row,
                    "recorded": r.entry is not None,
                    "entry": r.entry.id if r.entry else None,
                    "words": r.words,
                }
                for r in recorded
            ]
            print(json.dumps(data, ensure_ascii=False))
        else:
            print("\n".join(_reconcile_text(imported, recorded, data)))
    finally:
        book.close()
    return 0 if agrees else 1


def _reconcile_text(imported, recorded, data: dict) -> list[str]:
    """The reconciliation as a client reads it: what was read, what was recorded, counts, totals, differences."""
    from datetime import date

    from models import reconcile as rc
    from models.labels import day_text
    from models.money import format_money

    def day(iso: str | None) -> str:
        return day_text(date.fromisoformat(iso)) if iso else "—"

    out = [imported.words(), *imported.repeated]
    if data["period"]:
        out.append(f"The statements cover {day(data['period']['from'])} to {day(data['period']['to'])}.")
    if recorded:
        done = sum(r.entry is not None for r in recorded)
        out += ["", f"Recorded from the statement: {done:,} of {len(recorded):,}."]
        out += [f"  {r.words}" for r in recorded]
    out += ["", "Rows by status:"]
    out += [f"  {rc.STATUS_WORDS[s]}: {n:,}" for s, n in data["counts"].items() if n]
    if data["totals"]:
        out += ["", "Totals (statement / books / difference):"]
        for t in data["totals"]:
            cur = t["currency"]
            diff = "agree" if not t["difference"] else f"differ by {format_money(t['difference'], cur)}"
            out.append(
                f"  {cur} {rc.CLASS_WORDS[t['kind']]}: {format_money(t['statement'], cur)} / "
                f"{format_money(t['books'], cur)}: {diff}"
            )
    differences = data["differences"]
    if differences:
        total = sum(data["counts"][s] for s in rc.DIFFERENCES)
        shown = f" (the first {len(differences):,})" if len(differences) < total else ""
        out += ["", f"Differences: {total:,}{shown}"]
        for d in differences:
            cur = d["currency"]
            where = f"row {d['row']}" if d["row"] is not None else "in the books"
            what = [where, day(d["date"] or d["books_date"]), d["contract"] or "no contract"]
            if d["amount"] is not None:
                what.append(f"statement {format_money(d['amount'], cur)}")
            if d["books_amount"] is not None:
                what.append(f"books {format_money(d['books_amount'], cur)}")
            if d["reference"]:
                what.append(f"reference {d['reference']}")
            out.append(f"  {rc.STATUS_WORDS[d['status']]}: {', '.join(what)}. {d['words']}")
    out += ["", "The books and the statement agree." if data["agrees"] else "The books and the statement differ."]
    return out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        return _app(args)
    for name in (
        "path",
        "pdf_book",
        "csv_book",
        "rec_book",
        "pack_book",
        "people_book",
        "statement",
        "out",
        "source",
        "copy_source",
        "copy_target",
        "backup_book",
        "backup_out",
    ):
        if getattr(args, name, None) == "":  # ("" would mean the current folder to the system)
            print(f"escrowbook {args.command}: a file or folder name is needed, not an empty one.", file=sys.stderr)
            return 2 if args.command == "reconcile" else 1  # (reconcile's 1 means the books differ)
    try:
        return _command(args)
    except Exception as exc:
        # The one boundary of every subcommand: storage, system and encoding errors are refused in words
        # (exit 1, no traceback); anything else is a bug, and keeps its traceback.
        from models.refusals import in_words

        words = in_words(exc)
        if words is None:
            raise
        print(f"escrowbook {args.command}: {words}", file=sys.stderr)
        return 1


def _command(args) -> int:
    if args.command == "demo":
        return cmd_demo(args)
    if args.command == "check":
        return cmd_check(args)
    if args.command == "export-pdf":
        return cmd_export_pdf(args)
    if args.command == "export-csv":
        return cmd_export_csv(args)
    if args.command == "import-csv":
        return cmd_import_csv(args)
    if args.command == "reconcile":
        return cmd_reconcile(args)
    if args.command == "report":
        return cmd_report(args)
    if args.command == "copy-book":
        return cmd_copy_book(args)
    if args.command == "backup":
        return cmd_backup(args)
    if args.command == "people":
        return cmd_people(args)
    raise AssertionError(f"no such command: {args.command}")


def _app(args) -> int:
    if args.smoke_test:
        from desktop.smoke import run_smoke_test

        return run_smoke_test()
    from desktop.app import run

    return run(args.book, quit_when_shown=args.quit_when_shown)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
