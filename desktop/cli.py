"""The `escrowbook` command: the app by default, and headless subcommands for scripting.

    escrowbook [--book PATH]                         open the app
    escrowbook demo PATH --contracts N [--seed S]    write a demo book
    escrowbook check PATH                            verify a book (exit 1 if anything is wrong)
    escrowbook export-pdf --book PATH (--contract ID ...|--all|--status S) --out DIR|FILE.pdf
               [--combined] [--include-private]      contract summaries to PDF
    escrowbook export-csv --book PATH --out DIR      contracts, milestones and ledger as CSV
    escrowbook import-csv --book PATH --from DIR [--dry-run]
                                                     the same CSV files back (all or nothing)
    escrowbook --smoke-test                          check this copy of the app works (exit 0 if it does)

Headless commands never need a display: only `export-pdf` imports Qt, to lay out its pages
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
    return parser


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
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from desktop.summary_pdf import export_summaries

    app = QGuiApplication.instance() or QGuiApplication(["escrowbook"])  # noqa: F841 - fonts need it
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
            book_name=book.path.name,
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


def cmd_demo(args) -> int:
    from models.demo import generate
    from models.errors import BookError, RuleError

    started = time.perf_counter()
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
    return 0


def cmd_check(args) -> int:
    from models.book import open_to_check
    from models.check import check_book
    from models.errors import BookError
    from models.queries import book_totals

    started = time.perf_counter()
    try:  # read-only: nothing is written to the book or beside it, and it is never migrated
        book = open_to_check(args.path)
    except BookError as exc:
        print(f"escrowbook check: {exc}", file=sys.stderr)
        return 1
    try:
        problems = check_book(str(book.path))
        totals = book_totals() if not problems else {}
    finally:
        book.close()
    took = time.perf_counter() - started
    if problems:
        print(f"{args.path}: {len(problems)} problem(s) found:")
        for p in problems:
            print(f"  - {p}")
        return 1
    contracts = sum(t["contracts"] for t in totals.values())
    currencies = len(totals)
    print(f"{args.path}: OK. {contracts:,} contracts in {currencies} currencies; every invariant holds ({took:.1f} s).")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        return _app(args)
    for name in ("path", "pdf_book", "csv_book", "out", "source"):
        if getattr(args, name, None) == "":  # ("" would mean the current folder to the system)
            print(f"escrowbook {args.command}: a file or folder name is needed, not an empty one.", file=sys.stderr)
            return 1
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
    raise AssertionError(f"no such command: {args.command}")


def _app(args) -> int:
    if args.smoke_test:
        from desktop.smoke import run_smoke_test

        return run_smoke_test()
    from desktop.app import run

    return run(args.book, quit_when_shown=args.quit_when_shown)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
