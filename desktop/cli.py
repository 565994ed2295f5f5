"""The `escrowbook` command: the app by default, and headless subcommands for scripting.

    escrowbook [--book PATH]                         open the app
    escrowbook demo PATH --contracts N [--seed S]    write a demo book
    escrowbook check PATH                            verify a book (exit 1 if anything is wrong)
    escrowbook --smoke-test                          check this copy of the app works (exit 0 if it does)

Headless commands never import Qt, so they start fast and run without a display.
"""

from __future__ import annotations

import argparse
import sys
import time
from importlib.metadata import PackageNotFoundError, version


def app_version() -> str:
    try:
        return version("escrowbook")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="escrowbook", description="Offline books for fixed-price contracts.")
    parser.add_argument("--version", action="version", version=f"Escrowbook {app_version()}")
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
    check = sub.add_parser("check", help="verify a book: SQLite integrity and every R12 invariant")
    check.add_argument("path", metavar="PATH", help="the book to check")
    return parser


def cmd_demo(args) -> int:
    from models.demo import generate
    from models.errors import BookError, RuleError

    started = time.perf_counter()
    try:
        counts = generate(args.path, args.contracts, seed=args.seed)
    except (RuleError, BookError) as exc:
        print(f"escrowbook demo: {exc}", file=sys.stderr)
        return 1
    took = time.perf_counter() - started
    print(
        f"Wrote {args.path}: {counts['contract']:,} contracts, {counts['milestone']:,} milestones, "
        f"{counts['ledger_entry']:,} ledger entries in {took:.1f} s."
    )
    return 0


def cmd_check(args) -> int:
    from models.book import open_book
    from models.check import check_book
    from models.errors import BookError
    from models.queries import book_totals

    started = time.perf_counter()
    try:
        book = open_book(args.path, create=False)
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
    if args.command == "demo":
        return cmd_demo(args)
    if args.command == "check":
        return cmd_check(args)
    if args.smoke_test:
        from desktop.smoke import run_smoke_test

        return run_smoke_test()
    from desktop.app import run

    return run(args.book, quit_when_shown=args.quit_when_shown)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
