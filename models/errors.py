"""The error types of the books.

RuleError: an operation was refused; its message is in a client's words, names
the rule (R1..R14) and, where there is one, the field that is wrong. Nothing
was written. ImportRefused is the RuleError of a CSV import, with every problem.

BookError: a book file could not be opened (not a book, damaged, newer,
locked, read-only). The file was left untouched.
"""


class RuleError(Exception):
    def __init__(self, message: str, *, rule: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.field = field

    def __str__(self) -> str:
        return self.message


class BookError(Exception):
    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.message = message
        self.reason = reason  # "not_a_book", "empty", "damaged", "newer", "locked", "unreadable", "read_only", ...

    def __str__(self) -> str:
        return self.message


class ImportRefused(RuleError):
    """An import with problems: each names its file and row. Nothing was imported."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "\n".join(f"• {p}" for p in problems[:20])
        more = f"\n…and {len(problems) - 20} more." if len(problems) > 20 else ""
        n = len(problems)
        super().__init__(f"Nothing was imported: {n} problem{'s' if n != 1 else ''} found.\n{shown}{more}")
